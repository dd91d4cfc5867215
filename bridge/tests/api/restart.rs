//! Nothing acknowledged is lost when the bridge is killed, and a half-sent answer is finished
//! after the restart without losing or repeating text. A SQLite file has one bridge at a time.

use std::process::Stdio;

use baton_protocol::{EventKind, Seq};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

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
    let bridge = BridgeProcess::start(&db, 80).await;
    let conversation = bridge.api.create_conversation().await;
    let mut stream = bridge.api.events(&conversation, Seq(0)).await;
    bridge.api.send(&conversation, json!({"client_id": "k", "text": "How do I brew a pour-over?"})).await;
    let mut before = Vec::new();
    // Fifteen pieces of twenty (1.2 s at 80 ms each): past the first checkpoint (a second into
    // the answer on SQLite), with pieces shown since that the restart streams again from it.
    while before
        .iter()
        .filter(|e: &&baton_protocol::Event| matches!(e.kind, EventKind::AgentMessageDelta { .. }))
        .count()
        < 15
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
    // Handed over whole from the checkpoint (about thirteen pieces), not restarted from nothing.
    let Some(EventKind::AgentMessageDelta { text: handed_over, .. }) =
        after.iter().find(|e| is_delta(e)).map(|e| &e.kind)
    else {
        panic!("no delta after the restart: {after:?}")
    };
    assert!(handed_over.len() * 2 > shown_before.len(), "{handed_over:?} is not the checkpoint");
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

/// A second bridge on the same SQLite file would answer the same messages again and never hear
/// the first one's events: it is refused, saying why, and the file is free again once the first
/// bridge is gone, however it went.
#[tokio::test]
async fn a_second_bridge_on_the_same_sqlite_file_is_refused_until_the_first_is_gone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("baton.db");
    let bridge = BridgeProcess::start(&db, 40).await;
    let conversation = bridge.api.create_conversation().await;

    let mut second = tokio::process::Command::new(env!("CARGO_BIN_EXE_baton-bridge"))
        .args(["--addr", "127.0.0.1:0", "--db"])
        .arg(&db)
        .arg("--config")
        .arg(db.with_extension("toml"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the bridge runs");
    let mut stdout = BufReader::new(second.stdout.take().expect("piped stdout")).lines();
    // Either it exits, or it prints the address it serves on: then it started.
    let started = async {
        while let Ok(Some(line)) = stdout.next_line().await {
            if line.contains("http://") {
                return line;
            }
        }
        std::future::pending().await
    };
    let status = tokio::select! {
        status = second.wait() => status.expect("waits"),
        line = started => panic!("a second bridge started on the file: {line}"),
    };
    assert!(!status.success());
    let mut stderr = String::new();
    second.stderr.take().expect("piped stderr").read_to_string(&mut stderr).await.expect("reads stderr");
    assert!(stderr.contains("is open in another bridge process"), "{stderr}");
    assert!(bridge.api.snapshot(&conversation).await.transcript.is_empty(), "the first bridge still serves");

    bridge.kill_9().await;
    let bridge = BridgeProcess::start(&db, 40).await;
    let sent = bridge.api.send(&conversation, json!({"client_id": "k", "text": "Still there?"})).await;
    assert_eq!(sent.status(), 202);
}
