//! The one place the generated binding types meet `eoex-abi`'s: each function maps one
//! WIT type to its host model or back. Records cross the ABI as JSON text and are parsed
//! here, so a plugin's bad JSON is its own `invalid` error, not a host failure.

use eoex_abi::services as abi;
use eoex_abi::{
    HostError, HttpRequest, HttpResponse, Manifest, RequestContext, UserInfo, manifest,
};
use serde_json::Value;

use crate::bindings::eoex::host::{context, log, store, types, users};
use crate::bindings::exports::eoex::plugin::guest;

pub(crate) fn json(what: &str, text: &str) -> Result<Value, HostError> {
    serde_json::from_str(text).map_err(|e| HostError::Invalid(format!("{what} is not JSON: {e}")))
}

pub(crate) fn error(error: HostError) -> types::Error {
    match error {
        HostError::NotFound => types::Error::NotFound,
        HostError::Conflict(fields) => types::Error::Conflict(fields),
        HostError::Invalid(message) => types::Error::Invalid(message),
        HostError::Denied(message) => types::Error::Denied(message),
        HostError::ConditionFailed => types::Error::ConditionFailed,
        HostError::Internal(message) => types::Error::Internal(message),
    }
}

pub(crate) fn request(request: HttpRequest) -> guest::HttpRequest {
    guest::HttpRequest {
        method: request.method,
        path: request.path,
        query: request.query,
        headers: request.headers,
        body: request.body,
    }
}

pub(crate) fn response(response: guest::HttpResponse) -> HttpResponse {
    HttpResponse {
        status: response.status,
        headers: response.headers,
        body: response.body,
    }
}

pub(crate) fn context(context: RequestContext) -> context::RequestContext {
    context::RequestContext {
        tenant_id: context.tenant_id,
        user_id: context.user_id,
        role: context.role,
        features: context.features,
        module: context.module,
        module_version: context.module_version,
        request_id: context.request_id,
    }
}

pub(crate) fn user(user: UserInfo) -> users::User {
    users::User {
        user_id: user.user_id,
        email: user.email,
        first_name: user.first_name,
        last_name: user.last_name,
        role: user.role,
        is_active: user.is_active,
    }
}

pub(crate) fn level(level: log::Level) -> abi::LogLevel {
    match level {
        log::Level::Trace => abi::LogLevel::Trace,
        log::Level::Debug => abi::LogLevel::Debug,
        log::Level::Info => abi::LogLevel::Info,
        log::Level::Warn => abi::LogLevel::Warn,
        log::Level::Error => abi::LogLevel::Error,
    }
}

fn scalar(scalar: types::Scalar) -> abi::Scalar {
    match scalar {
        types::Scalar::Null => abi::Scalar::Null,
        types::Scalar::Boolean(b) => abi::Scalar::Boolean(b),
        types::Scalar::Integer(i) => abi::Scalar::Integer(i),
        types::Scalar::Float(f) => abi::Scalar::Float(f),
        types::Scalar::Text(s) => abi::Scalar::Text(s),
    }
}

fn comparison(op: store::Comparison) -> abi::Comparison {
    match op {
        store::Comparison::Eq => abi::Comparison::Eq,
        store::Comparison::Ne => abi::Comparison::Ne,
        store::Comparison::Lt => abi::Comparison::Lt,
        store::Comparison::Lte => abi::Comparison::Lte,
        store::Comparison::Gt => abi::Comparison::Gt,
        store::Comparison::Gte => abi::Comparison::Gte,
        store::Comparison::Contains => abi::Comparison::Contains,
        store::Comparison::IsNull => abi::Comparison::IsNull,
        store::Comparison::IsNotNull => abi::Comparison::IsNotNull,
    }
}

pub(crate) fn filter(nodes: Vec<store::FilterNode>) -> abi::Filter {
    nodes
        .into_iter()
        .map(|node| match node {
            store::FilterNode::Condition(c) => abi::FilterNode::Condition {
                field: c.field,
                op: comparison(c.op),
                value: scalar(c.value),
            },
            store::FilterNode::InList((field, values)) => abi::FilterNode::InList {
                field,
                values: values.into_iter().map(scalar).collect(),
            },
            store::FilterNode::All(children) => abi::FilterNode::All(children),
            store::FilterNode::Any(children) => abi::FilterNode::Any(children),
            store::FilterNode::Not(child) => abi::FilterNode::Not(child),
        })
        .collect()
}

pub(crate) fn query(query: store::RecordQuery) -> abi::Query {
    abi::Query {
        entity: query.entity,
        filter: filter(query.filter),
        sort: query
            .sort
            .into_iter()
            .map(|key| abi::SortKey {
                field: key.field,
                descending: key.descending,
            })
            .collect(),
        limit: query.limit,
        offset: query.offset,
        cursor: query.cursor,
    }
}

pub(crate) fn page(page: abi::Page) -> store::Page {
    store::Page {
        records: page.records.iter().map(Value::to_string).collect(),
        next_cursor: page.next_cursor,
    }
}

pub(crate) fn aggregation(aggregation: store::Aggregation) -> abi::Aggregation {
    abi::Aggregation {
        entity: aggregation.entity,
        filter: filter(aggregation.filter),
        group_by: aggregation
            .group_by
            .into_iter()
            .map(|key| match key {
                store::GroupKey::Field(field) => abi::GroupKey::Field(field),
                store::GroupKey::Day(field) => abi::GroupKey::Day(field),
            })
            .collect(),
        aggregates: aggregation
            .aggregates
            .into_iter()
            .map(|a| abi::Aggregate {
                function: match a.function {
                    store::AggregateFunction::Count => abi::AggregateFunction::Count,
                    store::AggregateFunction::Sum => abi::AggregateFunction::Sum,
                    store::AggregateFunction::Avg => abi::AggregateFunction::Avg,
                    store::AggregateFunction::Min => abi::AggregateFunction::Min,
                    store::AggregateFunction::Max => abi::AggregateFunction::Max,
                },
                field: a.field,
                alias: a.alias,
            })
            .collect(),
    }
}

pub(crate) fn manifest(m: guest::PluginManifest) -> Manifest {
    Manifest {
        name: m.name,
        version: m.version,
        host_api: m.host_api,
        description: m.description,
        category: m.category,
        entities: m
            .entities
            .into_iter()
            .map(|e| manifest::EntityDef {
                name: e.name,
                label: e.label,
                id_field: e.id_field,
                fields: e.fields.into_iter().map(field).collect(),
                indexes: e
                    .indexes
                    .into_iter()
                    .map(|i| manifest::IndexDef {
                        fields: i.fields,
                        unique: i.unique,
                    })
                    .collect(),
                exposed: e.exposed,
            })
            .collect(),
        routes: m
            .routes
            .into_iter()
            .map(|r| manifest::RouteDef {
                method: r.method,
                path: r.path,
                summary: r.summary,
            })
            .collect(),
        permissions: m
            .permissions
            .into_iter()
            .map(|p| manifest::Permission {
                entity: p.entity,
                access: match p.access {
                    guest::Access::Read => manifest::Access::Read,
                    guest::Access::Write => manifest::Access::Write,
                },
            })
            .collect(),
        components: m
            .components
            .into_iter()
            .map(|c| manifest::ComponentDef {
                name: c.name,
                kind: c.kind,
                description: c.description,
                features: c
                    .features
                    .into_iter()
                    .map(|f| manifest::FeatureDef {
                        key: f.key,
                        name: f.name,
                        description: f.description,
                    })
                    .collect(),
            })
            .collect(),
        subscriptions: m.subscriptions,
    }
}

fn field(f: guest::FieldDef) -> manifest::FieldDef {
    manifest::FieldDef {
        name: f.name,
        kind: match f.kind {
            guest::FieldKind::Text => manifest::FieldKind::Text,
            guest::FieldKind::Integer => manifest::FieldKind::Integer,
            guest::FieldKind::Decimal => manifest::FieldKind::Decimal,
            guest::FieldKind::Boolean => manifest::FieldKind::Boolean,
            guest::FieldKind::Date => manifest::FieldKind::Date,
            guest::FieldKind::Timestamp => manifest::FieldKind::Timestamp,
            guest::FieldKind::Uuid => manifest::FieldKind::Uuid,
            guest::FieldKind::Json => manifest::FieldKind::Json,
        },
        label: f.label,
        required: f.required,
        unique: f.unique,
        indexed: f.indexed,
        default_value: f.default_value,
        choices: f.choices,
        max_length: f.max_length,
    }
}
