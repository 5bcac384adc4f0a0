use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use eoex_store::StoreError;
use eoex_store::audit::Origin;
use eoex_store::users::User;
use uuid::Uuid;

use super::Role;
use crate::error::ApiError;
use crate::extract::Client;
use crate::state::AppState;

/// The authenticated caller of a request. Built from a bearer access token and then
/// checked against the database on every request, so that logout, deactivation,
/// deletion and role changes take effect at once, on every host.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    pub role: Role,
    pub session_id: Uuid,
    pub client: Client,
}

impl Caller {
    pub fn tenant_id(&self) -> Uuid {
        self.user.tenant_id
    }

    pub fn user_id(&self) -> Uuid {
        self.user.user_id
    }

    /// Where this caller's changes come from, for audit rows.
    pub fn origin(&self) -> Origin {
        Origin {
            tenant_id: Some(self.tenant_id()),
            user_id: Some(self.user_id()),
            ip_address: self.client.ip_address.clone(),
            user_agent: self.client.user_agent.clone(),
        }
    }

    pub fn require_write(&self) -> Result<(), ApiError> {
        if self.role.can_write() {
            Ok(())
        } else {
            Err(ApiError::forbidden("the readonly role cannot make changes"))
        }
    }

    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.role.can_administer() {
            Ok(())
        } else {
            Err(ApiError::forbidden("this requires the owner or admin role"))
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .ok_or_else(|| ApiError::unauthorized("missing Authorization: Bearer token"))?;
        let token = header
            .to_str()
            .ok()
            .and_then(|h| {
                h.strip_prefix("Bearer ")
                    .or_else(|| h.strip_prefix("bearer "))
            })
            .ok_or_else(|| ApiError::unauthorized("expected Authorization: Bearer <token>"))?;
        let claims = state
            .tokens
            .verify(token.trim())
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
                    ApiError::unauthorized("access token expired")
                }
                _ => ApiError::unauthorized("invalid access token"),
            })?;
        let revoked = || ApiError::unauthorized("session is no longer valid; log in again");
        if !state.db.session_is_active(claims.sid).await? {
            return Err(revoked());
        }
        let user = match state.db.user(claims.tenant_id, claims.sub).await {
            Ok(user) if user.is_active => user,
            Ok(_) | Err(StoreError::NotFound) => return Err(revoked()),
            Err(e) => return Err(e.into()),
        };
        let role = Role::parse(&user.role)
            .ok_or_else(|| ApiError::internal(format!("unknown role {:?}", user.role)))?;
        Ok(Caller {
            user,
            role,
            session_id: claims.sid,
            client: Client::from_parts(parts),
        })
    }
}
