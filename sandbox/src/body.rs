//! Message bodies. Intercom keeps them as HTML: plain text sent through the API comes back
//! wrapped in paragraphs, webhooks (API 2.15 and later) carry them as plain text again, and
//! the inbox page shows them only after sanitizing.

use std::collections::HashSet;

/// HTML for plain text: escaped, one paragraph per non-empty line, as Intercom stores a
/// message typed in the Messenger or sent with "HTML is not supported".
pub fn from_text(text: &str) -> String {
    text.lines()
        .map(str::trim_end)
        .filter(|line| !line.trim().is_empty())
        .map(|line| format!("<p>{}</p>", escape(line)))
        .collect()
}

/// HTML for a body that may already be HTML (admin replies and notes accept some): kept as
/// it is when it holds a tag, treated as text otherwise.
pub fn from_html_or_text(body: &str) -> String {
    if looks_like_html(body) {
        body.trim().to_owned()
    } else {
        from_text(body)
    }
}

fn looks_like_html(body: &str) -> bool {
    body.match_indices('<').any(|(at, _)| {
        body[at + 1..]
            .chars()
            .next()
            .is_some_and(|next| next.is_ascii_alphabetic() || next == '/' || next == '!')
    })
}

/// The text of an HTML body, one line per paragraph or line break, as webhooks carry it.
pub fn to_text(html: &str) -> String {
    let mut marked = String::with_capacity(html.len() + 16);
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        let end = rest[start..].find('>').map_or(rest.len(), |at| start + at + 1);
        marked.push_str(&rest[..end]);
        if breaks_line(&rest[start..end]) {
            marked.push('\n');
        }
        rest = &rest[end..];
    }
    marked.push_str(rest);
    let stripped = ammonia::Builder::empty()
        .clean_content_tags(HashSet::from(["script", "style"]))
        .clean(&marked)
        .to_string();
    let text =
        stripped.replace("&lt;", "<").replace("&gt;", ">").replace("&nbsp;", " ").replace("&amp;", "&");
    text.lines().map(str::trim).filter(|line| !line.is_empty()).collect::<Vec<_>>().join("\n")
}

/// Whether a tag ends a line of text: a line break, or the end of a block.
fn breaks_line(tag: &str) -> bool {
    let closing = tag.starts_with("</");
    let name: String = tag
        .trim_start_matches(['<', '/'])
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    const BLOCKS: [&str; 12] =
        ["p", "div", "li", "tr", "pre", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6"];
    name == "br" || (closing && BLOCKS.contains(&name.as_str()))
}

/// HTML that is safe to put in the inbox page: ammonia's defaults, which keep formatting and
/// links and drop scripts, event handlers and anything else active.
pub fn sanitize(html: &str) -> String {
    ammonia::clean(html)
}

/// Text escaped for HTML content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_becomes_escaped_paragraphs_and_comes_back() {
        let html = from_text("I <3 coffee & tea\n\nSecond line");
        assert_eq!(html, "<p>I &lt;3 coffee &amp; tea</p><p>Second line</p>");
        assert_eq!(to_text(&html), "I <3 coffee & tea\nSecond line");
    }

    #[test]
    fn html_bodies_are_kept_and_plain_ones_wrapped() {
        assert_eq!(from_html_or_text("<p>Hi <b>there</b></p>"), "<p>Hi <b>there</b></p>");
        assert_eq!(from_html_or_text("1 < 2"), "<p>1 &lt; 2</p>");
    }

    #[test]
    fn webhook_text_drops_markup_and_scripts() {
        assert_eq!(
            to_text("<p>Hello<br>world</p><ul><li>one</li><li>two</li></ul>"),
            "Hello\nworld\none\ntwo"
        );
        assert_eq!(to_text("<script>alert(1)</script><p>caf&eacute;</p>"), "café");
    }

    #[test]
    fn sanitizing_removes_active_content() {
        let clean = sanitize("<p>ok</p><script>alert(1)</script><img src=x onerror=alert(1)>");
        assert!(!clean.contains("<script"));
        assert!(!clean.contains("onerror"));
        assert!(clean.contains("<p>ok</p>"));
    }
}
