//! The contact a handoff speaks as: when Intercom answers "already exists" while the bridge
//! creates a lead, the contact it names is adopted only if it is a lead too — never someone's
//! user, whose conversations and identity an unverified visitor must not reach.

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::json;

use crate::helpers::{spawn_app_with, Setup};
use crate::intercom::{Workspace, SANDBOX_TOKEN};

/// A proxy to the sandbox at `upstream` that answers every `POST /contacts` for a lead with an
/// email with Intercom's 409 naming `existing`; every other request passes through. Its base URL.
async fn conflicting(upstream: String, existing: String) -> String {
    let http = reqwest::Client::new();
    let handler = move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
        let (http, upstream, existing) = (http.clone(), upstream.clone(), existing.clone());
        async move {
            let sent: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            if method == Method::POST
                && uri.path() == "/contacts"
                && sent["role"] == "lead"
                && sent["email"].is_string()
            {
                let message = format!("A contact matching those details already exists with id={existing}");
                let error = json!({"type": "error.list", "request_id": "r1", "errors": [{"code": "conflict", "message": message}]});
                return (StatusCode::CONFLICT, axum::Json(error)).into_response();
            }
            let mut request = http.request(method, format!("{upstream}{uri}")).body(body);
            for (name, value) in
                headers.iter().filter(|(name, _)| *name != "host" && *name != "content-length")
            {
                request = request.header(name, value);
            }
            let answer = request.send().await.expect("the sandbox answers");
            let status = StatusCode::from_u16(answer.status().as_u16()).expect("a status");
            let content_type = answer.headers().get("content-type").cloned();
            let bytes = answer.bytes().await.expect("a body");
            let mut response = Response::new(axum::body::Body::from(bytes));
            *response.status_mut() = status;
            if let Some(content_type) = content_type {
                response.headers_mut().insert("content-type", content_type);
            }
            response
        }
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(
        async move { axum::serve(listener, Router::new().fallback(handler)).await.expect("serves") },
    );
    base
}

#[tokio::test]
async fn a_conflict_naming_someones_user_never_makes_the_visitor_that_user() {
    let workspace = Workspace::start().await;
    let ada = workspace
        .call(
            reqwest::Method::POST,
            "/contacts",
            Some(json!({"role": "user", "email": "ada@example.com", "external_id": "ada-1"})),
        )
        .await;
    let ada = ada["id"].as_str().expect("contact id").to_owned();
    let proxy = conflicting(workspace.base.clone(), ada.clone()).await;
    let settings = baton_bridge::intercom::IntercomSettings {
        base_url: Some(proxy),
        access_token: Some(SANDBOX_TOKEN.into()),
        ..workspace.settings()
    };
    let app = spawn_app_with(Setup { intercom: Some(settings), ..Setup::default() }).await;

    // Someone claims Ada's email without proof and asks for a person.
    let created = app.create_conversation_as_ada().await;
    let mut events = app.events(&created, baton_protocol::Seq(0)).await;
    app.send(&created, json!({"client_id": "a", "text": "Can I talk to a person please?"})).await;
    events.collect_until(|kind| matches!(kind, baton_protocol::EventKind::HandoffConnected { .. })).await;

    let conversations = workspace.conversations().await;
    assert_eq!(conversations.len(), 1);
    let id = conversations[0]["id"].as_str().expect("id").to_owned();
    let contact = &workspace.conversation(&id).await["contacts"]["contacts"][0];
    assert_ne!(contact["id"], json!(ada), "the conversation is not Ada's: {contact}");
    let lead = workspace
        .call(reqwest::Method::GET, &format!("/contacts/{}", contact["id"].as_str().expect("id")), None)
        .await;
    assert_eq!(lead["role"], "lead", "{lead}");
    workspace.assert_requests_conform().await;
}
