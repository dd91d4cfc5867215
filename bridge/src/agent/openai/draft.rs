//! Copilot's drafts from the model: one non-streamed completion that either writes a reply a
//! teammate could send, or says `NOTHING` when what the agent knows does not answer — so
//! Copilot stays quiet rather than posting a guess. A model that fails drafts nothing.

use baton_protocol::{Author, TranscriptEntry};
use serde::Deserialize;
use serde_json::json;

use super::{messages, OpenAiAgent, SNIPPETS};
use crate::agent::builtin::MIN_SCORE;

/// What the model answers when it has nothing useful to draft.
const NOTHING: &str = "NOTHING";

#[derive(Deserialize)]
struct Completion {
    #[serde(default)]
    choices: Vec<Choice>,
}

#[derive(Deserialize)]
struct Choice {
    message: Reply,
}

#[derive(Deserialize)]
struct Reply {
    #[serde(default)]
    content: Option<String>,
}

impl OpenAiAgent {
    /// A reply to the customer's last message for a teammate to review, or `None`.
    pub(super) async fn draft_reply(&self, transcript: Vec<TranscriptEntry>) -> Option<String> {
        let question = transcript.iter().rev().find(|entry| entry.author == Author::Visitor)?;
        let ranked = self.rules.knowledge().ranked(&question.text);
        let known: Vec<String> = ranked
            .iter()
            .filter(|hit| hit.score >= MIN_SCORE)
            .take(SNIPPETS)
            .map(|hit| format!("## {}\n{}", hit.section.title, hit.section.body))
            .collect();
        let company = &self.persona.company;
        let system = format!(
            "You draft replies for a support teammate of {company}. Write the reply the teammate could \
             send to the customer's last message, briefly and plainly, using only what you know below. \
             If that does not answer it, reply with exactly {NOTHING}.\n\nWhat you know:\n\n{}",
            if known.is_empty() { "(nothing relevant)".to_owned() } else { known.join("\n\n") }
        );
        let body = json!({"model": self.model, "stream": false, "messages": messages(system, &transcript)});
        let wait = self.timeouts.start + self.timeouts.idle;
        let answer = async {
            let response = self.post(&body).send().await.ok()?.error_for_status().ok()?;
            response.json::<Completion>().await.ok()
        };
        let completion = match tokio::time::timeout(wait, answer).await {
            Ok(Some(completion)) => completion,
            _ => {
                tracing::warn!("the model drafted nothing: no usable answer in time");
                return None;
            }
        };
        let text = completion.choices.into_iter().next()?.message.content?.trim().to_owned();
        (!text.is_empty() && !text.eq_ignore_ascii_case(NOTHING)).then_some(text)
    }
}
