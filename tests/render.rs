//! The widget's components rendered natively (Yew's server renderer): what a visitor and a
//! screen reader get for each state, checked without a browser.
#![cfg(not(target_arch = "wasm32"))]

use std::rc::Rc;

use baton_protocol::{ClientId, Event, EventKind, MessageId, Seq};
use baton_widget::components::{Launcher, LauncherProps, Panel, PanelProps};
use baton_widget::conversation::{Action, Conversation};
use baton_widget::stream::Link;
use yew::{Callback, LocalServerRenderer};

fn conversation(actions: impl IntoIterator<Item = Action>) -> Rc<Conversation> {
    Rc::new(actions.into_iter().fold(Conversation::default(), Conversation::apply))
}

fn received(seq: u64, kind: EventKind) -> Action {
    Action::Received(Event { seq: Seq(seq), at: 0, kind })
}

async fn panel(conversation: Rc<Conversation>, link: Link) -> String {
    let props = PanelProps {
        profile: None,
        conversation,
        link,
        on_send: Callback::noop(),
        on_retry: Callback::noop(),
    };
    LocalServerRenderer::<Panel>::with_props(props).render().await
}

#[tokio::test]
async fn the_launcher_is_named_for_what_a_click_does() {
    for (open, label) in [(false, "Open chat"), (true, "Close chat")] {
        let props = LauncherProps { open, on_toggle: Callback::noop() };
        let html = LocalServerRenderer::<Launcher>::with_props(props).render().await;
        assert!(html.contains(&format!(r#"aria-label="{label}""#)), "{html}");
        assert!(html.contains(&format!(r#"aria-expanded="{open}""#)), "{html}");
    }
}

#[tokio::test]
async fn the_panel_has_a_log_a_message_box_and_a_send_button() {
    let html = panel(conversation([]), Link::Online).await;
    assert!(html.contains(r#"role="log""#), "{html}");
    assert!(html.contains(r#"aria-label="Message""#), "{html}");
    assert!(html.contains(">Send</button>"), "{html}");
    assert!(!html.contains("offline"), "no offline notice while online");
}

#[tokio::test]
async fn message_text_is_escaped_never_markup() {
    let hostile = r#"<img src=x onerror="alert(1)"><script>alert(2)</script>"#;
    let html = panel(
        conversation([
            received(1, EventKind::VisitorMessage { client_id: ClientId::from("a"), text: hostile.into() }),
            received(2, EventKind::AgentMessageCompleted { message_id: MessageId::from("m"), text: hostile.into() }),
        ]),
        Link::Online,
    )
    .await;
    assert!(!html.contains("<img"), "{html}");
    assert!(!html.contains("<script"), "{html}");
    assert_eq!(html.matches("&lt;img src=x").count(), 2, "both messages shown as text: {html}");
}

#[tokio::test]
async fn a_failed_message_offers_retry_and_a_dropped_stream_says_so() {
    let html = panel(
        conversation([
            Action::Queued { client_id: ClientId::from("a"), text: "hello?".into() },
            Action::SendFailed { client_id: ClientId::from("a") },
        ]),
        Link::Reconnecting,
    )
    .await;
    assert!(html.contains("Not sent."), "{html}");
    assert!(html.contains(">Retry</button>"), "{html}");
    assert!(html.contains("offline. Reconnecting…"), "{html}");
}

#[tokio::test]
async fn the_typing_indicator_shows_until_the_first_piece_arrives() {
    let asked = [
        received(1, EventKind::VisitorMessage { client_id: ClientId::from("a"), text: "q".into() }),
        received(2, EventKind::AgentMessageStarted { message_id: MessageId::from("m") }),
    ];
    let thinking = panel(conversation(asked.clone()), Link::Online).await;
    assert!(thinking.contains(r#"aria-label="Typing""#), "{thinking}");
    let mut answering = asked.to_vec();
    answering.push(received(
        3,
        EventKind::AgentMessageDelta { message_id: MessageId::from("m"), offset: 0, text: "Sure".into() },
    ));
    let html = panel(conversation(answering), Link::Online).await;
    assert!(!html.contains(r#"aria-label="Typing""#), "{html}");
    assert!(html.contains("Sure"), "{html}");
}
