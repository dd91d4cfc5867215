//! The JavaScript entry point: `mount(element, options)` renders the widget inside a Shadow DOM
//! of `element`, with its styles adopted as a constructed stylesheet, so the host page's CSS and
//! the widget's never meet and no inline `<style>` needs a CSP exception.

use std::rc::Rc;

use baton_protocol::read::Value;
use baton_protocol::Visitor;
use wasm_bindgen::prelude::*;
use web_sys::{CssStyleSheet, Element, ShadowRootInit, ShadowRootMode};
use yew::AppHandle;

use crate::components::{Widget, WidgetProps};
use crate::host::{Command, Host};
use crate::options::Options;
use crate::session::{self, Store};

// src/widget.css, minified by build.rs.
const STYLES: &str = include_str!(concat!(env!("OUT_DIR"), "/widget.css"));

/// A mounted widget; `destroy()` removes it and stops everything it runs.
#[wasm_bindgen]
pub struct Chat {
    app: Option<AppHandle<Widget>>,
    root: web_sys::ShadowRoot,
    host: Host,
    session: Store,
}

#[wasm_bindgen]
impl Chat {
    /// Opens the panel.
    pub fn open(&self) {
        self.host.send(Command::Open);
    }

    /// Closes the panel.
    pub fn close(&self) {
        self.host.send(Command::Close);
    }

    /// Tells the bridge who the visitor is (`{email?, name?, user_id?, user_hash?}`, as in the options):
    /// now if a conversation exists, else when the first message starts one.
    pub fn identify(&self, visitor: JsValue) -> Result<(), JsError> {
        let visitor = Visitor::read(&from_js(&visitor)?)
            .map_err(|error| JsError::new(&format!("baton: invalid value: {error}")))?;
        self.host.send(Command::Identify(visitor));
        Ok(())
    }

    /// Calls `listener` on `event`: `open`, `close`, `message` (`{author, text}`, a new answer or
    /// teammate message) or `handoff`. The wrappers refuse other names, so the wasm need not.
    pub fn on(&self, event: String, listener: js_sys::Function) {
        self.host.on(event, listener);
    }

    /// Unmounts the widget: drops its listeners, closes its event stream, stops its outbox and
    /// timers, empties its shadow root.
    pub fn destroy(&mut self) {
        self.host.clear();
        if let Some(app) = self.app.take() {
            app.destroy();
        }
        self.root.set_inner_html("");
    }

    /// Forgets the visitor (their conversation is no longer resumed here), then destroys.
    pub fn shutdown(&mut self) {
        self.session.forget();
        self.destroy();
    }

    /// The id of the visitor's conversation, once the first message has started one.
    #[wasm_bindgen(js_name = conversationId)]
    pub fn conversation_id(&self) -> Option<String> {
        self.session.current().map(|session| session.id.0)
    }

    /// Forgets the conversation and shows an empty one; the next message starts a new one.
    pub fn restart(&self) {
        self.host.send(Command::Restart);
    }
}

/// The version shared by the widget, the script tag's loader and the npm package.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// Reads the host page's object (through `JSON.stringify`), or says what is wrong with it.
fn from_js(value: &JsValue) -> Result<Value, JsError> {
    let invalid = |error: String| JsError::new(&format!("baton: invalid value: {error}"));
    let json = js_sys::JSON::stringify(value).ok().and_then(|text| text.as_string());
    Value::parse(&json.unwrap_or_default()).map_err(|error| invalid(error.to_string()))
}

/// Renders the widget into `element` with `options` (`{agent, endpoint, inline?}`).
#[wasm_bindgen]
pub fn mount(element: &Element, options: JsValue) -> Result<Chat, JsError> {
    let options = Options::read(&from_js(&options)?)
        .map_err(|error| JsError::new(&format!("baton: invalid value: {error}")))?;
    if element.shadow_root().is_some() {
        return Err(JsError::new("baton: this element already holds a widget"));
    }
    let root = element
        .attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))
        .map_err(|_| JsError::new("baton: this element cannot hold a shadow root"))?;
    let sheet = CssStyleSheet::new().map_err(|_| JsError::new("baton: no constructable stylesheets"))?;
    sheet.replace_sync(STYLES).map_err(|_| JsError::new("baton: stylesheet rejected"))?;
    root.set_adopted_style_sheets(&js_sys::Array::of1(&sheet));
    let container = root
        .owner_document()
        .ok_or_else(|| JsError::new("baton: element is not in a document"))?
        .create_element("div")
        .map_err(|_| JsError::new("baton: could not create the container"))?;
    root.append_child(&container).map_err(|_| JsError::new("baton: could not attach the container"))?;
    let session = Store::open(session::storage_key(&options.endpoint, &options.agent));
    let host = Host::default();
    let props = WidgetProps { options: Rc::new(options), host: host.clone(), session: session.clone() };
    let app = yew::Renderer::<Widget>::with_root_and_props(container, props).render();
    Ok(Chat { app: Some(app), root, host, session })
}
