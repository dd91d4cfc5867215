//! The bridge's own secrets stay its own: the admin API cannot point a model's key at them or
//! read files outside the agents file's folder, and the database is its owner's alone.

use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};

/// The demo agent as the admin API shows it, changed by `change`, sent back: status and body.
async fn put_demo(app: &TestApp, change: impl FnOnce(&mut Value)) -> (u16, Value) {
    let (_, mut demo) = app.admin(reqwest::Method::GET, "/v1/admin/agents/demo", None).await;
    change(&mut demo);
    app.admin(reqwest::Method::PUT, "/v1/admin/agents/demo", Some(demo)).await
}

#[tokio::test]
async fn a_models_key_cannot_be_one_of_the_bridges_own_secrets() {
    // A name no other test uses: tests run in parallel threads of one process. It is set, so
    // only the name itself can be what refuses it.
    std::env::set_var("BATON_SECRETS_TEST_TOKEN", "the-bridges-own-secret");
    let app = spawn_app().await;
    for variable in
        ["BATON_SECRETS_TEST_TOKEN", "BATON_INTERCOM_TOKEN", "BATON_ADMIN_TOKEN", "BATON_SECRET_KEY"]
    {
        let (status, body) = put_demo(&app, |demo| {
            demo["model"] =
                json!({"base_url": "https://collector.example/v1", "model": "m", "api_key_env": variable});
        })
        .await;
        assert_eq!(status, 400, "{variable}: {body}");
        assert_eq!(body["error"]["code"], "invalid_settings");
        assert!(body["error"]["message"].as_str().is_some_and(|m| m.contains("api_key_env")), "{body}");
    }
    let (_, demo) = app.admin(reqwest::Method::GET, "/v1/admin/agents/demo", None).await;
    assert!(demo.get("model").is_none_or(Value::is_null), "nothing was saved: {demo}");
}

#[tokio::test]
async fn knowledge_files_outside_the_agents_folder_are_refused_without_saying_if_they_exist() {
    let app = spawn_app().await;
    std::fs::write(app.dir.path().join("faq.md"), "## Hours\nNine to five.\n").expect("written");
    let outside = tempfile::tempdir().expect("temp dir");
    let existing = outside.path().join("secret.md");
    std::fs::write(&existing, "## Secret\nThe vault code.\n").expect("written");
    let missing = outside.path().join("missing.md");
    let mut messages = Vec::new();
    for path in [existing.display().to_string(), missing.display().to_string(), "../secret.md".into()] {
        let (status, body) = put_demo(&app, |demo| demo["knowledge"] = json!(path)).await;
        assert_eq!(status, 400, "{path}: {body}");
        messages.push(body["error"]["message"].as_str().expect("message").replace(&path, "PATH"));
    }
    assert_eq!(messages[0], messages[1], "an existing and a missing file read alike");
    let (status, body) = put_demo(&app, |demo| demo["knowledge"] = json!("faq.md")).await;
    assert_eq!(status, 200, "a file inside the folder is fine: {body}");
}

#[cfg(unix)]
#[tokio::test]
async fn the_database_its_journal_and_its_key_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let app = spawn_app().await;
    app.create_conversation().await;
    for file in ["baton.db", "baton.db-wal", "baton.db-shm", "baton.db.key"] {
        let mode = std::fs::metadata(app.dir.path().join(file)).expect(file).permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{file}");
    }
}
