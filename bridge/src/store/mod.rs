//! The storage seam: named async operations grouped by concern, so the bridge never holds a
//! database connection and a second engine (PostgreSQL, issue 14) is one more implementation of
//! the same traits, checked by the same conformance suite (`conformance.rs`). An engine also publishes each event
//! it appends to the live [`feeds`], after the event is committed and in seq order.
//!
//! # Layout
//! - [`log`]: conversations and their append-only event logs.
//! - [`handoffs`]: handoffs to a person, and the agent's recorded decisions.
//! - [`ratings`]: visitors' ratings of closed conversations.
//! - [`inbox`]: what the bridge remembers of the inbox (links, parts, notifications).
//! - [`leases`]: which bridge does each piece of background work.
//! - [`workspace`]: Copilot's memory and the workspace connection.
//! - [`uploads`]: the files visitors attach.
//! - [`lifecycle`]: export, erasure and retention.
//! - [`buckets`]: the rate limits' buckets, shared by every bridge on one database.
//! - [`settings`]: the agents' settings, shared by every bridge on one database.
//! - [`feeds`]: the live channels of the conversations someone listens to.
//! - [`sqlite`]: the embedded engine.
//! - [`postgres`]: the shared engine, for several bridges.

pub mod buckets;
pub mod feeds;
pub mod handoffs;
pub mod inbox;
pub mod leases;
pub mod lifecycle;
pub mod log;
pub mod postgres;
pub mod ratings;
pub mod settings;
pub mod sqlite;
pub mod uploads;
pub mod workspace;

#[cfg(test)]
pub mod conformance;

pub use buckets::{Buckets, MemoryBuckets};
pub use feeds::Feeds;
pub use handoffs::{
    Decisions, HandoffId, HandoffRecord, HandoffStatus, Handoffs, PendingHandoff, ReasonConversation,
    ReasonCount, Span,
};
pub use inbox::{InboxLink, InboxLinks, LinkChange};
pub use leases::{BridgeId, Leases, Work};
pub use lifecycle::{ConversationExport, ExportedDecision, ExportedLink, Lifecycle};
pub use log::{AnswerSoFar, Appended, Backlog, ConversationLog, ConversationRecord, InterruptedAnswer};
pub use ratings::{Rated, RatedConversation, RatingReport, Ratings};
pub use settings::{SharedSettings, StoredSettings};
pub use uploads::{Upload, UploadInfo, Uploads};
pub use workspace::{Copilot, Workspace, WorkspaceConnection};

use std::path::PathBuf;

use crate::secret::SecretError;

/// A storage engine: every concern of the seam, shareable between tasks.
pub trait Engine:
    ConversationLog
    + Handoffs
    + Decisions
    + InboxLinks
    + Leases
    + Copilot
    + Workspace
    + Lifecycle
    + Buckets
    + Ratings
    + Uploads
    + std::fmt::Debug
    + Send
    + Sync
{
    /// What the engine has done so far, for `/metrics`.
    fn metrics(&self) -> EngineMetrics;

    /// The engine's appends, for `/metrics`.
    fn appends(&self) -> &crate::metrics::AppendMeter;

    /// Whether several bridges use this store at once (PostgreSQL). Each streams an answer
    /// another one writes to its own listeners from the answer's checkpoints; on a store one
    /// bridge owns (SQLite) a checkpoint serves only that bridge's restart.
    fn shared(&self) -> bool;
}

/// Counters an engine keeps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EngineMetrics {
    /// Transactions committed.
    pub commits: u64,
    /// Writes those transactions held (more than one per commit when writes are grouped).
    pub writes: u64,
}

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite refused or failed.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL refused or failed.
    #[error("database error: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    /// No connection to PostgreSQL could be had from the pool.
    #[error("database connection: {0}")]
    Pool(#[from] deadpool_postgres::PoolError),
    /// The pool of connections to PostgreSQL could not be made.
    #[error("database pool: {0}")]
    PoolBuild(#[from] deadpool_postgres::BuildError),
    /// The first connection to PostgreSQL failed, for another reason than its certificate.
    #[error("cannot connect to the database {database}: {source}")]
    Unreachable {
        /// `host:port/database`.
        database: String,
        /// Why.
        source: deadpool_postgres::PoolError,
    },
    /// PostgreSQL's certificate did not verify, so the bridge did not connect (not even without
    /// TLS: a certificate that does not verify may be someone else's).
    #[error(
        "the database {database} presented a certificate that does not verify ({reason}): give the \
         certificate of the CA that signed it with --database-ca-file"
    )]
    Certificate {
        /// `host:port/database`.
        database: String,
        /// What rustls found wrong.
        reason: rustls::Error,
    },
    /// The TLS settings for PostgreSQL (its CA file) could not be had.
    #[error(transparent)]
    Tls(#[from] postgres::tls::TlsError),
    /// A stored event no longer parses: the file was written by an incompatible version.
    #[error("stored event {conversation}#{seq} is unreadable: {source}")]
    Corrupt {
        /// The conversation.
        conversation: String,
        /// The event.
        seq: u64,
        /// Why it did not parse.
        source: serde_json::Error,
    },
    /// A row that should exist does not.
    #[error("{0} is not in the store")]
    Missing(String),
    /// An event could not be encoded.
    #[error("event could not be encoded: {0}")]
    Encode(#[from] serde_json::Error),
    /// The key sealing stored secrets could not be had, or does not open them.
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// The database was written by a newer bridge, whose schema this one does not know.
    #[error(
        "the database is at schema version {found}, newer than this bridge's {known}: run a newer bridge"
    )]
    TooNew {
        /// The database's version.
        found: u32,
        /// The newest this bridge knows.
        known: u32,
    },
    /// The transaction holding this write failed as a whole: nothing of it was stored.
    #[error("the write was not committed: {0}")]
    Commit(String),
    /// The shared settings were saved by someone else since the version a save started from.
    #[error("the settings changed since version {expected} (now {found})")]
    StaleSettings {
        /// The version the save started from.
        expected: u64,
        /// The version stored.
        found: u64,
    },
    /// The engine has stopped taking work (the bridge is shutting down).
    #[error("the store has stopped")]
    Stopped,
    /// A checkpoint's `from` is past its text or inside a character.
    #[error("a delta cannot start at byte {from} of a {len}-byte answer")]
    DeltaOutOfRange {
        /// Where the delta was to start.
        from: usize,
        /// The answer's length.
        len: usize,
    },
    /// The database file's permissions could not be set.
    #[error("{path}: {source}")]
    Permissions {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// Another bridge process has the SQLite file open: a SQLite file has one bridge (its live
    /// leases and its listeners' feeds are that process's memory); several share PostgreSQL.
    #[error(
        "{path} is open in another bridge process: a SQLite database has one bridge \
         (run several on PostgreSQL, --database-url)"
    )]
    InUse {
        /// The database file.
        path: PathBuf,
    },
}
