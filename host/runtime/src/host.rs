//! The data of every `Store`: the call's [`HostServices`], WASI's context (nothing
//! granted), the limits and the deadline. The `eoex:host` imports are implemented on it,
//! one file per WIT interface under `host/`, each forwarding to the services.

mod context;
mod events;
mod log;
mod sequences;
mod store;
mod users;

use std::time::Instant;

use eoex_abi::HostServices;
use wasmtime::{ResourceLimiter, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::{ResourceTable, WasiCtx, WasiCtxView, WasiView};

use crate::bindings::eoex::host::types;
use crate::output::GuestOutput;

/// A host import was called when the runtime had no services in the store: a runtime
/// bug, never the plugin's doing (it becomes [`CallError::Internal`](crate::CallError)).
#[derive(Debug, thiserror::Error)]
#[error("host import `{0}` called outside a request")]
pub(crate) struct NoServices(pub &'static str);

pub(crate) struct HostState {
    /// Present during calls; taken back after each so the caller can commit or roll back.
    pub services: Option<Box<dyn HostServices>>,
    pub limits: Limits,
    /// When the current call must have finished (checked on each epoch tick).
    pub deadline: Instant,
    pub timed_out: bool,
    pub stdout: GuestOutput,
    pub stderr: GuestOutput,
    wasi: WasiCtx,
    table: ResourceTable,
}

impl HostState {
    pub fn new(memory_limit: usize) -> Self {
        let stdout = GuestOutput::default();
        let stderr = GuestOutput::default();
        // No env, args, preopened directories or network: WASI is linked only because
        // Rust's std imports it.
        let wasi = WasiCtx::builder()
            .stdout(stdout.clone())
            .stderr(stderr.clone())
            .build();
        Self {
            services: None,
            limits: Limits::new(memory_limit),
            deadline: Instant::now(),
            timed_out: false,
            stdout,
            stderr,
            wasi,
            table: ResourceTable::new(),
        }
    }

    fn services(&mut self, import: &'static str) -> wasmtime::Result<&mut dyn HostServices> {
        match self.services.as_deref_mut() {
            Some(services) => Ok(services),
            None => Err(NoServices(import).into()),
        }
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl types::Host for HostState {}

/// [`StoreLimits`] that also remember whether a memory growth was refused, so a call
/// that then fails is reported as [`CallError::MemoryExhausted`](crate::CallError)
/// whatever the guest did next (Rust guests abort on allocation failure).
pub(crate) struct Limits {
    inner: StoreLimits,
    pub memory_exhausted: bool,
}

impl Limits {
    fn new(memory_limit: usize) -> Self {
        Self {
            inner: StoreLimitsBuilder::new()
                .memory_size(memory_limit)
                .instances(32)
                .tables(32)
                .memories(4)
                .trap_on_grow_failure(true)
                .build(),
            memory_exhausted: false,
        }
    }
}

impl ResourceLimiter for Limits {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let allowed = self.inner.memory_growing(current, desired, maximum);
        if !matches!(allowed, Ok(true)) {
            self.memory_exhausted = true;
        }
        allowed
    }

    fn memory_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        self.memory_exhausted = true;
        self.inner.memory_grow_failed(error)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.inner.table_growing(current, desired, maximum)
    }

    fn table_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        self.inner.table_grow_failed(error)
    }

    fn instances(&self) -> usize {
        self.inner.instances()
    }

    fn tables(&self) -> usize {
        self.inner.tables()
    }

    fn memories(&self) -> usize {
        self.inner.memories()
    }
}
