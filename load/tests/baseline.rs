//! The baseline speaks the widget's wire contract as the bridge does: a conversation is created,
//! its stream carries the visitor's message and a whole streamed answer, a resent message is
//! stored once, and a wrong token opens nothing.

use std::time::Duration;

use baton_load::baseline::{self, answer::ANSWER, Baseline};
use baton_protocol::{
    AgentId, ClientId, ConversationCreated, CreateConversation, ErrorBody, Event, EventKind, MessageAccepted,
    SendMessage, Seq,
};
use eventsource_stream::Eventsource;
use futures::{Stream, StreamExt};

async fn start() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let address = listener.local_addr().expect("has an address");
    let state = Baseline::new(AgentId::from("demo"), Duration::from_millis(1), Duration::from_secs(15));
    tokio::spawn(baseline::serve(listener, state));
    format!("http://{address}")
}

async fn create(client: &reqwest::Client, base: &str) -> ConversationCreated {
    let body = CreateConversation {
        agent: AgentId::from("demo"),
        page_url: None,
        page_title: None,
        locale: None,
        visitor: None,
        preview: None,
    };
    let response = client.post(format!("{base}/v1/conversations")).json(&body).send().await.expect("answers");
    assert_eq!(response.status(), reqwest::StatusCode::CREATED);
    response.json().await.expect("id and token")
}

async fn send(
    client: &reqwest::Client,
    base: &str,
    conversation: &ConversationCreated,
    id: &str,
) -> MessageAccepted {
    let url = format!("{base}/v1/conversations/{}/messages", conversation.id);
    let body = SendMessage {
        client_id: ClientId::from(id),
        text: "How long does shipping take?".into(),
        attachments: Vec::new(),
    };
    let response =
        client.post(url).bearer_auth(&conversation.token).json(&body).send().await.expect("answers");
    assert_eq!(response.status(), reqwest::StatusCode::ACCEPTED);
    response.json().await.expect("a seq")
}

async fn events(
    client: &reqwest::Client,
    base: &str,
    conversation: &ConversationCreated,
) -> impl Stream<Item = (String, Event)> {
    let url = format!("{base}/v1/conversations/{}/events?after=0", conversation.id);
    let response = client.get(url).bearer_auth(&conversation.token).send().await.expect("answers");
    assert!(response.status().is_success(), "{}", response.status());
    response.bytes_stream().eventsource().map(|frame| {
        let frame = frame.expect("a well-formed frame");
        let event = serde_json::from_str(&frame.data).expect("a protocol event");
        (frame.id, event)
    })
}

#[tokio::test]
async fn the_baseline_echoes_a_message_streams_the_demo_answer_and_stores_a_resend_once() {
    let base = start().await;
    let client = reqwest::Client::new();
    let conversation = create(&client, &base).await;
    let mut stream = Box::pin(events(&client, &base, &conversation).await);

    assert_eq!(send(&client, &base, &conversation, "m-1").await.seq, Seq(1));
    let (id, echo) = stream.next().await.expect("the echo");
    assert_eq!(id, "1");
    assert_eq!(
        echo.kind,
        EventKind::VisitorMessage {
            client_id: ClientId::from("m-1"),
            text: "How long does shipping take?".into(),
            attachments: Vec::new()
        }
    );
    // A resend (the widget retrying after a lost answer) is acknowledged with the first seq.
    assert_eq!(send(&client, &base, &conversation, "m-1").await.seq, Seq(1));

    let mut streamed = String::new();
    let (mut deltas, mut last_seq) = (0, 1);
    let completed = loop {
        let (id, event) = stream.next().await.expect("the answer goes on");
        last_seq += 1;
        assert_eq!((id, event.seq), (last_seq.to_string(), Seq(last_seq)));
        match event.kind {
            EventKind::AgentMessageStarted { .. } => assert_eq!(deltas, 0),
            EventKind::AgentMessageDelta { offset, text, .. } => {
                assert_eq!(offset, streamed.len());
                streamed.push_str(&text);
                deltas += 1;
            }
            EventKind::AgentMessageCompleted { text, .. } => break text,
            other => panic!("unexpected {other:?}"),
        }
    };
    assert_eq!((completed.as_str(), streamed.as_str(), deltas), (ANSWER, ANSWER, 20));

    // The resend stored nothing: the next message is the next event.
    assert_eq!(send(&client, &base, &conversation, "m-2").await.seq, Seq(last_seq + 1));
    let (_, next) = stream.next().await.expect("the second message");
    assert!(
        matches!(next.kind, EventKind::VisitorMessage { client_id, .. } if client_id == ClientId::from("m-2"))
    );
}

#[tokio::test]
async fn the_baseline_resumes_a_stream_after_a_seq_and_refuses_a_wrong_token() {
    let base = start().await;
    let client = reqwest::Client::new();
    let conversation = create(&client, &base).await;
    send(&client, &base, &conversation, "m-1").await;

    let url =
        format!("{base}/v1/conversations/{}/events?after=1&token={}", conversation.id, conversation.token);
    let response = client.get(url).send().await.expect("answers");
    let mut stream = Box::pin(response.bytes_stream().eventsource());
    let first = stream.next().await.expect("an event").expect("a frame");
    assert_eq!(first.id, "2", "resumes right after seq 1");

    let url = format!("{base}/v1/conversations/{}/events", conversation.id);
    let refused = client.get(url).bearer_auth("not-the-token").send().await.expect("answers");
    assert_eq!(refused.status(), reqwest::StatusCode::UNAUTHORIZED);
    let body: ErrorBody = refused.json().await.expect("the error shape");
    assert_eq!(body.error.code, "unauthorized");
}
