//! What a teammate's reading tells the visitor. Intercom has no webhook for it: the conversation
//! every `conversation.*` webhook brings (and the bridge fetches) says `read: true` once a
//! teammate read it since the contact last wrote. That covers the visitor messages Intercom has
//! (the link's `relayed`), and the visitor hears of it once, as a `messages_seen` event.

use baton_protocol::{Event, EventKind, Seq};

/// The newest visitor message a read conversation newly covers: the newest one up to
/// `relayed` (those Intercom has), if the log does not already say it was seen (an earlier
/// `messages_seen` as far, or a teammate's reply after it, since answering means reading).
pub fn newly_seen(events: &[Event], relayed: Seq) -> Option<Seq> {
    let newest = events
        .iter()
        .filter(|event| event.seq <= relayed && matches!(event.kind, EventKind::VisitorMessage { .. }))
        .map(|event| event.seq)
        .max()?;
    let told = events
        .iter()
        .filter_map(|event| match event.kind {
            EventKind::MessagesSeen { up_to } => Some(up_to),
            EventKind::TeammateMessage { .. } => Some(Seq(event.seq.0.saturating_sub(1))),
            _ => None,
        })
        .max()
        .unwrap_or_default();
    (newest > told).then_some(newest)
}

#[cfg(test)]
mod tests {
    use baton_protocol::{ClientId, Teammate};

    use super::*;

    fn event(seq: u64, kind: EventKind) -> Event {
        Event { seq: Seq(seq), at: 0, kind }
    }

    fn visitor(seq: u64) -> Event {
        let kind = EventKind::VisitorMessage {
            client_id: ClientId::from(format!("c{seq}").as_str()),
            text: "hi".into(),
            attachments: Vec::new(),
        };
        event(seq, kind)
    }

    fn teammate(seq: u64) -> Event {
        let teammate = Teammate { name: "Ana".into(), avatar_url: None };
        event(seq, EventKind::TeammateMessage { teammate, text: "On it".into(), attachments: Vec::new() })
    }

    #[test]
    fn reading_covers_the_newest_visitor_message_intercom_has() {
        let log = [visitor(1), event(2, EventKind::HandoffRequested), visitor(3), visitor(5)];
        assert_eq!(newly_seen(&log, Seq(3)), Some(Seq(3)), "5 is not in Intercom yet");
        assert_eq!(newly_seen(&log, Seq(5)), Some(Seq(5)));
        assert_eq!(newly_seen(&log, Seq(0)), None, "Intercom has nothing of the visitor's");
    }

    #[test]
    fn what_the_log_already_says_is_not_told_again() {
        let mut log = vec![visitor(1), visitor(2), event(3, EventKind::MessagesSeen { up_to: Seq(2) })];
        assert_eq!(newly_seen(&log, Seq(2)), None, "told once");
        log.push(visitor(4));
        assert_eq!(newly_seen(&log, Seq(4)), Some(Seq(4)));
        log.push(teammate(5));
        assert_eq!(newly_seen(&log, Seq(4)), None, "the teammate's reply said it already");
    }
}
