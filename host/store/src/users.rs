//! Users of a tenant. Every function here except [`Db::user_by_email`] (login, before a
//! tenant is known) is scoped by the tenant id it takes.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::types::Json;
use uuid::Uuid;

use crate::audit::{Origin, insert_sql, write_audit};
use crate::db::with_db;
use crate::{Db, DbKind, Page, PageRequest, Result, StoreError, conflict_on};

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct User {
    pub user_id: Uuid,
    pub tenant_id: Uuid,
    pub username: String,
    pub email: String,
    #[serde(skip)]
    pub password_hash: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub user_tier: String,
    pub role: String,
    pub is_active: bool,
    pub last_login: Option<DateTime<Utc>>,
    pub metadata: Json<Value>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A user to create; `email` must already be normalised (trimmed, lower-case).
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub email: String,
    pub password_hash: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub role: String,
}

/// Filters of the user list.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub role: Option<String>,
    pub is_active: Option<bool>,
    /// Matches email, username, first or last name, case-insensitively.
    pub search: Option<String>,
}

pub(crate) const USER_COLUMNS: &str = "user_id, tenant_id, username, email, password_hash, first_name, \
     last_name, phone, user_tier, role, is_active, last_login, metadata, created_at, updated_at";
pub(crate) const USER_FIELDS: &[&str] = &["email", "username"];

macro_rules! insert_user {
    ($exec:expr, $tenant_id:expr, $new:expr) => {{
        let new: &$crate::users::NewUser = $new;
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "INSERT INTO users (user_id, tenant_id, username, email, password_hash, first_name, \
             last_name, phone, role) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {}",
            $crate::users::USER_COLUMNS
        )))
        .bind(uuid::Uuid::now_v7())
        .bind($tenant_id)
        .bind(&new.username)
        .bind(&new.email)
        .bind(&new.password_hash)
        .bind(&new.first_name)
        .bind(&new.last_name)
        .bind(&new.phone)
        .bind(&new.role)
        .fetch_one($exec)
        .await
        .map_err(|e| $crate::conflict_on(e, $crate::users::USER_FIELDS))
    }};
}
pub(crate) use insert_user;

/// Locks the tenant's row for the rest of the transaction on PostgreSQL, so that two
/// concurrent changes to its owners serialise; SQLite serialises writers already.
fn lock_tenant_sql(kind: DbKind) -> Option<&'static str> {
    match kind {
        DbKind::Postgres => Some("SELECT tenant_id FROM tenants WHERE tenant_id = $1 FOR UPDATE"),
        DbKind::Sqlite => None,
    }
}

const COUNT_ACTIVE_OWNERS: &str =
    "SELECT COUNT(*) FROM users WHERE tenant_id = $1 AND role = 'owner' AND is_active = $2";

/// The change would leave the tenant without an active owner.
#[derive(Debug, thiserror::Error)]
#[error("a tenant must keep at least one active owner")]
pub struct LastOwner;

impl Db {
    /// The user with this e-mail address, in whatever tenant (used by login only).
    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1"));
        Ok(with_db!(self, |pool| sqlx::query_as::<_, User>(sql)
            .bind(email)
            .fetch_optional(pool)
            .await)?)
    }

    pub async fn user(&self, tenant_id: Uuid, user_id: Uuid) -> Result<User> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users WHERE tenant_id = $1 AND user_id = $2"
        ));
        let found = with_db!(self, |pool| sqlx::query_as::<_, User>(sql)
            .bind(tenant_id)
            .bind(user_id)
            .fetch_optional(pool)
            .await)?;
        found.ok_or(StoreError::NotFound)
    }

    pub async fn users(
        &self,
        tenant_id: Uuid,
        filter: &UserFilter,
        page: PageRequest,
    ) -> Result<Page<User>> {
        // Fixed SQL with "parameter IS NULL OR …" filters keeps every value bound.
        let condition = "tenant_id = $1 AND ($2 IS NULL OR role = $2) AND ($3 IS NULL OR is_active = $3) \
             AND ($4 IS NULL OR LOWER(email) LIKE $4 OR LOWER(username) LIKE $4 \
             OR LOWER(COALESCE(first_name, '')) LIKE $4 OR LOWER(COALESCE(last_name, '')) LIKE $4)";
        let pattern = filter
            .search
            .as_ref()
            .map(|s| format!("%{}%", escape_like(&s.to_lowercase())));
        let condition = match self.kind() {
            // PostgreSQL cannot infer the type of a parameter only compared with NULL.
            DbKind::Postgres => condition
                .replace("$2 IS NULL", "$2::text IS NULL")
                .replace("$3 IS NULL", "$3::boolean IS NULL")
                .replace("$4 IS NULL", "$4::text IS NULL"),
            DbKind::Sqlite => condition.to_owned(),
        };
        let condition = condition.replace("LIKE $4", "LIKE $4 ESCAPE '\\'");
        let list = sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users WHERE {condition} ORDER BY created_at, user_id LIMIT $5 OFFSET $6"
        ));
        let count = sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM users WHERE {condition}"));
        with_db!(self, |pool| {
            let items: Vec<User> = sqlx::query_as(list)
                .bind(tenant_id)
                .bind(&filter.role)
                .bind(filter.is_active)
                .bind(&pattern)
                .bind(i64::from(page.limit))
                .bind(page.offset())
                .fetch_all(pool)
                .await?;
            let total: i64 = sqlx::query_scalar(count)
                .bind(tenant_id)
                .bind(&filter.role)
                .bind(filter.is_active)
                .bind(&pattern)
                .fetch_one(pool)
                .await?;
            Ok(Page { items, total })
        })
    }

    /// Creates a user in `tenant_id`, audited as `user.create`.
    pub async fn create_user(
        &self,
        tenant_id: Uuid,
        new: &NewUser,
        origin: &Origin,
    ) -> Result<User> {
        let audit_sql = insert_sql(self.kind());
        with_db!(self, |pool| {
            let mut tx = pool.begin().await?;
            let user: User = insert_user!(&mut *tx, tenant_id, new)?;
            let entry = origin
                .entry("user.create", "user", Some(user.user_id))
                .new_values(serde_json::to_value(&user).unwrap_or_default());
            write_audit!(&mut *tx, audit_sql, &entry)?;
            tx.commit().await?;
            Ok(user)
        })
    }

    /// Applies `change` to the user's current state and writes it, audited with old and
    /// new values, in one transaction. Refused with [`LastOwner`] (through `E`) when it
    /// would leave the tenant without an active owner.
    pub async fn update_user<E: From<StoreError> + From<LastOwner>>(
        &self,
        tenant_id: Uuid,
        user_id: Uuid,
        origin: &Origin,
        change: impl FnOnce(&mut User) -> Result<(), E>,
    ) -> Result<User, E> {
        let kind = self.kind();
        let audit_sql = insert_sql(kind);
        with_db!(self, |pool| {
            let mut tx = pool.begin().await.map_err(StoreError::from)?;
            if let Some(lock) = lock_tenant_sql(kind) {
                sqlx::query(lock)
                    .bind(tenant_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::from)?;
            }
            let select = sqlx::AssertSqlSafe(format!(
                "SELECT {USER_COLUMNS} FROM users WHERE tenant_id = $1 AND user_id = $2"
            ));
            let mut user: User = sqlx::query_as(select)
                .bind(tenant_id)
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(StoreError::from)?
                .ok_or(StoreError::NotFound)?;
            let old = serde_json::to_value(&user).unwrap_or_default();
            let old_hash = user.password_hash.clone();
            change(&mut user)?;
            let update = sqlx::AssertSqlSafe(format!(
                "UPDATE users SET username = $3, email = $4, password_hash = $5, first_name = $6, \
                 last_name = $7, phone = $8, role = $9, is_active = $10, metadata = $11, updated_at = $12 \
                 WHERE tenant_id = $1 AND user_id = $2 RETURNING {USER_COLUMNS}"
            ));
            let updated: User = sqlx::query_as(update)
                .bind(tenant_id)
                .bind(user_id)
                .bind(&user.username)
                .bind(&user.email)
                .bind(&user.password_hash)
                .bind(&user.first_name)
                .bind(&user.last_name)
                .bind(&user.phone)
                .bind(&user.role)
                .bind(user.is_active)
                .bind(&user.metadata)
                .bind(Utc::now())
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| conflict_on(e, USER_FIELDS))?;
            let owners: i64 = sqlx::query_scalar(COUNT_ACTIVE_OWNERS)
                .bind(tenant_id)
                .bind(true)
                .fetch_one(&mut *tx)
                .await
                .map_err(StoreError::from)?;
            if owners == 0 {
                return Err(LastOwner.into());
            }
            let mut new_values = serde_json::to_value(&updated).unwrap_or_default();
            if updated.password_hash != old_hash {
                new_values["password"] = Value::String("[changed]".into());
            }
            let entry = origin.entry("user.update", "user", Some(user_id)).old(old);
            let entry = crate::audit::AuditEntry {
                new_values: Some(new_values),
                ..entry
            };
            write_audit!(&mut *tx, audit_sql, &entry).map_err(StoreError::from)?;
            tx.commit().await.map_err(StoreError::from)?;
            Ok(updated)
        })
    }

    /// Deletes a user after `check` approved its current state, audited with its last
    /// values. Refused with [`LastOwner`] for the tenant's last active owner.
    pub async fn delete_user<E: From<StoreError> + From<LastOwner>>(
        &self,
        tenant_id: Uuid,
        user_id: Uuid,
        origin: &Origin,
        check: impl FnOnce(&User) -> Result<(), E>,
    ) -> Result<(), E> {
        let kind = self.kind();
        let audit_sql = insert_sql(kind);
        with_db!(self, |pool| {
            let mut tx = pool.begin().await.map_err(StoreError::from)?;
            if let Some(lock) = lock_tenant_sql(kind) {
                sqlx::query(lock)
                    .bind(tenant_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::from)?;
            }
            let delete = sqlx::AssertSqlSafe(format!(
                "DELETE FROM users WHERE tenant_id = $1 AND user_id = $2 RETURNING {USER_COLUMNS}"
            ));
            let user: User = sqlx::query_as(delete)
                .bind(tenant_id)
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(StoreError::from)?
                .ok_or(StoreError::NotFound)?;
            check(&user)?;
            let owners: i64 = sqlx::query_scalar(COUNT_ACTIVE_OWNERS)
                .bind(tenant_id)
                .bind(true)
                .fetch_one(&mut *tx)
                .await
                .map_err(StoreError::from)?;
            if owners == 0 {
                return Err(LastOwner.into());
            }
            let entry = origin
                .entry("user.delete", "user", Some(user_id))
                .old(serde_json::to_value(&user).unwrap_or_default());
            write_audit!(&mut *tx, audit_sql, &entry).map_err(StoreError::from)?;
            tx.commit().await.map_err(StoreError::from)?;
            Ok(())
        })
    }

    pub async fn record_login(&self, user_id: Uuid) -> Result<()> {
        with_db!(self, |pool| sqlx::query(
            "UPDATE users SET last_login = $2 WHERE user_id = $1"
        )
        .bind(user_id)
        .bind(Utc::now())
        .execute(pool)
        .await
        .map(|_| ()))?;
        Ok(())
    }
}

/// Escapes LIKE wildcards so user input matches literally (with `ESCAPE '\'`).
fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}
