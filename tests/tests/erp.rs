//! ERP through HTTP, end to end: the bundled `erp` component (with `crm` for
//! customers), served by the real host over a real database.

use eoex_tests::{Backend, Session, TestApp, backend_tests};
use reqwest::StatusCode;
use serde_json::{Value, json};

backend_tests!(
    products_crud_validation_and_isolation,
    orders_take_stock_and_follow_the_status_flow,
    concurrent_orders_never_oversell,
    customers_are_contacts_of_the_same_tenant,
    inventory_adjustments_and_reorder_alerts,
    sales_summary_counts_completed_orders,
);

const UNKNOWN_ID: &str = "6f1c2a44-0a1b-4c2d-8e3f-123456789abc";

async fn tenant_with_erp(app: &TestApp, name: &str) -> Session {
    let owner = app.signup(name).await;
    app.enable(&owner, "erp").await;
    owner
}

async fn product(app: &TestApp, session: &Session, sku: &str, price: f64, stock: i64) -> String {
    let response = app
        .post(
            "/api/v1/erp/products",
            &session.token,
            json!({"sku": sku, "name": format!("Product {sku}"), "unit_price": price, "stock_quantity": stock, "reorder_level": 3}),
        )
        .await;
    response.assert_status(StatusCode::CREATED);
    response.body["product_id"].as_str().unwrap().to_owned()
}

/// An answer as (status, body), for tests comparing many of them.
type Reply = (StatusCode, Value);

async fn order(app: &TestApp, session: &Session, lines: &[(&str, i64)]) -> Reply {
    let items: Vec<Value> = lines
        .iter()
        .map(|(id, quantity)| json!({"product_id": id, "quantity": quantity}))
        .collect();
    let response = app
        .post(
            "/api/v1/erp/orders",
            &session.token,
            json!({"items": items}),
        )
        .await;
    (response.status, response.body)
}

async fn stock(app: &TestApp, session: &Session, product: &str) -> i64 {
    let response = app
        .get(&format!("/api/v1/erp/products/{product}"), &session.token)
        .await;
    response.assert_status(StatusCode::OK);
    response.body["stock_quantity"].as_i64().unwrap()
}

/// The product's ledger, oldest first.
async fn ledger(app: &TestApp, session: &Session, product: &str) -> Vec<Value> {
    let response = app
        .get(
            &format!(
                "/api/v1/erp/inventory/transactions?product_id={product}&sort=created_at&limit=200"
            ),
            &session.token,
        )
        .await;
    response.assert_status(StatusCode::OK);
    response.body["items"].as_array().unwrap().clone()
}

async fn ledger_sum(app: &TestApp, session: &Session, product: &str) -> i64 {
    ledger(app, session, product)
        .await
        .iter()
        .map(|t| t["quantity"].as_i64().unwrap())
        .sum()
}

async fn move_order(
    app: &TestApp,
    session: &Session,
    order: &Value,
    to: &str,
) -> eoex_tests::Response {
    app.post(
        &format!(
            "/api/v1/erp/orders/{}/status",
            order["order_id"].as_str().unwrap()
        ),
        &session.token,
        json!({"status": to}),
    )
    .await
}

async fn products_crud_validation_and_isolation(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = tenant_with_erp(&app, "acme").await;
    let id = product(&app, &owner, "PEN-1", 1.25, 5).await;
    let path = format!("/api/v1/erp/products/{id}");

    let fetched = app.get(&path, &owner.token).await;
    fetched.assert_status(StatusCode::OK);
    assert_eq!(fetched.body["unit_price"], json!(1.25));
    assert_eq!(fetched.body["stock_quantity"], 5);
    assert!(fetched.body.get("tenant_id").is_none());

    app.post(
        "/api/v1/erp/products",
        &owner.token,
        json!({"sku": "PEN-1", "name": "Again", "unit_price": 1}),
    )
    .await
    .assert_error(StatusCode::CONFLICT, "already_exists");
    for (body, field) in [
        (json!({"name": "No SKU", "unit_price": 1}), "sku"),
        (json!({"sku": "X", "name": "", "unit_price": 1}), "name"),
        (
            json!({"sku": "X", "name": "N", "unit_price": -1}),
            "unit_price",
        ),
        (
            json!({"sku": "X", "name": "N", "unit_price": 1, "cost_price": -2}),
            "cost_price",
        ),
        (
            json!({"sku": "X", "name": "N", "unit_price": 1, "stock_quantity": -1}),
            "stock_quantity",
        ),
    ] {
        let response = app.post("/api/v1/erp/products", &owner.token, body).await;
        response.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
        assert_eq!(response.body["error"]["field"], field);
    }
    let edited = app
        .patch(
            &path,
            &owner.token,
            json!({"name": "Blue pen", "unit_price": 1.5}),
        )
        .await;
    edited.assert_status(StatusCode::OK);
    assert_eq!(edited.body["name"], "Blue pen");
    let response = app
        .patch(&path, &owner.token, json!({"stock_quantity": 99}))
        .await;
    response.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
    assert_eq!(response.body["error"]["field"], "stock_quantity");

    for sku in ["INK-1", "PAD-1", "CUP-1"] {
        product(&app, &owner, sku, 2.0, 1).await;
    }
    let page = app
        .get(
            "/api/v1/erp/products?sort=-sku&limit=2&page=2",
            &owner.token,
        )
        .await;
    page.assert_status(StatusCode::OK);
    let skus: Vec<&str> = page.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["sku"].as_str().unwrap())
        .collect();
    assert_eq!(
        (skus, &page.body["total"]),
        (vec!["INK-1", "CUP-1"], &json!(4))
    );
    let search = app
        .get("/api/v1/erp/products?search=pad", &owner.token)
        .await;
    assert_eq!(search.body["total"], 1);
    app.get("/api/v1/erp/products?limit=500", &owner.token)
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");

    // Another tenant neither sees nor touches the product, and may use the same SKU.
    let other = tenant_with_erp(&app, "globex").await;
    app.get(&path, &other.token)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    app.patch(&path, &other.token, json!({"name": "Mine"}))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    app.delete(&path, &other.token)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    let other_list = app.get("/api/v1/erp/products", &other.token).await;
    assert_eq!(other_list.body["total"], 0);
    product(&app, &other, "PEN-1", 9.0, 0).await;
    let adjust = app
        .post(
            &format!("{path}/adjust"),
            &other.token,
            json!({"quantity": 5, "transaction_type": "receipt"}),
        )
        .await;
    adjust.assert_status(StatusCode::NOT_FOUND);
    assert_eq!(stock(&app, &owner, &id).await, 5);

    app.delete(&path, &owner.token)
        .await
        .assert_status(StatusCode::NO_CONTENT);
    app.get(&path, &owner.token)
        .await
        .assert_status(StatusCode::NOT_FOUND);
}

async fn orders_take_stock_and_follow_the_status_flow(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = tenant_with_erp(&app, "acme").await;
    let pen = product(&app, &owner, "PEN", 1.10, 10).await;
    let ink = product(&app, &owner, "INK", 0.35, 4).await;

    let (status, placed) = order(&app, &owner, &[(&pen, 3), (&ink, 3)]).await;
    assert_eq!(status, StatusCode::CREATED, "{placed}");
    let number = placed["order_number"].as_str().unwrap();
    let year = number.split('-').nth(1).unwrap();
    assert_eq!(number, format!("ORD-{year}-000001"));
    assert_eq!(year.len(), 4);
    assert_eq!(placed["status"], "pending");
    assert_eq!(placed["total_amount"], json!(4.35));
    assert_eq!(placed["items"][0]["unit_price"], json!(1.1));
    assert_eq!(placed["items"][0]["total_price"], json!(3.3));
    assert_eq!(stock(&app, &owner, &pen).await, 7);
    assert_eq!(stock(&app, &owner, &ink).await, 1);
    let sales: Vec<Value> = ledger(&app, &owner, &pen).await;
    assert_eq!(sales.len(), 2);
    assert_eq!(
        (
            &sales[1]["transaction_type"],
            &sales[1]["quantity"],
            &sales[1]["reference_id"]
        ),
        (&json!("sale"), &json!(-3), &placed["order_id"])
    );

    // Too much of one line: refused whole, nothing changes, and no number is used.
    let (status, refused) = order(&app, &owner, &[(&pen, 1), (&ink, 2)]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["error"]["code"], "insufficient_stock");
    assert_eq!(stock(&app, &owner, &pen).await, 7);
    assert_eq!(stock(&app, &owner, &ink).await, 1);
    let orders = app.get("/api/v1/erp/orders", &owner.token).await;
    assert_eq!(orders.body["total"], 1);

    let response = move_order(&app, &owner, &placed, "shipped").await;
    response.assert_error(StatusCode::CONFLICT, "illegal_transition");
    move_order(&app, &owner, &placed, "confirmed")
        .await
        .assert_status(StatusCode::OK);
    let cancelled = move_order(&app, &owner, &placed, "cancelled").await;
    cancelled.assert_status(StatusCode::OK);
    assert_eq!(cancelled.body["status"], "cancelled");
    assert_eq!(stock(&app, &owner, &pen).await, 10);
    assert_eq!(stock(&app, &owner, &ink).await, 4);
    assert_eq!(
        ledger(&app, &owner, &pen).await[2]["transaction_type"],
        "return"
    );
    move_order(&app, &owner, &placed, "confirmed")
        .await
        .assert_error(StatusCode::CONFLICT, "illegal_transition");
    assert_eq!(stock(&app, &owner, &pen).await, 10, "returned once");

    let (_, second) = order(&app, &owner, &[(&pen, 2)]).await;
    assert!(
        second["order_number"]
            .as_str()
            .unwrap()
            .ends_with("-000002")
    );
    for to in ["confirmed", "shipped", "completed"] {
        let moved = move_order(&app, &owner, &second, to).await;
        moved.assert_status(StatusCode::OK);
        assert_eq!(moved.body["status"], to);
    }
    let path = format!(
        "/api/v1/erp/orders/{}",
        second["order_id"].as_str().unwrap()
    );
    app.patch(
        &path,
        &owner.token,
        json!({"shipping_address": "1 Main St"}),
    )
    .await
    .assert_error(StatusCode::CONFLICT, "order_closed");
    let shown = app.get(&path, &owner.token).await;
    assert_eq!(shown.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(shown.body["status"], "completed");

    for product in [&pen, &ink] {
        assert_eq!(
            stock(&app, &owner, product).await,
            ledger_sum(&app, &owner, product).await,
            "stock equals the ledger"
        );
    }
    let filtered = app
        .get("/api/v1/erp/orders?status=completed", &owner.token)
        .await;
    assert_eq!(filtered.body["total"], 1);
    app.get("/api/v1/erp/orders?status=lost", &owner.token)
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");

    // Another tenant cannot move or see the order.
    let other = tenant_with_erp(&app, "globex").await;
    move_order(&app, &other, &second, "cancelled")
        .await
        .assert_status(StatusCode::NOT_FOUND);
    app.get(&path, &other.token)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    let (status, _) = order(&app, &other, &[(&pen, 1)]).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "another tenant's product"
    );

    // Read-only users look but do not order.
    let reader = app.add_user(&owner, "reader@acme.test", "readonly").await;
    let (status, _) = order(&app, &reader, &[(&pen, 1)]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(stock(&app, &owner, &pen).await, 8);
}

async fn concurrent_orders_never_oversell(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = tenant_with_erp(&app, "acme").await;
    let scarce = product(&app, &owner, "SCARCE", 5.0, 10).await;

    let line = [(scarce.as_str(), 1)];
    let attempts = (0..50).map(|_| order(&app, &owner, &line));
    let replies = futures::future::join_all(attempts).await;

    let placed: Vec<&Value> = replies
        .iter()
        .filter(|(status, _)| *status == StatusCode::CREATED)
        .map(|(_, body)| body)
        .collect();
    for (status, body) in &replies {
        assert!(
            *status == StatusCode::CREATED
                || (*status == StatusCode::CONFLICT
                    && body["error"]["code"] == "insufficient_stock"),
            "{status}: {body}"
        );
    }
    assert_eq!(placed.len(), 10, "exactly the stock is sold");
    assert_eq!(stock(&app, &owner, &scarce).await, 0);
    assert_eq!(ledger_sum(&app, &owner, &scarce).await, 0);
    assert_eq!(ledger(&app, &owner, &scarce).await.len(), 11);

    let mut numbers: Vec<u32> = placed
        .iter()
        .map(|o| {
            let number = o["order_number"].as_str().unwrap();
            number.rsplit('-').next().unwrap().parse().unwrap()
        })
        .collect();
    numbers.sort_unstable();
    assert_eq!(
        numbers,
        (1..=10).collect::<Vec<u32>>(),
        "no duplicates, no gaps"
    );
    let listed = app.get("/api/v1/erp/orders", &owner.token).await;
    assert_eq!(listed.body["total"], 10);
}

async fn customers_are_contacts_of_the_same_tenant(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = tenant_with_erp(&app, "acme").await;
    let pen = product(&app, &owner, "PEN", 3.0, 10).await;
    let with_customer = |customer: &str| json!({"items": [{"product_id": pen, "quantity": 1}], "customer_id": customer, "shipping_address": "1 Main St"});

    // Without CRM, orders work without customers.
    let (status, _) = order(&app, &owner, &[(&pen, 1)]).await;
    assert_eq!(status, StatusCode::CREATED);
    let refused = app
        .post(
            "/api/v1/erp/orders",
            &owner.token,
            with_customer(UNKNOWN_ID),
        )
        .await;
    refused.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
    assert_eq!(refused.body["error"]["field"], "customer_id");

    app.enable(&owner, "crm").await;
    let contact = app
        .post(
            "/api/v1/crm/contacts",
            &owner.token,
            json!({"first_name": "Ada", "last_name": "Lovelace", "email": "ada@acme.test"}),
        )
        .await;
    contact.assert_status(StatusCode::CREATED);
    let contact_id = contact.body["contact_id"].as_str().unwrap();
    let placed = app
        .post(
            "/api/v1/erp/orders",
            &owner.token,
            with_customer(contact_id),
        )
        .await;
    placed.assert_status(StatusCode::CREATED);
    assert_eq!(placed.body["customer_id"], contact_id);
    assert_eq!(placed.body["shipping_address"], "1 Main St");
    let by_customer = app
        .get(
            &format!("/api/v1/erp/orders?customer_id={contact_id}"),
            &owner.token,
        )
        .await;
    assert_eq!(by_customer.body["total"], 1);

    // Another tenant's contact is not a customer here, whatever its id.
    let other = tenant_with_erp(&app, "globex").await;
    app.enable(&other, "crm").await;
    let other_pen = product(&app, &other, "PEN", 3.0, 10).await;
    let response = app
        .post(
            "/api/v1/erp/orders",
            &other.token,
            json!({"items": [{"product_id": other_pen, "quantity": 1}], "customer_id": contact_id}),
        )
        .await;
    response.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
    assert_eq!(response.body["error"]["field"], "customer_id");
    assert_eq!(stock(&app, &other, &other_pen).await, 10);
}

async fn inventory_adjustments_and_reorder_alerts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = tenant_with_erp(&app, "acme").await;
    let low = product(&app, &owner, "LOW", 1.0, 3).await;
    let plenty = product(&app, &owner, "PLENTY", 1.0, 50).await;

    let reorder = app.get("/api/v1/erp/products/reorder", &owner.token).await;
    reorder.assert_status(StatusCode::OK);
    assert_eq!(reorder.body["total"], 1);
    assert_eq!(reorder.body["items"][0]["sku"], "LOW");
    assert_eq!(reorder.body["items"][0]["current_stock"], 3);

    let adjust = |product: &str, body: Value| {
        let path = format!("/api/v1/erp/products/{product}/adjust");
        let app = &app;
        let token = owner.token.clone();
        async move { app.post(&path, &token, body).await }
    };
    let received = adjust(
        &low,
        json!({"quantity": 20, "transaction_type": "receipt", "notes": "PO 42"}),
    )
    .await;
    received.assert_status(StatusCode::CREATED);
    assert_eq!(received.body["stock_quantity"], 23);
    adjust(
        &plenty,
        json!({"quantity": -48, "transaction_type": "adjustment", "notes": "water damage"}),
    )
    .await
    .assert_status(StatusCode::CREATED);
    adjust(
        &plenty,
        json!({"quantity": -3, "transaction_type": "adjustment"}),
    )
    .await
    .assert_error(StatusCode::CONFLICT, "insufficient_stock");
    let bad = adjust(
        &plenty,
        json!({"quantity": 0, "transaction_type": "adjustment"}),
    )
    .await;
    bad.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
    assert_eq!(bad.body["error"]["field"], "quantity");
    adjust(
        UNKNOWN_ID,
        json!({"quantity": 1, "transaction_type": "receipt"}),
    )
    .await
    .assert_status(StatusCode::NOT_FOUND);

    let reorder = app.get("/api/v1/erp/products/reorder", &owner.token).await;
    let skus: Vec<&str> = reorder.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["sku"].as_str().unwrap())
        .collect();
    assert_eq!(skus, ["PLENTY"]);

    let entries = ledger(&app, &owner, &plenty).await;
    let kinds: Vec<(&str, i64)> = entries
        .iter()
        .map(|t| {
            (
                t["transaction_type"].as_str().unwrap(),
                t["quantity"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(kinds, [("initial", 50), ("adjustment", -48)]);
    assert_eq!(entries[1]["notes"], "water damage");
    assert_eq!(entries[1]["created_by"], owner.user_id.as_str());
    for product in [&low, &plenty] {
        assert_eq!(
            stock(&app, &owner, product).await,
            ledger_sum(&app, &owner, product).await
        );
    }
}

async fn sales_summary_counts_completed_orders(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = tenant_with_erp(&app, "acme").await;
    let pen = product(&app, &owner, "PEN", 2.5, 100).await;
    let mut placed = Vec::new();
    for quantity in [1, 2, 4] {
        let (status, body) = order(&app, &owner, &[(&pen, quantity)]).await;
        assert_eq!(status, StatusCode::CREATED);
        placed.push(body);
    }
    for order in &placed[..2] {
        for to in ["confirmed", "shipped", "completed"] {
            move_order(&app, &owner, order, to)
                .await
                .assert_status(StatusCode::OK);
        }
    }
    let summary = app
        .get("/api/v1/erp/reports/sales-summary", &owner.token)
        .await;
    summary.assert_status(StatusCode::OK);
    let day = &placed[0]["order_date"].as_str().unwrap()[..10];
    assert_eq!(
        summary.body["days"],
        json!([{"order_date": day, "total_orders": 2, "total_revenue": 7.5, "avg_order_value": 3.75}])
    );
    assert_eq!(summary.body["totals"]["total_orders"], 2);

    let earlier = app
        .get(
            "/api/v1/erp/reports/sales-summary?from=2020-01-01&to=2020-12-31",
            &owner.token,
        )
        .await;
    assert_eq!(earlier.body["days"], json!([]));
    let bad = app
        .get(
            "/api/v1/erp/reports/sales-summary?from=2020-13-01",
            &owner.token,
        )
        .await;
    bad.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
    assert_eq!(bad.body["error"]["field"], "from");

    // Other tenants' sales are not in it.
    let other = tenant_with_erp(&app, "globex").await;
    let theirs = app
        .get("/api/v1/erp/reports/sales-summary", &other.token)
        .await;
    assert_eq!(theirs.body["days"], json!([]));
}
