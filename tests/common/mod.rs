//! What the native render tests share: a conversation reached through actions, and the panel as
//! the root component renders it, each test setting only what it cares about.

use std::rc::Rc;

use baton_protocol::{AgentProfile, Event, EventKind, Seq};
use baton_widget::components::{panel as panel_view, use_log_state, use_picking, use_writing, PanelProps};
use baton_widget::conversation::{Action, Conversation};
use baton_widget::stream::Link;
use yew::prelude::*;
use yew::LocalServerRenderer;

/// The conversation the reducer reaches from an empty one through `actions`.
pub fn conversation(actions: impl IntoIterator<Item = Action>) -> Rc<Conversation> {
    Rc::new(actions.into_iter().fold(Conversation::default(), Conversation::apply))
}

/// The bridge's event `seq`, sent at the epoch, as the widget receives it.
pub fn received(seq: u64, kind: EventKind) -> Action {
    Action::Received(Event { seq: Seq(seq), at: 0, kind })
}

/// What the root gives the panel, its reducer starting at `conversation`: online, without an
/// agent profile and not asking for an email unless a test says so; callbacks do nothing.
#[derive(Properties, PartialEq)]
pub struct ShownProps {
    pub conversation: Rc<Conversation>,
    #[prop_or_default]
    pub profile: Option<Rc<AgentProfile>>,
    #[prop_or(Link::Online)]
    pub link: Link,
    #[prop_or_default]
    pub ask_email: bool,
}

#[component]
fn Shown(props: &ShownProps) -> Html {
    let conversation = use_reducer(|| (*props.conversation).clone());
    let log = use_log_state(&conversation.messages);
    let shown = PanelProps {
        profile: props.profile.clone(),
        conversation,
        link: props.link,
        on_send: Callback::noop(),
        on_send_files: Callback::noop(),
        picking: use_picking(),
        writing: use_writing(),
        log,
        on_retry: Callback::noop(),
        ask_email: props.ask_email,
        email_saved: None,
        on_email: Callback::noop(),
        on_restart: Callback::noop(),
        on_rate: Callback::noop(),
        input_ref: NodeRef::default(),
        comment_ref: NodeRef::default(),
        email_ref: NodeRef::default(),
        email_invalid: use_state_eq(|| false),
        closing: false,
        panel_ref: NodeRef::default(),
        on_closed: Callback::noop(),
    };
    panel_view(&baton_widget::i18n::EN, &shown)
}

/// The panel's HTML, in English, as `props` set it up.
pub async fn render(props: ShownProps) -> String {
    LocalServerRenderer::<Shown>::with_props(props).render().await
}

/// The panel's HTML showing `conversation`, everything else as [`ShownProps`] leaves it.
pub async fn panel(conversation: Rc<Conversation>) -> String {
    render(yew::props!(ShownProps { conversation })).await
}
