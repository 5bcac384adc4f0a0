//! Sign-up, login, refresh-token rotation, logout, rate limiting and token forgery.

use base64::Engine;
use eoex_tests::{Backend, PASSWORD, TestApp, backend_tests};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

backend_tests!(
    signup_creates_tenant_and_owner,
    signup_conflicts_are_409,
    login_failures_share_one_message,
    login_is_rate_limited_per_account_and_per_address,
    refresh_tokens_rotate_and_reuse_revokes_the_session,
    logout_ends_the_session,
    forged_and_foreign_tokens_are_refused,
    auth_events_are_audited_without_secrets,
);

async fn login_raw(app: &TestApp, email: &str, password: &str) -> eoex_tests::Response {
    app.request(
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(json!({"email": email, "password": password})),
    )
    .await
}

async fn signup_creates_tenant_and_owner(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app
        .request(
            Method::POST,
            "/api/v1/auth/signup",
            None,
            Some(json!({"tenant_name": "Acme Ltd", "tenant_domain": "Acme.Example", "email": "Ada@Acme.Example",
                        "password": PASSWORD, "first_name": "Ada", "last_name": "Lovelace"})),
        )
        .await;
    response.assert_status(StatusCode::CREATED);
    let body = &response.body;
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 900);
    for key in ["tenant_id", "user_id", "access_token", "refresh_token"] {
        assert!(
            body[key].as_str().is_some_and(|v| !v.is_empty()),
            "{key} in {body}"
        );
    }
    let token = body["access_token"].as_str().unwrap();
    let me = app.get("/api/v1/auth/me", token).await;
    me.assert_status(StatusCode::OK);
    assert_eq!(me.body["email"], "ada@acme.example", "e-mail is normalised");
    assert_eq!(me.body["role"], "owner");
    assert_eq!(me.body["first_name"], "Ada");
    assert_eq!(me.body["user_id"], body["user_id"]);
    assert_eq!(me.body["tenant"]["tenant_name"], "Acme Ltd");
    assert_eq!(me.body["tenant"]["tenant_domain"], "acme.example");
    assert_eq!(me.body["tenant"]["tenant_id"], body["tenant_id"]);
    assert!(me.body.get("password_hash").is_none() && !me.text.contains("argon2"));
    // The new owner can log in with the password.
    app.login("ada@acme.example", PASSWORD).await;
}

async fn signup_conflicts_are_409(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.signup("acme").await;
    let signup = |name: &str, domain: &str, email: &str| json!({"tenant_name": name, "tenant_domain": domain, "email": email, "password": PASSWORD});
    for (body, field) in [
        (
            signup("other", "other.example", "owner@acme.example"),
            "email",
        ),
        (
            signup("other", "other.example", "OWNER@ACME.EXAMPLE"),
            "email",
        ),
        (
            signup("acme", "other.example", "x@other.example"),
            "tenant_name",
        ),
        (
            signup("other", "acme.example", "x@other.example"),
            "tenant_domain",
        ),
    ] {
        let response = app
            .request(Method::POST, "/api/v1/auth/signup", None, Some(body))
            .await;
        response.assert_error(StatusCode::CONFLICT, "already_exists");
        assert_eq!(response.body["error"]["field"], field, "{}", response.text);
    }
    // The refused sign-ups left no half-made tenant behind: the names are still free.
    app.request(
        Method::POST,
        "/api/v1/auth/signup",
        None,
        Some(signup("other", "other.example", "x@other.example")),
    )
    .await
    .assert_status(StatusCode::CREATED);
}

async fn login_failures_share_one_message(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = app.signup("acme").await;
    let clerk = app.add_user(&owner, "clerk@acme.example", "user").await;
    app.patch(
        &format!("/api/v1/users/{}", clerk.user_id),
        &owner.token,
        json!({"is_active": false}),
    )
    .await
    .assert_status(StatusCode::OK);

    let unknown = login_raw(&app, "nobody@acme.example", PASSWORD).await;
    let wrong = login_raw(&app, "owner@acme.example", "wrong password!").await;
    let inactive = login_raw(&app, "clerk@acme.example", PASSWORD).await;
    for response in [&unknown, &wrong, &inactive] {
        response.assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    assert_eq!(unknown.body, wrong.body);
    assert_eq!(wrong.body, inactive.body);
    // The deactivated user's existing token stopped working too.
    app.get("/api/v1/auth/me", &clerk.token)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    let ok = login_raw(&app, "OWNER@acme.example", PASSWORD).await;
    ok.assert_status(StatusCode::OK);
}

async fn login_is_rate_limited_per_account_and_per_address(backend: Backend) {
    let app = TestApp::spawn_with(backend, |args| {
        args.login_max_failures_per_account = Some(3);
        args.login_max_failures_per_address = Some(6);
    })
    .await;
    app.signup("acme").await;
    app.signup("globex").await;
    for _ in 0..3 {
        login_raw(&app, "owner@acme.example", "wrong password!")
            .await
            .assert_status(StatusCode::UNAUTHORIZED);
    }
    // The account is now locked, even for the right password…
    let limited = login_raw(&app, "owner@acme.example", PASSWORD).await;
    limited.assert_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    let retry_after: u64 = limited
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry_after), "{retry_after}");
    // …while another account from the same address still may log in…
    login_raw(&app, "owner@globex.example", PASSWORD)
        .await
        .assert_status(StatusCode::OK);
    // …until the address itself has failed too often.
    for _ in 0..3 {
        login_raw(&app, "nobody@globex.example", "wrong password!")
            .await
            .assert_status(StatusCode::UNAUTHORIZED);
    }
    login_raw(&app, "owner@globex.example", PASSWORD)
        .await
        .assert_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
}

async fn refresh_tokens_rotate_and_reuse_revokes_the_session(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = app.signup("acme").await;
    let refresh = |token: &str| {
        let body = json!({"refresh_token": token});
        app.request(Method::POST, "/api/v1/auth/refresh", None, Some(body))
    };
    let first = refresh(&owner.refresh_token).await;
    first.assert_status(StatusCode::OK);
    let second_refresh = first.body["refresh_token"].as_str().unwrap().to_owned();
    let second_access = first.body["access_token"].as_str().unwrap().to_owned();
    assert_ne!(second_refresh, owner.refresh_token);
    assert_eq!(first.body["token_type"], "bearer");
    app.get("/api/v1/auth/me", &second_access)
        .await
        .assert_status(StatusCode::OK);

    // Presenting the spent token again is treated as theft: the whole session goes.
    refresh(&owner.refresh_token)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    refresh(&second_refresh)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    app.get("/api/v1/auth/me", &second_access)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    refresh("never-issued")
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");

    // Other sessions of the same user are unaffected.
    let other = app.login(&owner.email, PASSWORD).await;
    refresh(&other.refresh_token)
        .await
        .assert_status(StatusCode::OK);
}

async fn logout_ends_the_session(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = app.signup("acme").await;
    let laptop = app.login(&owner.email, PASSWORD).await;
    app.request(
        Method::POST,
        "/api/v1/auth/logout",
        Some(&owner.token),
        None,
    )
    .await
    .assert_status(StatusCode::NO_CONTENT);
    app.get("/api/v1/auth/me", &owner.token)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    app.request(
        Method::POST,
        "/api/v1/auth/refresh",
        None,
        Some(json!({"refresh_token": owner.refresh_token})),
    )
    .await
    .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    // Only that session ended.
    app.get("/api/v1/auth/me", &laptop.token)
        .await
        .assert_status(StatusCode::OK);
}

fn b64(value: &Value) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string())
}

async fn forged_and_foreign_tokens_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = app.signup("acme").await;
    let mut claims: Value = {
        let payload = owner.token.split('.').nth(1).unwrap();
        serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(payload)
                .unwrap(),
        )
        .unwrap()
    };
    // alg: none with the real claims.
    let none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        b64(&claims)
    );
    app.get("/api/v1/auth/me", &none)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    // Claims changed under the original signature (privilege escalation attempt).
    claims["role"] = json!("owner");
    claims["tenant_id"] = json!(uuid::Uuid::new_v4());
    let parts: Vec<&str> = owner.token.split('.').collect();
    let tampered = format!("{}.{}.{}", parts[0], b64(&claims), parts[2]);
    app.get("/api/v1/auth/me", &tampered)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    // Signed with a secret that is not the server's.
    let foreign = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(b"not the server secret, though long enough"),
    )
    .unwrap();
    app.get("/api/v1/auth/me", &foreign)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    // Expired.
    let secret = std::fs::read(app.data_dir.path().join("jwt-secret")).unwrap();
    let mut expired = claims.clone();
    expired["tenant_id"] = json!(owner.tenant_id);
    expired["exp"] = json!(chrono_like_now() - 3600);
    let expired = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &expired,
        &jsonwebtoken::EncodingKey::from_secret(&secret),
    )
    .unwrap();
    let response = app.get("/api/v1/auth/me", &expired).await;
    response.assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    assert!(response.text.contains("expired"));
}

fn chrono_like_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

async fn auth_events_are_audited_without_secrets(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = app.signup("acme").await;
    login_raw(&app, &owner.email, "wrong password!")
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
    app.login(&owner.email, PASSWORD).await;
    let trail = app.get("/api/v1/audit-logs?limit=200", &owner.token).await;
    trail.assert_status(StatusCode::OK);
    let actions: Vec<&str> = trail.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for expected in ["auth.signup", "auth.login_failed", "auth.login"] {
        assert!(
            actions.contains(&expected),
            "{expected} missing from {actions:?}"
        );
    }
    let failed = trail.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "auth.login_failed")
        .unwrap();
    assert_eq!(failed["new_values"]["reason"], "wrong_password");
    assert_eq!(failed["ip_address"], "127.0.0.1");
    assert!(failed["user_agent"].is_string() || failed["user_agent"].is_null());
    assert!(
        !trail.text.contains(PASSWORD) && !trail.text.contains("argon2"),
        "secrets leaked: {}",
        trail.text
    );
}
