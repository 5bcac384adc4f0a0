//! The registry through HTTP: signed publishing, immutable versions, refusals that
//! change nothing, versions per tenant, and publishing while requests flow.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use eoex_plugin_artifacts::fixtures::{CORE_MODULE, CRM_NEXT, MISBEHAVE, NOT_A_PLUGIN};
use eoex_registry::signing::{self, SigningKey};
use eoex_tests::{Backend, Session, TestApp, backend_tests};
use reqwest::StatusCode;
use serde_json::json;

backend_tests!(
    signed_packages_publish_once,
    refused_packages_change_nothing,
    tampered_and_foreign_packages_are_refused,
    tenants_run_their_own_versions,
    publishing_swaps_without_failing_a_request,
);

/// A server that trusts one publisher key and refuses unsigned packages.
async fn spawn(backend: Backend) -> (TestApp, SigningKey) {
    let key = signing::generate();
    let public = signing::public_key_text(&key.verifying_key());
    let app = TestApp::spawn_with(backend, |args| {
        args.dev_mode = Some(false);
        args.trusted_keys = Some(vec![public]);
    })
    .await;
    (app, key)
}

fn signed(key: &SigningKey, bytes: &[u8]) -> String {
    signing::sign(key, bytes).to_string()
}

/// The component with a custom section appended: other bytes, same manifest.
fn rebuilt(component: &[u8]) -> Vec<u8> {
    let mut bytes = component.to_vec();
    let name = b"eoex-rebuild";
    let payload = b"different bytes";
    bytes.push(0); // custom section
    bytes.push((1 + name.len() + payload.len()) as u8);
    bytes.push(name.len() as u8);
    bytes.extend_from_slice(name);
    bytes.extend_from_slice(payload);
    bytes
}

async fn modules_snapshot(
    app: &TestApp,
    session: &Session,
) -> (serde_json::Value, serde_json::Value) {
    let packages = app
        .get("/api/v1/registry/packages", &session.token)
        .await
        .body;
    let modules = app.get("/api/v1/modules", &session.token).await.body;
    (packages, modules)
}

async fn signed_packages_publish_once(backend: Backend) {
    let (app, key) = spawn(backend).await;
    let owner = app.signup("acme").await;
    let misbehave = std::fs::read(MISBEHAVE).unwrap();
    let first = app
        .publish(&misbehave, Some(&signed(&key, &misbehave)))
        .await;
    first.assert_status(StatusCode::CREATED);
    assert_eq!(first.body["name"], "misbehave");
    assert_eq!(first.body["version"], "1.0.0");
    assert_eq!(first.body["size"], misbehave.len());
    assert_eq!(first.body["digest"].as_str().unwrap().len(), 64);
    assert_eq!(
        first.body["publisher_key"],
        signing::public_key_text(&key.verifying_key())
    );
    assert_eq!(first.body["manifest"]["name"], "misbehave");
    // The same bytes again: a no-op.
    let again = app
        .publish(&misbehave, Some(&signed(&key, &misbehave)))
        .await;
    again.assert_status(StatusCode::OK);
    assert_eq!(again.body["published_at"], first.body["published_at"]);

    let versions = app
        .get("/api/v1/registry/packages/misbehave", &owner.token)
        .await;
    versions.assert_status(StatusCode::OK);
    assert_eq!(versions.body["items"].as_array().unwrap().len(), 1);
    app.get("/api/v1/registry/packages/misbehave/1.0.0", &owner.token)
        .await
        .assert_status(StatusCode::OK);
    app.get("/api/v1/registry/packages/misbehave/9.9.9", &owner.token)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    app.get("/api/v1/registry/packages/nonesuch", &owner.token)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    // It is installed: the tenant can enable and use it.
    app.enable(&owner, "misbehave").await;
    app.get("/api/v1/misbehave/ok", &owner.token)
        .await
        .assert_status(StatusCode::OK);
    // Publishing and yanking are the operator's; tenant roles cannot.
    let as_owner = app
        .client
        .post(app.url("/api/v1/registry/packages"))
        .bearer_auth(&owner.token)
        .body(misbehave.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(as_owner.status(), StatusCode::FORBIDDEN);
    app.delete("/api/v1/registry/packages/misbehave/1.0.0", &owner.token)
        .await
        .assert_status(StatusCode::FORBIDDEN);
}

async fn refused_packages_change_nothing(backend: Backend) {
    let (app, key) = spawn(backend).await;
    let owner = app.signup("acme").await;
    let misbehave = std::fs::read(MISBEHAVE).unwrap();
    app.publish(&misbehave, Some(&signed(&key, &misbehave)))
        .await
        .assert_status(StatusCode::CREATED);
    let before = modules_snapshot(&app, &owner).await;

    let garbage = b"definitely not webassembly".to_vec();
    let not_a_plugin = std::fs::read(NOT_A_PLUGIN).unwrap();
    let changed = rebuilt(&misbehave);
    let crm_changed = rebuilt(&std::fs::read(CRM_NEXT).unwrap()[..]);
    for (bytes, status, code) in [
        (garbage, StatusCode::UNPROCESSABLE_ENTITY, "not_a_component"),
        (
            CORE_MODULE.to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "not_a_component",
        ),
        (
            not_a_plugin,
            StatusCode::UNPROCESSABLE_ENTITY,
            "wrong_world",
        ),
        (changed, StatusCode::CONFLICT, "version_exists"),
    ] {
        let response = app.publish(&bytes, Some(&signed(&key, &bytes))).await;
        response.assert_error(status, code);
    }
    // The bundled crm 1.0.0 cannot be replaced either.
    let crm_bundled_changed = rebuilt(eoex_plugin_artifacts::BUNDLED[0].1);
    app.publish(
        &crm_bundled_changed,
        Some(&signed(&key, &crm_bundled_changed)),
    )
    .await
    .assert_error(StatusCode::CONFLICT, "version_exists");
    assert_eq!(
        modules_snapshot(&app, &owner).await,
        before,
        "a refusal changed something"
    );
    // crm 1.1.0 with a custom section is a new version, and fine.
    app.publish(&crm_changed, Some(&signed(&key, &crm_changed)))
        .await
        .assert_status(StatusCode::CREATED);
}

async fn tampered_and_foreign_packages_are_refused(backend: Backend) {
    let (app, key) = spawn(backend).await;
    let owner = app.signup("acme").await;
    let before = modules_snapshot(&app, &owner).await;
    let misbehave = std::fs::read(MISBEHAVE).unwrap();
    let signature = signed(&key, &misbehave);
    let mut tampered = misbehave.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 0x01;
    app.publish(&tampered, Some(&signature))
        .await
        .assert_error(StatusCode::FORBIDDEN, "untrusted_package");
    let stranger = signing::generate();
    app.publish(&misbehave, Some(&signed(&stranger, &misbehave)))
        .await
        .assert_error(StatusCode::FORBIDDEN, "untrusted_package");
    app.publish(&misbehave, None)
        .await
        .assert_error(StatusCode::FORBIDDEN, "untrusted_package");
    app.publish(&misbehave, Some("ed25519:nonsense"))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_signature");
    assert_eq!(modules_snapshot(&app, &owner).await, before);
    // Dropped into the plugins directory unsigned, it is refused too, and logged.
    std::fs::write(
        app.data_dir.path().join("plugins/misbehave.wasm"),
        &misbehave,
    )
    .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !app
        .system_logs()
        .await
        .iter()
        .any(|l| l.contains("misbehave.wasm") && l.contains("unsigned"))
    {
        assert!(std::time::Instant::now() < deadline, "refusal not logged");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(modules_snapshot(&app, &owner).await, before);
}

async fn version_served(app: &TestApp, session: &Session) -> String {
    let response = app.get("/api/v1/crm/contacts", &session.token).await;
    response.assert_status(StatusCode::OK);
    response
        .header("x-module-version")
        .expect("x-module-version")
        .to_owned()
}

async fn tenants_run_their_own_versions(backend: Backend) {
    let (app, key) = spawn(backend).await;
    let a = app.signup("acme").await;
    let b = app.signup("globex").await;
    let next = std::fs::read(CRM_NEXT).unwrap();
    app.publish(&next, Some(&signed(&key, &next)))
        .await
        .assert_status(StatusCode::CREATED);
    let pinned = app
        .put(
            "/api/v1/tenant/modules/crm",
            &a.token,
            json!({"enabled": true, "version": "=1.0.0"}),
        )
        .await;
    pinned.assert_status(StatusCode::OK);
    assert_eq!(pinned.body["active_version"], "1.0.0");
    let latest = app
        .put(
            "/api/v1/tenant/modules/crm",
            &b.token,
            json!({"enabled": true, "version": "^1.1"}),
        )
        .await;
    assert_eq!(latest.body["active_version"], "1.1.0");
    // Served concurrently, each by its own version.
    let (va, vb) = tokio::join!(
        async {
            let mut seen = Vec::new();
            for _ in 0..10 {
                seen.push(version_served(&app, &a).await);
            }
            seen
        },
        async {
            let mut seen = Vec::new();
            for _ in 0..10 {
                seen.push(version_served(&app, &b).await);
            }
            seen
        }
    );
    assert!(va.iter().all(|v| v == "1.0.0"), "{va:?}");
    assert!(vb.iter().all(|v| v == "1.1.0"), "{vb:?}");
    // Both share one table (additive migrations) yet see only their own rows.
    app.post(
        "/api/v1/crm/contacts",
        &a.token,
        json!({"first_name": "A", "last_name": "A", "email": "a@a.example"}),
    )
    .await
    .assert_status(StatusCode::CREATED);
    assert_eq!(
        app.get("/api/v1/crm/contacts", &b.token).await.body["total"],
        0
    );

    // Yanking 1.1.0: B keeps running it; a tenant enabling now gets 1.0.0.
    app.delete(
        "/api/v1/registry/packages/crm/1.1.0",
        eoex_tests::OPERATOR_TOKEN,
    )
    .await
    .assert_status(StatusCode::OK);
    assert_eq!(version_served(&app, &b).await, "1.1.0");
    let c = app.signup("initech").await;
    let enabled = app
        .put(
            "/api/v1/tenant/modules/crm",
            &c.token,
            json!({"enabled": true, "version": "^1"}),
        )
        .await;
    assert_eq!(enabled.body["active_version"], "1.0.0");
    assert_eq!(version_served(&app, &c).await, "1.0.0");
}

async fn publishing_swaps_without_failing_a_request(backend: Backend) {
    let (app, key) = spawn(backend).await;
    let app = Arc::new(app);
    let owner = app.signup("acme").await;
    app.enable(&owner, "crm").await;
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..8)
        .map(|_| {
            let (app, owner, stop) = (app.clone(), owner.clone(), stop.clone());
            tokio::spawn(async move {
                let mut statuses = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let response = app.get("/api/v1/crm/contacts", &owner.token).await;
                    statuses.push((
                        response.status,
                        response.header("x-module-version").map(str::to_owned),
                    ));
                }
                statuses
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let next = std::fs::read(CRM_NEXT).unwrap();
    app.publish(&next, Some(&signed(&key, &next)))
        .await
        .assert_status(StatusCode::CREATED);
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    for client in clients {
        all.extend(client.await.unwrap());
    }
    assert!(
        all.iter().all(|(s, _)| *s == StatusCode::OK),
        "failed requests during the swap"
    );
    assert!(
        all.iter().any(|(_, v)| v.as_deref() == Some("1.0.0")),
        "served by 1.0.0 before"
    );
    assert!(
        all.iter().any(|(_, v)| v.as_deref() == Some("1.1.0")),
        "served by 1.1.0 after"
    );
    assert_eq!(version_served(&app, &owner).await, "1.1.0");
}
