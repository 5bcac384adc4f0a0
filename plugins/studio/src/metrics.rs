//! A campaign's metrics (`studio_analytics`): values recorded with dimensions, and
//! their totals per metric and per day with the derived cost per result and ROI.
//!
//! `POST /campaigns/{campaign_id}/metrics` takes one metric value
//! `{"metric": "clicks", "value": 12, "recorded_at"?: RFC 3339 (default now),
//! "dimensions"?: {"channel": "facebook"}}` and answers it as stored, or a list of up to
//! [`MAX_BATCH`] of them and answers `{"items": [...]}`; all or none are recorded. The
//! table keeps the design's column names (`metric_name`, `metric_value`, `dimension`).
//!
//! `GET /campaigns/{campaign_id}/metrics?from=&to=&result_metric=` (dates, both
//! inclusive, UTC) answers the sum and count of each metric per day (`daily`) and in
//! all (`totals`), and:
//! - `cost_per_result` = total `spend` / total of the result metric (`conversions`
//!   unless `result_metric` names another), null unless both were recorded, spend is
//!   above 0 and results are above 0;
//! - `roi` = (total `revenue` − total `spend`) / total `spend`, null unless both were
//!   recorded and spend is above 0.

use eoex_sdk::prelude::*;
use eoex_sdk::validate::{clock, is_timestamp};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::campaigns;
use crate::input;

/// How many metric values one request may record.
pub const MAX_BATCH: usize = 500;

/// The metric that counts as a result unless `?result_metric=` names another.
const DEFAULT_RESULT_METRIC: &str = "conversions";

/// The design's VARCHAR(100).
const MAX_METRIC_NAME: usize = 100;

/// How many keys a value's dimensions may have.
const MAX_DIMENSIONS: usize = 20;

/// The fields of a metric value in a request (stored as the design's `metric_name`,
/// `metric_value`, `recorded_at` and `dimension`).
const INPUT_FIELDS: [&str; 4] = ["metric", "value", "recorded_at", "dimensions"];

/// Derived figures are rounded to this many decimals.
const DECIMALS: i32 = 4;

pub fn entity() -> Entity {
    Entity::new("analytics", "analytic_id")
        .label("Campaign metrics")
        .field(Field::uuid("campaign_id").label("Campaign").required())
        .field(
            Field::text("metric_name")
                .label("Metric")
                .required()
                .max_length(MAX_METRIC_NAME as u32),
        )
        .field(Field::decimal("metric_value").label("Value").required())
        .field(Field::json("dimension").default(json!({})))
        .field(
            Field::timestamp("recorded_at")
                .label("Recorded at")
                .required(),
        )
        .index(["campaign_id", "recorded_at"])
}

/// The id of the campaign the request names, which must exist in the tenant (404).
fn campaign_id(request: &Request) -> Result<String, Error> {
    let campaign = campaigns::find(request.param("campaign_id"))?;
    Ok(campaign["campaign_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned())
}

pub fn record(request: &Request) -> Result<Response, Error> {
    let campaign_id = campaign_id(request)?;
    match request.json::<Value>()? {
        Value::Array(list) => {
            if list.is_empty() || list.len() > MAX_BATCH {
                return Err(Error::validation(
                    ".",
                    format!("send one metric value or a list of 1 to {MAX_BATCH}"),
                ));
            }
            let items = list
                .into_iter()
                .enumerate()
                .map(|(at, value)| insert(&campaign_id, value, &format!("[{at}].")))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Response::created(&json!({ "items": items })))
        }
        value => Ok(Response::created(&insert(&campaign_id, value, "")?)),
    }
}

/// Checks and stores one metric value and answers it in the API's names; error
/// fields start with `prefix` (`[3].`).
fn insert(campaign_id: &str, value: Value, prefix: &str) -> Result<Value, Error> {
    let invalid =
        |field: &str, message: String| Error::validation(format!("{prefix}{field}"), message);
    let Value::Object(mut input) = value else {
        return Err(invalid(".", "a metric value is a JSON object".into()));
    };
    if let Some(unknown) = input.keys().find(|k| !INPUT_FIELDS.contains(&k.as_str())) {
        return Err(invalid(
            unknown,
            format!(
                "{unknown} is not a metric field ({})",
                INPUT_FIELDS.join(", ")
            ),
        ));
    }
    let metric = match input.remove("metric") {
        Some(Value::String(name)) if is_metric_name(&name) => name,
        _ => {
            return Err(invalid(
                "metric",
                format!(
                    "metric must be a lower-case name (a-z, 0-9, _; starting with a letter) of at most {MAX_METRIC_NAME} characters"
                ),
            ));
        }
    };
    let value = match input.remove("value") {
        Some(Value::Number(n)) if n.as_f64().is_some_and(f64::is_finite) => n,
        _ => return Err(invalid("value", "value must be a number".into())),
    };
    let recorded_at = match input.remove("recorded_at") {
        None | Some(Value::Null) => clock::now(),
        Some(Value::String(at)) if is_timestamp(&at) => at,
        Some(_) => {
            return Err(invalid(
                "recorded_at",
                "recorded_at must be an RFC 3339 timestamp".into(),
            ));
        }
    };
    let dimensions = match input.remove("dimensions") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(map))
            if map.len() <= MAX_DIMENSIONS
                && map
                    .values()
                    .all(|v| v.is_string() || v.is_number() || v.is_boolean()) =>
        {
            map
        }
        Some(_) => {
            return Err(invalid(
                "dimensions",
                format!(
                    "dimensions must be an object of at most {MAX_DIMENSIONS} keys whose values are text, numbers or booleans"
                ),
            ));
        }
    };
    let stored: Value = store::insert(
        "analytics",
        &json!({
            "campaign_id": campaign_id,
            "metric_name": metric,
            "metric_value": value,
            "dimension": dimensions,
            "recorded_at": recorded_at,
        }),
    )?;
    Ok(json!({
        "analytic_id": stored["analytic_id"],
        "campaign_id": stored["campaign_id"],
        "metric": stored["metric_name"],
        "value": stored["metric_value"],
        "dimensions": stored["dimension"],
        "recorded_at": stored["recorded_at"],
        "created_at": stored["created_at"],
    }))
}

/// Lower-case ASCII letters, digits and `_`, starting with a letter.
fn is_metric_name(name: &str) -> bool {
    name.len() <= MAX_METRIC_NAME
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// One group of the aggregation (the keys are the entity's field names).
#[derive(Deserialize)]
struct Row {
    metric_name: String,
    recorded_at: Option<String>,
    sum: Option<f64>,
    count: u64,
}

pub fn report(request: &Request) -> Result<Response, Error> {
    let campaign_id = campaign_id(request)?;
    let from = input::query_date(request, "from")?;
    let to = input::query_date(request, "to")?;
    if let (Some(from), Some(to)) = (&from, &to)
        && to < from
    {
        return Err(Error::validation("to", "to must not be before from"));
    }
    let result_metric = match request.query("result_metric") {
        None => DEFAULT_RESULT_METRIC,
        Some(name) if is_metric_name(name) => name,
        Some(_) => {
            return Err(Error::validation(
                "result_metric",
                "result_metric must be a metric name",
            ));
        }
    };

    let mut filter = Filter::eq("campaign_id", campaign_id.as_str());
    if let Some(from) = &from {
        filter = filter.and(Filter::gte("recorded_at", format!("{from}T00:00:00Z")));
    }
    if let Some(to) = &to {
        let end = input::next_day(to);
        filter = filter.and(Filter::lt("recorded_at", format!("{end}T00:00:00Z")));
    }
    let aggregation = |by_day: bool| {
        let aggregation = Aggregation::new("analytics").filter(filter.clone());
        let aggregation = if by_day {
            aggregation.group_by_day("recorded_at")
        } else {
            aggregation
        };
        aggregation
            .group_by("metric_name")
            .sum("metric_value", "sum")
            .count("count")
    };
    let mut daily: Vec<Row> = aggregation(true).fetch()?;
    // By day, then metric, whatever order the store returns groups in.
    daily.sort_by(|a, b| (&a.recorded_at, &a.metric_name).cmp(&(&b.recorded_at, &b.metric_name)));
    let totals: Vec<Row> = aggregation(false).fetch()?;

    let total = |metric: &str| {
        totals
            .iter()
            .find(|row| row.metric_name == metric)
            .and_then(|row| row.sum)
    };
    let (spend, revenue, results) = (total("spend"), total("revenue"), total(result_metric));
    Ok(Response::ok(&json!({
        "campaign_id": campaign_id,
        "from": from,
        "to": to,
        "daily": daily.iter().map(|row| json!({
            "day": row.recorded_at,
            "metric": row.metric_name,
            "sum": row.sum,
            "count": row.count,
        })).collect::<Vec<_>>(),
        "totals": totals.iter().map(|row| {
            (row.metric_name.clone(), json!({"sum": row.sum, "count": row.count}))
        }).collect::<Map<String, Value>>(),
        "result_metric": result_metric,
        "cost_per_result": cost_per_result(spend, results),
        "roi": roi(spend, revenue),
    })))
}

fn cost_per_result(spend: Option<f64>, results: Option<f64>) -> Option<f64> {
    match (spend, results) {
        (Some(spend), Some(results)) if spend > 0.0 && results > 0.0 => {
            Some(rounded(spend / results))
        }
        _ => None,
    }
}

fn roi(spend: Option<f64>, revenue: Option<f64>) -> Option<f64> {
    match (spend, revenue) {
        (Some(spend), Some(revenue)) if spend > 0.0 => Some(rounded((revenue - spend) / spend)),
        _ => None,
    }
}

fn rounded(value: f64) -> f64 {
    let scale = 10f64.powi(DECIMALS);
    (value * scale).round() / scale
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_figures_need_their_inputs() {
        assert_eq!(cost_per_result(Some(100.0), Some(8.0)), Some(12.5));
        assert_eq!(cost_per_result(Some(10.0), Some(3.0)), Some(3.3333));
        assert_eq!(cost_per_result(None, Some(8.0)), None);
        assert_eq!(cost_per_result(Some(100.0), None), None);
        assert_eq!(cost_per_result(Some(100.0), Some(0.0)), None);
        assert_eq!(cost_per_result(Some(0.0), Some(5.0)), None);
        assert_eq!(roi(Some(200.0), Some(500.0)), Some(1.5));
        assert_eq!(roi(Some(200.0), Some(50.0)), Some(-0.75));
        assert_eq!(roi(Some(0.0), Some(50.0)), None);
        assert_eq!(roi(None, Some(50.0)), None);
        assert_eq!(roi(Some(10.0), None), None);
    }

    #[test]
    fn metric_names() {
        for good in ["clicks", "spend", "open_rate_2", &"a".repeat(100)] {
            assert!(is_metric_name(good), "{good}");
        }
        for bad in [
            "",
            "Clicks",
            "2fa",
            "_x",
            "click-through",
            "a b",
            &"a".repeat(101),
        ] {
            assert!(!is_metric_name(bad), "{bad}");
        }
    }
}
