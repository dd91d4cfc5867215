//! Admin pictures: a small SVG with the admin's initials at `/avatars/{id}.svg`, so the
//! `avatar.image_url` of every admin resolves without the internet.

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::body::escape;
use crate::seed;

const COLOURS: [&str; 3] = ["#1f5fbf", "#1c7a4a", "#a3420f"];

/// `GET /avatars/{id}.svg`
pub async fn avatar(Path(file): Path<String>) -> Response {
    let admin = file.strip_suffix(".svg").and_then(seed::admin);
    let Some(admin) = admin else { return StatusCode::NOT_FOUND.into_response() };
    let colour = COLOURS[(admin.id % COLOURS.len() as u64) as usize];
    let svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"128\" height=\"128\" viewBox=\"0 0 128 128\">\
         <circle cx=\"64\" cy=\"64\" r=\"64\" fill=\"{colour}\"/>\
         <text x=\"64\" y=\"64\" dy=\".35em\" text-anchor=\"middle\" font-family=\"system-ui, sans-serif\" \
         font-size=\"52\" font-weight=\"600\" fill=\"#fff\">{}</text></svg>",
        escape(&admin.initials()),
    );
    ([(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "public, max-age=3600")], svg)
        .into_response()
}
