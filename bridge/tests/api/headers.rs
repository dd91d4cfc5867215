//! What browsers are told and what static serving hands out: security headers on every
//! response, a framing-proof policy on the dashboard, and no file reached through a link that
//! leads out of the served folders.

use crate::helpers::spawn_app;

#[tokio::test]
async fn every_response_forbids_sniffing_and_referrers_and_the_dashboard_cannot_be_framed() {
    let app = spawn_app().await;
    let dashboard = app.dir.path().join("www/dashboard");
    std::fs::create_dir_all(&dashboard).expect("dirs");
    std::fs::write(dashboard.join("index.html"), "<!doctype html><title>Dashboard</title>").expect("written");
    std::fs::write(app.dir.path().join("index.html"), "<!doctype html><title>Demo</title>").expect("written");

    for path in ["/", "/dashboard/", "/healthz", "/v1/agents/demo", "/v1/agents/nobody", "/pkg/missing.js"] {
        let response = app.http.get(app.url(path)).send().await.expect("sent");
        let headers = response.headers();
        assert_eq!(
            headers.get("x-content-type-options").map(|v| v.as_bytes()),
            Some(&b"nosniff"[..]),
            "{path}"
        );
        assert_eq!(headers.get("referrer-policy").map(|v| v.as_bytes()), Some(&b"no-referrer"[..]), "{path}");
    }
    let page = app.http.get(app.url("/dashboard/")).send().await.expect("sent");
    assert_eq!(page.status(), 200);
    let policy = page.headers()["content-security-policy"].to_str().expect("ascii").to_owned();
    for directive in ["frame-ancestors 'none'", "default-src 'self'", "script-src 'self' 'wasm-unsafe-eval'"]
    {
        assert!(policy.contains(directive), "{directive} missing from {policy}");
    }
    assert!(!policy.contains("'unsafe-inline'") && !policy.contains("'unsafe-eval'"), "{policy}");
}

#[cfg(unix)]
#[tokio::test]
async fn links_out_of_the_served_folders_are_not_followed() {
    use std::os::unix::fs::symlink;
    let app = spawn_app().await;
    let site = app.dir.path();
    let (pkg, dashboard) = (site.join("pkg"), site.join("www/dashboard"));
    std::fs::create_dir_all(&pkg).expect("dirs");
    std::fs::create_dir_all(&dashboard).expect("dirs");
    std::fs::write(pkg.join("baton.js"), "export {};").expect("written");
    std::fs::write(site.join("private.txt"), "not for the web").expect("written");
    symlink(pkg.join("baton.js"), pkg.join("latest.js")).expect("link");
    symlink(site.join("baton.db"), pkg.join("db.js")).expect("link");
    symlink(site, pkg.join("all")).expect("link");
    symlink(site.join("private.txt"), dashboard.join("notes.txt")).expect("link");

    let get = |path: &'static str| app.http.get(app.url(path)).send();
    assert_eq!(get("/pkg/baton.js").await.expect("sent").status(), 200);
    assert_eq!(get("/pkg/latest.js").await.expect("sent").status(), 200, "a link inside the folder is fine");
    for path in [
        "/pkg/db.js",
        "/pkg/all/private.txt",
        "/pkg/all/baton.db",
        "/dashboard/notes.txt",
        "/pkg/all%2fprivate.txt",
    ] {
        let response = get(path).await.expect("sent");
        assert_eq!(response.status(), 404, "{path}");
        assert!(!response.text().await.expect("body").contains("not for the web"), "{path}");
    }
}
