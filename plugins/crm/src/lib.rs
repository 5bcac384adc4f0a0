//! CRM: the tenant's contacts, accounts and opportunities (the design's `crm_contacts`,
//! `crm_accounts` and `crm_opportunities`) over `/api/v1/crm`, with contact statistics,
//! the sales pipeline, lead conversion, CSV import and export, each contact's lifetime
//! value kept from ERP's completed orders, and the customer 360 view across CRM, ERP
//! and Support.
//!
//! Contacts are exposed so other modules (ERP, Studio, Support) can ask to read them.

mod accounts;
mod contacts;
mod csv;
mod customer360;
mod fields;
mod opportunities;
mod orders;
#[cfg(test)]
mod test_support;
mod transfer;

use eoex_sdk::prelude::*;
use serde_json::Value;

struct Crm;

impl Plugin for Crm {
    fn manifest() -> Manifest {
        Manifest::new("crm", env!("CARGO_PKG_VERSION"))
            .description("Customer Relationship Management")
            .category("business")
            .entity(contacts::entity())
            .entity(accounts::entity())
            .entity(opportunities::entity())
            .entity(orders::entity())
            .permission("erp.orders", Access::Read)
            .permission("support.tickets", Access::Read)
            .subscribe(orders::COMPLETED)
    }

    fn router() -> Router {
        Router::new()
            .get("/contacts", contacts::list)
            .summary("List contacts: page, limit, sort; filters status, search (name, e-mail), company, lead_source, assigned_to")
            .post("/contacts", contacts::create)
            .summary("Create a contact (201); a duplicate e-mail in the tenant is 409")
            .get("/contacts/stats", contacts::stats)
            .summary("Contact statistics: total, new, qualified and converted leads, unique companies")
            .get("/contacts/export", transfer::export)
            .summary("Export the filtered contact list (same filters and sort as the list, every page) as CSV")
            .post("/contacts/import", transfer::import)
            .summary("Import contacts from CSV (text/csv, a header row of field names); nothing is imported when a row is invalid, unless ?partial=true")
            .get("/contacts/{contact_id}", contacts::show)
            .summary("Get a contact")
            .patch("/contacts/{contact_id}", contacts::edit)
            .summary("Change some fields of a contact")
            .delete("/contacts/{contact_id}", contacts::remove)
            .summary("Delete a contact (409 while opportunities link it)")
            .post("/contacts/{contact_id}/convert", opportunities::convert)
            .summary("Convert a lead: create an opportunity for the contact and mark it converted, atomically (409 if already converted)")
            .get("/contacts/{contact_id}/360", customer360::show)
            .summary("Customer 360: the contact with its orders (ERP) and tickets (Support); a part is null when its module is not enabled")
            .get("/accounts", accounts::list)
            .summary("List accounts: page, limit, sort; filters search (name), industry")
            .post("/accounts", accounts::create)
            .summary("Create an account (201)")
            .get("/accounts/{account_id}", accounts::show)
            .summary("Get an account")
            .patch("/accounts/{account_id}", accounts::edit)
            .summary("Change some fields of an account")
            .delete("/accounts/{account_id}", accounts::remove)
            .summary("Delete an account (409 while opportunities link it)")
            .get("/opportunities", opportunities::list)
            .summary("List opportunities: page, limit, sort; filters stage, contact_id, account_id, owner_id")
            .post("/opportunities", opportunities::create)
            .summary("Create an opportunity (201); owner_id defaults to the caller")
            .get("/opportunities/pipeline", opportunities::pipeline)
            .summary("The sales pipeline: per stage in order, count, sum of amounts and sum weighted by probability")
            .get("/opportunities/{opportunity_id}", opportunities::show)
            .summary("Get an opportunity")
            .patch("/opportunities/{opportunity_id}", opportunities::edit)
            .summary("Change some fields of an opportunity; open stages move freely, closed ones are final (409)")
            .delete("/opportunities/{opportunity_id}", opportunities::remove)
            .summary("Delete an opportunity")
    }

    fn on_event(topic: &str, payload: Value) -> Result<(), Error> {
        match topic {
            orders::COMPLETED => orders::completed(payload),
            _ => Ok(()),
        }
    }
}

register_plugin!(Crm);

/// The `{"error": …}` of `error` with more keys beside it (e.g. an import's rows).
fn error_with(error: &Error, extra: Value) -> Response {
    let mut body = error.body();
    if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
        body.extend(extra);
    }
    Response::json(error.status(), &body)
}
