//! The bridge as its own process, for what only a process can show: `kill -9`, a restart on
//! the same database file, several bridges on one PostgreSQL.

use std::path::Path;
use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::helpers::Api;

/// A `baton-bridge` process.
pub struct BridgeProcess {
    pub api: Api,
    child: Child,
}

impl BridgeProcess {
    /// Starts the bridge on a free port over the database `db`, streaming a piece every `pace_ms`.
    pub async fn start(db: &Path, pace_ms: u64) -> Self {
        Self::start_with(db, pace_ms, &[]).await
    }

    /// The same, with extra environment variables (`BATON_INTERCOM_*`).
    pub async fn start_with(db: &Path, pace_ms: u64, env: &[(&str, &str)]) -> Self {
        Self::launch(Command::new(env!("CARGO_BIN_EXE_baton-bridge")), db, pace_ms, env).await
    }

    /// The bridge under an open-file limit of `files` (soft and hard, so it cannot raise it),
    /// with extra flags.
    pub async fn start_limited(db: &Path, files: u32, flags: &[&str]) -> Self {
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(format!("ulimit -n {files} && exec \"$0\" \"$@\""))
            .arg(env!("CARGO_BIN_EXE_baton-bridge"))
            .args(flags);
        Self::launch(command, db, 0, &[]).await
    }

    /// The bridge with extra flags.
    pub async fn start_with_flags(db: &Path, pace_ms: u64, flags: &[&str]) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_baton-bridge"));
        command.args(flags);
        Self::launch(command, db, pace_ms, &[]).await
    }

    /// A bridge with its own folder `dir` (agents file) on the PostgreSQL database `url` that
    /// other bridges share, with their `key`, streaming a piece every `pace_ms`, with extra
    /// flags and environment variables.
    pub async fn start_shared(
        dir: &Path,
        (url, key): (&str, &str),
        pace_ms: u64,
        flags: &[&str],
        env: &[(&str, &str)],
    ) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_baton-bridge"));
        command.args(["--database-url", url, "--secret-key", key]).args(flags);
        Self::launch(command, &dir.join("baton.db"), pace_ms, env).await
    }

    async fn launch(mut command: Command, db: &Path, pace_ms: u64, env: &[(&str, &str)]) -> Self {
        let mut child = command
            .args(["--addr", "127.0.0.1:0", "--agent-pace-ms", &pace_ms.to_string()])
            .arg("--db")
            .arg(db)
            .arg("--config")
            .arg(db.with_extension("toml"))
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("the bridge starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        let base = loop {
            let line = lines.next_line().await.expect("reads stdout").expect("the bridge prints its address");
            if let Some(at) = line.find("http://") {
                break line[at..].trim_end_matches('/').to_owned();
            }
        };
        Self { api: Api { base, http: reqwest::Client::new() }, child }
    }

    /// Sends SIGTERM, as a service manager or Ctrl-C would.
    pub async fn terminate(&self) {
        let pid = self.child.id().expect("running").to_string();
        let status = Command::new("kill").args(["-TERM", &pid]).status().await.expect("kill runs");
        assert!(status.success(), "SIGTERM sent");
    }

    /// Waits for the process to exit (at most a minute) and returns its exit code.
    pub async fn exit_code(&mut self) -> Option<i32> {
        let status = tokio::time::timeout(std::time::Duration::from_secs(60), self.child.wait())
            .await
            .expect("the bridge exits")
            .expect("waits");
        status.code()
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id().expect("running")
    }

    /// Resident memory, in KiB.
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).expect("proc status");
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS")
    }

    /// One gauge of `GET /metrics`.
    pub async fn gauge(&self, name: &str) -> u64 {
        let text = self
            .api
            .http
            .get(self.api.url("/metrics"))
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("text");
        text.lines()
            .find_map(|line| line.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')))
            .and_then(|value| value.trim().parse().ok())
            .unwrap_or_else(|| panic!("no gauge {name} in {text}"))
    }

    /// `kill -9`: no shutdown, no flush, nothing the process could do about it.
    pub async fn kill_9(mut self) {
        self.child.start_kill().expect("SIGKILL sent");
        self.child.wait().await.expect("the bridge is gone");
    }
}
