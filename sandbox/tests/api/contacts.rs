//! Authentication, the seeded admins and teams, and contacts.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::start;

#[tokio::test]
async fn a_wrong_or_missing_token_gets_intercoms_401_body() {
    let app = start().await;
    for token in [Some("wrong"), None] {
        let mut request = app.http.get(format!("{}/conversations", app.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request");
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let body: serde_json::Value = response.json().await.expect("json");
        assert_eq!(body["type"], "error.list");
        assert!(body["request_id"].as_str().is_some_and(|id| id.len() == 36), "{body}");
        assert_eq!(body["errors"], json!([{"code": "unauthorized", "message": "Access Token Invalid"}]));
    }
}

#[tokio::test]
async fn the_workspace_admins_and_teams_are_seeded() {
    let app = start().await;
    let me = app.get("/me").await;
    assert_eq!(
        (me.body["id"].clone(), me.body["app"]["id_code"].clone()),
        (json!("991001"), json!("sandbox1"))
    );
    assert_eq!(me.body["app"]["name"], "Lumen Coffee Roasters (sandbox)");
    let admins = app.get("/admins").await.body;
    assert_eq!(admins["type"], "admin.list");
    let names: Vec<_> =
        admins["admins"].as_array().expect("admins").iter().map(|a| a["name"].clone()).collect();
    assert_eq!(names, [json!("Ana Torres"), json!("Ben Okafor"), json!("Chloe Martin")]);
    let chloe = app.get("/admins/991003").await.body;
    assert_eq!(
        (chloe["away_mode_enabled"].clone(), chloe["team_ids"].clone()),
        (json!(true), json!([881003]))
    );
    let avatar_url = chloe["avatar"]["image_url"].as_str().expect("avatar").to_owned();
    assert_eq!(avatar_url, format!("{}/avatars/991003.svg", app.base));
    let (status, svg) = app.page("/avatars/991003.svg").await;
    assert_eq!(status, StatusCode::OK);
    assert!(svg.contains(">CM</text>"), "{svg}");
    let support = app.get("/teams/881001").await.body;
    assert_eq!(
        (support["name"].clone(), support["admin_ids"].clone()),
        (json!("Support"), json!([991001, 991002]))
    );
    assert_eq!(app.get("/teams").await.body["teams"].as_array().map(Vec::len), Some(3));
    let missing = app.get("/admins/1").await;
    assert_eq!(
        (missing.status, missing.body["errors"][0]["code"].clone()),
        (StatusCode::NOT_FOUND, json!("admin_not_found"))
    );
}

#[tokio::test]
async fn a_second_user_with_the_same_email_conflicts_with_the_first() {
    let app = start().await;
    let first = app.create_user("ada@example.com").await;
    assert_eq!(first.len(), 24);
    assert!(first.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    let again = app.post("/contacts", json!({"role": "user", "email": "ada@example.com"})).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(
        again.body["errors"],
        json!([{"code": "conflict", "message": format!("A contact matching those details already exists with id={first}")}])
    );
    let lead = app.post("/contacts", json!({"role": "lead", "email": "ada@example.com"})).await;
    assert_eq!((lead.status, lead.body["role"].clone()), (StatusCode::OK, json!("lead")));
}

#[tokio::test]
async fn contacts_are_found_by_search_by_id_and_by_external_id() {
    let app = start().await;
    let ada = app.create_user("ada@example.com").await;
    let bob = app.post("/contacts", json!({"email": "bob@example.com", "external_id": "shop-7"})).await.body;
    let by_email = app
        .post(
            "/contacts/search",
            json!({"query": {"field": "email", "operator": "=", "value": "ada@example.com"}}),
        )
        .await;
    assert_eq!(by_email.status, StatusCode::OK);
    assert_eq!(by_email.body["type"], "list");
    assert_eq!(by_email.body["total_count"], 1);
    assert_eq!(by_email.body["data"][0]["id"], ada.as_str());
    assert_eq!(by_email.body["pages"], json!({"type": "pages", "page": 1, "per_page": 50, "total_pages": 1}));
    let both = app
        .post(
            "/contacts/search",
            json!({"query": {"operator": "OR", "value": [
                {"field": "external_id", "operator": "=", "value": "shop-7"},
                {"field": "id", "operator": "=", "value": ada},
            ]}}),
        )
        .await;
    assert_eq!(both.body["total_count"], 2);
    let neither = app
        .post(
            "/contacts/search",
            json!({"query": {"operator": "AND", "value": [
                {"field": "email", "operator": "=", "value": "bob@example.com"},
                {"field": "role", "operator": "=", "value": "lead"},
            ]}}),
        )
        .await;
    assert_eq!((neither.body["total_count"].clone(), neither.body["data"].clone()), (json!(0), json!([])));
    assert_eq!(app.get(&format!("/contacts/{ada}")).await.body["email"], "ada@example.com");
    assert_eq!(app.get("/contacts/find_by_external_id/shop-7").await.body["id"], bob["id"]);
    let nobody = app.get("/contacts/5ba682d23d7cf92bef87bfd4").await;
    assert_eq!(nobody.status, StatusCode::NOT_FOUND);
    assert_eq!(nobody.body["errors"], json!([{"code": "not_found", "message": "User Not Found"}]));
}

#[tokio::test]
async fn malformed_and_incomplete_bodies_get_parameter_errors() {
    let app = start().await;
    let response = app
        .http
        .post(format!("{}/contacts", app.base))
        .bearer_auth(crate::helpers::TOKEN)
        .header("Content-Type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["errors"][0]["code"], "parameter_invalid");
    let no_from = app.post("/conversations", json!({"body": "Hi"})).await;
    assert_eq!(no_from.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        no_from.body["errors"],
        json!([{"code": "parameter_not_found", "message": "'from' is a required parameter"}])
    );
    let bad_search = app
        .post("/contacts/search", json!({"query": {"field": "shoe_size", "operator": "=", "value": 9}}))
        .await;
    assert_eq!(
        (bad_search.status, bad_search.body["errors"][0]["code"].clone()),
        (StatusCode::BAD_REQUEST, json!("parameter_invalid"))
    );
    let nowhere = app.get("/nowhere").await;
    assert_eq!(nowhere.body["errors"], json!([{"code": "not_found", "message": "Resource Not Found"}]));
}

#[tokio::test]
async fn admins_pictures_come_only_when_asked_for_and_in_the_form_chosen() {
    let app = start().await;
    let plain = app.get("/admins").await.body;
    assert!(plain["admins"][0].get("avatar").is_none(), "Intercom leaves pictures out: {plain}");
    let url = format!("{}/avatars/991001.svg", app.base);
    let asked = app.get("/admins?display_avatar=true").await.body;
    assert_eq!(asked["admins"][0]["avatar"], json!({"type": "avatar", "image_url": url}));

    let set = app
        .http
        .put(format!("{}/_sandbox/avatars", app.base))
        .json(&json!({"form": "uri"}))
        .send()
        .await
        .expect("request");
    assert_eq!(set.status(), StatusCode::NO_CONTENT);
    let bare = app.get("/admins?display_avatar=true").await.body;
    assert_eq!(bare["admins"][0]["avatar"], json!(url), "2.16's `admin` schema: a URI string");
}

#[tokio::test]
async fn a_contact_is_updated_and_a_user_cannot_take_another_users_email() {
    let app = start().await;
    let created = app.post("/contacts", json!({"role": "lead", "email": "first@example.com"})).await;
    let lead = created.body["id"].as_str().expect("id").to_owned();
    let path = format!("/contacts/{lead}");
    let updated =
        app.call(reqwest::Method::PUT, &path, Some(json!({"email": "sam@example.com", "name": "Sam"}))).await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.body);
    assert_eq!(
        (updated.body["email"].clone(), updated.body["role"].clone()),
        (json!("sam@example.com"), json!("lead"))
    );
    assert_eq!(app.get(&path).await.body["name"], "Sam");

    app.create_user("ada@example.com").await;
    let bob = app.create_user("bob@example.com").await;
    let clash = app
        .call(reqwest::Method::PUT, &format!("/contacts/{bob}"), Some(json!({"email": "ADA@example.com"})))
        .await;
    assert_eq!(clash.status, StatusCode::CONFLICT);
    let missing = app
        .call(reqwest::Method::PUT, "/contacts/0123456789abcdef01234567", Some(json!({"name": "x"})))
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}
