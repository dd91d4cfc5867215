//! The binary: flags and environment, the line tests wait for, and serving.

use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

#[tokio::test]
async fn the_binary_prints_its_real_address_and_serves_with_its_token() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_baton-intercom-sandbox"))
        .args(["--addr", "127.0.0.1:0"])
        .env("SANDBOX_TOKEN", "binary-token")
        .env_remove("SANDBOX_ADDR")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the binary starts");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    let read = tokio::time::timeout(std::time::Duration::from_secs(20), stdout.read_line(&mut line));
    read.await.expect("the line comes in time").expect("stdout is readable");
    let base = line
        .trim()
        .strip_prefix("Intercom sandbox is running: ")
        .and_then(|url| url.strip_suffix('/'))
        .expect("the announced line")
        .to_owned();
    assert!(base.starts_with("http://127.0.0.1:") && !base.ends_with(":0"), "{base}");
    let me = reqwest::Client::new()
        .get(format!("{base}/me"))
        .bearer_auth("binary-token")
        .send()
        .await
        .expect("request");
    assert_eq!(me.status(), reqwest::StatusCode::OK);
    child.kill().await.expect("stops");
}
