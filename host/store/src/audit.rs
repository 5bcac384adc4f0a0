//! The `audit_logs` table: who did what to which record, with old and new values.

use chrono::Utc;
use serde_json::Value;
use sqlx::types::Json;
use uuid::Uuid;

use crate::db::with_db;
use crate::{Db, DbKind, Page, PageRequest, Result};

/// One audit row. Values must already have their secrets redacted (see [`redact`]).
#[derive(Debug, Clone, Default)]
pub struct AuditEntry {
    pub tenant_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<Uuid>,
    pub old_values: Option<Value>,
    pub new_values: Option<Value>,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
}

/// Where a request came from, copied into every audit row it causes.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub tenant_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
}

impl Origin {
    pub fn entry(&self, action: &str, entity_type: &str, entity_id: Option<Uuid>) -> AuditEntry {
        AuditEntry {
            tenant_id: self.tenant_id,
            user_id: self.user_id,
            action: action.to_owned(),
            entity_type: entity_type.to_owned(),
            entity_id,
            old_values: None,
            new_values: None,
            ip_address: self.ip_address.clone(),
            user_agent: self.user_agent.clone(),
        }
    }
}

impl AuditEntry {
    pub fn old(mut self, values: Value) -> Self {
        self.old_values = Some(redact(values));
        self
    }
    pub fn new_values(mut self, values: Value) -> Self {
        self.new_values = Some(redact(values));
        self
    }
}

const SECRET_KEYS: &[&str] = &[
    "password",
    "password_hash",
    "token",
    "refresh_token",
    "api_key",
    "api_secret",
    "secret",
];

/// Replaces the value of every secret-looking key, at any depth, with `"[redacted]"`.
pub fn redact(mut value: Value) -> Value {
    fn walk(value: &mut Value) {
        match value {
            Value::Object(map) => {
                for (key, v) in map.iter_mut() {
                    if SECRET_KEYS.contains(&key.as_str()) {
                        *v = Value::String("[redacted]".into());
                    } else {
                        walk(v);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut value);
    value
}

pub(crate) fn insert_sql(kind: DbKind) -> &'static str {
    match kind {
        DbKind::Postgres => {
            "INSERT INTO audit_logs (audit_id, tenant_id, user_id, action, entity_type, entity_id, \
             old_values, new_values, ip_address, user_agent, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CAST($9 AS INET), $10, $11)"
        }
        DbKind::Sqlite => {
            "INSERT INTO audit_logs (audit_id, tenant_id, user_id, action, entity_type, entity_id, \
             old_values, new_values, ip_address, user_agent, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        }
    }
}

/// Writes `$entry` through `$exec` (a pool or a transaction) with `$sql` from
/// [`insert_sql`]; a macro because the executor's type differs per backend.
macro_rules! write_audit {
    ($exec:expr, $sql:expr, $entry:expr) => {{
        let entry: &$crate::audit::AuditEntry = $entry;
        sqlx::query($sql)
            .bind(uuid::Uuid::now_v7())
            .bind(entry.tenant_id)
            .bind(entry.user_id)
            .bind(entry.action.clone())
            .bind(entry.entity_type.clone())
            .bind(entry.entity_id)
            .bind(entry.old_values.clone().map(sqlx::types::Json))
            .bind(entry.new_values.clone().map(sqlx::types::Json))
            .bind(entry.ip_address.clone())
            .bind(entry.user_agent.clone())
            .bind(chrono::Utc::now())
            .execute($exec)
            .await
            .map(|_| ())
    }};
}
pub(crate) use write_audit;

/// An audit row as read back.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRecord {
    pub audit_id: Uuid,
    pub tenant_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<Uuid>,
    pub old_values: Option<Json<Value>>,
    pub new_values: Option<Json<Value>>,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: chrono::DateTime<Utc>,
}

impl Db {
    /// Records an event that changes nothing else (e.g. a failed login).
    pub async fn audit(&self, entry: &AuditEntry) -> Result<()> {
        let sql = insert_sql(self.kind());
        with_db!(self, |pool| write_audit!(pool, sql, entry))?;
        Ok(())
    }

    /// The audit trail of one tenant, newest first, optionally of one action.
    pub async fn audit_trail(
        &self,
        tenant_id: Uuid,
        action: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<AuditRecord>> {
        let (ip, condition) = match self.kind() {
            DbKind::Postgres => (
                "host(ip_address)",
                "tenant_id = $1 AND ($2::text IS NULL OR action = $2)",
            ),
            DbKind::Sqlite => (
                "ip_address",
                "tenant_id = $1 AND ($2 IS NULL OR action = $2)",
            ),
        };
        let list = sqlx::AssertSqlSafe(format!(
            "SELECT audit_id, tenant_id, user_id, action, entity_type, entity_id, old_values, new_values, \
             {ip} AS ip_address, user_agent, created_at FROM audit_logs WHERE {condition} \
             ORDER BY audit_id DESC LIMIT $3 OFFSET $4"
        ));
        let count =
            sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM audit_logs WHERE {condition}"));
        with_db!(self, |pool| {
            // audit ids are UUIDv7: ordering by id is ordering by time.
            let items: Vec<AuditRecord> = sqlx::query_as(list)
                .bind(tenant_id)
                .bind(action)
                .bind(i64::from(page.limit))
                .bind(page.offset())
                .fetch_all(pool)
                .await?;
            let total: i64 = sqlx::query_scalar(count)
                .bind(tenant_id)
                .bind(action)
                .fetch_one(pool)
                .await?;
            Ok(Page { items, total })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn redact_hides_secrets_at_any_depth() {
        let v = redact(json!({"email": "a@b.c", "password": "x", "nested": [{"api_secret": "s"}]}));
        assert_eq!(
            v,
            json!({"email": "a@b.c", "password": "[redacted]", "nested": [{"api_secret": "[redacted]"}]})
        );
    }
}
