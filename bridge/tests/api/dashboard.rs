//! What the dashboard relies on beyond the agents' settings: conversations its preview starts are
//! tests (only with the agent's preview key), left out of Handoff Reasons unless asked for, each
//! reason lists its conversations, a refused setting names its field, and the sign-in page learns
//! the token only from a bridge that runs as the demo.

use baton_protocol::{EventKind, Seq};
use serde_json::{json, Value};

use crate::helpers::{spawn_app, Api, ADMIN_TOKEN};

impl Api {
    /// Starts a conversation with `body`, sends `text`, and waits for the handoff; the id.
    async fn hand_off_with(&self, body: Value, text: &str) -> String {
        let conversation = self.create_conversation_with(body).await;
        let mut events = self.events(&conversation, Seq(0)).await;
        self.send(&conversation, json!({"client_id": "q", "text": text})).await;
        events.collect_until(|kind| matches!(kind, EventKind::HandoffRequested)).await;
        conversation.id.to_string()
    }
}

#[tokio::test]
async fn preview_conversations_are_tests_left_out_of_the_report_unless_asked_for() {
    let app = spawn_app().await;
    let (status, preview) = app.admin(reqwest::Method::GET, "/v1/admin/agents/demo/preview-key", None).await;
    assert_eq!(status, 200, "{preview}");
    let key = preview["key"].as_str().expect("a key").to_owned();

    let customer = app.hand_off_with(json!({"agent": "demo"}), "I was charged twice").await;
    let test = app.hand_off_with(json!({"agent": "demo", "preview": key}), "I was charged twice").await;
    let (_, decisions) =
        app.admin(reqwest::Method::GET, &format!("/v1/admin/conversations/{test}/decisions"), None).await;
    assert_eq!(decisions["test"], true, "{decisions}");
    let (_, decisions) =
        app.admin(reqwest::Method::GET, &format!("/v1/admin/conversations/{customer}/decisions"), None).await;
    assert_eq!(decisions["test"], false, "{decisions}");

    let reasons = "/v1/agents/demo/analytics/handoff-reasons";
    let (_, report) = app.admin(reqwest::Method::GET, reasons, None).await;
    assert_eq!(
        (report["total"].clone(), report["include_tests"].clone()),
        (json!(1), json!(false)),
        "{report}"
    );
    let (_, report) = app.admin(reqwest::Method::GET, &format!("{reasons}?include_tests=true"), None).await;
    assert_eq!(report["reasons"], json!([{"reason": "Topic: billing", "count": 2, "share": 1.0}]));

    let drill = format!("{reasons}/conversations?reason=Topic%3A%20billing");
    let (status, listed) = app.admin(reqwest::Method::GET, &drill, None).await;
    assert_eq!(status, 200, "{listed}");
    let ids = |listed: &Value| -> Vec<String> {
        let rows = listed["conversations"].as_array().cloned().unwrap_or_default();
        rows.iter().map(|row| row["conversation"].as_str().unwrap_or_default().to_owned()).collect()
    };
    assert_eq!(ids(&listed), std::slice::from_ref(&customer));
    let (_, listed) = app.admin(reqwest::Method::GET, &format!("{drill}&include_tests=true"), None).await;
    assert_eq!(ids(&listed), [test, customer], "newest first");
    assert_eq!(listed["conversations"][0]["test"], true);
    let (_, none) = app
        .admin(
            reqwest::Method::GET,
            &format!("{reasons}/conversations?reason=Asked%20for%20a%20person"),
            None,
        )
        .await;
    assert_eq!(none["conversations"], json!([]));
    let (status, _) =
        app.admin(reqwest::Method::GET, &format!("{drill}&from=2026-02-01&to=2026-01-01"), None).await;
    assert_eq!(status, 400, "a reversed period is refused");
}

#[tokio::test]
async fn a_visitor_without_the_key_cannot_mark_a_conversation_as_a_test() {
    let app = spawn_app().await;
    let (_, other) = app
        .admin(
            reqwest::Method::PUT,
            "/v1/admin/agents/shop",
            Some(json!({"name": "Maple", "company": "Shop", "greeting": "Hi"})),
        )
        .await;
    assert_eq!(other["name"], "Maple");
    let (_, shop) = app.admin(reqwest::Method::GET, "/v1/admin/agents/shop/preview-key", None).await;
    for key in ["guess", shop["key"].as_str().expect("key")] {
        let response = app
            .http
            .post(app.url("/v1/conversations"))
            .json(&json!({"agent": "demo", "preview": key}))
            .send()
            .await
            .expect("completes");
        assert_eq!(response.status(), 403, "{key}");
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["error"]["code"], "preview_refused");
    }
    let anonymous =
        app.http.get(app.url("/v1/admin/agents/demo/preview-key")).send().await.expect("completes");
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test]
async fn a_refused_setting_is_said_in_words_and_names_its_field() {
    let app = spawn_app().await;
    let (_, mut demo) = app.admin(reqwest::Method::GET, "/v1/admin/agents/demo", None).await;
    demo["handoff"]["name"] = json!(" ");
    let (status, body) = app.admin(reqwest::Method::PUT, "/v1/admin/agents/demo", Some(demo.clone())).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["field"], "handoff.name");
    assert_eq!(body["error"]["message"], "The handoff name must be 1 to 120 characters.");
    demo["handoff"]["name"] = json!("Escalate");
    demo["routing"] = json!({"mappings": [
        {"match": "ada@example.com", "assign_to": {"type": "team", "id": "1"}},
        {"match": "example..com", "assign_to": {"type": "team", "id": "1"}},
    ]});
    let (status, body) = app.admin(reqwest::Method::PUT, "/v1/admin/agents/demo", Some(demo)).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["field"], "routing.mappings[1].match", "the second row: {body}");
}

#[tokio::test]
async fn the_sign_in_page_is_not_told_a_token_that_is_not_the_demos() {
    let app = spawn_app().await;
    let answer: Value =
        app.http.get(app.url("/v1/admin/sign-in")).send().await.expect("ok").json().await.expect("json");
    assert_eq!(answer, json!({"demo_token": null}), "the token is {ADMIN_TOKEN}, not the demo's");
}
