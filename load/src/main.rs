//! `baton-load`: a load benchmark for a running bridge. It opens N conversations, each with its
//! event stream held open, sends M messages to each, and reports connections held, messages per
//! second, send-to-event latency, and the bridge's memory per open stream. Not a test: numbers,
//! not verdicts. Only ever talks to the endpoint it is given (loopback by default).

mod run;
mod stats;

use std::time::{Duration, Instant};

use clap::Parser;

/// Flags.
#[derive(Debug, Parser)]
#[command(name = "baton-load", about = "Load benchmark for a running Baton bridge.")]
struct Flags {
    /// The bridge's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    endpoint: String,
    /// The agent to talk to.
    #[arg(long, default_value = "demo")]
    agent: String,
    /// Conversations, each with an open event stream.
    #[arg(long, default_value_t = 1_000)]
    conversations: usize,
    /// Messages per conversation.
    #[arg(long, default_value_t = 1)]
    messages: usize,
    /// Conversations being created and connected at once.
    #[arg(long, default_value_t = 200)]
    ramp_concurrency: usize,
    /// Sends in flight at once.
    #[arg(long, default_value_t = 256)]
    sends_in_flight: usize,
    /// The bridge's process id, to report its memory per open stream.
    #[arg(long)]
    bridge_pid: Option<u32>,
    /// Give up and report after this many seconds.
    #[arg(long, default_value_t = 300)]
    timeout_secs: u64,
}

#[tokio::main]
async fn main() {
    let flags = Flags::parse();
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => println!("open-file limit: {limit}"),
        Err(error) => println!("open-file limit unchanged: {error}"),
    }
    let plan = run::Plan {
        endpoint: flags.endpoint.trim_end_matches('/').to_owned(),
        agent: flags.agent,
        conversations: flags.conversations,
        messages: flags.messages,
        ramp: flags.ramp_concurrency.max(1),
        sends_in_flight: flags.sends_in_flight.max(1),
        deadline: Instant::now() + Duration::from_secs(flags.timeout_secs),
        bridge_pid: flags.bridge_pid,
    };
    let started = Instant::now();
    let outcome = run::run(plan.clone()).await;
    report(&plan, &outcome, started.elapsed());
}

fn report(plan: &run::Plan, outcome: &run::Outcome, total: Duration) {
    let ms =
        |p| stats::percentile(&outcome.latencies_ms, p).map_or("n/a".to_owned(), |v| format!("{v:.1} ms"));
    let rate = outcome.sent as f64 / outcome.send_phase.as_secs_f64().max(f64::EPSILON);
    println!("conversations: {} created, {} failed", outcome.created, outcome.failed_creates);
    println!("connections held: {} open streams ({} broke)", outcome.streams_open, outcome.streams_broken);
    println!("messages: {} sent, {} failed, {:.0} per second", outcome.sent, outcome.failed_sends, rate);
    println!(
        "send → event latency: p50 {}, p99 {}, max {} ({} measured)",
        ms(50.0),
        ms(99.0),
        ms(100.0),
        outcome.latencies_ms.len()
    );
    println!("events received: {}", outcome.events);
    if let Some((before, after)) = outcome.memory_kb {
        let per_stream = after.saturating_sub(before) as f64 / outcome.streams_open.max(1) as f64;
        println!("bridge memory: {before} kB before, {after} kB with streams open, {per_stream:.1} kB per open stream");
    }
    println!(
        "wall time: {:.1} s for {} conversations × {} messages",
        total.as_secs_f64(),
        plan.conversations,
        plan.messages
    );
}
