//! `/api/v1/registry`: publishing packages (operator), browsing and yanking them.

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use eoex_modules::{PackageRecord, Signature};
use serde::Serialize;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use super::modules::{module_error, registry_error};
use crate::auth::{Caller, Operator};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{Json, Path, RawBody};
use crate::state::AppState;

/// Components are larger than ordinary request bodies.
const MAX_PACKAGE_BYTES: usize = 32 << 20;
/// `ed25519:<public key hex>:<signature hex>` over the component (see eoex-registry).
pub const SIGNATURE_HEADER: &str = "x-eoex-signature";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(publish, list_packages).layer(DefaultBodyLimit::max(MAX_PACKAGE_BYTES)))
        .routes(routes!(package_versions))
        .routes(routes!(package, yank))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PackageView {
    name: String,
    version: String,
    /// sha256 of the component, hex.
    digest: String,
    host_api: String,
    size: i64,
    /// `ed25519:<hex>` of the publisher, absent for packages accepted in development mode.
    publisher_key: Option<String>,
    published_at: chrono::DateTime<chrono::Utc>,
    yanked: bool,
    #[schema(value_type = Object)]
    manifest: eoex_abi::Manifest,
}

impl From<PackageRecord> for PackageView {
    fn from(r: PackageRecord) -> Self {
        PackageView {
            name: r.package_name,
            version: r.version,
            digest: r.digest,
            host_api: r.host_api,
            size: r.size,
            publisher_key: r.publisher_key.map(|k| format!("ed25519:{k}")),
            published_at: r.published_at,
            yanked: r.yanked,
            manifest: r.manifest.0,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PackageList {
    items: Vec<PackageView>,
}

/// Publish a component (operator). The body is the component (`application/wasm`); the
/// publisher's signature goes in `x-eoex-signature`. Tenants whose version requirement
/// the new version satisfies move to it on their next request.
#[utoipa::path(post, path = "/api/v1/registry/packages", tag = "registry", security(("bearer" = [])),
    request_body(content = Vec<u8>, content_type = "application/wasm"),
    params(("x-eoex-signature" = Option<String>, Header, description = "ed25519:<public key hex>:<signature hex>")),
    responses(
        (status = 201, description = "Published", body = PackageView),
        (status = 200, description = "The same bytes were already published: nothing changed", body = PackageView),
        (status = 403, description = "Unsigned, or signed by an untrusted key, or the bytes changed after signing", body = ErrorBody),
        (status = 409, description = "This version exists with other bytes", body = ErrorBody),
        (status = 422, description = "Not a component, the wrong world, or an invalid manifest", body = ErrorBody),
    ))]
async fn publish(
    State(state): State<AppState>,
    _: Operator,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> ApiResult<(StatusCode, Json<PackageView>)> {
    if body.is_empty() {
        return Err(ApiError::bad_request(
            "empty_body",
            "the request body must be the component",
        ));
    }
    let signature = match headers.get(SIGNATURE_HEADER) {
        Some(value) => {
            let text = value.to_str().map_err(|_| {
                ApiError::bad_request("invalid_signature", "the signature header is not text")
            })?;
            Some(
                text.parse::<Signature>()
                    .map_err(|e| registry_error(e.into()))?,
            )
        }
        None => None,
    };
    let published = state
        .modules
        .publish(&body, signature.as_ref())
        .await
        .map_err(module_error)?;
    let status = if published.new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(published.record.into())))
}

/// Every version of every package.
#[utoipa::path(get, path = "/api/v1/registry/packages", tag = "registry", security(("bearer" = [])),
    responses((status = 200, body = PackageList), (status = 401, body = ErrorBody)))]
async fn list_packages(State(state): State<AppState>, _: Caller) -> ApiResult<Json<PackageList>> {
    let items = state
        .modules
        .registry()
        .list()
        .await
        .map_err(registry_error)?;
    Ok(Json(PackageList {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

/// The versions of one package, oldest first.
#[utoipa::path(get, path = "/api/v1/registry/packages/{name}", tag = "registry", security(("bearer" = [])),
    params(("name" = String, Path)),
    responses((status = 200, body = PackageList), (status = 404, body = ErrorBody)))]
async fn package_versions(
    State(state): State<AppState>,
    _: Caller,
    Path(name): Path<String>,
) -> ApiResult<Json<PackageList>> {
    let items = state
        .modules
        .registry()
        .versions(&name)
        .await
        .map_err(registry_error)?;
    Ok(Json(PackageList {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

/// One version: manifest, digest, size.
#[utoipa::path(get, path = "/api/v1/registry/packages/{name}/{version}", tag = "registry", security(("bearer" = [])),
    params(("name" = String, Path), ("version" = String, Path)),
    responses((status = 200, body = PackageView), (status = 404, body = ErrorBody)))]
async fn package(
    State(state): State<AppState>,
    _: Caller,
    Path((name, version)): Path<(String, String)>,
) -> ApiResult<Json<PackageView>> {
    let record = state
        .modules
        .registry()
        .get(&name, &version)
        .await
        .map_err(registry_error)?;
    Ok(Json(record.into()))
}

/// Yank a version (operator): no requirement resolves to it any more; tenants running it
/// keep it until they move.
#[utoipa::path(delete, path = "/api/v1/registry/packages/{name}/{version}", tag = "registry", security(("bearer" = [])),
    params(("name" = String, Path), ("version" = String, Path)),
    responses((status = 200, body = PackageView), (status = 404, body = ErrorBody)))]
async fn yank(
    State(state): State<AppState>,
    _: Operator,
    Path((name, version)): Path<(String, String)>,
) -> ApiResult<Json<PackageView>> {
    state
        .modules
        .yank(&name, &version)
        .await
        .map_err(module_error)?;
    let record = state
        .modules
        .registry()
        .get(&name, &version)
        .await
        .map_err(registry_error)?;
    Ok(Json(record.into()))
}
