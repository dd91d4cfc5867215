//! The visitor's conversation with one agent, remembered in `localStorage` so a reload or a
//! second tab continues it instead of starting over.

use baton_protocol::{AgentId, ConversationId};
use serde::{Deserialize, Serialize};

/// A conversation and the secret that opens it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

/// The remembered session, if any. Storage may be blocked (private mode, sandboxed frames): the
/// widget then works for the life of the page.
pub fn load(key: &str) -> Option<Session> {
    let raw = local_storage()?.get_item(key).ok()??;
    serde_json::from_str(&raw).ok()
}

/// Remembers `session`.
pub fn save(key: &str, session: &Session) {
    if let (Some(storage), Ok(raw)) = (local_storage(), serde_json::to_string(session)) {
        // Full or blocked storage only costs continuity across reloads.
        let _ = storage.set_item(key, &raw);
    }
}

/// Forgets the session, so the next message starts a new conversation.
pub fn forget(key: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.remove_item(key);
        let _ = storage.remove_item(&seen_key(key));
    }
}

/// The last seq the visitor saw, so a reload does not count old answers as unread.
pub fn load_seen(key: &str) -> u64 {
    local_storage()
        .and_then(|storage| storage.get_item(&seen_key(key)).ok().flatten())
        .and_then(|raw| raw.parse().ok())
        .unwrap_or(0)
}

/// Remembers the last seq the visitor saw.
pub fn save_seen(key: &str, seq: u64) {
    if let Some(storage) = local_storage() {
        let _ = storage.set_item(&seen_key(key), &seq.to_string());
    }
}

fn seen_key(key: &str) -> String {
    format!("{key}:seen")
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}
