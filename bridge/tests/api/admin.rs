//! The admin API over HTTP: the token, live changes to an agent saved to the file, reloads,
//! refusals that change nothing, and the handoff-reasons report.

use baton_bridge::settings::SettingsFile;
use baton_protocol::{ConversationCreated, EventKind, Seq};
use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_app_with, Api, Setup, ADMIN_TOKEN};

impl Api {
    /// An admin request with the admin token, answering status and JSON body.
    pub async fn admin(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self.http.request(method, self.url(path)).bearer_auth(ADMIN_TOKEN);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request completes");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// Starts a conversation and sends `text`, returning once the agent has handed off or
    /// answered.
    pub async fn ask(&self, text: &str) -> (ConversationCreated, EventKind) {
        let conversation = self.create_conversation().await;
        let mut events = self.events(&conversation, Seq(0)).await;
        self.send(&conversation, json!({"client_id": "q", "text": text})).await;
        let last = events
            .collect_until(|kind| {
                matches!(kind, EventKind::AgentMessageCompleted { .. } | EventKind::HandoffRequested)
            })
            .await;
        let kind = last.into_iter().last().expect("an event").kind;
        (conversation, kind)
    }
}

#[tokio::test]
async fn the_admin_api_needs_the_admin_token_and_is_off_without_one() {
    let app = spawn_app().await;
    let without = app.http.get(app.url("/v1/admin/agents")).send().await.expect("completes");
    assert_eq!(without.status(), 401);
    let wrong =
        app.http.get(app.url("/v1/admin/agents")).bearer_auth("guess").send().await.expect("completes");
    assert_eq!(wrong.status(), 401);
    let body: Value = wrong.json().await.expect("json");
    assert_eq!(body["error"]["code"], "unauthorized");
    let conversation = app.create_conversation().await;
    let visitor_token = app
        .http
        .get(app.url(&format!("/v1/admin/conversations/{}/decisions", conversation.id)))
        .bearer_auth(&conversation.token)
        .send()
        .await
        .expect("completes");
    assert_eq!(visitor_token.status(), 401, "a conversation's token is not an admin token");

    let off = spawn_app_with(Setup { admin: false, ..Setup::default() }).await;
    let response =
        off.http.get(off.url("/v1/admin/agents")).bearer_auth(ADMIN_TOKEN).send().await.expect("completes");
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"]["code"], "admin_disabled");
}

#[tokio::test]
async fn a_changed_trigger_applies_to_the_next_message_and_is_saved_to_the_file() {
    let app = spawn_app().await;
    let (_, before) = app.ask("Do you do wholesale pricing for cafés?").await;
    assert!(
        matches!(before, EventKind::AgentMessageCompleted { .. }),
        "the demo answers wholesale questions"
    );

    let (status, mut demo) = app.admin(reqwest::Method::GET, "/v1/admin/agents/demo", None).await;
    assert_eq!(status, 200);
    assert_eq!(demo["handoff"]["name"], "Escalate to support");
    demo["handoff"]["when"] = json!("Hand off when someone asks about wholesale.");
    let (status, saved) = app.admin(reqwest::Method::PUT, "/v1/admin/agents/demo", Some(demo.clone())).await;
    assert_eq!(status, 200, "{saved}");

    let (_, after) = app.ask("Do you do wholesale pricing for cafés?").await;
    assert_eq!(after, EventKind::HandoffRequested);
    let file = SettingsFile::load(&app.settings_path()).expect("loads").expect("written");
    assert_eq!(file.agents["demo"].handoff.when, "Hand off when someone asks about wholesale.");
    let (_, shown) = app.admin(reqwest::Method::GET, "/v1/admin/agents", None).await;
    assert_eq!(shown["agents"]["demo"]["handoff"]["when"], "Hand off when someone asks about wholesale.");
}

#[tokio::test]
async fn settings_that_cannot_work_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let (_, demo) = app.admin(reqwest::Method::GET, "/v1/admin/agents/demo", None).await;
    let mut refused = Vec::new();
    for change in [
        json!({"colour": "red"}),
        json!({"allowed_origins": ["shop.example"]}),
        json!({"knowledge": "no-such-file.md"}),
        json!({"name": ""}),
        json!({"model": {"base_url": "localhost:11434", "model": "llama3.1"}}),
    ] {
        let mut body = demo.clone();
        for (key, value) in change.as_object().expect("object") {
            body[key] = value.clone();
        }
        let (status, error) = app.admin(reqwest::Method::PUT, "/v1/admin/agents/demo", Some(body)).await;
        refused.push((status, error["error"]["code"].clone()));
        assert!(error["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{error}");
    }
    assert_eq!(refused[0], (400, json!("bad_request")));
    assert!(refused[1..].iter().all(|refusal| *refusal == (400, json!("invalid_settings"))), "{refused:?}");
    let (_, unchanged) = app.admin(reqwest::Method::GET, "/v1/admin/agents/demo", None).await;
    assert_eq!(unchanged, demo);
    assert!(!app.settings_path().exists(), "nothing was saved");

    let malformed = app
        .http
        .put(app.url("/v1/admin/agents/demo"))
        .bearer_auth(ADMIN_TOKEN)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .expect("completes");
    assert_eq!(malformed.status(), 400);
}

#[tokio::test]
async fn the_model_key_is_kept_but_never_shown() {
    let app = spawn_app().await;
    let (_, mut demo) = app.admin(reqwest::Method::GET, "/v1/admin/agents/demo", None).await;
    demo["model"] =
        json!({"base_url": "http://127.0.0.1:9/v1", "model": "llama3.1", "api_key": "sk-very-secret"});
    let (status, shown) = app.admin(reqwest::Method::PUT, "/v1/admin/agents/demo", Some(demo)).await;
    assert_eq!(status, 200);
    assert!(!shown.to_string().contains("sk-very-secret"), "{shown}");
    let (_, listed) = app.admin(reqwest::Method::GET, "/v1/admin/agents", None).await;
    assert!(!listed.to_string().contains("sk-very-secret"));

    // What GET shows, sent back with a new name, keeps the key.
    let mut again = shown.clone();
    again["name"] = json!("Maple");
    let (status, _) = app.admin(reqwest::Method::PUT, "/v1/admin/agents/demo", Some(again)).await;
    assert_eq!(status, 200);
    let file = SettingsFile::load(&app.settings_path()).expect("loads").expect("written");
    let model = file.agents["demo"].model.as_ref().expect("model");
    assert_eq!(model.api_key.as_ref().map(|key| key.expose()), Some("sk-very-secret"));
}

#[tokio::test]
async fn a_hand_edited_file_is_reloaded_and_a_broken_one_refused() {
    let app = spawn_app().await;
    let mut file = SettingsFile::demo(Vec::new());
    file.agents.get_mut("demo").expect("demo").name = "Maple".into();
    file.save(&app.settings_path()).expect("saved");
    let (status, _) = app.admin(reqwest::Method::POST, "/v1/admin/reload", None).await;
    assert_eq!(status, 200);
    let profile: Value =
        app.http.get(app.url("/v1/agents/demo")).send().await.expect("ok").json().await.expect("json");
    assert_eq!(profile["name"], "Maple");

    std::fs::write(app.settings_path(), "[agents.demo]\nname = ").expect("written");
    let (status, error) = app.admin(reqwest::Method::POST, "/v1/admin/reload", None).await;
    assert_eq!(status, 400);
    assert_eq!(error["error"]["code"], "invalid_settings");
    let profile: Value =
        app.http.get(app.url("/v1/agents/demo")).send().await.expect("ok").json().await.expect("json");
    assert_eq!(profile["name"], "Maple", "the agents in use stay as they were");
}

#[tokio::test]
async fn an_agent_can_be_added_and_removed() {
    let app = spawn_app().await;
    let (_, demo) = app.admin(reqwest::Method::GET, "/v1/admin/agents/demo", None).await;
    let (status, _) = app.admin(reqwest::Method::PUT, "/v1/admin/agents/trade", Some(demo)).await;
    assert_eq!(status, 200);
    assert_eq!(app.http.get(app.url("/v1/agents/trade")).send().await.expect("ok").status(), 200);
    let (status, _) = app.admin(reqwest::Method::DELETE, "/v1/admin/agents/trade", None).await;
    assert_eq!(status, 204);
    assert_eq!(app.http.get(app.url("/v1/agents/trade")).send().await.expect("ok").status(), 404);
    let (status, _) = app.admin(reqwest::Method::DELETE, "/v1/admin/agents/trade", None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn handoffs_are_counted_by_reason_over_a_period() {
    let app = spawn_app().await;
    for question in ["Can I talk to a human?", "I was charged twice", "get me a person please"] {
        let (_, kind) = app.ask(question).await;
        assert_eq!(kind, EventKind::HandoffRequested, "{question}");
    }
    let (_, kind) = app.ask("How long does shipping take?").await;
    assert!(matches!(kind, EventKind::AgentMessageCompleted { .. }));

    let (status, report) =
        app.admin(reqwest::Method::GET, "/v1/agents/demo/analytics/handoff-reasons", None).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["total"], 3);
    assert_eq!(
        report["reasons"],
        json!([
            {"reason": "Asked for a person", "count": 2, "share": 2.0 / 3.0},
            {"reason": "Topic: billing", "count": 1, "share": 1.0 / 3.0},
        ])
    );

    let (_, future) = app
        .admin(
            reqwest::Method::GET,
            "/v1/agents/demo/analytics/handoff-reasons?from=2099-01-01&to=2099-01-31",
            None,
        )
        .await;
    assert_eq!(future["total"], 0);
    assert_eq!(future["from"], "2099-01-01T00:00:00Z");
    assert_eq!(future["to"], "2099-02-01T00:00:00Z", "a date as `to` includes that day");
    let (status, _) = app
        .admin(reqwest::Method::GET, "/v1/agents/demo/analytics/handoff-reasons?from=yesterday", None)
        .await;
    assert_eq!(status, 400);
    let (status, _) = app
        .admin(
            reqwest::Method::GET,
            "/v1/agents/demo/analytics/handoff-reasons?from=2026-02-01&to=2026-01-01",
            None,
        )
        .await;
    assert_eq!(status, 400);
    let (status, _) =
        app.admin(reqwest::Method::GET, "/v1/agents/nobody/analytics/handoff-reasons", None).await;
    assert_eq!(status, 404);
    let anonymous =
        app.http.get(app.url("/v1/agents/demo/analytics/handoff-reasons")).send().await.expect("ok");
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test]
async fn office_hours_and_greetings_per_language_are_set_through_the_admin_api() {
    let app = spawn_app().await;
    let (_, mut demo) = app.admin(reqwest::Method::GET, "/v1/admin/agents/demo", None).await;
    assert_eq!(demo.get("office_hours"), None, "additive: an agent without them shows neither");
    assert_eq!(demo.get("locales"), None);
    // Open on no day but Sunday, for one minute: away now unless the run lands on that minute.
    demo["office_hours"] =
        json!({"days": ["sun"], "opens": "03:00", "closes": "03:01", "utc_offset": "+00:00"});
    demo["locales"] = json!({"fr": {"greeting": "Bonjour !"}});
    let (status, _) = app.admin(reqwest::Method::PUT, "/v1/admin/agents/demo", Some(demo.clone())).await;
    assert_eq!(status, 200);

    let french: Value = app
        .http
        .get(app.url("/v1/agents/demo?lang=fr-CA"))
        .send()
        .await
        .expect("ok")
        .json()
        .await
        .expect("json");
    assert_eq!(french["greeting"], "Bonjour !");
    let back = french["back_at"].as_i64().expect("the team is away and says when it is back");
    assert_eq!(back.rem_euclid(86_400_000), 3 * 3_600_000, "at 03:00 UTC");
    let english: Value =
        app.http.get(app.url("/v1/agents/demo")).send().await.expect("ok").json().await.expect("json");
    assert_ne!(english["greeting"], "Bonjour !");

    demo["locales"] = json!({"it": {"greeting": "Ciao!"}});
    let (status, error) = app.admin(reqwest::Method::PUT, "/v1/admin/agents/demo", Some(demo.clone())).await;
    assert_eq!((status, &error["error"]["field"]), (400, &json!("locales")));
    demo["locales"] = json!({});
    demo["office_hours"]["opens"] = json!("9am");
    let (status, error) = app.admin(reqwest::Method::PUT, "/v1/admin/agents/demo", Some(demo)).await;
    assert_eq!((status, &error["error"]["field"]), (400, &json!("office_hours")));
}

#[tokio::test]
async fn suggested_first_questions_are_set_through_the_admin_api_and_sent_with_the_profile_per_language() {
    let app = spawn_app().await;
    let profile = |lang: &'static str| {
        let (http, url) = (app.http.clone(), app.url(&format!("/v1/agents/demo?lang={lang}")));
        async move { http.get(url).send().await.expect("ok").json::<Value>().await.expect("json") }
    };
    assert_eq!(profile("en").await.get("suggestions"), None, "additive: none configured, none sent");
    let (_, mut demo) = app.admin(reqwest::Method::GET, "/v1/admin/agents/demo", None).await;
    assert_eq!(demo.get("suggestions"), None);
    demo["suggestions"] = json!(["Where is my order?", "How do I brew a pour-over?"]);
    demo["locales"] =
        json!({"fr": {"suggestions": ["Où en est ma commande ?"]}, "de": {"greeting": "Hallo!"}});
    let (status, saved) = app.admin(reqwest::Method::PUT, "/v1/admin/agents/demo", Some(demo.clone())).await;
    assert_eq!(status, 200);
    assert_eq!(saved["suggestions"], demo["suggestions"]);

    assert_eq!(
        profile("en").await["suggestions"],
        json!(["Where is my order?", "How do I brew a pour-over?"])
    );
    assert_eq!(profile("fr").await["suggestions"], json!(["Où en est ma commande ?"]));
    assert_eq!(
        profile("de").await["suggestions"],
        demo["suggestions"],
        "a language without its own questions gets the agent's"
    );

    for (field, wrong) in [
        ("suggestions", json!(["a", "b", "c", "d", "e"])),
        ("suggestions", json!(["   "])),
        ("suggestions", json!(["x".repeat(81)])),
    ] {
        let mut refused = demo.clone();
        refused["suggestions"] = wrong;
        let (status, error) = app.admin(reqwest::Method::PUT, "/v1/admin/agents/demo", Some(refused)).await;
        assert_eq!((status, &error["error"]["field"]), (400, &json!(field)));
    }
    let mut refused = demo.clone();
    refused["locales"]["fr"]["suggestions"] = json!(["a", "b", "c", "d", "e"]);
    let (status, error) = app.admin(reqwest::Method::PUT, "/v1/admin/agents/demo", Some(refused)).await;
    assert_eq!((status, &error["error"]["field"]), (400, &json!("locales.fr.suggestions")));
    assert_eq!(profile("en").await["suggestions"], demo["suggestions"], "a refused change changes nothing");
}
