//! The HTTP surface: every route, the OpenAPI document built from them, and the
//! middleware stack (request ids, tracing, panics, CORS, body limit).

mod api_docs;
mod auth;
#[cfg(feature = "bench-native")]
mod bench;
mod dashboard;
mod modules;
mod registry;
mod service;
mod system;
mod tenant;
mod ui;
mod users;
pub mod views;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, Method, Request, Response, header};
use axum::routing::get;
use serde::{Deserialize, Deserializer};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use tracing::Span;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

use crate::error;
use crate::state::AppState;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

#[derive(OpenApi)]
#[openapi(
    info(title = "EOEX API", description = "Multi-tenant business platform. Authenticate with `Authorization: Bearer <access_token>` from sign-up or login."),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Sign-up, login and sessions"),
        (name = "users", description = "Users of the caller's tenant"),
        (name = "tenant", description = "The caller's tenant and its audit log"),
        (name = "modules", description = "Installed modules, and the ones the caller's tenant enabled"),
        (name = "registry", description = "Plugin packages: publishing (operator), versions, yanking"),
        (name = "operator", description = "The host's operator (`EOEX_OPERATOR_TOKEN`), distinct from tenant roles"),
        (name = "service", description = "Health and self-description"),
        (name = "ui", description = "The web console's skins and themes, and each user's choice"),
        (name = "dashboard", description = "The tenant's activity across modules, day by day"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The OpenAPI document of every endpoint.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api_router().split_for_parts().1
}

fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(service::router())
        .merge(auth::router())
        .merge(users::router())
        .merge(tenant::router())
        .merge(modules::router())
        .merge(system::router())
        .merge(registry::router())
        .merge(ui::router())
        .merge(dashboard::router())
}

/// The whole application: routes, docs and middleware, ready to serve.
pub fn app(state: AppState) -> Result<Router, ApiConfigError> {
    let cors = cors_layer(&state.config.cors_origins)?;
    let body_limit = state.config.body_limit_bytes;
    let (router, openapi) = api_router().split_for_parts();
    let core_document = Arc::new(openapi);
    let router = router
        .route(
            "/openapi.json",
            get(move |State(state): State<AppState>| {
                let core = core_document.clone();
                async move { api_docs::serve(&state, &core) }
            }),
        )
        .merge(SwaggerUi::new("/docs").config(utoipa_swagger_ui::Config::new(["/openapi.json"])))
        .merge(modules::dispatch_router());
    #[cfg(feature = "bench-native")]
    let router = router.merge(bench::router());
    let router = router
        .fallback(console)
        .method_not_allowed_fallback(error::method_not_allowed)
        .with_state(state);

    let middleware = ServiceBuilder::new()
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request<_>| {
                    let request_id = request.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
                    tracing::info_span!("request", request_id, method = %request.method(), path = %request.uri().path())
                })
                .on_request(())
                .on_response(|response: &Response<_>, latency: Duration, _span: &Span| {
                    tracing::info!(status = response.status().as_u16(), latency_ms = latency.as_secs_f64() * 1e3, "served");
                }),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(CatchPanicLayer::custom(error::panic_response))
        .option_layer(cors)
        .layer(DefaultBodyLimit::max(body_limit));
    Ok(router.layer(middleware))
}

/// Everything that is no route: the web console (its files, and `index.html` for its
/// own client-side routes) for GET and HEAD outside `/api`; the JSON 404 otherwise, so
/// an unknown API path answers as it always did.
async fn console(method: Method, uri: axum::http::Uri) -> Response<axum::body::Body> {
    use axum::response::IntoResponse;
    let path = uri.path();
    let api = path == "/api" || path.starts_with("/api/");
    let asset = (method == Method::GET || method == Method::HEAD)
        .then(|| eoex_console::resolve(path))
        .flatten()
        .filter(|_| !api);
    let Some(asset) = asset else {
        return error::not_found().await.into_response();
    };
    let cache = if asset.immutable {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let html = asset.is_html();
    let mut response = (
        [
            (header::CONTENT_TYPE, asset.content_type),
            (header::CACHE_CONTROL, cache),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        asset.bytes,
    )
        .into_response();
    if html {
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONSOLE_CSP),
        );
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        );
    }
    response
}

/// The console loads nothing from elsewhere; inline styles are charts' and themes'.
const CONSOLE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

#[derive(Debug, thiserror::Error)]
#[error("invalid CORS origin {0:?}: expected e.g. https://app.example.com or *")]
pub struct ApiConfigError(String);

/// No layer at all (same-origin only) unless origins are configured; `*` allows any.
fn cors_layer(origins: &[String]) -> Result<Option<CorsLayer>, ApiConfigError> {
    if origins.is_empty() {
        return Ok(None);
    }
    let allow = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        let list = origins
            .iter()
            .map(|o| {
                HeaderValue::from_str(o.trim_end_matches('/'))
                    .map_err(|_| ApiConfigError(o.clone()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        AllowOrigin::list(list)
    };
    Ok(Some(
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods([
                Method::GET,
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
            ])
            .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
            .expose_headers([REQUEST_ID])
            .max_age(Duration::from_secs(3600)),
    ))
}

/// For PATCH bodies: absent → `None`, `null` → `Some(None)`, a value → `Some(Some(v))`.
pub(crate) fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}
