//! Files a visitor attaches: uploaded with the conversation's token, sniffed, stored, sent with a
//! message, and served back on a signed, expiring address that runs nothing in a browser.

use baton_bridge::files::UrlSigner;
use baton_bridge::secret::SecretKey;
use baton_protocol::{Attachment, ConversationCreated, EventKind, FileUploaded, Seq, MAX_FILE_BYTES};
use serde_json::json;

use crate::helpers::{spawn_app, Api, TestApp, ADMIN_TOKEN};
use crate::process::BridgeProcess;

/// The smallest PNG: a 1×1 transparent pixel.
pub const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00,
    0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00,
    0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01,
    0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

impl Api {
    /// Uploads `bytes` named `name` to the conversation, with `token`; the raw response.
    pub async fn upload_as(
        &self,
        conversation: &ConversationCreated,
        token: &str,
        name: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> reqwest::Response {
        self.http
            .post(self.url(&format!("/v1/conversations/{}/files", conversation.id)))
            .query(&[("name", name)])
            .bearer_auth(token)
            .header("content-type", content_type)
            .body(bytes)
            .send()
            .await
            .expect("request completes")
    }

    /// Uploads `bytes` and expects them stored.
    pub async fn upload(&self, conversation: &ConversationCreated, name: &str, bytes: &[u8]) -> FileUploaded {
        let response =
            self.upload_as(conversation, &conversation.token, name, "image/png", bytes.to_vec()).await;
        assert_eq!(response.status(), 201);
        response.json().await.expect("an uploaded file")
    }

    /// Sends `text` with the files and returns the attachments the stored message carries.
    pub async fn send_files(
        &self,
        conversation: &ConversationCreated,
        text: &str,
        files: &[&FileUploaded],
    ) -> Vec<Attachment> {
        let ids: Vec<_> = files.iter().map(|file| file.id.clone()).collect();
        let response =
            self.send(conversation, json!({"client_id": "m-files", "text": text, "attachments": ids})).await;
        assert_eq!(response.status(), 202);
        let mut events = self.events(conversation, Seq(0)).await;
        loop {
            if let EventKind::VisitorMessage { attachments, .. } = events.next().await.kind {
                return attachments;
            }
        }
    }
}

async fn error_code(response: reqwest::Response) -> String {
    let body: serde_json::Value = response.json().await.expect("an error body");
    body["error"]["code"].as_str().unwrap_or_default().to_owned()
}

/// The bridge's signer, as the test bridge was given it (the key file beside its database).
fn signer(app: &TestApp) -> UrlSigner {
    let key =
        SecretKey::load_or_create(&SecretKey::file_beside(&app.dir.path().join("baton.db"))).expect("key");
    UrlSigner::new(&key)
}

#[tokio::test]
async fn a_sent_photo_is_served_on_its_signed_address_without_a_token_and_runs_nothing() {
    let app = spawn_app().await;
    let conversation = app.create_conversation().await;
    let file = app.upload(&conversation, "C:\\photos\\broken \"parcel\".png", PNG).await;
    assert_eq!((file.content_type.as_str(), file.size), ("image/png", PNG.len() as u64));
    let attachments = app.send_files(&conversation, "It arrived broken", &[&file]).await;
    let [photo] = attachments.as_slice() else { panic!("one attachment: {attachments:?}") };
    assert_eq!(photo.name, "broken parcel.png");
    assert_eq!((photo.content_type.as_str(), photo.size), ("image/png", PNG.len() as u64));
    assert!(photo.url.starts_with(&format!("{}/v1/files/{}?expires=", app.base, file.id)), "{}", photo.url);

    // Intercom has no token: the address alone opens the file.
    let served = reqwest::get(&photo.url).await.expect("request completes");
    assert_eq!(served.status(), 200);
    let headers = served.headers().clone();
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(headers["content-disposition"], "inline; filename*=UTF-8''broken%20parcel%2Epng");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let policy = headers["content-security-policy"].to_str().expect("ascii");
    assert!(policy.contains("default-src 'none'") && policy.contains("sandbox"), "{policy}");
    assert_eq!(served.bytes().await.expect("body").as_ref(), PNG);
}

#[tokio::test]
async fn a_pdf_is_served_as_a_download() {
    let app = spawn_app().await;
    let conversation = app.create_conversation().await;
    let file = app.upload(&conversation, "invoice.pdf", b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF").await;
    assert_eq!(file.content_type, "application/pdf");
    let attachments = app.send_files(&conversation, "", &[&file]).await;
    let served = reqwest::get(&attachments[0].url).await.expect("request completes");
    assert_eq!(served.status(), 200);
    assert_eq!(served.headers()["content-type"], "application/pdf");
    assert_eq!(served.headers()["content-disposition"], "attachment; filename*=UTF-8''invoice%2Epdf");
}

#[tokio::test]
async fn html_an_svg_or_an_executable_named_png_is_refused_as_unsupported() {
    let app = spawn_app().await;
    let conversation = app.create_conversation().await;
    let disguised: [(&str, &[u8]); 3] = [
        ("photo.png", b"<!doctype html><script>alert(document.domain)</script>"),
        ("photo.png", b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>"),
        ("photo.png", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"),
    ];
    for (name, bytes) in disguised {
        let response =
            app.upload_as(&conversation, &conversation.token, name, "image/png", bytes.to_vec()).await;
        assert_eq!(response.status(), 415, "{bytes:?}");
        assert_eq!(error_code(response).await, "unsupported_file");
    }
}

#[tokio::test]
async fn a_file_over_ten_megabytes_is_refused_as_too_large() {
    let app = spawn_app().await;
    let conversation = app.create_conversation().await;
    let mut bytes = PNG.to_vec();
    bytes.resize(MAX_FILE_BYTES + 1, 0);
    let response = app.upload_as(&conversation, &conversation.token, "big.png", "image/png", bytes).await;
    assert_eq!(response.status(), 413);
    assert_eq!(error_code(response).await, "file_too_large");
    let mut exactly = PNG.to_vec();
    exactly.resize(MAX_FILE_BYTES, 0);
    let response = app.upload_as(&conversation, &conversation.token, "max.png", "image/png", exactly).await;
    assert_eq!(response.status(), 201, "10 MiB itself is allowed");
}

#[tokio::test]
async fn an_upload_with_a_wrong_or_no_token_is_refused() {
    let app = spawn_app().await;
    let conversation = app.create_conversation().await;
    let other = app.create_conversation().await;
    let response = app.upload_as(&conversation, &other.token, "a.png", "image/png", PNG.to_vec()).await;
    assert_eq!(response.status(), 401);
    let response = app
        .http
        .post(app.url(&format!("/v1/conversations/{}/files", conversation.id)))
        .body(PNG.to_vec())
        .send()
        .await
        .expect("request completes");
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn a_forged_or_expired_address_is_refused() {
    let app = spawn_app().await;
    let conversation = app.create_conversation().await;
    let file = app.upload(&conversation, "a.png", PNG).await;
    let url = &app.send_files(&conversation, "", &[&file]).await[0].url;
    let later = url.replace("expires=", "expires=9");
    let forged =
        [later, url.replace(&file.id.0, "0123456789abcdef0123456789abcdef"), url[..url.len() - 2].to_owned()];
    for forged in forged {
        let response = reqwest::get(&forged).await.expect("request completes");
        assert_eq!(response.status(), 403, "{forged}");
        assert_eq!(error_code(response).await, "bad_file_signature");
    }
    let bare = reqwest::get(app.url(&format!("/v1/files/{}", file.id))).await.expect("request completes");
    assert_eq!(bare.status(), 403);
    // Signed by this bridge, but its time is up.
    let expired = app.url(&signer(&app).path(&file.id.0, 1_000));
    let response = reqwest::get(&expired).await.expect("request completes");
    assert_eq!(response.status(), 403);
    assert_eq!(error_code(response).await, "file_address_expired");
}

#[tokio::test]
async fn a_message_cannot_carry_another_conversations_file() {
    let app = spawn_app().await;
    let mine = app.create_conversation().await;
    let theirs = app.create_conversation().await;
    let their_file = app.upload(&theirs, "a.png", PNG).await;
    let response =
        app.send(&mine, json!({"client_id": "m1", "text": "", "attachments": [their_file.id]})).await;
    assert_eq!(response.status(), 400);
    assert_eq!(error_code(response).await, "bad_attachment");
    let empty = app.send(&mine, json!({"client_id": "m2", "text": " "})).await;
    assert_eq!(empty.status(), 400, "without files, a message still needs words");
}

#[tokio::test]
async fn erasing_a_conversation_deletes_its_files() {
    let app = spawn_app().await;
    let conversation = app.create_conversation().await;
    let file = app.upload(&conversation, "a.png", PNG).await;
    let url = app.send_files(&conversation, "", &[&file]).await.remove(0).url;
    assert_eq!(reqwest::get(&url).await.expect("request completes").status(), 200);
    let erased = app
        .http
        .delete(app.url(&format!("/v1/admin/conversations/{}", conversation.id)))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .expect("request completes");
    assert!(erased.status().is_success(), "{}", erased.status());
    let response = reqwest::get(&url).await.expect("request completes");
    assert_eq!(response.status(), 404);
    assert_eq!(error_code(response).await, "unknown_file");
}

#[tokio::test]
async fn an_acknowledged_file_survives_kill_9_and_its_address_still_opens_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("baton.db");
    let bridge = BridgeProcess::start(&db, 0).await;
    let conversation = bridge.api.create_conversation().await;
    let file = bridge.api.upload(&conversation, "parcel.png", PNG).await;
    let response = bridge
        .api
        .send(&conversation, json!({"client_id": "m1", "text": "", "attachments": [file.id]}))
        .await;
    assert_eq!(response.status(), 202);
    let old_base = bridge.api.base.clone();
    bridge.kill_9().await;

    let bridge = BridgeProcess::start(&db, 0).await;
    let mut events = bridge.api.events(&conversation, Seq(0)).await;
    let EventKind::VisitorMessage { attachments, .. } = events.next().await.kind else {
        panic!("the visitor's message first")
    };
    // The key file beside the database signs alike after the restart.
    let url = attachments[0].url.replace(&old_base, &bridge.api.base);
    let served = reqwest::get(&url).await.expect("request completes");
    assert_eq!(served.status(), 200);
    assert_eq!(served.bytes().await.expect("body").as_ref(), PNG);
}
