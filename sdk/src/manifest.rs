//! What a plugin declares (`eoex:plugin/guest.manifest`). Serialises to the same JSON
//! shape as the host's model of the manifest.

use serde::Serialize;
use serde_json::Value;

use crate::Router;

/// The host API requirement a manifest gets unless it names another: the SDK is built
/// against `eoex:host@1.0.0`.
pub const HOST_API: &str = "^1.0";

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Manifest {
    pub(crate) name: String,
    pub(crate) version: String,
    pub(crate) host_api: String,
    pub(crate) description: String,
    pub(crate) category: String,
    pub(crate) entities: Vec<Entity>,
    pub(crate) routes: Vec<RouteDef>,
    pub(crate) permissions: Vec<Permission>,
    pub(crate) components: Vec<Component>,
    pub(crate) subscriptions: Vec<String>,
}

impl Manifest {
    /// `name` is the module name (lower-case; the URL prefix `/api/v1/<name>`),
    /// `version` its semver version. Routes come from the plugin's [`Router`].
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Manifest {
        Manifest {
            name: name.into(),
            version: version.into(),
            host_api: HOST_API.into(),
            description: String::new(),
            category: String::new(),
            entities: Vec::new(),
            routes: Vec::new(),
            permissions: Vec::new(),
            components: Vec::new(),
            subscriptions: Vec::new(),
        }
    }

    pub fn description(mut self, description: impl Into<String>) -> Manifest {
        self.description = description.into();
        self
    }

    pub fn category(mut self, category: impl Into<String>) -> Manifest {
        self.category = category.into();
        self
    }

    /// A semver requirement on the host API; [`HOST_API`] by default.
    pub fn host_api(mut self, requirement: impl Into<String>) -> Manifest {
        self.host_api = requirement.into();
        self
    }

    pub fn entity(mut self, entity: Entity) -> Manifest {
        self.entities.push(entity);
        self
    }

    /// Access to another module's exposed entity, named `module.entity`.
    pub fn permission(mut self, entity: impl Into<String>, access: Access) -> Manifest {
        self.permissions.push(Permission {
            entity: entity.into(),
            access,
        });
        self
    }

    pub fn component(mut self, component: Component) -> Manifest {
        self.components.push(component);
        self
    }

    /// Receive events of `topic` in [`Plugin::on_event`](crate::Plugin::on_event).
    pub fn subscribe(mut self, topic: impl Into<String>) -> Manifest {
        self.subscriptions.push(topic.into());
        self
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn version(&self) -> &str {
        &self.version
    }

    /// The routes, once the manifest went through [`describe`](crate::describe).
    pub fn routes(&self) -> &[RouteDef] {
        &self.routes
    }

    pub(crate) fn with_routes(mut self, router: &Router) -> Manifest {
        self.routes = router.route_defs();
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    Integer,
    /// Exact decimal (money, quantities); a JSON number in records.
    Decimal,
    Boolean,
    /// `YYYY-MM-DD`.
    Date,
    /// RFC 3339.
    Timestamp,
    Uuid,
    /// Any JSON value.
    Json,
}

/// `Write` implies `Read`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    Read,
    Write,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Permission {
    pub(crate) entity: String,
    pub(crate) access: Access,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RouteDef {
    pub method: String,
    /// Below the module prefix, e.g. `/contacts/{contact_id}`.
    pub path: String,
    pub summary: String,
}

/// A table the host creates for the module (`<module>_<name>`). The id field (a UUID),
/// `created_at` and `updated_at` are maintained by the host.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entity {
    pub(crate) name: String,
    pub(crate) label: String,
    pub(crate) id_field: String,
    pub(crate) fields: Vec<Field>,
    pub(crate) indexes: Vec<Index>,
    pub(crate) exposed: bool,
}

impl Entity {
    /// `name` and `id_field` in snake_case, e.g. `Entity::new("contacts", "contact_id")`.
    pub fn new(name: impl Into<String>, id_field: impl Into<String>) -> Entity {
        let name = name.into();
        Entity {
            label: label_from(&name),
            name,
            id_field: id_field.into(),
            fields: Vec::new(),
            indexes: Vec::new(),
            exposed: false,
        }
    }

    /// For people; defaults to the name, capitalised.
    pub fn label(mut self, label: impl Into<String>) -> Entity {
        self.label = label.into();
        self
    }

    pub fn field(mut self, field: Field) -> Entity {
        self.fields.push(field);
        self
    }

    pub fn index<S: Into<String>>(self, fields: impl IntoIterator<Item = S>) -> Entity {
        self.add_index(fields, false)
    }

    /// The combination of `fields` is unique (nulls never collide).
    pub fn unique_index<S: Into<String>>(self, fields: impl IntoIterator<Item = S>) -> Entity {
        self.add_index(fields, true)
    }

    /// Other modules may ask read permission on it.
    pub fn exposed(mut self) -> Entity {
        self.exposed = true;
        self
    }

    fn add_index<S: Into<String>>(
        mut self,
        fields: impl IntoIterator<Item = S>,
        unique: bool,
    ) -> Entity {
        self.indexes.push(Index {
            fields: fields.into_iter().map(Into::into).collect(),
            unique,
        });
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Index {
    pub(crate) fields: Vec<String>,
    pub(crate) unique: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Field {
    pub(crate) name: String,
    pub(crate) kind: FieldKind,
    pub(crate) label: String,
    pub(crate) required: bool,
    pub(crate) unique: bool,
    pub(crate) indexed: bool,
    /// A JSON literal, as the ABI carries it.
    pub(crate) default_value: Option<String>,
    pub(crate) choices: Vec<String>,
    pub(crate) max_length: Option<u32>,
}

impl Field {
    pub fn new(name: impl Into<String>, kind: FieldKind) -> Field {
        let name = name.into();
        Field {
            label: label_from(&name),
            name,
            kind,
            required: false,
            unique: false,
            indexed: false,
            default_value: None,
            choices: Vec::new(),
            max_length: None,
        }
    }

    pub fn text(name: impl Into<String>) -> Field {
        Field::new(name, FieldKind::Text)
    }

    pub fn integer(name: impl Into<String>) -> Field {
        Field::new(name, FieldKind::Integer)
    }

    pub fn decimal(name: impl Into<String>) -> Field {
        Field::new(name, FieldKind::Decimal)
    }

    pub fn boolean(name: impl Into<String>) -> Field {
        Field::new(name, FieldKind::Boolean)
    }

    pub fn date(name: impl Into<String>) -> Field {
        Field::new(name, FieldKind::Date)
    }

    pub fn timestamp(name: impl Into<String>) -> Field {
        Field::new(name, FieldKind::Timestamp)
    }

    pub fn uuid(name: impl Into<String>) -> Field {
        Field::new(name, FieldKind::Uuid)
    }

    pub fn json(name: impl Into<String>) -> Field {
        Field::new(name, FieldKind::Json)
    }

    /// For people; defaults to the name with `_` as spaces, capitalised.
    pub fn label(mut self, label: impl Into<String>) -> Field {
        self.label = label.into();
        self
    }

    pub fn required(mut self) -> Field {
        self.required = true;
        self
    }

    /// Unique within the tenant (nulls never collide).
    pub fn unique(mut self) -> Field {
        self.unique = true;
        self
    }

    pub fn indexed(mut self) -> Field {
        self.indexed = true;
        self
    }

    /// The value an insert that omits the field gets, e.g. `.default("new")` or
    /// `.default(serde_json::json!({}))`.
    pub fn default(mut self, value: impl Into<Value>) -> Field {
        self.default_value = Some(value.into().to_string());
        self
    }

    /// The only values a text field accepts.
    pub fn choices<S: Into<String>>(mut self, choices: impl IntoIterator<Item = S>) -> Field {
        self.choices = choices.into_iter().map(Into::into).collect();
        self
    }

    /// In characters.
    pub fn max_length(mut self, max: u32) -> Field {
        self.max_length = Some(max);
        self
    }
}

/// A piece of UI the module offers (a page, a widget…), with the features a tenant can
/// switch on in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Component {
    pub(crate) name: String,
    pub(crate) kind: String,
    pub(crate) description: String,
    pub(crate) features: Vec<Feature>,
}

impl Component {
    pub fn new(name: impl Into<String>, kind: impl Into<String>) -> Component {
        Component {
            name: name.into(),
            kind: kind.into(),
            description: String::new(),
            features: Vec::new(),
        }
    }

    pub fn description(mut self, description: impl Into<String>) -> Component {
        self.description = description.into();
        self
    }

    /// A feature key the request context lists when the tenant enabled it.
    pub fn feature(
        mut self,
        key: impl Into<String>,
        name: impl Into<String>,
        description: impl Into<String>,
    ) -> Component {
        self.features.push(Feature {
            key: key.into(),
            name: name.into(),
            description: description.into(),
        });
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Feature {
    pub(crate) key: String,
    pub(crate) name: String,
    pub(crate) description: String,
}

fn label_from(name: &str) -> String {
    let spaced = name.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => spaced,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn builder_fills_the_abi_shape() {
        let manifest = Manifest::new("crm", "1.0.0")
            .description("CRM")
            .category("business")
            .entity(
                Entity::new("contacts", "contact_id")
                    .field(Field::text("first_name").required().max_length(100))
                    .field(
                        Field::text("status")
                            .choices(["new", "lost"])
                            .default("new"),
                    )
                    .field(Field::json("metadata").default(json!({})))
                    .index(["status"])
                    .exposed(),
            )
            .permission("erp.orders", Access::Read)
            .component(Component::new("contacts", "page").feature("export", "Export", "CSV"))
            .subscribe("erp.order.completed");
        let value = serde_json::to_value(&manifest).unwrap();
        assert_eq!(value["host_api"], "^1.0");
        let entity = &value["entities"][0];
        assert_eq!(entity["label"], "Contacts");
        assert_eq!(entity["id_field"], "contact_id");
        assert_eq!(entity["fields"][0]["label"], "First name");
        assert_eq!(entity["fields"][0]["kind"], "text");
        assert_eq!(entity["fields"][0]["max_length"], 100);
        assert_eq!(entity["fields"][1]["default_value"], "\"new\"");
        assert_eq!(entity["fields"][2]["default_value"], "{}");
        assert_eq!(
            entity["indexes"],
            json!([{"fields": ["status"], "unique": false}])
        );
        assert_eq!(
            value["permissions"],
            json!([{"entity": "erp.orders", "access": "read"}])
        );
        assert_eq!(value["components"][0]["features"][0]["key"], "export");
        assert_eq!(value["subscriptions"], json!(["erp.order.completed"]));
    }
}
