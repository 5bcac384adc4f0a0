use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use sha2::Digest;

use crate::error::ApiError;
use crate::state::AppState;

/// The platform operator: `Authorization: Bearer <EOEX_OPERATOR_TOKEN>`. A credential
/// of the host, distinct from every tenant role; without a configured token, operator
/// endpoints are closed.
#[derive(Debug, Clone, Copy)]
pub struct Operator;

impl FromRequestParts<AppState> for Operator {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(expected) = state.config.operator_token.as_deref() else {
            return Err(ApiError::forbidden(
                "operator endpoints are disabled: no EOEX_OPERATOR_TOKEN is configured",
            ));
        };
        let presented = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.strip_prefix("Bearer "))
            .ok_or_else(|| ApiError::unauthorized("operator credentials required"))?;
        // Compare digests, so the comparison takes the same time whatever the input.
        if sha2::Sha256::digest(presented.trim().as_bytes())
            == sha2::Sha256::digest(expected.as_bytes())
        {
            Ok(Operator)
        } else {
            Err(ApiError::forbidden("not the operator token"))
        }
    }
}
