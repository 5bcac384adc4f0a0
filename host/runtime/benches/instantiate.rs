//! What a plugin call costs on this machine: a fresh instance per call (the default)
//! against a warm instance in reuse mode, plus compiling and loading from the cache.
//! `cargo bench -p eoex-runtime --bench instantiate`

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use eoex_abi::HttpRequest;
use eoex_runtime::{Plugin, PluginOptions, ReusePolicy, Runtime, RuntimeConfig};

const CALLS: usize = 5_000;

fn main() {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
        .block_on(run());
}

async fn run() {
    let component =
        std::fs::read(eoex_plugin_artifacts::fixtures::MISBEHAVE).expect("the misbehave fixture");
    let cache = tempfile::tempdir().expect("a temporary directory");
    let config = RuntimeConfig {
        cache_dir: Some(cache.path().to_owned()),
        ..RuntimeConfig::default()
    };
    println!("component: {} KiB", component.len() / 1024);

    let started = Instant::now();
    let runtime = Runtime::new(config.clone()).expect("a runtime");
    println!("Runtime::new: {:?}", started.elapsed());
    let started = Instant::now();
    let fresh = runtime.load(&component).await.expect("loads");
    println!("load, compiling: {:?}", started.elapsed());
    let restarted = Runtime::new(config).expect("a runtime");
    let started = Instant::now();
    let from_cache = restarted.load(&component).await.expect("loads");
    assert!(from_cache.cached());
    println!("load, from the compile cache: {:?}", started.elapsed());

    report("GET /ok, fresh instance per call", &measure(&fresh).await);
    let reusing = runtime
        .load_with(
            &component,
            PluginOptions {
                reuse: Some(ReusePolicy {
                    max_requests: u32::MAX,
                    max_idle: 4,
                }),
            },
        )
        .await
        .expect("loads");
    report("GET /ok, warm instance (reuse)", &measure(&reusing).await);
}

async fn measure(plugin: &Plugin) -> Vec<Duration> {
    let ok = HttpRequest {
        method: "GET".into(),
        path: "/ok".into(),
        ..HttpRequest::default()
    };
    let mut took = Vec::with_capacity(CALLS);
    for i in 0..CALLS + CALLS / 10 {
        let (services, _) = support::services("tenant-a");
        let started = Instant::now();
        let (_, response) = plugin.handle_http(services, ok.clone()).await;
        let elapsed = started.elapsed();
        assert_eq!(response.expect("GET /ok").status, 200);
        // The first tenth warms up the pool's slots and the caches.
        if i >= CALLS / 10 {
            took.push(elapsed);
        }
    }
    took
}

fn report(what: &str, took: &[Duration]) {
    let mut sorted = took.to_vec();
    sorted.sort();
    let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e6;
    println!(
        "{what}: median {:.1} µs, p99 {:.1} µs, max {:.1} µs ({} calls)",
        at(0.5),
        at(0.99),
        at(1.0),
        sorted.len()
    );
}
