//! Hot reload: a new version dropped into the watched plugins directory takes over
//! while requests keep flowing, and none of them fails.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use eoex_plugin_artifacts::fixtures::{CORE_MODULE, CRM_NEXT, NOT_A_PLUGIN};
use eoex_tests::{Backend, TestApp, backend_tests};
use reqwest::StatusCode;

backend_tests!(
    a_version_dropped_in_takes_over_without_failing_a_request,
    broken_files_are_refused_and_the_old_version_serves
);

async fn active_version(app: &TestApp, token: &str) -> String {
    let modules = app.get("/api/v1/tenant/modules", token).await.body;
    let crm = modules["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["module_name"] == "crm")
        .unwrap()
        .clone();
    crm["active_version"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn a_version_dropped_in_takes_over_without_failing_a_request(backend: Backend) {
    let app = Arc::new(TestApp::spawn(backend).await);
    let owner = app.signup("acme").await;
    app.enable(&owner, "crm").await;
    assert_eq!(active_version(&app, &owner.token).await, "1.0.0");

    // A steady stream of requests from 8 clients…
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..8)
        .map(|_| {
            let (app, token, stop) = (app.clone(), owner.token.clone(), stop.clone());
            tokio::spawn(async move {
                let mut statuses = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    statuses.push(app.get("/api/v1/crm/contacts", &token).await.status);
                }
                statuses
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;

    // …while version 1.1.0 is copied into the plugins directory.
    let dropped = Instant::now();
    std::fs::copy(CRM_NEXT, app.data_dir.path().join("plugins/crm-1.1.0.wasm")).unwrap();
    let deadline = dropped + Duration::from_secs(30);
    loop {
        if active_version(&app, &owner.token).await == "1.1.0" {
            break;
        }
        assert!(Instant::now() < deadline, "1.1.0 did not take over");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    let mut total = 0;
    for client in clients {
        let statuses = client.await.unwrap();
        total += statuses.len();
        assert!(
            statuses.iter().all(|s| *s == StatusCode::OK),
            "failed requests: {statuses:?}"
        );
    }
    assert!(total > 20, "only {total} requests ran");
    let modules = app.get("/api/v1/modules", &owner.token).await.body;
    let crm = modules["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["module_name"] == "crm")
        .unwrap()
        .clone();
    assert_eq!(crm["versions"], serde_json::json!(["1.0.0", "1.1.0"]));
}

async fn broken_files_are_refused_and_the_old_version_serves(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = app.signup("acme").await;
    app.enable(&owner, "crm").await;
    let plugins = app.data_dir.path().join("plugins");
    std::fs::write(plugins.join("garbage.wasm"), b"this is not webassembly").unwrap();
    std::fs::write(plugins.join("core.wasm"), CORE_MODULE).unwrap();
    std::fs::copy(NOT_A_PLUGIN, plugins.join("command.wasm")).unwrap();
    // The refusals reach system_logs; the old version keeps serving meanwhile.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        app.get("/api/v1/crm/contacts", &owner.token)
            .await
            .assert_status(StatusCode::OK);
        let logged = app.system_logs().await;
        let refused = ["garbage.wasm", "core.wasm", "command.wasm"]
            .iter()
            .all(|f| logged.iter().any(|l| l.contains(f)));
        if refused {
            assert!(
                logged
                    .iter()
                    .any(|l| l.contains("core.wasm") && l.contains("core WebAssembly module")),
                "{logged:?}"
            );
            assert!(
                logged
                    .iter()
                    .any(|l| l.contains("command.wasm") && l.contains("eoex:plugin/plugin")),
                "{logged:?}"
            );
            break;
        }
        assert!(Instant::now() < deadline, "refusals not logged: {logged:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(active_version(&app, &owner.token).await, "1.0.0");
}
