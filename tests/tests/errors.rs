//! Bad input gets a clear JSON error with the right status, and changes nothing.

use eoex_tests::{Backend, PASSWORD, TestApp, backend_tests};
use reqwest::{Method, StatusCode};
use serde_json::json;

backend_tests!(
    malformed_json_is_400_with_the_parser_message,
    wrong_content_type_is_415,
    oversized_body_is_413,
    wrong_shapes_are_422_naming_the_field,
    bad_path_and_query_parameters,
    missing_or_bad_tokens_are_401,
);

async fn malformed_json_is_400_with_the_parser_message(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app
        .client
        .post(app.url("/api/v1/auth/signup"))
        .header("content-type", "application/json")
        .body(r#"{"tenant_name": "acme", "#)
        .send()
        .await
        .unwrap();
    let response = eoex_tests::Response::from(response).await;
    response.assert_error(StatusCode::BAD_REQUEST, "invalid_json");
    assert!(
        response.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("line 1"),
        "{}",
        response.text
    );
}

async fn wrong_content_type_is_415(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .body("email=a@b.c")
        .send()
        .await
        .unwrap();
    eoex_tests::Response::from(response)
        .await
        .assert_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
}

async fn oversized_body_is_413(backend: Backend) {
    let app = TestApp::spawn_with(backend, |args| args.body_limit_bytes = Some(1024)).await;
    let big = json!({"tenant_name": "x".repeat(2000), "tenant_domain": "big.example", "email": "a@big.example", "password": PASSWORD});
    let response = app
        .request(Method::POST, "/api/v1/auth/signup", None, Some(big))
        .await;
    response.assert_error(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    // Nothing was created: the same sign-up with a small body succeeds.
    let ok = json!({"tenant_name": "small", "tenant_domain": "big.example", "email": "a@big.example", "password": PASSWORD});
    app.request(Method::POST, "/api/v1/auth/signup", None, Some(ok))
        .await
        .assert_status(StatusCode::CREATED);
}

async fn wrong_shapes_are_422_naming_the_field(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let base = json!({"tenant_name": "acme", "tenant_domain": "acme.example", "email": "ada@acme.example", "password": PASSWORD});
    let cases = [
        (
            "email",
            json!({"tenant_name": "acme", "tenant_domain": "acme.example", "password": PASSWORD}),
        ),
        (
            "tenant_name",
            json!({"tenant_name": 42, "tenant_domain": "acme.example", "email": "ada@acme.example", "password": PASSWORD}),
        ),
        (
            "email",
            json!({"tenant_name": "acme", "tenant_domain": "acme.example", "email": "not-an-email", "password": PASSWORD}),
        ),
        (
            "password",
            json!({"tenant_name": "acme", "tenant_domain": "acme.example", "email": "ada@acme.example", "password": "123456789"}),
        ),
        (
            "tenant_domain",
            json!({"tenant_name": "acme", "tenant_domain": "not a domain", "email": "ada@acme.example", "password": PASSWORD}),
        ),
        (
            "tenant_name",
            json!({"tenant_name": "   ", "tenant_domain": "acme.example", "email": "ada@acme.example", "password": PASSWORD}),
        ),
    ];
    for (field, body) in cases {
        let response = app
            .request(
                Method::POST,
                "/api/v1/auth/signup",
                None,
                Some(body.clone()),
            )
            .await;
        response.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
        assert_eq!(
            response.body["error"]["field"], field,
            "{body} → {}",
            response.text
        );
        assert!(
            response.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains(field)
        );
    }
    // None of the refused attempts created anything.
    app.request(Method::POST, "/api/v1/auth/signup", None, Some(base))
        .await
        .assert_status(StatusCode::CREATED);
}

async fn bad_path_and_query_parameters(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = app.signup("acme").await;
    app.get("/api/v1/users/not-a-uuid", &owner.token)
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_path");
    let response = app.get("/api/v1/users?page=abc", &owner.token).await;
    response.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
    assert_eq!(response.body["error"]["field"], "page");
    let response = app.get("/api/v1/users?limit=500", &owner.token).await;
    response.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
    assert_eq!(response.body["error"]["field"], "limit");
    app.get("/api/v1/users?page=0", &owner.token)
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
    app.get("/api/v1/users?role=emperor", &owner.token)
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
}

async fn missing_or_bad_tokens_are_401(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.request(Method::GET, "/api/v1/auth/me", None, None)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    app.get("/api/v1/auth/me", "garbage")
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    let basic = app
        .client
        .get(app.url("/api/v1/auth/me"))
        .header("authorization", "Basic YTpi")
        .send()
        .await
        .unwrap();
    eoex_tests::Response::from(basic)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
}
