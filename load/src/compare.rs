//! `baton-load --compare`: starts each server in turn (the baseline, then fresh bridges with rate
//! limits and per-client caps off), runs the same plan against each, reading the memory and CPU
//! time of what serves it from `/proc`, and stops it before the next starts. With PostgreSQL, one
//! cluster serves the whole comparison and each setup gets a database of its own.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use baton_pg_throwaway::{Cluster, ClusterError};

use crate::launch::{self, LaunchError, Server};
use crate::nginx::{Nginx, NginxError};
use crate::postgres::{self, Setting};
use crate::process::Watched;
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
    /// Settings over PostgreSQL's defaults, for the setups on PostgreSQL.
    pub postgres_settings: Vec<Setting>,
}

/// What a plan is run against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setup {
    /// The bare in-memory baseline.
    Baseline,
    /// One bridge on a fresh SQLite file.
    Sqlite,
    /// One bridge on a fresh PostgreSQL database, reached directly.
    Postgres,
    /// This many bridges on one fresh PostgreSQL database, behind nginx (round robin).
    Proxied(usize),
}

impl Setup {
    /// Its column's heading.
    pub fn label(self) -> String {
        match self {
            Setup::Baseline => "baseline".into(),
            Setup::Sqlite => "SQLite".into(),
            Setup::Postgres => "PostgreSQL".into(),
            Setup::Proxied(1) => "nginx, 1 on PG".into(),
            Setup::Proxied(n) => format!("nginx, {n} on PG"),
        }
    }
}

/// One run: what happened and how long it took, start to report.
#[derive(Debug)]
pub struct Measured {
    /// What happened.
    pub outcome: Outcome,
    /// The whole run's wall time.
    pub wall: Duration,
    /// Transactions and writes the bridges' stores committed over the run, from their
    /// `/metrics` summed; `None` for the baseline.
    pub store: Option<StoreCounts>,
}

/// What the bridges' `/metrics` say their stores committed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreCounts {
    /// `baton_store_commits_total`: transactions.
    pub commits: u64,
    /// `baton_store_writes_total`: writes (several share a transaction on SQLite; one each on
    /// PostgreSQL).
    pub writes: u64,
}

impl StoreCounts {
    /// The counters in a `/metrics` page, if it has them.
    fn read(page: &str) -> Option<StoreCounts> {
        let counter = |name: &str| {
            page.lines()
                .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.trim().parse::<u64>().ok())
        };
        Some(StoreCounts {
            commits: counter("baton_store_commits_total")?,
            writes: counter("baton_store_writes_total")?,
        })
    }

    /// Every bridge's counters summed; `None` if one has none (the baseline serves no metrics).
    async fn of(servers: &[Server]) -> Option<StoreCounts> {
        let client = reqwest::Client::new();
        let mut sum = StoreCounts::default();
        for server in servers {
            let page = client.get(format!("{}/metrics", server.endpoint)).send().await.ok()?;
            let counts = StoreCounts::read(&page.error_for_status().ok()?.text().await.ok()?)?;
            sum.commits += counts.commits;
            sum.writes += counts.writes;
        }
        Some(sum)
    }
}

/// Why a comparison could not run.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    /// A server did not start.
    #[error(transparent)]
    Launch(#[from] LaunchError),
    /// The bridge's temporary directory could not be made.
    #[error("could not create a temporary directory: {0}")]
    TempDir(std::io::Error),
    /// PostgreSQL could not be started or given a database.
    #[error("PostgreSQL: {0}")]
    Cluster(#[from] ClusterError),
    /// nginx could not be started.
    #[error(transparent)]
    Nginx(#[from] NginxError),
}

/// Runs `base` (its endpoint and processes replaced) against each setup in turn, labelled; each
/// run gets `timeout` from its own start.
pub async fn compare_setups(
    base: &Plan,
    timeout: Duration,
    servers: &Servers,
    setups: &[Setup],
) -> Result<Vec<(String, Measured)>, CompareError> {
    let mut cluster: Option<Cluster> = None;
    let mut measured = Vec::new();
    for setup in setups {
        let deployment = match setup {
            Setup::Baseline => {
                let server =
                    launch::start(launch::baseline(&servers.baseline, &base.agent, servers.agent_pace_ms))
                        .await?;
                Deployment::of(vec![server], None, None)
            }
            Setup::Sqlite => {
                let dir = tempfile::tempdir().map_err(CompareError::TempDir)?;
                let server =
                    launch::start(launch::bridge(&servers.bridge, dir.path(), servers.agent_pace_ms, None))
                        .await?;
                Deployment::of(vec![server], None, None).holding(dir)
            }
            Setup::Postgres | Setup::Proxied(_) => {
                let cluster = match &mut cluster {
                    Some(cluster) => cluster,
                    None => cluster.insert(postgres::start(&servers.postgres_settings)?),
                };
                let url = postgres::database(cluster)?;
                let key = hex::encode(rand::random::<[u8; 32]>());
                let dir = tempfile::tempdir().map_err(CompareError::TempDir)?;
                let count = match setup {
                    Setup::Proxied(n) => (*n).max(1),
                    _ => 1,
                };
                let mut bridges = Vec::new();
                // One after the other: the first applies the migrations.
                for _ in 0..count {
                    let command = launch::bridge(
                        &servers.bridge,
                        dir.path(),
                        servers.agent_pace_ms,
                        Some((&url, &key)),
                    );
                    bridges.push(launch::start(command).await?);
                }
                let nginx = match setup {
                    Setup::Proxied(_) => {
                        let ports: Vec<u16> = bridges.iter().filter_map(Server::port).collect();
                        Some(Nginx::start(&ports, base.conversations, base.sends_in_flight).await?)
                    }
                    _ => None,
                };
                Deployment::of(bridges, nginx, cluster.postmaster()).holding(dir)
            }
        };
        measured.push((setup.label(), deployment.measure(base, timeout).await));
    }
    Ok(measured)
}

/// What serves one run, stopped after it.
struct Deployment {
    servers: Vec<Server>,
    nginx: Option<Nginx>,
    postmaster: Option<u32>,
    dir: Option<tempfile::TempDir>,
}

impl Deployment {
    fn of(servers: Vec<Server>, nginx: Option<Nginx>, postmaster: Option<u32>) -> Deployment {
        Deployment { servers, nginx, postmaster, dir: None }
    }

    /// Keeps the servers' folder until they stop.
    fn holding(self, dir: tempfile::TempDir) -> Deployment {
        Deployment { dir: Some(dir), ..self }
    }

    async fn measure(self, base: &Plan, timeout: Duration) -> Measured {
        let endpoint = match &self.nginx {
            Some(nginx) => nginx.endpoint.clone(),
            None => self.servers.first().map(|server| server.endpoint.clone()).unwrap_or_default(),
        };
        let pids: Vec<u32> = self.servers.iter().filter_map(|server| server.pid).collect();
        let label = if pids.len() == 1 { "server" } else { "servers" };
        let mut watched = vec![(label.to_owned(), Watched::Each(pids))];
        if let Some(pid) = self.nginx.as_ref().and_then(Nginx::pid) {
            watched.push(("nginx".to_owned(), Watched::Tree(pid)));
        }
        if let Some(pid) = self.postmaster {
            watched.push(("PostgreSQL".to_owned(), Watched::Tree(pid)));
        }
        let plan = Plan { endpoint, watched, deadline: Instant::now() + timeout, ..base.clone() };
        let before = StoreCounts::of(&self.servers).await;
        let started = Instant::now();
        let outcome = run::run(plan).await;
        let wall = started.elapsed();
        let store = before.zip(StoreCounts::of(&self.servers).await).map(|(before, after)| StoreCounts {
            commits: after.commits.saturating_sub(before.commits),
            writes: after.writes.saturating_sub(before.writes),
        });
        // Gone before the next setup starts, so no two share the machine.
        if let Some(nginx) = self.nginx {
            nginx.stop().await;
        }
        for server in self.servers {
            server.stop().await;
        }
        drop(self.dir);
        Measured { outcome, wall, store }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stores_counters_are_read_from_a_metrics_page() {
        let page = "# TYPE baton_store_commits counter\nbaton_store_commits_total 812\n\
                    baton_store_writes_total 7968\nbaton_store_writes_total_other 1\n# EOF\n";
        assert_eq!(StoreCounts::read(page), Some(StoreCounts { commits: 812, writes: 7968 }));
        assert_eq!(StoreCounts::read("baton_store_commits_total 1\n"), None);
    }
}
