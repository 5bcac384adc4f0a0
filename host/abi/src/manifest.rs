//! The manifest a plugin exports (`eoex:plugin/guest.manifest` in `wit/plugin.wit`).
//! [`Manifest::validate`] is the one place its rules live.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

/// The host API version this build implements (`eoex:host@1.0.0`).
pub const HOST_API_VERSION: semver::Version = semver::Version::new(1, 0, 0);

/// Columns every entity table has besides its id field, maintained by the host.
pub const SYSTEM_FIELDS: &[&str] = &["tenant_id", "created_at", "updated_at"];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub name: String,
    pub version: String,
    pub host_api: String,
    pub description: String,
    pub category: String,
    pub entities: Vec<EntityDef>,
    pub routes: Vec<RouteDef>,
    pub permissions: Vec<Permission>,
    pub components: Vec<ComponentDef>,
    pub subscriptions: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    Integer,
    Decimal,
    Boolean,
    Date,
    Timestamp,
    Uuid,
    Json,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldDef {
    pub name: String,
    pub kind: FieldKind,
    pub label: String,
    pub required: bool,
    pub unique: bool,
    pub indexed: bool,
    /// A JSON literal.
    pub default_value: Option<String>,
    pub choices: Vec<String>,
    pub max_length: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexDef {
    pub fields: Vec<String>,
    pub unique: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntityDef {
    pub name: String,
    pub label: String,
    /// The name of the primary-key field (a UUID the host assigns), e.g. `contact_id`.
    pub id_field: String,
    pub fields: Vec<FieldDef>,
    pub indexes: Vec<IndexDef>,
    pub exposed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteDef {
    pub method: String,
    pub path: String,
    pub summary: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    Read,
    Write,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Permission {
    /// `module.entity`.
    pub entity: String,
    pub access: Access,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureDef {
    pub key: String,
    pub name: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComponentDef {
    pub name: String,
    pub kind: String,
    pub description: String,
    pub features: Vec<FeatureDef>,
}

/// Why a manifest is refused; the message names the offending part.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid manifest: {0}")]
pub struct ManifestError(pub String);

fn invalid(message: impl Into<String>) -> ManifestError {
    ManifestError(message.into())
}

/// Lower-case ASCII letters, digits and `_`, starting with a letter, at most `max`.
pub fn is_identifier(s: &str, max: usize) -> bool {
    !s.is_empty()
        && s.len() <= max
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE"];

impl Manifest {
    pub fn version(&self) -> Result<semver::Version, ManifestError> {
        semver::Version::parse(&self.version)
            .map_err(|e| invalid(format!("version {:?}: {e}", self.version)))
    }

    pub fn host_api_requirement(&self) -> Result<semver::VersionReq, ManifestError> {
        semver::VersionReq::parse(&self.host_api)
            .map_err(|e| invalid(format!("host_api {:?}: {e}", self.host_api)))
    }

    /// Whether this host can run the plugin.
    pub fn host_api_satisfied(&self) -> Result<bool, ManifestError> {
        Ok(self.host_api_requirement()?.matches(&HOST_API_VERSION))
    }

    pub fn entity(&self, name: &str) -> Option<&EntityDef> {
        self.entities.iter().find(|e| e.name == name)
    }

    /// The table holding `entity` of module `module`.
    pub fn table_name(module: &str, entity: &str) -> String {
        format!("{module}_{entity}")
    }

    /// Checks names, versions, types and references; the registry refuses a package
    /// whose manifest fails this.
    pub fn validate(&self) -> Result<(), ManifestError> {
        if !is_identifier(&self.name, 32) {
            return Err(invalid(format!(
                "name {:?}: lower-case letters, digits and _, starting with a letter",
                self.name
            )));
        }
        self.version()?;
        self.host_api_requirement()?;
        let mut entity_names = HashSet::new();
        for entity in &self.entities {
            let at = format!("entity {:?}", entity.name);
            // Table names are `<module>_<entity>`: keep them within PostgreSQL's 63 bytes
            // with room for index-name suffixes.
            if !is_identifier(&entity.name, 30) {
                return Err(invalid(format!(
                    "{at}: name must be a lower-case identifier of at most 30 characters"
                )));
            }
            if !entity_names.insert(entity.name.as_str()) {
                return Err(invalid(format!("{at}: declared twice")));
            }
            if !is_identifier(&entity.id_field, 50)
                || SYSTEM_FIELDS.contains(&entity.id_field.as_str())
            {
                return Err(invalid(format!(
                    "{at}: id_field {:?} must be a lower-case identifier",
                    entity.id_field
                )));
            }
            let mut field_names = HashSet::from([entity.id_field.as_str()]);
            for field in &entity.fields {
                let at = format!("{at}, field {:?}", field.name);
                if !is_identifier(&field.name, 50) {
                    return Err(invalid(format!(
                        "{at}: name must be a lower-case identifier"
                    )));
                }
                if SYSTEM_FIELDS.contains(&field.name.as_str()) {
                    return Err(invalid(format!("{at}: reserved, maintained by the host")));
                }
                if !field_names.insert(field.name.as_str()) {
                    return Err(invalid(format!("{at}: declared twice")));
                }
                if !field.choices.is_empty() && field.kind != FieldKind::Text {
                    return Err(invalid(format!(
                        "{at}: choices are only allowed on text fields"
                    )));
                }
                if let Some(default) = &field.default_value {
                    serde_json::from_str::<serde_json::Value>(default)
                        .map_err(|e| invalid(format!("{at}: default is not JSON: {e}")))?;
                }
            }
            for index in &entity.indexes {
                if index.fields.is_empty() {
                    return Err(invalid(format!("{at}: an index needs at least one field")));
                }
                if let Some(unknown) = index.fields.iter().find(|f| {
                    !field_names.contains(f.as_str()) && !SYSTEM_FIELDS.contains(&f.as_str())
                }) {
                    return Err(invalid(format!("{at}: index on unknown field {unknown:?}")));
                }
            }
        }
        let mut routes = HashSet::new();
        for route in &self.routes {
            if !METHODS.contains(&route.method.as_str()) {
                return Err(invalid(format!(
                    "route {} {}: method must be one of {METHODS:?}",
                    route.method, route.path
                )));
            }
            if !route.path.starts_with('/') {
                return Err(invalid(format!(
                    "route {} {}: path must start with /",
                    route.method, route.path
                )));
            }
            if !routes.insert((route.method.as_str(), route.path.as_str())) {
                return Err(invalid(format!(
                    "route {} {}: declared twice",
                    route.method, route.path
                )));
            }
        }
        for permission in &self.permissions {
            match permission.entity.split_once('.') {
                Some((module, entity))
                    if is_identifier(module, 32)
                        && is_identifier(entity, 30)
                        && module != self.name => {}
                _ => {
                    return Err(invalid(format!(
                        "permission on {:?}: must name another module's entity as module.entity",
                        permission.entity
                    )));
                }
            }
        }
        let mut feature_keys = HashSet::new();
        for component in &self.components {
            if component.name.trim().is_empty() {
                return Err(invalid("a component needs a name"));
            }
            for feature in &component.features {
                if feature.key.is_empty() || !feature_keys.insert(feature.key.as_str()) {
                    return Err(invalid(format!(
                        "feature key {:?}: empty or declared twice",
                        feature.key
                    )));
                }
            }
        }
        for topic in &self.subscriptions {
            if topic.is_empty() || topic.contains(char::is_whitespace) {
                return Err(invalid(format!("subscription {topic:?}: not a topic")));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> Manifest {
        Manifest {
            name: "crm".into(),
            version: "1.2.3".into(),
            host_api: "^1.0".into(),
            description: "CRM".into(),
            category: "business".into(),
            entities: vec![EntityDef {
                name: "contacts".into(),
                label: "Contacts".into(),
                id_field: "contact_id".into(),
                fields: vec![FieldDef {
                    name: "email".into(),
                    kind: FieldKind::Text,
                    label: "E-mail".into(),
                    required: true,
                    unique: true,
                    indexed: true,
                    default_value: None,
                    choices: vec![],
                    max_length: Some(255),
                }],
                indexes: vec![IndexDef {
                    fields: vec!["email".into(), "created_at".into()],
                    unique: false,
                }],
                exposed: true,
            }],
            routes: vec![RouteDef {
                method: "GET".into(),
                path: "/contacts".into(),
                summary: "List".into(),
            }],
            permissions: vec![Permission {
                entity: "erp.orders".into(),
                access: Access::Read,
            }],
            components: vec![ComponentDef {
                name: "contacts".into(),
                kind: "page".into(),
                description: "Contacts".into(),
                features: vec![FeatureDef {
                    key: "crm.import".into(),
                    name: "Import".into(),
                    description: String::new(),
                }],
            }],
            subscriptions: vec!["erp.order.completed".into()],
        }
    }

    #[test]
    fn a_good_manifest_passes() {
        manifest().validate().unwrap();
        assert!(manifest().host_api_satisfied().unwrap());
    }

    #[test]
    fn refusals_name_the_part() {
        type Breakage = fn(&mut Manifest);
        let cases: Vec<(Breakage, &str)> = vec![
            (|m| m.name = "Bad-Name".into(), "name"),
            (|m| m.version = "1.x".into(), "version"),
            (|m| m.host_api = "??".into(), "host_api"),
            (
                |m| m.entities[0].fields[0].name = "tenant_id".into(),
                "reserved",
            ),
            (
                |m| m.entities[0].fields[0].name = "contact_id".into(),
                "declared twice",
            ),
            (|m| m.entities.push(m.entities[0].clone()), "declared twice"),
            (
                |m| m.entities[0].indexes[0].fields.push("nope".into()),
                "unknown field",
            ),
            (|m| m.routes[0].method = "TRACE".into(), "method"),
            (
                |m| m.permissions[0].entity = "crm.contacts".into(),
                "another module",
            ),
            (
                |m| m.entities[0].fields[0].default_value = Some("{".into()),
                "not JSON",
            ),
        ];
        for (break_it, expected) in cases {
            let mut m = manifest();
            break_it(&mut m);
            let err = m.validate().unwrap_err().to_string();
            assert!(err.contains(expected), "{err} should mention {expected}");
        }
    }

    #[test]
    fn host_api_mismatch_is_detected() {
        let mut m = manifest();
        m.host_api = "^2".into();
        assert!(!m.host_api_satisfied().unwrap());
    }
}
