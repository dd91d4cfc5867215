//! A visitor's conversation end to end: create, send, and read the answer from the event stream.

use baton_protocol::{ErrorBody, EventKind, MessageAccepted, Mode, Seq};
use serde_json::json;

use crate::helpers::{is_completed, spawn_app};

#[tokio::test]
async fn a_visitor_message_is_answered_from_the_knowledge_file_piece_by_piece() {
    let app = spawn_app().await;
    let conversation = app.create_conversation().await;
    let mut events = app.events(&conversation, Seq(0)).await;

    let response =
        app.send(&conversation, json!({"client_id": "k1", "text": "How long does shipping take?"})).await;
    assert_eq!(response.status(), 202);
    let accepted: MessageAccepted = response.json().await.expect("accepted body");
    assert_eq!(accepted.seq, Seq(1));

    let events = events.collect_until(is_completed).await;
    assert!(
        matches!(&events[0].kind, EventKind::VisitorMessage { text, .. } if text == "How long does shipping take?")
    );
    assert!(matches!(events[1].kind, EventKind::AgentMessageStarted { .. }));
    let mut streamed = String::new();
    for event in &events[2..events.len() - 1] {
        let EventKind::AgentMessageDelta { offset, text, .. } = &event.kind else {
            panic!("expected only deltas between start and completion, got {event:?}");
        };
        assert_eq!(*offset, streamed.len(), "each delta starts where the last ended");
        streamed.push_str(text);
    }
    assert!(events.len() > 5, "the answer arrives in several pieces");
    let EventKind::AgentMessageCompleted { text, .. } = &events[events.len() - 1].kind else {
        unreachable!("collect_until stops at completion")
    };
    assert_eq!(&streamed, text);
    assert!(text.contains("Royal Mail"), "answered from the shipping section: {text}");
    // The answer is stored as its start and its completion; its deltas carry the start's seq.
    let seqs: Vec<u64> = events.iter().map(|e| e.seq.0).collect();
    assert_eq!(seqs[..2], [1, 2]);
    assert!(seqs[2..seqs.len() - 1].iter().all(|&seq| seq == 2), "{seqs:?}");
    assert_eq!(seqs[seqs.len() - 1], 3);
}

#[tokio::test]
async fn a_stream_opened_after_a_seq_starts_right_after_it() {
    let app = spawn_app().await;
    let conversation = app.create_conversation().await;
    app.send(&conversation, json!({"client_id": "k1", "text": "Do you sell gift cards?"})).await;
    let all = app.events(&conversation, Seq(0)).await.collect_until(is_completed).await;

    let mut resumed = app.events(&conversation, Seq(1)).await;
    let rest = resumed.collect_until(is_completed).await;
    // The answer finished: it is stored whole, and no delta of it is replayed.
    let stored: Vec<_> =
        all.into_iter().filter(|e| !matches!(e.kind, EventKind::AgentMessageDelta { .. })).collect();
    assert_eq!(rest, stored[1..]);
}

#[tokio::test]
async fn sending_the_same_client_id_twice_stores_one_message() {
    let app = spawn_app().await;
    let conversation = app.create_conversation().await;
    let body = json!({"client_id": "same", "text": "What payment methods do you take?"});
    let first: MessageAccepted = app.send(&conversation, body.clone()).await.json().await.expect("json");
    let second = app.send(&conversation, body).await;
    assert_eq!(second.status(), 202);
    let second: MessageAccepted = second.json().await.expect("json");
    assert_eq!(first, second);

    app.events(&conversation, Seq(0)).await.collect_until(is_completed).await;
    let snapshot = app.snapshot(&conversation).await;
    assert_eq!(snapshot.transcript.len(), 2, "one visitor message, one answer: {snapshot:?}");
    assert_eq!(snapshot.mode, Mode::Ai);
}

#[tokio::test]
async fn a_wrong_or_missing_token_gets_401_and_no_detail() {
    let app = spawn_app().await;
    let conversation = app.create_conversation().await;
    let path = format!("/v1/conversations/{}/messages", conversation.id);
    let body = json!({"client_id": "k", "text": "hi"});
    let wrong = app.http.post(app.url(&path)).bearer_auth("nope").json(&body).send().await.expect("sent");
    let missing = app.http.post(app.url(&path)).json(&body).send().await.expect("sent");
    let unknown = app
        .http
        .post(app.url("/v1/conversations/0000/messages"))
        .bearer_auth(&conversation.token)
        .json(&body)
        .send()
        .await
        .expect("sent");
    let mut bodies = Vec::new();
    for response in [wrong, missing, unknown] {
        assert_eq!(response.status(), 401);
        bodies.push(response.json::<ErrorBody>().await.expect("error shape"));
    }
    assert!(bodies.windows(2).all(|pair| pair[0] == pair[1]), "indistinguishable: {bodies:?}");
}

#[tokio::test]
async fn bad_requests_get_the_error_shape_with_the_right_status() {
    let app = spawn_app().await;
    let conversation = app.create_conversation().await;
    let messages = format!("/v1/conversations/{}/messages", conversation.id);
    let cases = [
        ("/v1/conversations", None, "{not json".to_owned(), 400, "bad_request"),
        ("/v1/conversations", None, json!({"agent": "nobody"}).to_string(), 404, "unknown_agent"),
        (
            messages.as_str(),
            Some(&conversation.token),
            json!({"text": "no id"}).to_string(),
            400,
            "bad_request",
        ),
        (
            messages.as_str(),
            Some(&conversation.token),
            json!({"client_id": "k", "text": "x".repeat(10_001)}).to_string(),
            413,
            "message_too_long",
        ),
        (
            messages.as_str(),
            Some(&conversation.token),
            format!(r#"{{"client_id":"k","text":"{}"}}"#, "x".repeat(200_000)),
            413,
            "body_too_large",
        ),
    ];
    for (path, token, body, status, code) in cases {
        let mut request = app.http.post(app.url(path)).header("content-type", "application/json").body(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request completes");
        assert_eq!(response.status(), status, "{path} → {code}");
        let error: ErrorBody = response.json().await.expect("error shape");
        assert_eq!(error.error.code, code);
    }
    let exactly_max = app.send(&conversation, json!({"client_id": "k", "text": "é".repeat(10_000)})).await;
    assert_eq!(exactly_max.status(), 202, "10,000 characters is allowed, however many bytes");
}

#[tokio::test]
async fn the_visitor_can_be_identified_and_a_bad_email_is_refused() {
    let app = spawn_app().await;
    let created = app
        .http
        .post(app.url("/v1/conversations"))
        .json(&json!({"agent": "demo", "visitor": {"name": "Al", "user_id": "u-1", "user_hash": "abc"}}))
        .send()
        .await
        .expect("sent");
    assert_eq!(created.status(), 201);
    let conversation: baton_protocol::ConversationCreated = created.json().await.expect("created");
    let put = |body: serde_json::Value| {
        app.http
            .put(app.url(&format!("/v1/conversations/{}/visitor", conversation.id)))
            .bearer_auth(&conversation.token)
            .json(&body)
            .send()
    };
    assert_eq!(put(json!({"email": "al@shop.example"})).await.expect("sent").status(), 204);
    let refused = put(json!({"email": "not an email"})).await.expect("sent");
    assert_eq!(refused.status(), 400);
    assert_eq!(refused.json::<ErrorBody>().await.expect("shape").error.code, "bad_request");
    let bad_create = app
        .http
        .post(app.url("/v1/conversations"))
        .json(&json!({"agent": "demo", "visitor": {"email": "@@"}}))
        .send()
        .await
        .expect("sent");
    assert_eq!(bad_create.status(), 400);
}
