//! Modules: the catalog, the tenant's enablement and versions, and the dispatch of
//! `/api/v1/{module}/…` to the version the caller's tenant runs.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use eoex_abi::{FORWARDED_HEADERS, HttpRequest};
use eoex_modules::{CallError, CallerInfo, ModuleError, RegistryError, RuntimeError};
use eoex_store::catalog::TenantModule;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{Json, Path, RawBody};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_modules))
        .routes(routes!(tenant_modules))
        .routes(routes!(configure_module))
        .routes(routes!(switch_feature))
}

/// The routes into modules; registered after every core route so those win.
pub fn dispatch_router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/api/v1/{module}", axum::routing::any(dispatch_root))
        .route("/api/v1/{module}/{*path}", axum::routing::any(dispatch))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FeatureView {
    feature_key: String,
    feature_name: String,
    description: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ComponentView {
    component_name: String,
    component_type: String,
    description: String,
    features: Vec<FeatureView>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ModuleView {
    module_name: String,
    /// The newest installed version.
    module_version: String,
    /// Every installed version, oldest first.
    versions: Vec<String>,
    description: String,
    category: String,
    components: Vec<ComponentView>,
    /// The entities of the newest version, as declared in its manifest.
    #[schema(value_type = Vec<Object>)]
    entities: Vec<eoex_abi::manifest::EntityDef>,
    /// The HTTP routes of the newest version, below `/api/v1/{module_name}`.
    #[schema(value_type = Vec<Object>)]
    routes: Vec<eoex_abi::manifest::RouteDef>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ModuleList {
    items: Vec<ModuleView>,
}

/// The installed modules with their versions, components and features.
#[utoipa::path(get, path = "/api/v1/modules", tag = "modules", security(("bearer" = [])),
    responses((status = 200, body = ModuleList), (status = 401, body = ErrorBody)))]
async fn list_modules(State(state): State<AppState>, _caller: Caller) -> Json<ModuleList> {
    let items = state
        .modules
        .modules()
        .into_iter()
        .filter_map(|module| {
            let newest = module.versions.last()?.manifest().clone();
            Some(ModuleView {
                module_name: module.name,
                module_version: newest.version.clone(),
                versions: module
                    .versions
                    .iter()
                    .map(|p| p.manifest().version.clone())
                    .collect(),
                description: newest.description,
                category: newest.category,
                components: newest
                    .components
                    .into_iter()
                    .map(|c| ComponentView {
                        component_name: c.name,
                        component_type: c.kind,
                        description: c.description,
                        features: c
                            .features
                            .into_iter()
                            .map(|f| FeatureView {
                                feature_key: f.key,
                                feature_name: f.name,
                                description: f.description,
                            })
                            .collect(),
                    })
                    .collect(),
                entities: newest.entities,
                routes: newest.routes,
            })
        })
        .collect();
    Json(ModuleList { items })
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TenantFeatureView {
    feature_key: String,
    enabled: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TenantModuleView {
    module_name: String,
    is_enabled: bool,
    /// The semver requirement the tenant follows (`*`, `^1.2`, `=1.3.0`…).
    version_requirement: String,
    /// The version the tenant runs.
    active_version: Option<String>,
    activated_at: Option<chrono::DateTime<chrono::Utc>>,
    deactivated_at: Option<chrono::DateTime<chrono::Utc>>,
    features: Vec<TenantFeatureView>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TenantModuleList {
    items: Vec<TenantModuleView>,
}

/// `disabled` is the tenant's switched-off feature keys, read once per request.
fn tenant_module_view(
    state: &AppState,
    disabled: &[String],
    module: TenantModule,
) -> TenantModuleView {
    let features = state
        .modules
        .manifest(&module.module_name)
        .map(|m| {
            m.components
                .iter()
                .flat_map(|c| &c.features)
                .map(|f| TenantFeatureView {
                    enabled: !disabled.contains(&f.key),
                    feature_key: f.key.clone(),
                })
                .collect()
        })
        .unwrap_or_default();
    TenantModuleView {
        module_name: module.module_name,
        is_enabled: module.is_enabled,
        version_requirement: module.version_requirement,
        active_version: module.active_version,
        activated_at: module.activated_at,
        deactivated_at: module.deactivated_at,
        features,
    }
}

/// The caller's tenant's state of every installed module.
#[utoipa::path(get, path = "/api/v1/tenant/modules", tag = "modules", security(("bearer" = [])),
    responses((status = 200, body = TenantModuleList), (status = 401, body = ErrorBody)))]
async fn tenant_modules(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<TenantModuleList>> {
    let tenant = caller.tenant_id();
    let disabled = state.db.disabled_features(tenant).await?;
    let mut items = Vec::new();
    for module in state
        .modules
        .tenant_modules(tenant)
        .await
        .map_err(module_error)?
    {
        if state.modules.is_installed(&module.module_name) {
            items.push(tenant_module_view(&state, &disabled, module));
        }
    }
    Ok(Json(TenantModuleList { items }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfigureModule {
    enabled: bool,
    /// A semver requirement (`^1.2`, `~1.3`, `=1.3.0`, `*`); default: keep the
    /// current one (`*` at first).
    version: Option<String>,
    /// Permissions the new version asks for that the current one did not have, as
    /// `module.entity:read|write`, approved by this request.
    #[serde(default)]
    approve_permissions: Vec<String>,
}

/// Enable or disable a module for the caller's tenant, at a version (owner or admin).
#[utoipa::path(put, path = "/api/v1/tenant/modules/{name}", tag = "modules", security(("bearer" = [])),
    params(("name" = String, Path, description = "Module name")), request_body = ConfigureModule,
    responses((status = 200, body = TenantModuleView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "The plugin's install or upgrade hook refused", body = ErrorBody),
        (status = 422, description = "No installed version satisfies the requirement", body = ErrorBody)))]
#[axum::debug_handler]
async fn configure_module(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
    Json(req): Json<ConfigureModule>,
) -> ApiResult<Json<TenantModuleView>> {
    caller.require_admin()?;
    let info = caller_info(&caller);
    let module = state
        .modules
        .configure(
            &info,
            &name,
            req.enabled,
            req.version.as_deref().map(str::trim),
            &req.approve_permissions,
        )
        .await
        .map_err(module_error)?;
    let disabled = state.db.disabled_features(caller.tenant_id()).await?;
    Ok(Json(tenant_module_view(&state, &disabled, module)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SwitchFeature {
    enabled: bool,
}

/// Switch one feature of a module on or off for the caller's tenant (owner or admin).
#[utoipa::path(put, path = "/api/v1/tenant/modules/{name}/features/{feature_key}", tag = "modules", security(("bearer" = [])),
    params(("name" = String, Path), ("feature_key" = String, Path)), request_body = SwitchFeature,
    responses((status = 200, body = TenantFeatureView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn switch_feature(
    State(state): State<AppState>,
    caller: Caller,
    Path((name, feature_key)): Path<(String, String)>,
    Json(req): Json<SwitchFeature>,
) -> ApiResult<Json<TenantFeatureView>> {
    caller.require_admin()?;
    let manifest = state
        .modules
        .manifest(&name)
        .ok_or_else(|| ApiError::not_found("module"))?;
    if !manifest
        .components
        .iter()
        .flat_map(|c| &c.features)
        .any(|f| f.key == feature_key)
    {
        return Err(ApiError::not_found("feature"));
    }
    if !state
        .db
        .set_tenant_feature(
            caller.tenant_id(),
            &feature_key,
            req.enabled,
            &caller.origin(),
        )
        .await?
    {
        return Err(ApiError::not_found("feature"));
    }
    Ok(Json(TenantFeatureView {
        feature_key,
        enabled: req.enabled,
    }))
}

fn caller_info(caller: &Caller) -> CallerInfo {
    CallerInfo {
        tenant_id: caller.tenant_id(),
        user_id: Some(caller.user_id()),
        role: caller.role.as_str().to_owned(),
        request_id: String::new(),
        origin: caller.origin(),
    }
}

pub(crate) fn module_error(err: ModuleError) -> ApiError {
    match err {
        ModuleError::UnknownModule(name) => ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_module",
            format!("no module named {name:?} is installed"),
        ),
        ModuleError::NotEnabled(name) => ApiError::new(
            StatusCode::FORBIDDEN,
            "module_not_enabled",
            format!(
                "module {name:?} is not enabled for this tenant; an owner or admin can enable it with PUT /api/v1/tenant/modules/{name}"
            ),
        ),
        e @ (ModuleError::NoMatchingVersion { .. } | ModuleError::InvalidRequirement(_)) => {
            ApiError::validation("version", e)
        }
        ModuleError::ReadOnly => ApiError::forbidden("the readonly role cannot make changes"),
        e @ ModuleError::ApprovalRequired { .. } => {
            ApiError::conflict("permission_approval_required", e.to_string())
        }
        e @ ModuleError::HookRefused { .. } => ApiError::conflict("hook_refused", e.to_string()),
        ModuleError::Plugin { module, error } => match error {
            CallError::Timeout(limit) => ApiError::new(
                StatusCode::GATEWAY_TIMEOUT,
                "plugin_timeout",
                format!(
                    "module {module} did not answer within {} ms",
                    limit.as_millis()
                ),
            ),
            CallError::MemoryExhausted => ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "plugin_memory_exceeded",
                format!("module {module} exceeded its memory limit"),
            ),
            CallError::Trap { .. } => ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "plugin_failed",
                format!("module {module} failed"),
            ),
            CallError::Busy => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "plugin_busy",
                "too many requests in flight; retry shortly",
            ),
            CallError::Refused(message) => ApiError::conflict("plugin_refused", message),
            CallError::Internal(detail) => ApiError::internal(detail),
        },
        ModuleError::Registry(e) => registry_error(e),
        ModuleError::Store(e) => e.into(),
        ModuleError::Load(e) => load_error(e),
    }
}

/// A component the runtime would not load: the uploader's fault, except runtime failures.
pub(crate) fn load_error(err: RuntimeError) -> ApiError {
    match err {
        e @ (RuntimeError::NotWasm | RuntimeError::NotAComponent) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "not_a_component",
            e.to_string(),
        ),
        e @ RuntimeError::Invalid(_) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_component",
            e.to_string(),
        ),
        e @ RuntimeError::WrongWorld(_) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "wrong_world",
            e.to_string(),
        ),
        e @ (RuntimeError::Manifest(_) | RuntimeError::ManifestCall(_)) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_manifest",
            e.to_string(),
        ),
        e @ RuntimeError::HostApiUnsupported { .. } => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "host_api_unsupported",
            e.to_string(),
        ),
        e => ApiError::internal(e),
    }
}

pub(crate) fn registry_error(err: RegistryError) -> ApiError {
    match err {
        e @ (RegistryError::Unsigned
        | RegistryError::UntrustedKey { .. }
        | RegistryError::BadSignature) => {
            ApiError::new(StatusCode::FORBIDDEN, "untrusted_package", e.to_string())
        }
        e @ RegistryError::InvalidSignature(_) => {
            ApiError::new(StatusCode::BAD_REQUEST, "invalid_signature", e.to_string())
        }
        e @ (RegistryError::InvalidManifest(_) | RegistryError::HostApiUnsupported { .. }) => {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_manifest",
                e.to_string(),
            )
        }
        e @ RegistryError::VersionExists { .. } => {
            ApiError::conflict("version_exists", e.to_string())
        }
        e @ (RegistryError::UnknownPackage(_) | RegistryError::UnknownVersion { .. }) => {
            ApiError::new(StatusCode::NOT_FOUND, "not_found", e.to_string())
        }
        e
        @ (RegistryError::NoMatchingVersion { .. } | RegistryError::InvalidRequirement { .. }) => {
            ApiError::validation("version", e)
        }
        e => ApiError::internal(e),
    }
}

/// Headers a plugin may set on its responses.
const RESPONSE_HEADERS: &[&str] = &[
    eoex_modules::MODULE_VERSION_HEADER,
    "content-type",
    "content-disposition",
    "cache-control",
    "etag",
    "last-modified",
    "location",
    "link",
    "x-total-count",
];

async fn dispatch_root(
    state: State<AppState>,
    caller: Result<Caller, ApiError>,
    Path(module): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: RawBody,
) -> ApiResult<Response> {
    forward(
        state,
        caller,
        module,
        String::new(),
        method,
        uri,
        headers,
        body,
    )
    .await
}

async fn dispatch(
    state: State<AppState>,
    caller: Result<Caller, ApiError>,
    Path((module, path)): Path<(String, String)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: RawBody,
) -> ApiResult<Response> {
    forward(state, caller, module, path, method, uri, headers, body).await
}

#[allow(clippy::too_many_arguments)]
async fn forward(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    module: String,
    path: String,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> ApiResult<Response> {
    // An unknown path is a 404 whether or not the client authenticated.
    if !state.modules.is_installed(&module) {
        return Err(module_error(ModuleError::UnknownModule(module)));
    }
    let caller = caller?;
    let query = uri.query().map(url_pairs).unwrap_or_default();
    let forwarded = FORWARDED_HEADERS
        .iter()
        .filter_map(|name| {
            headers
                .get(*name)
                .and_then(|v| v.to_str().ok())
                .map(|v| ((*name).to_owned(), v.to_owned()))
        })
        .collect();
    let request_id = headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let request = HttpRequest {
        method: method.to_string(),
        path: format!("/{path}"),
        query,
        headers: forwarded,
        body: body.to_vec(),
    };
    let info = CallerInfo {
        request_id,
        ..caller_info(&caller)
    };
    let response = state
        .modules
        .handle_http(&info, &module, request)
        .await
        .map_err(module_error)?;
    let status = StatusCode::from_u16(response.status)
        .ok()
        .filter(|s| !s.is_informational())
        .ok_or_else(|| {
            ApiError::internal(format!(
                "module {module} answered with status {}",
                response.status
            ))
        })?;
    let mut out = (status, Bytes::from(response.body)).into_response();
    for (name, value) in response.headers {
        let name = name.to_ascii_lowercase();
        if RESPONSE_HEADERS.contains(&name.as_str())
            && let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(&value),
            )
        {
            out.headers_mut().insert(name, value);
        }
    }
    Ok(out)
}

/// Decodes `a=1&b=x%20y` into pairs.
fn url_pairs(query: &str) -> Vec<(String, String)> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(query).unwrap_or_default()
}
