//! The agents file (`baton.toml`): each agent as the dashboard shows it — name, avatar,
//! greeting, knowledge file, model, and the handoff block — read at start, re-read on demand,
//! and rewritten atomically when the admin API changes an agent.
//!
//! ```toml
//! [agents.demo]
//! name = "Juniper"
//! company = "Lumen Coffee Roasters"
//! greeting = "Hi! Ask me about orders, subscriptions or brewing."
//! knowledge = "knowledge/lumen.md"       # relative to this file; left out: the demo's sample
//! allowed_origins = ["https://lumen.example"]
//!
//! [agents.demo.handoff]
//! name = "Escalate to support"
//! when = "Hand off when the user asks to speak with a human."
//!
//! [agents.demo.office_hours]            # left out: always open (see `hours`)
//! days = ["mon", "tue", "wed", "thu", "fri"]
//! opens = "09:00"
//! closes = "17:30"
//! utc_offset = "+01:00"
//!
//! suggestions = ["Where is my order?", "How do I brew a pour-over?"]   # up to 4 first questions
//!
//! [agents.demo.locales.fr]              # greeting, fallback and suggestions per language: en, fr, es, de
//! greeting = "Bonjour ! Posez-moi vos questions sur les commandes ou l'infusion."
//! fallback = "Désolé, je ne sais pas encore répondre à cela."
//! suggestions = ["Où en est ma commande ?"]
//!
//! [agents.demo.model]                    # left out: the builtin agent
//! base_url = "http://localhost:11434/v1"
//! model = "llama3.1"
//! ```

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::agent::ModelSettings;
use crate::hours::OfficeHours;
use crate::routing::{self, Mapping};

/// The instructions of the demo agent and of a new configuration.
pub const DEFAULT_TRIGGERS: &str = "Hand off when the user asks to speak with a human, when the issue \
     involves billing or account cancellation, or when the agent has failed to resolve the issue after two \
     attempts.";

/// How many suggested first questions an agent offers at most, in each language.
pub const MAX_SUGGESTIONS: usize = 4;

/// How long one suggested question may be, in characters: a button, not a paragraph.
const SUGGESTION_CHARS: usize = 80;

/// The whole file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SettingsFile {
    /// Every agent, by id.
    #[serde(default)]
    pub agents: BTreeMap<String, AgentSettings>,
    /// The support inbox's table (`[intercom]`), read by the inbox it names
    /// ([`inbox::open`](crate::inbox::open)), which refuses a table no inbox claims.
    #[serde(flatten)]
    pub inboxes: BTreeMap<String, toml::Table>,
}

/// One agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentSettings {
    /// The name the widget shows.
    pub name: String,
    /// A picture of the agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar_url: Option<String>,
    /// The company the agent speaks for.
    pub company: String,
    /// The first message a visitor sees.
    pub greeting: String,
    /// Questions offered as buttons before the visitor's first message (at most
    /// [`MAX_SUGGESTIONS`]); none when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suggestions: Vec<String>,
    /// The markdown knowledge file, relative to the settings file; the demo company's sample
    /// when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub knowledge: Option<PathBuf>,
    /// Origins whose pages may start conversations; any when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_origins: Vec<String>,
    /// When and how to hand off.
    #[serde(default)]
    pub handoff: HandoffSettings,
    /// The OpenAI-compatible model; the builtin agent when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<ModelSettings>,
    /// "AI assist": drafts for teammates in the support inbox.
    #[serde(default)]
    pub copilot: CopilotSettings,
    /// Who gets handed-off conversations and new ones in the support inbox.
    #[serde(default)]
    pub routing: RoutingSettings,
    /// When the team answers; the widget says when it is back outside these hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office_hours: Option<OfficeHours>,
    /// Texts by language (`en`, `fr`, `es`, `de`): the greeting the widget shows in that
    /// language, and what the builtin agent says when it has no answer.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub locales: BTreeMap<String, LocaleTexts>,
}

/// An agent's texts in one language; each left out falls back to the agent's own (the
/// greeting) or the builtin agent's (the fallback).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocaleTexts {
    /// The first message a visitor sees, in this language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub greeting: Option<String>,
    /// The builtin agent's answer when the knowledge has none, in this language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback: Option<String>,
    /// The suggested first questions in this language; the agent's own when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suggestions: Vec<String>,
}

/// The Copilot block of the dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CopilotSettings {
    /// "AI assist": draft a reply to every new customer message in the support inbox.
    #[serde(default)]
    pub enabled: bool,
    /// "Leave note instead of replying": drafts are internal notes (the default), so a
    /// teammate reviews them before anything reaches the customer.
    #[serde(default = "yes")]
    pub leave_note: bool,
    /// "Reply as": the admin drafts are sent as, when they are replies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_as: Option<String>,
}

fn yes() -> bool {
    true
}

impl Default for CopilotSettings {
    fn default() -> Self {
        Self { enabled: false, leave_note: true, reply_as: None }
    }
}

/// The routing block of the dashboard.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoutingSettings {
    /// "Assignment criteria", in plain language.
    #[serde(default)]
    pub criteria: String,
    /// "Auto assignment": email address or domain → team or admin.
    #[serde(default)]
    pub mappings: Vec<Mapping>,
}

/// The handoff block of the dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandoffSettings {
    /// An internal label the teammate sees, such as "Escalate to support".
    #[serde(default = "default_handoff_name")]
    pub name: String,
    /// "When to trigger", in plain language.
    #[serde(default)]
    pub when: String,
}

fn default_handoff_name() -> String {
    "Handoff to support".to_owned()
}

impl Default for HandoffSettings {
    fn default() -> Self {
        Self { name: default_handoff_name(), when: String::new() }
    }
}

/// Why the settings could not be read, written or used.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// The file is not valid TOML of the expected shape.
    #[error("{path}: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// Where and why.
        source: Box<toml::de::Error>,
    },
    /// The settings every bridge shares could not be read or saved.
    #[error("the shared settings: {0}")]
    Store(#[from] crate::store::StoreError),
    /// The shared settings' document (at `version`) is not valid TOML of the expected shape.
    #[error("the shared settings (version {version}): {source}")]
    Stored {
        /// The version that wrote it.
        version: u64,
        /// Where and why.
        source: Box<toml::de::Error>,
    },
    /// The settings could not be written as TOML.
    #[error("the settings could not be written: {0}")]
    Encode(toml::ser::Error),
    /// A value is not acceptable.
    #[error("agent `{agent}`: {}{message}", place(.field))]
    Invalid {
        /// The agent concerned.
        agent: String,
        /// The setting at fault, as a path such as `routing.mappings[1].match`, when it is one.
        field: Option<String>,
        /// What is wrong, in words an admin reads next to the field.
        message: String,
    },
}

impl SettingsError {
    /// `message` about `field` of agent `agent`.
    pub fn invalid(agent: &str, field: Option<&str>, message: impl Into<String>) -> Self {
        Self::Invalid { agent: agent.to_owned(), field: field.map(str::to_owned), message: message.into() }
    }
}

/// "`field`: " before a message in the log, where the field is not shown beside it.
fn place(field: &Option<String>) -> String {
    field.as_deref().map(|field| format!("`{field}`: ")).unwrap_or_default()
}

/// `error` as a sentence an admin reads: capitalised, with a full stop, code quotes (`x`) as
/// typographic ones (“x”).
pub fn sentence(error: &impl std::fmt::Display) -> String {
    let text = error.to_string();
    let mut words = String::with_capacity(text.len() + 4);
    let mut open = false;
    for c in text.chars() {
        if c == '`' {
            words.push(if open { '”' } else { '“' });
            open = !open;
        } else if words.is_empty() {
            words.extend(c.to_uppercase());
        } else {
            words.push(c);
        }
    }
    if !words.ends_with('.') {
        words.push('.');
    }
    words
}

impl SettingsFile {
    /// The embedded default: the demo agent of the Lumen Coffee Roasters page.
    pub fn demo(allowed_origins: Vec<String>) -> Self {
        let demo = AgentSettings {
            name: "Juniper".into(),
            avatar_url: None,
            company: "Lumen Coffee Roasters".into(),
            greeting: "Hi! I'm Juniper, Lumen's assistant. Ask me about orders, subscriptions or brewing."
                .into(),
            suggestions: Vec::new(),
            knowledge: None,
            allowed_origins,
            handoff: HandoffSettings { name: "Escalate to support".into(), when: DEFAULT_TRIGGERS.into() },
            model: None,
            copilot: CopilotSettings::default(),
            routing: RoutingSettings::default(),
            office_hours: None,
            locales: BTreeMap::new(),
        };
        Self { agents: BTreeMap::from([("demo".to_owned(), demo)]), inboxes: BTreeMap::new() }
    }

    /// Reads the file at `path`; `None` when there is none.
    pub fn load(path: &Path) -> Result<Option<Self>, SettingsError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(SettingsError::Io { path: path.to_owned(), source }),
        };
        let file: Self = toml::from_str(&text)
            .map_err(|source| SettingsError::Parse { path: path.to_owned(), source: Box::new(source) })?;
        for (id, agent) in &file.agents {
            agent.validate(id)?;
        }
        Ok(Some(file))
    }

    /// Writes the file to `path` whole or not at all: a temporary file beside it, synced, then
    /// renamed over it, so a crash leaves the old file or the new one.
    pub fn save(&self, path: &Path) -> Result<(), SettingsError> {
        let io = |source| SettingsError::Io { path: path.to_owned(), source };
        let text = toml::to_string_pretty(self).map_err(|error| io(std::io::Error::other(error)))?;
        let directory = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let mut temporary = tempfile::NamedTempFile::new_in(directory).map_err(io)?;
        temporary.write_all(text.as_bytes()).map_err(io)?;
        temporary.as_file().sync_all().map_err(io)?;
        temporary.persist(path).map_err(|error| io(error.error))?;
        Ok(())
    }
}

impl AgentSettings {
    /// Checks what can be checked without touching files or the network.
    pub fn validate(&self, id: &str) -> Result<(), SettingsError> {
        let invalid = |field: &str, message: String| SettingsError::invalid(id, Some(field), message);
        if id.is_empty()
            || id.len() > 64
            || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(invalid("id", "The id must be 1 to 64 letters, digits, - or _.".into()));
        }
        for (field, label, value, limit) in [
            ("name", "The agent's name", &self.name, 80),
            ("company", "The company", &self.company, 120),
            ("greeting", "The greeting", &self.greeting, 1_000),
            ("handoff.name", "The handoff name", &self.handoff.name, 120),
        ] {
            if value.trim().is_empty() || value.chars().count() > limit {
                return Err(invalid(field, format!("{label} must be 1 to {limit} characters.")));
            }
        }
        let locales = self
            .locales
            .iter()
            .map(|(tag, texts)| (format!("locales.{tag}.suggestions"), &texts.suggestions));
        for (field, suggestions) in
            std::iter::once(("suggestions".to_owned(), &self.suggestions)).chain(locales)
        {
            let too_long = |s: &String| s.trim().is_empty() || s.chars().count() > SUGGESTION_CHARS;
            if suggestions.len() > MAX_SUGGESTIONS || suggestions.iter().any(too_long) {
                return Err(invalid(
                    &field,
                    format!(
                        "Offer at most {MAX_SUGGESTIONS} suggested questions of 1 to {SUGGESTION_CHARS} characters each."
                    ),
                ));
            }
        }
        if self.handoff.when.chars().count() > 4_000 {
            return Err(invalid("handoff.when", "“When to trigger” must be at most 4000 characters.".into()));
        }
        for origin in &self.allowed_origins {
            let scheme_ok = origin.starts_with("https://") || origin.starts_with("http://");
            if !scheme_ok || origin.trim_end_matches('/').matches('/').count() != 2 {
                return Err(invalid(
                    "allowed_origins",
                    format!("“{origin}” is not an origin like https://shop.example."),
                ));
            }
        }
        if self.copilot.enabled && !self.copilot.leave_note && self.copilot.reply_as.is_none() {
            return Err(invalid(
                "copilot.reply_as",
                "Choose the admin whose name drafts are sent under, or leave notes instead of replying."
                    .into(),
            ));
        }
        for (index, mapping) in self.routing.mappings.iter().enumerate() {
            routing::check_pattern(mapping)
                .map_err(|error| invalid(&format!("routing.mappings[{index}].match"), sentence(&error)))?;
        }
        if self.routing.criteria.chars().count() > 4_000 {
            return Err(invalid(
                "routing.criteria",
                "Assignment criteria must be at most 4000 characters.".into(),
            ));
        }
        if let Some(url) = &self.avatar_url {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(invalid("avatar_url", "The avatar must be an http(s) URL.".into()));
            }
        }
        Ok(())
    }

    /// The same settings as the admin API shows them: without the model's API key.
    pub fn redacted(&self) -> Self {
        let mut shown = self.clone();
        if let Some(model) = &mut shown.model {
            model.api_key = None;
        }
        shown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_settings_survive_a_save_and_a_load() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("baton.toml");
        assert!(SettingsFile::load(&path).expect("no file is fine").is_none());
        let demo = SettingsFile::demo(vec!["https://lumen.example".into()]);
        demo.save(&path).expect("saved");
        assert_eq!(SettingsFile::load(&path).expect("loads"), Some(demo));
    }

    #[test]
    fn unknown_fields_and_bad_values_are_refused_with_the_place_named() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("baton.toml");
        std::fs::write(&path, "[agents.demo]\nname = \"A\"\ncompany = \"C\"\ngreeting = \"G\"\ncolour = 1\n")
            .expect("written");
        let error = SettingsFile::load(&path).expect_err("unknown field").to_string();
        assert!(error.contains("colour"), "{error}");
        std::fs::write(
            &path,
            "[agents.demo]\nname = \"A\"\ncompany = \"C\"\ngreeting = \"G\"\nallowed_origins = [\"shop.example\"]\n",
        )
        .expect("written");
        let error = SettingsFile::load(&path).expect_err("bad origin").to_string();
        assert!(error.contains("agent `demo`") && error.contains("shop.example"), "{error}");
    }

    #[test]
    fn errors_read_as_sentences_without_code_quotes() {
        assert_eq!(sentence(&"`example..com` is neither"), "“example..com” is neither.");
        assert_eq!(sentence(&"the workspace has no admin 7."), "The workspace has no admin 7.");
    }

    #[test]
    fn the_api_key_is_never_shown() {
        let mut settings = SettingsFile::demo(Vec::new()).agents.remove("demo").expect("demo");
        settings.model = Some(ModelSettings {
            base_url: "http://localhost:11434/v1".into(),
            model: "llama3.1".into(),
            api_key: Some("sk-secret".into()),
            api_key_env: None,
            timeout_secs: 30,
            idle_timeout_secs: 20,
        });
        let shown = serde_json::to_string(&settings.redacted()).expect("json");
        assert!(!shown.contains("sk-secret"), "{shown}");
    }
}
