//! The markdown subset Baton's messages are written in — paragraphs, emphasis, code, lists and
//! links — parsed into a small tree that each side renders its own way: the widget as DOM
//! elements and text nodes, the bridge as Intercom's HTML. One parser, so a message reads the
//! same in the visitor's chat, in the teammate's transcript note and in Copilot's drafts.
//!
//! Text is written for reading, not for layout: a single line break inside a paragraph is a
//! space (knowledge files and models wrap lines anywhere), a blank line starts a new paragraph,
//! and each list item stays an item. A line ending in two spaces or a backslash keeps its break,
//! as markdown says, and arrives as `\n` in the text.
//!
//! Every function is `#[inline]`, so the widget compiles the parser into its own code, with the
//! standard library's generic string functions it already has, instead of a second copy of
//! them: without it the widget's wasm grew by 0.7 KB gzip, with it by 0.1 KB.
//!
//! # Layout
//! - this file: the tree, the link rule and the block parser;
//! - [`inline`]: emphasis, code and links inside a block.

mod inline;

pub use inline::inlines;

/// A block of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// Text, its soft line breaks joined.
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
    /// Plain text; `\n` only where the writer forced a break.
    Text(String),
    /// `**strong**`.
    Strong(Vec<Inline>),
    /// `*emphasis*` or `_emphasis_`.
    Emphasis(Vec<Inline>),
    /// `` `code` ``, verbatim.
    Code(String),
    /// A live link to a URL the [`Links`] rule allows.
    Link {
        /// Where it goes.
        href: String,
        /// What it says.
        children: Vec<Inline>,
    },
}

/// Which links become live; any other shows exactly as it was written, as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Links {
    /// `http` and `https`: Intercom's HTML.
    Web,
    /// `http`, `https` and `mailto`: the widget.
    WebAndMail,
}

impl Links {
    /// `url` if it has an allowed scheme and nothing a browser would reinterpret.
    #[inline]
    pub fn allow(self, url: &str) -> Option<String> {
        if url.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return None;
        }
        let schemes: &[&str] = match self {
            Links::Web => &["http://", "https://"],
            Links::WebAndMail => &["http://", "https://", "mailto:"],
        };
        let lower = url.to_ascii_lowercase();
        schemes
            .iter()
            .any(|scheme| lower.starts_with(scheme) && lower.len() > scheme.len())
            .then(|| url.to_owned())
    }
}

/// Parses `text` into blocks, with live links as `links` allows.
#[inline]
pub fn parse(text: &str, links: Links) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") {
            flush(&mut paragraph, &mut blocks, links);
            let mut code = Vec::new();
            for line in lines.by_ref() {
                if line.trim_start().starts_with("```") {
                    break;
                }
                code.push(line);
            }
            blocks.push(Block::Code(code.join("\n")));
        } else if let Some((ordered, start, first)) = list_item(trimmed) {
            flush(&mut paragraph, &mut blocks, links);
            let mut items = vec![vec![first]];
            while let Some(next) = lines.peek() {
                let next_trimmed = next.trim_start();
                match list_item(next_trimmed) {
                    Some((same, _, item)) if same == ordered => items.push(vec![item]),
                    Some(_) => break,
                    // A line that starts nothing new continues the item above it, indented or not.
                    None if starts_block(next_trimmed) => break,
                    None => {
                        if let Some(last) = items.last_mut() {
                            last.push(next);
                        }
                    }
                }
                lines.next();
            }
            let items = items.iter().map(|item| inlines(&join(item), links)).collect();
            blocks.push(Block::List { ordered, start, items });
        } else if trimmed.is_empty() {
            flush(&mut paragraph, &mut blocks, links);
        } else if let Some(heading) = heading(trimmed) {
            flush(&mut paragraph, &mut blocks, links);
            blocks.push(Block::Paragraph(vec![Inline::Strong(inlines(heading, links))]));
        } else {
            paragraph.push(line);
        }
    }
    flush(&mut paragraph, &mut blocks, links);
    blocks
}

/// Whether `line` (trimmed at the start) ends a list: blank, a fence or a heading.
#[inline]
fn starts_block(line: &str) -> bool {
    line.is_empty() || line.starts_with("```") || heading(line).is_some()
}

#[inline]
fn flush(paragraph: &mut Vec<&str>, blocks: &mut Vec<Block>, links: Links) {
    if !paragraph.is_empty() {
        blocks.push(Block::Paragraph(inlines(&join(paragraph), links)));
        paragraph.clear();
    }
}

/// The lines of one paragraph or item as one text: a soft break is a space, a hard one (two
/// trailing spaces or a backslash) a `\n`. Only the spaces around a break go: a streamed
/// paragraph's trailing space stays until the next piece arrives.
#[inline]
fn join(lines: &[&str]) -> String {
    let mut text = String::new();
    for (n, line) in lines.iter().enumerate() {
        let line = if n == 0 { line } else { line.trim_start() };
        if n + 1 == lines.len() {
            text.push_str(line);
            break;
        }
        let hard = line.ends_with("  ") || line.ends_with('\\');
        let line = line.trim_end();
        text.push_str(if hard { line.strip_suffix('\\').unwrap_or(line).trim_end() } else { line });
        text.push(if hard { '\n' } else { ' ' });
    }
    text
}

#[inline]
fn heading(line: &str) -> Option<&str> {
    let rest = line.trim_start_matches('#');
    let level = line.len() - rest.len();
    ((1..=6).contains(&level) && rest.starts_with(' ')).then(|| rest.trim())
}

/// `- item`, `* item`, `+ item` (bulleted) or `3. item`, `3) item` (numbered).
#[inline]
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

#[cfg(test)]
mod tests {
    use super::*;
    use Inline::*;

    fn text(s: &str) -> Inline {
        Text(s.to_owned())
    }

    fn md(source: &str) -> Vec<Block> {
        parse(source, Links::WebAndMail)
    }

    #[test]
    fn a_single_line_break_is_a_space_and_a_blank_line_a_new_paragraph() {
        assert_eq!(
            md("We ship within **one working\nday** of roasting.\nDelivery takes\n  two days.\n\nThree"),
            [
                Block::Paragraph(vec![
                    text("We ship within "),
                    Strong(vec![text("one working day")]),
                    text(" of roasting. Delivery takes two days."),
                ]),
                Block::Paragraph(vec![text("Three")]),
            ]
        );
    }

    #[test]
    fn only_the_spaces_around_a_break_go() {
        assert_eq!(md("We ship "), [Block::Paragraph(vec![text("We ship ")])]);
        assert_eq!(
            md("- one \n  two "),
            [Block::List { ordered: false, start: 1, items: vec![vec![text("one two ")]] }]
        );
    }

    #[test]
    fn two_trailing_spaces_or_a_backslash_keep_the_break() {
        assert_eq!(
            md("Lumen Coffee  \n12 Roast Lane\\\nLondon"),
            [Block::Paragraph(vec![text("Lumen Coffee\n12 Roast Lane\nLondon")])]
        );
    }

    #[test]
    fn lists_bulleted_and_numbered_with_wrapped_items() {
        assert_eq!(
            md("Grinds:\n- fine\n- medium\n  for filter\n- coarse, for a\ncafetière\n\n3. three\n4. four"),
            [
                Block::Paragraph(vec![text("Grinds:")]),
                Block::List {
                    ordered: false,
                    start: 1,
                    items: vec![
                        vec![text("fine")],
                        vec![text("medium for filter")],
                        vec![text("coarse, for a cafetière")]
                    ]
                },
                Block::List { ordered: true, start: 3, items: vec![vec![text("three")], vec![text("four")]] },
            ]
        );
        assert_eq!(
            md("- a\n## Next"),
            [
                Block::List { ordered: false, start: 1, items: vec![vec![text("a")]] },
                Block::Paragraph(vec![Strong(vec![text("Next")])]),
            ]
        );
    }

    #[test]
    fn fenced_code_is_verbatim() {
        assert_eq!(md("```\n<b>**x**</b>\n  two\n```"), [Block::Code("<b>**x**</b>\n  two".into())]);
    }

    #[test]
    fn headings_become_strong_lines() {
        assert_eq!(md("## Hi"), [Block::Paragraph(vec![Strong(vec![text("Hi")])])]);
        assert_eq!(md("#hashtag"), [Block::Paragraph(vec![text("#hashtag")])]);
    }

    #[test]
    fn the_link_rule_decides_which_schemes_are_live() {
        assert_eq!(
            Links::WebAndMail.allow("mailto:help@lumen.example").as_deref(),
            Some("mailto:help@lumen.example")
        );
        assert_eq!(Links::Web.allow("mailto:help@lumen.example"), None);
        assert_eq!(Links::Web.allow("HTTPS://lumen.example").as_deref(), Some("HTTPS://lumen.example"));
        for hostile in ["javascript:alert(1)", "java\tscript:x", "data:text/html,x", "/relative", "https://"]
        {
            assert_eq!(Links::WebAndMail.allow(hostile), None, "{hostile}");
        }
    }

    #[test]
    fn arbitrary_text_never_panics() {
        for input in [
            "*",
            "**",
            "`",
            "[",
            "[](",
            "[a](",
            "\\",
            "_",
            "1.",
            "- ",
            "é*é_é`é[é](é",
            "```",
            "- a\n",
            "a  \n",
            "\\\n",
        ] {
            parse(input, Links::Web);
        }
    }
}
