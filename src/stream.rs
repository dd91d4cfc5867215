//! The conversation's event stream as a hook: an `EventSource` that lives as long as the session
//! and the component, turns each server-sent event into a reducer action, and when the connection
//! breaks reconnects after the last event it delivered, backing off exponentially with jitter so a
//! bridge coming back up is not hit by every visitor at the same instant.
//!
//! Straight on web-sys rather than gloo-net's `EventSource`: measured, that one added 1,567 bytes
//! gzip for less than this needs (it reports no `open`, which clears "reconnecting", and the
//! reconnects with jitter below replace the browser's own anyway).

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use std::time::Duration;

use baton_protocol::Event;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{EventSource, MessageEvent};
use yew::{hook, use_effect_with, Callback};

/// The first wait before reconnecting; each failure doubles it, up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Whether the stream is connected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// Events flow.
    Online,
    /// The connection broke; a reconnect is scheduled.
    Reconnecting,
}

/// How long to wait before reconnect attempt `attempt` (0 for the first): exponential, capped,
/// and scaled by `jitter` in [0, 1) to a value between half and all of it.
pub fn backoff(attempt: u32, jitter: f64) -> Duration {
    let full = FIRST_BACKOFF.saturating_mul(2_u32.saturating_pow(attempt.min(16))).min(MAX_BACKOFF);
    full.mul_f64(0.5 + jitter.clamp(0.0, 1.0) / 2.0)
}

/// Listens to `url` (the stream's URL without `after`) while it is `Some`, sending each event to
/// `on_event` and each change of connection to `on_link`. Changing `url` closes the old stream.
#[hook]
pub fn use_event_stream(url: Option<String>, on_event: Callback<Event>, on_link: Callback<Link>) {
    use_effect_with(url, move |url| {
        let listener = url.clone().map(|url| Listener::open(url, on_event, on_link));
        move || drop(listener)
    });
}

/// Owns the connection; dropping it closes the stream and cancels any pending reconnect.
struct Listener {
    shared: Rc<Shared>,
}

struct Shared {
    url: String,
    on_event: Callback<Event>,
    on_link: Callback<Link>,
    /// The last seq delivered: reconnects resume after it.
    last_seq: Cell<u64>,
    failures: Cell<u32>,
    closed: Cell<bool>,
    connection: RefCell<Option<Connection>>,
}

struct Connection {
    source: EventSource,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_open: Closure<dyn FnMut()>,
    _on_error: Closure<dyn FnMut()>,
}

impl Listener {
    fn open(url: String, on_event: Callback<Event>, on_link: Callback<Link>) -> Self {
        let shared = Rc::new(Shared {
            url,
            on_event,
            on_link,
            last_seq: Cell::new(0),
            failures: Cell::new(0),
            closed: Cell::new(false),
            connection: RefCell::new(None),
        });
        connect(&shared);
        Self { shared }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.shared.closed.set(true);
        if let Some(connection) = self.shared.connection.borrow_mut().take() {
            connection.source.close();
        }
    }
}

fn connect(shared: &Rc<Shared>) {
    let separator = if shared.url.contains('?') { '&' } else { '?' };
    let url = format!("{}{separator}after={}", shared.url, shared.last_seq.get());
    let Ok(source) = EventSource::new(&url) else {
        schedule_reconnect(shared);
        return;
    };
    let weak = Rc::downgrade(shared);
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new({
        let weak = weak.clone();
        move |message: MessageEvent| {
            let (Some(shared), Some(data)) = (weak.upgrade(), message.data().as_string()) else { return };
            match Event::read(&data) {
                Ok(event) => {
                    shared.last_seq.set(shared.last_seq.get().max(event.seq.0));
                    shared.on_event.emit(event);
                }
                // A newer bridge may send kinds this widget does not know: skip, don't break.
                Err(error) => web_sys::console::warn_1(&format!("baton: skipped an event: {error}").into()),
            }
        }
    });
    let on_open = Closure::<dyn FnMut()>::new({
        let weak = weak.clone();
        move || {
            if let Some(shared) = weak.upgrade() {
                shared.failures.set(0);
                shared.on_link.emit(Link::Online);
            }
        }
    });
    let on_error = Closure::<dyn FnMut()>::new(move || {
        if let Some(shared) = weak.upgrade() {
            // The browser's own retry has a fixed delay and no jitter: take over instead.
            if let Some(connection) = shared.connection.borrow_mut().take() {
                connection.source.close();
            }
            schedule_reconnect(&shared);
        }
    });
    source.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    let connection = Connection { source, _on_message: on_message, _on_open: on_open, _on_error: on_error };
    *shared.connection.borrow_mut() = Some(connection);
}

fn schedule_reconnect(shared: &Rc<Shared>) {
    shared.on_link.emit(Link::Reconnecting);
    let wait = backoff(shared.failures.get(), js_sys::Math::random());
    shared.failures.set(shared.failures.get().saturating_add(1));
    let weak: Weak<Shared> = Rc::downgrade(shared);
    yew::platform::spawn_local(async move {
        yew::platform::time::sleep(wait).await;
        if let Some(shared) = weak.upgrade().filter(|shared| !shared.closed.get()) {
            connect(&shared);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_a_cap_and_jitter_keeps_at_least_half() {
        assert_eq!(backoff(0, 1.0), Duration::from_secs(1));
        assert_eq!(backoff(3, 1.0), Duration::from_secs(8));
        assert_eq!(backoff(10, 1.0), MAX_BACKOFF);
        assert_eq!(backoff(u32::MAX, 1.0), MAX_BACKOFF);
        assert_eq!(backoff(3, 0.0), Duration::from_secs(4));
        let spread: Vec<Duration> = [0.0, 0.25, 0.5, 0.99].iter().map(|&j| backoff(2, j)).collect();
        assert!(spread.windows(2).all(|w| w[0] < w[1]), "jitter spreads visitors out: {spread:?}");
    }
}
