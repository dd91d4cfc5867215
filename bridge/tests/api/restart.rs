//! Nothing acknowledged is lost when the bridge is killed, and a half-sent answer is finished
//! after the restart without losing or repeating text.

use baton_protocol::{EventKind, Seq};
use serde_json::json;

use crate::helpers::is_completed;
use crate::process::BridgeProcess;

#[tokio::test]
async fn an_acknowledged_message_survives_kill_9() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("baton.db");
    let bridge = BridgeProcess::start(&db, 40).await;
    let conversation = bridge.api.create_conversation().await;
    let sent = bridge.api.send(&conversation, json!({"client_id": "k", "text": "Is my order lost?"})).await;
    assert_eq!(sent.status(), 202);
    bridge.kill_9().await;

    let bridge = BridgeProcess::start(&db, 40).await;
    let snapshot = bridge.api.snapshot(&conversation).await;
    assert_eq!(snapshot.transcript[0].text, "Is my order lost?");
}

#[tokio::test]
async fn kill_9_mid_answer_then_resume_loses_and_repeats_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("baton.db");
    let bridge = BridgeProcess::start(&db, 40).await;
    let conversation = bridge.api.create_conversation().await;
    let mut stream = bridge.api.events(&conversation, Seq(0)).await;
    bridge.api.send(&conversation, json!({"client_id": "k", "text": "How do I brew a pour-over?"})).await;
    let mut before = Vec::new();
    // Ten pieces of twenty (400 ms at 40 ms each): past the first checkpoint, with pieces shown
    // since that the restart streams again from it.
    while before
        .iter()
        .filter(|e: &&baton_protocol::Event| matches!(e.kind, EventKind::AgentMessageDelta { .. }))
        .count()
        < 10
    {
        before.push(stream.next().await);
    }
    bridge.kill_9().await;
    drop(stream);

    let bridge = BridgeProcess::start(&db, 40).await;
    // What a reconnecting EventSource resumes after: the last stored event (deltas have no id).
    let last_seen = before.iter().rev().find(|e| !is_delta(e)).expect("stored events seen").seq;
    let after = bridge.api.events(&conversation, last_seen).await.collect_until(is_completed).await;

    let all: Vec<_> = before.iter().chain(&after).collect();
    let seqs: Vec<u64> = all.iter().filter(|e| !is_delta(e)).map(|e| e.seq.0).collect();
    assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>(), "every stored seq once, in order");
    let shown_before = fold_deltas(&before);
    // The resumed stream hands over the answer so far from offset 0, then the rest: each byte once.
    let resumed = fold_deltas(&after);
    assert!(resumed.starts_with(&shown_before), "{resumed:?} continues {shown_before:?}");
    assert!(resumed.len() > shown_before.len(), "the answer went on after the restart");
    let EventKind::AgentMessageCompleted { text, .. } = &all[all.len() - 1].kind else { unreachable!() };
    assert_eq!(&resumed, text);
    assert!(text.contains("Bloom with 40 g of water"), "{text}");
    let starts = all.iter().filter(|e| matches!(e.kind, EventKind::AgentMessageStarted { .. })).count();
    assert_eq!(starts, 1, "the same answer continued, not a second one");
}

fn is_delta(event: &baton_protocol::Event) -> bool {
    matches!(event.kind, EventKind::AgentMessageDelta { .. })
}

/// The text one stream's deltas carry, each starting where the one before ended: no gap, no
/// byte twice.
fn fold_deltas(events: &[baton_protocol::Event]) -> String {
    let mut streamed = String::new();
    for event in events {
        if let EventKind::AgentMessageDelta { offset, text, .. } = &event.kind {
            assert_eq!(*offset, streamed.len(), "no gap and no overlap in one stream");
            streamed.push_str(text);
        }
    }
    streamed
}
