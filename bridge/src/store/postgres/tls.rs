//! TLS to PostgreSQL (a managed database such as RDS or Cloud SQL wants it). Whether a
//! connection is encrypted follows the URL's `sslmode` as tokio-postgres reads it (`disable`,
//! `prefer`, its default, or `require`); when it is, the server's certificate must verify
//! against Mozilla's roots or the CA file the bridge was given (`--database-ca-file`). A
//! certificate that does not verify ends the connection: it is never retried without TLS.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};
use tokio_postgres::config::Host;
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::store::StoreError;

/// What makes the TLS of every connection the engine opens (the pool's and the `LISTEN` one).
pub type Connector = MakeRustlsConnect;

/// Why the database's TLS settings could not be had.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The CA file could not be read or holds something that is not a PEM certificate.
    #[error("the database CA file {}: {source}", path.display())]
    CaFile {
        /// The file.
        path: PathBuf,
        /// What was wrong with it.
        source: pem::Error,
    },
    /// The CA file holds no certificate rustls accepts as a root.
    #[error("the database CA file {} holds no usable certificate", path.display())]
    NoCertificate {
        /// The file.
        path: PathBuf,
    },
    /// rustls refused its own settings (the ring provider's protocol versions).
    #[error("TLS settings: {0}")]
    Settings(#[from] rustls::Error),
}

/// A connector trusting Mozilla's roots and, when given, the certificates in `ca_file` (PEM),
/// for a database whose certificate a private CA signed.
pub fn connector(ca_file: Option<&Path>) -> Result<Connector, TlsError> {
    let mut roots = RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    if let Some(path) = ca_file {
        let ca_error = |source| TlsError::CaFile { path: path.to_owned(), source };
        let certificates = CertificateDer::pem_file_iter(path)
            .map_err(ca_error)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(ca_error)?;
        let (added, _) = roots.add_parsable_certificates(certificates);
        if added == 0 {
            return Err(TlsError::NoCertificate { path: path.to_owned() });
        }
    }
    // ring, the provider reqwest already uses, named here rather than installed process-wide.
    let config = ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

/// The engine's error for a first connection that failed: a certificate that does not verify
/// says so and names the database, anything else names the database too.
pub fn refused(config: &tokio_postgres::Config, error: deadpool_postgres::PoolError) -> StoreError {
    let database = name(config);
    match certificate_error(&error) {
        Some(reason) => StoreError::Certificate { database, reason },
        None => StoreError::Unreachable { database, source: error },
    }
}

/// The rustls error under a failed TLS handshake, if that is why the connection failed.
fn certificate_error(error: &deadpool_postgres::PoolError) -> Option<rustls::Error> {
    let deadpool_postgres::PoolError::Backend(error) = error else { return None };
    // tokio-postgres keeps the handshake's `io::Error` as its cause; rustls's error is inside.
    let io = std::error::Error::source(error)?.downcast_ref::<std::io::Error>()?;
    io.get_ref()?.downcast_ref::<rustls::Error>().cloned()
}

/// `host:port/database` as the URL names it, without the user or password.
fn name(config: &tokio_postgres::Config) -> String {
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(index, host)| {
            let host = match host {
                Host::Tcp(name) => name.clone(),
                Host::Unix(path) => path.display().to_string(),
            };
            match config.get_ports().get(index).or(config.get_ports().first()) {
                Some(port) => format!("{host}:{port}"),
                None => host,
            }
        })
        .collect();
    format!("{}/{}", hosts.join(","), config.get_dbname().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use baton_protocol::{AgentId, ClientId, ConversationId, EventKind, Seq};

    use super::*;
    use crate::conversations::Conversations;
    use crate::secret::SecretKey;
    use crate::store::postgres::notifications::APPLICATION;
    use crate::store::postgres::throwaway::Cluster;
    use crate::store::ConversationRecord;

    /// With the private CA's certificate, `sslmode=require` reaches the database: a message
    /// appended through one bridge is read back and reaches a listener on another, and the
    /// server sees every connection of both bridges (the pools' and the `LISTEN` ones) encrypted.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn with_the_ca_file_a_database_requiring_tls_takes_encrypted_connections() {
        let cluster = Cluster::start_tls();
        let plain = cluster.database();
        let url = format!("{plain}?sslmode=require");
        let (ca, key) = (cluster.ca_file(), SecretKey::generate());
        let a = Conversations::connect_with_ca(&url, Some(&ca), key.clone()).await.expect("connects");
        let b = Conversations::connect_with_ca(&url, Some(&ca), key).await.expect("connects");
        let id = ConversationId::from("c1");
        a.create(&ConversationRecord::new(id.clone(), AgentId::from("demo"), String::new()))
            .await
            .expect("creates");
        let mut live = b.subscribe(&id, Seq(0)).await.expect("subscribes").live;
        let kind = EventKind::VisitorMessage {
            client_id: ClientId("m1".into()),
            text: "over TLS".into(),
            attachments: Vec::new(),
        };
        a.append(&id, kind.clone()).await.expect("appends");
        assert_eq!(live.recv().await.expect("published through LISTEN").kind, kind);
        let backlog = a.subscribe(&id, Seq(0)).await.expect("reads").backlog;
        assert_eq!(backlog.iter().map(|event| &event.kind).collect::<Vec<_>>(), [&kind]);

        // A plain connection of the test's own, to look at the bridges' from the server's side.
        let (admin, connection) =
            tokio_postgres::connect(&plain, tokio_postgres::NoTls).await.expect("connects");
        tokio::spawn(connection);
        let own = admin.query_one("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", &[]).await;
        assert!(!own.expect("reads").get::<_, bool>(0), "the test's own connection is the plain one");
        let bridges =
            "SELECT a.application_name, s.ssl FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) \
             WHERE a.datname = current_database() AND a.backend_type = 'client backend' \
             AND a.pid <> pg_backend_pid()";
        // Each bridge's LISTEN connection is made on a task of its own: wait for both.
        let rows = loop {
            let rows = admin.query(bridges, &[]).await.expect("reads");
            if rows.iter().filter(|row| row.get::<_, &str>(0) == APPLICATION).count() == 2 {
                break rows;
            }
            tokio::task::yield_now().await;
        };
        assert!(rows.iter().all(|row| row.get::<_, bool>(1)), "every connection of the bridges is encrypted");
    }

    /// Without the CA file the certificate does not verify: the bridge refuses to connect,
    /// naming the database and the flag, with `sslmode=require` and with the default (`prefer`)
    /// alike, rather than connecting without TLS.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn without_the_ca_file_the_database_is_refused_by_name() {
        let cluster = Cluster::start_tls();
        let plain = cluster.database();
        let database = plain.rsplit_once('@').expect("has a user").1.to_owned();
        for url in [format!("{plain}?sslmode=require"), plain.clone()] {
            let refused = Conversations::connect(&url, SecretKey::generate()).await.expect_err("refused");
            assert!(
                matches!(&refused, StoreError::Certificate { database: named, .. } if *named == database),
                "{refused}"
            );
            let message = refused.to_string();
            assert!(message.contains(&database) && message.contains("--database-ca-file"), "{message}");
        }
    }

    /// A CA file holding no certificate is refused, naming the file, before any connection.
    #[test]
    fn a_ca_file_without_a_certificate_is_refused() {
        let file = tempfile::NamedTempFile::new().expect("makes a file");
        std::fs::write(file.path(), "not a certificate\n").expect("writes");
        let refused = connector(Some(file.path())).err().expect("refused");
        assert!(matches!(&refused, TlsError::NoCertificate { path } if path == file.path()), "{refused}");
    }
}
