//! CRM contacts through HTTP, end to end: the bundled `crm` component, served by the
//! real host over a real database.

use eoex_tests::{Backend, Session, TestApp, backend_tests};
use reqwest::StatusCode;
use serde_json::{Value, json};

backend_tests!(
    contacts_crud_and_validation,
    contacts_search_filter_sort_and_paginate,
    contacts_are_isolated_between_tenants
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
