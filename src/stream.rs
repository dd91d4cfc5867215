//! The conversation's event stream as a hook: an `EventSource` that lives as long as the session
//! and the component, and turns each server-sent event into a reducer action. The browser
//! reconnects by itself and sends `Last-Event-ID`, so the bridge resumes where the stream broke.

use baton_protocol::Event;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{EventSource, MessageEvent};
use yew::{hook, use_effect_with, Callback};

/// Whether the stream is connected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// Events flow.
    Online,
    /// The connection broke; the browser is retrying.
    Reconnecting,
}

/// Listens to `url` while it is `Some`, sending each event to `on_event` and each change of
/// connection to `on_link`. Changing `url` closes the old stream first.
#[hook]
pub fn use_event_stream(url: Option<String>, on_event: Callback<Event>, on_link: Callback<Link>) {
    use_effect_with(url, move |url| {
        let listener = url.as_deref().and_then(|url| Listener::open(url, on_event, on_link));
        move || drop(listener)
    });
}

/// An open `EventSource` and the closures it calls; dropping it closes the stream.
struct Listener {
    source: EventSource,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_open: Closure<dyn FnMut()>,
    _on_error: Closure<dyn FnMut()>,
}

impl Listener {
    fn open(url: &str, on_event: Callback<Event>, on_link: Callback<Link>) -> Option<Self> {
        let source = EventSource::new(url).ok()?;
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |message: MessageEvent| {
            let Some(data) = message.data().as_string() else { return };
            match serde_json::from_str::<Event>(&data) {
                Ok(event) => on_event.emit(event),
                // A newer bridge may send kinds this widget does not know: skip, don't break.
                Err(error) => web_sys::console::warn_1(&format!("baton: skipped an event: {error}").into()),
            }
        });
        let online = on_link.clone();
        let on_open = Closure::<dyn FnMut()>::new(move || online.emit(Link::Online));
        let on_error = Closure::<dyn FnMut()>::new(move || on_link.emit(Link::Reconnecting));
        source.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Some(Self { source, _on_message: on_message, _on_open: on_open, _on_error: on_error })
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.source.close();
    }
}
