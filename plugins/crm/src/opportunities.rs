//! Opportunities (the design's `crm_opportunities`, linked to an account too), the
//! pipeline report, and converting a lead into an opportunity.
//!
//! Stages: `prospecting → qualification → proposal → negotiation → closed_won |
//! closed_lost`. A kanban board moves cards between any open stages, in either
//! direction, and from any open stage to a closed one, so open stages move freely.
//! Closed stages are final (409 `stage_closed`): a won deal has been counted in
//! revenue and a lost one in the loss reports, and reopening would rewrite both; a
//! new attempt is a new opportunity. Closing fixes the probability: 100 when won, 0
//! when lost (another value with a closed stage is 422).

use eoex_sdk::prelude::*;
use serde_json::{Map, Value, json};

use crate::contacts;
use crate::fields::{
    self, HOST_FIELDS, Kind, ReadOnly, Spec, cents, check_exists, check_user, query_value,
    record_error,
};

pub const STAGES: [&str; 6] = [
    "prospecting",
    "qualification",
    "proposal",
    "negotiation",
    "closed_won",
    "closed_lost",
];

const OPEN_STAGES: [&str; 4] = ["prospecting", "qualification", "proposal", "negotiation"];

pub const FIELDS: [Spec; 9] = [
    Spec::new("name", Kind::Text(255)).required(),
    Spec::new("contact_id", Kind::Id).label("Contact").indexed(),
    Spec::new("account_id", Kind::Id).label("Account").indexed(),
    Spec::new("amount", Kind::Amount),
    Spec::new("stage", Kind::Choice(&STAGES))
        .default("\"prospecting\"")
        .indexed(),
    Spec::new("probability", Kind::Integer(0, 100)).default("0"),
    Spec::new("close_date", Kind::Date),
    Spec::new("owner_id", Kind::Id).label("Owner").indexed(),
    Spec::new("metadata", Kind::Object).default("{}"),
];

const READ_ONLY: ReadOnly = &[
    ("opportunity_id", "the opportunity's id, set by the host"),
    HOST_FIELDS[0],
    HOST_FIELDS[1],
];

const SORTABLE: [&str; 7] = [
    "name",
    "amount",
    "stage",
    "probability",
    "close_date",
    "created_at",
    "updated_at",
];

pub fn entity() -> Entity {
    FIELDS.iter().fold(
        Entity::new("opportunities", "opportunity_id").label("Opportunities"),
        |entity, spec| entity.field(spec.declare()),
    )
}

/// Filters: `stage`, `contact_id`, `account_id`, `owner_id` (each equal).
pub fn list(request: &Request) -> Result<Response, Error> {
    let listing = Listing::from_request(request, &SORTABLE, "-created_at")?;
    let mut query = Query::new("opportunities");
    for field in ["stage", "contact_id", "account_id", "owner_id"] {
        if let Some(value) = query_value(request, &FIELDS, field)? {
            query = query.filter(Filter::eq(field, value.as_str().unwrap_or_default()));
        }
    }
    listing.respond(query)
}

pub fn create(request: &Request) -> Result<Response, Error> {
    let mut opportunity = fields::checked(&FIELDS, READ_ONLY, request.json()?, true)?;
    if !opportunity.contains_key("owner_id") {
        opportunity.insert("owner_id".into(), caller());
    }
    let stage = text(&opportunity, "stage").unwrap_or(STAGES[0]).to_owned();
    settle_probability(&stage, &mut opportunity)?;
    check_links(&opportunity)?;
    let created: Value =
        store::insert("opportunities", &opportunity).map_err(record_error("opportunity"))?;
    Ok(Response::created(&created))
}

pub fn show(request: &Request) -> Result<Response, Error> {
    Ok(Response::ok(&get(request.param("opportunity_id"))?))
}

fn get(id: &str) -> Result<Value, Error> {
    store::get("opportunities", id)?.ok_or_else(|| Error::not_found("opportunity"))
}

pub fn edit(request: &Request) -> Result<Response, Error> {
    let id = request.param("opportunity_id");
    let current = get(id)?;
    let mut changes = fields::checked(&FIELDS, READ_ONLY, request.json()?, false)?;
    if changes.is_empty() {
        return Ok(Response::ok(&current));
    }
    let current_stage = current["stage"].as_str().unwrap_or(STAGES[0]);
    let stage = text(&changes, "stage").unwrap_or(current_stage).to_owned();
    let moves = stage != current_stage;
    if moves && !OPEN_STAGES.contains(&current_stage) {
        return Err(stage_closed(current_stage));
    }
    if moves || changes.contains_key("probability") {
        settle_probability(&stage, &mut changes)?;
    }
    check_links(&changes)?;
    // The stage read above may have closed since: the move only happens from an open
    // stage, checked by the store in the same statement.
    let updated: Value = if moves {
        store::update_if(
            "opportunities",
            id,
            &changes,
            Filter::in_list("stage", OPEN_STAGES),
        )
        .map_err(|error| match error {
            HostError::ConditionFailed => stage_closed("closed"),
            other => record_error("opportunity")(other),
        })?
    } else {
        store::update("opportunities", id, &changes).map_err(record_error("opportunity"))?
    };
    Ok(Response::ok(&updated))
}

pub fn remove(request: &Request) -> Result<Response, Error> {
    if store::delete("opportunities", request.param("opportunity_id"))? {
        Ok(Response::no_content())
    } else {
        Err(Error::not_found("opportunity"))
    }
}

/// Per stage, in pipeline order: how many opportunities, the sum of their amounts, and
/// that sum weighted by each one's probability. Summed from one row per stage and
/// probability (at most 6 × 101 rows), so no opportunity is read one by one.
pub fn pipeline(_: &Request) -> Result<Response, Error> {
    let rows: Vec<Value> = Aggregation::new("opportunities")
        .group_by("stage")
        .group_by("probability")
        .count("opportunities")
        .sum("amount", "amount")
        .fetch()?;
    let stages: Vec<Value> = STAGES
        .iter()
        .map(|stage| {
            let (mut count, mut amount, mut weighted) = (0, 0.0, 0.0);
            for row in rows.iter().filter(|row| row["stage"] == *stage) {
                let sum = row["amount"].as_f64().unwrap_or(0.0);
                count += row["opportunities"].as_u64().unwrap_or(0);
                amount += sum;
                weighted += sum * row["probability"].as_f64().unwrap_or(0.0) / 100.0;
            }
            json!({
                "stage": stage,
                "count": count,
                "amount": cents(amount),
                "weighted_amount": cents(weighted),
            })
        })
        .collect();
    Ok(Response::ok(&json!({ "stages": stages })))
}

/// What `POST /contacts/{contact_id}/convert` accepts.
const CONVERT_FIELDS: [&str; 4] = ["name", "amount", "close_date", "account_id"];

/// Creates an opportunity for the contact (owned by the caller, at the first stage)
/// and marks the contact converted. Both happen in the request's transaction: if
/// either fails, neither is kept.
pub fn convert(request: &Request) -> Result<Response, Error> {
    let contact_id = request.param("contact_id");
    let contact = contacts::get(contact_id)?;
    if contact["status"] == "converted" {
        return Err(already_converted());
    }
    let input: Map<String, Value> = request.json()?;
    if let Some(unknown) = input.keys().find(|k| !CONVERT_FIELDS.contains(&k.as_str())) {
        return Err(Error::validation(
            unknown.as_str(),
            format!("a conversion takes {}", CONVERT_FIELDS.join(", ")),
        ));
    }
    let mut opportunity = fields::checked(&FIELDS, READ_ONLY, input, true)?;
    opportunity.insert(
        "contact_id".into(),
        Value::String(contact_id.to_lowercase()),
    );
    opportunity.insert("owner_id".into(), caller());
    check_links(&opportunity)?;
    // Conditional, so two concurrent conversions cannot both succeed.
    let contact: Value = store::update_if(
        "contacts",
        contact_id,
        &json!({"status": "converted"}),
        Filter::ne("status", "converted"),
    )
    .map_err(|error| match error {
        HostError::ConditionFailed => already_converted(),
        other => record_error("contact")(other),
    })?;
    let opportunity: Value =
        store::insert("opportunities", &opportunity).map_err(record_error("opportunity"))?;
    Ok(Response::created(
        &json!({"opportunity": opportunity, "contact": contact}),
    ))
}

fn already_converted() -> Error {
    Error::conflict("already_converted", "the contact is already converted")
}

fn stage_closed(stage: &str) -> Error {
    Error::conflict(
        "stage_closed",
        format!("the opportunity is {stage}: a closed opportunity keeps its stage"),
    )
}

fn text<'m>(record: &'m Map<String, Value>, field: &str) -> Option<&'m str> {
    record.get(field).and_then(Value::as_str)
}

/// The calling user's id (null for the host's own calls, which have none).
fn caller() -> Value {
    eoex_sdk::context()
        .user_id
        .map_or(Value::Null, Value::String)
}

/// A closed stage fixes the probability (100 won, 0 lost).
fn settle_probability(stage: &str, opportunity: &mut Map<String, Value>) -> Result<(), Error> {
    let fixed = match stage {
        "closed_won" => 100,
        "closed_lost" => 0,
        _ => return Ok(()),
    };
    match opportunity.get("probability") {
        Some(given) if given.as_i64() != Some(fixed) => Err(Error::validation(
            "probability",
            format!("a {stage} opportunity has probability {fixed}"),
        )),
        _ => {
            opportunity.insert("probability".into(), json!(fixed));
            Ok(())
        }
    }
}

/// The owner is an active user of the tenant; the contact and account exist in it.
fn check_links(opportunity: &Map<String, Value>) -> Result<(), Error> {
    if let Some(owner) = text(opportunity, "owner_id") {
        check_user("owner_id", owner)?;
    }
    if let Some(contact) = text(opportunity, "contact_id") {
        check_exists("contact_id", "contacts", contact)?;
    }
    if let Some(account) = text(opportunity, "account_id") {
        check_exists("account_id", "accounts", account)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use eoex_sdk::testing::TestHost;
    use serde_json::{Value, json};

    use crate::test_support::*;

    fn opportunity(host: &TestHost, body: Value) -> Value {
        create(host, "/opportunities", body)
    }

    #[test]
    fn create_defaults_and_links() {
        let host = TestHost::new();
        let ada = create_contact(&host, contact("Ada", "Lovelace", "ada@example.com"));
        let acme = create(&host, "/accounts", json!({"name": "Acme"}));
        let created = opportunity(
            &host,
            json!({"name": "Engine", "contact_id": ada["contact_id"], "account_id": acme["account_id"],
                   "amount": 5000, "close_date": "2026-12-31", "probability": 40}),
        );
        assert_eq!(created["stage"], "prospecting");
        assert_eq!(created["owner_id"], OWNER, "the caller owns it by default");
        assert_eq!(created["probability"], 40);
        assert_eq!(created["contact_id"], ada["contact_id"]);
        assert_eq!(created["metadata"], json!({}));
        let path = format!("/opportunities/{}", id_of(&created, "opportunity_id"));
        assert_eq!(call(&host, "GET", &path, None), (200, created.clone()));

        add_user(&host, COLLEAGUE, true);
        let (status, edited) = call(
            &host,
            "PATCH",
            &path,
            Some(json!({"owner_id": COLLEAGUE, "amount": 7500.25, "account_id": null})),
        );
        assert_eq!(status, 200, "{edited}");
        assert_eq!(edited["owner_id"], COLLEAGUE);
        assert_eq!(edited["amount"], 7500.25);
        assert_eq!(edited["account_id"], Value::Null);
        assert_eq!(call(&host, "DELETE", &path, None).0, 204);
        assert_eq!(call(&host, "GET", &path, None).0, 404);
    }

    #[test]
    fn invalid_opportunities_are_422_naming_the_field() {
        let host = TestHost::new();
        add_user(&host, INACTIVE, false);
        let unknown = "6f1c2a44-0a1b-4c2d-8e3f-123456789abc";
        for (body, field) in [
            (json!({}), "name"),
            (json!({"name": ""}), "name"),
            (json!({"name": "D", "amount": -5}), "amount"),
            (json!({"name": "D", "stage": "won"}), "stage"),
            (json!({"name": "D", "probability": 101}), "probability"),
            (json!({"name": "D", "probability": "high"}), "probability"),
            (
                json!({"name": "D", "close_date": "31/12/2026"}),
                "close_date",
            ),
            (json!({"name": "D", "contact_id": unknown}), "contact_id"),
            (json!({"name": "D", "contact_id": "x"}), "contact_id"),
            (json!({"name": "D", "account_id": unknown}), "account_id"),
            (json!({"name": "D", "owner_id": STRANGER}), "owner_id"),
            (json!({"name": "D", "owner_id": INACTIVE}), "owner_id"),
            (
                json!({"name": "D", "stage": "closed_won", "probability": 50}),
                "probability",
            ),
            (
                json!({"name": "D", "opportunity_id": unknown}),
                "opportunity_id",
            ),
        ] {
            let result = field_error(call(&host, "POST", "/opportunities", Some(body.clone())));
            assert_eq!(result, (422, field.to_string()), "{body}");
        }
        assert!(host.records("opportunities").is_empty());
    }

    #[test]
    fn open_stages_move_freely_and_closed_ones_are_final() {
        let host = TestHost::new();
        let deal = opportunity(&host, json!({"name": "Deal", "amount": 100}));
        let path = format!("/opportunities/{}", id_of(&deal, "opportunity_id"));
        let patch = |body: Value| call(&host, "PATCH", &path, Some(body));
        for stage in ["negotiation", "qualification", "proposal", "prospecting"] {
            let (status, moved) = patch(json!({"stage": stage}));
            assert_eq!((status, moved["stage"].as_str()), (200, Some(stage)));
        }
        let (status, won) = patch(json!({"stage": "closed_won"}));
        assert_eq!(status, 200);
        assert_eq!(won["probability"], 100, "winning sets the probability");
        assert_eq!(
            patch(json!({"amount": 150})).0,
            200,
            "other fields stay editable"
        );
        assert_eq!(
            patch(json!({"stage": "closed_won"})).0,
            200,
            "staying is no move"
        );
        let (status, body) = patch(json!({"stage": "negotiation"}));
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (409, Some("stage_closed"))
        );
        assert_eq!(patch(json!({"stage": "closed_lost"})).0, 409);
        assert_eq!(
            field_error(patch(json!({"probability": 20}))),
            (422, "probability".into())
        );

        let lost = opportunity(&host, json!({"name": "Lost", "probability": 60}));
        let (_, lost) = call(
            &host,
            "PATCH",
            &format!("/opportunities/{}", id_of(&lost, "opportunity_id")),
            Some(json!({"stage": "closed_lost"})),
        );
        assert_eq!(
            (lost["stage"].as_str(), lost["probability"].as_i64()),
            (Some("closed_lost"), Some(0))
        );
    }

    #[test]
    fn list_filters_and_sorts() {
        let host = TestHost::new();
        add_user(&host, COLLEAGUE, true);
        let ada = create_contact(&host, contact("Ada", "Lovelace", "ada@example.com"));
        let acme = create(&host, "/accounts", json!({"name": "Acme"}));
        opportunity(
            &host,
            json!({"name": "A", "amount": 30, "contact_id": ada["contact_id"]}),
        );
        opportunity(
            &host,
            json!({"name": "B", "amount": 10, "stage": "proposal", "account_id": acme["account_id"]}),
        );
        opportunity(
            &host,
            json!({"name": "C", "amount": 20, "stage": "proposal", "owner_id": COLLEAGUE, "contact_id": ada["contact_id"]}),
        );
        let listed = |query: &str| {
            let (status, body) = call(&host, "GET", &format!("/opportunities?{query}"), None);
            assert_eq!(status, 200, "{body}");
            names(&body)
                .into_iter()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        assert_eq!(listed(""), ["C", "B", "A"]);
        assert_eq!(listed("sort=amount"), ["B", "C", "A"]);
        assert_eq!(listed("stage=proposal&sort=name"), ["B", "C"]);
        assert_eq!(
            listed(&format!(
                "contact_id={}&sort=name",
                id_of(&ada, "contact_id")
            )),
            ["A", "C"]
        );
        assert_eq!(
            listed(&format!("account_id={}", id_of(&acme, "account_id"))),
            ["B"]
        );
        assert_eq!(listed(&format!("owner_id={COLLEAGUE}")), ["C"]);
        assert_eq!(listed(&format!("owner_id={OWNER}&sort=-name")), ["B", "A"]);
        for (query, field) in [
            ("stage=won", "stage"),
            ("owner_id=me", "owner_id"),
            ("sort=owner_id", "sort"),
        ] {
            let result = field_error(call(&host, "GET", &format!("/opportunities?{query}"), None));
            assert_eq!(result, (422, field.to_string()), "{query}");
        }
    }

    #[test]
    fn pipeline_sums_every_stage_in_order() {
        let host = TestHost::new();
        for (amount, stage, probability) in [
            (1000.0, "prospecting", 10),
            (500.5, "prospecting", 20),
            (2000.0, "proposal", 50),
            (300.0, "closed_won", 100),
            (50.0, "closed_lost", 0),
        ] {
            opportunity(
                &host,
                json!({"name": "x", "amount": amount, "stage": stage, "probability": probability}),
            );
        }
        opportunity(
            &host,
            json!({"name": "no amount", "stage": "proposal", "probability": 90}),
        );
        let (status, body) = call(&host, "GET", "/opportunities/pipeline", None);
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            body,
            json!({"stages": [
                {"stage": "prospecting", "count": 2, "amount": 1500.5, "weighted_amount": 200.1},
                {"stage": "qualification", "count": 0, "amount": 0.0, "weighted_amount": 0.0},
                {"stage": "proposal", "count": 2, "amount": 2000.0, "weighted_amount": 1000.0},
                {"stage": "negotiation", "count": 0, "amount": 0.0, "weighted_amount": 0.0},
                {"stage": "closed_won", "count": 1, "amount": 300.0, "weighted_amount": 300.0},
                {"stage": "closed_lost", "count": 1, "amount": 50.0, "weighted_amount": 0.0},
            ]})
        );
    }

    #[test]
    fn convert_creates_an_opportunity_and_marks_the_contact_once() {
        let host = TestHost::new();
        let ada = create_contact(&host, contact("Ada", "Lovelace", "ada@example.com"));
        let acme = create(&host, "/accounts", json!({"name": "Acme"}));
        let path = format!("/contacts/{}/convert", id_of(&ada, "contact_id"));

        for (body, field) in [
            (json!({}), "name"),
            (json!({"name": "Deal", "amount": -1}), "amount"),
            (json!({"name": "Deal", "close_date": "soon"}), "close_date"),
            (
                json!({"name": "Deal", "account_id": "6f1c2a44-0a1b-4c2d-8e3f-123456789abc"}),
                "account_id",
            ),
            (json!({"name": "Deal", "stage": "closed_won"}), "stage"),
        ] {
            assert_eq!(
                field_error(call(&host, "POST", &path, Some(body.clone()))),
                (422, field.into()),
                "{body}"
            );
        }
        assert_eq!(
            host.records("contacts")[0]["status"],
            "new",
            "nothing changed"
        );

        let (status, converted) = call(
            &host,
            "POST",
            &path,
            Some(
                json!({"name": "Engine", "amount": 12000, "close_date": "2026-06-30", "account_id": acme["account_id"]}),
            ),
        );
        assert_eq!(status, 201, "{converted}");
        assert_eq!(converted["contact"]["status"], "converted");
        let deal = &converted["opportunity"];
        assert_eq!(deal["contact_id"], ada["contact_id"]);
        assert_eq!(deal["account_id"], acme["account_id"]);
        assert_eq!(
            (deal["stage"].as_str(), deal["owner_id"].as_str()),
            (Some("prospecting"), Some(OWNER))
        );
        assert_eq!(host.records("opportunities").len(), 1);

        let (status, again) = call(&host, "POST", &path, Some(json!({"name": "Again"})));
        assert_eq!(
            (status, again["error"]["code"].as_str()),
            (409, Some("already_converted"))
        );
        assert_eq!(host.records("opportunities").len(), 1);
        assert_eq!(
            call(
                &host,
                "POST",
                "/contacts/nope/convert",
                Some(json!({"name": "x"}))
            )
            .0,
            404
        );
    }
}
