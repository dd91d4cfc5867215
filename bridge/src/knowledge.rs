//! A knowledge file — markdown, one answer per section — and Okapi BM25 retrieval over it, so the
//! builtin agent answers from what the site owner wrote and knows when nothing fits.

use std::collections::HashMap;

use rust_stemmers::{Algorithm, Stemmer};

/// BM25's term-frequency saturation and length normalisation, at their usual values.
const K1: f64 = 1.2;
const B: f64 = 0.75;
/// A section's title counts this many times over its body: titles name what a section is about.
const TITLE_WEIGHT: usize = 3;

/// Words too common to tell sections apart.
const STOPWORDS: &[&str] = &[
    "a", "about", "am", "an", "and", "are", "as", "at", "be", "can", "could", "do", "does", "for", "from",
    "get", "have", "hello", "hey", "hi", "how", "i", "if", "in", "is", "it", "me", "my", "of", "on", "or",
    "our", "please", "so", "that", "the", "there", "this", "to", "us", "was", "we", "what", "when", "where",
    "which", "who", "why", "will", "with", "would", "you", "your",
];

/// One answer of the knowledge file.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// The heading.
    pub title: String,
    /// The markdown under it.
    pub body: String,
    terms: HashMap<String, usize>,
    length: usize,
}

/// A parsed knowledge file with its retrieval statistics.
#[derive(Debug, Clone)]
pub struct Knowledge {
    sections: Vec<Section>,
    document_frequency: HashMap<String, usize>,
    average_length: f64,
}

/// A section and how well it matched.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Match<'a> {
    /// The section.
    pub section: &'a Section,
    /// Its BM25 score for the query.
    pub score: f64,
}

impl Knowledge {
    /// Splits `markdown` at its `#` and `##` headings; text before the first heading is ignored.
    pub fn parse(markdown: &str) -> Self {
        let stemmer = Stemmer::create(Algorithm::English);
        let mut raw: Vec<(String, String)> = Vec::new();
        for line in markdown.lines() {
            if let Some(title) = line.strip_prefix("## ").or_else(|| line.strip_prefix("# ")) {
                raw.push((title.trim().to_owned(), String::new()));
            } else if let Some((_, body)) = raw.last_mut() {
                body.push_str(line);
                body.push('\n');
            }
        }
        let sections: Vec<Section> = raw
            .into_iter()
            .filter(|(_, body)| !body.trim().is_empty())
            .map(|(title, body)| {
                let mut terms = HashMap::new();
                let mut length = 0;
                let title_terms = tokens(&stemmer, &title).flat_map(|t| std::iter::repeat_n(t, TITLE_WEIGHT));
                for term in title_terms.chain(tokens(&stemmer, &body)) {
                    *terms.entry(term).or_insert(0) += 1;
                    length += 1;
                }
                Section { title, body: body.trim().to_owned(), terms, length }
            })
            .collect();
        let mut document_frequency = HashMap::new();
        for section in &sections {
            for term in section.terms.keys() {
                *document_frequency.entry(term.clone()).or_insert(0) += 1;
            }
        }
        let total: usize = sections.iter().map(|s| s.length).sum();
        let average_length = total as f64 / sections.len().max(1) as f64;
        Self { sections, document_frequency, average_length }
    }

    /// The sections, in file order.
    pub fn sections(&self) -> &[Section] {
        &self.sections
    }

    /// The best-scoring section for `query`, if any shares a term with it.
    pub fn best_match(&self, query: &str) -> Option<Match<'_>> {
        self.ranked(query).into_iter().next()
    }

    /// Every section sharing a term with `query`, best first.
    pub fn ranked(&self, query: &str) -> Vec<Match<'_>> {
        let stemmer = Stemmer::create(Algorithm::English);
        let mut query_terms: Vec<String> = tokens(&stemmer, query).collect();
        query_terms.sort();
        query_terms.dedup();
        let mut matches: Vec<Match<'_>> = self
            .sections
            .iter()
            .map(|section| Match { section, score: self.score(section, &query_terms) })
            .filter(|m| m.score > 0.0)
            .collect();
        matches.sort_by(|a, b| b.score.total_cmp(&a.score));
        matches
    }

    fn score(&self, section: &Section, query_terms: &[String]) -> f64 {
        let n = self.sections.len() as f64;
        query_terms
            .iter()
            .filter_map(|term| {
                let tf = *section.terms.get(term)? as f64;
                let df = self.document_frequency.get(term).copied().unwrap_or(0) as f64;
                let idf = ((n - df + 0.5) / (df + 0.5) + 1.0).ln();
                let norm = 1.0 - B + B * section.length as f64 / self.average_length;
                Some(idf * tf * (K1 + 1.0) / (tf + K1 * norm))
            })
            .sum()
    }
}

/// Lower-cased, stemmed words of `text`, without stopwords.
fn tokens<'a>(stemmer: &'a Stemmer, text: &'a str) -> impl Iterator<Item = String> + 'a {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .filter(|word| !STOPWORDS.contains(&word.as_str()))
        .map(|word| stemmer.stem(&word).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "Intro text is ignored.\n\
        # Shipping\nWe ship beans within two days of roasting.\n\
        ## Returns\nUnopened bags can be returned within 30 days for a refund.\n\
        ## Subscriptions\nA subscription delivers fresh coffee every two or four weeks. Pause any time.\n\
        ## Empty\n\n";

    #[test]
    fn sections_split_at_headings_and_empty_ones_are_dropped() {
        let knowledge = Knowledge::parse(FILE);
        let titles: Vec<&str> = knowledge.sections().iter().map(|s| s.title.as_str()).collect();
        assert_eq!(titles, ["Shipping", "Returns", "Subscriptions"]);
        assert_eq!(
            knowledge.sections()[1].body,
            "Unopened bags can be returned within 30 days for a refund."
        );
    }

    #[test]
    fn stemming_matches_other_forms_of_a_word() {
        let knowledge = Knowledge::parse(FILE);
        let best = knowledge.best_match("How do I return an opened bag?").expect("matches");
        assert_eq!(best.section.title, "Returns");
        let best = knowledge.best_match("pausing my subscribed deliveries").expect("matches");
        assert_eq!(best.section.title, "Subscriptions");
    }

    #[test]
    fn rarer_terms_outweigh_common_ones() {
        // "two" is in two sections, "roasting" in one: the rare word decides.
        let knowledge = Knowledge::parse(FILE);
        let best = knowledge.best_match("two days after roasting?").expect("matches");
        assert_eq!(best.section.title, "Shipping");
    }

    #[test]
    fn a_question_sharing_no_word_matches_nothing() {
        let knowledge = Knowledge::parse(FILE);
        assert_eq!(knowledge.best_match("Can you tell me a joke?"), None);
        assert_eq!(Knowledge::parse("").best_match("shipping"), None);
    }
}
