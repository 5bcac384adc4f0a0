//! Checks on request bodies and query parameters, each failure a 422 naming the field.

use eoex_sdk::Error;
use eoex_sdk::validate::{is_date, is_uuid};
use serde_json::{Map, Value};

pub use eoex_sdk::input::text;

/// The largest amount a price or total may have (the design's DECIMAL(10,2)).
const MAX_MONEY: f64 = 99_999_999.99;

pub fn invalid(field: &str, message: impl Into<String>) -> Error {
    Error::validation(field, message)
}

/// The body as a JSON object.
pub fn object(request: &eoex_sdk::Request) -> Result<Map<String, Value>, Error> {
    match request.json::<Value>()? {
        Value::Object(map) => Ok(map),
        _ => Err(Error::bad_request("the body must be a JSON object")),
    }
}

/// Each field of `input` checked by `check`; `required` fields must be present.
pub fn checked(
    input: Map<String, Value>,
    required: &[&str],
    check: impl Fn(&str, Value) -> Result<Value, Error>,
) -> Result<Map<String, Value>, Error> {
    eoex_sdk::input::require(&input, required)?;
    input
        .into_iter()
        .map(|(name, value)| Ok((name.clone(), check(&name, value)?)))
        .collect()
}

/// An amount of money: a number from 0 with at most two decimals.
pub fn money(name: &str, value: Value, required: bool) -> Result<Value, Error> {
    let amount = match value {
        Value::Null if required => return Err(invalid(name, format!("{name} is required"))),
        Value::Null => return Ok(Value::Null),
        Value::Number(n) => n.as_f64().unwrap_or(f64::NAN),
        _ => return Err(invalid(name, format!("{name} must be a number"))),
    };
    if !(0.0..=MAX_MONEY).contains(&amount) {
        return Err(invalid(
            name,
            format!("{name} must be from 0 to {MAX_MONEY}"),
        ));
    }
    if ((amount * 100.0).round() - amount * 100.0).abs() > 1e-6 {
        return Err(invalid(name, format!("{name} has at most two decimals")));
    }
    Ok(Value::from(cents_to_amount(to_cents(amount))))
}

/// A whole number within `min..=max`.
pub fn whole(name: &str, value: &Value, min: i64, max: i64) -> Result<i64, Error> {
    value
        .as_i64()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| {
            invalid(
                name,
                format!("{name} must be a whole number from {min} to {max}"),
            )
        })
}

pub fn json_object(name: &str, value: Value) -> Result<Value, Error> {
    match value {
        Value::Object(_) | Value::Null => Ok(value),
        _ => Err(invalid(name, format!("{name} must be a JSON object"))),
    }
}

/// A record id in a body; `what` names the record for the message.
pub fn id(name: &str, value: &Value, what: &str) -> Result<String, Error> {
    value
        .as_str()
        .filter(|s| is_uuid(s))
        .map(str::to_lowercase)
        .ok_or_else(|| invalid(name, format!("{name} must be the id (UUID) of a {what}")))
}

/// An optional `YYYY-MM-DD` query parameter.
pub fn query_date(request: &eoex_sdk::Request, name: &str) -> Result<Option<String>, Error> {
    match request.query(name).map(str::trim) {
        None | Some("") => Ok(None),
        Some(date) if is_date(date) => Ok(Some(date.to_owned())),
        Some(_) => Err(invalid(name, format!("{name} must be a date (YYYY-MM-DD)"))),
    }
}

/// Money is added up in whole cents, so totals are exact whatever the float.
pub fn to_cents(amount: f64) -> i64 {
    (amount * 100.0).round() as i64
}

pub fn cents_to_amount(cents: i64) -> f64 {
    cents as f64 / 100.0
}

/// A record's money field in cents (0 when absent).
pub fn cents_of(record: &Value, field: &str) -> i64 {
    record[field].as_f64().map(to_cents).unwrap_or(0)
}
