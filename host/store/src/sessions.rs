//! Refresh tokens, stored as SHA-256 hashes. Tokens issued from one login form a
//! family; each token is single-use, and presenting a spent one revokes its family
//! (the reuse of a stolen token is indistinguishable from theft, so both sides lose it).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::db::with_db;
use crate::{Db, Result};

/// A refresh token to store.
#[derive(Debug, Clone)]
pub struct NewRefreshToken {
    pub family_id: Uuid,
    pub user_id: Uuid,
    pub tenant_id: Uuid,
    pub token_hash: String,
    pub expires_at: DateTime<Utc>,
}

/// What presenting a refresh token did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotation {
    /// The token was live; it is now spent and `next` replaces it.
    Rotated {
        user_id: Uuid,
        tenant_id: Uuid,
        family_id: Uuid,
    },
    /// The token had been spent already: its whole family is now revoked.
    Reused,
    /// Unknown, expired or revoked.
    Invalid,
}

const INSERT: &str = "INSERT INTO refresh_tokens (token_id, family_id, user_id, tenant_id, token_hash, \
     expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)";
const REVOKE_FAMILY: &str =
    "UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL";

macro_rules! insert_token {
    ($exec:expr, $token:expr) => {{
        let token: &NewRefreshToken = $token;
        sqlx::query(INSERT)
            .bind(Uuid::now_v7())
            .bind(token.family_id)
            .bind(token.user_id)
            .bind(token.tenant_id)
            .bind(&token.token_hash)
            .bind(token.expires_at)
            .bind(Utc::now())
            .execute($exec)
            .await
            .map(|_| ())
    }};
}

impl Db {
    pub async fn store_refresh_token(&self, token: &NewRefreshToken) -> Result<()> {
        with_db!(self, |pool| insert_token!(pool, token))?;
        Ok(())
    }

    /// Spends the token hashed as `presented_hash` and stores `next` (built from the
    /// spent token's identity by `next`) in its place, atomically.
    pub async fn rotate_refresh_token(
        &self,
        presented_hash: &str,
        next: impl FnOnce(Uuid, Uuid, Uuid) -> NewRefreshToken,
    ) -> Result<Rotation> {
        let now = Utc::now();
        with_db!(self, |pool| {
            let mut tx = pool.begin().await?;
            // The conditional UPDATE is the race-free "use once": of two concurrent
            // presentations only one matches `used_at IS NULL`.
            let spent: Option<(Uuid, Uuid, Uuid)> = sqlx::query_as(
                "UPDATE refresh_tokens SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL \
                 AND revoked_at IS NULL AND expires_at > $2 RETURNING user_id, tenant_id, family_id",
            )
            .bind(presented_hash)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            let outcome = match spent {
                Some((user_id, tenant_id, family_id)) => {
                    let token = next(user_id, tenant_id, family_id);
                    insert_token!(&mut *tx, &token)?;
                    Rotation::Rotated {
                        user_id,
                        tenant_id,
                        family_id,
                    }
                }
                None => {
                    let known: Option<(Uuid, Option<DateTime<Utc>>)> = sqlx::query_as(
                        "SELECT family_id, used_at FROM refresh_tokens WHERE token_hash = $1",
                    )
                    .bind(presented_hash)
                    .fetch_optional(&mut *tx)
                    .await?;
                    match known {
                        Some((family_id, Some(_))) => {
                            sqlx::query(REVOKE_FAMILY)
                                .bind(family_id)
                                .bind(now)
                                .execute(&mut *tx)
                                .await?;
                            Rotation::Reused
                        }
                        _ => Rotation::Invalid,
                    }
                }
            };
            tx.commit().await?;
            Ok(outcome)
        })
    }

    /// Revokes every token of a family (logout).
    pub async fn revoke_session(&self, tenant_id: Uuid, family_id: Uuid) -> Result<()> {
        with_db!(self, |pool| sqlx::query(
            "UPDATE refresh_tokens SET revoked_at = $3 WHERE tenant_id = $1 AND family_id = $2 \
             AND revoked_at IS NULL"
        )
        .bind(tenant_id)
        .bind(family_id)
        .bind(Utc::now())
        .execute(pool)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// True while the family has a token that is not revoked: access tokens carry their
    /// family id and die with it (logout, reuse detection).
    pub async fn session_is_active(&self, family_id: Uuid) -> Result<bool> {
        let active: bool = with_db!(self, |pool| {
            sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM refresh_tokens WHERE family_id = $1 AND revoked_at IS NULL)"
        )
        .bind(family_id)
        .fetch_one(pool)
        .await
        })?;
        Ok(active)
    }
}
