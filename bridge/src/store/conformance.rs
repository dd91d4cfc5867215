//! The conformance suite: what every engine must do, written against the seam only (no SQL, no
//! engine types), so each engine runs the same cases. An engine's tests instantiate them all with
//! [`conformance_suite!`](crate::conformance_suite), given a function that opens a fresh engine.

use baton_protocol::{
    AgentId, Attachment, Author, ClientId, ConversationId, EventKind, FileId, MessageId, Mode, Rating, Seq,
    Visitor,
};
use tokio::sync::broadcast::error::RecvError;

use crate::conversations::{now_millis, Conversations};
use crate::secret::Secret;
use crate::store::{
    Appended, BridgeId, ConversationRecord, HandoffId, HandoffStatus, LinkChange, Rated, Span, StoreError,
    Upload, UploadInfo, Work, WorkspaceConnection,
};

/// A fresh engine and whatever must live as long as it (a temporary folder, a cluster).
pub type Fixture = (Box<dyn std::any::Any + Send>, Conversations);

/// Instantiates every case for the engine `open` (an `async fn() -> Fixture`) opens.
#[macro_export]
macro_rules! conformance_suite {
    ($open:path) => {
        $crate::conformance_suite!(@cases $open,
            seqs_are_consecutive_and_the_mode_follows_the_events,
            a_retried_visitor_message_is_stored_once,
            the_transcript_holds_finished_messages_only,
            a_conversation_is_read_with_its_transcript_in_one_go,
            an_interrupted_answer_is_found_with_what_it_showed,
            a_streamed_piece_reaches_listeners_as_a_delta_and_is_never_stored,
            a_listener_joining_mid_answer_gets_its_text_so_far_then_the_rest,
            a_listener_joining_while_an_answer_streams_gets_all_of_it_without_a_gap,
            a_visitor_update_fills_in_without_erasing,
            a_listener_sees_every_event_once_in_order_while_many_append,
            a_write_that_fails_fails_alone,
            a_handoff_is_requested_told_once_and_settled,
            test_conversations_count_in_the_analytics_only_when_asked,
            decisions_are_replaced_and_read_in_order,
            an_answer_is_completed_with_its_decision,
            inbox_links_parts_and_notifications_are_remembered_once,
            copilot_remembers_what_it_drafted_and_posted,
            an_oauth_state_is_used_once_and_only_while_fresh,
            the_workspace_connection_is_replaced_and_read_back,
            an_export_holds_everything_but_the_token_hash,
            an_erased_conversation_is_gone_and_its_feeds_end,
            retention_deletes_what_was_idle_before_the_cutoff,
            an_upload_reads_back_whole_and_goes_with_its_conversation,
            a_visitor_message_keeps_its_attachments,
            a_bucket_allows_its_burst_then_says_how_long_to_wait,
            of_two_claimants_of_the_same_work_exactly_one_wins,
            an_expired_or_released_lease_is_taken_over,
            settled_work_is_never_claimed_again,
            a_part_from_the_inbox_is_relayed_once_with_its_events,
            a_closed_conversation_is_rated_once_counted_apart_from_tests_and_erased_with_it,
        );
    };
    (@cases $open:path, $($case:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let (_guard, conversations) = $open().await;
                $crate::store::conformance::$case(&conversations).await;
            }
        )+
    };
}

async fn conversation(conversations: &Conversations, id: &str) -> ConversationId {
    let id = ConversationId::from(id);
    let record = ConversationRecord {
        visitor: Visitor { name: Some("Al".into()), ..Visitor::default() },
        ..ConversationRecord::new(id.clone(), AgentId::from("demo"), format!("hash-of-{}", id.0))
    };
    conversations.create(&record).await.expect("creates");
    id
}

/// The visitor's message `text` appended to the conversation, as a new one (client id "k").
async fn visitor_says(conversations: &Conversations, id: &ConversationId, text: &str) {
    conversations
        .append_visitor_message(id, ClientId::from("k"), text.into(), Vec::new())
        .await
        .expect("appends");
}

fn seqs(events: &[baton_protocol::Event]) -> Vec<u64> {
    events.iter().map(|event| event.seq.0).collect()
}

/// Events get the conversation's next seq, read back in order; the record follows.
pub async fn seqs_are_consecutive_and_the_mode_follows_the_events(conversations: &Conversations) {
    let id = conversation(conversations, "c1").await;
    let other = conversation(conversations, "c2").await;
    assert_eq!(conversations.append(&id, EventKind::HandoffRequested).await.expect("appends").seq, Seq(1));
    assert_eq!(conversations.append(&other, EventKind::HandoffRequested).await.expect("appends").seq, Seq(1));
    assert_eq!(conversations.append(&id, EventKind::HandoffFailed).await.expect("appends").seq, Seq(2));
    assert_eq!(seqs(&conversations.events_after(&id, Seq(0)).await.expect("reads")), [1, 2]);
    assert_eq!(seqs(&conversations.events_after(&id, Seq(1)).await.expect("reads")), [2]);
    let record = conversations.get(&id).await.expect("reads").expect("exists");
    assert_eq!((record.mode, record.last_seq), (Mode::Connecting, Seq(2)));
    assert!(conversations.get(&ConversationId::from("nope")).await.expect("reads").is_none());
    assert!(conversations.backlog(&ConversationId::from("nope"), Seq(0)).await.expect("reads").is_none());
}

/// The same client id stores one message, whichever send arrives.
pub async fn a_retried_visitor_message_is_stored_once(conversations: &Conversations) {
    let id = conversation(conversations, "c1").await;
    let send = || conversations.append_visitor_message(&id, ClientId::from("k"), "hi".into(), Vec::new());
    let (first, again) = (send().await.expect("appends"), send().await.expect("appends"));
    assert!(matches!(first, Appended::New(ref event) if event.seq == Seq(1)), "{first:?}");
    assert_eq!(again, Appended::Duplicate(Seq(1)));
    assert_eq!(conversations.events_after(&id, Seq(0)).await.expect("reads").len(), 1);
}

/// The transcript: visitor, agent (completed only) and teammate messages, in order.
pub async fn the_transcript_holds_finished_messages_only(conversations: &Conversations) {
    let id = conversation(conversations, "c1").await;
    let m = || MessageId::from("m");
    visitor_says(conversations, &id, "hi").await;
    conversations.append(&id, EventKind::AgentMessageStarted { message_id: m() }).await.expect("appends");
    conversations.checkpoint_answer(&id, &m(), "Hel").await.expect("checkpoints");
    let done = EventKind::AgentMessageCompleted { message_id: m(), text: "Hello".into() };
    conversations.append(&id, done).await.expect("appends");
    let transcript = conversations.transcript(&id).await.expect("reads");
    let seen: Vec<_> =
        transcript.iter().map(|entry| (entry.seq.0, entry.author.clone(), entry.text.as_str())).collect();
    assert_eq!(seen, [(1, Author::Visitor, "hi"), (3, Author::Agent, "Hello")]);
}

/// What a turn starts from, in one read: the conversation as it is now (its mode moved by the
/// handoff) and its finished messages; nothing for a conversation that does not exist.
pub async fn a_conversation_is_read_with_its_transcript_in_one_go(conversations: &Conversations) {
    let id = conversation(conversations, "c1").await;
    visitor_says(conversations, &id, "a person please").await;
    conversations.append(&id, EventKind::HandoffRequested).await.expect("appends");
    let (record, transcript) = conversations.with_transcript(&id).await.expect("reads").expect("exists");
    assert_eq!(Some(&record), conversations.get(&id).await.expect("reads").as_ref());
    assert_eq!((record.mode, record.last_seq), (Mode::Connecting, Seq(2)));
    assert_eq!(transcript, conversations.transcript(&id).await.expect("reads"));
    assert_eq!(transcript.iter().map(|entry| entry.text.as_str()).collect::<Vec<_>>(), ["a person please"]);
    let unknown = conversations.with_transcript(&ConversationId::from("nobody")).await.expect("reads");
    assert!(unknown.is_none());
}

/// An answer stopped mid-stream is found with the text last checkpointed and its start's seq,
/// until completed.
pub async fn an_interrupted_answer_is_found_with_what_it_showed(conversations: &Conversations) {
    let id = conversation(conversations, "c1").await;
    let m = || MessageId::from("m");
    conversations.append(&id, EventKind::AgentMessageStarted { message_id: m() }).await.expect("appends");
    for text in ["Hel", "Hello"] {
        conversations.checkpoint_answer(&id, &m(), text).await.expect("checkpoints");
    }
    let interrupted = conversations.interrupted_answers().await.expect("reads");
    assert_eq!(interrupted.len(), 1);
    assert_eq!((&interrupted[0].conversation, &interrupted[0].message_id), (&id, &m()));
    assert_eq!((interrupted[0].agent.0.as_str(), interrupted[0].shown.as_str()), ("demo", "Hello"));
    assert_eq!(interrupted[0].started, Seq(1));
    let done = EventKind::AgentMessageCompleted { message_id: m(), text: "Hello".into() };
    conversations.append(&id, done).await.expect("appends");
    assert!(conversations.interrupted_answers().await.expect("reads").is_empty());
}

/// A streamed piece reaches listeners as a delta with its answer's seq and the new bytes, and a
/// checkpoint publishes nothing; the log holds only the start and the completion. A checkpoint
/// of no answer in flight, or a piece from inside a character, is refused.
pub async fn a_streamed_piece_reaches_listeners_as_a_delta_and_is_never_stored(
    conversations: &Conversations,
) {
    let id = conversation(conversations, "c1").await;
    let m = || MessageId::from("m");
    let refused = conversations.checkpoint_answer(&id, &m(), "Hi").await;
    assert!(matches!(refused, Err(StoreError::Missing(_))), "{refused:?}");
    let started =
        conversations.append(&id, EventKind::AgentMessageStarted { message_id: m() }).await.expect("appends");
    let mut live = conversations.subscribe(&id, started.seq).await.expect("subscribes").live;
    conversations.stream_answer(&id, &m(), started.seq, "Héllo", 0).expect("streams");
    conversations.checkpoint_answer(&id, &m(), "Héllo").await.expect("checkpoints");
    let refused = conversations.stream_answer(&id, &m(), started.seq, "Héllo", 2);
    assert!(matches!(refused, Err(StoreError::DeltaOutOfRange { from: 2, .. })), "{refused:?}");
    conversations.stream_answer(&id, &m(), started.seq, "Héllo you", 6).expect("streams");
    // The checkpoint in between sent nothing: the next delta is the next piece.
    for (offset, text) in [(0, "Héllo"), (6, " you")] {
        let delta = live.recv().await.expect("a delta");
        assert_eq!(delta.seq, started.seq);
        assert_eq!(delta.kind, EventKind::AgentMessageDelta { message_id: m(), offset, text: text.into() });
    }
    let done = EventKind::AgentMessageCompleted { message_id: m(), text: "Héllo you".into() };
    conversations.append(&id, done).await.expect("appends");
    assert_eq!(seqs(&conversations.events_after(&id, Seq(0)).await.expect("reads")), [1, 2]);
    assert_eq!(conversations.get(&id).await.expect("reads").expect("exists").last_seq, Seq(2));
}

/// Joining (or resuming) mid-answer hands over its text so far as one delta from offset 0 after
/// the stored events: the text streamed, ahead of the last checkpoint, while the answer streams;
/// the checkpoint once its turn ended without a completion. Live deltas continue from there.
/// After the completion, the backlog has the completed event and no delta.
pub async fn a_listener_joining_mid_answer_gets_its_text_so_far_then_the_rest(conversations: &Conversations) {
    let id = conversation(conversations, "c1").await;
    let m = || MessageId::from("m");
    visitor_says(conversations, &id, "hi").await;
    let started =
        conversations.append(&id, EventKind::AgentMessageStarted { message_id: m() }).await.expect("appends");
    conversations.stream_answer(&id, &m(), started.seq, "Hel", 0).expect("streams");
    conversations.checkpoint_answer(&id, &m(), "Hel").await.expect("checkpoints");
    conversations.stream_answer(&id, &m(), started.seq, "Hello", 3).expect("streams");
    let so_far = |text: &str| EventKind::AgentMessageDelta { message_id: m(), offset: 0, text: text.into() };
    for after in [Seq(0), Seq(2)] {
        let subscription = conversations.subscribe(&id, after).await.expect("subscribes");
        let last = subscription.backlog.last().expect("the answer so far");
        assert_eq!(
            (last.seq, &last.kind),
            (Seq(2), &so_far("Hello")),
            "the text streamed, not the checkpoint"
        );
        assert_eq!(subscription.backlog.len(), 3 - after.0 as usize);
    }
    let mut live = conversations.subscribe(&id, Seq(2)).await.expect("subscribes").live;
    conversations.stream_answer(&id, &m(), started.seq, "Hello you", 5).expect("streams");
    let delta = live.recv().await.expect("a delta");
    assert_eq!(delta.kind, EventKind::AgentMessageDelta { message_id: m(), offset: 5, text: " you".into() });
    // A turn that failed mid-answer leaves it at its checkpoint, which a restart finishes.
    conversations.answer_ended(&id);
    let backlog = conversations.subscribe(&id, Seq(2)).await.expect("subscribes").backlog;
    assert_eq!(backlog.iter().map(|event| &event.kind).collect::<Vec<_>>(), [&so_far("Hel")]);
    let done = EventKind::AgentMessageCompleted { message_id: m(), text: "Hello you".into() };
    conversations.append(&id, done.clone()).await.expect("appends");
    for after in [Seq(0), Seq(2)] {
        let backlog = conversations.subscribe(&id, after).await.expect("subscribes").backlog;
        assert_eq!(backlog.last().map(|event| &event.kind), Some(&done));
        assert!(!backlog.iter().any(|event| matches!(event.kind, EventKind::AgentMessageDelta { .. })));
    }
}

/// Listeners that join while an answer streams (checkpointed every few pieces only), folding
/// what they get by offset as the widget does, end with its whole text: nothing missed between
/// the backlog and the feed.
pub async fn a_listener_joining_while_an_answer_streams_gets_all_of_it_without_a_gap(
    conversations: &Conversations,
) {
    const PIECES: usize = 60;
    let id = conversation(conversations, "c1").await;
    let m = || MessageId::from("m");
    let started =
        conversations.append(&id, EventKind::AgentMessageStarted { message_id: m() }).await.expect("appends");
    let whole: String = (0..PIECES).map(|n| format!("w{n} ")).collect();
    let mut listeners = Vec::new();
    for listener in 0..6 {
        let (conversations, id) = (conversations.clone(), id.clone());
        listeners.push(tokio::spawn(async move {
            // Each joins after a different number of pieces.
            for _ in 0..listener * 4 {
                tokio::task::yield_now().await;
            }
            let subscription = conversations.subscribe(&id, Seq(0)).await.expect("subscribes");
            let mut text = String::new();
            let mut fold = |event: &baton_protocol::Event| match &event.kind {
                EventKind::AgentMessageDelta { offset, text: piece, .. } => {
                    assert!(*offset <= text.len(), "a gap: {offset} after {} bytes", text.len());
                    if offset + piece.len() > text.len() {
                        text.push_str(&piece[text.len() - offset..]);
                    }
                    false
                }
                // The completion restates the whole text, which the widget then shows: what was
                // streamed before it (nothing, for a listener joining after the end; less than
                // all, for one that fell behind and caught up after the end) starts it.
                EventKind::AgentMessageCompleted { text: whole, .. } => {
                    assert!(whole.starts_with(text.as_str()), "{text:?} is not how {whole:?} starts");
                    text.clone_from(whole);
                    true
                }
                _ => false,
            };
            let mut done = subscription.backlog.iter().any(&mut fold);
            let mut live = subscription.live;
            while !done {
                done = match live.recv().await {
                    Ok(event) => fold(&event),
                    // Fell behind the channel, as the event stream does: the pieces it dropped
                    // are in the answer so far.
                    Err(RecvError::Lagged(_)) => {
                        conversations.catch_up(&id, Seq(0)).await.expect("catches up").iter().any(&mut fold)
                    }
                    Err(RecvError::Closed) => panic!("the feed ended before the answer"),
                };
            }
            text
        }));
    }
    let mut text = String::new();
    for n in 0..PIECES {
        let from = text.len();
        text.push_str(&format!("w{n} "));
        conversations.stream_answer(&id, &m(), started.seq, &text, from).expect("streams");
        if n % 7 == 0 {
            conversations.checkpoint_answer(&id, &m(), &text).await.expect("checkpoints");
        } else {
            tokio::task::yield_now().await;
        }
    }
    let done = EventKind::AgentMessageCompleted { message_id: m(), text: text.clone() };
    conversations.append(&id, done).await.expect("appends");
    conversations.answer_ended(&id);
    for listener in listeners {
        assert_eq!(listener.await.expect("listener"), whole);
    }
}

/// A visitor update keeps what it leaves out; only the visitor's own email counts as given.
pub async fn a_visitor_update_fills_in_without_erasing(conversations: &Conversations) {
    let id = conversation(conversations, "c1").await;
    let email = |address: &str| Visitor { email: Some(address.into()), ..Visitor::default() };
    conversations.update_visitor(&id, &email("ceo@x.example"), false).await.expect("updates");
    let record = conversations.get(&id).await.expect("reads").expect("exists");
    assert_eq!((record.visitor.name.as_deref(), record.email_given), (Some("Al"), false));
    conversations.update_visitor(&id, &email("al@x.example"), true).await.expect("updates");
    let record = conversations.get(&id).await.expect("reads").expect("exists");
    assert_eq!((record.visitor.email.as_deref(), record.email_given), (Some("al@x.example"), true));
}

/// Publish after commit, subscribe then read the backlog: listeners that join while many
/// writers append see 1..=n, each once, in order.
pub async fn a_listener_sees_every_event_once_in_order_while_many_append(conversations: &Conversations) {
    const WRITERS: u64 = 8;
    const EACH: u64 = 25;
    let total = WRITERS * EACH;
    let id = conversation(conversations, "c1").await;
    let mut writers = Vec::new();
    for writer in 0..WRITERS {
        let (conversations, id) = (conversations.clone(), id.clone());
        writers.push(tokio::spawn(async move {
            for n in 0..EACH {
                let kind = EventKind::VisitorMessage {
                    client_id: ClientId(format!("{writer}-{n}")),
                    text: "x".into(),
                    attachments: Vec::new(),
                };
                conversations.append(&id, kind).await.expect("appends");
            }
        }));
    }
    let mut listeners = Vec::new();
    for _ in 0..6 {
        let (conversations, id) = (conversations.clone(), id.clone());
        listeners.push(tokio::spawn(async move {
            tokio::task::yield_now().await;
            let subscription = conversations.subscribe(&id, Seq(0)).await.expect("subscribes");
            let mut seen: Vec<u64> = seqs(&subscription.backlog);
            let mut live = subscription.live;
            let mut last = seen.last().copied().unwrap_or(0);
            while last < total {
                let event = match live.recv().await {
                    Ok(event) => event,
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                        // What the channel dropped is in the store, as a stream re-reads it.
                        let missed = conversations.events_after(&id, Seq(last)).await.expect("reads");
                        seen.extend(seqs(&missed));
                        last = seen.last().copied().unwrap_or(last);
                        continue;
                    }
                    Err(closed) => panic!("the feed ended: {closed}"),
                };
                // A repeat of the backlog's last events is dropped by seq, as a stream does.
                if event.seq.0 > last {
                    last = event.seq.0;
                    seen.push(last);
                }
            }
            seen
        }));
    }
    for writer in writers {
        writer.await.expect("writer");
    }
    for listener in listeners {
        assert_eq!(listener.await.expect("listener"), (1..=total).collect::<Vec<_>>());
    }
}

/// A write that fails leaves no trace and fails nothing written beside it.
pub async fn a_write_that_fails_fails_alone(conversations: &Conversations) {
    let id = conversation(conversations, "c1").await;
    let missing = ConversationId::from("missing");
    let (bad, good) = tokio::join!(
        conversations.append(&missing, EventKind::HandoffRequested),
        conversations.append(&id, EventKind::HandoffRequested),
    );
    assert!(bad.is_err(), "{bad:?}");
    assert_eq!(good.expect("appends").seq, Seq(1));
    assert!(
        conversations
            .create(&ConversationRecord::new(id.clone(), AgentId::from("demo"), String::new()))
            .await
            .is_err(),
        "an id is created once"
    );
    assert_eq!(conversations.events_after(&id, Seq(0)).await.expect("reads").len(), 1);
}

/// A handoff: requested with its event, failures counted and told once, settled with its event.
pub async fn a_handoff_is_requested_told_once_and_settled(conversations: &Conversations) {
    let id = conversation(conversations, "c1").await;
    let agent = AgentId::from("demo");
    let handoff =
        conversations.begin_handoff(&id, &agent, "Ada", "asked", Some("rule 1")).await.expect("begins");
    let pending = conversations.pending_handoffs().await.expect("reads");
    assert_eq!((pending.len(), &pending[0].conversation, pending[0].attempts), (1, &id, 0));
    conversations.handoff_attempt_failed(handoff, "down", false, false).await.expect("counts");
    conversations.handoff_attempt_failed(handoff, "down", true, false).await.expect("counts");
    conversations.handoff_attempt_failed(handoff, "down", true, false).await.expect("counts");
    conversations.handoff_connected(handoff, "ext-1", Some(5)).await.expect("settles");
    conversations.handoff_routed(handoff, r#"{"target":null,"why":"none"}"#).await.expect("routes");
    let kinds: Vec<_> =
        conversations.events_after(&id, Seq(0)).await.expect("reads").into_iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            EventKind::HandoffRequested,
            EventKind::HandoffFailed,
            EventKind::HandoffConnected { expected_reply_minutes: Some(5) }
        ]
    );
    assert!(conversations.pending_handoffs().await.expect("reads").is_empty());
    let record = conversations.handoff(handoff).await.expect("reads").expect("exists");
    assert_eq!(
        (record.status, record.attempts, record.external_id.as_deref()),
        (HandoffStatus::Connected, 4, Some("ext-1"))
    );
    assert_eq!((record.reason.as_str(), record.clause.as_deref()), ("asked", Some("rule 1")));
    assert_eq!(record.route.expect("routed")["why"], "none");
    assert_eq!(conversations.handoffs_of(&id).await.expect("reads").len(), 1);
    let gave_up = conversations.begin_handoff(&id, &agent, "Ada", "angry", None).await.expect("begins");
    conversations.handoff_attempt_failed(gave_up, "refused", false, true).await.expect("settles");
    assert_eq!(
        conversations.handoff(gave_up).await.expect("reads").expect("exists").status,
        HandoffStatus::Failed
    );
    let span = Span { from: 0, to: now_millis() + 1000, include_tests: false };
    let reasons = conversations.reason_counts(&agent, span).await.expect("reads");
    assert_eq!(
        reasons.iter().map(|r| (r.reason.as_str(), r.count)).collect::<Vec<_>>(),
        [("angry", 1), ("asked", 1)]
    );
    let before = Span { from: 0, to: 1, include_tests: false };
    assert!(conversations.reason_counts(&agent, before).await.expect("reads").is_empty());
}

/// The analytics: the preview's test conversations count only when asked, and the drill-down
/// from a reason lists the same conversations, newest first.
pub async fn test_conversations_count_in_the_analytics_only_when_asked(conversations: &Conversations) {
    let handed_off = |id: &'static str, reason: &'static str, test: bool| async move {
        let (id, agent) = (ConversationId::from(id), AgentId::from("demo"));
        let record =
            ConversationRecord { test, ..ConversationRecord::new(id.clone(), agent.clone(), "00".into()) };
        conversations.create(&record).await.expect("creates");
        conversations.begin_handoff(&id, &agent, "Escalate", reason, None).await.expect("hands off");
        id
    };
    let customer = handed_off("c1", "Topic: billing", false).await;
    let preview = handed_off("c2", "Topic: billing", true).await;
    handed_off("c3", "Asked for a person", false).await;
    assert!(conversations.get(&preview).await.expect("reads").expect("exists").test);
    assert!(!conversations.get(&customer).await.expect("reads").expect("exists").test);
    let without = Span { from: 0, to: now_millis() + 1000, include_tests: false };
    let with = Span { include_tests: true, ..without };
    let count = |span| async move {
        let counts = conversations.reason_counts(&AgentId::from("demo"), span).await.expect("reads");
        counts.into_iter().map(|c| (c.reason, c.count)).collect::<Vec<_>>()
    };
    assert_eq!(count(without).await, [("Asked for a person".into(), 1), ("Topic: billing".into(), 1)]);
    assert_eq!(count(with).await, [("Topic: billing".into(), 2), ("Asked for a person".into(), 1)]);
    let listed = |span| async move {
        let rows = conversations
            .reason_conversations(&AgentId::from("demo"), "Topic: billing", span, 50)
            .await
            .expect("reads");
        rows.into_iter().map(|row| (row.conversation, row.test)).collect::<Vec<_>>()
    };
    assert_eq!(listed(without).await, [(customer.clone(), false)]);
    let mut both = listed(with).await;
    both.sort();
    assert_eq!(both, [(customer, false), (preview, true)]);
}

/// Decisions: one per visitor message (the later replaces), read after a seq, in order.
pub async fn decisions_are_replaced_and_read_in_order(conversations: &Conversations) {
    let id = conversation(conversations, "c1").await;
    conversations.record_decision(&id, Seq(3), r#"{"n":3}"#).await.expect("records");
    conversations.record_decision(&id, Seq(1), r#"{"n":1}"#).await.expect("records");
    conversations.record_decision(&id, Seq(1), r#"{"n":"1 again"}"#).await.expect("records");
    assert_eq!(
        conversations.decisions(&id, Seq(0)).await.expect("reads"),
        [r#"{"n":"1 again"}"#, r#"{"n":3}"#]
    );
    assert_eq!(conversations.decisions(&id, Seq(1)).await.expect("reads"), [r#"{"n":3}"#]);
}

/// A turn's end: the completion is stored and published, the answer is no longer in flight,
/// and the decision on the visitor message is recorded with it.
pub async fn an_answer_is_completed_with_its_decision(conversations: &Conversations) {
    let id = conversation(conversations, "c1").await;
    let m = || MessageId::from("m");
    let asked = EventKind::VisitorMessage {
        client_id: ClientId::from("k"),
        text: "Hi?".into(),
        attachments: Vec::new(),
    };
    let asked = conversations.append(&id, asked).await.expect("appends");
    conversations.append(&id, EventKind::AgentMessageStarted { message_id: m() }).await.expect("appends");
    conversations.checkpoint_answer(&id, &m(), "Hel").await.expect("checkpoints");
    let mut live = conversations.subscribe(&id, Seq(2)).await.expect("subscribes").live;
    let done = EventKind::AgentMessageCompleted { message_id: m(), text: "Hello".into() };
    let decided = Some((asked.seq, r#"{"outcome":"answered"}"#.to_owned()));
    let completed = conversations.complete_answer(&id, done.clone(), decided).await.expect("completes");
    assert_eq!((completed.seq, &completed.kind), (Seq(3), &done));
    assert_eq!(live.recv().await.expect("published").kind, done);
    assert!(conversations.interrupted_answers().await.expect("reads").is_empty());
    assert_eq!(conversations.decisions(&id, Seq(0)).await.expect("reads"), [r#"{"outcome":"answered"}"#]);
    let transcript = conversations.transcript(&id).await.expect("reads");
    assert_eq!(transcript.last().map(|entry| entry.text.as_str()), Some("Hello"));
}

/// The inbox's link moves on step by step; parts and notifications are remembered once.
pub async fn inbox_links_parts_and_notifications_are_remembered_once(conversations: &Conversations) {
    let id = conversation(conversations, "c1").await;
    let handoff =
        conversations.begin_handoff(&id, &AgentId::from("demo"), "Ada", "asked", None).await.expect("begins");
    let link = conversations.open_link(&id, handoff).await.expect("opens");
    assert_eq!((link.intercom_id, link.noted, link.relayed), (None, false, Seq(0)));
    assert!(conversations.created_links().await.expect("reads").is_empty());
    for change in [
        LinkChange::Contact { id: "u1".into(), role: "lead".into() },
        LinkChange::Creating(10),
        LinkChange::Creating(20),
        LinkChange::Created("ic-1".into()),
        LinkChange::Noted(Seq(2)),
        LinkChange::Posting(Seq(3)),
        LinkChange::Joined("admin-7".into()),
    ] {
        conversations.change_link(&id, change).await.expect("changes");
    }
    let link = conversations.link_by_inbox_id("ic-1").await.expect("reads").expect("linked");
    assert_eq!(link.contact, Some(("u1".into(), "lead".into())));
    assert_eq!(
        (link.creating_since, link.noted, link.relayed, link.posting),
        (Some(10), true, Seq(2), Some(Seq(3)))
    );
    assert_eq!(link.joined_admin.as_deref(), Some("admin-7"));
    conversations.change_link(&id, LinkChange::Relayed(Seq(3))).await.expect("changes");
    conversations.change_link(&id, LinkChange::Noted(Seq(1))).await.expect("changes");
    let link = conversations.link(&id).await.expect("reads").expect("linked");
    assert_eq!((link.relayed, link.posting), (Seq(3), None), "relayed never goes back");
    assert_eq!(
        conversations.open_link(&id, handoff).await.expect("finds").intercom_id.as_deref(),
        Some("ic-1")
    );
    assert_eq!(conversations.created_links().await.expect("reads").len(), 1);
    assert!(conversations.link_by_inbox_id("ic-2").await.expect("reads").is_none());
    assert!(conversations.remember_part("p1", &id, true).await.expect("remembers"));
    assert!(!conversations.remember_part("p1", &id, false).await.expect("remembers"));
    assert!(!conversations.remember_part("p2", &ConversationId::from("gone"), true).await.expect("refuses"));
    assert!(conversations.remember_notification("n1", 1).await.expect("remembers"));
    assert!(!conversations.remember_notification("n1", 2).await.expect("remembers"));
}

/// Copilot drafts once per customer message and knows what it posted.
pub async fn copilot_remembers_what_it_drafted_and_posted(conversations: &Conversations) {
    assert!(conversations.remember_copilot("m1", false).await.expect("remembers"));
    assert!(!conversations.remember_copilot("m1", false).await.expect("remembers"));
    assert!(conversations.remember_copilot("p1", true).await.expect("remembers"));
    assert!(conversations.copilot_posted("p1").await.expect("reads"));
    assert!(!conversations.copilot_posted("m1").await.expect("reads"));
    assert!(!conversations.copilot_posted("unknown").await.expect("reads"));
}

/// An OAuth state works once, and only if it was handed out after `not_before`.
pub async fn an_oauth_state_is_used_once_and_only_while_fresh(conversations: &Conversations) {
    conversations.save_oauth_state("s1", 100).await.expect("saves");
    conversations.save_oauth_state("s2", 100).await.expect("saves");
    assert!(conversations.take_oauth_state("s1", 50).await.expect("takes"));
    assert!(!conversations.take_oauth_state("s1", 50).await.expect("takes"), "used up");
    assert!(!conversations.take_oauth_state("s2", 150).await.expect("takes"), "stale");
    assert!(!conversations.take_oauth_state("s2", 50).await.expect("takes"), "a stale state is used up too");
    assert!(!conversations.take_oauth_state("never", 0).await.expect("takes"));
}

/// The connected workspace: replaced by a new connection, read back whole.
pub async fn the_workspace_connection_is_replaced_and_read_back(conversations: &Conversations) {
    assert!(conversations.connection().await.expect("reads").is_none());
    let connection = |token: &str| WorkspaceConnection {
        token: Secret::from(token),
        workspace_id: Some("w1".into()),
        workspace_name: Some("Shop".into()),
        region: None,
        admin_id: Some("a1".into()),
    };
    conversations.save_connection(&connection("tok_1"), 1).await.expect("saves");
    conversations.save_connection(&connection("tok_2"), 2).await.expect("saves");
    assert_eq!(conversations.connection().await.expect("reads"), Some(connection("tok_2")));
    assert!(conversations.forget_connection().await.expect("forgets"), "there was one");
    assert!(conversations.connection().await.expect("reads").is_none());
    assert!(!conversations.forget_connection().await.expect("forgets"), "nothing left to forget");
}

/// An export holds the whole conversation, never its token's hash.
pub async fn an_export_holds_everything_but_the_token_hash(conversations: &Conversations) {
    let id = conversation(conversations, "c1").await;
    visitor_says(conversations, &id, "hi").await;
    let handoff =
        conversations.begin_handoff(&id, &AgentId::from("demo"), "Ada", "asked", None).await.expect("begins");
    conversations.record_decision(&id, Seq(1), r#"{"answer":"hand off"}"#).await.expect("records");
    conversations.open_link(&id, handoff).await.expect("links");
    conversations.remember_part("part-1", &id, true).await.expect("remembers");
    let m = || MessageId::from("m");
    conversations.append(&id, EventKind::AgentMessageStarted { message_id: m() }).await.expect("appends");
    conversations.checkpoint_answer(&id, &m(), "So far").await.expect("checkpoints");
    let export = conversations.export(&id).await.expect("exports").expect("exists");
    assert_eq!((export.events.len(), export.handoffs.len(), export.decisions.len()), (4, 1, 1));
    let in_flight = EventKind::AgentMessageDelta { message_id: m(), offset: 0, text: "So far".into() };
    assert_eq!(export.events[3].kind, in_flight, "the answer in flight is exported too");
    assert_eq!(export.decisions[0].decision["answer"], "hand off");
    assert_eq!(export.intercom.expect("linked").part_ids, ["part-1"]);
    let json = serde_json::to_string(&conversations.export(&id).await.expect("exports")).expect("encodes");
    assert!(!json.contains("hash-of-c1"), "{json}");
    assert!(conversations.export(&ConversationId::from("nope")).await.expect("reads").is_none());
}

/// Erasure: nothing of the conversation is left, its feeds end, others stay.
pub async fn an_erased_conversation_is_gone_and_its_feeds_end(conversations: &Conversations) {
    let gone = conversation(conversations, "gone").await;
    let kept = conversation(conversations, "kept").await;
    for id in [&gone, &kept] {
        conversations
            .append_visitor_message(id, ClientId::from("k"), "hi".into(), Vec::new())
            .await
            .expect("appends");
        let handoff = conversations
            .begin_handoff(id, &AgentId::from("demo"), "Ada", "asked", None)
            .await
            .expect("begins");
        conversations.open_link(id, handoff).await.expect("links");
    }
    let m = || MessageId::from("m");
    conversations.append(&gone, EventKind::AgentMessageStarted { message_id: m() }).await.expect("appends");
    conversations.checkpoint_answer(&gone, &m(), "half an answer").await.expect("checkpoints");
    let mut live = conversations.subscribe(&gone, Seq(0)).await.expect("subscribes").live;
    assert!(conversations.erase(&gone).await.expect("erases"));
    assert!(
        conversations.interrupted_answers().await.expect("reads").is_empty(),
        "the answer in flight went too"
    );
    assert!(!conversations.erase(&gone).await.expect("erases"), "nothing left to erase");
    assert!(matches!(live.recv().await, Err(tokio::sync::broadcast::error::RecvError::Closed)));
    assert!(matches!(conversations.subscribe(&gone, Seq(0)).await, Err(StoreError::Missing(_))));
    assert!(conversations.get(&gone).await.expect("reads").is_none());
    assert!(conversations.handoffs_of(&gone).await.expect("reads").is_empty());
    assert!(conversations.link(&gone).await.expect("reads").is_none());
    assert!(conversations.events_after(&gone, Seq(0)).await.expect("reads").is_empty());
    assert_eq!(conversations.listened(), 0, "the closed feed's channel is gone");
    assert_eq!(conversations.transcript(&kept).await.expect("reads").len(), 1);
    assert!(conversations.link(&kept).await.expect("reads").is_some());
}

/// Retention deletes the conversations idle since before the cutoff, and ends their feeds.
pub async fn retention_deletes_what_was_idle_before_the_cutoff(conversations: &Conversations) {
    let id = conversation(conversations, "old").await;
    conversations.append(&id, EventKind::HandoffRequested).await.expect("appends");
    let before = now_millis() - 60_000;
    assert!(conversations.delete_older_than(before).await.expect("deletes").is_empty());
    assert!(conversations.get(&id).await.expect("reads").is_some());
    let mut live = conversations.subscribe(&id, Seq(1)).await.expect("subscribes").live;
    let deleted = conversations.delete_older_than(now_millis() + 60_000).await.expect("deletes");
    assert_eq!(deleted, std::slice::from_ref(&id));
    assert!(conversations.get(&id).await.expect("reads").is_none());
    assert!(matches!(live.recv().await, Err(tokio::sync::broadcast::error::RecvError::Closed)));
    assert!(conversations.delete_older_than(now_millis() + 60_000).await.expect("deletes").is_empty());
}

fn upload(id: &str, conversation: &ConversationId) -> Upload {
    Upload {
        id: FileId::from(id),
        conversation: conversation.clone(),
        name: "parcel.png".into(),
        content_type: "image/png".into(),
        // Every byte value, NULs included, comes back as it went in.
        bytes: (0..=255_u8).cycle().take(70_000).collect(),
        created_at: 1_700_000_000_000,
    }
}

/// An uploaded file reads back byte for byte; erasure and retention delete it with its
/// conversation, and another conversation's file stays.
pub async fn an_upload_reads_back_whole_and_goes_with_its_conversation(conversations: &Conversations) {
    let erased = conversation(conversations, "erased").await;
    let expired = conversation(conversations, "expired").await;
    let kept = conversation(conversations, "kept").await;
    for (file, id) in [("f-erased", &erased), ("f-expired", &expired), ("f-kept", &kept)] {
        conversations.save_upload(upload(file, id)).await.expect("stores");
    }
    let read = conversations.upload(&FileId::from("f-kept")).await.expect("reads");
    assert_eq!(read, Some(upload("f-kept", &kept)));
    let info = conversations.upload_info(&FileId::from("f-kept")).await.expect("reads");
    let expected = UploadInfo {
        conversation: kept.clone(),
        name: "parcel.png".into(),
        content_type: "image/png".into(),
        size: 70_000,
    };
    assert_eq!(info, Some(expected), "the name, type and size without the bytes");
    assert_eq!(conversations.upload(&FileId::from("nope")).await.expect("reads"), None);
    assert!(conversations.erase(&erased).await.expect("erases"));
    assert_eq!(conversations.upload(&FileId::from("f-erased")).await.expect("reads"), None);
    conversations.append(&kept, EventKind::HandoffRequested).await.expect("appends");
    let cutoff = now_millis() + 60_000;
    // Both are idle before the cutoff: retention deletes both, files and all.
    let mut deleted = conversations.delete_older_than(cutoff).await.expect("deletes");
    deleted.sort();
    assert_eq!(deleted, [expired, kept]);
    assert_eq!(conversations.upload(&FileId::from("f-expired")).await.expect("reads"), None);
    assert_eq!(conversations.upload(&FileId::from("f-kept")).await.expect("reads"), None);
}

/// A visitor message's attachments are stored with it and read back in the log; a retry with
/// the same client id stores nothing new.
pub async fn a_visitor_message_keeps_its_attachments(conversations: &Conversations) {
    let id = conversation(conversations, "c1").await;
    let photo = Attachment {
        name: "parcel.png".into(),
        content_type: "image/png".into(),
        size: 70_000,
        url: "https://chat.example/v1/files/f1?expires=9&signature=ab".into(),
    };
    let appended = conversations
        .append_visitor_message(&id, ClientId::from("k"), String::new(), vec![photo.clone()])
        .await
        .expect("appends");
    assert!(matches!(appended, Appended::New(_)));
    let again = conversations
        .append_visitor_message(&id, ClientId::from("k"), String::new(), vec![photo.clone()])
        .await
        .expect("appends");
    assert_eq!(again, Appended::Duplicate(Seq(1)));
    let events = conversations.events_after(&id, Seq(0)).await.expect("reads");
    assert_eq!(
        events.iter().map(|event| event.kind.clone()).collect::<Vec<_>>(),
        [EventKind::VisitorMessage {
            client_id: ClientId::from("k"),
            text: String::new(),
            attachments: vec![photo]
        }]
    );
}

/// A rate-limit bucket: its minute's worth at once, then a refusal with the wait until the next
/// request refills (a minute over the size of the bucket), each key on its own.
pub async fn a_bucket_allows_its_burst_then_says_how_long_to_wait(conversations: &Conversations) {
    let three = std::num::NonZeroU32::new(3).expect("not zero");
    for _ in 0..3 {
        assert_eq!(conversations.take("ip/a", three).await.expect("takes"), None);
    }
    let wait = conversations.take("ip/a", three).await.expect("takes").expect("refused");
    assert!(
        wait > std::time::Duration::from_secs(15) && wait <= std::time::Duration::from_secs(20),
        "one request refills in 20 s: {wait:?}"
    );
    assert_eq!(conversations.take("ip/b", three).await.expect("takes"), None, "another key is its own");
    conversations.forget_full_buckets().await.expect("forgets");
    assert!(conversations.take("ip/a", three).await.expect("takes").is_some(), "an empty bucket is kept");
}

/// A lease long enough that no test outlives it.
const LONG: std::time::Duration = std::time::Duration::from_secs(600);

/// Two bridges claiming the same work at once: one wins, and holds it (its renewals hold, the
/// other's fail) until it lets go; a live lease is not claimed again, by its holder either.
pub async fn of_two_claimants_of_the_same_work_exactly_one_wins(conversations: &Conversations) {
    let id = conversation(conversations, "c1").await;
    let (a, b) = (BridgeId::from("a"), BridgeId::from("b"));
    for handoff in 1..=10 {
        let work = Work::handoff(&id, HandoffId(handoff));
        let (by_a, by_b) =
            tokio::join!(conversations.claim(&work, &a, LONG), conversations.claim(&work, &b, LONG));
        let (by_a, by_b) = (by_a.expect("claims"), by_b.expect("claims"));
        assert!(by_a != by_b, "exactly one of a and b wins handoff {handoff}: {by_a} {by_b}");
        let (winner, loser) = if by_a { (&a, &b) } else { (&b, &a) };
        assert!(conversations.renew(&work, winner, LONG).await.expect("renews"));
        assert!(!conversations.renew(&work, loser, LONG).await.expect("renews"));
        assert!(!conversations.claim(&work, winner, LONG).await.expect("claims"), "a live lease is held");
        assert!(!conversations.claim(&work, loser, LONG).await.expect("claims"));
    }
    let other = Work::relay(&id);
    assert!(conversations.claim(&other, &b, LONG).await.expect("claims"), "other work is free");
}

/// A lease its holder stopped renewing is taken over once it expires, and one it released at
/// once; the first holder's renewals then fail, so it knows to stop.
pub async fn an_expired_or_released_lease_is_taken_over(conversations: &Conversations) {
    let id = conversation(conversations, "c1").await;
    let (a, b, c) = (BridgeId::from("a"), BridgeId::from("b"), BridgeId::from("c"));
    let work = Work::relay(&id);
    // A term of nothing: expired as soon as it is written, as if `a` died long ago.
    assert!(conversations.claim(&work, &a, std::time::Duration::ZERO).await.expect("claims"));
    assert!(conversations.claim(&work, &b, LONG).await.expect("claims"), "b takes the expired lease over");
    assert!(!conversations.renew(&work, &a, LONG).await.expect("renews"), "a has lost it");
    assert!(!conversations.claim(&work, &c, LONG).await.expect("claims"), "b's lease is live");
    conversations.release(&work, &a).await.expect("releases");
    assert!(!conversations.claim(&work, &c, LONG).await.expect("claims"), "only the holder releases");
    conversations.release(&work, &b).await.expect("releases");
    assert!(conversations.claim(&work, &c, LONG).await.expect("claims"), "released work is free at once");
}

/// Work settled (done) is never claimed again, expired or released; erasing its conversation
/// takes its lease too.
pub async fn settled_work_is_never_claimed_again(conversations: &Conversations) {
    let id = conversation(conversations, "c1").await;
    let (a, b) = (BridgeId::from("a"), BridgeId::from("b"));
    let work = Work::handoff(&id, HandoffId(7));
    assert!(conversations.claim(&work, &a, std::time::Duration::ZERO).await.expect("claims"));
    conversations.settle(&work).await.expect("settles");
    conversations.release(&work, &a).await.expect("releases");
    for holder in [&a, &b] {
        assert!(!conversations.claim(&work, holder, LONG).await.expect("claims"), "settled");
        assert!(!conversations.renew(&work, holder, LONG).await.expect("renews"), "settled");
    }
    let never_claimed = Work::handoff(&id, HandoffId(8));
    conversations.settle(&never_claimed).await.expect("settles");
    assert!(!conversations.claim(&never_claimed, &b, LONG).await.expect("claims"));
    assert!(conversations.erase(&id).await.expect("erases"), "the leases go with the conversation");
}

/// A part relayed from the inbox appends its events with it, once however many relay it at
/// once; a part the bridge posted itself, or one of a gone conversation, appends nothing.
pub async fn a_part_from_the_inbox_is_relayed_once_with_its_events(conversations: &Conversations) {
    let id = conversation(conversations, "c1").await;
    let mut live = conversations.subscribe(&id, Seq(0)).await.expect("subscribes").live;
    let teammate = baton_protocol::Teammate { name: "Ana".into(), avatar_url: None };
    let events = || {
        vec![
            EventKind::TeammateJoined { teammate: teammate.clone() },
            EventKind::TeammateMessage {
                teammate: teammate.clone(),
                text: "Hi".into(),
                attachments: Vec::new(),
            },
        ]
    };
    let (first, again) = tokio::join!(
        conversations.relay_part("p1", &id, events()),
        conversations.relay_part("p1", &id, events()),
    );
    assert!(first.expect("relays") != again.expect("relays"), "exactly one relays it");
    assert_eq!(seqs(&conversations.events_after(&id, Seq(0)).await.expect("reads")), [1, 2]);
    assert_eq!(live.recv().await.expect("published").seq, Seq(1));
    assert_eq!(live.recv().await.expect("published").seq, Seq(2));
    assert!(conversations.remember_part("p2", &id, true).await.expect("remembers"));
    assert!(!conversations.relay_part("p2", &id, events()).await.expect("relays"), "our own post");
    assert!(conversations.relay_part("p3", &id, Vec::new()).await.expect("relays"), "a note: no events");
    let gone = ConversationId::from("gone");
    assert!(!conversations.relay_part("p4", &gone, events()).await.expect("refuses"));
    assert_eq!(seqs(&conversations.events_after(&id, Seq(0)).await.expect("reads")), [1, 2]);
}

/// A rating needs a closed conversation and is taken once, with its event; the analytics count
/// it (tests only when asked), and it goes with its conversation.
pub async fn a_closed_conversation_is_rated_once_counted_apart_from_tests_and_erased_with_it(
    conversations: &Conversations,
) {
    let agent = AgentId::from("demo");
    let closed = |id: &'static str, test: bool| {
        let agent = agent.clone();
        async move {
            let id = ConversationId::from(id);
            let record =
                ConversationRecord { test, ..ConversationRecord::new(id.clone(), agent, "00".into()) };
            conversations.create(&record).await.expect("creates");
            conversations.append(&id, EventKind::ConversationClosed).await.expect("closes");
            id
        }
    };
    let open = conversation(conversations, "open").await;
    assert_eq!(conversations.rate(&open, Rating::Good, None).await.expect("answers"), Rated::NotClosed);

    let customer = closed("c1", false).await;
    let Rated::New(event) =
        conversations.rate(&customer, Rating::Bad, Some("Took a day")).await.expect("rates")
    else {
        panic!("the first rating of a closed conversation is stored");
    };
    assert_eq!(
        event.kind,
        EventKind::ConversationRated { rating: Rating::Bad, comment: Some("Took a day".into()) }
    );
    assert_eq!(conversations.events_after(&customer, Seq(1)).await.expect("reads"), [event]);
    assert_eq!(conversations.get(&customer).await.expect("reads").expect("exists").mode, Mode::Closed);
    assert_eq!(conversations.rate(&customer, Rating::Good, None).await.expect("answers"), Rated::Already);
    closed("c2", false).await;
    conversations.rate(&ConversationId::from("c2"), Rating::Good, None).await.expect("rates");
    let preview = closed("c3", true).await;
    conversations.rate(&preview, Rating::Good, Some("test")).await.expect("rates");

    let without = Span { from: 0, to: now_millis() + 1000, include_tests: false };
    let report = conversations.ratings(&agent, without, 10).await.expect("reads");
    assert_eq!((report.good, report.bad), (1, 1), "the second rating changed nothing; tests left out");
    let bad = report.recent.iter().find(|rated| rated.conversation == customer).expect("listed");
    assert_eq!((bad.rating, bad.comment.as_deref(), bad.test), (Rating::Bad, Some("Took a day"), false));
    let with =
        conversations.ratings(&agent, Span { include_tests: true, ..without }, 10).await.expect("reads");
    assert_eq!((with.good, with.bad, with.recent.len()), (2, 1, 3));
    assert_eq!(
        conversations
            .ratings(&agent, Span { include_tests: true, ..without }, 1)
            .await
            .expect("reads")
            .recent
            .len(),
        1
    );
    let later = Span { from: now_millis() + 1000, to: now_millis() + 2000, include_tests: true };
    assert_eq!(conversations.ratings(&agent, later, 10).await.expect("reads").recent, []);
    let other = conversations
        .ratings(&AgentId::from("other"), Span { include_tests: true, ..without }, 10)
        .await
        .expect("reads");
    assert_eq!((other.good, other.bad), (0, 0));

    assert!(conversations.erase(&customer).await.expect("erases"));
    let after = conversations.ratings(&agent, without, 10).await.expect("reads");
    assert_eq!((after.good, after.bad), (1, 0), "the erased conversation's rating went with it");
}
