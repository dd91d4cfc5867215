//! The PostgreSQL engine (issue 14): several bridges share one database. The hot path's writes
//! (appends, checkpoints, decisions, leases, new conversations) go to the [`writer`], which
//! commits whatever is pending in one transaction (group commit); every other operation is one
//! statement or one transaction on a connection of a small pool. A conversation's next seq is
//! taken under its row's lock, so concurrent appends from any bridge get consecutive seqs. Each
//! append notifies (`baton_events`) on commit; a bridge publishes its own appends itself, and
//! every bridge's [`Publisher`] publishes the others' new events of the conversations it has
//! listeners for, in seq order.
//!
//! # Layout
//! - `migrations`: the schema's numbered steps, run under an advisory lock.
//! - `log`: the conversation log, and `append`, its appends' statements; `handoffs`, `inbox`,
//!   `leases`, `lifecycle`, `buckets`, `ratings`: the other concerns.
//! - `settings`: the agents' settings, one document every bridge reads.
//! - `writer`: group commit of the hot path's writes.
//! - `publisher`: what each listened conversation has had published on this bridge.
//! - `notifications`: the `LISTEN` connection, reconnected and caught up when lost.
//! - [`tls`]: TLS to the database as the URL's `sslmode` asks, trusting which CAs.
//! - [`throwaway`]: a cluster for the tests (the crate's and `tests/api`'s), `baton-pg-throwaway`'s
//!   with durability off.

mod append;
mod buckets;
mod handoffs;
mod inbox;
mod leases;
mod lifecycle;
mod log;
mod migrations;
mod notifications;
mod publisher;
mod ratings;
mod settings;
pub mod throwaway;
pub mod tls;
mod uploads;
mod writer;

use std::sync::atomic::Ordering;
use std::sync::Arc;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Transaction};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use self::publisher::Publisher;
use self::writer::{Counters, Param, Writer};
use crate::metrics::AppendMeter;
use crate::secret::SecretKey;
use baton_protocol::ConversationId;

use crate::store::{Engine, EngineMetrics, Feeds, StoreError};

/// Connections in each bridge's pool: enough for the streams' backlogs and the writes of a
/// busy bridge, few enough that many bridges stay under the server's connection limit.
const POOL_SIZE: usize = 8;

/// The channel appends notify on, with `<seq> <bridge> <conversation>` as payload, and
/// checkpoints of an answer in flight with [`ANSWER_NOTICE`]`<bridge> <conversation>` (the
/// writer's statements name it literally).
const CHANNEL: &str = "baton_events";

/// The start of a checkpoint's notification.
const ANSWER_NOTICE: &str = "answer ";

/// The start of a settings save's notification, followed by the version saved.
const SETTINGS_NOTICE: &str = "settings ";

/// The engine: a pool of connections, the publisher and the task listening for other bridges'
/// appends. Dropping it stops the task.
#[derive(Debug)]
pub struct Postgres {
    pool: Pool,
    key: SecretKey,
    publisher: Publisher,
    listener: JoinHandle<()>,
    writer: Writer,
    counters: Arc<Counters>,
    appends: AppendMeter,
    /// Bumped by the listener when the shared settings may have changed.
    settings_changes: watch::Sender<u64>,
}

impl Postgres {
    /// Connects to the database at `url` (`postgres://user@host/db`, with `?sslmode=require`
    /// for TLS), its certificate checked by `tls`, its secrets sealed with `key` (the same for
    /// every bridge), migrating it first; a database from a newer bridge is refused
    /// ([`StoreError::TooNew`]), one whose certificate does not verify too
    /// ([`StoreError::Certificate`]). Committed events are published to `feeds` of the
    /// conversations someone listens to on this bridge, whichever bridge appended them.
    pub async fn open(
        url: &str,
        tls: tls::Connector,
        key: SecretKey,
        feeds: Feeds,
    ) -> Result<Self, StoreError> {
        let config: tokio_postgres::Config = url.parse()?;
        let manager = Manager::from_config(
            config.clone(),
            tls.clone(),
            ManagerConfig { recycling_method: RecyclingMethod::Fast },
        );
        let pool = Pool::builder(manager).max_size(POOL_SIZE).build()?;
        let mut client = pool.get().await.map_err(|error| tls::refused(&config, error))?;
        migrations::migrate(&mut client).await?;
        drop(client);
        let publisher = Publisher::new(pool.clone(), feeds);
        let settings_changes = watch::Sender::new(0);
        let listener = notifications::spawn(config, tls, publisher.clone(), settings_changes.clone());
        let counters = Arc::new(Counters::default());
        let writer = Writer::start(pool.clone(), publisher.clone(), counters.clone());
        Ok(Self {
            pool,
            key,
            publisher,
            listener,
            writer,
            counters,
            appends: AppendMeter::default(),
            settings_changes,
        })
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, StoreError> {
        Ok(self.pool.get().await?)
    }

    /// Commits `tx`, counting it.
    async fn commit(&self, tx: Transaction<'_>) -> Result<(), StoreError> {
        tx.commit().await?;
        self.count_commit();
        Ok(())
    }

    fn count_commit(&self) {
        self.counters.commits.fetch_add(1, Ordering::Relaxed);
        self.counters.writes.fetch_add(1, Ordering::Relaxed);
    }

    /// Runs one statement on `conversation`'s rows in the writer's next round; the rows it
    /// returned.
    async fn write_one(
        &self,
        conversation: &ConversationId,
        sql: &'static str,
        params: Vec<Param>,
    ) -> Result<usize, StoreError> {
        let written = self.writer.write(conversation, vec![(sql, params)], None).await?;
        Ok(written.rows.first().map_or(0, Vec::len))
    }

    /// Runs one statement as its own transaction, counting it; the rows it changed.
    async fn execute(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<u64, StoreError> {
        let changed = self.client().await?.execute(sql, params).await?;
        self.count_commit();
        Ok(changed)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        self.listener.abort();
    }
}

impl Engine for Postgres {
    fn metrics(&self) -> EngineMetrics {
        EngineMetrics {
            commits: self.counters.commits.load(Ordering::Relaxed),
            writes: self.counters.writes.load(Ordering::Relaxed),
        }
    }

    fn appends(&self) -> &AppendMeter {
        &self.appends
    }

    fn shared(&self) -> bool {
        true
    }
}

/// Seqs and counts are `u64` in Rust and `BIGINT` in the database.
fn int(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// A `BIGINT` read back as a seq or a count (never negative as written).
fn uint(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use baton_protocol::{AgentId, ClientId, ConversationId, EventKind, MessageId, Seq};

    use super::notifications::APPLICATION;
    use super::throwaway::Cluster;
    use crate::conversations::Conversations;
    use crate::secret::SecretKey;
    use crate::store::conformance::Fixture;
    use crate::store::{Appended, ConversationRecord, StoreError};

    async fn open() -> Fixture {
        let cluster = Cluster::shared();
        let conversations =
            Conversations::connect(&cluster.database(), SecretKey::generate()).await.expect("connects");
        (Box::new(cluster), conversations)
    }

    crate::conformance_suite!(open);

    /// Three bridges on one database, sharing the key as they must.
    async fn bridges(cluster: &Cluster) -> [Conversations; 3] {
        let (url, key) = (cluster.database(), SecretKey::generate());
        let a = Conversations::connect(&url, key.clone()).await.expect("connects");
        let b = Conversations::connect(&url, key.clone()).await.expect("connects");
        let c = Conversations::connect(&url, key).await.expect("connects");
        [a, b, c]
    }

    /// Reads `live` until it has had the event at `total`; their seqs, in the order received.
    async fn receive(live: &mut crate::conversations::Live, total: u64) -> Vec<u64> {
        let mut seen = Vec::new();
        while seen.last().copied().unwrap_or(0) < total {
            let event = live.recv().await.expect("the feed goes on");
            seen.push(event.seq.0);
        }
        seen
    }

    /// A conversation created through A takes messages through A and B at once; a listener on
    /// C sees every event once, in order, and a message sent through both is stored once.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn bridges_on_one_database_share_seqs_events_and_client_ids() {
        let cluster = Cluster::shared();
        let [a, b, c] = bridges(&cluster).await;
        let id = ConversationId::from("c1");
        a.create(&ConversationRecord::new(id.clone(), AgentId::from("demo"), String::new()))
            .await
            .expect("creates");
        let subscription = c.subscribe(&id, Seq(0)).await.expect("subscribes");
        assert!(subscription.backlog.is_empty());
        let mut live = subscription.live;
        // Fewer events than a feed holds, so the listener never lags however slowly it reads.
        const EACH: u64 = 15;
        let mut writers = Vec::new();
        for (name, bridge) in [("a", a.clone()), ("b", b.clone())] {
            let id = id.clone();
            writers.push(tokio::spawn(async move {
                for n in 0..EACH {
                    let kind = EventKind::VisitorMessage {
                        client_id: ClientId(format!("{name}-{n}")),
                        text: "x".into(),
                        attachments: Vec::new(),
                    };
                    bridge.append(&id, kind).await.expect("appends");
                }
            }));
        }
        let (seen, ()) = tokio::join!(receive(&mut live, 2 * EACH), async {
            for writer in writers {
                writer.await.expect("writer");
            }
        });
        assert_eq!(seen, (1..=2 * EACH).collect::<Vec<_>>());
        let (first, again) = tokio::join!(
            a.append_visitor_message(&id, ClientId::from("k"), "hi".into(), Vec::new()),
            b.append_visitor_message(&id, ClientId::from("k"), "hi".into(), Vec::new()),
        );
        let outcomes = [first.expect("appends"), again.expect("appends")];
        let stored = outcomes.iter().filter(|outcome| matches!(outcome, Appended::New(_))).count();
        assert_eq!(stored, 1, "{outcomes:?}");
        assert!(outcomes.contains(&Appended::Duplicate(Seq(2 * EACH + 1))), "{outcomes:?}");
        assert_eq!(receive(&mut live, 2 * EACH + 1).await, [2 * EACH + 1]);
        assert_eq!(b.events_after(&id, Seq(0)).await.expect("reads").len() as u64, 2 * EACH + 1);
    }

    /// A burst of appends through A to many conversations at once reaches the listeners on B:
    /// each sees every event of its conversation once, in order (B reads what its
    /// notifications name in batches, many conversations at a time).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_burst_through_one_bridge_reaches_every_listener_on_another_once_in_order() {
        let cluster = Cluster::shared();
        let [a, b, _] = bridges(&cluster).await;
        // Fewer events each than a feed holds, so no listener lags however slowly it reads.
        const EACH: u64 = 12;
        let ids: Vec<ConversationId> = (0..60).map(|n| ConversationId(format!("c{n}"))).collect();
        let mut lives = Vec::new();
        for id in &ids {
            a.create(&ConversationRecord::new(id.clone(), AgentId::from("demo"), String::new()))
                .await
                .expect("creates");
            lives.push(b.subscribe(id, Seq(0)).await.expect("subscribes").live);
        }
        // And as many nobody listens to on B, written in the same burst.
        let unheard: Vec<ConversationId> = (0..60).map(|n| ConversationId(format!("u{n}"))).collect();
        for id in &unheard {
            a.create(&ConversationRecord::new(id.clone(), AgentId::from("demo"), String::new()))
                .await
                .expect("creates");
        }
        let writers: Vec<_> = ids
            .iter()
            .chain(&unheard)
            .map(|id| {
                let (a, id) = (a.clone(), id.clone());
                tokio::spawn(async move {
                    for _ in 0..EACH {
                        a.append(&id, EventKind::HandoffRequested).await.expect("appends");
                    }
                })
            })
            .collect();
        let received = futures::future::join_all(lives.iter_mut().map(|live| receive(live, EACH))).await;
        for writer in writers {
            writer.await.expect("writer");
        }
        for (id, seen) in ids.iter().zip(received) {
            assert_eq!(seen, (1..=EACH).collect::<Vec<_>>(), "conversation {}", id.0);
        }
    }

    /// A write that fails in a round takes none of the round's other writes with it, and none of
    /// them is stored twice: the round is one transaction, rolled back whole, then each write
    /// runs again alone.
    // One thread: the writer runs only once all three are sent, so they share one round.
    #[tokio::test]
    async fn a_failed_round_stores_each_of_its_other_writes_once() {
        let cluster = Cluster::shared();
        let bridge =
            Conversations::connect(&cluster.database(), SecretKey::generate()).await.expect("connects");
        let record = |id: &str| {
            ConversationRecord::new(ConversationId::from(id), AgentId::from("demo"), String::new())
        };
        bridge.create(&record("c1")).await.expect("creates");
        let id = ConversationId::from("c1");
        let (first, second) = (record("c1"), record("c2"));
        let (again, appended, other) = tokio::join!(
            bridge.create(&first),
            bridge.append(&id, EventKind::HandoffRequested),
            bridge.create(&second),
        );
        assert!(again.is_err(), "an id is created once");
        assert_eq!(appended.expect("appends").seq, Seq(1));
        other.expect("creates");
        let stored = bridge.events_after(&id, Seq(0)).await.expect("reads");
        assert_eq!(stored.iter().map(|event| event.seq.0).collect::<Vec<_>>(), [1], "stored once");
        assert!(bridge.get(&ConversationId::from("c2")).await.expect("reads").is_some());
    }

    /// Three bridges drawing from one bucket at once take exactly its size between them: a
    /// visitor whose requests land on several bridges gets the limit once.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn bridges_draw_from_one_bucket() {
        let cluster = Cluster::shared();
        let bridges = bridges(&cluster).await;
        let per_minute = std::num::NonZeroU32::new(10).expect("not zero");
        let takes = bridges.iter().flat_map(|bridge| (0..8).map(move |_| bridge.take("ip/x", per_minute)));
        let outcomes = futures::future::join_all(takes).await;
        let taken = outcomes.into_iter().filter(|outcome| outcome.as_ref().expect("takes").is_none()).count();
        assert_eq!(taken, 10, "24 requests over three bridges, 10 allowed");
    }

    /// An answer streamed by A reaches a listener on B: its text so far when B's listener joins
    /// mid-answer, then a later checkpoint, then the completion; no byte twice.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_answer_streamed_on_one_bridge_reaches_listeners_on_another() {
        let cluster = Cluster::shared();
        let [a, b, _] = bridges(&cluster).await;
        let id = ConversationId::from("c1");
        let m = || MessageId::from("m");
        a.create(&ConversationRecord::new(id.clone(), AgentId::from("demo"), String::new()))
            .await
            .expect("creates");
        a.append(&id, EventKind::AgentMessageStarted { message_id: m() }).await.expect("appends");
        a.checkpoint_answer(&id, &m(), "Hel").await.expect("checkpoints");
        let subscription = b.subscribe(&id, Seq(1)).await.expect("subscribes");
        assert_eq!(
            subscription.backlog.iter().map(|event| &event.kind).collect::<Vec<_>>(),
            [&EventKind::AgentMessageDelta { message_id: m(), offset: 0, text: "Hel".into() }]
        );
        let mut live = subscription.live;
        a.checkpoint_answer(&id, &m(), "Hello").await.expect("checkpoints");
        // What B publishes of a checkpoint is the text so far; the stream sends each byte once.
        // (A completion committed right after may overtake it: it restates the whole text.)
        let mut text = String::from("Hel");
        let pieces = async {
            while text != "Hello" {
                let event = live.recv().await.expect("the feed goes on");
                let EventKind::AgentMessageDelta { offset, text: piece, .. } = &event.kind else {
                    panic!("only the answer's pieces so far, got {event:?}");
                };
                assert!(*offset <= text.len(), "no gap before a piece");
                if let Some(new) = piece.get(text.len() - offset..) {
                    text.push_str(new);
                }
            }
        };
        // A guard against a hang, not a measure: the piece arrives in milliseconds.
        tokio::time::timeout(std::time::Duration::from_secs(60), pieces)
            .await
            .expect("B publishes A's checkpoint");
        let done = EventKind::AgentMessageCompleted { message_id: m(), text: "Hello".into() };
        a.append(&id, done.clone()).await.expect("appends");
        // The notice of the first checkpoint may have reached B only after its listener joined,
        // and B publishes the text then in the table: a repeat of text it has, before the end.
        let completed = loop {
            let event = live.recv().await.expect("the feed goes on");
            if !matches!(event.kind, EventKind::AgentMessageDelta { .. }) {
                break event;
            }
        };
        assert_eq!((completed.seq, &completed.kind), (Seq(2), &done));
    }

    /// Bridges starting together on an empty database all open it (one runs the steps under the
    /// lock, the others find them done); a database a newer bridge made is refused.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn bridges_starting_together_migrate_once_and_a_newer_schema_is_refused() {
        let cluster = Cluster::shared();
        let (url, key) = (cluster.database(), SecretKey::generate());
        let (a, b, c) = tokio::join!(
            Conversations::connect(&url, key.clone()),
            Conversations::connect(&url, key.clone()),
            Conversations::connect(&url, key.clone()),
        );
        for bridge in [a, b, c] {
            bridge.expect("opens");
        }
        let (admin, connection) =
            tokio_postgres::connect(&url, tokio_postgres::NoTls).await.expect("connects");
        tokio::spawn(connection);
        admin.execute("UPDATE baton_schema SET version = version + 1", &[]).await.expect("bumps");
        let refused = Conversations::connect(&url, key).await.expect_err("refused");
        assert!(matches!(refused, StoreError::TooNew { found, known } if found == known + 1), "{refused}");
    }

    /// A bridge whose notifications connection is cut reconnects and publishes, in order, what
    /// other bridges appended meanwhile.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_lost_listen_connection_is_made_again_and_catches_up() {
        let cluster = Cluster::shared();
        let url = cluster.database();
        let key = SecretKey::generate();
        let a = Conversations::connect(&url, key.clone()).await.expect("connects");
        let b = Conversations::connect(&url, key.clone()).await.expect("connects");
        let _c = Conversations::connect(&url, key).await.expect("connects");
        let id = ConversationId::from("c1");
        a.create(&ConversationRecord::new(id.clone(), AgentId::from("demo"), String::new()))
            .await
            .expect("creates");
        let mut live = a.subscribe(&id, Seq(0)).await.expect("subscribes").live;
        b.append(&id, EventKind::HandoffRequested).await.expect("appends");
        assert_eq!(receive(&mut live, 1).await, [1]);
        let (admin, connection) =
            tokio_postgres::connect(&url, tokio_postgres::NoTls).await.expect("connects");
        tokio::spawn(connection);
        // This database's listening connections only (other tests share the cluster), once all
        // three bridges' are up: each connects on its own task.
        let listening =
            "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()";
        while admin.query(listening, &[&APPLICATION]).await.expect("reads").len() < 3 {
            tokio::task::yield_now().await;
        }
        let cut = admin
            .query(
                &format!("SELECT pg_terminate_backend(pid) FROM ({listening}) AS listening"),
                &[&APPLICATION],
            )
            .await
            .expect("cuts");
        assert_eq!(cut.len(), 3, "one listening connection per bridge");
        for _ in 0..3 {
            b.append(&id, EventKind::HandoffFailed).await.expect("appends");
        }
        assert_eq!(receive(&mut live, 4).await, [2, 3, 4]);
    }
}
