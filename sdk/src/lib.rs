//! The SDK for EOEX business modules.
//!
//! A module is a WebAssembly component (`wasm32-wasip2`) that describes itself with a
//! [`Manifest`], answers HTTP requests below `/api/v1/<module>` with a [`Router`], keeps
//! its data in the host's record [`store`], and reacts to lifecycle hooks and events.
//! The smallest one:
//!
//! ```
//! use eoex_sdk::prelude::*;
//!
//! struct Hello;
//!
//! impl Plugin for Hello {
//!     fn manifest() -> Manifest {
//!         Manifest::new("hello", "1.0.0").description("Says hello")
//!     }
//!
//!     fn router() -> Router {
//!         Router::new().get("/hello", |_| Ok(Response::ok(&"hello")))
//!     }
//! }
//!
//! register_plugin!(Hello);
//! ```
//!
//! Everything the host does for a request (store, sequences, events) commits together
//! when the response status is below 400 and rolls back otherwise. A panic traps the
//! component; the host answers 500.
//!
//! On other targets than wasm the same API runs against an in-memory host, so handler
//! logic can be tested with `cargo test`: see [`testing`].

mod error;
mod http;
pub mod input;
pub mod list;
mod manifest;
mod router;
pub mod store;
pub mod validate;

#[cfg(target_family = "wasm")]
#[doc(hidden)]
pub mod wasm;
#[cfg(target_family = "wasm")]
use wasm as backend;

#[cfg(not(target_family = "wasm"))]
pub mod testing;
#[cfg(not(target_family = "wasm"))]
use testing::backend;

pub use error::{Error, HostError};
pub use http::{Context, Request, Response, context};
pub use list::{Listed, Listing};
pub use manifest::{
    Access, Component, Entity, Feature, Field, FieldKind, HOST_API, Index, Manifest, Permission,
    RouteDef,
};
pub use router::{Handler, Router};
pub use store::{Aggregation, Filter, Page, Query, Scalar};

/// What a plugin author writes most often: `use eoex_sdk::prelude::*;`.
pub mod prelude {
    pub use crate::list::{Listed, Listing};
    pub use crate::store::{self, Aggregation, Filter, Page, Query};
    pub use crate::{
        Access, Component, Context, Entity, Error, Field, HostError, Manifest, Plugin, Request,
        Response, Router, events, log, register_plugin, sequence, users,
    };
}

/// A module. Only [`manifest`](Plugin::manifest) and [`router`](Plugin::router) are
/// required; each hook succeeds doing nothing unless overridden. Every call runs in a
/// fresh instance: keep no state in statics, keep it in the [`store`].
pub trait Plugin {
    /// What the module is and declares. Its routes are taken from [`Plugin::router`].
    fn manifest() -> Manifest;

    fn router() -> Router;

    /// The module was enabled for the current tenant for the first time.
    fn on_install() -> Result<(), Error> {
        Ok(())
    }

    /// The current tenant moved to this version from `_from_version`.
    fn on_upgrade(_from_version: &str) -> Result<(), Error> {
        Ok(())
    }

    /// An event of a subscribed topic, published by a module of the same tenant.
    fn on_event(_topic: &str, _payload: serde_json::Value) -> Result<(), Error> {
        Ok(())
    }
}

/// The manifest `P` exports: [`Plugin::manifest`] with the routes of [`Plugin::router`].
pub fn describe<P: Plugin>() -> Manifest {
    P::manifest().with_routes(&P::router())
}

/// Exports a [`Plugin`] as the component's implementation of `eoex:plugin/guest`.
/// Use it once, in the crate root of a `cdylib`. On other targets it only checks
/// the type, so the crate also builds for native tests.
#[cfg(target_family = "wasm")]
#[macro_export]
macro_rules! register_plugin {
    ($plugin:ty) => {
        type __EoexExportedPlugin = $crate::wasm::Exported<$plugin>;
        $crate::wasm::bindings::__export_eoex_plugin!(__EoexExportedPlugin with_types_in $crate::wasm::bindings);
    };
}

/// Exports a [`Plugin`] as the component's implementation of `eoex:plugin/guest`.
/// Use it once, in the crate root of a `cdylib`. On other targets it only checks
/// the type, so the crate also builds for native tests.
#[cfg(not(target_family = "wasm"))]
#[macro_export]
macro_rules! register_plugin {
    ($plugin:ty) => {
        const _: fn() = || {
            fn exported<P: $crate::Plugin>() {}
            exported::<$plugin>();
        };
    };
}

/// Per-tenant counters, race-free and gap-free within committed requests.
pub mod sequence {
    use crate::HostError;

    /// The next value (from 1) of the module's sequence `name`, e.g. for invoice numbers.
    pub fn next(name: &str) -> Result<u64, HostError> {
        crate::backend::next_sequence(name)
    }
}

/// The tenant's users, so records can be assigned to and owned by people.
pub mod users {
    use serde::Serialize;

    use crate::HostError;

    #[derive(Debug, Clone, PartialEq, Eq, Serialize)]
    pub struct User {
        pub user_id: String,
        pub email: String,
        pub first_name: Option<String>,
        pub last_name: Option<String>,
        /// owner, admin, user or readonly.
        pub role: String,
        pub is_active: bool,
    }

    /// The user with this id in the current tenant; `None` for an unknown or malformed
    /// id and for a user of another tenant.
    pub fn get(user_id: &str) -> Result<Option<User>, HostError> {
        crate::backend::user(user_id)
    }

    /// Whether `user_id` names an active user of the current tenant: what a module
    /// checks before assigning a record to someone.
    pub fn is_active_member(user_id: &str) -> Result<bool, HostError> {
        Ok(get(user_id)?.is_some_and(|user| user.is_active))
    }
}

/// Events, delivered after the request commits to the subscribed modules of the same
/// tenant.
pub mod events {
    use serde::Serialize;

    use crate::HostError;

    /// `topic` must start with the module's name and a dot (`crm.contact.created`).
    pub fn publish(topic: &str, payload: &impl Serialize) -> Result<(), HostError> {
        let payload = serde_json::to_string(payload)
            .map_err(|e| HostError::Invalid(format!("payload: {e}")))?;
        crate::backend::publish(topic, &payload)
    }
}

/// Logging into the host's tracing; warnings and errors also reach the system log.
pub mod log {
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
    pub enum Level {
        Trace,
        Debug,
        Info,
        Warn,
        Error,
    }

    pub fn write(level: Level, message: &str) {
        crate::backend::log(level, message);
    }

    pub fn trace(message: &str) {
        write(Level::Trace, message);
    }

    pub fn debug(message: &str) {
        write(Level::Debug, message);
    }

    pub fn info(message: &str) {
        write(Level::Info, message);
    }

    pub fn warn(message: &str) {
        write(Level::Warn, message);
    }

    pub fn error(message: &str) {
        write(Level::Error, message);
    }
}
