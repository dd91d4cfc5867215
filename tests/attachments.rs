//! Files in the rendered widget (Yew's server renderer): a teammate's picture shows as a
//! thumbnail, a PDF as a link with its name and size, an address that is not the web's as the
//! name alone; the composer offers "Attach a file" with the types the bridge takes.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use baton_protocol::{Attachment, EventKind, Teammate};
use common::{conversation, panel, received};

fn file(name: &str, content_type: &str, size: u64, url: &str) -> Attachment {
    Attachment { name: name.into(), content_type: content_type.into(), size, url: url.into() }
}

#[tokio::test]
async fn a_teammates_picture_is_a_thumbnail_and_a_pdf_a_link_with_its_size() {
    let teammate = Teammate { name: "Ana".into(), avatar_url: None };
    let attachments = vec![
        file("label.png", "image/png", 2_000, "https://x.example/label.png"),
        file("invoice.pdf", "application/pdf", 849_920, "https://x.example/invoice.pdf"),
        file("trap.png", "image/png", 10, "javascript:alert(1)"),
    ];
    let kind = EventKind::TeammateMessage { teammate, text: "Here you are".into(), attachments };
    let html = panel(conversation([received(1, kind)])).await;
    assert!(html.contains(r#"<img src="https://x.example/label.png" alt="label.png""#), "{html}");
    assert!(html.contains(r#"href="https://x.example/invoice.pdf""#), "{html}");
    assert!(html.contains("invoice.pdf<span class=\"baton-size\">830 KB</span>"), "{html}");
    assert!(!html.contains("javascript:"), "an address that is not the web's is never linked: {html}");
    assert!(html.contains("trap.png"), "its name still shows: {html}");
}

#[tokio::test]
async fn the_composer_offers_to_attach_the_types_the_bridge_takes() {
    let html = panel(conversation([])).await;
    assert!(html.contains(r#"aria-label="Attach a file""#), "{html}");
    assert!(html.contains(r#"accept="image/png,image/jpeg,image/gif,image/webp,application/pdf""#), "{html}");
}
