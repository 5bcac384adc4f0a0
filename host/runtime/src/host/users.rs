//! `eoex:host/users`.

use crate::bindings::eoex::host::types::Error;
use crate::bindings::eoex::host::users::{Host, User};
use crate::convert;
use crate::host::HostState;

impl Host for HostState {
    async fn get(&mut self, user_id: String) -> wasmtime::Result<Result<Option<User>, Error>> {
        let services = self.services("users.get")?;
        Ok(services
            .user(&user_id)
            .await
            .map(|user| user.map(convert::user))
            .map_err(convert::error))
    }
}
