//! The markdown subset messages are written in — paragraphs, emphasis, code, lists and links —
//! parsed into a small tree that the view renders as elements and text nodes. Nothing is ever
//! handed to the browser as HTML, and only `http`, `https` and `mailto` links become live.

/// A block of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// Text; line breaks inside it are kept.
    Paragraph(Vec<Inline>),
    /// A fenced code block, verbatim.
    Code(String),
    /// A list; `ordered` lists are numbered from `start`.
    List {
        /// Numbered or bulleted.
        ordered: bool,
        /// The first number of a numbered list.
        start: u32,
        /// One entry per item.
        items: Vec<Vec<Inline>>,
    },
}

/// A run of text inside a block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inline {
    /// Plain text.
    Text(String),
    /// `**strong**`.
    Strong(Vec<Inline>),
    /// `*emphasis*` or `_emphasis_`.
    Emphasis(Vec<Inline>),
    /// `` `code` ``, verbatim.
    Code(String),
    /// A live link to a safe URL.
    Link {
        /// Where it goes: `http`, `https` or `mailto` only.
        href: String,
        /// What it says.
        children: Vec<Inline>,
    },
}

/// Parses `text` into blocks.
pub fn parse(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") {
            flush(&mut paragraph, &mut blocks);
            let mut code = Vec::new();
            for line in lines.by_ref() {
                if line.trim_start().starts_with("```") {
                    break;
                }
                code.push(line);
            }
            blocks.push(Block::Code(code.join("\n")));
        } else if let Some((ordered, start, first)) = list_item(trimmed) {
            flush(&mut paragraph, &mut blocks);
            let mut items = vec![first.to_owned()];
            while let Some(next) = lines.peek() {
                match list_item(next.trim_start()) {
                    Some((same, _, item)) if same == ordered => items.push(item.to_owned()),
                    // An indented line continues the item above it.
                    None if next.starts_with("  ") && !next.trim().is_empty() => {
                        if let Some(last) = items.last_mut() {
                            last.push('\n');
                            last.push_str(next.trim());
                        }
                    }
                    _ => break,
                }
                lines.next();
            }
            let items = items.iter().map(|item| inlines(item)).collect();
            blocks.push(Block::List { ordered, start, items });
        } else if trimmed.is_empty() {
            flush(&mut paragraph, &mut blocks);
        } else if let Some(heading) = heading(trimmed) {
            flush(&mut paragraph, &mut blocks);
            blocks.push(Block::Paragraph(vec![Inline::Strong(inlines(heading))]));
        } else {
            paragraph.push(line);
        }
    }
    flush(&mut paragraph, &mut blocks);
    blocks
}

fn flush(paragraph: &mut Vec<&str>, blocks: &mut Vec<Block>) {
    if !paragraph.is_empty() {
        blocks.push(Block::Paragraph(inlines(&paragraph.join("\n"))));
        paragraph.clear();
    }
}

fn heading(line: &str) -> Option<&str> {
    let rest = line.trim_start_matches('#');
    let level = line.len() - rest.len();
    ((1..=6).contains(&level) && rest.starts_with(' ')).then(|| rest.trim())
}

/// `- item`, `* item`, `+ item` (bulleted) or `3. item`, `3) item` (numbered).
fn list_item(line: &str) -> Option<(bool, u32, &str)> {
    for bullet in ["- ", "* ", "+ "] {
        if let Some(item) = line.strip_prefix(bullet) {
            return Some((false, 1, item));
        }
    }
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    let rest = &line[digits..];
    let item = rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") "))?;
    let start = line[..digits].parse().ok()?;
    Some((true, start, item))
}

/// Parses the inline markup of one block.
pub fn inlines(text: &str) -> Vec<Inline> {
    let mut parser = InlineParser { out: Vec::new(), text: String::new() };
    parser.run(text);
    parser.finish()
}

struct InlineParser {
    out: Vec<Inline>,
    text: String,
}

impl InlineParser {
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

    fn literal<'a>(&mut self, rest: &'a str, len: usize) -> &'a str {
        self.text.push_str(&rest[..len]);
        &rest[len..]
    }

    fn push(&mut self, inline: Inline) {
        if !self.text.is_empty() {
            self.out.push(Inline::Text(std::mem::take(&mut self.text)));
        }
        self.out.push(inline);
    }

    fn finish(mut self) -> Vec<Inline> {
        if !self.text.is_empty() {
            self.out.push(Inline::Text(self.text));
        }
        self.out
    }

    fn escape<'a>(&mut self, rest: &'a str) -> &'a str {
        match rest[1..].chars().next() {
            Some(next) if next.is_ascii_punctuation() => {
                self.text.push(next);
                &rest[1 + next.len_utf8()..]
            }
            _ => self.literal(rest, 1),
        }
    }

    fn code<'a>(&mut self, rest: &'a str) -> &'a str {
        match rest[1..].find('`') {
            Some(end) if end > 0 => {
                self.push(Inline::Code(rest[1..=end].to_owned()));
                &rest[end + 2..]
            }
            _ => self.literal(rest, 1),
        }
    }

    fn emphasis<'a>(&mut self, rest: &'a str, marker: char) -> &'a str {
        let strong = format!("{marker}{marker}");
        if rest.starts_with(&strong) {
            if let Some(end) = rest[2..].find(&strong).filter(|&end| end > 0) {
                self.push(Inline::Strong(inlines(&rest[2..end + 2])));
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
                self.push(Inline::Emphasis(inlines(&rest[1..=end])));
                after
            }
            _ => self.literal(rest, 1),
        }
    }

    fn link<'a>(&mut self, rest: &'a str) -> &'a str {
        let parsed = rest.find("](").and_then(|label_end| {
            let url_end = rest[label_end + 2..].find(')')? + label_end + 2;
            Some((&rest[1..label_end], &rest[label_end + 2..url_end], url_end))
        });
        match parsed {
            Some((label, url, end)) if !label.contains('[') => {
                match safe_href(url.trim()) {
                    Some(href) => self.push(Inline::Link { href, children: inlines(label) }),
                    // An unsafe link shows exactly as it was written, as text.
                    None => self.text.push_str(&rest[..=end]),
                }
                &rest[end + 1..]
            }
            _ => self.literal(rest, 1),
        }
    }

    fn autolink<'a>(&mut self, rest: &'a str) -> &'a str {
        let len = rest.find(|c: char| c.is_whitespace() || c == '<' || c == '>').unwrap_or(rest.len());
        // Trailing punctuation ends the sentence, not the URL.
        let url = rest[..len].trim_end_matches(['.', ',', ';', ':', '!', '?', ')', '\'', '"']);
        match safe_href(url) {
            Some(href) if url.len() > "https://".len() => {
                self.push(Inline::Link { href: href.clone(), children: vec![Inline::Text(href)] });
                &rest[url.len()..]
            }
            _ => self.literal(rest, 1),
        }
    }
}

/// `url` if it is an `http`, `https` or `mailto` URL with nothing a browser would reinterpret.
pub fn safe_href(url: &str) -> Option<String> {
    if url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return None;
    }
    let lower = url.to_ascii_lowercase();
    ["http://", "https://", "mailto:"]
        .iter()
        .any(|scheme| lower.starts_with(scheme) && lower.len() > scheme.len())
        .then(|| url.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use Inline::*;

    fn text(s: &str) -> Inline {
        Text(s.to_owned())
    }

    #[test]
    fn paragraphs_split_at_blank_lines_and_keep_line_breaks() {
        assert_eq!(
            parse("one\ntwo\n\nthree"),
            [Block::Paragraph(vec![text("one\ntwo")]), Block::Paragraph(vec![text("three")])]
        );
    }

    #[test]
    fn emphasis_strong_and_code_nest_as_written() {
        assert_eq!(
            inlines("a **bold *and* em** `x*y` _it_ b"),
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
        assert_eq!(inlines("2 * 3 * 4"), [text("2 * 3 * 4")]);
        assert_eq!(inlines("snake_case_name"), [text("snake_case_name")]);
        assert_eq!(inlines("**unclosed"), [text("**unclosed")]);
        assert_eq!(inlines(r"\*not em\*"), [text("*not em*")]);
    }

    #[test]
    fn lists_bulleted_and_numbered_with_continuations() {
        assert_eq!(
            parse("Grinds:\n- fine\n- medium\n  for filter\n\n3. three\n4. four"),
            [
                Block::Paragraph(vec![text("Grinds:")]),
                Block::List {
                    ordered: false,
                    start: 1,
                    items: vec![vec![text("fine")], vec![text("medium\nfor filter")]]
                },
                Block::List { ordered: true, start: 3, items: vec![vec![text("three")], vec![text("four")]] },
            ]
        );
    }

    #[test]
    fn fenced_code_is_verbatim() {
        assert_eq!(parse("```\n<b>**x**</b>\n```"), [Block::Code("<b>**x**</b>".into())]);
    }

    #[test]
    fn safe_links_are_live_and_others_stay_text() {
        assert_eq!(
            inlines("[our site](https://lumen.example/a?b=1)"),
            [Link { href: "https://lumen.example/a?b=1".into(), children: vec![text("our site")] }]
        );
        assert_eq!(
            inlines("[mail](mailto:help@lumen.example)"),
            [Link { href: "mailto:help@lumen.example".into(), children: vec![text("mail")] }]
        );
        for hostile in [
            "[x](javascript:alert(1))",
            "[x](JaVaScRiPt:alert(1))",
            "[x](java\tscript:alert(1))",
            "[x](data:text/html,<script>alert(1)</script>)",
            "[x](vbscript:msgbox)",
            "[x](/relative)",
        ] {
            let parsed = inlines(hostile);
            assert!(!parsed.iter().any(|i| matches!(i, Link { .. })), "{hostile} → {parsed:?}");
        }
    }

    #[test]
    fn bare_urls_become_links_without_trailing_punctuation() {
        assert_eq!(
            inlines("See https://lumen.example/help."),
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

    #[test]
    fn headings_become_strong_lines() {
        assert_eq!(parse("## Hi"), [Block::Paragraph(vec![Strong(vec![text("Hi")])])]);
        assert_eq!(parse("#hashtag"), [Block::Paragraph(vec![text("#hashtag")])]);
    }

    #[test]
    fn arbitrary_text_never_panics() {
        for input in ["*", "**", "`", "[", "[](", "[a](", "\\", "_", "1.", "- ", "é*é_é`é[é](é", "```"]
        {
            parse(input);
        }
    }
}
