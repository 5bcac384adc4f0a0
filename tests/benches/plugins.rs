//! Plugin against native: throughput and latency of `GET /api/v1/crm/contacts/{id}`
//! served by the CRM component, against the same authenticated, tenant-bound read done
//! by a native handler compiled into the host for this benchmark only — with a fresh
//! instance per request and with instance reuse.
//!
//! `cargo bench -p eoex-tests --features bench --bench plugins`
//! (`EOEX_BENCH_SECONDS`, default 5, and `EOEX_BENCH_CONNECTIONS`, default 16; the
//! server and the load generator share this machine's cores.)

use std::sync::Arc;
use std::time::{Duration, Instant};

use eoex_tests::{Backend, Session, TestApp};
use serde_json::json;

struct Run {
    requests: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Run {
    fn throughput(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    fn percentile(&self, p: f64) -> Duration {
        let mut sorted = self.latencies.clone();
        sorted.sort();
        sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
        .block_on(run());
}

/// Store creation and instantiation of the CRM component, as each fresh-instance
/// request does it.
async fn instantiation() {
    let runtime =
        eoex_runtime::Runtime::new(eoex_runtime::RuntimeConfig::default()).expect("runtime");
    let (_, crm) = eoex_plugin_artifacts::BUNDLED
        .iter()
        .find(|(name, _)| *name == "crm")
        .expect("crm is bundled");
    let plugin = runtime.load(crm).await.expect("crm loads");
    let mut times = Vec::with_capacity(20_000);
    for i in 0..21_000 {
        let started = Instant::now();
        plugin.instantiate_only().await.expect("instantiates");
        if i >= 1_000 {
            times.push(started.elapsed());
        }
    }
    times.sort();
    let at = |p: f64| times[((times.len() - 1) as f64 * p).round() as usize].as_secs_f64() * 1e6;
    println!(
        "instantiation of crm ({} KiB), fresh store + instance: median {:.1} µs, p99 {:.1} µs",
        crm.len() / 1024,
        at(0.5),
        at(0.99)
    );
}

async fn run() {
    instantiation().await;
    let seconds = env_number("EOEX_BENCH_SECONDS", 5);
    let connections = env_number("EOEX_BENCH_CONNECTIONS", 16) as usize;
    println!(
        "plugin vs native: GET one CRM contact, {connections} connections, {seconds} s per run, SQLite"
    );
    println!(
        "{:<34} {:>10} {:>10} {:>10}",
        "", "req/s", "p50 µs", "p99 µs"
    );
    let mut rows = Vec::new();
    for (mode, reuse) in [
        ("fresh instance per request", false),
        ("instance reuse", true),
    ] {
        let app = TestApp::spawn_with(Backend::Sqlite, |args| {
            if reuse {
                args.plugin_reuse = Some(vec!["crm".into()]);
                args.plugin_reuse_max_requests = Some(u32::MAX);
            }
        })
        .await;
        let owner = app.signup("bench").await;
        app.enable(&owner, "crm").await;
        let contact = app
            .post(
                "/api/v1/crm/contacts",
                &owner.token,
                json!({"first_name": "Ada", "last_name": "Lovelace", "email": "ada@bench.example"}),
            )
            .await;
        let id = contact.body["contact_id"]
            .as_str()
            .expect("a contact")
            .to_owned();
        let app = Arc::new(app);
        let plugin_path = format!("/api/v1/crm/contacts/{id}");
        let native_path = format!("/bench/native/crm/contacts/{id}");
        // Both answer the same record.
        let (p, n) = (
            app.get(&plugin_path, &owner.token).await,
            app.get(&native_path, &owner.token).await,
        );
        assert_eq!(p.body, n.body, "plugin and native disagree");

        // Throughput under load, then latency one request at a time (no queueing).
        let native = load(&app, &owner, &native_path, connections, seconds).await;
        let plugin = load(&app, &owner, &plugin_path, connections, seconds).await;
        let native_alone = load(&app, &owner, &native_path, 1, seconds).await;
        let plugin_alone = load(&app, &owner, &plugin_path, 1, seconds).await;
        for (name, run) in [
            (format!("native, {connections} conns"), &native),
            (format!("plugin, {connections} conns"), &plugin),
            ("native, 1 conn".to_owned(), &native_alone),
            ("plugin, 1 conn".to_owned(), &plugin_alone),
        ] {
            println!(
                "{:<44} {:>10.0} {:>10} {:>10}",
                format!("{name} ({mode})"),
                run.throughput(),
                run.percentile(0.5).as_micros(),
                run.percentile(0.99).as_micros()
            );
        }
        rows.push((mode, native, plugin, native_alone, plugin_alone));
    }
    println!();
    for (mode, native, plugin, native_alone, plugin_alone) in &rows {
        let added = plugin_alone.percentile(0.5).as_micros() as i128
            - native_alone.percentile(0.5).as_micros() as i128;
        println!(
            "{mode}: plugin/native throughput {:.2}; added latency at p50, one request at a time: {added} µs",
            plugin.throughput() / native.throughput()
        );
    }
}

async fn load(
    app: &Arc<TestApp>,
    session: &Session,
    path: &str,
    connections: usize,
    seconds: u64,
) -> Run {
    let url = app.url(path);
    let warmup = Duration::from_secs(1);
    let measure = Duration::from_secs(seconds);
    let start = Instant::now();
    let tasks: Vec<_> = (0..connections)
        .map(|_| {
            let client = reqwest::Client::new();
            let url = url.clone();
            let token = session.token.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                loop {
                    let sent = Instant::now();
                    if sent >= start + warmup + measure {
                        break latencies;
                    }
                    let response = client
                        .get(&url)
                        .bearer_auth(&token)
                        .send()
                        .await
                        .expect("request");
                    assert!(response.status().is_success(), "{}", response.status());
                    response.bytes().await.expect("body");
                    if sent >= start + warmup {
                        latencies.push(sent.elapsed());
                    }
                }
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.expect("load task"));
    }
    Run {
        requests: latencies.len(),
        elapsed: measure,
        latencies,
    }
}
