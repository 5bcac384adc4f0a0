//! The JSON shapes of the core API's records, lists and tokens.

use chrono::{DateTime, Utc};
use eoex_store::tenants::Tenant;
use eoex_store::users::User;
use eoex_store::{Page, PageRequest};
use serde::Serialize;
use uuid::Uuid;

use crate::error::ApiError;

/// A user as the API shows it (never its password hash).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub user_id: Uuid,
    pub tenant_id: Uuid,
    pub username: String,
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub user_tier: String,
    pub role: String,
    pub is_active: bool,
    pub last_login: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<User> for UserView {
    fn from(u: User) -> Self {
        UserView {
            user_id: u.user_id,
            tenant_id: u.tenant_id,
            username: u.username,
            email: u.email,
            first_name: u.first_name,
            last_name: u.last_name,
            phone: u.phone,
            user_tier: u.user_tier,
            role: u.role,
            is_active: u.is_active,
            last_login: u.last_login,
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TenantView {
    pub tenant_id: Uuid,
    pub tenant_name: String,
    pub tenant_domain: String,
    pub tier: String,
    pub status: String,
    pub metadata: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Tenant> for TenantView {
    fn from(t: Tenant) -> Self {
        TenantView {
            tenant_id: t.tenant_id,
            tenant_name: t.tenant_name,
            tenant_domain: t.tenant_domain,
            tier: t.tier,
            status: t.status,
            metadata: t.metadata.0,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

/// The answer of sign-up, login and refresh.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenPair {
    pub tenant_id: Uuid,
    pub user_id: Uuid,
    pub access_token: String,
    pub refresh_token: String,
    /// Always `bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
}

/// One page of a list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Paginated<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: u32,
    pub limit: u32,
}

impl<T> Paginated<T> {
    pub fn from_page<S: Into<T>>(page: Page<S>, request: PageRequest) -> Self {
        Paginated {
            items: page.items.into_iter().map(Into::into).collect(),
            total: page.total,
            page: request.page,
            limit: request.limit,
        }
    }
}

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 200;

/// Validates the `page` (from 1, default 1) and `limit` (1–200, default 50) of a list.
pub fn page_request(page: Option<u32>, limit: Option<u32>) -> Result<PageRequest, ApiError> {
    let page = page.unwrap_or(1);
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if page == 0 {
        return Err(ApiError::validation("page", "must be 1 or more"));
    }
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::validation(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}"),
        ));
    }
    Ok(PageRequest { page, limit })
}
