//! The visitor's conversation with one agent, remembered in `localStorage` so a reload or a
//! second tab continues it instead of starting over. A [`Store`] is the one place it is kept:
//! the widget, its outbox and the host page's handle all read and change it there.

use std::cell::RefCell;
use std::rc::Rc;

use baton_protocol::read::Value;
use baton_protocol::write::Object;
use baton_protocol::{AgentId, ConversationId};
use yew::{hook, use_effect_with, use_force_update, Callback};

/// A conversation and the secret that opens it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The conversation.
    pub id: ConversationId,
    /// Its bearer token.
    pub token: String,
}

/// The storage key for a visitor's session with `agent` at `endpoint`.
pub fn storage_key(endpoint: &str, agent: &AgentId) -> String {
    format!("baton:{endpoint}:{agent}")
}

/// The session of one mounted widget and its copy in storage. Cheap to clone; clones share it,
/// and are equal only to each other.
#[derive(Clone)]
pub struct Store(Rc<Inner>);

struct Inner {
    key: String,
    current: RefCell<Option<Session>>,
    /// Told when the session changes: the widget re-renders.
    on_change: RefCell<Option<Callback<()>>>,
}

impl PartialEq for Store {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Store")
    }
}

impl Store {
    /// The store under `key`, holding the session remembered there, if any. Storage may be
    /// blocked (private mode, sandboxed frames): the widget then works for the life of the page.
    pub fn open(key: String) -> Self {
        let current = local_storage()
            .and_then(|storage| storage.get_item(&key).ok().flatten())
            .and_then(|raw| Value::parse(&raw).ok())
            .and_then(|value| {
                Some(Session {
                    id: ConversationId(value.get("id").text()?),
                    token: value.get("token").text()?,
                })
            });
        Self(Rc::new(Inner { key, current: RefCell::new(current), on_change: RefCell::default() }))
    }

    /// The current session.
    pub fn current(&self) -> Option<Session> {
        self.0.current.borrow().clone()
    }

    /// Remembers `session`, the conversation the first message started.
    pub fn start(&self, session: Session) {
        if let Some(storage) = local_storage() {
            let raw = Object::default().text("id", &session.id.0).text("token", &session.token).end();
            // Full or blocked storage only costs continuity across reloads.
            let _ = storage.set_item(&self.0.key, &raw);
        }
        self.set(Some(session));
    }

    /// Forgets the session and what was seen of it, so the next message starts a new conversation.
    pub fn forget(&self) {
        if let Some(storage) = local_storage() {
            let _ = storage.remove_item(&self.0.key);
            let _ = storage.remove_item(&self.seen_key());
        }
        self.set(None);
    }

    /// The last seq the visitor saw, so a reload does not count old answers as unread.
    pub fn seen(&self) -> u64 {
        local_storage()
            .and_then(|storage| storage.get_item(&self.seen_key()).ok().flatten())
            .and_then(|raw| raw.parse().ok())
            .unwrap_or(0)
    }

    /// Remembers the last seq the visitor saw.
    pub fn save_seen(&self, seq: u64) {
        if let Some(storage) = local_storage() {
            let _ = storage.set_item(&self.seen_key(), &seq.to_string());
        }
    }

    fn set(&self, session: Option<Session>) {
        *self.0.current.borrow_mut() = session;
        // Cloned out of the cell: the callback may read the store.
        let on_change = self.0.on_change.borrow().clone();
        if let Some(on_change) = on_change {
            on_change.emit(());
        }
    }

    fn seen_key(&self) -> String {
        format!("{}:seen", self.0.key)
    }
}

/// The current session of `store`; the component re-renders when it changes.
#[hook]
pub fn use_session(store: &Store) -> Option<Session> {
    let update = use_force_update();
    use_effect_with(store.clone(), move |store| {
        *store.0.on_change.borrow_mut() = Some(Callback::from(move |()| update.force_update()));
        let store = store.clone();
        move || drop(store.0.on_change.borrow_mut().take())
    });
    store.current()
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}
