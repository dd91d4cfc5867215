//! A throw-away PostgreSQL for tests: a cluster of Debian's PostgreSQL 15 in a temporary folder,
//! on a free port of the loopback, stopped and removed when the last test holding it drops it.
//! `initdb` refuses root, so when the tests run as root (CI) the cluster runs as the `postgres`
//! user, who is given the folder. [`Cluster::start_tls`] starts one with `ssl = on`, its
//! certificate (for 127.0.0.1) signed by a CA made for it with `openssl`, as a private CA.

use std::net::{Ipv4Addr, TcpListener};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

/// Where Debian installs PostgreSQL 15's programs.
const BIN: &str = "/usr/lib/postgresql/15/bin";

/// The superuser `initdb` makes.
const SUPERUSER: &str = "baton";

/// A running cluster; dropping the last handle stops it and removes its folder.
#[derive(Debug)]
pub struct Cluster {
    folder: tempfile::TempDir,
    port: u16,
    as_postgres: bool,
    databases: AtomicU64,
}

/// The cluster the tests running now share, while one holds it.
static SHARED: Mutex<Weak<Cluster>> = Mutex::new(Weak::new());

impl Cluster {
    /// The cluster the running tests share, started if none runs.
    pub fn shared() -> Arc<Cluster> {
        let mut shared = SHARED.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(cluster) = shared.upgrade() {
            return cluster;
        }
        let cluster = Arc::new(Cluster::start());
        *shared = Arc::downgrade(&cluster);
        cluster
    }

    /// Starts a cluster of its own; panics (these are tests) if PostgreSQL 15 is not installed.
    pub fn start() -> Cluster {
        Cluster::start_with(false)
    }

    /// Starts a cluster of its own that takes TLS connections (and plain ones), its certificate
    /// signed by the CA in [`Cluster::ca_file`].
    pub fn start_tls() -> Cluster {
        Cluster::start_with(true)
    }

    fn start_with(tls: bool) -> Cluster {
        let as_postgres = Command::new("id").arg("-u").output().is_ok_and(|out| out.stdout == b"0\n");
        let folder = tempfile::Builder::new().prefix("baton-pg").tempdir().expect("makes a folder");
        if as_postgres {
            run(Command::new("chown").arg("postgres:postgres").arg(folder.path()));
        }
        let port = free_port();
        let cluster = Cluster { folder, port, as_postgres, databases: AtomicU64::new(0) };
        run(cluster
            .command("initdb")
            .args(["--auth=trust", "--no-sync", "--encoding=UTF8", "--locale=C.UTF-8", "-U", SUPERUSER, "-D"])
            .arg(cluster.data()));
        // `-w` polls until the server accepts connections (or fails to start).
        let mut options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
            cluster.folder.path().display()
        );
        if tls {
            let (certificate, key) = cluster.make_certificates();
            options.push_str(&format!(
                " -c ssl=on -c ssl_cert_file={} -c ssl_key_file={}",
                certificate.display(),
                key.display()
            ));
        }
        run(cluster
            .command("pg_ctl")
            .args(["-w", "-t", "60", "-l"])
            .arg(cluster.folder.path().join("log"))
            .arg("-D")
            .arg(cluster.data())
            .args(["-o", &options, "start"]));
        cluster
    }

    /// The CA certificate (PEM) that signed a [`Cluster::start_tls`] cluster's certificate.
    pub fn ca_file(&self) -> PathBuf {
        self.folder.path().join("ca.crt")
    }

    /// A CA, and the server's certificate for 127.0.0.1 signed by it; the certificate's and its
    /// key's paths, owned by the server's user (PostgreSQL refuses a key others can read).
    fn make_certificates(&self) -> (PathBuf, PathBuf) {
        let folder = self.folder.path();
        let (ca_key, server_key) = (folder.join("ca.key"), folder.join("server.key"));
        let (request, certificate) = (folder.join("server.csr"), folder.join("server.crt"));
        let extensions = folder.join("server.ext");
        std::fs::write(&extensions, "subjectAltName = IP:127.0.0.1\n").expect("writes the extensions");
        let key_options = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-noenc"];
        run(Command::new("openssl")
            .args(["req", "-x509", "-days", "2", "-subj", "/CN=Baton test CA"])
            .args(key_options)
            .arg("-keyout")
            .arg(&ca_key)
            .arg("-out")
            .arg(self.ca_file()));
        run(Command::new("openssl")
            .args(["req", "-subj", "/CN=127.0.0.1"])
            .args(key_options)
            .arg("-keyout")
            .arg(&server_key)
            .arg("-out")
            .arg(&request));
        run(Command::new("openssl")
            .args(["x509", "-req", "-days", "2", "-set_serial", "2", "-in"])
            .arg(&request)
            .arg("-CA")
            .arg(self.ca_file())
            .arg("-CAkey")
            .arg(&ca_key)
            .arg("-extfile")
            .arg(&extensions)
            .arg("-out")
            .arg(&certificate));
        std::fs::set_permissions(&server_key, std::fs::Permissions::from_mode(0o600))
            .expect("restricts the key");
        if self.as_postgres {
            run(Command::new("chown").arg("postgres:postgres").arg(&certificate).arg(&server_key));
        }
        (certificate, server_key)
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

    /// The URL of `database` on this cluster.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://{SUPERUSER}@127.0.0.1:{}/{database}", self.port)
    }

    /// Creates an empty database of its own; its URL.
    pub fn database(&self) -> String {
        let name = format!("case{}", self.databases.fetch_add(1, Ordering::Relaxed));
        run(Command::new(Path::new(BIN).join("createdb")).args([
            "-h",
            "127.0.0.1",
            "-p",
            &self.port.to_string(),
            "-U",
            SUPERUSER,
            &name,
        ]));
        self.url(&name)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // Immediate: the folder goes next, nothing in it needs to be kept.
        let stopped = self
            .command("pg_ctl")
            .args(["-w", "-m", "immediate", "-D"])
            .arg(self.data())
            .arg("stop")
            .output();
        if !stopped.is_ok_and(|output| output.status.success()) {
            eprintln!("the throw-away PostgreSQL in {} did not stop", self.folder.path().display());
        }
    }
}

/// A port nothing listens on now.
fn free_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("binds the loopback");
    listener.local_addr().expect("has an address").port()
}

fn run(command: &mut Command) {
    let output = command.output().unwrap_or_else(|error| panic!("{command:?} does not run: {error}"));
    assert!(
        output.status.success(),
        "{command:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cluster takes connections once started, and is gone, folder and server, once dropped.
    #[test]
    fn a_cluster_starts_takes_connections_and_is_removed_on_drop() {
        let cluster = Cluster::start();
        let url = cluster.database();
        let folder = cluster.folder.path().to_path_buf();
        let port = cluster.port;
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
}
