//! Files between the widget and Intercom: a visitor's photo goes to Intercom as an attachment
//! (in the handoff's note when sent before it, with the contact's reply after it), by a signed
//! address Intercom downloads, in request bodies that conform to Intercom's OpenAPI description;
//! a teammate's attachment comes back to the widget.

use baton_protocol::{EventKind, Seq};
use serde_json::{json, Value};

use crate::files::PNG;
use crate::helpers::is_completed;
use crate::intercom::{eventually, linked, parts};

fn attachments(part: &Value) -> Vec<Value> {
    part["attachments"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn a_visitors_photos_reach_intercom_with_the_note_and_with_later_replies() {
    let (app, workspace) = linked().await;
    let conversation = app.create_conversation_as_ada().await;
    let mut events = app.events(&conversation, Seq(0)).await;
    let before = app.upload(&conversation, "parcel.png", PNG).await;
    let sent = app
        .send(
            &conversation,
            json!({"client_id": "a", "text": "My parcel arrived broken", "attachments": [before.id]}),
        )
        .await;
    assert_eq!(sent.status(), 202);
    events.collect_until(is_completed).await;
    app.send(&conversation, json!({"client_id": "b", "text": "Can I talk to a person please?"})).await;
    events.collect_until(|kind| matches!(kind, EventKind::HandoffConnected { .. })).await;

    let id = workspace.conversations().await[0]["id"].as_str().expect("id").to_owned();
    let note = parts(&workspace.conversation(&id).await)
        .into_iter()
        .find(|part| part["part_type"] == "note")
        .expect("the transcript note");
    assert!(note["body"].as_str().is_some_and(|body| body.contains("parcel.png")), "{note}");
    let files = attachments(&note);
    assert_eq!(files.len(), 1, "the photo sent before the handoff goes with the note: {note}");
    assert_eq!(files[0]["name"], "parcel.png");
    assert_eq!(files[0]["content_type"], "image/png");
    assert_eq!(files[0]["filesize"], PNG.len());

    // After the handoff, a photo alone: the contact's reply carries it, named in its body.
    let after = app.upload(&conversation, "label side.png", PNG).await;
    app.send(&conversation, json!({"client_id": "c", "text": "", "attachments": [after.id]})).await;
    let reply = eventually("the visitor's photo in Intercom", async || {
        parts(&workspace.conversation(&id).await)
            .into_iter()
            .find(|part| part["author"]["type"] != "admin" && !attachments(part).is_empty())
    })
    .await;
    assert!(reply["body"].as_str().is_some_and(|body| body.contains("label side.png")), "{reply}");
    let files = attachments(&reply);
    assert_eq!((files.len(), &files[0]["name"]), (1, &json!("label side.png")));
    assert!(files[0]["url"].as_str().is_some_and(|url| url.contains("/v1/files/")), "{reply}");
    workspace.assert_requests_conform().await;
}

#[tokio::test]
async fn a_teammates_attachment_reaches_the_widget() {
    let (app, workspace) = linked().await;
    let conversation = app.create_conversation_as_ada().await;
    let mut events = app.events(&conversation, Seq(0)).await;
    app.send(&conversation, json!({"client_id": "a", "text": "Can I talk to a person please?"})).await;
    events.collect_until(|kind| matches!(kind, EventKind::HandoffConnected { .. })).await;
    let id = workspace.conversations().await[0]["id"].as_str().expect("id").to_owned();

    let label = format!("{}/_sandbox/files/label.png", workspace.base);
    let reply = json!({"message_type": "comment", "type": "admin", "admin_id": "991001",
                       "body": "Here is your return label", "attachment_urls": [label]});
    workspace.call(reqwest::Method::POST, &format!("/conversations/{id}/reply"), Some(reply)).await;
    let seen = events.collect_until(|kind| matches!(kind, EventKind::TeammateMessage { .. })).await;
    let Some(EventKind::TeammateMessage { text, attachments, .. }) = seen.last().map(|event| &event.kind)
    else {
        panic!("a teammate message: {seen:?}")
    };
    assert_eq!(text, "Here is your return label");
    let [file] = attachments.as_slice() else { panic!("one attachment: {attachments:?}") };
    assert_eq!(
        (file.name.as_str(), file.content_type.as_str(), file.url.as_str()),
        ("label.png", "image/png", label.as_str())
    );
    assert!(file.size > 0);
}
