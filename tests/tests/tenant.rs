//! The caller's tenant.

use eoex_tests::{Backend, TestApp, backend_tests};
use reqwest::StatusCode;
use serde_json::json;

backend_tests!(owner_reads_and_changes_the_tenant);

async fn owner_reads_and_changes_the_tenant(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = app.signup("acme").await;
    app.signup("globex").await;
    let tenant = app.get("/api/v1/tenant", &owner.token).await;
    tenant.assert_status(StatusCode::OK);
    assert_eq!(tenant.body["tenant_name"], "acme");
    assert_eq!(tenant.body["tier"], "standard");
    assert_eq!(tenant.body["status"], "active");
    let before = tenant.body["updated_at"].as_str().unwrap().to_owned();

    let changed = app
        .patch(
            "/api/v1/tenant",
            &owner.token,
            json!({"tenant_name": "Acme Corporation", "metadata": {"industry": "anvils"}}),
        )
        .await;
    changed.assert_status(StatusCode::OK);
    assert_eq!(changed.body["tenant_name"], "Acme Corporation");
    assert_eq!(changed.body["tenant_domain"], "acme.example");
    assert_eq!(changed.body["metadata"]["industry"], "anvils");
    assert_ne!(
        changed.body["updated_at"].as_str().unwrap(),
        before,
        "updated_at moves on update"
    );

    app.patch(
        "/api/v1/tenant",
        &owner.token,
        json!({"tenant_domain": "globex.example"}),
    )
    .await
    .assert_error(StatusCode::CONFLICT, "already_exists");
    app.patch(
        "/api/v1/tenant",
        &owner.token,
        json!({"tenant_domain": "bad domain"}),
    )
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
    app.patch(
        "/api/v1/tenant",
        &owner.token,
        json!({"tier": "enterprise"}),
    )
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
    let trail = app
        .get("/api/v1/audit-logs?action=tenant.update", &owner.token)
        .await
        .body;
    assert_eq!(trail["total"], 1);
    assert_eq!(trail["items"][0]["old_values"]["tenant_name"], "acme");
    assert_eq!(
        trail["items"][0]["new_values"]["tenant_name"],
        "Acme Corporation"
    );
}
