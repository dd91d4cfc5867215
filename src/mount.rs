//! The JavaScript entry point: `mount(element, options)` renders the widget inside a Shadow DOM
//! of `element`, with its styles adopted as a constructed stylesheet, so the host page's CSS and
//! the widget's never meet and no inline `<style>` needs a CSP exception.

use std::rc::Rc;

use wasm_bindgen::prelude::*;
use web_sys::{CssStyleSheet, Element, ShadowRootInit, ShadowRootMode};
use yew::AppHandle;

use crate::components::{Widget, WidgetProps};
use crate::options::Options;

const STYLES: &str = include_str!("widget.css");

/// A mounted widget; `destroy()` removes it and stops everything it runs.
#[wasm_bindgen]
pub struct Chat {
    app: Option<AppHandle<Widget>>,
    root: web_sys::ShadowRoot,
}

#[wasm_bindgen]
impl Chat {
    /// Unmounts the widget: closes its event stream, stops its outbox, empties its shadow root.
    pub fn destroy(&mut self) {
        if let Some(app) = self.app.take() {
            app.destroy();
        }
        self.root.set_inner_html("");
    }
}

/// Renders the widget into `element` with `options` (`{agent, endpoint, inline?}`).
#[wasm_bindgen]
pub fn mount(element: &Element, options: JsValue) -> Result<Chat, JsError> {
    // Through JSON text, so the one JSON parser the widget already has reads the options too.
    let json = js_sys::JSON::stringify(&options)
        .ok()
        .and_then(|json| json.as_string())
        .ok_or_else(|| JsError::new("baton: options must be an object"))?;
    let options: Options = serde_json::from_str(&json)
        .map_err(|error| JsError::new(&format!("baton: invalid options: {error}")))?;
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
    let props = WidgetProps { options: Rc::new(options) };
    let app = yew::Renderer::<Widget>::with_root_and_props(container, props).render();
    Ok(Chat { app: Some(app), root })
}
