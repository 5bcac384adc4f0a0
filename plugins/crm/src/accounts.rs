//! Accounts: the companies the tenant sells to (the design's `crm_accounts`).

use eoex_sdk::prelude::*;
use serde_json::Value;

use crate::fields::{self, HOST_FIELDS, Kind, ReadOnly, Spec, query_text, record_error};

pub const FIELDS: [Spec; 8] = [
    Spec::new("name", Kind::Text(255)).required().indexed(),
    Spec::new("industry", Kind::Text(100)).indexed(),
    Spec::new("website", Kind::Text(255)),
    Spec::new("annual_revenue", Kind::Amount),
    Spec::new("employees", Kind::Integer(0, i32::MAX as i64)),
    Spec::new("billing_address", Kind::Text(2000)),
    Spec::new("shipping_address", Kind::Text(2000)),
    Spec::new("metadata", Kind::Object).default("{}"),
];

const READ_ONLY: ReadOnly = &[
    ("account_id", "the account's id, set by the host"),
    HOST_FIELDS[0],
    HOST_FIELDS[1],
];

const SORTABLE: [&str; 6] = [
    "name",
    "industry",
    "annual_revenue",
    "employees",
    "created_at",
    "updated_at",
];

pub fn entity() -> Entity {
    FIELDS.iter().fold(
        Entity::new("accounts", "account_id").label("Accounts"),
        |entity, spec| entity.field(spec.declare()),
    )
}

/// Filters: `search` (the name contains it, ignoring case) and `industry` (equal).
pub fn list(request: &Request) -> Result<Response, Error> {
    let listing = Listing::from_request(request, &SORTABLE, "name")?;
    let mut query = Query::new("accounts");
    if let Some(search) = query_text(request, "search") {
        query = query.filter(Filter::contains("name", search));
    }
    if let Some(industry) = query_text(request, "industry") {
        query = query.filter(Filter::eq("industry", industry));
    }
    listing.respond(query)
}

pub fn create(request: &Request) -> Result<Response, Error> {
    let account = fields::checked(&FIELDS, READ_ONLY, request.json()?, true)?;
    let created: Value = store::insert("accounts", &account).map_err(record_error("account"))?;
    Ok(Response::created(&created))
}

pub fn show(request: &Request) -> Result<Response, Error> {
    let account: Option<Value> = store::get("accounts", request.param("account_id"))?;
    account
        .map(|a| Response::ok(&a))
        .ok_or_else(|| Error::not_found("account"))
}

pub fn edit(request: &Request) -> Result<Response, Error> {
    let changes = fields::checked(&FIELDS, READ_ONLY, request.json()?, false)?;
    if changes.is_empty() {
        return show(request);
    }
    let updated: Value = store::update("accounts", request.param("account_id"), &changes)
        .map_err(record_error("account"))?;
    Ok(Response::ok(&updated))
}

/// Opportunities keep their account, as the design's foreign key does.
pub fn remove(request: &Request) -> Result<Response, Error> {
    let id = request.param("account_id");
    if store::get::<Value>("accounts", id)?.is_none() {
        return Err(Error::not_found("account"));
    }
    let linked = Query::new("opportunities")
        .filter(Filter::eq("account_id", id))
        .count()?;
    if linked > 0 {
        return Err(Error::conflict(
            "account_in_use",
            format!("the account has {linked} opportunities; delete or relink them first"),
        ));
    }
    store::delete("accounts", id)?;
    Ok(Response::no_content())
}

#[cfg(test)]
mod tests {
    use eoex_sdk::testing::TestHost;
    use serde_json::{Value, json};

    use crate::test_support::*;

    #[test]
    fn create_show_edit_delete() {
        let host = TestHost::new();
        let created = create(
            &host,
            "/accounts",
            json!({"name": " Acme ", "industry": "Manufacturing", "annual_revenue": 1250000.5, "employees": 120,
                   "website": "https://acme.example", "billing_address": "1 Road", "metadata": {"tier": "gold"}}),
        );
        assert_eq!(created["name"], "Acme");
        assert_eq!(created["employees"], 120);
        assert_eq!(created["metadata"], json!({"tier": "gold"}));
        let path = format!("/accounts/{}", id_of(&created, "account_id"));
        assert_eq!(call(&host, "GET", &path, None), (200, created.clone()));

        let (status, edited) = call(
            &host,
            "PATCH",
            &path,
            Some(json!({"employees": 0, "website": null})),
        );
        assert_eq!(status, 200, "{edited}");
        assert_eq!(
            (edited["employees"].clone(), edited["website"].clone()),
            (json!(0), Value::Null)
        );
        assert_eq!(edited["name"], "Acme");
        assert_eq!(call(&host, "DELETE", &path, None).0, 204);
        assert_eq!(call(&host, "GET", &path, None).0, 404);
        assert_eq!(call(&host, "GET", "/accounts/nope", None).0, 404);
    }

    #[test]
    fn invalid_accounts_are_422_naming_the_field() {
        let host = TestHost::new();
        for (body, field) in [
            (json!({}), "name"),
            (json!({"name": "  "}), "name"),
            (json!({"name": "A", "annual_revenue": -1}), "annual_revenue"),
            (
                json!({"name": "A", "annual_revenue": "lots"}),
                "annual_revenue",
            ),
            (json!({"name": "A", "employees": -3}), "employees"),
            (json!({"name": "A", "employees": 2.5}), "employees"),
            (
                json!({"name": "A", "industry": "x".repeat(101)}),
                "industry",
            ),
            (json!({"name": "A", "metadata": "x"}), "metadata"),
            (json!({"name": "A", "account_id": "x"}), "account_id"),
            (json!({"name": "A", "owner": "x"}), "owner"),
        ] {
            let result = field_error(call(&host, "POST", "/accounts", Some(body.clone())));
            assert_eq!(result, (422, field.to_string()), "{body}");
        }
        assert!(host.records("accounts").is_empty());
    }

    #[test]
    fn list_searches_filters_and_sorts() {
        let host = TestHost::new();
        for (name, industry, revenue) in [
            ("Acme", "Manufacturing", 10.0),
            ("Globex", "Energy", 30.0),
            ("Acme Labs", "Research", 20.0),
            ("Initech", "Manufacturing", 5.0),
        ] {
            create(
                &host,
                "/accounts",
                json!({"name": name, "industry": industry, "annual_revenue": revenue}),
            );
        }
        let listed = |query: &str| {
            let (status, body) = call(&host, "GET", &format!("/accounts{query}"), None);
            assert_eq!(status, 200, "{body}");
            body
        };
        let all = listed("");
        assert_eq!(names(&all), ["Acme", "Acme Labs", "Globex", "Initech"]);
        assert_eq!(all["total"], 4);
        assert_eq!(names(&listed("?search=acme")), ["Acme", "Acme Labs"]);
        assert_eq!(
            names(&listed("?industry=Manufacturing&sort=-annual_revenue")),
            ["Acme", "Initech"]
        );
        assert_eq!(
            names(&listed("?sort=-annual_revenue&limit=1&page=2")),
            ["Acme Labs"]
        );
        assert_eq!(
            field_error(call(&host, "GET", "/accounts?sort=website", None)),
            (422, "sort".into())
        );
    }
}
