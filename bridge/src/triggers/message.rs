//! A visitor message read word by word, and the signals the rules look for in it: a request for
//! a person, frustration, "that didn't help", small talk, and the topics of the instructions.

use rust_stemmers::{Algorithm, Stemmer};

use super::lexicon::{
    ALSO_NAMES, BETWEEN_ABROAD, COURTESY, FALSE_FRIENDS, FRUSTRATION, FRUSTRATION_PHRASES, GREETINGS,
    NEGATIONS, NEGATION_REACH, NOT_HELPED, PERSON, PERSON_ABROAD, REQUEST_VERBS, REQUEST_VERBS_ABROAD,
    THANKS,
};
use super::SmallTalk;

/// One word of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// As written.
    pub raw: String,
    /// Lower-cased, with typographic apostrophes made plain.
    pub lower: String,
    /// Its English stem.
    pub stem: String,
    /// Whether it opens a sentence.
    pub starts_sentence: bool,
}

/// A message split into words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    words: Vec<Word>,
    /// The words with contractions expanded ("didn't" → "did not"), for phrase matching.
    expanded: Vec<String>,
    /// Longest run of `!` and `?` with at least one `!` in it: "?!?!" is exasperation, "???"
    /// only urgency.
    exclamation_run: usize,
}

impl Message {
    /// Reads `text`.
    pub fn read(text: &str) -> Self {
        let stemmer = Stemmer::create(Algorithm::English);
        let text = text.replace(['\u{2019}', '\u{2018}'], "'");
        let mut words = Vec::new();
        let mut starts_sentence = true;
        let mut current = String::new();
        let mut exclamation_run = 0;
        let mut run = 0;
        let mut run_exclaims = false;
        for c in text.chars().chain(std::iter::once(' ')) {
            if c.is_alphanumeric() || (c == '\'' && !current.is_empty()) {
                current.push(c);
                continue;
            }
            if !current.is_empty() {
                let raw = std::mem::take(&mut current).trim_end_matches('\'').to_owned();
                let lower = raw.to_lowercase();
                let stem = stemmer.stem(&lower.replace('\'', "")).into_owned();
                words.push(Word { raw, lower, stem, starts_sentence });
                starts_sentence = false;
            }
            if matches!(c, '.' | '!' | '?' | '\n') {
                starts_sentence = true;
            }
            if matches!(c, '!' | '?') {
                run += 1;
                run_exclaims |= c == '!';
            } else {
                run = 0;
                run_exclaims = false;
            }
            if run_exclaims {
                exclamation_run = exclamation_run.max(run);
            }
        }
        let expanded = words.iter().flat_map(|word| expand(&word.lower)).collect();
        Self { words, expanded, exclamation_run }
    }

    /// Whether the word at `index` is a negated one: "not", "never", "don't"… within reach
    /// before it.
    fn negated(&self, index: usize) -> bool {
        self.words[index.saturating_sub(NEGATION_REACH)..index]
            .iter()
            .any(|word| NEGATIONS.contains(&word.lower.as_str()) || word.lower.ends_with("n't"))
    }

    /// Whether the expanded words contain `phrase` (lower-case words separated by spaces).
    pub fn contains_phrase(&self, phrase: &str) -> bool {
        let phrase: Vec<&str> = phrase.split(' ').collect();
        self.expanded.windows(phrase.len()).any(|window| window.iter().zip(&phrase).all(|(a, b)| a == b))
    }

    /// The words the visitor used to ask for a person, if this message asks for one: a request
    /// verb that nothing negates followed closely by a person word ("can I talk to a human",
    /// "get me a manager", "I need someone to call me"), or a short message naming one ("human
    /// please", "agent!"). Questions about what the agent is ("are you a real person?"), stories
    /// ("I talked to someone yesterday") and other wants ("coffee for ten people") are not.
    pub fn asks_for_person(&self) -> Option<String> {
        const BETWEEN: &[&str] = &[
            "to", "with", "me", "a", "an", "the", "real", "live", "actual", "some", "your", "one", "of",
            "through", "in", "touch", "speak", "talk", "chat", "please", "i", "can", "could", "directly",
            "from", "customer", "sales", "member", "now", "just",
        ];
        const REACH: usize = 6;
        if self.asks_what_agent_is() {
            return None;
        }
        let persons: Vec<usize> = (0..self.words.len()).filter(|&index| self.is_person(index)).collect();
        if self.words.len() <= 3 {
            if let Some(&person) = persons.first() {
                return Some(self.words[person].raw.clone());
            }
        }
        let is_verb = |index: usize| {
            let lower = self.words[index].lower.as_str();
            (REQUEST_VERBS.contains(&lower) || REQUEST_VERBS_ABROAD.contains(&lower)) && !self.negated(index)
        };
        let filler = |word: &Word| {
            let lower = word.lower.as_str();
            BETWEEN.contains(&lower) || BETWEEN_ABROAD.contains(&lower)
        };
        persons.iter().find_map(|&person| {
            let before = (person.saturating_sub(REACH)..person)
                .find(|&index| is_verb(index) && self.words[index + 1..person].iter().all(filler))
                .map(|verb| (verb, person));
            // German puts the verb last: "mit einem Menschen sprechen".
            let after = || {
                (person + 1..self.words.len().min(person + 1 + REACH))
                    .take_while(|&index| index == person + 1 || filler(&self.words[index - 1]))
                    .find(|&index| is_verb(index) && !self.negated(person))
                    .map(|verb| (person, verb))
            };
            let (first, last) = before.or_else(after)?;
            Some(self.words[first..=last].iter().map(|word| word.raw.as_str()).collect::<Vec<_>>().join(" "))
        })
    }

    /// Whether the word at `index` names someone on the support side: "human", "agent",
    /// "manager", "support", "customer service"…
    fn is_person(&self, index: usize) -> bool {
        let lower = self.words[index].lower.as_str();
        PERSON.contains(&lower)
            || PERSON_ABROAD.contains(&lower)
            || matches!(lower, "humans" | "team" | "support")
            || (lower == "service" && index > 0 && self.words[index - 1].lower == "customer")
    }

    /// "Are you a human?", "Am I talking to a bot?", "Is this a real person?"
    fn asks_what_agent_is(&self) -> bool {
        let lower: Vec<&str> = self.words.iter().map(|word| word.lower.as_str()).collect();
        let about_you = matches!(
            lower.as_slice(),
            ["are", "you", ..]
                | ["is", "this", ..]
                | ["is", "that", ..]
                | ["am", "i", "talking" | "speaking" | "chatting", ..]
        );
        about_you && !lower.iter().any(|word| matches!(*word, "connect" | "transfer" | "put" | "get" | "let"))
    }

    /// The signs of frustration in this message: its words, phrases, shouting, or a run of
    /// exclamation marks; empty when there are none.
    pub fn frustration(&self) -> Vec<String> {
        let mut signs: Vec<String> = self
            .words
            .iter()
            .enumerate()
            .filter(|(index, word)| FRUSTRATION.contains(&word.lower.as_str()) && !self.negated(*index))
            .map(|(_, word)| format!("\"{}\"", word.lower))
            .collect();
        signs.extend(
            FRUSTRATION_PHRASES
                .iter()
                .filter(|phrase| self.contains_phrase(phrase))
                .map(|phrase| format!("\"{phrase}\"")),
        );
        let shouted = self
            .words
            .iter()
            .filter(|word| {
                word.raw.chars().filter(|c| c.is_alphabetic()).count() >= 2
                    && !word.raw.chars().any(char::is_lowercase)
            })
            .count();
        if shouted >= 3 {
            signs.push("shouting in capitals".to_owned());
        }
        if self.exclamation_run >= 3 {
            signs.push("a run of exclamation marks".to_owned());
        }
        signs
    }

    /// How many words it has.
    pub fn word_count(&self) -> usize {
        self.words.len()
    }

    /// The phrase saying the last answer did not help, if there is one.
    pub fn not_helped(&self) -> Option<&'static str> {
        NOT_HELPED.iter().copied().find(|phrase| self.contains_phrase(phrase))
    }

    /// Whether this is only a greeting or thanks, which needs a polite reply, not knowledge.
    pub fn small_talk(&self) -> Option<SmallTalk> {
        let lower: Vec<&str> = self.words.iter().map(|word| word.lower.as_str()).collect();
        let first = *lower.first()?;
        let rest_is_courtesy =
            |from: usize| lower[from..].iter().all(|word| COURTESY.contains(word) || THANKS.contains(word));
        if THANKS.contains(&first) && rest_is_courtesy(1) {
            return Some(SmallTalk::Thanks);
        }
        let greeting_words = if first == "good" { 2 } else { 1 };
        let greets = GREETINGS.contains(lower.get(greeting_words - 1)?);
        (greets && rest_is_courtesy(greeting_words)).then_some(SmallTalk::Greeting)
    }

    /// The first word of this message that stands for `synonyms` (stems, or phrases with a
    /// space), skipping names ("my friend Bill"), false friends ("bill of fare") and negated
    /// mentions ("not a billing question").
    pub fn mentions(&self, synonyms: &[String]) -> Option<String> {
        for phrase in synonyms.iter().filter(|s| s.contains(' ')) {
            if self.contains_phrase(phrase) {
                return Some(phrase.clone());
            }
        }
        self.words.iter().enumerate().find_map(|(index, word)| {
            let hit = synonyms.contains(&word.stem) && !self.stands_apart(index);
            hit.then(|| word.lower.clone())
        })
    }

    /// Whether the word at `index`, though it looks like a topic word, means something else here.
    fn stands_apart(&self, index: usize) -> bool {
        let word = &self.words[index];
        let capitalised = word.raw.chars().next().is_some_and(char::is_uppercase)
            && word.raw.chars().skip(1).all(char::is_lowercase);
        let a_name = capitalised && !word.starts_sentence && ALSO_NAMES.contains(&word.lower.as_str());
        let next = self.words.get(index + 1).map(|w| w.lower.as_str());
        let previous = index.checked_sub(1).map(|i| self.words[i].lower.as_str());
        let false_friend = FALSE_FRIENDS.iter().any(|(first, second)| {
            (word.lower.starts_with(first) && next == Some(second))
                || (previous == Some(first) && word.lower.starts_with(second))
        });
        a_name || false_friend || self.negated_mention(index)
    }

    /// "Not a billing question", "isn't damaged", "no allergies": a negation just before the
    /// word, with only small words between.
    fn negated_mention(&self, index: usize) -> bool {
        const BETWEEN: &[&str] =
            &["a", "an", "the", "any", "about", "my", "really", "have", "got", "related", "to"];
        self.words[..index]
            .iter()
            .rev()
            .find(|word| !BETWEEN.contains(&word.lower.as_str()))
            .is_some_and(|word| NEGATIONS.contains(&word.lower.as_str()) || word.lower.ends_with("n't"))
    }
}

/// A word as the words it stands for: "didn't" is "did not", "that's" is "that is".
fn expand(word: &str) -> Vec<String> {
    if let Some(stem) = word.strip_suffix("n't") {
        let stem = match stem {
            "ca" => "can",
            "wo" => "will",
            other => other,
        };
        return vec![stem.to_owned(), "not".to_owned()];
    }
    for (suffix, full) in [("'s", "is"), ("'re", "are"), ("'m", "am"), ("'ve", "have")] {
        if let Some(stem) = word.strip_suffix(suffix) {
            return vec![stem.to_owned(), full.to_owned()];
        }
    }
    vec![word.to_owned()]
}
