//! Operator endpoints about the host itself.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Operator;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{Json, Query};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(system_logs))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SystemLogView {
    log_id: uuid::Uuid,
    log_level: String,
    module: Option<String>,
    message: String,
    details: Option<serde_json::Value>,
    created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SystemLogList {
    items: Vec<SystemLogView>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct SystemLogParams {
    /// At most this many entries, newest first (1–1000, default 100).
    limit: Option<u32>,
}

/// The host's warnings and errors (refused plugins, failed plugin calls…), newest first.
#[utoipa::path(get, path = "/api/v1/system/logs", tag = "operator", security(("bearer" = [])), params(SystemLogParams),
    responses((status = 200, body = SystemLogList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn system_logs(
    State(state): State<AppState>,
    _: Operator,
    Query(params): Query<SystemLogParams>,
) -> ApiResult<Json<SystemLogList>> {
    let limit = params.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::validation("limit", "must be between 1 and 1000"));
    }
    let items = state
        .db
        .system_logs(i64::from(limit))
        .await?
        .into_iter()
        .map(|l| SystemLogView {
            log_id: l.log_id,
            log_level: l.log_level,
            module: l.module,
            message: l.message,
            details: l.details.map(|d| d.0),
            created_at: l.created_at,
        })
        .collect();
    Ok(Json(SystemLogList { items }))
}
