//! The offline agent: answers from the knowledge file with no network and no model, so the demo
//! and the tests run anywhere and give the same answer every time.

use std::time::Duration;

use baton_protocol::{Author, TranscriptEntry};
use futures::stream::{self, BoxStream, StreamExt};

use super::Agent;
use crate::knowledge::Knowledge;

/// Below this BM25 score a section is a coincidence of words, not an answer.
const MIN_SCORE: f64 = 1.0;
/// Words per streamed piece.
const WORDS_PER_PIECE: usize = 2;

const NO_ANSWER: &str = "I'm sorry, I don't have an answer to that yet. Could you put it another way? \
     If you'd rather, I can connect you with someone from our team.";

/// The builtin agent: best knowledge section, streamed at a reading pace.
#[derive(Debug, Clone)]
pub struct BuiltinAgent {
    knowledge: Knowledge,
    pace: Duration,
}

impl BuiltinAgent {
    /// An agent answering from `knowledge`, sending a piece every `pace`.
    pub fn new(knowledge: Knowledge, pace: Duration) -> Self {
        Self { knowledge, pace }
    }

    /// The whole answer to `question`.
    pub fn reply_to(&self, question: &str) -> String {
        match self.knowledge.best_match(question) {
            Some(found) if found.score >= MIN_SCORE => found.section.body.clone(),
            _ => NO_ANSWER.to_owned(),
        }
    }
}

impl Agent for BuiltinAgent {
    fn answer(&self, transcript: &[TranscriptEntry]) -> BoxStream<'static, String> {
        let question = transcript
            .iter()
            .rev()
            .find(|entry| entry.author == Author::Visitor)
            .map_or("", |entry| entry.text.as_str());
        let pace = self.pace;
        stream::iter(pieces(&self.reply_to(question)))
            .then(move |piece| async move {
                tokio::time::sleep(pace).await;
                piece
            })
            .boxed()
    }
}

/// Splits `text` into pieces of a few words, each keeping the whitespace that follows it, so the
/// pieces concatenate back to exactly `text`.
fn pieces(text: &str) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut current = String::new();
    let mut words = 0;
    let mut in_word = false;
    for c in text.chars() {
        let starts_word = !c.is_whitespace() && !in_word;
        if starts_word && words == WORDS_PER_PIECE {
            pieces.push(std::mem::take(&mut current));
            words = 0;
        }
        if starts_word {
            words += 1;
        }
        in_word = !c.is_whitespace();
        current.push(c);
    }
    if !current.is_empty() {
        pieces.push(current);
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_concatenate_back_to_the_answer() {
        let text = "Fresh beans,\n\n- roasted  on Monday\n- shipped Tuesday.";
        let pieces = pieces(text);
        assert_eq!(pieces.concat(), text);
        assert_eq!(pieces[0], "Fresh beans,\n\n");
        assert!(pieces.len() >= 4);
    }

    #[test]
    fn a_matching_question_gets_the_section_and_anything_else_the_fallback() {
        let agent = BuiltinAgent::new(
            Knowledge::parse(
                "## Shipping\nWe ship within two days.\n## Returns\nReturn within 30 days.\n\
                 ## Gift cards\nFrom ten pounds.\n",
            ),
            Duration::ZERO,
        );
        assert_eq!(agent.reply_to("When will you ship my order?"), "We ship within two days.");
        assert_eq!(agent.reply_to("Tell me a joke"), NO_ANSWER);
    }
}
