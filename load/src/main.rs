//! `baton-load`: a load benchmark for a running bridge. It opens N conversations, each with its
//! event stream held open, sends M messages to each, and reports connections held, messages per
//! second, send-to-event latency, and the bridge's memory per open stream. With `--compare` it
//! starts the baseline and a fresh bridge itself and prints the two in columns; with `--postgres`
//! (and `--bridges 2`) also a bridge on PostgreSQL (and two behind nginx), each in its column.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use baton_load::compare::{self, Servers, Setup};
use baton_load::postgres::Setting;
use baton_load::process::Watched;
use baton_load::{report, run};
use clap::Parser;

/// Flags.
#[derive(Debug, Parser)]
#[command(name = "baton-load", about = "Load benchmark for Baton's bridge, alone or beside the baseline.")]
struct Flags {
    /// The bridge's base URL (ignored with `--compare`).
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
    /// The bridge's process id, to report its memory per open stream (ignored with `--compare`).
    #[arg(long)]
    bridge_pid: Option<u32>,
    /// Give up and report after this many seconds (per server with `--compare`).
    #[arg(long, default_value_t = 300)]
    timeout_secs: u64,
    /// Start `baton-baseline` and a fresh `baton-bridge` on loopback, run the plan against each in
    /// turn, and print both with the ratios.
    #[arg(long)]
    compare: bool,
    /// With `--compare`: the bridge executable; by default the `baton-bridge` beside this one.
    #[arg(long)]
    bridge_bin: Option<PathBuf>,
    /// With `--compare`: the baseline executable; by default the `baton-baseline` beside this one.
    #[arg(long)]
    baseline_bin: Option<PathBuf>,
    /// With `--compare`: milliseconds between the pieces of an answer, on both servers (the
    /// bridge's default).
    #[arg(long, default_value_t = 40)]
    agent_pace_ms: u64,
    /// With `--compare`: also run the plan against one bridge on a fresh PostgreSQL database
    /// (a durable cluster of Debian's PostgreSQL 15 started in a temporary folder), after the
    /// baseline and the bridge on SQLite, and print every setup in a column.
    #[arg(long, requires = "compare")]
    postgres: bool,
    /// With `--postgres`: then against this many bridges on one fresh PostgreSQL database behind
    /// nginx (round robin), for each number given (`--bridges 2` or `--bridges 1,2`).
    #[arg(long, value_delimiter = ',', requires = "postgres")]
    bridges: Vec<usize>,
    /// With `--compare`: run every setup this many times, alternately (the baseline, the bridge,
    /// the baseline, …), printing each round, then each figure's median and range over the
    /// rounds and its ratio to the baseline of the same round.
    #[arg(long, default_value_t = 1, requires = "compare")]
    rounds: usize,
    /// With `--postgres`: a PostgreSQL setting over its durable defaults, `name=value`; repeat
    /// the flag for several (e.g. `--postgres-setting synchronous_commit=off`).
    #[arg(long, requires = "postgres")]
    postgres_setting: Vec<Setting>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let flags = Flags::parse();
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => println!("open-file limit: {limit}"),
        Err(error) => println!("open-file limit unchanged: {error}"),
    }
    let timeout = Duration::from_secs(flags.timeout_secs);
    let plan = run::Plan {
        endpoint: flags.endpoint.trim_end_matches('/').to_owned(),
        agent: flags.agent,
        conversations: flags.conversations,
        messages: flags.messages,
        ramp: flags.ramp_concurrency.max(1),
        sends_in_flight: flags.sends_in_flight.max(1),
        deadline: Instant::now() + timeout,
        watched: flags
            .bridge_pid
            .map(|pid| ("bridge".to_owned(), Watched::Each(vec![pid])))
            .into_iter()
            .collect(),
    };
    if !flags.compare {
        let started = Instant::now();
        let outcome = run::run(plan.clone()).await;
        report::single(&plan, &outcome, started.elapsed());
        return ExitCode::SUCCESS;
    }
    let beside = |name: &str| {
        std::env::current_exe().map(|exe| exe.with_file_name(name)).unwrap_or_else(|_| name.into())
    };
    let servers = Servers {
        baseline: flags.baseline_bin.unwrap_or_else(|| beside("baton-baseline")),
        bridge: flags.bridge_bin.unwrap_or_else(|| beside("baton-bridge")),
        agent_pace_ms: flags.agent_pace_ms,
        postgres_settings: flags.postgres_setting,
    };
    let mut setups = vec![Setup::Baseline, Setup::Sqlite];
    if flags.postgres {
        setups.push(Setup::Postgres);
        setups.extend(flags.bridges.iter().map(|n| Setup::Proxied(*n)));
    }
    let total = flags.rounds.max(1);
    let mut rounds = Vec::new();
    for round in 1..=total {
        if total > 1 {
            println!("round {round} of {total}");
        }
        match compare::compare_setups(&plan, timeout, &servers, &setups).await {
            Ok(runs) => {
                report::columns(&plan, &runs);
                rounds.push(runs);
            }
            Err(error) => {
                eprintln!("baton-load: {error}");
                return ExitCode::FAILURE;
            }
        }
    }
    if total > 1 {
        report::rounds(&rounds);
    }
    ExitCode::SUCCESS
}
