//! Each contact's `lifetime_value` (the sum of its completed orders' totals) and
//! `last_order_date` (the latest of their dates), kept from ERP's
//! `erp.order.completed` events.
//!
//! Every counted order is recorded in `customer_orders`, unique by `order_id`, before
//! it is added: a redelivered event finds its order there and changes nothing. The
//! addition is an atomic increment and the date a conditional update (only when
//! later), so two orders completing at once for one contact both count, in any order.

use eoex_sdk::prelude::*;
use eoex_sdk::validate::{is_timestamp, is_uuid};
use serde::Deserialize;
use serde_json::{Value, json};

pub const COMPLETED: &str = "erp.order.completed";

pub fn entity() -> Entity {
    Entity::new("customer_orders", "customer_order_id")
        .label("Counted customer orders")
        .field(Field::uuid("order_id").required().unique())
        .field(Field::uuid("contact_id").required().indexed())
        .field(Field::decimal("total_amount").required())
        .field(Field::timestamp("order_date").required())
}

/// The part of ERP's order event CRM reads.
#[derive(Deserialize)]
struct Completed {
    order_id: String,
    customer_id: Option<String>,
    total_amount: f64,
    order_date: String,
}

pub fn completed(payload: Value) -> Result<(), Error> {
    let order: Completed = serde_json::from_value(payload)
        .map_err(|e| Error::bad_request(format!("{COMPLETED}: unexpected payload: {e}")))?;
    let Some(contact_id) = order.customer_id.filter(|id| is_uuid(id)) else {
        // An order without a CRM customer has no contact to credit.
        return Ok(());
    };
    if !is_uuid(&order.order_id)
        || !is_timestamp(&order.order_date)
        || !order.total_amount.is_finite()
    {
        return Err(Error::bad_request(format!(
            "{COMPLETED}: order {} has a malformed id, date or total",
            order.order_id
        )));
    }
    if store::get::<Value>("contacts", &contact_id)?.is_none() {
        log::info(&format!(
            "{COMPLETED}: order {} names contact {contact_id}, which is gone; not counted",
            order.order_id
        ));
        return Ok(());
    }
    let counted = store::insert::<Value>(
        "customer_orders",
        &json!({
            "order_id": order.order_id,
            "contact_id": contact_id,
            "total_amount": order.total_amount,
            "order_date": order.order_date,
        }),
    );
    match counted {
        Ok(_) => {}
        Err(HostError::Conflict(_)) => return Ok(()),
        Err(other) => return Err(other.into()),
    }
    store::increment::<Value>(
        "contacts",
        &contact_id,
        "lifetime_value",
        order.total_amount,
    )?;
    let later = Filter::is_null("last_order_date")
        .or(Filter::lt("last_order_date", order.order_date.as_str()));
    match store::update_if::<Value>(
        "contacts",
        &contact_id,
        &json!({"last_order_date": order.order_date}),
        later,
    ) {
        Ok(_) | Err(HostError::ConditionFailed) => Ok(()),
        Err(other) => Err(other.into()),
    }
}

#[cfg(test)]
mod tests {
    use eoex_sdk::testing::TestHost;
    use serde_json::{Value, json};

    use super::COMPLETED;
    use crate::Crm;
    use crate::test_support::*;

    fn event(order: &str, customer: Option<&str>, total: f64, date: &str) -> Value {
        json!({"order_id": order, "order_number": "ORD-2026-000001", "customer_id": customer,
               "total_amount": total, "status": "completed", "order_date": date})
    }

    const ORDER_1: &str = "00000000-0000-4000-8000-00000000a001";
    const ORDER_2: &str = "00000000-0000-4000-8000-00000000a002";

    #[test]
    fn completed_orders_add_up_once_each() {
        let host = TestHost::new();
        let ada = create_contact(&host, contact("Ada", "Lovelace", "ada@example.com"));
        let id = id_of(&ada, "contact_id").to_owned();
        let show = || call(&host, "GET", &format!("/contacts/{id}"), None).1;

        let later = event(ORDER_1, Some(&id), 120.5, "2026-03-02T10:00:00Z");
        host.deliver::<Crm>(COMPLETED, later.clone()).unwrap();
        // Redelivered: not counted again.
        host.deliver::<Crm>(COMPLETED, later).unwrap();
        let contact = show();
        assert_eq!(contact["lifetime_value"], 120.5);
        assert_eq!(contact["last_order_date"], "2026-03-02T10:00:00.000000Z");

        // An earlier order arriving late adds its total but keeps the latest date.
        host.deliver::<Crm>(
            COMPLETED,
            event(ORDER_2, Some(&id), 79.5, "2026-01-15T08:00:00Z"),
        )
        .unwrap();
        let contact = show();
        assert_eq!(contact["lifetime_value"], 200.0);
        assert_eq!(contact["last_order_date"], "2026-03-02T10:00:00.000000Z");
        assert_eq!(host.records("customer_orders").len(), 2);
    }

    #[test]
    fn orders_without_a_known_customer_change_nothing() {
        let host = TestHost::new();
        let ada = create_contact(&host, contact("Ada", "Lovelace", "ada@example.com"));
        let gone = "6f1c2a44-0a1b-4c2d-8e3f-123456789abc";
        host.deliver::<Crm>(
            COMPLETED,
            event(ORDER_1, None, 10.0, "2026-01-01T00:00:00Z"),
        )
        .unwrap();
        host.deliver::<Crm>(
            COMPLETED,
            event(ORDER_2, Some(gone), 10.0, "2026-01-01T00:00:00Z"),
        )
        .unwrap();
        assert!(host.records("customer_orders").is_empty());
        assert_eq!(host.records("contacts")[0]["lifetime_value"], json!(0));

        let id = id_of(&ada, "contact_id");
        for bad in [
            json!({"order_id": ORDER_1}),
            event("x", Some(id), 10.0, "2026-01-01T00:00:00Z"),
            event(ORDER_1, Some(id), 10.0, "yesterday"),
        ] {
            assert!(
                host.deliver::<Crm>(COMPLETED, bad.clone()).is_err(),
                "{bad}"
            );
        }
        assert!(host.records("customer_orders").is_empty());
    }
}
