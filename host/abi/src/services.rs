//! What a plugin may ask of the host (`eoex:host` in `wit/deps/host@1.0.0`), as one
//! trait: [`HostServices`]. The runtime forwards the plugin's imports to it; the server
//! implements it for one request (or event) — one tenant, one module, one database
//! transaction — so nothing in here ever takes a tenant.

use serde_json::Value;

/// `eoex:host/types.error`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HostError {
    #[error("not found")]
    NotFound,
    #[error("conflict on {0}")]
    Conflict(String),
    #[error("invalid: {0}")]
    Invalid(String),
    #[error("denied: {0}")]
    Denied(String),
    #[error("condition failed")]
    ConditionFailed,
    #[error("internal error: {0}")]
    Internal(String),
}

/// `eoex:host/types.scalar`.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    Null,
    Boolean(bool),
    Integer(i64),
    Float(f64),
    Text(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
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

/// `eoex:host/store.filter-node`: the last node of a list is the root; `All`, `Any`
/// and `Not` refer to earlier nodes by index.
#[derive(Debug, Clone, PartialEq)]
pub enum FilterNode {
    Condition {
        field: String,
        op: Comparison,
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

/// A filter; empty matches every record.
pub type Filter = Vec<FilterNode>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortKey {
    pub field: String,
    pub descending: bool,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Query {
    pub entity: String,
    pub filter: Filter,
    pub sort: Vec<SortKey>,
    pub limit: Option<u32>,
    pub offset: Option<u32>,
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Page {
    pub records: Vec<Value>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggregateFunction {
    Count,
    Sum,
    Avg,
    Min,
    Max,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Aggregate {
    pub function: AggregateFunction,
    pub field: Option<String>,
    pub alias: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupKey {
    Field(String),
    /// The UTC calendar day of a date or timestamp field.
    Day(String),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Aggregation {
    pub entity: String,
    pub filter: Filter,
    pub group_by: Vec<GroupKey>,
    pub aggregates: Vec<Aggregate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogLevel {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

/// `eoex:host/context.request-context`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RequestContext {
    pub tenant_id: String,
    pub user_id: Option<String>,
    pub role: String,
    pub features: Vec<String>,
    pub module: String,
    pub module_version: String,
    pub request_id: String,
}

/// `eoex:host/users.user`: one user of the call's tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfo {
    pub user_id: String,
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub role: String,
    pub is_active: bool,
}

/// The host's side of one plugin call. Implementations bind the tenant and module of
/// the call into everything they do, and check each request against the manifest.
#[async_trait::async_trait]
pub trait HostServices: Send {
    fn context(&self) -> RequestContext;
    fn log(&mut self, level: LogLevel, message: &str);
    async fn insert(&mut self, entity: &str, record: Value) -> Result<Value, HostError>;
    async fn get(&mut self, entity: &str, id: &str) -> Result<Option<Value>, HostError>;
    async fn update(
        &mut self,
        entity: &str,
        id: &str,
        changes: Value,
        condition: Filter,
    ) -> Result<Value, HostError>;
    async fn increment(
        &mut self,
        entity: &str,
        id: &str,
        field: &str,
        delta: f64,
        condition: Filter,
    ) -> Result<Value, HostError>;
    async fn delete(&mut self, entity: &str, id: &str) -> Result<bool, HostError>;
    async fn query(&mut self, query: Query) -> Result<Page, HostError>;
    async fn count(&mut self, entity: &str, filter: Filter) -> Result<u64, HostError>;
    /// Rows as JSON objects keyed by group fields and aggregate aliases.
    async fn aggregate(&mut self, aggregation: Aggregation) -> Result<Vec<Value>, HostError>;
    async fn next_sequence(&mut self, name: &str) -> Result<u64, HostError>;
    async fn publish(&mut self, topic: &str, payload: Value) -> Result<(), HostError>;
    /// A user of the call's tenant; `None` for any other id.
    async fn user(&mut self, user_id: &str) -> Result<Option<UserInfo>, HostError>;
}
