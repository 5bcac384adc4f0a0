//! `/tickets`: numbered per tenant and year, with a status workflow and SLA due times.
//!
//! Status moves (anything else is 409 `invalid_transition`; the same status is no move):
//!
//! | from | to |
//! |---|---|
//! | open | in_progress, waiting, resolved, closed |
//! | in_progress | waiting, resolved, closed |
//! | waiting | in_progress, resolved, closed |
//! | resolved | closed, open (reopen) |
//! | closed | open (reopen) |
//!
//! Entering resolved or closed from an active status stamps `closed_at` and
//! `resolution_hours`; resolved → closed keeps them; reopening clears them.
//!
//! SLA: `first_response_due` and `resolution_due` are stored. A ticket is breached
//! when its first response (or closure, if it closed unanswered) came after the first
//! due time, when it was resolved after the resolution due time, or when either due
//! time has passed with the ticket still waiting for it. The two "came late" facts are
//! stored as flags when they happen, so `?sla_breached=` is a filter on stored fields.

use chrono::{DateTime, Datelike, Utc};
use eoex_sdk::prelude::*;
use serde_json::{Map, Value, json};

use crate::input::{self, query_bool, query_choice, query_search, query_uuid};
use crate::sla::{self, PRIORITIES};
use crate::time;

pub const STATUSES: [&str; 5] = ["open", "in_progress", "waiting", "resolved", "closed"];
pub const SUBJECT_MAX: u32 = 255;
const DESCRIPTION_MAX: usize = 50_000;

const MOVES: [(&str, &[&str]); 5] = [
    ("open", &["in_progress", "waiting", "resolved", "closed"]),
    ("in_progress", &["waiting", "resolved", "closed"]),
    ("waiting", &["in_progress", "resolved", "closed"]),
    ("resolved", &["closed", "open"]),
    ("closed", &["open"]),
];

const SORTABLE: [&str; 9] = [
    "ticket_number",
    "subject",
    "status",
    "created_at",
    "updated_at",
    "first_response_due",
    "resolution_due",
    "closed_at",
    "assigned_to",
];

/// Concurrent changes of one ticket are retried this often before giving up with 409.
const ATTEMPTS: usize = 5;

pub type Record = Map<String, Value>;

fn is_done(status: &str) -> bool {
    matches!(status, "resolved" | "closed")
}

fn may_move(from: &str, to: &str) -> bool {
    MOVES
        .iter()
        .any(|(f, targets)| *f == from && targets.contains(&to))
}

fn field<'r>(record: &'r Record, name: &str) -> Option<&'r str> {
    record.get(name).and_then(Value::as_str)
}

fn stamp(record: &Record, name: &str) -> Option<DateTime<Utc>> {
    time::parse(field(record, name))
}

/// When the first-response clock stopped: the first reply, or the closure of a ticket
/// nobody answered.
fn first_response_stop(ticket: &Record) -> Option<DateTime<Utc>> {
    match (
        stamp(ticket, "first_response_at"),
        stamp(ticket, "closed_at"),
    ) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The stored "came late" flags that follow from the ticket's times.
fn sla_flags(ticket: &Record) -> Record {
    let late = |at: Option<DateTime<Utc>>, due: &str| match (at, stamp(ticket, due)) {
        (Some(at), Some(due)) => at > due,
        _ => false,
    };
    let mut flags = Record::new();
    flags.insert(
        "first_response_breached".into(),
        json!(late(first_response_stop(ticket), "first_response_due")),
    );
    flags.insert(
        "resolution_breached".into(),
        json!(late(stamp(ticket, "closed_at"), "resolution_due")),
    );
    flags
}

/// Whether the ticket misses its SLA at `now`; the same rule as [`breached_filter`].
pub fn is_breached(ticket: &Record, now: DateTime<Utc>) -> bool {
    let passed = |due: &str| stamp(ticket, due).is_some_and(|due| now > due);
    let flags = sla_flags(ticket);
    flags.values().any(|v| v == &json!(true))
        || (first_response_stop(ticket).is_none() && passed("first_response_due"))
        || (stamp(ticket, "closed_at").is_none() && passed("resolution_due"))
}

fn breached_filter(now: &str) -> Filter {
    Filter::any([
        Filter::eq("first_response_breached", true),
        Filter::eq("resolution_breached", true),
        Filter::all([
            Filter::is_null("first_response_at"),
            Filter::is_null("closed_at"),
            Filter::lt("first_response_due", now),
        ]),
        Filter::all([
            Filter::is_null("closed_at"),
            Filter::lt("resolution_due", now),
        ]),
    ])
}

/// The negation of [`breached_filter`], written out: the flags and due times are
/// never null, and a negated comparison with a null would not match.
fn on_time_filter(now: &str) -> Filter {
    Filter::all([
        Filter::eq("first_response_breached", false),
        Filter::eq("resolution_breached", false),
        Filter::any([
            Filter::is_not_null("first_response_at"),
            Filter::is_not_null("closed_at"),
            Filter::gte("first_response_due", now),
        ]),
        Filter::any([
            Filter::is_not_null("closed_at"),
            Filter::gte("resolution_due", now),
        ]),
    ])
}

/// A ticket as answered: the stored record and whether it misses its SLA now.
pub fn view(mut ticket: Record, now: DateTime<Utc>) -> Value {
    let breached = is_breached(&ticket, now);
    ticket.insert("sla_breached".into(), json!(breached));
    Value::Object(ticket)
}

pub fn list(request: &Request) -> Result<Response, Error> {
    let listing = Listing::from_request(request, &SORTABLE, "-created_at")?;
    let now = time::now();
    let mut query = Query::new("tickets");
    if let Some(status) = query_choice(request, "status", &STATUSES)? {
        query = query.filter(Filter::eq("status", status));
    }
    if let Some(priority) = query_choice(request, "priority", &PRIORITIES)? {
        query = query.filter(Filter::eq("priority", priority));
    }
    for name in ["assigned_to", "contact_id"] {
        if let Some(id) = query_uuid(request, name)? {
            query = query.filter(Filter::eq(name, id.to_ascii_lowercase()));
        }
    }
    if let Some(search) = query_search(request, "search") {
        query = query.filter(Filter::contains("subject", search));
    }
    match query_bool(request, "sla_breached")? {
        Some(true) => query = query.filter(breached_filter(&time::format(now))),
        Some(false) => query = query.filter(on_time_filter(&time::format(now))),
        None => {}
    }
    let listed = listing.fetch::<Record>(query)?;
    Ok(Response::ok(&listed.map(|t| view(t, now))))
}

pub fn show(request: &Request) -> Result<Response, Error> {
    let ticket = find(request.param("ticket_id"))?;
    Ok(Response::ok(&view(ticket, time::now())))
}

pub fn find(id: &str) -> Result<Record, Error> {
    store::get("tickets", id)?.ok_or_else(|| Error::not_found("ticket"))
}

pub fn create(request: &Request) -> Result<Response, Error> {
    let input = input::object(request)?;
    input::require(&input, &["subject", "description"])?;
    let mut ticket = checked(input)?;
    if let Some(status) = field(&ticket, "status").filter(|s| *s != "open") {
        return Err(Error::validation(
            "status",
            format!("a ticket starts open, not {status}; change its status afterwards"),
        ));
    }
    check_links(&ticket)?;
    let priority = field(&ticket, "priority").unwrap_or("medium").to_owned();
    let now = time::now();
    ticket.extend(due_times(&priority, now)?);
    ticket.insert("ticket_number".into(), json!(next_number(now)?));
    let created: Record = store::insert("tickets", &ticket)?;
    events::publish(
        "support.ticket.created",
        &json!({
            "ticket_id": created.get("ticket_id"),
            "ticket_number": created.get("ticket_number"),
            "contact_id": created.get("contact_id"),
            "priority": created.get("priority"),
        }),
    )?;
    Ok(Response::created(&view(created, now)))
}

/// `TKT-YYYY-NNNNNN`: a sequence per year, so numbering starts again at 1 each year.
fn next_number(now: DateTime<Utc>) -> Result<String, Error> {
    let year = now.year();
    let n = sequence::next(&format!("tickets-{year}"))?;
    Ok(format!("TKT-{year}-{n:06}"))
}

fn due_times(priority: &str, from: DateTime<Utc>) -> Result<Record, Error> {
    let targets = sla::targets(priority)?;
    let mut due = Record::new();
    due.insert(
        "first_response_due".into(),
        json!(time::format(time::after_hours(
            from,
            targets.first_response_hours
        ))),
    );
    due.insert(
        "resolution_due".into(),
        json!(time::format(time::after_hours(
            from,
            targets.resolution_hours
        ))),
    );
    Ok(due)
}

pub fn edit(request: &Request) -> Result<Response, Error> {
    let id = request.param("ticket_id");
    let changes = checked(input::object(request)?)?;
    check_links(&changes)?;
    let now = time::now();
    let updated = modify(id, |ticket| settle(ticket, changes.clone(), now))?;
    Ok(Response::ok(&view(updated, now)))
}

/// The full change of `ticket` that `changes` asks for: status stamps, due times of
/// a new priority, and the SLA flags of the result.
pub fn settle(ticket: &Record, mut changes: Record, now: DateTime<Utc>) -> Result<Record, Error> {
    let from = field(ticket, "status").unwrap_or("open");
    if let Some(to) = field(&changes, "status").filter(|to| *to != from) {
        if !may_move(from, to) {
            return Err(Error::conflict(
                "invalid_transition",
                format!("a ticket cannot move from {from} to {to}"),
            ));
        }
        match (is_done(from), is_done(to)) {
            (false, true) => {
                let created = stamp(ticket, "created_at").unwrap_or(now);
                changes.insert("closed_at".into(), json!(time::format(now)));
                changes.insert(
                    "resolution_hours".into(),
                    json!(time::hours_between(created, now)),
                );
            }
            (true, false) => {
                changes.insert("closed_at".into(), Value::Null);
                changes.insert("resolution_hours".into(), Value::Null);
            }
            _ => {}
        }
    }
    if let Some(priority) = field(&changes, "priority")
        .filter(|p| Some(*p) != field(ticket, "priority"))
        .map(str::to_owned)
    {
        let created = stamp(ticket, "created_at").unwrap_or(now);
        changes.extend(due_times(&priority, created)?);
    }
    let mut result = ticket.clone();
    result.extend(changes.clone());
    changes.extend(sla_flags(&result));
    // Only what differs is written: an edit that changes nothing leaves no trace.
    changes.retain(|name, value| ticket.get(name) != Some(value));
    Ok(changes)
}

/// Applies `change(current ticket)` unless the ticket changed meanwhile, in which case
/// it reads the ticket again and recomputes: status moves and SLA flags are always
/// decided on the ticket they are written to.
pub fn modify(
    id: &str,
    mut change: impl FnMut(&Record) -> Result<Record, Error>,
) -> Result<Record, Error> {
    for _ in 0..ATTEMPTS {
        let ticket = find(id)?;
        let changes = change(&ticket)?;
        if changes.is_empty() {
            return Ok(ticket);
        }
        let unchanged = Filter::eq(
            "updated_at",
            field(&ticket, "updated_at").unwrap_or_default(),
        );
        match store::update_if("tickets", id, &changes, unchanged) {
            Ok(updated) => return Ok(updated),
            Err(HostError::ConditionFailed) => continue,
            Err(HostError::NotFound) => return Err(Error::not_found("ticket")),
            Err(other) => return Err(other.into()),
        }
    }
    Err(Error::conflict(
        "concurrent_update",
        "the ticket is being changed by others; try again",
    ))
}

pub fn remove(request: &Request) -> Result<Response, Error> {
    let id = request.param("ticket_id");
    find(id)?;
    loop {
        let messages = Query::new("ticket_messages")
            .filter(Filter::eq("ticket_id", id))
            .limit(1000)
            .fetch::<Record>()?
            .records;
        if messages.is_empty() {
            break;
        }
        for message in messages {
            if let Some(message_id) = field(&message, "message_id") {
                store::delete("ticket_messages", message_id)?;
            }
        }
    }
    store::delete("tickets", id)?;
    Ok(Response::no_content())
}

/// The fields a client may set, checked and normalised; the number, the SLA fields and
/// the status stamps are the module's.
fn checked(input: Record) -> Result<Record, Error> {
    input
        .into_iter()
        .map(|(name, value)| {
            let value = match name.as_str() {
                "subject" => input::text(&name, value, SUBJECT_MAX as usize, true)?,
                "description" => input::text(&name, value, DESCRIPTION_MAX, true)?,
                "priority" => input::choice_value(&name, value, &PRIORITIES)?,
                "status" => input::choice_value(&name, value, &STATUSES)?,
                "assigned_to" | "contact_id" => input::uuid(&name, value)?,
                "metadata" if value.is_null() => json!({}),
                "metadata" => input::json_object(&name, value)?,
                _ => {
                    return Err(Error::validation(
                        &name,
                        format!("{name} is not a ticket field a client sets"),
                    ));
                }
            };
            Ok((name, value))
        })
        .collect()
}

/// `assigned_to` must be an active user of the tenant; `contact_id` a CRM contact
/// when the tenant has CRM enabled. Without CRM the id cannot be checked and is kept
/// as given, so tickets can name contacts before (or after) CRM is in use.
fn check_links(ticket: &Record) -> Result<(), Error> {
    if let Some(user) = field(ticket, "assigned_to")
        && !users::is_active_member(user)?
    {
        return Err(Error::validation(
            "assigned_to",
            "assigned_to must be an active user of this tenant",
        ));
    }
    if let Some(contact) = field(ticket, "contact_id") {
        match store::get::<Value>("crm.contacts", contact) {
            Ok(Some(_)) => {}
            Ok(None) => {
                return Err(Error::validation(
                    "contact_id",
                    "contact_id names no CRM contact of this tenant",
                ));
            }
            Err(HostError::Denied(message)) if message.contains("is not enabled") => {}
            Err(other) => return Err(other.into()),
        }
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn ticket(fields: Value) -> Record {
        let mut ticket = json!({
            "created_at": "2026-01-01T00:00:00Z",
            "first_response_due": "2026-01-01T01:00:00Z",
            "resolution_due": "2026-01-01T04:00:00Z",
        });
        for (k, v) in fields.as_object().unwrap() {
            ticket[k] = v.clone();
        }
        let mut ticket = ticket.as_object().unwrap().clone();
        ticket.extend(sla_flags(&ticket));
        ticket
    }

    fn at(hhmm: &str) -> DateTime<Utc> {
        time::parse(Some(&format!("2026-01-01T{hhmm}:00Z"))).unwrap()
    }

    #[test]
    fn breach_rule_cases() {
        let cases = [
            (json!({}), "00:30", false),
            (json!({}), "01:01", true),
            (
                json!({"first_response_at": "2026-01-01T00:30:00Z"}),
                "03:00",
                false,
            ),
            (
                json!({"first_response_at": "2026-01-01T00:30:00Z"}),
                "04:01",
                true,
            ),
            (
                json!({"first_response_at": "2026-01-01T01:30:00Z"}),
                "01:31",
                true,
            ),
            (
                json!({"first_response_at": "2026-01-01T00:30:00Z", "closed_at": "2026-01-01T03:00:00Z"}),
                "23:00",
                false,
            ),
            (
                json!({"first_response_at": "2026-01-01T00:30:00Z", "closed_at": "2026-01-01T05:00:00Z"}),
                "23:00",
                true,
            ),
            // Closed unanswered within the first-response target: on time for good.
            (json!({"closed_at": "2026-01-01T00:45:00Z"}), "23:00", false),
            (json!({"closed_at": "2026-01-01T01:45:00Z"}), "23:00", true),
        ];
        for (fields, now, breached) in cases {
            let t = ticket(fields.clone());
            assert_eq!(is_breached(&t, at(now)), breached, "{fields} at {now}");
        }
    }

    #[test]
    fn moves() {
        for (from, to, ok) in [
            ("open", "closed", true),
            ("waiting", "in_progress", true),
            ("resolved", "open", true),
            ("closed", "open", true),
            ("closed", "resolved", false),
            ("resolved", "in_progress", false),
            ("in_progress", "open", false),
            ("waiting", "open", false),
        ] {
            assert_eq!(may_move(from, to), ok, "{from} → {to}");
        }
    }
}
