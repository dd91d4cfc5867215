//! `baton-load --compare`: starts the baseline, then a fresh bridge (rate limits and per-client
//! caps off, a new database in a temporary directory), each on a loopback port it picks itself,
//! and runs the same plan against one and then the other, reading each one's memory from `/proc`.

use std::io;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::run::{self, Outcome, Plan};

/// The two programs, and what both are told.
#[derive(Debug, Clone)]
pub struct Servers {
    /// The `baton-baseline` executable.
    pub baseline: PathBuf,
    /// The `baton-bridge` executable.
    pub bridge: PathBuf,
    /// Milliseconds between the pieces of an answer, on both.
    pub agent_pace_ms: u64,
}

/// One run: what happened and how long it took, start to report.
#[derive(Debug)]
pub struct Measured {
    /// What happened.
    pub outcome: Outcome,
    /// The whole run's wall time.
    pub wall: Duration,
}

/// Why a comparison could not run.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    /// The program did not start.
    #[error("could not start {program}: {source}")]
    Spawn {
        /// Which.
        program: String,
        /// Why.
        source: io::Error,
    },
    /// The program ended, or closed its output, before printing the address it listens on.
    #[error("{0} stopped before saying where it listens")]
    NoAddress(String),
    /// The bridge's temporary directory could not be made.
    #[error("could not create a temporary directory: {0}")]
    TempDir(io::Error),
}

/// A server started for one run; killed when dropped.
struct Server {
    child: Child,
    endpoint: String,
    pid: Option<u32>,
}

/// Runs `base` (its endpoint and process replaced) against the baseline, then against the
/// bridge; each run gets `timeout` from its own start.
pub async fn compare(
    base: &Plan,
    timeout: Duration,
    servers: &Servers,
) -> Result<(Measured, Measured), CompareError> {
    let pace = servers.agent_pace_ms.to_string();
    let mut baseline = Command::new(&servers.baseline);
    baseline.args(["--addr", "127.0.0.1:0", "--agent", &base.agent, "--agent-pace-ms", &pace]);
    let baseline = measure(start(baseline).await?, base, timeout).await;

    let dir = tempfile::tempdir().map_err(CompareError::TempDir)?;
    let mut bridge = Command::new(&servers.bridge);
    bridge
        .args(["--addr", "127.0.0.1:0", "--agent-pace-ms", &pace])
        .arg("--db")
        .arg(dir.path().join("baton.db"))
        // No agents file there: the demo agent answers, as in a fresh demo.
        .arg("--config")
        .arg(dir.path().join("baton.toml"))
        .arg("--site-dir")
        .arg(dir.path())
        .args([
            "--conversations-per-ip-per-minute",
            "0",
            "--messages-per-ip-per-minute",
            "0",
            "--messages-per-conversation-per-minute",
            "0",
            "--max-connections-per-client",
            "0",
            "--max-streams-per-client",
            "0",
        ])
        .env("RUST_LOG", "warn");
    let baton = measure(start(bridge).await?, base, timeout).await;
    Ok((baseline, baton))
}

async fn measure(mut server: Server, base: &Plan, timeout: Duration) -> Measured {
    let plan = Plan {
        endpoint: server.endpoint.clone(),
        bridge_pid: server.pid,
        deadline: Instant::now() + timeout,
        ..base.clone()
    };
    let started = Instant::now();
    let outcome = run::run(plan).await;
    let wall = started.elapsed();
    // Gone before the next server starts, so the two never share the machine.
    if let Err(error) = server.child.kill().await {
        println!("could not stop the server at {}: {error}", server.endpoint);
    }
    Measured { outcome, wall }
}

/// Starts `command` and waits for the line that gives its address.
async fn start(mut command: Command) -> Result<Server, CompareError> {
    let program = command.as_std().get_program().to_string_lossy().into_owned();
    command.stdin(Stdio::null()).stdout(Stdio::piped()).kill_on_drop(true);
    let mut child =
        command.spawn().map_err(|source| CompareError::Spawn { program: program.clone(), source })?;
    let pid = child.id();
    let stdout = child.stdout.take().ok_or_else(|| CompareError::NoAddress(program.clone()))?;
    let mut lines = BufReader::new(stdout).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if let Some(endpoint) = endpoint_in(&line) {
            // Whatever it prints later is read and dropped, so it never blocks on a full pipe.
            tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
            return Ok(Server { child, endpoint, pid });
        }
    }
    Err(CompareError::NoAddress(program))
}

/// The `http://…` address in a server's start-up line, without a trailing slash.
fn endpoint_in(line: &str) -> Option<String> {
    let at = line.find("http://")?;
    Some(line[at..].split_whitespace().next()?.trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_is_read_from_either_servers_start_up_line() {
        let bridge = "Baton is running. Open the demo site: http://127.0.0.1:40123/";
        assert_eq!(endpoint_in(bridge).as_deref(), Some("http://127.0.0.1:40123"));
        let baseline = "baton-baseline listening on http://127.0.0.1:40124";
        assert_eq!(endpoint_in(baseline).as_deref(), Some("http://127.0.0.1:40124"));
        assert_eq!(endpoint_in("bridge listening"), None);
    }
}
