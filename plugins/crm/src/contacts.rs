//! Contacts: CRUD, the list's filters (shared with the CSV export) and statistics.

use eoex_sdk::prelude::*;
use serde_json::{Map, Value, json};

use crate::fields::{
    self, HOST_FIELDS, Kind, ReadOnly, Spec, check_user, query_text, query_value, record_error,
};

pub const STATUSES: [&str; 5] = ["new", "contacted", "qualified", "converted", "lost"];

/// The fields a client writes, in the design's column order (also the CSV columns).
pub const FIELDS: [Spec; 12] = [
    Spec::new("first_name", Kind::Text(100)).required(),
    Spec::new("last_name", Kind::Text(100)).required(),
    Spec::new("company", Kind::Text(255)),
    Spec::new("email", Kind::Email)
        .label("E-mail")
        .required()
        .unique()
        .indexed(),
    Spec::new("phone", Kind::Text(50)),
    Spec::new("mobile", Kind::Text(50)),
    Spec::new("title", Kind::Text(100)).label("Job title"),
    Spec::new("department", Kind::Text(100)),
    Spec::new("lead_source", Kind::Text(100)),
    Spec::new("status", Kind::Choice(&STATUSES))
        .default("\"new\"")
        .indexed(),
    Spec::new("assigned_to", Kind::Id)
        .label("Assigned to")
        .indexed(),
    Spec::new("metadata", Kind::Object).default("{}"),
];

const KEPT_FROM_ORDERS: &str = "kept by CRM from the contact's completed ERP orders";

/// Fields a contact has that no client writes.
pub const READ_ONLY: ReadOnly = &[
    ("contact_id", "the contact's id, set by the host"),
    ("lifetime_value", KEPT_FROM_ORDERS),
    ("last_order_date", KEPT_FROM_ORDERS),
    HOST_FIELDS[0],
    HOST_FIELDS[1],
];

/// What `sort=` accepts, with an optional leading `-` for descending.
pub const SORTABLE: [&str; 11] = [
    "first_name",
    "last_name",
    "email",
    "company",
    "status",
    "lead_source",
    "assigned_to",
    "lifetime_value",
    "last_order_date",
    "created_at",
    "updated_at",
];

pub const DEFAULT_SORT: &str = "-created_at";

pub fn entity() -> Entity {
    FIELDS
        .iter()
        .fold(
            Entity::new("contacts", "contact_id").label("Contacts"),
            |entity, spec| entity.field(spec.declare()),
        )
        .field(
            Field::decimal("lifetime_value")
                .label("Lifetime value")
                .default(0),
        )
        .field(Field::timestamp("last_order_date").label("Last order date"))
        .exposed()
}

/// The contacts the list's filters select: `status`, `search` (first name, last name
/// or e-mail contain it), `company` (contains it), `lead_source` (equal to it) and
/// `assigned_to` (a user id). Text matches ignore case.
pub fn filtered(request: &Request) -> Result<Query, Error> {
    let mut query = Query::new("contacts");
    for field in ["status", "assigned_to"] {
        if let Some(value) = query_value(request, &FIELDS, field)? {
            query = query.filter(Filter::eq(field, value.as_str().unwrap_or_default()));
        }
    }
    if let Some(search) = query_text(request, "search") {
        query = query.filter(Filter::any(
            ["first_name", "last_name", "email"].map(|field| Filter::contains(field, search)),
        ));
    }
    if let Some(company) = query_text(request, "company") {
        query = query.filter(Filter::contains("company", company));
    }
    if let Some(source) = query_text(request, "lead_source") {
        query = query.filter(Filter::eq("lead_source", source));
    }
    Ok(query)
}

pub fn list(request: &Request) -> Result<Response, Error> {
    let listing = Listing::from_request(request, &SORTABLE, DEFAULT_SORT)?;
    listing.respond(filtered(request)?)
}

/// A new contact's fields, checked as a create checks them (also each row of an
/// import).
pub fn checked_new(input: Map<String, Value>) -> Result<Map<String, Value>, Error> {
    let contact = fields::checked(&FIELDS, READ_ONLY, input, true)?;
    check_assignee(&contact)?;
    Ok(contact)
}

fn check_assignee(contact: &Map<String, Value>) -> Result<(), Error> {
    match contact.get("assigned_to") {
        Some(Value::String(user_id)) => check_user("assigned_to", user_id),
        _ => Ok(()),
    }
}

/// Inserts a checked contact and announces it.
pub fn insert(contact: &Map<String, Value>) -> Result<Value, Error> {
    let created: Value = store::insert("contacts", contact).map_err(record_error("contact"))?;
    events::publish(
        "crm.contact.created",
        &json!({
            "contact_id": created["contact_id"],
            "status": created["status"],
            "lead_source": created["lead_source"],
        }),
    )?;
    Ok(created)
}

pub fn create(request: &Request) -> Result<Response, Error> {
    let contact = checked_new(request.json()?)?;
    Ok(Response::created(&insert(&contact)?))
}

pub fn show(request: &Request) -> Result<Response, Error> {
    Ok(Response::ok(&get(request.param("contact_id"))?))
}

/// The contact with this id, or 404.
pub fn get(id: &str) -> Result<Value, Error> {
    store::get("contacts", id)?.ok_or_else(|| Error::not_found("contact"))
}

pub fn edit(request: &Request) -> Result<Response, Error> {
    let id = request.param("contact_id");
    let changes = fields::checked(&FIELDS, READ_ONLY, request.json()?, false)?;
    if changes.is_empty() {
        return show(request);
    }
    check_assignee(&changes)?;
    let updated: Value =
        store::update("contacts", id, &changes).map_err(record_error("contact"))?;
    Ok(Response::ok(&updated))
}

/// Opportunities keep their contact, as the design's foreign key does: a linked
/// contact cannot be deleted.
pub fn remove(request: &Request) -> Result<Response, Error> {
    let id = request.param("contact_id");
    get(id)?;
    let linked = Query::new("opportunities")
        .filter(Filter::eq("contact_id", id))
        .count()?;
    if linked > 0 {
        return Err(Error::conflict(
            "contact_in_use",
            format!("the contact has {linked} opportunities; delete or relink them first"),
        ));
    }
    store::delete("contacts", id)?;
    Ok(Response::no_content())
}

/// The design's contact statistics, under its names.
pub fn stats(_: &Request) -> Result<Response, Error> {
    let by_status: Vec<Value> = Aggregation::new("contacts")
        .group_by("status")
        .count("contacts")
        .fetch()?;
    let count = |status: Option<&str>| -> u64 {
        by_status
            .iter()
            .filter(|row| status.is_none_or(|s| row["status"] == s))
            .map(|row| row["contacts"].as_u64().unwrap_or(0))
            .sum()
    };
    let companies: Vec<Value> = Aggregation::new("contacts")
        .filter(Filter::is_not_null("company"))
        .group_by("company")
        .fetch()?;
    Ok(Response::ok(&json!({
        "total_contacts": count(None),
        "new_leads": count(Some("new")),
        "qualified_leads": count(Some("qualified")),
        "converted_leads": count(Some("converted")),
        "unique_companies": companies.len(),
    })))
}

#[cfg(test)]
mod tests {
    use eoex_sdk::testing::TestHost;
    use serde_json::{Value, json};

    use crate::test_support::*;

    fn seed(host: &TestHost) {
        for (first, last, status) in [
            ("Ada", "Lovelace", "new"),
            ("Alan", "Turing", "qualified"),
            ("Grace", "Hopper", "new"),
            ("Edsger", "Dijkstra", "lost"),
        ] {
            let email = format!("{}@example.com", first.to_lowercase());
            let mut body = contact(first, last, &email);
            body["status"] = json!(status);
            create_contact(host, body);
        }
    }

    #[test]
    fn create_show_edit_delete() {
        let host = TestHost::new();
        let mut body = contact(" Ada ", "Lovelace", "Ada@Example.com");
        body["company"] = json!("Analytical Engines");
        body["phone"] = json!("  ");
        let created = create_contact(&host, body);
        let id = created["contact_id"].as_str().unwrap().to_string();
        assert_eq!(created["first_name"], "Ada");
        assert_eq!(created["email"], "ada@example.com");
        assert_eq!(created["status"], "new");
        assert_eq!(created["metadata"], json!({}));
        assert_eq!(created["phone"], Value::Null, "blank text is no text");
        assert_eq!(created["lifetime_value"], json!(0));
        assert_eq!(created["last_order_date"], Value::Null);

        let events = host.events();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].topic, "crm.contact.created");
        assert_eq!(
            events[0].payload,
            json!({"contact_id": id, "status": "new", "lead_source": null})
        );

        let path = format!("/contacts/{id}");
        assert_eq!(call(&host, "GET", &path, None), (200, created.clone()));

        let (status, edited) = call(
            &host,
            "PATCH",
            &path,
            Some(
                json!({"status": "contacted", "phone": "+44 20 7946 0000", "company": null, "assigned_to": OWNER}),
            ),
        );
        assert_eq!(status, 200, "{edited}");
        assert_eq!(edited["status"], "contacted");
        assert_eq!(edited["phone"], "+44 20 7946 0000");
        assert_eq!(edited["company"], Value::Null);
        assert_eq!(edited["assigned_to"], OWNER);
        assert_eq!(edited["first_name"], "Ada");
        assert_eq!(call(&host, "PATCH", &path, Some(json!({}))).1, edited);

        assert_eq!(call(&host, "DELETE", &path, None), (204, Value::Null));
        assert_eq!(call(&host, "GET", &path, None).0, 404);
        assert_eq!(call(&host, "DELETE", &path, None).0, 404);
        assert_eq!(
            call(&host, "PATCH", &path, Some(json!({"phone": "1"}))).0,
            404
        );
    }

    #[test]
    fn malformed_or_unknown_ids_are_404() {
        let host = TestHost::new();
        for path in [
            "/contacts/not-a-uuid",
            "/contacts/6f1c2a44-0a1b-4c2d-8e3f-123456789abc",
        ] {
            let (status, body) = call(&host, "GET", path, None);
            assert_eq!(status, 404, "{path}");
            assert_eq!(body["error"]["code"], "not_found");
            assert_eq!(call(&host, "DELETE", path, None).0, 404);
        }
    }

    #[test]
    fn invalid_contacts_are_422_naming_the_field() {
        let host = TestHost::new();
        add_user(&host, INACTIVE, false);
        let valid = contact("Ada", "Lovelace", "ada@example.com");
        let with = |field: &str, value: Value| {
            let mut body = valid.clone();
            body[field] = value;
            body
        };
        let cases = [
            (json!({"last_name": "L", "email": "a@b.co"}), "first_name"),
            (with("first_name", json!("   ")), "first_name"),
            (with("last_name", json!(null)), "last_name"),
            (with("last_name", json!("x".repeat(101))), "last_name"),
            (with("email", json!("not-an-email")), "email"),
            (with("email", json!("a@b")), "email"),
            (with("email", json!("a b@c.com")), "email"),
            (with("status", json!("won")), "status"),
            (with("status", json!(null)), "status"),
            (with("phone", json!(12345)), "phone"),
            (with("assigned_to", json!("bob")), "assigned_to"),
            (with("assigned_to", json!(STRANGER)), "assigned_to"),
            (with("assigned_to", json!(INACTIVE)), "assigned_to"),
            (with("metadata", json!([1])), "metadata"),
            (with("favourite_colour", json!("red")), "favourite_colour"),
            (with("contact_id", json!("x")), "contact_id"),
            (with("lifetime_value", json!(100)), "lifetime_value"),
            (
                with("last_order_date", json!("2026-01-01T00:00:00Z")),
                "last_order_date",
            ),
            (
                with("created_at", json!("2026-01-01T00:00:00Z")),
                "created_at",
            ),
        ];
        for (body, field) in cases {
            let result = field_error(call(&host, "POST", "/contacts", Some(body.clone())));
            assert_eq!(result, (422, field.to_string()), "{body}");
        }
        assert!(host.records("contacts").is_empty());
        assert!(host.events().is_empty());

        let id = create_contact(&host, valid)["contact_id"]
            .as_str()
            .unwrap()
            .to_string();
        let patch =
            |body: Value| field_error(call(&host, "PATCH", &format!("/contacts/{id}"), Some(body)));
        assert_eq!(patch(json!({"email": null})), (422, "email".into()));
        assert_eq!(patch(json!({"status": "won"})), (422, "status".into()));
        assert_eq!(
            patch(json!({"assigned_to": STRANGER})),
            (422, "assigned_to".into())
        );
        assert_eq!(
            patch(json!({"lifetime_value": 5})),
            (422, "lifetime_value".into())
        );
        assert_eq!(call(&host, "POST", "/contacts", None).0, 400);
    }

    #[test]
    fn duplicate_email_is_409() {
        let host = TestHost::new();
        create_contact(&host, contact("Ada", "Lovelace", "ada@example.com"));
        let (status, body) = call(
            &host,
            "POST",
            "/contacts",
            Some(contact("Ada", "King", "ADA@example.com")),
        );
        assert_eq!(status, 409);
        assert_eq!(body["error"]["code"], "already_exists");
        assert_eq!(body["error"]["field"], "email");

        let other = create_contact(&host, contact("Alan", "Turing", "alan@example.com"));
        let path = format!("/contacts/{}", other["contact_id"].as_str().unwrap());
        let (status, _) = call(
            &host,
            "PATCH",
            &path,
            Some(json!({"email": "ada@example.com"})),
        );
        assert_eq!(status, 409);
        assert_eq!(host.records("contacts").len(), 2);
        assert_eq!(
            host.events().len(),
            2,
            "only created contacts are announced"
        );
    }

    #[test]
    fn list_pages_searches_filters_and_sorts() {
        let host = TestHost::new();
        seed(&host);

        let (status, all) = call(&host, "GET", "/contacts", None);
        assert_eq!(status, 200);
        assert_eq!(
            (
                all["total"].clone(),
                all["page"].clone(),
                all["limit"].clone()
            ),
            (json!(4), json!(1), json!(50))
        );
        assert_eq!(
            last_names(&all),
            ["Dijkstra", "Hopper", "Turing", "Lovelace"]
        );

        let (_, sorted) = call(
            &host,
            "GET",
            "/contacts?sort=last_name&limit=2&page=2",
            None,
        );
        assert_eq!(last_names(&sorted), ["Lovelace", "Turing"]);
        assert_eq!(sorted["total"], 4);

        let (_, new) = call(&host, "GET", "/contacts?status=new&sort=-last_name", None);
        assert_eq!(last_names(&new), ["Lovelace", "Hopper"]);
        assert_eq!(new["total"], 2);

        let (_, search) = call(
            &host,
            "GET",
            "/contacts?search=%20LA%20&sort=last_name",
            None,
        );
        assert_eq!(last_names(&search), ["Lovelace", "Turing"]);
        let (_, by_email) = call(&host, "GET", "/contacts?search=grace@&status=new", None);
        assert_eq!(last_names(&by_email), ["Hopper"]);

        let (_, beyond) = call(&host, "GET", "/contacts?page=9", None);
        assert_eq!(
            (last_names(&beyond).len(), beyond["total"].clone()),
            (0, json!(4))
        );
    }

    #[test]
    fn list_filters_by_company_source_and_assignee() {
        let host = TestHost::new();
        add_user(&host, COLLEAGUE, true);
        for (first, company, source, assignee) in [
            ("Ada", "Analytical Engines", "referral", OWNER),
            ("Charles", "analytical society", "web", COLLEAGUE),
            ("Grace", "Navy", "referral", COLLEAGUE),
        ] {
            let mut body = contact(first, "X", &format!("{first}@example.com"));
            body["company"] = json!(company);
            body["lead_source"] = json!(source);
            body["assigned_to"] = json!(assignee);
            create_contact(&host, body);
        }
        let firsts = |query: &str| {
            let (status, body) = call(
                &host,
                "GET",
                &format!("/contacts?sort=first_name&{query}"),
                None,
            );
            assert_eq!(status, 200, "{body}");
            first_names(&body)
                .into_iter()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        assert_eq!(firsts("company=ANALYTICAL"), ["Ada", "Charles"]);
        assert_eq!(firsts("lead_source=referral"), ["Ada", "Grace"]);
        assert_eq!(
            firsts(&format!("assigned_to={COLLEAGUE}")),
            ["Charles", "Grace"]
        );
        assert_eq!(
            firsts(&format!("assigned_to={COLLEAGUE}&lead_source=referral")),
            ["Grace"]
        );
    }

    #[test]
    fn list_refuses_bad_parameters() {
        let host = TestHost::new();
        for (query, field) in [
            ("page=0", "page"),
            ("page=x", "page"),
            ("page=4294967295&limit=200", "page"),
            ("limit=0", "limit"),
            ("limit=201", "limit"),
            ("status=won", "status"),
            ("assigned_to=bob", "assigned_to"),
            ("sort=notes", "sort"),
            ("sort=-metadata", "sort"),
        ] {
            let result = field_error(call(&host, "GET", &format!("/contacts?{query}"), None));
            assert_eq!(result, (422, field.to_string()), "{query}");
        }
        assert_eq!(
            call(&host, "GET", "/contacts?sort=-lifetime_value", None).0,
            200
        );
    }

    #[test]
    fn stats_count_statuses_and_companies() {
        let host = TestHost::new();
        let (status, empty) = call(&host, "GET", "/contacts/stats", None);
        assert_eq!(status, 200, "{empty}");
        assert_eq!(
            empty,
            json!({"total_contacts": 0, "new_leads": 0, "qualified_leads": 0, "converted_leads": 0, "unique_companies": 0})
        );
        for (first, status, company) in [
            ("a", "new", Some("Acme")),
            ("b", "new", Some("Acme")),
            ("c", "qualified", Some("Globex")),
            ("d", "converted", None),
            ("e", "lost", Some("Initech")),
        ] {
            let mut body = contact(first, "X", &format!("{first}@example.com"));
            body["status"] = json!(status);
            body["company"] = json!(company);
            create_contact(&host, body);
        }
        assert_eq!(
            call(&host, "GET", "/contacts/stats", None).1,
            json!({"total_contacts": 5, "new_leads": 2, "qualified_leads": 1, "converted_leads": 1, "unique_companies": 3})
        );
    }

    #[test]
    fn a_contact_with_opportunities_is_kept() {
        let host = TestHost::new();
        let ada = create_contact(&host, contact("Ada", "Lovelace", "ada@example.com"));
        let id = ada["contact_id"].as_str().unwrap();
        let (status, opportunity) = call(
            &host,
            "POST",
            "/opportunities",
            Some(json!({"name": "Engine", "contact_id": id})),
        );
        assert_eq!(status, 201, "{opportunity}");
        let (status, body) = call(&host, "DELETE", &format!("/contacts/{id}"), None);
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (409, Some("contact_in_use"))
        );
        let path = format!(
            "/opportunities/{}",
            opportunity["opportunity_id"].as_str().unwrap()
        );
        assert_eq!(call(&host, "DELETE", &path, None).0, 204);
        assert_eq!(
            call(&host, "DELETE", &format!("/contacts/{id}"), None).0,
            204
        );
    }

    #[test]
    fn unknown_routes_and_methods() {
        let host = TestHost::new();
        assert_eq!(call(&host, "GET", "/deals", None).0, 404);
        assert_eq!(call(&host, "PUT", "/contacts", None).0, 405);
    }
}
