//! Hot reload: the time from a new version's file appearing in the watched plugins
//! directory to that version answering a tenant's request — compiling it, and with its
//! compiled artifact already in the cache; for a file renamed into place and for one
//! copied in (which the host lets settle before reading).
//!
//! `cargo bench -p eoex-tests --bench hot_reload`

use std::path::Path;
use std::time::{Duration, Instant};

use eoex_plugin_artifacts::fixtures::CRM_NEXT;
use eoex_tests::{Backend, TestApp};

fn main() {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
        .block_on(run());
}

async fn run() {
    println!(
        "hot reload of crm 1.0.0 → 1.1.0 ({} KiB), until 1.1.0 answers",
        std::fs::metadata(CRM_NEXT).unwrap().len() / 1024
    );
    let mut warm_cache: Option<tempfile::TempDir> = None;
    for (label, renamed, cached) in [
        ("renamed into place, compiling", true, false),
        ("renamed into place, cached artifact", true, true),
        ("copied in place, cached artifact", false, true),
    ] {
        // The server's own cache (in its data dir), not the test suite's shared one:
        // "compiling" must compile.
        let app = TestApp::spawn_with(Backend::Sqlite, |args| args.cache_dir = None).await;
        let owner = app.signup("bench").await;
        app.enable(&owner, "crm").await;
        if cached {
            let source = warm_cache.as_ref().expect("a warm cache").path();
            copy_dir(source, &app.data_dir.path().join("cache"));
        }
        let staging = tempfile::tempdir_in(app.data_dir.path()).unwrap();
        let target = app.data_dir.path().join("plugins/crm-1.1.0.wasm");
        let started = if renamed {
            let staged = staging.path().join("crm-1.1.0.wasm");
            std::fs::copy(CRM_NEXT, &staged).unwrap();
            let started = Instant::now();
            std::fs::rename(&staged, &target).unwrap();
            started
        } else {
            let started = Instant::now();
            std::fs::copy(CRM_NEXT, &target).unwrap();
            started
        };
        loop {
            let response = app.get("/api/v1/crm/contacts", &owner.token).await;
            assert!(
                response.status.is_success(),
                "a request failed during the swap: {}",
                response.text
            );
            if response.header("x-module-version") == Some("1.1.0") {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "1.1.0 never answered"
            );
        }
        println!(
            "{label:<40} {:>8.1} ms",
            started.elapsed().as_secs_f64() * 1e3
        );
        if warm_cache.is_none() {
            let keep = tempfile::tempdir().unwrap();
            copy_dir(&app.data_dir.path().join("cache"), keep.path());
            warm_cache = Some(keep);
        }
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}
