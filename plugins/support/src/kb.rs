//! `/kb`: knowledge-base articles. Staff see and manage every article; customer views
//! (`readonly` users, `?view=customer`) see published ones only, and an unpublished
//! article is 404 to them. Reading an article counts a view atomically — except for
//! `readonly` users, whose requests the host lets write nothing.

use eoex_sdk::context;
use eoex_sdk::prelude::*;
use serde_json::{Map, Value, json};

use crate::input::{self, query_bool, query_search};

pub const TITLE_MAX: u32 = 255;
pub const CATEGORY_MAX: u32 = 100;
const CONTENT_MAX: usize = 200_000;
const MAX_TAGS: usize = 20;
const TAG_MAX: usize = 50;

const SORTABLE: [&str; 6] = [
    "title",
    "category",
    "view_count",
    "is_published",
    "created_at",
    "updated_at",
];

pub fn list(request: &Request) -> Result<Response, Error> {
    let listing = Listing::from_request(request, &SORTABLE, "-created_at")?;
    let staff = input::is_staff_view(request)?;
    let mut query = Query::new("knowledge_base");
    if let Some(q) = query_search(request, "q") {
        query = query.filter(Filter::contains("title", q).or(Filter::contains("content", q)));
    }
    if let Some(category) = query_search(request, "category") {
        query = query.filter(Filter::eq("category", category));
    }
    if let Some(published) = query_bool(request, "is_published")? {
        query = query.filter(Filter::eq("is_published", published));
    }
    if !staff {
        query = query.filter(Filter::eq("is_published", true));
    }
    listing.respond(query)
}

pub fn show(request: &Request) -> Result<Response, Error> {
    let id = request.param("kb_id");
    let staff = input::is_staff_view(request)?;
    let published = Filter::eq("is_published", true);
    let article: Option<Value> = if context().role == "readonly" {
        store::get::<Map<String, Value>>("knowledge_base", id)?
            .filter(|a| a.get("is_published") == Some(&Value::Bool(true)))
            .map(Value::Object)
    } else {
        let counted = if staff {
            store::increment("knowledge_base", id, "view_count", 1.0)
        } else {
            store::increment_if("knowledge_base", id, "view_count", 1.0, published)
        };
        match counted {
            Ok(article) => Some(article),
            Err(HostError::NotFound | HostError::ConditionFailed) => None,
            Err(other) => return Err(other.into()),
        }
    };
    article
        .map(|a| Response::ok(&a))
        .ok_or_else(|| Error::not_found("article"))
}

pub fn create(request: &Request) -> Result<Response, Error> {
    let input = input::object(request)?;
    input::require(&input, &["title", "content"])?;
    let mut article = checked(input)?;
    article.insert("created_by".into(), json!(context().user_id));
    let created: Value = store::insert("knowledge_base", &article)?;
    Ok(Response::created(&created))
}

pub fn edit(request: &Request) -> Result<Response, Error> {
    let id = request.param("kb_id");
    let changes = checked(input::object(request)?)?;
    let article: Option<Value> = if changes.is_empty() {
        store::get("knowledge_base", id)?
    } else {
        match store::update("knowledge_base", id, &changes) {
            Ok(article) => Some(article),
            Err(HostError::NotFound) => None,
            Err(other) => return Err(other.into()),
        }
    };
    article
        .map(|a| Response::ok(&a))
        .ok_or_else(|| Error::not_found("article"))
}

pub fn remove(request: &Request) -> Result<Response, Error> {
    if store::delete("knowledge_base", request.param("kb_id"))? {
        Ok(Response::no_content())
    } else {
        Err(Error::not_found("article"))
    }
}

fn checked(input: Map<String, Value>) -> Result<Map<String, Value>, Error> {
    input
        .into_iter()
        .map(|(name, value)| {
            let value = match name.as_str() {
                "title" => input::text(&name, value, TITLE_MAX as usize, true)?,
                "content" => input::text(&name, value, CONTENT_MAX, true)?,
                "category" => input::text(&name, value, CATEGORY_MAX as usize, false)?,
                "tags" => tags(value)?,
                "is_published" => input::boolean(&name, value)?,
                _ => {
                    return Err(Error::validation(
                        &name,
                        format!("{name} is not an article field a client sets"),
                    ));
                }
            };
            Ok((name, value))
        })
        .collect()
}

/// Distinct, trimmed, non-empty strings, in the order given.
fn tags(value: Value) -> Result<Value, Error> {
    let items = match value {
        Value::Null => return Ok(json!([])),
        Value::Array(items) => items,
        _ => return Err(Error::validation("tags", "tags must be a list of text")),
    };
    if items.len() > MAX_TAGS {
        return Err(Error::validation(
            "tags",
            format!("at most {MAX_TAGS} tags"),
        ));
    }
    let mut tags: Vec<String> = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let field = format!("tags[{i}]");
        match input::text(&field, item, TAG_MAX, true)? {
            Value::String(tag) if !tags.contains(&tag) => tags.push(tag),
            _ => {}
        }
    }
    Ok(json!(tags))
}
