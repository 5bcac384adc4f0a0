//! CRM through HTTP, end to end: the bundled `crm` component (with `erp` and
//! `support` for the cross-module parts), served by the real host over a real
//! database.

use eoex_tests::{Backend, Response, Session, TestApp, backend_tests};
use reqwest::StatusCode;
use serde_json::{Value, json};

backend_tests!(
    contacts_crud_and_validation,
    contacts_search_filter_sort_and_paginate,
    contacts_are_isolated_between_tenants,
    contacts_are_assigned_to_active_users_of_the_tenant,
    contact_stats_are_not_shadowed_by_the_contact_route,
    accounts_crud_validation_and_filters,
    opportunities_crud_links_and_stages,
    pipeline_sums_each_stage,
    converting_a_lead_is_atomic_and_happens_once,
    accounts_and_opportunities_are_isolated_between_tenants,
    csv_import_is_all_or_nothing_unless_partial,
    csv_export_follows_the_list_and_imports_back_elsewhere,
    completed_orders_keep_the_lifetime_value,
    customer_360_with_and_without_erp_and_support,
);

fn contact(first: &str, last: &str, email: &str) -> Value {
    json!({"first_name": first, "last_name": last, "email": email})
}

async fn create(app: &TestApp, session: &Session, body: Value) -> Value {
    let response = app.post("/api/v1/crm/contacts", &session.token, body).await;
    response.assert_status(StatusCode::CREATED);
    response.body
}

async fn contacts_crud_and_validation(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = app.signup("acme").await;
    app.enable(&owner, "crm").await;

    let ada = create(&app, &owner, json!({"first_name": "Ada", "last_name": "Lovelace", "email": "Ada@Example.com", "company": "Analytical"})).await;
    let id = ada["contact_id"].as_str().expect("contact_id").to_owned();
    assert_eq!(ada["email"], "ada@example.com");
    assert_eq!(ada["status"], "new", "default status");
    assert!(ada["created_at"].is_string() && ada.get("tenant_id").is_none());
    let path = format!("/api/v1/crm/contacts/{id}");

    let fetched = app.get(&path, &owner.token).await;
    fetched.assert_status(StatusCode::OK);
    assert_eq!(fetched.body["company"], "Analytical");

    let edited = app
        .patch(
            &path,
            &owner.token,
            json!({"status": "qualified", "phone": "+44 20"}),
        )
        .await;
    edited.assert_status(StatusCode::OK);
    assert_eq!(edited.body["status"], "qualified");
    assert_eq!(edited.body["first_name"], "Ada");

    for (body, field) in [
        (contact("", "X", "x@example.com"), "first_name"),
        (contact("X", "X", "not-an-email"), "email"),
        (json!({"first_name": "X", "last_name": "Y"}), "email"),
        (
            json!({"first_name": "X", "last_name": "Y", "email": "s@example.com", "status": "delighted"}),
            "status",
        ),
    ] {
        let response = app.post("/api/v1/crm/contacts", &owner.token, body).await;
        response.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
        assert_eq!(response.body["error"]["field"], field, "{}", response.text);
    }
    app.patch(&path, &owner.token, json!({"email": "bad"}))
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
    let duplicate = app
        .post(
            "/api/v1/crm/contacts",
            &owner.token,
            contact("Other", "Person", "ada@example.com"),
        )
        .await;
    duplicate.assert_status(StatusCode::CONFLICT);
    assert_eq!(duplicate.body["error"]["field"], "email");

    app.get("/api/v1/crm/contacts/not-a-uuid", &owner.token)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    app.delete(&path, &owner.token)
        .await
        .assert_status(StatusCode::NO_CONTENT);
    app.get(&path, &owner.token)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    app.delete(&path, &owner.token)
        .await
        .assert_status(StatusCode::NOT_FOUND);

    // The host audited every write, with old and new values.
    let trail = app
        .get("/api/v1/audit-logs?limit=200", &owner.token)
        .await
        .body;
    let actions: Vec<&str> = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for action in [
        "crm.contacts.create",
        "crm.contacts.update",
        "crm.contacts.delete",
    ] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
    let update = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "crm.contacts.update")
        .unwrap();
    assert_eq!(update["old_values"]["status"], "new");
    assert_eq!(update["new_values"]["status"], "qualified");
    assert_eq!(update["entity_id"], id.as_str());
}

async fn contacts_search_filter_sort_and_paginate(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = app.signup("acme").await;
    app.enable(&owner, "crm").await;
    let people = [
        ("Ada", "Lovelace", "ada@analytical.example", "qualified"),
        ("Charles", "Babbage", "charles@analytical.example", "new"),
        ("Grace", "Hopper", "grace@navy.example", "qualified"),
        ("Alan", "Turing", "alan@bletchley.example", "contacted"),
        ("Katherine", "Johnson", "kj@nasa.example", "new"),
        ("Margaret", "Hamilton", "margaret@nasa.example", "converted"),
        ("Edsger", "Dijkstra", "ewd@tue.example", "new"),
    ];
    for (first, last, email, status) in people {
        let mut body = contact(first, last, email);
        body["status"] = json!(status);
        create(&app, &owner, body).await;
    }
    let list = |query: &str| {
        let path = format!("/api/v1/crm/contacts{query}");
        let token = owner.token.clone();
        let app = &app;
        async move { app.get(&path, &token).await }
    };
    let all = list("").await;
    all.assert_status(StatusCode::OK);
    assert_eq!(all.body["total"], 7);
    assert_eq!(all.body["page"], 1);
    assert_eq!(all.body["limit"], 50);
    assert_eq!(all.body["items"].as_array().unwrap().len(), 7);

    // Search over first name, last name and e-mail, case-insensitively.
    let names = |body: &Value| {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["last_name"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let nasa = list("?search=NASA&sort=last_name").await;
    assert_eq!(names(&nasa.body), ["Hamilton", "Johnson"]);
    assert_eq!(
        names(&list("?search=ada&sort=last_name").await.body),
        ["Lovelace"]
    );
    assert_eq!(names(&list("?search=hop").await.body), ["Hopper"]);
    // Status filter, combined with search.
    let qualified = list("?status=qualified&sort=first_name").await;
    assert_eq!(qualified.body["total"], 2);
    assert_eq!(names(&qualified.body), ["Lovelace", "Hopper"]);
    assert_eq!(list("?status=new&search=analytical").await.body["total"], 1);
    list("?status=delighted")
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
    // Sorting, both ways.
    assert_eq!(
        names(&list("?sort=-last_name&limit=2").await.body),
        ["Turing", "Lovelace"]
    );
    // Pages cover everything exactly once.
    let mut seen = Vec::new();
    for page in 1..=3 {
        let body = list(&format!("?sort=last_name&limit=3&page={page}"))
            .await
            .body;
        assert_eq!(body["total"], 7);
        assert_eq!(body["page"], page);
        assert_eq!(body["limit"], 3);
        seen.extend(names(&body));
    }
    assert_eq!(
        seen,
        [
            "Babbage", "Dijkstra", "Hamilton", "Hopper", "Johnson", "Lovelace", "Turing"
        ]
    );
    assert_eq!(list("?page=4&limit=3").await.body["items"], json!([]));
    for bad in [
        "?limit=0",
        "?limit=201",
        "?page=0",
        "?page=x",
        "?sort=password",
    ] {
        list(bad)
            .await
            .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
    }
}

async fn contacts_are_isolated_between_tenants(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let a = app.signup("acme").await;
    let b = app.signup("globex").await;
    app.enable(&a, "crm").await;
    let ada = create(&app, &a, contact("Ada", "Lovelace", "ada@example.com")).await;
    let path = format!(
        "/api/v1/crm/contacts/{}",
        ada["contact_id"].as_str().unwrap()
    );

    // B has not enabled CRM: 403, by list and by id.
    app.get("/api/v1/crm/contacts", &b.token)
        .await
        .assert_error(StatusCode::FORBIDDEN, "module_not_enabled");
    app.get(&path, &b.token)
        .await
        .assert_error(StatusCode::FORBIDDEN, "module_not_enabled");
    // Once B enables it, B sees none of A's contacts, by any route.
    app.enable(&b, "crm").await;
    let listed = app.get("/api/v1/crm/contacts?search=ada", &b.token).await;
    listed.assert_status(StatusCode::OK);
    assert_eq!(listed.body["total"], 0);
    app.get(&path, &b.token)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    app.patch(&path, &b.token, json!({"first_name": "Pwned"}))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    app.delete(&path, &b.token)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    // The same e-mail is free in B.
    create(&app, &b, contact("Ada", "Other", "ada@example.com")).await;
    // A's contact is untouched.
    let mine = app.get(&path, &a.token).await;
    mine.assert_status(StatusCode::OK);
    assert_eq!(mine.body["first_name"], "Ada");
    assert_eq!(mine.body["last_name"], "Lovelace");
    assert_eq!(
        app.get("/api/v1/crm/contacts", &a.token).await.body["total"],
        1
    );
}

async fn created(response: Response) -> Value {
    response.assert_status(StatusCode::CREATED);
    response.body
}

#[track_caller]
fn assert_invalid(response: &Response, field: &str) {
    response.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
    assert_eq!(response.body["error"]["field"], field, "{}", response.text);
}

fn id(record: &Value, field: &str) -> String {
    record[field]
        .as_str()
        .unwrap_or_else(|| panic!("no {field} in {record}"))
        .to_owned()
}

fn column(body: &Value, name: &str) -> Vec<String> {
    body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {body}"))
        .iter()
        .map(|item| item[name].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn number(value: &Value) -> f64 {
    value
        .as_f64()
        .unwrap_or_else(|| panic!("not a number: {value}"))
}

async fn contacts_are_assigned_to_active_users_of_the_tenant(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = app.signup("acme").await;
    let other = app.signup("globex").await;
    app.enable(&owner, "crm").await;
    let sam = app.add_user(&owner, "sam@acme.example", "user").await;

    let mut ada = contact("Ada", "Lovelace", "ada@example.com");
    ada["assigned_to"] = json!(sam.user_id);
    ada["company"] = json!("Analytical Engines");
    ada["lead_source"] = json!("referral");
    let ada = create(&app, &owner, ada).await;
    assert_eq!(ada["assigned_to"], sam.user_id.as_str());
    assert_eq!(number(&ada["lifetime_value"]), 0.0);
    assert!(ada["last_order_date"].is_null());
    let mut alan = contact("Alan", "Turing", "alan@example.com");
    alan["company"] = json!("Bletchley");
    alan["lead_source"] = json!("web");
    let alan = create(&app, &owner, alan).await;

    // A user of another tenant, or no user at all, is 422 on assigned_to.
    for assignee in [
        other.user_id.as_str(),
        "6f1c2a44-0a1b-4c2d-8e3f-123456789abc",
        "sam",
    ] {
        let mut body = contact("X", "Y", "xy@example.com");
        body["assigned_to"] = json!(assignee);
        assert_invalid(
            &app.post("/api/v1/crm/contacts", &owner.token, body).await,
            "assigned_to",
        );
    }
    let path = format!("/api/v1/crm/contacts/{}", id(&alan, "contact_id"));
    assert_invalid(
        &app.patch(&path, &owner.token, json!({"assigned_to": other.user_id}))
            .await,
        "assigned_to",
    );
    // What CRM keeps itself is not input.
    for field in ["lifetime_value", "last_order_date", "contact_id"] {
        let response = app
            .patch(&path, &owner.token, json!({field: "2026-01-01T00:00:00Z"}))
            .await;
        assert_invalid(&response, field);
    }
    app.patch(&path, &owner.token, json!({"assigned_to": sam.user_id}))
        .await
        .assert_status(StatusCode::OK);

    let list = |query: &'static str| {
        let app = &app;
        let token = owner.token.clone();
        async move {
            let response = app
                .get(
                    &format!("/api/v1/crm/contacts?sort=first_name&{query}"),
                    &token,
                )
                .await;
            response.assert_status(StatusCode::OK);
            column(&response.body, "first_name")
        }
    };
    assert_eq!(list("company=analytical").await, ["Ada"]);
    assert_eq!(list("lead_source=web").await, ["Alan"]);
    assert_eq!(
        app.get(
            &format!(
                "/api/v1/crm/contacts?assigned_to={}&sort=-first_name",
                sam.user_id
            ),
            &owner.token
        )
        .await
        .body["total"],
        2
    );
    assert_eq!(list("sort=-lifetime_value&search=a").await.len(), 2);
    assert_invalid(
        &app.get("/api/v1/crm/contacts?assigned_to=sam", &owner.token)
            .await,
        "assigned_to",
    );

    // Once Sam is deactivated, Sam takes no new contacts.
    app.delete(&format!("/api/v1/users/{}", sam.user_id), &owner.token)
        .await
        .assert_status(StatusCode::NO_CONTENT);
    let mut body = contact("Grace", "Hopper", "grace@example.com");
    body["assigned_to"] = json!(sam.user_id);
    assert_invalid(
        &app.post("/api/v1/crm/contacts", &owner.token, body).await,
        "assigned_to",
    );
}

async fn contact_stats_are_not_shadowed_by_the_contact_route(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = app.signup("acme").await;
    app.enable(&owner, "crm").await;
    for (first, status, company) in [
        ("a", "new", Some("Acme")),
        ("b", "new", Some("Acme")),
        ("c", "qualified", Some("Globex")),
        ("d", "converted", None),
        ("e", "lost", Some("Initech")),
        ("f", "contacted", Some("Globex")),
    ] {
        let mut body = contact(first, "X", &format!("{first}@example.com"));
        body["status"] = json!(status);
        body["company"] = json!(company);
        create(&app, &owner, body).await;
    }
    let stats = app.get("/api/v1/crm/contacts/stats", &owner.token).await;
    stats.assert_status(StatusCode::OK);
    assert_eq!(
        stats.body,
        json!({"total_contacts": 6, "new_leads": 2, "qualified_leads": 1, "converted_leads": 1, "unique_companies": 3})
    );
    // Another tenant's statistics are its own.
    let other = app.signup("globex").await;
    app.enable(&other, "crm").await;
    assert_eq!(
        app.get("/api/v1/crm/contacts/stats", &other.token)
            .await
            .body["total_contacts"],
        0
    );
}

async fn accounts_crud_validation_and_filters(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = app.signup("acme").await;
    app.enable(&owner, "crm").await;
    let acme = created(
        app.post(
            "/api/v1/crm/accounts",
            &owner.token,
            json!({"name": "Acme", "industry": "Manufacturing", "website": "https://acme.example",
                   "annual_revenue": 1250000.5, "employees": 120, "billing_address": "1 Road",
                   "shipping_address": "2 Dock", "metadata": {"tier": "gold"}}),
        )
        .await,
    )
    .await;
    assert_eq!(acme["name"], "Acme");
    assert_eq!(number(&acme["annual_revenue"]), 1250000.5);
    assert_eq!(acme["employees"], 120);
    let path = format!("/api/v1/crm/accounts/{}", id(&acme, "account_id"));
    let fetched = app.get(&path, &owner.token).await;
    fetched.assert_status(StatusCode::OK);
    assert_eq!(fetched.body["metadata"], json!({"tier": "gold"}));

    for (body, field) in [
        (json!({}), "name"),
        (json!({"name": " "}), "name"),
        (json!({"name": "A", "annual_revenue": -1}), "annual_revenue"),
        (json!({"name": "A", "employees": -1}), "employees"),
        (json!({"name": "A", "employees": 1.5}), "employees"),
        (json!({"name": "A", "industry": 5}), "industry"),
        (json!({"name": "A", "account_id": "x"}), "account_id"),
    ] {
        assert_invalid(
            &app.post("/api/v1/crm/accounts", &owner.token, body).await,
            field,
        );
    }
    let edited = app
        .patch(
            &path,
            &owner.token,
            json!({"employees": 150, "website": null}),
        )
        .await;
    edited.assert_status(StatusCode::OK);
    assert_eq!(edited.body["employees"], 150);
    assert!(edited.body["website"].is_null());
    assert_invalid(
        &app.patch(&path, &owner.token, json!({"annual_revenue": "big"}))
            .await,
        "annual_revenue",
    );

    for (name, industry, revenue) in [
        ("Globex", "Energy", 30.0),
        ("Acme Labs", "Research", 20.0),
        ("Initech", "Manufacturing", 5.0),
    ] {
        created(
            app.post(
                "/api/v1/crm/accounts",
                &owner.token,
                json!({"name": name, "industry": industry, "annual_revenue": revenue}),
            )
            .await,
        )
        .await;
    }
    let names = |query: &'static str| {
        let app = &app;
        let token = owner.token.clone();
        async move {
            let response = app
                .get(&format!("/api/v1/crm/accounts{query}"), &token)
                .await;
            response.assert_status(StatusCode::OK);
            (
                column(&response.body, "name"),
                response.body["total"].clone(),
            )
        }
    };
    assert_eq!(
        names("").await.0,
        ["Acme", "Acme Labs", "Globex", "Initech"]
    );
    assert_eq!(
        names("?search=ACME").await,
        (vec!["Acme".to_owned(), "Acme Labs".to_owned()], json!(2))
    );
    assert_eq!(
        names("?industry=Manufacturing&sort=-annual_revenue")
            .await
            .0,
        ["Acme", "Initech"]
    );
    assert_eq!(
        names("?sort=-annual_revenue&limit=2&page=2").await.0,
        ["Acme Labs", "Initech"]
    );
    assert_invalid(
        &app.get("/api/v1/crm/accounts?sort=website", &owner.token)
            .await,
        "sort",
    );
    assert_invalid(
        &app.get("/api/v1/crm/accounts?limit=500", &owner.token)
            .await,
        "limit",
    );

    app.delete(&path, &owner.token)
        .await
        .assert_status(StatusCode::NO_CONTENT);
    app.get(&path, &owner.token)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    app.delete(&path, &owner.token)
        .await
        .assert_status(StatusCode::NOT_FOUND);
}

async fn opportunities_crud_links_and_stages(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = app.signup("acme").await;
    let other = app.signup("globex").await;
    app.enable(&owner, "crm").await;
    app.enable(&other, "crm").await;
    let sam = app.add_user(&owner, "sam@acme.example", "user").await;
    let ada = create(&app, &owner, contact("Ada", "Lovelace", "ada@example.com")).await;
    let acme = created(
        app.post(
            "/api/v1/crm/accounts",
            &owner.token,
            json!({"name": "Acme"}),
        )
        .await,
    )
    .await;
    let foreign_contact = create(&app, &other, contact("Eve", "Other", "eve@example.com")).await;
    let foreign_account = created(
        app.post(
            "/api/v1/crm/accounts",
            &other.token,
            json!({"name": "Globex"}),
        )
        .await,
    )
    .await;

    let deal = created(
        app.post(
            "/api/v1/crm/opportunities",
            &owner.token,
            json!({"name": "Engine", "contact_id": ada["contact_id"], "account_id": acme["account_id"],
                   "amount": 5000, "probability": 40, "close_date": "2026-12-31"}),
        )
        .await,
    )
    .await;
    assert_eq!(deal["stage"], "prospecting");
    assert_eq!(
        deal["owner_id"],
        owner.user_id.as_str(),
        "the caller owns it by default"
    );
    assert_eq!(number(&deal["amount"]), 5000.0);
    assert_eq!(deal["close_date"], "2026-12-31");
    let path = format!("/api/v1/crm/opportunities/{}", id(&deal, "opportunity_id"));
    assert_eq!(app.get(&path, &owner.token).await.body["name"], "Engine");

    for (body, field) in [
        (json!({}), "name"),
        (json!({"name": "D", "amount": -1}), "amount"),
        (json!({"name": "D", "probability": 101}), "probability"),
        (json!({"name": "D", "probability": -1}), "probability"),
        (json!({"name": "D", "stage": "won"}), "stage"),
        (
            json!({"name": "D", "close_date": "2026-02-30"}),
            "close_date",
        ),
        (
            json!({"name": "D", "contact_id": foreign_contact["contact_id"]}),
            "contact_id",
        ),
        (
            json!({"name": "D", "account_id": foreign_account["account_id"]}),
            "account_id",
        ),
        (json!({"name": "D", "owner_id": other.user_id}), "owner_id"),
        (
            json!({"name": "D", "stage": "closed_won", "probability": 10}),
            "probability",
        ),
    ] {
        assert_invalid(
            &app.post("/api/v1/crm/opportunities", &owner.token, body)
                .await,
            field,
        );
    }
    assert_invalid(
        &app.patch(
            &path,
            &owner.token,
            json!({"contact_id": foreign_contact["contact_id"]}),
        )
        .await,
        "contact_id",
    );

    // A kanban moves cards between open stages freely, both ways.
    for stage in ["negotiation", "qualification", "proposal"] {
        let moved = app
            .patch(&path, &owner.token, json!({"stage": stage}))
            .await;
        moved.assert_status(StatusCode::OK);
        assert_eq!(moved.body["stage"], stage);
    }
    let handed = app
        .patch(&path, &owner.token, json!({"owner_id": sam.user_id}))
        .await;
    handed.assert_status(StatusCode::OK);
    assert_eq!(handed.body["owner_id"], sam.user_id.as_str());
    let won = app
        .patch(&path, &owner.token, json!({"stage": "closed_won"}))
        .await;
    won.assert_status(StatusCode::OK);
    assert_eq!(won.body["probability"], 100);
    // Closed is final.
    app.patch(&path, &owner.token, json!({"stage": "negotiation"}))
        .await
        .assert_error(StatusCode::CONFLICT, "stage_closed");
    app.patch(&path, &owner.token, json!({"stage": "closed_lost"}))
        .await
        .assert_error(StatusCode::CONFLICT, "stage_closed");
    assert_eq!(
        app.get(&path, &owner.token).await.body["stage"],
        "closed_won"
    );

    // Filters.
    created(
        app.post(
            "/api/v1/crm/opportunities",
            &owner.token,
            json!({"name": "Second", "contact_id": ada["contact_id"], "stage": "proposal", "amount": 10}),
        )
        .await,
    )
    .await;
    created(
        app.post(
            "/api/v1/crm/opportunities",
            &sam.token,
            json!({"name": "Sam's"}),
        )
        .await,
    )
    .await;
    let names = |query: String| {
        let app = &app;
        let token = owner.token.clone();
        async move {
            let response = app
                .get(
                    &format!("/api/v1/crm/opportunities?sort=name&{query}"),
                    &token,
                )
                .await;
            response.assert_status(StatusCode::OK);
            column(&response.body, "name")
        }
    };
    assert_eq!(names(String::new()).await, ["Engine", "Sam's", "Second"]);
    assert_eq!(names("stage=proposal".into()).await, ["Second"]);
    assert_eq!(
        names(format!("contact_id={}", id(&ada, "contact_id"))).await,
        ["Engine", "Second"]
    );
    assert_eq!(
        names(format!("account_id={}", id(&acme, "account_id"))).await,
        ["Engine"]
    );
    assert_eq!(
        names(format!("owner_id={}", sam.user_id)).await,
        ["Engine", "Sam's"]
    );
    assert_eq!(
        names("sort=-amount".into())
            .await
            .first()
            .map(String::as_str),
        Some("Engine")
    );
    assert_invalid(
        &app.get("/api/v1/crm/opportunities?stage=won", &owner.token)
            .await,
        "stage",
    );

    // A linked contact or account stays until its opportunities go.
    let contact_path = format!("/api/v1/crm/contacts/{}", id(&ada, "contact_id"));
    app.delete(&contact_path, &owner.token)
        .await
        .assert_error(StatusCode::CONFLICT, "contact_in_use");
    let account_path = format!("/api/v1/crm/accounts/{}", id(&acme, "account_id"));
    app.delete(&account_path, &owner.token)
        .await
        .assert_error(StatusCode::CONFLICT, "account_in_use");
    app.delete(&path, &owner.token)
        .await
        .assert_status(StatusCode::NO_CONTENT);
    app.delete(&account_path, &owner.token)
        .await
        .assert_status(StatusCode::NO_CONTENT);
    app.get(&path, &owner.token)
        .await
        .assert_status(StatusCode::NOT_FOUND);
}

async fn pipeline_sums_each_stage(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = app.signup("acme").await;
    app.enable(&owner, "crm").await;
    for (amount, stage, probability) in [
        (1000.0, "prospecting", 10),
        (500.5, "prospecting", 20),
        (2000.0, "proposal", 50),
        (1000.0, "negotiation", 75),
        (300.0, "closed_won", 100),
        (50.0, "closed_lost", 0),
    ] {
        created(
            app.post(
                "/api/v1/crm/opportunities",
                &owner.token,
                json!({"name": "x", "amount": amount, "stage": stage, "probability": probability}),
            )
            .await,
        )
        .await;
    }
    let pipeline = app
        .get("/api/v1/crm/opportunities/pipeline", &owner.token)
        .await;
    pipeline.assert_status(StatusCode::OK);
    let rows: Vec<(String, u64, f64, f64)> = pipeline.body["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row["stage"].as_str().unwrap().to_owned(),
                row["count"].as_u64().unwrap(),
                number(&row["amount"]),
                number(&row["weighted_amount"]),
            )
        })
        .collect();
    let expected = [
        ("prospecting", 2, 1500.5, 200.1),
        ("qualification", 0, 0.0, 0.0),
        ("proposal", 1, 2000.0, 1000.0),
        ("negotiation", 1, 1000.0, 750.0),
        ("closed_won", 1, 300.0, 300.0),
        ("closed_lost", 1, 50.0, 0.0),
    ]
    .map(|(stage, count, amount, weighted)| (stage.to_owned(), count, amount, weighted));
    assert_eq!(rows, expected);
}

async fn converting_a_lead_is_atomic_and_happens_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = app.signup("acme").await;
    app.enable(&owner, "crm").await;
    let ada = create(&app, &owner, contact("Ada", "Lovelace", "ada@example.com")).await;
    let acme = created(
        app.post(
            "/api/v1/crm/accounts",
            &owner.token,
            json!({"name": "Acme"}),
        )
        .await,
    )
    .await;
    let path = format!("/api/v1/crm/contacts/{}/convert", id(&ada, "contact_id"));
    let contact_path = format!("/api/v1/crm/contacts/{}", id(&ada, "contact_id"));

    // A refused conversion changes nothing: the contact stays a lead, no opportunity.
    for (body, field) in [
        (json!({}), "name"),
        (json!({"name": "Deal", "amount": -5}), "amount"),
        (
            json!({"name": "Deal", "close_date": "next week"}),
            "close_date",
        ),
        (
            json!({"name": "Deal", "account_id": "6f1c2a44-0a1b-4c2d-8e3f-123456789abc"}),
            "account_id",
        ),
        (json!({"name": "Deal", "probability": 50}), "probability"),
    ] {
        assert_invalid(&app.post(&path, &owner.token, body).await, field);
    }
    assert_eq!(
        app.get(&contact_path, &owner.token).await.body["status"],
        "new"
    );
    assert_eq!(
        app.get("/api/v1/crm/opportunities", &owner.token)
            .await
            .body["total"],
        0
    );

    let converted = created(
        app.post(
            &path,
            &owner.token,
            json!({"name": "Engine", "amount": 12000, "close_date": "2026-06-30", "account_id": acme["account_id"]}),
        )
        .await,
    )
    .await;
    assert_eq!(converted["contact"]["status"], "converted");
    let deal = &converted["opportunity"];
    assert_eq!(deal["contact_id"], ada["contact_id"]);
    assert_eq!(deal["account_id"], acme["account_id"]);
    assert_eq!(deal["stage"], "prospecting");
    assert_eq!(deal["owner_id"], owner.user_id.as_str());
    assert_eq!(number(&deal["amount"]), 12000.0);
    assert_eq!(
        app.get(&contact_path, &owner.token).await.body["status"],
        "converted"
    );

    app.post(&path, &owner.token, json!({"name": "Again"}))
        .await
        .assert_error(StatusCode::CONFLICT, "already_converted");
    let listed = app.get("/api/v1/crm/opportunities", &owner.token).await;
    assert_eq!(listed.body["total"], 1);
    app.post(
        "/api/v1/crm/contacts/6f1c2a44-0a1b-4c2d-8e3f-123456789abc/convert",
        &owner.token,
        json!({"name": "x"}),
    )
    .await
    .assert_status(StatusCode::NOT_FOUND);

    // Concurrent conversions of one lead: exactly one wins.
    let bob = create(&app, &owner, contact("Bob", "Race", "bob@example.com")).await;
    let path = format!("/api/v1/crm/contacts/{}/convert", id(&bob, "contact_id"));
    let attempts =
        (0..6).map(|i| app.post(&path, &owner.token, json!({"name": format!("attempt {i}")})));
    let statuses: Vec<StatusCode> = futures_statuses(attempts).await;
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::CREATED || *s == StatusCode::CONFLICT),
        "{statuses:?}"
    );
    let bobs = app
        .get(
            &format!(
                "/api/v1/crm/opportunities?contact_id={}",
                id(&bob, "contact_id")
            ),
            &owner.token,
        )
        .await;
    assert_eq!(bobs.body["total"], 1);
}

async fn futures_statuses(
    requests: impl Iterator<Item = impl std::future::Future<Output = Response>>,
) -> Vec<StatusCode> {
    futures::future::join_all(requests)
        .await
        .into_iter()
        .map(|r| r.status)
        .collect()
}

async fn accounts_and_opportunities_are_isolated_between_tenants(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let a = app.signup("acme").await;
    let b = app.signup("globex").await;
    app.enable(&a, "crm").await;
    app.enable(&b, "crm").await;
    let account = created(
        app.post("/api/v1/crm/accounts", &a.token, json!({"name": "Acme"}))
            .await,
    )
    .await;
    let deal = created(
        app.post(
            "/api/v1/crm/opportunities",
            &a.token,
            json!({"name": "Deal", "amount": 100, "account_id": account["account_id"]}),
        )
        .await,
    )
    .await;
    let account_path = format!("/api/v1/crm/accounts/{}", id(&account, "account_id"));
    let deal_path = format!("/api/v1/crm/opportunities/{}", id(&deal, "opportunity_id"));

    for path in [&account_path, &deal_path] {
        app.get(path, &b.token)
            .await
            .assert_status(StatusCode::NOT_FOUND);
        app.patch(path, &b.token, json!({"name": "Pwned"}))
            .await
            .assert_status(StatusCode::NOT_FOUND);
        app.delete(path, &b.token)
            .await
            .assert_status(StatusCode::NOT_FOUND);
    }
    assert_eq!(
        app.get("/api/v1/crm/accounts", &b.token).await.body["total"],
        0
    );
    assert_eq!(
        app.get("/api/v1/crm/opportunities", &b.token).await.body["total"],
        0
    );
    let pipeline = app
        .get("/api/v1/crm/opportunities/pipeline", &b.token)
        .await
        .body;
    assert!(
        pipeline["stages"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["count"] == 0),
        "{pipeline}"
    );
    // B cannot link A's account either.
    assert_invalid(
        &app.post(
            "/api/v1/crm/opportunities",
            &b.token,
            json!({"name": "Steal", "account_id": account["account_id"]}),
        )
        .await,
        "account_id",
    );
    assert_eq!(app.get(&account_path, &a.token).await.body["name"], "Acme");
    assert_eq!(app.get(&deal_path, &a.token).await.body["name"], "Deal");
}

/// Sends a CSV body (the harness's helpers send JSON).
async fn post_csv(app: &TestApp, path: &str, token: &str, body: &str) -> Response {
    let response = app
        .client
        .post(app.url(path))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(body.to_owned())
        .send()
        .await
        .expect("request sent");
    Response::from(response).await
}

async fn csv_import_is_all_or_nothing_unless_partial(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = app.signup("acme").await;
    let other = app.signup("globex").await;
    app.enable(&owner, "crm").await;
    create(&app, &owner, contact("Old", "Timer", "old@example.com")).await;
    let csv = format!(
        "first_name,last_name,email,company,status,assigned_to\r\n\
         Ada,Lovelace,ada@example.com,\"Analytical, Ltd\",qualified,{owner_id}\r\n\
         ,Nameless,not-an-email,,won,\r\n\
         Ada,Twice,ADA@example.com,,,\r\n\
         Old,Again,old@example.com,,,\r\n\
         Eve,Outsider,eve@example.com,,,{other_id}\r\n\
         Alan,Turing,alan@example.com,,,\r\n",
        owner_id = owner.user_id,
        other_id = other.user_id,
    );
    let expected: Vec<(u64, &str)> = vec![
        (3, "first_name"),
        (3, "email"),
        (3, "status"),
        (4, "email"),
        (5, "email"),
        (6, "assigned_to"),
    ];
    let errors = |body: &Value| -> Vec<(u64, String)> {
        body["errors"]
            .as_array()
            .unwrap_or_else(|| panic!("no errors in {body}"))
            .iter()
            .map(|e| {
                (
                    e["row"].as_u64().unwrap(),
                    e["field"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    };
    let expected: Vec<(u64, String)> = expected
        .into_iter()
        .map(|(r, f)| (r, f.to_owned()))
        .collect();

    let refused = post_csv(&app, "/api/v1/crm/contacts/import", &owner.token, &csv).await;
    refused.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
    assert_eq!(refused.body["imported"], 0);
    assert_eq!(errors(&refused.body), expected);
    assert_eq!(
        app.get("/api/v1/crm/contacts", &owner.token).await.body["total"],
        1,
        "nothing imported"
    );

    let partial = post_csv(
        &app,
        "/api/v1/crm/contacts/import?partial=true",
        &owner.token,
        &csv,
    )
    .await;
    partial.assert_status(StatusCode::CREATED);
    assert_eq!(partial.body["imported"], 2);
    assert_eq!(errors(&partial.body), expected);
    let listed = app
        .get("/api/v1/crm/contacts?sort=email", &owner.token)
        .await
        .body;
    assert_eq!(
        column(&listed, "email"),
        ["ada@example.com", "alan@example.com", "old@example.com"]
    );
    let ada = &listed["items"][0];
    assert_eq!(ada["company"], "Analytical, Ltd");
    assert_eq!(ada["status"], "qualified");
    assert_eq!(ada["assigned_to"], owner.user_id.as_str());

    // A fully valid file imports everything.
    let clean = post_csv(
        &app,
        "/api/v1/crm/contacts/import",
        &owner.token,
        "email,last_name,first_name\ngrace@example.com,Hopper,Grace\nkj@example.com,Johnson,Katherine\n",
    )
    .await;
    clean.assert_status(StatusCode::CREATED);
    assert_eq!(clean.body, json!({"imported": 2, "errors": []}));

    // The file itself.
    for (body, field) in [
        (
            "first_name,last_name,email,shoe_size\na,b,c@example.com,42\n",
            "shoe_size",
        ),
        ("first_name,last_name\na,b\n", "email"),
    ] {
        assert_invalid(
            &post_csv(&app, "/api/v1/crm/contacts/import", &owner.token, body).await,
            field,
        );
    }
    post_csv(
        &app,
        "/api/v1/crm/contacts/import",
        &owner.token,
        "first_name,last_name,email\n\"open,b,c\n",
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "bad_request");
    app.post(
        "/api/v1/crm/contacts/import",
        &owner.token,
        json!({"first_name": "x"}),
    )
    .await
    .assert_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
    let readonly = app.add_user(&owner, "ro@acme.example", "readonly").await;
    let denied = post_csv(
        &app,
        "/api/v1/crm/contacts/import",
        &readonly.token,
        "first_name,last_name,email\nr,o,ro-import@example.com\n",
    )
    .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN, "{}", denied.text);
    assert_eq!(
        app.get("/api/v1/crm/contacts", &owner.token).await.body["total"],
        5
    );
}

async fn csv_export_follows_the_list_and_imports_back_elsewhere(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let a = app.signup("acme").await;
    let b = app.signup("globex").await;
    app.enable(&a, "crm").await;
    app.enable(&b, "crm").await;
    for (first, status, phone, company) in [
        (
            "Ada",
            "qualified",
            "+44 20 7946 0000",
            "=HYPERLINK(\"http://evil.example\")",
        ),
        ("Alan", "new", "-", "Bletchley, Park"),
        ("Grace", "qualified", "@home", "Navy \"Yard\""),
    ] {
        let mut body = contact(first, "X", &format!("{}@example.com", first.to_lowercase()));
        body["status"] = json!(status);
        body["phone"] = json!(phone);
        body["company"] = json!(company);
        body["department"] = json!(format!("{first}'s team\nsecond floor"));
        body["metadata"] = json!({"note": "a, \"quoted\" note"});
        create(&app, &a, body).await;
    }
    // Enough contacts that the export spans two store pages.
    let mut bulk = String::from("first_name,last_name,email,lead_source\n");
    for i in 0..210 {
        bulk.push_str(&format!("Bulk,{i:04},bulk{i:04}@example.com,import\n"));
    }
    post_csv(&app, "/api/v1/crm/contacts/import", &a.token, &bulk)
        .await
        .assert_status(StatusCode::CREATED);

    let export = app
        .get(
            "/api/v1/crm/contacts/export?status=qualified&sort=-first_name&limit=1",
            &a.token,
        )
        .await;
    export.assert_status(StatusCode::OK);
    assert_eq!(
        export.header("content-type"),
        Some("text/csv; charset=utf-8")
    );
    assert_eq!(
        export.header("content-disposition"),
        Some("attachment; filename=\"contacts.csv\"")
    );
    let lines: Vec<&str> = export.text.split("\r\n").collect();
    assert!(
        lines[0].starts_with("contact_id,first_name,last_name,company,email,phone,"),
        "{}",
        lines[0]
    );
    // Records end with CRLF; the line break inside a department is quoted.
    assert_eq!(lines.len(), 4, "header, Grace, Ada, end: {lines:?}");
    assert!(
        lines[1].contains("\"Grace's team\nsecond floor\""),
        "{}",
        lines[1]
    );
    assert!(
        lines[1].contains(",Grace,X,\"Navy \"\"Yard\"\"\",grace@example.com,'@home,"),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].contains(
            ",Ada,X,\"'=HYPERLINK(\"\"http://evil.example\"\")\",ada@example.com,'+44 20 7946 0000,"
        ),
        "{}",
        lines[2]
    );

    let everything = app
        .get("/api/v1/crm/contacts/export?sort=email", &a.token)
        .await;
    everything.assert_status(StatusCode::OK);
    assert_eq!(
        everything.text.matches("@example.com,").count(),
        213,
        "every page"
    );
    let bulk_only = app
        .get(
            "/api/v1/crm/contacts/export?lead_source=import&search=bulk01",
            &a.token,
        )
        .await;
    assert_eq!(bulk_only.text.matches("@example.com,").count(), 100);
    assert_invalid(
        &app.get("/api/v1/crm/contacts/export?sort=phone", &a.token)
            .await,
        "sort",
    );

    // The export imports into another tenant as the same contacts.
    let imported = post_csv(
        &app,
        "/api/v1/crm/contacts/import",
        &b.token,
        &everything.text,
    )
    .await;
    imported.assert_status(StatusCode::CREATED);
    assert_eq!(imported.body["imported"], 213);
    let strip = |list: Value| -> Vec<Value> {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let mut c = c.clone();
                for kept in ["contact_id", "created_at", "updated_at"] {
                    c.as_object_mut().unwrap().remove(kept);
                }
                c
            })
            .collect()
    };
    for page in 1..=2 {
        let path = format!("/api/v1/crm/contacts?sort=email&limit=200&page={page}");
        let (from_a, from_b) = (
            app.get(&path, &a.token).await.body,
            app.get(&path, &b.token).await.body,
        );
        assert_eq!(strip(from_a), strip(from_b), "page {page}");
    }
    assert_eq!(
        app.get("/api/v1/crm/contacts", &b.token).await.body["total"],
        213
    );
}

/// Places an order for `customer` in ERP and moves it to `status` through the flow.
async fn order(
    app: &TestApp,
    session: &Session,
    customer: &Value,
    product: &Value,
    quantity: u32,
    status: &str,
) -> Value {
    let placed = created(
        app.post(
            "/api/v1/erp/orders",
            &session.token,
            json!({"customer_id": customer, "items": [{"product_id": product["product_id"], "quantity": quantity}]}),
        )
        .await,
    )
    .await;
    let path = format!("/api/v1/erp/orders/{}/status", id(&placed, "order_id"));
    let flow: &[&str] = match status {
        "completed" => &["confirmed", "shipped", "completed"],
        "shipped" => &["confirmed", "shipped"],
        "cancelled" => &["cancelled"],
        _ => &[],
    };
    let mut order = placed;
    for next in flow {
        let moved = app
            .post(&path, &session.token, json!({"status": next}))
            .await;
        moved.assert_status(StatusCode::OK);
        order = moved.body;
    }
    order
}

async fn product(app: &TestApp, session: &Session, sku: &str, price: f64) -> Value {
    created(
        app.post(
            "/api/v1/erp/products",
            &session.token,
            json!({"sku": sku, "name": sku, "unit_price": price, "stock_quantity": 100}),
        )
        .await,
    )
    .await
}

async fn completed_orders_keep_the_lifetime_value(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = app.signup("acme").await;
    app.enable(&owner, "crm").await;
    app.enable(&owner, "erp").await;
    let ada = create(&app, &owner, contact("Ada", "Lovelace", "ada@example.com")).await;
    let alan = create(&app, &owner, contact("Alan", "Turing", "alan@example.com")).await;
    let widget = product(&app, &owner, "W-1", 12.5).await;
    let path = format!("/api/v1/crm/contacts/{}", id(&ada, "contact_id"));

    let first = order(&app, &owner, &ada["contact_id"], &widget, 4, "completed").await;
    let after_first = app.get(&path, &owner.token).await.body;
    assert_eq!(number(&after_first["lifetime_value"]), 50.0);
    let day = |v: &Value| {
        v.as_str()
            .unwrap_or_default()
            .get(..19)
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(
        day(&after_first["last_order_date"]),
        day(&first["order_date"])
    );

    // Pending, cancelled and other customers' orders do not count.
    order(&app, &owner, &ada["contact_id"], &widget, 1, "pending").await;
    order(&app, &owner, &ada["contact_id"], &widget, 1, "cancelled").await;
    order(&app, &owner, &alan["contact_id"], &widget, 10, "completed").await;
    order(&app, &owner, &Value::Null, &widget, 3, "completed").await;
    assert_eq!(
        number(&app.get(&path, &owner.token).await.body["lifetime_value"]),
        50.0
    );

    let second = order(&app, &owner, &ada["contact_id"], &widget, 2, "completed").await;
    let after_second = app.get(&path, &owner.token).await.body;
    assert_eq!(number(&after_second["lifetime_value"]), 75.0);
    assert_eq!(
        day(&after_second["last_order_date"]),
        day(&second["order_date"])
    );
    let alan = app
        .get(
            &format!("/api/v1/crm/contacts/{}", id(&alan, "contact_id")),
            &owner.token,
        )
        .await
        .body;
    assert_eq!(number(&alan["lifetime_value"]), 125.0);

    // Orders of one contact completing at the same moment all count.
    let mut shipped = Vec::new();
    for quantity in 1..=5 {
        shipped.push(
            order(
                &app,
                &owner,
                &ada["contact_id"],
                &widget,
                quantity,
                "shipped",
            )
            .await,
        );
    }
    let paths: Vec<String> = shipped
        .iter()
        .map(|o| format!("/api/v1/erp/orders/{}/status", id(o, "order_id")))
        .collect();
    let completions = paths
        .iter()
        .map(|path| app.post(path, &owner.token, json!({"status": "completed"})));
    let statuses = futures_statuses(completions).await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
    let after_race = app.get(&path, &owner.token).await.body;
    assert_eq!(number(&after_race["lifetime_value"]), 75.0 + 15.0 * 12.5);

    // Sortable by it.
    let ranked = app
        .get("/api/v1/crm/contacts?sort=-lifetime_value", &owner.token)
        .await
        .body;
    assert_eq!(column(&ranked, "first_name"), ["Ada", "Alan"]);
    // No handler failed along the way.
    let failures: Vec<String> = app
        .system_logs()
        .await
        .into_iter()
        .filter(|m| m.contains("event handler failed"))
        .collect();
    assert!(failures.is_empty(), "{failures:?}");
}

async fn customer_360_with_and_without_erp_and_support(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = app.signup("acme").await;
    app.enable(&owner, "crm").await;
    let ada = create(&app, &owner, contact("Ada", "Lovelace", "ada@example.com")).await;
    let alan = create(&app, &owner, contact("Alan", "Turing", "alan@example.com")).await;
    let path = format!("/api/v1/crm/contacts/{}/360", id(&ada, "contact_id"));

    // CRM alone: the ERP and Support parts are null, not an error.
    let alone = app.get(&path, &owner.token).await;
    alone.assert_status(StatusCode::OK);
    assert_eq!(alone.body["contact"]["email"], "ada@example.com");
    for key in [
        "total_orders",
        "lifetime_value",
        "last_order_date",
        "total_tickets",
        "open_tickets",
    ] {
        assert!(alone.body[key].is_null(), "{key}: {}", alone.body);
    }

    // With ERP: orders of this contact only; lifetime value over completed ones.
    app.enable(&owner, "erp").await;
    let widget = product(&app, &owner, "W-1", 10.0).await;
    let completed = order(&app, &owner, &ada["contact_id"], &widget, 3, "completed").await;
    order(&app, &owner, &ada["contact_id"], &widget, 1, "pending").await;
    order(&app, &owner, &alan["contact_id"], &widget, 7, "completed").await;
    let with_erp = app.get(&path, &owner.token).await.body;
    assert_eq!(with_erp["total_orders"], 2);
    assert_eq!(number(&with_erp["lifetime_value"]), 30.0);
    assert_eq!(
        with_erp["last_order_date"]
            .as_str()
            .and_then(|d| d.get(..19)),
        completed["order_date"].as_str().and_then(|d| d.get(..19))
    );
    assert!(
        with_erp["total_tickets"].is_null() && with_erp["open_tickets"].is_null(),
        "{with_erp}"
    );

    // With Support too: tickets of this contact, open ones apart.
    app.enable(&owner, "support").await;
    let mut tickets = Vec::new();
    for contact in [&ada, &ada, &ada, &alan] {
        let ticket = created(
            app.post(
                "/api/v1/support/tickets",
                &owner.token,
                json!({"subject": "Help", "description": "It broke", "contact_id": contact["contact_id"]}),
            )
            .await,
        )
        .await;
        tickets.push(ticket);
    }
    for (ticket, status) in [(&tickets[0], "resolved"), (&tickets[1], "in_progress")] {
        app.patch(
            &format!("/api/v1/support/tickets/{}", id(ticket, "ticket_id")),
            &owner.token,
            json!({"status": status}),
        )
        .await
        .assert_status(StatusCode::OK);
    }
    let full = app.get(&path, &owner.token).await.body;
    assert_eq!(
        (full["total_tickets"].clone(), full["open_tickets"].clone()),
        (json!(3), json!(2)),
        "{full}"
    );
    assert_eq!(full["total_orders"], 2);

    // Turning ERP off again hides its part; Support's stays.
    app.put(
        "/api/v1/tenant/modules/erp",
        &owner.token,
        json!({"enabled": false}),
    )
    .await
    .assert_status(StatusCode::OK);
    let without_erp = app.get(&path, &owner.token).await.body;
    assert!(
        without_erp["total_orders"].is_null() && without_erp["lifetime_value"].is_null(),
        "{without_erp}"
    );
    assert_eq!(without_erp["total_tickets"], 3);

    // Another tenant sees none of it.
    let other = app.signup("globex").await;
    app.enable(&other, "crm").await;
    app.get(&path, &other.token)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    app.get("/api/v1/crm/contacts/not-a-uuid/360", &owner.token)
        .await
        .assert_status(StatusCode::NOT_FOUND);
}
