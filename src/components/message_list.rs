//! The message log: a `log` live region of bubbles and conversation notices, each its own
//! component so a streamed piece re-renders one bubble, not the transcript.

use std::rc::Rc;

use baton_protocol::Teammate;
use yew::prelude::*;

use super::rich_text;
use crate::i18n::{Texts, EN};
use crate::markdown;
use crate::message::{Message, MessageKey, Notice, Sender, Status};
use crate::outbox::Outgoing;
use crate::transcript::{Chunk, Transcript};

/// Properties of [`MessageList`].
#[derive(Debug, Clone, PartialEq, Properties)]
pub struct MessageListProps {
    /// The greeting shown above the first message.
    pub greeting: Option<AttrValue>,
    /// Every message, oldest first.
    pub messages: Transcript,
    /// Show that the agent is preparing an answer.
    pub thinking: bool,
    /// Show that this teammate is typing.
    #[prop_or_default]
    pub teammate_typing: Option<Teammate>,
    /// Called when the visitor retries a failed message.
    pub on_retry: Callback<Outgoing>,
}

/// The log of messages.
#[component]
pub fn MessageList(props: &MessageListProps) -> Html {
    let texts = use_context::<&'static Texts>().unwrap_or(&EN);
    let greeting = props.greeting.as_ref().map(|text| {
        html! { <div class="baton-message baton-from-agent">{ rich_text(text) }</div> }
    });
    let typing = props.thinking || props.teammate_typing.is_some();
    html! {
        <div class="baton-log" role="log" aria-live="polite" aria-label={texts.messages} tabindex="0">
            { for greeting }
            { for props.messages.chunks().iter().enumerate().map(|(index, chunk)| html! {
                <ChunkView key={index} chunk={chunk.clone()} on_retry={props.on_retry.clone()} />
            }) }
            if typing {
                <div class={classes!("baton-message", "baton-typing",
                        if props.teammate_typing.is_some() { "baton-from-teammate" } else { "baton-from-agent" })}
                    role="status" aria-label={texts.typing}>
                    <span></span><span></span><span></span>
                </div>
            }
        </div>
    }
}

/// Properties of [`ChunkView`].
#[derive(Debug, Clone, Properties)]
pub struct ChunkViewProps {
    /// The messages.
    pub chunk: Chunk,
    /// Called when the visitor retries one.
    pub on_retry: Callback<Outgoing>,
}

impl PartialEq for ChunkViewProps {
    /// The same chunk is the same pointer: comparing it costs nothing, whatever it holds.
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.chunk, &other.chunk) && self.on_retry == other.on_retry
    }
}

/// A run of messages that re-renders only when one of them changed.
#[component]
pub fn ChunkView(props: &ChunkViewProps) -> Html {
    html! {
        { for props.chunk.iter().map(|message| html! {
            <MessageView key={key(&message.key)} message={message.clone()} on_retry={props.on_retry.clone()} />
        }) }
    }
}

fn key(key: &MessageKey) -> String {
    match key {
        MessageKey::Client(id) => format!("c:{id}"),
        MessageKey::Agent(id) => format!("a:{id}"),
        MessageKey::Seq(seq) => format!("s:{seq}"),
    }
}

/// Properties of [`MessageView`].
#[derive(Debug, Clone, PartialEq, Properties)]
pub struct MessageViewProps {
    /// The message.
    pub message: Rc<Message>,
    /// Called when the visitor retries it.
    pub on_retry: Callback<Outgoing>,
}

/// One entry of the log. The visitor's own words show exactly as typed; the agent's and the
/// team's are the markdown subset. Either way, text is inserted as text, never as HTML.
#[component]
pub fn MessageView(props: &MessageViewProps) -> Html {
    let texts = use_context::<&'static Texts>().unwrap_or(&EN);
    let message = &props.message;
    let (class, author) = match &message.sender {
        Sender::System(notice) => {
            return html! { <p class="baton-system">{ notice_text(texts, notice) }</p> };
        }
        Sender::Visitor => ("baton-from-visitor", None),
        Sender::Agent => ("baton-from-agent", None),
        Sender::Teammate(teammate) => ("baton-from-teammate", Some(teammate)),
    };
    let footer = match (message.status, &message.key) {
        (Status::Sending, _) => html! { <span class="baton-status">{ texts.sending }</span> },
        (Status::Failed, MessageKey::Client(client_id)) => {
            let outgoing = Outgoing { client_id: client_id.clone(), text: message.text.clone() };
            let onclick = props.on_retry.reform(move |_: MouseEvent| outgoing.clone());
            html! {
                <span class="baton-status baton-failed">
                    { texts.not_sent }{ " " }<button type="button" class="baton-retry" {onclick}>{ texts.retry }</button>
                </span>
            }
        }
        _ => html! {},
    };
    html! {
        <div class={classes!("baton-message", class, (message.status == Status::Streaming).then_some("baton-streaming"))}>
            if let Some(teammate) = author {
                <span class="baton-author">{ avatar(teammate) }{ teammate.name.clone() }</span>
            }
            if message.sender == Sender::Visitor {
                <p class="baton-text baton-plain">{ message.text.clone() }</p>
            } else {
                { rich_text(&message.text) }
            }
            { footer }
        </div>
    }
}

fn notice_text(texts: &Texts, notice: &Notice) -> String {
    match notice {
        Notice::Connecting => texts.connecting.to_owned(),
        Notice::TeamNotified(minutes) => texts.team_notified(*minutes),
        Notice::HandoffFailed => texts.handoff_failed.to_owned(),
        Notice::Joined(name) => texts.joined(name),
        Notice::Closed => texts.closed.to_owned(),
        Notice::Reopened => texts.reopened.to_owned(),
    }
}

/// A teammate's picture when it is an http(s) URL, else their initial.
pub fn avatar(teammate: &Teammate) -> Html {
    let picture = teammate
        .avatar_url
        .as_deref()
        .and_then(markdown::safe_href)
        .filter(|url| !url.to_ascii_lowercase().starts_with("mailto:"));
    match picture {
        Some(src) => html! { <img class="baton-avatar" {src} alt="" referrerpolicy="no-referrer" /> },
        None => {
            let initial: String =
                teammate.name.chars().next().map(|c| c.to_uppercase().collect()).unwrap_or_default();
            html! { <span class="baton-avatar" aria-hidden="true">{ initial }</span> }
        }
    }
}
