//! The preview beside the closed launcher: which unread message it shows, and that message's
//! words as one or two lines of plain text. Pure, so both are tested natively.

use baton_protocol::Seq;

use crate::conversation::Conversation;
use crate::message::{Message, Sender};

/// How many characters of a message the preview shows before it cuts.
const PREVIEW_CHARS: usize = 100;

/// The newest message from the agent or a teammate that the visitor has not seen, unless they
/// dismissed the preview of it (`dismissed`: the seq of the last one they closed) or it has no
/// words yet (an answer that has not started).
pub fn latest_unread(conversation: &Conversation, dismissed: Seq) -> Option<&Message> {
    let newest = conversation
        .messages
        .iter()
        .rev()
        .take_while(|message| message.seq > conversation.seen_seq)
        .find(|message| matches!(message.sender, Sender::Agent | Sender::Teammate(_)))?;
    (newest.seq > dismissed && !newest.text.trim().is_empty()).then_some(&**newest)
}

/// `text` as the words a reader sees, on one line: markdown's marks of emphasis and code left
/// out (every `*` and `` ` ``, a `_` around a word), cut at a word before [`PREVIEW_CHARS`] characters with an
/// ellipsis.
pub fn excerpt(text: &str) -> String {
    let mut cut = String::new();
    for word in text.split_whitespace() {
        let word: String = word.chars().filter(|c| !matches!(c, '*' | '`')).collect();
        let word = word.trim_matches('_');
        // Room for the ellipsis, should this word not be the last.
        if cut.chars().count() + 1 + word.chars().count() >= PREVIEW_CHARS {
            // A single word longer than the whole preview is cut inside.
            if cut.is_empty() {
                cut.extend(word.chars().take(PREVIEW_CHARS - 1));
            }
            cut.push('…');
            return cut;
        }
        if !word.is_empty() {
            if !cut.is_empty() {
                cut.push(' ');
            }
            cut.push_str(word);
        }
    }
    cut
}

#[cfg(test)]
mod tests {
    use baton_protocol::{ClientId, Event, EventKind, MessageId, Teammate};

    use super::*;
    use crate::conversation::Action;

    fn received(seq: u64, kind: EventKind) -> Action {
        Action::Received(Event { seq: Seq(seq), at: 0, kind })
    }

    fn teammate_said(seq: u64, text: &str) -> Action {
        let teammate = Teammate { name: "Ana".into(), avatar_url: None };
        received(seq, EventKind::TeammateMessage { teammate, text: text.into(), attachments: Vec::new() })
    }

    fn run(actions: impl IntoIterator<Item = Action>) -> Conversation {
        actions.into_iter().fold(Conversation::default(), Conversation::apply)
    }

    fn shown(conversation: &Conversation, dismissed: u64) -> Option<&str> {
        latest_unread(conversation, Seq(dismissed)).map(|message| message.text.as_str())
    }

    #[test]
    fn the_preview_shows_the_newest_unseen_message_of_the_agent_or_the_team() {
        let visitor = EventKind::VisitorMessage {
            client_id: ClientId::from("a"),
            text: "Is anyone there?".into(),
            attachments: Vec::new(),
        };
        let conversation = run([
            received(1, visitor),
            teammate_said(2, "Hello!"),
            teammate_said(3, "Let me check."),
            received(
                4,
                EventKind::TeammateTyping { teammate: Teammate { name: "Ana".into(), avatar_url: None } },
            ),
        ]);
        assert_eq!(shown(&conversation, 0), Some("Let me check."));
        assert_eq!(shown(&conversation, 3), None, "dismissed: gone until a newer message");
        let newer = conversation.apply(teammate_said(5, "Found it."));
        assert_eq!(shown(&newer, 3), Some("Found it."));
        let seen = newer.apply(Action::Seen(Seq(5)));
        assert_eq!(shown(&seen, 0), None, "seen in the open panel: nothing to preview");
    }

    #[test]
    fn the_visitors_own_words_and_an_answer_not_started_are_not_previewed() {
        let mine = run([received(
            1,
            EventKind::VisitorMessage {
                client_id: ClientId::from("a"),
                text: "Hi".into(),
                attachments: Vec::new(),
            },
        )]);
        assert_eq!(shown(&mine, 0), None);
        let started =
            mine.apply(received(2, EventKind::AgentMessageStarted { message_id: MessageId::from("m") }));
        assert_eq!(shown(&started, 0), None);
        let answered = started.apply(received(
            3,
            EventKind::AgentMessageCompleted {
                message_id: MessageId::from("m"),
                text: "Hello **there**".into(),
            },
        ));
        assert_eq!(shown(&answered, 0), Some("Hello **there**"));
    }

    #[test]
    fn the_excerpt_is_the_words_without_markdown_marks_on_one_line_cut_at_a_word() {
        assert_eq!(
            excerpt("Hello **there**,\n\nuse `brew --help` and _enjoy_"),
            "Hello there, use brew --help and enjoy"
        );
        let long = "word ".repeat(40);
        let cut = excerpt(&long);
        assert!(cut.ends_with("word…"), "{cut}");
        assert!(cut.chars().count() <= PREVIEW_CHARS, "{cut}");
        // Words filling exactly the preview, then one more: the ellipsis still fits.
        let exact = format!("{} {} more", "a".repeat(49), "b".repeat(50));
        assert_eq!(excerpt(&exact), format!("{}…", "a".repeat(49)));
        let unbroken = "x".repeat(300);
        assert_eq!(excerpt(&unbroken).chars().count(), PREVIEW_CHARS);
    }
}
