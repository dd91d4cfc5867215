//! The OpenAI-compatible agent: streams from any `/v1/chat/completions` endpoint (OpenAI, vLLM,
//! Ollama, llama.cpp server), with the trigger instructions in the system prompt and a `handoff`
//! tool the model calls to hand the conversation to a person.

use serde::{Deserialize, Serialize};

use super::BuiltinAgent;

/// Where the model is and how long to wait for it; the `[agents.ID.model]` table of the config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSettings {
    /// The API's base URL, ending before `/chat/completions`: `https://api.openai.com/v1`,
    /// `http://localhost:11434/v1`.
    pub base_url: String,
    /// The model's name, such as `gpt-4o-mini` or `llama3.1`.
    pub model: String,
    /// The API key itself; prefer `api_key_env`. Never shown by the admin API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
    /// The environment variable holding the API key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_env: Option<String>,
    /// Seconds to wait for the response to start.
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: u64,
    /// Seconds a started response may go without a chunk before it counts as stalled.
    #[serde(default = "default_idle_timeout_secs")]
    pub idle_timeout_secs: u64,
}

fn default_timeout_secs() -> u64 {
    30
}

fn default_idle_timeout_secs() -> u64 {
    20
}

/// Who the model speaks as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Persona {
    /// The agent's name, as the widget shows it.
    pub name: String,
    /// The company it speaks for.
    pub company: String,
}

/// The model-backed agent.
#[derive(Debug, Clone)]
pub struct OpenAiAgent {
    settings: ModelSettings,
    persona: Persona,
    rules: BuiltinAgent,
}
