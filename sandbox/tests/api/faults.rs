//! Injected failures, the request log and reset.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{start, TestSandbox};

async fn control(app: &TestSandbox, path: &str, body: Value) -> StatusCode {
    app.http.post(format!("{}/_sandbox/{path}", app.base)).json(&body).send().await.expect("request").status()
}

async fn requests(app: &TestSandbox) -> Vec<Value> {
    let log: Value = app
        .http
        .get(format!("{}/_sandbox/requests", app.base))
        .send()
        .await
        .expect("log")
        .json()
        .await
        .expect("json");
    log.as_array().expect("a list").clone()
}

#[tokio::test]
async fn injected_429s_and_500s_answer_like_intercom_then_requests_pass_again() {
    let app = start().await;
    assert_eq!(control(&app, "faults", json!({"status": 429, "count": 2})).await, StatusCode::OK);
    let before = chrono_now();
    for _ in 0..2 {
        let limited = app.get("/me").await;
        assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(
            limited.body["errors"],
            json!([{"code": "rate_limit_exceeded", "message": "Exceeded rate limit of 1000 in 60_seconds"}])
        );
        assert_eq!(limited.headers["x-ratelimit-limit"], "1000");
        assert_eq!(limited.headers["x-ratelimit-remaining"], "0");
        let reset: i64 =
            limited.headers["x-ratelimit-reset"].to_str().expect("ascii").parse().expect("unix seconds");
        assert!(reset > before && reset <= chrono_now() + 1, "{reset} is the next second");
    }
    assert_eq!(control(&app, "faults", json!({"status": 500, "count": 1})).await, StatusCode::OK);
    let broken = app.get("/me").await;
    assert_eq!(broken.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(broken.body["type"], "error.list");
    assert_eq!(broken.body["errors"], json!([{"code": "server_error", "message": "Server Error"}]));
    assert_eq!(app.get("/me").await.status, StatusCode::OK);
    let statuses: Vec<_> = requests(&app).await.iter().map(|request| request["status"].clone()).collect();
    assert_eq!(statuses, [json!(429), json!(429), json!(500), json!(200)]);
    assert_eq!(control(&app, "faults", json!({"status": 418, "count": 1})).await, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_request_log_keeps_bodies_and_reset_forgets_everything() {
    let app = start().await;
    let ada = app.create_user("ada@example.com").await;
    app.start_conversation(&ada, "Hi").await;
    let log = requests(&app).await;
    assert_eq!(log.len(), 2);
    assert_eq!((log[1]["method"].clone(), log[1]["path"].clone()), (json!("POST"), json!("/conversations")));
    assert_eq!(log[1]["body"], json!({"from": {"type": "user", "id": ada}, "body": "Hi"}));
    assert_eq!(app.webhooks(1).await.len(), 1);
    assert_eq!(control(&app, "reset", json!({})).await, StatusCode::NO_CONTENT);
    assert!(requests(&app).await.is_empty());
    let notifications: Value = app
        .http
        .get(format!("{}/_sandbox/notifications", app.base))
        .send()
        .await
        .expect("log")
        .json()
        .await
        .expect("json");
    assert_eq!(notifications, json!([]));
    assert_eq!(app.get(&format!("/contacts/{ada}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/conversations").await.body["total_count"], 0);
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs() as i64)
}
