//! The model's one-shot answers, not streamed: Copilot's drafts and the routing choice. Each
//! lets the model decline — `NOTHING` when what the agent knows does not answer the customer,
//! `NONE` when no assignment criterion applies — so a guess is never posted, and a model that
//! fails gives no answer rather than a wrong one.

use baton_protocol::{Author, TranscriptEntry};
use serde::Deserialize;
use serde_json::json;

use super::{messages, OpenAiAgent, SNIPPETS};
use crate::agent::builtin::MIN_SCORE;

/// What the model answers when it has nothing useful to draft.
const NOTHING: &str = "NOTHING";
/// What the model answers when no criterion applies.
const NONE: &str = "NONE";

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
        let text = self.complete(system, &transcript).await?;
        (!text.eq_ignore_ascii_case(NOTHING)).then_some(text)
    }

    /// The one of `targets` the assignment `criteria` give this conversation to, or `None`.
    pub(super) async fn classify_route(
        &self,
        criteria: String,
        transcript: Vec<TranscriptEntry>,
        targets: Vec<String>,
    ) -> Option<String> {
        let system = format!(
            "You route support conversations of {} to the right team or person. The assignment \
             criteria are:\n\n{criteria}\n\nThe teams and people are: {}.\n\nAnswer with exactly one of \
             those names, as written, for the criterion that applies to the customer's messages, or \
             with {NONE} if none applies.",
            self.persona.company,
            targets.join("; ")
        );
        let answer = self.complete(system, &transcript).await?;
        let answer = answer.trim_matches(|c: char| c == '"' || c == '.' || c.is_whitespace());
        targets.into_iter().find(|target| target.eq_ignore_ascii_case(answer))
    }

    /// The model's whole answer to `system` and the conversation, or `None` when it fails or
    /// says nothing.
    async fn complete(&self, system: String, transcript: &[TranscriptEntry]) -> Option<String> {
        let body = json!({"model": self.model, "stream": false, "messages": messages(system, transcript)});
        let wait = self.timeouts.start + self.timeouts.idle;
        let answer = async {
            let response = self.post(&body).send().await.ok()?.error_for_status().ok()?;
            response.json::<Completion>().await.ok()
        };
        let Ok(Some(completion)) = tokio::time::timeout(wait, answer).await else {
            tracing::warn!("the model gave no usable answer in time");
            return None;
        };
        let text = completion.choices.into_iter().next()?.message.content?.trim().to_owned();
        (!text.is_empty()).then_some(text)
    }
}
