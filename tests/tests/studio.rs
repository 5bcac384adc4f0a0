//! Studio through HTTP, end to end: the bundled `studio` component (campaigns, their
//! audience among CRM contacts, content, metrics), served by the real host over a real
//! database, beside the bundled `crm`.

use eoex_tests::{Backend, Session, TestApp, backend_tests};
use reqwest::StatusCode;
use serde_json::{Value, json};

backend_tests!(
    campaigns_crud_validation_and_lists,
    campaign_status_moves_and_dates,
    audience_selects_crm_contacts_of_the_tenant,
    audience_needs_crm_enabled,
    content_per_campaign_through_review,
    deleting_a_campaign_deletes_its_content_and_metrics,
    metrics_are_recorded_and_reported,
    studio_is_isolated_between_tenants,
);

const CAMPAIGNS: &str = "/api/v1/studio/campaigns";
const CONTENT: &str = "/api/v1/studio/content";

async fn create(app: &TestApp, session: &Session, path: &str, body: Value) -> Value {
    let response = app.post(path, &session.token, body).await;
    response.assert_status(StatusCode::CREATED);
    response.body
}

async fn campaign(app: &TestApp, session: &Session, body: Value) -> String {
    let created = create(app, session, CAMPAIGNS, body).await;
    created["campaign_id"]
        .as_str()
        .expect("campaign_id")
        .to_owned()
}

/// Asserts a 422 naming `field`.
#[track_caller]
fn assert_invalid(response: &eoex_tests::Response, field: &str) {
    response.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
    assert_eq!(response.body["error"]["field"], field, "{}", response.text);
}

fn strings(body: &Value, key: &str) -> Vec<String> {
    body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| item[key].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn campaigns_crud_validation_and_lists(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = app.signup("acme").await;
    app.enable(&owner, "studio").await;

    let spring = create(
        &app,
        &owner,
        CAMPAIGNS,
        json!({
            "name": " Spring launch ", "campaign_type": "email", "budget": 2500.75,
            "start_date": "2026-03-01", "end_date": "2026-03-31",
            "target_audience": {"status": ["new", "qualified"], "company": "Acme"},
            "metadata": {"owner_team": "growth"},
        }),
    )
    .await;
    assert_eq!(spring["name"], "Spring launch");
    assert_eq!(spring["status"], "draft");
    assert_eq!(spring["created_by"], owner.user_id.as_str());
    assert_eq!(spring["budget"].as_f64(), Some(2500.75));
    assert_eq!(spring["start_date"], "2026-03-01");
    assert_eq!(
        spring["target_audience"],
        json!({"status": ["new", "qualified"], "company": "Acme"})
    );
    assert!(spring.get("tenant_id").is_none());
    let id = spring["campaign_id"].as_str().unwrap();
    let path = format!("{CAMPAIGNS}/{id}");

    let fetched = app.get(&path, &owner.token).await;
    fetched.assert_status(StatusCode::OK);
    assert_eq!(fetched.body, spring);

    let valid = json!({"name": "X", "campaign_type": "ads"});
    let with = |field: &str, value: Value| {
        let mut body = valid.clone();
        body[field] = value;
        body
    };
    for (body, field) in [
        (json!({"campaign_type": "ads"}), "name"),
        (with("name", json!("")), "name"),
        (with("name", json!("n".repeat(256))), "name"),
        (json!({"name": "X"}), "campaign_type"),
        (with("campaign_type", json!("billboard")), "campaign_type"),
        (with("status", json!("active")), "status"),
        (with("start_date", json!("2026-02-30")), "start_date"),
        (
            json!({"name": "X", "campaign_type": "ads", "start_date": "2026-03-02", "end_date": "2026-03-01"}),
            "end_date",
        ),
        (with("budget", json!(-0.01)), "budget"),
        (with("budget", json!(10.001)), "budget"),
        (
            with("target_audience", json!(["everyone"])),
            "target_audience",
        ),
        (
            with("target_audience", json!({"shoe_size": 44})),
            "target_audience",
        ),
        (
            with("target_audience", json!({"status": "won"})),
            "target_audience",
        ),
        (
            with("target_audience", json!({"assigned_to": "not-a-user"})),
            "target_audience",
        ),
        (with("metadata", json!("x")), "metadata"),
        (with("created_by", json!(owner.user_id)), "created_by"),
        (with("campaign_id", json!(owner.user_id)), "campaign_id"),
        (with("colour", json!("red")), "colour"),
    ] {
        let response = app.post(CAMPAIGNS, &owner.token, body.clone()).await;
        assert_invalid(&response, field);
    }
    app.patch(&path, &owner.token, json!({"created_by": owner.user_id}))
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");

    let edited = app
        .patch(
            &path,
            &owner.token,
            json!({"name": "Spring launch 2026", "budget": null, "target_audience": null}),
        )
        .await;
    edited.assert_status(StatusCode::OK);
    assert_eq!(edited.body["name"], "Spring launch 2026");
    assert_eq!(edited.body["budget"], Value::Null);
    assert_eq!(edited.body["target_audience"], json!({}));
    assert_eq!(edited.body["created_by"], owner.user_id.as_str());

    // A user creates one too, and is its creator; a readonly user only reads.
    let user = app.add_user(&owner, "user@acme.example", "user").await;
    let webinar = create(
        &app,
        &user,
        CAMPAIGNS,
        json!({"name": "Autumn webinar", "campaign_type": "webinar", "budget": 300}),
    )
    .await;
    assert_eq!(webinar["created_by"], user.user_id.as_str());
    let reader = app
        .add_user(&owner, "reader@acme.example", "readonly")
        .await;
    app.post(CAMPAIGNS, &reader.token, valid.clone())
        .await
        .assert_status(StatusCode::FORBIDDEN);
    app.get(&path, &reader.token)
        .await
        .assert_status(StatusCode::OK);
    campaign(
        &app,
        &owner,
        json!({"name": "Summer ads", "campaign_type": "ads", "budget": 900}),
    )
    .await;
    campaign(
        &app,
        &owner,
        json!({"name": "Launch party", "campaign_type": "event", "budget": 5000}),
    )
    .await;
    let active = app
        .post(
            &format!("{path}/status"),
            &owner.token,
            json!({"status": "active"}),
        )
        .await;
    active.assert_status(StatusCode::OK);

    let list = |query: &'static str| {
        let token = owner.token.clone();
        let app = &app;
        async move {
            let response = app.get(&format!("{CAMPAIGNS}{query}"), &token).await;
            response.assert_status(StatusCode::OK);
            response.body
        }
    };
    let all = list("").await;
    assert_eq!(
        (
            all["total"].clone(),
            all["page"].clone(),
            all["limit"].clone()
        ),
        (json!(4), json!(1), json!(50))
    );
    assert_eq!(
        strings(&all, "name"),
        [
            "Launch party",
            "Summer ads",
            "Autumn webinar",
            "Spring launch 2026"
        ],
        "newest first by default"
    );
    assert_eq!(
        strings(&list("?search=LAUNCH&sort=name").await, "name"),
        ["Launch party", "Spring launch 2026"]
    );
    assert_eq!(
        strings(&list("?campaign_type=webinar").await, "name"),
        ["Autumn webinar"]
    );
    assert_eq!(
        strings(&list("?status=active").await, "name"),
        ["Spring launch 2026"]
    );
    assert_eq!(
        strings(&list("?status=draft&sort=-budget").await, "name"),
        ["Launch party", "Summer ads", "Autumn webinar"]
    );
    let second = list("?sort=name&limit=3&page=2").await;
    assert_eq!(second["total"], 4);
    assert_eq!(strings(&second, "name"), ["Summer ads"]);
    for (query, field) in [
        ("?status=won", "status"),
        ("?campaign_type=fax", "campaign_type"),
        ("?sort=target_audience", "sort"),
        ("?limit=201", "limit"),
        ("?page=0", "page"),
    ] {
        assert_invalid(
            &app.get(&format!("{CAMPAIGNS}{query}"), &owner.token).await,
            field,
        );
    }

    app.delete(&path, &owner.token)
        .await
        .assert_status(StatusCode::NO_CONTENT);
    app.get(&path, &owner.token)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    app.delete(&path, &owner.token)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    app.get(&format!("{CAMPAIGNS}/not-a-uuid"), &owner.token)
        .await
        .assert_status(StatusCode::NOT_FOUND);
}

async fn campaign_status_moves_and_dates(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = app.signup("acme").await;
    app.enable(&owner, "studio").await;
    let id = campaign(
        &app,
        &owner,
        json!({"name": "C", "campaign_type": "social"}),
    )
    .await;
    let path = format!("{CAMPAIGNS}/{id}");
    let status_path = format!("{path}/status");

    // The legal moves, by the status route and by PATCH; anything else is 409 and
    // changes nothing.
    let moves = [
        ("completed", false),
        ("paused", false),
        ("scheduled", true),
        ("draft", true),
        ("active", true),
        ("scheduled", false),
        ("draft", false),
        ("paused", true),
        ("active", true),
        ("paused", true),
        ("completed", true),
        ("active", false),
        ("paused", false),
        ("draft", false),
        ("scheduled", false),
    ];
    let mut current = "draft";
    for (index, (to, legal)) in moves.into_iter().enumerate() {
        let body = json!({"status": to});
        let response = if index % 2 == 0 {
            app.post(&status_path, &owner.token, body).await
        } else {
            app.patch(&path, &owner.token, body).await
        };
        if legal {
            response.assert_status(StatusCode::OK);
            assert_eq!(response.body["status"], to);
            current = to;
        } else {
            response.assert_error(StatusCode::CONFLICT, "illegal_transition");
            assert!(
                response.body["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains(current),
                "{}",
                response.text
            );
        }
        assert_eq!(app.get(&path, &owner.token).await.body["status"], current);
    }
    // Staying put is no move.
    app.post(&status_path, &owner.token, json!({"status": "completed"}))
        .await
        .assert_status(StatusCode::OK);
    assert_invalid(
        &app.post(&status_path, &owner.token, json!({"status": "cancelled"}))
            .await,
        "status",
    );
    assert_invalid(
        &app.post(&status_path, &owner.token, json!({})).await,
        "status",
    );
    assert_invalid(
        &app.post(
            &status_path,
            &owner.token,
            json!({"status": "completed", "name": "x"}),
        )
        .await,
        "name",
    );
    app.post(
        &format!("{CAMPAIGNS}/{}/status", owner.user_id),
        &owner.token,
        json!({"status": "active"}),
    )
    .await
    .assert_status(StatusCode::NOT_FOUND);

    // Dates: a PATCH of either is checked against the stored other one.
    let id = campaign(
        &app,
        &owner,
        json!({"name": "Dated", "campaign_type": "event", "start_date": "2026-05-10"}),
    )
    .await;
    let path = format!("{CAMPAIGNS}/{id}");
    let patch = |body: Value| {
        let app = &app;
        let path = path.clone();
        let token = owner.token.clone();
        async move { app.patch(&path, &token, body).await }
    };
    assert_invalid(&patch(json!({"end_date": "2026-05-09"})).await, "end_date");
    patch(json!({"end_date": "2026-05-10"}))
        .await
        .assert_status(StatusCode::OK);
    assert_invalid(
        &patch(json!({"start_date": "2026-05-11"})).await,
        "end_date",
    );
    assert_invalid(&patch(json!({"end_date": "10 May"})).await, "end_date");
    let both = patch(json!({"start_date": "2026-06-01", "end_date": "2026-06-30"})).await;
    both.assert_status(StatusCode::OK);
    assert_eq!(
        (
            both.body["start_date"].clone(),
            both.body["end_date"].clone()
        ),
        (json!("2026-06-01"), json!("2026-06-30"))
    );
    let cleared = patch(json!({"start_date": null})).await;
    cleared.assert_status(StatusCode::OK);
    assert_eq!(cleared.body["start_date"], Value::Null);
    patch(json!({"start_date": "2026-07-01"}))
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
    assert_invalid(&patch(json!({"budget": -5})).await, "budget");
}

/// Creates CRM contacts `(last_name, company, status)` in the session's tenant.
async fn contacts(app: &TestApp, session: &Session, people: &[(&str, &str, &str)]) -> Vec<Value> {
    let mut created = Vec::new();
    for (last, company, status) in people {
        let email = format!(
            "{}.{}@example.com",
            last.to_lowercase(),
            company.to_lowercase()
        );
        created.push(
            create(
                app,
                session,
                "/api/v1/crm/contacts",
                json!({"first_name": "Pat", "last_name": last, "email": email,
                       "company": company, "status": status, "lead_source": "webinar"}),
            )
            .await,
        );
    }
    created
}

async fn audience_selects_crm_contacts_of_the_tenant(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let a = app.signup("acme").await;
    let b = app.signup("globex").await;
    for session in [&a, &b] {
        app.enable(session, "crm").await;
        app.enable(session, "studio").await;
    }
    contacts(
        &app,
        &a,
        &[
            ("Adams", "Acme", "new"),
            ("Baker", "Acme", "qualified"),
            ("Clark", "Acme", "lost"),
            ("Davis", "Initech", "new"),
            ("Evans", "Acme", "new"),
            ("Foster", "Acme", "contacted"),
            ("Garcia", "Acme", "qualified"),
        ],
    )
    .await;
    // B's contacts match A's audience too, but are B's.
    contacts(
        &app,
        &b,
        &[("Baker", "Acme", "new"), ("Hughes", "Acme", "qualified")],
    )
    .await;

    let id = campaign(
        &app,
        &a,
        json!({"name": "Acme prospects", "campaign_type": "email",
               "target_audience": {"company": "Acme", "status": ["new", "qualified"]}}),
    )
    .await;
    let audience = format!("{CAMPAIGNS}/{id}/audience");
    let all = app.get(&audience, &a.token).await;
    all.assert_status(StatusCode::OK);
    assert_eq!(all.body["total"], 4);
    assert_eq!(
        strings(&all.body, "last_name"),
        ["Adams", "Baker", "Evans", "Garcia"]
    );
    assert!(
        all.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["company"] == "Acme" && c["contact_id"].is_string())
    );
    // Pages of the same audience.
    let second = app
        .get(&format!("{audience}?limit=3&page=2"), &a.token)
        .await;
    second.assert_status(StatusCode::OK);
    assert_eq!(
        (
            second.body["total"].clone(),
            second.body["page"].clone(),
            second.body["limit"].clone()
        ),
        (json!(4), json!(2), json!(3))
    );
    assert_eq!(strings(&second.body, "last_name"), ["Garcia"]);
    let by_name = app
        .get(&format!("{audience}?sort=-last_name&limit=2"), &a.token)
        .await;
    assert_eq!(strings(&by_name.body, "last_name"), ["Garcia", "Evans"]);
    assert_invalid(
        &app.get(&format!("{audience}?limit=0"), &a.token).await,
        "limit",
    );
    assert_invalid(
        &app.get(&format!("{audience}?sort=password"), &a.token)
            .await,
        "sort",
    );

    // The audience follows the contacts and the campaign's filters as they change.
    let path = format!("{CAMPAIGNS}/{id}");
    app.patch(
        &path,
        &a.token,
        json!({"target_audience": {"status": "lost"}}),
    )
    .await
    .assert_status(StatusCode::OK);
    let lost = app.get(&audience, &a.token).await;
    assert_eq!(strings(&lost.body, "last_name"), ["Clark"]);

    // Assignment to a user of the tenant; creation dates (contacts were made today).
    let rep = app.add_user(&a, "rep@acme.example", "user").await;
    let davis = app
        .get("/api/v1/crm/contacts?search=davis", &a.token)
        .await
        .body["items"][0]["contact_id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.patch(
        &format!("/api/v1/crm/contacts/{davis}"),
        &a.token,
        json!({"assigned_to": rep.user_id}),
    )
    .await
    .assert_status(StatusCode::OK);
    let today = chrono::Utc::now().date_naive();
    let tomorrow = today.succ_opt().unwrap();
    for (filters, total) in [
        (json!({"assigned_to": rep.user_id}), 1),
        (json!({"assigned_to": [rep.user_id, a.user_id]}), 1),
        (json!({"created_after": today.to_string()}), 7),
        (json!({"created_before": today.to_string()}), 0),
        (
            json!({"created_before": tomorrow.to_string(), "lead_source": "webinar"}),
            7,
        ),
        (json!({"department": "Sales"}), 0),
        (json!({}), 7),
    ] {
        app.patch(&path, &a.token, json!({"target_audience": filters}))
            .await
            .assert_status(StatusCode::OK);
        let response = app.get(&audience, &a.token).await;
        response.assert_status(StatusCode::OK);
        assert_eq!(response.body["total"], total, "{filters}");
    }
    // A user of another tenant cannot be targeted.
    assert_invalid(
        &app.patch(
            &path,
            &a.token,
            json!({"target_audience": {"assigned_to": b.user_id}}),
        )
        .await,
        "target_audience",
    );
    assert_invalid(
        &app.patch(
            &path,
            &a.token,
            json!({"target_audience": {"created_after": "2026-02-01", "created_before": "2026-01-01"}}),
        )
        .await,
        "target_audience",
    );

    // B's own campaign with the same filters sees only B's contacts.
    let theirs = campaign(
        &app,
        &b,
        json!({"name": "Acme prospects", "campaign_type": "email",
               "target_audience": {"company": "Acme", "status": ["new", "qualified"]}}),
    )
    .await;
    let response = app
        .get(&format!("{CAMPAIGNS}/{theirs}/audience"), &b.token)
        .await;
    assert_eq!(response.body["total"], 2);
    assert_eq!(strings(&response.body, "last_name"), ["Baker", "Hughes"]);
    // And never A's campaign, nor its audience.
    app.get(&audience, &b.token)
        .await
        .assert_status(StatusCode::NOT_FOUND);
}

async fn audience_needs_crm_enabled(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = app.signup("acme").await;
    app.enable(&owner, "studio").await;
    // Campaigns work without CRM; only the audience needs it.
    let id = campaign(
        &app,
        &owner,
        json!({"name": "C", "campaign_type": "email", "target_audience": {"status": "new"}}),
    )
    .await;
    let audience = format!("{CAMPAIGNS}/{id}/audience");
    let refused = app.get(&audience, &owner.token).await;
    refused.assert_error(StatusCode::CONFLICT, "crm_not_enabled");
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("CRM"),
        "{}",
        refused.text
    );
    app.enable(&owner, "crm").await;
    contacts(
        &app,
        &owner,
        &[("Adams", "Acme", "new"), ("Baker", "Acme", "lost")],
    )
    .await;
    let response = app.get(&audience, &owner.token).await;
    response.assert_status(StatusCode::OK);
    assert_eq!(response.body["total"], 1);
    // Disabled again: 409 again.
    app.put(
        "/api/v1/tenant/modules/crm",
        &owner.token,
        json!({"enabled": false}),
    )
    .await
    .assert_status(StatusCode::OK);
    app.get(&audience, &owner.token)
        .await
        .assert_error(StatusCode::CONFLICT, "crm_not_enabled");
}

async fn content_per_campaign_through_review(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = app.signup("acme").await;
    let other = app.signup("globex").await;
    app.enable(&owner, "studio").await;
    app.enable(&other, "studio").await;
    let spring = campaign(
        &app,
        &owner,
        json!({"name": "Spring", "campaign_type": "email"}),
    )
    .await;
    let summer = campaign(
        &app,
        &owner,
        json!({"name": "Summer", "campaign_type": "social"}),
    )
    .await;
    let foreign = campaign(
        &app,
        &other,
        json!({"name": "Theirs", "campaign_type": "ads"}),
    )
    .await;

    let mail = create(
        &app,
        &owner,
        CONTENT,
        json!({"campaign_id": spring, "title": "Launch mail", "content_type": "email",
               "content_body": "<h1>Spring is here</h1>"}),
    )
    .await;
    assert_eq!(mail["status"], "draft");
    assert_eq!(mail["created_by"], owner.user_id.as_str());
    assert_eq!(mail["campaign_id"], spring.as_str());
    for (title, kind, campaign_id) in [
        ("Landing", "landing_page", &spring),
        ("Banner", "ad", &spring),
        ("Beach post", "post", &summer),
    ] {
        create(
            &app,
            &owner,
            CONTENT,
            json!({"campaign_id": campaign_id, "title": title, "content_type": kind}),
        )
        .await;
    }
    let valid = json!({"campaign_id": spring, "title": "T", "content_type": "post"});
    let with = |field: &str, value: Value| {
        let mut body = valid.clone();
        body[field] = value;
        body
    };
    for (body, field) in [
        (json!({"title": "T", "content_type": "post"}), "campaign_id"),
        (with("campaign_id", json!(foreign)), "campaign_id"),
        (with("campaign_id", json!(owner.user_id)), "campaign_id"),
        (with("campaign_id", json!(5)), "campaign_id"),
        (
            json!({"campaign_id": spring, "content_type": "post"}),
            "title",
        ),
        (with("title", json!(" ")), "title"),
        (with("content_type", json!("tweet")), "content_type"),
        (with("status", json!("published")), "status"),
        (with("created_by", json!(owner.user_id)), "created_by"),
        (with("body", json!("x")), "body"),
    ] {
        assert_invalid(&app.post(CONTENT, &owner.token, body).await, field);
    }

    let list = |query: String| {
        let app = &app;
        let token = owner.token.clone();
        async move {
            let response = app.get(&format!("{CONTENT}{query}"), &token).await;
            response.assert_status(StatusCode::OK);
            response.body
        }
    };
    let of_spring = list(format!("?campaign_id={spring}&sort=title")).await;
    assert_eq!(of_spring["total"], 3);
    assert_eq!(
        strings(&of_spring, "title"),
        ["Banner", "Landing", "Launch mail"]
    );
    assert_eq!(
        strings(&list("?content_type=post".into()).await, "title"),
        ["Beach post"]
    );
    assert_eq!(
        strings(&list("?search=LAN&sort=-title".into()).await, "title"),
        ["Landing"]
    );
    assert_eq!(list(format!("?campaign_id={foreign}")).await["total"], 0);
    for (query, field) in [
        ("?campaign_id=spring", "campaign_id"),
        ("?status=live", "status"),
        ("?content_type=tweet", "content_type"),
        ("?sort=content_body", "sort"),
    ] {
        assert_invalid(
            &app.get(&format!("{CONTENT}{query}"), &owner.token).await,
            field,
        );
    }

    // Review: draft → review → (changes requested) draft → review → approved → published.
    let path = format!("{CONTENT}/{}", mail["content_id"].as_str().unwrap());
    let status = format!("{path}/status");
    let move_to = |to: &'static str| {
        let app = &app;
        let status = status.clone();
        let token = owner.token.clone();
        async move { app.post(&status, &token, json!({"status": to})).await }
    };
    move_to("approved")
        .await
        .assert_error(StatusCode::CONFLICT, "illegal_transition");
    move_to("review").await.assert_status(StatusCode::OK);
    app.patch(
        &path,
        &owner.token,
        json!({"content_body": "edited in review"}),
    )
    .await
    .assert_error(StatusCode::CONFLICT, "content_locked");
    let noted = app
        .patch(
            &path,
            &owner.token,
            json!({"metadata": {"reviewer": "ann"}}),
        )
        .await;
    noted.assert_status(StatusCode::OK);
    assert_eq!(noted.body["content_body"], "<h1>Spring is here</h1>");
    move_to("draft").await.assert_status(StatusCode::OK);
    let edited = app
        .patch(
            &path,
            &owner.token,
            json!({"content_body": "<h1>Spring is finally here</h1>", "campaign_id": summer}),
        )
        .await;
    edited.assert_status(StatusCode::OK);
    assert_eq!(edited.body["campaign_id"], summer.as_str());
    assert_invalid(
        &app.patch(&path, &owner.token, json!({"campaign_id": foreign}))
            .await,
        "campaign_id",
    );
    let by_patch = app
        .patch(&path, &owner.token, json!({"status": "review"}))
        .await;
    by_patch.assert_status(StatusCode::OK);
    move_to("approved").await.assert_status(StatusCode::OK);
    let published = move_to("published").await;
    published.assert_status(StatusCode::OK);
    assert_eq!(published.body["status"], "published");
    for to in ["draft", "review", "approved"] {
        move_to(to)
            .await
            .assert_error(StatusCode::CONFLICT, "illegal_transition");
    }
    app.patch(&path, &owner.token, json!({"title": "Retitled"}))
        .await
        .assert_error(StatusCode::CONFLICT, "content_locked");
    assert_eq!(
        strings(&list("?status=published".into()).await, "title"),
        ["Launch mail"]
    );

    // The other tenant sees none of it.
    app.get(&path, &other.token)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    app.post(&status, &other.token, json!({"status": "draft"}))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    app.delete(&path, &other.token)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    assert_eq!(app.get(CONTENT, &other.token).await.body["total"], 0);
    app.delete(&path, &owner.token)
        .await
        .assert_status(StatusCode::NO_CONTENT);
    app.get(&path, &owner.token)
        .await
        .assert_status(StatusCode::NOT_FOUND);
}

async fn deleting_a_campaign_deletes_its_content_and_metrics(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = app.signup("acme").await;
    app.enable(&owner, "studio").await;
    let doomed = campaign(
        &app,
        &owner,
        json!({"name": "Doomed", "campaign_type": "ads"}),
    )
    .await;
    let kept = campaign(
        &app,
        &owner,
        json!({"name": "Kept", "campaign_type": "ads"}),
    )
    .await;
    let mut doomed_content = Vec::new();
    for id in [&doomed, &kept] {
        for title in ["One", "Two"] {
            let item = create(
                &app,
                &owner,
                CONTENT,
                json!({"campaign_id": id, "title": title, "content_type": "ad"}),
            )
            .await;
            if id == &doomed {
                doomed_content.push(item["content_id"].as_str().unwrap().to_owned());
            }
        }
        create(
            &app,
            &owner,
            &format!("{CAMPAIGNS}/{id}/metrics"),
            json!([{"metric": "clicks", "value": 10}, {"metric": "spend", "value": 5}]),
        )
        .await;
    }

    app.delete(&format!("{CAMPAIGNS}/{doomed}"), &owner.token)
        .await
        .assert_status(StatusCode::NO_CONTENT);
    for content_id in &doomed_content {
        app.get(&format!("{CONTENT}/{content_id}"), &owner.token)
            .await
            .assert_status(StatusCode::NOT_FOUND);
    }
    app.get(&format!("{CAMPAIGNS}/{doomed}/metrics"), &owner.token)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    let content = app.get(CONTENT, &owner.token).await.body;
    assert_eq!(content["total"], 2);
    assert!(
        content["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["campaign_id"] == kept.as_str())
    );
    let metrics = app
        .get(&format!("{CAMPAIGNS}/{kept}/metrics"), &owner.token)
        .await;
    assert_eq!(metrics.body["totals"]["clicks"]["count"], 1);
    // The host audited each deletion as part of the one request.
    let trail = app
        .get("/api/v1/audit-logs?limit=200", &owner.token)
        .await
        .body;
    let deleted = |action: &str| {
        trail["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == action)
            .count()
    };
    assert_eq!(deleted("studio.content.delete"), 2);
    assert_eq!(deleted("studio.analytics.delete"), 2);
    assert_eq!(deleted("studio.campaigns.delete"), 1);
}

async fn metrics_are_recorded_and_reported(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = app.signup("acme").await;
    app.enable(&owner, "studio").await;
    let id = campaign(&app, &owner, json!({"name": "Ads", "campaign_type": "ads"})).await;
    let path = format!("{CAMPAIGNS}/{id}/metrics");

    let one = create(
        &app,
        &owner,
        &path,
        json!({"metric": "spend", "value": 120.25, "recorded_at": "2026-03-01T09:00:00Z",
               "dimensions": {"channel": "search", "paid": true}}),
    )
    .await;
    assert_eq!(one["metric"], "spend");
    assert_eq!(one["value"].as_f64(), Some(120.25));
    assert_eq!(
        one["dimensions"],
        json!({"channel": "search", "paid": true})
    );
    assert_eq!(one["campaign_id"], id.as_str());
    assert!(
        one["recorded_at"]
            .as_str()
            .unwrap()
            .starts_with("2026-03-01T09:00:00")
    );
    // Without recorded_at: now.
    let now = create(
        &app,
        &owner,
        &path,
        json!({"metric": "impressions", "value": 1000}),
    )
    .await;
    let today = chrono::Utc::now().date_naive().to_string();
    assert!(
        now["recorded_at"].as_str().unwrap().starts_with(&today),
        "{now}"
    );

    let batch = create(
        &app,
        &owner,
        &path,
        json!([
            {"metric": "spend", "value": 30, "recorded_at": "2026-03-02T23:30:00Z"},
            {"metric": "conversions", "value": 4, "recorded_at": "2026-03-01T10:00:00Z"},
            // 2026-03-01 in UTC.
            {"metric": "conversions", "value": 2, "recorded_at": "2026-03-02T01:00:00+02:00"},
            {"metric": "conversions", "value": 4, "recorded_at": "2026-03-02T12:00:00Z", "dimensions": {"channel": "social"}},
            {"metric": "revenue", "value": 451, "recorded_at": "2026-03-02T12:00:00Z"},
            {"metric": "clicks", "value": 75, "recorded_at": "2026-03-03T00:00:00Z"},
        ]),
    )
    .await;
    assert_eq!(batch["items"].as_array().unwrap().len(), 6);

    let report = |query: &str| {
        let app = &app;
        let url = format!("{path}{query}");
        let token = owner.token.clone();
        async move {
            let response = app.get(&url, &token).await;
            response.assert_status(StatusCode::OK);
            response.body
        }
    };
    let march = report("?from=2026-03-01&to=2026-03-02").await;
    assert_eq!(march["from"], "2026-03-01");
    assert_eq!(march["to"], "2026-03-02");
    let daily: Vec<(String, String, f64, u64)> = march["daily"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row["day"].as_str().unwrap().to_owned(),
                row["metric"].as_str().unwrap().to_owned(),
                row["sum"].as_f64().unwrap(),
                row["count"].as_u64().unwrap(),
            )
        })
        .collect();
    let row = |day: &str, metric: &str, sum: f64, count: u64| {
        (day.to_owned(), metric.to_owned(), sum, count)
    };
    assert_eq!(
        daily,
        [
            row("2026-03-01", "conversions", 6.0, 2),
            row("2026-03-01", "spend", 120.25, 1),
            row("2026-03-02", "conversions", 4.0, 1),
            row("2026-03-02", "revenue", 451.0, 1),
            row("2026-03-02", "spend", 30.0, 1),
        ]
    );
    let totals = &march["totals"];
    assert_eq!(totals.as_object().unwrap().len(), 3, "{totals}");
    assert_eq!(totals["spend"]["sum"].as_f64(), Some(150.25));
    assert_eq!(totals["spend"]["count"], 2);
    assert_eq!(totals["conversions"]["sum"].as_f64(), Some(10.0));
    assert_eq!(totals["revenue"]["count"], 1);
    assert_eq!(march["result_metric"], "conversions");
    // 150.25 / 10 and (451 − 150.25) / 150.25.
    assert_eq!(march["cost_per_result"].as_f64(), Some(15.025));
    assert_eq!(march["roi"].as_f64(), Some(2.0017));

    // Another metric as the result; the whole history without bounds.
    let clicks = report("?result_metric=clicks").await;
    assert_eq!(clicks["from"], Value::Null);
    assert_eq!(clicks["totals"]["clicks"]["sum"].as_f64(), Some(75.0));
    assert_eq!(clicks["totals"]["impressions"]["count"], 1);
    assert_eq!(clicks["cost_per_result"].as_f64(), Some(2.0033));
    // Derived figures are null without their inputs.
    let third = report("?from=2026-03-03&to=2026-03-03").await;
    assert_eq!(third["totals"]["clicks"]["sum"].as_f64(), Some(75.0));
    assert_eq!(third["cost_per_result"], Value::Null);
    assert_eq!(third["roi"], Value::Null);
    let only_first = report("?to=2026-03-01").await;
    assert_eq!(only_first["totals"]["spend"]["sum"].as_f64(), Some(120.25));
    assert_eq!(only_first["roi"], Value::Null, "no revenue by then");
    assert_eq!(only_first["cost_per_result"].as_f64(), Some(20.0417));
    // Zero spend: no cost per result, no ROI.
    let free = campaign(
        &app,
        &owner,
        json!({"name": "Free", "campaign_type": "social"}),
    )
    .await;
    create(
        &app,
        &owner,
        &format!("{CAMPAIGNS}/{free}/metrics"),
        json!([{"metric": "spend", "value": 0}, {"metric": "revenue", "value": 10}, {"metric": "conversions", "value": 1}]),
    )
    .await;
    let free = app
        .get(&format!("{CAMPAIGNS}/{free}/metrics"), &owner.token)
        .await
        .body;
    assert_eq!(
        (free["cost_per_result"].clone(), free["roi"].clone()),
        (Value::Null, Value::Null)
    );

    for (body, field) in [
        (json!({"value": 1}), "metric"),
        (json!({"metric": "Click-Rate", "value": 1}), "metric"),
        (json!({"metric": "m".repeat(101), "value": 1}), "metric"),
        (json!({"metric": "clicks"}), "value"),
        (json!({"metric": "clicks", "value": "12"}), "value"),
        (
            json!({"metric": "clicks", "value": 1, "recorded_at": "2026-03-01"}),
            "recorded_at",
        ),
        (
            json!({"metric": "clicks", "value": 1, "dimensions": "web"}),
            "dimensions",
        ),
        (
            json!({"metric": "clicks", "value": 1, "dimensions": {"geo": {"country": "FR"}}}),
            "dimensions",
        ),
        (
            json!({"metric": "clicks", "value": 1, "campaign_id": id}),
            "campaign_id",
        ),
        (
            json!([{"metric": "clicks", "value": 1}, {"metric": "clicks", "value": null}]),
            "[1].value",
        ),
        (json!([]), "."),
        (json!(7), "."),
    ] {
        assert_invalid(&app.post(&path, &owner.token, body.clone()).await, field);
    }
    // The refused batch recorded nothing: still one clicks value.
    assert_eq!(report("").await["totals"]["clicks"]["count"], 1);
    for (query, field) in [
        ("?from=March", "from"),
        ("?to=2026-02-30", "to"),
        ("?from=2026-03-02&to=2026-03-01", "to"),
        ("?result_metric=Sales!", "result_metric"),
    ] {
        assert_invalid(
            &app.get(&format!("{path}{query}"), &owner.token).await,
            field,
        );
    }
    let missing = format!("{CAMPAIGNS}/{}/metrics", owner.user_id);
    app.get(&missing, &owner.token)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    app.post(
        &missing,
        &owner.token,
        json!({"metric": "clicks", "value": 1}),
    )
    .await
    .assert_status(StatusCode::NOT_FOUND);
}

async fn studio_is_isolated_between_tenants(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let a = app.signup("acme").await;
    let b = app.signup("globex").await;
    app.enable(&a, "studio").await;
    let id = campaign(
        &app,
        &a,
        json!({"name": "Secret plan", "campaign_type": "ads", "budget": 100}),
    )
    .await;
    create(
        &app,
        &a,
        &format!("{CAMPAIGNS}/{id}/metrics"),
        json!({"metric": "spend", "value": 100}),
    )
    .await;
    let path = format!("{CAMPAIGNS}/{id}");

    // B has not enabled Studio.
    app.get(&path, &b.token)
        .await
        .assert_error(StatusCode::FORBIDDEN, "module_not_enabled");
    app.enable(&b, "studio").await;
    app.enable(&b, "crm").await;
    let listed = app
        .get(&format!("{CAMPAIGNS}?search=secret"), &b.token)
        .await;
    listed.assert_status(StatusCode::OK);
    assert_eq!(listed.body["total"], 0);
    for response in [
        app.get(&path, &b.token).await,
        app.patch(&path, &b.token, json!({"name": "Pwned"})).await,
        app.post(
            &format!("{path}/status"),
            &b.token,
            json!({"status": "active"}),
        )
        .await,
        app.get(&format!("{path}/audience"), &b.token).await,
        app.get(&format!("{path}/metrics"), &b.token).await,
        app.post(
            &format!("{path}/metrics"),
            &b.token,
            json!({"metric": "spend", "value": 1000}),
        )
        .await,
        app.delete(&path, &b.token).await,
    ] {
        response.assert_status(StatusCode::NOT_FOUND);
    }
    // A's campaign and metrics are untouched.
    let mine = app.get(&path, &a.token).await;
    mine.assert_status(StatusCode::OK);
    assert_eq!(mine.body["name"], "Secret plan");
    assert_eq!(mine.body["status"], "draft");
    let metrics = app.get(&format!("{path}/metrics"), &a.token).await.body;
    assert_eq!(metrics["totals"]["spend"]["sum"].as_f64(), Some(100.0));
    assert_eq!(metrics["totals"]["spend"]["count"], 1);
}
