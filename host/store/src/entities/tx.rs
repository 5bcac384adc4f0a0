//! [`PluginTx`]: one plugin call's database transaction, bound to one tenant and one
//! module, implementing the record store of `eoex:host/store`.

use base64::Engine;
use eoex_abi::manifest::{EntityDef, FieldKind, Manifest};
use eoex_abi::services::{AggregateFunction, Aggregation, Filter, GroupKey, Page, Query};
use eoex_abi::{HostError, UserInfo};
use serde_json::{Map, Value};
use sqlx::{Postgres, Sqlite, Transaction};
use uuid::Uuid;

use super::sql::{Bind, Sql, bind_all, field_kind, push_filter, record_json, value_bind};
use crate::audit::{Origin, insert_sql, write_audit};
use crate::db::Pools;
use crate::{Db, DbKind};

/// An entity a call may touch: the module owning it and its definition (from the
/// manifest of the version the tenant runs).
#[derive(Debug, Clone, Copy)]
pub struct EntityRef<'a> {
    pub module: &'a str,
    pub def: &'a EntityDef,
}

impl EntityRef<'_> {
    fn table(&self) -> String {
        Manifest::table_name(self.module, &self.def.name)
    }
}

enum Inner {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// Runs `$body` with `$conn` bound to the transaction's connection.
macro_rules! with_tx {
    ($tx:expr, |$conn:ident| $body:expr) => {
        match &mut $tx.inner {
            Inner::Sqlite(tx) => {
                let $conn = &mut **tx;
                $body
            }
            Inner::Postgres(tx) => {
                let $conn = &mut **tx;
                $body
            }
        }
    };
}

/// One plugin call's transaction. Everything it runs is scoped to its tenant; every
/// write is audited in it; events published in it are delivered only after commit.
pub struct PluginTx {
    inner: Inner,
    db: DbKind,
    tenant_id: Uuid,
    module: String,
    origin: Origin,
    published: Vec<Uuid>,
    /// A write failed because SQLite would not let this deferred transaction take the
    /// write lock (see [`PluginTx::contended`]).
    contended: bool,
}

/// `users` columns a plugin may see: id, e-mail, names, role, active.
type UserRow = (Uuid, String, Option<String>, Option<String>, String, bool);

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 1000;

/// SQLite's `SQLITE_BUSY` and its extended codes (`SQLITE_BUSY_SNAPSHOT`…).
fn is_busy(err: &sqlx::Error) -> bool {
    err.as_database_error()
        .and_then(|e| e.code())
        .and_then(|code| code.parse::<i32>().ok())
        .is_some_and(|code| code & 0xff == 5)
}

fn internal(e: impl std::fmt::Display) -> HostError {
    tracing::error!(error = %e, "plugin store failure");
    HostError::Internal("database error".into())
}

impl Db {
    /// Begins the transaction of one call of `module` for `tenant_id`. `writes` says
    /// whether the call is expected to write: on SQLite such transactions take the
    /// write lock up front, so concurrent writers queue instead of failing.
    pub async fn begin_plugin_tx(
        &self,
        tenant_id: Uuid,
        module: &str,
        origin: Origin,
        writes: bool,
    ) -> crate::Result<PluginTx> {
        let inner = match &self.pools {
            Pools::Sqlite(pool) => Inner::Sqlite(if writes {
                pool.begin_with("BEGIN IMMEDIATE").await?
            } else {
                pool.begin().await?
            }),
            Pools::Postgres { app, .. } => {
                let mut tx = app.begin().await?;
                // Local to this transaction: it cannot leak to the next user of the
                // pooled connection.
                sqlx::query("SELECT set_config('eoex.tenant_id', $1, true)")
                    .bind(tenant_id.to_string())
                    .execute(&mut *tx)
                    .await?;
                Inner::Postgres(tx)
            }
        };
        let origin = Origin {
            tenant_id: Some(tenant_id),
            ..origin
        };
        Ok(PluginTx {
            inner,
            db: self.kind(),
            tenant_id,
            module: module.to_owned(),
            origin,
            published: Vec::new(),
            contended: false,
        })
    }
}

impl PluginTx {
    /// Commits, returning the ids of the events published in the transaction (now
    /// visible for delivery).
    pub async fn commit(self) -> crate::Result<Vec<Uuid>> {
        match self.inner {
            Inner::Sqlite(tx) => tx.commit().await?,
            Inner::Postgres(tx) => tx.commit().await?,
        }
        Ok(self.published)
    }

    /// Whether a write of this transaction was refused because it had begun as a
    /// reader (a GET) and SQLite gave the write lock to another transaction: a reader
    /// that has read cannot wait for the lock, its snapshot would be stale. Rolled back
    /// and run again as a writer, the call succeeds.
    pub fn contended(&self) -> bool {
        self.contended
    }

    pub async fn rollback(self) -> crate::Result<()> {
        match self.inner {
            Inner::Sqlite(tx) => tx.rollback().await?,
            Inner::Postgres(tx) => tx.rollback().await?,
        }
        Ok(())
    }

    /// Runs `sql`, returning the JSON records it selects.
    async fn fetch_records(&mut self, sql: Sql) -> Result<Vec<Value>, HostError> {
        let rows: Vec<String> = with_tx!(self, |conn| bind_all!(
            sqlx::query_scalar(sqlx::AssertSqlSafe(sql.text)),
            sql.binds
        )
        .fetch_all(&mut *conn)
        .await)
        .map_err(|e| self.map_db_error(e, None))?;
        rows.iter()
            .map(|r| serde_json::from_str(r).map_err(internal))
            .collect()
    }

    /// Runs a statement that returns at most one record. Writes (`entity` given) run
    /// under a savepoint on PostgreSQL: a refused write (a unique conflict the plugin
    /// may handle) must not abort the rest of the call's transaction.
    async fn fetch_one_record(
        &mut self,
        sql: Sql,
        entity: Option<&EntityRef<'_>>,
    ) -> Result<Option<Value>, HostError> {
        let savepoint = entity.is_some() && self.db == DbKind::Postgres;
        if savepoint {
            with_tx!(self, |conn| sqlx::query("SAVEPOINT eoex_write")
                .execute(&mut *conn)
                .await
                .map(|_| ()))
            .map_err(internal)?;
        }
        let row: Result<Option<String>, sqlx::Error> = with_tx!(self, |conn| bind_all!(
            sqlx::query_scalar(sqlx::AssertSqlSafe(sql.text)),
            sql.binds
        )
        .fetch_optional(&mut *conn)
        .await);
        if savepoint {
            let end = if row.is_ok() {
                "RELEASE SAVEPOINT eoex_write"
            } else {
                "ROLLBACK TO SAVEPOINT eoex_write"
            };
            with_tx!(self, |conn| sqlx::query(end)
                .execute(&mut *conn)
                .await
                .map(|_| ()))
            .map_err(internal)?;
        }
        if let Err(e) = &row {
            self.contended |= self.db == DbKind::Sqlite && is_busy(e);
        }
        let row = row.map_err(|e| self.map_db_error(e, entity))?;
        row.map(|r| serde_json::from_str(&r).map_err(internal))
            .transpose()
    }

    async fn audit(
        &mut self,
        action: &str,
        entity: &EntityRef<'_>,
        id: &str,
        old: Option<Value>,
        new: Option<Value>,
    ) -> Result<(), HostError> {
        let mut entry = self.origin.entry(
            &format!("{}.{}.{action}", entity.module, entity.def.name),
            &entity.table(),
            Uuid::parse_str(id).ok(),
        );
        if let Some(old) = old {
            entry = entry.old(old);
        }
        if let Some(new) = new {
            entry = entry.new_values(new);
        }
        let sql = insert_sql(self.db);
        with_tx!(self, |conn| write_audit!(&mut *conn, sql, &entry)).map_err(internal)
    }

    /// A unique violation names the field(s) of the index that refused the write.
    fn map_db_error(&self, err: sqlx::Error, entity: Option<&EntityRef<'_>>) -> HostError {
        if let (Some(db_err), Some(entity)) = (err.as_database_error(), entity)
            && db_err.is_unique_violation()
        {
            let text = format!(
                "{} {}",
                db_err.constraint().unwrap_or_default(),
                db_err.message()
            );
            let mut candidates: Vec<String> = entity
                .def
                .indexes
                .iter()
                .filter(|i| i.unique)
                .map(|i| i.fields.join("_"))
                .collect();
            candidates.extend(
                entity
                    .def
                    .fields
                    .iter()
                    .filter(|f| f.unique)
                    .map(|f| f.name.clone()),
            );
            // Longest first, so `email_domain` wins over `email`.
            candidates.sort_by_key(|c| std::cmp::Reverse(c.len()));
            let field = candidates
                .into_iter()
                .find(|c| text.contains(&format!("_{c}")) || text.contains(&format!(".{c}")))
                .unwrap_or_else(|| "a unique field".into());
            return HostError::Conflict(field);
        }
        internal(err)
    }

    fn select(&self, entity: &EntityRef<'_>) -> Sql {
        let mut sql = Sql::new(self.db);
        sql.push(&format!(
            "SELECT {} FROM {} AS t WHERE t.tenant_id = ",
            record_json(entity.def, self.db, "t."),
            entity.table()
        ));
        sql.bind_tenant(self.tenant_id);
        sql
    }

    pub async fn insert(
        &mut self,
        entity: EntityRef<'_>,
        record: Value,
    ) -> Result<Value, HostError> {
        let Value::Object(mut record) = record else {
            return Err(HostError::Invalid("a record must be a JSON object".into()));
        };
        reject_system_fields(entity.def, &record)?;
        for field in &entity.def.fields {
            if !record.contains_key(&field.name)
                && let Some(default) = &field.default_value
            {
                record.insert(
                    field.name.clone(),
                    serde_json::from_str(default).map_err(internal)?,
                );
            }
        }
        let id = Uuid::now_v7().to_string();
        let now = now_text();
        let mut sql = Sql::new(self.db);
        let mut columns = vec![entity.def.id_field.clone(), "tenant_id".into()];
        let mut values = Sql::new(self.db);
        values
            .bind(Bind::Text(id.clone()), Some(FieldKind::Uuid))
            .push(", ")
            .bind_tenant(self.tenant_id);
        for field in &entity.def.fields {
            let value = record.remove(&field.name).unwrap_or(Value::Null);
            let bind = value_bind(field, &value, self.db)?;
            columns.push(field.name.clone());
            values.push(", ").bind(bind, Some(field.kind));
        }
        if let Some(unknown) = record.keys().next() {
            return Err(HostError::Invalid(format!(
                "{unknown}: no such field in {}",
                entity.def.name
            )));
        }
        columns.extend(["created_at".to_owned(), "updated_at".to_owned()]);
        values
            .push(", ")
            .bind(Bind::Text(now.clone()), Some(FieldKind::Timestamp));
        values
            .push(", ")
            .bind(Bind::Text(now), Some(FieldKind::Timestamp));
        sql.push(&format!(
            "INSERT INTO {} AS t ({}) VALUES (",
            entity.table(),
            columns.join(", ")
        ));
        sql.text.push_str(&values.text);
        sql.binds = values.binds;
        sql.push(&format!(
            ") RETURNING {}",
            record_json(entity.def, self.db, self.returning_prefix())
        ));
        let stored = self
            .fetch_one_record(sql, Some(&entity))
            .await?
            .ok_or_else(|| internal("insert returned no row"))?;
        self.audit("create", &entity, &id, None, Some(stored.clone()))
            .await?;
        Ok(stored)
    }

    /// SQLite's RETURNING cannot use the table alias.
    fn returning_prefix(&self) -> &'static str {
        match self.db {
            DbKind::Postgres => "t.",
            DbKind::Sqlite => "",
        }
    }

    pub async fn get(
        &mut self,
        entity: EntityRef<'_>,
        id: &str,
    ) -> Result<Option<Value>, HostError> {
        let Ok(id) = Uuid::parse_str(id) else {
            return Ok(None);
        };
        let mut sql = self.select(&entity);
        sql.push(&format!(" AND t.{} = ", entity.def.id_field));
        sql.bind(Bind::Text(id.to_string()), Some(FieldKind::Uuid));
        self.fetch_one_record(sql, None).await
    }

    /// The current record, locked for update on PostgreSQL.
    async fn current(
        &mut self,
        entity: &EntityRef<'_>,
        id: &Uuid,
    ) -> Result<Option<Value>, HostError> {
        let mut sql = self.select(entity);
        sql.push(&format!(" AND t.{} = ", entity.def.id_field));
        sql.bind(Bind::Text(id.to_string()), Some(FieldKind::Uuid));
        if self.db == DbKind::Postgres {
            sql.push(" FOR UPDATE");
        }
        self.fetch_one_record(sql, None).await
    }

    pub async fn update(
        &mut self,
        entity: EntityRef<'_>,
        id: &str,
        changes: Value,
        condition: Filter,
    ) -> Result<Value, HostError> {
        let Value::Object(changes) = changes else {
            return Err(HostError::Invalid("changes must be a JSON object".into()));
        };
        reject_system_fields(entity.def, &changes)?;
        let mut assignments = Sql::new(self.db);
        for (name, value) in &changes {
            let field = entity
                .def
                .fields
                .iter()
                .find(|f| &f.name == name)
                .ok_or_else(|| {
                    HostError::Invalid(format!("{name}: no such field in {}", entity.def.name))
                })?;
            let bind = value_bind(field, value, self.db)?;
            assignments.push(&format!("{name} = "));
            assignments.bind(bind, Some(field.kind));
            assignments.push(", ");
        }
        self.write_update(entity, id, assignments, condition, "update")
            .await
    }

    pub async fn increment(
        &mut self,
        entity: EntityRef<'_>,
        id: &str,
        field: &str,
        delta: f64,
        condition: Filter,
    ) -> Result<Value, HostError> {
        let def = entity
            .def
            .fields
            .iter()
            .find(|f| f.name == field)
            .ok_or_else(|| {
                HostError::Invalid(format!("{field}: no such field in {}", entity.def.name))
            })?;
        if !delta.is_finite() {
            return Err(HostError::Invalid(format!(
                "{field}: the increment must be a finite number"
            )));
        }
        let bind = match (def.kind, self.db) {
            (FieldKind::Integer, _) if delta.fract() == 0.0 && delta.abs() < 9.0e15 => {
                Bind::Int(delta as i64)
            }
            (FieldKind::Integer, _) => {
                return Err(HostError::Invalid(format!(
                    "{field}: an integer field needs a whole increment"
                )));
            }
            (FieldKind::Decimal, DbKind::Postgres) => Bind::Text(delta.to_string()),
            (FieldKind::Decimal, DbKind::Sqlite) => Bind::Float(delta),
            _ => {
                return Err(HostError::Invalid(format!(
                    "{field}: only integer and decimal fields can be incremented"
                )));
            }
        };
        let mut assignment = Sql::new(self.db);
        assignment.push(&format!("{field} = COALESCE(t.{field}, 0) + "));
        assignment.bind(bind, Some(def.kind));
        assignment.push(", ");
        self.write_update(entity, id, assignment, condition, "update")
            .await
    }

    /// `UPDATE … SET <assignments> updated_at = now WHERE tenant, id and condition`,
    /// audited; tells a missing record from a failed condition.
    async fn write_update(
        &mut self,
        entity: EntityRef<'_>,
        id: &str,
        assignments: Sql,
        condition: Filter,
        action: &str,
    ) -> Result<Value, HostError> {
        let Ok(uuid) = Uuid::parse_str(id) else {
            return Err(HostError::NotFound);
        };
        let old = self
            .current(&entity, &uuid)
            .await?
            .ok_or(HostError::NotFound)?;
        let mut sql = Sql::new(self.db);
        sql.push(&format!("UPDATE {} AS t SET ", entity.table()));
        // Renumber the assignment binds into this statement.
        append(&mut sql, assignments);
        sql.push("updated_at = ");
        sql.bind(Bind::Text(now_text()), Some(FieldKind::Timestamp));
        sql.push(" WHERE t.tenant_id = ");
        sql.bind_tenant(self.tenant_id);
        sql.push(&format!(" AND t.{} = ", entity.def.id_field));
        sql.bind(Bind::Text(uuid.to_string()), Some(FieldKind::Uuid));
        sql.push(" AND (");
        push_filter(&mut sql, entity.def, &condition)?;
        sql.push(&format!(
            ") RETURNING {}",
            record_json(entity.def, self.db, self.returning_prefix())
        ));
        let new = self
            .fetch_one_record(sql, Some(&entity))
            .await?
            .ok_or(HostError::ConditionFailed)?;
        self.audit(action, &entity, id, Some(old), Some(new.clone()))
            .await?;
        Ok(new)
    }

    pub async fn delete(&mut self, entity: EntityRef<'_>, id: &str) -> Result<bool, HostError> {
        let Ok(uuid) = Uuid::parse_str(id) else {
            return Ok(false);
        };
        let mut sql = Sql::new(self.db);
        sql.push(&format!(
            "DELETE FROM {} AS t WHERE t.tenant_id = ",
            entity.table()
        ));
        sql.bind_tenant(self.tenant_id);
        sql.push(&format!(" AND t.{} = ", entity.def.id_field));
        sql.bind(Bind::Text(uuid.to_string()), Some(FieldKind::Uuid));
        sql.push(&format!(
            " RETURNING {}",
            record_json(entity.def, self.db, self.returning_prefix())
        ));
        match self.fetch_one_record(sql, Some(&entity)).await? {
            Some(old) => {
                self.audit("delete", &entity, id, Some(old), None).await?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    pub async fn query(&mut self, entity: EntityRef<'_>, query: &Query) -> Result<Page, HostError> {
        let limit = query.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
        let offset = match &query.cursor {
            Some(cursor) => decode_cursor(cursor)?,
            None => query.offset.unwrap_or(0),
        };
        let mut sql = self.select(&entity);
        sql.push(" AND (");
        push_filter(&mut sql, entity.def, &query.filter)?;
        sql.push(") ORDER BY ");
        for key in &query.sort {
            field_kind(entity.def, &key.field)?;
            let direction = if key.descending { "DESC" } else { "ASC" };
            sql.push(&format!("t.{} {direction} NULLS LAST, ", key.field));
        }
        // Ids are UUIDv7: the final tie-break is creation order.
        sql.push(&format!("t.{} ASC LIMIT ", entity.def.id_field));
        sql.bind(Bind::Int(i64::from(limit) + 1), None);
        sql.push(" OFFSET ");
        sql.bind(Bind::Int(i64::from(offset)), None);
        let mut records = self.fetch_records(sql).await?;
        let next_cursor = (records.len() > limit as usize).then(|| encode_cursor(offset + limit));
        records.truncate(limit as usize);
        Ok(Page {
            records,
            next_cursor,
        })
    }

    pub async fn count(
        &mut self,
        entity: EntityRef<'_>,
        filter: &Filter,
    ) -> Result<u64, HostError> {
        let mut sql = Sql::new(self.db);
        sql.push(&format!(
            "SELECT COUNT(*) FROM {} AS t WHERE t.tenant_id = ",
            entity.table()
        ));
        sql.bind_tenant(self.tenant_id);
        sql.push(" AND (");
        push_filter(&mut sql, entity.def, filter)?;
        sql.push(")");
        let count: i64 = with_tx!(self, |conn| bind_all!(
            sqlx::query_scalar(sqlx::AssertSqlSafe(sql.text)),
            sql.binds
        )
        .fetch_one(&mut *conn)
        .await)
        .map_err(internal)?;
        Ok(count.max(0) as u64)
    }

    pub async fn aggregate(
        &mut self,
        entity: EntityRef<'_>,
        aggregation: &Aggregation,
    ) -> Result<Vec<Value>, HostError> {
        if aggregation.aggregates.is_empty() && aggregation.group_by.is_empty() {
            return Err(HostError::Invalid(
                "an aggregation needs at least one aggregate or group".into(),
            ));
        }
        let mut outputs: Vec<(String, String)> = Vec::new();
        let mut groups = Vec::new();
        for key in &aggregation.group_by {
            let (name, expr) = match key {
                GroupKey::Field(field) => {
                    field_kind(entity.def, field)?;
                    (field.clone(), format!("t.{field}"))
                }
                GroupKey::Day(field) => {
                    let kind = field_kind(entity.def, field)?;
                    let expr = match (kind, self.db) {
                        (FieldKind::Timestamp, DbKind::Postgres) => {
                            format!("to_char(t.{field} AT TIME ZONE 'UTC', 'YYYY-MM-DD')")
                        }
                        (FieldKind::Date, DbKind::Postgres) => {
                            format!("to_char(t.{field}, 'YYYY-MM-DD')")
                        }
                        (FieldKind::Timestamp | FieldKind::Date, DbKind::Sqlite) => {
                            format!("substr(t.{field}, 1, 10)")
                        }
                        _ => {
                            return Err(HostError::Invalid(format!(
                                "{field}: grouping by day needs a date or timestamp field"
                            )));
                        }
                    };
                    (field.clone(), expr)
                }
            };
            groups.push(expr.clone());
            outputs.push((name, expr));
        }
        for aggregate in &aggregation.aggregates {
            if !eoex_abi::manifest::is_identifier(&aggregate.alias, 50) {
                return Err(HostError::Invalid(format!(
                    "{}: an alias must be a lower-case identifier",
                    aggregate.alias
                )));
            }
            let expr = match (aggregate.function, &aggregate.field) {
                (AggregateFunction::Count, None) => "COUNT(*)".to_owned(),
                (function, Some(field)) => {
                    let kind = field_kind(entity.def, field)?;
                    let numeric = matches!(kind, FieldKind::Integer | FieldKind::Decimal);
                    let name = match function {
                        AggregateFunction::Count => "COUNT",
                        AggregateFunction::Sum if numeric => "SUM",
                        AggregateFunction::Avg if numeric => "AVG",
                        AggregateFunction::Min => "MIN",
                        AggregateFunction::Max => "MAX",
                        _ => {
                            return Err(HostError::Invalid(format!(
                                "{field}: sum and avg need a numeric field"
                            )));
                        }
                    };
                    format!("{name}(t.{field})")
                }
                (_, None) => {
                    return Err(HostError::Invalid(format!(
                        "{}: this aggregate needs a field",
                        aggregate.alias
                    )));
                }
            };
            outputs.push((aggregate.alias.clone(), expr));
        }
        let object = outputs
            .iter()
            .map(|(name, expr)| format!("'{name}', {expr}"))
            .collect::<Vec<_>>()
            .join(", ");
        let object = match self.db {
            DbKind::Postgres => format!("json_build_object({object})::text"),
            DbKind::Sqlite => format!("json_object({object})"),
        };
        let mut sql = Sql::new(self.db);
        sql.push(&format!(
            "SELECT {object} FROM {} AS t WHERE t.tenant_id = ",
            entity.table()
        ));
        sql.bind_tenant(self.tenant_id);
        sql.push(" AND (");
        push_filter(&mut sql, entity.def, &aggregation.filter)?;
        sql.push(")");
        if !groups.is_empty() {
            let list = groups.join(", ");
            sql.push(&format!(" GROUP BY {list} ORDER BY {list}"));
        }
        self.fetch_records(sql).await
    }

    /// The next value of the module's per-tenant sequence `name`. The upsert holds the
    /// row's lock until commit, so concurrent calls queue: no duplicates, and a rolled
    /// back call leaves no gap.
    pub async fn next_sequence(&mut self, name: &str) -> Result<u64, HostError> {
        if name.is_empty() || name.len() > 64 {
            return Err(HostError::Invalid(
                "a sequence name has 1 to 64 characters".into(),
            ));
        }
        let (tenant, module) = (self.tenant_id, self.module.clone());
        let value: i64 = with_tx!(self, |conn| sqlx::query_scalar(
            "INSERT INTO plugin_sequences (tenant_id, module_name, sequence_name, value) VALUES ($1, $2, $3, 1) \
             ON CONFLICT (tenant_id, module_name, sequence_name) DO UPDATE SET value = plugin_sequences.value + 1 \
             RETURNING value"
        )
        .bind(tenant)
        .bind(&module)
        .bind(name)
        .fetch_one(&mut *conn)
        .await)
        .map_err(internal)?;
        Ok(value as u64)
    }

    /// A user of the transaction's tenant; `None` for a malformed id or one of another
    /// tenant.
    pub async fn user(&mut self, user_id: &str) -> Result<Option<UserInfo>, HostError> {
        let Ok(user_id) = Uuid::parse_str(user_id) else {
            return Ok(None);
        };
        let tenant = self.tenant_id;
        let row: Option<UserRow> = with_tx!(self, |conn| sqlx::query_as(
            "SELECT user_id, email, first_name, last_name, role, is_active FROM users \
                 WHERE tenant_id = $1 AND user_id = $2"
        )
        .bind(tenant)
        .bind(user_id)
        .fetch_optional(&mut *conn)
        .await)
        .map_err(internal)?;
        Ok(row.map(
            |(user_id, email, first_name, last_name, role, is_active)| UserInfo {
                user_id: user_id.to_string(),
                email,
                first_name,
                last_name,
                role,
                is_active,
            },
        ))
    }

    /// Records an event for delivery after commit.
    pub async fn publish(&mut self, topic: &str, payload: &Value) -> Result<(), HostError> {
        let event_id = Uuid::now_v7();
        let (tenant, module, payload) = (self.tenant_id, self.module.clone(), payload.to_string());
        let sql = match self.db {
            DbKind::Postgres => {
                "INSERT INTO plugin_events (event_id, tenant_id, module_name, topic, payload) VALUES ($1, $2, $3, $4, CAST($5 AS JSONB))"
            }
            DbKind::Sqlite => {
                "INSERT INTO plugin_events (event_id, tenant_id, module_name, topic, payload) VALUES ($1, $2, $3, $4, $5)"
            }
        };
        with_tx!(self, |conn| sqlx::query(sql)
            .bind(event_id)
            .bind(tenant)
            .bind(&module)
            .bind(topic)
            .bind(&payload)
            .execute(&mut *conn)
            .await
            .map(|_| ()))
        .map_err(internal)?;
        self.published.push(event_id);
        Ok(())
    }
}

impl PluginTx {
    /// Records the tenant's module state in this transaction, so that a lifecycle hook
    /// and the version change it belongs to commit or roll back together.
    pub async fn set_tenant_module(
        &mut self,
        setting: &crate::catalog::ModuleSetting,
    ) -> crate::Result<()> {
        let (kind, tenant, origin) = (self.db, self.tenant_id, self.origin.clone());
        with_tx!(self, |conn| crate::catalog::write_tenant_module!(
            conn, kind, tenant, setting, &origin
        ))?;
        Ok(())
    }
}

fn append(target: &mut Sql, part: Sql) {
    // Placeholders are numbered from 1 within `part`: shift them past `target`'s.
    let shift = target.binds.len();
    let mut text = part.text;
    for n in (1..=part.binds.len()).rev() {
        text = text.replace(&format!("${n}"), &format!("${}", n + shift));
    }
    target.text.push_str(&text);
    target.binds.extend(part.binds);
}

fn reject_system_fields(entity: &EntityDef, record: &Map<String, Value>) -> Result<(), HostError> {
    for name in [
        entity.id_field.as_str(),
        "tenant_id",
        "created_at",
        "updated_at",
    ] {
        if record.contains_key(name) {
            return Err(HostError::Invalid(format!(
                "{name}: maintained by the host"
            )));
        }
    }
    Ok(())
}

fn now_text() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string()
}

fn encode_cursor(offset: u32) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("o:{offset}"))
}

fn decode_cursor(cursor: &str) -> Result<u32, HostError> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.strip_prefix("o:").and_then(|n| n.parse().ok()))
        .ok_or_else(|| HostError::Invalid("cursor: not a cursor from this store".into()))
}
