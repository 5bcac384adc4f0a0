//! The fields of CRM records, one table per entity: each entry says how the field is
//! declared in the manifest and how input for it is checked, so the two never drift.

use eoex_sdk::prelude::*;
use eoex_sdk::validate::{is_date, is_email, is_uuid};
use serde_json::{Map, Value};

/// What a field holds and accepts.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// Text of at most this many characters, trimmed; empty optional text is stored
    /// as null.
    Text(u32),
    /// An e-mail address (at most 255 characters), stored lower-case.
    Email,
    /// One of these values.
    Choice(&'static [&'static str]),
    /// The id (UUID) of a user or of another record; what it must name is checked by
    /// the entity's own rules.
    Id,
    /// Money: a number ≥ 0 with at most two decimals (the design's DECIMAL(15,2)).
    Amount,
    /// A whole number in this range.
    Integer(i64, i64),
    /// `YYYY-MM-DD`.
    Date,
    /// A JSON object.
    Object,
}

/// One field of an entity.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
    /// A JSON literal the host fills in when an insert omits the field.
    pub default: Option<&'static str>,
    pub label: Option<&'static str>,
    pub indexed: bool,
    pub unique: bool,
}

impl Spec {
    pub const fn new(name: &'static str, kind: Kind) -> Spec {
        Spec {
            name,
            kind,
            required: false,
            default: None,
            label: None,
            indexed: false,
            unique: false,
        }
    }

    pub const fn required(self) -> Spec {
        Spec {
            required: true,
            ..self
        }
    }

    pub const fn default(self, literal: &'static str) -> Spec {
        Spec {
            default: Some(literal),
            ..self
        }
    }

    pub const fn label(self, label: &'static str) -> Spec {
        Spec {
            label: Some(label),
            ..self
        }
    }

    pub const fn indexed(self) -> Spec {
        Spec {
            indexed: true,
            ..self
        }
    }

    pub const fn unique(self) -> Spec {
        Spec {
            unique: true,
            ..self
        }
    }

    /// The manifest's declaration of the field.
    pub fn declare(&self) -> Field {
        let mut field = match self.kind {
            Kind::Text(max) => Field::text(self.name).max_length(max),
            Kind::Email => Field::text(self.name).max_length(255),
            Kind::Choice(choices) => Field::text(self.name)
                .max_length(50)
                .choices(choices.iter().copied()),
            Kind::Id => Field::uuid(self.name),
            Kind::Amount => Field::decimal(self.name),
            Kind::Integer(..) => Field::integer(self.name),
            Kind::Date => Field::date(self.name),
            Kind::Object => Field::json(self.name),
        };
        if let Some(label) = self.label {
            field = field.label(label);
        }
        if self.required {
            field = field.required();
        }
        if self.unique {
            field = field.unique();
        }
        if self.indexed {
            field = field.indexed();
        }
        if let Some(literal) = self.default {
            let value: Value = serde_json::from_str(literal).expect("a JSON literal default");
            field = field.default(value);
        }
        field
    }

    /// `value` checked and normalised for this field; 422 naming the field otherwise.
    pub fn check(&self, value: Value) -> Result<Value, Error> {
        let name = self.name;
        let invalid = |message: String| Err(Error::validation(name, message));
        if value.is_null() {
            return match (self.required, self.default) {
                (true, _) => invalid(format!("{name} is required")),
                (false, Some(_)) => invalid(format!("{name} cannot be null")),
                (false, None) => Ok(Value::Null),
            };
        }
        match self.kind {
            Kind::Text(max) => self.check_text(value, max),
            Kind::Email => match self.check_text(value, 255)? {
                Value::String(email) if !is_email(&email) => {
                    invalid(format!("{email:?} is not an e-mail address"))
                }
                Value::String(email) => Ok(Value::String(email.to_lowercase())),
                empty => Ok(empty),
            },
            Kind::Choice(choices) => match value {
                Value::String(choice) if choices.contains(&choice.as_str()) => {
                    Ok(Value::String(choice))
                }
                _ => invalid(format!("{name} must be one of {}", choices.join(", "))),
            },
            Kind::Id => match value {
                Value::String(id) if is_uuid(&id) => Ok(Value::String(id.to_lowercase())),
                _ => invalid(format!("{name} must be an id (UUID)")),
            },
            Kind::Amount => match value.as_f64() {
                Some(amount) if !(0.0..=MAX_AMOUNT).contains(&amount) => {
                    invalid(format!("{name} must be a number from 0 to {MAX_AMOUNT:.0}"))
                }
                Some(amount) if ((amount * 100.0).round() - amount * 100.0).abs() > 1e-6 => {
                    invalid(format!("{name} has at most two decimals"))
                }
                Some(_) => Ok(value),
                None => invalid(format!("{name} must be a number")),
            },
            Kind::Integer(min, max) => match value.as_i64() {
                Some(n) if (min..=max).contains(&n) => Ok(value),
                _ if max == i64::MAX => invalid(format!("{name} must be a whole number ≥ {min}")),
                _ => invalid(format!("{name} must be a whole number from {min} to {max}")),
            },
            Kind::Date => match value {
                Value::String(date) if is_date(&date) => Ok(Value::String(date)),
                _ => invalid(format!("{name} must be a date (YYYY-MM-DD)")),
            },
            Kind::Object => match value {
                Value::Object(object) => Ok(Value::Object(object)),
                _ => invalid(format!("{name} must be a JSON object")),
            },
        }
    }

    fn check_text(&self, value: Value, max: u32) -> Result<Value, Error> {
        let name = self.name;
        let Value::String(text) = value else {
            return Err(Error::validation(name, format!("{name} must be text")));
        };
        let text = text.trim();
        if text.is_empty() {
            return if self.required {
                Err(Error::validation(name, format!("{name} must not be empty")))
            } else {
                Ok(Value::Null)
            };
        }
        if text.chars().count() > max as usize {
            return Err(Error::validation(
                name,
                format!("{name} must be at most {max} characters"),
            ));
        }
        Ok(Value::String(text.to_owned()))
    }
}

/// The largest amount DECIMAL(15,2) holds, rounded down to whole units.
const MAX_AMOUNT: f64 = 9_999_999_999_999.0;

/// The fields a record's own input may not set, with why.
pub type ReadOnly = &'static [(&'static str, &'static str)];

/// Checks the fields of a create or an edit: each must be in `specs` (or is refused as
/// unknown or read-only), and is normalised. A create (`creating`) must name every
/// required field. Fields are checked in name order, so the first error is stable.
pub fn checked(
    specs: &[Spec],
    read_only: ReadOnly,
    input: Map<String, Value>,
    creating: bool,
) -> Result<Map<String, Value>, Error> {
    if creating
        && let Some(missing) = specs
            .iter()
            .find(|s| s.required && !input.contains_key(s.name))
    {
        return Err(Error::validation(
            missing.name,
            format!("{} is required", missing.name),
        ));
    }
    input
        .into_iter()
        .map(|(name, value)| {
            let value = spec_of(specs, read_only, &name)?.check(value)?;
            Ok((name, value))
        })
        .collect()
}

/// The spec of field `name`, or 422 naming it when it is unknown or read-only.
pub fn spec_of<'s>(specs: &'s [Spec], read_only: ReadOnly, name: &str) -> Result<&'s Spec, Error> {
    if let Some((_, why)) = read_only.iter().find(|(field, _)| *field == name) {
        return Err(Error::validation(name, format!("{name} is {why}")));
    }
    specs
        .iter()
        .find(|s| s.name == name)
        .ok_or_else(|| Error::validation(name, format!("{name} is not a field of this record")))
}

/// The ids and timestamps every record has, kept by the host.
pub const HOST_FIELDS: [(&str, &str); 2] = [
    ("created_at", "maintained by the host"),
    ("updated_at", "maintained by the host"),
];

/// A query parameter checked as field `name` of `specs` would be (so `?status=won`
/// is 422 naming `status`); `None` when absent or empty.
pub fn query_value(request: &Request, specs: &[Spec], name: &str) -> Result<Option<Value>, Error> {
    let Some(raw) = request.query(name).map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let spec = specs
        .iter()
        .find(|s| s.name == name)
        .expect("a filter on a declared field");
    Ok(Some(spec.check(Value::String(raw.to_owned()))?))
}

/// Text, trimmed, from query parameter `name`; `None` when absent or blank.
pub fn query_text<'r>(request: &'r Request, name: &str) -> Option<&'r str> {
    request.query(name).map(str::trim).filter(|s| !s.is_empty())
}

/// 422 on `field` unless `user_id` is an active user of the caller's tenant.
pub fn check_user(field: &str, user_id: &str) -> Result<(), Error> {
    if users::is_active_member(user_id)? {
        Ok(())
    } else {
        Err(Error::validation(
            field,
            format!("{field} must be an active user of this tenant"),
        ))
    }
}

/// 422 on `field` unless `id` names a record of `entity` in this tenant.
pub fn check_exists(field: &str, entity: &str, id: &str) -> Result<(), Error> {
    match store::get::<Value>(entity, id)? {
        Some(_) => Ok(()),
        None => Err(Error::validation(
            field,
            format!("{field} does not name a record of {entity} in this tenant"),
        )),
    }
}

/// The store's answer for one record of `what`: 404 and a 409 naming the field keep
/// the record's name; everything else as the SDK maps it.
pub fn record_error(what: &'static str) -> impl Fn(HostError) -> Error {
    move |error| match error {
        HostError::NotFound => Error::not_found(what),
        HostError::Conflict(field) => Error::conflict(
            "already_exists",
            format!("a {what} with this {field} already exists"),
        )
        .with_field(field),
        other => other.into(),
    }
}

/// Money as answered: rounded to cents, so float sums do not show 0.30000000000000004.
pub fn cents(amount: f64) -> f64 {
    (amount * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const SPECS: [Spec; 6] = [
        Spec::new("name", Kind::Text(5)).required(),
        Spec::new("email", Kind::Email),
        Spec::new("stage", Kind::Choice(&["a", "b"])).default("\"a\""),
        Spec::new("amount", Kind::Amount),
        Spec::new("percent", Kind::Integer(0, 100)),
        Spec::new("day", Kind::Date),
    ];

    fn check(name: &str, value: Value) -> Result<Value, Error> {
        spec_of(&SPECS, &HOST_FIELDS, name)?.check(value)
    }

    #[test]
    fn values_are_normalised() {
        assert_eq!(check("name", json!("  Ada ")).unwrap(), json!("Ada"));
        assert_eq!(check("email", json!(" A@B.co")).unwrap(), json!("a@b.co"));
        assert_eq!(check("email", json!("  ")).unwrap(), Value::Null);
        assert_eq!(check("email", Value::Null).unwrap(), Value::Null);
        assert_eq!(check("amount", json!(12.5)).unwrap(), json!(12.5));
        assert_eq!(check("amount", json!(0)).unwrap(), json!(0));
        assert_eq!(check("percent", json!(100)).unwrap(), json!(100));
        assert_eq!(
            check("day", json!("2024-02-29")).unwrap(),
            json!("2024-02-29")
        );
    }

    #[test]
    fn bad_values_name_their_field() {
        for (name, value) in [
            ("name", json!("")),
            ("name", Value::Null),
            ("name", json!("toolong")),
            ("name", json!(5)),
            ("email", json!("nope")),
            ("stage", json!("c")),
            ("stage", Value::Null),
            ("amount", json!(-1)),
            ("amount", json!(1.005)),
            ("amount", json!("5")),
            ("amount", json!(1e14)),
            ("percent", json!(101)),
            ("percent", json!(-1)),
            ("percent", json!(5.5)),
            ("day", json!("2023-02-29")),
            ("created_at", json!("x")),
            ("unknown", json!("x")),
        ] {
            let error = check(name, value.clone()).unwrap_err();
            assert_eq!(
                (error.status(), error.field()),
                (422, Some(name)),
                "{name}: {value}"
            );
        }
    }

    #[test]
    fn creates_need_required_fields_and_edits_do_not() {
        let error = checked(&SPECS, &HOST_FIELDS, Map::new(), true).unwrap_err();
        assert_eq!(error.field(), Some("name"));
        assert!(
            checked(&SPECS, &HOST_FIELDS, Map::new(), false)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn manifest_fields_follow_the_specs() {
        let field = serde_json::to_value(SPECS[2].declare()).unwrap();
        assert_eq!(field["choices"], json!(["a", "b"]));
        assert_eq!(field["default_value"], "\"a\"");
        let field = serde_json::to_value(SPECS[0].declare()).unwrap();
        assert_eq!(
            (field["required"].clone(), field["max_length"].clone()),
            (json!(true), json!(5))
        );
    }

    #[test]
    fn cents_round() {
        assert_eq!(cents(0.1 + 0.2), 0.3);
        assert_eq!(cents(1234.5651), 1234.57);
    }
}
