//! Starting the servers a run measures: the baseline, and a bridge on a SQLite file or on a
//! PostgreSQL database, each on a loopback port it picks itself and prints.

use std::io;
use std::path::Path;
use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::nginx::PROXY_ADDRESS;

/// The flags that switch a bridge's rate limits and per-client caps off: every request of the
/// benchmark comes from one address.
const UNLIMITED: [&str; 10] = [
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
];

/// Why a server could not be started.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
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
}

/// A server started for one run; killed when dropped.
#[derive(Debug)]
pub struct Server {
    /// The process.
    pub child: Child,
    /// Its base URL.
    pub endpoint: String,
    /// Its process id.
    pub pid: Option<u32>,
}

impl Server {
    /// The loopback port it listens on.
    pub fn port(&self) -> Option<u16> {
        self.endpoint.rsplit(':').next()?.parse().ok()
    }

    /// Kills it and waits for it to end.
    pub async fn stop(mut self) {
        if let Err(error) = self.child.kill().await {
            println!("could not stop the server at {}: {error}", self.endpoint);
        }
    }
}

/// The baseline's command.
pub fn baseline(program: &Path, agent: &str, pace_ms: u64) -> Command {
    let mut command = Command::new(program);
    command.args(["--addr", "127.0.0.1:0", "--agent", agent, "--agent-pace-ms", &pace_ms.to_string()]);
    command
}

/// A fresh bridge's command, its files in `dir` (no agents file there: the demo agent answers,
/// as in a fresh demo), on a SQLite file in `dir` or, given `(url, secret key)`, on PostgreSQL,
/// trusting nginx's address.
pub fn bridge(program: &Path, dir: &Path, pace_ms: u64, postgres: Option<(&str, &str)>) -> Command {
    let mut command = Command::new(program);
    command
        .args(["--addr", "127.0.0.1:0", "--agent-pace-ms", &pace_ms.to_string()])
        .arg("--config")
        .arg(dir.join("baton.toml"))
        .arg("--site-dir")
        .arg(dir)
        .args(UNLIMITED)
        .env("RUST_LOG", "warn");
    match postgres {
        Some((url, key)) => {
            command.args(["--database-url", url, "--secret-key", key, "--trusted-proxies", PROXY_ADDRESS]);
        }
        None => {
            command.arg("--db").arg(dir.join("baton.db"));
        }
    }
    command
}

/// Starts `command` and waits for the line that gives its address.
pub async fn start(mut command: Command) -> Result<Server, LaunchError> {
    let program = command.as_std().get_program().to_string_lossy().into_owned();
    command.stdin(Stdio::null()).stdout(Stdio::piped()).kill_on_drop(true);
    let mut child =
        command.spawn().map_err(|source| LaunchError::Spawn { program: program.clone(), source })?;
    let pid = child.id();
    let stdout = child.stdout.take().ok_or_else(|| LaunchError::NoAddress(program.clone()))?;
    let mut lines = BufReader::new(stdout).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if let Some(endpoint) = endpoint_in(&line) {
            // Whatever it prints later is read and dropped, so it never blocks on a full pipe.
            tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
            return Ok(Server { child, endpoint, pid });
        }
    }
    Err(LaunchError::NoAddress(program))
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

    #[test]
    fn a_bridge_on_postgres_gets_the_shared_key_and_trusts_the_proxy_only() {
        let command =
            bridge(Path::new("baton-bridge"), Path::new("/tmp/b"), 40, Some(("postgres://x/y", "ab")));
        let args: Vec<String> =
            command.as_std().get_args().map(|arg| arg.to_string_lossy().into_owned()).collect();
        let after = |flag: &str| args.iter().position(|arg| arg == flag).map(|at| args[at + 1].as_str());
        assert_eq!(after("--database-url"), Some("postgres://x/y"));
        assert_eq!(after("--secret-key"), Some("ab"));
        assert_eq!(after("--trusted-proxies"), Some("127.0.0.3"));
        assert_eq!(after("--max-streams-per-client"), Some("0"));
        assert!(!args.iter().any(|arg| arg == "--db"));
    }
}
