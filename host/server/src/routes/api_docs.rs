//! `/openapi.json`: the core's document (generated from the handlers by utoipa) with
//! every installed module's endpoints added from its manifest, so the document follows
//! publishes and hot reloads without a restart.

use axum::Json;
use eoex_abi::Manifest;
use eoex_abi::manifest::{EntityDef, FieldKind};
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, Required, ResponseBuilder};

use crate::state::AppState;

/// `core` (the core's document, built once at start) with the modules installed now.
pub fn serve(state: &AppState, core: &OpenApi) -> Json<OpenApi> {
    let manifests: Vec<Manifest> = state
        .modules
        .modules()
        .iter()
        .filter_map(|module| state.modules.manifest(&module.name))
        .collect();
    Json(with_modules(core.clone(), &manifests))
}

/// `core` with the routes and entities of `modules` (the newest version of each).
pub fn with_modules(mut document: OpenApi, modules: &[Manifest]) -> OpenApi {
    for manifest in modules {
        let tag = format!("module: {}", manifest.name);
        document.tags.get_or_insert_with(Vec::new).push(
            TagBuilder::new()
                .name(&tag)
                .description(Some(format!(
                    "{} (module `{}` {}, served by its plugin; the tenant must have it enabled)",
                    manifest.description, manifest.name, manifest.version
                )))
                .build(),
        );
        let components = document.components.get_or_insert_with(Default::default);
        for entity in &manifest.entities {
            components
                .schemas
                .insert(schema_name(manifest, entity), entity_schema(entity));
        }
        for route in &manifest.routes {
            let Some(method) = http_method(&route.method) else {
                continue;
            };
            let path = format!("/api/v1/{}{}", manifest.name, route.path);
            let mut operation = OperationBuilder::new()
                .tag(&tag)
                .summary(Some(route.summary.clone()))
                .operation_id(Some(format!(
                    "{}_{}{}",
                    manifest.name,
                    route.method.to_ascii_lowercase(),
                    route.path.replace(['/', '{', '}', '-'], "_")
                )))
                .security(SecurityRequirement::new("bearer", Vec::<String>::new()))
                .response(
                    "2XX",
                    ResponseBuilder::new().description("Success (JSON unless stated otherwise)"),
                )
                .response("4XX", error_response("The request was refused"))
                .response("5XX", error_response("The module or the host failed"));
            for param in path_params(&route.path) {
                operation = operation.parameter(
                    ParameterBuilder::new()
                        .name(param)
                        .parameter_in(ParameterIn::Path)
                        .required(Required::True)
                        .schema(Some(
                            ObjectBuilder::new().schema_type(Type::String).format(
                                param
                                    .ends_with("_id")
                                    .then_some(SchemaFormat::KnownFormat(KnownFormat::Uuid)),
                            ),
                        )),
                );
            }
            if matches!(
                method,
                HttpMethod::Post | HttpMethod::Put | HttpMethod::Patch
            ) {
                operation = operation.request_body(Some(
                    RequestBodyBuilder::new()
                        .content(
                            "application/json",
                            ContentBuilder::new()
                                .schema(Some(ObjectBuilder::new().schema_type(Type::Object)))
                                .build(),
                        )
                        .build(),
                ));
            }
            document
                .paths
                .add_path_operation(path, vec![method], operation);
        }
    }
    document
}

fn error_response(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build()
}

fn http_method(method: &str) -> Option<HttpMethod> {
    Some(match method {
        "GET" => HttpMethod::Get,
        "POST" => HttpMethod::Post,
        "PUT" => HttpMethod::Put,
        "PATCH" => HttpMethod::Patch,
        "DELETE" => HttpMethod::Delete,
        _ => return None,
    })
}

fn path_params(path: &str) -> impl Iterator<Item = &str> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
}

/// `crm.contacts` → `crm.contacts` (module-qualified, as plugins name it).
fn schema_name(manifest: &Manifest, entity: &EntityDef) -> String {
    format!("{}.{}", manifest.name, entity.name)
}

fn entity_schema(entity: &EntityDef) -> RefOr<Schema> {
    let mut object = ObjectBuilder::new()
        .schema_type(Type::Object)
        .title(Some(entity.label.clone()))
        .property(
            &entity.id_field,
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
                .description(Some("Assigned by the host")),
        )
        .required(&entity.id_field);
    for field in &entity.fields {
        let (schema_type, format) = match field.kind {
            FieldKind::Text => (Type::String, None),
            FieldKind::Integer => (Type::Integer, Some(KnownFormat::Int64)),
            FieldKind::Decimal => (Type::Number, None),
            FieldKind::Boolean => (Type::Boolean, None),
            FieldKind::Date => (Type::String, Some(KnownFormat::Date)),
            FieldKind::Timestamp => (Type::String, Some(KnownFormat::DateTime)),
            FieldKind::Uuid => (Type::String, Some(KnownFormat::Uuid)),
            FieldKind::Json => (Type::Object, None),
        };
        let mut property = ObjectBuilder::new()
            .schema_type(schema_type)
            .format(format.map(SchemaFormat::KnownFormat))
            .title(Some(field.label.clone()))
            .max_length(field.max_length.map(|m| m as usize));
        if !field.choices.is_empty() {
            property = property.enum_values(Some(field.choices.clone()));
        }
        object = object.property(&field.name, property);
        if field.required {
            object = object.required(&field.name);
        }
    }
    for stamp in ["created_at", "updated_at"] {
        object = object.property(
            stamp,
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime))),
        );
    }
    Schema::Object(object.build()).into()
}
