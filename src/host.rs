//! The host page's hold on a mounted widget: the commands it sends (`open`, `close`,
//! `identify`, `restart`) and the listeners it registers (`on`). One handle is shared by the JavaScript
//! `Chat` and the `Widget` component, so neither needs a global.

use std::cell::RefCell;
use std::rc::Rc;

use baton_protocol::Visitor;
use wasm_bindgen::JsValue;
use yew::{hook, use_effect_with, Callback};

/// What the host page asks the widget to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Open the panel.
    Open,
    /// Close the panel.
    Close,
    /// Tell the bridge who the visitor is.
    Identify(Visitor),
    /// Forget the conversation and start an empty one.
    Restart,
}

/// The events a host page can listen to.
pub const EVENTS: [&str; 4] = ["open", "close", "message", "handoff"];

/// A cheap-to-clone handle; equal only to its own clones, so props holding it never change.
#[derive(Clone, Default)]
pub struct Host(Rc<Inner>);

#[derive(Default)]
struct Inner {
    /// The widget's handler, once it has rendered; commands sent before wait in `pending`.
    handler: RefCell<Option<Callback<Command>>>,
    pending: RefCell<Vec<Command>>,
    listeners: RefCell<Vec<(String, js_sys::Function)>>,
}

impl PartialEq for Host {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl std::fmt::Debug for Host {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Host")
    }
}

impl Host {
    /// Sends `command` to the widget, or keeps it until the widget listens.
    pub fn send(&self, command: Command) {
        // Cloned out of the cell: the handler may re-enter `send` through a listener.
        let handler = self.0.handler.borrow().clone();
        match handler {
            Some(handler) => handler.emit(command),
            None => self.0.pending.borrow_mut().push(command),
        }
    }

    /// Called by the widget: from now on `handler` receives commands, starting with those waiting.
    pub fn listen(&self, handler: Callback<Command>) {
        *self.0.handler.borrow_mut() = Some(handler.clone());
        let pending = std::mem::take(&mut *self.0.pending.borrow_mut());
        for command in pending {
            handler.emit(command);
        }
    }

    /// Registers `listener` for `event`, one of [`EVENTS`].
    pub fn on(&self, event: String, listener: js_sys::Function) {
        self.0.listeners.borrow_mut().push((event, listener));
    }

    /// Calls every listener of `event` with `detail`. A listener that throws does not stop the
    /// others, nor the widget.
    pub fn emit(&self, event: &str, detail: &JsValue) {
        let listeners: Vec<js_sys::Function> = self
            .0
            .listeners
            .borrow()
            .iter()
            .filter(|(name, _)| name == event)
            .map(|(_, listener)| listener.clone())
            .collect();
        for listener in listeners {
            let _ = listener.call1(&JsValue::NULL, detail);
        }
    }

    /// Drops the handler, the waiting commands and every listener.
    pub fn clear(&self) {
        self.0.handler.borrow_mut().take();
        self.0.pending.borrow_mut().clear();
        self.0.listeners.borrow_mut().clear();
    }
}

/// Hands the host page's commands to `handler` from the first render on (those sent earlier
/// first). The handler is taken once: it must hold only what stays valid, such as state setters.
#[hook]
pub fn use_host_commands(host: &Host, handler: Callback<Command>) {
    use_effect_with(host.clone(), move |host| host.listen(handler));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_sent_before_the_widget_listens_wait_for_it_and_none_reach_it_after_clear() {
        let host = Host::default();
        host.send(Command::Open);
        let received = Rc::new(RefCell::new(Vec::new()));
        let sink = received.clone();
        host.listen(Callback::from(move |command| sink.borrow_mut().push(command)));
        host.send(Command::Close);
        assert_eq!(*received.borrow(), [Command::Open, Command::Close]);
        host.clear();
        host.send(Command::Open);
        assert_eq!(received.borrow().len(), 2);
    }

    #[test]
    fn a_handle_equals_only_its_clones() {
        let host = Host::default();
        assert_eq!(host, host.clone());
        assert_ne!(host, Host::default());
    }
}
