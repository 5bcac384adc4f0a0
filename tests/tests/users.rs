//! Users of a tenant and the permission matrix of the four roles.

use eoex_tests::{Backend, PASSWORD, TestApp, backend_tests};
use reqwest::{Method, StatusCode};
use serde_json::json;

backend_tests!(
    owner_manages_users,
    list_paginates_filters_and_searches,
    readonly_can_never_write,
    users_cannot_administer,
    admins_cannot_touch_owners,
    the_last_owner_stays,
    own_profile_and_password,
    user_changes_are_audited_with_old_and_new_values,
);

async fn owner_manages_users(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = app.signup("acme").await;
    let created = app
        .post(
            "/api/v1/users",
            &owner.token,
            json!({"email": "Bob@Acme.Example", "password": PASSWORD, "first_name": "Bob", "phone": "+44 1", "role": "admin"}),
        )
        .await;
    created.assert_status(StatusCode::CREATED);
    let bob = created.body.clone();
    assert_eq!(bob["email"], "bob@acme.example");
    assert_eq!(bob["username"], "bob@acme.example");
    assert_eq!(bob["role"], "admin");
    assert_eq!(bob["tenant_id"], owner.tenant_id.as_str());
    assert_eq!(bob["is_active"], true);
    assert!(bob.get("password_hash").is_none());
    let path = format!("/api/v1/users/{}", bob["user_id"].as_str().unwrap());

    let fetched = app.get(&path, &owner.token).await;
    fetched.assert_status(StatusCode::OK);
    assert_eq!(fetched.body["first_name"], "Bob");

    let patched = app
        .patch(
            &path,
            &owner.token,
            json!({"last_name": "Builder", "phone": null, "role": "user"}),
        )
        .await;
    patched.assert_status(StatusCode::OK);
    assert_eq!(patched.body["last_name"], "Builder");
    assert_eq!(patched.body["phone"], serde_json::Value::Null);
    assert_eq!(patched.body["role"], "user");
    assert_eq!(patched.body["first_name"], "Bob", "untouched fields stay");

    app.post(
        "/api/v1/users",
        &owner.token,
        json!({"email": "bob@acme.example", "password": PASSWORD}),
    )
    .await
    .assert_error(StatusCode::CONFLICT, "already_exists");
    app.post(
        "/api/v1/users",
        &owner.token,
        json!({"email": "x@acme.example", "password": "short"}),
    )
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
    app.patch(&path, &owner.token, json!({"email": owner.email}))
        .await
        .assert_error(StatusCode::CONFLICT, "already_exists");

    app.delete(&path, &owner.token)
        .await
        .assert_status(StatusCode::NO_CONTENT);
    app.get(&path, &owner.token)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    app.delete(&path, &owner.token)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    app.request(
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(json!({"email": "bob@acme.example", "password": PASSWORD})),
    )
    .await
    .assert_status(StatusCode::UNAUTHORIZED);
}

async fn list_paginates_filters_and_searches(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = app.signup("acme").await;
    for i in 0..7 {
        let role = if i % 2 == 0 { "user" } else { "readonly" };
        app.post(
            "/api/v1/users",
            &owner.token,
            json!({"email": format!("u{i}@acme.example"), "password": PASSWORD, "first_name": format!("Name{i}"), "role": role}),
        )
        .await
        .assert_status(StatusCode::CREATED);
    }
    let page1 = app.get("/api/v1/users?limit=3&page=1", &owner.token).await;
    page1.assert_status(StatusCode::OK);
    assert_eq!(page1.body["total"], 8);
    assert_eq!(page1.body["page"], 1);
    assert_eq!(page1.body["limit"], 3);
    assert_eq!(page1.body["items"].as_array().unwrap().len(), 3);
    let page3 = app.get("/api/v1/users?limit=3&page=3", &owner.token).await;
    assert_eq!(page3.body["items"].as_array().unwrap().len(), 2);
    let mut all_ids: Vec<String> = Vec::new();
    for page in 1..=3 {
        let body = app
            .get(&format!("/api/v1/users?limit=3&page={page}"), &owner.token)
            .await
            .body;
        all_ids.extend(
            body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["user_id"].as_str().unwrap().to_owned()),
        );
    }
    all_ids.sort();
    all_ids.dedup();
    assert_eq!(all_ids.len(), 8, "pages neither overlap nor skip");

    let readonly = app.get("/api/v1/users?role=readonly", &owner.token).await;
    assert_eq!(readonly.body["total"], 3);
    assert!(
        readonly.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["role"] == "readonly")
    );
    let search = app.get("/api/v1/users?search=NAME4", &owner.token).await;
    assert_eq!(search.body["total"], 1);
    assert_eq!(search.body["items"][0]["email"], "u4@acme.example");
    // LIKE wildcards in the search are literal.
    assert_eq!(
        app.get("/api/v1/users?search=%25", &owner.token).await.body["total"],
        0
    );
    assert_eq!(
        app.get("/api/v1/users?search=u_", &owner.token).await.body["total"],
        0
    );
}

async fn readonly_can_never_write(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = app.signup("acme").await;
    let viewer = app
        .add_user(&owner, "viewer@acme.example", "readonly")
        .await;
    // Reading is fine.
    app.get("/api/v1/users", &viewer.token)
        .await
        .assert_status(StatusCode::OK);
    app.get("/api/v1/tenant", &viewer.token)
        .await
        .assert_status(StatusCode::OK);
    // No write of any kind, not even to their own profile.
    let me = format!("/api/v1/users/{}", viewer.user_id);
    let other = format!("/api/v1/users/{}", owner.user_id);
    app.patch(&me, &viewer.token, json!({"first_name": "V"}))
        .await
        .assert_error(StatusCode::FORBIDDEN, "forbidden");
    app.patch(&me, &viewer.token, json!({"role": "owner"}))
        .await
        .assert_error(StatusCode::FORBIDDEN, "forbidden");
    app.patch(&other, &viewer.token, json!({"first_name": "V"}))
        .await
        .assert_error(StatusCode::FORBIDDEN, "forbidden");
    app.post(
        "/api/v1/users",
        &viewer.token,
        json!({"email": "x@acme.example", "password": PASSWORD}),
    )
    .await
    .assert_error(StatusCode::FORBIDDEN, "forbidden");
    app.delete(&other, &viewer.token)
        .await
        .assert_error(StatusCode::FORBIDDEN, "forbidden");
    app.patch(
        "/api/v1/tenant",
        &viewer.token,
        json!({"tenant_name": "Mine"}),
    )
    .await
    .assert_error(StatusCode::FORBIDDEN, "forbidden");
    app.get("/api/v1/audit-logs", &viewer.token)
        .await
        .assert_error(StatusCode::FORBIDDEN, "forbidden");
    let me_now = app.get(&me, &owner.token).await;
    assert_eq!(me_now.body["role"], "readonly");
    assert_eq!(me_now.body["first_name"], serde_json::Value::Null);
}

async fn users_cannot_administer(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = app.signup("acme").await;
    let clerk = app.add_user(&owner, "clerk@acme.example", "user").await;
    app.post(
        "/api/v1/users",
        &clerk.token,
        json!({"email": "x@acme.example", "password": PASSWORD}),
    )
    .await
    .assert_error(StatusCode::FORBIDDEN, "forbidden");
    let me = format!("/api/v1/users/{}", clerk.user_id);
    app.patch(&me, &clerk.token, json!({"role": "admin"}))
        .await
        .assert_error(StatusCode::FORBIDDEN, "forbidden");
    app.patch(&me, &clerk.token, json!({"is_active": false}))
        .await
        .assert_error(StatusCode::FORBIDDEN, "forbidden");
    app.patch(
        &format!("/api/v1/users/{}", owner.user_id),
        &clerk.token,
        json!({"first_name": "X"}),
    )
    .await
    .assert_error(StatusCode::FORBIDDEN, "forbidden");
    app.patch(
        "/api/v1/tenant",
        &clerk.token,
        json!({"tenant_name": "Mine"}),
    )
    .await
    .assert_error(StatusCode::FORBIDDEN, "forbidden");
    // Their own name is theirs to change.
    app.patch(&me, &clerk.token, json!({"first_name": "Clara"}))
        .await
        .assert_status(StatusCode::OK);
}

async fn admins_cannot_touch_owners(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = app.signup("acme").await;
    let admin = app.add_user(&owner, "admin@acme.example", "admin").await;
    let owner_path = format!("/api/v1/users/{}", owner.user_id);
    app.patch(&owner_path, &admin.token, json!({"role": "user"}))
        .await
        .assert_error(StatusCode::FORBIDDEN, "forbidden");
    app.delete(&owner_path, &admin.token)
        .await
        .assert_error(StatusCode::FORBIDDEN, "forbidden");
    app.post(
        "/api/v1/users",
        &admin.token,
        json!({"email": "o2@acme.example", "password": PASSWORD, "role": "owner"}),
    )
    .await
    .assert_error(StatusCode::FORBIDDEN, "forbidden");
    app.patch(
        &format!("/api/v1/users/{}", admin.user_id),
        &admin.token,
        json!({"role": "owner"}),
    )
    .await
    .assert_error(StatusCode::FORBIDDEN, "forbidden");
    // Admins do manage users and other admins.
    let clerk = app.add_user(&admin, "clerk@acme.example", "user").await;
    app.patch(
        &format!("/api/v1/users/{}", clerk.user_id),
        &admin.token,
        json!({"role": "readonly"}),
    )
    .await
    .assert_status(StatusCode::OK);
    app.patch(
        "/api/v1/tenant",
        &admin.token,
        json!({"tenant_name": "Acme Admin Edit"}),
    )
    .await
    .assert_status(StatusCode::OK);
    assert_eq!(
        app.get(&owner_path, &owner.token).await.body["role"],
        "owner"
    );
}

async fn the_last_owner_stays(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = app.signup("acme").await;
    let me = format!("/api/v1/users/{}", owner.user_id);
    app.patch(&me, &owner.token, json!({"role": "admin"}))
        .await
        .assert_error(StatusCode::CONFLICT, "last_owner");
    app.patch(&me, &owner.token, json!({"is_active": false}))
        .await
        .assert_error(StatusCode::CONFLICT, "last_owner");
    app.delete(&me, &owner.token)
        .await
        .assert_error(StatusCode::CONFLICT, "cannot_delete_self");
    assert_eq!(
        app.get(&me, &owner.token).await.body["role"],
        "owner",
        "refused changes left nothing behind"
    );
    // With a second owner, the first may step down.
    let second = app.add_user(&owner, "second@acme.example", "owner").await;
    app.patch(&me, &owner.token, json!({"role": "admin"}))
        .await
        .assert_status(StatusCode::OK);
    // Role changes take effect at once, on the existing token.
    app.post(
        "/api/v1/users",
        &owner.token,
        json!({"email": "o3@acme.example", "password": PASSWORD, "role": "owner"}),
    )
    .await
    .assert_error(StatusCode::FORBIDDEN, "forbidden");
    app.delete(&me, &second.token)
        .await
        .assert_status(StatusCode::NO_CONTENT);
}

async fn own_profile_and_password(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = app.signup("acme").await;
    let clerk = app.add_user(&owner, "clerk@acme.example", "user").await;
    let me = format!("/api/v1/users/{}", clerk.user_id);
    app.patch(
        &me,
        &clerk.token,
        json!({"password": "a brand new password"}),
    )
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
    let wrong = app
        .patch(
            &me,
            &clerk.token,
            json!({"password": "a brand new password", "current_password": "nope nope nope"}),
        )
        .await;
    wrong.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
    assert_eq!(wrong.body["error"]["field"], "current_password");
    app.patch(
        &me,
        &clerk.token,
        json!({"password": "a brand new password", "current_password": PASSWORD}),
    )
    .await
    .assert_status(StatusCode::OK);
    app.login("clerk@acme.example", "a brand new password")
        .await;
    // An admin resets someone else's password without knowing it.
    app.patch(&me, &owner.token, json!({"password": "reset by the owner"}))
        .await
        .assert_status(StatusCode::OK);
    app.login("clerk@acme.example", "reset by the owner").await;
    app.patch(&me, &clerk.token, json!({"unknown_field": 1}))
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
}

async fn user_changes_are_audited_with_old_and_new_values(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = app.signup("acme").await;
    let clerk = app.add_user(&owner, "clerk@acme.example", "user").await;
    let path = format!("/api/v1/users/{}", clerk.user_id);
    app.patch(
        &path,
        &owner.token,
        json!({"role": "readonly", "password": "another password!"}),
    )
    .await
    .assert_status(StatusCode::OK);
    app.delete(&path, &owner.token)
        .await
        .assert_status(StatusCode::NO_CONTENT);
    let trail = app
        .get("/api/v1/audit-logs?limit=200", &owner.token)
        .await
        .body;
    let find = |action: &str| {
        trail["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["action"] == action)
            .cloned()
            .unwrap_or_else(|| panic!("no {action}"))
    };
    let created = find("user.create");
    assert_eq!(created["entity_id"], clerk.user_id.as_str());
    assert_eq!(created["user_id"], owner.user_id.as_str());
    assert_eq!(created["new_values"]["email"], "clerk@acme.example");
    let updated = find("user.update");
    assert_eq!(updated["old_values"]["role"], "user");
    assert_eq!(updated["new_values"]["role"], "readonly");
    assert_eq!(updated["new_values"]["password"], "[changed]");
    let deleted = find("user.delete");
    assert_eq!(deleted["old_values"]["email"], "clerk@acme.example");
    let only_updates = app
        .get("/api/v1/audit-logs?action=user.update", &owner.token)
        .await
        .body;
    assert_eq!(only_updates["total"], 1);
    let text = trail.to_string();
    assert!(
        !text.contains("argon2") && !text.contains("another password!"),
        "secrets leaked: {text}"
    );
}
