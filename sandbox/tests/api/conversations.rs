//! Conversations through the API, and the webhook each change sends.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_conforms, start};

#[tokio::test]
async fn a_new_conversation_answers_a_message_whose_id_is_not_the_conversations() {
    let app = start().await;
    let ada = app.create_user("ada@example.com").await;
    let created = app
        .post("/conversations", json!({"from": {"type": "user", "id": ada}, "body": "Where is my order?"}))
        .await;
    assert_eq!(created.status, StatusCode::OK);
    let message = created.body;
    assert_eq!(
        (message["type"].clone(), message["message_type"].clone()),
        (json!("user_message"), json!("inapp"))
    );
    assert_eq!(message["body"], "Where is my order?");
    let (id, conversation_id) =
        (message["id"].as_str().expect("id"), message["conversation_id"].as_str().expect("id"));
    assert_ne!(id, conversation_id);
    assert!(id.parse::<u64>().is_ok() && conversation_id.parse::<u64>().is_ok());
    assert_eq!(app.get(&format!("/conversations/{id}")).await.status, StatusCode::NOT_FOUND);
    let conversation = app.get(&format!("/conversations/{conversation_id}")).await.body;
    assert_eq!(conversation["source"]["body"], "<p>Where is my order?</p>");
    assert_eq!(conversation["source"]["id"], id);
    assert_eq!(conversation["source"]["author"]["id"], ada.as_str());
    assert_eq!(conversation["contacts"]["contacts"][0]["id"], ada.as_str());
    assert_eq!(
        (conversation["state"].clone(), conversation["admin_assignee_id"].clone()),
        (json!("open"), json!(0)),
        "0 is nobody, as the spec says"
    );
    assert_eq!(
        conversation["conversation_parts"],
        json!({"type": "conversation_part.list", "conversation_parts": [], "total_count": 0})
    );
    let hooks = app.webhooks(1).await;
    assert_eq!(hooks.len(), 1);
    assert_eq!(hooks[0].topic(), "conversation.user.created");
    assert_eq!(hooks[0].json()["data"]["item"]["id"], conversation_id);
    assert_eq!(hooks[0].json()["data"]["item"]["source"]["body"], "Where is my order?");
}

#[tokio::test]
async fn every_change_shows_in_order_and_sends_exactly_one_signed_webhook() {
    let app = start().await;
    let ada = app.create_user("ada@example.com").await;
    let id = app.start_conversation(&ada, "Hello").await;
    let path = format!("/conversations/{id}");
    let steps: [(&str, Value, &str, &str); 8] = [
        (
            "reply",
            json!({"type": "user", "message_type": "comment", "intercom_user_id": ada, "body": "Anyone?"}),
            "conversation.user.replied",
            "comment",
        ),
        (
            "reply",
            json!({"type": "admin", "message_type": "comment", "admin_id": "991001", "body": "Hi Ada!"}),
            "conversation.admin.replied",
            "comment",
        ),
        (
            "reply",
            json!({"type": "admin", "message_type": "note", "admin_id": 991002, "body": "<p>VIP customer</p>"}),
            "conversation.admin.noted",
            "note",
        ),
        (
            "parts",
            json!({"message_type": "assignment", "type": "team", "admin_id": "991001", "assignee_id": "881002"}),
            "conversation.admin.assigned",
            "assignment",
        ),
        (
            "parts",
            json!({"message_type": "assignment", "type": "admin", "admin_id": "991001", "assignee_id": "991002"}),
            "conversation.admin.assigned",
            "assignment",
        ),
        (
            "parts",
            json!({"message_type": "close", "type": "admin", "admin_id": "991002"}),
            "conversation.admin.closed",
            "close",
        ),
        ("parts", json!({"message_type": "open", "admin_id": "991002"}), "conversation.admin.opened", "open"),
        (
            "reply",
            json!({"type": "user", "message_type": "comment", "email": "ada@example.com", "body": "Thanks"}),
            "conversation.user.replied",
            "comment",
        ),
    ];
    for (at, (endpoint, body, topic, part_type)) in steps.iter().enumerate() {
        let answer = app.post(&format!("{path}/{endpoint}"), body.clone()).await;
        assert_eq!(answer.status, StatusCode::OK, "{topic}: {}", answer.body);
        let parts =
            answer.body["conversation_parts"]["conversation_parts"].as_array().expect("parts").clone();
        assert_eq!(parts.len(), at + 1, "the answer has every part");
        assert_eq!(parts[at]["part_type"], *part_type);
        let hooks = app.webhooks(at + 2).await;
        assert_eq!(hooks.len(), at + 2, "exactly one webhook for {topic}");
        let hook = &hooks[at + 1];
        assert_eq!(hook.topic(), *topic);
        assert!(hook.signature_verifies(), "{topic} is signed");
        assert_eq!(hook.headers["user-agent"], "intercom-parrot-service-client/1.0");
        assert_eq!(hook.headers["content-type"], "application/json");
        let item = &hook.json()["data"]["item"];
        assert_conforms("GET", &path, 200, item);
        assert_eq!(item["conversation_parts"]["total_count"], 1, "only the new part");
        assert_eq!(item["conversation_parts"]["conversation_parts"][0]["id"], parts[at]["id"]);
    }
    let conversation = app.get(&path).await.body;
    let parts = conversation["conversation_parts"]["conversation_parts"].as_array().expect("parts");
    let summary: Vec<(String, String)> = parts
        .iter()
        .map(|part| {
            (
                part["part_type"].as_str().unwrap_or("").to_owned(),
                part["author"]["id"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let expected = [
        ("comment", ada.as_str()),
        ("comment", "991001"),
        ("note", "991002"),
        ("assignment", "991001"),
        ("assignment", "991001"),
        ("close", "991002"),
        ("open", "991002"),
        ("comment", ada.as_str()),
    ];
    assert_eq!(summary, expected.map(|(kind, author)| (kind.to_owned(), author.to_owned())));
    assert_eq!(parts[1]["body"], "<p>Hi Ada!</p>");
    assert_eq!(parts[2]["body"], "<p>VIP customer</p>");
    assert_eq!(parts[3]["assigned_to"], json!({"type": "team", "id": "881002"}));
    assert_eq!(parts[4]["assigned_to"], json!({"type": "admin", "id": "991002"}));
    assert_eq!(conversation["conversation_parts"]["total_count"], 8);
    let ids: std::collections::HashSet<_> =
        parts.iter().map(|part| part["id"].as_str().expect("string id")).collect();
    assert_eq!(ids.len(), 8, "part ids are unique");
    assert_eq!(conversation["admin_assignee_id"], 991002, "an integer, as in the spec");
    assert_eq!(conversation["team_assignee_id"], 881002);
    assert_eq!(conversation["state"], "open");
    let hooks = app.webhooks(9).await;
    let noted = hooks.iter().find(|hook| hook.topic() == "conversation.admin.noted").expect("noted").json();
    assert_eq!(noted["data"]["item"]["conversation_parts"]["conversation_parts"][0]["body"], "VIP customer");
    assert_eq!(noted["type"], "notification_event");
    assert_eq!(noted["app_id"], "sandbox1");
    assert!(noted["id"].as_str().is_some_and(|id| id.starts_with("notif_")));
}

#[tokio::test]
async fn conversations_list_newest_first_and_are_found_by_contact() {
    let app = start().await;
    let ada = app.create_user("ada@example.com").await;
    let bob = app.create_user("bob@example.com").await;
    let first = app.start_conversation(&ada, "First").await;
    let second = app.start_conversation(&bob, "Second").await;
    let list = app.get("/conversations").await.body;
    assert_eq!(list["type"], "conversation.list");
    assert_eq!(list["total_count"], 2);
    assert_eq!(list["conversations"][0]["id"], second.as_str());
    assert_eq!(list["conversations"][1]["id"], first.as_str());
    assert!(list["conversations"][0].get("conversation_parts").is_none());
    let paged = app.get("/conversations?per_page=1").await.body;
    assert_eq!(paged["pages"]["next"]["starting_after"], "1");
    let since = list["conversations"][1]["created_at"].as_i64().expect("created_at") - 1;
    let found = app
        .post(
            "/conversations/search",
            json!({"query": {"operator": "AND", "value": [
                {"field": "contact_ids", "operator": "=", "value": ada},
                {"field": "created_at", "operator": ">", "value": since},
            ]}}),
        )
        .await
        .body;
    assert_eq!(found["total_count"], 1);
    assert_eq!(found["conversations"][0]["id"], first.as_str());
}

#[tokio::test]
async fn a_refused_webhook_is_retried_and_logged_byte_for_byte() {
    let app = start().await;
    app.refuse_webhooks(1);
    let ada = app.create_user("ada@example.com").await;
    app.start_conversation(&ada, "Hi").await;
    let hooks = app.webhooks(2).await;
    assert_eq!(hooks.len(), 2, "refused once, then delivered");
    assert_eq!(hooks[0].body, hooks[1].body, "a retry sends the same bytes");
    let log: Value = app
        .http
        .get(format!("{}/_sandbox/notifications", app.base))
        .send()
        .await
        .expect("log")
        .json()
        .await
        .expect("json");
    let entry = &log[0];
    assert_eq!(entry["topic"], "conversation.user.created");
    assert_eq!((entry["delivered"].clone(), entry["attempts"].clone()), (json!(true), json!(2)));
    assert_eq!(entry["body"].as_str().expect("body").as_bytes(), &hooks[1].body[..]);
    assert_eq!(entry["signature"].as_str(), hooks[1].headers["x-hub-signature"].to_str().ok());
}

#[tokio::test]
async fn replies_to_unknown_conversations_or_by_strangers_are_refused() {
    let app = start().await;
    let ada = app.create_user("ada@example.com").await;
    let bob = app.create_user("bob@example.com").await;
    let id = app.start_conversation(&ada, "Hi").await;
    let nowhere = app
        .post(
            "/conversations/1/reply",
            json!({"type": "admin", "message_type": "comment", "admin_id": "991001", "body": "x"}),
        )
        .await;
    assert_eq!(nowhere.body["errors"], json!([{"code": "not_found", "message": "Resource Not Found"}]));
    let stranger = app
        .post(
            &format!("/conversations/{id}/reply"),
            json!({"type": "user", "message_type": "comment", "intercom_user_id": bob, "body": "x"}),
        )
        .await;
    assert_eq!(stranger.status, StatusCode::BAD_REQUEST);
    let ghost = app
        .post(
            &format!("/conversations/{id}/reply"),
            json!({"type": "admin", "message_type": "comment", "admin_id": "42", "body": "x"}),
        )
        .await;
    assert_eq!(
        (ghost.status, ghost.body["errors"][0]["code"].clone()),
        (StatusCode::NOT_FOUND, json!("admin_not_found"))
    );
    let unassign = app
        .post(
            &format!("/conversations/{id}/parts"),
            json!({"message_type": "assignment", "type": "admin", "admin_id": "991001", "assignee_id": "0"}),
        )
        .await;
    let parts = &unassign.body["conversation_parts"]["conversation_parts"];
    assert_eq!(parts[0]["assigned_to"], json!({"type": "nobody_admin", "id": null}));
    assert_eq!(app.webhooks(2).await.len(), 2, "refused requests send nothing");
}
