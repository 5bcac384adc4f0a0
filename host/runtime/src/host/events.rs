//! `eoex:host/events`.

use crate::bindings::eoex::host::events::Host;
use crate::bindings::eoex::host::types::Error;
use crate::convert;
use crate::host::HostState;

impl Host for HostState {
    async fn publish(
        &mut self,
        topic: String,
        payload: String,
    ) -> wasmtime::Result<Result<(), Error>> {
        let services = self.services("events.publish")?;
        let result = match convert::json("payload", &payload) {
            Ok(payload) => services.publish(&topic, payload).await,
            Err(e) => Err(e),
        };
        Ok(result.map_err(convert::error))
    }
}
