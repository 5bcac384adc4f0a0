//! `/api/v1/tenant` and `/api/v1/audit-logs`: the caller's own tenant.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::views::{Paginated, TenantView, page_request};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{Json, Query};
use crate::state::AppState;
use crate::validate;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_tenant, update_tenant))
        .routes(routes!(audit_logs))
}

/// The caller's tenant.
#[utoipa::path(get, path = "/api/v1/tenant", tag = "tenant", security(("bearer" = [])),
    responses((status = 200, body = TenantView), (status = 401, body = ErrorBody)))]
async fn get_tenant(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<TenantView>> {
    Ok(Json(state.db.tenant(caller.tenant_id()).await?.into()))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTenantRequest {
    tenant_name: Option<String>,
    tenant_domain: Option<String>,
    /// Replaces the tenant's metadata object.
    metadata: Option<serde_json::Map<String, serde_json::Value>>,
}

/// Change the caller's tenant (owner or admin).
#[utoipa::path(patch, path = "/api/v1/tenant", tag = "tenant", security(("bearer" = [])), request_body = UpdateTenantRequest,
    responses((status = 200, body = TenantView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_tenant(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<UpdateTenantRequest>,
) -> ApiResult<Json<TenantView>> {
    caller.require_admin()?;
    let name = req
        .tenant_name
        .as_deref()
        .map(|n| validate::required_text("tenant_name", n, 255))
        .transpose()?;
    let domain = req
        .tenant_domain
        .as_deref()
        .map(|d| validate::domain("tenant_domain", d))
        .transpose()?;
    let tenant = state
        .db
        .update_tenant(caller.tenant_id(), &caller.origin(), |tenant| {
            if let Some(name) = name {
                tenant.tenant_name = name;
            }
            if let Some(domain) = domain {
                tenant.tenant_domain = domain;
            }
            if let Some(metadata) = req.metadata {
                tenant.metadata = eoex_store::Json(serde_json::Value::Object(metadata));
            }
            Ok::<_, ApiError>(())
        })
        .await?;
    Ok(Json(tenant.into()))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditLogView {
    audit_id: Uuid,
    user_id: Option<Uuid>,
    action: String,
    entity_type: String,
    entity_id: Option<Uuid>,
    old_values: Option<serde_json::Value>,
    new_values: Option<serde_json::Value>,
    ip_address: Option<String>,
    user_agent: Option<String>,
    created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct AuditParams {
    /// Page number, from 1 (default 1).
    page: Option<u32>,
    /// Page size, 1–200 (default 50).
    limit: Option<u32>,
    /// Only entries with this action, e.g. `user.update`.
    action: Option<String>,
}

/// The tenant's audit trail, newest first (owner or admin).
#[utoipa::path(get, path = "/api/v1/audit-logs", tag = "tenant", security(("bearer" = [])), params(AuditParams),
    responses((status = 200, body = Paginated<AuditLogView>), (status = 403, body = ErrorBody)))]
async fn audit_logs(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<AuditParams>,
) -> ApiResult<Json<Paginated<AuditLogView>>> {
    caller.require_admin()?;
    let page = page_request(params.page, params.limit)?;
    let action = validate::optional_text("action", params.action.as_deref(), 100)?;
    let trail = state
        .db
        .audit_trail(caller.tenant_id(), action.as_deref(), page)
        .await?;
    Ok(Json(Paginated::from_page(trail, page)))
}

impl From<eoex_store::audit::AuditRecord> for AuditLogView {
    fn from(r: eoex_store::audit::AuditRecord) -> Self {
        AuditLogView {
            audit_id: r.audit_id,
            user_id: r.user_id,
            action: r.action,
            entity_type: r.entity_type,
            entity_id: r.entity_id,
            old_values: r.old_values.map(|j| j.0),
            new_values: r.new_values.map(|j| j.0),
            ip_address: r.ip_address,
            user_agent: r.user_agent,
            created_at: r.created_at,
        }
    }
}
