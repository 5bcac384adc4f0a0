//! The customer 360 view (the design's `vw_customer_360`): a contact with its orders
//! from ERP and its tickets from Support, read through the manifest's read
//! permissions on `erp.orders` and `support.tickets`.
//!
//! `{contact, total_orders, lifetime_value, last_order_date, total_tickets,
//! open_tickets}`: every key is always there; the ERP part (`total_orders`,
//! `lifetime_value`, `last_order_date`) or the Support part (`total_tickets`,
//! `open_tickets`) is null when the tenant has not enabled that module, so a client
//! tells "no orders" (0) from "no ERP" (null). `total_orders` counts every order of
//! the customer; `lifetime_value` and `last_order_date` are over completed orders, as
//! the contact's own fields are. Open tickets are those not resolved or closed.

use eoex_sdk::prelude::*;
use serde_json::{Value, json};

use crate::contacts;
use crate::fields::cents;

const CLOSED_TICKETS: [&str; 2] = ["resolved", "closed"];

pub fn show(request: &Request) -> Result<Response, Error> {
    let id = request.param("contact_id");
    let contact = contacts::get(id)?;
    let orders = unless_disabled(orders_of(id))?;
    let tickets = unless_disabled(tickets_of(id))?;
    let part =
        |part: &Option<Value>, key: &str| part.as_ref().map_or(Value::Null, |p| p[key].clone());
    Ok(Response::ok(&json!({
        "contact": contact,
        "total_orders": part(&orders, "total_orders"),
        "lifetime_value": part(&orders, "lifetime_value"),
        "last_order_date": part(&orders, "last_order_date"),
        "total_tickets": part(&tickets, "total_tickets"),
        "open_tickets": part(&tickets, "open_tickets"),
    })))
}

/// `None` when the host denies the read because the other module is not enabled for
/// the tenant; any other refusal is an error.
fn unless_disabled(part: Result<Value, HostError>) -> Result<Option<Value>, Error> {
    match part {
        Ok(value) => Ok(Some(value)),
        Err(HostError::Denied(message)) if message.contains("is not enabled for this tenant") => {
            Ok(None)
        }
        Err(other) => Err(other.into()),
    }
}

fn orders_of(contact_id: &str) -> Result<Value, HostError> {
    let by_status: Vec<Value> = Aggregation::new("erp.orders")
        .filter(Filter::eq("customer_id", contact_id))
        .group_by("status")
        .count("orders")
        .sum("total_amount", "total")
        .max("order_date", "last")
        .fetch()?;
    let completed = by_status.iter().find(|row| row["status"] == "completed");
    Ok(json!({
        "total_orders": by_status.iter().map(|row| row["orders"].as_u64().unwrap_or(0)).sum::<u64>(),
        "lifetime_value": cents(completed.and_then(|row| row["total"].as_f64()).unwrap_or(0.0)),
        "last_order_date": completed.map_or(Value::Null, |row| row["last"].clone()),
    }))
}

fn tickets_of(contact_id: &str) -> Result<Value, HostError> {
    let by_status: Vec<Value> = Aggregation::new("support.tickets")
        .filter(Filter::eq("contact_id", contact_id))
        .group_by("status")
        .count("tickets")
        .fetch()?;
    let count = |open_only: bool| -> u64 {
        by_status
            .iter()
            .filter(|row| !open_only || !CLOSED_TICKETS.iter().any(|s| row["status"] == *s))
            .map(|row| row["tickets"].as_u64().unwrap_or(0))
            .sum()
    };
    Ok(json!({"total_tickets": count(false), "open_tickets": count(true)}))
}

#[cfg(test)]
mod tests {
    use eoex_sdk::prelude::*;
    use eoex_sdk::testing::TestHost;
    use serde_json::{Value, json};

    use crate::test_support::*;

    /// Stand-ins for ERP and Support: just the exposed entities the 360 reads, with
    /// the fields of the cross-module contract.
    struct Erp;

    impl Plugin for Erp {
        fn manifest() -> Manifest {
            Manifest::new("erp", "1.0.0").entity(
                Entity::new("orders", "order_id")
                    .field(Field::text("order_number"))
                    .field(Field::uuid("customer_id"))
                    .field(Field::timestamp("order_date"))
                    .field(Field::text("status"))
                    .field(Field::decimal("total_amount"))
                    .exposed(),
            )
        }

        fn router() -> Router {
            Router::new()
        }
    }

    struct Support;

    impl Plugin for Support {
        fn manifest() -> Manifest {
            Manifest::new("support", "1.0.0").entity(
                Entity::new("tickets", "ticket_id")
                    .field(Field::uuid("contact_id"))
                    .field(Field::text("subject"))
                    .field(Field::text("status"))
                    .exposed(),
            )
        }

        fn router() -> Router {
            Router::new()
        }
    }

    fn view(host: &TestHost, id: &str) -> Value {
        let (status, body) = call(host, "GET", &format!("/contacts/{id}/360"), None);
        assert_eq!(status, 200, "{body}");
        body
    }

    #[test]
    fn without_erp_and_support_their_parts_are_null() {
        let host = TestHost::new();
        let ada = create_contact(&host, contact("Ada", "Lovelace", "ada@example.com"));
        let body = view(&host, id_of(&ada, "contact_id"));
        assert_eq!(
            body,
            json!({"contact": ada, "total_orders": null, "lifetime_value": null, "last_order_date": null,
                   "total_tickets": null, "open_tickets": null})
        );
        assert_eq!(call(&host, "GET", "/contacts/not-a-uuid/360", None).0, 404);
    }

    #[test]
    fn counts_orders_and_tickets_of_the_contact_only() {
        let host = TestHost::new();
        let ada = create_contact(&host, contact("Ada", "Lovelace", "ada@example.com"));
        let alan = create_contact(&host, contact("Alan", "Turing", "alan@example.com"));
        let (ada_id, alan_id) = (id_of(&ada, "contact_id"), id_of(&alan, "contact_id"));

        host.install::<Erp>().unwrap();
        for (customer, status, total, date) in [
            (ada_id, "completed", 100.25, "2026-01-10T09:00:00Z"),
            (ada_id, "completed", 50.0, "2026-02-10T09:00:00Z"),
            (ada_id, "pending", 999.0, "2026-03-10T09:00:00Z"),
            (alan_id, "completed", 7.0, "2026-04-10T09:00:00Z"),
        ] {
            store::insert::<Value>(
                "orders",
                &json!({"customer_id": customer, "status": status, "total_amount": total, "order_date": date}),
            )
            .unwrap();
        }
        let body = view(&host, ada_id);
        assert_eq!(body["total_orders"], 3);
        assert_eq!(body["lifetime_value"], 150.25);
        assert_eq!(body["last_order_date"], "2026-02-10T09:00:00.000000Z");
        assert_eq!(
            (body["total_tickets"].clone(), body["open_tickets"].clone()),
            (Value::Null, Value::Null)
        );

        host.install::<Support>().unwrap();
        for (contact, status) in [
            (ada_id, "open"),
            (ada_id, "resolved"),
            (ada_id, "waiting"),
            (ada_id, "closed"),
            (alan_id, "open"),
        ] {
            store::insert::<Value>(
                "tickets",
                &json!({"contact_id": contact, "status": status, "subject": "s"}),
            )
            .unwrap();
        }
        let body = view(&host, ada_id);
        assert_eq!(
            (
                body["total_tickets"].as_u64(),
                body["open_tickets"].as_u64()
            ),
            (Some(4), Some(2))
        );
        assert_eq!(body["contact"]["email"], "ada@example.com");

        let fresh = create_contact(&host, contact("Grace", "Hopper", "grace@example.com"));
        let body = view(&host, id_of(&fresh, "contact_id"));
        assert_eq!(
            [
                &body["total_orders"],
                &body["lifetime_value"],
                &body["last_order_date"],
                &body["total_tickets"],
                &body["open_tickets"]
            ],
            [&json!(0), &json!(0.0), &Value::Null, &json!(0), &json!(0)]
        );
    }
}
