//! Turning JSON records and the ABI's filters into typed, bound SQL.

use eoex_abi::HostError;
use eoex_abi::manifest::{EntityDef, FieldDef, FieldKind};
use eoex_abi::services::{Comparison, FilterNode, Scalar};
use serde_json::Value;

use crate::DbKind;

/// A value bound to a statement. PostgreSQL placeholders carry a cast to the column
/// type (see [`Sql::bind`]), so text is enough for every non-native kind.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Bind {
    Null,
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// Native UUID in PostgreSQL, 16-byte blob in SQLite: the core tables' ids.
    Uuid(uuid::Uuid),
}

/// SQL text with its binds, numbering placeholders as they are added.
#[derive(Debug)]
pub(crate) struct Sql {
    pub db: DbKind,
    pub text: String,
    pub binds: Vec<Bind>,
}

impl Sql {
    pub fn new(db: DbKind) -> Sql {
        Sql {
            db,
            text: String::new(),
            binds: Vec::new(),
        }
    }

    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder for `bind`, typed as a column of `kind` would be.
    pub fn bind(&mut self, bind: Bind, kind: Option<FieldKind>) -> &mut Self {
        self.binds.push(bind);
        let n = self.binds.len();
        match (self.db, kind) {
            (DbKind::Postgres, Some(kind)) => {
                let ty = super::column_type(kind, DbKind::Postgres);
                self.text.push_str(&format!("CAST(${n} AS {ty})"));
            }
            _ => self.text.push_str(&format!("${n}")),
        }
        self
    }

    /// The tenant id, typed as the core tables store it.
    pub fn bind_tenant(&mut self, tenant: uuid::Uuid) -> &mut Self {
        self.bind(Bind::Uuid(tenant), None)
    }
}

/// Binds `$binds` onto a sqlx query, whatever the backend.
macro_rules! bind_all {
    ($query:expr, $binds:expr) => {{
        let mut query = $query;
        for bind in $binds {
            query = match bind {
                $crate::entities::sql::Bind::Null => query.bind(None::<String>),
                $crate::entities::sql::Bind::Text(v) => query.bind(v),
                $crate::entities::sql::Bind::Int(v) => query.bind(v),
                $crate::entities::sql::Bind::Float(v) => query.bind(v),
                $crate::entities::sql::Bind::Bool(v) => query.bind(v),
                $crate::entities::sql::Bind::Uuid(v) => query.bind(v),
            };
        }
        query
    }};
}
pub(crate) use bind_all;

/// The names a query may use: the id field, the declared fields and the timestamps.
pub(crate) fn field_kind(entity: &EntityDef, name: &str) -> Result<FieldKind, HostError> {
    if name == entity.id_field {
        return Ok(FieldKind::Uuid);
    }
    if name == "created_at" || name == "updated_at" {
        return Ok(FieldKind::Timestamp);
    }
    entity
        .fields
        .iter()
        .find(|f| f.name == name)
        .map(|f| f.kind)
        .ok_or_else(|| HostError::Invalid(format!("{name}: no such field in {}", entity.name)))
}

/// Checks a record value against its field and converts it for binding.
pub(crate) fn value_bind(field: &FieldDef, value: &Value, db: DbKind) -> Result<Bind, HostError> {
    let name = &field.name;
    let wrong =
        |expected: &str| HostError::Invalid(format!("{name}: expected {expected}, got {value}"));
    if value.is_null() {
        return if field.required {
            Err(HostError::Invalid(format!("{name}: is required")))
        } else {
            Ok(Bind::Null)
        };
    }
    Ok(match field.kind {
        FieldKind::Text => {
            let text = value.as_str().ok_or_else(|| wrong("text"))?;
            if field.required && text.trim().is_empty() {
                return Err(HostError::Invalid(format!("{name}: must not be empty")));
            }
            if let Some(max) = field.max_length
                && text.chars().count() > max as usize
            {
                return Err(HostError::Invalid(format!(
                    "{name}: must be at most {max} characters"
                )));
            }
            if !field.choices.is_empty() && !field.choices.iter().any(|c| c == text) {
                return Err(HostError::Invalid(format!(
                    "{name}: must be one of {}",
                    field.choices.join(", ")
                )));
            }
            Bind::Text(text.to_owned())
        }
        FieldKind::Integer => Bind::Int(value.as_i64().ok_or_else(|| wrong("an integer"))?),
        FieldKind::Decimal => decimal_bind(value, db).ok_or_else(|| wrong("a number"))?,
        FieldKind::Boolean => Bind::Bool(value.as_bool().ok_or_else(|| wrong("true or false"))?),
        FieldKind::Date => {
            let text = value.as_str().ok_or_else(|| wrong("a date (YYYY-MM-DD)"))?;
            chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map_err(|_| wrong("a date (YYYY-MM-DD)"))?;
            Bind::Text(text.to_owned())
        }
        FieldKind::Timestamp => {
            Bind::Text(timestamp_text(value).ok_or_else(|| wrong("an RFC 3339 timestamp"))?)
        }
        FieldKind::Uuid => {
            let text = value.as_str().ok_or_else(|| wrong("a UUID"))?;
            Bind::Text(
                uuid::Uuid::parse_str(text)
                    .map_err(|_| wrong("a UUID"))?
                    .to_string(),
            )
        }
        FieldKind::Json => Bind::Text(value.to_string()),
    })
}

/// Decimals bind exactly (as their JSON text) on PostgreSQL's NUMERIC; SQLite stores
/// them with NUMERIC affinity as a float.
fn decimal_bind(value: &Value, db: DbKind) -> Option<Bind> {
    let number = value.as_number()?;
    Some(match db {
        DbKind::Postgres => Bind::Text(number.to_string()),
        DbKind::Sqlite => number
            .as_i64()
            .map(Bind::Int)
            .or_else(|| number.as_f64().map(Bind::Float))?,
    })
}

/// Timestamps are stored in UTC with microseconds, so that text order (SQLite) is
/// time order.
pub(crate) fn timestamp_text(value: &Value) -> Option<String> {
    let parsed = chrono::DateTime::parse_from_rfc3339(value.as_str()?).ok()?;
    Some(
        parsed
            .with_timezone(&chrono::Utc)
            .format("%Y-%m-%dT%H:%M:%S%.6fZ")
            .to_string(),
    )
}

/// A filter operand for a field of `kind`.
fn scalar_bind(
    name: &str,
    kind: FieldKind,
    scalar: &Scalar,
    db: DbKind,
) -> Result<Bind, HostError> {
    let as_value = match scalar {
        Scalar::Null => Value::Null,
        Scalar::Boolean(b) => Value::Bool(*b),
        Scalar::Integer(i) => Value::from(*i),
        Scalar::Float(f) => serde_json::Number::from_f64(*f)
            .map(Value::Number)
            .ok_or_else(|| HostError::Invalid(format!("{name}: not a finite number")))?,
        Scalar::Text(t) => Value::String(t.clone()),
    };
    // Compare an integer field with a float operand as the float (e.g. `stock >= 2.5`).
    let kind = if kind == FieldKind::Integer && matches!(scalar, Scalar::Float(_)) {
        FieldKind::Decimal
    } else {
        kind
    };
    let probe = FieldDef {
        name: name.to_owned(),
        kind,
        label: String::new(),
        required: false,
        unique: false,
        indexed: false,
        default_value: None,
        choices: vec![],
        max_length: None,
    };
    value_bind(&probe, &as_value, db)
}

/// Appends `filter` (root last) as a SQL condition; an empty filter is `TRUE`.
pub(crate) fn push_filter(
    sql: &mut Sql,
    entity: &EntityDef,
    filter: &[FilterNode],
) -> Result<(), HostError> {
    match filter.len() {
        0 => {
            sql.push("1 = 1");
            Ok(())
        }
        n => push_node(sql, entity, filter, (n - 1) as u32, 0),
    }
}

fn push_node(
    sql: &mut Sql,
    entity: &EntityDef,
    nodes: &[FilterNode],
    index: u32,
    depth: usize,
) -> Result<(), HostError> {
    if depth > 64 {
        return Err(HostError::Invalid("filter: nested too deeply".into()));
    }
    let node = nodes
        .get(index as usize)
        .ok_or_else(|| HostError::Invalid(format!("filter: no node {index}")))?;
    let child = |i: &u32| -> Result<u32, HostError> {
        if *i < index {
            Ok(*i)
        } else {
            Err(HostError::Invalid(
                "filter: nodes may only refer to earlier nodes".into(),
            ))
        }
    };
    match node {
        FilterNode::Condition { field, op, value } => {
            let kind = field_kind(entity, field)?;
            let column = format!("t.{field}");
            match op {
                Comparison::IsNull => {
                    sql.push(&format!("{column} IS NULL"));
                }
                Comparison::IsNotNull => {
                    sql.push(&format!("{column} IS NOT NULL"));
                }
                Comparison::Contains => {
                    if kind != FieldKind::Text {
                        return Err(HostError::Invalid(format!(
                            "{field}: contains applies to text fields"
                        )));
                    }
                    let Scalar::Text(needle) = value else {
                        return Err(HostError::Invalid(format!(
                            "{field}: contains needs a text value"
                        )));
                    };
                    let pattern = format!("%{}%", escape_like(&needle.to_lowercase()));
                    sql.push(&format!("LOWER({column}) LIKE "));
                    sql.bind(Bind::Text(pattern), None);
                    sql.push(" ESCAPE '\\'");
                }
                comparison => {
                    if matches!(value, Scalar::Null) {
                        return Err(HostError::Invalid(format!(
                            "{field}: compare with null using is-null"
                        )));
                    }
                    let bind = scalar_bind(field, kind, value, sql.db)?;
                    let op = match comparison {
                        Comparison::Eq => "=",
                        Comparison::Ne => "<>",
                        Comparison::Lt => "<",
                        Comparison::Lte => "<=",
                        Comparison::Gt => ">",
                        _ => ">=",
                    };
                    // `ne` also matches NULLs, as a person reading "status is not X" expects.
                    if *comparison == Comparison::Ne {
                        sql.push(&format!("({column} IS NULL OR {column} <> "));
                        bind_operand(sql, bind, kind);
                        sql.push(")");
                    } else {
                        sql.push(&format!("{column} {op} "));
                        bind_operand(sql, bind, kind);
                    }
                }
            }
        }
        FilterNode::InList { field, values } => {
            let kind = field_kind(entity, field)?;
            if values.is_empty() {
                sql.push("1 = 0");
                return Ok(());
            }
            if values.len() > 1000 {
                return Err(HostError::Invalid(format!(
                    "{field}: at most 1000 values in a list"
                )));
            }
            sql.push(&format!("t.{field} IN ("));
            for (i, value) in values.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                let bind = scalar_bind(field, kind, value, sql.db)?;
                bind_operand(sql, bind, kind);
            }
            sql.push(")");
        }
        FilterNode::All(children) | FilterNode::Any(children) => {
            let joiner = if matches!(node, FilterNode::All(_)) {
                " AND "
            } else {
                " OR "
            };
            if children.is_empty() {
                sql.push(if matches!(node, FilterNode::All(_)) {
                    "1 = 1"
                } else {
                    "1 = 0"
                });
                return Ok(());
            }
            sql.push("(");
            for (i, c) in children.iter().enumerate() {
                if i > 0 {
                    sql.push(joiner);
                }
                push_node(sql, entity, nodes, child(c)?, depth + 1)?;
            }
            sql.push(")");
        }
        FilterNode::Not(c) => {
            sql.push("NOT (");
            push_node(sql, entity, nodes, child(c)?, depth + 1)?;
            sql.push(")");
        }
    }
    Ok(())
}

fn bind_operand(sql: &mut Sql, bind: Bind, kind: FieldKind) {
    let kind = match kind {
        // JSON fields are compared as text.
        FieldKind::Json => FieldKind::Text,
        k => k,
    };
    sql.bind(bind, Some(kind));
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// The expression that renders a row as a JSON object (text), without the tenant;
/// `prefix` qualifies SQLite's columns (`t.`, or nothing in RETURNING).
pub(crate) fn record_json(entity: &EntityDef, db: DbKind, prefix: &str) -> String {
    match db {
        DbKind::Postgres => "(to_jsonb(t) - 'tenant_id')::text".to_owned(),
        DbKind::Sqlite => {
            let t = prefix;
            let mut parts = vec![format!("'{0}', {t}{0}", entity.id_field)];
            for field in &entity.fields {
                let name = &field.name;
                parts.push(match field.kind {
                    FieldKind::Boolean => format!(
                        "'{name}', CASE WHEN {t}{name} IS NULL THEN NULL WHEN {t}{name} THEN json('true') ELSE json('false') END"
                    ),
                    FieldKind::Json => format!("'{name}', json({t}{name})"),
                    _ => format!("'{name}', {t}{name}"),
                });
            }
            parts.push(format!("'created_at', {t}created_at"));
            parts.push(format!("'updated_at', {t}updated_at"));
            format!("json_object({})", parts.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use eoex_abi::manifest::IndexDef;

    use super::*;

    fn entity() -> EntityDef {
        let field = |name: &str, kind, required| FieldDef {
            name: name.into(),
            kind,
            label: name.into(),
            required,
            unique: false,
            indexed: false,
            default_value: None,
            choices: if name == "status" {
                vec!["new".into(), "won".into()]
            } else {
                vec![]
            },
            max_length: Some(10),
        };
        EntityDef {
            name: "deals".into(),
            label: "Deals".into(),
            id_field: "deal_id".into(),
            fields: vec![
                field("name", FieldKind::Text, true),
                field("status", FieldKind::Text, false),
                field("amount", FieldKind::Decimal, false),
                field("closes", FieldKind::Date, false),
            ],
            indexes: vec![IndexDef {
                fields: vec!["status".into()],
                unique: false,
            }],
            exposed: false,
        }
    }

    #[test]
    fn values_are_checked_against_their_fields() {
        let e = entity();
        let name = &e.fields[0];
        assert_eq!(
            value_bind(name, &Value::from("x"), DbKind::Sqlite).unwrap(),
            Bind::Text("x".into())
        );
        for bad in [
            Value::Null,
            Value::from(""),
            Value::from(3),
            Value::from("far too long a name"),
        ] {
            let err = value_bind(name, &bad, DbKind::Sqlite).unwrap_err();
            assert!(
                matches!(&err, HostError::Invalid(m) if m.starts_with("name:")),
                "{bad}: {err:?}"
            );
        }
        assert!(value_bind(&e.fields[1], &Value::from("lost"), DbKind::Sqlite).is_err());
        assert_eq!(
            value_bind(&e.fields[2], &serde_json::json!(10.25), DbKind::Postgres).unwrap(),
            Bind::Text("10.25".into())
        );
        assert!(value_bind(&e.fields[3], &Value::from("2026-02-30"), DbKind::Sqlite).is_err());
    }

    #[test]
    fn filters_compile_to_bound_sql() {
        let e = entity();
        let nodes = vec![
            FilterNode::Condition {
                field: "status".into(),
                op: Comparison::Eq,
                value: Scalar::Text("new".into()),
            },
            FilterNode::Condition {
                field: "name".into(),
                op: Comparison::Contains,
                value: Scalar::Text("50%".into()),
            },
            FilterNode::Any(vec![0, 1]),
        ];
        let mut sql = Sql::new(DbKind::Postgres);
        push_filter(&mut sql, &e, &nodes).unwrap();
        assert_eq!(
            sql.text,
            "(t.status = CAST($1 AS TEXT) OR LOWER(t.name) LIKE $2 ESCAPE '\\')"
        );
        assert_eq!(
            sql.binds,
            vec![Bind::Text("new".into()), Bind::Text("%50\\%%".into())]
        );
        let forward = vec![FilterNode::Not(0)];
        assert!(push_filter(&mut Sql::new(DbKind::Sqlite), &e, &forward).is_err());
        let unknown = vec![FilterNode::Condition {
            field: "nope".into(),
            op: Comparison::Eq,
            value: Scalar::Integer(1),
        }];
        assert!(matches!(
            push_filter(&mut Sql::new(DbKind::Sqlite), &e, &unknown),
            Err(HostError::Invalid(_))
        ));
    }
}
