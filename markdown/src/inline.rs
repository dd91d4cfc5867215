//! The inline markup of one block: `**strong**`, `*emphasis*` and `_emphasis_`, `` `code` ``,
//! `[links](https://…)` and bare `https://` URLs, `\` escapes. A marker without its partner
//! stays text, so `2 * 3` and `snake_case` read as written.

use crate::{Inline, Links};

/// Parses the inline markup of one block, with live links as `links` allows.
#[inline]
pub fn inlines(text: &str, links: Links) -> Vec<Inline> {
    let mut parser = Parser { out: Vec::new(), text: String::new(), links };
    parser.run(text);
    parser.finish()
}

struct Parser {
    out: Vec<Inline>,
    text: String,
    links: Links,
}

impl Parser {
    #[inline]
    fn run(&mut self, source: &str) {
        let mut rest = source;
        while let Some(c) = rest.chars().next() {
            rest = match c {
                '\\' => self.escape(rest),
                '`' => self.code(rest),
                '*' | '_' => self.emphasis(rest, c),
                '[' => self.link(rest),
                'h' if rest.starts_with("http://") || rest.starts_with("https://") => self.autolink(rest),
                _ => self.literal(rest, c.len_utf8()),
            };
        }
    }

    #[inline]
    fn nested(&self, text: &str) -> Vec<Inline> {
        inlines(text, self.links)
    }

    #[inline]
    fn literal<'a>(&mut self, rest: &'a str, len: usize) -> &'a str {
        self.text.push_str(&rest[..len]);
        &rest[len..]
    }

    #[inline]
    fn push(&mut self, inline: Inline) {
        if !self.text.is_empty() {
            self.out.push(Inline::Text(std::mem::take(&mut self.text)));
        }
        self.out.push(inline);
    }

    #[inline]
    fn finish(mut self) -> Vec<Inline> {
        if !self.text.is_empty() {
            self.out.push(Inline::Text(self.text));
        }
        self.out
    }

    #[inline]
    fn escape<'a>(&mut self, rest: &'a str) -> &'a str {
        match rest[1..].chars().next() {
            Some(next) if next.is_ascii_punctuation() => {
                self.text.push(next);
                &rest[1 + next.len_utf8()..]
            }
            _ => self.literal(rest, 1),
        }
    }

    #[inline]
    fn code<'a>(&mut self, rest: &'a str) -> &'a str {
        match rest[1..].find('`') {
            Some(end) if end > 0 => {
                self.push(Inline::Code(rest[1..=end].to_owned()));
                &rest[end + 2..]
            }
            _ => self.literal(rest, 1),
        }
    }

    #[inline]
    fn emphasis<'a>(&mut self, rest: &'a str, marker: char) -> &'a str {
        let strong = format!("{marker}{marker}");
        if rest.starts_with(&strong) {
            if let Some(end) = rest[2..].find(&strong).filter(|&end| end > 0) {
                let inner = self.nested(&rest[2..end + 2]);
                self.push(Inline::Strong(inner));
                return &rest[end + 4..];
            }
            return self.literal(rest, 2);
        }
        // `_` marks emphasis only at word edges, so snake_case stays as it is.
        let opens_word = marker == '*' || !self.text.ends_with(|c: char| c.is_alphanumeric());
        let closing = rest[1..].find(marker).filter(|&end| end > 0);
        match closing {
            Some(end) if opens_word && !rest[1..].starts_with(' ') => {
                let after = &rest[end + 2..];
                if marker == '_' && after.starts_with(|c: char| c.is_alphanumeric()) {
                    return self.literal(rest, 1);
                }
                let inner = self.nested(&rest[1..=end]);
                self.push(Inline::Emphasis(inner));
                after
            }
            _ => self.literal(rest, 1),
        }
    }

    #[inline]
    fn link<'a>(&mut self, rest: &'a str) -> &'a str {
        let parsed = rest.find("](").and_then(|label_end| {
            let url_end = rest[label_end + 2..].find(')')? + label_end + 2;
            Some((&rest[1..label_end], &rest[label_end + 2..url_end], url_end))
        });
        match parsed {
            Some((label, url, end)) if !label.contains('[') => {
                match self.links.allow(url.trim()) {
                    Some(href) => {
                        let children = self.nested(label);
                        self.push(Inline::Link { href, children });
                    }
                    // A link the rule does not allow shows exactly as it was written, as text.
                    None => self.text.push_str(&rest[..=end]),
                }
                &rest[end + 1..]
            }
            _ => self.literal(rest, 1),
        }
    }

    #[inline]
    fn autolink<'a>(&mut self, rest: &'a str) -> &'a str {
        let len = rest.find(|c: char| c.is_whitespace() || c == '<' || c == '>').unwrap_or(rest.len());
        // Trailing punctuation ends the sentence, not the URL.
        let url = rest[..len].trim_end_matches(['.', ',', ';', ':', '!', '?', ')', '\'', '"']);
        match self.links.allow(url) {
            Some(href) if url.len() > "https://".len() => {
                self.push(Inline::Link { href: href.clone(), children: vec![Inline::Text(href)] });
                &rest[url.len()..]
            }
            _ => self.literal(rest, 1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Inline::*;

    fn text(s: &str) -> Inline {
        Text(s.to_owned())
    }

    fn md(source: &str) -> Vec<Inline> {
        inlines(source, Links::WebAndMail)
    }

    #[test]
    fn emphasis_strong_and_code_nest_as_written() {
        assert_eq!(
            md("a **bold *and* em** `x*y` _it_ b"),
            [
                text("a "),
                Strong(vec![text("bold "), Emphasis(vec![text("and")]), text(" em")]),
                text(" "),
                Code("x*y".into()),
                text(" "),
                Emphasis(vec![text("it")]),
                text(" b"),
            ]
        );
    }

    #[test]
    fn stray_markers_stay_text() {
        assert_eq!(md("2 * 3 * 4"), [text("2 * 3 * 4")]);
        assert_eq!(md("snake_case_name"), [text("snake_case_name")]);
        assert_eq!(md("**unclosed"), [text("**unclosed")]);
        assert_eq!(md(r"\*not em\*"), [text("*not em*")]);
    }

    #[test]
    fn allowed_links_are_live_and_others_stay_text() {
        assert_eq!(
            md("[our site](https://lumen.example/a?b=1)"),
            [Link { href: "https://lumen.example/a?b=1".into(), children: vec![text("our site")] }]
        );
        assert_eq!(
            md("[mail](mailto:help@lumen.example)"),
            [Link { href: "mailto:help@lumen.example".into(), children: vec![text("mail")] }]
        );
        assert_eq!(
            inlines("[mail](mailto:help@lumen.example)", Links::Web),
            [text("[mail](mailto:help@lumen.example)")]
        );
        for hostile in [
            "[x](javascript:alert(1))",
            "[x](JaVaScRiPt:alert(1))",
            "[x](java\tscript:alert(1))",
            "[x](data:text/html,<script>alert(1)</script>)",
            "[x](vbscript:msgbox)",
            "[x](/relative)",
        ] {
            let parsed = md(hostile);
            assert!(!parsed.iter().any(|i| matches!(i, Link { .. })), "{hostile} → {parsed:?}");
        }
    }

    #[test]
    fn bare_urls_become_links_without_trailing_punctuation() {
        assert_eq!(
            md("See https://lumen.example/help."),
            [
                text("See "),
                Link {
                    href: "https://lumen.example/help".into(),
                    children: vec![text("https://lumen.example/help")]
                },
                text("."),
            ]
        );
    }
}
