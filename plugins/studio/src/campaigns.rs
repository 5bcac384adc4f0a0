//! `/campaigns`: marketing campaigns (`studio_campaigns`) and their lifecycle.
//!
//! Status moves (`POST /campaigns/{id}/status` or `status` in a PATCH; anything else is
//! 409 `illegal_transition`):
//!
//! | from | to |
//! |---|---|
//! | draft | scheduled, active |
//! | scheduled | active, draft |
//! | active | paused, completed |
//! | paused | active, completed |
//! | completed | — (final) |
//!
//! A campaign is created as a draft. Deleting one deletes its content and metrics in
//! the same transaction.

use eoex_sdk::prelude::*;
use serde_json::{Map, Value};

use crate::audience;
use crate::input::{self, Moves};

pub const TYPES: [&str; 5] = ["email", "social", "ads", "event", "webinar"];
pub const STATUSES: [&str; 5] = ["draft", "scheduled", "active", "paused", "completed"];

const MOVES: &Moves = &[
    ("draft", &["scheduled", "active"]),
    ("scheduled", &["active", "draft"]),
    ("active", &["paused", "completed"]),
    ("paused", &["active", "completed"]),
    ("completed", &[]),
];

const SORTABLE: [&str; 8] = [
    "name",
    "campaign_type",
    "status",
    "start_date",
    "end_date",
    "budget",
    "created_at",
    "updated_at",
];

pub fn entity() -> Entity {
    Entity::new("campaigns", "campaign_id")
        .label("Campaigns")
        .field(Field::text("name").required().max_length(255))
        .field(
            Field::text("campaign_type")
                .label("Type")
                .required()
                .choices(TYPES)
                .indexed(),
        )
        .field(
            Field::text("status")
                .required()
                .choices(STATUSES)
                .default("draft")
                .indexed(),
        )
        .field(Field::date("start_date").label("Start date"))
        .field(Field::date("end_date").label("End date"))
        .field(Field::decimal("budget"))
        .field(
            Field::json(audience::FIELD)
                .label("Target audience")
                .default(serde_json::json!({})),
        )
        .field(Field::json("metadata").default(serde_json::json!({})))
        .field(Field::uuid("created_by").label("Created by"))
}

/// The campaign with this id in the tenant, or 404.
pub fn find(id: &str) -> Result<Value, Error> {
    store::get("campaigns", id)?.ok_or_else(|| Error::not_found("campaign"))
}

pub fn list(request: &Request) -> Result<Response, Error> {
    let listing = Listing::from_request(request, &SORTABLE, "-created_at")?;
    let mut query = Query::new("campaigns");
    if let Some(status) = input::query_choice(request, "status", &STATUSES)? {
        query = query.filter(Filter::eq("status", status));
    }
    if let Some(kind) = input::query_choice(request, "campaign_type", &TYPES)? {
        query = query.filter(Filter::eq("campaign_type", kind));
    }
    if let Some(search) = input::search(request) {
        query = query.filter(Filter::contains("name", search));
    }
    listing.respond(query)
}

pub fn create(request: &Request) -> Result<Response, Error> {
    let input = input::object(request)?;
    input::require(&input, &["name", "campaign_type"])?;
    let mut campaign = checked(input)?;
    if let Some(status) = campaign.get("status").and_then(Value::as_str)
        && status != "draft"
    {
        return Err(Error::validation(
            "status",
            "a campaign starts as a draft; move it on with POST /campaigns/{campaign_id}/status",
        ));
    }
    check_dates(campaign.get("start_date"), campaign.get("end_date"))?;
    let caller = request
        .context()
        .user_id
        .ok_or_else(|| Error::forbidden("campaigns are created by a signed-in user"))?;
    campaign.insert("created_by".into(), Value::from(caller));
    let created: Value = store::insert("campaigns", &campaign)?;
    Ok(Response::created(&created))
}

pub fn show(request: &Request) -> Result<Response, Error> {
    Ok(Response::ok(&find(request.param("campaign_id"))?))
}

pub fn edit(request: &Request) -> Result<Response, Error> {
    let changes = checked(input::object(request)?)?;
    change(request.param("campaign_id"), changes)
}

/// `POST /campaigns/{campaign_id}/status` `{"status": "active"}`.
pub fn move_status(request: &Request) -> Result<Response, Error> {
    let input = input::status_only(request)?;
    change(request.param("campaign_id"), checked(input)?)
}

/// Applies checked `changes`: a status move only if the table allows it and nobody
/// moved the campaign meanwhile, dates only in order with the stored ones.
fn change(id: &str, mut changes: Map<String, Value>) -> Result<Response, Error> {
    let current = find(id)?;
    let from = current["status"].as_str().unwrap_or("draft").to_owned();
    let mut condition = None;
    if let Some(to) = changes.get("status").and_then(Value::as_str) {
        input::check_move("campaign", MOVES, &from, to)?;
        if to == from {
            changes.remove("status");
        } else {
            condition = Some(Filter::eq("status", from.as_str()));
        }
    }
    if changes.contains_key("start_date") || changes.contains_key("end_date") {
        check_dates(
            changes.get("start_date").or(current.get("start_date")),
            changes.get("end_date").or(current.get("end_date")),
        )?;
    }
    if changes.is_empty() {
        return Ok(Response::ok(&current));
    }
    let updated: Value = match condition {
        Some(condition) => store::update_if("campaigns", id, &changes, condition),
        None => store::update("campaigns", id, &changes),
    }
    .map_err(|error| match error {
        HostError::NotFound => Error::not_found("campaign"),
        HostError::ConditionFailed => Error::conflict(
            "status_changed",
            "the campaign's status changed meanwhile; reload it and try again",
        ),
        other => other.into(),
    })?;
    Ok(Response::ok(&updated))
}

pub fn remove(request: &Request) -> Result<Response, Error> {
    let id = request.param("campaign_id");
    find(id)?;
    for (entity, id_field) in [("content", "content_id"), ("analytics", "analytic_id")] {
        delete_all(entity, id_field, id)?;
    }
    store::delete("campaigns", id)?;
    Ok(Response::no_content())
}

/// Deletes every record of `entity` that belongs to the campaign, a page at a time.
fn delete_all(entity: &str, id_field: &str, campaign_id: &str) -> Result<(), Error> {
    let query = Query::new(entity)
        .filter(Filter::eq("campaign_id", campaign_id))
        .limit(1000);
    loop {
        let page = query.fetch::<Value>()?;
        if page.records.is_empty() {
            return Ok(());
        }
        for record in &page.records {
            store::delete(entity, record[id_field].as_str().unwrap_or_default())?;
        }
    }
}

/// 422 on `end_date` when both dates are set and the end comes first.
fn check_dates(start: Option<&Value>, end: Option<&Value>) -> Result<(), Error> {
    match (start.and_then(Value::as_str), end.and_then(Value::as_str)) {
        // YYYY-MM-DD compares as text.
        (Some(start), Some(end)) if end < start => Err(Error::validation(
            "end_date",
            format!("end_date ({end}) must not be before start_date ({start})"),
        )),
        _ => Ok(()),
    }
}

/// The fields of a create or edit, checked and normalised; unknown and maintained
/// fields are refused.
fn checked(input: Map<String, Value>) -> Result<Map<String, Value>, Error> {
    input
        .into_iter()
        .map(|(name, value)| {
            let value = match name.as_str() {
                "name" => input::text(&name, value, 255, true)?,
                "campaign_type" => Value::from(input::choice(&name, &value, &TYPES)?),
                "status" => Value::from(input::choice(&name, &value, &STATUSES)?),
                "start_date" | "end_date" => input::date(&name, value)?,
                "budget" => input::money(&name, value)?,
                audience::FIELD => audience::checked(value)?,
                "metadata" => input::json_object(&name, value)?,
                "created_by" | "campaign_id" | "created_at" | "updated_at" => {
                    return Err(input::maintained(&name));
                }
                _ => {
                    return Err(Error::validation(
                        name.as_str(),
                        format!("{name} is not a campaign field"),
                    ));
                }
            };
            Ok((name, value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_has_its_moves_and_only_known_targets() {
        for status in STATUSES {
            let (_, next) = MOVES
                .iter()
                .find(|(from, _)| *from == status)
                .unwrap_or_else(|| panic!("{status} has no row"));
            assert!(next.iter().all(|to| STATUSES.contains(to)), "{status}");
        }
    }

    #[test]
    fn dates_must_be_in_order() {
        let date = |s: &str| Value::from(s);
        assert!(check_dates(Some(&date("2026-01-01")), Some(&date("2026-01-01"))).is_ok());
        assert!(check_dates(None, Some(&date("2026-01-01"))).is_ok());
        assert!(check_dates(Some(&date("2026-01-01")), Some(&Value::Null)).is_ok());
        let error = check_dates(Some(&date("2026-02-01")), Some(&date("2026-01-31"))).unwrap_err();
        assert_eq!(error.field(), Some("end_date"));
    }
}
