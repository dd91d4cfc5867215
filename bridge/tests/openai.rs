//! The OpenAI-compatible agent against a fake `/v1/chat/completions` server on a real socket,
//! streaming OpenAI's chunk format byte for byte, split at odd places.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use baton_bridge::agent::{
    Agent, BuiltinAgent, Explanation, HandoffCall, ModelSettings, OpenAiAgent, Persona, Step,
};
use baton_bridge::knowledge::Knowledge;
use baton_bridge::triggers::Triggers;
use baton_protocol::{Author, Seq, TranscriptEntry};
use futures::StreamExt;
use serde_json::{json, Value};

const KNOWLEDGE: &str = "## Shipping\nWe ship in two days.\n\
    ## Returns\nUnopened bags can be returned within 30 days.\n\
    ## Gift cards\nFrom ten pounds.\n";
const TRIGGERS: &str =
    "Hand off when the user asks to speak with a human, or when the issue involves billing.";
const TROUBLE: &str = "Sorry, I'm having trouble answering right now. If you'd like, ask for a person and \
    I'll connect you with our team.";

/// What the fake server answers every request with.
#[derive(Clone)]
enum Reply {
    /// A `text/event-stream` body sent in small pieces; then the connection stays open, sending
    /// nothing, when `stall` is set.
    Events { body: String, stall: bool },
    /// An error status with a JSON body.
    Error { status: StatusCode, body: &'static str },
    /// Nothing at all, not even the status line.
    Silence,
    /// A whole, non-streamed `chat.completion` whose message says this.
    Whole(&'static str),
    /// `307 Temporary Redirect` to this URL.
    Redirect(String),
}

/// A request the fake server received.
#[derive(Debug, Clone)]
struct Recorded {
    authorization: Option<String>,
    user_agent: Option<String>,
    body: Value,
}

#[derive(Clone)]
struct Fake {
    reply: Reply,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

impl Fake {
    /// Serves `reply` on a free port; returns the base URL and the requests it will record.
    async fn spawn(reply: Reply) -> (String, Arc<Mutex<Vec<Recorded>>>) {
        let fake = Fake { reply, requests: Arc::default() };
        let requests = fake.requests.clone();
        let app = Router::new().route("/v1/chat/completions", post(complete)).with_state(fake);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
        let addr: SocketAddr = listener.local_addr().expect("has an address");
        tokio::spawn(async move { axum::serve(listener, app).await });
        (format!("http://{addr}/v1"), requests)
    }
}

async fn complete(State(fake): State<Fake>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    let read =
        |name| headers.get(name).map(|value: &header::HeaderValue| value.to_str().expect("ASCII").to_owned());
    let (authorization, user_agent) = (read(header::AUTHORIZATION), read(header::USER_AGENT));
    fake.requests.lock().expect("not poisoned").push(Recorded { authorization, user_agent, body });
    match fake.reply {
        Reply::Redirect(location) => {
            (StatusCode::TEMPORARY_REDIRECT, [(header::LOCATION, location)]).into_response()
        }
        Reply::Silence => std::future::pending().await,
        Reply::Whole(content) => Json(json!({
            "id": "chatcmpl-2", "object": "chat.completion", "created": 1, "model": "m",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        }))
        .into_response(),
        Reply::Error { status, body } => {
            (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
        }
        Reply::Events { body, stall } => {
            // Seven bytes at a time, a few milliseconds apart: lines, JSON and even UTF-8
            // characters arrive split across TCP writes.
            let pieces: Vec<Bytes> = body.into_bytes().chunks(7).map(Bytes::copy_from_slice).collect();
            let sent = futures::stream::iter(pieces).then(|piece| async move {
                tokio::time::sleep(Duration::from_millis(2)).await;
                Ok::<_, std::io::Error>(piece)
            });
            let body = if stall {
                Body::from_stream(sent.chain(futures::stream::pending()))
            } else {
                Body::from_stream(sent)
            };
            ([(header::CONTENT_TYPE, "text/event-stream")], body).into_response()
        }
    }
}

/// One chunk as OpenAI writes it, with `delta` and `finish_reason` as raw JSON.
fn chunk(delta: &str, finish_reason: &str) -> String {
    format!(
        "data: {{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\
         \"system_fingerprint\":\"fp_1\",\"choices\":[{{\"index\":0,\"delta\":{delta},\"logprobs\":null,\
         \"finish_reason\":{finish_reason}}}]}}\n\n"
    )
}

fn text_chunk(text: &str) -> String {
    chunk(&json!({ "content": text }).to_string(), "null")
}

const DONE: &str = "data: [DONE]\n\n";

fn settings(base_url: &str) -> ModelSettings {
    ModelSettings {
        base_url: base_url.to_owned(),
        model: "gpt-test".to_owned(),
        api_key: None,
        api_key_env: None,
        timeout_secs: 5,
        idle_timeout_secs: 5,
    }
}

fn agent_with(settings: ModelSettings, triggers: &str) -> OpenAiAgent {
    let rules = BuiltinAgent::new(Knowledge::parse(KNOWLEDGE), Triggers::parse(triggers), Duration::ZERO);
    let persona = Persona { name: "Ada".to_owned(), company: "Lumen Coffee".to_owned() };
    OpenAiAgent::new(settings, persona, rules).expect("valid settings")
}

fn transcript(messages: &[(Author, &str)]) -> Vec<TranscriptEntry> {
    messages
        .iter()
        .zip(1..)
        .map(|((author, text), seq)| TranscriptEntry {
            seq: Seq(seq),
            at: 0,
            author: author.clone(),
            text: (*text).to_owned(),
        })
        .collect()
}

/// Every step of the turn; the timeout only guards against a turn that never ends.
async fn answer(agent: &OpenAiAgent, transcript: &[TranscriptEntry]) -> Vec<Step> {
    let steps = agent.answer(transcript).collect::<Vec<_>>();
    tokio::time::timeout(Duration::from_secs(10), steps).await.expect("the turn ends")
}

fn text(steps: &[Step]) -> String {
    steps
        .iter()
        .filter_map(|step| if let Step::Text(piece) = step { Some(piece.as_str()) } else { None })
        .collect()
}

fn handoffs(steps: &[Step]) -> Vec<&HandoffCall> {
    steps.iter().filter_map(|step| if let Step::Handoff(call) = step { Some(call) } else { None }).collect()
}

/// The turn's explanation, which must be its last step and its only one.
fn explanation(steps: &[Step]) -> &Explanation {
    assert_eq!(steps.iter().filter(|step| matches!(step, Step::Explain(_))).count(), 1, "{steps:?}");
    match steps.last() {
        Some(Step::Explain(explanation)) => explanation,
        other => panic!("the turn should end with its explanation, not {other:?}"),
    }
}

fn note(steps: &[Step]) -> &str {
    explanation(steps).note.as_deref().unwrap_or_default()
}

#[tokio::test]
async fn streamed_text_arrives_whole_and_the_request_carries_prompt_tool_and_transcript() {
    let body = [
        chunk(r#"{"role":"assistant","content":"","refusal":null}"#, "null"),
        text_chunk("We ship "),
        text_chunk("in two days — "),
        text_chunk("usually sooner."),
        chunk("{}", r#""stop""#),
        DONE.to_owned(),
    ]
    .concat();
    let (base_url, requests) = Fake::spawn(Reply::Events { body, stall: false }).await;
    let agent =
        agent_with(ModelSettings { api_key: Some("sk-test".into()), ..settings(&base_url) }, TRIGGERS);
    let conversation = transcript(&[
        (Author::Visitor, "Hi"),
        (Author::Agent, "Hello! What can I help you with?"),
        (Author::Teammate { name: "Ana".to_owned() }, "Ana here."),
        (Author::Visitor, "When will you ship my order?"),
    ]);

    let steps = answer(&agent, &conversation).await;

    assert!(!format!("{agent:?}").contains("sk-test"), "the key never prints");
    assert_eq!(text(&steps), "We ship in two days — usually sooner.");
    assert!(steps.iter().filter(|step| matches!(step, Step::Text(_))).count() >= 3, "{steps:?}");
    assert!(handoffs(&steps).is_empty());
    let explanation = explanation(&steps);
    assert_eq!(explanation.agent, "openai");
    assert_eq!(explanation.note.as_deref(), Some("the model answered"));
    assert_eq!(explanation.knowledge[0].title, "Shipping");

    let requests = requests.lock().expect("not poisoned").clone();
    assert_eq!(requests.len(), 1);
    let Recorded { authorization, user_agent, body } = &requests[0];
    assert_eq!(authorization.as_deref(), Some("Bearer sk-test"));
    assert!(user_agent.as_deref().is_some_and(|agent| agent.starts_with("baton-bridge/")), "{user_agent:?}");
    assert_eq!(body["model"], "gpt-test");
    assert_eq!(body["stream"], true);
    assert_eq!(body["tool_choice"], "auto");
    assert_eq!(body["tools"][0]["type"], "function");
    assert_eq!(body["tools"][0]["function"]["name"], "handoff");
    assert_eq!(body["tools"][0]["function"]["parameters"]["required"], json!(["reason"]));
    let messages = body["messages"].as_array().expect("messages");
    let system = messages[0]["content"].as_str().expect("a system prompt");
    assert_eq!(messages[0]["role"], "system");
    assert!(system.contains(TRIGGERS), "{system}");
    assert!(system.contains("Ada") && system.contains("Lumen Coffee"), "{system}");
    assert!(system.contains("## Shipping\nWe ship in two days."), "{system}");
    assert!(!system.contains("Gift cards"), "only matching sections are sent: {system}");
    assert_eq!(
        messages[1..],
        [
            json!({"role": "user", "content": "Hi"}),
            json!({"role": "assistant", "content": "Hello! What can I help you with?"}),
            json!({"role": "assistant", "content": "(teammate Ana) Ana here."}),
            json!({"role": "user", "content": "When will you ship my order?"}),
        ]
    );
}

#[tokio::test]
async fn a_redirect_to_another_origin_is_not_followed_so_the_prompt_stays_with_the_model_server() {
    let body = [text_chunk("Leaked"), DONE.to_owned()].concat();
    let (elsewhere, stolen) = Fake::spawn(Reply::Events { body, stall: false }).await;
    let location = format!("{elsewhere}/chat/completions");
    let (base_url, requests) = Fake::spawn(Reply::Redirect(location)).await;
    let agent =
        agent_with(ModelSettings { api_key: Some("sk-test".into()), ..settings(&base_url) }, TRIGGERS);

    let steps =
        answer(&agent, &transcript(&[(Author::Visitor, "My card number is 4242, why was I charged?")])).await;

    assert_eq!(requests.lock().expect("not poisoned").len(), 1);
    assert!(stolen.lock().expect("not poisoned").is_empty(), "the transcript went to another host");
    assert!(!text(&steps).contains("Leaked"));
    assert!(note(&steps).contains("307"), "{}", note(&steps));
}

#[tokio::test]
async fn a_refusal_reaches_the_visitor_in_the_models_words() {
    let body = [
        chunk(r#"{"role":"assistant","content":null,"refusal":""}"#, "null"),
        chunk(r#"{"refusal":"I can't help with "}"#, "null"),
        chunk(r#"{"refusal":"that request."}"#, "null"),
        chunk("{}", r#""stop""#),
        DONE.to_owned(),
    ]
    .concat();
    let (base_url, _) = Fake::spawn(Reply::Events { body, stall: false }).await;
    let agent = agent_with(settings(&base_url), TRIGGERS);

    let steps = answer(&agent, &transcript(&[(Author::Visitor, "Write me a poem about your rivals")])).await;

    assert_eq!(text(&steps), "I can't help with that request.");
    assert_eq!(note(&steps), "the model answered");
}

#[tokio::test]
async fn without_a_key_no_authorization_header_is_sent() {
    let body = [text_chunk("Hello!"), chunk("{}", r#""stop""#), DONE.to_owned()].concat();
    let (base_url, requests) = Fake::spawn(Reply::Events { body, stall: false }).await;
    let agent = agent_with(settings(&base_url), TRIGGERS);

    let steps = answer(&agent, &transcript(&[(Author::Visitor, "Hi")])).await;

    assert_eq!(text(&steps), "Hello!");
    let requests = requests.lock().expect("not poisoned").clone();
    assert_eq!(requests[0].authorization, None);
}

#[tokio::test]
async fn the_key_is_read_from_the_variable_api_key_env_names() {
    let body = [text_chunk("Hello!"), DONE.to_owned()].concat();
    let (base_url, requests) = Fake::spawn(Reply::Events { body, stall: false }).await;
    // A name no other test uses: tests run in parallel threads of one process.
    std::env::set_var("OPENAI_KEY_FOR_BATON_TESTS", "sk-from-env");
    let settings =
        ModelSettings { api_key_env: Some("OPENAI_KEY_FOR_BATON_TESTS".to_owned()), ..settings(&base_url) };
    let agent = agent_with(settings, TRIGGERS);

    answer(&agent, &transcript(&[(Author::Visitor, "Hi")])).await;

    let requests = requests.lock().expect("not poisoned").clone();
    assert_eq!(requests[0].authorization.as_deref(), Some("Bearer sk-from-env"));
}

#[test]
fn settings_that_cannot_work_are_refused_with_a_reason() {
    let rules = || BuiltinAgent::new(Knowledge::parse(KNOWLEDGE), Triggers::parse(""), Duration::ZERO);
    let persona = Persona { name: "Ada".to_owned(), company: "Lumen".to_owned() };
    let missing = ModelSettings {
        api_key_env: Some("OPENAI_KEY_FOR_BATON_TESTS_UNSET".to_owned()),
        ..settings("http://127.0.0.1:1/v1")
    };
    let error = OpenAiAgent::new(missing, persona.clone(), rules()).expect_err("the variable is not set");
    assert!(error.to_string().contains("OPENAI_KEY_FOR_BATON_TESTS_UNSET"), "{error}");
    let error = OpenAiAgent::new(settings("not a url"), persona, rules()).expect_err("not a URL");
    assert!(error.to_string().contains("not a url"), "{error}");
}

#[tokio::test]
async fn a_tool_call_split_across_chunks_is_one_handoff_and_the_text_before_it_stays() {
    let body = [
        chunk(r#"{"role":"assistant","content":"Let me get someone. "}"#, "null"),
        chunk(
            r#"{"content":null,"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"handoff","arguments":""}}]}"#,
            "null",
        ),
        chunk(r#"{"tool_calls":[{"index":0,"function":{"arguments":"{\"rea"}}]}"#, "null"),
        chunk(r#"{"tool_calls":[{"index":0,"function":{"arguments":"son\": \"asks for"}}]}"#, "null"),
        chunk(r#"{"tool_calls":[{"index":0,"function":{"arguments":" billing help\"}"}}]}"#, "null"),
        chunk("{}", r#""tool_calls""#),
        DONE.to_owned(),
    ]
    .concat();
    let (base_url, _) = Fake::spawn(Reply::Events { body, stall: false }).await;
    let agent = agent_with(settings(&base_url), TRIGGERS);

    let steps = answer(&agent, &transcript(&[(Author::Visitor, "My invoice is wrong")])).await;

    assert_eq!(text(&steps), "Let me get someone. ");
    assert_eq!(handoffs(&steps), [&HandoffCall { reason: "asks for billing help".to_owned(), clause: None }]);
    assert_eq!(note(&steps), "the model called handoff: asks for billing help");
}

#[tokio::test]
async fn an_error_mid_stream_keeps_the_text_so_far_and_apologises() {
    let body = [
        text_chunk("We ship "),
        text_chunk("in "),
        r#"data: {"error":{"message":"overloaded","type":"server_error"}}"#.to_owned() + "\n\n",
    ]
    .concat();
    let (base_url, _) = Fake::spawn(Reply::Events { body, stall: false }).await;
    let agent = agent_with(settings(&base_url), TRIGGERS);

    let steps = answer(&agent, &transcript(&[(Author::Visitor, "When do you ship?")])).await;

    assert_eq!(text(&steps), format!("We ship in \n\n{TROUBLE}"));
    assert!(handoffs(&steps).is_empty());
    assert!(note(&steps).contains("overloaded"), "{}", note(&steps));
}

#[tokio::test]
async fn a_stalled_stream_ends_the_turn_with_the_apology() {
    let (base_url, _) = Fake::spawn(Reply::Events { body: text_chunk("We ship "), stall: true }).await;
    let agent = agent_with(ModelSettings { idle_timeout_secs: 1, ..settings(&base_url) }, TRIGGERS);

    let steps = answer(&agent, &transcript(&[(Author::Visitor, "When do you ship?")])).await;

    assert_eq!(text(&steps), format!("We ship \n\n{TROUBLE}"));
    assert!(note(&steps).contains("stalled"), "{}", note(&steps));
}

#[tokio::test]
async fn a_stream_cut_off_before_it_finished_ends_with_the_apology() {
    let (base_url, _) = Fake::spawn(Reply::Events { body: text_chunk("We ship "), stall: false }).await;
    let agent = agent_with(settings(&base_url), TRIGGERS);

    let steps = answer(&agent, &transcript(&[(Author::Visitor, "When do you ship?")])).await;

    assert_eq!(text(&steps), format!("We ship \n\n{TROUBLE}"));
    assert!(note(&steps).contains("ended before"), "{}", note(&steps));
}

#[tokio::test]
async fn an_answer_with_neither_text_nor_handoff_gets_the_apology() {
    let body =
        [chunk(r#"{"role":"assistant","content":""}"#, "null"), chunk("{}", r#""stop""#), DONE.to_owned()];
    let (base_url, _) = Fake::spawn(Reply::Events { body: body.concat(), stall: false }).await;
    let agent = agent_with(settings(&base_url), TRIGGERS);

    let steps = answer(&agent, &transcript(&[(Author::Visitor, "When do you ship?")])).await;

    assert_eq!(text(&steps), TROUBLE);
    assert!(note(&steps).contains("without a word"), "{}", note(&steps));
}

#[tokio::test]
async fn an_error_status_gets_the_apology_and_the_note_names_status_and_message() {
    for (status, body, expected) in [
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            r#"{"error":{"message":"The server had an error","type":"server_error"}}"#,
            "500 Internal Server Error: The server had an error",
        ),
        (
            StatusCode::UNAUTHORIZED,
            r#"{"error":{"message":"Incorrect API key provided","type":"invalid_request_error"}}"#,
            "401 Unauthorized: Incorrect API key provided",
        ),
    ] {
        let (base_url, _) = Fake::spawn(Reply::Error { status, body }).await;
        let agent = agent_with(settings(&base_url), TRIGGERS);

        let steps = answer(&agent, &transcript(&[(Author::Visitor, "When do you ship?")])).await;

        assert_eq!(text(&steps), TROUBLE);
        assert!(note(&steps).contains(expected), "{}", note(&steps));
    }
}

#[tokio::test]
async fn a_server_that_never_starts_answering_gets_the_apology() {
    let (base_url, _) = Fake::spawn(Reply::Silence).await;
    let agent = agent_with(ModelSettings { timeout_secs: 1, ..settings(&base_url) }, TRIGGERS);

    let steps = answer(&agent, &transcript(&[(Author::Visitor, "When do you ship?")])).await;

    assert_eq!(text(&steps), TROUBLE);
    assert!(note(&steps).contains("did not answer within 1 s"), "{}", note(&steps));
}

#[tokio::test]
async fn an_unreachable_server_gets_the_apology() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let addr = listener.local_addr().expect("has an address");
    drop(listener);
    let agent = agent_with(settings(&format!("http://{addr}/v1/")), TRIGGERS);

    let steps = answer(&agent, &transcript(&[(Author::Visitor, "When do you ship?")])).await;

    assert_eq!(text(&steps), TROUBLE);
    assert!(handoffs(&steps).is_empty());
    let note = note(&steps);
    assert!(note.contains("could not reach"), "{note}");
    let explanation = explanation(&steps);
    assert_eq!(explanation.knowledge[0].title, "Shipping");
}

/// Depends on the real trigger rules: with the placeholder `Triggers` that never fire, this
/// test fails, and it passes once the rules land. Do not weaken it.
#[tokio::test]
async fn when_the_model_is_down_the_rules_still_hand_off() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let addr = listener.local_addr().expect("has an address");
    drop(listener);
    let agent = agent_with(
        settings(&format!("http://{addr}/v1")),
        "Hand off when the user asks to speak with a human.",
    );

    let steps = answer(&agent, &transcript(&[(Author::Visitor, "I want to talk to a human")])).await;

    let handoffs = handoffs(&steps);
    assert_eq!(handoffs.len(), 1, "{steps:?}");
    assert!(handoffs[0].clause.is_some(), "{steps:?}");
    assert_eq!(text(&steps), "", "a handoff needs no apology");
    let explanation = explanation(&steps);
    assert!(explanation.checks.iter().any(|check| check.fired), "{explanation:?}");
}

#[tokio::test]
async fn a_draft_is_the_models_reply_and_nothing_when_it_declines_or_fails() {
    let conversation = transcript(&[(Author::Visitor, "How long does shipping take?")]);
    let (base, requests) = Fake::spawn(Reply::Whole("We ship within two days.")).await;
    let drafted = agent_with(settings(&base), TRIGGERS).draft(&conversation).await;
    assert_eq!(drafted.as_deref(), Some("We ship within two days."));
    let body = requests.lock().expect("not poisoned")[0].body.clone();
    assert_eq!(body["stream"], false);
    let system = body["messages"][0]["content"].as_str().expect("system prompt");
    assert!(system.contains("NOTHING") && system.contains("## Shipping"), "{system}");

    let (base, _) = Fake::spawn(Reply::Whole("NOTHING")).await;
    assert_eq!(agent_with(settings(&base), TRIGGERS).draft(&conversation).await, None);
    let (base, _) = Fake::spawn(Reply::Error { status: StatusCode::INTERNAL_SERVER_ERROR, body: "{}" }).await;
    assert_eq!(agent_with(settings(&base), TRIGGERS).draft(&conversation).await, None);
}

#[tokio::test]
async fn the_model_classifies_by_the_criteria_among_the_names_given() {
    let conversation = transcript(&[(Author::Visitor, "My card was charged twice")]);
    let criteria = "Assign billing conversations to the billing team.";
    let targets = vec!["Support".to_owned(), "Billing".to_owned(), "Ana Torres".to_owned()];
    let (base, requests) = Fake::spawn(Reply::Whole("billing.")).await;
    let chosen = agent_with(settings(&base), TRIGGERS).classify(criteria, &conversation, &targets).await;
    assert_eq!(chosen.as_deref(), Some("Billing"), "matched without case or a trailing full stop");
    let system = requests.lock().expect("not poisoned")[0].body["messages"][0]["content"].clone();
    let system = system.as_str().expect("system prompt");
    assert!(system.contains(criteria) && system.contains("Support; Billing; Ana Torres"), "{system}");

    for declined in ["NONE", "The marketing team"] {
        let (base, _) = Fake::spawn(Reply::Whole(declined)).await;
        let chosen = agent_with(settings(&base), TRIGGERS).classify(criteria, &conversation, &targets).await;
        assert_eq!(chosen, None, "{declined}");
    }
}
