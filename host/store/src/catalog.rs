//! The module catalog (`modules`, `components`, `features`), what each tenant has
//! enabled (`tenant_modules`, `tenant_features`), and `system_logs`.

use chrono::{DateTime, Utc};
use eoex_abi::Manifest;
use serde_json::Value;
use sqlx::types::Json;
use uuid::Uuid;

use crate::audit::{Origin, insert_sql, write_audit};
use crate::db::with_db;
use crate::{Db, DbKind, Result};

/// A module's state for one tenant.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct TenantModule {
    pub module_name: String,
    pub is_enabled: bool,
    pub version_requirement: String,
    pub active_version: Option<String>,
    pub configuration: Json<Value>,
    pub activated_at: Option<DateTime<Utc>>,
    pub deactivated_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SystemLog {
    pub log_id: Uuid,
    pub log_level: String,
    pub module: Option<String>,
    pub message: String,
    pub details: Option<Json<Value>>,
    pub created_at: DateTime<Utc>,
}

/// What to record for a tenant's module.
#[derive(Debug, Clone)]
pub struct ModuleSetting {
    pub module_name: String,
    pub enabled: bool,
    pub version_requirement: String,
    pub active_version: Option<String>,
}

const TENANT_MODULE_COLUMNS: &str = "m.module_name, tm.is_enabled, tm.version_requirement, tm.active_version, \
     tm.configuration, tm.activated_at, tm.deactivated_at";

/// Upserts `setting` into `tenant_modules` through `$exec`, audited with `$origin`;
/// a macro because it runs inside plugin transactions as well as on the pool.
macro_rules! write_tenant_module {
    ($exec:expr, $kind:expr, $tenant:expr, $setting:expr, $origin:expr) => {{
        let setting: &$crate::catalog::ModuleSetting = $setting;
        let tenant: uuid::Uuid = $tenant;
        let now = chrono::Utc::now();
        let result: std::result::Result<(), sqlx::Error> = async {
            let module_id: uuid::Uuid = sqlx::query_scalar("SELECT module_id FROM modules WHERE module_name = $1")
                .bind(&setting.module_name)
                .fetch_one(&mut *$exec)
                .await?;
            let old: Option<(bool, String, Option<String>)> = sqlx::query_as(
                "SELECT is_enabled, version_requirement, active_version FROM tenant_modules \
                 WHERE tenant_id = $1 AND module_id = $2",
            )
            .bind(tenant)
            .bind(module_id)
            .fetch_optional(&mut *$exec)
            .await?;
            sqlx::query(
                "INSERT INTO tenant_modules (tenant_module_id, tenant_id, module_id, is_enabled, version_requirement, \
                 active_version, activated_at, deactivated_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $4 THEN $7 END, CASE WHEN $4 THEN NULL ELSE $7 END, $7) \
                 ON CONFLICT (tenant_id, module_id) DO UPDATE SET is_enabled = $4, version_requirement = $5, \
                 active_version = $6, updated_at = $7, \
                 activated_at = CASE WHEN $4 AND NOT tenant_modules.is_enabled THEN $7 ELSE tenant_modules.activated_at END, \
                 deactivated_at = CASE WHEN NOT $4 AND tenant_modules.is_enabled THEN $7 ELSE tenant_modules.deactivated_at END",
            )
            .bind(uuid::Uuid::now_v7())
            .bind(tenant)
            .bind(module_id)
            .bind(setting.enabled)
            .bind(&setting.version_requirement)
            .bind(&setting.active_version)
            .bind(now)
            .execute(&mut *$exec)
            .await?;
            let origin: &$crate::audit::Origin = $origin;
            let mut entry = origin.entry("tenant.module.update", "tenant_module", Some(module_id));
            if let Some((enabled, requirement, version)) = old {
                entry = entry.old(serde_json::json!({
                    "module_name": setting.module_name, "is_enabled": enabled,
                    "version_requirement": requirement, "active_version": version,
                }));
            }
            let entry = entry.new_values(serde_json::json!({
                "module_name": setting.module_name, "is_enabled": setting.enabled,
                "version_requirement": setting.version_requirement, "active_version": setting.active_version,
            }));
            write_audit!(&mut *$exec, $crate::audit::insert_sql($kind), &entry)
        }
        .await;
        result
    }};
}
pub(crate) use write_tenant_module;

impl Db {
    /// Records a module version's catalog entry: the `modules` row (its newest
    /// version and the versions available), its components and their features.
    pub async fn register_module(
        &self,
        manifest: &Manifest,
        available_versions: &[String],
    ) -> Result<()> {
        let newest = available_versions
            .last()
            .cloned()
            .unwrap_or_else(|| manifest.version.clone());
        let metadata =
            serde_json::json!({ "versions": available_versions, "host_api": manifest.host_api });
        with_db!(self, |pool| {
            let mut tx = pool.begin().await?;
            let module_id: Uuid = sqlx::query_scalar(
                "INSERT INTO modules (module_id, module_name, module_version, description, category, metadata) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (module_name) DO UPDATE SET \
                 module_version = $3, description = $4, category = $5, metadata = $6 RETURNING module_id",
            )
            .bind(Uuid::now_v7())
            .bind(&manifest.name)
            .bind(&newest)
            .bind(&manifest.description)
            .bind(&manifest.category)
            .bind(Json(&metadata))
            .fetch_one(&mut *tx)
            .await?;
            for component in &manifest.components {
                let component_id: Uuid = sqlx::query_scalar(
                    "INSERT INTO components (component_id, module_id, component_name, component_type, description, version) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (module_id, component_name) DO UPDATE SET \
                     component_type = $4, description = $5, version = $6 RETURNING component_id",
                )
                .bind(Uuid::now_v7())
                .bind(module_id)
                .bind(&component.name)
                .bind(&component.kind)
                .bind(&component.description)
                .bind(&manifest.version)
                .fetch_one(&mut *tx)
                .await?;
                for feature in &component.features {
                    sqlx::query(
                        "INSERT INTO features (feature_id, component_id, feature_name, feature_key, description) \
                         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (feature_key) DO UPDATE SET \
                         component_id = $2, feature_name = $3, description = $5",
                    )
                    .bind(Uuid::now_v7())
                    .bind(component_id)
                    .bind(&feature.name)
                    .bind(&feature.key)
                    .bind(&feature.description)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// Every module with this tenant's state of it (modules it never enabled appear
    /// disabled).
    pub async fn tenant_modules(&self, tenant_id: Uuid) -> Result<Vec<TenantModule>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT m.module_name, COALESCE(tm.is_enabled, $2) AS is_enabled, \
             COALESCE(tm.version_requirement, '*') AS version_requirement, tm.active_version, \
             COALESCE(tm.configuration, {empty}) AS configuration, tm.activated_at, tm.deactivated_at \
             FROM modules m LEFT JOIN tenant_modules tm ON tm.module_id = m.module_id AND tm.tenant_id = $1 \
             ORDER BY m.module_name",
            empty = match self.kind() {
                DbKind::Postgres => "'{}'::jsonb",
                DbKind::Sqlite => "'{}'",
            }
        ));
        Ok(with_db!(self, |pool| sqlx::query_as::<_, TenantModule>(
            sql
        )
        .bind(tenant_id)
        .bind(false)
        .fetch_all(pool)
        .await)?)
    }

    /// This tenant's row for `module`, if it ever enabled it.
    pub async fn tenant_module(
        &self,
        tenant_id: Uuid,
        module: &str,
    ) -> Result<Option<TenantModule>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {TENANT_MODULE_COLUMNS} FROM tenant_modules tm JOIN modules m ON m.module_id = tm.module_id \
             WHERE tm.tenant_id = $1 AND m.module_name = $2"
        ));
        Ok(with_db!(self, |pool| sqlx::query_as::<_, TenantModule>(
            sql
        )
        .bind(tenant_id)
        .bind(module)
        .fetch_optional(pool)
        .await)?)
    }

    /// Records a tenant's module state, audited as `tenant.module.update`.
    pub async fn set_tenant_module(
        &self,
        tenant_id: Uuid,
        setting: &ModuleSetting,
        origin: &Origin,
    ) -> Result<()> {
        let kind = self.kind();
        with_db!(self, |pool| {
            let mut tx = pool.begin().await?;
            let conn = &mut *tx;
            write_tenant_module!(conn, kind, tenant_id, setting, origin)?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// The feature keys switched off for this tenant (features are on by default).
    pub async fn disabled_features(&self, tenant_id: Uuid) -> Result<Vec<String>> {
        Ok(with_db!(self, |pool| {
            sqlx::query_scalar(
            "SELECT f.feature_key FROM tenant_features tf JOIN features f ON f.feature_id = tf.feature_id \
             WHERE tf.tenant_id = $1 AND tf.is_enabled = $2 ORDER BY f.feature_key"
        )
        .bind(tenant_id)
        .bind(false)
        .fetch_all(pool)
        .await
        })?)
    }

    /// Switches a feature for a tenant; false when no feature has that key.
    pub async fn set_tenant_feature(
        &self,
        tenant_id: Uuid,
        feature_key: &str,
        enabled: bool,
        origin: &Origin,
    ) -> Result<bool> {
        let audit_sql = insert_sql(self.kind());
        with_db!(self, |pool| {
            let mut tx = pool.begin().await?;
            let feature: Option<Uuid> =
                sqlx::query_scalar("SELECT feature_id FROM features WHERE feature_key = $1")
                    .bind(feature_key)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some(feature_id) = feature else {
                return Ok(false);
            };
            sqlx::query(
                "INSERT INTO tenant_features (tenant_id, feature_id, is_enabled, updated_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (tenant_id, feature_id) DO UPDATE SET is_enabled = $3, updated_at = $4",
            )
            .bind(tenant_id)
            .bind(feature_id)
            .bind(enabled)
            .bind(Utc::now())
            .execute(&mut *tx)
            .await?;
            let entry = origin
                .entry("tenant.feature.update", "feature", Some(feature_id))
                .new_values(
                    serde_json::json!({ "feature_key": feature_key, "is_enabled": enabled }),
                );
            write_audit!(&mut *tx, audit_sql, &entry)?;
            tx.commit().await?;
            Ok(true)
        })
    }

    /// The newest `system_logs` rows, newest first.
    pub async fn system_logs(&self, limit: i64) -> Result<Vec<SystemLog>> {
        Ok(with_db!(self, |pool| sqlx::query_as::<_, SystemLog>(
            "SELECT log_id, log_level, module, message, details, created_at FROM system_logs \
             ORDER BY log_id DESC LIMIT $1"
        )
        .bind(limit)
        .fetch_all(pool)
        .await)?)
    }

    /// A row of `system_logs` (warnings and errors worth an operator's attention).
    pub async fn system_log(
        &self,
        level: &str,
        module: Option<&str>,
        message: &str,
        details: Option<Value>,
    ) -> Result<()> {
        with_db!(self, |pool| {
            sqlx::query(
            "INSERT INTO system_logs (log_id, log_level, module, message, details, created_at) VALUES ($1, $2, $3, $4, $5, $6)"
        )
        .bind(Uuid::now_v7())
        .bind(level)
        .bind(module)
        .bind(message)
        .bind(details.map(Json))
        .bind(Utc::now())
        .execute(pool)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }
}
