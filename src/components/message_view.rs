//! One entry of the log: a bubble naming its author at the start of a run (the agent with an
//! "AI" mark, a teammate with their avatar), its text, and where a visitor's message stands; or a
//! line for a step of the conversation. Under a time label when it starts a group.

use baton_protocol::Teammate;
use yew::prelude::*;

use super::{attachments_view, rich_text};
use crate::i18n::Texts;
use crate::markdown;
use crate::message::{Message, MessageKey, Notice, Sender, Status};
use crate::outbox::Outgoing;

/// One entry of the log, keyed by its message so the log's diff follows it: the time label
/// above it (`stamp`) when it starts a group, its author's name when it starts a run (`head`),
/// and on the visitor's own whether the team has `seen` it.
/// The visitor's own words show exactly as typed; the agent's and the team's are the markdown
/// subset. Either way, text is inserted as text, never as HTML. A plain function of its chunk,
/// not a component: the chunk re-renders only when one of its messages changed, and every
/// component ships its own machinery to visitors.
pub fn message_view(
    texts: &'static Texts,
    message: &Message,
    stamp: Option<String>,
    head: bool,
    seen: bool,
    agent: &AttrValue,
    on_retry: &Callback<Outgoing>,
) -> Html {
    let stamp = stamp.map(|stamp| html! { <p class="baton-time">{ stamp }</p> });
    let key = message_key(&message.key);
    let (class, author) = match &message.sender {
        Sender::System(notice) => {
            return html! { <key={key}>{ for stamp }<p class="baton-system">{ notice_text(texts, notice) }</p></> };
        }
        Sender::Visitor => ("baton-from-visitor", html! {}),
        Sender::Agent => ("baton-from-agent", ai_author(texts, agent)),
        Sender::Teammate(teammate) => (
            "baton-from-teammate",
            html! { <span class="baton-author">{ avatar(teammate) }{ teammate.name.clone() }</span> },
        ),
    };
    let footer = match (message.status, &message.key) {
        (Status::Sending, _) => html! { <span class="baton-status">{ texts.sending }</span> },
        // Shown on the newest of the visitor's messages only (the stylesheet hides the others).
        (Status::Done, MessageKey::Client(_)) => {
            html! { <span class="baton-status baton-delivered">{ if seen { texts.seen } else { texts.delivered } }</span> }
        }
        (Status::Failed, MessageKey::Client(client_id)) => {
            // The widget puts the message's files back in before sending it again.
            let outgoing =
                Outgoing { client_id: client_id.clone(), text: message.text.clone(), files: Vec::new() };
            let onclick = on_retry.reform(move |_: MouseEvent| outgoing.clone());
            html! {
                <span class="baton-status baton-failed">
                    { texts.not_sent }{ " " }<button type="button" class="baton-retry" {onclick}>{ texts.retry }</button>
                </span>
            }
        }
        _ => html! {},
    };
    html! {
        <key={key}>
        { for stamp }
        <div class={classes!("baton-message", class, (message.status == Status::Streaming).then_some("baton-streaming"))}>
            if head { { author } }
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

fn message_key(key: &MessageKey) -> String {
    match key {
        MessageKey::Client(id) => format!("c:{id}"),
        MessageKey::Agent(id) => format!("a:{id}"),
        MessageKey::Seq(seq) => format!("s:{seq}"),
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
