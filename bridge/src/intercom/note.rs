//! What a teammate reads of a handoff in Intercom, decided without I/O: the conversation's
//! opening message (what the inbox list previews), and the internal note — a one-line summary,
//! then the handoff, the visitor and the whole transcript with short times.
//!
//! The opening is the visitor's own words: their latest message that says what the
//! conversation is about, skipping greetings, "can I talk to a person?" and "that didn't help",
//! which every handed-off conversation would otherwise open with alike. A visitor who said
//! nothing more gets the reason in plain words. It is posted as the contact, so it must be
//! something they wrote or a plain description, never a guess.

use baton_protocol::{Attachment, Author, Rating, Seq, TranscriptEntry};
use html_escape::{encode_double_quoted_attribute as attribute, encode_text as text};
use time::macros::format_description;
use time::OffsetDateTime;

use super::html;
use crate::handoff::HandoffRequest;
use crate::triggers;

/// Words in every transcript note, to recognise one already posted.
pub const NOTE_MARK: &str = "Baton conversation";
/// What marks a conversation the dashboard's preview started, in the inbox list and the note.
pub const TEST_MARK: &str = "[Test]";

/// Words in every rating note, to recognise one already posted.
pub const RATING_MARK: &str = "Visitor rating";

/// The longest quote of the visitor in the summary line, in characters.
const SUMMARY_QUOTE: usize = 120;

/// The visitor's latest message that says what the conversation is about, if any.
pub fn subject(transcript: &[TranscriptEntry]) -> Option<&str> {
    transcript
        .iter()
        .rev()
        .filter(|message| message.author == Author::Visitor)
        .map(|message| message.text.trim())
        .find(|text| triggers::states_a_subject(text))
}

/// The conversation's first message, from the contact: the [`subject`], or the reason.
pub fn opening_message(request: &HandoffRequest) -> String {
    let opening = match subject(&request.transcript) {
        Some(subject) => subject.to_owned(),
        None => format!("{} (website chat)", request.reason.trim_end_matches('.')),
    };
    // The inbox list shows the opening: a test must be told apart there, before it is opened.
    if request.test {
        format!("{TEST_MARK} {opening}")
    } else {
        opening
    }
}

/// The note that tells the team how the visitor rated the closed conversation, with their
/// comment as typed (escaped: it is the visitor's text, never HTML).
pub fn rating_note(rating: Rating, comment: Option<&str>) -> String {
    let verdict = match rating {
        Rating::Good => "Good",
        Rating::Bad => "Bad",
    };
    let mut note = format!("<p><b>{RATING_MARK}: {verdict}</b></p>");
    if let Some(comment) = comment {
        note.push_str(&format!("<p>“{}”</p>", text(comment)));
    }
    note
}

/// The internal note a teammate reads first: who wants what in one line, then the handoff, why,
/// who, where, and every message.
/// `files` are the visitor's attachments, by the seq of the message each came with: each is
/// named under its message (the files themselves go with the note as its attachments).
pub fn transcript_note(request: &HandoffRequest, verified: bool, files: &[(Seq, Attachment)]) -> String {
    let visitor = &request.visitor;
    let mut who: Vec<String> = Vec::new();
    if let Some(name) = &visitor.name {
        who.push(text(name).into_owned());
    }
    if let Some(email) = &visitor.email {
        who.push(text(email).into_owned());
    }
    if let Some(user_id) = &visitor.user_id {
        who.push(format!("user id {}", text(user_id)));
    }
    let named = visitor.name.as_deref().or(visitor.email.as_deref()).unwrap_or("A visitor");
    let who = if who.is_empty() { "anonymous visitor".to_owned() } else { who.join(", ") };
    let identity = if verified { "verified" } else { "not verified" };

    let mut note = format!("<p><b>{}: {}</b>", text(named), text(&request.reason));
    if let Some(subject) = subject(&request.transcript) {
        note.push_str(&format!(" — “{}”", text(&shortened(subject))));
    }
    note.push_str("</p>");
    if request.test {
        note.push_str(&format!(
            "<p><b>{TEST_MARK}</b> Started from the Baton dashboard's preview by an admin testing the \
             agent, not by a customer.</p>"
        ));
    }
    note.push_str(&format!("<p><b>Handoff:</b> {} (from the website chat)", text(&request.name)));
    if let Some(clause) = &request.clause {
        note.push_str(&format!("<br><b>Trigger:</b> “{}”", text(clause)));
    }
    note.push_str(&format!("<br><b>Visitor:</b> {who} ({identity})"));
    if let Some(url) = &request.page_url {
        let title = request.page_title.as_deref().filter(|title| !title.trim().is_empty()).unwrap_or(url);
        if is_web_link(url) {
            note.push_str(&format!("<br><b>Page:</b> <a href=\"{}\">{}</a>", attribute(url), text(title)));
        } else {
            note.push_str(&format!("<br><b>Page:</b> {} ({})", text(title), text(url)));
        }
    }
    if let Some(locale) = &request.locale {
        note.push_str(&format!("<br><b>Locale:</b> {}", text(locale)));
    }
    note.push_str("</p>");
    let mut day = None;
    for message in &request.transcript {
        let at = OffsetDateTime::from_unix_timestamp(message.at / 1000).ok();
        // The date once, and again only when a message starts another day.
        let date = at.and_then(|at| at.format(format_description!("[day] [month repr:short] [year]")).ok());
        if date.is_some() && date != day {
            let heading = if day.is_none() { "Transcript" } else { "Continued" };
            note.push_str(&format!(
                "<p><b>{heading}</b> · {} (UTC)</p>",
                date.as_deref().unwrap_or_default()
            ));
            day = date;
        }
        let time =
            at.and_then(|at| at.format(format_description!("[hour]:[minute]")).ok()).unwrap_or_default();
        let speaker = match &message.author {
            Author::Visitor => "Visitor".to_owned(),
            Author::Agent if request.agent_name.is_empty() => "AI agent".to_owned(),
            Author::Agent => format!("AI agent ({})", text(&request.agent_name)),
            Author::Teammate { name } => format!("Teammate ({})", text(name)),
        };
        note.push_str(&format!("<p><b>{speaker}</b> · {time}</p>"));
        // The visitor's words as typed; the agent's and teammates' are the widget's markdown.
        note.push_str(&match message.author {
            Author::Visitor => html::from_plain(&message.text),
            _ => html::from_markdown(&message.text),
        });
        for (_, file) in files.iter().filter(|(seq, _)| *seq == message.seq) {
            note.push_str(&format!(
                "<p>📎 {} ({}, {} KB)</p>",
                text(&file.name),
                text(&file.content_type),
                file.size.div_ceil(1024)
            ));
        }
    }
    note.push_str(&format!("<p><i>{NOTE_MARK} {}</i></p>", text(&request.conversation.0)));
    note
}

/// `quote` cut at a word to fit the summary line.
fn shortened(quote: &str) -> String {
    let quote = quote.split_whitespace().collect::<Vec<_>>().join(" ");
    if quote.chars().count() <= SUMMARY_QUOTE {
        return quote;
    }
    let cut: String = quote.chars().take(SUMMARY_QUOTE).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(words, _)| words);
    format!("{cut}…")
}

/// Whether the page's address may be a link a teammate clicks: only `http` and `https` pages,
/// so a `javascript:` or `data:` address the page claimed stays text. The address is parsed as a
/// browser parses a link (surrounding spaces, tabs and newlines ignored), so the scheme checked
/// is the one a click would follow.
fn is_web_link(url: &str) -> bool {
    reqwest::Url::parse(url).is_ok_and(|parsed| matches!(parsed.scheme(), "http" | "https"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rating_note_says_the_verdict_and_quotes_the_comment_as_text() {
        assert_eq!(rating_note(Rating::Good, None), "<p><b>Visitor rating: Good</b></p>");
        let note = rating_note(Rating::Bad, Some("<b>slow</b> & rude"));
        assert!(note.starts_with("<p><b>Visitor rating: Bad</b></p>"), "{note}");
        assert!(
            note.contains("“&lt;b&gt;slow&lt;/b&gt; &amp; rude”"),
            "the comment is text, never HTML: {note}"
        );
    }

    #[test]
    fn only_http_pages_become_links_in_the_note() {
        for (url, linked) in [
            ("https://lumen.example/plans", true),
            ("HTTP://lumen.example/", true),
            ("javascript:alert(document.domain)", false),
            (" JavaScript:alert(1)", false),
            ("java\tscript:alert(1)", false),
            ("data:text/html,<script>alert(1)</script>", false),
            ("/relative/page", false),
        ] {
            let note =
                transcript_note(&HandoffRequest { page_url: Some(url.into()), ..request() }, false, &[]);
            assert_eq!(note.contains("<a href"), linked, "{url}: {note}");
            assert!(note.contains("Plans"), "the page is still named: {note}");
        }
    }
    use crate::store::HandoffId;
    use baton_protocol::{AgentId, ConversationId, Visitor};

    /// 2026-11-25 09:06:40 UTC, in milliseconds.
    const MORNING: i64 = 1_795_597_600_000;

    fn entry(seq: u64, at: i64, author: Author, text: &str) -> TranscriptEntry {
        TranscriptEntry { seq: Seq(seq), at, author, text: text.into() }
    }

    fn request() -> HandoffRequest {
        HandoffRequest {
            handoff: HandoffId(1),
            conversation: ConversationId("c1".into()),
            agent: AgentId::from("demo"),
            agent_name: "Juniper".into(),
            name: "Escalate to support".into(),
            reason: "Topic: billing".into(),
            clause: Some("the issue involves billing".into()),
            visitor: Visitor {
                email: Some("ada@example.com".into()),
                name: Some("<b>Ada</b>".into()),
                ..Visitor::default()
            },
            email_given: false,
            routing: Default::default(),
            page_url: Some("https://lumen.example/\"><script>".into()),
            page_title: Some("Plans".into()),
            locale: Some("fr-FR".into()),
            transcript: vec![
                entry(1, MORNING, Author::Visitor, "Hi <script>alert(1)</script>"),
                entry(
                    5,
                    MORNING + 60_000,
                    Author::Agent,
                    "Open *Account →\nSubscriptions* and\nchoose **Skip\nnext**.",
                ),
                entry(6, MORNING + 120_000, Author::Visitor, "I was charged twice\nfor *one* bag"),
                entry(7, MORNING + 180_000, Author::Visitor, "Can I talk to a person please?"),
            ],
            test: false,
        }
    }

    #[test]
    fn a_visitors_files_are_named_under_the_message_they_came_with() {
        let photo = Attachment {
            name: "parcel <1>.jpg".into(),
            content_type: "image/jpeg".into(),
            size: 2_500,
            url: "https://chat.example/v1/files/f1?expires=1&signature=a".into(),
        };
        let request = request();
        let first = request.transcript[0].seq;
        let note = transcript_note(&request, false, &[(first, photo)]);
        assert!(note.contains("<p>📎 parcel &lt;1&gt;.jpg (image/jpeg, 3 KB)</p>"), "{note}");
    }

    #[test]
    fn a_preview_test_is_marked_in_the_inbox_list_and_in_the_note() {
        let test = HandoffRequest { test: true, ..request() };
        assert_eq!(opening_message(&test), "[Test] I was charged twice\nfor *one* bag");
        let note = transcript_note(&test, false, &[]);
        let second = note.split("</p>").nth(1).expect("a second paragraph");
        assert!(second.contains("[Test]") && second.contains("not by a customer"), "{note}");
        assert!(!transcript_note(&request(), false, &[]).contains("[Test]"));
        assert!(!opening_message(&request()).contains("[Test]"));
    }

    #[test]
    fn the_note_holds_everything_in_order_and_escapes_what_visitors_wrote() {
        let note = transcript_note(&request(), false, &[]);
        for expected in [
            "<b>Handoff:</b> Escalate to support",
            "“the issue involves billing”",
            "&lt;b&gt;Ada&lt;/b&gt;, ada@example.com (not verified)",
            "<b>Locale:</b> fr-FR",
            "Hi &lt;script&gt;alert(1)&lt;/script&gt;",
            "<b>AI agent (Juniper)</b>",
            "Baton conversation c1",
        ] {
            assert!(note.contains(expected), "{expected} missing from {note}");
        }
        assert!(!note.contains("<script>"), "{note}");
        assert!(note.contains("href=\"https://lumen.example/&quot;&gt;&lt;script&gt;\""), "{note}");
        let first = note.find("Hi &lt;script").expect("first");
        let second = note.find("Skip next").expect("second");
        let third = note.find("<p>I was charged twice").expect("third");
        assert!(first < second && second < third, "in order");
    }

    #[test]
    fn the_note_opens_with_a_one_line_summary_and_gives_short_times_with_the_date_once() {
        let note = transcript_note(&request(), false, &[]);
        assert!(
            note.starts_with(
                "<p><b>&lt;b&gt;Ada&lt;/b&gt;: Topic: billing</b> — “I was charged twice for *one* bag”</p>"
            ),
            "{note}"
        );
        assert!(note.contains("<p><b>Transcript</b> · 25 Nov 2026 (UTC)</p>"), "{note}");
        assert_eq!(note.matches("2026").count(), 1, "the date once: {note}");
        assert!(note.contains("<p><b>Visitor</b> · 09:06</p>"), "{note}");
        assert!(note.contains("<p><b>AI agent (Juniper)</b> · 09:07</p>"), "{note}");
    }

    #[test]
    fn the_agents_markdown_is_rendered_and_the_visitors_words_kept_as_typed() {
        let note = transcript_note(&request(), false, &[]);
        assert!(
            note.contains("<p>Open <i>Account → Subscriptions</i> and choose <b>Skip next</b>.</p>"),
            "{note}"
        );
        assert!(note.contains("<p>I was charged twice<br>for *one* bag</p>"), "{note}");
        assert!(!note.contains("**"), "{note}");
    }

    #[test]
    fn a_new_day_is_dated_again() {
        let mut request = request();
        request.transcript.push(entry(9, MORNING + 86_400_000, Author::Visitor, "Still waiting"));
        let note = transcript_note(&request, false, &[]);
        assert!(note.contains("<p><b>Continued</b> · 26 Nov 2026 (UTC)</p>"), "{note}");
    }

    #[test]
    fn the_conversation_opens_with_what_it_is_about_not_with_the_request_for_a_person() {
        assert_eq!(opening_message(&request()), "I was charged twice\nfor *one* bag");
        let mut only_asked = request();
        only_asked.transcript.retain(|message| message.seq == Seq(7));
        only_asked.reason = "Asked for a person".into();
        assert_eq!(opening_message(&only_asked), "Asked for a person (website chat)");
        let mut summary = transcript_note(&only_asked, false, &[]);
        summary.truncate(summary.find("</p>").expect("a first paragraph"));
        assert_eq!(summary, "<p><b>&lt;b&gt;Ada&lt;/b&gt;: Asked for a person</b>");
    }

    #[test]
    fn a_long_subject_is_cut_at_a_word_in_the_summary() {
        let long = "word ".repeat(40);
        let cut = shortened(&long);
        assert!(cut.ends_with("word…") && cut.chars().count() <= SUMMARY_QUOTE + 1, "{cut}");
    }
}
