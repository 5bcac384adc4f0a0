//! Checks on request bodies and query parameters, each failure a 422 naming the field.

use eoex_sdk::context;
use eoex_sdk::prelude::*;
use eoex_sdk::validate::is_uuid;
use serde_json::{Map, Value};

pub use eoex_sdk::input::{require, text};

/// The body as a JSON object (400 when it is not JSON, 422 when not an object).
pub fn object(request: &Request) -> Result<Map<String, Value>, Error> {
    match request.json::<Value>()? {
        Value::Object(map) => Ok(map),
        _ => Err(Error::validation(".", "the body must be a JSON object")),
    }
}

/// One of `choices`.
pub fn choice(name: &str, value: &str, choices: &[&str]) -> Result<(), Error> {
    if choices.contains(&value) {
        Ok(())
    } else {
        Err(Error::validation(
            name,
            format!("{name} must be one of {}", choices.join(", ")),
        ))
    }
}

/// A text field limited to `choices`; null is refused.
pub fn choice_value(name: &str, value: Value, choices: &[&str]) -> Result<Value, Error> {
    match value {
        Value::String(text) => {
            choice(name, &text, choices)?;
            Ok(Value::String(text))
        }
        _ => Err(Error::validation(
            name,
            format!("{name} must be one of {}", choices.join(", ")),
        )),
    }
}

pub fn boolean(name: &str, value: Value) -> Result<Value, Error> {
    match value {
        Value::Bool(_) => Ok(value),
        _ => Err(Error::validation(
            name,
            format!("{name} must be true or false"),
        )),
    }
}

/// A UUID (or null).
pub fn uuid(name: &str, value: Value) -> Result<Value, Error> {
    match value {
        Value::Null => Ok(Value::Null),
        Value::String(id) if is_uuid(&id) => Ok(Value::String(id.to_ascii_lowercase())),
        _ => Err(Error::validation(name, format!("{name} must be a UUID"))),
    }
}

/// A JSON object (or null, which the caller may turn into `{}`).
pub fn json_object(name: &str, value: Value) -> Result<Value, Error> {
    match value {
        Value::Object(_) => Ok(value),
        _ => Err(Error::validation(
            name,
            format!("{name} must be a JSON object"),
        )),
    }
}

/// A query parameter that must be a UUID, if present.
pub fn query_uuid<'r>(request: &'r Request, name: &str) -> Result<Option<&'r str>, Error> {
    match request.query(name) {
        None => Ok(None),
        Some(id) if is_uuid(id) => Ok(Some(id)),
        Some(_) => Err(Error::validation(name, format!("{name} must be a UUID"))),
    }
}

/// A query parameter limited to `choices`, if present.
pub fn query_choice<'r>(
    request: &'r Request,
    name: &str,
    choices: &[&str],
) -> Result<Option<&'r str>, Error> {
    match request.query(name) {
        None => Ok(None),
        Some(value) => choice(name, value, choices).map(|()| Some(value)),
    }
}

/// `?name=true|false`, if present.
pub fn query_bool(request: &Request, name: &str) -> Result<Option<bool>, Error> {
    match request.query(name) {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(_) => Err(Error::validation(
            name,
            format!("{name} must be true or false"),
        )),
    }
}

/// A non-blank search term, trimmed.
pub fn query_search<'r>(request: &'r Request, name: &str) -> Option<&'r str> {
    request.query(name).map(str::trim).filter(|s| !s.is_empty())
}

/// Who reads: `owner`, `admin` and `user` are staff; `readonly` users (and anyone asking
/// for `?view=customer`) get what a customer may see. `view` must be `customer` or
/// `staff` when given.
pub fn is_staff_view(request: &Request) -> Result<bool, Error> {
    let view = query_choice(request, "view", &["customer", "staff"])?;
    let staff_role = matches!(context().role.as_str(), "owner" | "admin" | "user");
    Ok(staff_role && view != Some("customer"))
}
