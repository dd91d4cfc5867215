//! Security headers: every response tells browsers not to guess content types and not to send
//! the bridge's addresses on as a referrer; the dashboard's pages also carry a Content-Security-
//! Policy that allows only the dashboard's own files and the widget it previews, and no framing.

use axum::http::{header, HeaderValue};
use axum::Router;
use tower_http::set_header::SetResponseHeaderLayer;

/// The dashboard's policy: its own scripts, styles and API; the widget's WebAssembly; pictures
/// (teammates' and agents' avatars) from wherever the workspace keeps them; and no page may
/// frame it (the admin token is typed into it).
pub const DASHBOARD_CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self'; img-src * data:; connect-src 'self'; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// What every response says about its referrer: nothing. No page of the bridge links anywhere
/// that needs to know where the visitor came from.
pub const REFERRER_POLICY: &str = "no-referrer";

/// `router` with `X-Content-Type-Options: nosniff` and a `Referrer-Policy` on every response
/// that does not set its own.
pub fn on_every_response<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    router
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static(REFERRER_POLICY),
        ))
}

/// The layer that puts [`DASHBOARD_CSP`] on the dashboard's responses.
pub fn dashboard_policy() -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::overriding(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(DASHBOARD_CSP),
    )
}
