//! The demo site: the sample company page at `/`, the built widget under `/pkg/` (for pages of
//! any origin) and the dashboard under `/dashboard/`, straight from the directory the bridge was
//! pointed at. Symbolic links leading out of `pkg/` or the dashboard's folder are not followed.

use std::path::Path;
use std::sync::Arc;

use axum::http::{header, HeaderValue};
use axum::{middleware, Router};
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

use super::confined;
use crate::{headers, AppState};

/// Routes for `index.html`, `pkg/` and `www/dashboard/` inside `site_dir`.
pub fn router(site_dir: &Path) -> Router<Arc<AppState>> {
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
    let pkg_dir = site_dir.join("pkg");
    let pkg = ServiceBuilder::new()
        .layer(any_origin)
        .layer(middleware::from_fn_with_state(Arc::new(pkg_dir.clone()), confined::inside))
        .service(ServeDir::new(pkg_dir).precompressed_br().precompressed_gzip());
    let dashboard_dir = site_dir.join("www/dashboard");
    let dashboard = ServiceBuilder::new()
        .layer(headers::dashboard_policy())
        .layer(middleware::from_fn_with_state(Arc::new(dashboard_dir.clone()), confined::inside))
        .service(ServeDir::new(dashboard_dir));
    Router::new()
        .route_service("/", ServeFile::new(site_dir.join("index.html")))
        .nest_service("/pkg", pkg)
        // `/dashboard` and `/dashboard/` both reach the directory's root, and so its index.html.
        .nest_service("/dashboard", dashboard)
        .layer(no_cache)
        // Only here: the event stream must never sit in a compressor's buffer.
        .layer(CompressionLayer::new())
}
