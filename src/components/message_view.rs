//! One entry of the log: a bubble naming its author at the start of a run (the agent with an
//! "AI" mark, a teammate with their avatar), its text, and where a visitor's message stands; or a
//! line for a step of the conversation. Under a time label when it starts a group.

use std::rc::Rc;

use baton_protocol::Teammate;
use yew::prelude::*;

use super::{attachments_view, rich_text};
use crate::i18n::{Texts, EN};
use crate::markdown;
use crate::message::{Message, MessageKey, Notice, Sender, Status};
use crate::outbox::Outgoing;

/// Properties of [`MessageView`].
#[derive(Debug, Clone, PartialEq, Properties)]
pub struct MessageViewProps {
    /// The message.
    pub message: Rc<Message>,
    /// The time label above it, when it starts a group.
    #[prop_or_default]
    pub stamp: Option<AttrValue>,
    /// It starts a run of messages by its author, so it names them.
    #[prop_or_default]
    pub head: bool,
    /// The agent's name.
    #[prop_or_default]
    pub agent: AttrValue,
    /// Called when the visitor retries it.
    pub on_retry: Callback<Outgoing>,
}

/// One entry of the log. The visitor's own words show exactly as typed; the agent's and the
/// team's are the markdown subset. Either way, text is inserted as text, never as HTML.
#[component]
pub fn MessageView(props: &MessageViewProps) -> Html {
    let texts = use_context::<&'static Texts>().unwrap_or(&EN);
    let message = &props.message;
    let stamp = props.stamp.clone().map(|stamp| html! { <p class="baton-time">{ stamp }</p> });
    let (class, author) = match &message.sender {
        Sender::System(notice) => {
            return html! { <>{ for stamp }<p class="baton-system">{ notice_text(texts, notice) }</p></> };
        }
        Sender::Visitor => ("baton-from-visitor", html! {}),
        Sender::Agent => ("baton-from-agent", ai_author(texts, &props.agent)),
        Sender::Teammate(teammate) => (
            "baton-from-teammate",
            html! { <span class="baton-author">{ avatar(teammate) }{ teammate.name.clone() }</span> },
        ),
    };
    let footer = match (message.status, &message.key) {
        (Status::Sending, _) => html! { <span class="baton-status">{ texts.sending }</span> },
        // Shown on the newest of the visitor's messages only (the stylesheet hides the others).
        (Status::Done, MessageKey::Client(_)) => {
            html! { <span class="baton-status baton-delivered">{ texts.delivered }</span> }
        }
        (Status::Failed, MessageKey::Client(client_id)) => {
            // The widget puts the message's files back in before sending it again.
            let outgoing =
                Outgoing { client_id: client_id.clone(), text: message.text.clone(), files: Vec::new() };
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
        <>
        { for stamp }
        <div class={classes!("baton-message", class, (message.status == Status::Streaming).then_some("baton-streaming"))}>
            if props.head { { author } }
            if message.text.is_empty() {
            } else if message.sender == Sender::Visitor {
                <p class="baton-text baton-plain">{ message.text.clone() }</p>
            } else {
                { rich_text(&message.text) }
            }
            { attachments_view(&message.attachments) }
            { footer }
        </div>
        </>
    }
}

/// The agent's name and the mark that says it is an AI.
pub fn ai_author(texts: &Texts, name: &AttrValue) -> Html {
    html! { <span class="baton-author">{ name.clone() }<span class="baton-ai">{ texts.ai }</span></span> }
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
