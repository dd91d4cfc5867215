//! The widget's components rendered natively (Yew's server renderer): what a visitor and a
//! screen reader get for each state, checked without a browser.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::rc::Rc;

use baton_protocol::AgentProfile;
use baton_protocol::{ClientId, Event, EventKind, MessageId, Seq, Teammate};
use baton_widget::components::{launcher, LauncherProps};
use baton_widget::conversation::Action;
use baton_widget::stream::Link;
use common::{conversation, panel, received, render, ShownProps};
use yew::prelude::*;
use yew::LocalServerRenderer;

/// The launcher as the root renders it, in English.
#[derive(Properties, PartialEq)]
struct LauncherShownProps {
    open: bool,
    unread: usize,
    #[prop_or_default]
    preview: Option<(String, String)>,
}

#[component]
fn LauncherShown(props: &LauncherShownProps) -> Html {
    let shown = LauncherProps {
        open: props.open,
        unread: props.unread,
        on_toggle: Callback::noop(),
        preview: props.preview.clone(),
        on_dismiss: Callback::noop(),
        button_ref: NodeRef::default(),
    };
    launcher(&baton_widget::i18n::EN, &shown)
}

async fn launcher_html(open: bool, unread: usize) -> String {
    let props = yew::props!(LauncherShownProps { open, unread });
    LocalServerRenderer::<LauncherShown>::with_props(props).render().await
}

fn ana() -> Teammate {
    Teammate { name: "Ana".into(), avatar_url: Some("https://x.example/ana.png".into()) }
}

#[tokio::test]
async fn the_launcher_is_named_for_what_a_click_does() {
    for (open, label) in [(false, "Open chat"), (true, "Close chat")] {
        let html = launcher_html(open, 0).await;
        assert!(html.contains(&format!(r#"aria-label="{label}""#)), "{html}");
        assert!(html.contains(&format!(r#"aria-expanded="{open}""#)), "{html}");
        assert!(!html.contains('💬'), "no emoji, which some systems cannot draw: {html}");
        assert_eq!(html.contains("<svg"), !open, "a drawn bubble while closed: {html}");
    }
}

#[tokio::test]
async fn the_closed_launcher_previews_the_newest_unread_message_politely_with_a_named_close_button() {
    let preview = Some(("Ana".to_owned(), "Let me check <that> for you.".to_owned()));
    for open in [false, true] {
        let props = yew::props!(LauncherShownProps { open, unread: 2, preview: preview.clone() });
        let html = LocalServerRenderer::<LauncherShown>::with_props(props).render().await;
        if open {
            assert!(!html.contains("baton-preview"), "none while the panel is open: {html}");
            continue;
        }
        assert!(html.contains(r#"<div role="status" class="baton-preview">"#), "{html}");
        assert!(html.contains(r#"<span class="baton-preview-author">Ana</span>"#), "{html}");
        assert!(html.contains("Let me check &lt;that&gt; for you."), "text, never markup: {html}");
        assert!(html.contains(r#"aria-label="Close preview""#), "{html}");
        assert!(html.contains("2 unread messages"), "the count beside it: {html}");
    }
}

#[tokio::test]
async fn the_panel_has_a_log_a_message_box_and_a_send_button() {
    let html = panel(conversation([])).await;
    assert!(html.contains(r#"role="log""#), "{html}");
    assert!(html.contains(r#"aria-label="Message""#), "{html}");
    assert!(html.contains(">Send</button>"), "{html}");
    assert!(!html.contains("offline"), "no offline notice while online");
}

#[tokio::test]
async fn message_text_is_escaped_never_markup() {
    let hostile = r#"<img src=x onerror="alert(1)"><script>alert(2)</script>"#;
    let html = panel(conversation([
        received(
            1,
            EventKind::VisitorMessage {
                client_id: ClientId::from("a"),
                text: hostile.into(),
                attachments: Vec::new(),
            },
        ),
        received(
            2,
            EventKind::AgentMessageCompleted { message_id: MessageId::from("m"), text: hostile.into() },
        ),
    ]))
    .await;
    assert!(!html.contains("<img"), "{html}");
    assert!(!html.contains("<script"), "{html}");
    assert_eq!(html.matches("&lt;img src=x").count(), 2, "both messages shown as text: {html}");
}

#[tokio::test]
async fn an_answer_wrapped_at_odd_places_reads_as_one_paragraph_and_the_visitors_own_breaks_stay() {
    let wrapped =
        "We ship within **one working\nday** of roasting. Delivery\ntakes 1–2 days.\n\n- espresso\n  (fine)";
    let html = panel(conversation([
        received(
            1,
            EventKind::VisitorMessage {
                client_id: ClientId::from("a"),
                text: "line one\nline two".into(),
                attachments: Vec::new(),
            },
        ),
        received(
            2,
            EventKind::AgentMessageCompleted { message_id: MessageId::from("m"), text: wrapped.into() },
        ),
    ]))
    .await;
    assert!(
        html.contains(
            "<p>We ship within <strong>one working day</strong> of roasting. Delivery takes 1–2 days.</p>"
        ),
        "{html}"
    );
    assert!(html.contains("<li>espresso (fine)</li>"), "{html}");
    assert!(html.contains("line one\nline two"), "the visitor's words show as typed: {html}");
}

#[tokio::test]
async fn a_failed_message_offers_retry_and_a_dropped_stream_says_so() {
    let conversation = conversation([
        Action::Queued { client_id: ClientId::from("a"), text: "hello?".into(), at: 0 },
        Action::SendFailed { client_id: ClientId::from("a") },
    ]);
    let html = render(yew::props!(ShownProps { conversation, link: Link::Reconnecting })).await;
    assert!(html.contains("Not sent."), "{html}");
    assert!(html.contains(">Retry</button>"), "{html}");
    assert!(html.contains("offline. Reconnecting…"), "{html}");
}

#[tokio::test]
async fn the_typing_indicator_shows_until_the_first_piece_arrives() {
    let asked = [
        received(
            1,
            EventKind::VisitorMessage {
                client_id: ClientId::from("a"),
                text: "q".into(),
                attachments: Vec::new(),
            },
        ),
        received(2, EventKind::AgentMessageStarted { message_id: MessageId::from("m") }),
    ];
    let thinking = panel(conversation(asked.clone())).await;
    assert!(thinking.contains(r#"aria-label="Typing""#), "{thinking}");
    let mut answering = asked.to_vec();
    answering.push(received(
        3,
        EventKind::AgentMessageDelta { message_id: MessageId::from("m"), offset: 0, text: "Sure".into() },
    ));
    let html = panel(conversation(answering)).await;
    assert!(!html.contains(r#"aria-label="Typing""#), "{html}");
    assert!(html.contains("Sure"), "{html}");
}

#[tokio::test]
async fn the_launcher_counts_unread_answers_only_while_closed() {
    let html = launcher_html(false, 2).await;
    assert!(html.contains("2 unread messages"), "{html}");
    assert!(html.contains(r#"aria-label="Open chat""#), "the button keeps its name: {html}");
    let html = launcher_html(true, 2).await;
    assert!(!html.contains("unread"), "{html}");
}

#[tokio::test]
async fn a_closed_conversation_asks_for_a_rating_once_and_thanks_after_it() {
    let closed = [
        received(1, EventKind::TeammateJoined { teammate: ana() }),
        received(2, EventKind::ConversationClosed),
    ];
    let html = panel(conversation(closed.clone())).await;
    assert!(html.contains("<legend"), "the choices are a named group: {html}");
    assert!(html.contains("How was this conversation?"), "{html}");
    assert!(html.contains(">Good</button>") && html.contains(">Bad</button>"), "{html}");
    assert!(html.contains(r#"aria-label="Anything to add? (optional)""#), "{html}");
    let rated =
        received(3, EventKind::ConversationRated { rating: baton_protocol::Rating::Good, comment: None });
    let html = panel(conversation(closed.into_iter().chain([rated]))).await;
    assert!(html.contains("Thanks for your rating!"), "{html}");
    assert!(!html.contains(">Good</button>"), "not asked again: {html}");
    assert!(html.contains("Start a new conversation"), "{html}");
}

#[tokio::test]
async fn a_live_handoff_reads_as_a_friendly_transition_then_a_person() {
    let connecting = conversation([
        received(
            1,
            EventKind::VisitorMessage {
                client_id: ClientId::from("a"),
                text: "a human please".into(),
                attachments: Vec::new(),
            },
        ),
        received(2, EventKind::HandoffRequested),
    ]);
    let html = panel(connecting.clone()).await;
    assert!(html.contains("Connecting you with our team…"), "{html}");

    let mut steps: Vec<Action> = vec![
        received(
            1,
            EventKind::VisitorMessage {
                client_id: ClientId::from("a"),
                text: "a human please".into(),
                attachments: Vec::new(),
            },
        ),
        received(2, EventKind::HandoffRequested),
        received(3, EventKind::HandoffConnected { expected_reply_minutes: Some(4) }),
    ];
    let waiting = panel(conversation(steps.clone())).await;
    assert!(waiting.contains("usually replies within 4 minutes"), "{waiting}");

    steps.push(received(4, EventKind::TeammateJoined { teammate: ana() }));
    steps.push(received(
        5,
        EventKind::TeammateMessage {
            teammate: ana(),
            text: "Hi, I'm **Ana**".into(),
            attachments: Vec::new(),
        },
    ));
    steps.push(received(6, EventKind::TeammateTyping { teammate: ana() }));
    let html = panel(conversation(steps)).await;
    assert!(html.contains("Ana joined the conversation"), "{html}");
    assert!(html.contains("Ana · Support team"), "the header names the person: {html}");
    assert!(html.contains("baton-from-teammate"), "visibly from a person: {html}");
    assert!(html.contains(r#"src="https://x.example/ana.png""#), "with the avatar: {html}");
    assert!(html.contains("<strong>Ana</strong>"), "teammates write markdown too: {html}");
    assert!(html.contains(r#"aria-label="Typing""#), "the teammate's typing shows: {html}");
    assert!(!html.contains("AI assistant"), "{html}");
}

#[tokio::test]
async fn a_closed_conversation_offers_a_new_one_instead_of_the_composer() {
    let closed = conversation([
        received(1, EventKind::TeammateJoined { teammate: ana() }),
        received(2, EventKind::ConversationClosed),
    ]);
    let html = panel(closed).await;
    assert!(html.contains("This conversation has been closed."), "{html}");
    assert!(html.contains("Start a new conversation"), "{html}");
    assert!(!html.contains(r#"aria-label="Message""#), "{html}");
}

#[tokio::test]
async fn a_failed_handoff_says_so_plainly_and_asks_for_an_email() {
    let failed = conversation([
        received(
            1,
            EventKind::VisitorMessage {
                client_id: ClientId::from("a"),
                text: "person".into(),
                attachments: Vec::new(),
            },
        ),
        received(2, EventKind::HandoffRequested),
        received(3, EventKind::HandoffFailed),
    ]);
    let props = yew::props!(ShownProps { conversation: failed, ask_email: true });
    let html = render(props).await;
    assert!(
        html.contains("We couldn&#x27;t reach our team") || html.contains("We couldn't reach our team"),
        "{html}"
    );
    assert!(html.contains(r#"type="email""#), "{html}");
    assert!(html.contains(r#"aria-label="Message""#), "the visitor can still write: {html}");
}

#[tokio::test]
async fn an_avatar_that_is_not_http_is_replaced_by_the_initial() {
    let teammate = Teammate { name: "zoé".into(), avatar_url: Some("javascript:alert(1)".into()) };
    let html = panel(conversation([received(
        1,
        EventKind::TeammateMessage { teammate, text: "hi".into(), attachments: Vec::new() },
    )]))
    .await;
    assert!(!html.contains("javascript:"), "{html}");
    assert!(html.contains(">Z</span>"), "{html}");
}

/// The demo agent's profile: Juniper of Lumen Coffee Roasters, with no suggested questions.
fn juniper() -> AgentProfile {
    AgentProfile {
        id: "demo".into(),
        name: "Juniper".into(),
        avatar_url: None,
        company: "Lumen Coffee Roasters".into(),
        greeting: "Hi!".into(),
        back_at: None,
        suggestions: Vec::new(),
    }
}

#[tokio::test]
async fn the_header_names_the_company_and_the_agent_with_its_avatar() {
    let profile = Rc::new(juniper());
    let props = yew::props!(ShownProps { profile: Some(profile), conversation: conversation([]) });
    let html = render(props).await;
    assert!(html.contains("Lumen Coffee Roasters"), "{html}");
    assert!(html.contains("Juniper · AI assistant"), "{html}");
    assert!(html.contains(r#"<span aria-hidden="true" class="baton-avatar">J</span>"#), "{html}");
}

#[tokio::test]
async fn after_a_handoff_the_ais_answers_are_labelled_and_the_teammate_is_named_once_per_run() {
    let profile = Rc::new(juniper());
    let ana = Teammate { name: "Ana Torres".into(), avatar_url: None };
    let said = |seq, text: &str| {
        received(
            seq,
            EventKind::TeammateMessage { teammate: ana.clone(), text: text.into(), attachments: Vec::new() },
        )
    };
    let steps = conversation([
        received(
            1,
            EventKind::VisitorMessage {
                client_id: ClientId::from("a"),
                text: "q".into(),
                attachments: Vec::new(),
            },
        ),
        received(
            2,
            EventKind::AgentMessageCompleted { message_id: MessageId::from("m"), text: "An answer".into() },
        ),
        received(3, EventKind::HandoffRequested),
        said(4, "Hello"),
        said(5, "How can I help?"),
    ]);
    let props = yew::props!(ShownProps { profile: Some(profile), conversation: steps });
    let html = render(props).await;
    let ai_label = r#"<span class="baton-author">Juniper<span class="baton-ai">AI</span></span>"#;
    assert_eq!(html.matches(ai_label).count(), 2, "the greeting and the answer: {html}");
    assert_eq!(html.matches(">Ana Torres</span>").count(), 1, "named once for two messages: {html}");
    assert!(html.contains(r#"<span aria-hidden="true" class="baton-avatar">A</span>"#), "initial: {html}");
}

#[tokio::test]
async fn time_labels_start_each_group_and_the_visitors_messages_say_delivered() {
    const MINUTE: i64 = 60_000;
    let start = 1_796_047_500_000; // 2026-11-30 14:05 UTC, the native renderer's zone
    let at = |seq: u64, minutes: i64, kind| {
        Action::Received(Event { seq: Seq(seq), at: start + minutes * MINUTE, kind })
    };
    let html = panel(conversation([
        at(
            1,
            0,
            EventKind::VisitorMessage {
                client_id: ClientId::from("a"),
                text: "q".into(),
                attachments: Vec::new(),
            },
        ),
        at(2, 1, EventKind::AgentMessageCompleted { message_id: MessageId::from("m"), text: "a".into() }),
        at(
            3,
            12,
            EventKind::VisitorMessage {
                client_id: ClientId::from("b"),
                text: "again".into(),
                attachments: Vec::new(),
            },
        ),
        Action::Queued { client_id: ClientId::from("c"), text: "and?".into(), at: start + 13 * MINUTE },
    ]))
    .await;
    let labels: Vec<&str> =
        html.split(r#"<p class="baton-time">"#).skip(1).filter_map(|rest| rest.split('<').next()).collect();
    assert_eq!(labels.len(), 2, "a label at 14:05 and one after ten quiet minutes: {html}");
    assert!(labels.iter().all(|label| label.ends_with(":05") || label.ends_with(":17")), "{labels:?}");
    assert_eq!(html.matches("Delivered").count(), 2, "the two the bridge has: {html}");
    assert_eq!(html.matches("Sending…").count(), 1, "{html}");
}

#[tokio::test]
async fn suggested_questions_are_buttons_until_the_conversation_has_a_message() {
    let profile = Rc::new(AgentProfile {
        suggestions: vec!["Where is my order?".into(), "Can I pause my <b>subscription</b>?".into()],
        ..juniper()
    });
    let shown = |conversation| {
        let props = yew::props!(ShownProps { profile: Some(profile.clone()), conversation });
        render(props)
    };
    let empty = shown(conversation([])).await;
    assert!(
        empty.contains(r#"<button type="button" class="baton-suggestion">Where is my order?</button>"#),
        "{empty}"
    );
    assert!(empty.contains("Can I pause my &lt;b&gt;subscription&lt;/b&gt;?"), "text, never markup: {empty}");
    let started = shown(conversation([received(
        1,
        EventKind::VisitorMessage {
            client_id: ClientId::from("a"),
            text: "Hello".into(),
            attachments: Vec::new(),
        },
    )]))
    .await;
    assert!(!started.contains("baton-suggestion"), "{started}");
}
