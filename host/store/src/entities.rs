//! Plugin entity tables: created and additively migrated from manifests, and the
//! record store a plugin's calls run against ([`PluginTx`]).
//!
//! Each entity is a real table `<module>_<entity>` with typed columns, its id field as
//! primary key, `tenant_id`, `created_at`, `updated_at`, and indexes that all lead with
//! `tenant_id`. Every statement built here binds the transaction's tenant; on
//! PostgreSQL row-level security on `tenant_id` is a second line of defence (the
//! tenant is set with `set_config(…, true)`, local to the transaction).

mod schema;
mod sql;
mod tx;

pub use tx::{EntityRef, PluginTx};

use eoex_abi::manifest::FieldKind;

/// The SQL column type of a field kind.
pub(crate) fn column_type(kind: FieldKind, db: crate::DbKind) -> &'static str {
    use crate::DbKind::*;
    match (kind, db) {
        (FieldKind::Text, _) => "TEXT",
        (FieldKind::Integer, Postgres) => "BIGINT",
        (FieldKind::Integer, Sqlite) => "INTEGER",
        (FieldKind::Decimal, _) => "NUMERIC",
        (FieldKind::Boolean, _) => "BOOLEAN",
        (FieldKind::Date, Postgres) => "DATE",
        (FieldKind::Timestamp, Postgres) => "TIMESTAMPTZ",
        (FieldKind::Uuid, Postgres) => "UUID",
        (FieldKind::Json, Postgres) => "JSONB",
        (FieldKind::Date | FieldKind::Timestamp | FieldKind::Uuid | FieldKind::Json, Sqlite) => {
            "TEXT"
        }
    }
}
