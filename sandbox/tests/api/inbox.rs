//! The inbox page: the list, one conversation, and its forms.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{start, TestSandbox};

async fn submit(app: &TestSandbox, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    app.http.post(format!("{}{path}", app.base)).form(form).send().await.expect("form")
}

#[tokio::test]
async fn the_inbox_lists_conversations_and_its_reply_form_answers_as_a_teammate() {
    let app = start().await;
    let ada = app.create_user("ada@example.com").await;
    let id = app.start_conversation(&ada, "My grinder is making a strange noise").await;
    let (status, list) = app.page("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.contains(&format!("href=\"/inbox/{id}\"")), "{list}");
    assert!(list.contains("Ada Lovelace") && list.contains("My grinder is making a strange noise"));
    assert!(list.contains("http-equiv=\"refresh\""));
    let (_, page) = app.page(&format!("/inbox/{id}")).await;
    for label in
        ["Reply as</label>", "Reply</label>", "Send reply</button>", "Note</label>", "Add note</button>"]
    {
        assert!(page.contains(label), "{label}");
    }
    for label in ["Assign to</label>", "Assign</button>", "Close conversation</button>", "ada@example.com"] {
        assert!(page.contains(label), "{label}");
    }
    let sent = submit(
        &app,
        &format!("/inbox/{id}/reply"),
        &[("admin_id", "991002"), ("body", "Let me check that for you.")],
    )
    .await;
    assert_eq!(sent.status(), StatusCode::SEE_OTHER);
    assert_eq!(sent.headers()["location"], format!("/inbox/{id}").as_str());
    let conversation = app.get(&format!("/conversations/{id}")).await.body;
    let part = &conversation["conversation_parts"]["conversation_parts"][0];
    assert_eq!(
        (part["part_type"].clone(), part["author"]["id"].clone()),
        (json!("comment"), json!("991002"))
    );
    assert_eq!(part["body"], "<p>Let me check that for you.</p>");
    let hooks = app.webhooks(2).await;
    assert_eq!(hooks.last().map(|hook| hook.topic()).as_deref(), Some("conversation.admin.replied"));
    assert!(hooks.iter().all(|hook| hook.signature_verifies()));
}

#[tokio::test]
async fn notes_assignments_closing_and_reopening_work_from_the_page() {
    let app = start().await;
    let ada = app.create_user("ada@example.com").await;
    let id = app.start_conversation(&ada, "Hello").await;
    submit(&app, &format!("/inbox/{id}/note"), &[("admin_id", "991001"), ("body", "Check the warranty")])
        .await;
    submit(&app, &format!("/inbox/{id}/assign"), &[("admin_id", "991001"), ("assignee", "team:881003")])
        .await;
    submit(&app, &format!("/inbox/{id}/close"), &[("admin_id", "991001")]).await;
    let (_, closed) = app.page(&format!("/inbox/{id}/parts")).await;
    assert!(closed.contains("Internal note") && closed.contains("Check the warranty"), "{closed}");
    assert!(closed.contains("assigned the conversation to Technical support"));
    assert!(closed.contains("Reopen conversation</button>"));
    submit(&app, &format!("/inbox/{id}/open"), &[("admin_id", "991001")]).await;
    let topics: Vec<String> = app.webhooks(5).await.iter().map(|hook| hook.topic()).collect();
    assert_eq!(
        topics,
        [
            "conversation.user.created",
            "conversation.admin.noted",
            "conversation.admin.assigned",
            "conversation.admin.closed",
            "conversation.admin.opened"
        ]
    );
    assert_eq!(app.get(&format!("/conversations/{id}")).await.body["team_assignee_id"], 881003);
    let (status, _) = app.page("/inbox/12345").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn hostile_html_is_never_shown_live() {
    let app = start().await;
    let hostile = "<script>alert(1)</script><img src=x onerror=alert(1)>";
    let contact = app.post("/contacts", json!({"email": "mallory@example.com", "name": hostile})).await.body;
    let mallory = contact["id"].as_str().expect("id").to_owned();
    let id = app.start_conversation(&mallory, hostile).await;
    let reply =
        json!({"type": "user", "message_type": "comment", "intercom_user_id": mallory, "body": hostile});
    app.post(&format!("/conversations/{id}/reply"), reply).await;
    let note = json!({"type": "admin", "message_type": "note", "admin_id": "991001", "body": format!("<p>ok</p>{hostile}")});
    assert_eq!(app.post(&format!("/conversations/{id}/reply"), note).await.status, StatusCode::OK);
    for path in ["/".to_owned(), format!("/inbox/{id}"), format!("/inbox/{id}/parts")] {
        let (_, page) = app.page(&path).await;
        assert!(!page.contains("<script>alert(1)"), "{path}: {page}");
        assert!(!page.contains("<img src=x"), "{path}");
        let escaped = page.matches("&lt;img src=x onerror").count();
        assert_eq!(page.matches("onerror").count(), escaped, "{path}: onerror only as escaped text");
    }
    let (_, page) = app.page(&format!("/inbox/{id}")).await;
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "text is shown escaped");
}
