//! Creating and additively migrating entity tables from a module's manifest.

use eoex_abi::manifest::{EntityDef, FieldDef, Manifest};

use super::column_type;
use crate::db::Pools;
use crate::{Db, DbKind, Result, StoreError};

impl Db {
    /// Creates the tables of `module`'s entities, or migrates them additively to these
    /// definitions: new fields become new (nullable) columns, new unique fields and
    /// indexes new indexes. A field whose kind changed is refused, with nothing changed.
    /// Fields a definition no longer has keep their columns (other tenants may run a
    /// version that still uses them).
    pub async fn ensure_entity_tables(&self, module: &str, entities: &[EntityDef]) -> Result<()> {
        let kind = self.kind();
        match &self.pools {
            Pools::Sqlite(pool) => {
                let mut tx = pool.begin().await?;
                for entity in entities {
                    let stored: Option<String> = sqlx::query_scalar(
                        "SELECT definition FROM entity_schemas WHERE module_name = $1 AND entity_name = $2",
                    )
                    .bind(module)
                    .bind(&entity.name)
                    .fetch_optional(&mut *tx)
                    .await?;
                    let stored = stored
                        .map(|s| serde_json::from_str::<EntityDef>(&s))
                        .transpose()
                        .map_err(schema_err)?;
                    let (statements, merged) = plan(module, entity, stored.as_ref(), kind)?;
                    for statement in statements {
                        sqlx::query(sqlx::AssertSqlSafe(statement))
                            .execute(&mut *tx)
                            .await?;
                    }
                    save(&mut tx, module, entity, &merged).await?;
                }
                tx.commit().await?;
            }
            Pools::Postgres { owner, .. } => {
                let mut tx = owner.begin().await?;
                // Two hosts enabling the same module at once must not both create tables.
                sqlx::query("SELECT pg_advisory_xact_lock(hashtext('eoex.entity_schemas'))")
                    .execute(&mut *tx)
                    .await?;
                for entity in entities {
                    let stored: Option<sqlx::types::Json<EntityDef>> = sqlx::query_scalar(
                        "SELECT definition FROM entity_schemas WHERE module_name = $1 AND entity_name = $2",
                    )
                    .bind(module)
                    .bind(&entity.name)
                    .fetch_optional(&mut *tx)
                    .await?;
                    let (statements, merged) =
                        plan(module, entity, stored.as_ref().map(|j| &j.0), kind)?;
                    for statement in statements {
                        sqlx::query(sqlx::AssertSqlSafe(statement))
                            .execute(&mut *tx)
                            .await?;
                    }
                    sqlx::query(
                        "INSERT INTO entity_schemas (module_name, entity_name, table_name, definition) \
                         VALUES ($1, $2, $3, $4) ON CONFLICT (module_name, entity_name) \
                         DO UPDATE SET definition = EXCLUDED.definition, updated_at = now()",
                    )
                    .bind(module)
                    .bind(&entity.name)
                    .bind(Manifest::table_name(module, &entity.name))
                    .bind(sqlx::types::Json(&merged))
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
            }
        }
        Ok(())
    }
}

async fn save(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    module: &str,
    entity: &EntityDef,
    merged: &EntityDef,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO entity_schemas (module_name, entity_name, table_name, definition) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (module_name, entity_name) \
         DO UPDATE SET definition = excluded.definition, \
         updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
    )
    .bind(module)
    .bind(&entity.name)
    .bind(Manifest::table_name(module, &entity.name))
    .bind(serde_json::to_string(merged).map_err(schema_err)?)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn schema_err(e: impl std::fmt::Display) -> StoreError {
    StoreError::Schema(e.to_string())
}

/// The DDL that brings the table from `stored` (None: no table yet) to `entity`, and
/// the definition to record afterwards (the union of both field lists).
fn plan(
    module: &str,
    entity: &EntityDef,
    stored: Option<&EntityDef>,
    db: DbKind,
) -> Result<(Vec<String>, EntityDef)> {
    let table = Manifest::table_name(module, &entity.name);
    let mut statements = Vec::new();
    let merged = match stored {
        None => {
            statements.push(create_table(&table, entity, db));
            if db == DbKind::Postgres {
                statements.extend(row_level_security(&table));
            }
            entity.clone()
        }
        Some(stored) => {
            if stored.id_field != entity.id_field {
                return Err(schema_err(format!(
                    "entity {}: id field changed from {:?} to {:?}; that is not an additive change",
                    entity.name, stored.id_field, entity.id_field
                )));
            }
            let mut merged = stored.clone();
            for field in &entity.fields {
                match stored.fields.iter().find(|f| f.name == field.name) {
                    Some(old) if old.kind != field.kind => {
                        return Err(schema_err(format!(
                            "entity {}: field {:?} changed kind from {:?} to {:?}; that is not an additive change",
                            entity.name, field.name, old.kind, field.kind
                        )));
                    }
                    Some(_) => {
                        let slot = merged.fields.iter_mut().find(|f| f.name == field.name);
                        if let Some(slot) = slot {
                            *slot = field.clone();
                        }
                    }
                    None => {
                        statements.push(format!(
                            "ALTER TABLE {table} ADD COLUMN {} {}",
                            field.name,
                            column_type(field.kind, db)
                        ));
                        merged.fields.push(field.clone());
                    }
                }
            }
            merged.label = entity.label.clone();
            merged.exposed = entity.exposed;
            for index in &entity.indexes {
                if !merged.indexes.contains(index) {
                    merged.indexes.push(index.clone());
                }
            }
            merged
        }
    };
    statements.extend(indexes(&table, entity));
    Ok((statements, merged))
}

fn create_table(table: &str, entity: &EntityDef, db: DbKind) -> String {
    let (id_type, tenant_type, time_type, now) = match db {
        DbKind::Postgres => ("UUID", "UUID", "TIMESTAMPTZ", "now()"),
        // Plugin ids are UUID text in SQLite (readable, and json_object can emit them);
        // tenant_id matches the core tables' 16-byte blobs.
        DbKind::Sqlite => (
            "TEXT",
            "BLOB",
            "TEXT",
            "(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
        ),
    };
    let mut columns = vec![
        format!("{} {id_type} PRIMARY KEY NOT NULL", entity.id_field),
        format!("tenant_id {tenant_type} NOT NULL REFERENCES tenants(tenant_id) ON DELETE CASCADE"),
    ];
    columns.extend(
        entity
            .fields
            .iter()
            .map(|f: &FieldDef| format!("{} {}", f.name, column_type(f.kind, db))),
    );
    columns.push(format!("created_at {time_type} NOT NULL DEFAULT {now}"));
    columns.push(format!("updated_at {time_type} NOT NULL DEFAULT {now}"));
    format!(
        "CREATE TABLE IF NOT EXISTS {table} (\n    {}\n)",
        columns.join(",\n    ")
    )
}

/// Index statements, all idempotent and all leading with the tenant.
fn indexes(table: &str, entity: &EntityDef) -> Vec<String> {
    let mut statements = vec![format!(
        "CREATE INDEX IF NOT EXISTS ix_{table}_tenant ON {table} (tenant_id, created_at)"
    )];
    for field in &entity.fields {
        if field.unique {
            statements.push(format!(
                "CREATE UNIQUE INDEX IF NOT EXISTS ux_{table}_{0} ON {table} (tenant_id, {0})",
                field.name
            ));
        } else if field.indexed {
            statements.push(format!(
                "CREATE INDEX IF NOT EXISTS ix_{table}_{0} ON {table} (tenant_id, {0})",
                field.name
            ));
        }
    }
    for index in &entity.indexes {
        let name = format!(
            "{}_{}_{}",
            if index.unique { "ux" } else { "ix" },
            table,
            index.fields.join("_")
        );
        let unique = if index.unique { "UNIQUE " } else { "" };
        statements.push(format!(
            "CREATE {unique}INDEX IF NOT EXISTS {name} ON {table} (tenant_id, {})",
            index.fields.join(", ")
        ));
    }
    statements
}

/// Row-level security as a second line of defence: rows are visible and writable only
/// for the tenant set in the transaction; with none set, nothing matches.
fn row_level_security(table: &str) -> Vec<String> {
    let tenant = "NULLIF(current_setting('eoex.tenant_id', true), '')::uuid";
    vec![
        format!("ALTER TABLE {table} ENABLE ROW LEVEL SECURITY"),
        format!("ALTER TABLE {table} FORCE ROW LEVEL SECURITY"),
        format!(
            "CREATE POLICY tenant_isolation ON {table} USING (tenant_id = {tenant}) WITH CHECK (tenant_id = {tenant})"
        ),
    ]
}

#[cfg(test)]
mod tests {
    use eoex_abi::manifest::{FieldKind, IndexDef};

    use super::*;

    fn field(name: &str, kind: FieldKind) -> FieldDef {
        FieldDef {
            name: name.into(),
            kind,
            label: name.into(),
            required: false,
            unique: false,
            indexed: false,
            default_value: None,
            choices: vec![],
            max_length: None,
        }
    }

    fn entity(fields: Vec<FieldDef>) -> EntityDef {
        EntityDef {
            name: "contacts".into(),
            label: "Contacts".into(),
            id_field: "contact_id".into(),
            fields,
            indexes: vec![IndexDef {
                fields: vec!["status".into()],
                unique: false,
            }],
            exposed: false,
        }
    }

    #[test]
    fn new_tables_get_rls_on_postgres_only() {
        let e = entity(vec![
            field("email", FieldKind::Text),
            field("status", FieldKind::Text),
        ]);
        let (pg, _) = plan("crm", &e, None, DbKind::Postgres).unwrap();
        assert!(pg[0].starts_with("CREATE TABLE IF NOT EXISTS crm_contacts"));
        assert!(pg.iter().any(|s| s.contains("FORCE ROW LEVEL SECURITY")));
        assert!(pg.iter().any(|s| s.contains("WITH CHECK")));
        let (lite, _) = plan("crm", &e, None, DbKind::Sqlite).unwrap();
        assert!(!lite.iter().any(|s| s.contains("ROW LEVEL")));
    }

    #[test]
    fn migrations_are_additive() {
        let v1 = entity(vec![
            field("email", FieldKind::Text),
            field("status", FieldKind::Text),
        ]);
        let v2 = entity(vec![
            field("email", FieldKind::Text),
            field("status", FieldKind::Text),
            field("score", FieldKind::Integer),
        ]);
        let (statements, merged) = plan("crm", &v2, Some(&v1), DbKind::Postgres).unwrap();
        assert_eq!(
            statements[0],
            "ALTER TABLE crm_contacts ADD COLUMN score BIGINT"
        );
        assert_eq!(merged.fields.len(), 3);
        // Dropping a field keeps its column and its place in the recorded definition.
        let (statements, merged) = plan("crm", &v1, Some(&merged), DbKind::Postgres).unwrap();
        assert!(!statements.iter().any(|s| s.contains("DROP")));
        assert_eq!(merged.fields.len(), 3);
        let changed = entity(vec![field("email", FieldKind::Integer)]);
        let err = plan("crm", &changed, Some(&v1), DbKind::Postgres)
            .unwrap_err()
            .to_string();
        assert!(err.contains("changed kind"), "{err}");
    }
}
