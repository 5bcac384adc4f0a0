//! Checks on request bodies and query parameters, each failure a 422 naming the field,
//! and the status machines of campaigns and content.

use eoex_sdk::validate::{is_date, is_uuid};
use eoex_sdk::{Error, Request};
use serde_json::{Map, Value};

pub use eoex_sdk::input::{require, text};

/// The largest budget (the design's DECIMAL(15,2)).
const MAX_MONEY: f64 = 9_999_999_999_999.99;

/// The body as a JSON object.
pub fn object(request: &Request) -> Result<Map<String, Value>, Error> {
    match request.json::<Value>()? {
        Value::Object(map) => Ok(map),
        _ => Err(Error::bad_request("the body must be a JSON object")),
    }
}

/// One of `choices`.
pub fn choice(name: &str, value: &Value, choices: &[&str]) -> Result<String, Error> {
    value
        .as_str()
        .filter(|v| choices.contains(v))
        .map(str::to_owned)
        .ok_or_else(|| {
            Error::validation(
                name,
                format!("{name} must be one of {}", choices.join(", ")),
            )
        })
}

/// A `YYYY-MM-DD` date, or null.
pub fn date(name: &str, value: Value) -> Result<Value, Error> {
    match &value {
        Value::Null => Ok(value),
        Value::String(s) if is_date(s) => Ok(value),
        _ => Err(Error::validation(
            name,
            format!("{name} must be a date (YYYY-MM-DD)"),
        )),
    }
}

/// An amount of money from 0 with at most two decimals, or null.
pub fn money(name: &str, value: Value) -> Result<Value, Error> {
    let amount = match &value {
        Value::Null => return Ok(value),
        Value::Number(n) => n.as_f64().unwrap_or(f64::NAN),
        _ => return Err(Error::validation(name, format!("{name} must be a number"))),
    };
    if !(0.0..=MAX_MONEY).contains(&amount) {
        return Err(Error::validation(
            name,
            format!("{name} must be from 0 to {MAX_MONEY}"),
        ));
    }
    if ((amount * 100.0).round() - amount * 100.0).abs() > 1e-6 {
        return Err(Error::validation(
            name,
            format!("{name} has at most two decimals"),
        ));
    }
    Ok(value)
}

/// The body of a status route: `{"status": …}` and nothing else.
pub fn status_only(request: &Request) -> Result<Map<String, Value>, Error> {
    let input = object(request)?;
    require(&input, &["status"])?;
    if let Some(other) = input.keys().find(|k| *k != "status") {
        return Err(Error::validation(
            other.as_str(),
            "only status is changed here; use PATCH for other fields",
        ));
    }
    Ok(input)
}

/// A JSON object, or null.
pub fn json_object(name: &str, value: Value) -> Result<Value, Error> {
    match value {
        Value::Object(_) | Value::Null => Ok(value),
        _ => Err(Error::validation(
            name,
            format!("{name} must be a JSON object"),
        )),
    }
}

/// An optional `YYYY-MM-DD` query parameter.
pub fn query_date(request: &Request, name: &str) -> Result<Option<String>, Error> {
    match request.query(name).map(str::trim) {
        None | Some("") => Ok(None),
        Some(date) if is_date(date) => Ok(Some(date.to_owned())),
        Some(_) => Err(Error::validation(
            name,
            format!("{name} must be a date (YYYY-MM-DD)"),
        )),
    }
}

/// An optional query parameter that must be one of `choices`.
pub fn query_choice<'r>(
    request: &'r Request,
    name: &str,
    choices: &[&str],
) -> Result<Option<&'r str>, Error> {
    match request.query(name) {
        None => Ok(None),
        Some(value) if choices.contains(&value) => Ok(Some(value)),
        Some(_) => Err(Error::validation(
            name,
            format!("{name} must be one of {}", choices.join(", ")),
        )),
    }
}

/// An optional query parameter naming a record by id.
pub fn query_id<'r>(request: &'r Request, name: &str) -> Result<Option<&'r str>, Error> {
    match request.query(name) {
        None => Ok(None),
        Some(id) if is_uuid(id) => Ok(Some(id)),
        Some(_) => Err(Error::validation(
            name,
            format!("{name} must be an id (UUID)"),
        )),
    }
}

/// A non-blank `?search=`, trimmed.
pub fn search(request: &Request) -> Option<&str> {
    request
        .query("search")
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// Refuses the fields the host or the module maintains.
pub fn maintained(name: &str) -> Error {
    Error::validation(name, format!("{name} is maintained by the server"))
}

/// The legal moves of a status machine: each status with where it may go next.
pub type Moves = [(&'static str, &'static [&'static str])];

/// 409 `illegal_transition` unless `moves` allow `from` → `to`. Staying put is not a
/// move and is always allowed.
pub fn check_move(what: &str, moves: &Moves, from: &str, to: &str) -> Result<(), Error> {
    let allowed = moves
        .iter()
        .find(|(status, _)| *status == from)
        .map_or(&[][..], |(_, next)| *next);
    if from == to || allowed.contains(&to) {
        return Ok(());
    }
    let options = if allowed.is_empty() {
        format!("{from} is final")
    } else {
        format!("from {from} it can move to {}", allowed.join(", "))
    };
    Err(Error::conflict(
        "illegal_transition",
        format!("a {what} cannot move from {from} to {to}: {options}"),
    ))
}

/// The day after a valid `YYYY-MM-DD` date, so a date range can end at the next
/// midnight.
pub fn next_day(date: &str) -> String {
    let number = |range: std::ops::Range<usize>| date[range].parse::<u32>().unwrap_or(1);
    let (mut year, mut month, mut day) = (number(0..4), number(5..7), number(8..10));
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days_in_month = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    day += 1;
    if day > days_in_month {
        day = 1;
        month += 1;
        if month > 12 {
            month = 1;
            year += 1;
        }
    }
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const MOVES: &Moves = &[("a", &["b"]), ("b", &["a", "c"]), ("c", &[])];

    #[test]
    fn moves_follow_the_table() {
        assert!(check_move("thing", MOVES, "a", "b").is_ok());
        assert!(check_move("thing", MOVES, "b", "a").is_ok());
        assert!(check_move("thing", MOVES, "c", "c").is_ok());
        let error = check_move("thing", MOVES, "a", "c").unwrap_err();
        assert_eq!((error.status(), error.code()), (409, "illegal_transition"));
        assert!(error.message().contains("to b"), "{}", error.message());
        let error = check_move("thing", MOVES, "c", "a").unwrap_err();
        assert!(
            error.message().contains("c is final"),
            "{}",
            error.message()
        );
    }

    #[test]
    fn next_day_rolls_months_and_years() {
        for (date, next) in [
            ("2026-01-31", "2026-02-01"),
            ("2026-02-28", "2026-03-01"),
            ("2024-02-28", "2024-02-29"),
            ("2024-02-29", "2024-03-01"),
            ("1900-02-28", "1900-03-01"),
            ("2000-02-28", "2000-02-29"),
            ("2026-04-30", "2026-05-01"),
            ("2026-12-31", "2027-01-01"),
            ("2026-06-14", "2026-06-15"),
        ] {
            assert_eq!(next_day(date), next, "{date}");
        }
    }

    #[test]
    fn money_is_non_negative_with_cents() {
        assert_eq!(money("budget", json!(10.5)).unwrap(), json!(10.5));
        assert_eq!(money("budget", json!(0)).unwrap(), json!(0));
        assert_eq!(money("budget", json!(null)).unwrap(), json!(null));
        for bad in [json!(-1), json!(1.001), json!("5"), json!(1e16)] {
            let error = money("budget", bad.clone()).unwrap_err();
            assert_eq!(error.field(), Some("budget"), "{bad}");
        }
    }

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(text("t", json!("  a "), 5, true).unwrap(), json!("a"));
        assert_eq!(text("t", json!("  "), 5, false).unwrap(), json!(null));
        assert!(text("t", json!("  "), 5, true).is_err());
        assert!(text("t", json!("abcdef"), 5, false).is_err());
        assert!(text("t", json!(1), 5, false).is_err());
        assert!(text("t", json!(null), 5, true).is_err());
    }
}
