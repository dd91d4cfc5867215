//! What a run printed: one server's figures, or every setup's in a column with its figure over
//! the baseline's.

use std::time::Duration;

use crate::compare::Measured;
use crate::run::{Outcome, Plan};
use crate::stats::{self, Spread};

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
    let send_phase = outcome.costs.first().and_then(|cost| cost.send_phase_cpu_seconds);
    if let (Some(server), Some(load)) = (send_phase, outcome.load_cpu_seconds) {
        println!(
            "CPU per message in the send phase: {:.2} ms the bridge's, {:.2} ms this load generator's",
            ms_per_message(outcome, server),
            ms_per_message(outcome, load)
        );
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

fn p99(m: &Measured) -> Option<f64> {
    latency(&m.outcome, 99.0)
}

fn per_second(m: &Measured) -> Option<f64> {
    Some(m.outcome.messages_per_second())
}

/// The CPU time of everything watched (the servers, and nginx and PostgreSQL where they run) per
/// message acknowledged.
fn cpu_ms_per_message(m: &Measured) -> Option<f64> {
    let total: Option<f64> = m.outcome.costs.iter().map(|c| c.cpu_seconds).sum();
    Some(ms_per_message(&m.outcome, total?))
}

/// The same over the send phase alone, where the messages per second are measured.
fn send_phase_cpu_ms_per_message(m: &Measured) -> Option<f64> {
    let total: Option<f64> = m.outcome.costs.iter().map(|c| c.send_phase_cpu_seconds).sum();
    Some(ms_per_message(&m.outcome, total?))
}

/// The load generator's CPU time per message in the send phase.
fn load_cpu_ms_per_message(m: &Measured) -> Option<f64> {
    Some(ms_per_message(&m.outcome, m.outcome.load_cpu_seconds?))
}

/// `cpu_seconds` as milliseconds per message the run acknowledged.
fn ms_per_message(outcome: &Outcome, cpu_seconds: f64) -> f64 {
    cpu_seconds * 1_000.0 / outcome.sent.max(1) as f64
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
    row("messages per second", &per_second, "", 0, true);
    row("send → echo p50", &|m| latency(&m.outcome, 50.0), " ms", 1, true);
    row("send → echo p99", &p99, " ms", 1, true);
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
    row("CPU ms per message, all", &cpu_ms_per_message, "", 2, true);
    row("the same, send phase", &send_phase_cpu_ms_per_message, "", 2, true);
    row("load generator's, send phase", &load_cpu_ms_per_message, "", 2, false);
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
    println!("run, conversations created to the last answer (\"send phase\": from the first send to the last echo, in");
    println!("ticks of 10 ms); so do the store's commits and writes (the bridges' /metrics).");
    println!(
        "issue 13 targets (Baton/baseline, in parentheses): messages per second ≥ 0.70, p99 ≤ 2.00; ≤ 24 kB per open stream"
    );
}

/// A headline figure: its label, how it is read from a run, its unit and decimals, and whether
/// it is also shown over the baseline's.
type Figure = (&'static str, fn(&Measured) -> Option<f64>, &'static str, usize, bool);

/// Prints, after several rounds of the same setups (each round running every setup once, in
/// order), each headline figure's median and range over the rounds, and each setup's figure over
/// the baseline's of the same round: on a shared machine the rate moves between runs, and the
/// two servers of one round ran closest in time.
pub fn rounds(rounds: &[Vec<(String, Measured)>]) {
    let Some(first) = rounds.first() else { return };
    println!(
        "over {} rounds, each setup once per round in the order above: median (lowest–highest)",
        rounds.len()
    );
    let heading: String = first.iter().map(|(label, _)| format!("{label:>28}")).collect();
    println!("{:<30}{heading}", "");
    let figures: [Figure; 6] = [
        ("messages per second", per_second, "", 0, true),
        ("send → echo p99", p99, " ms", 1, true),
        ("servers' kB per open stream", |m| m.outcome.kb_per_stream(), "", 1, false),
        ("CPU ms per message, all", cpu_ms_per_message, "", 2, true),
        ("the same, send phase", send_phase_cpu_ms_per_message, "", 2, true),
        ("load generator's, send phase", load_cpu_ms_per_message, "", 2, false),
    ];
    for (label, value, unit, decimals, ratio) in figures {
        let cell = |spread: Option<Spread>, unit: &str, decimals: usize| {
            let shown = spread.map_or("n/a".to_owned(), |s| {
                format!("{:.decimals$} ({:.decimals$}–{:.decimals$}){unit}", s.median, s.min, s.max)
            });
            format!("{shown:>28}")
        };
        let cells: String = (0..first.len())
            .map(|at| {
                cell(Spread::of(rounds.iter().filter_map(|round| value(&round.get(at)?.1))), unit, decimals)
            })
            .collect();
        println!("{label:<30}{cells}");
        if ratio {
            let over: String = (0..first.len())
                .map(|at| {
                    let ratios = rounds.iter().filter_map(|round| {
                        let (_, baseline) = round.first()?;
                        Some(value(&round.get(at)?.1)? / value(baseline)?)
                    });
                    if at == 0 {
                        format!("{:>28}", "")
                    } else {
                        cell(Spread::of(ratios), "", 2)
                    }
                })
                .collect();
            println!("{:<30}{over}", "  over the baseline's");
        }
    }
}
