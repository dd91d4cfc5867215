//! The offline agent: answers from the knowledge file and decides handoffs with rules derived
//! from the trigger instructions, with no network and no model, so the demo and the tests run
//! anywhere and give the same answer every time.

use std::collections::HashMap;
use std::time::Duration;

use baton_protocol::{Author, TranscriptEntry};
use futures::stream::{self, BoxStream, StreamExt};

use super::{Agent, Explanation, HandoffCall, KnowledgeHit, Step};
use crate::knowledge::{Knowledge, Match};
use crate::language::Language;
use crate::triggers::{self, Attempt, Message, SmallTalk, Triggers};

/// Below this BM25 score a section is a coincidence of words, not an answer.
pub const MIN_SCORE: f64 = 1.0;
/// Words per streamed piece.
const WORDS_PER_PIECE: usize = 2;
/// Knowledge sections an explanation lists.
const HITS_SHOWN: usize = 3;

/// What the builtin agent says when the knowledge has no answer, in one language.
struct Replies {
    no_answer: &'static str,
    offer: &'static str,
    greeting: &'static str,
    thanks: &'static str,
}

const ENGLISH: Replies = Replies {
    no_answer: "I'm sorry, I don't have an answer to that yet. Could you put it another way?",
    offer: " If you'd rather, ask for a person and I'll connect you with someone from our team.",
    greeting: "Hello! What can I help you with?",
    thanks: "You're welcome! Is there anything else I can help with?",
};

const FRENCH: Replies = Replies {
    no_answer: "Désolé, je n'ai pas encore de réponse à cela. Pourriez-vous le formuler autrement ?",
    offer:
        " Si vous préférez, demandez à parler à un conseiller et je vous mets en relation avec notre équipe.",
    greeting: "Bonjour ! Que puis-je faire pour vous ?",
    thanks: "Avec plaisir ! Puis-je vous aider pour autre chose ?",
};

const SPANISH: Replies = Replies {
    no_answer: "Lo siento, todavía no tengo una respuesta para eso. ¿Podría decirlo de otra manera?",
    offer: " Si lo prefiere, pida hablar con una persona y le pondré en contacto con nuestro equipo.",
    greeting: "¡Hola! ¿En qué puedo ayudarle?",
    thanks: "¡De nada! ¿Puedo ayudarle con algo más?",
};

const GERMAN: Replies = Replies {
    no_answer: "Das tut mir leid, darauf habe ich noch keine Antwort. Könnten Sie es anders formulieren?",
    offer: " Wenn Sie möchten, fragen Sie nach einem Menschen, und ich verbinde Sie mit unserem Team.",
    greeting: "Hallo! Wie kann ich Ihnen helfen?",
    thanks: "Gern geschehen! Kann ich Ihnen noch bei etwas anderem helfen?",
};

fn replies(language: Language) -> &'static Replies {
    match language {
        Language::English => &ENGLISH,
        Language::French => &FRENCH,
        Language::Spanish => &SPANISH,
        Language::German => &GERMAN,
    }
}

/// The builtin agent: trigger rules first, then the best knowledge section, streamed at a
/// reading pace.
#[derive(Debug, Clone)]
pub struct BuiltinAgent {
    knowledge: Knowledge,
    triggers: Triggers,
    pace: Duration,
    /// The agents file's own fallback texts, by language.
    fallbacks: HashMap<Language, String>,
}

/// What the builtin agent makes of a conversation's last visitor message.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// The answer to stream; empty when the conversation goes to a person instead.
    pub answer: String,
    /// The handoff, when a clause fired.
    pub handoff: Option<HandoffCall>,
    /// Every clause checked and the knowledge consulted.
    pub explanation: Explanation,
}

impl BuiltinAgent {
    /// An agent answering from `knowledge`, handing off when `triggers` fire, sending a piece of
    /// text every `pace`.
    pub fn new(knowledge: Knowledge, triggers: Triggers, pace: Duration) -> Self {
        Self { knowledge, triggers, pace, fallbacks: HashMap::new() }
    }

    /// The same agent saying `fallbacks` (by language) instead of its own "I don't have an
    /// answer to that" texts.
    pub fn with_fallbacks(self, fallbacks: HashMap<Language, String>) -> Self {
        Self { fallbacks, ..self }
    }

    /// The knowledge it answers from.
    pub fn knowledge(&self) -> &Knowledge {
        &self.knowledge
    }

    /// The trigger rules it applies.
    pub fn triggers(&self) -> &Triggers {
        &self.triggers
    }

    /// Decides on the last visitor message of `transcript`.
    pub fn decide(&self, transcript: &[TranscriptEntry]) -> Decision {
        let (mut attempts, last) = self.earlier_attempts(transcript);
        let question = last.unwrap_or_default();
        // The question is read and searched once, for the rules and for the answer.
        let read = Message::read(question);
        let small_talk = read.small_talk();
        let knowledge = self.knowledge.ranked(question);
        if let Some(message) = last {
            attempts.push(Attempt { message, answered: Self::answered(small_talk, knowledge.first()) });
        }
        let checks = self.triggers.evaluate_read(&read, &attempts);
        let explanation = Explanation {
            agent: "builtin",
            checks,
            knowledge: knowledge
                .iter()
                .take(HITS_SHOWN)
                .map(|hit| KnowledgeHit { title: hit.section.title.clone(), score: hit.score })
                .collect(),
            note: None,
        };
        if let Some(fired) = explanation.checks.iter().find(|check| check.fired) {
            let reason = fired.reason.clone().unwrap_or_else(|| fired.why.clone());
            let handoff = HandoffCall { reason, clause: Some(fired.clause.clone()) };
            return Decision { answer: String::new(), handoff: Some(handoff), explanation };
        }
        let language = Language::guess(question);
        let texts = replies(language);
        let no_answer = self.fallbacks.get(&language).map_or(texts.no_answer, String::as_str);
        let answer = match (small_talk, knowledge.first()) {
            (_, Some(best)) if best.score >= MIN_SCORE => best.section.body.clone(),
            (Some(SmallTalk::Greeting), _) => texts.greeting.to_owned(),
            (Some(SmallTalk::Thanks), _) => texts.thanks.to_owned(),
            _ if self.triggers.hands_off_on_request() => format!("{no_answer}{}", texts.offer),
            _ => no_answer.to_owned(),
        };
        Decision { answer, handoff: None, explanation }
    }

    /// The visitor's messages since a person last spoke in the conversation but the last, each
    /// with whether it was small talk or the knowledge had an answer for it (what the
    /// failed-attempts rule counts), and the last: [`BuiltinAgent::decide`] searches it anyway.
    fn earlier_attempts<'a>(&self, transcript: &'a [TranscriptEntry]) -> (Vec<Attempt<'a>>, Option<&'a str>) {
        let since_person = transcript
            .iter()
            .rposition(|entry| matches!(entry.author, Author::Teammate { .. }))
            .map_or(0, |last| last + 1);
        let mut visitor: Vec<&'a str> = transcript[since_person..]
            .iter()
            .filter(|entry| entry.author == Author::Visitor)
            .map(|entry| entry.text.as_str())
            .collect();
        let last = visitor.pop();
        let earlier = visitor
            .into_iter()
            .map(|message| Attempt {
                message,
                answered: Self::answered(
                    triggers::small_talk(message),
                    self.knowledge.best_match(message).as_ref(),
                ),
            })
            .collect();
        (earlier, last)
    }

    /// Whether a message counts as answered for the failed-attempts rule: it was small talk, or
    /// the best section found for it is good enough to answer with.
    fn answered(small_talk: Option<SmallTalk>, best: Option<&Match<'_>>) -> bool {
        small_talk.is_some() || best.is_some_and(|best| best.score >= MIN_SCORE)
    }
}

impl Agent for BuiltinAgent {
    /// The best knowledge section, when one answers well; small talk and questions the
    /// knowledge does not cover get no draft.
    fn draft(&self, transcript: &[TranscriptEntry]) -> futures::future::BoxFuture<'static, Option<String>> {
        let question = transcript.iter().rev().find(|entry| entry.author == Author::Visitor);
        let draft = question
            .and_then(|question| self.knowledge.best_match(&question.text))
            .filter(|best| best.score >= MIN_SCORE)
            .map(|best| best.section.body.clone());
        Box::pin(std::future::ready(draft))
    }

    fn answer(&self, transcript: &[TranscriptEntry]) -> BoxStream<'static, Step> {
        let Decision { answer, handoff, explanation } = self.decide(transcript);
        let pace = self.pace;
        let text = stream::iter(pieces(&answer)).then(move |piece| async move {
            tokio::time::sleep(pace).await;
            Step::Text(piece)
        });
        stream::once(async { Step::Explain(explanation) })
            .chain(text)
            .chain(stream::iter(handoff.map(Step::Handoff)))
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

    fn visitor(text: &str) -> TranscriptEntry {
        TranscriptEntry { seq: baton_protocol::Seq(1), at: 0, author: Author::Visitor, text: text.into() }
    }

    fn agent(instructions: &str) -> BuiltinAgent {
        BuiltinAgent::new(
            Knowledge::parse(
                "## Shipping\nWe ship within two days.\n## Returns\nReturn within 30 days.\n\
                 ## Gift cards\nFrom ten pounds.\n",
            ),
            Triggers::parse(instructions),
            Duration::ZERO,
        )
    }

    #[test]
    fn a_matching_question_gets_the_section_and_anything_else_the_fallback() {
        let agent = agent("");
        let decision = agent.decide(&[visitor("When will you ship my order?")]);
        assert_eq!(decision.answer, "We ship within two days.");
        assert_eq!(decision.handoff, None);
        assert_eq!(decision.explanation.knowledge[0].title, "Shipping");
        assert_eq!(agent.decide(&[visitor("Tell me a joke")]).answer, ENGLISH.no_answer);
        assert_eq!(agent.decide(&[visitor("Thanks!")]).answer, ENGLISH.thanks);
    }

    #[test]
    fn a_fired_clause_hands_off_without_an_answer_and_the_offer_follows_the_instructions() {
        let agent = agent("Hand off when the visitor asks for a human.");
        let decision = agent.decide(&[visitor("Tell me a joke"), visitor("get me a human")]);
        assert_eq!(decision.answer, "");
        let handoff = decision.handoff.expect("hands off");
        assert_eq!(handoff.reason, "Asked for a person");
        assert_eq!(handoff.clause.as_deref(), Some("the visitor asks for a human"));
        assert_eq!(
            agent.decide(&[visitor("Tell me a joke")]).answer,
            format!("{}{}", ENGLISH.no_answer, ENGLISH.offer)
        );
    }

    #[test]
    fn a_visitor_writing_french_is_handed_off_and_answered_in_french() {
        let agent = agent("Hand off when the visitor asks for a human.");
        let handed_off = agent.decide(&[visitor("Je voudrais parler à un conseiller")]);
        assert_eq!(handed_off.handoff.expect("hands off").reason, "Asked for a person");
        let fallback = agent.decide(&[visitor("Je voudrais connaître votre histoire")]).answer;
        assert_eq!(fallback, format!("{}{}", FRENCH.no_answer, FRENCH.offer));
        assert!(fallback.contains("parler à un conseiller"), "the offer names what to ask, in French");
    }

    #[test]
    fn the_agents_file_words_the_fallback_per_language() {
        let german = HashMap::from([(Language::German, "Dazu weiß ich leider nichts.".to_owned())]);
        let agent = agent("").with_fallbacks(german);
        assert_eq!(
            agent.decide(&[visitor("Was ist das für ein Ding?")]).answer,
            "Dazu weiß ich leider nichts."
        );
        assert_eq!(agent.decide(&[visitor("Quiero saber la historia del café")]).answer, SPANISH.no_answer);
    }

    #[test]
    fn failed_attempts_are_counted_since_a_person_last_spoke() {
        let agent = agent("Hand off after two failed attempts.");
        let teammate =
            TranscriptEntry { author: Author::Teammate { name: "Ana".into() }, ..visitor("Anything else?") };
        let handed_off = agent.decide(&[visitor("Tell me a joke"), visitor("A riddle then?")]);
        assert!(handed_off.handoff.is_some());
        let after_person = agent.decide(&[visitor("Tell me a joke"), teammate, visitor("A riddle then?")]);
        assert_eq!(after_person.handoff, None, "{:#?}", after_person.explanation);
    }
}
