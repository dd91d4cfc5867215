//! What a caller sends is bounded: page fields, locale and client ids past their limits get 400
//! (never stored, never repeated in replays), and report dates at the calendar's edges get 400
//! rather than a crashed request.

use baton_protocol::{Author, ErrorBody, MAX_CLIENT_ID_CHARS, MAX_TITLE_CHARS, MAX_URL_CHARS};
use serde_json::{json, Value};

use crate::helpers::{spawn_app, Api};

impl Api {
    /// `POST /v1/conversations` with `body`: the status and the error code, if any.
    async fn try_create(&self, body: Value) -> (u16, Option<String>) {
        let response = self.http.post(self.url("/v1/conversations")).json(&body).send().await.expect("sent");
        let status = response.status().as_u16();
        let code = response.json::<ErrorBody>().await.ok().map(|body| body.error.code);
        (status, code)
    }
}

#[tokio::test]
async fn page_fields_and_locales_past_their_bounds_are_refused() {
    let app = spawn_app().await;
    let url = |len: usize| format!("https://lumen.example/{}", "p".repeat(len - 22));
    let at_the_bounds = json!({
        "agent": "demo",
        "page_url": url(MAX_URL_CHARS),
        "page_title": "é".repeat(MAX_TITLE_CHARS),
        "locale": "zh-Hans-CN",
    });
    assert_eq!(app.try_create(at_the_bounds).await, (201, None));
    for (field, value) in [
        ("page_url", json!(url(MAX_URL_CHARS + 1))),
        ("page_url", json!("p".repeat(120_000))),
        ("page_title", json!("t".repeat(MAX_TITLE_CHARS + 1))),
        ("locale", json!("l".repeat(120_000))),
        ("locale", json!("en_GB<script>")),
    ] {
        let (status, code) = app.try_create(json!({"agent": "demo", field: value})).await;
        assert_eq!((status, code.as_deref()), (400, Some("bad_request")), "{field}");
    }
}

#[tokio::test]
async fn client_ids_past_a_uuid_and_then_some_are_refused() {
    let app = spawn_app().await;
    let conversation = app.create_conversation().await;
    let uuid = "0b5e8c1a-0f6d-4a5e-9c1b-7d2e3f4a5b6c";
    assert_eq!(app.send(&conversation, json!({"client_id": uuid, "text": "hi"})).await.status(), 202);
    for client_id in ["x".repeat(MAX_CLIENT_ID_CHARS + 1), "x".repeat(100_000), String::new()] {
        let refused = app.send(&conversation, json!({"client_id": client_id, "text": "hi"})).await;
        assert_eq!(refused.status(), 400, "{} characters", client_id.len());
    }
    let transcript = app.snapshot(&conversation).await.transcript;
    let from_visitor = transcript.iter().filter(|entry| entry.author == Author::Visitor).count();
    assert_eq!(from_visitor, 1, "nothing refused was stored");
}

#[tokio::test]
async fn report_dates_at_the_ends_of_the_calendar_are_refused_not_a_crash() {
    let app = spawn_app().await;
    let report = "/v1/agents/demo/analytics/handoff-reasons";
    for query in ["?to=9999-12-31", "?to=-9999-01-01", "?from=-9999-01-01&to=9999-12-31"] {
        let (status, body) = app.admin(reqwest::Method::GET, &format!("{report}{query}"), None).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(body["error"]["code"], "bad_request", "{query}");
    }
    let (status, _) = app.admin(reqwest::Method::GET, &format!("{report}?to=9999-12-30"), None).await;
    assert_eq!(status, 200, "the last whole day that can be counted");
}
