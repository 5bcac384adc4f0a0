//! Support through HTTP, end to end: the bundled `support` component served by the real
//! host over a real database — tickets, messages, SLAs, knowledge base, metrics.

use std::time::Duration;

use eoex_tests::{Backend, Session, TestApp, backend_tests};
use reqwest::StatusCode;
use serde_json::{Value, json};

backend_tests!(
    tickets_crud_numbers_and_validation,
    status_moves_stamp_and_clear_closed_at,
    assignment_and_contact_links_are_checked,
    lists_filter_sort_and_paginate,
    sla_targets_and_breaches,
    messages_notes_first_response_and_attachments,
    knowledge_base_views_search_and_publishing,
    metrics_per_status_and_priority,
    concurrent_tickets_get_distinct_consecutive_numbers,
    tenants_never_see_each_others_support_data
);

const TICKETS: &str = "/api/v1/support/tickets";
const UNKNOWN_ID: &str = "6f1c2a44-0a1b-4c2d-8e3f-123456789abc";

async fn tenant(app: &TestApp, name: &str) -> Session {
    let owner = app.signup(name).await;
    app.enable(&owner, "support").await;
    owner
}

async fn open_ticket(app: &TestApp, session: &Session, body: Value) -> Value {
    let response = app.post(TICKETS, &session.token, body).await;
    response.assert_status(StatusCode::CREATED);
    response.body
}

fn ticket(subject: &str) -> Value {
    json!({"subject": subject, "description": "Something is wrong."})
}

fn id(record: &Value, field: &str) -> String {
    record[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} in {record}"))
        .to_owned()
}

fn path(record: &Value) -> String {
    format!("{TICKETS}/{}", id(record, "ticket_id"))
}

#[track_caller]
fn assert_field(response: &eoex_tests::Response, field: &str) {
    response.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
    assert_eq!(response.body["error"]["field"], field, "{}", response.text);
}

fn year() -> i32 {
    chrono::Datelike::year(&chrono::Utc::now())
}

fn subjects(body: &Value) -> Vec<String> {
    body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("items in {body}"))
        .iter()
        .map(|t| id(t, "subject"))
        .collect()
}

async fn tickets_crud_numbers_and_validation(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = tenant(&app, "acme").await;

    let first = open_ticket(&app, &owner, ticket("Printer on fire")).await;
    assert_eq!(first["ticket_number"], format!("TKT-{}-000001", year()));
    assert_eq!(
        (&first["status"], &first["priority"], &first["sla_breached"]),
        (&json!("open"), &json!("medium"), &json!(false))
    );
    assert!(first["first_response_due"].is_string() && first["resolution_due"].is_string());
    assert_eq!(first["closed_at"], Value::Null);
    assert!(first.get("tenant_id").is_none());

    let fetched = app.get(&path(&first), &owner.token).await;
    fetched.assert_status(StatusCode::OK);
    assert_eq!(fetched.body["subject"], "Printer on fire");

    let edited = app
        .patch(
            &path(&first),
            &owner.token,
            json!({"subject": "Printer smoking", "metadata": {"floor": 3}}),
        )
        .await;
    edited.assert_status(StatusCode::OK);
    assert_eq!(edited.body["subject"], "Printer smoking");
    assert_eq!(edited.body["metadata"], json!({"floor": 3}));
    assert_eq!(edited.body["ticket_number"], first["ticket_number"]);

    let valid = ticket("S");
    let with = |name: &str, value: Value| {
        let mut body = valid.clone();
        body[name] = value;
        body
    };
    for (body, field) in [
        (json!({"description": "D"}), "subject"),
        (json!({"subject": "S"}), "description"),
        (with("subject", json!(" ")), "subject"),
        (with("subject", json!("x".repeat(256))), "subject"),
        (with("priority", json!("critical")), "priority"),
        (with("status", json!("resolved")), "status"),
        (with("assigned_to", json!("someone")), "assigned_to"),
        (with("contact_id", json!(12)), "contact_id"),
        (with("ticket_number", json!("TKT-1")), "ticket_number"),
        (with("sla_breached", json!(false)), "sla_breached"),
    ] {
        assert_field(&app.post(TICKETS, &owner.token, body).await, field);
    }
    assert_field(
        &app.patch(&path(&first), &owner.token, json!({"description": null}))
            .await,
        "description",
    );
    // Refused creates took no number.
    let second = open_ticket(&app, &owner, ticket("Second")).await;
    assert_eq!(second["ticket_number"], format!("TKT-{}-000002", year()));

    for missing in [
        format!("{TICKETS}/{UNKNOWN_ID}"),
        format!("{TICKETS}/not-a-uuid"),
    ] {
        app.get(&missing, &owner.token)
            .await
            .assert_error(StatusCode::NOT_FOUND, "not_found");
        app.patch(&missing, &owner.token, json!({"subject": "x"}))
            .await
            .assert_status(StatusCode::NOT_FOUND);
        app.delete(&missing, &owner.token)
            .await
            .assert_status(StatusCode::NOT_FOUND);
    }

    app.delete(&path(&first), &owner.token)
        .await
        .assert_status(StatusCode::NO_CONTENT);
    app.get(&path(&first), &owner.token)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    let reader = app
        .add_user(&owner, "reader@acme.example", "readonly")
        .await;
    app.post(TICKETS, &reader.token, ticket("nope"))
        .await
        .assert_status(StatusCode::FORBIDDEN);
    app.get(&path(&second), &reader.token)
        .await
        .assert_status(StatusCode::OK);
}

async fn status_moves_stamp_and_clear_closed_at(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = tenant(&app, "acme").await;
    let created = open_ticket(&app, &owner, ticket("Workflow")).await;
    let path = path(&created);
    let status = |to: &'static str| {
        let (app, owner, path) = (&app, &owner, &path);
        async move { app.patch(path, &owner.token, json!({"status": to})).await }
    };

    let moved = status("in_progress").await;
    moved.assert_status(StatusCode::OK);
    assert_eq!(moved.body["closed_at"], Value::Null);
    status("open")
        .await
        .assert_error(StatusCode::CONFLICT, "invalid_transition");
    status("waiting").await.assert_status(StatusCode::OK);
    status("in_progress").await.assert_status(StatusCode::OK);

    let resolved = status("resolved").await;
    resolved.assert_status(StatusCode::OK);
    let closed_at = id(&resolved.body, "closed_at");
    assert!(resolved.body["resolution_hours"].as_f64().unwrap() >= 0.0);
    status("in_progress")
        .await
        .assert_error(StatusCode::CONFLICT, "invalid_transition");
    let closed = status("closed").await;
    closed.assert_status(StatusCode::OK);
    assert_eq!(
        closed.body["closed_at"],
        closed_at.as_str(),
        "resolved → closed keeps it"
    );
    status("resolved")
        .await
        .assert_error(StatusCode::CONFLICT, "invalid_transition");

    let reopened = status("open").await;
    reopened.assert_status(StatusCode::OK);
    assert_eq!(reopened.body["closed_at"], Value::Null);
    assert_eq!(reopened.body["resolution_hours"], Value::Null);
    let closed_again = status("closed").await;
    closed_again.assert_status(StatusCode::OK);
    assert!(closed_again.body["closed_at"].is_string());
    assert_field(&status("archived").await, "status");
    // The same status is no move.
    status("closed").await.assert_status(StatusCode::OK);
}

async fn assignment_and_contact_links_are_checked(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = tenant(&app, "acme").await;
    let other = app.signup("globex").await;
    let agent = app.add_user(&owner, "agent@acme.example", "user").await;
    let leaver = app.add_user(&owner, "leaver@acme.example", "user").await;
    app.patch(
        &format!("/api/v1/users/{}", leaver.user_id),
        &owner.token,
        json!({"is_active": false}),
    )
    .await
    .assert_status(StatusCode::OK);

    let assigned = open_ticket(
        &app,
        &owner,
        json!({"subject": "s", "description": "d", "assigned_to": agent.user_id}),
    )
    .await;
    assert_eq!(assigned["assigned_to"], agent.user_id.as_str());
    for user in [&leaver.user_id, &other.user_id, &UNKNOWN_ID.to_owned()] {
        let mut body = ticket("s");
        body["assigned_to"] = json!(user);
        assert_field(&app.post(TICKETS, &owner.token, body).await, "assigned_to");
        assert_field(
            &app.patch(&path(&assigned), &owner.token, json!({"assigned_to": user}))
                .await,
            "assigned_to",
        );
    }
    let unassigned = app
        .patch(&path(&assigned), &owner.token, json!({"assigned_to": null}))
        .await;
    assert_eq!(unassigned.body["assigned_to"], Value::Null);

    // Without CRM a contact id cannot be checked: it is kept as given.
    let mut unchecked = ticket("unchecked");
    unchecked["contact_id"] = json!(UNKNOWN_ID);
    assert_eq!(
        open_ticket(&app, &owner, unchecked.clone()).await["contact_id"],
        UNKNOWN_ID
    );

    app.enable(&owner, "crm").await;
    app.enable(&other, "crm").await;
    let contact = |session: &Session, email: &str| {
        let (app, token) = (&app, session.token.clone());
        let body = json!({"first_name": "Ada", "last_name": "Lovelace", "email": email});
        async move {
            let response = app.post("/api/v1/crm/contacts", &token, body).await;
            response.assert_status(StatusCode::CREATED);
            id(&response.body, "contact_id")
        }
    };
    let ours = contact(&owner, "ada@acme.example").await;
    let theirs = contact(&other, "ada@globex.example").await;
    assert_field(
        &app.post(TICKETS, &owner.token, unchecked).await,
        "contact_id",
    );
    let mut foreign = ticket("foreign");
    foreign["contact_id"] = json!(theirs);
    assert_field(
        &app.post(TICKETS, &owner.token, foreign).await,
        "contact_id",
    );
    let mut linked = ticket("linked");
    linked["contact_id"] = json!(ours);
    let linked = open_ticket(&app, &owner, linked).await;
    assert_eq!(linked["contact_id"], ours.as_str());
    assert_field(
        &app.patch(&path(&linked), &owner.token, json!({"contact_id": theirs}))
            .await,
        "contact_id",
    );
}

async fn lists_filter_sort_and_paginate(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = tenant(&app, "acme").await;
    let agent = app.add_user(&owner, "agent@acme.example", "user").await;
    for (subject, priority, assigned) in [
        ("Login fails", "high", Some(&agent.user_id)),
        ("Invoice wrong", "low", None),
        ("Login slow", "urgent", Some(&agent.user_id)),
        ("Export broken", "medium", None),
    ] {
        let mut body = json!({"subject": subject, "description": "d", "priority": priority});
        if let Some(user) = assigned {
            body["assigned_to"] = json!(user);
        }
        open_ticket(&app, &owner, body).await;
    }
    let mut with_contact = ticket("Has contact");
    with_contact["contact_id"] = json!(UNKNOWN_ID);
    let contacted = open_ticket(&app, &owner, with_contact).await;
    app.patch(
        &path(&contacted),
        &owner.token,
        json!({"status": "waiting"}),
    )
    .await
    .assert_status(StatusCode::OK);

    let list = |query: String| {
        let (app, token) = (&app, owner.token.clone());
        async move {
            let response = app.get(&format!("{TICKETS}?{query}"), &token).await;
            response.assert_status(StatusCode::OK);
            response.body
        }
    };
    let all = list(String::new()).await;
    assert_eq!(
        (
            all["total"].clone(),
            all["page"].clone(),
            all["limit"].clone()
        ),
        (json!(5), json!(1), json!(50))
    );
    assert_eq!(subjects(&all)[0], "Has contact", "newest first");
    assert_eq!(
        subjects(&list("search=login&sort=subject".into()).await),
        ["Login fails", "Login slow"]
    );
    assert_eq!(
        subjects(&list("priority=low".into()).await),
        ["Invoice wrong"]
    );
    assert_eq!(
        subjects(&list("status=waiting".into()).await),
        ["Has contact"]
    );
    assert_eq!(
        subjects(&list(format!("assigned_to={}&sort=-subject", agent.user_id)).await),
        ["Login slow", "Login fails"]
    );
    assert_eq!(
        subjects(&list(format!("contact_id={UNKNOWN_ID}")).await),
        ["Has contact"]
    );
    let page = list("sort=ticket_number&limit=2&page=2".into()).await;
    assert_eq!(subjects(&page), ["Login slow", "Export broken"]);
    assert_eq!(page["total"], 5);
    assert_eq!(list("sla_breached=false".into()).await["total"], 5);
    assert_eq!(list("sla_breached=true".into()).await["total"], 0);

    for (query, field) in [
        ("status=done", "status"),
        ("priority=p1", "priority"),
        ("assigned_to=me", "assigned_to"),
        ("contact_id=42", "contact_id"),
        ("sla_breached=maybe", "sla_breached"),
        ("sort=description", "sort"),
        ("limit=201", "limit"),
        ("page=0", "page"),
    ] {
        assert_field(
            &app.get(&format!("{TICKETS}?{query}"), &owner.token).await,
            field,
        );
    }
}

async fn sla_targets_and_breaches(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = tenant(&app, "acme").await;
    let admin = app.add_user(&owner, "admin@acme.example", "admin").await;
    let agent = app.add_user(&owner, "agent@acme.example", "user").await;
    let reader = app
        .add_user(&owner, "reader@acme.example", "readonly")
        .await;

    let defaults = app.get("/api/v1/support/sla", &agent.token).await;
    defaults.assert_status(StatusCode::OK);
    assert_eq!(
        defaults.body,
        json!({
            "low": {"first_response_hours": 24.0, "resolution_hours": 168.0},
            "medium": {"first_response_hours": 8.0, "resolution_hours": 72.0},
            "high": {"first_response_hours": 4.0, "resolution_hours": 24.0},
            "urgent": {"first_response_hours": 1.0, "resolution_hours": 4.0},
        })
    );
    let tiny = json!({"urgent": {"first_response_hours": 0.0003, "resolution_hours": 0.0006}});
    for session in [&agent, &reader] {
        app.put("/api/v1/support/sla", &session.token, tiny.clone())
            .await
            .assert_status(StatusCode::FORBIDDEN);
    }
    for (body, field) in [
        (
            json!({"urgent": {"first_response_hours": -1, "resolution_hours": 1}}),
            "urgent.first_response_hours",
        ),
        (
            json!({"urgent": {"first_response_hours": 2, "resolution_hours": 1}}),
            "urgent.resolution_hours",
        ),
        (json!({"someday": null}), "someday"),
    ] {
        assert_field(
            &app.put("/api/v1/support/sla", &admin.token, body).await,
            field,
        );
    }
    // 0.0003 h is about a second: a target the test can watch being missed.
    let set = app.put("/api/v1/support/sla", &admin.token, tiny).await;
    set.assert_status(StatusCode::OK);
    assert_eq!(set.body["urgent"]["first_response_hours"], 0.0003);
    assert_eq!(set.body["high"]["first_response_hours"], 4.0);

    let urgent =
        |subject: &str| json!({"subject": subject, "description": "d", "priority": "urgent"});
    let silent = open_ticket(&app, &owner, urgent("silent")).await;
    let answered = open_ticket(&app, &owner, urgent("answered")).await;
    let calm = open_ticket(&app, &owner, ticket("calm")).await;
    let due =
        |t: &Value, f: &str| chrono::DateTime::parse_from_rfc3339(t[f].as_str().unwrap()).unwrap();
    let created = |t: &Value| {
        chrono::DateTime::parse_from_rfc3339(t["created_at"].as_str().unwrap()).unwrap()
    };
    let first_due = (due(&silent, "first_response_due") - created(&silent)).num_milliseconds();
    assert!(
        (1000..1200).contains(&first_due),
        "due {first_due} ms after creation"
    );
    let calm_due = (due(&calm, "resolution_due") - created(&calm)).num_hours();
    assert!(
        (71..=72).contains(&calm_due),
        "medium resolves in 72 h: {calm_due}"
    );
    app.post(
        &format!("{}/messages", path(&answered)),
        &agent.token,
        json!({"message": "Looking into it"}),
    )
    .await
    .assert_status(StatusCode::CREATED);
    tokio::time::sleep(Duration::from_millis(2500)).await;

    let breached = app
        .get(
            &format!("{TICKETS}?sla_breached=true&sort=subject"),
            &owner.token,
        )
        .await;
    breached.assert_status(StatusCode::OK);
    // "answered" met its first response but not its 2 s resolution target.
    assert_eq!(subjects(&breached.body), ["answered", "silent"]);
    assert!(
        breached.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["sla_breached"] == true)
    );
    let on_time = app
        .get(&format!("{TICKETS}?sla_breached=false"), &owner.token)
        .await;
    assert_eq!(subjects(&on_time.body), ["calm"]);
    let shown = app.get(&path(&silent), &owner.token).await;
    assert_eq!(shown.body["sla_breached"], true);
    assert_eq!(shown.body["first_response_at"], Value::Null);
    let answered_now = app.get(&path(&answered), &owner.token).await;
    assert_eq!(answered_now.body["first_response_breached"], false);

    // Downgraded, the ticket gets the low targets from its creation: on time again.
    let relaxed = app
        .patch(&path(&silent), &owner.token, json!({"priority": "low"}))
        .await;
    relaxed.assert_status(StatusCode::OK);
    assert_eq!(relaxed.body["sla_breached"], false);
    assert_eq!(
        (due(&relaxed.body, "resolution_due") - created(&silent)).num_hours(),
        168
    );
    // Resolved late, it stays breached after closing.
    let late = app
        .patch(
            &path(&answered),
            &owner.token,
            json!({"status": "resolved"}),
        )
        .await;
    assert_eq!(
        (
            late.body["resolution_breached"].clone(),
            late.body["sla_breached"].clone()
        ),
        (json!(true), json!(true))
    );
    let breached = app
        .get(&format!("{TICKETS}?sla_breached=true"), &owner.token)
        .await;
    assert_eq!(subjects(&breached.body), ["answered"]);

    let reset = app
        .put("/api/v1/support/sla", &owner.token, json!({"urgent": null}))
        .await;
    assert_eq!(reset.body["urgent"]["first_response_hours"], 1.0);
}

async fn messages_notes_first_response_and_attachments(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = tenant(&app, "acme").await;
    let agent = app.add_user(&owner, "agent@acme.example", "user").await;
    let reader = app
        .add_user(&owner, "reader@acme.example", "readonly")
        .await;
    let created = open_ticket(&app, &owner, ticket("Help")).await;
    let messages = format!("{}/messages", path(&created));
    let post = |session: &Session, body: Value| {
        let (app, token, messages) = (&app, session.token.clone(), messages.clone());
        async move { app.post(&messages, &token, body).await }
    };

    let note = post(
        &agent,
        json!({"message": "Customer sounds upset", "is_internal": true}),
    )
    .await;
    note.assert_status(StatusCode::CREATED);
    assert_eq!(note.body["user_id"], agent.user_id.as_str());
    assert_eq!(
        app.get(&path(&created), &owner.token).await.body["first_response_at"],
        Value::Null
    );

    let reply = post(
        &agent,
        json!({"message": "We're on it", "attachments": [
            {"name": "trace.log", "size": 2048, "content_type": "text/plain; charset=utf-8"},
            {"name": "empty.txt", "size": 0, "content_type": "text/plain"}
        ]}),
    )
    .await;
    reply.assert_status(StatusCode::CREATED);
    assert_eq!(reply.body["attachments"][0]["size"], 2048);
    let first = app.get(&path(&created), &owner.token).await.body["first_response_at"].clone();
    assert_eq!(
        first, reply.body["created_at"],
        "the first reply is the first response"
    );
    post(&owner, json!({"message": "Fixed?"}))
        .await
        .assert_status(StatusCode::CREATED);
    assert_eq!(
        app.get(&path(&created), &owner.token).await.body["first_response_at"],
        first
    );

    let staff = app.get(&messages, &agent.token).await;
    staff.assert_status(StatusCode::OK);
    assert_eq!(staff.body["total"], 3);
    assert_eq!(staff.body["items"][0]["is_internal"], true, "oldest first");
    for (session, query) in [
        (&agent, "?view=customer"),
        (&reader, ""),
        (&reader, "?view=staff"),
    ] {
        let customer = app.get(&format!("{messages}{query}"), &session.token).await;
        customer.assert_status(StatusCode::OK);
        assert_eq!(customer.body["total"], 2, "{query}");
        assert!(
            customer.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|m| m["is_internal"] == false)
        );
    }
    assert_field(
        &app.get(&format!("{messages}?view=everyone"), &owner.token)
            .await,
        "view",
    );
    post(&reader, json!({"message": "hi"}))
        .await
        .assert_status(StatusCode::FORBIDDEN);

    let attach = |item: Value| json!({"message": "m", "attachments": [item]});
    for (body, field) in [
        (json!({}), "message"),
        (json!({"message": ""}), "message"),
        (json!({"message": "m", "is_internal": "no"}), "is_internal"),
        (json!({"message": "m", "user_id": agent.user_id}), "user_id"),
        (
            attach(json!({"size": 1, "content_type": "text/plain"})),
            "attachments[0].name",
        ),
        (
            attach(json!({"name": "a", "size": -5, "content_type": "text/plain"})),
            "attachments[0].size",
        ),
        (
            attach(json!({"name": "a", "content_type": "text/plain"})),
            "attachments[0].size",
        ),
        (
            attach(json!({"name": "a", "size": 1, "content_type": "plain text"})),
            "attachments[0].content_type",
        ),
        (
            json!({"message": "m", "attachments": {"name": "a"}}),
            "attachments",
        ),
    ] {
        assert_field(&post(&owner, body).await, field);
    }
    let missing = format!("{TICKETS}/{UNKNOWN_ID}/messages");
    app.get(&missing, &owner.token)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    app.post(&missing, &owner.token, json!({"message": "m"}))
        .await
        .assert_status(StatusCode::NOT_FOUND);

    app.patch(&path(&created), &owner.token, json!({"status": "closed"}))
        .await
        .assert_status(StatusCode::OK);
    post(&owner, json!({"message": "late"}))
        .await
        .assert_error(StatusCode::CONFLICT, "ticket_closed");
    app.patch(&path(&created), &owner.token, json!({"status": "open"}))
        .await
        .assert_status(StatusCode::OK);
    post(&owner, json!({"message": "back"}))
        .await
        .assert_status(StatusCode::CREATED);
    // Deleting the ticket takes its messages along.
    app.delete(&path(&created), &owner.token)
        .await
        .assert_status(StatusCode::NO_CONTENT);
    app.get(&messages, &owner.token)
        .await
        .assert_status(StatusCode::NOT_FOUND);
}

async fn knowledge_base_views_search_and_publishing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = tenant(&app, "acme").await;
    let reader = app
        .add_user(&owner, "reader@acme.example", "readonly")
        .await;
    let write = |body: Value| {
        let (app, token) = (&app, owner.token.clone());
        async move {
            let response = app.post("/api/v1/support/kb", &token, body).await;
            response.assert_status(StatusCode::CREATED);
            response.body
        }
    };
    let article = write(json!({
        "title": "Reset your password", "content": "Use the forgot link.",
        "category": "accounts", "tags": ["login", "login", " password "]
    }))
    .await;
    assert_eq!(article["tags"], json!(["login", "password"]));
    assert_eq!(
        (
            article["view_count"].clone(),
            article["is_published"].clone()
        ),
        (json!(0), json!(true))
    );
    assert_eq!(article["created_by"], owner.user_id.as_str());
    let draft = write(json!({"title": "Billing (draft)", "content": "How a PASSWORD protects invoices", "is_published": false})).await;
    let article_path = format!("/api/v1/support/kb/{}", id(&article, "kb_id"));
    let draft_path = format!("/api/v1/support/kb/{}", id(&draft, "kb_id"));

    // Twenty concurrent reads count twenty views.
    let reads = (0..20).map(|_| app.get(&article_path, &owner.token));
    for read in futures::future::join_all(reads).await {
        read.assert_status(StatusCode::OK);
    }
    let counted = app
        .get(&format!("{article_path}?view=customer"), &owner.token)
        .await;
    assert_eq!(counted.body["view_count"], 21);
    let by_reader = app.get(&article_path, &reader.token).await;
    by_reader.assert_status(StatusCode::OK);
    assert_eq!(
        by_reader.body["view_count"], 21,
        "a readonly request writes nothing"
    );

    for (session, path) in [
        (&reader, draft_path.clone()),
        (&owner, format!("{draft_path}?view=customer")),
    ] {
        app.get(&path, &session.token)
            .await
            .assert_error(StatusCode::NOT_FOUND, "not_found");
    }
    assert_eq!(
        app.get(&draft_path, &owner.token).await.body["view_count"],
        1
    );

    let titles = |session: &Session, query: &str| {
        let (app, token, url) = (
            &app,
            session.token.clone(),
            format!("/api/v1/support/kb?{query}"),
        );
        async move {
            let response = app.get(&url, &token).await;
            response.assert_status(StatusCode::OK);
            response.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| id(a, "title"))
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        titles(&owner, "q=password&sort=title").await,
        ["Billing (draft)", "Reset your password"]
    );
    assert_eq!(titles(&owner, "q=FORGOT").await, ["Reset your password"]);
    assert_eq!(
        titles(&owner, "q=password&view=customer").await,
        ["Reset your password"]
    );
    assert_eq!(titles(&reader, "q=password").await, ["Reset your password"]);
    assert_eq!(
        titles(&reader, "is_published=false").await,
        Vec::<String>::new()
    );
    assert_eq!(
        titles(&owner, "is_published=false").await,
        ["Billing (draft)"]
    );
    assert_eq!(
        titles(&owner, "category=accounts").await,
        ["Reset your password"]
    );
    assert_eq!(
        titles(&owner, "sort=-view_count").await,
        ["Reset your password", "Billing (draft)"]
    );

    for (body, field) in [
        (json!({"content": "c"}), "title"),
        (json!({"title": "t"}), "content"),
        (
            json!({"title": "t", "content": "c", "tags": "a, b"}),
            "tags",
        ),
        (
            json!({"title": "t", "content": "c", "tags": ["a", ""]}),
            "tags[1]",
        ),
        (
            json!({"title": "t", "content": "c", "view_count": 99}),
            "view_count",
        ),
    ] {
        assert_field(
            &app.post("/api/v1/support/kb", &owner.token, body).await,
            field,
        );
    }
    let published = app
        .patch(&draft_path, &owner.token, json!({"is_published": true}))
        .await;
    published.assert_status(StatusCode::OK);
    assert_eq!(titles(&reader, "q=invoices").await, ["Billing (draft)"]);
    app.post(
        "/api/v1/support/kb",
        &reader.token,
        json!({"title": "t", "content": "c"}),
    )
    .await
    .assert_status(StatusCode::FORBIDDEN);
    app.delete(&draft_path, &owner.token)
        .await
        .assert_status(StatusCode::NO_CONTENT);
    app.get(&draft_path, &owner.token)
        .await
        .assert_status(StatusCode::NOT_FOUND);
}

async fn metrics_per_status_and_priority(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = tenant(&app, "acme").await;
    let mut resolved_hours = Vec::new();
    for (subject, priority, close) in [
        ("a", "high", true),
        ("b", "high", true),
        ("c", "high", false),
        ("d", "low", false),
    ] {
        let created = open_ticket(
            &app,
            &owner,
            json!({"subject": subject, "description": "d", "priority": priority}),
        )
        .await;
        if close {
            tokio::time::sleep(Duration::from_millis(400)).await;
            let resolved = app
                .patch(&path(&created), &owner.token, json!({"status": "resolved"}))
                .await;
            resolved_hours.push(resolved.body["resolution_hours"].as_f64().unwrap());
        }
    }
    let metrics = app.get("/api/v1/support/metrics", &owner.token).await;
    metrics.assert_status(StatusCode::OK);
    assert_eq!(metrics.body["days"], 30);
    let rows: Vec<(String, String, i64)> = metrics.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                id(r, "status"),
                id(r, "priority"),
                r["ticket_count"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("open".to_owned(), "low".to_owned(), 1),
            ("open".to_owned(), "high".to_owned(), 1),
            ("resolved".to_owned(), "high".to_owned(), 2),
        ]
    );
    let mean = resolved_hours.iter().sum::<f64>() / 2.0;
    assert!(
        resolved_hours.iter().all(|h| *h > 0.0),
        "{resolved_hours:?}"
    );
    assert_eq!(
        metrics.body["items"][2]["avg_resolution_hours"],
        (mean * 100.0).round() / 100.0
    );
    assert_eq!(
        metrics.body["items"][0]["avg_resolution_hours"],
        Value::Null
    );
}

async fn concurrent_tickets_get_distinct_consecutive_numbers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = tenant(&app, "acme").await;
    let posts = (0..30).map(|i| app.post(TICKETS, &owner.token, ticket(&format!("burst {i}"))));
    let mut numbers: Vec<String> = futures::future::join_all(posts)
        .await
        .into_iter()
        .map(|response| {
            response.assert_status(StatusCode::CREATED);
            id(&response.body, "ticket_number")
        })
        .collect();
    numbers.sort();
    let expected: Vec<String> = (1..=30).map(|n| format!("TKT-{}-{n:06}", year())).collect();
    assert_eq!(numbers, expected);
    let listed = app.get(&format!("{TICKETS}?limit=1"), &owner.token).await;
    assert_eq!(listed.body["total"], 30);
}

async fn tenants_never_see_each_others_support_data(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let acme = tenant(&app, "acme").await;
    let globex = tenant(&app, "globex").await;
    let theirs = open_ticket(&app, &acme, ticket("Acme secret")).await;
    app.post(
        &format!("{}/messages", path(&theirs)),
        &acme.token,
        json!({"message": "internal", "is_internal": true}),
    )
    .await
    .assert_status(StatusCode::CREATED);
    let article = app
        .post(
            "/api/v1/support/kb",
            &acme.token,
            json!({"title": "Acme only", "content": "c"}),
        )
        .await;
    let article_path = format!("/api/v1/support/kb/{}", id(&article.body, "kb_id"));
    app.put(
        "/api/v1/support/sla",
        &acme.token,
        json!({"low": {"first_response_hours": 2, "resolution_hours": 3}}),
    )
    .await
    .assert_status(StatusCode::OK);

    let ours = open_ticket(&app, &globex, ticket("Globex")).await;
    assert_eq!(
        ours["ticket_number"],
        format!("TKT-{}-000001", year()),
        "numbers are per tenant"
    );
    let messages = format!("{}/messages", path(&theirs));
    for response in [
        app.get(&path(&theirs), &globex.token).await,
        app.patch(&path(&theirs), &globex.token, json!({"status": "closed"}))
            .await,
        app.delete(&path(&theirs), &globex.token).await,
        app.get(&messages, &globex.token).await,
        app.post(&messages, &globex.token, json!({"message": "hi"}))
            .await,
        app.get(&article_path, &globex.token).await,
        app.patch(&article_path, &globex.token, json!({"title": "mine"}))
            .await,
        app.delete(&article_path, &globex.token).await,
    ] {
        response.assert_status(StatusCode::NOT_FOUND);
    }
    let listed = app.get(TICKETS, &globex.token).await;
    assert_eq!(subjects(&listed.body), ["Globex"]);
    assert_eq!(
        app.get("/api/v1/support/kb", &globex.token).await.body["total"],
        0
    );
    assert_eq!(
        app.get("/api/v1/support/sla", &globex.token).await.body["low"]["first_response_hours"],
        24.0
    );
    let metrics = app.get("/api/v1/support/metrics", &globex.token).await;
    assert_eq!(metrics.body["items"].as_array().unwrap().len(), 1);
    // Acme's records are untouched.
    let still = app.get(&path(&theirs), &acme.token).await;
    assert_eq!(
        (still.body["status"].clone(), still.body["subject"].clone()),
        (json!("open"), json!("Acme secret"))
    );
    assert_eq!(app.get(&messages, &acme.token).await.body["total"], 1);
    assert_eq!(
        app.get(&article_path, &acme.token).await.body["title"],
        "Acme only"
    );
}
