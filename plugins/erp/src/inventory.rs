//! The inventory ledger: every stock change is an entry, written with the change.

use eoex_sdk::prelude::*;
use serde_json::{Map, Value, json};

use crate::input::{self, invalid};
use crate::products;

/// `initial`: opening stock of a new product; `sale` and `return`: an order taking
/// and giving back stock; `receipt` and `adjustment`: stock moved by hand.
pub const TRANSACTION_TYPES: [&str; 5] = ["initial", "sale", "return", "receipt", "adjustment"];

/// What a stock movement is for: the ledger's `reference_type` and `reference_id`.
pub struct Reference<'a> {
    pub kind: &'a str,
    pub id: &'a str,
}

/// Changes a product's stock by `delta` and writes the ledger entry, in the request's
/// transaction. Taking more than is in stock changes nothing and is a 409: the check
/// and the change are one conditional update, so concurrent orders cannot oversell.
pub fn move_stock(
    product_id: &str,
    delta: i64,
    transaction_type: &str,
    reference: Option<Reference>,
    notes: Option<&str>,
) -> Result<Value, Error> {
    let product: Value = if delta < 0 {
        store::increment_if(
            "products",
            product_id,
            "stock_quantity",
            delta as f64,
            Filter::gte("stock_quantity", -delta),
        )
    } else {
        store::increment("products", product_id, "stock_quantity", delta as f64)
    }
    .map_err(|error| match error {
        HostError::ConditionFailed => insufficient_stock(product_id, -delta),
        HostError::NotFound => Error::not_found("product"),
        other => other.into(),
    })?;
    let product = products::sync_reorder_flag(product)?;
    let user = eoex_sdk::context().user_id;
    let mut entry = json!({
        "product_id": product_id,
        "transaction_type": transaction_type,
        "quantity": delta,
        "notes": notes,
        "created_by": user,
    });
    if let Some(reference) = reference {
        entry["reference_type"] = json!(reference.kind);
        entry["reference_id"] = json!(reference.id);
    }
    let _: Value = store::insert("inventory_transactions", &entry)?;
    Ok(product)
}

fn insufficient_stock(product_id: &str, wanted: i64) -> Error {
    let product: Option<Value> = store::get("products", product_id).ok().flatten();
    let message = match product {
        Some(p) => format!(
            "not enough stock of {} ({}): {} wanted, {} available",
            p["name"].as_str().unwrap_or_default(),
            p["sku"].as_str().unwrap_or_default(),
            wanted,
            p["stock_quantity"]
        ),
        None => format!("not enough stock: {wanted} wanted"),
    };
    Error::conflict("insufficient_stock", message)
}

/// `POST /products/{product_id}/adjust` `{quantity, transaction_type, notes?}`.
pub fn adjust(request: &Request) -> Result<Response, Error> {
    let id = request.param("product_id");
    let body = input::object(request)?;
    check_keys(&body)?;
    let transaction_type = match body.get("transaction_type").and_then(Value::as_str) {
        Some(kind @ ("receipt" | "adjustment")) => kind,
        _ => {
            return Err(invalid(
                "transaction_type",
                "transaction_type must be receipt or adjustment",
            ));
        }
    };
    let quantity = body
        .get("quantity")
        .ok_or_else(|| invalid("quantity", "quantity is required"))?;
    let quantity = input::whole("quantity", quantity, -1_000_000_000, 1_000_000_000)?;
    if quantity == 0 || (transaction_type == "receipt" && quantity < 0) {
        return Err(invalid(
            "quantity",
            "quantity must be above 0 for a receipt, and not 0 for an adjustment",
        ));
    }
    let notes = input::text(
        "notes",
        body.get("notes").cloned().unwrap_or(Value::Null),
        2000,
        false,
    )?;
    if store::get::<Value>("products", id)?.is_none() {
        return Err(Error::not_found("product"));
    }
    let product = move_stock(id, quantity, transaction_type, None, notes.as_str())?;
    Ok(Response::created(&product))
}

fn check_keys(body: &Map<String, Value>) -> Result<(), Error> {
    match body
        .keys()
        .find(|k| !["quantity", "transaction_type", "notes"].contains(&k.as_str()))
    {
        Some(unknown) => Err(invalid(
            unknown,
            format!("{unknown} is not an adjustment field"),
        )),
        None => Ok(()),
    }
}

const SORTABLE: [&str; 3] = ["created_at", "quantity", "transaction_type"];

/// `GET /inventory/transactions?product_id=&transaction_type=`.
pub fn list(request: &Request) -> Result<Response, Error> {
    let listing = Listing::from_request(request, &SORTABLE, "-created_at")?;
    let mut query = Query::new("inventory_transactions");
    if let Some(product) = request.query("product_id") {
        let product = input::id("product_id", &json!(product), "product")?;
        query = query.filter(Filter::eq("product_id", product));
    }
    if let Some(kind) = request.query("transaction_type") {
        if !TRANSACTION_TYPES.contains(&kind) {
            return Err(invalid(
                "transaction_type",
                format!(
                    "transaction_type must be one of {}",
                    TRANSACTION_TYPES.join(", ")
                ),
            ));
        }
        query = query.filter(Filter::eq("transaction_type", kind));
    }
    listing.respond(query)
}
