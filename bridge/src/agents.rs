//! The agents this bridge serves, by id: what the widget shows of each and the agent that answers.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use baton_protocol::{AgentId, AgentProfile};

use crate::agent::{Agent, BuiltinAgent};
use crate::knowledge::Knowledge;
use crate::triggers::Triggers;

/// The sample knowledge file of the demo's fictional coffee roaster.
const DEMO_KNOWLEDGE: &str = include_str!("../data/demo-knowledge.md");

/// One configured agent.
#[derive(Debug, Clone)]
pub struct AgentEntry {
    /// What the widget shows.
    pub profile: AgentProfile,
    /// What answers.
    pub agent: Arc<dyn Agent>,
    /// Origins (`https://shop.example`) whose pages may start conversations; empty allows any.
    pub allowed_origins: Vec<String>,
}

impl AgentEntry {
    /// May a page served from `origin` start a conversation? Requests without an `Origin`
    /// header come from servers and scripts, not from other sites' pages, and are not limited
    /// here: the allowlist keeps other websites from embedding this agent.
    pub fn allows_origin(&self, origin: Option<&str>) -> bool {
        match origin {
            Some(origin) if !self.allowed_origins.is_empty() => {
                self.allowed_origins.iter().any(|allowed| allowed.trim_end_matches('/') == origin)
            }
            _ => true,
        }
    }
}

/// Every configured agent.
#[derive(Debug, Clone, Default)]
pub struct Agents {
    entries: HashMap<AgentId, AgentEntry>,
}

impl Agents {
    /// The embedded default: the demo agent `demo`, answering from the sample knowledge file
    /// at `pace` per streamed piece, to pages from `allowed_origins` (any, if empty).
    pub fn demo(pace: Duration, allowed_origins: Vec<String>) -> Self {
        let profile = AgentProfile {
            id: AgentId::from("demo"),
            name: "Juniper".into(),
            avatar_url: None,
            company: "Lumen Coffee Roasters".into(),
            greeting: "Hi! I'm Juniper, Lumen's assistant. Ask me about orders, subscriptions or brewing."
                .into(),
        };
        let agent = BuiltinAgent::new(Knowledge::parse(DEMO_KNOWLEDGE), Triggers::parse(""), pace);
        let mut agents = Self::default();
        agents.insert(AgentEntry { profile, agent: Arc::new(agent), allowed_origins });
        agents
    }

    /// Adds or replaces an agent.
    pub fn insert(&mut self, entry: AgentEntry) {
        self.entries.insert(entry.profile.id.clone(), entry);
    }

    /// The agent with this id.
    pub fn get(&self, id: &AgentId) -> Option<&AgentEntry> {
        self.entries.get(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_allowlist_admits_only_its_origins_and_an_empty_one_admits_all() {
        let open = Agents::demo(Duration::ZERO, Vec::new());
        let demo = AgentId::from("demo");
        assert!(open.get(&demo).expect("demo").allows_origin(Some("https://anywhere.example")));
        let strict = Agents::demo(Duration::ZERO, vec!["https://shop.example/".into()]);
        let entry = strict.get(&demo).expect("demo");
        assert!(entry.allows_origin(Some("https://shop.example")));
        assert!(!entry.allows_origin(Some("https://evil.example")));
        assert!(!entry.allows_origin(Some("https://shop.example.evil.example")));
        assert!(!entry.allows_origin(Some("null")), "sandboxed frames and file pages are not allowed");
        assert!(entry.allows_origin(None), "server-side callers send no Origin");
    }
}
