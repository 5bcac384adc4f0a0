//! The record store in memory, with the host's rules: entities and permissions from
//! the manifests, field types, required fields, choices, lengths, defaults, unique
//! fields and indexes, host-maintained id and timestamps, SQL-like filter semantics.
//!
//! It follows `PluginTx` in `host/store` (messages included): `ne` matches nulls, other
//! comparisons do not, nulls sort last both ways, the limit is clamped to 1..=1000, ids
//! are UUIDv7 and the final sort key is creation order. Known approximation: text
//! compares and sorts by code point, not by the database's collation.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde_json::{Map, Value};

use crate::HostError;
use crate::manifest::{Access, Entity, Field, FieldKind, Manifest};
use crate::store::{Aggregation, Function, GroupKey, Node, Op, Query, RawPage, Scalar};

const MAX_LIMIT: u32 = 1000;
const MAX_LIST: usize = 1000;
const DEFAULT_LIMIT: u32 = 50;

type Record = Map<String, Value>;

static NULL: Value = Value::Null;

/// A column of a record; absent reads as null.
fn cell<'r>(record: &'r Record, name: &str) -> &'r Value {
    record.get(name).unwrap_or(&NULL)
}

/// What a request's rollback restores.
#[derive(Debug, Clone, Default)]
pub(crate) struct Store {
    /// By `module.entity`, in insertion order.
    tables: BTreeMap<String, Vec<Record>>,
    /// By `module.name`.
    sequences: BTreeMap<String, u64>,
    last_timestamp: Option<DateTime<Utc>>,
}

/// Who is calling: the current module, the other modules enabled beside it, and
/// whether the caller's role may write.
pub(crate) struct Scope<'a> {
    pub module: &'a Manifest,
    pub modules: &'a BTreeMap<String, Manifest>,
    pub can_write: bool,
}

struct Table<'a> {
    key: String,
    entity: &'a Entity,
}

impl Manifest {
    pub(crate) fn find_entity(&self, name: &str) -> Option<&Entity> {
        self.entities.iter().find(|e| e.name == name)
    }

    pub(crate) fn access_to(&self, entity: &str) -> Option<Access> {
        self.permissions
            .iter()
            .filter(|p| p.entity == entity)
            .map(|p| p.access)
            .max()
    }
}

impl Entity {
    /// The kind of a column a filter, sort or group may name.
    fn column(&self, name: &str) -> Option<FieldKind> {
        if name == self.id_field {
            Some(FieldKind::Uuid)
        } else if name == "created_at" || name == "updated_at" {
            Some(FieldKind::Timestamp)
        } else {
            self.fields.iter().find(|f| f.name == name).map(|f| f.kind)
        }
    }

    fn field_def(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    fn is_system(&self, name: &str) -> bool {
        name == self.id_field || ["tenant_id", "created_at", "updated_at"].contains(&name)
    }
}

fn invalid(message: impl Into<String>) -> HostError {
    HostError::Invalid(message.into())
}

fn no_such_field(entity: &Entity, name: &str) -> HostError {
    invalid(format!("{name}: no such field in {}", entity.name))
}

fn denied(message: impl Into<String>) -> HostError {
    HostError::Denied(message.into())
}

const READONLY: &str = "the readonly role cannot make changes";

impl Store {
    pub fn create_tables(&mut self, manifest: &Manifest) {
        for entity in &manifest.entities {
            self.tables
                .entry(format!("{}.{}", manifest.name, entity.name))
                .or_default();
        }
    }

    pub fn records(&self, key: &str) -> Option<&[Record]> {
        self.tables.get(key).map(Vec::as_slice)
    }

    pub fn insert(&mut self, scope: &Scope, entity: &str, json: &str) -> Result<String, HostError> {
        let table = resolve(scope, entity, Access::Write)?;
        let input = parse_object(json)?;
        check_keys(table.entity, &input)?;
        let mut record = Record::new();
        for field in &table.entity.fields {
            let value = match input.get(&field.name) {
                Some(value) => value.clone(),
                None => match &field.default_value {
                    Some(default) => serde_json::from_str(default).map_err(|e| {
                        invalid(format!("{}: default is not JSON: {e}", field.name))
                    })?,
                    None => Value::Null,
                },
            };
            record.insert(field.name.clone(), check_value(field, value)?);
        }
        self.check_unique(&table, &record, None)?;
        let now = Value::String(self.now());
        record.insert(
            table.entity.id_field.clone(),
            Value::String(uuid::Uuid::now_v7().to_string()),
        );
        record.insert("created_at".into(), now.clone());
        record.insert("updated_at".into(), now);
        let json = Value::Object(record.clone()).to_string();
        self.rows(&table).push(record);
        Ok(json)
    }

    pub fn get(&self, scope: &Scope, entity: &str, id: &str) -> Result<Option<String>, HostError> {
        let table = resolve(scope, entity, Access::Read)?;
        let found = self.tables[&table.key]
            .iter()
            .find(|r| has_id(r, table.entity, id));
        Ok(found.map(|r| Value::Object(r.clone()).to_string()))
    }

    pub fn update(
        &mut self,
        scope: &Scope,
        entity: &str,
        id: &str,
        changes: &str,
        condition: &[Node],
    ) -> Result<String, HostError> {
        let table = resolve(scope, entity, Access::Write)?;
        let changes = parse_object(changes)?;
        check_keys(table.entity, &changes)?;
        check_filter(table.entity, condition)?;
        let index = self.find(&table, id)?;
        let mut record = self.tables[&table.key][index].clone();
        if !matches(table.entity, condition, &record) {
            return Err(HostError::ConditionFailed);
        }
        for (name, value) in changes {
            let field = table.entity.field_def(&name).expect("checked keys");
            record.insert(name, check_value(field, value)?);
        }
        self.check_unique(&table, &record, Some(index))?;
        self.save(&table, index, record)
    }

    pub fn increment(
        &mut self,
        scope: &Scope,
        entity: &str,
        id: &str,
        field: &str,
        delta: f64,
        condition: &[Node],
    ) -> Result<String, HostError> {
        let table = resolve(scope, entity, Access::Write)?;
        let kind = table
            .entity
            .field_def(field)
            .ok_or_else(|| no_such_field(table.entity, field))?
            .kind;
        if !delta.is_finite() {
            return Err(invalid(format!(
                "{field}: the increment must be a finite number"
            )));
        }
        if !matches!(kind, FieldKind::Integer | FieldKind::Decimal) {
            return Err(invalid(format!(
                "{field}: only integer and decimal fields can be incremented"
            )));
        }
        check_filter(table.entity, condition)?;
        let index = self.find(&table, id)?;
        let mut record = self.tables[&table.key][index].clone();
        if !matches(table.entity, condition, &record) {
            return Err(HostError::ConditionFailed);
        }
        let current = cell(&record, field);
        let value = if kind == FieldKind::Integer {
            if delta.fract() != 0.0 || delta.abs() >= 9.0e15 {
                return Err(invalid(format!(
                    "{field}: an integer field needs a whole increment"
                )));
            }
            Value::from(current.as_i64().unwrap_or(0) + delta as i64)
        } else {
            Value::from(current.as_f64().unwrap_or(0.0) + delta)
        };
        record.insert(field.into(), value);
        self.save(&table, index, record)
    }

    pub fn delete(&mut self, scope: &Scope, entity: &str, id: &str) -> Result<bool, HostError> {
        let table = resolve(scope, entity, Access::Write)?;
        let rows = self.rows(&table);
        let before = rows.len();
        rows.retain(|r| !has_id(r, table.entity, id));
        Ok(rows.len() < before)
    }

    pub fn query(
        &self,
        scope: &Scope,
        query: &Query,
        filter: &[Node],
    ) -> Result<RawPage, HostError> {
        let table = resolve(scope, &query.entity, Access::Read)?;
        check_filter(table.entity, filter)?;
        let mut sort = Vec::new();
        for (field, descending) in &query.sort {
            let kind = table
                .entity
                .column(field)
                .ok_or_else(|| no_such_field(table.entity, field))?;
            sort.push((field.as_str(), kind, *descending));
        }
        let limit = query.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
        let start = match &query.cursor {
            Some(cursor) => cursor
                .strip_prefix("offset:")
                .and_then(|n| n.parse::<usize>().ok())
                .ok_or_else(|| invalid("cursor: not a cursor from this store"))?,
            None => query.offset.unwrap_or(0) as usize,
        };
        let mut rows: Vec<&Record> = self.tables[&table.key]
            .iter()
            .filter(|r| matches(table.entity, filter, r))
            .collect();
        rows.sort_by(|a, b| {
            sort.iter()
                .map(|(field, kind, descending)| {
                    compare_for_sort(*kind, cell(a, field), cell(b, field), *descending)
                })
                .find(|o| o.is_ne())
                .unwrap_or(Ordering::Equal)
        });
        let end = start.saturating_add(limit as usize).min(rows.len());
        let records = rows
            .get(start..end)
            .unwrap_or_default()
            .iter()
            .map(|r| Value::Object((*r).clone()).to_string())
            .collect();
        Ok(RawPage {
            records,
            next_cursor: (end < rows.len()).then(|| format!("offset:{end}")),
        })
    }

    pub fn count(&self, scope: &Scope, entity: &str, filter: &[Node]) -> Result<u64, HostError> {
        let table = resolve(scope, entity, Access::Read)?;
        check_filter(table.entity, filter)?;
        let rows = &self.tables[&table.key];
        Ok(rows
            .iter()
            .filter(|r| matches(table.entity, filter, r))
            .count() as u64)
    }

    pub fn aggregate(
        &self,
        scope: &Scope,
        aggregation: &Aggregation,
        filter: &[Node],
    ) -> Result<String, HostError> {
        let table = resolve(scope, &aggregation.entity, Access::Read)?;
        let entity = table.entity;
        check_filter(entity, filter)?;
        if aggregation.aggregates.is_empty() && aggregation.group_by.is_empty() {
            return Err(invalid(
                "an aggregation needs at least one aggregate or group",
            ));
        }
        let mut keys = Vec::new();
        for key in &aggregation.group_by {
            let (field, by_day) = match key {
                GroupKey::Field(field) => (field, false),
                GroupKey::Day(field) => (field, true),
            };
            let kind = entity
                .column(field)
                .ok_or_else(|| no_such_field(entity, field))?;
            if by_day && !matches!(kind, FieldKind::Date | FieldKind::Timestamp) {
                return Err(invalid(format!(
                    "{field}: grouping by day needs a date or timestamp field"
                )));
            }
            // Day keys are `YYYY-MM-DD` whatever the field: they sort as dates.
            let kind = if by_day { FieldKind::Date } else { kind };
            keys.push((field.as_str(), kind, by_day));
        }
        for aggregate in &aggregation.aggregates {
            if !is_identifier(&aggregate.alias) {
                return Err(invalid(format!(
                    "{}: an alias must be a lower-case identifier",
                    aggregate.alias
                )));
            }
            match &aggregate.field {
                None if aggregate.function == Function::Count => {}
                None => {
                    return Err(invalid(format!(
                        "{}: this aggregate needs a field",
                        aggregate.alias
                    )));
                }
                Some(field) => {
                    let kind = entity
                        .column(field)
                        .ok_or_else(|| no_such_field(entity, field))?;
                    let numeric = matches!(kind, FieldKind::Integer | FieldKind::Decimal);
                    if matches!(aggregate.function, Function::Sum | Function::Avg) && !numeric {
                        return Err(invalid(format!(
                            "{field}: sum and avg need a numeric field"
                        )));
                    }
                }
            }
        }
        let mut groups: Vec<(Vec<Value>, Vec<&Record>)> = Vec::new();
        for record in self.tables[&table.key]
            .iter()
            .filter(|r| matches(entity, filter, r))
        {
            let key: Vec<Value> = keys
                .iter()
                .map(|(field, _, by_day)| match (cell(record, field), by_day) {
                    (Value::String(s), true) => Value::String(day_of(s)),
                    (value, _) => value.clone(),
                })
                .collect();
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, rows)) => rows.push(record),
                None => groups.push((key, vec![record])),
            }
        }
        if keys.is_empty() && groups.is_empty() {
            groups.push((Vec::new(), Vec::new()));
        }
        groups.sort_by(|(a, _), (b, _)| {
            keys.iter()
                .zip(a.iter().zip(b))
                .map(|((_, kind, _), (a, b))| compare_for_sort(*kind, a, b, false))
                .find(|o| o.is_ne())
                .unwrap_or(Ordering::Equal)
        });
        let rows: Vec<Value> = groups
            .into_iter()
            .map(|(key, records)| {
                let mut row = Record::new();
                for ((field, _, _), value) in keys.iter().zip(key) {
                    row.insert((*field).to_string(), value);
                }
                for aggregate in &aggregation.aggregates {
                    row.insert(
                        aggregate.alias.clone(),
                        compute(entity, aggregate, &records),
                    );
                }
                Value::Object(row)
            })
            .collect();
        Ok(Value::Array(rows).to_string())
    }

    pub fn next_sequence(&mut self, scope: &Scope, name: &str) -> Result<u64, HostError> {
        if !scope.can_write {
            return Err(denied(READONLY));
        }
        if name.is_empty() || name.len() > 64 {
            return Err(invalid("a sequence name has 1 to 64 characters"));
        }
        let key = format!("{}.{name}", scope.module.name);
        let value = self.sequences.entry(key).or_default();
        *value += 1;
        Ok(*value)
    }

    fn rows(&mut self, table: &Table) -> &mut Vec<Record> {
        self.tables
            .get_mut(&table.key)
            .expect("tables exist from install")
    }

    fn find(&self, table: &Table, id: &str) -> Result<usize, HostError> {
        self.tables[&table.key]
            .iter()
            .position(|r| has_id(r, table.entity, id))
            .ok_or(HostError::NotFound)
    }

    fn save(
        &mut self,
        table: &Table,
        index: usize,
        mut record: Record,
    ) -> Result<String, HostError> {
        record.insert("updated_at".into(), Value::String(self.now()));
        let json = Value::Object(record.clone()).to_string();
        self.rows(table)[index] = record;
        Ok(json)
    }

    fn check_unique(
        &self,
        table: &Table,
        record: &Record,
        skip: Option<usize>,
    ) -> Result<(), HostError> {
        let singles = table
            .entity
            .fields
            .iter()
            .filter(|f| f.unique)
            .map(|f| vec![f.name.clone()]);
        let composites = table
            .entity
            .indexes
            .iter()
            .filter(|i| i.unique)
            .map(|i| i.fields.clone());
        for fields in singles.chain(composites) {
            if fields
                .iter()
                .any(|f| record.get(f).is_none_or(Value::is_null))
            {
                continue;
            }
            let taken = self.tables[&table.key]
                .iter()
                .enumerate()
                .any(|(i, other)| {
                    Some(i) != skip && fields.iter().all(|f| other.get(f) == record.get(f))
                });
            if taken {
                return Err(HostError::Conflict(fields.join("_")));
            }
        }
        Ok(())
    }

    /// RFC 3339 in UTC with microseconds, strictly increasing so that records sort by
    /// creation even within one microsecond.
    fn now(&mut self) -> String {
        let mut now = Utc::now();
        if let Some(last) = self.last_timestamp
            && now <= last
        {
            now = last + chrono::Duration::microseconds(1);
        }
        self.last_timestamp = Some(now);
        now.to_rfc3339_opts(SecondsFormat::Micros, true)
    }
}

/// The table behind an entity name as a plugin writes it (`contacts`, `crm.contacts`),
/// when the manifest grants `access` (`services.rs` of `host/modules`).
fn resolve<'a>(scope: &Scope<'a>, name: &str, access: Access) -> Result<Table<'a>, HostError> {
    let write = access == Access::Write;
    if write && !scope.can_write {
        return Err(denied(READONLY));
    }
    let own = scope.module.name.as_str();
    let (module, entity) = name.split_once('.').unwrap_or((own, name));
    if module == own {
        return scope
            .module
            .find_entity(entity)
            .map(|e| Table {
                key: format!("{own}.{entity}"),
                entity: e,
            })
            .ok_or_else(|| denied(format!("{name}: module {own} declares no such entity")));
    }
    let wanted = format!("{module}.{entity}");
    let granted = scope.module.access_to(&wanted).ok_or_else(|| {
        denied(format!(
            "{wanted}: module {own} has no permission for it in its manifest"
        ))
    })?;
    let owner = scope.modules.get(module).ok_or_else(|| {
        denied(format!(
            "{wanted}: module {module} is not enabled for this tenant"
        ))
    })?;
    let entity = owner
        .find_entity(entity)
        .filter(|e| e.exposed)
        .ok_or_else(|| denied(format!("{wanted}: module {module} exposes no such entity")))?;
    if write && granted != Access::Write {
        return Err(denied(format!(
            "{name}: the manifest grants read access only"
        )));
    }
    Ok(Table {
        key: wanted,
        entity,
    })
}

fn parse_object(json: &str) -> Result<Record, HostError> {
    match serde_json::from_str(json) {
        Ok(Value::Object(object)) => Ok(object),
        _ => Err(invalid("record: expected a JSON object")),
    }
}

fn check_keys(entity: &Entity, input: &Record) -> Result<(), HostError> {
    for name in input.keys() {
        if entity.is_system(name) {
            return Err(invalid(format!("{name}: maintained by the host")));
        }
        if entity.field_def(name).is_none() {
            return Err(no_such_field(entity, name));
        }
    }
    Ok(())
}

fn has_id(record: &Record, entity: &Entity, id: &str) -> bool {
    cell(record, &entity.id_field)
        .as_str()
        .is_some_and(|stored| stored.eq_ignore_ascii_case(id))
}

/// The value as stored, or why it does not fit the field.
fn check_value(field: &Field, value: Value) -> Result<Value, HostError> {
    let name = &field.name;
    if value.is_null() {
        return if field.required {
            Err(invalid(format!("{name}: is required")))
        } else {
            Ok(Value::Null)
        };
    }
    let wrong = |expected: &str| invalid(format!("{name}: expected {expected}, got {value}"));
    match field.kind {
        FieldKind::Text => {
            let text = value.as_str().ok_or_else(|| wrong("text"))?;
            if field.required && text.trim().is_empty() {
                return Err(invalid(format!("{name}: must not be empty")));
            }
            if let Some(max) = field.max_length
                && text.chars().count() > max as usize
            {
                return Err(invalid(format!("{name}: must be at most {max} characters")));
            }
            if !field.choices.is_empty() && !field.choices.iter().any(|c| c == text) {
                return Err(invalid(format!(
                    "{name}: must be one of {}",
                    field.choices.join(", ")
                )));
            }
            Ok(value)
        }
        FieldKind::Integer if value.as_i64().is_some() => Ok(value),
        FieldKind::Integer => Err(wrong("an integer")),
        FieldKind::Decimal if value.is_number() => Ok(value),
        FieldKind::Decimal => Err(wrong("a number")),
        FieldKind::Boolean if value.is_boolean() => Ok(value),
        FieldKind::Boolean => Err(wrong("true or false")),
        FieldKind::Date => value
            .as_str()
            .filter(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok())
            .map(|_| value.clone())
            .ok_or_else(|| wrong("a date (YYYY-MM-DD)")),
        FieldKind::Timestamp => value
            .as_str()
            .and_then(parse_timestamp)
            .map(|t| Value::String(t.to_rfc3339_opts(SecondsFormat::Micros, true)))
            .ok_or_else(|| wrong("an RFC 3339 timestamp")),
        FieldKind::Uuid => value
            .as_str()
            .and_then(|s| uuid::Uuid::parse_str(s).ok())
            .map(|u| Value::String(u.hyphenated().to_string()))
            .ok_or_else(|| wrong("a UUID")),
        FieldKind::Json => Ok(value),
    }
}

/// Lower-case ASCII letters, digits and `_`, starting with a letter, at most 50.
fn is_identifier(s: &str) -> bool {
    s.len() <= 50
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn parse_timestamp(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn day_of(s: &str) -> String {
    match parse_timestamp(s) {
        Some(t) => t.date_naive().to_string(),
        None => s.to_string(),
    }
}

/// Refuses what the SQL store refuses: unknown fields, operands that do not fit the
/// field, comparisons with null, references to later nodes.
fn check_filter(entity: &Entity, nodes: &[Node]) -> Result<(), HostError> {
    for (at, node) in nodes.iter().enumerate() {
        let earlier = |i: &u32| (*i as usize) < at;
        match node {
            Node::Condition { field, op, value } => {
                let kind = entity
                    .column(field)
                    .ok_or_else(|| no_such_field(entity, field))?;
                match (op, value) {
                    (Op::IsNull | Op::IsNotNull, _) => {}
                    (Op::Contains, _) if kind != FieldKind::Text => {
                        return Err(invalid(format!("{field}: contains applies to text fields")));
                    }
                    (Op::Contains, Scalar::Text(_)) => {}
                    (Op::Contains, _) => {
                        return Err(invalid(format!("{field}: contains needs a text value")));
                    }
                    (_, Scalar::Null) => {
                        return Err(invalid(format!("{field}: compare with null using is-null")));
                    }
                    (_, value) => check_operand(field, kind, value)?,
                }
            }
            Node::InList { field, values } => {
                let kind = entity
                    .column(field)
                    .ok_or_else(|| no_such_field(entity, field))?;
                if values.len() > MAX_LIST {
                    return Err(invalid(format!(
                        "{field}: at most {MAX_LIST} values in a list"
                    )));
                }
                for value in values.iter().filter(|v| **v != Scalar::Null) {
                    check_operand(field, kind, value)?;
                }
            }
            Node::All(children) | Node::Any(children) if children.iter().all(earlier) => {}
            Node::Not(child) if earlier(child) => {}
            _ => {
                return Err(invalid("filter: nodes may only refer to earlier nodes"));
            }
        }
    }
    Ok(())
}

/// A filter operand must be a valid value of its field (an integer field also takes
/// floats).
fn check_operand(field: &str, kind: FieldKind, value: &Scalar) -> Result<(), HostError> {
    let kind = match (kind, value) {
        (FieldKind::Integer, Scalar::Float(_)) => FieldKind::Decimal,
        (kind, _) => kind,
    };
    if let Scalar::Float(f) = value
        && !f.is_finite()
    {
        return Err(invalid(format!("{field}: not a finite number")));
    }
    let probe = Field::new(field, kind);
    check_value(&probe, scalar_value(value)).map(|_| ())
}

/// Whether the (checked) filter holds, in SQL's three-valued logic: unknown is no match.
fn matches(entity: &Entity, nodes: &[Node], record: &Record) -> bool {
    let mut results: Vec<Option<bool>> = Vec::with_capacity(nodes.len());
    for node in nodes {
        let result = match node {
            Node::Condition { field, op, value } => {
                condition(entity.column(field), cell(record, field), *op, value)
            }
            Node::InList { field, values } => {
                let kind = entity.column(field);
                let each: Vec<Option<bool>> = values
                    .iter()
                    .map(|v| condition(kind, cell(record, field), Op::Eq, v))
                    .collect();
                any(&each)
            }
            Node::All(children) => {
                let each: Vec<Option<bool>> =
                    children.iter().map(|&i| results[i as usize]).collect();
                if each.contains(&Some(false)) {
                    Some(false)
                } else if each.contains(&None) {
                    None
                } else {
                    Some(true)
                }
            }
            Node::Any(children) => {
                let each: Vec<Option<bool>> =
                    children.iter().map(|&i| results[i as usize]).collect();
                any(&each)
            }
            Node::Not(child) => results[*child as usize].map(|b| !b),
        };
        results.push(result);
    }
    results.last().copied().unwrap_or(Some(true)) == Some(true)
}

fn any(each: &[Option<bool>]) -> Option<bool> {
    if each.contains(&Some(true)) {
        Some(true)
    } else if each.contains(&None) {
        None
    } else {
        Some(false)
    }
}

fn condition(kind: Option<FieldKind>, stored: &Value, op: Op, value: &Scalar) -> Option<bool> {
    match op {
        Op::IsNull => return Some(stored.is_null()),
        Op::IsNotNull => return Some(!stored.is_null()),
        _ => {}
    }
    if stored.is_null() {
        // `ne` matches nulls, as a person reading "status is not X" expects.
        return (op == Op::Ne).then_some(true);
    }
    if *value == Scalar::Null {
        return None;
    }
    if op == Op::Contains {
        let (Some(stored), Scalar::Text(needle)) = (stored.as_str(), value) else {
            return None;
        };
        return Some(stored.to_lowercase().contains(&needle.to_lowercase()));
    }
    let order = compare(kind?, stored, &scalar_value(value))?;
    Some(match op {
        Op::Eq => order.is_eq(),
        Op::Ne => order.is_ne(),
        Op::Lt => order.is_lt(),
        Op::Lte => order.is_le(),
        Op::Gt => order.is_gt(),
        Op::Gte => order.is_ge(),
        Op::Contains | Op::IsNull | Op::IsNotNull => unreachable!("handled above"),
    })
}

fn scalar_value(value: &Scalar) -> Value {
    match value {
        Scalar::Null => Value::Null,
        Scalar::Bool(b) => Value::Bool(*b),
        Scalar::Int(i) => Value::from(*i),
        Scalar::Float(f) => Value::from(*f),
        Scalar::Text(t) => Value::String(t.clone()),
    }
}

/// The order of two non-null values of a column.
fn compare(kind: FieldKind, a: &Value, b: &Value) -> Option<Ordering> {
    match kind {
        FieldKind::Integer | FieldKind::Decimal => a.as_f64()?.partial_cmp(&b.as_f64()?),
        FieldKind::Boolean => Some(a.as_bool()?.cmp(&b.as_bool()?)),
        FieldKind::Timestamp => {
            Some(parse_timestamp(a.as_str()?)?.cmp(&parse_timestamp(b.as_str()?)?))
        }
        FieldKind::Uuid => Some(a.as_str()?.to_lowercase().cmp(&b.as_str()?.to_lowercase())),
        FieldKind::Text | FieldKind::Date => Some(a.as_str()?.cmp(b.as_str()?)),
        FieldKind::Json => Some(a.to_string().cmp(&b.to_string())),
    }
}

/// Nulls after everything else, in either direction (`NULLS LAST`).
fn compare_for_sort(kind: FieldKind, a: &Value, b: &Value, descending: bool) -> Ordering {
    match (a.is_null(), b.is_null()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => {
            let order = compare(kind, a, b).unwrap_or(Ordering::Equal);
            if descending { order.reverse() } else { order }
        }
    }
}

fn compute(entity: &Entity, aggregate: &crate::store::Aggregate, records: &[&Record]) -> Value {
    let Some(field) = &aggregate.field else {
        return Value::from(records.len());
    };
    let kind = entity.column(field).expect("checked aggregate field");
    let values: Vec<&Value> = records
        .iter()
        .map(|r| cell(r, field))
        .filter(|v| !v.is_null())
        .collect();
    let numbers = || values.iter().filter_map(|v| v.as_f64());
    match aggregate.function {
        Function::Count => Value::from(values.len()),
        _ if values.is_empty() => Value::Null,
        Function::Sum if kind == FieldKind::Integer => {
            Value::from(values.iter().filter_map(|v| v.as_i64()).sum::<i64>())
        }
        Function::Sum => Value::from(numbers().sum::<f64>()),
        Function::Avg => Value::from(numbers().sum::<f64>() / values.len() as f64),
        Function::Min => values
            .iter()
            .min_by(|a, b| compare_for_sort(kind, a, b, false))
            .map_or(Value::Null, |v| (*v).clone()),
        Function::Max => values
            .iter()
            .max_by(|a, b| compare_for_sort(kind, a, b, false))
            .map_or(Value::Null, |v| (*v).clone()),
    }
}
