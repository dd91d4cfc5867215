//! The load balancer in front of several bridges: Debian's nginx with a configuration of its own in
//! a temporary folder, set up for event streams as the README's deployment section and the
//! end-to-end test (`www/tests/cluster.mjs`) have it: round robin, HTTP/1.1 keep-alive to the
//! bridges, no buffering, `X-Forwarded-For`, and the bridges reached from 127.0.0.3, the one
//! address they trust. One worker, or as many as the open-file limit needs (each stream holds two
//! of a worker's files, and a worker cannot go past the hard limit it inherits: at 10,000 streams
//! on a machine whose limit is 20,000, one worker ran out, refused connections and left
//! requests waiting for the kernel's retries); no access log (one line per request is a cost this
//! benchmark does not mean to measure).

use std::net::{Ipv4Addr, TcpListener};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

/// Debian's nginx.
const NGINX: &str = "/usr/sbin/nginx";

/// The address nginx connects to the bridges from; the bridges are told to trust it.
pub const PROXY_ADDRESS: &str = "127.0.0.3";

/// Why nginx could not be used.
#[derive(Debug, thiserror::Error)]
pub enum NginxError {
    /// The folder, the configuration or a port could not be had, or nginx did not start.
    #[error("could not start nginx: {0}")]
    Start(std::io::Error),
    /// nginx started but never passed a health check through to a bridge.
    #[error("nginx did not answer /healthz within 30 s: {0}")]
    NotReady(String),
}

/// A running nginx; stopped when [`Nginx::stop`] is called, killed if dropped.
#[derive(Debug)]
pub struct Nginx {
    child: Child,
    folder: tempfile::TempDir,
    /// Where the load generator sends everything.
    pub endpoint: String,
}

/// The configuration for `upstreams` (the bridges' loopback ports), listening on `port`, with
/// room for `streams` open event streams (each holds a connection on either side).
/// `files_limit` is the most files one process may open.
pub fn config(
    folder: &Path,
    port: u16,
    upstreams: &[u16],
    streams: usize,
    keepalive: usize,
    files_limit: u64,
) -> String {
    let dir = folder.display();
    let servers: String = upstreams.iter().map(|port| format!("    server 127.0.0.1:{port};\n")).collect();
    let connections = 2 * streams + 4 * keepalive + 1_024;
    let workers = workers(connections + 1_024, files_limit);
    format!(
        "daemon off;
worker_processes {workers};
worker_rlimit_nofile {files};
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections {connections}; }}
http {{
  access_log off;
  client_body_temp_path {dir}/body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
  upstream bridges {{
{servers}    keepalive {keepalive};
  }}
  server {{
    listen 127.0.0.1:{port} backlog=4096 reuseport;
    location / {{
      proxy_pass http://bridges;
      proxy_http_version 1.1;
      proxy_set_header Connection \"\";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_bind {PROXY_ADDRESS};
      proxy_buffering off;
      proxy_cache off;
      proxy_read_timeout 1h;
      proxy_next_upstream error timeout http_502 http_503;
    }}
  }}
}}
",
        files = connections + 1_024,
    )
}

/// Workers enough that `files` open files, spread evenly over them (`reuseport` has the kernel
/// spread the connections), stay within each one's `limit`.
fn workers(files: usize, limit: u64) -> u64 {
    let files = u64::try_from(files).unwrap_or(u64::MAX);
    // A worker also holds its logs, its listening socket and the like.
    files.div_ceil(limit.saturating_sub(64).max(1)).max(1)
}

impl Nginx {
    /// Starts nginx in front of `upstreams` and waits until a health check passes through it.
    pub async fn start(upstreams: &[u16], streams: usize, keepalive: usize) -> Result<Nginx, NginxError> {
        let folder =
            tempfile::Builder::new().prefix("baton-load-nginx").tempdir().map_err(NginxError::Start)?;
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|listener| listener.local_addr())
            .map_err(NginxError::Start)?
            .port();
        let file = folder.path().join("nginx.conf");
        let (_, files_limit) = rlimit::getrlimit(rlimit::Resource::NOFILE).map_err(NginxError::Start)?;
        std::fs::write(&file, config(folder.path(), port, upstreams, streams, keepalive, files_limit))
            .map_err(NginxError::Start)?;
        let child = Command::new(NGINX)
            .arg("-p")
            .arg(folder.path())
            .arg("-c")
            .arg(&file)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(NginxError::Start)?;
        let nginx = Nginx { child, folder, endpoint: format!("http://127.0.0.1:{port}") };
        nginx.ready().await?;
        Ok(nginx)
    }

    /// The master's process id (its workers are below it).
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    async fn ready(&self) -> Result<(), NginxError> {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut last = String::from("no answer");
        while Instant::now() < deadline {
            match client.get(format!("{}/healthz", self.endpoint)).send().await {
                Ok(response) if response.status().is_success() => return Ok(()),
                Ok(response) => last = response.status().to_string(),
                Err(error) => last = error.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let log = std::fs::read_to_string(self.folder.path().join("error.log")).unwrap_or_default();
        Err(NginxError::NotReady(format!("{last}; {log}")))
    }

    /// Stops nginx, its workers with it (killing the master alone would leave them).
    pub async fn stop(mut self) {
        let stopped = Command::new(NGINX)
            .arg("-p")
            .arg(self.folder.path())
            .arg("-c")
            .arg(self.folder.path().join("nginx.conf"))
            .args(["-s", "stop"])
            .output()
            .await
            .is_ok_and(|output| output.status.success());
        if !stopped {
            println!("could not stop nginx at {}; killing its master", self.endpoint);
            let _ = self.child.kill().await;
        }
        let _ = self.child.wait().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configuration_balances_every_bridge_without_buffering_from_the_trusted_address() {
        let text = config(Path::new("/tmp/x"), 8443, &[9001, 9002], 10_000, 256, 1_000_000);
        assert!(text.contains("server 127.0.0.1:9001;\n    server 127.0.0.1:9002;\n    keepalive 256;"));
        assert!(text.contains("listen 127.0.0.1:8443"));
        assert!(text.contains("proxy_buffering off;"));
        assert!(text.contains("proxy_bind 127.0.0.3;"));
        assert!(text.contains("X-Forwarded-For $proxy_add_x_forwarded_for"));
        assert!(text.contains("proxy_set_header Connection \"\";"));
        // Two connections per stream, the pools to the bridges, and room to spare.
        assert!(text.contains("worker_connections 22048;"));
        assert!(text.contains("pid /tmp/x/nginx.pid;"));
        assert!(text.contains("worker_processes 1;"));
    }

    #[test]
    fn streams_past_one_workers_open_file_limit_get_more_workers() {
        // 10,000 streams need 23,072 files: past a limit of 20,000, two workers share them.
        let text = config(Path::new("/tmp/x"), 8443, &[9001, 9002], 10_000, 256, 20_000);
        assert!(text.contains("worker_processes 2;"));
        assert!(text.contains("reuseport"));
        assert_eq!(workers(23_072, 20_000), 2);
        assert_eq!(workers(1_000, 20_000), 1);
        assert_eq!(workers(100_000, 20_000), 6);
    }
}
