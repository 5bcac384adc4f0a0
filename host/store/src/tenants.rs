//! Tenants, and sign-up: a tenant together with its first (owner) user.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::types::Json;
use uuid::Uuid;

use crate::audit::{Origin, insert_sql, write_audit};
use crate::db::with_db;
use crate::users::{NewUser, User, insert_user};
use crate::{Db, Result, StoreError, conflict_on};

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct Tenant {
    pub tenant_id: Uuid,
    pub tenant_name: String,
    pub tenant_domain: String,
    pub tier: String,
    pub status: String,
    pub metadata: Json<Value>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const TENANT_COLUMNS: &str =
    "tenant_id, tenant_name, tenant_domain, tier, status, metadata, created_at, updated_at";
const TENANT_FIELDS: &[&str] = &["tenant_name", "tenant_domain"];

impl Db {
    /// Creates a tenant and its owner in one transaction, audited as `auth.signup`.
    pub async fn sign_up(
        &self,
        tenant_name: &str,
        tenant_domain: &str,
        owner: NewUser,
        origin: &Origin,
    ) -> Result<(Tenant, User)> {
        let audit_sql = insert_sql(self.kind());
        let tenant_id = Uuid::now_v7();
        with_db!(self, |pool| {
            let mut tx = pool.begin().await?;
            let tenant: Tenant = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "INSERT INTO tenants (tenant_id, tenant_name, tenant_domain) VALUES ($1, $2, $3) \
                 RETURNING {TENANT_COLUMNS}"
            )))
            .bind(tenant_id)
            .bind(tenant_name)
            .bind(tenant_domain)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| conflict_on(e, TENANT_FIELDS))?;
            let user: User = insert_user!(&mut *tx, tenant_id, &owner)?;
            let origin = Origin {
                tenant_id: Some(tenant_id),
                user_id: Some(user.user_id),
                ..origin.clone()
            };
            let entry = origin
                .entry("auth.signup", "tenant", Some(tenant_id))
                .new_values(serde_json::json!({
                    "tenant_name": tenant.tenant_name,
                    "tenant_domain": tenant.tenant_domain,
                    "owner_email": user.email,
                    "owner_user_id": user.user_id,
                }));
            write_audit!(&mut *tx, audit_sql, &entry)?;
            tx.commit().await?;
            Ok((tenant, user))
        })
    }

    pub async fn tenant(&self, tenant_id: Uuid) -> Result<Tenant> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {TENANT_COLUMNS} FROM tenants WHERE tenant_id = $1"
        ));
        let found = with_db!(self, |pool| sqlx::query_as::<_, Tenant>(sql)
            .bind(tenant_id)
            .fetch_optional(pool)
            .await)?;
        found.ok_or(StoreError::NotFound)
    }

    /// Applies `change` to the tenant's current state and writes it, with an audit row
    /// holding the old and new values, in one transaction.
    pub async fn update_tenant<E: From<StoreError>>(
        &self,
        tenant_id: Uuid,
        origin: &Origin,
        change: impl FnOnce(&mut Tenant) -> Result<(), E>,
    ) -> Result<Tenant, E> {
        let audit_sql = insert_sql(self.kind());
        with_db!(self, |pool| {
            let mut tx = pool.begin().await.map_err(StoreError::from)?;
            let select = sqlx::AssertSqlSafe(format!(
                "SELECT {TENANT_COLUMNS} FROM tenants WHERE tenant_id = $1"
            ));
            let mut tenant: Tenant = sqlx::query_as(select)
                .bind(tenant_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(StoreError::from)?
                .ok_or(StoreError::NotFound)?;
            let old = serde_json::to_value(&tenant).unwrap_or_default();
            change(&mut tenant)?;
            let update = sqlx::AssertSqlSafe(format!(
                "UPDATE tenants SET tenant_name = $2, tenant_domain = $3, metadata = $4, \
                 updated_at = $5 WHERE tenant_id = $1 RETURNING {TENANT_COLUMNS}"
            ));
            let updated: Tenant = sqlx::query_as(update)
                .bind(tenant_id)
                .bind(&tenant.tenant_name)
                .bind(&tenant.tenant_domain)
                .bind(&tenant.metadata)
                .bind(Utc::now())
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| conflict_on(e, TENANT_FIELDS))?;
            let entry = origin
                .entry("tenant.update", "tenant", Some(tenant_id))
                .old(old)
                .new_values(serde_json::to_value(&updated).unwrap_or_default());
            write_audit!(&mut *tx, audit_sql, &entry).map_err(StoreError::from)?;
            tx.commit().await.map_err(StoreError::from)?;
            Ok(updated)
        })
    }
}
