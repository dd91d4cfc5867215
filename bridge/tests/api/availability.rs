//! What one client, a crowd of streams or a stop signal must not do to everyone else: take the
//! bridge's connections, grow its memory for good, or keep it from stopping.

use std::net::SocketAddr;
use std::time::Duration;

use baton_protocol::{EventKind, Seq};
use futures::StreamExt;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpSocket;

use baton_bridge::conversations::Conversations;

use crate::helpers::Api;
use crate::process::BridgeProcess;

/// Waits, polling, until `check` holds; fails the test after a minute.
async fn until<F: std::future::Future<Output = bool>>(what: &str, check: impl Fn() -> F) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while !check().await {
        assert!(tokio::time::Instant::now() < deadline, "{what}: not within a minute");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A TCP connection from `source` to the bridge that sends half a request and stops.
async fn half_open(source: [u8; 4], bridge: SocketAddr) -> Option<tokio::net::TcpStream> {
    let socket = TcpSocket::new_v4().ok()?;
    socket.bind(SocketAddr::from((source, 0))).ok()?;
    let mut stream = socket.connect(bridge).await.ok()?;
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: bridge\r\nX-Slow: ").await.ok()?;
    Some(stream)
}

fn address(api: &Api) -> SocketAddr {
    api.base.trim_start_matches("http://").parse().expect("an address")
}

#[tokio::test]
async fn one_client_holding_1100_half_sent_requests_under_a_1024_file_limit_does_not_stop_another() {
    rlimit::increase_nofile_limit(8_192).expect("the test may open enough files");
    let dir = tempfile::tempdir().expect("temp dir");
    let bridge = BridgeProcess::start_limited(
        &dir.path().join("baton.db"),
        1_024,
        // Long enough that no admitted connection times out (freeing its slot) before the
        // last of the flood is opened, however loaded the machine.
        &["--header-timeout-secs", "15", "--conversations-per-ip-per-minute", "0"],
    )
    .await;
    let at = address(&bridge.api);
    let mut attackers = Vec::new();
    for _ in 0..1_100 {
        if let Some(stream) = half_open([127, 0, 0, 1], at).await {
            attackers.push(stream);
        }
    }
    assert_eq!(attackers.len(), 1_100, "every connection was accepted by the kernel");

    // Another client, from another address, is served at once.
    let other = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let health = other.get(bridge.api.url("/healthz")).send().await.expect("answered");
    assert_eq!(health.status(), 200);
    let created = other
        .post(bridge.api.url("/v1/conversations"))
        .json(&json!({"agent": "demo"}))
        .send()
        .await
        .expect("answered");
    assert_eq!(created.status(), 201, "the other client can start a conversation");

    // The flood was refused past the per-client cap with a 503, not left hanging, and the
    // admitted half-sent requests are closed once their headers are late.
    let (mut refused, mut closed) = (0, 0);
    for stream in &mut attackers {
        let mut answer = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(60), stream.read_to_end(&mut answer)).await;
        assert!(read.is_ok(), "every connection is answered or closed by the bridge");
        if answer.starts_with(b"HTTP/1.1 503") {
            refused += 1;
        } else {
            closed += 1;
        }
    }
    assert_eq!(closed, 256, "the per-client cap admits 256");
    assert_eq!(refused, 1_100 - 256);
    let health = other.get(bridge.api.url("/healthz")).send().await.expect("answered");
    assert_eq!(health.status(), 200, "still serving");
}

#[tokio::test]
async fn streams_that_closed_leave_no_memory_behind() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bridge = BridgeProcess::start_with_flags(
        &dir.path().join("baton.db"),
        0,
        &[
            "--heartbeat-secs",
            "1",
            "--conversations-per-ip-per-minute",
            "0",
            "--max-streams-per-client",
            "0",
            "--max-connections-per-client",
            "0",
        ],
    )
    .await;
    let api = &bridge.api;
    // Each round: 1,000 conversations, each streamed once, then every stream closed.
    let round = || async {
        let streams = futures::stream::iter(0..1_000)
            .map(|_| async {
                let conversation = api.create_conversation().await;
                let response = api
                    .http
                    .get(api.url(&format!("/v1/conversations/{}/events", conversation.id)))
                    .bearer_auth(&conversation.token)
                    .send()
                    .await
                    .expect("the stream opens");
                assert_eq!(response.status(), 200);
                response
            })
            .buffer_unordered(50)
            .collect::<Vec<_>>()
            .await;
        drop(streams);
        until("every closed stream is let go", || async {
            bridge.gauge("baton_open_streams").await == 0
                && bridge.gauge("baton_listened_conversations").await == 0
        })
        .await;
    };
    // Two rounds warm the allocator, the store's caches and the connection buffers up.
    round().await;
    round().await;
    let before = bridge.rss_kib();
    round().await;
    let grown = bridge.rss_kib().saturating_sub(before);
    // Today's main kept a 256-slot channel (~30 KiB) for every conversation ever streamed:
    // about 30 MiB more per round.
    assert!(grown < 12 * 1024, "the third round grew the bridge by {grown} KiB");
}

#[tokio::test]
async fn sigterm_ends_open_streams_lets_the_answer_in_flight_finish_and_exits() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("baton.db");
    let mut bridge = BridgeProcess::start(&db, 30).await;
    let conversation = bridge.api.create_conversation().await;
    let mut events = bridge.api.events(&conversation, Seq(0)).await;
    let sent =
        bridge.api.send(&conversation, json!({"client_id": "a", "text": "How long does shipping take?"}));
    assert_eq!(sent.await.status(), 202);
    events.collect_until(|kind| matches!(kind, EventKind::AgentMessageDelta { .. })).await;
    // A half-sent request too, which must not hold the stop up.
    let _half = half_open([127, 0, 0, 1], address(&bridge.api)).await.expect("connects");
    bridge.terminate().await;
    // The stream ends (the widget resumes elsewhere by `Last-Event-ID`) and the process exits.
    events.rest().await;
    assert_eq!(bridge.exit_code().await, Some(0), "a clean exit");

    // The answer in flight was finished before the exit: nothing is left half-sent for the next
    // start to resume.
    let conversations = Conversations::open(&db).expect("the database opens");
    assert!(conversations.interrupted_answers().await.expect("reads").is_empty(), "no answer left half-sent");
    let transcript = conversations.transcript(&conversation.id).await.expect("reads");
    assert_eq!(transcript.len(), 2, "the question and its whole answer: {transcript:?}");
}

#[tokio::test]
async fn a_second_signal_exits_at_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut bridge = BridgeProcess::start_with_flags(
        &dir.path().join("baton.db"),
        2_000,
        &["--shutdown-grace-secs", "600"],
    )
    .await;
    let conversation = bridge.api.create_conversation().await;
    let mut events = bridge.api.events(&conversation, Seq(0)).await;
    bridge.api.send(&conversation, json!({"client_id": "a", "text": "How long does shipping take?"})).await;
    // An answer paced at 2 s a piece keeps the first stop waiting for minutes.
    events.collect_until(|kind| matches!(kind, EventKind::AgentMessageStarted { .. })).await;
    bridge.terminate().await;
    events.rest().await;
    bridge.terminate().await;
    assert_eq!(bridge.exit_code().await, Some(130), "the second signal exits without waiting");
}

#[tokio::test]
async fn after_a_stop_signal_readyz_turns_away_new_visitors_while_open_streams_are_still_served() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut bridge =
        BridgeProcess::start_with_flags(&dir.path().join("baton.db"), 0, &["--drain-secs", "10"]).await;
    let api = &bridge.api;
    let ready = api.http.get(api.url("/readyz")).send().await.expect("answered");
    assert_eq!(ready.status(), 200, "ready before the signal");
    let conversation = api.create_conversation().await;
    let mut events = api.events(&conversation, Seq(0)).await;
    bridge.terminate().await;
    until("/readyz says the bridge is stopping", || async {
        api.http.get(api.url("/readyz")).send().await.is_ok_and(|answer| answer.status() == 503)
    })
    .await;
    // Still serving while it drains: the health check, and the open stream gets its answer.
    let health = api.http.get(api.url("/healthz")).send().await.expect("answered");
    assert_eq!(health.status(), 200);
    let sent = api.send(&conversation, json!({"client_id": "a", "text": "How long does shipping take?"}));
    assert_eq!(sent.await.status(), 202);
    events.collect_until(|kind| matches!(kind, EventKind::AgentMessageCompleted { .. })).await;
    events.rest().await;
    assert_eq!(bridge.exit_code().await, Some(0));
}

#[tokio::test]
async fn the_stores_commits_and_writes_are_counted_on_metrics() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bridge = BridgeProcess::start(&dir.path().join("baton.db"), 0).await;
    let commits = bridge.gauge("baton_store_commits_total").await;
    let writes = bridge.gauge("baton_store_writes_total").await;
    let conversation = bridge.api.create_conversation().await;
    let sent = bridge.api.send(&conversation, json!({"client_id": "k", "text": "hi"})).await;
    assert_eq!(sent.status(), 202);
    assert!(bridge.gauge("baton_store_writes_total").await >= writes + 2, "the conversation and the message");
    assert!(bridge.gauge("baton_store_commits_total").await > commits);
}
