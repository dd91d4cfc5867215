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

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}
