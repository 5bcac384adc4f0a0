//! `/products`: the catalogue, with stock kept by the ledger.

use eoex_sdk::prelude::*;
use serde_json::{Map, Value, json};

use crate::input::{self, invalid};
use crate::inventory;

const SORTABLE: [&str; 8] = [
    "sku",
    "name",
    "category",
    "unit_price",
    "stock_quantity",
    "reorder_level",
    "created_at",
    "updated_at",
];

/// Everything a client may set; `stock_quantity` only when creating.
fn check(name: &str, value: Value) -> Result<Value, Error> {
    match name {
        "sku" => input::text(name, value, 100, true),
        "name" => input::text(name, value, 255, true),
        "description" => input::text(name, value, 10_000, false),
        "category" => input::text(name, value, 100, false),
        "unit_price" => input::money(name, value, true),
        "cost_price" => input::money(name, value, false),
        "reorder_level" => input::whole(name, &value, 0, 1_000_000_000).map(Value::from),
        "stock_quantity" => input::whole(name, &value, 0, 1_000_000_000).map(Value::from),
        "metadata" => input::json_object(name, value),
        _ => Err(invalid(name, format!("{name} is not a product field"))),
    }
}

fn product_error(error: HostError) -> Error {
    match error {
        HostError::NotFound => Error::not_found("product"),
        HostError::Conflict(field) => Error::conflict(
            "already_exists",
            format!("a product with this {field} already exists"),
        )
        .with_field(field),
        other => other.into(),
    }
}

/// Sets `needs_reorder` to what the stock and level say, when it differs.
pub fn sync_reorder_flag(product: Value) -> Result<Value, Error> {
    let needs = product["stock_quantity"].as_i64() <= product["reorder_level"].as_i64();
    if product["needs_reorder"].as_bool() == Some(needs) {
        return Ok(product);
    }
    let id = product["product_id"].as_str().unwrap_or_default();
    store::update("products", id, &json!({ "needs_reorder": needs })).map_err(product_error)
}

pub fn create(request: &Request) -> Result<Response, Error> {
    let mut product = input::checked(
        input::object(request)?,
        &["sku", "name", "unit_price"],
        check,
    )?;
    let opening = product
        .remove("stock_quantity")
        .and_then(|v| v.as_i64())
        .unwrap_or(0);
    product.insert("needs_reorder".into(), json!(false));
    let created: Value = store::insert("products", &product).map_err(product_error)?;
    let id = created["product_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    // The opening stock is the ledger's first entry, so stock always equals the ledger.
    let created = if opening > 0 {
        inventory::move_stock(&id, opening, "initial", None, Some("opening stock"))?
    } else {
        sync_reorder_flag(created)?
    };
    Ok(Response::created(&created))
}

pub fn show(request: &Request) -> Result<Response, Error> {
    let product: Option<Value> = store::get("products", request.param("product_id"))?;
    product
        .map(|p| Response::ok(&p))
        .ok_or_else(|| Error::not_found("product"))
}

pub fn edit(request: &Request) -> Result<Response, Error> {
    let id = request.param("product_id");
    let body = input::object(request)?;
    if body.contains_key("stock_quantity") {
        return Err(invalid(
            "stock_quantity",
            "stock changes go through POST /products/{product_id}/adjust, so the ledger records them",
        ));
    }
    let changes: Map<String, Value> = input::checked(body, &[], check)?;
    let product: Value = if changes.is_empty() {
        store::get("products", id)?.ok_or_else(|| Error::not_found("product"))?
    } else {
        store::update("products", id, &changes).map_err(product_error)?
    };
    Ok(Response::ok(&sync_reorder_flag(product)?))
}

/// A product some order uses stays: the orders refer to it.
pub fn remove(request: &Request) -> Result<Response, Error> {
    let id = request.param("product_id");
    if store::get::<Value>("products", id)?.is_none() {
        return Err(Error::not_found("product"));
    }
    let used = Query::new("order_items")
        .filter(Filter::eq("product_id", id))
        .count()?;
    if used > 0 {
        return Err(Error::conflict(
            "product_in_use",
            format!("{used} order line(s) use this product; it cannot be deleted"),
        ));
    }
    // Its ledger goes with it (no order used it: only opening stock and hand moves).
    loop {
        let ledger: Page<Value> = Query::new("inventory_transactions")
            .filter(Filter::eq("product_id", id))
            .limit(1000)
            .fetch()?;
        if ledger.records.is_empty() {
            break;
        }
        for entry in &ledger.records {
            store::delete(
                "inventory_transactions",
                entry["transaction_id"].as_str().unwrap_or_default(),
            )?;
        }
    }
    store::delete("products", id)?;
    Ok(Response::no_content())
}

pub fn list(request: &Request) -> Result<Response, Error> {
    let listing = Listing::from_request(request, &SORTABLE, "name")?;
    let mut query = Query::new("products");
    if let Some(search) = request
        .query("search")
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        query = query.filter(Filter::any([
            Filter::contains("name", search),
            Filter::contains("sku", search),
        ]));
    }
    if let Some(category) = request.query("category") {
        query = query.filter(Filter::eq("category", category));
    }
    match request.query("needs_reorder") {
        None => {}
        Some("true") => query = query.filter(Filter::eq("needs_reorder", true)),
        Some("false") => query = query.filter(Filter::eq("needs_reorder", false)),
        Some(_) => {
            return Err(invalid(
                "needs_reorder",
                "needs_reorder must be true or false",
            ));
        }
    }
    listing.respond(query)
}

/// The design's `check_reorder_levels()`: products at or below their reorder level,
/// lowest stock first.
pub fn reorder(request: &Request) -> Result<Response, Error> {
    let listing = Listing::from_request(request, &SORTABLE, "stock_quantity")?;
    let listed =
        listing.fetch::<Value>(Query::new("products").filter(Filter::eq("needs_reorder", true)))?;
    Ok(Response::ok(&listed.map(|p| {
        json!({
            "product_id": p["product_id"],
            "product_name": p["name"],
            "sku": p["sku"],
            "current_stock": p["stock_quantity"],
            "reorder_level": p["reorder_level"],
            "shortfall": p["reorder_level"].as_i64().unwrap_or(0) - p["stock_quantity"].as_i64().unwrap_or(0),
        })
    })))
}
