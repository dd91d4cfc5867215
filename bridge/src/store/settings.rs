//! The agents' settings where several bridges share them: one document (the agents file's
//! `[agents.*]` tables, as TOML) and its version, in the database. Only the PostgreSQL engine
//! has it; with SQLite the agents file stays the one source of truth (see `agents::Registry`).

use async_trait::async_trait;
use tokio::sync::watch;

use super::StoreError;

/// The settings document as stored, and the version that wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSettings {
    /// The agents' settings, as TOML.
    pub document: String,
    /// Counts the saves: 1 for the seed, one more for each save.
    pub version: u64,
}

/// The shared settings document.
#[async_trait]
pub trait SharedSettings: std::fmt::Debug + Send + Sync {
    /// The stored document, storing `seed` first when the database has none (the first bridge
    /// to start seeds it; every later one gets what is there).
    async fn seed_settings(&self, seed: &str) -> Result<StoredSettings, StoreError>;

    /// The stored document; `None` before any bridge seeded it.
    async fn stored_settings(&self) -> Result<Option<StoredSettings>, StoreError>;

    /// Replaces the document written at `version` with `document`, announcing the change to
    /// every bridge; the new version. Refused with [`StoreError::StaleSettings`] when another
    /// save came first, so no save silently overwrites one its author never saw.
    async fn save_settings(&self, document: &str, version: u64) -> Result<u64, StoreError>;

    /// Bumped when another bridge may have changed the document: on each announcement, and on
    /// each (re)connection of the bridge's notifications, which may have missed some.
    fn settings_changes(&self) -> watch::Receiver<u64>;
}
