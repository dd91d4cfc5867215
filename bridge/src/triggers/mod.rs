//! Trigger instructions in plain language ("Hand off when the user asks to speak with a human,
//! when the issue involves billing…") turned into deterministic rules, and those rules checked
//! against a conversation. Pure logic: the builtin agent decides with it, and the model-backed
//! agent falls back on it when the model is down.
//!
//! The instructions are cut into clauses at "when", "if" and sentence ends, and each clause
//! becomes one rule: a request for a person, a number of failed attempts, frustration, or the
//! topics it names. A clause no rule fits is reported as such rather than guessed at.

mod lexicon;
mod message;

pub(crate) use self::message::Message;
#[cfg(test)]
mod tests;

use rust_stemmers::{Algorithm, Stemmer};

use self::lexicon::{
    ASK_MARKS, FAILURE_MARKS, GENERIC, LEAD_INS, MOOD_MARKS, NUMBERS, PERSON, SYNONYMS, VAGUE,
};
use crate::agent::ClauseCheck;

/// The rules derived from one set of trigger instructions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Triggers {
    source: String,
    clauses: Vec<Clause>,
}

/// One visitor message of the conversation and whether the agent's knowledge answered it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt<'a> {
    /// What the visitor wrote.
    pub message: &'a str,
    /// Whether a knowledge section (or a small-talk reply) answered it.
    pub answered: bool,
}

/// Messages that need a polite reply rather than knowledge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmallTalk {
    /// "Hi", "hello there".
    Greeting,
    /// "Thanks!", "thank you so much".
    Thanks,
}

#[derive(Debug, Clone, PartialEq)]
struct Clause {
    text: String,
    rule: Rule,
}

#[derive(Debug, Clone, PartialEq)]
enum Rule {
    HumanRequest,
    FailedAttempts(usize),
    Frustration,
    Topics(Vec<Topic>),
    Unrecognized,
}

/// A topic the instructions name, such as "account cancellation": every word that is not
/// generic must appear in the message, in its own form or a synonym's.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Topic {
    /// The topic as written.
    pub(crate) name: String,
    words: Vec<Vec<String>>,
}

impl Topic {
    /// The words of `message` that name this topic, one per topic word, if all are there.
    pub(crate) fn found_in(&self, message: &Message) -> Option<Vec<String>> {
        self.words.iter().map(|synonyms| message.mentions(synonyms)).collect()
    }
}

impl Triggers {
    /// Derives the rules from `instructions`.
    pub fn parse(instructions: &str) -> Self {
        let stemmer = Stemmer::create(Algorithm::English);
        let clauses = split_clauses(instructions)
            .into_iter()
            .map(|text| Clause { rule: Rule::derive(&stemmer, &text), text })
            .collect();
        Self { source: instructions.to_owned(), clauses }
    }

    /// The instructions as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether asking for a person is enough to be handed off, so the agent may offer it.
    pub fn hands_off_on_request(&self) -> bool {
        self.clauses.iter().any(|clause| clause.rule == Rule::HumanRequest)
    }

    /// Checks every clause against `attempts`: the visitor's messages since a person last had
    /// the conversation, oldest first, the message being answered last.
    pub fn evaluate(&self, attempts: &[Attempt<'_>]) -> Vec<ClauseCheck> {
        let current = Message::read(attempts.last().map_or("", |attempt| attempt.message));
        self.evaluate_read(&current, attempts)
    }

    /// [`Triggers::evaluate`], given the last message already read.
    pub fn evaluate_read(&self, current: &Message, attempts: &[Attempt<'_>]) -> Vec<ClauseCheck> {
        self.clauses.iter().map(|clause| clause.check(current, attempts)).collect()
    }
}

/// Whether `message` is only a greeting or thanks.
pub fn small_talk(message: &str) -> Option<SmallTalk> {
    Message::read(message).small_talk()
}

/// Words that say nothing of what a conversation is about when they come with a request for a
/// person or "that didn't help": "can I … please", "I want to … right now".
const FILLER: &[&str] = &[
    "a",
    "actual",
    "again",
    "already",
    "am",
    "an",
    "any",
    "asap",
    "be",
    "can",
    "chat",
    "connect",
    "could",
    "did",
    "didn't",
    "do",
    "does",
    "doesn't",
    "get",
    "have",
    "hello",
    "help",
    "helped",
    "hey",
    "hi",
    "i",
    "i'd",
    "i'm",
    "immediately",
    "is",
    "it",
    "just",
    "like",
    "live",
    "me",
    "need",
    "no",
    "not",
    "now",
    "of",
    "ok",
    "okay",
    "one",
    "please",
    "pls",
    "possible",
    "put",
    "real",
    "really",
    "right",
    "some",
    "somebody",
    "someone",
    "speak",
    "still",
    "talk",
    "thank",
    "thanks",
    "that",
    "that's",
    "the",
    "there",
    "this",
    "to",
    "transfer",
    "us",
    "wanna",
    "want",
    "with",
    "work",
    "would",
    "yes",
    "you",
    "your",
];

/// Whether `message` says what the conversation is about: not only a greeting or thanks, a
/// request for a person ("can I talk to a human please?") or "that didn't help". A request
/// with more to it ("I need a person, I was charged twice") does.
pub fn states_a_subject(message: &str) -> bool {
    let read = Message::read(message);
    if read.word_count() == 0 || read.small_talk().is_some() {
        return false;
    }
    let Some(said) = read.asks_for_person().or_else(|| read.not_helped().map(str::to_owned)) else {
        return true;
    };
    let said: Vec<String> = said.split_whitespace().map(str::to_lowercase).collect();
    message
        .split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’')
        .map(|word| word.replace('’', "'").to_lowercase())
        .any(|word| !word.is_empty() && !said.contains(&word) && !FILLER.contains(&word.as_str()))
}

impl Clause {
    fn check(&self, current: &Message, attempts: &[Attempt<'_>]) -> ClauseCheck {
        let (rule, outcome) = match &self.rule {
            Rule::HumanRequest => ("human_request", human_request(current)),
            Rule::FailedAttempts(limit) => ("failed_attempts", failed_attempts(attempts, *limit)),
            Rule::Frustration => ("frustration", frustration(current)),
            Rule::Topics(topics) => ("topic", topic(current, topics)),
            Rule::Unrecognized => (
                "unrecognized",
                Err("No rule could be derived from this clause: name a topic, a request for a person, \
                     a number of failed attempts, or frustration."
                    .to_owned()),
            ),
        };
        let (fired, why, reason) = match outcome {
            Ok((why, reason)) => (true, why, Some(reason)),
            Err(why) => (false, why, None),
        };
        ClauseCheck { clause: self.text.clone(), rule, fired, why, reason }
    }
}

/// A rule's verdict: fired, with why and the reason label, or not, with why not.
type Outcome = Result<(String, String), String>;

fn human_request(current: &Message) -> Outcome {
    match current.asks_for_person() {
        Some(words) => {
            Ok((format!("The visitor asked for a person: \"{words}\"."), "Asked for a person".into()))
        }
        None => Err("The visitor did not ask for a person.".into()),
    }
}

fn failed_attempts(attempts: &[Attempt<'_>], limit: usize) -> Outcome {
    let failures: Vec<String> = attempts
        .iter()
        .enumerate()
        .filter_map(|(index, attempt)| {
            let not_helped = (index > 0).then(|| Message::read(attempt.message).not_helped()).flatten();
            match (not_helped, attempt.answered) {
                (Some(phrase), _) => Some(format!("\"{}\" (said \"{phrase}\")", attempt.message)),
                (None, false) => Some(format!("\"{}\" (no knowledge matched)", attempt.message)),
                (None, true) => None,
            }
        })
        .collect();
    let count = failures.len();
    let listed = failures.join(", ");
    if count >= limit {
        Ok((
            format!("{count} attempts failed, the instructions allow {limit}: {listed}."),
            format!("{limit} failed attempts"),
        ))
    } else if count == 0 {
        Err(format!("No attempt has failed yet; the instructions allow {limit}."))
    } else {
        Err(format!("{count} of {limit} allowed attempts failed so far: {listed}."))
    }
}

fn frustration(current: &Message) -> Outcome {
    let signs = current.frustration();
    if signs.is_empty() {
        Err("The visitor does not sound frustrated.".into())
    } else {
        Ok((format!("The visitor sounds frustrated: {}.", signs.join(", ")), "Frustrated visitor".into()))
    }
}

fn topic(current: &Message, topics: &[Topic]) -> Outcome {
    for topic in topics {
        if let Some(found) = topic.found_in(current) {
            let found = found.iter().map(|word| format!("\"{word}\"")).collect::<Vec<_>>().join(", ");
            return Ok((
                format!("The message is about {} ({found}).", topic.name),
                format!("Topic: {}", topic.name),
            ));
        }
    }
    let names: Vec<&str> = topics.iter().map(|topic| topic.name.as_str()).collect();
    Err(format!("The message is not about {}.", names.join(" or ")))
}

impl Rule {
    /// The rule a clause states. Failed attempts come first ("after two attempts the agent
    /// failed to help" names no topic), then requests for a person, then mood, then topics.
    fn derive(stemmer: &Stemmer, clause: &str) -> Rule {
        let words: Vec<String> = clause_words(clause).into_iter().filter(|w| w != ",").collect();
        let stems: Vec<String> = words.iter().map(|word| stemmer.stem(word).into_owned()).collect();
        let marked = |marks: &[&str]| stems.iter().position(|stem| marks.iter().any(|m| stem.starts_with(m)));
        let number = words.iter().find_map(|word| {
            word.parse::<usize>()
                .ok()
                .or_else(|| NUMBERS.iter().find(|(name, _)| name == word).map(|&(_, n)| n as usize))
        });
        if let (Some(limit), Some(_)) = (number, marked(FAILURE_MARKS)) {
            return Rule::FailedAttempts(limit.max(1));
        }
        if let Some(ask) = marked(ASK_MARKS) {
            if words[ask..].iter().any(|word| PERSON.contains(&word.as_str())) {
                return Rule::HumanRequest;
            }
        }
        if marked(MOOD_MARKS).is_some() {
            return Rule::Frustration;
        }
        let topics = topics_with(stemmer, clause);
        if topics.is_empty() {
            Rule::Unrecognized
        } else {
            Rule::Topics(topics)
        }
    }
}

/// The topics a clause names: "the issue involves billing or account cancellation" names
/// "billing" and "account cancellation".
pub(crate) fn topics(clause: &str) -> Vec<Topic> {
    topics_with(&Stemmer::create(Algorithm::English), clause)
}

fn topics_with(stemmer: &Stemmer, clause: &str) -> Vec<Topic> {
    let mut topics = Vec::new();
    let mut current: Vec<String> = Vec::new();
    for word in clause_words(clause).into_iter().chain([",".to_owned()]) {
        if matches!(word.as_str(), "," | "or" | "and") {
            let name: Vec<String> = std::mem::take(&mut current);
            if name.is_empty() {
                continue;
            }
            let specific: Vec<&String> = name.iter().filter(|w| !GENERIC.contains(&w.as_str())).collect();
            let required = if specific.is_empty() { name.iter().collect() } else { specific };
            let words = required.into_iter().map(|word| synonyms(stemmer, word)).collect();
            topics.push(Topic { name: name.join(" "), words });
        } else if !LEAD_INS.contains(&word.as_str()) && !VAGUE.contains(&word.as_str()) {
            current.push(word);
        }
    }
    topics
}

/// The stems (and phrases) that stand for `word` in a visitor's message.
fn synonyms(stemmer: &Stemmer, word: &str) -> Vec<String> {
    let stem = stemmer.stem(word).into_owned();
    let same = |candidate: &&str| stemmer.stem(candidate) == stem;
    let group = SYNONYMS
        .iter()
        .find(|group| group.first().is_some_and(&same))
        .or_else(|| SYNONYMS.iter().find(|group| group.iter().any(&same)));
    let mut all = vec![stem.clone()];
    for member in group.into_iter().flat_map(|group| group.iter()) {
        let form =
            if member.contains(' ') { (*member).to_owned() } else { stemmer.stem(member).into_owned() };
        if !all.contains(&form) {
            all.push(form);
        }
    }
    all
}

/// A clause's lower-case words, with commas kept as their own `","` entries.
fn clause_words(clause: &str) -> Vec<String> {
    clause
        .replace(',', " , ")
        .split(|c: char| c.is_whitespace() || (!c.is_alphanumeric() && !matches!(c, ',' | '\'')))
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Cuts instructions into clauses: at sentence ends, at "when", "if" and "whenever", and at a
/// comma before a new verb ("…, mentions a refund"). Text before the first cut of a sentence
/// ("Hand off") and after a comma before the action ("…, escalate as well") is not a condition.
fn split_clauses(instructions: &str) -> Vec<String> {
    const CONNECTORS: &[&str] = &["when", "whenever", "if"];
    const STARTERS: &[&str] = &[
        "asks", "mentions", "says", "seems", "is", "wants", "requests", "needs", "gets", "becomes", "sounds",
        "uses", "swears", "has", "reports", "talks",
    ];
    const ACTIONS: &[&str] = &["escalate", "hand", "transfer", "pass", "route", "handoff"];
    const FILLERS: &[&str] = &["or", "and", "also", "then", "always", "please", "just"];
    let mut clauses = Vec::new();
    for sentence in instructions.split(['.', ';', '\n', '!']) {
        let words: Vec<&str> = sentence.split_whitespace().collect();
        let lower: Vec<String> = words
            .iter()
            .map(|word| word.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase())
            .collect();
        let has_connector = lower.iter().any(|word| CONNECTORS.contains(&word.as_str()));
        let mut current: Vec<&str> = Vec::new();
        // Before a sentence's first connector comes the action, not a condition.
        let mut in_condition = !has_connector;
        for (index, word) in words.iter().enumerate() {
            let after_comma = index > 0 && words[index - 1].ends_with(',');
            let next_real = lower[index..].iter().find(|w| !FILLERS.contains(&w.as_str()));
            if CONNECTORS.contains(&lower[index].as_str()) {
                push_clause(&mut clauses, &current, false);
                current.clear();
                in_condition = true;
                continue;
            }
            if after_comma && next_real.is_some_and(|w| ACTIONS.contains(&w.as_str())) {
                push_clause(&mut clauses, &current, false);
                current.clear();
                in_condition = false;
                continue;
            }
            if after_comma && next_real.is_some_and(|w| STARTERS.contains(&w.as_str())) {
                push_clause(&mut clauses, &current, false);
                current.clear();
            }
            if in_condition {
                current.push(word);
            }
        }
        push_clause(&mut clauses, &current, !has_connector);
    }
    clauses
}

/// Adds a clause without the fillers and punctuation at its edges; a sentence with no
/// connector also loses its leading action ("Also hand off after three failed answers").
fn push_clause(clauses: &mut Vec<String>, words: &[&str], has_action: bool) {
    const FILLERS: &[&str] = &["or", "and", "also", "then", "always", "please", "just"];
    const ACTION: &[&str] = &[
        "hand", "off", "handoff", "escalate", "transfer", "to", "a", "person", "human", "teammate", "our",
        "team",
    ];
    let bare = |word: &&str| word.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
    let edge = |word: &&str| {
        let word = bare(word);
        FILLERS.contains(&word.as_str()) || (has_action && ACTION.contains(&word.as_str()))
    };
    let start = words.iter().position(|word| !edge(word)).unwrap_or(words.len());
    let end =
        words.iter().rposition(|word| !matches!(bare(word).as_str(), "or" | "and" | "")).map_or(0, |i| i + 1);
    if start < end {
        let text = words[start..end].join(" ");
        clauses.push(text.trim_end_matches([',', ':']).to_owned());
    }
}
