//! `GET /reports/sales-summary`: the design's `vw_sales_summary`.

use eoex_sdk::prelude::*;
use eoex_sdk::validate::clock;
use serde_json::{Value, json};

use crate::input::{cents_to_amount, invalid, to_cents};
use crate::orders::{day_params, day_range};

/// Days one summary may span.
const MAX_DAYS: i64 = 366;

/// Completed orders per day of `order_date` (UTC) from `from` to `to` (inclusive;
/// the last 30 days by default): count, revenue and average order value, with totals.
/// Days without completed orders are left out, as in the view.
pub fn sales_summary(request: &Request) -> Result<Response, Error> {
    let (from, to) = day_params(request)?;
    let to = to.unwrap_or_else(clock::today);
    let from = match from {
        Some(from) => from,
        None => days_before(&to, 29).ok_or_else(|| invalid("to", "to is out of range"))?,
    };
    if to < from {
        return Err(invalid(
            "from",
            "from must not be after to (today when not given)",
        ));
    }
    if days_between(&from, &to).is_none_or(|days| days >= MAX_DAYS) {
        return Err(invalid(
            "to",
            format!("a summary spans at most {MAX_DAYS} days"),
        ));
    }
    let mut filter = Filter::eq("status", "completed");
    if let Some(dates) = day_range("order_date", Some(&from), Some(&to)) {
        filter = filter.and(dates);
    }
    let rows: Vec<Value> = Aggregation::new("orders")
        .filter(filter)
        .group_by_day("order_date")
        .count("total_orders")
        .sum("total_amount", "total_revenue")
        .fetch()?;
    let mut days: Vec<Value> = rows
        .into_iter()
        .map(|row| {
            let orders = row["total_orders"].as_i64().unwrap_or(0);
            let revenue = to_cents(number(&row["total_revenue"]));
            json!({
                "order_date": row["order_date"],
                "total_orders": orders,
                "total_revenue": cents_to_amount(revenue),
                "avg_order_value": average(revenue, orders),
            })
        })
        .collect();
    days.sort_by(|a, b| a["order_date"].as_str().cmp(&b["order_date"].as_str()));
    let orders: i64 = days
        .iter()
        .map(|d| d["total_orders"].as_i64().unwrap_or(0))
        .sum();
    let revenue: i64 = days
        .iter()
        .map(|d| to_cents(number(&d["total_revenue"])))
        .sum();
    Ok(Response::ok(&json!({
        "from": from,
        "to": to,
        "days": days,
        "totals": {
            "total_orders": orders,
            "total_revenue": cents_to_amount(revenue),
            "avg_order_value": average(revenue, orders),
        },
    })))
}

/// Sums come back as numbers, or as decimal text from PostgreSQL's NUMERIC.
fn number(value: &Value) -> f64 {
    match value {
        Value::Number(n) => n.as_f64().unwrap_or(0.0),
        Value::String(s) => s.parse().unwrap_or(0.0),
        _ => 0.0,
    }
}

fn average(revenue_cents: i64, orders: i64) -> Option<f64> {
    (orders > 0).then(|| cents_to_amount((revenue_cents as f64 / orders as f64).round() as i64))
}

fn date(s: &str) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

fn days_before(day: &str, days: u64) -> Option<String> {
    let date = date(day)?.checked_sub_days(chrono::Days::new(days))?;
    Some(date.format("%Y-%m-%d").to_string())
}

fn days_between(from: &str, to: &str) -> Option<i64> {
    Some((date(to)? - date(from)?).num_days())
}
