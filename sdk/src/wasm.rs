//! The component glue: the only place that names the generated bindings. Converts the
//! SDK's types to and from the WIT ones and exports a [`Plugin`] as `eoex:plugin/guest`.

use std::marker::PhantomData;

use crate::log::Level;
use crate::manifest::{Access, Component, Entity, Field, FieldKind, Manifest};
use crate::store::{Aggregation, Function, GroupKey, Node, Op, Query, RawPage, Scalar};
use crate::{Context, Error, HostError, Plugin, Request};

#[allow(unsafe_code)]
#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../wit",
        world: "eoex:plugin/plugin",
        pub_export_macro: true,
        export_macro_name: "__export_eoex_plugin",
        generate_all,
    });
}

use bindings::eoex::host::{context, events, log, sequences, store, types, users};
use bindings::exports::eoex::plugin::guest;

/// Implements the WIT export for `P`; named by [`register_plugin!`](crate::register_plugin).
pub struct Exported<P>(PhantomData<P>);

impl<P: Plugin> guest::Guest for Exported<P> {
    fn manifest() -> guest::PluginManifest {
        wit_manifest(crate::describe::<P>())
    }

    fn handle_http(request: guest::HttpRequest) -> guest::HttpResponse {
        let request = Request::from_parts(
            request.method,
            request.path,
            request.query,
            request.headers,
            request.body,
        );
        let (status, headers, body) = P::router().handle(request).into_parts();
        guest::HttpResponse {
            status,
            headers,
            body,
        }
    }

    fn on_install() -> Result<(), String> {
        P::on_install().map_err(|e| e.to_string())
    }

    fn on_upgrade(from_version: String) -> Result<(), String> {
        P::on_upgrade(&from_version).map_err(|e| e.to_string())
    }

    fn on_event(topic: String, payload: String) -> Result<(), String> {
        let payload = serde_json::from_str(&payload)
            .map_err(|e| format!("event {topic}: payload is not JSON: {e}"))?;
        P::on_event(&topic, payload).map_err(|e: Error| e.to_string())
    }
}

fn wit_manifest(m: Manifest) -> guest::PluginManifest {
    guest::PluginManifest {
        name: m.name,
        version: m.version,
        host_api: m.host_api,
        description: m.description,
        category: m.category,
        entities: m.entities.into_iter().map(wit_entity).collect(),
        routes: m
            .routes
            .into_iter()
            .map(|r| guest::RouteDef {
                method: r.method,
                path: r.path,
                summary: r.summary,
            })
            .collect(),
        permissions: m
            .permissions
            .into_iter()
            .map(|p| guest::Permission {
                entity: p.entity,
                access: match p.access {
                    Access::Read => guest::Access::Read,
                    Access::Write => guest::Access::Write,
                },
            })
            .collect(),
        components: m.components.into_iter().map(wit_component).collect(),
        subscriptions: m.subscriptions,
    }
}

fn wit_entity(e: Entity) -> guest::EntityDef {
    guest::EntityDef {
        name: e.name,
        label: e.label,
        id_field: e.id_field,
        fields: e.fields.into_iter().map(wit_field).collect(),
        indexes: e
            .indexes
            .into_iter()
            .map(|i| guest::IndexDef {
                fields: i.fields,
                unique: i.unique,
            })
            .collect(),
        exposed: e.exposed,
    }
}

fn wit_field(f: Field) -> guest::FieldDef {
    guest::FieldDef {
        name: f.name,
        kind: match f.kind {
            FieldKind::Text => guest::FieldKind::Text,
            FieldKind::Integer => guest::FieldKind::Integer,
            FieldKind::Decimal => guest::FieldKind::Decimal,
            FieldKind::Boolean => guest::FieldKind::Boolean,
            FieldKind::Date => guest::FieldKind::Date,
            FieldKind::Timestamp => guest::FieldKind::Timestamp,
            FieldKind::Uuid => guest::FieldKind::Uuid,
            FieldKind::Json => guest::FieldKind::Json,
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

fn wit_component(c: Component) -> guest::ComponentDef {
    guest::ComponentDef {
        name: c.name,
        kind: c.kind,
        description: c.description,
        features: c
            .features
            .into_iter()
            .map(|f| guest::FeatureDef {
                key: f.key,
                name: f.name,
                description: f.description,
            })
            .collect(),
    }
}

fn host_error(e: types::Error) -> HostError {
    match e {
        types::Error::NotFound => HostError::NotFound,
        types::Error::Conflict(fields) => HostError::Conflict(fields),
        types::Error::Invalid(message) => HostError::Invalid(message),
        types::Error::Denied(message) => HostError::Denied(message),
        types::Error::ConditionFailed => HostError::ConditionFailed,
        types::Error::Internal(message) => HostError::Internal(message),
    }
}

fn wit_scalar(s: &Scalar) -> types::Scalar {
    match s {
        Scalar::Null => types::Scalar::Null,
        Scalar::Bool(b) => types::Scalar::Boolean(*b),
        Scalar::Int(i) => types::Scalar::Integer(*i),
        Scalar::Float(f) => types::Scalar::Float(*f),
        Scalar::Text(t) => types::Scalar::Text(t.clone()),
    }
}

fn wit_filter(nodes: &[Node]) -> Vec<store::FilterNode> {
    nodes
        .iter()
        .map(|node| match node {
            Node::Condition { field, op, value } => {
                store::FilterNode::Condition(store::Condition {
                    field: field.clone(),
                    op: match op {
                        Op::Eq => store::Comparison::Eq,
                        Op::Ne => store::Comparison::Ne,
                        Op::Lt => store::Comparison::Lt,
                        Op::Lte => store::Comparison::Lte,
                        Op::Gt => store::Comparison::Gt,
                        Op::Gte => store::Comparison::Gte,
                        Op::Contains => store::Comparison::Contains,
                        Op::IsNull => store::Comparison::IsNull,
                        Op::IsNotNull => store::Comparison::IsNotNull,
                    },
                    value: wit_scalar(value),
                })
            }
            Node::InList { field, values } => {
                store::FilterNode::InList((field.clone(), values.iter().map(wit_scalar).collect()))
            }
            Node::All(children) => store::FilterNode::All(children.clone()),
            Node::Any(children) => store::FilterNode::Any(children.clone()),
            Node::Not(child) => store::FilterNode::Not(*child),
        })
        .collect()
}

pub(crate) fn context() -> Context {
    let c = context::current();
    Context {
        tenant_id: c.tenant_id,
        user_id: c.user_id,
        role: c.role,
        features: c.features,
        module: c.module,
        module_version: c.module_version,
        request_id: c.request_id,
    }
}

pub(crate) fn log(level: Level, message: &str) {
    let level = match level {
        Level::Trace => log::Level::Trace,
        Level::Debug => log::Level::Debug,
        Level::Info => log::Level::Info,
        Level::Warn => log::Level::Warn,
        Level::Error => log::Level::Error,
    };
    log::write(level, message);
}

pub(crate) fn insert(entity: &str, record: &str) -> Result<String, HostError> {
    store::insert(entity, record).map_err(host_error)
}

pub(crate) fn get(entity: &str, id: &str) -> Result<Option<String>, HostError> {
    store::get(entity, id).map_err(host_error)
}

pub(crate) fn update(
    entity: &str,
    id: &str,
    changes: &str,
    condition: &[Node],
) -> Result<String, HostError> {
    store::update(entity, id, changes, &wit_filter(condition)).map_err(host_error)
}

pub(crate) fn increment(
    entity: &str,
    id: &str,
    field: &str,
    delta: f64,
    condition: &[Node],
) -> Result<String, HostError> {
    store::increment(entity, id, field, delta, &wit_filter(condition)).map_err(host_error)
}

pub(crate) fn delete(entity: &str, id: &str) -> Result<bool, HostError> {
    store::delete(entity, id).map_err(host_error)
}

pub(crate) fn query(q: &Query, filter: &[Node]) -> Result<RawPage, HostError> {
    let page = store::query(&store::RecordQuery {
        entity: q.entity.clone(),
        filter: wit_filter(filter),
        sort: q
            .sort
            .iter()
            .map(|(field, descending)| store::SortKey {
                field: field.clone(),
                descending: *descending,
            })
            .collect(),
        limit: q.limit,
        offset: q.offset,
        cursor: q.cursor.clone(),
    })
    .map_err(host_error)?;
    Ok(RawPage {
        records: page.records,
        next_cursor: page.next_cursor,
    })
}

pub(crate) fn count(entity: &str, filter: &[Node]) -> Result<u64, HostError> {
    store::count(entity, &wit_filter(filter)).map_err(host_error)
}

pub(crate) fn aggregate(a: &Aggregation, filter: &[Node]) -> Result<String, HostError> {
    store::aggregate(&store::Aggregation {
        entity: a.entity.clone(),
        filter: wit_filter(filter),
        group_by: a
            .group_by
            .iter()
            .map(|key| match key {
                GroupKey::Field(field) => store::GroupKey::Field(field.clone()),
                GroupKey::Day(field) => store::GroupKey::Day(field.clone()),
            })
            .collect(),
        aggregates: a
            .aggregates
            .iter()
            .map(|agg| store::AggregateDef {
                function: match agg.function {
                    Function::Count => store::AggregateFunction::Count,
                    Function::Sum => store::AggregateFunction::Sum,
                    Function::Avg => store::AggregateFunction::Avg,
                    Function::Min => store::AggregateFunction::Min,
                    Function::Max => store::AggregateFunction::Max,
                },
                field: agg.field.clone(),
                alias: agg.alias.clone(),
            })
            .collect(),
    })
    .map_err(host_error)
}

pub(crate) fn next_sequence(name: &str) -> Result<u64, HostError> {
    sequences::next(name).map_err(host_error)
}

pub(crate) fn publish(topic: &str, payload: &str) -> Result<(), HostError> {
    events::publish(topic, payload).map_err(host_error)
}

pub(crate) fn user(user_id: &str) -> Result<Option<crate::users::User>, HostError> {
    let user = users::get(user_id).map_err(host_error)?;
    Ok(user.map(|u| crate::users::User {
        user_id: u.user_id,
        email: u.email,
        first_name: u.first_name,
        last_name: u.last_name,
        role: u.role,
        is_active: u.is_active,
    }))
}
