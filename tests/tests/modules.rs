//! Modules through HTTP: the catalog, per-tenant enablement, dispatch to the tenant's
//! version, and a misbehaving plugin failing only its own request.

use eoex_plugin_artifacts::fixtures::MISBEHAVE;
use eoex_tests::{Backend, TestApp, backend_tests};
use reqwest::{Method, StatusCode};
use serde_json::json;

backend_tests!(
    catalog_lists_installed_modules,
    tenants_enable_modules_for_themselves,
    misbehaving_plugins_fail_only_their_own_request,
    plugins_touch_only_what_they_declared,
    failed_handlers_leave_no_rows,
    readonly_users_cannot_write_through_modules,
    plugins_see_the_request_context,
);

async fn spawn(backend: Backend) -> TestApp {
    TestApp::spawn_with_plugins(backend, &[MISBEHAVE], |args| {
        args.plugin_timeout_ms = Some(500)
    })
    .await
}

async fn catalog_lists_installed_modules(backend: Backend) {
    let app = spawn(backend).await;
    let owner = app.signup("acme").await;
    let modules = app.get("/api/v1/modules", &owner.token).await;
    modules.assert_status(StatusCode::OK);
    let crm = modules.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["module_name"] == "crm")
        .expect("crm installed");
    assert_eq!(crm["module_version"], "1.0.0");
    assert_eq!(crm["versions"], json!(["1.0.0"]));
    assert_eq!(crm["description"], "Customer Relationship Management");
    let contacts = crm["entities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "contacts")
        .unwrap();
    assert_eq!(contacts["id_field"], "contact_id");
    assert!(
        crm["routes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["method"] == "GET" && r["path"] == "/contacts")
    );
    assert!(
        modules.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["module_name"] == "misbehave")
    );
    let mine = app.get("/api/v1/tenant/modules", &owner.token).await;
    mine.assert_status(StatusCode::OK);
    let crm_state = mine.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["module_name"] == "crm")
        .unwrap();
    assert_eq!(crm_state["is_enabled"], false);
    assert_eq!(crm_state["active_version"], serde_json::Value::Null);
}

async fn tenants_enable_modules_for_themselves(backend: Backend) {
    let app = spawn(backend).await;
    let a = app.signup("acme").await;
    let b = app.signup("globex").await;
    app.get("/api/v1/crm/contacts", &a.token)
        .await
        .assert_error(StatusCode::FORBIDDEN, "module_not_enabled");
    app.get("/api/v1/nonesuch/things", &a.token)
        .await
        .assert_error(StatusCode::NOT_FOUND, "unknown_module");
    app.put(
        "/api/v1/tenant/modules/nonesuch",
        &a.token,
        json!({"enabled": true}),
    )
    .await
    .assert_error(StatusCode::NOT_FOUND, "unknown_module");
    let bad = app
        .put(
            "/api/v1/tenant/modules/crm",
            &a.token,
            json!({"enabled": true, "version": "^2"}),
        )
        .await;
    bad.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
    assert_eq!(bad.body["error"]["field"], "version");
    app.put(
        "/api/v1/tenant/modules/crm",
        &a.token,
        json!({"enabled": true, "version": "not semver"}),
    )
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");

    let enabled = app.enable(&a, "crm").await;
    assert_eq!(enabled.body["is_enabled"], true);
    assert_eq!(enabled.body["active_version"], "1.0.0");
    assert_eq!(enabled.body["version_requirement"], "*");
    app.get("/api/v1/crm/contacts", &a.token)
        .await
        .assert_status(StatusCode::OK);
    // Enabled for A only.
    app.get("/api/v1/crm/contacts", &b.token)
        .await
        .assert_error(StatusCode::FORBIDDEN, "module_not_enabled");
    // Only owners and admins switch modules.
    let clerk = app.add_user(&a, "clerk@acme.example", "user").await;
    app.put(
        "/api/v1/tenant/modules/crm",
        &clerk.token,
        json!({"enabled": false}),
    )
    .await
    .assert_error(StatusCode::FORBIDDEN, "forbidden");

    let disabled = app
        .put(
            "/api/v1/tenant/modules/crm",
            &a.token,
            json!({"enabled": false}),
        )
        .await;
    disabled.assert_status(StatusCode::OK);
    assert_eq!(disabled.body["is_enabled"], false);
    assert!(disabled.body["deactivated_at"].is_string());
    app.get("/api/v1/crm/contacts", &a.token)
        .await
        .assert_error(StatusCode::FORBIDDEN, "module_not_enabled");
    let trail = app
        .get("/api/v1/audit-logs?action=tenant.module.update", &a.token)
        .await;
    assert_eq!(trail.body["total"], 2);
}

async fn misbehaving_plugins_fail_only_their_own_request(backend: Backend) {
    let app = spawn(backend).await;
    let owner = app.signup("acme").await;
    app.enable(&owner, "misbehave").await;
    app.enable(&owner, "crm").await;
    for (path, status, code) in [
        (
            "/api/v1/misbehave/loop",
            StatusCode::GATEWAY_TIMEOUT,
            "plugin_timeout",
        ),
        (
            "/api/v1/misbehave/alloc",
            StatusCode::INTERNAL_SERVER_ERROR,
            "plugin_memory_exceeded",
        ),
        (
            "/api/v1/misbehave/panic",
            StatusCode::INTERNAL_SERVER_ERROR,
            "plugin_failed",
        ),
    ] {
        // The bad request runs while good ones go on, to the same and to another module.
        let bad = app.get(path, &owner.token);
        let good = async {
            let mut statuses = Vec::new();
            for _ in 0..5 {
                statuses.push(app.get("/api/v1/misbehave/ok", &owner.token).await.status);
                statuses.push(app.get("/api/v1/crm/contacts", &owner.token).await.status);
            }
            statuses
        };
        let (bad, good) = tokio::join!(bad, good);
        bad.assert_error(status, code);
        assert!(
            !bad.text.contains("wasm") && !bad.text.contains("backtrace"),
            "internals leaked: {}",
            bad.text
        );
        assert!(
            good.iter().all(|s| *s == StatusCode::OK),
            "{path}: {good:?}"
        );
        // And the module itself serves the next request normally.
        app.get("/api/v1/misbehave/ok", &owner.token)
            .await
            .assert_status(StatusCode::OK);
    }
    app.get("/health", &owner.token)
        .await
        .assert_status(StatusCode::OK);
}

async fn plugins_touch_only_what_they_declared(backend: Backend) {
    let app = spawn(backend).await;
    let owner = app.signup("acme").await;
    app.enable(&owner, "misbehave").await;
    let response = app.get("/api/v1/misbehave/trespass", &owner.token).await;
    response.assert_error(StatusCode::FORBIDDEN, "denied");
    assert!(response.text.contains("secrets"), "{}", response.text);
}

async fn failed_handlers_leave_no_rows(backend: Backend) {
    let app = spawn(backend).await;
    let owner = app.signup("acme").await;
    app.enable(&owner, "misbehave").await;
    app.post(
        "/api/v1/misbehave/items",
        &owner.token,
        json!({"name": "kept"}),
    )
    .await
    .assert_status(StatusCode::CREATED);
    app.post(
        "/api/v1/misbehave/items/fail",
        &owner.token,
        json!({"name": "rolled back"}),
    )
    .await
    .assert_status(StatusCode::INTERNAL_SERVER_ERROR);
    let items = app.get("/api/v1/misbehave/items", &owner.token).await;
    items.assert_status(StatusCode::OK);
    assert_eq!(items.body["total"], 1, "{}", items.text);
    assert!(!items.text.contains("rolled back"));
    // Writes are audited by the host; the rolled-back one left no audit row either.
    let trail = app
        .get(
            "/api/v1/audit-logs?action=misbehave.items.create",
            &owner.token,
        )
        .await;
    assert_eq!(trail.body["total"], 1, "{}", trail.text);
    assert_eq!(trail.body["items"][0]["new_values"]["name"], "kept");
}

async fn readonly_users_cannot_write_through_modules(backend: Backend) {
    let app = spawn(backend).await;
    let owner = app.signup("acme").await;
    app.enable(&owner, "misbehave").await;
    let viewer = app
        .add_user(&owner, "viewer@acme.example", "readonly")
        .await;
    app.get("/api/v1/misbehave/items", &viewer.token)
        .await
        .assert_status(StatusCode::OK);
    app.post(
        "/api/v1/misbehave/items",
        &viewer.token,
        json!({"name": "x"}),
    )
    .await
    .assert_error(StatusCode::FORBIDDEN, "forbidden");
    assert_eq!(
        app.get("/api/v1/misbehave/items", &owner.token).await.body["total"],
        0
    );
    // Unauthenticated requests never reach a module.
    app.request(Method::GET, "/api/v1/misbehave/ok", None, None)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
}

async fn plugins_see_the_request_context(backend: Backend) {
    let app = spawn(backend).await;
    let owner = app.signup("acme").await;
    app.enable(&owner, "misbehave").await;
    let response = app
        .client
        .get(app.url("/api/v1/misbehave/ok"))
        .bearer_auth(&owner.token)
        .header("x-request-id", "ctx-check-1")
        .send()
        .await
        .unwrap();
    let response = eoex_tests::Response::from(response).await;
    response.assert_status(StatusCode::OK);
    let context = &response.body["context"];
    assert_eq!(context["tenant_id"], owner.tenant_id.as_str());
    assert_eq!(context["user_id"], owner.user_id.as_str());
    assert_eq!(context["role"], "owner");
    assert_eq!(context["module"], "misbehave");
    assert_eq!(context["module_version"], "1.0.0");
    assert_eq!(context["request_id"], "ctx-check-1");
}
