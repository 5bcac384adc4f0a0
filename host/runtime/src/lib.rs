//! The plugin runtime: runs EOEX plugins (WebAssembly components of the
//! `eoex:plugin/plugin` world in `wit/`) under wasmtime. The only crate that names
//! wasmtime; its callers see [`eoex_abi`] types only.
//!
//! - [`Runtime`]: one engine per process: pooling allocator, a single epoch ticker
//!   thread, per-call memory and time limits, and a compile cache on disk.
//! - [`Plugin`]: one loaded version of a module. Each call takes the caller's
//!   [`HostServices`](eoex_abi::HostServices) (one tenant, one transaction) and gives it
//!   back with the outcome, so the caller commits or rolls back.
//!
//! Architecture invariant: a plugin call never shares an instance across tenants or
//! versions, and a failed call never leaves an instance behind.

mod bindings;
mod cache;
mod config;
mod convert;
mod error;
mod host;
mod output;
mod plugin;
mod runtime;

pub use config::{PluginOptions, ReusePolicy, RuntimeConfig};
pub use error::{CallError, RuntimeError};
pub use plugin::{CallResult, Plugin};
pub use runtime::Runtime;
