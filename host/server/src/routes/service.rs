//! Service endpoints: health and the API's self-description.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::Json;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health))
        .routes(routes!(describe))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `healthy` or `unhealthy`.
    status: &'static str,
    /// `connected` or `disconnected`.
    database: &'static str,
    /// `sqlite` or `postgresql`.
    database_kind: &'static str,
    version: &'static str,
}

/// Liveness and database reachability (for load balancers and orchestrators).
#[utoipa::path(get, path = "/health", tag = "service",
    responses((status = 200, body = Health), (status = 503, description = "The database is unreachable", body = Health)))]
async fn health(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let connected = state.db.ping().await;
    let health = Health {
        status: if connected { "healthy" } else { "unhealthy" },
        database: if connected {
            "connected"
        } else {
            "disconnected"
        },
        database_kind: state.db.kind().as_str(),
        version: env!("CARGO_PKG_VERSION"),
    };
    let status = if connected {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(health))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ServiceDescription {
    name: &'static str,
    version: &'static str,
    description: &'static str,
    openapi: &'static str,
    docs: &'static str,
    health: &'static str,
    /// Where each part of the API lives.
    endpoints: serde_json::Value,
}

/// What this service is and where its parts live.
#[utoipa::path(get, path = "/api/v1", tag = "service", responses((status = 200, body = ServiceDescription)))]
async fn describe() -> Json<ServiceDescription> {
    Json(ServiceDescription {
        name: "EOEX",
        version: env!("CARGO_PKG_VERSION"),
        description: "Multi-tenant business platform whose modules are sandboxed, versioned WebAssembly components",
        openapi: "/openapi.json",
        docs: "/docs",
        health: "/health",
        endpoints: serde_json::json!({
            "auth": "/api/v1/auth",
            "users": "/api/v1/users",
            "tenant": "/api/v1/tenant",
            "audit_logs": "/api/v1/audit-logs",
        }),
    })
}
