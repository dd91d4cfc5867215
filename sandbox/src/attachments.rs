//! Files attached to parts through `attachment_urls`. Intercom downloads each address when the
//! reply is posted (so an address that needs a login, or has expired, fails there and then);
//! the sandbox does the same and keeps the name, type and size it found, and the address.
//! It also serves one sample picture, for a teammate to attach from the inbox page.

use std::time::Duration;

use axum::http::header;
use axum::response::IntoResponse;
use percent_encoding::percent_decode_str;

use crate::error::IntercomError;

/// How long one download may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);
/// Intercom's limit on `attachment_urls`.
pub const MAX_URLS: usize = 10;

/// A file attached to a part, as `part_attachment` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// Its name.
    pub name: String,
    /// Where it is.
    pub url: String,
    /// Its type.
    pub content_type: String,
    /// Its size in bytes.
    pub filesize: u64,
}

impl Attachment {
    /// Whether it is a picture.
    pub fn is_image(&self) -> bool {
        self.content_type.starts_with("image/")
    }
}

/// Downloads every address, as Intercom does before it accepts a reply with them.
pub async fn fetch(urls: &[String]) -> Result<Vec<Attachment>, IntercomError> {
    if urls.len() > MAX_URLS {
        return Err(IntercomError::ParameterInvalid(format!(
            "attachment_urls can have at most {MAX_URLS} items"
        )));
    }
    let http = reqwest::Client::builder()
        .timeout(FETCH_TIMEOUT)
        .build()
        .map_err(|error| IntercomError::ParameterInvalid(error.to_string()))?;
    let mut attachments = Vec::with_capacity(urls.len());
    for url in urls {
        let failed = |why: String| IntercomError::ParameterInvalid(format!("attachment_urls: {url}: {why}"));
        let response = http.get(url).send().await.map_err(|error| failed(error.to_string()))?;
        if !response.status().is_success() {
            return Err(failed(format!("answered {}", response.status())));
        }
        let text = |name: header::HeaderName| {
            response.headers().get(name).and_then(|value| value.to_str().ok()).map(str::to_owned)
        };
        let content_type = text(header::CONTENT_TYPE).unwrap_or_else(|| "application/octet-stream".into());
        let name = text(header::CONTENT_DISPOSITION).as_deref().and_then(disposition_name);
        let name = name.unwrap_or_else(|| last_segment(url));
        let bytes = response.bytes().await.map_err(|error| failed(error.to_string()))?;
        attachments.push(Attachment { name, url: url.clone(), content_type, filesize: bytes.len() as u64 });
    }
    Ok(attachments)
}

/// The file name a `Content-Disposition` header gives, `filename*` (RFC 6266) first.
pub fn disposition_name(header: &str) -> Option<String> {
    let params = header.split(';').map(str::trim);
    let mut plain = None;
    for param in params {
        if let Some(encoded) = param.strip_prefix("filename*=") {
            let value = encoded.split_once("''").map_or(encoded, |(_, value)| value);
            return Some(percent_decode_str(value).decode_utf8_lossy().into_owned());
        }
        if let Some(value) = param.strip_prefix("filename=") {
            plain = Some(value.trim_matches('"').to_owned());
        }
    }
    plain
}

fn last_segment(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    path.rsplit('/').next().filter(|name| !name.is_empty()).unwrap_or("attachment").to_owned()
}

/// A shipping label, 96×64: the picture a teammate can attach from the inbox page.
pub const SAMPLE_PNG: &[u8] = include_bytes!("sample-label.png");

/// `GET /_sandbox/files/label.png`: the sample picture, where Intercom would keep an upload.
pub async fn sample() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "image/png"),
            (header::CONTENT_DISPOSITION, "inline; filename=\"label.png\""),
        ],
        SAMPLE_PNG,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_comes_from_the_disposition_then_the_address() {
        assert_eq!(
            disposition_name("inline; filename*=UTF-8''broken%20parcel%2Epng").as_deref(),
            Some("broken parcel.png")
        );
        assert_eq!(disposition_name("attachment; filename=\"a.pdf\"").as_deref(), Some("a.pdf"));
        assert_eq!(disposition_name("inline"), None);
        assert_eq!(last_segment("https://x.example/v1/files/f1?expires=1&signature=a"), "f1");
    }
}
