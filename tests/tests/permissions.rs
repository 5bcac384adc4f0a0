//! Cross-module access and new permissions: a module reads another's entity only with
//! a declared permission, and a version asking for more waits for an admin's approval.

use eoex_plugin_artifacts::fixtures::{MISBEHAVE, MISBEHAVE_NEXT};
use eoex_tests::{Backend, TestApp, backend_tests};
use reqwest::StatusCode;
use serde_json::json;

backend_tests!(new_permissions_need_approval_and_then_grant_tenant_bound_reads);

async fn new_permissions_need_approval_and_then_grant_tenant_bound_reads(backend: Backend) {
    let app = TestApp::spawn_with_plugins(backend, &[MISBEHAVE], |_| {}).await;
    let owner = app.signup("acme").await;
    let other = app.signup("globex").await;
    app.enable(&owner, "misbehave").await;
    app.enable(&owner, "crm").await;
    app.enable(&other, "crm").await;
    for (session, email) in [
        (&owner, "mine@acme.example"),
        (&other, "theirs@globex.example"),
    ] {
        app.post(
            "/api/v1/crm/contacts",
            &session.token,
            json!({"first_name": "A", "last_name": "B", "email": email}),
        )
        .await
        .assert_status(StatusCode::CREATED);
    }
    // 1.0.0 declares no permission on crm.contacts: refused.
    let denied = app
        .get("/api/v1/misbehave/crm-contacts", &owner.token)
        .await;
    denied.assert_error(StatusCode::FORBIDDEN, "denied");
    assert!(denied.text.contains("crm.contacts"), "{}", denied.text);

    // 1.1.0 arrives and asks to read CRM contacts: the tenant is not moved to it
    // automatically…
    app.publish(&std::fs::read(MISBEHAVE_NEXT).unwrap(), None)
        .await
        .assert_status(StatusCode::CREATED);
    let still = app.get("/api/v1/misbehave/ok", &owner.token).await;
    assert_eq!(still.header("x-module-version"), Some("1.0.0"));
    // …nor by a PUT that does not approve the new permission…
    let refused = app
        .put(
            "/api/v1/tenant/modules/misbehave",
            &owner.token,
            json!({"enabled": true, "version": "^1.1"}),
        )
        .await;
    refused.assert_error(StatusCode::CONFLICT, "permission_approval_required");
    assert!(
        refused.text.contains("crm.contacts:read"),
        "{}",
        refused.text
    );
    assert_eq!(
        app.get("/api/v1/misbehave/ok", &owner.token)
            .await
            .header("x-module-version"),
        Some("1.0.0")
    );
    // …and a failing upgrade hook leaves the tenant where it was, with the error.
    let blocker = app
        .post(
            "/api/v1/misbehave/items",
            &owner.token,
            json!({"name": "refuse upgrades"}),
        )
        .await;
    blocker.assert_status(StatusCode::CREATED);
    let hook_failed = app
        .put(
            "/api/v1/tenant/modules/misbehave",
            &owner.token,
            json!({"enabled": true, "version": "^1.1", "approve_permissions": ["crm.contacts:read"]}),
        )
        .await;
    hook_failed.assert_error(StatusCode::CONFLICT, "hook_refused");
    assert!(
        hook_failed.text.contains("refuse upgrades"),
        "{}",
        hook_failed.text
    );
    let state = app.get("/api/v1/tenant/modules", &owner.token).await.body;
    let misbehave = state["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["module_name"] == "misbehave")
        .unwrap()
        .clone();
    assert_eq!(misbehave["active_version"], "1.0.0");
    assert_eq!(
        misbehave["version_requirement"], "*",
        "the failed move left no trace"
    );
    assert_eq!(
        app.get("/api/v1/misbehave/ok", &owner.token)
            .await
            .header("x-module-version"),
        Some("1.0.0")
    );
    let blocker_path = format!(
        "/api/v1/misbehave/items/{}",
        blocker.body["item_id"].as_str().unwrap()
    );
    app.delete(&blocker_path, &owner.token)
        .await
        .assert_status(StatusCode::NO_CONTENT);
    // Only by one that approves, once nothing blocks the hook.
    let approved = app
        .put(
            "/api/v1/tenant/modules/misbehave",
            &owner.token,
            json!({"enabled": true, "version": "^1.1", "approve_permissions": ["crm.contacts:read"]}),
        )
        .await;
    approved.assert_status(StatusCode::OK);
    assert_eq!(approved.body["active_version"], "1.1.0");

    // Now it reads CRM contacts — this tenant's only.
    let read = app
        .get("/api/v1/misbehave/crm-contacts", &owner.token)
        .await;
    read.assert_status(StatusCode::OK);
    assert_eq!(read.header("x-module-version"), Some("1.1.0"));
    assert_eq!(read.body["count"], 1);
    // With CRM disabled for the tenant, the read is refused again.
    app.put(
        "/api/v1/tenant/modules/crm",
        &owner.token,
        json!({"enabled": false}),
    )
    .await
    .assert_status(StatusCode::OK);
    let disabled = app
        .get("/api/v1/misbehave/crm-contacts", &owner.token)
        .await;
    disabled.assert_error(StatusCode::FORBIDDEN, "denied");
    assert!(disabled.text.contains("not enabled"), "{}", disabled.text);
}
