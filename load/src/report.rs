//! What a run printed: one server's figures, or every setup's in a column with its figure over
//! the baseline's.

use std::time::Duration;

use crate::compare::Measured;
use crate::run::{Outcome, Plan};
use crate::stats;

/// Prints one run against one server.
pub fn single(plan: &Plan, outcome: &Outcome, total: Duration) {
    println!("conversations: {} created, {} failed", outcome.created, outcome.failed_creates);
    println!("connections held: {} open streams ({} broke)", outcome.streams_open, outcome.streams_broken);
    println!(
        "messages: {} sent, {} failed, {:.0} per second",
        outcome.sent,
        outcome.failed_sends,
        outcome.messages_per_second()
    );
    println!(
        "send → event latency: p50 {}, p99 {}, max {} ({} measured)",
        ms(latency(outcome, 50.0)),
        ms(latency(outcome, 99.0)),
        ms(latency(outcome, 100.0)),
        outcome.latencies_ms.len()
    );
    println!("events received: {} ({} answers completed)", outcome.events, outcome.answers_completed);
    if let (Some((before, after)), Some(per_stream)) = (outcome.memory_kb(), outcome.kb_per_stream()) {
        println!("bridge memory: {before} kB before, {after} kB with streams open, {per_stream:.1} kB per open stream");
    }
    println!(
        "wall time: {:.1} s for {} conversations × {} messages",
        total.as_secs_f64(),
        plan.conversations,
        plan.messages
    );
}

fn latency(outcome: &Outcome, p: f64) -> Option<f64> {
    stats::percentile(&outcome.latencies_ms, p)
}

fn ms(value: Option<f64>) -> String {
    value.map_or("n/a".to_owned(), |v| format!("{v:.1} ms"))
}

/// Prints every setup's run in a column, the first (the baseline) followed by the others with
/// their figure over the baseline's in parentheses where the issues' targets are put that way.
/// The servers' memory is the bridges' RSS summed; nginx's and PostgreSQL's are their own rows
/// (PSS of all their processes, so shared pages count once), never added to the bridges'. A row
/// no setup has a figure for (nginx's without nginx) is left out.
pub fn columns(plan: &Plan, runs: &[(String, Measured)]) {
    let Some((_, baseline)) = runs.first() else { return };
    println!(
        "{} conversations × {} messages each, against each setup in turn",
        plan.conversations, plan.messages
    );
    let heading: String = runs.iter().map(|(label, _)| format!("{label:>22}")).collect();
    println!("{:<30}{heading}", "");
    let row =
        |label: &str, value: &dyn Fn(&Measured) -> Option<f64>, unit: &str, decimals: usize, ratio: bool| {
            if runs.iter().all(|(_, run)| value(run).is_none()) {
                return;
            }
            let cells: String = runs
                .iter()
                .enumerate()
                .map(|(at, (_, run))| {
                    let shown = value(run).map_or("n/a".to_owned(), |v| format!("{v:.decimals$}{unit}"));
                    let over = value(run)
                        .zip(value(baseline))
                        .map(|(b, a)| b / a)
                        .filter(|r| ratio && at > 0 && r.is_finite())
                        .map_or(String::new(), |r| format!(" ({r:.2})"));
                    format!("{:>22}", format!("{shown}{over}"))
                })
                .collect();
            println!("{label:<30}{cells}");
        };
    let count = |f: fn(&Outcome) -> usize| move |m: &Measured| Some(f(&m.outcome) as f64);
    row("conversations created", &count(|o| o.created), "", 0, false);
    row("open streams", &count(|o| o.streams_open), "", 0, false);
    row("streams that broke", &count(|o| o.streams_broken), "", 0, false);
    row("messages acknowledged", &count(|o| o.sent), "", 0, false);
    row("messages failed", &count(|o| o.failed_sends), "", 0, false);
    row("messages per second", &|m| Some(m.outcome.messages_per_second()), "", 0, true);
    row("send → echo p50", &|m| latency(&m.outcome, 50.0), " ms", 1, true);
    row("send → echo p99", &|m| latency(&m.outcome, 99.0), " ms", 1, true);
    row("send → echo max", &|m| latency(&m.outcome, 100.0), " ms", 1, false);
    row("answers completed", &count(|o| o.answers_completed), "", 0, false);
    row("events per message", &|m| Some(m.outcome.events_per_message()), "", 1, false);
    let cost =
        |label: &'static str| move |m: &Measured| m.outcome.costs.iter().find(|c| c.label == label).cloned();
    let server = |m: &Measured| m.outcome.costs.first().cloned();
    row("servers' RSS, before streams", &|m| Some(server(m)?.memory_kb?.0 as f64), " kB", 0, false);
    row("servers' RSS, streams open", &|m| Some(server(m)?.memory_kb?.1 as f64), " kB", 0, false);
    row("servers' kB per open stream", &|m| m.outcome.kb_per_stream(), "", 1, true);
    for part in ["nginx", "PostgreSQL"] {
        let of = cost(part);
        row(&format!("{part} PSS, streams open"), &|m| Some(of(m)?.memory_kb?.1 as f64), " kB", 0, false);
        row(
            &format!("{part} kB per open stream"),
            &|m| of(m)?.kb_per_stream(m.outcome.streams_open),
            "",
            1,
            false,
        );
    }
    row("servers' CPU, whole run", &|m| server(m)?.cpu_seconds, " s", 2, false);
    row("nginx CPU, whole run", &|m| cost("nginx")(m)?.cpu_seconds, " s", 2, false);
    row("PostgreSQL CPU, whole run", &|m| cost("PostgreSQL")(m)?.cpu_seconds, " s", 2, false);
    let per_message = |m: &Measured| {
        let total: Option<f64> = m.outcome.costs.iter().map(|c| c.cpu_seconds).sum();
        Some(total? * 1_000.0 / m.outcome.sent.max(1) as f64)
    };
    row("CPU ms per message, all", &per_message, "", 2, true);
    let store = |m: &Measured| m.store.filter(|_| m.outcome.sent > 0);
    row(
        "store commits per message",
        &|m| Some(store(m)?.commits as f64 / m.outcome.sent as f64),
        "",
        1,
        false,
    );
    row("store writes per message", &|m| Some(store(m)?.writes as f64 / m.outcome.sent as f64), "", 1, false);
    row("wall time", &|m| Some(m.wall.as_secs_f64()), " s", 1, false);
    let first = baseline.outcome.answer.as_ref();
    let alike = runs.iter().all(|(_, run)| first.is_some() && run.outcome.answer.as_ref() == first);
    println!(
        "same answer streamed by all: {}",
        if alike { "yes" } else { "NO or unknown: an answer differed or did not complete" }
    );
    println!(
        "memory: the servers' row is the bridges' RSS summed (the baseline's own); nginx's and PostgreSQL's rows,"
    );
    println!("where a setup has them, are PSS over all their processes, not in the servers' figure. CPU covers the whole");
    println!("run, conversations created to the last answer; so do the store's commits and writes (the bridges' /metrics).");
    println!(
        "issue 13 targets (Baton/baseline, in parentheses): messages per second ≥ 0.70, p99 ≤ 2.00; ≤ 24 kB per open stream"
    );
}
