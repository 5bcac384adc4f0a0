//! Tenant isolation: a user of tenant A reads, changes or deletes nothing of tenant
//! B's, by any id, through any endpoint.

use eoex_tests::{Backend, PASSWORD, TestApp, backend_tests};
use reqwest::StatusCode;
use serde_json::json;

backend_tests!(tenants_see_and_touch_only_their_own);

async fn tenants_see_and_touch_only_their_own(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let a = app.signup("acme").await;
    let b = app.signup("globex").await;
    let b_clerk = app.add_user(&b, "clerk@globex.example", "user").await;

    for b_user in [&b.user_id, &b_clerk.user_id] {
        let path = format!("/api/v1/users/{b_user}");
        app.get(&path, &a.token)
            .await
            .assert_error(StatusCode::NOT_FOUND, "not_found");
        app.patch(&path, &a.token, json!({"first_name": "Pwned"}))
            .await
            .assert_error(StatusCode::NOT_FOUND, "not_found");
        app.patch(&path, &a.token, json!({"password": "taken over by acme"}))
            .await
            .assert_error(StatusCode::NOT_FOUND, "not_found");
        app.delete(&path, &a.token)
            .await
            .assert_error(StatusCode::NOT_FOUND, "not_found");
    }
    let a_users = app.get("/api/v1/users?limit=200", &a.token).await.body;
    assert_eq!(a_users["total"], 1);
    assert!(!a_users.to_string().contains("globex"));
    assert!(
        !app.get("/api/v1/users?search=globex", &a.token)
            .await
            .body
            .to_string()
            .contains("globex.example")
    );
    let a_trail = app.get("/api/v1/audit-logs?limit=200", &a.token).await.body;
    assert!(!a_trail.to_string().contains("globex"), "{a_trail}");
    assert_eq!(
        app.get("/api/v1/tenant", &a.token).await.body["tenant_id"],
        a.tenant_id.as_str()
    );
    app.patch("/api/v1/tenant", &a.token, json!({"tenant_name": "Acme 2"}))
        .await
        .assert_status(StatusCode::OK);

    // B is exactly as it was.
    let b_tenant = app.get("/api/v1/tenant", &b.token).await.body;
    assert_eq!(b_tenant["tenant_name"], "globex");
    let clerk = app
        .get(&format!("/api/v1/users/{}", b_clerk.user_id), &b.token)
        .await
        .body;
    assert_eq!(clerk["first_name"], serde_json::Value::Null);
    app.login("clerk@globex.example", PASSWORD).await;
    assert_eq!(app.get("/api/v1/users", &b.token).await.body["total"], 2);
    let b_trail = app.get("/api/v1/audit-logs?limit=200", &b.token).await.body;
    assert!(!b_trail.to_string().contains("acme.example"), "{b_trail}");
}
