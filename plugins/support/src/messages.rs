//! `/tickets/{ticket_id}/messages`: replies and internal notes. The first reply that
//! is not an internal note is the ticket's first response (the customer never sees a
//! note, so it answers nobody).

use eoex_sdk::context;
use eoex_sdk::prelude::*;
use serde_json::{Map, Value, json};

use crate::input;
use crate::tickets::{self, Record};
use crate::time;

const MESSAGE_MAX: usize = 50_000;
const MAX_ATTACHMENTS: usize = 20;
const NAME_MAX: usize = 255;
const CONTENT_TYPE_MAX: usize = 255;
/// Sizes are bytes; JSON numbers are exact up to 2^53.
const MAX_SIZE: u64 = (1 << 53) - 1;

pub fn list(request: &Request) -> Result<Response, Error> {
    let listing = Listing::from_request(request, &["created_at"], "created_at")?;
    let staff = input::is_staff_view(request)?;
    let ticket_id = request.param("ticket_id");
    tickets::find(ticket_id)?;
    let mut query = Query::new("ticket_messages").filter(Filter::eq("ticket_id", ticket_id));
    if !staff {
        query = query.filter(Filter::eq("is_internal", false));
    }
    listing.respond(query)
}

pub fn create(request: &Request) -> Result<Response, Error> {
    let ticket_id = request.param("ticket_id");
    let ticket = tickets::find(ticket_id)?;
    if ticket.get("status").and_then(Value::as_str) == Some("closed") {
        return Err(Error::conflict(
            "ticket_closed",
            "the ticket is closed; reopen it to add messages",
        ));
    }
    let input = input::object(request)?;
    input::require(&input, &["message"])?;
    let mut message = Map::new();
    for (name, value) in input {
        let value = match name.as_str() {
            "message" => input::text(&name, value, MESSAGE_MAX, true)?,
            "is_internal" => input::boolean(&name, value)?,
            "attachments" => attachments(value)?,
            _ => {
                return Err(Error::validation(
                    &name,
                    format!("{name} is not a message field a client sets"),
                ));
            }
        };
        message.insert(name, value);
    }
    message.insert("ticket_id".into(), json!(ticket.get("ticket_id")));
    message.insert("user_id".into(), json!(context().user_id));
    let created: Record = store::insert("ticket_messages", &message)?;
    let internal = created.get("is_internal") == Some(&Value::Bool(true));
    if !internal && ticket.get("first_response_at").is_none_or(Value::is_null) {
        let at = created
            .get("created_at")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| time::format(time::now()));
        record_first_response(ticket_id, &at)?;
    }
    Ok(Response::created(&created))
}

/// Stamps the first response unless another reply did first; the SLA flag follows.
fn record_first_response(ticket_id: &str, at: &str) -> Result<(), Error> {
    tickets::modify(ticket_id, |ticket| {
        if ticket
            .get("first_response_at")
            .is_some_and(|v| !v.is_null())
        {
            return Ok(Record::new());
        }
        tickets::settle(
            ticket,
            Record::from_iter([("first_response_at".into(), json!(at))]),
            time::now(),
        )
    })?;
    Ok(())
}

/// `[{"name", "size", "content_type"}]`: metadata of files kept elsewhere.
fn attachments(value: Value) -> Result<Value, Error> {
    let items = match value {
        Value::Null => return Ok(json!([])),
        Value::Array(items) => items,
        _ => {
            return Err(Error::validation(
                "attachments",
                "attachments must be a list of {name, size, content_type}",
            ));
        }
    };
    if items.len() > MAX_ATTACHMENTS {
        return Err(Error::validation(
            "attachments",
            format!("at most {MAX_ATTACHMENTS} attachments"),
        ));
    }
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| attachment(&format!("attachments[{i}]"), item))
        .collect::<Result<Vec<_>, _>>()
        .map(Value::Array)
}

fn attachment(path: &str, item: Value) -> Result<Value, Error> {
    let Value::Object(mut item) = item else {
        return Err(Error::validation(
            path,
            format!("{path} must be an object with name, size and content_type"),
        ));
    };
    let mut take = |name: &str| {
        let field = format!("{path}.{name}");
        item.remove(name)
            .ok_or_else(|| Error::validation(&field, format!("{field} is required")))
            .map(|value| (field, value))
    };
    let (field, name) = take("name")?;
    let name = input::text(&field, name, NAME_MAX, true)?;
    let (field, size) = take("size")?;
    let size = size.as_u64().filter(|s| *s <= MAX_SIZE).ok_or_else(|| {
        Error::validation(
            &field,
            format!("{field} must be a whole number of bytes, from 0"),
        )
    })?;
    let (field, content_type) = take("content_type")?;
    let content_type = input::text(&field, content_type, CONTENT_TYPE_MAX, true)?;
    if !content_type.as_str().is_some_and(is_media_type) {
        return Err(Error::validation(
            &field,
            format!("{field} must be a media type such as application/pdf"),
        ));
    }
    if let Some(unknown) = item.keys().next() {
        let field = format!("{path}.{unknown}");
        return Err(Error::validation(
            &field,
            format!("{field} is not attachment metadata"),
        ));
    }
    Ok(json!({"name": name, "size": size, "content_type": content_type}))
}

/// `type/subtype` with optional parameters, e.g. `text/plain; charset=utf-8`.
fn is_media_type(s: &str) -> bool {
    let essence = s.split(';').next().unwrap_or_default().trim();
    let token = |t: &str| {
        !t.is_empty()
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$&-^_.+".contains(c))
    };
    matches!(essence.split_once('/'), Some((kind, sub)) if token(kind) && token(sub))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types() {
        for good in [
            "application/pdf",
            "text/plain; charset=utf-8",
            "image/svg+xml",
        ] {
            assert!(is_media_type(good), "{good}");
        }
        for bad in ["pdf", "/pdf", "text/", "a b/c", ""] {
            assert!(!is_media_type(bad), "{bad}");
        }
    }
}
