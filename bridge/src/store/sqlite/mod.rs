//! The embedded SQLite engine. One writer thread owns the connection that writes and commits
//! whatever is pending in one transaction (group commit); reader threads read the last commit on
//! WAL connections of their own; a checkpointer copies the log into the database outside both.
//! No SQLite call runs on an async thread: every operation of the seam is a job sent to one of
//! those threads and awaited.
//!
//! # Layout
//! - `log`: the connection ([`Store`]) and the conversation log's statements.
//! - `handoffs`, `inbox`, `leases`, `lifecycle`, `ratings`, `uploads`: the other concerns' statements.
//! - `writer`, `readers`, `checkpoint`: the threads; `engine`: the seam's operations on them.
//! - `migrations`: the schema's numbered steps; `files`: who may read the files.

mod checkpoint;
mod engine;
mod files;
mod handoffs;
mod inbox;
mod leases;
mod lifecycle;
mod log;
mod migrations;
mod ratings;
mod readers;
mod uploads;
mod writer;

pub use log::Store;
/// How a mode is stored, shared with the PostgreSQL engine.
pub(in crate::store) use log::{mode_column, mode_from_column};

use std::path::Path;

use self::checkpoint::Checkpointer;
pub use self::files::Owner;
use self::leases::LiveLeases;
use self::readers::Readers;
use self::writer::Writer;
use crate::metrics::AppendMeter;
use crate::secret::SecretKey;
use crate::store::{Feeds, MemoryBuckets, StoreError};

/// How many reads run at once: enough that a slow export does not hold up the streams'
/// backlogs, few enough for a small machine.
const READERS: usize = 3;

/// What a commit waits for before the write is acknowledged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Durability {
    /// The commit reaches the disk (fsync) before anyone is told: an acknowledged message
    /// survives a power cut as well as a killed process.
    #[default]
    Full,
    /// The commit reaches the operating system before anyone is told: it survives a killed
    /// process, but a power cut may lose the last commits (never corrupting the file).
    Normal,
}

impl Durability {
    fn synchronous(self) -> &'static str {
        match self {
            Self::Full => "FULL",
            Self::Normal => "NORMAL",
        }
    }
}

/// The engine: handles on its threads. Dropping it lets them finish what was sent and stop.
#[derive(Debug)]
pub struct Sqlite {
    writer: Writer,
    readers: Readers,
    /// The live leases: one process owns the file, so they are its memory.
    leases: LiveLeases,
    /// The rate limits' buckets: one process owns the file, so its memory is where they belong.
    buckets: MemoryBuckets,
    appends: AppendMeter,
}

impl Sqlite {
    /// Opens (or creates) the database at `path`, its secrets sealed with `key`, migrating it
    /// first; a file from a newer bridge is refused ([`StoreError::TooNew`]). Appended events
    /// are published to `feeds` once committed.
    pub fn open(
        path: &Path,
        key: SecretKey,
        durability: Durability,
        feeds: Feeds,
    ) -> Result<Self, StoreError> {
        let store = Store::open_writer(path, key.clone(), durability)?;
        let readers = Readers::start(path, &key, READERS)?;
        let checkpointer = Checkpointer::start(path)?;
        let writer = Writer::start(store, feeds, checkpointer, writer::COMMIT_WINDOW)?;
        Ok(Self {
            writer,
            readers,
            leases: LiveLeases::default(),
            buckets: MemoryBuckets::default(),
            appends: AppendMeter::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use baton_protocol::{AgentId, ClientId, ConversationId, EventKind};

    use crate::conversations::Conversations;
    use crate::store::conformance::Fixture;
    use crate::store::ConversationRecord;

    async fn open() -> Fixture {
        let dir = tempfile::tempdir().expect("temp dir");
        let conversations = Conversations::open(&dir.path().join("baton.db")).expect("opens");
        (Box::new(dir), conversations)
    }

    crate::conformance_suite!(open);

    fn file_bytes(dir: &std::path::Path) -> Vec<u8> {
        ["baton.db", "baton.db-wal"]
            .iter()
            .flat_map(|name| std::fs::read(dir.join(name)).unwrap_or_default())
            .collect()
    }

    fn contains(haystack: &[u8], needle: &str) -> bool {
        haystack.windows(needle.len()).any(|window| window == needle.as_bytes())
    }

    #[tokio::test]
    async fn an_erased_conversation_leaves_nothing_in_the_files() {
        let dir = tempfile::tempdir().expect("temp dir");
        let conversations = Conversations::open(&dir.path().join("baton.db")).expect("opens");
        for id in ["c-gone", "c-kept"] {
            let id = ConversationId::from(id);
            let record =
                ConversationRecord::new(id.clone(), AgentId::from("demo"), format!("hash-of-{}", id.0));
            conversations.create(&record).await.expect("creates");
            let text = format!("secret of {}", id.0);
            conversations
                .append_visitor_message(&id, ClientId::from("k"), text, Vec::new())
                .await
                .expect("appends");
        }
        assert!(contains(&file_bytes(dir.path()), "secret of c-gone"), "the text is in the files at first");
        assert!(conversations.erase(&ConversationId::from("c-gone")).await.expect("erases"));
        let bytes = file_bytes(dir.path());
        for trace in ["c-gone", "secret of c-gone", "hash-of-c-gone"] {
            assert!(!contains(&bytes, trace), "{trace} is still in the files");
        }
        assert!(contains(&bytes, "secret of c-kept"));
    }

    #[tokio::test]
    async fn an_answer_and_the_decision_on_its_question_are_one_write() {
        let (_dir, conversations) = open().await;
        let id = ConversationId::from("c");
        conversations
            .create(&ConversationRecord::new(id.clone(), AgentId::from("demo"), String::new()))
            .await
            .expect("creates");
        let message_id = baton_protocol::MessageId::from("m");
        let started = EventKind::AgentMessageStarted { message_id: message_id.clone() };
        conversations.append(&id, started).await.expect("appends");
        let before = conversations.metrics().writes;
        let done = EventKind::AgentMessageCompleted { message_id, text: "Hello".into() };
        let decided = Some((baton_protocol::Seq(1), "{}".to_owned()));
        conversations.complete_answer(&id, done, decided).await.expect("completes");
        assert_eq!(conversations.metrics().writes - before, 1);
    }

    // One async thread: the 200 appends are all sent while the test waits for the first, as
    // requests that arrive together are, and the writer takes what is pending as one batch.
    #[tokio::test]
    async fn appends_that_arrive_together_share_a_commit() {
        let (_dir, conversations) = open().await;
        let ids: Vec<ConversationId> = (0..20).map(|n| ConversationId(format!("c{n}"))).collect();
        for id in &ids {
            conversations
                .create(&ConversationRecord::new(id.clone(), AgentId::from("demo"), String::new()))
                .await
                .expect("creates");
        }
        let before = conversations.metrics();
        let conversations = Arc::new(conversations);
        let mut appends = Vec::new();
        for round in 0..10 {
            for id in &ids {
                let (conversations, id) = (conversations.clone(), id.clone());
                appends.push(tokio::spawn(async move {
                    let kind = EventKind::VisitorMessage {
                        client_id: ClientId(format!("{round}")),
                        text: "x".into(),
                        attachments: Vec::new(),
                    };
                    conversations.append(&id, kind).await.expect("appends");
                }));
            }
        }
        for append in appends {
            append.await.expect("append task");
        }
        let after = conversations.metrics();
        let (writes, commits) = (after.writes - before.writes, after.commits - before.commits);
        assert_eq!(writes, 200);
        assert!(commits < writes / 2, "{writes} writes took {commits} commits");
    }
}
