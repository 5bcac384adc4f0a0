//! `/orders`: numbered per tenant and year, priced from the products, taking stock
//! when placed and giving it back when cancelled.

use eoex_sdk::prelude::*;
use eoex_sdk::validate::clock;
use serde_json::{Map, Value, json};

use crate::input::{self, invalid};
use crate::inventory::{self, Reference};

pub const STATUSES: [&str; 5] = ["pending", "confirmed", "shipped", "completed", "cancelled"];

/// Lines one order may have.
const MAX_LINES: usize = 200;

const SORTABLE: [&str; 5] = [
    "order_date",
    "order_number",
    "total_amount",
    "status",
    "created_at",
];

/// The status flow: forward one step at a time; cancelling only before shipping.
fn next_statuses(from: &str) -> &'static [&'static str] {
    match from {
        "pending" => &["confirmed", "cancelled"],
        "confirmed" => &["shipped", "cancelled"],
        "shipped" => &["completed"],
        _ => &[],
    }
}

/// An order with its lines, as answered.
fn with_items(mut order: Value) -> Result<Value, Error> {
    let id = order["order_id"].as_str().unwrap_or_default().to_owned();
    let items: Page<Value> = Query::new("order_items")
        .filter(Filter::eq("order_id", id))
        .sort_asc("created_at")
        .limit(MAX_LINES as u32)
        .fetch()?;
    order["items"] = Value::Array(items.records);
    Ok(order)
}

fn find(id: &str) -> Result<Value, Error> {
    store::get("orders", id)?.ok_or_else(|| Error::not_found("order"))
}

/// A line of the request, its product looked up.
struct Line {
    product_id: String,
    quantity: i64,
    unit_cents: i64,
}

fn lines(items: Option<&Value>) -> Result<Vec<Line>, Error> {
    let items = match items {
        Some(Value::Array(items)) if !items.is_empty() => items,
        Some(Value::Array(_)) | None => {
            return Err(invalid(
                "items",
                "an order needs at least one line in items",
            ));
        }
        Some(_) => {
            return Err(invalid(
                "items",
                "items must be a list of {product_id, quantity}",
            ));
        }
    };
    if items.len() > MAX_LINES {
        return Err(invalid(
            "items",
            format!("an order has at most {MAX_LINES} lines"),
        ));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let field = |name: &str| format!("items[{i}].{name}");
            let Value::Object(item) = item else {
                return Err(invalid(
                    &format!("items[{i}]"),
                    "each line is {product_id, quantity}",
                ));
            };
            if let Some(unknown) = item.keys().find(|k| *k != "product_id" && *k != "quantity") {
                return Err(invalid(
                    &field(unknown),
                    format!("{unknown} is not a line field"),
                ));
            }
            let product_id = input::id(
                &field("product_id"),
                item.get("product_id").unwrap_or(&Value::Null),
                "product",
            )?;
            let quantity = input::whole(
                &field("quantity"),
                item.get("quantity").unwrap_or(&Value::Null),
                1,
                1_000_000,
            )?;
            let product: Value = store::get("products", &product_id)?
                .ok_or_else(|| invalid(&field("product_id"), "no product with this id"))?;
            Ok(Line {
                product_id,
                quantity,
                unit_cents: input::cents_of(&product, "unit_price"),
            })
        })
        .collect()
}

/// The customer, a CRM contact of the tenant; `None` when not given.
fn customer(value: Option<&Value>) -> Result<Option<String>, Error> {
    let Some(value) = value.filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let id = input::id("customer_id", value, "CRM contact")?;
    match store::get::<Value>("crm.contacts", &id) {
        Ok(Some(_)) => Ok(Some(id)),
        Ok(None) => Err(invalid("customer_id", "no CRM contact with this id")),
        Err(HostError::Denied(_)) => Err(invalid(
            "customer_id",
            "customers are CRM contacts: enable the CRM module to set customer_id",
        )),
        Err(other) => Err(other.into()),
    }
}

fn check_address(name: &str, value: Value) -> Result<Value, Error> {
    match name {
        "shipping_address" | "billing_address" => input::text(name, value, 2000, false),
        "metadata" => input::json_object(name, value),
        _ => Err(invalid(name, format!("{name} cannot be set on an order"))),
    }
}

fn event(order: &Value) -> Value {
    json!({
        "order_id": order["order_id"],
        "order_number": order["order_number"],
        "customer_id": order["customer_id"],
        "total_amount": order["total_amount"],
        "status": order["status"],
        "order_date": order["order_date"],
    })
}

/// `POST /orders` `{customer_id?, items: [{product_id, quantity}], shipping_address?,
/// billing_address?, metadata?}`.
pub fn create(request: &Request) -> Result<Response, Error> {
    let mut body = input::object(request)?;
    let items = body.remove("items");
    let customer_id = customer(body.remove("customer_id").as_ref())?;
    let mut order: Map<String, Value> = input::checked(body, &[], check_address)?;
    let lines = lines(items.as_ref())?;
    let total_cents: i64 = lines.iter().map(|l| l.unit_cents * l.quantity).sum();

    // Taken before any stock is touched: concurrent orders of the tenant queue here
    // (the counter's row is locked until commit), and a refused order rolls its number
    // back, so numbers have neither duplicates nor gaps.
    let year = clock::year();
    let number = sequence::next(&format!("orders-{year}"))?;
    order.insert(
        "order_number".into(),
        json!(format!("ORD-{year}-{number:06}")),
    );
    order.insert("customer_id".into(), json!(customer_id));
    order.insert("order_date".into(), json!(clock::now()));
    order.insert("status".into(), json!("pending"));
    order.insert(
        "total_amount".into(),
        json!(input::cents_to_amount(total_cents)),
    );
    order.insert("created_by".into(), json!(eoex_sdk::context().user_id));
    let order: Value = store::insert("orders", &order)?;
    let order_id = order["order_id"].as_str().unwrap_or_default().to_owned();

    for line in &lines {
        let _: Value = store::insert(
            "order_items",
            &json!({
                "order_id": order_id,
                "product_id": line.product_id,
                "quantity": line.quantity,
                "unit_price": input::cents_to_amount(line.unit_cents),
                "total_price": input::cents_to_amount(line.unit_cents * line.quantity),
            }),
        )?;
        inventory::move_stock(
            &line.product_id,
            -line.quantity,
            "sale",
            Some(Reference {
                kind: "order",
                id: &order_id,
            }),
            None,
        )?;
    }
    events::publish("erp.order.created", &event(&order))?;
    Ok(Response::created(&with_items(order)?))
}

pub fn show(request: &Request) -> Result<Response, Error> {
    Ok(Response::ok(&with_items(find(request.param("order_id"))?)?))
}

/// Addresses and metadata, while the order has not shipped.
pub fn edit(request: &Request) -> Result<Response, Error> {
    let id = request.param("order_id");
    let changes = input::checked(input::object(request)?, &[], check_address)?;
    let order = find(id)?;
    if changes.is_empty() {
        return Ok(Response::ok(&with_items(order)?));
    }
    let open = Filter::in_list("status", ["pending", "confirmed"]);
    let updated: Value = store::update_if("orders", id, &changes, open).map_err(|e| match e {
        HostError::ConditionFailed => Error::conflict(
            "order_closed",
            format!(
                "the order is {}: it can no longer be changed",
                order["status"].as_str().unwrap_or("closed")
            ),
        ),
        other => other.into(),
    })?;
    Ok(Response::ok(&with_items(updated)?))
}

/// `POST /orders/{order_id}/status` `{status}`.
pub fn change_status(request: &Request) -> Result<Response, Error> {
    let id = request.param("order_id");
    let body = input::object(request)?;
    if let Some(unknown) = body.keys().find(|k| *k != "status") {
        return Err(invalid(
            unknown,
            format!("{unknown}: only status is accepted here"),
        ));
    }
    let to = match body.get("status").and_then(Value::as_str) {
        Some(status) if STATUSES.contains(&status) => status,
        _ => {
            return Err(invalid(
                "status",
                format!("status must be one of {}", STATUSES.join(", ")),
            ));
        }
    };
    let order = find(id)?;
    let from = order["status"].as_str().unwrap_or_default().to_owned();
    let allowed = next_statuses(&from);
    if !allowed.contains(&to) {
        let options = if allowed.is_empty() {
            "none: it is final".to_owned()
        } else {
            allowed.join(", ")
        };
        return Err(Error::conflict(
            "illegal_transition",
            format!(
                "an order cannot move from {from} to {to}; from {from} it can move to {options}"
            ),
        ));
    }
    // Conditional on the status read: of two concurrent moves only one applies, so a
    // cancelled order returns its stock once.
    let updated: Value = store::update_if(
        "orders",
        id,
        &json!({ "status": to }),
        Filter::eq("status", from.as_str()),
    )
    .map_err(|e| match e {
        HostError::ConditionFailed => Error::conflict(
            "concurrent_change",
            "the order's status changed meanwhile; reload it and try again",
        ),
        other => other.into(),
    })?;
    let updated = with_items(updated)?;
    if to == "cancelled" {
        for line in updated["items"].as_array().into_iter().flatten() {
            inventory::move_stock(
                line["product_id"].as_str().unwrap_or_default(),
                line["quantity"].as_i64().unwrap_or(0),
                "return",
                Some(Reference { kind: "order", id }),
                Some("order cancelled"),
            )?;
        }
    }
    match to {
        "completed" => events::publish("erp.order.completed", &event(&updated))?,
        "cancelled" => events::publish("erp.order.cancelled", &event(&updated))?,
        _ => {}
    }
    Ok(Response::ok(&updated))
}

/// `GET /orders?status=&customer_id=&from=&to=&search=`; `from` and `to` are days
/// (inclusive) of `order_date`, in UTC.
pub fn list(request: &Request) -> Result<Response, Error> {
    let listing = Listing::from_request(request, &SORTABLE, "-order_date")?;
    let mut query = Query::new("orders");
    if let Some(status) = request.query("status") {
        if !STATUSES.contains(&status) {
            return Err(invalid(
                "status",
                format!("status must be one of {}", STATUSES.join(", ")),
            ));
        }
        query = query.filter(Filter::eq("status", status));
    }
    if let Some(customer) = request.query("customer_id") {
        let customer = input::id("customer_id", &json!(customer), "CRM contact")?;
        query = query.filter(Filter::eq("customer_id", customer));
    }
    let (from, to) = day_params(request)?;
    if let Some(filter) = day_range("order_date", from.as_deref(), to.as_deref()) {
        query = query.filter(filter);
    }
    if let Some(search) = request
        .query("search")
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        query = query.filter(Filter::contains("order_number", search));
    }
    listing.respond(query)
}

/// The `from`/`to` query parameters: days, inclusive, `to` not before `from`.
pub fn day_params(request: &Request) -> Result<(Option<String>, Option<String>), Error> {
    let from = input::query_date(request, "from")?;
    let to = input::query_date(request, "to")?;
    if let (Some(from), Some(to)) = (&from, &to)
        && to < from
    {
        return Err(invalid("to", "to must not be before from"));
    }
    Ok((from, to))
}

/// Records whose timestamp `field` falls on the days `from` to `to` (UTC, inclusive).
pub fn day_range(field: &str, from: Option<&str>, to: Option<&str>) -> Option<Filter> {
    let mut filters = Vec::new();
    if let Some(from) = from {
        filters.push(Filter::gte(field, format!("{from}T00:00:00Z")));
    }
    if let Some(to) = to {
        filters.push(Filter::lte(field, format!("{to}T23:59:59.999999Z")));
    }
    (!filters.is_empty()).then(|| Filter::all(filters))
}
