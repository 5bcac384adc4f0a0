//! The host-side Rust model of the plugin ABI in `wit/`: what a plugin declares
//! ([`manifest`]), what it may ask of the host ([`services`]), and the HTTP exchange.
//! Shared by the runtime (which converts wasmtime's generated bindings to and from
//! these types), the store (which implements the record store over them) and the
//! server (which wires a request to both). It knows nothing of wasmtime, SQL or axum.

pub mod manifest;
pub mod services;

pub use manifest::{HOST_API_VERSION, Manifest, ManifestError};
pub use services::{HostError, HostServices, RequestContext, UserInfo};

/// A request as a plugin's `handle-http` sees it (path below the module prefix).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// The request headers passed to plugins; all others are withheld.
pub const FORWARDED_HEADERS: &[&str] = &[
    "content-type",
    "accept",
    "accept-language",
    "if-match",
    "if-none-match",
    "x-request-id",
];
