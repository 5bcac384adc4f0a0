//! `/api/v1/auth`: sign-up, login, token refresh, logout, and who am I.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use eoex_store::StoreError;
use eoex_store::sessions::{NewRefreshToken, Rotation};
use eoex_store::users::{NewUser, User};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::views::{TenantView, TokenPair, UserView};
use crate::auth::{Caller, Role, passwords, tokens};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{Client, Json};
use crate::state::AppState;
use crate::validate;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(signup))
        .routes(routes!(login))
        .routes(routes!(refresh))
        .routes(routes!(logout))
        .routes(routes!(me))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignupRequest {
    tenant_name: String,
    /// The tenant's domain, e.g. `acme.example`; unique across EOEX.
    tenant_domain: String,
    email: String,
    /// At least 10 characters.
    password: String,
    first_name: Option<String>,
    last_name: Option<String>,
}

/// Create a tenant and its first user, who becomes its owner.
#[utoipa::path(post, path = "/api/v1/auth/signup", tag = "auth", request_body = SignupRequest,
    responses(
        (status = 201, description = "Tenant and owner created; the owner is logged in", body = TokenPair),
        (status = 409, description = "E-mail, tenant name or domain already taken", body = ErrorBody),
        (status = 422, description = "A field is invalid", body = ErrorBody),
    ))]
async fn signup(
    State(state): State<AppState>,
    client: Client,
    Json(req): Json<SignupRequest>,
) -> ApiResult<(StatusCode, Json<TokenPair>)> {
    let tenant_name = validate::required_text("tenant_name", &req.tenant_name, 255)?;
    let tenant_domain = validate::domain("tenant_domain", &req.tenant_domain)?;
    let email = validate::email("email", &req.email)?;
    passwords::validate("password", &req.password)?;
    let owner = NewUser {
        username: email.clone(),
        email,
        password_hash: passwords::hash(req.password).await?,
        first_name: validate::optional_text("first_name", req.first_name.as_deref(), 100)?,
        last_name: validate::optional_text("last_name", req.last_name.as_deref(), 100)?,
        phone: None,
        role: Role::Owner.as_str().to_owned(),
    };
    let (_, user) = state
        .db
        .sign_up(&tenant_name, &tenant_domain, owner, &client.origin())
        .await?;
    let pair = start_session(&state, &user).await?;
    Ok((StatusCode::CREATED, Json(pair)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    email: String,
    password: String,
}

const BAD_CREDENTIALS: &str = "invalid e-mail or password";

/// Log in with e-mail and password.
///
/// Failed attempts are limited per account and per client address; past the limit the
/// answer is 429 with `Retry-After`.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = TokenPair),
        (status = 401, description = "Unknown e-mail, wrong password or inactive user (one message for all)", body = ErrorBody),
        (status = 429, description = "Too many failed attempts", body = ErrorBody),
    ))]
async fn login(
    State(state): State<AppState>,
    client: Client,
    Json(req): Json<LoginRequest>,
) -> ApiResult<Json<TokenPair>> {
    let email = req.email.trim().to_lowercase();
    let limits = state.config.login;
    let window = chrono::Duration::from_std(limits.window).map_err(ApiError::internal)?;
    let account_key = format!("login:account:{email}");
    let address_key = format!(
        "login:address:{}",
        client.ip_address.as_deref().unwrap_or("unknown")
    );
    for (key, max) in [
        (&account_key, limits.max_failures_per_account),
        (&address_key, limits.max_failures_per_address),
    ] {
        if let Some(w) = state.db.rate_limit_peek(key, window).await?
            && w.hits >= i64::from(max)
        {
            let retry_after = (w.started + window - Utc::now()).num_seconds().max(1) as u64;
            return Err(ApiError::too_many_requests(retry_after));
        }
    }

    let user = state.db.user_by_email(&email).await?;
    let password_ok =
        passwords::verify(req.password, user.as_ref().map(|u| u.password_hash.clone())).await?;
    let user = match user {
        Some(user) if password_ok && user.is_active => user,
        user => {
            state.db.rate_limit_hit(&account_key, window).await?;
            state.db.rate_limit_hit(&address_key, window).await?;
            let reason = match &user {
                None => "unknown_email",
                Some(u) if !u.is_active && password_ok => "inactive_user",
                Some(_) => "wrong_password",
            };
            let origin = eoex_store::audit::Origin {
                tenant_id: user.as_ref().map(|u| u.tenant_id),
                user_id: user.as_ref().map(|u| u.user_id),
                ..client.origin()
            };
            let entry = origin
                .entry(
                    "auth.login_failed",
                    "user",
                    user.as_ref().map(|u| u.user_id),
                )
                .new_values(serde_json::json!({ "email": email, "reason": reason }));
            state.db.audit(&entry).await?;
            return Err(ApiError::unauthorized(BAD_CREDENTIALS));
        }
    };
    state.db.rate_limit_clear(&account_key).await?;
    state.db.record_login(user.user_id).await?;
    let origin = eoex_store::audit::Origin {
        tenant_id: Some(user.tenant_id),
        user_id: Some(user.user_id),
        ..client.origin()
    };
    state
        .db
        .audit(&origin.entry("auth.login", "user", Some(user.user_id)))
        .await?;
    Ok(Json(start_session(&state, &user).await?))
}

/// Opens a new session (refresh-token family) for `user` and returns its first pair.
async fn start_session(state: &AppState, user: &User) -> ApiResult<TokenPair> {
    let family_id = Uuid::now_v7();
    let refresh_token = tokens::new_refresh_token();
    state
        .db
        .store_refresh_token(&NewRefreshToken {
            family_id,
            user_id: user.user_id,
            tenant_id: user.tenant_id,
            token_hash: tokens::hash_refresh_token(&refresh_token),
            expires_at: refresh_expiry(state)?,
        })
        .await?;
    token_pair(state, user, family_id, refresh_token)
}

fn refresh_expiry(state: &AppState) -> ApiResult<chrono::DateTime<Utc>> {
    Ok(Utc::now()
        + chrono::Duration::from_std(state.config.refresh_token_ttl).map_err(ApiError::internal)?)
}

fn token_pair(
    state: &AppState,
    user: &User,
    family_id: Uuid,
    refresh_token: String,
) -> ApiResult<TokenPair> {
    let access_token = state
        .tokens
        .issue(user.user_id, user.tenant_id, &user.role, family_id)
        .map_err(ApiError::internal)?;
    Ok(TokenPair {
        tenant_id: user.tenant_id,
        user_id: user.user_id,
        access_token,
        refresh_token,
        token_type: "bearer",
        expires_in: state.tokens.access_ttl.as_secs(),
    })
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RefreshRequest {
    refresh_token: String,
}

/// Trade a refresh token for a new pair.
///
/// Refresh tokens are single-use: presenting one that was already used revokes every
/// token of its session (a stolen token's reuse cannot be told from the owner's).
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new pair; the presented token is spent", body = TokenPair),
        (status = 401, description = "Unknown, expired, revoked or already used token", body = ErrorBody),
    ))]
async fn refresh(
    State(state): State<AppState>,
    Json(req): Json<RefreshRequest>,
) -> ApiResult<Json<TokenPair>> {
    let next_token = tokens::new_refresh_token();
    let next_hash = tokens::hash_refresh_token(&next_token);
    let expires_at = refresh_expiry(&state)?;
    let rotation = state
        .db
        .rotate_refresh_token(
            &tokens::hash_refresh_token(&req.refresh_token),
            |user_id, tenant_id, family_id| NewRefreshToken {
                family_id,
                user_id,
                tenant_id,
                token_hash: next_hash,
                expires_at,
            },
        )
        .await?;
    match rotation {
        Rotation::Rotated {
            user_id,
            tenant_id,
            family_id,
        } => {
            let user = match state.db.user(tenant_id, user_id).await {
                Ok(user) if user.is_active => user,
                Ok(_) | Err(StoreError::NotFound) => {
                    state.db.revoke_session(tenant_id, family_id).await?;
                    return Err(ApiError::unauthorized("invalid refresh token"));
                }
                Err(e) => return Err(e.into()),
            };
            Ok(Json(token_pair(&state, &user, family_id, next_token)?))
        }
        Rotation::Reused => Err(ApiError::unauthorized(
            "refresh token already used; the session has been revoked, log in again",
        )),
        Rotation::Invalid => Err(ApiError::unauthorized("invalid refresh token")),
    }
}

/// End the caller's session: its refresh tokens and access tokens stop working.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204, description = "Logged out"), (status = 401, body = ErrorBody)))]
async fn logout(State(state): State<AppState>, caller: Caller) -> ApiResult<StatusCode> {
    state
        .db
        .revoke_session(caller.tenant_id(), caller.session_id)
        .await?;
    state
        .db
        .audit(
            &caller
                .origin()
                .entry("auth.logout", "user", Some(caller.user_id())),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Me {
    #[serde(flatten)]
    user: UserView,
    tenant: TenantView,
}

/// The calling user and their tenant.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
async fn me(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Me>> {
    let tenant = state.db.tenant(caller.tenant_id()).await?;
    Ok(Json(Me {
        user: caller.user.into(),
        tenant: tenant.into(),
    }))
}
