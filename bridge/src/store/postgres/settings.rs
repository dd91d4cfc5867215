//! The shared settings on PostgreSQL: one row (`id = 1`) holding the document and its version.
//! A save is a compare-and-swap on the version, and notifies `settings <version>` on
//! [`CHANNEL`] in the same transaction, so every bridge hears of it once it is committed. The
//! document is sealed with the bridges' key, as the Intercom token is: it may hold a model's
//! API key, which a copy of the database must not give away.

use async_trait::async_trait;
use tokio::sync::watch;

use super::{int, uint, Postgres, CHANNEL, SETTINGS_NOTICE};
use crate::store::{SharedSettings, StoreError, StoredSettings};

/// The place sealed documents are bound to.
const DOCUMENT_CONTEXT: &str = "settings.document";

#[async_trait]
impl SharedSettings for Postgres {
    async fn seed_settings(&self, seed: &str) -> Result<StoredSettings, StoreError> {
        // Bridges starting together: one insert wins, the others read what it stored.
        self.execute(
            "INSERT INTO settings (id, document, version) VALUES (1, $1, 1) ON CONFLICT (id) DO NOTHING",
            &[&self.key.seal(seed, DOCUMENT_CONTEXT)],
        )
        .await?;
        self.stored_settings().await?.ok_or_else(|| StoreError::Missing("the settings".into()))
    }

    async fn stored_settings(&self) -> Result<Option<StoredSettings>, StoreError> {
        let row = self
            .client()
            .await?
            .query_opt("SELECT document, version FROM settings WHERE id = 1", &[])
            .await?;
        let Some(row) = row else { return Ok(None) };
        let sealed: &str = row.try_get(0)?;
        let document = self.key.open(sealed, DOCUMENT_CONTEXT)?;
        Ok(Some(StoredSettings { document, version: uint(row.try_get(1)?) }))
    }

    async fn save_settings(&self, document: &str, version: u64) -> Result<u64, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let next = int(version.saturating_add(1));
        let saved = tx
            .execute(
                "UPDATE settings SET document = $1, version = $2 WHERE id = 1 AND version = $3",
                &[&self.key.seal(document, DOCUMENT_CONTEXT), &next, &int(version)],
            )
            .await?;
        if saved == 0 {
            let found = tx.query_opt("SELECT version FROM settings WHERE id = 1", &[]).await?;
            let found = match found {
                Some(row) => uint(row.try_get(0)?),
                None => 0,
            };
            return Err(StoreError::StaleSettings { expected: version, found });
        }
        tx.execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &format!("{SETTINGS_NOTICE}{next}")]).await?;
        self.commit(tx).await?;
        Ok(uint(next))
    }

    fn settings_changes(&self) -> watch::Receiver<u64> {
        self.settings_changes.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::notifications::APPLICATION;
    use super::super::throwaway::Cluster;
    use crate::conversations::Conversations;
    use crate::secret::SecretKey;
    use crate::store::StoreError;

    /// The first seed is kept, a save on the current version is read back by every bridge and
    /// announced to them, a save on a version another save replaced is refused, and a bridge whose
    /// notifications were cut hears of a possible change when they are back. The row holds the
    /// document sealed.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn settings_are_seeded_once_saved_on_their_version_and_announced() {
        let cluster = Cluster::shared();
        let (url, key) = (cluster.database(), SecretKey::generate());
        let a = Conversations::connect(&url, key.clone()).await.expect("connects");
        let b = Conversations::connect(&url, key).await.expect("connects");
        let (a, b) = (a.shared_settings().expect("shared"), b.shared_settings().expect("shared"));
        assert_eq!(a.stored_settings().await.expect("reads"), None);
        let seeded = a.seed_settings("first").await.expect("seeds");
        assert_eq!((seeded.document.as_str(), seeded.version), ("first", 1));
        let again = b.seed_settings("second").await.expect("seeds");
        assert_eq!(again, seeded, "a later bridge starts from what is stored");

        let mut changes = b.settings_changes();
        changes.borrow_and_update();
        let version = a.save_settings("changed", seeded.version).await.expect("saves");
        assert_eq!(version, 2);
        let stored = b.stored_settings().await.expect("reads").expect("stored");
        assert_eq!((stored.document.as_str(), stored.version), ("changed", 2));
        // A guard against a hang, not a measure: the announcement takes milliseconds.
        tokio::time::timeout(Duration::from_secs(60), changes.changed())
            .await
            .expect("B hears of the save")
            .expect("B listens");

        let stale = b.save_settings("lost?", seeded.version).await.expect_err("stale");
        assert!(matches!(stale, StoreError::StaleSettings { expected: 1, found: 2 }), "{stale}");
        let stored = a.stored_settings().await.expect("reads").expect("stored");
        assert_eq!(stored.document, "changed", "the refused save changed nothing");

        // A save while B's notifications were cut reached nobody there: B's reconnection itself
        // says the settings may have changed.
        changes.borrow_and_update();
        let (admin, connection) =
            tokio_postgres::connect(&url, tokio_postgres::NoTls).await.expect("connects");
        tokio::spawn(connection);
        let cut = admin
            .query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                 WHERE application_name = $1 AND datname = current_database()",
                &[&APPLICATION],
            )
            .await
            .expect("cuts");
        assert_eq!(cut.len(), 2, "one listening connection per bridge");
        let stored: String =
            admin.query_one("SELECT document FROM settings", &[]).await.expect("reads").get(0);
        assert!(!stored.contains("changed"), "the document is sealed at rest: {stored}");
        tokio::time::timeout(Duration::from_secs(60), changes.changed())
            .await
            .expect("B's reconnection is announced")
            .expect("B listens");
    }
}
