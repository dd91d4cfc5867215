//! The languages the builtin agent answers in (English, French, Spanish, German): read from a
//! locale tag such as `fr-CA`, or guessed from a visitor's message by its most common small
//! words, so a French question gets a French fallback whatever the page said.

/// A language the builtin agent has texts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    /// The default.
    English,
    /// `fr`.
    French,
    /// `es`.
    Spanish,
    /// `de`.
    German,
}

/// Small words that mark each language, as lower-case words.
const MARKERS: [(Language, &[&str]); 4] = [
    (Language::English, &["the", "i", "you", "to", "is", "a", "and", "my", "can", "what", "how", "do", "it"]),
    (
        Language::French,
        &[
            "je", "vous", "le", "la", "les", "est", "un", "une", "et", "mon", "ma", "mes", "pour", "à", "de",
            "avec", "pas", "comment", "quel", "quelle", "bonjour", "merci", "parler", "j'ai", "c'est",
        ],
    ),
    (
        Language::Spanish,
        &[
            "yo", "el", "los", "las", "es", "una", "y", "mi", "para", "con", "por", "cómo", "qué", "quiero",
            "hola", "gracias", "hablar", "puedo", "no", "del", "pedido",
        ],
    ),
    (
        Language::German,
        &[
            "ich", "sie", "der", "die", "das", "ist", "ein", "eine", "einem", "und", "mein", "meine", "mit",
            "für", "wie", "was", "nicht", "hallo", "danke", "sprechen", "möchte", "bitte",
        ],
    ),
];

impl Language {
    /// The language of a locale tag (`fr`, `fr-CA`, `de_AT`); `None` for the others.
    pub fn from_tag(tag: &str) -> Option<Self> {
        match tag.split(['-', '_']).next()?.to_ascii_lowercase().as_str() {
            "en" => Some(Self::English),
            "fr" => Some(Self::French),
            "es" => Some(Self::Spanish),
            "de" => Some(Self::German),
            _ => None,
        }
    }

    /// The language tag, as the agents file keys its texts.
    pub fn tag(self) -> &'static str {
        match self {
            Self::English => "en",
            Self::French => "fr",
            Self::Spanish => "es",
            Self::German => "de",
        }
    }

    /// The language `text` is most likely written in: the one whose small words it uses most;
    /// English on a tie or when it has none.
    pub fn guess(text: &str) -> Self {
        let text = text.replace(['\u{2019}', '\u{2018}'], "'").to_lowercase();
        let words: Vec<&str> = text
            .split(|c: char| !(c.is_alphanumeric() || c == '\''))
            .filter(|word| !word.is_empty())
            .collect();
        let mut best = (Self::English, 0);
        for (language, markers) in MARKERS {
            let score = words.iter().filter(|word| markers.contains(word)).count();
            if score > best.1 {
                best = (language, score);
            }
        }
        best.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_name_the_language_and_others_are_none() {
        assert_eq!(Language::from_tag("fr-CA"), Some(Language::French));
        assert_eq!(Language::from_tag("DE_at"), Some(Language::German));
        assert_eq!(Language::from_tag("es"), Some(Language::Spanish));
        assert_eq!(Language::from_tag("it-IT"), None);
        assert_eq!(Language::from_tag(""), None);
        assert_eq!(Language::German.tag(), "de");
    }

    #[test]
    fn messages_are_read_in_their_own_language() {
        assert_eq!(Language::guess("Je voudrais parler à un conseiller"), Language::French);
        assert_eq!(Language::guess("Est-ce que vous livrez en Belgique ?"), Language::French);
        assert_eq!(Language::guess("Quiero hablar con una persona"), Language::Spanish);
        assert_eq!(Language::guess("¿Dónde está mi pedido?"), Language::Spanish);
        assert_eq!(Language::guess("Ich möchte mit einem Menschen sprechen"), Language::German);
        assert_eq!(Language::guess("Wo ist meine Bestellung?"), Language::German);
        assert_eq!(Language::guess("Can I talk to a person?"), Language::English);
        assert_eq!(Language::guess("Kenya?"), Language::English, "nothing to go on");
    }
}
