//! The agents this bridge serves, by id: what the widget shows of each and the agent that answers.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use baton_protocol::{AgentId, AgentProfile};

use crate::agent::{Agent, BuiltinAgent};
use crate::knowledge::Knowledge;

/// The sample knowledge file of the demo's fictional coffee roaster.
const DEMO_KNOWLEDGE: &str = include_str!("../data/demo-knowledge.md");

/// One configured agent.
#[derive(Debug, Clone)]
pub struct AgentEntry {
    /// What the widget shows.
    pub profile: AgentProfile,
    /// What answers.
    pub agent: Arc<dyn Agent>,
}

/// Every configured agent.
#[derive(Debug, Clone, Default)]
pub struct Agents {
    entries: HashMap<AgentId, AgentEntry>,
}

impl Agents {
    /// The embedded default: the demo agent `demo`, answering from the sample knowledge file
    /// at `pace` per streamed piece.
    pub fn demo(pace: Duration) -> Self {
        let profile = AgentProfile {
            id: AgentId::from("demo"),
            name: "Juniper".into(),
            company: "Lumen Coffee Roasters".into(),
            greeting: "Hi! I'm Juniper, Lumen's assistant. Ask me about orders, subscriptions or brewing."
                .into(),
        };
        let agent = BuiltinAgent::new(Knowledge::parse(DEMO_KNOWLEDGE), pace);
        let mut agents = Self::default();
        agents.insert(AgentEntry { profile, agent: Arc::new(agent) });
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
