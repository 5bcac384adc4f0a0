//! The record store: the tables the host creates from the manifest's entities.
//!
//! Entities are named as declared (`contacts`) or, for another module's exposed entity
//! the manifest has a permission on, `module.entity` (`crm.contacts`). Records are JSON
//! objects keyed by field name; the id field (a UUID), `created_at` and `updated_at` are
//! set by the host. Results deserialise into any `T: DeserializeOwned`, e.g.
//! `serde_json::Value` or the plugin's own struct.
//!
//! Ids are UUIDs: a malformed id is answered as absent without asking the host, so a
//! handler can pass a path parameter straight through and get a 404.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::HostError;
use crate::backend;

/// Inserts `record` and returns it as stored (with its id and timestamps).
pub fn insert<T: DeserializeOwned>(entity: &str, record: &impl Serialize) -> Result<T, HostError> {
    decode(&backend::insert(entity, &encode(record)?)?)
}

/// The record with this id, if any.
pub fn get<T: DeserializeOwned>(entity: &str, id: &str) -> Result<Option<T>, HostError> {
    if !is_uuid(id) {
        return Ok(None);
    }
    backend::get(entity, id)?.as_deref().map(decode).transpose()
}

/// Sets the fields present in `changes` (a JSON object; `null` clears a field) and
/// returns the updated record.
pub fn update<T: DeserializeOwned>(
    entity: &str,
    id: &str,
    changes: &impl Serialize,
) -> Result<T, HostError> {
    update_where(entity, id, changes, &[])
}

/// As [`update`], when `condition` holds for the record; otherwise
/// [`HostError::ConditionFailed`] and nothing changes.
pub fn update_if<T: DeserializeOwned>(
    entity: &str,
    id: &str,
    changes: &impl Serialize,
    condition: Filter,
) -> Result<T, HostError> {
    update_where(entity, id, changes, &condition.compile())
}

fn update_where<T: DeserializeOwned>(
    entity: &str,
    id: &str,
    changes: &impl Serialize,
    condition: &[Node],
) -> Result<T, HostError> {
    if !is_uuid(id) {
        return Err(HostError::NotFound);
    }
    decode(&backend::update(entity, id, &encode(changes)?, condition)?)
}

/// Adds `delta` to a numeric field atomically; returns the updated record.
pub fn increment<T: DeserializeOwned>(
    entity: &str,
    id: &str,
    field: &str,
    delta: f64,
) -> Result<T, HostError> {
    increment_where(entity, id, field, delta, &[])
}

/// As [`increment`], when `condition` holds (e.g. `Filter::gte("stock", 5)` before taking
/// 5); otherwise [`HostError::ConditionFailed`] and nothing changes.
pub fn increment_if<T: DeserializeOwned>(
    entity: &str,
    id: &str,
    field: &str,
    delta: f64,
    condition: Filter,
) -> Result<T, HostError> {
    increment_where(entity, id, field, delta, &condition.compile())
}

fn increment_where<T: DeserializeOwned>(
    entity: &str,
    id: &str,
    field: &str,
    delta: f64,
    condition: &[Node],
) -> Result<T, HostError> {
    if !is_uuid(id) {
        return Err(HostError::NotFound);
    }
    decode(&backend::increment(entity, id, field, delta, condition)?)
}

/// Deletes the record; false when there was none.
pub fn delete(entity: &str, id: &str) -> Result<bool, HostError> {
    if !is_uuid(id) {
        return Ok(false);
    }
    backend::delete(entity, id)
}

fn encode(value: &impl Serialize) -> Result<String, HostError> {
    serde_json::to_string(value).map_err(|e| HostError::Invalid(format!("record: {e}")))
}

fn decode<T: DeserializeOwned>(json: &str) -> Result<T, HostError> {
    serde_json::from_str(json).map_err(|e| {
        HostError::Internal(format!(
            "a record from the store does not fit {}: {e}",
            std::any::type_name::<T>()
        ))
    })
}

/// `8-4-4-4-12` hex digits.
pub(crate) fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// A single value in a filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
}

impl From<bool> for Scalar {
    fn from(v: bool) -> Scalar {
        Scalar::Bool(v)
    }
}

impl From<i64> for Scalar {
    fn from(v: i64) -> Scalar {
        Scalar::Int(v)
    }
}

impl From<i32> for Scalar {
    fn from(v: i32) -> Scalar {
        Scalar::Int(v.into())
    }
}

impl From<u32> for Scalar {
    fn from(v: u32) -> Scalar {
        Scalar::Int(v.into())
    }
}

impl From<f64> for Scalar {
    fn from(v: f64) -> Scalar {
        Scalar::Float(v)
    }
}

impl From<&str> for Scalar {
    fn from(v: &str) -> Scalar {
        Scalar::Text(v.into())
    }
}

impl From<String> for Scalar {
    fn from(v: String) -> Scalar {
        Scalar::Text(v)
    }
}

impl From<&String> for Scalar {
    fn from(v: &String) -> Scalar {
        Scalar::Text(v.clone())
    }
}

impl<T: Into<Scalar>> From<Option<T>> for Scalar {
    fn from(v: Option<T>) -> Scalar {
        v.map_or(Scalar::Null, Into::into)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Ne,
    Lt,
    Lte,
    Gt,
    Gte,
    Contains,
    IsNull,
    IsNotNull,
}

/// A condition on records, evaluated by the host in SQL. A comparison with a null field
/// is unknown, so neither it nor its [`not`](Filter::not) matches; the exception is
/// [`ne`](Filter::ne), which matches nulls ("status is not X"). To compare with null,
/// use [`is_null`](Filter::is_null): the host refuses `eq(field, None)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter(Expr);

#[derive(Debug, Clone, PartialEq)]
enum Expr {
    Condition {
        field: String,
        op: Op,
        value: Scalar,
    },
    InList {
        field: String,
        values: Vec<Scalar>,
    },
    All(Vec<Expr>),
    Any(Vec<Expr>),
    Not(Box<Expr>),
}

/// `eoex:host/store.filter-node`: a flattened filter whose last node is the root.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Condition {
        field: String,
        op: Op,
        value: Scalar,
    },
    InList {
        field: String,
        values: Vec<Scalar>,
    },
    All(Vec<u32>),
    Any(Vec<u32>),
    Not(u32),
}

impl Filter {
    fn condition(field: impl Into<String>, op: Op, value: Scalar) -> Filter {
        Filter(Expr::Condition {
            field: field.into(),
            op,
            value,
        })
    }

    pub fn eq(field: impl Into<String>, value: impl Into<Scalar>) -> Filter {
        Filter::condition(field, Op::Eq, value.into())
    }

    pub fn ne(field: impl Into<String>, value: impl Into<Scalar>) -> Filter {
        Filter::condition(field, Op::Ne, value.into())
    }

    pub fn lt(field: impl Into<String>, value: impl Into<Scalar>) -> Filter {
        Filter::condition(field, Op::Lt, value.into())
    }

    pub fn lte(field: impl Into<String>, value: impl Into<Scalar>) -> Filter {
        Filter::condition(field, Op::Lte, value.into())
    }

    pub fn gt(field: impl Into<String>, value: impl Into<Scalar>) -> Filter {
        Filter::condition(field, Op::Gt, value.into())
    }

    pub fn gte(field: impl Into<String>, value: impl Into<Scalar>) -> Filter {
        Filter::condition(field, Op::Gte, value.into())
    }

    /// Case-insensitive substring match on a text field.
    pub fn contains(field: impl Into<String>, text: impl Into<String>) -> Filter {
        Filter::condition(field, Op::Contains, Scalar::Text(text.into()))
    }

    pub fn is_null(field: impl Into<String>) -> Filter {
        Filter::condition(field, Op::IsNull, Scalar::Null)
    }

    pub fn is_not_null(field: impl Into<String>) -> Filter {
        Filter::condition(field, Op::IsNotNull, Scalar::Null)
    }

    /// The field equals one of `values`.
    pub fn in_list<V: Into<Scalar>>(
        field: impl Into<String>,
        values: impl IntoIterator<Item = V>,
    ) -> Filter {
        Filter(Expr::InList {
            field: field.into(),
            values: values.into_iter().map(Into::into).collect(),
        })
    }

    /// Every filter holds (an empty list always does).
    pub fn all(filters: impl IntoIterator<Item = Filter>) -> Filter {
        Filter(Expr::All(filters.into_iter().map(|f| f.0).collect()))
    }

    /// At least one filter holds (an empty list never does).
    pub fn any(filters: impl IntoIterator<Item = Filter>) -> Filter {
        Filter(Expr::Any(filters.into_iter().map(|f| f.0).collect()))
    }

    #[allow(clippy::should_implement_trait)]
    pub fn not(filter: Filter) -> Filter {
        Filter(Expr::Not(Box::new(filter.0)))
    }

    pub fn and(self, other: Filter) -> Filter {
        match self.0 {
            Expr::All(mut filters) => {
                filters.push(other.0);
                Filter(Expr::All(filters))
            }
            first => Filter(Expr::All(vec![first, other.0])),
        }
    }

    pub fn or(self, other: Filter) -> Filter {
        match self.0 {
            Expr::Any(mut filters) => {
                filters.push(other.0);
                Filter(Expr::Any(filters))
            }
            first => Filter(Expr::Any(vec![first, other.0])),
        }
    }

    /// Children before parents, the root last.
    pub(crate) fn compile(&self) -> Vec<Node> {
        fn emit(expr: &Expr, nodes: &mut Vec<Node>) -> u32 {
            let node = match expr {
                Expr::Condition { field, op, value } => Node::Condition {
                    field: field.clone(),
                    op: *op,
                    value: value.clone(),
                },
                Expr::InList { field, values } => Node::InList {
                    field: field.clone(),
                    values: values.clone(),
                },
                Expr::All(children) => Node::All(children.iter().map(|c| emit(c, nodes)).collect()),
                Expr::Any(children) => Node::Any(children.iter().map(|c| emit(c, nodes)).collect()),
                Expr::Not(child) => Node::Not(emit(child, nodes)),
            };
            nodes.push(node);
            u32::try_from(nodes.len() - 1).expect("fewer than 2^32 filter nodes")
        }
        let mut nodes = Vec::new();
        emit(&self.0, &mut nodes);
        nodes
    }
}

impl std::ops::Not for Filter {
    type Output = Filter;

    fn not(self) -> Filter {
        Filter::not(self)
    }
}

fn compile(filter: &Option<Filter>) -> Vec<Node> {
    filter.as_ref().map(Filter::compile).unwrap_or_default()
}

fn and(current: Option<Filter>, filter: Filter) -> Option<Filter> {
    Some(match current {
        Some(current) => current.and(filter),
        None => filter,
    })
}

/// A page of records.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub records: Vec<T>,
    /// Present when more records follow; pass it to [`Query::cursor`].
    pub next_cursor: Option<String>,
}

/// A query over one entity:
/// `Query::new("contacts").filter(Filter::eq("status", "new")).sort_desc("created_at").limit(20).fetch()`.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub(crate) entity: String,
    pub(crate) filter: Option<Filter>,
    pub(crate) sort: Vec<(String, bool)>,
    pub(crate) limit: Option<u32>,
    pub(crate) offset: Option<u32>,
    pub(crate) cursor: Option<String>,
}

impl Query {
    pub fn new(entity: impl Into<String>) -> Query {
        Query {
            entity: entity.into(),
            filter: None,
            sort: Vec::new(),
            limit: None,
            offset: None,
            cursor: None,
        }
    }

    /// Narrows the query; several calls combine with "and".
    pub fn filter(mut self, filter: Filter) -> Query {
        self.filter = and(self.filter, filter);
        self
    }

    pub fn sort_asc(mut self, field: impl Into<String>) -> Query {
        self.sort.push((field.into(), false));
        self
    }

    pub fn sort_desc(mut self, field: impl Into<String>) -> Query {
        self.sort.push((field.into(), true));
        self
    }

    /// Clamped to 1..=1000 by the host; 50 when not set.
    pub fn limit(mut self, limit: u32) -> Query {
        self.limit = Some(limit);
        self
    }

    pub fn offset(mut self, offset: u32) -> Query {
        self.offset = Some(offset);
        self
    }

    /// Continue after a previous page's `next_cursor`.
    pub fn cursor(mut self, cursor: impl Into<String>) -> Query {
        self.cursor = Some(cursor.into());
        self
    }

    pub fn fetch<T: DeserializeOwned>(&self) -> Result<Page<T>, HostError> {
        let page = backend::query(self, &compile(&self.filter))?;
        Ok(Page {
            records: page
                .records
                .iter()
                .map(|r| decode(r))
                .collect::<Result<_, _>>()?,
            next_cursor: page.next_cursor,
        })
    }

    /// How many records match the filter (sort, limit and offset are ignored).
    pub fn count(&self) -> Result<u64, HostError> {
        backend::count(&self.entity, &compile(&self.filter))
    }
}

/// Records as the backends pass them: JSON objects.
pub(crate) struct RawPage {
    pub records: Vec<String>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Function {
    Count,
    Sum,
    Avg,
    Min,
    Max,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum GroupKey {
    Field(String),
    Day(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Aggregate {
    pub function: Function,
    pub field: Option<String>,
    pub alias: String,
}

/// Grouped totals: `Aggregation::new("orders").group_by_day("created_at").count("orders").sum("total", "revenue").fetch()`
/// gives rows like `{"created_at": "2025-01-31", "orders": 3, "revenue": 120.5}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregation {
    pub(crate) entity: String,
    pub(crate) filter: Option<Filter>,
    pub(crate) group_by: Vec<GroupKey>,
    pub(crate) aggregates: Vec<Aggregate>,
}

impl Aggregation {
    pub fn new(entity: impl Into<String>) -> Aggregation {
        Aggregation {
            entity: entity.into(),
            filter: None,
            group_by: Vec::new(),
            aggregates: Vec::new(),
        }
    }

    /// Several calls combine with "and".
    pub fn filter(mut self, filter: Filter) -> Aggregation {
        self.filter = and(self.filter, filter);
        self
    }

    /// One row per value of `field`.
    pub fn group_by(mut self, field: impl Into<String>) -> Aggregation {
        self.group_by.push(GroupKey::Field(field.into()));
        self
    }

    /// One row per UTC calendar day (`YYYY-MM-DD`) of a date or timestamp field,
    /// keyed by the field's name.
    pub fn group_by_day(mut self, field: impl Into<String>) -> Aggregation {
        self.group_by.push(GroupKey::Day(field.into()));
        self
    }

    pub fn count(self, alias: impl Into<String>) -> Aggregation {
        self.push(Function::Count, None, alias)
    }

    pub fn sum(self, field: impl Into<String>, alias: impl Into<String>) -> Aggregation {
        self.push(Function::Sum, Some(field.into()), alias)
    }

    pub fn avg(self, field: impl Into<String>, alias: impl Into<String>) -> Aggregation {
        self.push(Function::Avg, Some(field.into()), alias)
    }

    pub fn min(self, field: impl Into<String>, alias: impl Into<String>) -> Aggregation {
        self.push(Function::Min, Some(field.into()), alias)
    }

    pub fn max(self, field: impl Into<String>, alias: impl Into<String>) -> Aggregation {
        self.push(Function::Max, Some(field.into()), alias)
    }

    fn push(
        mut self,
        function: Function,
        field: Option<String>,
        alias: impl Into<String>,
    ) -> Aggregation {
        self.aggregates.push(Aggregate {
            function,
            field,
            alias: alias.into(),
        });
        self
    }

    /// The output rows, each an object keyed by the group fields and the aliases.
    pub fn fetch<T: DeserializeOwned>(&self) -> Result<Vec<T>, HostError> {
        decode(&backend::aggregate(self, &compile(&self.filter))?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eq(field: &str, value: &str) -> Node {
        Node::Condition {
            field: field.into(),
            op: Op::Eq,
            value: Scalar::Text(value.into()),
        }
    }

    #[test]
    fn a_condition_is_one_node() {
        assert_eq!(
            Filter::eq("status", "new").compile(),
            vec![eq("status", "new")]
        );
    }

    #[test]
    fn trees_flatten_children_first_root_last() {
        let filter = Filter::eq("status", "new")
            .and(Filter::contains("first_name", "ann").or(Filter::contains("email", "ann")));
        let contains = |field: &str| Node::Condition {
            field: field.into(),
            op: Op::Contains,
            value: Scalar::Text("ann".into()),
        };
        assert_eq!(
            filter.compile(),
            vec![
                eq("status", "new"),
                contains("first_name"),
                contains("email"),
                Node::Any(vec![1, 2]),
                Node::All(vec![0, 3]),
            ]
        );
    }

    #[test]
    fn chains_of_and_stay_flat_and_not_wraps() {
        let filter = !Filter::eq("a", "1")
            .and(Filter::eq("b", "2"))
            .and(Filter::in_list("c", [1, 2]));
        assert_eq!(
            filter.compile(),
            vec![
                eq("a", "1"),
                eq("b", "2"),
                Node::InList {
                    field: "c".into(),
                    values: vec![Scalar::Int(1), Scalar::Int(2)]
                },
                Node::All(vec![0, 1, 2]),
                Node::Not(3),
            ]
        );
        assert_eq!(
            Filter::not(Filter::is_null("x")).compile(),
            vec![
                Node::Condition {
                    field: "x".into(),
                    op: Op::IsNull,
                    value: Scalar::Null
                },
                Node::Not(0)
            ]
        );
    }

    #[test]
    fn query_filters_combine_with_and() {
        let query = Query::new("contacts")
            .filter(Filter::eq("a", "1"))
            .filter(Filter::eq("b", "2"));
        assert_eq!(
            compile(&query.filter),
            vec![eq("a", "1"), eq("b", "2"), Node::All(vec![0, 1])]
        );
        assert!(compile(&Query::new("contacts").filter).is_empty());
    }

    #[test]
    fn scalars_convert() {
        assert_eq!(Scalar::from(None::<&str>), Scalar::Null);
        assert_eq!(Scalar::from(Some(3)), Scalar::Int(3));
        assert_eq!(Scalar::from(true), Scalar::Bool(true));
    }

    #[test]
    fn uuids_are_recognised() {
        assert!(is_uuid("6f1c2a44-0a1b-4c2d-8e3f-123456789abc"));
        assert!(is_uuid("6F1C2A44-0A1B-4C2D-8E3F-123456789ABC"));
        for bad in [
            "",
            "not-a-uuid",
            "6f1c2a44-0a1b-4c2d-8e3f-123456789ab",
            "6f1c2a44x0a1b-4c2d-8e3f-123456789abc",
            "6f1c2a44-0a1b-4c2d-8e3f-123456789abg",
        ] {
            assert!(!is_uuid(bad), "{bad}");
        }
    }
}
