//! The module's handlers against the SDK's in-memory host.

use eoex_sdk::prelude::*;
use eoex_sdk::testing::{TestHost, USER_ID};
use eoex_sdk::users::User;
use serde_json::{Value, json};

use crate::Support;

/// A stand-in for CRM: an exposed `contacts` entity, so Support's check has something
/// to find.
struct Crm;

impl Plugin for Crm {
    fn manifest() -> Manifest {
        Manifest::new("crm", "1.0.0").entity(
            Entity::new("contacts", "contact_id")
                .field(Field::text("email"))
                .exposed(),
        )
    }

    fn router() -> Router {
        Router::new().post("/contacts", |request| {
            let contact: Value = store::insert("contacts", &request.json::<Value>()?)?;
            Ok(Response::created(&contact))
        })
    }
}

fn call(host: &TestHost, method: &str, target: &str, body: Option<Value>) -> (u16, Value) {
    let response = host.call::<Support>(method, target, body);
    let body = if response.body().is_empty() {
        Value::Null
    } else {
        response.body_json().unwrap()
    };
    (response.status(), body)
}

fn ok(host: &TestHost, method: &str, target: &str, body: Option<Value>) -> Value {
    let (status, body) = call(host, method, target, body);
    assert!(status < 300, "{method} {target}: {status} {body}");
    body
}

fn field_error(host: &TestHost, method: &str, target: &str, body: Value) -> String {
    let (status, body) = call(host, method, target, Some(body));
    assert_eq!(status, 422, "{body}");
    body["error"]["field"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn open(host: &TestHost, subject: &str) -> Value {
    ok(
        host,
        "POST",
        "/tickets",
        Some(json!({"subject": subject, "description": "It broke."})),
    )
}

fn id(record: &Value, field: &str) -> String {
    record[field].as_str().unwrap().to_owned()
}

fn user(user_id: &str, role: &str, active: bool) -> User {
    User {
        user_id: user_id.into(),
        email: format!("{role}@example.com"),
        first_name: None,
        last_name: None,
        role: role.into(),
        is_active: active,
    }
}

#[test]
fn manifest_exposes_tickets_with_the_contract_fields() {
    let manifest = serde_json::to_value(eoex_sdk::describe::<Support>()).unwrap();
    let tickets = &manifest["entities"][0];
    assert_eq!(tickets["name"], "tickets");
    assert_eq!(tickets["exposed"], true);
    let names: Vec<&str> = tickets["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    for contract in [
        "ticket_number",
        "contact_id",
        "subject",
        "description",
        "priority",
        "status",
        "assigned_to",
        "closed_at",
    ] {
        assert!(names.contains(&contract), "{contract}");
    }
    assert_eq!(
        manifest["permissions"],
        json!([{"entity": "crm.contacts", "access": "read"}])
    );
    assert!(
        manifest["routes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| !r["summary"].as_str().unwrap().is_empty())
    );
}

#[test]
fn tickets_are_numbered_defaulted_and_announced() {
    let host = TestHost::new();
    let first = open(&host, "Printer on fire");
    let second = open(&host, "Printer still on fire");
    let year = eoex_sdk::validate::clock::year();
    assert_eq!(first["ticket_number"], format!("TKT-{year}-000001"));
    assert_eq!(second["ticket_number"], format!("TKT-{year}-000002"));
    assert_eq!(first["status"], "open");
    assert_eq!(first["priority"], "medium");
    assert_eq!(first["sla_breached"], false);
    assert!(
        first["first_response_due"].as_str().unwrap() < first["resolution_due"].as_str().unwrap()
    );
    assert_eq!(first["closed_at"], Value::Null);

    let events = host.events();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].topic, "support.ticket.created");
    assert_eq!(
        events[0].payload,
        json!({"ticket_id": first["ticket_id"], "ticket_number": first["ticket_number"], "contact_id": null, "priority": "medium"})
    );

    // A refused create takes no number: the next one follows on.
    field_error(&host, "POST", "/tickets", json!({"subject": "x"}));
    assert_eq!(
        open(&host, "third")["ticket_number"],
        format!("TKT-{year}-000003")
    );
}

#[test]
fn invalid_tickets_are_422_naming_the_field() {
    let host = TestHost::new();
    let valid = json!({"subject": "S", "description": "D"});
    let with = |name: &str, value: Value| {
        let mut body = valid.clone();
        body[name] = value;
        body
    };
    for (body, field) in [
        (json!({"description": "D"}), "subject"),
        (json!({"subject": "S"}), "description"),
        (with("subject", json!("  ")), "subject"),
        (with("subject", json!("x".repeat(256))), "subject"),
        (with("priority", json!("critical")), "priority"),
        (with("priority", json!(null)), "priority"),
        (with("status", json!("closed")), "status"),
        (with("assigned_to", json!("bob")), "assigned_to"),
        (
            with("assigned_to", json!("6f1c2a44-0a1b-4c2d-8e3f-123456789abc")),
            "assigned_to",
        ),
        (with("contact_id", json!(7)), "contact_id"),
        (with("metadata", json!([])), "metadata"),
        (with("ticket_number", json!("TKT-1")), "ticket_number"),
        (
            with("closed_at", json!("2026-01-01T00:00:00Z")),
            "closed_at",
        ),
    ] {
        assert_eq!(
            field_error(&host, "POST", "/tickets", body.clone()),
            field,
            "{body}"
        );
    }
    assert!(host.records("tickets").is_empty());
    assert_eq!(call(&host, "POST", "/tickets", None).0, 400);
}

#[test]
fn status_workflow_stamps_and_clears_closed_at() {
    let host = TestHost::new();
    let ticket = open(&host, "Workflow");
    let path = format!("/tickets/{}", id(&ticket, "ticket_id"));
    let patch = |body: Value| call(&host, "PATCH", &path, Some(body));

    let moved = patch(json!({"status": "in_progress"}));
    assert_eq!((moved.0, moved.1["closed_at"].clone()), (200, Value::Null));
    let (status, body) = patch(json!({"status": "open"}));
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("invalid_transition"))
    );

    let (_, resolved) = patch(json!({"status": "resolved"}));
    let closed_at = resolved["closed_at"].as_str().unwrap().to_owned();
    assert!(resolved["resolution_hours"].as_f64().unwrap() >= 0.0);
    let (_, closed) = patch(json!({"status": "closed"}));
    assert_eq!(
        closed["closed_at"],
        closed_at.as_str(),
        "resolved → closed keeps the time"
    );
    assert_eq!(patch(json!({"status": "resolved"})).0, 409);
    assert_eq!(patch(json!({"status": "in_progress"})).0, 409);

    let (status, reopened) = patch(json!({"status": "open"}));
    assert_eq!(status, 200);
    assert_eq!(reopened["closed_at"], Value::Null);
    assert_eq!(reopened["resolution_hours"], Value::Null);
    assert_eq!(patch(json!({"status": "closed"})).1["status"], "closed");

    assert_eq!(patch(json!({"status": "archived"})).0, 422);
    assert_eq!(patch(json!({"ticket_number": "TKT-0"})).0, 422);
}

#[test]
fn assignment_needs_an_active_user_of_the_tenant() {
    let host = TestHost::new();
    let agent = "00000000-0000-4000-8000-0000000000a1";
    let gone = "00000000-0000-4000-8000-0000000000a2";
    host.add_user(user(agent, "user", true));
    host.add_user(user(gone, "user", false));
    let ticket = open(&host, "Assign me");
    let path = format!("/tickets/{}", id(&ticket, "ticket_id"));
    assert_eq!(
        ok(&host, "PATCH", &path, Some(json!({"assigned_to": agent})))["assigned_to"],
        agent
    );
    assert_eq!(
        field_error(&host, "PATCH", &path, json!({"assigned_to": gone})),
        "assigned_to"
    );
    assert_eq!(
        ok(&host, "PATCH", &path, Some(json!({"assigned_to": null})))["assigned_to"],
        Value::Null
    );

    ok(
        &host,
        "POST",
        "/tickets",
        Some(json!({"subject": "s", "description": "d", "assigned_to": USER_ID})),
    );
    let (_, mine) = call(
        &host,
        "GET",
        &format!("/tickets?assigned_to={USER_ID}"),
        None,
    );
    assert_eq!(mine["total"], 1);
}

#[test]
fn contacts_are_checked_when_crm_is_enabled() {
    let unknown = "6f1c2a44-0a1b-4c2d-8e3f-123456789abc";
    let host = TestHost::new();
    // Without CRM the id cannot be checked: kept as given.
    let body = json!({"subject": "s", "description": "d", "contact_id": unknown});
    assert_eq!(
        ok(&host, "POST", "/tickets", Some(body.clone()))["contact_id"],
        unknown
    );

    host.install::<Crm>().unwrap();
    let contact = host.call::<Crm>("POST", "/contacts", Some(json!({"email": "a@b.co"})));
    let contact: Value = contact.body_json().unwrap();
    let contact_id = id(&contact, "contact_id");
    assert_eq!(field_error(&host, "POST", "/tickets", body), "contact_id");
    let linked = ok(
        &host,
        "POST",
        "/tickets",
        Some(json!({"subject": "s", "description": "d", "contact_id": contact_id})),
    );
    assert_eq!(linked["contact_id"], contact_id.as_str());
    assert_eq!(
        host.events().last().unwrap().payload["contact_id"],
        contact_id.as_str()
    );
    let (_, listed) = call(
        &host,
        "GET",
        &format!("/tickets?contact_id={contact_id}"),
        None,
    );
    assert_eq!(listed["total"], 1);
}

#[test]
fn lists_filter_search_sort_and_refuse_bad_parameters() {
    let host = TestHost::new();
    for (subject, priority) in [
        ("Login fails", "high"),
        ("Invoice wrong", "low"),
        ("Login slow", "urgent"),
    ] {
        ok(
            &host,
            "POST",
            "/tickets",
            Some(json!({"subject": subject, "description": "d", "priority": priority})),
        );
    }
    let subjects = |target: &str| -> Vec<String> {
        let body = ok(&host, "GET", target, None);
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| id(t, "subject"))
            .collect()
    };
    assert_eq!(
        subjects("/tickets?search=LOGIN&sort=subject"),
        ["Login fails", "Login slow"]
    );
    assert_eq!(subjects("/tickets?priority=low"), ["Invoice wrong"]);
    assert_eq!(
        subjects("/tickets?status=open&sort=ticket_number&limit=1&page=2"),
        ["Invoice wrong"]
    );
    assert_eq!(subjects("/tickets?sla_breached=false").len(), 3);
    assert!(subjects("/tickets?sla_breached=true").is_empty());
    for (query, field) in [
        ("status=done", "status"),
        ("priority=p1", "priority"),
        ("assigned_to=me", "assigned_to"),
        ("contact_id=1", "contact_id"),
        ("sla_breached=yes", "sla_breached"),
        ("sort=description", "sort"),
        ("limit=500", "limit"),
    ] {
        let (status, body) = call(&host, "GET", &format!("/tickets?{query}"), None);
        assert_eq!(
            (status, body["error"]["field"].as_str()),
            (422, Some(field)),
            "{query}"
        );
    }
}

#[test]
fn sla_targets_are_configurable_and_breaches_are_found() {
    let host = TestHost::new();
    let defaults = ok(&host, "GET", "/sla", None);
    assert_eq!(
        defaults["urgent"],
        json!({"first_response_hours": 1.0, "resolution_hours": 4.0})
    );
    assert_eq!(defaults["low"]["resolution_hours"], 168.0);

    // 0.0001 h is 0.36 s: an SLA the test can watch being missed.
    let tiny = json!({"urgent": {"first_response_hours": 0.0001, "resolution_hours": 0.0002}});
    let set = ok(&host, "PUT", "/sla", Some(tiny));
    assert_eq!(set["urgent"]["first_response_hours"], 0.0001);
    assert_eq!(set["high"]["first_response_hours"], 4.0);

    let late = ok(
        &host,
        "POST",
        "/tickets",
        Some(json!({"subject": "late", "description": "d", "priority": "urgent"})),
    );
    let answered = ok(
        &host,
        "POST",
        "/tickets",
        Some(json!({"subject": "answered", "description": "d", "priority": "urgent"})),
    );
    let relaxed = open(&host, "relaxed");
    ok(
        &host,
        "POST",
        &format!("/tickets/{}/messages", id(&answered, "ticket_id")),
        Some(json!({"message": "On it"})),
    );
    std::thread::sleep(std::time::Duration::from_millis(900));

    let breached = ok(
        &host,
        "GET",
        "/tickets?sla_breached=true&sort=subject",
        None,
    );
    let names: Vec<String> = breached["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| id(t, "subject"))
        .collect();
    // "answered" met its first response but not its 0.72 s resolution target.
    assert_eq!(names, ["answered", "late"]);
    assert!(
        breached["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["sla_breached"] == true)
    );
    let on_time = ok(&host, "GET", "/tickets?sla_breached=false", None);
    assert_eq!(on_time["items"][0]["ticket_id"], relaxed["ticket_id"]);
    assert_eq!(on_time["total"], 1);
    let shown = ok(
        &host,
        "GET",
        &format!("/tickets/{}", id(&late, "ticket_id")),
        None,
    );
    assert_eq!(shown["sla_breached"], true);

    // A lower priority gets that priority's (long) targets, counted from creation.
    let path = format!("/tickets/{}", id(&late, "ticket_id"));
    let relaxed_now = ok(&host, "PATCH", &path, Some(json!({"priority": "low"})));
    assert_eq!(relaxed_now["sla_breached"], false);
    assert!(
        relaxed_now["resolution_due"].as_str().unwrap() > late["resolution_due"].as_str().unwrap()
    );

    // Back to the defaults.
    let reset = ok(&host, "PUT", "/sla", Some(json!({"urgent": null})));
    assert_eq!(reset["urgent"]["first_response_hours"], 1.0);
}

#[test]
fn sla_changes_are_checked_and_for_admins_only() {
    let host = TestHost::new();
    for (body, field) in [
        (
            json!({"critical": {"first_response_hours": 1, "resolution_hours": 2}}),
            "critical",
        ),
        (
            json!({"high": {"resolution_hours": 2}}),
            "high.first_response_hours",
        ),
        (
            json!({"high": {"first_response_hours": 0, "resolution_hours": 2}}),
            "high.first_response_hours",
        ),
        (
            json!({"high": {"first_response_hours": 3, "resolution_hours": 2}}),
            "high.resolution_hours",
        ),
        (
            json!({"high": {"first_response_hours": 1, "resolution_hours": "2"}}),
            "high.resolution_hours",
        ),
        (
            json!({"high": {"first_response_hours": 1, "resolution_hours": 2, "x": 1}}),
            "high.x",
        ),
        (json!({"high": 4}), "high"),
    ] {
        assert_eq!(
            field_error(&host, "PUT", "/sla", body.clone()),
            field,
            "{body}"
        );
    }
    let host = host.with_role("user");
    let body = json!({"high": {"first_response_hours": 1, "resolution_hours": 2}});
    assert_eq!(call(&host, "PUT", "/sla", Some(body)).0, 403);
    assert_eq!(call(&host, "GET", "/sla", None).0, 200);
}

#[test]
fn messages_hide_internal_notes_from_customers_and_record_the_first_response() {
    let host = TestHost::new();
    let ticket = open(&host, "Help");
    let messages = format!("/tickets/{}/messages", id(&ticket, "ticket_id"));
    let ticket_path = format!("/tickets/{}", id(&ticket, "ticket_id"));

    let note = ok(
        &host,
        "POST",
        &messages,
        Some(json!({"message": "Customer is grumpy", "is_internal": true})),
    );
    assert_eq!(note["user_id"], USER_ID);
    assert_eq!(
        ok(&host, "GET", &ticket_path, None)["first_response_at"],
        Value::Null,
        "a note is no response"
    );
    let reply = ok(
        &host,
        "POST",
        &messages,
        Some(
            json!({"message": "We're on it", "attachments": [{"name": "log.txt", "size": 0, "content_type": "text/plain"}]}),
        ),
    );
    assert_eq!(reply["is_internal"], false);
    assert_eq!(reply["attachments"][0]["size"], 0);
    let first = ok(&host, "GET", &ticket_path, None)["first_response_at"].clone();
    assert_eq!(first, reply["created_at"]);
    ok(
        &host,
        "POST",
        &messages,
        Some(json!({"message": "Second reply"})),
    );
    assert_eq!(
        ok(&host, "GET", &ticket_path, None)["first_response_at"],
        first
    );

    let staff = ok(&host, "GET", &messages, None);
    assert_eq!(staff["total"], 3);
    assert_eq!(
        staff["items"][0]["message"], "Customer is grumpy",
        "oldest first"
    );
    let customer = ok(&host, "GET", &format!("{messages}?view=customer"), None);
    assert_eq!(customer["total"], 2);
    assert!(
        customer["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["is_internal"] == false)
    );
    assert_eq!(
        call(&host, "GET", &format!("{messages}?view=boss"), None).0,
        422
    );
    let host = host.with_role("readonly");
    assert_eq!(
        ok(&host, "GET", &messages, None)["total"],
        2,
        "readonly users see the customer view"
    );
}

#[test]
fn messages_are_validated_and_closed_tickets_take_none() {
    let host = TestHost::new();
    let ticket = open(&host, "Help");
    let messages = format!("/tickets/{}/messages", id(&ticket, "ticket_id"));
    let attach = |item: Value| json!({"message": "m", "attachments": [item]});
    for (body, field) in [
        (json!({}), "message"),
        (json!({"message": " "}), "message"),
        (json!({"message": "m", "is_internal": "yes"}), "is_internal"),
        (json!({"message": "m", "user_id": USER_ID}), "user_id"),
        (
            json!({"message": "m", "attachments": "a.pdf"}),
            "attachments",
        ),
        (
            attach(json!({"size": 1, "content_type": "a/b"})),
            "attachments[0].name",
        ),
        (
            attach(json!({"name": "a", "size": -1, "content_type": "a/b"})),
            "attachments[0].size",
        ),
        (
            attach(json!({"name": "a", "size": 1.5, "content_type": "a/b"})),
            "attachments[0].size",
        ),
        (
            attach(json!({"name": "a", "size": 1, "content_type": "pdf"})),
            "attachments[0].content_type",
        ),
        (
            attach(json!({"name": "a", "size": 1, "content_type": "a/b", "url": "x"})),
            "attachments[0].url",
        ),
        (attach(json!("a.pdf")), "attachments[0]"),
    ] {
        assert_eq!(
            field_error(&host, "POST", &messages, body.clone()),
            field,
            "{body}"
        );
    }
    let missing = "/tickets/6f1c2a44-0a1b-4c2d-8e3f-123456789abc/messages";
    assert_eq!(call(&host, "GET", missing, None).0, 404);
    assert_eq!(
        call(&host, "POST", missing, Some(json!({"message": "m"}))).0,
        404
    );

    ok(
        &host,
        "PATCH",
        &format!("/tickets/{}", id(&ticket, "ticket_id")),
        Some(json!({"status": "closed"})),
    );
    let (status, body) = call(&host, "POST", &messages, Some(json!({"message": "m"})));
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("ticket_closed"))
    );
}

#[test]
fn deleting_a_ticket_deletes_its_messages() {
    let host = TestHost::new();
    let keep = open(&host, "keep");
    let drop = open(&host, "drop");
    for ticket in [&keep, &drop] {
        ok(
            &host,
            "POST",
            &format!("/tickets/{}/messages", id(ticket, "ticket_id")),
            Some(json!({"message": "m"})),
        );
    }
    let path = format!("/tickets/{}", id(&drop, "ticket_id"));
    assert_eq!(call(&host, "DELETE", &path, None).0, 204);
    assert_eq!(call(&host, "GET", &path, None).0, 404);
    assert_eq!(call(&host, "DELETE", &path, None).0, 404);
    let left = host.records("ticket_messages");
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["ticket_id"], keep["ticket_id"]);
}

#[test]
fn knowledge_base_counts_views_searches_and_hides_drafts_from_customers() {
    let host = TestHost::new();
    let article = ok(
        &host,
        "POST",
        "/kb",
        Some(
            json!({"title": "Reset your password", "content": "Click 'forgot'.", "category": "accounts", "tags": ["login", " login ", "password"]}),
        ),
    );
    assert_eq!(article["tags"], json!(["login", "password"]));
    assert_eq!(
        (
            article["view_count"].clone(),
            article["is_published"].clone()
        ),
        (json!(0), json!(true))
    );
    assert_eq!(article["created_by"], USER_ID);
    let draft = ok(
        &host,
        "POST",
        "/kb",
        Some(
            json!({"title": "Billing FAQ", "content": "Invoices and the password of the portal", "is_published": false}),
        ),
    );

    let path = format!("/kb/{}", id(&article, "kb_id"));
    assert_eq!(ok(&host, "GET", &path, None)["view_count"], 1);
    assert_eq!(
        ok(&host, "GET", &format!("{path}?view=customer"), None)["view_count"],
        2
    );
    let draft_path = format!("/kb/{}", id(&draft, "kb_id"));
    assert_eq!(
        call(&host, "GET", &format!("{draft_path}?view=customer"), None).0,
        404
    );
    assert_eq!(ok(&host, "GET", &draft_path, None)["view_count"], 1);

    let titles = |host: &TestHost, target: &str| -> Vec<String> {
        let body = ok(host, "GET", target, None);
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| id(a, "title"))
            .collect()
    };
    assert_eq!(
        titles(&host, "/kb?q=PASSWORD&sort=title"),
        ["Billing FAQ", "Reset your password"]
    );
    assert_eq!(
        titles(&host, "/kb?q=password&view=customer"),
        ["Reset your password"]
    );
    assert_eq!(titles(&host, "/kb?is_published=false"), ["Billing FAQ"]);
    assert_eq!(
        titles(&host, "/kb?category=accounts"),
        ["Reset your password"]
    );

    let reader = host.with_role("readonly");
    assert_eq!(titles(&reader, "/kb?q=password"), ["Reset your password"]);
    assert_eq!(call(&reader, "GET", &draft_path, None).0, 404);
    assert_eq!(
        ok(&reader, "GET", &path, None)["view_count"],
        2,
        "readonly reads cannot write"
    );
}

#[test]
fn knowledge_base_edits_are_validated() {
    let host = TestHost::new();
    for (body, field) in [
        (json!({"content": "c"}), "title"),
        (json!({"title": "t"}), "content"),
        (json!({"title": "t", "content": "c", "tags": "a,b"}), "tags"),
        (
            json!({"title": "t", "content": "c", "tags": ["ok", ""]}),
            "tags[1]",
        ),
        (
            json!({"title": "t", "content": "c", "tags": [3]}),
            "tags[0]",
        ),
        (
            json!({"title": "t", "content": "c", "view_count": 1000}),
            "view_count",
        ),
        (
            json!({"title": "t", "content": "c", "is_published": 1}),
            "is_published",
        ),
        (
            json!({"title": "t", "content": "c", "category": "x".repeat(101)}),
            "category",
        ),
    ] {
        assert_eq!(
            field_error(&host, "POST", "/kb", body.clone()),
            field,
            "{body}"
        );
    }
    let article = ok(
        &host,
        "POST",
        "/kb",
        Some(json!({"title": "t", "content": "c"})),
    );
    let path = format!("/kb/{}", id(&article, "kb_id"));
    let edited = ok(
        &host,
        "PATCH",
        &path,
        Some(json!({"is_published": false, "category": "misc"})),
    );
    assert_eq!(
        (edited["is_published"].clone(), edited["category"].clone()),
        (json!(false), json!("misc"))
    );
    assert_eq!(
        field_error(&host, "PATCH", &path, json!({"title": null})),
        "title"
    );
    assert_eq!(call(&host, "DELETE", &path, None).0, 204);
    assert_eq!(
        call(&host, "PATCH", &path, Some(json!({"title": "x"}))).0,
        404
    );
    assert_eq!(call(&host, "DELETE", &path, None).0, 404);
}

#[test]
fn metrics_group_by_status_and_priority() {
    let host = TestHost::new();
    let a = ok(
        &host,
        "POST",
        "/tickets",
        Some(json!({"subject": "a", "description": "d", "priority": "high"})),
    );
    ok(
        &host,
        "POST",
        "/tickets",
        Some(json!({"subject": "b", "description": "d", "priority": "high"})),
    );
    ok(
        &host,
        "POST",
        "/tickets",
        Some(json!({"subject": "c", "description": "d"})),
    );
    let resolved = ok(
        &host,
        "PATCH",
        &format!("/tickets/{}", id(&a, "ticket_id")),
        Some(json!({"status": "resolved"})),
    );

    let metrics = ok(&host, "GET", "/metrics", None);
    assert_eq!(metrics["days"], 30);
    let rows: Vec<(String, String, u64)> = metrics["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                id(r, "status"),
                id(r, "priority"),
                r["ticket_count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("open".into(), "medium".into(), 1),
            ("open".into(), "high".into(), 1),
            ("resolved".into(), "high".into(), 1),
        ]
    );
    let hours = resolved["resolution_hours"].as_f64().unwrap();
    assert_eq!(
        metrics["items"][2]["avg_resolution_hours"],
        (hours * 100.0).round() / 100.0
    );
    assert_eq!(metrics["items"][0]["avg_resolution_hours"], Value::Null);
}
