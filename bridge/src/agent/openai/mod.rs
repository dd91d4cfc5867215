//! The OpenAI-compatible agent: streams from any `/v1/chat/completions` endpoint (OpenAI, vLLM,
//! Ollama, llama.cpp server), with the trigger instructions in the system prompt and a `handoff`
//! tool the model calls to hand the conversation to a person.

use std::collections::BTreeMap;
use std::time::Duration;

use baton_protocol::{Author, TranscriptEntry};
use eventsource_stream::Eventsource;
use futures::stream::{self, BoxStream, StreamExt};
use reqwest::header::{HeaderValue, AUTHORIZATION};
use reqwest::{redirect, Client, RequestBuilder, StatusCode, Url};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio::time::timeout;

use super::builtin::MIN_SCORE;
use super::{Agent, BuiltinAgent, Decision, Explanation, HandoffCall, KnowledgeHit, Step};
use crate::knowledge::Match;
use crate::secret::Secret;

mod completion;

/// Knowledge sections sent to the model with each question.
const SNIPPETS: usize = 3;
/// What the visitor reads when the model fails and the rules do not hand off.
const TROUBLE: &str = "Sorry, I'm having trouble answering right now. If you'd like, ask for a person \
     and I'll connect you with our team.";
/// The handoff's reason when the model called the tool without a readable one.
const NO_REASON: &str = "The model asked for a person";
/// The longest error body quoted in a note, in characters.
const QUOTED_BODY: usize = 200;
/// Who is asking: some OpenAI-compatible gateways refuse requests without a `User-Agent`.
const USER_AGENT: &str = concat!("baton-bridge/", env!("CARGO_PKG_VERSION"));
/// The most redirects followed within the model server's own origin.
const MAX_REDIRECTS: usize = 5;

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
    pub api_key: Option<Secret>,
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

/// Why the model settings cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// `api_key_env` names a variable that is not set.
    #[error("api_key_env names the environment variable {0}, which is not set (or not valid Unicode)")]
    MissingKeyVariable(String),
    /// `api_key_env` names one of the bridge's own variables, or no variable at all.
    #[error(
        "api_key_env cannot be {0:?}: it must be a variable name (letters, digits, `_`) outside the \
         bridge's own BATON_*, such as OPENAI_API_KEY"
    )]
    ForbiddenKeyVariable(String),
    /// The key has characters no HTTP header may carry.
    #[error("the API key contains characters an HTTP header cannot carry")]
    KeyNotAHeader,
    /// `base_url` is not a URL.
    #[error("base_url {url:?} is not a URL: {reason}")]
    BaseUrl {
        /// The URL as configured.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// `base_url` is a URL, but not an http or https one.
    #[error("base_url {0:?} must start with http:// or https://")]
    Scheme(String),
    /// The HTTP client could not be built.
    #[error("cannot set up the HTTP client: {0}")]
    Client(#[from] reqwest::Error),
}

/// The model-backed agent.
#[derive(Debug, Clone)]
pub struct OpenAiAgent {
    client: Client,
    endpoint: Url,
    /// `Bearer KEY`, marked sensitive so `Debug` never prints the key.
    authorization: Option<HeaderValue>,
    model: String,
    timeouts: Timeouts,
    persona: Persona,
    rules: BuiltinAgent,
}

#[derive(Debug, Clone, Copy)]
struct Timeouts {
    start: Duration,
    idle: Duration,
}

impl OpenAiAgent {
    /// An agent asking the model described by `settings`, speaking as `persona`, and falling back
    /// on `rules` (their knowledge and trigger instructions also go into the prompt).
    pub fn new(settings: ModelSettings, persona: Persona, rules: BuiltinAgent) -> Result<Self, ModelError> {
        let endpoint = endpoint(&settings.base_url)?;
        let key = match (settings.api_key, settings.api_key_env) {
            (Some(key), _) => Some(key.expose().to_owned()),
            (None, Some(name)) => {
                check_key_variable(&name)?;
                Some(std::env::var(&name).map_err(|_| ModelError::MissingKeyVariable(name))?)
            }
            (None, None) => None,
        };
        // No key means no header at all: local servers such as Ollama need none.
        let authorization = match key.filter(|key| !key.is_empty()) {
            Some(key) => {
                let mut value =
                    HeaderValue::from_str(&format!("Bearer {key}")).map_err(|_| ModelError::KeyNotAHeader)?;
                value.set_sensitive(true);
                Some(value)
            }
            None => None,
        };
        let timeouts = Timeouts {
            start: Duration::from_secs(settings.timeout_secs),
            idle: Duration::from_secs(settings.idle_timeout_secs),
        };
        let client = Client::builder().user_agent(USER_AGENT).redirect(same_origin_only()).build()?;
        Ok(Self { client, endpoint, authorization, model: settings.model, timeouts, persona, rules })
    }

    fn system_prompt(&self, snippets: &[&Match<'_>]) -> String {
        let Persona { name, company } = &self.persona;
        let mut prompt = format!(
            "You are {name}, the support assistant of {company}, chatting with a visitor on its website. \
             Answer only from what you know about {company} below, briefly and plainly; when you do not \
             know, say so rather than guess.\n\n"
        );
        let instructions = self.rules.triggers().source().trim();
        if instructions.is_empty() {
            prompt.push_str("Call the `handoff` tool only if the visitor asks for a person.\n\n");
        } else {
            prompt.push_str(&format!(
                "{company} gave these instructions for handing the conversation to a person on the \
                 support team. When they apply, call the `handoff` tool with a short reason, and \
                 only then:\n\n{instructions}\n\n"
            ));
        }
        if snippets.is_empty() {
            prompt.push_str("Nothing you know matches the visitor's last message.");
        } else {
            prompt.push_str("What you know:");
            for hit in snippets {
                prompt.push_str(&format!("\n\n## {}\n{}", hit.section.title, hit.section.body));
            }
        }
        prompt
    }

    fn request(&self, system: String, transcript: &[TranscriptEntry]) -> RequestBuilder {
        let body = json!({
            "model": self.model,
            "stream": true,
            "messages": messages(system, transcript),
            "tools": [handoff_tool()],
            "tool_choice": "auto",
        });
        self.post(&body)
    }

    /// A `POST` of `body` to the completions endpoint, with the key if there is one.
    fn post(&self, body: &Value) -> RequestBuilder {
        let request = self.client.post(self.endpoint.clone()).json(body);
        match &self.authorization {
            Some(value) => request.header(AUTHORIZATION, value.clone()),
            None => request,
        }
    }
}

impl Agent for OpenAiAgent {
    fn draft(&self, transcript: &[TranscriptEntry]) -> futures::future::BoxFuture<'static, Option<String>> {
        let agent = self.clone();
        let transcript = transcript.to_vec();
        Box::pin(async move { agent.draft_reply(transcript).await })
    }

    fn classify(
        &self,
        criteria: &str,
        transcript: &[TranscriptEntry],
        targets: &[String],
    ) -> futures::future::BoxFuture<'static, Option<String>> {
        let (agent, criteria, transcript, targets) =
            (self.clone(), criteria.to_owned(), transcript.to_vec(), targets.to_vec());
        Box::pin(async move { agent.classify_route(criteria, transcript, targets).await })
    }

    fn answer(&self, transcript: &[TranscriptEntry]) -> BoxStream<'static, Step> {
        let question = transcript.iter().rev().find(|entry| entry.author == Author::Visitor);
        let ranked = self.rules.knowledge().ranked(question.map_or("", |entry| entry.text.as_str()));
        let snippets: Vec<&Match<'_>> =
            ranked.iter().filter(|hit| hit.score >= MIN_SCORE).take(SNIPPETS).collect();
        let turn = Turn {
            request: self.request(self.system_prompt(&snippets), transcript),
            timeouts: self.timeouts,
            hits: snippets
                .iter()
                .map(|hit| KnowledgeHit { title: hit.section.title.clone(), score: hit.score })
                .collect(),
            // Decided up front, though only used when the model fails: the rules are pure and
            // cheap, and the turn then owns everything it needs.
            fallback: self.rules.decide(transcript),
        };
        // The turn runs inside the stream it feeds, so dropping the stream cancels the request.
        let (out, steps) = mpsc::channel(16);
        let steps =
            stream::unfold(steps, |mut steps| async move { steps.recv().await.map(|step| (step, steps)) });
        let run = stream::once(turn.run(out)).filter_map(|()| async { None });
        stream::select(steps, run).boxed()
    }
}

/// One answer in flight: the request and what the turn ends with.
struct Turn {
    request: RequestBuilder,
    timeouts: Timeouts,
    hits: Vec<KnowledgeHit>,
    fallback: Decision,
}

impl Turn {
    async fn run(self, out: mpsc::Sender<Step>) {
        let mut streamed = false;
        let reply = stream_reply(self.request, self.timeouts, &out, &mut streamed).await;
        let (last, checks, note) = match reply {
            Ok(None) => (None, Vec::new(), "the model answered".to_owned()),
            Ok(Some(handoff)) => {
                let note = format!("the model called handoff: {}", handoff.reason);
                (Some(Step::Handoff(handoff)), Vec::new(), note)
            }
            Err(failure) => {
                tracing::warn!(error = %failure, "the model failed; the rules decide instead");
                let Decision { handoff, explanation, .. } = self.fallback;
                let step = match handoff {
                    Some(handoff) => Step::Handoff(handoff),
                    None if streamed => Step::Text(format!("\n\n{TROUBLE}")),
                    None => Step::Text(TROUBLE.to_owned()),
                };
                (Some(step), explanation.checks, format!("{failure}; the rules decided instead"))
            }
        };
        let explain = Explanation { agent: "openai", checks, knowledge: self.hits, note: Some(note) };
        for step in last.into_iter().chain([Step::Explain(explain)]) {
            send(&out, step).await;
        }
    }
}

/// Sends a step to the turn's stream. The receiver lives in the same stream as the sending
/// future, so it outlives every send and the result says nothing.
async fn send(out: &mpsc::Sender<Step>, step: Step) {
    let _ = out.send(step).await;
}

/// What went wrong with the model, as the explanation's note says it.
#[derive(Debug, thiserror::Error)]
enum Failure {
    #[error("could not reach the model server: {0}")]
    Connect(String),
    #[error("the model server did not answer within {0} s")]
    NoStart(u64),
    #[error("the model server answered {status}: {message}")]
    Status { status: StatusCode, message: String },
    #[error("the model stream stalled: nothing for {0} s")]
    Stalled(u64),
    #[error("the model stream broke: {0}")]
    Read(String),
    #[error("the model reported an error: {0}")]
    Model(String),
    #[error("the model sent a chunk that is not valid: {0}")]
    Chunk(#[from] serde_json::Error),
    #[error("the model stream ended before the answer finished")]
    Truncated,
    #[error("the model finished without a word or a handoff")]
    Empty,
}

/// Sends `request` and streams the answer's text to `out`, setting `streamed` once any went out;
/// returns the handoff the model called for, if it did.
async fn stream_reply(
    request: RequestBuilder,
    timeouts: Timeouts,
    out: &mpsc::Sender<Step>,
    streamed: &mut bool,
) -> Result<Option<HandoffCall>, Failure> {
    let response = timeout(timeouts.start, request.send())
        .await
        .map_err(|_| Failure::NoStart(timeouts.start.as_secs()))?
        .map_err(|error| Failure::Connect(causes(&error)))?;
    let status = response.status();
    if !status.is_success() {
        let body =
            timeout(timeouts.idle, response.text()).await.ok().and_then(Result::ok).unwrap_or_default();
        return Err(Failure::Status { status, message: error_message(&body) });
    }
    let mut events = response.bytes_stream().eventsource();
    let mut calls = ToolCalls::default();
    let mut finished = false;
    loop {
        let event = match timeout(timeouts.idle, events.next()).await {
            Err(_) => return Err(Failure::Stalled(timeouts.idle.as_secs())),
            Ok(None) if finished => break,
            Ok(None) => return Err(Failure::Truncated),
            Ok(Some(Err(error))) => return Err(Failure::Read(error.to_string())),
            Ok(Some(Ok(event))) => event,
        };
        let data = event.data.trim();
        if data == "[DONE]" {
            break;
        }
        let chunk: Chunk = serde_json::from_str(data)?;
        if !chunk.error.is_null() {
            return Err(Failure::Model(describe_error(&chunk.error)));
        }
        let Some(choice) = chunk.choices.into_iter().next() else { continue };
        finished |= !choice.finish_reason.is_empty();
        calls.add(choice.delta.tool_calls);
        // A refusal is the model's own words to the visitor, streamed like an answer.
        for text in [choice.delta.content, choice.delta.refusal] {
            if !text.is_empty() {
                *streamed = true;
                send(out, Step::Text(text)).await;
            }
        }
    }
    let handoff = calls.handoff();
    if handoff.is_none() && !*streamed {
        return Err(Failure::Empty);
    }
    Ok(handoff)
}

/// The system message, then the conversation as the model's roles.
fn messages(system: String, transcript: &[TranscriptEntry]) -> Vec<Value> {
    let history = transcript.iter().map(|entry| match &entry.author {
        Author::Visitor => json!({"role": "user", "content": entry.text}),
        Author::Agent => json!({"role": "assistant", "content": entry.text}),
        Author::Teammate { name } => {
            json!({"role": "assistant", "content": format!("(teammate {name}) {}", entry.text)})
        }
    });
    std::iter::once(json!({"role": "system", "content": system})).chain(history).collect()
}

/// The tool the model calls to hand the conversation to a person.
fn handoff_tool() -> Value {
    json!({
        "type": "function",
        "function": {
            "name": "handoff",
            "description": "Hand the conversation to a person on the support team, when the \
                            instructions for handing off apply.",
            "parameters": {
                "type": "object",
                "properties": {
                    "reason": {
                        "type": "string",
                        "description": "Why the conversation needs a person, in one short sentence \
                                        for the teammate who takes it over.",
                    },
                },
                "required": ["reason"],
            },
        },
    })
}

/// Redirects are followed only within the origin they start from. A `307` or `308` repeats the
/// body — the system prompt, the knowledge and the whole transcript — so a model server must
/// never be able to send it to another host; a redirect elsewhere fails the request instead.
fn same_origin_only() -> redirect::Policy {
    redirect::Policy::custom(|attempt| {
        let from = attempt.previous().first().map(Url::origin);
        if attempt.previous().len() > MAX_REDIRECTS {
            attempt.error("too many redirects")
        } else if from.as_ref() == Some(&attempt.url().origin()) {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}

/// `{base_url}/chat/completions`, with or without a trailing slash on `base_url`.
fn endpoint(base_url: &str) -> Result<Url, ModelError> {
    let url = Url::parse(&format!("{}/chat/completions", base_url.trim_end_matches('/')))
        .map_err(|error| ModelError::BaseUrl { url: base_url.to_owned(), reason: error.to_string() })?;
    match url.scheme() {
        "http" | "https" => Ok(url),
        _ => Err(ModelError::Scheme(base_url.to_owned())),
    }
}

/// Refuses an `api_key_env` that names the bridge's own secrets (the admin token, the Intercom
/// token and secrets, the key sealing the database): whoever holds the admin token also picks
/// `base_url`, so any variable named here can be sent to a server of their choosing.
fn check_key_variable(name: &str) -> Result<(), ModelError> {
    let is_name = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let bridges_own = name.to_ascii_uppercase().starts_with("BATON_");
    if is_name && !bridges_own {
        Ok(())
    } else {
        Err(ModelError::ForbiddenKeyVariable(name.to_owned()))
    }
}

/// An error and its causes, one after the other: reqwest's own message rarely says what failed.
fn causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(error) = cause {
        text.push_str(&format!(": {error}"));
        cause = error.source();
    }
    text
}

/// The message of an error response body: OpenAI's `{"error": {"message"}}`, Ollama's
/// `{"error": "..."}`, or the start of whatever else it is.
fn error_message(body: &str) -> String {
    match serde_json::from_str::<Value>(body) {
        Ok(json) if !json["error"].is_null() => describe_error(&json["error"]),
        _ if body.trim().is_empty() => "no error message".to_owned(),
        _ => body.trim().chars().take(QUOTED_BODY).collect(),
    }
}

/// The message of an `error` value, whichever shape it has.
fn describe_error(error: &Value) -> String {
    match error {
        Value::String(message) => message.clone(),
        _ => error["message"].as_str().map_or_else(|| error.to_string(), str::to_owned),
    }
}

/// One `data:` line of the stream; servers send `null` for many absent fields, read as empty.
#[derive(Debug, Deserialize)]
struct Chunk {
    #[serde(default, deserialize_with = "nullable")]
    choices: Vec<Choice>,
    #[serde(default)]
    error: Value,
}

#[derive(Debug, Deserialize)]
struct Choice {
    #[serde(default, deserialize_with = "nullable")]
    delta: Delta,
    #[serde(default, deserialize_with = "nullable")]
    finish_reason: String,
}

#[derive(Debug, Default, Deserialize)]
struct Delta {
    #[serde(default, deserialize_with = "nullable")]
    content: String,
    /// What the model says instead of an answer when it declines (OpenAI's `refusal`).
    #[serde(default, deserialize_with = "nullable")]
    refusal: String,
    #[serde(default, deserialize_with = "nullable")]
    tool_calls: Vec<ToolCallDelta>,
}

/// A fragment of a tool call: the name comes first, the arguments in pieces after it.
#[derive(Debug, Deserialize)]
struct ToolCallDelta {
    #[serde(default, deserialize_with = "nullable")]
    index: u64,
    #[serde(default, deserialize_with = "nullable")]
    function: FunctionDelta,
}

#[derive(Debug, Default, Deserialize)]
struct FunctionDelta {
    #[serde(default, deserialize_with = "nullable")]
    name: String,
    #[serde(default, deserialize_with = "nullable")]
    arguments: String,
}

fn nullable<'de, D: Deserializer<'de>, T: Default + Deserialize<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    Ok(Option::deserialize(deserializer)?.unwrap_or_default())
}

/// Tool calls assembled from their fragments, by index. A map, not a vector: the index comes
/// from the server, and a huge one must not allocate.
#[derive(Debug, Default)]
struct ToolCalls(BTreeMap<u64, FunctionDelta>);

impl ToolCalls {
    fn add(&mut self, fragments: Vec<ToolCallDelta>) {
        for fragment in fragments {
            let call = self.0.entry(fragment.index).or_default();
            if !fragment.function.name.is_empty() {
                call.name = fragment.function.name;
            }
            call.arguments.push_str(&fragment.function.arguments);
        }
    }

    /// The first completed `handoff` call, with the model's reason when it gave a readable one.
    fn handoff(&self) -> Option<HandoffCall> {
        let call = self.0.values().find(|call| call.name == "handoff")?;
        let arguments: Value = serde_json::from_str(&call.arguments).unwrap_or_default();
        let reason = arguments["reason"].as_str().map(str::trim).filter(|reason| !reason.is_empty());
        Some(HandoffCall { reason: reason.unwrap_or(NO_REASON).to_owned(), clause: None })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fragment(index: u64, name: &str, arguments: &str) -> ToolCallDelta {
        ToolCallDelta { index, function: FunctionDelta { name: name.into(), arguments: arguments.into() } }
    }

    #[test]
    fn the_key_variable_cannot_be_one_of_the_bridges_own() {
        for allowed in ["OPENAI_API_KEY", "_KEY", "vllm_key2"] {
            assert!(check_key_variable(allowed).is_ok(), "{allowed}");
        }
        for refused in
            ["BATON_INTERCOM_TOKEN", "BATON_ADMIN_TOKEN", "baton_secret_key", "", "2KEY", "A-B", "A=B"]
        {
            assert!(
                matches!(check_key_variable(refused), Err(ModelError::ForbiddenKeyVariable(_))),
                "{refused}"
            );
        }
    }

    #[test]
    fn a_tool_call_is_assembled_from_fragments_by_index() {
        let mut calls = ToolCalls::default();
        calls.add(vec![fragment(1, "handoff", ""), fragment(0, "lookup", "{}")]);
        calls.add(vec![fragment(1, "", r#"{"rea"#)]);
        calls.add(vec![fragment(1, "", r#"son": " billing "}"#)]);
        let handoff = calls.handoff().expect("a handoff call");
        assert_eq!(handoff, HandoffCall { reason: "billing".into(), clause: None });
    }

    #[test]
    fn a_handoff_without_a_readable_reason_gets_the_default_one() {
        for arguments in ["", "{", "[]", r#"{"reason": 3}"#, r#"{"reason": "  "}"#] {
            let mut calls = ToolCalls::default();
            calls.add(vec![fragment(u64::MAX, "handoff", arguments)]);
            assert_eq!(calls.handoff().map(|call| call.reason).as_deref(), Some(NO_REASON), "{arguments}");
        }
    }

    #[test]
    fn nulls_read_as_absent_fields() {
        let chunk: Chunk = serde_json::from_str(
            r#"{"choices":[{"delta":{"content":null,"tool_calls":null},"finish_reason":null}],"x":1}"#,
        )
        .expect("parses");
        assert!(chunk.error.is_null());
        assert_eq!(chunk.choices[0].delta.content, "");
        let chunk: Chunk = serde_json::from_str(r#"{"choices":null}"#).expect("parses");
        assert!(chunk.choices.is_empty());
    }

    #[test]
    fn error_bodies_of_every_shape_have_a_message() {
        assert_eq!(error_message(r#"{"error":{"message":"Bad key","type":"auth"}}"#), "Bad key");
        assert_eq!(error_message(r#"{"error":"model not found"}"#), "model not found");
        assert_eq!(error_message(r#"{"error":{"code":5}}"#), r#"{"code":5}"#);
        assert_eq!(error_message("<html>Bad Gateway</html>\n"), "<html>Bad Gateway</html>");
        assert_eq!(error_message(""), "no error message");
    }

    #[test]
    fn the_endpoint_tolerates_a_trailing_slash_and_refuses_what_is_not_http() {
        let expected = "http://localhost:11434/v1/chat/completions";
        assert_eq!(endpoint("http://localhost:11434/v1/").expect("valid").as_str(), expected);
        assert_eq!(endpoint("http://localhost:11434/v1").expect("valid").as_str(), expected);
        assert!(matches!(endpoint("localhost:11434/v1"), Err(ModelError::Scheme(_))));
        assert!(matches!(endpoint("not a url"), Err(ModelError::BaseUrl { .. })));
    }
}
