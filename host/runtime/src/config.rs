//! What an embedder tunes: engine-wide limits ([`RuntimeConfig`]) and per-plugin
//! instance reuse ([`PluginOptions`]).

use std::path::PathBuf;
use std::time::Duration;

/// Engine-wide settings, fixed when the [`Runtime`](crate::Runtime) is created.
#[derive(Debug, Clone)]
pub struct RuntimeConfig {
    /// Where compiled plugins are kept across restarts; `None` compiles on every load.
    pub cache_dir: Option<PathBuf>,
    /// Instances alive at once across all plugins (running, or idle for reuse): the
    /// pooling allocator's slots. A call finding none free fails with
    /// [`CallError::Busy`](crate::CallError::Busy). The default, 256 slots of 64 MiB,
    /// bounds guest memory at 16 GiB on a 24 GiB machine.
    pub max_instances: u32,
    /// Linear memory one instance may use, in bytes (default 64 MiB).
    pub memory_limit: usize,
    /// Wall-clock time one call may take (default 5 s).
    pub call_timeout: Duration,
    /// How often the engine's one ticker thread advances the epoch (default 10 ms): the
    /// granularity of `call_timeout`, and how often running guest code yields to other
    /// tasks.
    pub epoch_tick: Duration,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        Self {
            cache_dir: None,
            max_instances: 256,
            memory_limit: 64 << 20,
            call_timeout: Duration::from_secs(5),
            epoch_tick: Duration::from_millis(10),
        }
    }
}

/// How one plugin is run.
#[derive(Debug, Clone, Copy, Default)]
pub struct PluginOptions {
    /// `None` (the default): a fresh instance per call, so nothing survives between
    /// calls. `Some`: instances are kept for further calls of the same tenant.
    pub reuse: Option<ReusePolicy>,
}

/// Instance reuse: roughly 4x cheaper calls, at the price of guest state (globals,
/// heap) surviving between calls of one tenant. An instance is never shared across
/// tenants or plugin versions, and never reused after a failed call.
#[derive(Debug, Clone, Copy)]
pub struct ReusePolicy {
    /// Calls an instance serves before it is dropped.
    pub max_requests: u32,
    /// Idle instances kept for this plugin, across tenants; the least recently used
    /// goes first.
    pub max_idle: usize,
}

impl Default for ReusePolicy {
    fn default() -> Self {
        Self {
            max_requests: 1000,
            max_idle: 4,
        }
    }
}
