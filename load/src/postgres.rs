//! The PostgreSQL the bridges share in a run: a cluster of Debian's PostgreSQL 15 in a temporary
//! folder on a free loopback port, stopped and removed when dropped. Unlike the bridge's
//! throw-away test cluster (`fsync=off`), it keeps PostgreSQL's durable defaults (`fsync`,
//! `synchronous_commit`, `full_page_writes` on), as a deployment would and as the SQLite bridge's
//! `synchronous = FULL` does. `initdb` refuses root, so as root it runs as the `postgres` user.

use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Output;

use tokio::process::Command;

/// Where Debian installs PostgreSQL 15's programs.
const BIN: &str = "/usr/lib/postgresql/15/bin";

/// The superuser `initdb` makes.
const SUPERUSER: &str = "baton";

/// Why the cluster could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// A program did not run (PostgreSQL 15 not installed?).
    #[error("could not run {program}: {source}")]
    Run {
        /// Which.
        program: String,
        /// Why.
        source: std::io::Error,
    },
    /// A program ran and failed.
    #[error("{program} failed: {output}")]
    Failed {
        /// Which.
        program: String,
        /// What it said.
        output: String,
    },
    /// The temporary folder or a free port could not be had.
    #[error("could not prepare the cluster: {0}")]
    Prepare(std::io::Error),
}

/// A server setting given on the command line, `name=value` without spaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting(String);

impl std::str::FromStr for Setting {
    type Err = String;

    fn from_str(text: &str) -> Result<Setting, String> {
        match text.split_once('=') {
            Some((name, value))
                if !name.is_empty() && !value.is_empty() && !text.contains(char::is_whitespace) =>
            {
                Ok(Setting(text.to_owned()))
            }
            _ => Err(format!("`{text}` is not name=value without spaces")),
        }
    }
}

/// A running cluster.
#[derive(Debug)]
pub struct Cluster {
    folder: tempfile::TempDir,
    port: u16,
    as_postgres: bool,
    databases: u32,
}

impl Cluster {
    /// Creates and starts a cluster, with `settings` (`name=value`, e.g. `synchronous_commit=off`)
    /// over PostgreSQL's defaults.
    pub async fn start(settings: &[Setting]) -> Result<Cluster, ClusterError> {
        let root = Command::new("id").arg("-u").output().await.is_ok_and(|out| out.stdout == b"0\n");
        let folder =
            tempfile::Builder::new().prefix("baton-load-pg").tempdir().map_err(ClusterError::Prepare)?;
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|listener| listener.local_addr())
            .map_err(ClusterError::Prepare)?
            .port();
        let cluster = Cluster { folder, port, as_postgres: root, databases: 0 };
        if root {
            run(Command::new("chown").arg("postgres:postgres").arg(cluster.folder.path())).await?;
        }
        run(cluster
            .command("initdb")
            .args(["--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "-U", SUPERUSER, "-D"])
            .arg(cluster.data()))
        .await?;
        let mut options =
            format!("-p {port} -k {} -c listen_addresses=127.0.0.1", cluster.folder.path().display());
        for Setting(setting) in settings {
            options.push_str(" -c ");
            options.push_str(setting);
        }
        // `-w` waits until the server accepts connections (or fails to start).
        run(cluster
            .command("pg_ctl")
            .args(["-w", "-t", "60", "-l"])
            .arg(cluster.folder.path().join("log"))
            .arg("-D")
            .arg(cluster.data())
            .args(["-o", &options, "start"]))
        .await?;
        Ok(cluster)
    }

    /// Creates an empty database of its own; its URL.
    pub async fn database(&mut self) -> Result<String, ClusterError> {
        self.databases += 1;
        let name = format!("run{}", self.databases);
        let port = self.port.to_string();
        run(Command::new(Path::new(BIN).join("createdb")).args([
            "-h",
            "127.0.0.1",
            "-p",
            &port,
            "-U",
            SUPERUSER,
            &name,
        ]))
        .await?;
        Ok(format!("postgres://{SUPERUSER}@127.0.0.1:{}/{name}", self.port))
    }

    /// The postmaster's process id, the root of the cluster's processes.
    pub fn postmaster(&self) -> Option<u32> {
        let pid_file = std::fs::read_to_string(self.data().join("postmaster.pid")).ok()?;
        pid_file.lines().next()?.trim().parse().ok()
    }

    fn data(&self) -> PathBuf {
        self.folder.path().join("data")
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
        // Immediate: the folder goes next, nothing in it is kept.
        let mut stop = self.command("pg_ctl");
        stop.args(["-w", "-m", "immediate", "-D"]).arg(self.data()).arg("stop");
        if !stop.as_std_mut().output().is_ok_and(|output| output.status.success()) {
            eprintln!("the PostgreSQL in {} did not stop", self.folder.path().display());
        }
    }
}

async fn run(command: &mut Command) -> Result<(), ClusterError> {
    let program = format!("{:?}", command.as_std());
    let output: Output =
        command.output().await.map_err(|source| ClusterError::Run { program: program.clone(), source })?;
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

    #[test]
    fn a_setting_is_a_name_and_a_value_without_spaces() {
        assert_eq!("fsync=off".parse(), Ok(Setting("fsync=off".into())));
        assert!("fsync".parse::<Setting>().is_err());
        assert!("=off".parse::<Setting>().is_err());
        assert!("fsync=off -c x=y".parse::<Setting>().is_err());
    }
}
