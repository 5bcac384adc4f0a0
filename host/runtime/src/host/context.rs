//! `eoex:host/context`.

use crate::bindings::eoex::host::context::{Host, RequestContext};
use crate::convert;
use crate::host::HostState;

impl Host for HostState {
    fn current(&mut self) -> wasmtime::Result<RequestContext> {
        Ok(convert::context(
            self.services("context.current")?.context(),
        ))
    }
}
