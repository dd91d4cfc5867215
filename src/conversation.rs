//! What the visitor's conversation looks like right now, as a pure reducer: local actions (a
//! message queued, a send that failed) and the bridge's events go in, the state the widget renders
//! comes out. No I/O, so every transition is tested natively.

use std::rc::Rc;

use baton_protocol::{Attachment, ClientId, Event, EventKind, MessageId, Mode, Rating, Seq, Teammate};
use yew::UseReducerHandle;

use crate::message::{Message, MessageKey, Notice, Sender, Status};
use crate::transcript::Transcript;

/// The root component's reducer, handed down to the components that show it.
pub type ConversationHandle = UseReducerHandle<Conversation>;

/// Something that happened to the conversation.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// The visitor sent a message; it shows at once, before the bridge has it.
    Queued {
        /// The id it is sent with.
        client_id: ClientId,
        /// What the visitor typed.
        text: String,
        /// When, by the visitor's clock (milliseconds since the Unix epoch).
        at: i64,
    },
    /// Files go with a queued message; they show at once, from the visitor's device.
    Attached {
        /// The message.
        client_id: ClientId,
        /// The files, their `url` local to this page until the bridge has them.
        attachments: Vec<Attachment>,
    },
    /// The message could not be delivered.
    SendFailed {
        /// Which one.
        client_id: ClientId,
    },
    /// The visitor asked to send a failed message again.
    Retried {
        /// Which one.
        client_id: ClientId,
    },
    /// An event arrived from the bridge's stream.
    Received(Event),
    /// The visitor has seen everything up to this seq (the panel is open, or was when it arrived).
    Seen(Seq),
    /// The teammate stopped typing without sending anything.
    TypingExpired,
    /// The visitor starts over after the conversation was closed.
    Restarted,
}

/// The conversation as the widget renders it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Conversation {
    /// Every entry, oldest first.
    pub messages: Transcript,
    /// Who answers now.
    pub mode: Mode,
    /// The last event applied: the stream resumes after it.
    pub last_seq: Seq,
    /// The last event the visitor has seen.
    pub seen_seq: Seq,
    /// The team has seen every event before this one: a teammate answered after them, or the
    /// support inbox said they read them.
    pub team_seen: Seq,
    /// The agent is working on an answer it has not started sending.
    pub agent_thinking: bool,
    /// The teammate answering, once one joined.
    pub teammate: Option<Teammate>,
    /// The teammate is typing.
    pub teammate_typing: bool,
    /// The team's usual reply time, in minutes, once the handoff reached it.
    pub expected_reply_minutes: Option<u32>,
    /// The last handoff attempt failed and nobody has the conversation yet.
    pub handoff_failed: bool,
    /// An error the bridge wants the visitor to see.
    pub notice: Option<String>,
    /// The visitor's rating of the closed conversation, once given (here or before a reload).
    pub rating: Option<Rating>,
}

impl Conversation {
    /// The state after `action`.
    pub fn apply(mut self, action: Action) -> Self {
        match action {
            Action::Queued { client_id, text, at } => {
                self.push(
                    MessageKey::Client(client_id),
                    (Seq(0), at),
                    Sender::Visitor,
                    text,
                    Status::Sending,
                );
            }
            Action::Attached { client_id, attachments } => {
                self.messages
                    .update(&MessageKey::Client(client_id), |message| message.attachments = attachments);
            }
            Action::SendFailed { client_id } => {
                self.set_status(&MessageKey::Client(client_id), Status::Sending, Status::Failed)
            }
            Action::Retried { client_id } => {
                self.set_status(&MessageKey::Client(client_id), Status::Failed, Status::Sending)
            }
            Action::Received(event) => self.receive(event),
            Action::Seen(seq) => self.seen_seq = self.seen_seq.max(seq),
            Action::TypingExpired => self.teammate_typing = false,
            Action::Restarted => return Self::default(),
        }
        self
    }

    /// Messages from the agent or the team the visitor has not seen yet.
    pub fn unread(&self) -> usize {
        self.messages
            .iter()
            .rev()
            .take_while(|message| message.seq > self.seen_seq || message.seq == Seq(0))
            .filter(|message| matches!(message.sender, Sender::Agent | Sender::Teammate(_)))
            .count()
    }

    fn receive(&mut self, event: Event) {
        // The log is replayed after a reconnect; a stored event at or below the last seq is
        // known. A delta is not stored: it carries its answer's seq and is taken by its message
        // id and offset, whatever the last seq is.
        let delta = matches!(event.kind, EventKind::AgentMessageDelta { .. });
        if event.seq <= self.last_seq && !delta {
            return;
        }
        let seq = event.seq;
        let place = (seq, event.at);
        self.last_seq = self.last_seq.max(seq);
        self.mode = self.mode.after(&event.kind);
        match event.kind {
            EventKind::AgentMessageDelta { message_id, offset, text } => {
                self.receive_delta(message_id, offset, &text);
            }
            EventKind::VisitorMessage { client_id, text, attachments } => {
                let key = MessageKey::Client(client_id);
                let mut unplaced = Some(attachments);
                let confirmed = self.messages.update(&key, |message| {
                    message.status = Status::Done;
                    (message.seq, message.at) = place;
                    // The bridge's addresses outlive this page's.
                    message.attachments = unplaced.take().unwrap_or_default();
                });
                if !confirmed {
                    // Sent from another tab, or before a reload.
                    self.push(key.clone(), place, Sender::Visitor, text, Status::Done);
                    self.messages
                        .update(&key, |message| message.attachments = unplaced.take().unwrap_or_default());
                }
                self.agent_thinking = self.mode == Mode::Ai;
                self.notice = None;
                // What the visitor sent, they have seen, and everything before it.
                self.seen_seq = seq;
            }
            EventKind::AgentMessageStarted { message_id } => {
                self.push(
                    MessageKey::Agent(message_id),
                    place,
                    Sender::Agent,
                    String::new(),
                    Status::Streaming,
                );
            }
            EventKind::AgentMessageCompleted { message_id, text } => {
                self.agent_thinking = false;
                let key = MessageKey::Agent(message_id);
                let mut unplaced = Some(text);
                self.messages.update(&key, |message| {
                    message.text = unplaced.take().unwrap_or_default();
                    message.status = Status::Done;
                });
                // A completion whose start came before this page opened the stream.
                if let Some(text) = unplaced {
                    self.push(key, place, Sender::Agent, text, Status::Done);
                }
            }
            EventKind::HandoffRequested => {
                self.agent_thinking = false;
                self.system(place, Notice::Connecting);
            }
            EventKind::HandoffConnected { expected_reply_minutes } => {
                self.handoff_failed = false;
                self.expected_reply_minutes = expected_reply_minutes;
                self.system(place, Notice::TeamNotified(expected_reply_minutes));
            }
            EventKind::HandoffFailed => {
                // Only news while nobody has the conversation; the bridge keeps retrying.
                if self.mode == Mode::Connecting && !self.handoff_failed {
                    self.handoff_failed = true;
                    self.system(place, Notice::HandoffFailed);
                }
            }
            EventKind::TeammateJoined { teammate } => {
                self.handoff_failed = false;
                if self.teammate.as_ref() != Some(&teammate) {
                    self.system(place, Notice::Joined(teammate.name.clone()));
                }
                self.teammate = Some(teammate);
            }
            EventKind::TeammateTyping { teammate } => {
                self.teammate_typing = self.mode != Mode::Closed;
                self.teammate.get_or_insert(teammate);
            }
            EventKind::TeammateMessage { teammate, text, attachments } => {
                self.handoff_failed = false;
                self.teammate_typing = false;
                self.teammate = Some(teammate.clone());
                // To answer, they read what came before.
                self.team_seen = seq;
                let key = MessageKey::Seq(seq);
                self.push(key.clone(), place, Sender::Teammate(teammate), text, Status::Done);
                self.messages.update(&key, |message| message.attachments = attachments);
            }
            EventKind::ConversationClosed => {
                self.teammate_typing = false;
                self.agent_thinking = false;
                self.system(place, Notice::Closed);
            }
            EventKind::ConversationReopened => self.system(place, Notice::Reopened),
            EventKind::ConversationRated { rating, .. } => self.rating = Some(rating),
            EventKind::MessagesSeen { up_to } => self.team_seen = self.team_seen.max(Seq(up_to.0 + 1)),
            EventKind::ErrorRaised { message, .. } => {
                self.agent_thinking = false;
                self.notice = Some(message);
            }
        }
    }

    /// Adds what a piece of an answer has that the message lacks: the piece may overlap what is
    /// already shown (a resumed stream hands the answer so far at offset 0), and one that starts
    /// past the known text waits for the completion.
    fn receive_delta(&mut self, message_id: MessageId, offset: usize, text: &str) {
        self.agent_thinking = false;
        self.messages.update(&MessageKey::Agent(message_id), |message| {
            let known = message.text.len();
            if offset <= known && offset + text.len() > known {
                if let Some(new) = text.get(known - offset..) {
                    message.text.push_str(new);
                }
            }
        });
    }

    fn system(&mut self, place: (Seq, i64), notice: Notice) {
        self.push(MessageKey::Seq(place.0), place, Sender::System(notice), String::new(), Status::Done);
    }

    /// Appends a message; `place` is the seq of the event that added it and its time.
    fn push(&mut self, key: MessageKey, place: (Seq, i64), sender: Sender, text: String, status: Status) {
        let (seq, at) = place;
        self.messages.push(Message { key, seq, at, sender, text, status, attachments: Vec::new() });
    }

    fn set_status(&mut self, key: &MessageKey, from: Status, to: Status) {
        self.messages.update(key, |message| {
            if message.status == from {
                message.status = to;
            }
        });
    }
}

impl yew::Reducible for Conversation {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        Rc::new(Rc::unwrap_or_clone(self).apply(action))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(seq: u64, kind: EventKind) -> Action {
        Action::Received(Event { seq: Seq(seq), at: 0, kind })
    }

    fn visitor(seq: u64, id: &str, text: &str) -> Action {
        event(
            seq,
            EventKind::VisitorMessage {
                client_id: ClientId::from(id),
                text: text.into(),
                attachments: Vec::new(),
            },
        )
    }

    fn delta(seq: u64, offset: usize, text: &str) -> Action {
        event(
            seq,
            EventKind::AgentMessageDelta { message_id: MessageId::from("m"), offset, text: text.into() },
        )
    }

    fn started(seq: u64) -> Action {
        event(seq, EventKind::AgentMessageStarted { message_id: MessageId::from("m") })
    }

    fn run(actions: impl IntoIterator<Item = Action>) -> Conversation {
        actions.into_iter().fold(Conversation::default(), Conversation::apply)
    }

    fn texts(conversation: &Conversation) -> Vec<(&str, Status)> {
        conversation.messages.iter().map(|m| (m.text.as_str(), m.status)).collect()
    }

    #[test]
    fn a_queued_message_shows_at_once_and_is_confirmed_by_its_event() {
        let queued = run([Action::Queued { client_id: ClientId::from("a"), text: "hi".into(), at: 0 }]);
        assert_eq!(texts(&queued), [("hi", Status::Sending)]);
        let confirmed = queued.apply(visitor(1, "a", "hi"));
        assert_eq!(texts(&confirmed), [("hi", Status::Done)]);
        assert!(confirmed.agent_thinking, "the agent is now working on it");
    }

    fn photo(url: &str) -> Attachment {
        Attachment {
            name: "parcel.jpg".into(),
            content_type: "image/jpeg".into(),
            size: 2048,
            url: url.into(),
        }
    }

    #[test]
    fn attached_files_show_at_once_then_from_the_bridges_address() {
        let id = ClientId::from("a");
        let state = run([
            Action::Queued { client_id: id.clone(), text: String::new(), at: 0 },
            Action::Attached { client_id: id.clone(), attachments: vec![photo("blob:local")] },
        ]);
        let shown = |state: &Conversation| {
            state.messages.iter().flat_map(|m| m.attachments.clone()).collect::<Vec<_>>()
        };
        assert_eq!(shown(&state), [photo("blob:local")]);
        let stored = Event {
            seq: Seq(1),
            at: 5,
            kind: EventKind::VisitorMessage {
                client_id: id,
                text: String::new(),
                attachments: vec![photo("https://chat.example/v1/files/f1")],
            },
        };
        let state = state.apply(Action::Received(stored));
        assert_eq!(shown(&state), [photo("https://chat.example/v1/files/f1")]);
        assert_eq!(state.messages.len(), 1);
        let label = Event {
            seq: Seq(2),
            at: 6,
            kind: EventKind::TeammateMessage {
                teammate: ana(),
                text: String::new(),
                attachments: vec![photo("https://x/l")],
            },
        };
        let state = state.apply(Action::Received(label));
        assert_eq!(
            state.messages.iter().last().map(|m| m.attachments.clone()),
            Some(vec![photo("https://x/l")])
        );
    }

    #[test]
    fn a_failed_send_can_be_retried_and_then_confirmed() {
        let id = ClientId::from("a");
        let state = run([
            Action::Queued { client_id: id.clone(), text: "hi".into(), at: 0 },
            Action::SendFailed { client_id: id.clone() },
        ]);
        assert_eq!(texts(&state), [("hi", Status::Failed)]);
        let state = state.apply(Action::Retried { client_id: id.clone() });
        assert_eq!(texts(&state), [("hi", Status::Sending)]);
        assert_eq!(texts(&state.apply(visitor(1, "a", "hi"))), [("hi", Status::Done)]);
    }

    #[test]
    fn a_message_from_another_tab_appears_as_the_visitors() {
        let state = run([visitor(1, "other-tab", "hello")]);
        assert_eq!(state.messages.iter().next().map(|m| &m.sender), Some(&Sender::Visitor));
        assert_eq!(texts(&state), [("hello", Status::Done)]);
    }

    #[test]
    fn deltas_stream_into_one_message_that_completion_finishes() {
        let state = run([visitor(1, "a", "q"), started(2), delta(2, 0, "Hello "), delta(2, 6, "there")]);
        assert!(!state.agent_thinking);
        assert_eq!(texts(&state)[1], ("Hello there", Status::Streaming));
        let done = state.apply(event(
            5,
            EventKind::AgentMessageCompleted {
                message_id: MessageId::from("m"),
                text: "Hello there!".into(),
            },
        ));
        assert_eq!(texts(&done)[1], ("Hello there!", Status::Done));
        assert_eq!(done.last_seq, Seq(5));
    }

    #[test]
    fn a_delta_is_taken_by_its_offset_whatever_its_seq() {
        // Deltas are not stored: they carry their answer's seq, which the widget has already seen.
        let state = run([visitor(1, "a", "q"), started(2), delta(2, 0, "Hel")]);
        assert_eq!(state.last_seq, Seq(2));
        let resumed = state.apply(delta(2, 0, "Hello")).apply(delta(2, 5, " you"));
        assert_eq!(texts(&resumed)[1], ("Hello you", Status::Streaming));
        assert_eq!(resumed.last_seq, Seq(2), "a delta moves no seq");
    }

    #[test]
    fn replayed_events_after_a_reconnect_change_nothing() {
        let events = [visitor(1, "a", "q"), started(2), delta(2, 0, "Hel"), delta(2, 3, "lo")];
        let once = run(events.clone());
        let replayed = events.into_iter().fold(once.clone(), Conversation::apply);
        assert_eq!(replayed, once);
    }

    #[test]
    fn an_event_older_than_the_last_applied_is_dropped_and_a_gap_is_accepted() {
        // The stream delivers in seq order; a late older event can only be a replay.
        let state =
            run([visitor(1, "a", "q"), event(3, EventKind::HandoffRequested), visitor(2, "b", "late")]);
        assert_eq!(state.last_seq, Seq(3));
        assert_eq!(state.messages.iter().filter(|m| m.sender == Sender::Visitor).count(), 1);
        assert_eq!(state.mode, Mode::Connecting);
    }

    #[test]
    fn an_overlapping_delta_adds_only_its_new_text() {
        let state = run([started(1), delta(1, 0, "Hel"), delta(1, 1, "ello")]);
        assert_eq!(texts(&state), [("Hello", Status::Streaming)]);
        let stale = state.apply(delta(1, 0, "He"));
        assert_eq!(texts(&stale), [("Hello", Status::Streaming)]);
    }

    #[test]
    fn a_completion_without_its_start_still_shows_the_answer() {
        let state = run([event(
            7,
            EventKind::AgentMessageCompleted { message_id: MessageId::from("m"), text: "All of it".into() },
        )]);
        assert_eq!(texts(&state), [("All of it", Status::Done)]);
    }

    #[test]
    fn an_error_from_the_bridge_becomes_a_notice_until_the_next_message() {
        let state = run([
            visitor(1, "a", "q"),
            event(2, EventKind::ErrorRaised { code: "x".into(), message: "Sorry".into() }),
        ]);
        assert_eq!(state.notice.as_deref(), Some("Sorry"));
        assert!(!state.agent_thinking);
        assert_eq!(state.apply(visitor(3, "b", "again")).notice, None);
    }

    fn ana() -> Teammate {
        Teammate { name: "Ana".into(), avatar_url: None }
    }

    fn notices(conversation: &Conversation) -> Vec<Notice> {
        conversation
            .messages
            .iter()
            .filter_map(|m| match &m.sender {
                Sender::System(notice) => Some(notice.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_handoff_shows_each_step_and_who_joined() {
        let state = run([visitor(1, "a", "I want a person"), event(2, EventKind::HandoffRequested)]);
        assert_eq!(state.mode, Mode::Connecting);
        assert!(!state.agent_thinking, "the AI is not answering any more");
        let state = state.apply(event(3, EventKind::HandoffConnected { expected_reply_minutes: Some(5) }));
        assert_eq!((state.mode, state.expected_reply_minutes), (Mode::Waiting, Some(5)));
        let state = state
            .apply(event(4, EventKind::TeammateJoined { teammate: ana() }))
            .apply(event(5, EventKind::TeammateTyping { teammate: ana() }));
        assert!(state.teammate_typing);
        let state = state.apply(event(
            6,
            EventKind::TeammateMessage {
                teammate: ana(),
                text: "Hi, Ana here".into(),
                attachments: Vec::new(),
            },
        ));
        assert!(!state.teammate_typing, "the message ends the typing");
        assert_eq!(state.mode, Mode::Human);
        assert_eq!(state.teammate, Some(ana()));
        assert_eq!(state.messages.last().map(|m| &m.sender), Some(&Sender::Teammate(ana())));
        assert_eq!(
            notices(&state),
            [Notice::Connecting, Notice::TeamNotified(Some(5)), Notice::Joined("Ana".into())]
        );
    }

    #[test]
    fn a_failed_handoff_is_told_once_and_cleared_when_the_team_answers() {
        let state = run([
            visitor(1, "a", "person please"),
            event(2, EventKind::HandoffRequested),
            event(3, EventKind::HandoffFailed),
            event(4, EventKind::HandoffFailed),
        ]);
        assert!(state.handoff_failed);
        assert_eq!(notices(&state), [Notice::Connecting, Notice::HandoffFailed]);
        let state = state.apply(event(5, EventKind::HandoffConnected { expected_reply_minutes: None }));
        assert!(!state.handoff_failed);
    }

    #[test]
    fn messages_typed_while_connecting_stay_in_order() {
        let state = run([
            visitor(1, "a", "human please"),
            event(2, EventKind::HandoffRequested),
            Action::Queued { client_id: ClientId::from("b"), text: "my order is 1234".into(), at: 0 },
            Action::Queued { client_id: ClientId::from("c"), text: "thanks".into(), at: 0 },
            visitor(3, "b", "my order is 1234"),
        ]);
        let visitor_texts: Vec<(&str, Status)> = state
            .messages
            .iter()
            .filter(|m| m.sender == Sender::Visitor)
            .map(|m| (m.text.as_str(), m.status))
            .collect();
        assert_eq!(
            visitor_texts,
            [("human please", Status::Done), ("my order is 1234", Status::Done), ("thanks", Status::Sending)]
        );
        assert!(!state.agent_thinking, "the AI stays silent while a person is coming");
    }

    #[test]
    fn closing_ends_typing_and_restarting_starts_clean() {
        let state = run([
            event(1, EventKind::TeammateJoined { teammate: ana() }),
            event(2, EventKind::TeammateTyping { teammate: ana() }),
            event(3, EventKind::ConversationClosed),
        ]);
        assert_eq!(state.mode, Mode::Closed);
        assert!(!state.teammate_typing);
        assert_eq!(notices(&state).last(), Some(&Notice::Closed));
        assert_eq!(state.apply(Action::Restarted), Conversation::default());
    }

    #[test]
    fn a_rating_replayed_after_a_reload_shows_as_given_and_a_new_conversation_asks_again() {
        let closed = [
            event(1, EventKind::TeammateJoined { teammate: ana() }),
            event(2, EventKind::ConversationClosed),
        ];
        assert_eq!(run(closed.clone()).rating, None, "closed and not rated yet: asked");
        let rated =
            event(3, EventKind::ConversationRated { rating: Rating::Bad, comment: Some("slow".into()) });
        let state = run(closed.into_iter().chain([rated.clone()]));
        assert_eq!(state.rating, Some(Rating::Bad));
        assert_eq!(state.clone().apply(rated).rating, Some(Rating::Bad), "a replayed event changes nothing");
        assert_eq!(state.messages.len(), 2, "the rating is not a message of the log");
        assert_eq!(state.apply(Action::Restarted).rating, None);
    }

    #[test]
    fn typing_expires_on_its_own() {
        let state = run([event(1, EventKind::TeammateTyping { teammate: ana() }), Action::TypingExpired]);
        assert!(!state.teammate_typing);
    }

    #[test]
    fn unread_counts_answers_after_the_last_seen_seq() {
        let completed = |seq, id: &str| {
            event(seq, EventKind::AgentMessageCompleted { message_id: MessageId::from(id), text: "a".into() })
        };
        let state = run([visitor(1, "a", "q"), completed(2, "m1"), completed(3, "m2")]);
        assert_eq!(state.unread(), 2, "the visitor's own message is read");
        let state = state.apply(Action::Seen(Seq(2)));
        assert_eq!(state.unread(), 1);
        let state = state.apply(event(
            4,
            EventKind::TeammateMessage { teammate: ana(), text: "hi".into(), attachments: Vec::new() },
        ));
        assert_eq!(state.unread(), 2);
        assert_eq!(state.clone().apply(Action::Seen(Seq(4))).unread(), 0);
        assert_eq!(state.apply(visitor(5, "b", "ok")).unread(), 0, "replying means reading");
    }

    #[test]
    fn a_teammates_reply_or_the_inboxs_word_marks_the_visitors_messages_seen_and_not_those_after() {
        let said = |seq| {
            event(
                seq,
                EventKind::TeammateMessage { teammate: ana(), text: "On it".into(), attachments: Vec::new() },
            )
        };
        let state = run([
            visitor(1, "a", "Broken grinder"),
            Action::Queued { client_id: ClientId::from("b"), text: "Photo attached".into(), at: 0 },
        ]);
        let seen = |state: &Conversation| {
            state
                .messages
                .iter()
                .filter(|m| m.sender == Sender::Visitor)
                .map(|m| m.seen_before(state.team_seen))
                .collect::<Vec<_>>()
        };
        assert_eq!(seen(&state), [false, false], "delivered is not seen");
        let state = state.apply(visitor(2, "b", "Photo attached")).apply(said(3));
        assert_eq!(seen(&state), [true, true]);
        let state = state.apply(visitor(4, "c", "Thanks"));
        assert_eq!(seen(&state), [true, true, false], "written after the reply: not seen yet");
        let state =
            state.apply(Action::Queued { client_id: ClientId::from("d"), text: "Hello?".into(), at: 0 });
        assert_eq!(seen(&state), [true, true, false, false], "not yet stored: not seen");
        let state =
            state.apply(visitor(5, "d", "Hello?")).apply(event(6, EventKind::MessagesSeen { up_to: Seq(4) }));
        assert_eq!(seen(&state), [true, true, true, false], "the inbox says the team read up to 4");
        let state = state.apply(event(7, EventKind::MessagesSeen { up_to: Seq(2) }));
        assert_eq!(seen(&state), [true, true, true, false], "an older word changes nothing");
    }
}
