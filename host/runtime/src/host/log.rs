//! `eoex:host/log`.

use eoex_abi::services::LogLevel;

use crate::bindings::eoex::host::log::{Host, Level};
use crate::convert;
use crate::host::HostState;

impl Host for HostState {
    fn write(&mut self, level: Level, message: String) -> wasmtime::Result<()> {
        let level = convert::level(level);
        match self.services.as_deref_mut() {
            Some(services) => services.log(level, &message),
            // Outside a request (while describing itself) a plugin may still log.
            None => match level {
                LogLevel::Trace => tracing::trace!(target: "eoex::plugin", "{message}"),
                LogLevel::Debug => tracing::debug!(target: "eoex::plugin", "{message}"),
                LogLevel::Info => tracing::info!(target: "eoex::plugin", "{message}"),
                LogLevel::Warn => tracing::warn!(target: "eoex::plugin", "{message}"),
                LogLevel::Error => tracing::error!(target: "eoex::plugin", "{message}"),
            },
        }
        Ok(())
    }
}
