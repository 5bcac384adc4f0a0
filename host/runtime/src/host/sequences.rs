//! `eoex:host/sequences`.

use crate::bindings::eoex::host::sequences::Host;
use crate::bindings::eoex::host::types::Error;
use crate::convert;
use crate::host::HostState;

impl Host for HostState {
    async fn next(&mut self, name: String) -> wasmtime::Result<Result<u64, Error>> {
        let services = self.services("sequences.next")?;
        Ok(services.next_sequence(&name).await.map_err(convert::error))
    }
}
