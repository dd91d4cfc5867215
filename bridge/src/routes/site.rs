//! The demo site: the sample company page at `/`, the built widget under `/pkg/` (for pages of
//! any origin) and the dashboard under `/dashboard/`, straight from the directory the bridge was
//! pointed at.

use std::path::Path;

use axum::http::{header, HeaderValue};
use axum::Router;
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::AppState;

/// Routes for `index.html`, `pkg/` and `www/dashboard/` inside `site_dir`.
pub fn router(site_dir: &Path) -> Router<AppState> {
    // The widget changes with every build; browsers must revalidate rather than run a stale one.
    let no_cache =
        SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    // The script tag's loader imports the widget from here into other sites' pages: a module
    // script and its wasm are fetched with CORS. They are the same public files for everyone.
    let any_origin = SetResponseHeaderLayer::overriding(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    // The build writes .br and .gz beside each file, compressed harder than on the fly.
    let pkg = Router::new()
        .fallback_service(ServeDir::new(site_dir.join("pkg")).precompressed_br().precompressed_gzip())
        .layer(any_origin);
    Router::new()
        .route_service("/", ServeFile::new(site_dir.join("index.html")))
        .nest("/pkg", pkg)
        // `/dashboard` and `/dashboard/` both reach the directory's root, and so its index.html.
        .nest_service("/dashboard", ServeDir::new(site_dir.join("www/dashboard")))
        .layer(no_cache)
        // Only here: the event stream must never sit in a compressor's buffer.
        .layer(CompressionLayer::new())
}
