//! `GET /metrics`: the seed's `vw_support_metrics` — tickets created in the last 30
//! days per status and priority, with their count and average resolution hours (null
//! for groups with no resolved or closed ticket).

use chrono::TimeDelta;
use eoex_sdk::prelude::*;
use serde_json::{Map, Value, json};

use crate::sla::PRIORITIES;
use crate::tickets::STATUSES;
use crate::time;

const DAYS: i64 = 30;

pub fn show(_: &Request) -> Result<Response, Error> {
    let since = time::format(time::now() - TimeDelta::days(DAYS));
    let mut rows: Vec<Map<String, Value>> = Aggregation::new("tickets")
        .filter(Filter::gte("created_at", since.as_str()))
        .group_by("status")
        .group_by("priority")
        .count("ticket_count")
        .avg("resolution_hours", "avg_resolution_hours")
        .fetch()?;
    let rank = |row: &Map<String, Value>| {
        let position = |name: &str, order: &[&str]| {
            let value = row.get(name).and_then(Value::as_str).unwrap_or_default();
            order.iter().position(|o| *o == value)
        };
        (
            position("status", &STATUSES),
            position("priority", &PRIORITIES),
        )
    };
    rows.sort_by_key(rank);
    for row in &mut rows {
        // Averages come back with the database's precision; hours to two decimals read best.
        if let Some(avg) = row.get("avg_resolution_hours").and_then(Value::as_f64) {
            row.insert(
                "avg_resolution_hours".into(),
                json!((avg * 100.0).round() / 100.0),
            );
        }
    }
    Ok(Response::ok(
        &json!({"since": since, "days": DAYS, "items": rows}),
    ))
}
