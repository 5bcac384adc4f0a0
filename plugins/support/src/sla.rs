//! SLA targets: hours to the first response and to resolution, per priority. A tenant
//! overrides the defaults per priority (`sla_policies`, one record per priority). A
//! ticket's due times are stamped from the targets when it is created or its priority
//! changes, so later changes of the targets do not move existing deadlines.

use eoex_sdk::context;
use eoex_sdk::prelude::*;
use serde_json::{Map, Value, json};

pub const PRIORITIES: [&str; 4] = ["low", "medium", "high", "urgent"];

/// A year: a longer target is a typo, not a service level.
const MAX_HOURS: f64 = 8760.0;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Targets {
    pub first_response_hours: f64,
    pub resolution_hours: f64,
}

fn default_targets(priority: &str) -> Targets {
    let (first_response_hours, resolution_hours) = match priority {
        "urgent" => (1.0, 4.0),
        "high" => (4.0, 24.0),
        "low" => (24.0, 168.0),
        _ => (8.0, 72.0),
    };
    Targets {
        first_response_hours,
        resolution_hours,
    }
}

fn policy(priority: &str) -> Result<Option<Map<String, Value>>, Error> {
    let page = Query::new("sla_policies")
        .filter(Filter::eq("priority", priority))
        .limit(1)
        .fetch::<Map<String, Value>>()?;
    Ok(page.records.into_iter().next())
}

/// The tenant's targets for `priority`.
pub fn targets(priority: &str) -> Result<Targets, Error> {
    Ok(match policy(priority)? {
        Some(policy) => Targets {
            first_response_hours: number(&policy, "first_response_hours"),
            resolution_hours: number(&policy, "resolution_hours"),
        },
        None => default_targets(priority),
    })
}

fn number(record: &Map<String, Value>, field: &str) -> f64 {
    record.get(field).and_then(Value::as_f64).unwrap_or(0.0)
}

fn all_targets() -> Result<Value, Error> {
    let mut out = Map::new();
    for priority in PRIORITIES {
        let t = targets(priority)?;
        out.insert(
            priority.into(),
            json!({"first_response_hours": t.first_response_hours, "resolution_hours": t.resolution_hours}),
        );
    }
    Ok(Value::Object(out))
}

pub fn show(_: &Request) -> Result<Response, Error> {
    Ok(Response::ok(&all_targets()?))
}

/// `{"urgent": {"first_response_hours": 0.5, "resolution_hours": 2}, "low": null}`:
/// the priorities named get these targets (null: the defaults again), the others keep
/// theirs. Answers every priority's targets.
pub fn replace(request: &Request) -> Result<Response, Error> {
    if !matches!(context().role.as_str(), "owner" | "admin") {
        return Err(Error::forbidden(
            "only an owner or admin can change SLA targets",
        ));
    }
    let input = crate::input::object(request)?;
    let mut changes = Vec::new();
    for (priority, value) in input {
        crate::input::choice(&priority, &priority, &PRIORITIES)?;
        let targets = match value {
            Value::Null => None,
            Value::Object(entry) => Some(checked(&priority, entry)?),
            _ => {
                return Err(Error::validation(
                    priority,
                    "give an object with first_response_hours and resolution_hours, or null",
                ));
            }
        };
        changes.push((priority, targets));
    }
    for (priority, targets) in changes {
        let existing = policy(&priority)?;
        let id = existing
            .as_ref()
            .and_then(|p| p.get("policy_id"))
            .and_then(Value::as_str);
        match (targets, id) {
            (Some(t), Some(id)) => {
                store::update::<Value>("sla_policies", id, &fields(t))?;
            }
            (Some(t), None) => {
                let mut record = fields(t);
                record["priority"] = json!(priority);
                store::insert::<Value>("sla_policies", &record)?;
            }
            (None, Some(id)) => {
                store::delete("sla_policies", id)?;
            }
            (None, None) => {}
        }
    }
    Ok(Response::ok(&all_targets()?))
}

fn fields(t: Targets) -> Value {
    json!({"first_response_hours": t.first_response_hours, "resolution_hours": t.resolution_hours})
}

fn checked(priority: &str, mut entry: Map<String, Value>) -> Result<Targets, Error> {
    let hours = |entry: &mut Map<String, Value>, name: &str| {
        let field = format!("{priority}.{name}");
        let value = entry
            .remove(name)
            .ok_or_else(|| Error::validation(&field, format!("{field} is required")))?;
        value
            .as_f64()
            .filter(|h| *h > 0.0 && *h <= MAX_HOURS)
            .ok_or_else(|| {
                Error::validation(
                    &field,
                    format!("{field} must be a number of hours above 0 and at most {MAX_HOURS}"),
                )
            })
    };
    let first_response_hours = hours(&mut entry, "first_response_hours")?;
    let resolution_hours = hours(&mut entry, "resolution_hours")?;
    if let Some(unknown) = entry.keys().next() {
        let field = format!("{priority}.{unknown}");
        return Err(Error::validation(
            &field,
            format!("{field} is not an SLA target"),
        ));
    }
    if resolution_hours < first_response_hours {
        let field = format!("{priority}.resolution_hours");
        return Err(Error::validation(
            &field,
            format!("{field} must not be shorter than the first-response target"),
        ));
    }
    Ok(Targets {
        first_response_hours,
        resolution_hours,
    })
}
