//! What the visitor's conversation looks like right now, as a pure reducer: local actions (a
//! message queued, a send that failed) and the bridge's events go in, the state the widget renders
//! comes out. No I/O, so every transition is tested natively.

use std::rc::Rc;

use baton_protocol::{ClientId, Event, EventKind, MessageId, Mode, Seq, Teammate};

/// Who wrote a message, as the widget shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sender {
    /// The visitor, on this device or another tab.
    Visitor,
    /// The AI agent.
    Agent,
    /// A person on the support team.
    Teammate(Teammate),
}

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Queued or on its way to the bridge.
    Sending,
    /// The bridge could not be reached; the visitor can retry.
    Failed,
    /// Stored by the bridge, or finished by the agent.
    Done,
    /// The agent is still writing it.
    Streaming,
}

/// Which message this is, across the local copy and the bridge's events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageKey {
    /// A visitor message, by the id the widget gave it.
    Client(ClientId),
    /// An agent answer.
    Agent(MessageId),
    /// A teammate message, by the seq of its event.
    Seq(Seq),
}

/// One bubble in the message log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Identity, stable across updates.
    pub key: MessageKey,
    /// Who wrote it.
    pub sender: Sender,
    /// What it says so far.
    pub text: String,
    /// Where it stands.
    pub status: Status,
}

/// Something that happened to the conversation.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// The visitor sent a message; it shows at once, before the bridge has it.
    Queued {
        /// The id it is sent with.
        client_id: ClientId,
        /// What the visitor typed.
        text: String,
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
}

/// The conversation as the widget renders it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Conversation {
    /// Every bubble, oldest first. `Rc` so an update clones pointers, not texts.
    pub messages: Vec<Rc<Message>>,
    /// Who answers now.
    pub mode: Mode,
    /// The last event applied: the stream resumes after it.
    pub last_seq: Seq,
    /// The agent is working on an answer it has not started sending.
    pub agent_thinking: bool,
    /// An error the bridge wants the visitor to see.
    pub notice: Option<String>,
}

impl Conversation {
    /// The state after `action`.
    pub fn apply(mut self, action: Action) -> Self {
        match action {
            Action::Queued { client_id, text } => {
                self.messages.push(Rc::new(Message {
                    key: MessageKey::Client(client_id),
                    sender: Sender::Visitor,
                    text,
                    status: Status::Sending,
                }));
            }
            Action::SendFailed { client_id } => {
                self.set_status(&MessageKey::Client(client_id), Status::Sending, Status::Failed)
            }
            Action::Retried { client_id } => {
                self.set_status(&MessageKey::Client(client_id), Status::Failed, Status::Sending)
            }
            Action::Received(event) => self.receive(event),
        }
        self
    }

    fn receive(&mut self, event: Event) {
        // The log is replayed after a reconnect; anything at or below the last seq is known.
        if event.seq <= self.last_seq {
            return;
        }
        self.last_seq = event.seq;
        self.mode = self.mode.after(&event.kind);
        match event.kind {
            EventKind::VisitorMessage { client_id, text } => {
                let key = MessageKey::Client(client_id);
                match self.position(&key) {
                    Some(index) => self.update(index, |message| message.status = Status::Done),
                    // Sent from another tab, or before a reload.
                    None => self.push(key, Sender::Visitor, text, Status::Done),
                }
                self.agent_thinking = self.mode == Mode::Ai;
                self.notice = None;
            }
            EventKind::AgentMessageStarted { message_id } => {
                self.push(MessageKey::Agent(message_id), Sender::Agent, String::new(), Status::Streaming);
            }
            EventKind::AgentMessageDelta { message_id, offset, text } => {
                self.agent_thinking = false;
                let Some(index) = self.position(&MessageKey::Agent(message_id)) else { return };
                self.update(index, |message| {
                    // The piece may overlap what is already shown; keep only what is new.
                    let known = message.text.len();
                    if offset <= known && offset + text.len() > known {
                        if let Some(new) = text.get(known - offset..) {
                            message.text.push_str(new);
                        }
                    }
                });
            }
            EventKind::AgentMessageCompleted { message_id, text } => {
                self.agent_thinking = false;
                let key = MessageKey::Agent(message_id);
                match self.position(&key) {
                    Some(index) => self.update(index, |message| {
                        message.text = text;
                        message.status = Status::Done;
                    }),
                    None => self.push(key, Sender::Agent, text, Status::Done),
                }
            }
            EventKind::TeammateMessage { teammate, text } => {
                self.push(MessageKey::Seq(event.seq), Sender::Teammate(teammate), text, Status::Done);
            }
            EventKind::ErrorRaised { message, .. } => {
                self.agent_thinking = false;
                self.notice = Some(message);
            }
            EventKind::HandoffRequested
            | EventKind::HandoffConnected { .. }
            | EventKind::HandoffFailed
            | EventKind::TeammateJoined { .. }
            | EventKind::TeammateTyping { .. }
            | EventKind::ConversationClosed
            | EventKind::ConversationReopened => self.agent_thinking = false,
        }
    }

    fn push(&mut self, key: MessageKey, sender: Sender, text: String, status: Status) {
        self.messages.push(Rc::new(Message { key, sender, text, status }));
    }

    /// Index of the message with `key`. Searched from the end: updates almost always concern
    /// the newest messages, so this stays constant-time however long the transcript grows.
    fn position(&self, key: &MessageKey) -> Option<usize> {
        self.messages.iter().rposition(|message| &message.key == key)
    }

    fn update(&mut self, index: usize, change: impl FnOnce(&mut Message)) {
        change(Rc::make_mut(&mut self.messages[index]));
    }

    fn set_status(&mut self, key: &MessageKey, from: Status, to: Status) {
        if let Some(index) = self.position(key) {
            if self.messages[index].status == from {
                self.update(index, |message| message.status = to);
            }
        }
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
        event(seq, EventKind::VisitorMessage { client_id: ClientId::from(id), text: text.into() })
    }

    fn delta(seq: u64, offset: usize, text: &str) -> Action {
        event(seq, EventKind::AgentMessageDelta { message_id: MessageId::from("m"), offset, text: text.into() })
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
        let queued = run([Action::Queued { client_id: ClientId::from("a"), text: "hi".into() }]);
        assert_eq!(texts(&queued), [("hi", Status::Sending)]);
        let confirmed = queued.apply(visitor(1, "a", "hi"));
        assert_eq!(texts(&confirmed), [("hi", Status::Done)]);
        assert!(confirmed.agent_thinking, "the agent is now working on it");
    }

    #[test]
    fn a_failed_send_can_be_retried_and_then_confirmed() {
        let id = ClientId::from("a");
        let state = run([
            Action::Queued { client_id: id.clone(), text: "hi".into() },
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
        assert_eq!(state.messages[0].sender, Sender::Visitor);
        assert_eq!(texts(&state), [("hello", Status::Done)]);
    }

    #[test]
    fn deltas_stream_into_one_message_that_completion_finishes() {
        let state = run([visitor(1, "a", "q"), started(2), delta(3, 0, "Hello "), delta(4, 6, "there")]);
        assert!(!state.agent_thinking);
        assert_eq!(texts(&state)[1], ("Hello there", Status::Streaming));
        let done = state.apply(event(
            5,
            EventKind::AgentMessageCompleted { message_id: MessageId::from("m"), text: "Hello there!".into() },
        ));
        assert_eq!(texts(&done)[1], ("Hello there!", Status::Done));
        assert_eq!(done.last_seq, Seq(5));
    }

    #[test]
    fn replayed_events_after_a_reconnect_change_nothing() {
        let events = [visitor(1, "a", "q"), started(2), delta(3, 0, "Hel"), delta(4, 3, "lo")];
        let once = run(events.clone());
        let replayed = events.into_iter().fold(once.clone(), Conversation::apply);
        assert_eq!(replayed, once);
    }

    #[test]
    fn an_overlapping_delta_adds_only_its_new_text() {
        let state = run([started(1), delta(2, 0, "Hel"), delta(3, 1, "ello")]);
        assert_eq!(state.messages[0].text, "Hello");
        let stale = state.apply(delta(4, 0, "He"));
        assert_eq!(stale.messages[0].text, "Hello");
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

    #[test]
    fn events_move_the_mode() {
        let state = run([visitor(1, "a", "q"), event(2, EventKind::HandoffRequested)]);
        assert_eq!(state.mode, Mode::Connecting);
        assert!(!state.agent_thinking);
    }
}
