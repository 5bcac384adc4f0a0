//! Skins, themes and each user's choice among them (`/api/v1/ui/*`, `/api/v1/me/preferences`).

use eoex_tests::{Backend, TestApp, backend_tests};
use reqwest::StatusCode;
use serde_json::{Value, json};

backend_tests!(
    skins_and_themes_are_seeded,
    preferences_persist_per_user,
    preferences_are_validated,
    ui_endpoints_need_a_login,
);

fn named<'a>(list: &'a Value, key: &str, name: &str) -> &'a Value {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i[key] == name)
        .unwrap_or_else(|| panic!("no {name} in {list}"))
}

async fn skins_and_themes_are_seeded(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = app.signup("acme").await;

    let skins = app.get("/api/v1/ui/skins", &owner.token).await;
    skins.assert_status(StatusCode::OK);
    let names: Vec<&str> = skins.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["skin_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["dark", "light", "modern"]);
    let dark = named(&skins.body, "skin_name", "dark");
    assert_eq!(dark["skin_type"], "standard");
    assert_eq!(dark["css_variables"]["--bg-color"], "#14171a");
    assert_eq!(dark["css_variables"]["--color-scheme"], "dark");
    for skin in skins.body["items"].as_array().unwrap() {
        for var in [
            "--bg-color",
            "--surface-color",
            "--text-color",
            "--primary-color",
            "--primary-contrast",
            "--border-color",
        ] {
            assert!(skin["css_variables"][var].is_string(), "{var} in {skin}");
        }
    }
    assert_eq!(
        named(&skins.body, "skin_name", "modern")["skin_type"],
        "premium"
    );

    let themes = app.get("/api/v1/ui/themes", &owner.token).await;
    themes.assert_status(StatusCode::OK);
    for (theme, skin) in [
        ("Default Light", "light"),
        ("Default Dark", "dark"),
        ("Modern", "modern"),
    ] {
        let theme = named(&themes.body, "theme_name", theme);
        assert_eq!(
            theme["base_skin_id"],
            named(&skins.body, "skin_name", skin)["skin_id"],
            "{theme}"
        );
        assert!(theme["color_scheme"]["primary"].is_string(), "{theme}");
    }
}

async fn preferences_persist_per_user(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = app.signup("acme").await;
    let reader = app
        .add_user(&owner, "reader@acme.example", "readonly")
        .await;
    let other = app.signup("globex").await;
    let skins = app.get("/api/v1/ui/skins", &owner.token).await.body;
    let themes = app.get("/api/v1/ui/themes", &owner.token).await.body;
    let dark_id = named(&skins, "skin_name", "dark")["skin_id"].clone();
    let modern_id = named(&skins, "skin_name", "modern")["skin_id"].clone();
    let dark_theme = named(&themes, "theme_name", "Default Dark")["theme_id"].clone();

    // Nothing chosen: the console follows the system.
    let fresh = app.get("/api/v1/me/preferences", &owner.token).await;
    fresh.assert_status(StatusCode::OK);
    assert_eq!(fresh.body["skin_id"], Value::Null);
    assert_eq!(fresh.body["theme_id"], Value::Null);
    assert_eq!(fresh.body["layout_config"], json!({}));
    assert_eq!(fresh.body["updated_at"], Value::Null);

    let chosen = app
        .put(
            "/api/v1/me/preferences",
            &owner.token,
            json!({"skin_id": dark_id, "theme_id": dark_theme, "layout_config": {"sidebar": "collapsed"}}),
        )
        .await;
    chosen.assert_status(StatusCode::OK);
    assert_eq!(chosen.body["skin_id"], dark_id);
    assert_eq!(chosen.body["skin_name"], "dark");
    assert_eq!(chosen.body["theme_name"], "Default Dark");
    assert!(chosen.body["updated_at"].is_string());

    // Fields left out keep their value; null clears.
    let changed = app
        .put(
            "/api/v1/me/preferences",
            &owner.token,
            json!({"skin_id": modern_id, "theme_id": null}),
        )
        .await;
    changed.assert_status(StatusCode::OK);
    assert_eq!(changed.body["skin_name"], "modern");
    assert_eq!(changed.body["theme_id"], Value::Null);
    assert_eq!(
        changed.body["layout_config"],
        json!({"sidebar": "collapsed"})
    );

    // Kept across logins, and per user: nobody else's changed.
    let again = app.login("owner@acme.example", eoex_tests::PASSWORD).await;
    let read = app.get("/api/v1/me/preferences", &again.token).await;
    assert_eq!(read.body["skin_name"], "modern");
    assert_eq!(read.body["layout_config"]["sidebar"], "collapsed");
    for session in [&reader, &other] {
        let theirs = app.get("/api/v1/me/preferences", &session.token).await;
        assert_eq!(theirs.body["skin_id"], Value::Null, "{}", session.email);
    }

    // A readonly user still chooses their own look.
    app.put(
        "/api/v1/me/preferences",
        &reader.token,
        json!({"skin_id": dark_id}),
    )
    .await
    .assert_status(StatusCode::OK);
    let back = app
        .put(
            "/api/v1/me/preferences",
            &owner.token,
            json!({"skin_id": null}),
        )
        .await;
    back.assert_status(StatusCode::OK);
    assert_eq!(back.body["skin_id"], Value::Null);
    assert_eq!(
        app.get("/api/v1/me/preferences", &reader.token).await.body["skin_name"],
        "dark"
    );
}

async fn preferences_are_validated(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = app.signup("acme").await;
    let unknown = uuid::Uuid::new_v4().to_string();
    let big = "x".repeat(9000);
    for (body, field) in [
        (json!({"skin_id": unknown}), "skin_id"),
        (json!({"theme_id": unknown}), "theme_id"),
        (json!({"skin_id": "dark"}), "skin_id"),
        (json!({"layout_config": []}), "layout_config"),
        (json!({"shortcuts": {"k": big}}), "shortcuts"),
        (json!({"colour": "red"}), ""),
    ] {
        let response = app
            .put("/api/v1/me/preferences", &owner.token, body.clone())
            .await;
        response.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
        if !field.is_empty() {
            assert_eq!(response.body["error"]["field"], field, "{body}");
        }
    }
    let unchanged = app.get("/api/v1/me/preferences", &owner.token).await;
    assert_eq!(unchanged.body["skin_id"], Value::Null);
    assert_eq!(unchanged.body["updated_at"], Value::Null);
}

async fn ui_endpoints_need_a_login(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for path in [
        "/api/v1/ui/skins",
        "/api/v1/ui/themes",
        "/api/v1/me/preferences",
    ] {
        app.request(reqwest::Method::GET, path, None, None)
            .await
            .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    app.request(
        reqwest::Method::PUT,
        "/api/v1/me/preferences",
        None,
        Some(json!({"skin_id": null})),
    )
    .await
    .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
}
