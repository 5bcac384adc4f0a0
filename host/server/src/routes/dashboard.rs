//! `/api/v1/dashboard/daily`: the caller's tenant's day-by-day activity across modules
//! (the seed's `mv_daily_metrics`), counted from the audit log by `eoex-store`.

use axum::extract::State;
use chrono::{TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{Json, Query};
use crate::state::AppState;

const DEFAULT_DAYS: u32 = 30;
const MAX_DAYS: u32 = 365;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(daily))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct DailyParams {
    /// How many days, today (UTC) included: 1–365, default 30.
    days: Option<u32>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DailyMetrics {
    /// The first and last day of the window (UTC dates).
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    days: u32,
    /// Every day of the window, oldest first; days without activity are zeros.
    items: Vec<DayView>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DayView {
    date: chrono::NaiveDate,
    /// ERP orders created that day.
    orders: i64,
    /// Support tickets opened that day.
    tickets: i64,
    /// CRM contacts created that day.
    new_leads: i64,
}

/// Orders, tickets and new leads per day of the caller's tenant (any role). Counted
/// from the audit log: what was created that day, including records since deleted.
#[utoipa::path(get, path = "/api/v1/dashboard/daily", tag = "dashboard", security(("bearer" = [])), params(DailyParams),
    responses((status = 200, body = DailyMetrics), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn daily(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<DailyParams>,
) -> ApiResult<Json<DailyMetrics>> {
    let days = params.days.unwrap_or(DEFAULT_DAYS);
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(ApiError::validation(
            "days",
            format!("must be from 1 to {MAX_DAYS}"),
        ));
    }
    let to = Utc::now().date_naive();
    let from = to - TimeDelta::days(i64::from(days) - 1);
    let items = state
        .db
        .daily_counts(caller.tenant_id(), from, to)
        .await?
        .into_iter()
        .map(|d| DayView {
            date: d.date,
            orders: d.orders,
            tickets: d.tickets,
            new_leads: d.new_leads,
        })
        .collect();
    Ok(Json(DailyMetrics {
        from,
        to,
        days,
        items,
    }))
}
