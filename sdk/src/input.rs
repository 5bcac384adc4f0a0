//! Checks on request bodies that every module makes the same way, each failure a 422
//! naming the field (see [`Error::validation`]).

use serde_json::{Map, Value};

use crate::Error;

/// 422 naming the first of `required` that `input` lacks.
pub fn require(input: &Map<String, Value>, required: &[&str]) -> Result<(), Error> {
    match required.iter().find(|f| !input.contains_key(**f)) {
        Some(missing) => Err(Error::validation(
            *missing,
            format!("{missing} is required"),
        )),
        None => Ok(()),
    }
}

/// Trimmed text of at most `max` characters. Required text must be present and not
/// blank; optional blank text becomes null.
pub fn text(name: &str, value: Value, max: usize, required: bool) -> Result<Value, Error> {
    let text = match value {
        Value::Null if required => {
            return Err(Error::validation(name, format!("{name} is required")));
        }
        Value::Null => return Ok(Value::Null),
        Value::String(text) => text.trim().to_owned(),
        _ => return Err(Error::validation(name, format!("{name} must be text"))),
    };
    if text.is_empty() {
        return if required {
            Err(Error::validation(name, format!("{name} must not be empty")))
        } else {
            Ok(Value::Null)
        };
    }
    if text.chars().count() > max {
        return Err(Error::validation(
            name,
            format!("{name} must be at most {max} characters"),
        ));
    }
    Ok(Value::String(text))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn field(result: Result<Value, Error>) -> Option<String> {
        result.err().and_then(|e| e.field().map(str::to_owned))
    }

    #[test]
    fn text_is_trimmed_bounded_and_blank_optional_text_is_null() {
        assert_eq!(
            text("name", json!("  Ada "), 10, true).unwrap(),
            json!("Ada")
        );
        assert_eq!(text("note", json!("   "), 10, false).unwrap(), Value::Null);
        assert_eq!(text("note", Value::Null, 10, false).unwrap(), Value::Null);
        for (value, required) in [
            (json!("   "), true),
            (Value::Null, true),
            (json!(12), false),
            (json!("x".repeat(11)), false),
        ] {
            assert_eq!(
                field(text("name", value, 10, required)).as_deref(),
                Some("name")
            );
        }
    }

    #[test]
    fn require_names_the_first_missing_field() {
        let input = json!({"a": 1}).as_object().unwrap().clone();
        assert!(require(&input, &["a"]).is_ok());
        let error = require(&input, &["a", "b", "c"]).unwrap_err();
        assert_eq!((error.status(), error.field()), (422, Some("b")));
    }
}
