//! The message log: a `log` live region of bubbles, each its own component so a streamed piece
//! re-renders one bubble, not the transcript.

use std::rc::Rc;

use yew::prelude::*;

use super::RichText;
use crate::conversation::{Message, MessageKey, Sender, Status};
use crate::outbox::Outgoing;

/// Properties of [`MessageList`].
#[derive(Debug, Clone, PartialEq, Properties)]
pub struct MessageListProps {
    /// The greeting shown above the first message.
    pub greeting: Option<AttrValue>,
    /// Every message, oldest first.
    pub messages: Vec<Rc<Message>>,
    /// Show that the agent is preparing an answer.
    pub thinking: bool,
    /// Called when the visitor retries a failed message.
    pub on_retry: Callback<Outgoing>,
}

/// The log of messages.
#[component]
pub fn MessageList(props: &MessageListProps) -> Html {
    let greeting = props.greeting.as_ref().map(|text| {
        html! { <div class="baton-message baton-from-agent"><RichText text={text.clone()} /></div> }
    });
    html! {
        <div class="baton-log" role="log" aria-live="polite" aria-label="Messages">
            { for greeting }
            { for props.messages.iter().map(|message| html! {
                <MessageView key={key(&message.key)} message={message.clone()} on_retry={props.on_retry.clone()} />
            }) }
            if props.thinking {
                <div class="baton-message baton-from-agent baton-typing" role="status" aria-label="Typing">
                    <span></span><span></span><span></span>
                </div>
            }
        </div>
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

/// One bubble. The visitor's own words show exactly as typed; the agent's and the team's are
/// the markdown subset. Either way, text is inserted as text, never as HTML.
#[component]
pub fn MessageView(props: &MessageViewProps) -> Html {
    let message = &props.message;
    let (class, author) = match &message.sender {
        Sender::Visitor => ("baton-from-visitor", None),
        Sender::Agent => ("baton-from-agent", None),
        Sender::Teammate(teammate) => ("baton-from-teammate", Some(teammate.name.clone())),
    };
    let footer = match (message.status, &message.key) {
        (Status::Sending, _) => html! { <span class="baton-status">{ "Sending…" }</span> },
        (Status::Failed, MessageKey::Client(client_id)) => {
            let outgoing = Outgoing { client_id: client_id.clone(), text: message.text.clone() };
            let onclick = props.on_retry.reform(move |_: MouseEvent| outgoing.clone());
            html! {
                <span class="baton-status baton-failed">
                    { "Not sent. " }<button type="button" class="baton-retry" {onclick}>{ "Retry" }</button>
                </span>
            }
        }
        _ => html! {},
    };
    html! {
        <div class={classes!("baton-message", class, (message.status == Status::Streaming).then_some("baton-streaming"))}>
            if let Some(name) = author { <span class="baton-author">{ name }</span> }
            if message.sender == Sender::Visitor {
                <p class="baton-text baton-plain">{ message.text.clone() }</p>
            } else {
                <RichText text={AttrValue::from(message.text.clone())} />
            }
            { footer }
        </div>
    }
}
