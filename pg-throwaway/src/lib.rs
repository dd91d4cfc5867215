//! A throw-away PostgreSQL: a cluster of Debian's PostgreSQL 15 in a temporary folder, on a free
//! loopback port, stopped and removed when dropped. The bridge's tests and the load benchmark start
//! it with settings of their own (durability off for the tests, PostgreSQL's defaults for the
//! benchmark). `initdb` refuses root, so as root the cluster runs as the `postgres` user, who is
//! given the folder.

use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};

/// Where Debian installs PostgreSQL 15's programs.
const BIN: &str = "/usr/lib/postgresql/15/bin";

/// The superuser `initdb` makes.
const SUPERUSER: &str = "baton";

/// Why a cluster could not be made, started or given a database.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// A program did not run (PostgreSQL 15 not installed?).
    #[error("could not run {program}: {source}")]
    Run {
        /// Which, with its arguments.
        program: String,
        /// Why.
        source: std::io::Error,
    },
    /// A program ran and failed.
    #[error("{program} failed: {output}")]
    Failed {
        /// Which, with its arguments.
        program: String,
        /// What it printed.
        output: String,
    },
    /// The temporary folder or a free port could not be had.
    #[error("could not prepare the cluster: {0}")]
    Prepare(std::io::Error),
}

/// A cluster in its folder; dropping it stops the server, if it runs, and removes the folder.
#[derive(Debug)]
pub struct Cluster {
    folder: tempfile::TempDir,
    port: u16,
    as_postgres: bool,
    databases: AtomicU64,
}

impl Cluster {
    /// Makes a cluster (`initdb`) in a new temporary folder, on a port free now; not started yet,
    /// so that files the settings name (a certificate) can be put in [`Cluster::folder`] first.
    pub fn create() -> Result<Cluster, ClusterError> {
        let as_postgres = Command::new("id").arg("-u").output().is_ok_and(|out| out.stdout == b"0\n");
        let folder = tempfile::Builder::new().prefix("baton-pg").tempdir().map_err(ClusterError::Prepare)?;
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|listener| listener.local_addr())
            .map_err(ClusterError::Prepare)?
            .port();
        let cluster = Cluster { folder, port, as_postgres, databases: AtomicU64::new(0) };
        cluster.hand_over(&[cluster.folder()])?;
        // `--no-sync`: initdb's own files are not flushed to disk; the server's durability is
        // the settings' business, and the folder outlives no crash anyway.
        run(cluster
            .command("initdb")
            .args(["--auth=trust", "--no-sync", "--encoding=UTF8", "--locale=C.UTF-8", "-U", SUPERUSER, "-D"])
            .arg(cluster.data()))?;
        Ok(cluster)
    }

    /// Starts the server on 127.0.0.1 with each of `settings` (`name=value`) over PostgreSQL's
    /// defaults; returns once it takes connections.
    pub fn start(&self, settings: &[impl AsRef<str>]) -> Result<(), ClusterError> {
        let mut options =
            format!("-p {} -k {} -c listen_addresses=127.0.0.1", self.port, self.folder().display());
        for setting in settings {
            options.push_str(" -c ");
            options.push_str(setting.as_ref());
        }
        // `-w` polls until the server accepts connections (or fails to start).
        run(self
            .command("pg_ctl")
            .args(["-w", "-t", "60", "-l"])
            .arg(self.folder().join("log"))
            .arg("-D")
            .arg(self.data())
            .args(["-o", &options, "start"]))
    }

    /// The folder the cluster lives in, removed with it.
    pub fn folder(&self) -> &Path {
        self.folder.path()
    }

    /// Gives `paths` to the user the server runs as, when that is not ours (PostgreSQL refuses a
    /// key file its own user does not own).
    pub fn hand_over(&self, paths: &[&Path]) -> Result<(), ClusterError> {
        if !self.as_postgres {
            return Ok(());
        }
        run(Command::new("chown").arg("postgres:postgres").args(paths))
    }

    /// The URL of `database` on this cluster.
    fn url(&self, database: &str) -> String {
        format!("postgres://{SUPERUSER}@127.0.0.1:{}/{database}", self.port)
    }

    /// Creates an empty database of its own; its URL.
    pub fn database(&self) -> Result<String, ClusterError> {
        let name = format!("db{}", self.databases.fetch_add(1, Ordering::Relaxed));
        let port = self.port.to_string();
        run(Command::new(Path::new(BIN).join("createdb")).args([
            "-h",
            "127.0.0.1",
            "-p",
            &port,
            "-U",
            SUPERUSER,
            &name,
        ]))?;
        Ok(self.url(&name))
    }

    /// The postmaster's process id, the root of the server's processes, while it runs.
    pub fn postmaster(&self) -> Option<u32> {
        let pid_file = std::fs::read_to_string(self.data().join("postmaster.pid")).ok()?;
        pid_file.lines().next()?.trim().parse().ok()
    }

    fn data(&self) -> PathBuf {
        self.folder().join("data")
    }

    fn command(&self, program: &str) -> Command {
        let program = Path::new(BIN).join(program);
        if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if self.postmaster().is_none() {
            return;
        }
        // Immediate: the folder goes next, nothing in it is kept.
        let stopped = self
            .command("pg_ctl")
            .args(["-w", "-m", "immediate", "-D"])
            .arg(self.data())
            .arg("stop")
            .output();
        if !stopped.is_ok_and(|output| output.status.success()) {
            eprintln!("the throw-away PostgreSQL in {} did not stop", self.folder().display());
        }
    }
}

fn run(command: &mut Command) -> Result<(), ClusterError> {
    let program = format!("{command:?}");
    let output = command.output().map_err(|source| ClusterError::Run { program: program.clone(), source })?;
    if output.status.success() {
        return Ok(());
    }
    let said =
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    Err(ClusterError::Failed { program, output: said })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cluster takes connections once started, and is gone, folder and server, once dropped.
    #[test]
    fn a_cluster_starts_takes_connections_and_is_removed_on_drop() {
        let cluster = Cluster::create().expect("makes a cluster");
        cluster.start(&["fsync=off"]).expect("starts");
        let url = cluster.database().expect("creates a database");
        let (folder, port) = (cluster.folder().to_path_buf(), cluster.port);
        let ready = |port: u16| {
            Command::new(Path::new(BIN).join("pg_isready"))
                .args(["-h", "127.0.0.1", "-p", &port.to_string()])
                .output()
                .is_ok_and(|output| output.status.success())
        };
        assert!(ready(port), "{url} takes connections");
        drop(cluster);
        assert!(!folder.exists());
        assert!(!ready(port));
    }

    /// Made but never started, it is removed without a stop that could only fail.
    #[test]
    fn a_cluster_never_started_is_removed_on_drop() {
        let cluster = Cluster::create().expect("makes a cluster");
        let folder = cluster.folder().to_path_buf();
        assert_eq!(cluster.postmaster(), None);
        drop(cluster);
        assert!(!folder.exists());
    }
}
