//! One load run: open the conversations and their streams, then send and time the messages.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use baton_protocol::{ConversationCreated, CreateConversation, Event, EventKind, SendMessage};
use eventsource_stream::Eventsource;
use futures::stream::{self, StreamExt};
use tokio::sync::Semaphore;

use crate::process::Watched;

/// What every message asks: the demo agent answers it from its knowledge, in 20 pieces.
pub const QUESTION: &str = "How long does shipping take?";

/// What to do.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The bridge's base URL.
    pub endpoint: String,
    /// The agent to talk to.
    pub agent: String,
    /// Conversations, each with one open stream.
    pub conversations: usize,
    /// Messages per conversation.
    pub messages: usize,
    /// Conversations being created and connected at once.
    pub ramp: usize,
    /// Sends in flight at once.
    pub sends_in_flight: usize,
    /// When to give up and report what there is.
    pub deadline: Instant,
    /// The processes whose memory and CPU time are read, each group under its name; the first
    /// is the server under test (the bridges, summed), the others what it runs on.
    pub watched: Vec<(String, Watched)>,
}

/// What happened.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Conversations the bridge created.
    pub created: usize,
    /// Creations that failed.
    pub failed_creates: usize,
    /// Streams open when the run ended.
    pub streams_open: usize,
    /// Streams that ended or failed early.
    pub streams_broken: usize,
    /// Messages acknowledged.
    pub sent: usize,
    /// Sends that failed.
    pub failed_sends: usize,
    /// Wall time of the send phase, until every message came back or the deadline.
    pub send_phase: Duration,
    /// Send-to-event latencies, milliseconds, sorted.
    pub latencies_ms: Vec<f64>,
    /// Events received over all streams.
    pub events: u64,
    /// What each watched group cost, in the plan's order.
    pub costs: Vec<Cost>,
    /// The load generator's own CPU seconds in the send phase: on one machine it takes its
    /// share of the cores from the server's.
    pub load_cpu_seconds: Option<f64>,
    /// Answers completed, waited for after the send phase.
    pub answers_completed: usize,
    /// The text of the first answer completed, to check two servers answered alike.
    pub answer: Option<String>,
}

/// What one group of processes cost during a run.
#[derive(Debug, Clone, Default)]
pub struct Cost {
    /// The group's name.
    pub label: String,
    /// Memory before and after the streams opened, kB.
    pub memory_kb: Option<(u64, u64)>,
    /// CPU seconds used from the first conversation to the last answer.
    pub cpu_seconds: Option<f64>,
    /// CPU seconds used in the send phase alone, the time the messages per second are over.
    pub send_phase_cpu_seconds: Option<f64>,
}

impl Cost {
    /// Memory growth while the streams opened, per open stream, kB.
    pub fn kb_per_stream(&self, streams: usize) -> Option<f64> {
        let (before, after) = self.memory_kb?;
        Some(after.saturating_sub(before) as f64 / streams.max(1) as f64)
    }
}

impl Outcome {
    /// Messages acknowledged per second of the send phase.
    pub fn messages_per_second(&self) -> f64 {
        self.sent as f64 / self.send_phase.as_secs_f64().max(f64::EPSILON)
    }

    /// Events received per message acknowledged, answers included.
    pub fn events_per_message(&self) -> f64 {
        self.events as f64 / self.sent.max(1) as f64
    }

    /// The server's memory before and after the streams opened, kB (the bridges' summed).
    pub fn memory_kb(&self) -> Option<(u64, u64)> {
        self.costs.first()?.memory_kb
    }

    /// The server's memory growth while the streams opened, per open stream, kB.
    pub fn kb_per_stream(&self) -> Option<f64> {
        self.costs.first()?.kb_per_stream(self.streams_open)
    }
}

#[derive(Default)]
struct Shared {
    sent_at: Mutex<HashMap<String, Instant>>,
    latencies_ms: Mutex<Vec<f64>>,
    events: AtomicU64,
    answer: OnceLock<String>,
    completed: AtomicUsize,
    open: AtomicUsize,
    broken: AtomicUsize,
}

/// Runs `plan` to the end or to its deadline.
pub async fn run(plan: Plan) -> Outcome {
    let posts = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("HTTP client");
    // Streams hold their connections; nothing to pool.
    let streams = reqwest::Client::builder().pool_max_idle_per_host(0).build().expect("HTTP client");
    let shared = Arc::new(Shared::default());
    let mut outcome = Outcome::default();
    let memory_before: Vec<Option<u64>> = plan.watched.iter().map(|(_, w)| w.memory_kb()).collect();
    let cpu_before: Vec<Option<f64>> = plan.watched.iter().map(|(_, w)| w.cpu_seconds()).collect();

    let created: Vec<Option<ConversationCreated>> = stream::iter(0..plan.conversations)
        .map(|_| {
            let (posts, streams, shared, plan) =
                (posts.clone(), streams.clone(), shared.clone(), plan.clone());
            async move {
                let conversation = create(&posts, &plan).await?;
                open_stream(&streams, &plan, &conversation, shared).await.then_some(conversation)
            }
        })
        .buffer_unordered(plan.ramp)
        .collect()
        .await;
    let conversations: Vec<ConversationCreated> = created.into_iter().flatten().collect();
    outcome.created = conversations.len();
    outcome.failed_creates = plan.conversations - conversations.len();
    let memory: Vec<Option<(u64, u64)>> =
        plan.watched.iter().zip(memory_before).map(|((_, w), before)| before.zip(w.memory_kb())).collect();

    let this = Watched::Each(vec![std::process::id()]);
    let send_cpu_before: Vec<Option<f64>> = plan.watched.iter().map(|(_, w)| w.cpu_seconds()).collect();
    let load_cpu_before = this.cpu_seconds();
    let start = Instant::now();
    let permits = Arc::new(Semaphore::new(plan.sends_in_flight));
    let sends = conversations.iter().flat_map(|c| (0..plan.messages).map(move |n| (c, n)));
    let results: Vec<bool> = stream::iter(sends)
        .map(|(conversation, n)| {
            let (posts, shared, permits, plan) =
                (posts.clone(), shared.clone(), permits.clone(), plan.clone());
            async move {
                let _permit = permits.acquire().await.ok()?;
                let client_id = format!("{}-{n}", conversation.id);
                shared.sent_at.lock().ok()?.insert(client_id.clone(), Instant::now());
                let url = format!("{}/v1/conversations/{}/messages", plan.endpoint, conversation.id);
                let body = SendMessage {
                    client_id: baton_protocol::ClientId(client_id),
                    text: QUESTION.into(),
                    attachments: Vec::new(),
                };
                let response =
                    posts.post(url).bearer_auth(&conversation.token).json(&body).send().await.ok()?;
                response.status().is_success().then_some(())
            }
        })
        .buffer_unordered(plan.sends_in_flight)
        .map(|sent| sent.is_some())
        .collect()
        .await;
    outcome.sent = results.iter().filter(|ok| **ok).count();
    outcome.failed_sends = results.len() - outcome.sent;
    while shared.latencies_ms.lock().map_or(0, |l| l.len()) < outcome.sent && Instant::now() < plan.deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    outcome.send_phase = start.elapsed();
    let send_cpu: Vec<Option<f64>> =
        plan.watched.iter().zip(send_cpu_before).map(|((_, w), before)| spent(before, w)).collect();
    outcome.load_cpu_seconds = spent(load_cpu_before, &this);
    // Not timed: the answers still streaming are waited for, so the events per message and the
    // answer compared are whole. The figures above are the send phase's alone.
    while shared.completed.load(Ordering::Relaxed) < outcome.sent && Instant::now() < plan.deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    outcome.costs = plan
        .watched
        .iter()
        .zip(memory)
        .zip(cpu_before)
        .zip(send_cpu)
        .map(|((((label, watched), memory_kb), before), send_phase_cpu_seconds)| Cost {
            label: label.clone(),
            memory_kb,
            cpu_seconds: spent(before, watched),
            send_phase_cpu_seconds,
        })
        .collect();
    outcome.answers_completed = shared.completed.load(Ordering::Relaxed);
    outcome.streams_open = shared.open.load(Ordering::Relaxed);
    outcome.streams_broken = shared.broken.load(Ordering::Relaxed);
    outcome.events = shared.events.load(Ordering::Relaxed);
    let mut latencies = shared.latencies_ms.lock().map(|l| l.clone()).unwrap_or_default();
    latencies.sort_by(f64::total_cmp);
    outcome.latencies_ms = latencies;
    outcome.answer = shared.answer.get().cloned();
    outcome
}

/// The CPU seconds `watched` used since it had used `before`.
fn spent(before: Option<f64>, watched: &Watched) -> Option<f64> {
    Some(watched.cpu_seconds()? - before?)
}

async fn create(posts: &reqwest::Client, plan: &Plan) -> Option<ConversationCreated> {
    let body = CreateConversation {
        agent: plan.agent.as_str().into(),
        page_url: None,
        page_title: None,
        locale: None,
        visitor: None,
        preview: None,
    };
    let response = posts.post(format!("{}/v1/conversations", plan.endpoint)).json(&body).send().await.ok()?;
    response.error_for_status().ok()?.json().await.ok()
}

/// Opens the conversation's stream and reads it in the background; false if it did not open.
async fn open_stream(
    client: &reqwest::Client,
    plan: &Plan,
    conversation: &ConversationCreated,
    shared: Arc<Shared>,
) -> bool {
    let url = format!("{}/v1/conversations/{}/events?after=0", plan.endpoint, conversation.id);
    let Ok(response) = client.get(url).bearer_auth(&conversation.token).send().await else { return false };
    if !response.status().is_success() {
        return false;
    }
    shared.open.fetch_add(1, Ordering::Relaxed);
    let deadline = plan.deadline;
    tokio::spawn(async move {
        let mut events = response.bytes_stream().eventsource();
        let broke = loop {
            let next = tokio::time::timeout_at(deadline.into(), events.next()).await;
            let Ok(Some(Ok(frame))) = next else { break next.is_ok() };
            shared.events.fetch_add(1, Ordering::Relaxed);
            let client_id = match serde_json::from_str(&frame.data) {
                Ok(Event { kind: EventKind::VisitorMessage { client_id, .. }, .. }) => client_id,
                Ok(Event { kind: EventKind::AgentMessageCompleted { text, .. }, .. }) => {
                    shared.completed.fetch_add(1, Ordering::Relaxed);
                    // Already set by another stream is fine: one answer is what is compared.
                    let _ = shared.answer.set(text);
                    continue;
                }
                _ => continue,
            };
            let sent = shared.sent_at.lock().ok().and_then(|mut sent| sent.remove(&client_id.0));
            if let (Some(sent), Ok(mut latencies)) = (sent, shared.latencies_ms.lock()) {
                latencies.push(sent.elapsed().as_secs_f64() * 1_000.0);
            }
        };
        if broke {
            shared.open.fetch_sub(1, Ordering::Relaxed);
            shared.broken.fetch_add(1, Ordering::Relaxed);
        }
    });
    true
}
