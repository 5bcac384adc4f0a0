//! Health, self-description, OpenAPI, docs and the error format of the framework's
//! own answers (unknown route, wrong method).

use eoex_tests::{Backend, TestApp, backend_tests};
use reqwest::Method;
use reqwest::StatusCode;
use serde_json::json;

backend_tests!(
    health_reports_the_database,
    every_response_has_a_request_id,
    describes_itself_and_documents_every_endpoint,
    unknown_routes_and_methods_answer_json
);

async fn health_reports_the_database(backend: Backend) {
    let app = TestApp::spawn(backend.clone()).await;
    let health = app.request(Method::GET, "/health", None, None).await;
    health.assert_status(StatusCode::OK);
    assert_eq!(health.body["status"], "healthy");
    assert_eq!(health.body["database"], "connected");
    let kind = if matches!(backend, Backend::Sqlite) {
        "sqlite"
    } else {
        "postgresql"
    };
    assert_eq!(health.body["database_kind"], kind);
}

async fn every_response_has_a_request_id(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut seen = std::collections::HashSet::new();
    for path in ["/health", "/api/v1", "/nope", "/api/v1/users"] {
        let response = app.request(Method::GET, path, None, None).await;
        let id = response
            .header("x-request-id")
            .unwrap_or_else(|| panic!("no x-request-id on {path}"))
            .to_owned();
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
        assert!(seen.insert(id), "request ids are unique");
    }
    // A client-supplied id is kept, so a caller can correlate its own logs.
    let response = app
        .client
        .get(app.url("/health"))
        .header("x-request-id", "client-chosen-42")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "client-chosen-42");
}

async fn describes_itself_and_documents_every_endpoint(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let root = app.request(Method::GET, "/api/v1", None, None).await;
    root.assert_status(StatusCode::OK);
    assert_eq!(root.body["name"], "EOEX");
    assert_eq!(root.body["openapi"], "/openapi.json");

    let spec = app.request(Method::GET, "/openapi.json", None, None).await;
    spec.assert_status(StatusCode::OK);
    assert!(spec.body["openapi"].as_str().unwrap().starts_with("3."));
    let paths = spec.body["paths"].as_object().unwrap();
    for (path, method) in [
        ("/health", "get"),
        ("/api/v1", "get"),
        ("/api/v1/auth/signup", "post"),
        ("/api/v1/auth/login", "post"),
        ("/api/v1/auth/refresh", "post"),
        ("/api/v1/auth/logout", "post"),
        ("/api/v1/auth/me", "get"),
        ("/api/v1/users", "get"),
        ("/api/v1/users", "post"),
        ("/api/v1/users/{user_id}", "get"),
        ("/api/v1/users/{user_id}", "patch"),
        ("/api/v1/users/{user_id}", "delete"),
        ("/api/v1/tenant", "get"),
        ("/api/v1/tenant", "patch"),
        ("/api/v1/audit-logs", "get"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} is not documented"
        );
    }
    assert!(spec.body["components"]["securitySchemes"]["bearer"].is_object());

    // The modules' endpoints, from their manifests, beside the core's.
    for (path, method, tag) in [
        ("/api/v1/crm/contacts", "get", "module: crm"),
        ("/api/v1/crm/contacts", "post", "module: crm"),
        ("/api/v1/erp/orders", "post", "module: erp"),
        (
            "/api/v1/erp/orders/{order_id}/status",
            "post",
            "module: erp",
        ),
        ("/api/v1/erp/products/reorder", "get", "module: erp"),
    ] {
        let operation = &spec.body["paths"][path][method];
        assert!(operation.is_object(), "{method} {path} is not documented");
        assert!(operation["summary"].as_str().is_some_and(|s| !s.is_empty()));
        assert_eq!(operation["tags"][0], tag);
    }
    let status = &spec.body["paths"]["/api/v1/erp/orders/{order_id}/status"]["post"];
    assert_eq!(status["parameters"][0]["name"], "order_id");
    assert_eq!(status["parameters"][0]["in"], "path");
    let orders = &spec.body["components"]["schemas"]["erp.orders"];
    assert_eq!(orders["properties"]["order_id"]["format"], "uuid");
    assert_eq!(orders["properties"]["total_amount"]["type"], "number");
    assert!(
        orders["properties"]["status"]["enum"]
            .as_array()
            .unwrap()
            .contains(&json!("cancelled"))
    );

    let docs = app.client.get(app.url("/docs/")).send().await.unwrap();
    assert_eq!(docs.status(), StatusCode::OK);
    assert!(
        docs.text()
            .await
            .unwrap()
            .to_lowercase()
            .contains("swagger")
    );
}

async fn unknown_routes_and_methods_answer_json(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // Outside /api a GET may be one of the console's client routes: it gets the
    // console's page; anything else there, and any unknown /api path, is a JSON 404.
    let page = app.request(Method::GET, "/nothing-here", None, None).await;
    page.assert_status(StatusCode::OK);
    assert!(
        page.header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    app.request(Method::POST, "/nothing-here", None, None)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    app.request(Method::GET, "/api/nothing-here", None, None)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    // Below /api/v1 an unknown first segment is an unknown module, signed in or not.
    for method in [Method::GET, Method::POST] {
        app.request(method, "/api/v1/nothing/here", None, None)
            .await
            .assert_error(StatusCode::NOT_FOUND, "unknown_module");
    }
    app.request(Method::DELETE, "/health", None, None)
        .await
        .assert_error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    app.request(Method::PUT, "/api/v1/auth/login", None, None)
        .await
        .assert_error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_is_503_when_the_database_is_unreachable() {
    let Some(backend) = Backend::postgres() else {
        return eprintln!("EOEX_TEST_POSTGRES_URL is not set: PostgreSQL not tested");
    };
    let app = TestApp::spawn(backend).await;
    app.request(Method::GET, "/health", None, None)
        .await
        .assert_status(StatusCode::OK);
    app.drop_postgres_database().await;
    let health = app.request(Method::GET, "/health", None, None).await;
    health.assert_status(StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(health.body["status"], "unhealthy");
    assert_eq!(health.body["database"], "disconnected");
    // Requests that need the database fail cleanly, in the API's format.
    let login = app
        .request(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(serde_json::json!({"email": "a@b.example", "password": "whatever123"})),
        )
        .await;
    login.assert_error(StatusCode::INTERNAL_SERVER_ERROR, "internal_error");
    assert!(
        !login.text.contains("database"),
        "internals leaked: {}",
        login.text
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_allows_only_configured_origins() {
    let app = TestApp::spawn_with(Backend::Sqlite, |args| {
        args.cors_origins = Some(vec!["http://localhost:3000".into()])
    })
    .await;
    let preflight = |origin: &'static str| {
        app.client
            .request(Method::OPTIONS, app.url("/api/v1/auth/login"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "content-type,authorization",
            )
            .send()
    };
    let allowed = preflight("http://localhost:3000").await.unwrap();
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "http://localhost:3000"
    );
    let methods = allowed.headers()["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        methods.contains("POST") && methods.contains("PATCH"),
        "{methods}"
    );
    let refused = preflight("https://evil.example").await.unwrap();
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );

    // Without configuration no origin is allowed (same-origin only).
    let closed = TestApp::spawn(Backend::Sqlite).await;
    let response = closed
        .client
        .get(closed.url("/health"))
        .header("origin", "http://localhost:3000")
        .send()
        .await
        .unwrap();
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}
