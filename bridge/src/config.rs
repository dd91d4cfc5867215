//! The bridge's settings, from flags or `BATON_*` environment variables, with embedded defaults
//! so `baton-bridge` alone starts a working demo.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

/// Command-line flags; each can also be set by its environment variable.
#[derive(Debug, Clone, Parser)]
#[command(name = "baton-bridge", version, about = "Baton's server: widget API, agent and event log.")]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "BATON_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// The SQLite database file; created on first start.
    #[arg(long, env = "BATON_DB", default_value = "baton.db")]
    pub db: PathBuf,
    /// Directory holding `index.html` and the built widget in `pkg/`.
    #[arg(long, env = "BATON_SITE_DIR", default_value = ".")]
    pub site_dir: PathBuf,
    /// Milliseconds between the pieces the builtin agent streams.
    #[arg(long, env = "BATON_AGENT_PACE_MS", default_value_t = 40)]
    pub agent_pace_ms: u64,
}

impl Config {
    /// The builtin agent's pace as a duration.
    pub fn agent_pace(&self) -> Duration {
        Duration::from_millis(self.agent_pace_ms)
    }
}
