//! The dashboard's preview key: what marks a conversation as a test. The dashboard, signed in
//! with the admin token, asks for the key of one agent and mounts the widget with it; the widget
//! sends it when it starts a conversation. The key is derived from the admin token's hash, so it
//! needs no storage, works on every bridge sharing the token, and stops working when the token
//! changes; a visitor without it cannot hide a real conversation among the tests.

use crate::token;

/// The preview key of `agent` under the admin token whose hash is `admin_token_hash`.
pub fn key(admin_token_hash: &str, agent: &str) -> String {
    token::hash(&format!("baton-preview\n{admin_token_hash}\n{agent}"))
}

/// Whether `given` is the preview key of `agent`. Hashes are compared, so the time taken says
/// nothing usable about the key.
pub fn verifies(admin_token_hash: &str, agent: &str, given: &str) -> bool {
    token::hash(given) == token::hash(&key(admin_token_hash, agent))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_for_one_agent_under_one_admin_token() {
        let admin = token::hash("admin-token");
        let demo = key(&admin, "demo");
        assert!(verifies(&admin, "demo", &demo));
        assert!(!verifies(&admin, "shop", &demo), "another agent's key");
        assert!(!verifies(&token::hash("new-token"), "demo", &demo), "the admin token changed");
        assert!(!verifies(&admin, "demo", ""));
    }
}
