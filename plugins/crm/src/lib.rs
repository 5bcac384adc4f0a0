//! CRM: the tenant's contacts (the `crm_contacts` table of the design), listed,
//! searched, created, edited and deleted over `/api/v1/crm/contacts`. The entity is
//! exposed so other modules (ERP, Studio, Support) can ask to read it.

use eoex_sdk::prelude::*;
use serde_json::{Map, Value, json};

const STATUSES: [&str; 5] = ["new", "contacted", "qualified", "converted", "lost"];

/// The text columns and their lengths (the design's VARCHAR sizes); the manifest and
/// the validation both read them.
const TEXT_FIELDS: [(&str, u32); 10] = [
    ("first_name", 100),
    ("last_name", 100),
    ("company", 255),
    ("email", 255),
    ("phone", 50),
    ("mobile", 50),
    ("title", 100),
    ("department", 100),
    ("lead_source", 100),
    ("status", 50),
];

const REQUIRED: [&str; 3] = ["first_name", "last_name", "email"];

/// What `sort=` accepts, with an optional leading `-` for descending.
const SORTABLE: [&str; 9] = [
    "first_name",
    "last_name",
    "email",
    "company",
    "status",
    "lead_source",
    "assigned_to",
    "created_at",
    "updated_at",
];

const MAX_PAGE_SIZE: u32 = 200;
const DEFAULT_PAGE_SIZE: u32 = 50;

struct Crm;

impl Plugin for Crm {
    fn manifest() -> Manifest {
        let text = |name: &str| {
            let (_, max) = TEXT_FIELDS
                .iter()
                .find(|(field, _)| *field == name)
                .expect("a text field listed in TEXT_FIELDS");
            Field::text(name).max_length(*max)
        };
        Manifest::new("crm", env!("CARGO_PKG_VERSION"))
            .description("Customer Relationship Management")
            .category("business")
            .entity(
                Entity::new("contacts", "contact_id")
                    .label("Contacts")
                    .field(text("first_name").required())
                    .field(text("last_name").required())
                    .field(text("company"))
                    .field(text("email").label("E-mail").required().unique().indexed())
                    .field(text("phone"))
                    .field(text("mobile"))
                    .field(text("title").label("Job title"))
                    .field(text("department"))
                    .field(text("lead_source"))
                    .field(text("status").choices(STATUSES).default("new").indexed())
                    .field(Field::uuid("assigned_to").label("Assigned to"))
                    .field(Field::json("metadata").default(json!({})))
                    .exposed(),
            )
    }

    fn router() -> Router {
        Router::new()
            .get("/contacts", list)
            .summary("List contacts: page, limit, search, status, sort")
            .post("/contacts", create)
            .summary("Create a contact")
            .get("/contacts/{contact_id}", show)
            .summary("Get a contact")
            .patch("/contacts/{contact_id}", edit)
            .summary("Change some fields of a contact")
            .delete("/contacts/{contact_id}", remove)
            .summary("Delete a contact")
    }
}

register_plugin!(Crm);

fn list(request: &Request) -> Result<Response, Error> {
    let page = number(request, "page", 1, u32::MAX, 1)?;
    let limit = number(request, "limit", 1, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE)?;
    let offset = (page - 1)
        .checked_mul(limit)
        .ok_or_else(|| Error::validation("page", "page is too large"))?;

    let mut query = Query::new("contacts").limit(limit).offset(offset);
    if let Some(status) = request.query("status") {
        check_status("status", status)?;
        query = query.filter(Filter::eq("status", status));
    }
    if let Some(search) = request
        .query("search")
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        query = query.filter(Filter::any(
            ["first_name", "last_name", "email"].map(|field| Filter::contains(field, search)),
        ));
    }
    let sort = request.query("sort").unwrap_or("-created_at");
    let (field, descending) = match sort.strip_prefix('-') {
        Some(field) => (field, true),
        None => (sort, false),
    };
    if !SORTABLE.contains(&field) {
        return Err(Error::validation(
            "sort",
            format!(
                "sort by one of {}, with - for descending",
                SORTABLE.join(", ")
            ),
        ));
    }
    query = if descending {
        query.sort_desc(field)
    } else {
        query.sort_asc(field)
    };

    let items: Page<Value> = query.fetch()?;
    let total = query.count()?;
    Ok(Response::ok(&json!({
        "items": items.records,
        "total": total,
        "page": page,
        "limit": limit,
    })))
}

fn create(request: &Request) -> Result<Response, Error> {
    let input: Map<String, Value> = request.json()?;
    if let Some(missing) = REQUIRED.iter().find(|f| !input.contains_key(**f)) {
        return Err(Error::validation(
            *missing,
            format!("{missing} is required"),
        ));
    }
    let contact = checked(input)?;
    let created: Value = store::insert("contacts", &contact).map_err(contact_error)?;
    Ok(Response::created(&created))
}

fn show(request: &Request) -> Result<Response, Error> {
    let contact: Option<Value> = store::get("contacts", request.param("contact_id"))?;
    contact
        .map(|c| Response::ok(&c))
        .ok_or_else(|| Error::not_found("contact"))
}

fn edit(request: &Request) -> Result<Response, Error> {
    let id = request.param("contact_id");
    let changes = checked(request.json()?)?;
    if changes.is_empty() {
        return show(request);
    }
    let updated: Value = store::update("contacts", id, &changes).map_err(contact_error)?;
    Ok(Response::ok(&updated))
}

fn remove(request: &Request) -> Result<Response, Error> {
    if store::delete("contacts", request.param("contact_id"))? {
        Ok(Response::no_content())
    } else {
        Err(Error::not_found("contact"))
    }
}

fn contact_error(error: HostError) -> Error {
    match error {
        HostError::NotFound => Error::not_found("contact"),
        HostError::Conflict(field) => Error::conflict(
            "already_exists",
            format!("a contact with this {field} already exists"),
        )
        .with_field(field),
        other => other.into(),
    }
}

/// A positive whole-number query parameter within `min..=max`.
fn number(request: &Request, name: &str, min: u32, max: u32, default: u32) -> Result<u32, Error> {
    let Some(raw) = request.query(name) else {
        return Ok(default);
    };
    raw.parse::<u32>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| {
            let range = if max == u32::MAX {
                format!("at least {min}")
            } else {
                format!("from {min} to {max}")
            };
            Error::validation(name, format!("{name} must be a whole number {range}"))
        })
}

fn check_status(field: &str, status: &str) -> Result<(), Error> {
    if STATUSES.contains(&status) {
        Ok(())
    } else {
        Err(Error::validation(
            field,
            format!("{field} must be one of {}", STATUSES.join(", ")),
        ))
    }
}

/// The fields of a create or edit, checked and normalised (trimmed text, lower-case
/// e-mail); unknown and host-maintained fields are refused.
fn checked(input: Map<String, Value>) -> Result<Map<String, Value>, Error> {
    input
        .into_iter()
        .map(|(name, value)| {
            let value = checked_field(&name, value)?;
            Ok((name, value))
        })
        .collect()
}

fn checked_field(name: &str, value: Value) -> Result<Value, Error> {
    let invalid = |message: String| Err(Error::validation(name, message));
    match (name, value) {
        (_, Value::Null) if REQUIRED.contains(&name) => invalid(format!("{name} is required")),
        ("assigned_to" | "metadata", Value::Null) => Ok(Value::Null),
        ("assigned_to", Value::String(id)) if is_uuid(&id) => Ok(Value::String(id)),
        ("assigned_to", _) => invalid("assigned_to must be a user id (UUID)".into()),
        ("metadata", Value::Object(object)) => Ok(Value::Object(object)),
        ("metadata", _) => invalid("metadata must be a JSON object".into()),
        (_, value) => {
            let Some((_, max)) = TEXT_FIELDS.iter().find(|(field, _)| *field == name) else {
                return invalid(format!("{name} is not a contact field"));
            };
            let text = match value {
                Value::Null => return Ok(Value::Null),
                Value::String(text) => text.trim().to_string(),
                _ => return invalid(format!("{name} must be text")),
            };
            if text.is_empty() && REQUIRED.contains(&name) {
                return invalid(format!("{name} must not be empty"));
            }
            if text.chars().count() > *max as usize {
                return invalid(format!("{name} must be at most {max} characters"));
            }
            let text = match name {
                "email" if !is_email(&text) => {
                    return invalid(format!("{text:?} is not an e-mail address"));
                }
                "email" => text.to_lowercase(),
                "status" => {
                    check_status(name, &text)?;
                    text
                }
                _ => text,
            };
            Ok(Value::String(text))
        }
    }
}

/// `local@domain.tld`, no spaces: typos, not RFC 5322, are what this catches.
fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !s.chars().any(char::is_whitespace)
        && !domain.contains('@')
        && domain.split('.').count() >= 2
        && domain.split('.').all(|label| !label.is_empty())
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use eoex_sdk::testing::TestHost;

    use super::*;

    fn contact(first: &str, last: &str, email: &str) -> Value {
        json!({"first_name": first, "last_name": last, "email": email})
    }

    fn call(host: &TestHost, method: &str, target: &str, body: Option<Value>) -> (u16, Value) {
        let response = host.call::<Crm>(method, target, body);
        let body = if response.body().is_empty() {
            Value::Null
        } else {
            response.body_json().unwrap()
        };
        (response.status(), body)
    }

    fn create(host: &TestHost, body: Value) -> Value {
        let (status, created) = call(host, "POST", "/contacts", Some(body));
        assert_eq!(status, 201, "{created}");
        created
    }

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
            create(host, body);
        }
    }

    fn field_error(response: (u16, Value)) -> (u16, String) {
        let (status, body) = response;
        let field = body["error"]["field"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        (status, field)
    }

    #[test]
    fn manifest_declares_contacts_and_routes() {
        let manifest = serde_json::to_value(eoex_sdk::describe::<Crm>()).unwrap();
        assert_eq!(manifest["name"], "crm");
        assert_eq!(manifest["version"], "1.0.0");
        assert_eq!(manifest["category"], "business");
        let contacts = &manifest["entities"][0];
        assert_eq!(contacts["id_field"], "contact_id");
        assert!(contacts["exposed"].as_bool().unwrap());
        let names: Vec<&str> = contacts["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap())
            .collect();
        assert_eq!(names.len(), 12);
        let routes: Vec<String> = manifest["routes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                format!(
                    "{} {}",
                    r["method"].as_str().unwrap(),
                    r["path"].as_str().unwrap()
                )
            })
            .collect();
        assert_eq!(
            routes,
            [
                "GET /contacts",
                "POST /contacts",
                "GET /contacts/{contact_id}",
                "PATCH /contacts/{contact_id}",
                "DELETE /contacts/{contact_id}"
            ]
        );
    }

    #[test]
    fn create_show_edit_delete() {
        let host = TestHost::new();
        let mut body = contact(" Ada ", "Lovelace", "Ada@Example.com");
        body["company"] = json!("Analytical Engines");
        let created = create(&host, body);
        let id = created["contact_id"].as_str().unwrap().to_string();
        assert_eq!(created["first_name"], "Ada");
        assert_eq!(created["email"], "ada@example.com");
        assert_eq!(created["status"], "new");
        assert_eq!(created["metadata"], json!({}));

        let path = format!("/contacts/{id}");
        assert_eq!(call(&host, "GET", &path, None), (200, created.clone()));

        let (status, edited) = call(
            &host,
            "PATCH",
            &path,
            Some(json!({"status": "contacted", "phone": "+44 20 7946 0000", "company": null})),
        );
        assert_eq!(status, 200);
        assert_eq!(edited["status"], "contacted");
        assert_eq!(edited["phone"], "+44 20 7946 0000");
        assert_eq!(edited["company"], Value::Null);
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
            (with("phone", json!(12345)), "phone"),
            (with("assigned_to", json!("bob")), "assigned_to"),
            (with("metadata", json!([1])), "metadata"),
            (with("favourite_colour", json!("red")), "favourite_colour"),
            (with("contact_id", json!("x")), "contact_id"),
        ];
        for (body, field) in cases {
            let result = field_error(call(&host, "POST", "/contacts", Some(body.clone())));
            assert_eq!(result, (422, field.to_string()), "{body}");
        }
        assert!(host.records("contacts").is_empty());

        let id = create(&host, valid)["contact_id"]
            .as_str()
            .unwrap()
            .to_string();
        let patch =
            |body: Value| field_error(call(&host, "PATCH", &format!("/contacts/{id}"), Some(body)));
        assert_eq!(patch(json!({"email": null})), (422, "email".into()));
        assert_eq!(patch(json!({"status": "won"})), (422, "status".into()));
        assert_eq!(call(&host, "POST", "/contacts", None).0, 400);
    }

    #[test]
    fn duplicate_email_is_409() {
        let host = TestHost::new();
        create(&host, contact("Ada", "Lovelace", "ada@example.com"));
        let (status, body) = call(
            &host,
            "POST",
            "/contacts",
            Some(contact("Ada", "King", "ADA@example.com")),
        );
        assert_eq!(status, 409);
        assert_eq!(body["error"]["code"], "already_exists");
        assert_eq!(body["error"]["field"], "email");

        let other = create(&host, contact("Alan", "Turing", "alan@example.com"));
        let path = format!("/contacts/{}", other["contact_id"].as_str().unwrap());
        let (status, _) = call(
            &host,
            "PATCH",
            &path,
            Some(json!({"email": "ada@example.com"})),
        );
        assert_eq!(status, 409);
        assert_eq!(host.records("contacts").len(), 2);
    }

    fn last_names(body: &Value) -> Vec<&str> {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["last_name"].as_str().unwrap())
            .collect()
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
    fn list_refuses_bad_parameters() {
        let host = TestHost::new();
        for (query, field) in [
            ("page=0", "page"),
            ("page=x", "page"),
            ("page=4294967295&limit=200", "page"),
            ("limit=0", "limit"),
            ("limit=201", "limit"),
            ("status=won", "status"),
            ("sort=notes", "sort"),
            ("sort=-metadata", "sort"),
        ] {
            let result = field_error(call(&host, "GET", &format!("/contacts?{query}"), None));
            assert_eq!(result, (422, field.to_string()), "{query}");
        }
    }

    #[test]
    fn unknown_routes_and_methods() {
        let host = TestHost::new();
        assert_eq!(call(&host, "GET", "/deals", None).0, 404);
        assert_eq!(call(&host, "PUT", "/contacts", None).0, 405);
    }
}
