//! A campaign's `target_audience`: filters over the tenant's CRM contacts, and the
//! contacts they select (`GET /campaigns/{campaign_id}/audience`).
//!
//! The audience is a JSON object; every key narrows it (all must hold), `{}` is every
//! contact:
//!
//! | key | value | a contact matches when |
//! |---|---|---|
//! | `status` | a CRM status or a list of them | its status is one of them |
//! | `company`, `lead_source`, `department`, `title` | text or a list of texts | the field equals one of them exactly |
//! | `assigned_to` | a user id or a list of them (users of the tenant) | it is assigned to one of them |
//! | `created_after` | a date | it was created on that day (UTC) or later |
//! | `created_before` | a date | it was created before that day (UTC) |

use eoex_sdk::Listed;
use eoex_sdk::prelude::*;
use eoex_sdk::validate::{is_date, is_uuid};
use serde_json::{Map, Value};

use crate::campaigns;

pub const FIELD: &str = "target_audience";

/// The statuses of `crm.contacts` (the cross-module contract).
const CONTACT_STATUSES: [&str; 5] = ["new", "contacted", "qualified", "converted", "lost"];

/// Contact fields an audience matches exactly.
const TEXT_KEYS: [&str; 4] = ["company", "lead_source", "department", "title"];

const KEYS: [&str; 8] = [
    "status",
    "company",
    "lead_source",
    "department",
    "title",
    "assigned_to",
    "created_after",
    "created_before",
];

/// How many values one key may list.
const MAX_VALUES: usize = 100;

/// The longest text a contact field holds (`company`, VARCHAR(255)).
const MAX_TEXT: usize = 255;

/// What the audience's contacts can be sorted by.
const CONTACT_SORTABLE: [&str; 7] = [
    "last_name",
    "first_name",
    "email",
    "company",
    "status",
    "created_at",
    "updated_at",
];

/// `value` as a stored audience (texts trimmed, `null` as `{}`), or a 422 on
/// `target_audience` naming the offending key.
pub fn checked(value: Value) -> Result<Value, Error> {
    let invalid = |message: String| Error::validation(FIELD, message);
    let audience = match value {
        Value::Null => return Ok(Value::Object(Map::new())),
        Value::Object(audience) => audience,
        _ => {
            return Err(invalid(format!(
                "{FIELD} must be a JSON object of contact filters ({})",
                KEYS.join(", ")
            )));
        }
    };
    let mut checked = Map::new();
    for (key, value) in audience {
        let value = match key.as_str() {
            "status" => values(&key, value, |v| {
                v.as_str()
                    .filter(|s| CONTACT_STATUSES.contains(s))
                    .map(Value::from)
                    .ok_or_else(|| format!("one of {}", CONTACT_STATUSES.join(", ")))
            })?,
            key if TEXT_KEYS.contains(&key) => values(key, value, |v| {
                v.as_str()
                    .map(str::trim)
                    .filter(|s| !s.is_empty() && s.chars().count() <= MAX_TEXT)
                    .map(Value::from)
                    .ok_or_else(|| format!("non-empty text of at most {MAX_TEXT} characters"))
            })?,
            "assigned_to" => {
                let ids = values(&key, value, |v| {
                    v.as_str()
                        .filter(|s| is_uuid(s))
                        .map(|s| Value::from(s.to_lowercase()))
                        .ok_or_else(|| "a user id (UUID)".to_owned())
                })?;
                let listed = match &ids {
                    Value::Array(list) => list.iter().collect(),
                    one => vec![one],
                };
                for id in listed.into_iter().filter_map(Value::as_str) {
                    if users::get(id)?.is_none() {
                        return Err(invalid(format!(
                            "{FIELD}.assigned_to: {id} is not a user of this tenant"
                        )));
                    }
                }
                ids
            }
            "created_after" | "created_before" => match value.as_str() {
                Some(s) if is_date(s) => value,
                _ => {
                    return Err(invalid(format!(
                        "{FIELD}.{key} must be a date (YYYY-MM-DD)"
                    )));
                }
            },
            _ => {
                return Err(invalid(format!(
                    "{FIELD}: unknown filter {key:?}; the filters are {}",
                    KEYS.join(", ")
                )));
            }
        };
        checked.insert(key, value);
    }
    if let (Some(after), Some(before)) = (
        checked.get("created_after").and_then(Value::as_str),
        checked.get("created_before").and_then(Value::as_str),
    ) && after >= before
    {
        return Err(invalid(format!(
            "{FIELD}.created_after must be before created_before"
        )));
    }
    Ok(Value::Object(checked))
}

/// One value or a non-empty list of values, each checked by `check` (whose error says
/// what was expected).
fn values(
    key: &str,
    value: Value,
    check: impl Fn(&Value) -> Result<Value, String>,
) -> Result<Value, Error> {
    let invalid =
        |expected: String| Error::validation(FIELD, format!("{FIELD}.{key} must be {expected}"));
    match value {
        Value::Array(list) if list.is_empty() || list.len() > MAX_VALUES => Err(invalid(format!(
            "a value or a list of 1 to {MAX_VALUES} values"
        ))),
        Value::Array(list) => list
            .iter()
            .map(|v| check(v).map_err(|e| invalid(format!("a list of values each {e}"))))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        value => check(&value).map_err(invalid),
    }
}

/// A date's first instant (00:00 UTC), as `created_at` is compared.
fn start_of(date: &str) -> String {
    format!("{date}T00:00:00Z")
}

/// The filter over `crm.contacts` of a stored audience.
pub fn filter(audience: &Value) -> Filter {
    let mut all = Vec::new();
    for (key, value) in audience.as_object().into_iter().flatten() {
        let filter = match (key.as_str(), value) {
            ("created_after", Value::String(day)) => Filter::gte("created_at", start_of(day)),
            ("created_before", Value::String(day)) => Filter::lt("created_at", start_of(day)),
            (field, Value::Array(list)) => Filter::in_list(
                field,
                list.iter().filter_map(Value::as_str).map(str::to_owned),
            ),
            (field, Value::String(one)) => Filter::eq(field, one.as_str()),
            _ => continue,
        };
        all.push(filter);
    }
    Filter::all(all)
}

/// `GET /campaigns/{campaign_id}/audience`: how many contacts the audience selects,
/// and a page of them.
pub fn show(request: &Request) -> Result<Response, Error> {
    let campaign = campaigns::find(request.param("campaign_id"))?;
    let listing = Listing::from_request(request, &CONTACT_SORTABLE, "last_name")?;
    let query = Query::new("crm.contacts").filter(filter(&campaign[FIELD]));
    let total = query.count().map_err(crm_error)?;
    let items = listing
        .apply(query)
        .fetch::<Value>()
        .map_err(crm_error)?
        .records;
    Ok(Response::ok(&Listed {
        items,
        total,
        page: listing.page,
        limit: listing.limit,
    }))
}

/// The host denies reading `crm.contacts` when the tenant has not enabled CRM: a state
/// the tenant can change, so 409 rather than 403.
fn crm_error(error: HostError) -> Error {
    match error {
        HostError::Denied(message) if message.contains("is not enabled for this tenant") => {
            Error::conflict(
                "crm_not_enabled",
                "the CRM module is not enabled for this tenant: enable it to see a campaign's audience",
            )
        }
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn field_error(value: Value) -> String {
        let error = checked(value.clone()).unwrap_err();
        assert_eq!(
            (error.status(), error.field()),
            (422, Some(FIELD)),
            "{value}"
        );
        error.message().to_owned()
    }

    #[test]
    fn audiences_are_checked_and_normalised() {
        let _host = eoex_sdk::testing::TestHost::new();
        assert_eq!(checked(json!(null)).unwrap(), json!({}));
        assert_eq!(
            checked(json!({
                "status": ["new", "qualified"],
                "company": " Acme ",
                "title": ["CTO", "CEO"],
                "assigned_to": eoex_sdk::testing::USER_ID,
                "created_after": "2026-01-01",
                "created_before": "2026-02-01",
            }))
            .unwrap(),
            json!({
                "status": ["new", "qualified"],
                "company": "Acme",
                "title": ["CTO", "CEO"],
                "assigned_to": eoex_sdk::testing::USER_ID,
                "created_after": "2026-01-01",
                "created_before": "2026-02-01",
            })
        );
    }

    #[test]
    fn bad_audiences_name_the_key() {
        let _host = eoex_sdk::testing::TestHost::new();
        for (value, key) in [
            (json!([]), "JSON object"),
            (json!("everyone"), "JSON object"),
            (json!({"favourite_colour": "red"}), "favourite_colour"),
            (json!({"status": "won"}), "status"),
            (json!({"status": ["new", "won"]}), "status"),
            (json!({"status": []}), "status"),
            (json!({"company": ""}), "company"),
            (json!({"company": 5}), "company"),
            (json!({"department": "x".repeat(256)}), "department"),
            (json!({"assigned_to": "bob"}), "assigned_to"),
            (
                json!({"assigned_to": "6f1c2a44-0a1b-4c2d-8e3f-123456789abc"}),
                "assigned_to",
            ),
            (json!({"created_after": "last week"}), "created_after"),
            (
                json!({"created_after": "2026-02-01", "created_before": "2026-01-01"}),
                "created_after",
            ),
            (
                json!({"created_before": "2026-02-01T00:00:00Z"}),
                "created_before",
            ),
            (
                json!({"created_after": "2026-02-01", "created_before": "2026-02-01"}),
                "created_after",
            ),
        ] {
            let message = field_error(value.clone());
            assert!(message.contains(key), "{value}: {message}");
        }
    }

    #[test]
    fn filters_follow_the_audience() {
        let filter = filter(&json!({
            "status": ["new", "qualified"],
            "company": "Acme",
            "created_after": "2026-01-01",
            "created_before": "2026-02-01",
        }));
        // In key order, as serde_json's map keeps them.
        let expected = Filter::all([
            Filter::eq("company", "Acme"),
            Filter::gte("created_at", "2026-01-01T00:00:00Z"),
            Filter::lt("created_at", "2026-02-01T00:00:00Z"),
            Filter::in_list("status", ["new", "qualified"]),
        ]);
        assert_eq!(filter, expected);
        assert_eq!(super::filter(&json!({})), Filter::all([]));
    }
}
