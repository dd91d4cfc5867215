//! The live agents and the settings they were built from, and where those settings are kept:
//! the agents file (SQLite, or no database), or the database every bridge shares (PostgreSQL),
//! whose announced changes every bridge follows. A change is built first and kept only once it
//! is saved, so a failed one leaves the agents and the saved settings as they were.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, Weak};
use std::time::Duration;

use baton_protocol::AgentId;
use tokio::runtime::Handle;
use tokio::sync::watch;

use crate::agents::{AgentEntry, Agents};
use crate::settings::{AgentSettings, SettingsError, SettingsFile};
use crate::store::{SharedSettings, StoreError, StoredSettings};

/// Saves tried when other bridges keep saving first; past this the admin is told to try again.
const SAVE_ATTEMPTS: usize = 5;

/// Where the settings are kept.
#[derive(Debug)]
enum Source {
    /// Nowhere: in memory only.
    Memory,
    /// The agents file.
    File(PathBuf),
    /// The database, shared by every bridge on it; knowledge files are read from `base`, the
    /// agents file's folder. Its calls are awaited with `runtime` on the blocking threads that
    /// changes run on (as file changes do).
    Shared { store: Arc<dyn SharedSettings>, base: PathBuf, runtime: Handle },
}

/// The settings and the stored version they are (0 outside the database).
#[derive(Debug)]
struct Held {
    settings: SettingsFile,
    version: u64,
}

/// What requests read: the agents and the settings they were built from, replaced together. Its
/// lock is never held across a wait. A request taking `held` instead would block its async
/// thread behind a change waiting on the database, whose connection may need that very thread
/// to make progress (a bridge froze so, reading an agent while it followed another bridge's
/// change).
#[derive(Debug)]
struct Live {
    agents: Arc<Agents>,
    settings: Arc<SettingsFile>,
}

/// The live agents and the settings they were built from, changed through the admin API and
/// saved where the settings are kept. Changes (`put`, `remove`, `reload`) wait on files or the
/// database: call them off the async threads (`spawn_blocking`).
#[derive(Debug)]
pub struct Registry {
    live: RwLock<Live>,
    /// Held while settings change, so two changes on this bridge cannot interleave their saves.
    /// Held across waits on the database too: so never taken on an async thread.
    held: Mutex<Held>,
    source: Source,
    pace: Duration,
}

impl Registry {
    /// Agents built from `settings`, saved to `file` when they change (kept in memory when
    /// there is no file).
    pub fn new(settings: SettingsFile, file: Option<PathBuf>, pace: Duration) -> Result<Self, SettingsError> {
        let source = file.map_or(Source::Memory, Source::File);
        Self::built(Held { settings, version: 0 }, source, pace)
    }

    /// Agents from the settings file at `path`, or from `default` when it does not exist yet.
    pub fn open(path: PathBuf, default: SettingsFile, pace: Duration) -> Result<Self, SettingsError> {
        let settings = SettingsFile::load(&path)?.unwrap_or(default);
        Self::new(settings, Some(path), pace)
    }

    /// Agents from the settings `store` shares between bridges, which is seeded with `local`'s
    /// agents when no bridge has done so yet; `local`'s inbox tables stay this bridge's own.
    /// Knowledge files are read beside `file`, the agents file. Every change another bridge
    /// announces is followed, for as long as the registry lives.
    pub async fn shared(
        store: Arc<dyn SharedSettings>,
        local: SettingsFile,
        file: &Path,
        pace: Duration,
    ) -> Result<Arc<Self>, SettingsError> {
        // Subscribed before the read: a save after it is then a change still to follow.
        let changes = store.settings_changes();
        let stored = store.seed_settings(&document(&local)?).await?;
        let held = Held { settings: parse(&stored, local.inboxes)?, version: stored.version };
        let source = Source::Shared { store, base: base_of(Some(file)), runtime: Handle::current() };
        let registry = Arc::new(Self::built(held, source, pace)?);
        follow(Arc::downgrade(&registry), changes);
        Ok(registry)
    }

    fn built(held: Held, source: Source, pace: Duration) -> Result<Self, SettingsError> {
        let agents = Agents::build(&held.settings, &source.base(), pace)?;
        let live = Live { agents: Arc::new(agents), settings: Arc::new(held.settings.clone()) };
        Ok(Self { live: RwLock::new(live), held: Mutex::new(held), source, pace })
    }

    /// The agents as they are now.
    pub fn current(&self) -> Arc<Agents> {
        Arc::clone(&self.live().agents)
    }

    /// The agent with this id, as it is now.
    pub fn get(&self, id: &AgentId) -> Option<AgentEntry> {
        self.current().get(id).cloned()
    }

    /// The settings as they are now.
    pub fn settings(&self) -> SettingsFile {
        SettingsFile::clone(&self.live().settings)
    }

    /// Adds or replaces agent `id`. Nothing changes unless the agent builds and the settings save.
    pub fn put(&self, id: &str, agent: AgentSettings) -> Result<(), SettingsError> {
        self.change(|settings| {
            settings.agents.insert(id.to_owned(), agent.clone());
            true
        })
        .map(drop)
    }

    /// Removes agent `id`; false when there was none.
    pub fn remove(&self, id: &str) -> Result<bool, SettingsError> {
        self.change(|settings| settings.agents.remove(id).is_some())
    }

    /// Re-reads the settings (the file or the database) and the knowledge files, for changes
    /// made by hand.
    pub fn reload(&self) -> Result<(), SettingsError> {
        let mut held = self.lock();
        match &self.source {
            Source::Memory => Ok(()),
            Source::File(file) => {
                let loaded = SettingsFile::load(file)?.unwrap_or_else(|| held.settings.clone());
                self.install(&mut held, Held { settings: loaded, version: 0 })
            }
            Source::Shared { .. } => self.read_shared(&mut held),
        }
    }

    /// Follows a change another bridge may have saved: re-reads the database's settings when
    /// their version is not the one the agents were built from.
    fn refresh(&self) -> Result<(), SettingsError> {
        let mut held = self.lock();
        match self.stored()? {
            Some(stored) if stored.version != held.version => self.adopt(&mut held, &stored),
            _ => Ok(()),
        }
    }

    /// Applies `edit` (false: nothing to change) and saves the result where the settings are
    /// kept. In the database, a save on a version another bridge has replaced is refused; the
    /// settings are then read again and the same edit applied to them: each edit is one agent's
    /// whole settings, so the other bridge's change to another agent is kept, and of two saves
    /// of one agent the later one wins, as it would on one bridge.
    fn change(&self, edit: impl Fn(&mut SettingsFile) -> bool) -> Result<bool, SettingsError> {
        let mut held = self.lock();
        let mut attempts = 0;
        loop {
            let mut changed = held.settings.clone();
            if !edit(&mut changed) {
                return Ok(false);
            }
            let agents = Agents::build(&changed, &self.source.base(), self.pace)?;
            let version = match &self.source {
                Source::Memory => 0,
                Source::File(file) => {
                    changed.save(file)?;
                    0
                }
                Source::Shared { store, runtime, .. } => {
                    match runtime.block_on(store.save_settings(&document(&changed)?, held.version)) {
                        Ok(version) => version,
                        Err(StoreError::StaleSettings { .. }) if attempts + 1 < SAVE_ATTEMPTS => {
                            attempts += 1;
                            self.read_shared(&mut held)?;
                            continue;
                        }
                        Err(error) => return Err(error.into()),
                    }
                }
            };
            self.swap(agents, &changed);
            *held = Held { settings: changed, version };
            return Ok(true);
        }
    }

    /// Reads the database's settings and builds the agents from them.
    fn read_shared(&self, held: &mut Held) -> Result<(), SettingsError> {
        let stored = self.stored()?.ok_or_else(|| StoreError::Missing("the shared settings".into()))?;
        self.adopt(held, &stored)
    }

    /// The database's settings; `None` outside the database (or before any bridge seeded it).
    fn stored(&self) -> Result<Option<StoredSettings>, SettingsError> {
        let Source::Shared { store, runtime, .. } = &self.source else { return Ok(None) };
        Ok(runtime.block_on(store.stored_settings())?)
    }

    /// Builds the agents of `stored` (with this bridge's inbox tables) and makes them current.
    fn adopt(&self, held: &mut Held, stored: &StoredSettings) -> Result<(), SettingsError> {
        let settings = parse(stored, held.settings.inboxes.clone())?;
        self.install(held, Held { settings, version: stored.version })
    }

    /// Builds the agents of `next` and, when they build, makes them and it current.
    fn install(&self, held: &mut Held, next: Held) -> Result<(), SettingsError> {
        let agents = Agents::build(&next.settings, &self.source.base(), self.pace)?;
        self.swap(agents, &next.settings);
        *held = next;
        Ok(())
    }

    /// Makes `agents`, built from `settings`, what requests read.
    fn swap(&self, agents: Agents, settings: &SettingsFile) {
        let live = Live { agents: Arc::new(agents), settings: Arc::new(settings.clone()) };
        *self.live.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = live;
    }

    /// What requests read, under its lock for as long as the guard lives (never across a wait).
    fn live(&self) -> RwLockReadGuard<'_, Live> {
        self.live.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn lock(&self) -> MutexGuard<'_, Held> {
        self.held.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Source {
    /// The directory relative paths in the settings start from.
    fn base(&self) -> PathBuf {
        match self {
            Self::Memory => base_of(None),
            Self::File(file) => base_of(Some(file)),
            Self::Shared { base, .. } => base.clone(),
        }
    }
}

/// Re-reads `registry`'s settings on each change announced, until it or the store is gone. A
/// change that does not build here (a knowledge file this bridge lacks) keeps the agents it had.
fn follow(registry: Weak<Registry>, mut changes: watch::Receiver<u64>) {
    tokio::spawn(async move {
        while changes.changed().await.is_ok() {
            let Some(registry) = registry.upgrade() else { return };
            match tokio::task::spawn_blocking(move || registry.refresh()).await {
                Ok(Ok(())) => {}
                Ok(Err(error)) => tracing::warn!(%error, "the shared settings changed but were not applied"),
                Err(error) => tracing::warn!(%error, "re-reading the shared settings failed"),
            }
        }
    });
}

/// The agents of `settings` as the database keeps them: the agents file's TOML without the
/// inbox tables, which stay each bridge's own.
fn document(settings: &SettingsFile) -> Result<String, SettingsError> {
    let agents = SettingsFile { agents: settings.agents.clone(), inboxes: BTreeMap::new() };
    toml::to_string_pretty(&agents).map_err(SettingsError::Encode)
}

/// The settings in `stored`, with this bridge's `inboxes`.
fn parse(
    stored: &StoredSettings,
    inboxes: BTreeMap<String, toml::Table>,
) -> Result<SettingsFile, SettingsError> {
    let agents: SettingsFile = toml::from_str(&stored.document)
        .map_err(|source| SettingsError::Stored { version: stored.version, source: Box::new(source) })?;
    Ok(SettingsFile { agents: agents.agents, inboxes })
}

/// The directory relative paths in the settings file start from.
fn base_of(file: Option<&Path>) -> PathBuf {
    file.and_then(Path::parent).filter(|dir| !dir.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_that_does_not_build_leaves_agents_and_file_as_they_were() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("baton.toml");
        let registry =
            Registry::open(path.clone(), SettingsFile::demo(Vec::new()), Duration::ZERO).expect("opens");
        let mut broken = registry.settings().agents["demo"].clone();
        broken.knowledge = Some("missing.md".into());
        let error = registry.put("demo", broken).expect_err("missing knowledge file").to_string();
        assert!(error.contains("missing.md"), "{error}");
        assert!(!path.exists(), "nothing was saved");
        assert_eq!(registry.settings(), SettingsFile::demo(Vec::new()));

        std::fs::write(dir.path().join("faq.md"), "## Opening hours\nNine to five.\n").expect("written");
        let mut renamed = registry.settings().agents["demo"].clone();
        renamed.name = "Maple".into();
        renamed.knowledge = Some("faq.md".into());
        registry.put("demo", renamed).expect("saved");
        assert_eq!(registry.get(&AgentId::from("demo")).expect("demo").profile.name, "Maple");
        let saved = SettingsFile::load(&path).expect("loads").expect("exists");
        assert_eq!(saved.agents["demo"].name, "Maple");

        for outside in ["/etc/hostname", "../baton.toml", "knowledge/../../x.md"] {
            let mut escaping = registry.settings().agents["demo"].clone();
            escaping.knowledge = Some(outside.into());
            let error = registry.put("demo", escaping).expect_err("outside the folder").to_string();
            assert!(error.contains("inside the agents file's folder"), "{error}");
        }

        std::fs::write(&path, "not = [valid").expect("written");
        assert!(registry.reload().is_err(), "a broken file is refused");
        assert_eq!(registry.get(&AgentId::from("demo")).expect("demo").profile.name, "Maple");
    }

    /// The database's settings, as a bridge whose notifications never arrive sees them: it
    /// learns of another bridge's save only when its own save is refused.
    #[derive(Debug)]
    struct Deaf(Arc<dyn SharedSettings>, watch::Sender<u64>);

    #[async_trait::async_trait]
    impl SharedSettings for Deaf {
        async fn seed_settings(&self, seed: &str) -> Result<StoredSettings, StoreError> {
            self.0.seed_settings(seed).await
        }
        async fn stored_settings(&self) -> Result<Option<StoredSettings>, StoreError> {
            self.0.stored_settings().await
        }
        async fn save_settings(&self, document: &str, version: u64) -> Result<u64, StoreError> {
            self.0.save_settings(document, version).await
        }
        fn settings_changes(&self) -> watch::Receiver<u64> {
            self.1.subscribe()
        }
    }

    /// A bridge saving on a version another bridge's save replaced re-reads the settings and
    /// applies its change to them: both changes are kept.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_save_on_a_stale_version_keeps_the_other_bridges_change() {
        let cluster = crate::store::postgres::throwaway::Cluster::shared();
        let conversations = crate::conversations::Conversations::connect(
            &cluster.database(),
            crate::secret::SecretKey::generate(),
        )
        .await
        .expect("connects");
        let store = conversations.shared_settings().expect("shared");
        let deaf = Arc::new(Deaf(Arc::clone(&store), watch::Sender::new(0)));
        let file = Path::new("baton.toml");
        let registry = Registry::shared(deaf, SettingsFile::demo(Vec::new()), file, Duration::ZERO)
            .await
            .expect("seeds");

        let mut elsewhere = SettingsFile::demo(Vec::new());
        let mut north = elsewhere.agents["demo"].clone();
        north.greeting = "North here.".into();
        elsewhere.agents.insert("north".into(), north);
        store.save_settings(&document(&elsewhere).expect("toml"), 1).await.expect("another bridge saves");

        let mut renamed = registry.settings().agents["demo"].clone();
        renamed.name = "Maple".into();
        let saving = Arc::clone(&registry);
        tokio::task::spawn_blocking(move || saving.put("demo", renamed))
            .await
            .expect("runs")
            .expect("saved after re-reading");
        let stored = store.stored_settings().await.expect("reads").expect("stored");
        let stored = parse(&stored, BTreeMap::new()).expect("parses");
        assert_eq!(stored.agents["demo"].name, "Maple");
        assert_eq!(stored.agents["north"].greeting, "North here.", "the other bridge's change is kept");
        assert_eq!(registry.get(&AgentId::from("north")).expect("north").profile.greeting, "North here.");
    }

    /// Shared settings whose read waits until the test lets it go, as a slow database does.
    #[derive(Debug)]
    struct Slow {
        document: String,
        reading: tokio::sync::Notify,
        go: tokio::sync::Notify,
        changes: watch::Sender<u64>,
    }

    #[async_trait::async_trait]
    impl SharedSettings for Slow {
        async fn seed_settings(&self, _seed: &str) -> Result<StoredSettings, StoreError> {
            Ok(StoredSettings { document: self.document.clone(), version: 1 })
        }

        async fn stored_settings(&self) -> Result<Option<StoredSettings>, StoreError> {
            self.reading.notify_one();
            self.go.notified().await;
            Ok(Some(StoredSettings { document: self.document.clone(), version: 1 }))
        }

        async fn save_settings(&self, _document: &str, version: u64) -> Result<u64, StoreError> {
            Ok(version + 1)
        }

        fn settings_changes(&self) -> watch::Receiver<u64> {
            self.changes.subscribe()
        }
    }

    /// Reading the settings (the admin API does, on an async thread) never waits for a change
    /// that is waiting on the database: the change holds its lock all the while, and the
    /// database's connection may need the very thread the read would block.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_settings_are_read_while_a_change_waits_on_the_database() {
        let dir = tempfile::tempdir().expect("temp dir");
        let demo = SettingsFile::demo(Vec::new());
        let store = Arc::new(Slow {
            document: document(&demo).expect("encodes"),
            reading: tokio::sync::Notify::new(),
            go: tokio::sync::Notify::new(),
            changes: watch::channel(0).0,
        });
        let shared: Arc<dyn SharedSettings> = store.clone();
        let registry = Registry::shared(shared, demo.clone(), &dir.path().join("baton.toml"), Duration::ZERO)
            .await
            .expect("opens");
        let following = tokio::task::spawn_blocking({
            let registry = Arc::clone(&registry);
            move || registry.refresh()
        });
        store.reading.notified().await;
        let read = tokio::task::spawn_blocking(move || registry.settings());
        // Not a measure of speed: a read that waits for the change would wait forever, as the
        // change waits for this test.
        let read = tokio::time::timeout(Duration::from_secs(30), read).await;
        store.go.notify_one();
        following.await.expect("the change ran").expect("the change applied");
        assert_eq!(read.expect("the read waited for the change").expect("read"), demo);
    }
}
