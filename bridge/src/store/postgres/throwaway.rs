//! A throw-away PostgreSQL for tests: `baton-pg-throwaway`'s cluster with durability off (nothing
//! in it is kept), shared by the tests running at once and stopped and removed when the last one
//! drops it. [`Cluster::start_tls`] starts one with `ssl = on`, its certificate (for 127.0.0.1)
//! signed by a CA made for it with `openssl`, as a private CA.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex, Weak};

/// What the tests' cluster skips: flushing to disk.
const NOT_DURABLE: [&str; 3] = ["fsync=off", "synchronous_commit=off", "full_page_writes=off"];

/// A running cluster; dropping the last handle stops it and removes its folder.
#[derive(Debug)]
pub struct Cluster(baton_pg_throwaway::Cluster);

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
        let cluster = Cluster(baton_pg_throwaway::Cluster::create().expect("makes a cluster"));
        cluster.0.start(&NOT_DURABLE).expect("starts the cluster");
        cluster
    }

    /// Starts a cluster of its own that takes TLS connections (and plain ones), its certificate
    /// signed by the CA in [`Cluster::ca_file`].
    pub fn start_tls() -> Cluster {
        let cluster = Cluster(baton_pg_throwaway::Cluster::create().expect("makes a cluster"));
        let (certificate, key) = cluster.make_certificates();
        let tls = [
            "ssl=on".to_owned(),
            format!("ssl_cert_file={}", certificate.display()),
            format!("ssl_key_file={}", key.display()),
        ];
        let settings: Vec<&str> = NOT_DURABLE.into_iter().chain(tls.iter().map(String::as_str)).collect();
        cluster.0.start(&settings).expect("starts the cluster");
        cluster
    }

    /// The CA certificate (PEM) that signed a [`Cluster::start_tls`] cluster's certificate.
    pub fn ca_file(&self) -> PathBuf {
        self.0.folder().join("ca.crt")
    }

    /// A CA, and the server's certificate for 127.0.0.1 signed by it; the certificate's and its
    /// key's paths, owned by the server's user (PostgreSQL refuses a key others can read).
    fn make_certificates(&self) -> (PathBuf, PathBuf) {
        let folder = self.0.folder();
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
        self.0.hand_over(&[&certificate, &server_key]).expect("gives the server its key");
        (certificate, server_key)
    }

    /// Creates an empty database of its own; its URL.
    pub fn database(&self) -> String {
        self.0.database().expect("creates a database")
    }
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
