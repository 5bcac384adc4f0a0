use std::time::Duration;

use eoex_abi::ManifestError;

/// Why a component could not be loaded as a plugin.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error("the wasmtime engine could not be created: {0}")]
    Engine(String),
    #[error("compile cache directory {path}: {source}")]
    CacheDir {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("not a WebAssembly component")]
    NotWasm,
    #[error(
        "a core WebAssembly module, not a component: build the plugin for wasm32-wasip2 with eoex-sdk"
    )]
    NotAComponent,
    #[error("invalid component: {0}")]
    Invalid(String),
    #[error("the component does not implement the eoex:plugin/plugin world: {0}")]
    WrongWorld(String),
    #[error("the plugin failed to describe itself: {0}")]
    ManifestCall(CallError),
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error("the plugin requires host API {required}, this host implements {provided}")]
    HostApiUnsupported {
        required: String,
        provided: semver::Version,
    },
    #[error("internal runtime error: {0}")]
    Internal(String),
}

/// Why a call into a plugin failed. The plugin's instance is discarded; the next call
/// gets a fresh one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// The call ran past its wall-clock limit and was interrupted.
    #[error("the plugin did not finish within {0:?}")]
    Timeout(Duration),
    /// The plugin needed more linear memory than its limit.
    #[error("the plugin exceeded its memory limit")]
    MemoryExhausted,
    /// The plugin crashed (panic, `unreachable`, invalid ABI values…).
    #[error("the plugin trapped: {message}")]
    Trap { message: String },
    /// A lifecycle hook or event handler returned an error of its own
    /// (`result::err`); `handle-http` reports its failures as HTTP statuses instead.
    #[error("the plugin refused: {0}")]
    Refused(String),
    /// Every instance slot is in use; try again later.
    #[error("no plugin instance slot is free")]
    Busy,
    /// The runtime itself failed; details are in the log.
    #[error("internal runtime error: {0}")]
    Internal(String),
}
