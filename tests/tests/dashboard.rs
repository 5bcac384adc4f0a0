//! `GET /api/v1/dashboard/daily` end to end: counts of orders, tickets and new leads
//! per day from the audit log, per tenant, and its speed over 100 000 audit rows.

use std::time::Instant;

use chrono::{TimeDelta, Utc};
use eoex_store::dashboard::{POSTGRES_SQL, SQLITE_SQL};
use eoex_tests::{Backend, Session, TestApp, backend_tests};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::Connection;

backend_tests!(
    counts_what_each_tenant_created_today,
    days_are_validated_and_every_day_is_listed,
    one_indexed_query_over_100k_audit_rows
);

async fn created(app: &TestApp, session: &Session, path: &str, body: Value) -> Value {
    let response = app.post(path, &session.token, body).await;
    response.assert_status(StatusCode::CREATED);
    response.body
}

async fn contact(app: &TestApp, session: &Session, email: &str) -> Value {
    created(
        app,
        session,
        "/api/v1/crm/contacts",
        json!({"first_name": "Ada", "last_name": "Lovelace", "email": email}),
    )
    .await
}

async fn ticket(app: &TestApp, session: &Session) -> Value {
    created(
        app,
        session,
        "/api/v1/support/tickets",
        json!({"subject": "Help", "description": "Please"}),
    )
    .await
}

async fn order(app: &TestApp, session: &Session, product_id: &str) -> Value {
    created(
        app,
        session,
        "/api/v1/erp/orders",
        json!({"items": [{"product_id": product_id, "quantity": 1}]}),
    )
    .await
}

async fn daily(app: &TestApp, session: &Session, query: &str) -> Value {
    let response = app
        .get(&format!("/api/v1/dashboard/daily{query}"), &session.token)
        .await;
    response.assert_status(StatusCode::OK);
    response.body
}

/// (orders, tickets, new_leads) of one day of an answer.
fn counts(day: &Value) -> (i64, i64, i64) {
    let n = |k: &str| day[k].as_i64().unwrap_or_else(|| panic!("{k} in {day}"));
    (n("orders"), n("tickets"), n("new_leads"))
}

async fn counts_what_each_tenant_created_today(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let acme = app.signup("acme").await;
    let globex = app.signup("globex").await;
    for module in ["crm", "support", "erp"] {
        app.enable(&acme, module).await;
    }
    app.enable(&globex, "support").await;

    let empty = daily(&app, &acme, "").await;
    assert!(
        empty["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| counts(d) == (0, 0, 0))
    );

    let ada = contact(&app, &acme, "ada@example.com").await;
    contact(&app, &acme, "grace@example.com").await;
    for _ in 0..3 {
        ticket(&app, &acme).await;
    }
    let product = created(
        &app,
        &acme,
        "/api/v1/erp/products",
        json!({"sku": "W-1", "name": "Widget", "unit_price": 5.0, "stock_quantity": 10}),
    )
    .await;
    let product_id = product["product_id"].as_str().unwrap();
    order(&app, &acme, product_id).await;
    ticket(&app, &globex).await;
    // A refused create leaves no audit row, so it is not counted.
    app.post(
        "/api/v1/crm/contacts",
        &acme.token,
        json!({"first_name": "No"}),
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    // A contact created today and deleted stays among today's new leads.
    app.delete(
        &format!(
            "/api/v1/crm/contacts/{}",
            ada["contact_id"].as_str().unwrap()
        ),
        &acme.token,
    )
    .await
    .assert_status(StatusCode::NO_CONTENT);

    let today = Utc::now().date_naive().to_string();
    let body = daily(&app, &acme, "").await;
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 30);
    let last = items.last().unwrap();
    assert_eq!(last["date"], today.as_str(), "newest last");
    assert_eq!(counts(last), (1, 3, 2));
    assert!(items[..29].iter().all(|d| counts(d) == (0, 0, 0)));

    // Every role reads it; each tenant sees its own.
    let reader = app.add_user(&acme, "reader@acme.example", "readonly").await;
    assert_eq!(
        counts(
            daily(&app, &reader, "?days=1").await["items"]
                .get(0)
                .unwrap()
        ),
        (1, 3, 2)
    );
    let other = daily(&app, &globex, "?days=1").await;
    assert_eq!(counts(&other["items"][0]), (0, 1, 0));

    app.request(reqwest::Method::GET, "/api/v1/dashboard/daily", None, None)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
}

async fn days_are_validated_and_every_day_is_listed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = app.signup("acme").await;
    for bad in ["0", "366", "-1", "abc", "", "2.5"] {
        let response = app
            .get(&format!("/api/v1/dashboard/daily?days={bad}"), &owner.token)
            .await;
        response.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
        assert_eq!(
            response.body["error"]["field"], "days",
            "days={bad}: {}",
            response.text
        );
    }
    let today = Utc::now().date_naive();
    for days in [1, 7, 365] {
        let body = daily(&app, &owner, &format!("?days={days}")).await;
        let dates: Vec<&str> = body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["date"].as_str().unwrap())
            .collect();
        let expected: Vec<String> = (0..days)
            .rev()
            .map(|ago| (today - TimeDelta::days(ago)).to_string())
            .collect();
        assert_eq!(dates, expected, "days={days}");
        assert_eq!(body["days"], days);
        assert_eq!(body["from"], expected[0].as_str());
        assert_eq!(body["to"], today.to_string());
    }
    assert_eq!(daily(&app, &owner, "").await["days"], 30, "default");

    let doc = app
        .request(reqwest::Method::GET, "/openapi.json", None, None)
        .await;
    let operation = &doc.body["paths"]["/api/v1/dashboard/daily"]["get"];
    assert_eq!(operation["tags"], json!(["dashboard"]), "{operation}");
    assert_eq!(operation["parameters"][0]["name"], "days");
}

const ROWS: i64 = 100_000;
/// The rows are spread over this many days (more than the longest window).
const SPAN: i64 = 400;

/// Writes `ROWS` audit rows for the tenant in one statement: row `i` is `i % SPAN` days
/// old (at noon) and is, by `i % 4`, an order, a ticket, a contact or a contact update;
/// so a day `d` days back holds `ROWS / SPAN` rows, all of kind `d % 4`. Another
/// tenant gets a tenth as many, all orders.
async fn bulk_audit_rows(app: &TestApp, tenant: &str, other: &str) {
    let kinds = "CASE i % 4 WHEN 0 THEN 'erp.orders.create' WHEN 1 THEN 'support.tickets.create' \
                 WHEN 2 THEN 'crm.contacts.create' ELSE 'crm.contacts.update' END";
    if app.database_url.starts_with("sqlite") {
        let mut db = sqlx::SqliteConnection::connect(&app.database_url)
            .await
            .unwrap();
        for (tenant, rows, action) in [
            (tenant, ROWS, kinds),
            (other, ROWS / 10, "'erp.orders.create'"),
        ] {
            let sql = format!(
                "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {last}) \
                 INSERT INTO audit_logs (audit_id, tenant_id, action, entity_type, created_at) \
                 SELECT randomblob(16), $1, {action}, 'bulk', \
                 strftime('%Y-%m-%dT12:00:00.000Z', 'now', '-' || (i % {SPAN}) || ' days') FROM n",
                last = rows - 1
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(uuid::Uuid::parse_str(tenant).unwrap())
                .execute(&mut db)
                .await
                .unwrap();
        }
        sqlx::query("ANALYZE").execute(&mut db).await.unwrap();
    } else {
        let mut db = sqlx::PgConnection::connect(&app.database_url)
            .await
            .unwrap();
        for (tenant, rows, action) in [
            (tenant, ROWS, kinds),
            (other, ROWS / 10, "'erp.orders.create'"),
        ] {
            let sql = format!(
                "INSERT INTO audit_logs (audit_id, tenant_id, action, entity_type, created_at) \
                 SELECT gen_random_uuid(), $1, {action}, 'bulk', \
                 date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' + interval '12 hours' - make_interval(days => i % {SPAN}) \
                 FROM generate_series(0, {last}) AS i",
                last = rows - 1
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(uuid::Uuid::parse_str(tenant).unwrap())
                .execute(&mut db)
                .await
                .unwrap();
        }
        // Index-only scans need the visibility map that VACUUM writes.
        sqlx::query("VACUUM ANALYZE audit_logs")
            .execute(&mut db)
            .await
            .unwrap();
    }
}

/// The plan of the dashboard's statement for this tenant, as the database explains it.
async fn plan(app: &TestApp, tenant: &str) -> String {
    let tenant = uuid::Uuid::parse_str(tenant).unwrap();
    let since = Utc::now().date_naive() - TimeDelta::days(364);
    if app.database_url.starts_with("sqlite") {
        let mut db = sqlx::SqliteConnection::connect(&app.database_url)
            .await
            .unwrap();
        let rows: Vec<(i64, i64, i64, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "EXPLAIN QUERY PLAN {SQLITE_SQL}"
        )))
        .bind(tenant)
        .bind(since.to_string())
        .fetch_all(&mut db)
        .await
        .unwrap();
        rows.into_iter().map(|r| r.3).collect::<Vec<_>>().join("\n")
    } else {
        let mut db = sqlx::PgConnection::connect(&app.database_url)
            .await
            .unwrap();
        let rows: Vec<(String,)> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("EXPLAIN {POSTGRES_SQL}")))
                .bind(tenant)
                .bind(since.and_hms_opt(0, 0, 0).unwrap().and_utc())
                .fetch_all(&mut db)
                .await
                .unwrap();
        rows.into_iter().map(|r| r.0).collect::<Vec<_>>().join("\n")
    }
}

async fn one_indexed_query_over_100k_audit_rows(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let acme = app.signup("acme").await;
    let globex = app.signup("globex").await;
    let started = Instant::now();
    bulk_audit_rows(&app, &acme.tenant_id, &globex.tenant_id).await;
    eprintln!(
        "inserted {} audit rows in {:?}",
        ROWS + ROWS / 10,
        started.elapsed()
    );

    let plan = plan(&app, &acme.tenant_id).await;
    eprintln!("plan:\n{plan}");
    assert!(
        plan.contains("idx_audit_logs_tenant_action_created"),
        "{plan}"
    );
    assert!(
        !plan.contains("Seq Scan") && !plan.contains("SCAN audit_logs"),
        "{plan}"
    );

    let per_day = ROWS / SPAN;
    for days in [30, 365] {
        // The first request warms the connection and the page cache.
        daily(&app, &acme, &format!("?days={days}")).await;
        let started = Instant::now();
        let body = daily(&app, &acme, &format!("?days={days}")).await;
        eprintln!(
            "GET /api/v1/dashboard/daily?days={days}: {:?}",
            started.elapsed()
        );
        let items = body["items"].as_array().unwrap();
        assert_eq!(items.len(), days as usize);
        for (index, day) in items.iter().enumerate() {
            let ago = days - 1 - index as i64;
            let expected = match ago % 4 {
                0 => (per_day, 0, 0),
                1 => (0, per_day, 0),
                2 => (0, 0, per_day),
                _ => (0, 0, 0),
            };
            assert_eq!(counts(day), expected, "{ago} days ago: {day}");
        }
    }
    let other = daily(&app, &globex, "?days=365").await;
    let orders: i64 = other["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| counts(d).0)
        .sum();
    assert_eq!(orders, ROWS / 10 / SPAN * 365);
}
