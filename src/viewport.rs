//! The part of the page the visitor can actually see. On phones the on-screen keyboard shrinks
//! the visual viewport but not the layout viewport, so a full-screen panel sized by CSS alone
//! would slide its composer under the keyboard; following `visualViewport` keeps it in view.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use yew::{hook, use_effect_with, use_state_eq};

/// The visible area's height and its offset from the top of the layout viewport, in whole CSS
/// pixels, while `enabled`; `None` where the browser has no `visualViewport`. Whole pixels:
/// printing an `f64` into the stylesheet would ship float formatting (4 KB of code).
#[hook]
pub fn use_visual_viewport(enabled: bool) -> Option<(i32, i32)> {
    let size = use_state_eq(|| None);
    {
        let size = size.clone();
        use_effect_with(enabled, move |&enabled| {
            let viewport = web_sys::window().and_then(|window| window.visual_viewport()).filter(|_| enabled);
            let listener = viewport.map(|viewport| {
                let measure = {
                    let viewport = viewport.clone();
                    move || {
                        size.set(Some((
                            viewport.height().round() as i32,
                            viewport.offset_top().round() as i32,
                        )))
                    }
                };
                measure();
                let on_change = Closure::<dyn FnMut()>::new(measure);
                for event in ["resize", "scroll"] {
                    let _ =
                        viewport.add_event_listener_with_callback(event, on_change.as_ref().unchecked_ref());
                }
                (viewport, on_change)
            });
            move || {
                if let Some((viewport, on_change)) = listener {
                    for event in ["resize", "scroll"] {
                        let _ = viewport
                            .remove_event_listener_with_callback(event, on_change.as_ref().unchecked_ref());
                    }
                }
            }
        });
    }
    *size
}
