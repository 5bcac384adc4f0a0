//! The engine, created once: pooling allocator, epoch interruption with one ticker
//! thread, the linker holding WASI and the `eoex:host` imports, and the compile cache.

use std::sync::Arc;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::wasmparser::Parser;
use wasmtime::{
    Config, Engine, InstanceAllocationStrategy, PoolConcurrencyLimitError, PoolingAllocationConfig,
    Store, Trap, UpdateDeadline, WasmBacktrace,
};

use crate::bindings;
use crate::cache::CompileCache;
use crate::config::{PluginOptions, RuntimeConfig};
use crate::error::{CallError, RuntimeError};
use crate::host::{HostState, NoServices};
use crate::plugin::Plugin;

/// Loads plugins and runs them. Cheap to clone; every clone shares one engine.
#[derive(Clone)]
pub struct Runtime {
    shared: Arc<Shared>,
}

/// What every plugin of one runtime shares.
pub(crate) struct Shared {
    engine: Engine,
    linker: Linker<HostState>,
    cache: Option<CompileCache>,
    pub config: RuntimeConfig,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("config", &self.shared.config)
            .finish_non_exhaustive()
    }
}

impl Runtime {
    /// Creates the engine and starts its epoch ticker thread, which ends by itself once
    /// the runtime and all its plugins are dropped.
    pub fn new(config: RuntimeConfig) -> Result<Self, RuntimeError> {
        let engine = Engine::new(&engine_config(&config))
            .map_err(|e| RuntimeError::Engine(format!("{e:#}")))?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)
            .and_then(|()| {
                bindings::Plugin::add_to_linker::<_, HasSelf<HostState>>(&mut linker, |s| s)
            })
            .map_err(|e| RuntimeError::Engine(format!("{e:#}")))?;
        let cache =
            match &config.cache_dir {
                Some(dir) => Some(CompileCache::open(dir, &engine).map_err(|source| {
                    RuntimeError::CacheDir {
                        path: dir.clone(),
                        source,
                    }
                })?),
                None => None,
            };
        start_ticker(&engine, config.epoch_tick)?;
        Ok(Self {
            shared: Arc::new(Shared {
                engine,
                linker,
                cache,
                config,
            }),
        })
    }

    pub fn config(&self) -> &RuntimeConfig {
        &self.shared.config
    }

    /// [`Runtime::load_with`] default options: a fresh instance per call.
    pub async fn load(&self, component: &[u8]) -> Result<Arc<Plugin>, RuntimeError> {
        self.load_with(component, PluginOptions::default()).await
    }

    /// Checks that `component` is a component of the `eoex:plugin/plugin` world,
    /// compiles it (or takes it from the compile cache), asks it for its manifest and
    /// checks that.
    pub async fn load_with(
        &self,
        component: &[u8],
        options: PluginOptions,
    ) -> Result<Arc<Plugin>, RuntimeError> {
        if !Parser::is_component(component) {
            return Err(if Parser::is_core_wasm(component) {
                RuntimeError::NotAComponent
            } else {
                RuntimeError::NotWasm
            });
        }
        let started = Instant::now();
        let digest = hex::encode(Sha256::digest(component));
        let (compiled, cached) = self.compile(component, &digest).await?;
        let wrong_world = |e: wasmtime::Error| RuntimeError::WrongWorld(format!("{e:#}"));
        let instance_pre = self
            .shared
            .linker
            .instantiate_pre(&compiled)
            .map_err(wrong_world)?;
        let pre = bindings::PluginPre::new(instance_pre).map_err(wrong_world)?;
        let plugin = Plugin::load(
            self.shared.clone(),
            pre,
            digest,
            component.len(),
            cached,
            options,
        )
        .await?;
        let manifest = plugin.manifest();
        tracing::info!(
            plugin = %manifest.name,
            version = %manifest.version,
            digest = %&plugin.digest()[..12],
            cached,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "plugin loaded"
        );
        Ok(Arc::new(plugin))
    }

    /// Compilation is CPU-bound (tens of ms): keep it off the async workers.
    async fn compile(
        &self,
        component: &[u8],
        digest: &str,
    ) -> Result<(Component, bool), RuntimeError> {
        let shared = self.shared.clone();
        let component = component.to_vec();
        let digest = digest.to_owned();
        tokio::task::spawn_blocking(move || {
            let cache = shared.cache.as_ref();
            if let Some(compiled) = cache.and_then(|c| c.load(&shared.engine, &digest)) {
                return Ok((compiled, true));
            }
            let compiled = Component::new(&shared.engine, &component)
                .map_err(|e| RuntimeError::Invalid(format!("{e:#}")))?;
            if let Some(cache) = cache {
                cache.store(&digest, &compiled);
            }
            Ok((compiled, false))
        })
        .await
        .map_err(|e| RuntimeError::Internal(format!("compilation task: {e}")))?
    }
}

impl Shared {
    pub fn new_store(&self) -> Store<HostState> {
        let mut store = Store::new(&self.engine, HostState::new(self.config.memory_limit));
        store.limiter(|state| &mut state.limits);
        // Running guest code yields to the executor on every tick, so a busy plugin
        // cannot starve other requests on the same worker thread; past its deadline it
        // is interrupted. Tokio's own `yield_now` lets the timer and I/O driver run too,
        // which a plain self-wake would not.
        store.epoch_deadline_callback(|mut store| {
            let state = store.data_mut();
            if Instant::now() >= state.deadline {
                state.timed_out = true;
                Ok(UpdateDeadline::Interrupt)
            } else {
                Ok(UpdateDeadline::YieldCustom(
                    1,
                    Box::pin(tokio::task::yield_now()),
                ))
            }
        });
        store
    }

    /// Starts the clock for one call on `store`.
    pub fn arm(&self, store: &mut Store<HostState>) {
        let state = store.data_mut();
        state.deadline = Instant::now() + self.config.call_timeout;
        state.timed_out = false;
        state.limits.memory_exhausted = false;
        store.set_epoch_deadline(1);
    }

    /// Names what went wrong in a failed call on `store`. `stderr` is what the guest
    /// wrote there during the call (a Rust panic message, typically).
    pub fn classify(
        &self,
        store: &Store<HostState>,
        error: wasmtime::Error,
        stderr: Option<String>,
    ) -> CallError {
        let state = store.data();
        if state.timed_out || matches!(error.downcast_ref::<Trap>(), Some(Trap::Interrupt)) {
            CallError::Timeout(self.config.call_timeout)
        } else if state.limits.memory_exhausted {
            CallError::MemoryExhausted
        } else if error.is::<PoolConcurrencyLimitError>() {
            CallError::Busy
        } else if let Some(bug) = error.downcast_ref::<NoServices>() {
            CallError::Internal(bug.to_string())
        } else {
            // What happened first, then what the guest said (a Rust panic message), then
            // where.
            let mut message = match error.downcast_ref::<Trap>() {
                Some(trap) => trap.to_string(),
                None => error.root_cause().to_string(),
            };
            for detail in [
                stderr,
                error.downcast_ref::<WasmBacktrace>().map(|b| b.to_string()),
            ]
            .into_iter()
            .flatten()
            {
                message.push('\n');
                message.push_str(&detail);
            }
            CallError::Trap { message }
        }
    }
}

fn engine_config(config: &RuntimeConfig) -> Config {
    let slots = config.max_instances;
    let mut pool = PoolingAllocationConfig::new();
    pool.total_component_instances(slots)
        // A Rust component is a few core instances (the program and its shims) and as
        // many tables; one linear memory and one async stack per instance.
        .total_core_instances(slots.saturating_mul(4))
        .total_tables(slots.saturating_mul(4))
        .total_memories(slots)
        .total_stacks(slots)
        .max_memory_size(config.memory_limit);
    let mut wasm = Config::new();
    wasm.epoch_interruption(true)
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    wasm
}

fn start_ticker(engine: &Engine, tick: Duration) -> Result<(), RuntimeError> {
    let engine = engine.weak();
    std::thread::Builder::new()
        .name("eoex-epoch".into())
        .spawn(move || {
            loop {
                std::thread::sleep(tick);
                match engine.upgrade() {
                    Some(engine) => engine.increment_epoch(),
                    None => break,
                }
            }
        })
        .map(drop)
        .map_err(|e| RuntimeError::Engine(format!("epoch ticker thread: {e}")))
}
