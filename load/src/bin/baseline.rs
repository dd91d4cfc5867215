//! `baton-baseline`: the bare server `baton-load --compare` measures Baton against. Same wire
//! contract as the bridge, events in memory, the demo agent's answer at its pace.

use std::net::SocketAddr;
use std::time::Duration;

use baton_load::baseline::{self, Baseline};
use baton_protocol::AgentId;
use clap::Parser;

/// Flags.
#[derive(Debug, Parser)]
#[command(name = "baton-baseline", about = "The bare in-memory server Baton's bridge is measured against.")]
struct Flags {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8081")]
    addr: SocketAddr,
    /// The one agent conversations may be started with.
    #[arg(long, default_value = "demo")]
    agent: String,
    /// Milliseconds before each piece of an answer, as the bridge's `--agent-pace-ms`.
    #[arg(long, default_value_t = 40)]
    agent_pace_ms: u64,
    /// Seconds between the comments an idle event stream sends, as the bridge's `--heartbeat-secs`.
    #[arg(long, default_value_t = 15)]
    heartbeat_secs: u64,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let flags = Flags::parse();
    // Thousands of streams need thousands of files, as the bridge raises its limit at start.
    if let Err(error) = rlimit::increase_nofile_limit(u64::MAX) {
        eprintln!("open-file limit unchanged: {error}");
    }
    let state = Baseline::new(
        AgentId(flags.agent),
        Duration::from_millis(flags.agent_pace_ms),
        Duration::from_secs(flags.heartbeat_secs.max(1)),
    );
    let listener = tokio::net::TcpListener::bind(flags.addr).await?;
    // `baton-load --compare` reads the address from this line.
    println!("baton-baseline listening on http://{}", listener.local_addr()?);
    baseline::serve(listener, state).await
}
