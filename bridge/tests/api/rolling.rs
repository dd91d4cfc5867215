//! A rolling restart of three bridges on one PostgreSQL while 50 visitors chat: each bridge in
//! turn is taken out of the pool, stopped (SIGTERM) and started again. Visitors send to any
//! bridge in the pool, retry a send that failed with the same `client_id` elsewhere, and resume
//! a stream that ended from the last event they had. No acknowledged message is lost or
//! repeated, and every stream resumes where it was.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use baton_protocol::{Author, ConversationCreated, Event, EventKind, MessageAccepted, Seq, Snapshot};
use eventsource_stream::Eventsource;
use futures::stream::BoxStream;
use futures::StreamExt;
use serde_json::json;

use crate::bridges::Shared;

const VISITORS: usize = 50;
/// The most messages a visitor sends, however long the restart takes.
const MOST: usize = 40;
/// The demo agent's pace: answers stream for a second or two, so restarts land mid-answer.
const PACE_MS: u64 = 100;
const QUESTIONS: [&str; 2] = ["How long does shipping take?", "Do you ship to Canada?"];

/// The bridges' addresses a load balancer would send to now.
#[derive(Default)]
struct Pool(Mutex<Vec<String>>);

impl Pool {
    /// The `n`th address, going round.
    fn pick(&self, n: usize) -> String {
        let bases = self.0.lock().expect("pool");
        bases[n % bases.len()].clone()
    }

    fn set(&self, at: usize, base: Option<String>) {
        let mut bases = self.0.lock().expect("pool");
        match base {
            Some(base) => bases.insert(at, base),
            None => {
                bases.remove(at);
            }
        }
    }
}

/// What the visitor's page does: its stream, resumed on another bridge when one ends.
struct Visitor {
    pool: Arc<Pool>,
    http: reqwest::Client,
    conversation: ConversationCreated,
    /// Stored events as the stream showed them, in order, across resumes.
    seen: Vec<u64>,
    stream: Option<BoxStream<'static, Option<Event>>>,
    turn: usize,
}

impl Visitor {
    async fn start(pool: Arc<Pool>, n: usize) -> Self {
        let http = reqwest::Client::new();
        let conversation = loop {
            let sent = http
                .post(format!("{}/v1/conversations", pool.pick(n)))
                .json(&json!({"agent": "demo"}))
                .send()
                .await;
            match sent {
                Ok(response) if response.status() == 201 => break response.json().await.expect("created"),
                // A bridge stopping: another takes it.
                _ => tokio::task::yield_now().await,
            }
        };
        Self { pool, http, conversation, seen: Vec::new(), stream: None, turn: n }
    }

    fn next_base(&mut self) -> String {
        self.turn += 1;
        self.pool.pick(self.turn)
    }

    /// Sends until a bridge acknowledges it (the same `client_id` every time); its seq.
    async fn send(&mut self, client_id: &str, text: &str) -> Seq {
        loop {
            let url = format!("{}/v1/conversations/{}/messages", self.next_base(), self.conversation.id);
            let sent = self
                .http
                .post(url)
                .bearer_auth(&self.conversation.token)
                .json(&json!({"client_id": client_id, "text": text}))
                .send()
                .await;
            match sent {
                Ok(response) if response.status() == 202 => {
                    return response.json::<MessageAccepted>().await.expect("accepted").seq;
                }
                _ => tokio::task::yield_now().await,
            }
        }
    }

    /// The next event, resuming the stream elsewhere from the last stored event seen when it
    /// ends.
    async fn next(&mut self) -> Event {
        loop {
            if self.stream.is_none() {
                let after = self.seen.last().copied().unwrap_or(0);
                let url = format!(
                    "{}/v1/conversations/{}/events?after={after}",
                    self.next_base(),
                    self.conversation.id
                );
                let opened = self.http.get(url).bearer_auth(&self.conversation.token).send().await;
                let response = match opened {
                    Ok(response) if response.status() == 200 => response,
                    _ => {
                        tokio::task::yield_now().await;
                        continue;
                    }
                };
                let events = response.bytes_stream().eventsource().map(|frame| {
                    frame.ok().map(|frame| serde_json::from_str::<Event>(&frame.data).expect("an event"))
                });
                self.stream = Some(events.boxed());
            }
            let stream = self.stream.as_mut().expect("open");
            // A guard against a hang, not a measure.
            match tokio::time::timeout(Duration::from_secs(60), stream.next()).await.expect("an event") {
                Some(Some(event)) => {
                    if !matches!(event.kind, EventKind::AgentMessageDelta { .. }) {
                        self.seen.push(event.seq.0);
                    }
                    return event;
                }
                // Ended (the bridge stopped) or broken: resume.
                Some(None) | None => self.stream = None,
            }
        }
    }

    /// Asks a question and waits for its answer.
    async fn ask(&mut self, number: usize) {
        let client_id = format!("m{number}");
        let seq = self.send(&client_id, QUESTIONS[number % 2]).await;
        loop {
            let event = self.next().await;
            if matches!(event.kind, EventKind::AgentMessageCompleted { .. }) && event.seq > seq {
                return;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rolling_restart_of_three_bridges_loses_and_repeats_nothing_of_50_chats() {
    let shared = Arc::new(Shared::new());
    let flags = [
        "--conversations-per-ip-per-minute",
        "0",
        "--messages-per-ip-per-minute",
        "0",
        "--messages-per-conversation-per-minute",
        "0",
        "--max-streams-per-client",
        "0",
    ];
    let (a, b, c) = tokio::join!(
        shared.with_flags("a", PACE_MS, &flags, &[]),
        shared.with_flags("b", PACE_MS, &flags, &[]),
        shared.with_flags("c", PACE_MS, &flags, &[]),
    );
    let mut bridges = vec![a, b, c];
    let pool = Arc::new(Pool::default());
    for bridge in &bridges {
        pool.0.lock().expect("pool").push(bridge.api.base.clone());
    }

    // Visitors that asked a first question, and whether the restart is over.
    let (restarted, asked) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicUsize::new(0)));
    let mut visitors = Vec::new();
    for n in 0..VISITORS {
        let (pool, restarted, asked) = (Arc::clone(&pool), Arc::clone(&restarted), Arc::clone(&asked));
        visitors.push(tokio::spawn(async move {
            let mut visitor = Visitor::start(pool, n).await;
            let mut number = 0;
            // Chats through the whole restart, then once more.
            while number < MOST {
                let done = restarted.load(Ordering::SeqCst);
                visitor.ask(number).await;
                number += 1;
                if number == 1 {
                    asked.fetch_add(1, Ordering::SeqCst);
                }
                if done && number >= 2 {
                    break;
                }
            }
            (visitor, number)
        }));
    }

    // Every visitor is chatting before the first bridge goes.
    while asked.load(Ordering::SeqCst) < VISITORS {
        if let Some(ended) = visitors.iter().position(tokio::task::JoinHandle::is_finished) {
            visitors.remove(ended).await.expect("the visitor chats");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for (at, name) in ["a2", "b2", "c2"].into_iter().enumerate() {
        pool.set(at, None);
        let mut old = bridges.remove(at);
        old.terminate().await;
        assert_eq!(old.exit_code().await, Some(0), "a clean stop");
        let new = shared.with_flags(name, PACE_MS, &flags, &[]).await;
        pool.set(at, Some(new.api.base.clone()));
        bridges.insert(at, new);
    }
    restarted.store(true, Ordering::SeqCst);

    let http = reqwest::Client::new();
    for visitor in visitors {
        let (visitor, asked) = visitor.await.expect("the visitor chatted");
        let response = http
            .get(format!("{}/v1/conversations/{}", pool.pick(0), visitor.conversation.id))
            .bearer_auth(&visitor.conversation.token)
            .send()
            .await
            .expect("answers");
        assert_eq!(response.status(), 200, "{:?}", response.text().await);
        let snapshot: Snapshot = response.json().await.expect("a snapshot");
        let seen = &visitor.seen;
        assert_eq!(
            seen,
            &(1..=snapshot.last_seq.0).collect::<Vec<_>>(),
            "the stream, across its resumes, showed every stored event once, in order"
        );
        let mine: Vec<&str> = snapshot
            .transcript
            .iter()
            .filter(|entry| entry.author == Author::Visitor)
            .map(|entry| entry.text.as_str())
            .collect();
        let expected: Vec<&str> = (0..asked).map(|number| QUESTIONS[number % 2]).collect();
        assert_eq!(mine, expected, "every acknowledged message once, in order");
        let answers = snapshot.transcript.iter().filter(|entry| entry.author != Author::Visitor).count();
        assert_eq!(answers, asked, "each answered once");
    }
}
