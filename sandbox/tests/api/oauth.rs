//! The OAuth flow: consent page, redirect with the code and state, and the token exchange.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{start, TestSandbox, CLIENT_ID, SECRET, TOKEN};

const CALLBACK: &str = "http://127.0.0.1:8080/v1/intercom/oauth/callback";

/// Goes through the consent page and answers the code the redirect carries.
async fn authorize(app: &TestSandbox, state: &str) -> String {
    let consent = app
        .http
        .get(format!("{}/oauth", app.base))
        .query(&[("client_id", CLIENT_ID), ("state", state), ("redirect_uri", CALLBACK)])
        .send()
        .await
        .expect("consent page");
    assert_eq!(consent.status(), StatusCode::OK);
    let page = consent.text().await.expect("html");
    assert!(page.contains("Authorize Baton to access Lumen Coffee Roasters (sandbox)"));
    assert!(page.contains(">Authorize access</button>"));
    for access in ["People", "Companies", "Conversations", "Messages", "Teams and teammates"] {
        assert!(page.contains(&format!("<li>{access}</li>")), "the page lists what is accessed: {access}");
    }
    let granted = app
        .http
        .post(format!("{}/oauth/authorize", app.base))
        .form(&[("client_id", CLIENT_ID), ("state", state), ("redirect_uri", CALLBACK)])
        .send()
        .await
        .expect("authorize");
    assert_eq!(granted.status(), StatusCode::SEE_OTHER);
    let location =
        reqwest::Url::parse(granted.headers()["location"].to_str().expect("ascii")).expect("a URL");
    assert_eq!(format!("{}://{}{}", location.scheme(), location.authority(), location.path()), CALLBACK);
    let query: std::collections::HashMap<_, _> = location.query_pairs().into_owned().collect();
    assert_eq!(query.get("state").map(String::as_str), Some(state), "the state comes back");
    query.get("code").cloned().expect("a code")
}

async fn exchange(app: &TestSandbox, body: Value) -> (StatusCode, Value) {
    let response =
        app.http.post(format!("{}/auth/eagle/token", app.base)).json(&body).send().await.expect("exchange");
    (response.status(), response.json().await.expect("json"))
}

#[tokio::test]
async fn an_authorized_code_trades_once_for_the_token() {
    let app = start().await;
    let code = authorize(&app, "a b&c=d").await;
    let request = json!({"code": code, "client_id": CLIENT_ID, "client_secret": SECRET});
    let (status, token) = exchange(&app, request.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(token, json!({"token_type": "Bearer", "token": TOKEN, "access_token": TOKEN}));
    let (again, error) = exchange(&app, request).await;
    assert_eq!(again, StatusCode::BAD_REQUEST, "codes are single-use");
    assert_eq!(error["type"], "error.list");
    let form = authorize(&app, "second").await;
    let wrong = exchange(&app, json!({"code": form, "client_id": CLIENT_ID, "client_secret": "nope"})).await;
    assert_eq!(wrong.0, StatusCode::UNAUTHORIZED);
    let by_form = app
        .http
        .post(format!("{}/auth/eagle/token", app.base))
        .form(&[("code", form.as_str()), ("client_id", CLIENT_ID), ("client_secret", SECRET)])
        .send()
        .await
        .expect("exchange");
    assert_eq!(by_form.status(), StatusCode::OK, "a failed attempt leaves the code usable");
}

#[tokio::test]
async fn another_client_or_a_strange_redirect_is_not_authorized() {
    let app = start().await;
    for (client, redirect) in [("someone-else", CALLBACK), (CLIENT_ID, "javascript:alert(1)")] {
        let page = app
            .http
            .get(format!("{}/oauth", app.base))
            .query(&[("client_id", client), ("state", "s"), ("redirect_uri", redirect)])
            .send()
            .await
            .expect("consent page");
        assert_eq!(page.status(), StatusCode::BAD_REQUEST);
    }
}
