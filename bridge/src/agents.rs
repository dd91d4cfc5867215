//! The agents this bridge serves, by id: what the widget shows of each, the agent that answers,
//! and the handoff label. The set is swapped whole when the settings change, so a request sees
//! either the old agents or the new ones, never a mix.

use std::collections::HashMap;
use std::path::{Component, Path};
use std::sync::Arc;
use std::time::Duration;

use baton_protocol::{AgentId, AgentProfile};

use crate::agent::{Agent, BuiltinAgent, OpenAiAgent, Persona};
use crate::hours::{OfficeHours, Schedule};
use crate::knowledge::Knowledge;
use crate::language::Language;
use crate::settings::{AgentSettings, CopilotSettings, RoutingSettings, SettingsError, SettingsFile};

pub use crate::registry::Registry;
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
    /// The handoff's internal label, shown to the teammate.
    pub handoff_name: String,
    /// Who gets its conversations in the support inbox.
    pub routing: RoutingSettings,
    /// Its drafts for teammates.
    pub copilot: CopilotSettings,
    /// When its team answers; always, when `None`.
    pub office_hours: Option<Schedule>,
    /// Its greeting in other languages than the profile's.
    pub greetings: HashMap<Language, String>,
    /// Its suggested first questions in other languages than the profile's.
    pub suggestions: HashMap<Language, Vec<String>>,
}

impl AgentEntry {
    /// Builds agent `id` from its settings, reading its knowledge file relative to `base`.
    pub fn build(
        id: &str,
        settings: &AgentSettings,
        base: &Path,
        pace: Duration,
    ) -> Result<Self, SettingsError> {
        settings.validate(id)?;
        let invalid = |field: &str, message: String| SettingsError::invalid(id, Some(field), message);
        let knowledge = match &settings.knowledge {
            None => Knowledge::parse(DEMO_KNOWLEDGE),
            Some(file) => Knowledge::parse(
                &read_knowledge(base, file).map_err(|message| invalid("knowledge", message))?,
            ),
        };
        let office_hours = settings
            .office_hours
            .as_ref()
            .map(OfficeHours::schedule)
            .transpose()
            .map_err(|error| invalid("office_hours", error.to_string()))?;
        let mut greetings = HashMap::new();
        let mut fallbacks = HashMap::new();
        let mut suggestions = HashMap::new();
        for (tag, texts) in &settings.locales {
            let language = Language::from_tag(tag).ok_or_else(|| {
                invalid("locales", format!("locales: {tag:?} is not one of en, fr, es, de"))
            })?;
            greetings.extend(texts.greeting.clone().map(|greeting| (language, greeting)));
            fallbacks.extend(texts.fallback.clone().map(|fallback| (language, fallback)));
            if !texts.suggestions.is_empty() {
                suggestions.insert(language, texts.suggestions.clone());
            }
        }
        let builtin = BuiltinAgent::new(knowledge, Triggers::parse(&settings.handoff.when), pace)
            .with_fallbacks(fallbacks);
        let agent: Arc<dyn Agent> = match &settings.model {
            None => Arc::new(builtin),
            Some(model) => {
                let persona = Persona { name: settings.name.clone(), company: settings.company.clone() };
                Arc::new(
                    OpenAiAgent::new(model.clone(), persona, builtin)
                        .map_err(|error| invalid("model", format!("model: {error}")))?,
                )
            }
        };
        let profile = AgentProfile {
            id: AgentId::from(id),
            name: settings.name.clone(),
            avatar_url: settings.avatar_url.clone(),
            company: settings.company.clone(),
            greeting: settings.greeting.clone(),
            back_at: None,
            suggestions: settings.suggestions.clone(),
        };
        Ok(Self {
            profile,
            agent,
            allowed_origins: settings.allowed_origins.clone(),
            handoff_name: settings.handoff.name.clone(),
            routing: settings.routing.clone(),
            copilot: settings.copilot.clone(),
            office_hours,
            greetings,
            suggestions,
        })
    }

    /// The profile as the widget in `language` gets it at `now` (milliseconds since the
    /// epoch): the greeting and suggested questions in that language when the agents file has
    /// them, and when the team is back, outside its office hours.
    pub fn profile_at(&self, now: i64, language: Option<Language>) -> AgentProfile {
        let greeting = language.and_then(|language| self.greetings.get(&language));
        let suggestions = language.and_then(|language| self.suggestions.get(&language));
        AgentProfile {
            greeting: greeting.unwrap_or(&self.profile.greeting).clone(),
            suggestions: suggestions.unwrap_or(&self.profile.suggestions).clone(),
            back_at: self.office_hours.and_then(|hours| hours.back_at(now)),
            ..self.profile.clone()
        }
    }

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

/// The knowledge file `file` names inside `base`, the agents file's folder. Only relative paths
/// that stay inside it are read (links resolved), so the admin API cannot read, or learn the
/// existence of, any other file on the machine: a path outside is refused before it is looked at.
fn read_knowledge(base: &Path, file: &Path) -> Result<String, String> {
    let shown = file.display();
    let stays_inside = file.components().all(|part| matches!(part, Component::Normal(_) | Component::CurDir));
    if !stays_inside || file.as_os_str().is_empty() {
        return Err(format!(
            "`knowledge` must be a path inside the agents file's folder, without `..`: {shown} is not"
        ));
    }
    let unreadable = |reason: &str| format!("the knowledge file {shown} cannot be read: {reason}");
    let real_base =
        base.canonicalize().map_err(|_| unreadable("the agents file's folder is not readable"))?;
    let real =
        base.join(file).canonicalize().map_err(|_| unreadable("no such file in the agents file's folder"))?;
    if !real.starts_with(&real_base) {
        // A link inside the folder that leads out of it: said exactly like a missing file.
        return Err(unreadable("no such file in the agents file's folder"));
    }
    std::fs::read_to_string(&real).map_err(|error| unreadable(&error.kind().to_string()))
}

/// Every configured agent.
#[derive(Debug, Clone, Default)]
pub struct Agents {
    entries: HashMap<AgentId, AgentEntry>,
}

impl Agents {
    /// Builds every agent of `file`, whose relative paths start at `base`.
    pub fn build(file: &SettingsFile, base: &Path, pace: Duration) -> Result<Self, SettingsError> {
        let mut agents = Self::default();
        for (id, settings) in &file.agents {
            agents.insert(AgentEntry::build(id, settings, base, pace)?);
        }
        Ok(agents)
    }

    /// The embedded default: the demo agent `demo`, answering from the sample knowledge file
    /// at `pace` per streamed piece, to pages from `allowed_origins` (any, if empty).
    pub fn demo(pace: Duration, allowed_origins: Vec<String>) -> Result<Self, SettingsError> {
        Self::build(&SettingsFile::demo(allowed_origins), Path::new("."), pace)
    }

    /// Adds or replaces an agent.
    pub fn insert(&mut self, entry: AgentEntry) {
        self.entries.insert(entry.profile.id.clone(), entry);
    }

    /// The agent with this id.
    pub fn get(&self, id: &AgentId) -> Option<&AgentEntry> {
        self.entries.get(id)
    }

    /// The agent that drafts for conversations no Baton agent started: the first, by id, with
    /// "AI assist" on.
    pub fn copilot(&self) -> Option<&AgentEntry> {
        let mut enabled: Vec<&AgentEntry> =
            self.entries.values().filter(|entry| entry.copilot.enabled).collect();
        enabled.sort_by(|a, b| a.profile.id.cmp(&b.profile.id));
        enabled.into_iter().next()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_allowlist_admits_only_its_origins_and_an_empty_one_admits_all() {
        let open = Agents::demo(Duration::ZERO, Vec::new()).expect("demo");
        let demo = AgentId::from("demo");
        assert!(open.get(&demo).expect("demo").allows_origin(Some("https://anywhere.example")));
        let strict = Agents::demo(Duration::ZERO, vec!["https://shop.example/".into()]).expect("demo");
        let entry = strict.get(&demo).expect("demo");
        assert!(entry.allows_origin(Some("https://shop.example")));
        assert!(!entry.allows_origin(Some("https://evil.example")));
        assert!(!entry.allows_origin(Some("https://shop.example.evil.example")));
        assert!(!entry.allows_origin(Some("null")), "sandboxed frames and file pages are not allowed");
        assert!(entry.allows_origin(None), "server-side callers send no Origin");
    }
}
