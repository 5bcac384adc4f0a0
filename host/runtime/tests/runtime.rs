//! The runtime against a real component: the `misbehave` fixture (plugins/fixtures),
//! with an in-memory stand-in for the database-backed `HostServices`.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use eoex_abi::{HttpRequest, HttpResponse};
use eoex_runtime::{
    CallError, Plugin, PluginOptions, ReusePolicy, Runtime, RuntimeConfig, RuntimeError,
};
use serde_json::{Value, json};
use support::services;

const TIMEOUT: Duration = Duration::from_millis(200);

fn config() -> RuntimeConfig {
    RuntimeConfig {
        max_instances: 16,
        call_timeout: TIMEOUT,
        ..RuntimeConfig::default()
    }
}

fn misbehave_bytes() -> Vec<u8> {
    std::fs::read(eoex_plugin_artifacts::fixtures::MISBEHAVE).expect("the misbehave fixture")
}

async fn misbehave(config: RuntimeConfig, options: PluginOptions) -> Arc<Plugin> {
    let runtime = Runtime::new(config).unwrap();
    runtime
        .load_with(&misbehave_bytes(), options)
        .await
        .unwrap()
}

fn request(method: &str, path: &str, body: Value) -> HttpRequest {
    HttpRequest {
        method: method.into(),
        path: path.into(),
        headers: vec![("content-type".into(), "application/json".into())],
        body: if body.is_null() {
            vec![]
        } else {
            body.to_string().into_bytes()
        },
        ..HttpRequest::default()
    }
}

async fn get(plugin: &Plugin, tenant: &str, path: &str) -> Result<HttpResponse, CallError> {
    plugin
        .handle_http(services(tenant).0, request("GET", path, Value::Null))
        .await
        .1
}

fn json_body(response: &HttpResponse) -> Value {
    serde_json::from_slice(&response.body).unwrap()
}

#[tokio::test]
async fn loads_misbehave_and_reads_its_manifest() {
    let bytes = misbehave_bytes();
    let plugin = misbehave(config(), PluginOptions::default()).await;
    let manifest = plugin.manifest();
    assert_eq!(manifest.name, "misbehave");
    assert_eq!(manifest.entity("items").unwrap().id_field, "item_id");
    assert!(
        manifest
            .routes
            .iter()
            .any(|r| r.method == "GET" && r.path == "/loop")
    );
    assert_eq!(plugin.size(), bytes.len());
    assert_eq!(plugin.digest().len(), 64);
    assert!(!plugin.cached());
}

#[tokio::test]
async fn ok_sees_the_request_context() {
    let plugin = misbehave(config(), PluginOptions::default()).await;
    let response = get(&plugin, "tenant-a", "/ok").await.unwrap();
    assert_eq!(response.status, 200);
    let body = json_body(&response);
    assert_eq!(body["ok"], true);
    assert_eq!(body["context"]["tenant_id"], "tenant-a", "{body}");
    assert_eq!(body["context"]["request_id"], "req-1", "{body}");
}

/// On a single-threaded executor: the looping guest must yield, or `/ok` would wait
/// for the deadline. (Spawning also checks that calls are `Send`, as axum needs.)
#[tokio::test(flavor = "current_thread")]
async fn a_loop_times_out_while_other_calls_go_on() {
    let plugin = misbehave(config(), PluginOptions::default()).await;
    let started = Instant::now();
    let looping = tokio::spawn({
        let plugin = plugin.clone();
        async move {
            let result = get(&plugin, "tenant-a", "/loop").await;
            (result, started.elapsed())
        }
    });
    let meanwhile = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let result = get(&plugin, "tenant-b", "/ok").await;
        (result, started.elapsed())
    });
    let (looped, loop_took) = looping.await.unwrap();
    let (ok, ok_took) = meanwhile.await.unwrap();
    assert_eq!(looped, Err(CallError::Timeout(TIMEOUT)));
    assert!(
        loop_took >= TIMEOUT && loop_took < TIMEOUT * 5,
        "{loop_took:?}"
    );
    assert_eq!(ok.unwrap().status, 200);
    assert!(
        ok_took < loop_took,
        "/ok took {ok_took:?}, /loop {loop_took:?}"
    );
}

#[tokio::test]
async fn touching_a_gib_exhausts_memory_and_the_next_call_works() {
    let plugin = misbehave(config(), PluginOptions::default()).await;
    assert_eq!(
        get(&plugin, "tenant-a", "/alloc").await,
        Err(CallError::MemoryExhausted)
    );
    assert_eq!(get(&plugin, "tenant-a", "/ok").await.unwrap().status, 200);
}

#[tokio::test]
async fn a_panic_traps_with_its_message_and_the_next_call_works() {
    let plugin = misbehave(config(), PluginOptions::default()).await;
    match get(&plugin, "tenant-a", "/panic").await {
        Err(CallError::Trap { message }) => {
            assert!(
                message.contains("misbehave: panicking on request"),
                "{message}"
            );
        }
        other => panic!("expected a trap, got {other:?}"),
    }
    assert_eq!(get(&plugin, "tenant-a", "/ok").await.unwrap().status, 200);
}

#[tokio::test]
async fn host_errors_reach_the_plugin_as_values() {
    let plugin = misbehave(config(), PluginOptions::default()).await;
    let response = get(&plugin, "tenant-a", "/trespass").await.unwrap();
    assert_eq!(
        response.status,
        403,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
}

#[tokio::test]
async fn services_come_back_whatever_the_outcome() {
    let plugin = misbehave(config(), PluginOptions::default()).await;

    let (services, tables) = services("tenant-a");
    let created = request("POST", "/items", json!({ "name": "bolt" }));
    let (services, response) = plugin.handle_http(services, created).await;
    let response = response.unwrap();
    assert_eq!(response.status, 201);
    assert_eq!(json_body(&response)["item_id"], "id-1");

    // Same services (same "transaction"): the guest sees its earlier insert.
    let (services, listed) = plugin
        .handle_http(services, request("GET", "/items", Value::Null))
        .await;
    assert_eq!(json_body(&listed.unwrap())["total"], 1);

    let failing = request("POST", "/items/fail", json!({ "name": "nut" }));
    let (services, response) = plugin.handle_http(services, failing).await;
    assert_eq!(response.unwrap().status, 500);
    // The insert happened; the caller rolls it back because of the 500.
    assert_eq!(tables.lock().unwrap()["items"].len(), 2);

    let (_services, trapped) = plugin
        .handle_http(services, request("GET", "/panic", Value::Null))
        .await;
    assert!(matches!(trapped, Err(CallError::Trap { .. })));
    assert!(matches!(
        plugin.on_install(support::services("tenant-a").0).await.1,
        Ok(())
    ));
}

#[tokio::test]
async fn refuses_what_is_not_a_plugin_component() {
    let runtime = Runtime::new(config()).unwrap();
    let core_module = b"\0asm\x01\0\0\0";
    let empty_component = b"\0asm\x0d\0\x01\0";
    assert!(matches!(
        runtime.load(core_module).await,
        Err(RuntimeError::NotAComponent)
    ));
    assert!(matches!(
        runtime.load(b"MZ\x90\0garbage").await,
        Err(RuntimeError::NotWasm)
    ));
    assert!(matches!(
        runtime.load(b"").await,
        Err(RuntimeError::NotWasm)
    ));
    match runtime.load(empty_component).await {
        Err(RuntimeError::WrongWorld(message)) => assert!(message.contains("guest"), "{message}"),
        other => panic!("expected WrongWorld, got {other:?}"),
    }
    let mut truncated = misbehave_bytes();
    truncated.truncate(truncated.len() / 2);
    assert!(matches!(
        runtime.load(&truncated).await,
        Err(RuntimeError::Invalid(_))
    ));
}

#[tokio::test]
async fn the_compile_cache_is_used_and_survives_corruption() {
    let dir = tempfile::tempdir().unwrap();
    let cached = RuntimeConfig {
        cache_dir: Some(dir.path().to_owned()),
        ..config()
    };
    let load = || async { misbehave(cached.clone(), PluginOptions::default()).await };

    let first = load().await;
    assert!(!first.cached());
    let entries: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    let entry = &entries[0];
    let name = entry.file_name().unwrap().to_str().unwrap();
    assert!(
        name.starts_with(first.digest()) && name.ends_with(".cwasm"),
        "{name}"
    );

    // A new runtime (a restart) takes the compiled code from the cache.
    let second = load().await;
    assert!(second.cached());
    assert_eq!(get(&second, "tenant-a", "/ok").await.unwrap().status, 200);

    // A corrupt entry is recompiled and rewritten.
    let mut bytes = std::fs::read(entry).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(entry, &bytes).unwrap();
    let third = load().await;
    assert!(!third.cached());
    assert_eq!(get(&third, "tenant-a", "/ok").await.unwrap().status, 200);
    assert!(load().await.cached());
}

#[tokio::test]
async fn fresh_instances_by_default() {
    let plugin = misbehave(config(), PluginOptions::default()).await;
    for _ in 0..3 {
        get(&plugin, "tenant-a", "/ok").await.unwrap();
    }
    assert_eq!(plugin.instantiations(), 3);
}

#[tokio::test]
async fn reuse_stays_within_a_tenant() {
    let reuse = PluginOptions {
        reuse: Some(ReusePolicy {
            max_requests: 3,
            max_idle: 4,
        }),
    };
    let plugin = misbehave(config(), reuse).await;
    let calls = [
        ("tenant-a", 1), // new
        ("tenant-a", 1), // reused
        ("tenant-b", 2), // never tenant-a's instance
        ("tenant-a", 2), // tenant-a's third call on that instance, which then retires
        ("tenant-a", 3), // new
        ("tenant-b", 3), // reused
    ];
    for (i, (tenant, instantiations)) in calls.into_iter().enumerate() {
        let response = get(&plugin, tenant, "/ok").await.unwrap();
        assert_eq!(json_body(&response)["context"]["tenant_id"], tenant);
        assert_eq!(
            plugin.instantiations(),
            instantiations,
            "after call {i} ({tenant})"
        );
    }

    // A failed call discards its instance.
    assert!(get(&plugin, "tenant-a", "/panic").await.is_err());
    assert_eq!(
        plugin.instantiations(),
        3,
        "the panic reused tenant-a's idle instance"
    );
    get(&plugin, "tenant-a", "/ok").await.unwrap();
    assert_eq!(plugin.instantiations(), 4);
}

#[tokio::test]
async fn reuse_can_be_chosen_after_loading() {
    let fresh = misbehave(config(), PluginOptions::default()).await;
    let reusing = fresh.with_options(PluginOptions {
        reuse: Some(ReusePolicy::default()),
    });
    assert_eq!(reusing.manifest(), fresh.manifest());
    for _ in 0..3 {
        get(&reusing, "tenant-a", "/ok").await.unwrap();
        get(&fresh, "tenant-a", "/ok").await.unwrap();
    }
    assert_eq!(reusing.instantiations(), 1);
    assert_eq!(fresh.instantiations(), 3);
}

#[tokio::test(flavor = "current_thread")]
async fn a_full_pool_answers_busy() {
    let plugin = misbehave(
        RuntimeConfig {
            max_instances: 1,
            ..config()
        },
        PluginOptions::default(),
    )
    .await;
    let looping = get(&plugin, "tenant-a", "/loop");
    let meanwhile = async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        get(&plugin, "tenant-b", "/ok").await
    };
    let (looped, busy) = tokio::join!(looping, meanwhile);
    assert_eq!(looped, Err(CallError::Timeout(TIMEOUT)));
    assert_eq!(busy, Err(CallError::Busy));
    assert_eq!(get(&plugin, "tenant-b", "/ok").await.unwrap().status, 200);
}
