use eoex_sdk::testing::TestHost;
use serde_json::{Value, json};

use super::*;

/// Stands in for CRM: its exposed `contacts`, so ERP's customer checks have something
/// to read.
struct CrmContacts;

impl Plugin for CrmContacts {
    fn manifest() -> Manifest {
        Manifest::new("crm", "1.0.0").entity(
            Entity::new("contacts", "contact_id")
                .field(Field::text("email"))
                .exposed(),
        )
    }

    fn router() -> Router {
        Router::new()
    }
}

fn call(host: &TestHost, method: &str, target: &str, body: Option<Value>) -> (u16, Value) {
    let response = host.call::<Erp>(method, target, body);
    let body = if response.body().is_empty() {
        Value::Null
    } else {
        response.body_json().unwrap()
    };
    (response.status(), body)
}

fn product(host: &TestHost, sku: &str, price: f64, stock: i64) -> String {
    let (status, body) = call(
        host,
        "POST",
        "/products",
        Some(
            json!({"sku": sku, "name": format!("Product {sku}"), "unit_price": price, "stock_quantity": stock, "reorder_level": 2}),
        ),
    );
    assert_eq!(status, 201, "{body}");
    body["product_id"].as_str().unwrap().to_owned()
}

fn stock(host: &TestHost, id: &str) -> i64 {
    call(host, "GET", &format!("/products/{id}"), None).1["stock_quantity"]
        .as_i64()
        .unwrap()
}

fn ledger_sum(host: &TestHost, id: &str) -> i64 {
    host.records("erp.inventory_transactions")
        .iter()
        .filter(|t| t["product_id"] == id)
        .map(|t| t["quantity"].as_i64().unwrap())
        .sum()
}

fn order(host: &TestHost, lines: &[(&str, i64)]) -> (u16, Value) {
    let items: Vec<Value> = lines
        .iter()
        .map(|(id, quantity)| json!({"product_id": id, "quantity": quantity}))
        .collect();
    call(host, "POST", "/orders", Some(json!({"items": items})))
}

fn field_error((status, body): (u16, Value)) -> (u16, String) {
    (
        status,
        body["error"]["field"].as_str().unwrap_or_default().into(),
    )
}

#[test]
fn opening_stock_is_the_first_ledger_entry() {
    let host = TestHost::new();
    let id = product(&host, "A-1", 9.99, 5);
    assert_eq!(stock(&host, &id), 5);
    let ledger = host.records("erp.inventory_transactions");
    assert_eq!(ledger.len(), 1);
    assert_eq!(ledger[0]["transaction_type"], "initial");
    assert_eq!(ledger_sum(&host, &id), 5);

    let empty = product(&host, "A-2", 1.0, 0);
    assert_eq!(ledger_sum(&host, &empty), 0);
    assert_eq!(host.records("erp.inventory_transactions").len(), 1);
}

#[test]
fn products_are_validated_and_skus_unique() {
    let host = TestHost::new();
    let valid = json!({"sku": "S", "name": "N", "unit_price": 1.5});
    let with = |field: &str, value: Value| {
        let mut body = valid.clone();
        body[field] = value;
        body
    };
    for (body, field) in [
        (json!({"name": "N", "unit_price": 1}), "sku"),
        (with("sku", json!("  ")), "sku"),
        (with("unit_price", json!(-1)), "unit_price"),
        (with("unit_price", json!(1.234)), "unit_price"),
        (with("unit_price", json!("1")), "unit_price"),
        (with("cost_price", json!(-0.01)), "cost_price"),
        (with("stock_quantity", json!(-1)), "stock_quantity"),
        (with("reorder_level", json!(1.5)), "reorder_level"),
        (with("colour", json!("red")), "colour"),
        (with("needs_reorder", json!(true)), "needs_reorder"),
    ] {
        assert_eq!(
            field_error(call(&host, "POST", "/products", Some(body.clone()))),
            (422, field.into()),
            "{body}"
        );
    }
    let id = product(&host, "S", 1.0, 1);
    let (status, body) = call(&host, "POST", "/products", Some(with("sku", json!("S"))));
    assert_eq!((status, &body["error"]["field"]), (409, &json!("sku")));
    assert_eq!(
        field_error(call(
            &host,
            "PATCH",
            &format!("/products/{id}"),
            Some(json!({"stock_quantity": 100}))
        )),
        (422, "stock_quantity".into())
    );
}

#[test]
fn orders_take_prices_and_stock_from_products() {
    let host = TestHost::new();
    let pen = product(&host, "PEN", 1.10, 10);
    let ink = product(&host, "INK", 0.35, 10);

    let (status, first) = order(&host, &[(&pen, 3), (&ink, 3)]);
    assert_eq!(status, 201, "{first}");
    let year = eoex_sdk::validate::clock::year();
    assert_eq!(first["order_number"], format!("ORD-{year}-000001"));
    assert_eq!(first["status"], "pending");
    assert_eq!(first["total_amount"], json!(4.35));
    let items = first["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["unit_price"], json!(1.1));
    assert_eq!(items[0]["total_price"], json!(3.3));
    assert_eq!((stock(&host, &pen), stock(&host, &ink)), (7, 7));
    assert_eq!(ledger_sum(&host, &pen), 7);

    let (_, second) = order(&host, &[(&pen, 1)]);
    assert_eq!(second["order_number"], format!("ORD-{year}-000002"));
    assert_eq!(host.events()[0].topic, "erp.order.created");
}

#[test]
fn an_order_beyond_stock_changes_nothing() {
    let host = TestHost::new();
    let pen = product(&host, "PEN", 1.0, 5);
    let ink = product(&host, "INK", 1.0, 1);
    let (status, body) = order(&host, &[(&pen, 2), (&ink, 2)]);
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "insufficient_stock");
    assert_eq!((stock(&host, &pen), stock(&host, &ink)), (5, 1));
    assert!(host.records("erp.orders").is_empty());
    assert_eq!(host.records("erp.inventory_transactions").len(), 2);

    // The refused order's number was rolled back with it: no gap.
    let (_, placed) = order(&host, &[(&pen, 5)]);
    assert!(
        placed["order_number"]
            .as_str()
            .unwrap()
            .ends_with("-000001")
    );
    assert_eq!(stock(&host, &pen), 0);
}

#[test]
fn order_lines_are_validated() {
    let host = TestHost::new();
    let pen = product(&host, "PEN", 1.0, 5);
    let unknown = "6f1c2a44-0a1b-4c2d-8e3f-123456789abc";
    for (body, field) in [
        (json!({}), "items"),
        (json!({"items": []}), "items"),
        (json!({"items": {"product_id": pen}}), "items"),
        (json!({"items": [{"quantity": 1}]}), "items[0].product_id"),
        (
            json!({"items": [{"product_id": unknown, "quantity": 1}]}),
            "items[0].product_id",
        ),
        (
            json!({"items": [{"product_id": pen, "quantity": 0}]}),
            "items[0].quantity",
        ),
        (
            json!({"items": [{"product_id": pen, "quantity": 1, "price": 0}]}),
            "items[0].price",
        ),
        (
            json!({"items": [{"product_id": pen, "quantity": 1}], "total_amount": 0}),
            "total_amount",
        ),
        (
            json!({"items": [{"product_id": pen, "quantity": 1}], "customer_id": "x"}),
            "customer_id",
        ),
    ] {
        assert_eq!(
            field_error(call(&host, "POST", "/orders", Some(body.clone()))),
            (422, field.into()),
            "{body}"
        );
    }
    // Without CRM there are no customers to name.
    let (status, body) = call(
        &host,
        "POST",
        "/orders",
        Some(json!({"items": [{"product_id": pen, "quantity": 1}], "customer_id": unknown})),
    );
    assert_eq!(
        (status, &body["error"]["field"]),
        (422, &json!("customer_id"))
    );
    assert_eq!(stock(&host, &pen), 5);
}

#[test]
fn customers_are_crm_contacts() {
    let host = TestHost::new();
    host.install::<CrmContacts>().unwrap();
    let contact: Value = store::insert("contacts", &json!({"email": "a@b.co"})).unwrap();
    let pen = product(&host, "PEN", 2.0, 5);
    let body = |customer: &Value| json!({"items": [{"product_id": pen, "quantity": 1}], "customer_id": customer});
    let (status, placed) = call(&host, "POST", "/orders", Some(body(&contact["contact_id"])));
    assert_eq!(status, 201, "{placed}");
    assert_eq!(placed["customer_id"], contact["contact_id"]);
    let (status, _) = call(
        &host,
        "POST",
        "/orders",
        Some(body(&json!("6f1c2a44-0a1b-4c2d-8e3f-123456789abc"))),
    );
    assert_eq!(status, 422);
}

#[test]
fn status_flow_cancel_returns_stock_and_completion_is_published() {
    let host = TestHost::new();
    let pen = product(&host, "PEN", 1.0, 5);
    let (_, placed) = order(&host, &[(&pen, 4)]);
    let path = format!("/orders/{}/status", placed["order_id"].as_str().unwrap());
    let status = |to: &str| call(&host, "POST", &path, Some(json!({"status": to})));

    assert_eq!(status("shipped").0, 409);
    assert_eq!(status("completed").1["error"]["code"], "illegal_transition");
    assert_eq!(field_error(status("lost")), (422, "status".into()));
    assert_eq!(status("confirmed").0, 200);
    assert_eq!(status("cancelled").0, 200);
    assert_eq!(stock(&host, &pen), 5);
    assert_eq!(ledger_sum(&host, &pen), 5);
    assert_eq!(status("confirmed").0, 409, "cancelled is final");
    assert_eq!(stock(&host, &pen), 5, "stock returned once");

    let (_, second) = order(&host, &[(&pen, 1)]);
    let path = format!("/orders/{}/status", second["order_id"].as_str().unwrap());
    for to in ["confirmed", "shipped", "completed"] {
        let (code, body) = call(&host, "POST", &path, Some(json!({"status": to})));
        assert_eq!((code, body["status"].as_str()), (200, Some(to)));
    }
    let topics: Vec<String> = host.events().into_iter().map(|e| e.topic).collect();
    assert_eq!(
        topics,
        [
            "erp.order.created",
            "erp.order.cancelled",
            "erp.order.created",
            "erp.order.completed"
        ]
    );
    let completed = host.events().pop().unwrap().payload;
    assert_eq!(completed["total_amount"], json!(1.0));
    assert_eq!(completed["order_id"], second["order_id"]);
}

#[test]
fn adjustments_keep_stock_and_ledger_together() {
    let host = TestHost::new();
    let pen = product(&host, "PEN", 1.0, 3);
    let adjust = |body: Value| {
        call(
            &host,
            "POST",
            &format!("/products/{pen}/adjust"),
            Some(body),
        )
    };
    assert_eq!(
        adjust(json!({"quantity": 10, "transaction_type": "receipt"})).0,
        201
    );
    assert_eq!(
        adjust(json!({"quantity": -4, "transaction_type": "adjustment", "notes": "broken"})).0,
        201
    );
    assert_eq!(
        field_error(adjust(
            json!({"quantity": -1, "transaction_type": "receipt"})
        )),
        (422, "quantity".into())
    );
    assert_eq!(
        field_error(adjust(json!({"quantity": 1, "transaction_type": "sale"}))),
        (422, "transaction_type".into())
    );
    let (status, body) = adjust(json!({"quantity": -10, "transaction_type": "adjustment"}));
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("insufficient_stock"))
    );
    assert_eq!(stock(&host, &pen), 9);
    assert_eq!(ledger_sum(&host, &pen), 9);

    let (_, ledger) = call(
        &host,
        "GET",
        &format!("/inventory/transactions?product_id={pen}&sort=created_at"),
        None,
    );
    let types: Vec<&str> = ledger["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["transaction_type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["initial", "receipt", "adjustment"]);
}

#[test]
fn reorder_lists_products_at_or_below_their_level() {
    let host = TestHost::new();
    let low = product(&host, "LOW", 1.0, 2);
    let fine = product(&host, "FINE", 1.0, 3);
    let (_, listed) = call(&host, "GET", "/products/reorder", None);
    assert_eq!(listed["total"], 1);
    assert_eq!(listed["items"][0]["product_id"], low);
    assert_eq!(listed["items"][0]["current_stock"], 2);

    order(&host, &[(&fine, 1)]);
    call(
        &host,
        "PATCH",
        &format!("/products/{low}"),
        Some(json!({"reorder_level": 1})),
    );
    let (_, listed) = call(&host, "GET", "/products/reorder", None);
    let skus: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["sku"].as_str().unwrap())
        .collect();
    assert_eq!(skus, ["FINE"]);
}

#[test]
fn sales_summary_counts_completed_orders_per_day() {
    let host = TestHost::new();
    let pen = product(&host, "PEN", 2.5, 10);
    let complete = |id: &Value| {
        for to in ["confirmed", "shipped", "completed"] {
            call(
                &host,
                "POST",
                &format!("/orders/{}/status", id.as_str().unwrap()),
                Some(json!({"status": to})),
            );
        }
    };
    let (_, a) = order(&host, &[(&pen, 1)]);
    let (_, b) = order(&host, &[(&pen, 2)]);
    order(&host, &[(&pen, 4)]);
    complete(&a["order_id"]);
    complete(&b["order_id"]);

    let (status, summary) = call(&host, "GET", "/reports/sales-summary", None);
    assert_eq!(status, 200, "{summary}");
    let today = eoex_sdk::validate::clock::today();
    assert_eq!(summary["to"], today);
    assert_eq!(
        summary["days"],
        json!([{"order_date": today, "total_orders": 2, "total_revenue": 7.5, "avg_order_value": 3.75}])
    );
    let (_, none) = call(
        &host,
        "GET",
        "/reports/sales-summary?from=2020-01-01&to=2020-01-31",
        None,
    );
    assert_eq!(none["days"], json!([]));
    assert_eq!(none["totals"]["avg_order_value"], Value::Null);
    for (query, field) in [
        ("from=2020-02-30", "from"),
        ("from=2020-02-01&to=2020-01-01", "to"),
        ("from=2020-01-01&to=2022-01-01", "to"),
    ] {
        assert_eq!(
            field_error(call(
                &host,
                "GET",
                &format!("/reports/sales-summary?{query}"),
                None
            )),
            (422, field.into()),
            "{query}"
        );
    }
}

#[test]
fn products_used_by_orders_stay() {
    let host = TestHost::new();
    let pen = product(&host, "PEN", 1.0, 5);
    let spare = product(&host, "SPARE", 1.0, 5);
    order(&host, &[(&pen, 1)]);
    assert_eq!(
        call(&host, "DELETE", &format!("/products/{pen}"), None).0,
        409
    );
    assert_eq!(
        call(&host, "DELETE", &format!("/products/{spare}"), None).0,
        204
    );
    assert_eq!(
        call(&host, "GET", &format!("/products/{spare}"), None).0,
        404
    );
    assert!(
        host.records("erp.inventory_transactions")
            .iter()
            .all(|t| t["product_id"] != spare)
    );
}
