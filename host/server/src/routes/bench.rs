//! A native twin of the CRM plugin's `GET /contacts/{contact_id}`, compiled in only
//! with the `bench-native` feature: the benchmark compares the plugin path with the
//! same authenticated, tenant-bound read done by Rust code in the host.

use axum::extract::State;
use eoex_store::entities::EntityRef;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::state::AppState;

pub fn router() -> axum::Router<AppState> {
    axum::Router::new().route(
        "/bench/native/crm/contacts/{contact_id}",
        axum::routing::get(contact),
    )
}

async fn contact(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    let tenant = caller.tenant_id();
    if !state
        .db
        .tenant_module(tenant, "crm")
        .await?
        .is_some_and(|m| m.is_enabled)
    {
        return Err(ApiError::forbidden("crm is not enabled"));
    }
    let manifest = state
        .modules
        .manifest("crm")
        .ok_or_else(|| ApiError::not_found("module"))?;
    let def = manifest
        .entity("contacts")
        .ok_or_else(|| ApiError::not_found("entity"))?;
    let mut tx = state
        .db
        .begin_plugin_tx(tenant, "crm", caller.origin(), false)
        .await?;
    let record = tx
        .get(EntityRef { module: "crm", def }, &id)
        .await
        .map_err(ApiError::internal)?;
    tx.commit().await?;
    record
        .map(Json)
        .ok_or_else(|| ApiError::not_found("contact"))
}
