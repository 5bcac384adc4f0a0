//! The in-memory host against the rules of the real one.

use serde_json::{Value, json};

use super::{Event, TENANT_ID, TestHost, USER_ID};
use crate::prelude::*;
use crate::store::Scalar;

struct Shop;

impl Plugin for Shop {
    fn manifest() -> Manifest {
        Manifest::new("shop", "1.2.0")
            .entity(
                Entity::new("products", "product_id")
                    .field(Field::text("sku").required().unique().max_length(8))
                    .field(Field::text("name").required())
                    .field(
                        Field::text("status")
                            .choices(["draft", "live"])
                            .default("draft"),
                    )
                    .field(Field::integer("stock").default(0))
                    .field(Field::decimal("price"))
                    .field(Field::boolean("featured"))
                    .field(Field::date("launch"))
                    .field(Field::timestamp("sold_at"))
                    .field(Field::uuid("owner"))
                    .field(Field::json("extra"))
                    .field(Field::text("region"))
                    .field(Field::text("code"))
                    .unique_index(["region", "code"])
                    .exposed(),
            )
            .entity(Entity::new("drafts", "draft_id").field(Field::text("body")))
            .subscribe("billing.paid")
    }

    fn router() -> Router {
        Router::new()
            .post("/products", |request| {
                let product: Value = store::insert("products", &request.json::<Value>()?)?;
                events::publish("shop.product.created", &product)?;
                Ok(Response::created(&product))
            })
            .post("/products/fail", |request| {
                store::insert::<Value>("products", &request.json::<Value>()?)?;
                events::publish("shop.product.created", &json!({}))?;
                sequence::next("attempts")?;
                Err(Error::validation("sku", "rejected after the insert"))
            })
            .post("/numbers", |_| {
                Ok(Response::ok(&sequence::next("invoices")?))
            })
            .get("/whoami", |request| Ok(Response::ok(&request.context())))
            .post("/announce", |request| {
                let topic: String = request.json()?;
                events::publish(&topic, &json!(null))?;
                Ok(Response::no_content())
            })
    }

    fn on_install() -> Result<(), Error> {
        log::info("installing");
        let context = crate::context();
        store::insert::<Value>("drafts", &json!({ "body": context.role }))?;
        Ok(())
    }

    fn on_event(_topic: &str, payload: Value) -> Result<(), Error> {
        store::insert::<Value>("products", &payload)?;
        Ok(())
    }
}

struct Billing;

impl Plugin for Billing {
    fn manifest() -> Manifest {
        Manifest::new("billing", "1.0.0")
            .permission("shop.products", Access::Read)
            .permission("shop.drafts", Access::Write)
    }

    fn router() -> Router {
        Router::new()
            .get("/products", |_| {
                let page: Page<Value> = Query::new("shop.products").fetch()?;
                Ok(Response::ok(&page.records))
            })
            .post("/products", |_| {
                let product: Value =
                    store::insert("shop.products", &json!({"sku": "X", "name": "X"}))?;
                Ok(Response::created(&product))
            })
            .get("/drafts", |_| {
                Ok(Response::ok(&Query::new("shop.drafts").count()?))
            })
            .get("/orders", |_| {
                Ok(Response::ok(&Query::new("shop.orders").count()?))
            })
    }
}

fn host() -> TestHost {
    let host = TestHost::new();
    host.install::<Shop>().unwrap();
    host
}

fn product(sku: &str) -> Value {
    json!({ "sku": sku, "name": format!("Product {sku}") })
}

fn insert(record: Value) -> Result<Value, HostError> {
    store::insert("products", &record)
}

fn invalid(result: Result<Value, HostError>) -> String {
    match result {
        Err(HostError::Invalid(message)) => message,
        other => panic!("expected invalid, got {other:?}"),
    }
}

#[test]
fn insert_assigns_id_timestamps_defaults_and_nulls() {
    let _host = host();
    let record = insert(product("A1")).unwrap();
    let id = record["product_id"].as_str().unwrap();
    let uuid = uuid::Uuid::parse_str(id).unwrap();
    assert_eq!(
        uuid.get_version_num(),
        7,
        "time-ordered, as the host assigns them"
    );
    assert_eq!(record["status"], "draft");
    assert_eq!(record["stock"], 0);
    assert_eq!(record["price"], Value::Null);
    let created = record["created_at"].as_str().unwrap();
    assert!(
        chrono::DateTime::parse_from_rfc3339(created).is_ok(),
        "{created}"
    );
    assert_eq!(record["created_at"], record["updated_at"]);
    assert_eq!(store::get::<Value>("products", id).unwrap(), Some(record));
}

#[test]
fn insert_checks_fields_and_names_them() {
    let _host = host();
    let cases = [
        (json!({"sku": "A"}), "name: is required"),
        (json!({"sku": "A", "name": null}), "name: is required"),
        (json!({"sku": " ", "name": "x"}), "sku: must not be empty"),
        (json!({"sku": 5, "name": "x"}), "sku: expected text, got 5"),
        (
            json!({"sku": "TOO-LONG-SKU", "name": "x"}),
            "sku: must be at most 8 characters",
        ),
        (
            json!({"sku": "A", "name": "x", "status": "gone"}),
            "status: must be one of draft, live",
        ),
        (
            json!({"sku": "A", "name": "x", "stock": 1.5}),
            "stock: expected an integer",
        ),
        (
            json!({"sku": "A", "name": "x", "price": "1"}),
            "price: expected a number",
        ),
        (
            json!({"sku": "A", "name": "x", "featured": 1}),
            "featured: expected true or false",
        ),
        (
            json!({"sku": "A", "name": "x", "launch": "2025-13-01"}),
            "launch: expected a date",
        ),
        (
            json!({"sku": "A", "name": "x", "sold_at": "yesterday"}),
            "sold_at: expected an RFC 3339",
        ),
        (
            json!({"sku": "A", "name": "x", "owner": "bob"}),
            "owner: expected a UUID",
        ),
        (
            json!({"sku": "A", "name": "x", "colour": "red"}),
            "colour: no such field in products",
        ),
        (
            json!({"sku": "A", "name": "x", "product_id": "x"}),
            "product_id: maintained by the host",
        ),
        (
            json!({"sku": "A", "name": "x", "created_at": "x"}),
            "created_at: maintained by the host",
        ),
        (
            json!(["not", "an", "object"]),
            "record: expected a JSON object",
        ),
    ];
    for (record, expected) in cases {
        let message = invalid(insert(record.clone()));
        assert!(message.starts_with(expected), "{record}: {message}");
    }
    assert_eq!(Query::new("products").count(), Ok(0));
}

#[test]
fn values_are_normalised_like_the_database() {
    let _host = host();
    let record = insert(json!({
        "sku": "N1",
        "name": "x",
        "sold_at": "2025-03-01T12:00:00+02:00",
        "owner": "6F1C2A44-0A1B-4C2D-8E3F-123456789ABC",
        "extra": {"any": ["json"]},
    }))
    .unwrap();
    assert_eq!(record["sold_at"], "2025-03-01T10:00:00.000000Z");
    assert_eq!(record["owner"], "6f1c2a44-0a1b-4c2d-8e3f-123456789abc");
    assert_eq!(record["extra"], json!({"any": ["json"]}));
}

#[test]
fn unique_fields_and_indexes_conflict_but_nulls_do_not() {
    let _host = host();
    insert(product("U1")).unwrap();
    assert_eq!(
        insert(product("U1")),
        Err(HostError::Conflict("sku".into()))
    );
    let with_code = |sku: &str, region: Option<&str>| json!({"sku": sku, "name": "x", "region": region, "code": "C"});
    insert(with_code("U2", Some("eu"))).unwrap();
    insert(with_code("U3", Some("us"))).unwrap();
    assert_eq!(
        insert(with_code("U4", Some("eu"))),
        Err(HostError::Conflict("region_code".into()))
    );
    insert(with_code("U5", None)).unwrap();
    insert(with_code("U6", None)).unwrap();

    let u2: Value = Query::new("products")
        .filter(Filter::eq("sku", "U2"))
        .fetch::<Value>()
        .unwrap()
        .records
        .remove(0);
    let id = u2["product_id"].as_str().unwrap();
    assert_eq!(
        store::update::<Value>("products", id, &json!({"sku": "U1"})),
        Err(HostError::Conflict("sku".into()))
    );
    let same: Value = store::update("products", id, &json!({"sku": "U2", "name": "y"})).unwrap();
    assert_eq!(same["name"], "y");
}

#[test]
fn update_sets_given_fields_and_checks_them() {
    let _host = host();
    let record = insert(product("P1")).unwrap();
    let id = record["product_id"].as_str().unwrap();
    let updated: Value =
        store::update("products", id, &json!({"price": 9.5, "status": "live"})).unwrap();
    assert_eq!(updated["price"], 9.5);
    assert_eq!(updated["status"], "live");
    assert_eq!(updated["sku"], "P1");
    assert_eq!(updated["created_at"], record["created_at"]);
    assert!(updated["updated_at"].as_str() > record["updated_at"].as_str());
    assert!(
        invalid(store::update("products", id, &json!({"name": null})))
            .starts_with("name: is required")
    );
    assert!(
        invalid(store::update("products", id, &json!({"product_id": id}))).contains("maintained")
    );
    let missing = "6f1c2a44-0a1b-4c2d-8e3f-123456789abc";
    assert_eq!(
        store::update::<Value>("products", missing, &json!({"name": "x"})),
        Err(HostError::NotFound)
    );
}

#[test]
fn conditional_update_and_increment() {
    let _host = host();
    let record = insert(json!({"sku": "S1", "name": "x", "stock": 10})).unwrap();
    let id = record["product_id"].as_str().unwrap();

    let taken: Value =
        store::increment_if("products", id, "stock", -5.0, Filter::gte("stock", 5)).unwrap();
    assert_eq!(taken["stock"], 5);
    let taken: Value =
        store::increment_if("products", id, "stock", -5.0, Filter::gte("stock", 5)).unwrap();
    assert_eq!(taken["stock"], 0);
    assert_eq!(
        store::increment_if::<Value>("products", id, "stock", -5.0, Filter::gte("stock", 5)),
        Err(HostError::ConditionFailed)
    );
    assert!(invalid(store::increment("products", id, "stock", 0.5)).contains("whole"));
    assert!(
        invalid(store::increment("products", id, "name", 1.0)).contains("only integer and decimal")
    );
    let priced: Value = store::increment("products", id, "price", 2.25).unwrap();
    assert_eq!(priced["price"], 2.25);

    assert_eq!(
        store::update_if::<Value>(
            "products",
            id,
            &json!({"status": "live"}),
            Filter::eq("status", "live")
        ),
        Err(HostError::ConditionFailed)
    );
    let live: Value = store::update_if(
        "products",
        id,
        &json!({"status": "live"}),
        Filter::eq("status", "draft"),
    )
    .unwrap();
    assert_eq!(live["status"], "live");
}

#[test]
fn malformed_ids_are_absent_and_delete_reports() {
    let _host = host();
    let record = insert(product("D1")).unwrap();
    let id = record["product_id"].as_str().unwrap();
    assert_eq!(store::get::<Value>("products", "nope"), Ok(None));
    assert_eq!(
        store::update::<Value>("products", "nope", &json!({})),
        Err(HostError::NotFound)
    );
    assert_eq!(store::delete("products", "nope"), Ok(false));
    assert_eq!(store::delete("products", id), Ok(true));
    assert_eq!(store::delete("products", id), Ok(false));
    assert_eq!(store::get::<Value>("products", id), Ok(None));
}

/// Six products: stock 0..=5, every other one featured, one without a price.
fn seed() {
    for i in 0..6 {
        let price = if i == 3 {
            Value::Null
        } else {
            json!(i as f64 * 1.5)
        };
        insert(json!({
            "sku": format!("Q{i}"),
            "name": if i % 2 == 0 { format!("Blue widget {i}") } else { format!("red GADGET {i}") },
            "stock": i,
            "price": price,
            "featured": i % 2 == 0,
            "status": if i < 4 { "draft" } else { "live" },
            "sold_at": format!("2025-01-0{}T23:30:00Z", 1 + i / 2),
        }))
        .unwrap();
    }
}

fn skus(filter: Filter) -> Vec<String> {
    Query::new("products")
        .filter(filter)
        .sort_asc("sku")
        .fetch::<Value>()
        .unwrap()
        .records
        .iter()
        .map(|r| r["sku"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn filters_follow_sql_semantics() {
    let _host = host();
    seed();
    let cases: Vec<(Filter, &[&str])> = vec![
        (Filter::eq("stock", 2), &["Q2"]),
        (Filter::gt("stock", 3), &["Q4", "Q5"]),
        (Filter::lte("price", 1.5), &["Q0", "Q1"]),
        // `ne` matches nulls; other comparisons, and their negations, do not.
        (Filter::ne("price", 0.0), &["Q1", "Q2", "Q3", "Q4", "Q5"]),
        (!Filter::gt("price", 2.0), &["Q0", "Q1"]),
        (Filter::gt("stock", 4.5), &["Q5"]),
        (Filter::is_null("price"), &["Q3"]),
        (
            Filter::is_not_null("launch").or(Filter::eq("sku", "Q0")),
            &["Q0"],
        ),
        (Filter::contains("name", "GADget"), &["Q1", "Q3", "Q5"]),
        (Filter::in_list("sku", ["Q1", "Q4", "Q9"]), &["Q1", "Q4"]),
        (
            Filter::eq("featured", true).and(Filter::eq("status", "live")),
            &["Q4"],
        ),
        (
            Filter::eq("status", "live").or(Filter::lt("stock", 1)),
            &["Q0", "Q4", "Q5"],
        ),
        (
            Filter::gte("sold_at", "2025-01-02T00:00:00+00:00"),
            &["Q2", "Q3", "Q4", "Q5"],
        ),
        (Filter::all([]), &["Q0", "Q1", "Q2", "Q3", "Q4", "Q5"]),
        (Filter::any([]), &[]),
    ];
    for (filter, expected) in cases {
        assert_eq!(skus(filter.clone()), *expected, "{filter:?}");
        assert_eq!(
            Query::new("products").filter(filter).count().unwrap(),
            expected.len() as u64
        );
    }
}

#[test]
fn filters_on_unknown_fields_or_wrong_types_are_invalid() {
    let _host = host();
    let count = |filter: Filter| Query::new("products").filter(filter).count();
    for filter in [
        Filter::eq("colour", "red"),
        Filter::eq("stock", "two"),
        Filter::eq("featured", 1),
        Filter::eq("stock", None::<i64>),
        Filter::eq("owner", "bob"),
        Filter::eq("launch", "March"),
        Filter::contains("stock", "1"),
        Filter::contains("launch", "2025"),
        Filter::lt("sold_at", "not a time"),
        Filter::in_list("stock", ["a"]),
    ] {
        assert!(
            matches!(count(filter.clone()), Err(HostError::Invalid(_))),
            "{filter:?}"
        );
    }
    assert!(count(Filter::is_null("extra")).is_ok());
    assert!(
        count(Filter::eq("extra", "x")).is_ok(),
        "json compares as JSON text"
    );
    assert!(count(Filter::in_list("stock", [None, Some(1)])).is_ok());
}

#[test]
fn sort_limit_offset_and_cursor() {
    let _host = host();
    seed();
    let page: Page<Value> = Query::new("products")
        .sort_desc("price")
        .limit(3)
        .fetch()
        .unwrap();
    let prices: Vec<&Value> = page.records.iter().map(|r| &r["price"]).collect();
    // Nulls last in either direction.
    assert_eq!(prices, [&json!(7.5), &json!(6.0), &json!(3.0)]);

    let sorted = |query: Query| -> Vec<String> {
        query
            .fetch::<Value>()
            .unwrap()
            .records
            .iter()
            .map(|r| r["sku"].as_str().unwrap().into())
            .collect()
    };
    let by_status_then_stock = Query::new("products")
        .sort_desc("status")
        .sort_desc("stock");
    assert_eq!(
        sorted(by_status_then_stock),
        ["Q5", "Q4", "Q3", "Q2", "Q1", "Q0"]
    );
    assert_eq!(
        sorted(Query::new("products").sort_asc("price").offset(4).limit(10)),
        ["Q5", "Q3"]
    );
    assert_eq!(
        sorted(Query::new("products").sort_desc("created_at").limit(2)),
        ["Q5", "Q4"]
    );

    let mut seen = Vec::new();
    let mut query = Query::new("products").sort_asc("sku").limit(4);
    loop {
        let page: Page<Value> = query.fetch().unwrap();
        seen.extend(
            page.records
                .iter()
                .map(|r| r["sku"].as_str().unwrap().to_string()),
        );
        match page.next_cursor {
            Some(cursor) => query = query.cursor(cursor),
            None => break,
        }
    }
    assert_eq!(seen, ["Q0", "Q1", "Q2", "Q3", "Q4", "Q5"]);

    let clamped = |limit| {
        Query::new("products")
            .limit(limit)
            .fetch::<Value>()
            .unwrap()
    };
    assert_eq!(clamped(0).records.len(), 1);
    assert_eq!(clamped(5000).records.len(), 6);

    for query in [
        Query::new("products").sort_asc("colour"),
        Query::new("products").cursor("page-2"),
    ] {
        assert!(
            matches!(query.fetch::<Value>(), Err(HostError::Invalid(_))),
            "{query:?}"
        );
    }
}

#[test]
fn day_groups_come_in_date_order_whatever_the_insertion_order() {
    let _host = host();
    for (sku, day) in [
        ("A", "2025-03-02"),
        ("B", "2025-01-15"),
        ("C", "2025-02-01"),
    ] {
        let mut record = product(sku);
        record["sold_at"] = json!(format!("{day}T12:00:00Z"));
        insert(record).unwrap();
    }
    let days: Vec<Value> = Aggregation::new("products")
        .group_by_day("sold_at")
        .count("n")
        .fetch()
        .unwrap();
    let days: Vec<&str> = days
        .iter()
        .map(|d| d["sold_at"].as_str().unwrap())
        .collect();
    assert_eq!(days, ["2025-01-15", "2025-02-01", "2025-03-02"]);
}

#[test]
fn aggregations_group_by_field_and_day() {
    let _host = host();
    seed();
    let rows: Vec<Value> = Aggregation::new("products")
        .group_by("status")
        .count("n")
        .sum("stock", "stock")
        .avg("price", "avg_price")
        .min("price", "cheapest")
        .max("sku", "last_sku")
        .fetch()
        .unwrap();
    assert_eq!(
        rows,
        [
            json!({"status": "draft", "n": 4, "stock": 6, "avg_price": 1.5, "cheapest": 0.0, "last_sku": "Q3"}),
            json!({"status": "live", "n": 2, "stock": 9, "avg_price": 6.75, "cheapest": 6.0, "last_sku": "Q5"}),
        ]
    );
    let by_day: Vec<Value> = Aggregation::new("products")
        .filter(Filter::gt("stock", 0))
        .group_by_day("sold_at")
        .count("sold")
        .fetch()
        .unwrap();
    assert_eq!(
        by_day,
        [
            json!({"sold_at": "2025-01-01", "sold": 1}),
            json!({"sold_at": "2025-01-02", "sold": 2}),
            json!({"sold_at": "2025-01-03", "sold": 2}),
        ]
    );
    let empty: Vec<Value> = Aggregation::new("products")
        .filter(Filter::eq("sku", "none"))
        .count("n")
        .sum("price", "total")
        .fetch()
        .unwrap();
    assert_eq!(empty, [json!({"n": 0, "total": null})]);
    assert!(matches!(
        Aggregation::new("products")
            .sum("name", "x")
            .fetch::<Value>(),
        Err(HostError::Invalid(_))
    ));
    assert!(matches!(
        Aggregation::new("products")
            .group_by_day("stock")
            .count("n")
            .fetch::<Value>(),
        Err(HostError::Invalid(_))
    ));
}

#[test]
fn calls_commit_below_400_and_roll_back_otherwise() {
    let host = TestHost::new();
    let created = host.call::<Shop>("POST", "/products", Some(product("C1")));
    assert_eq!(created.status(), 201);
    let body: Value = created.body_json().unwrap();
    assert_eq!(host.records("products"), std::slice::from_ref(&body));
    assert_eq!(
        host.events(),
        [Event {
            topic: "shop.product.created".into(),
            payload: body
        }]
    );
    assert_eq!(host.call::<Shop>("POST", "/numbers", None).body(), b"1");

    let failed = host.call::<Shop>("POST", "/products/fail", Some(product("C2")));
    assert_eq!(failed.status(), 422);
    assert_eq!(host.records("products").len(), 1);
    assert_eq!(host.events().len(), 1);
    assert_eq!(host.call::<Shop>("POST", "/numbers", None).body(), b"2");

    let duplicate = host.call::<Shop>("POST", "/products", Some(product("C1")));
    assert_eq!(duplicate.status(), 409);
    let error: Value = duplicate.body_json().unwrap();
    assert_eq!(error["error"]["code"], "already_exists");
    assert_eq!(error["error"]["field"], "sku");

    assert_eq!(host.call::<Shop>("GET", "/nowhere", None).status(), 404);
    assert_eq!(host.call::<Shop>("GET", "/products", None).status(), 405);
}

#[test]
fn context_names_tenant_user_role_module_and_request() {
    let host = TestHost::new()
        .with_role("readonly")
        .with_features(["export"]);
    let first: Value = host
        .call::<Shop>("GET", "/whoami", None)
        .body_json()
        .unwrap();
    let second: Value = host
        .call::<Shop>("GET", "/whoami", None)
        .body_json()
        .unwrap();
    assert_eq!(first["tenant_id"], TENANT_ID);
    assert_eq!(first["user_id"], USER_ID);
    assert_eq!(first["role"], "readonly");
    assert_eq!(first["features"], json!(["export"]));
    assert_eq!(first["module"], "shop");
    assert_eq!(first["module_version"], "1.2.0");
    assert_ne!(first["request_id"], second["request_id"]);
}

#[test]
fn readonly_callers_read_but_cannot_write() {
    let host = TestHost::new();
    host.call::<Shop>("POST", "/products", Some(product("R1")));
    let host = host.with_role("readonly");
    let refused = host.call::<Shop>("POST", "/products", Some(product("R2")));
    assert_eq!(refused.status(), 403);
    assert_eq!(host.call::<Shop>("POST", "/numbers", None).status(), 403);
    assert_eq!(host.call::<Shop>("GET", "/whoami", None).status(), 200);
    assert_eq!(host.records("products").len(), 1);
}

#[test]
fn hooks_run_as_system_and_events_need_a_subscription() {
    let host = TestHost::new();
    host.install::<Shop>().unwrap();
    assert_eq!(host.records("drafts")[0]["body"], "system");
    assert!(
        host.logs()
            .contains(&(crate::log::Level::Info, "installing".into()))
    );

    host.deliver::<Shop>("billing.paid", product("E1")).unwrap();
    assert_eq!(host.records("products").len(), 1);
    let error = host.deliver::<Shop>("billing.paid", json!({})).unwrap_err();
    assert_eq!(error.status(), 422);
    assert_eq!(host.records("products").len(), 1);
}

#[test]
#[should_panic(expected = "does not subscribe")]
fn delivering_an_unsubscribed_topic_panics() {
    let _ = TestHost::new().deliver::<Shop>("erp.order.completed", json!({}));
}

#[test]
fn topics_must_start_with_the_module_name() {
    let host = TestHost::new();
    for topic in ["billing.paid", "shop.", "shop"] {
        let refused = host.call::<Shop>("POST", "/announce", Some(json!(topic)));
        assert_eq!(refused.status(), 422, "{topic}");
    }
    let allowed = host.call::<Shop>("POST", "/announce", Some(json!("shop.hello")));
    assert_eq!(allowed.status(), 204);
    assert_eq!(host.events()[0].topic, "shop.hello");
}

#[test]
fn entities_of_other_modules_need_permission_and_exposure() {
    let host = TestHost::new();
    host.install::<Shop>().unwrap();
    insert(product("X1")).unwrap();

    let read = host.call::<Billing>("GET", "/products", None);
    assert_eq!(read.status(), 200);
    assert_eq!(read.body_json::<Vec<Value>>().unwrap()[0]["sku"], "X1");
    let status = |path: &str, method: &str| host.call::<Billing>(method, path, None).status();
    assert_eq!(status("/products", "POST"), 403, "read permission only");
    assert_eq!(status("/drafts", "GET"), 403, "not exposed");
    assert_eq!(status("/orders", "GET"), 403, "no permission");

    host.install::<Shop>().unwrap();
    assert!(matches!(
        store::insert::<Value>("secrets", &json!({})),
        Err(HostError::Denied(_))
    ));
    assert!(store::insert::<Value>("shop.products", &product("X2")).is_ok());
}

#[test]
fn scalars_in_filters_accept_plain_rust_values() {
    let _host = host();
    seed();
    let none: Option<i64> = None;
    assert_eq!(Scalar::from(none), Scalar::Null);
    assert_eq!(skus(Filter::in_list("stock", [none, Some(2)])), ["Q2"]);
    assert_eq!(skus(Filter::eq("sku", String::from("Q1"))), ["Q1"]);
}
