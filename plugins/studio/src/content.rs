//! `/content`: the pieces of a campaign (`studio_content`): e-mails, posts, landing
//! pages and ads, through review to publication.
//!
//! Status moves (`POST /content/{id}/status` or `status` in a PATCH; anything else is
//! 409 `illegal_transition`):
//!
//! | from | to |
//! |---|---|
//! | draft | review |
//! | review | approved, draft (changes requested) |
//! | approved | published, draft (reopened for edits) |
//! | published | — (final) |
//!
//! What was reviewed is what gets published: outside `draft`, only `status` and
//! `metadata` change (409 `content_locked` otherwise).

use eoex_sdk::prelude::*;
use serde_json::{Map, Value};

use crate::campaigns;
use crate::input::{self, Moves};

pub const TYPES: [&str; 4] = ["email", "post", "landing_page", "ad"];
pub const STATUSES: [&str; 4] = ["draft", "review", "approved", "published"];

const MOVES: &Moves = &[
    ("draft", &["review"]),
    ("review", &["approved", "draft"]),
    ("approved", &["published", "draft"]),
    ("published", &[]),
];

/// What may change whatever the status.
const ALWAYS_EDITABLE: [&str; 2] = ["status", "metadata"];

/// A body is at most this many characters (an e-mail's or landing page's HTML).
const MAX_BODY: usize = 100_000;

const SORTABLE: [&str; 5] = [
    "title",
    "content_type",
    "status",
    "created_at",
    "updated_at",
];

pub fn entity() -> Entity {
    Entity::new("content", "content_id")
        .label("Content")
        .field(
            Field::uuid("campaign_id")
                .label("Campaign")
                .required()
                .indexed(),
        )
        .field(Field::text("title").required().max_length(255))
        .field(
            Field::text("content_type")
                .label("Type")
                .required()
                .choices(TYPES)
                .indexed(),
        )
        .field(
            Field::text("content_body")
                .label("Body")
                .max_length(MAX_BODY as u32),
        )
        .field(
            Field::text("status")
                .required()
                .choices(STATUSES)
                .default("draft")
                .indexed(),
        )
        .field(Field::json("metadata").default(serde_json::json!({})))
        .field(Field::uuid("created_by").label("Created by"))
}

fn find(id: &str) -> Result<Value, Error> {
    store::get("content", id)?.ok_or_else(|| Error::not_found("content"))
}

pub fn list(request: &Request) -> Result<Response, Error> {
    let listing = Listing::from_request(request, &SORTABLE, "-created_at")?;
    let mut query = Query::new("content");
    if let Some(campaign_id) = input::query_id(request, "campaign_id")? {
        query = query.filter(Filter::eq("campaign_id", campaign_id));
    }
    if let Some(status) = input::query_choice(request, "status", &STATUSES)? {
        query = query.filter(Filter::eq("status", status));
    }
    if let Some(kind) = input::query_choice(request, "content_type", &TYPES)? {
        query = query.filter(Filter::eq("content_type", kind));
    }
    if let Some(search) = input::search(request) {
        query = query.filter(Filter::contains("title", search));
    }
    listing.respond(query)
}

pub fn create(request: &Request) -> Result<Response, Error> {
    let input = input::object(request)?;
    input::require(&input, &["campaign_id", "title", "content_type"])?;
    let mut content = checked(input)?;
    if let Some(status) = content.get("status").and_then(Value::as_str)
        && status != "draft"
    {
        return Err(Error::validation(
            "status",
            "content starts as a draft; move it on with POST /content/{content_id}/status",
        ));
    }
    let caller = request
        .context()
        .user_id
        .ok_or_else(|| Error::forbidden("content is created by a signed-in user"))?;
    content.insert("created_by".into(), Value::from(caller));
    let created: Value = store::insert("content", &content)?;
    Ok(Response::created(&created))
}

pub fn show(request: &Request) -> Result<Response, Error> {
    Ok(Response::ok(&find(request.param("content_id"))?))
}

pub fn edit(request: &Request) -> Result<Response, Error> {
    let changes = checked(input::object(request)?)?;
    change(request.param("content_id"), changes)
}

/// `POST /content/{content_id}/status` `{"status": "review"}`.
pub fn move_status(request: &Request) -> Result<Response, Error> {
    let input = input::status_only(request)?;
    change(request.param("content_id"), checked(input)?)
}

/// Applies checked `changes` to content whose status nobody changed meanwhile.
fn change(id: &str, mut changes: Map<String, Value>) -> Result<Response, Error> {
    let current = find(id)?;
    let from = current["status"].as_str().unwrap_or("draft").to_owned();
    if let Some(to) = changes.get("status").and_then(Value::as_str) {
        input::check_move("content item", MOVES, &from, to)?;
        if to == from {
            changes.remove("status");
        }
    }
    if from != "draft"
        && let Some(locked) = changes
            .keys()
            .find(|k| !ALWAYS_EDITABLE.contains(&k.as_str()))
    {
        return Err(Error::conflict(
            "content_locked",
            format!(
                "{locked} cannot change while the content is {from}; move it back to draft first"
            ),
        ));
    }
    if changes.is_empty() {
        return Ok(Response::ok(&current));
    }
    let updated: Value =
        store::update_if("content", id, &changes, Filter::eq("status", from.as_str())).map_err(
            |error| match error {
                HostError::NotFound => Error::not_found("content"),
                HostError::ConditionFailed => Error::conflict(
                    "status_changed",
                    "the content's status changed meanwhile; reload it and try again",
                ),
                other => other.into(),
            },
        )?;
    Ok(Response::ok(&updated))
}

pub fn remove(request: &Request) -> Result<Response, Error> {
    if store::delete("content", request.param("content_id"))? {
        Ok(Response::no_content())
    } else {
        Err(Error::not_found("content"))
    }
}

/// The fields of a create or edit, checked and normalised; unknown and maintained
/// fields are refused.
fn checked(input: Map<String, Value>) -> Result<Map<String, Value>, Error> {
    input
        .into_iter()
        .map(|(name, value)| {
            let value = match name.as_str() {
                "campaign_id" => campaign(value)?,
                "title" => input::text(&name, value, 255, true)?,
                "content_type" => Value::from(input::choice(&name, &value, &TYPES)?),
                "content_body" => input::text(&name, value, MAX_BODY, false)?,
                "status" => Value::from(input::choice(&name, &value, &STATUSES)?),
                "metadata" => input::json_object(&name, value)?,
                "created_by" | "content_id" | "created_at" | "updated_at" => {
                    return Err(input::maintained(&name));
                }
                _ => {
                    return Err(Error::validation(
                        name.as_str(),
                        format!("{name} is not a content field"),
                    ));
                }
            };
            Ok((name, value))
        })
        .collect()
}

/// The id of a campaign of this tenant: 422 on `campaign_id` otherwise.
fn campaign(value: Value) -> Result<Value, Error> {
    let invalid = || Error::validation("campaign_id", "campaign_id must name a campaign");
    let id = value.as_str().ok_or_else(invalid)?;
    match campaigns::find(id) {
        Ok(campaign) => Ok(campaign["campaign_id"].clone()),
        Err(error) if error.status() == 404 => Err(invalid()),
        Err(error) => Err(error),
    }
}
