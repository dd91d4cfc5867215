//! The bridge as its own process, for what only a process can show: `kill -9` and a restart on
//! the same database file.

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
        let mut child = Command::new(env!("CARGO_BIN_EXE_baton-bridge"))
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

    /// `kill -9`: no shutdown, no flush, nothing the process could do about it.
    pub async fn kill_9(mut self) {
        self.child.start_kill().expect("SIGKILL sent");
        self.child.wait().await.expect("the bridge is gone");
    }
}
