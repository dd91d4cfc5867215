//! Message text as Intercom's HTML. Agent and teammate messages are the markdown subset the
//! widget shows (`baton-markdown` parses it for both), so the transcript note and Copilot's
//! drafts read as the visitor saw them: paragraphs with their soft line breaks joined, bold,
//! italics, code, lists, and `http(s)` links only. Visitors' own words are not markdown: they
//! are escaped as typed, line breaks kept.

use baton_markdown::{Block, Inline, Links};
use html_escape::{encode_double_quoted_attribute as attribute, encode_text as text};

/// The links Intercom's HTML may carry; anything else shows as written.
const LINKS: Links = Links::Web;

/// `markdown` as Intercom HTML: `<p>`, `<b>`, `<i>`, `<code>`, `<pre>`, `<ul>`/`<ol>` with
/// `<li>`, `<a href>`, `<br>`; everything written escaped.
pub fn from_markdown(markdown: &str) -> String {
    let mut html = String::new();
    for block in baton_markdown::parse(markdown, LINKS) {
        match block {
            Block::Paragraph(content) => {
                html.push_str("<p>");
                inlines(&mut html, &content);
                html.push_str("</p>");
            }
            Block::Code(code) => {
                html.push_str(&format!("<pre><code>{}</code></pre>", text(&code)));
            }
            Block::List { ordered, start, items } => {
                html.push_str(
                    match (ordered, start) {
                        (false, _) => "<ul>".to_owned(),
                        (true, 1) => "<ol>".to_owned(),
                        (true, start) => format!("<ol start=\"{start}\">"),
                    }
                    .as_str(),
                );
                for item in items {
                    html.push_str("<li>");
                    inlines(&mut html, &item);
                    html.push_str("</li>");
                }
                html.push_str(if ordered { "</ol>" } else { "</ul>" });
            }
        }
    }
    html
}

/// Plain text as one Intercom paragraph, escaped, its line breaks kept.
pub fn from_plain(plain: &str) -> String {
    format!("<p>{}</p>", text(plain.trim()).replace('\n', "<br>"))
}

fn inlines(html: &mut String, content: &[Inline]) {
    for inline in content {
        match inline {
            Inline::Text(words) => html.push_str(&text(words).replace('\n', "<br>")),
            Inline::Strong(inner) => wrap(html, "b", inner),
            Inline::Emphasis(inner) => wrap(html, "i", inner),
            Inline::Code(code) => html.push_str(&format!("<code>{}</code>", text(code))),
            Inline::Link { href, children } => {
                html.push_str(&format!("<a href=\"{}\">", attribute(href)));
                inlines(html, children);
                html.push_str("</a>");
            }
        }
    }
}

fn wrap(html: &mut String, tag: &str, inner: &[Inline]) {
    html.push_str(&format!("<{tag}>"));
    inlines(html, inner);
    html.push_str(&format!("</{tag}>"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_intercom_html_with_soft_breaks_joined() {
        assert_eq!(
            from_markdown(
                "We ship within **one working\nday**. Open *Account →\nSubscriptions*.\n\n- fine\n- `medium`\n\n3. three"
            ),
            "<p>We ship within <b>one working day</b>. Open <i>Account → Subscriptions</i>.</p>\
             <ul><li>fine</li><li><code>medium</code></li></ul><ol start=\"3\"><li>three</li></ol>"
        );
    }

    #[test]
    fn only_web_links_are_live_and_everything_written_is_escaped() {
        assert_eq!(
            from_markdown("[help](https://lumen.example/a?b=1&c=\"2\") [mail](mailto:x@y.example) <b>hi</b>"),
            "<p><a href=\"https://lumen.example/a?b=1&amp;c=&quot;2&quot;\">help</a> \
             [mail](mailto:x@y.example) &lt;b&gt;hi&lt;/b&gt;</p>"
        );
        assert_eq!(from_markdown("[x](javascript:alert(1))"), "<p>[x](javascript:alert(1))</p>");
        assert_eq!(from_markdown("```\n<i>x</i>\n```"), "<pre><code>&lt;i&gt;x&lt;/i&gt;</code></pre>");
    }

    #[test]
    fn plain_text_keeps_its_breaks_and_its_stars() {
        assert_eq!(from_plain("line *one*\n<two>"), "<p>line *one*<br>&lt;two&gt;</p>");
    }
}
