//! The widget in headless Chromium: mounted the way a page mounts it, and fed events the way the
//! stream feeds them, checked in the real DOM.
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;

use baton_protocol::{ClientId, Event, EventKind, MessageId, Seq};
use baton_widget::components::{message_list, use_log_state};
use baton_widget::conversation::{Action, Conversation};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};
use yew::prelude::*;

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().and_then(|w| w.document()).expect("a document")
}

fn new_host() -> Element {
    let host = document().create_element("div").expect("div");
    document().body().expect("body").append_child(&host).expect("attached");
    host
}

fn shadow_query(host: &Element, selector: &str) -> Option<Element> {
    host.shadow_root().expect("a shadow root").query_selector(selector).expect("valid selector")
}

/// Waits until nothing in `host` matches `selector` (the panel's fade-out takes a moment),
/// failing after 5 s.
async fn until_gone(host: &Element, selector: &str) {
    for _ in 0..500 {
        yew::scheduler::flush().await;
        if shadow_query(host, selector).is_none() {
            return;
        }
        yew::platform::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("{selector} is still there after 5 s");
}

#[wasm_bindgen_test]
async fn mounting_shows_the_launcher_and_a_click_opens_the_panel() {
    let host = new_host();
    // The options object exactly as a page writes it.
    let options =
        js_sys::JSON::parse(r#"{"agent": "demo", "endpoint": "http://127.0.0.1:9"}"#).expect("json");
    let mut chat = baton_widget::mount::mount(&host, options).expect("mounts");
    yew::scheduler::flush().await;

    let launcher = shadow_query(&host, "button[aria-label='Open chat']").expect("launcher");
    assert!(shadow_query(&host, "[role=log]").is_none(), "closed at first");
    launcher.unchecked_into::<HtmlElement>().click();
    yew::scheduler::flush().await;

    assert!(shadow_query(&host, "button[aria-label='Close chat']").is_some());
    assert!(shadow_query(&host, "[role=log]").is_some());
    assert!(shadow_query(&host, "textarea[aria-label='Message']").is_some());
    assert!(baton_widget::mount::mount(&host, JsValue::NULL).is_err(), "one widget per element");

    chat.destroy();
    yew::scheduler::flush().await;
    assert!(shadow_query(&host, "button").is_none(), "destroy empties the widget");
}

#[wasm_bindgen_test]
async fn the_host_page_opens_and_closes_the_chat_and_hears_of_it_until_destroy() {
    let host = new_host();
    let options =
        js_sys::JSON::parse(r#"{"agent": "demo", "endpoint": "http://127.0.0.1:9"}"#).expect("json");
    let mut chat = baton_widget::mount::mount(&host, options).expect("mounts");
    let heard = js_sys::Array::new();
    for event in ["open", "close"] {
        let push = js_sys::Function::new_with_args("e", &format!("this.push('{event}')"));
        chat.on(event.to_owned(), push.bind0(&heard));
    }
    // Sent before the first render: it waits for the widget.
    chat.open();
    yew::scheduler::flush().await;
    assert!(shadow_query(&host, "[role=log]").is_some(), "open() opens the panel");
    chat.close();
    yew::scheduler::flush().await;
    let fading = shadow_query(&host, "[role=dialog]").expect("the panel fades out before it goes");
    assert!(
        fading.class_name().split_whitespace().any(|class| class == "baton-closing"),
        "{}",
        fading.class_name()
    );
    until_gone(&host, "[role=log]").await;
    assert_eq!(heard.join(",").as_string().as_deref(), Some("open,close"));
    assert!(chat.identify(js_sys::JSON::parse(r#"{"email": "ada@example.com"}"#).expect("json")).is_ok());
    assert!(chat.identify(js_sys::JSON::parse(r#"{"email": 7}"#).expect("json")).is_err());

    chat.destroy();
    chat.open();
    yew::scheduler::flush().await;
    assert_eq!(heard.length(), 2, "no listener outlives destroy");
    assert_eq!(baton_widget::mount::version(), env!("CARGO_PKG_VERSION"));
}

#[wasm_bindgen_test]
async fn the_handle_names_the_remembered_conversation_and_restart_forgets_it() {
    let storage = web_sys::window().and_then(|w| w.local_storage().ok().flatten()).expect("storage");
    let key = "baton:http://127.0.0.1:9:restarted";
    // A conversation remembered from an earlier visit, as the widget stores it.
    storage.set_item(key, r#"{"id": "c-42", "token": "secret"}"#).expect("stored");
    storage.set_item(&format!("{key}:seen"), "3").expect("stored");
    let host = new_host();
    let options =
        js_sys::JSON::parse(r#"{"agent": "restarted", "endpoint": "http://127.0.0.1:9", "inline": true}"#)
            .expect("json");
    let mut chat = baton_widget::mount::mount(&host, options).expect("mounts");
    yew::scheduler::flush().await;
    assert_eq!(chat.conversation_id().as_deref(), Some("c-42"));

    chat.restart();
    yew::scheduler::flush().await;
    assert_eq!(chat.conversation_id(), None);
    assert_eq!(storage.get_item(key).expect("readable"), None, "the next visit starts afresh too");
    assert_eq!(storage.get_item(&format!("{key}:seen")).expect("readable"), None);
    assert!(shadow_query(&host, "textarea[aria-label='Message']").is_some(), "ready for a new conversation");
    chat.destroy();
}

/// A log driven by a reducer the test dispatches into.
#[derive(Properties, Clone)]
struct HarnessProps {
    dispatch: Rc<RefCell<Option<UseReducerDispatcher<Conversation>>>>,
}

impl PartialEq for HarnessProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.dispatch, &other.dispatch)
    }
}

#[component]
fn Harness(props: &HarnessProps) -> Html {
    let conversation = use_reducer(Conversation::default);
    *props.dispatch.borrow_mut() = Some(conversation.dispatcher());
    let log = use_log_state(&conversation.messages);
    let typing = conversation.teammate_typing && conversation.teammate.is_some();
    message_list(
        &baton_widget::i18n::EN,
        &log,
        None,
        &AttrValue::default(),
        &conversation.messages,
        conversation.agent_thinking,
        typing,
        conversation.team_seen,
        &Callback::noop(),
    )
}

async fn harness() -> (Element, impl Fn(u64, EventKind)) {
    let host = new_host();
    let dispatch = Rc::new(RefCell::new(None));
    yew::Renderer::<Harness>::with_root_and_props(host.clone(), HarnessProps { dispatch: dispatch.clone() })
        .render();
    yew::scheduler::flush().await;
    let send = move |seq, kind| {
        let dispatcher = dispatch.borrow().clone().expect("rendered");
        dispatcher.dispatch(Action::Received(Event { seq: Seq(seq), at: 0, kind }));
    };
    (host, send)
}

fn bubble_texts(host: &Element) -> Vec<String> {
    let list = host.query_selector_all(".baton-text").expect("selector");
    (0..list.length()).filter_map(|i| list.item(i)).filter_map(|n| n.text_content()).collect()
}

#[wasm_bindgen_test]
async fn streamed_pieces_grow_one_bubble_in_place() {
    let (host, send) = harness().await;
    let id = || MessageId::from("m1");
    send(
        1,
        EventKind::VisitorMessage {
            client_id: ClientId::from("a"),
            text: "Shipping?".into(),
            attachments: Vec::new(),
        },
    );
    send(2, EventKind::AgentMessageStarted { message_id: id() });
    yew::scheduler::flush().await;
    assert!(host.query_selector("[aria-label=Typing]").expect("selector").is_some());

    let mut expected = String::new();
    for (seq, piece) in (3..).zip(["We ship ", "within one ", "working day."]) {
        send(
            seq,
            EventKind::AgentMessageDelta { message_id: id(), offset: expected.len(), text: piece.into() },
        );
        expected.push_str(piece);
        yew::scheduler::flush().await;
        assert_eq!(bubble_texts(&host), ["Shipping?".to_owned(), expected.clone()]);
    }
    assert!(host.query_selector("[aria-label=Typing]").expect("selector").is_none());
    assert!(host.query_selector(".baton-streaming").expect("selector").is_some());
    send(6, EventKind::AgentMessageCompleted { message_id: id(), text: expected.clone() });
    yew::scheduler::flush().await;
    assert!(host.query_selector(".baton-streaming").expect("selector").is_none());
}

#[wasm_bindgen_test]
async fn hostile_markup_in_a_message_stays_inert_text() {
    let (host, send) = harness().await;
    let payloads = [
        r#"<img src=x onerror="window.__baton_pwned=1">"#,
        "<script>window.__baton_pwned=1</script>",
        r#"<a href="javascript:window.__baton_pwned=1">click</a>"#,
        r#"<svg onload="window.__baton_pwned=1"></svg>"#,
        "[click](javascript:window.__baton_pwned=1)",
        "[click](JAVASCRIPT:window.__baton_pwned=1)",
        "[click](data:text/html,<script>window.__baton_pwned=1</script>)",
        r#"<iframe srcdoc="<script>parent.__baton_pwned=1</script>">"#,
        "`<img src=x onerror=window.__baton_pwned=1>`",
    ];
    for (seq, payload) in (1..).zip(payloads) {
        let text = payload.to_owned();
        send(seq, EventKind::AgentMessageCompleted { message_id: MessageId(format!("m{seq}")), text });
    }
    yew::scheduler::flush().await;
    let shown = bubble_texts(&host);
    assert_eq!(shown.len(), payloads.len());
    for (shown, payload) in shown.iter().zip(payloads) {
        // Markdown may drop a code span's backticks; every other character shows as written.
        assert_eq!(shown.as_str(), payload.trim_matches('`'), "shown as text");
    }
    for tag in ["img", "script", "a", "svg", "iframe"] {
        assert!(host.query_selector(tag).expect("selector").is_none(), "no <{tag}> element was created");
    }
    let pwned =
        js_sys::Reflect::get(&web_sys::window().expect("window"), &"__baton_pwned".into()).expect("get");
    assert!(pwned.is_undefined());
}

#[wasm_bindgen_test]
async fn a_safe_link_opens_in_a_new_tab_without_an_opener() {
    let (host, send) = harness().await;
    let text = "Read [our brew guide](https://lumen.example/brew) or **write** to mailto:help@lumen.example"
        .to_owned();
    send(1, EventKind::AgentMessageCompleted { message_id: MessageId::from("m"), text });
    yew::scheduler::flush().await;
    let link = host.query_selector("a").expect("selector").expect("a live link");
    assert_eq!(link.get_attribute("href").as_deref(), Some("https://lumen.example/brew"));
    assert_eq!(link.get_attribute("target").as_deref(), Some("_blank"));
    assert_eq!(link.get_attribute("rel").as_deref(), Some("noopener noreferrer"));
    assert_eq!(link.text_content().as_deref(), Some("our brew guide"));
    assert!(host.query_selector("strong").expect("selector").is_some());
}

#[wasm_bindgen_test]
async fn the_handoff_shows_as_notices_and_the_teammate_as_a_person() {
    let (host, send) = harness().await;
    let ana = || baton_protocol::Teammate { name: "Ana".into(), avatar_url: None };
    send(
        1,
        EventKind::VisitorMessage {
            client_id: ClientId::from("a"),
            text: "Can I talk to a person?".into(),
            attachments: Vec::new(),
        },
    );
    send(2, EventKind::HandoffRequested);
    yew::scheduler::flush().await;
    let notices = |host: &Element| {
        let list = host.query_selector_all(".baton-system").expect("selector");
        (0..list.length()).filter_map(|i| list.item(i)).filter_map(|n| n.text_content()).collect::<Vec<_>>()
    };
    assert_eq!(notices(&host), ["Connecting you with our team…"]);
    assert!(host.query_selector("[aria-label=Typing]").expect("selector").is_none(), "the AI is not typing");

    send(3, EventKind::HandoffConnected { expected_reply_minutes: Some(3) });
    send(4, EventKind::TeammateJoined { teammate: ana() });
    send(5, EventKind::TeammateTyping { teammate: ana() });
    yew::scheduler::flush().await;
    assert!(host.query_selector(".baton-from-teammate.baton-typing").expect("selector").is_some());
    send(
        6,
        EventKind::TeammateMessage {
            teammate: ana(),
            text: "Hi, Ana here. How can I help?".into(),
            attachments: Vec::new(),
        },
    );
    yew::scheduler::flush().await;
    assert_eq!(
        notices(&host),
        [
            "Connecting you with our team…",
            "Our team has your conversation and usually replies within 3 minutes.",
            "Ana joined the conversation",
        ]
    );
    let bubble =
        host.query_selector(".baton-from-teammate:not(.baton-typing)").expect("selector").expect("a bubble");
    assert_eq!(
        bubble.query_selector(".baton-author").expect("selector").and_then(|a| a.text_content()).as_deref(),
        Some("AAna")
    );
    assert!(
        host.query_selector(".baton-typing").expect("selector").is_none(),
        "typing ends with the message"
    );
    send(7, EventKind::ConversationClosed);
    yew::scheduler::flush().await;
    assert_eq!(notices(&host).last().map(String::as_str), Some("This conversation has been closed."));
}
