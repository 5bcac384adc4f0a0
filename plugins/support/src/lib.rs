//! Support: tickets (`support_tickets`), their messages (`support_ticket_messages`),
//! SLA targets per priority, and the knowledge base (`support_knowledge_base`), over
//! `/api/v1/support`. Tickets are exposed so CRM can count a contact's tickets.
//!
//! Who is staff: the roles `owner`, `admin` and `user`. A `readonly` user, or anyone
//! asking with `?view=customer`, sees what a customer may see: no internal notes, only
//! published articles.

mod input;
mod kb;
mod messages;
mod metrics;
mod sla;
mod tickets;
mod time;

use eoex_sdk::prelude::*;
use serde_json::json;

struct Support;

impl Plugin for Support {
    fn manifest() -> Manifest {
        Manifest::new("support", env!("CARGO_PKG_VERSION"))
            .description("Customer support: tickets, SLAs, knowledge base")
            .category("business")
            .entity(
                Entity::new("tickets", "ticket_id")
                    .label("Tickets")
                    .field(
                        Field::text("ticket_number")
                            .required()
                            .unique()
                            .max_length(50),
                    )
                    .field(
                        Field::text("subject")
                            .required()
                            .max_length(tickets::SUBJECT_MAX),
                    )
                    .field(Field::text("description").required())
                    .field(
                        Field::text("priority")
                            .choices(sla::PRIORITIES)
                            .default("medium")
                            .indexed(),
                    )
                    .field(
                        Field::text("status")
                            .choices(tickets::STATUSES)
                            .default("open")
                            .indexed(),
                    )
                    .field(Field::uuid("assigned_to").label("Assigned to").indexed())
                    .field(Field::uuid("contact_id").label("Contact").indexed())
                    .field(Field::json("metadata").default(json!({})))
                    // Set when the ticket is resolved or closed, whichever comes first
                    // (the seed's resolution time); cleared when it is reopened.
                    .field(Field::timestamp("closed_at"))
                    .field(Field::decimal("resolution_hours"))
                    .field(Field::timestamp("first_response_at"))
                    .field(Field::timestamp("first_response_due").indexed())
                    .field(Field::timestamp("resolution_due").indexed())
                    .field(Field::boolean("first_response_breached").default(false))
                    .field(Field::boolean("resolution_breached").default(false))
                    .exposed(),
            )
            .entity(
                Entity::new("ticket_messages", "message_id")
                    .label("Ticket messages")
                    .field(Field::uuid("ticket_id").required().indexed())
                    .field(Field::uuid("user_id").label("Author"))
                    .field(Field::text("message").required())
                    .field(
                        Field::boolean("is_internal")
                            .label("Internal note")
                            .default(false),
                    )
                    .field(Field::json("attachments").default(json!([]))),
            )
            .entity(
                Entity::new("knowledge_base", "kb_id")
                    .label("Knowledge base")
                    .field(Field::text("title").required().max_length(kb::TITLE_MAX))
                    .field(Field::text("content").required())
                    .field(
                        Field::text("category")
                            .max_length(kb::CATEGORY_MAX)
                            .indexed(),
                    )
                    .field(Field::json("tags").default(json!([])))
                    .field(Field::integer("view_count").default(0))
                    .field(Field::boolean("is_published").default(true).indexed())
                    .field(Field::uuid("created_by").label("Author")),
            )
            .entity(
                Entity::new("sla_policies", "policy_id")
                    .label("SLA policies")
                    .field(
                        Field::text("priority")
                            .required()
                            .unique()
                            .choices(sla::PRIORITIES),
                    )
                    .field(Field::decimal("first_response_hours").required())
                    .field(Field::decimal("resolution_hours").required()),
            )
            .permission("crm.contacts", Access::Read)
    }

    fn router() -> Router {
        Router::new()
            .get("/tickets", tickets::list)
            .summary("List tickets: page, limit, sort, status, priority, assigned_to, contact_id, search (subject), sla_breached")
            .post("/tickets", tickets::create)
            .summary("Open a ticket (numbered TKT-YYYY-NNNNNN, SLA due times from its priority)")
            .get("/tickets/{ticket_id}", tickets::show)
            .summary("Get a ticket with its SLA state")
            .patch("/tickets/{ticket_id}", tickets::edit)
            .summary("Change a ticket: fields, assignment, priority (due times follow), status (open → in_progress → waiting → resolved → closed; reopen)")
            .delete("/tickets/{ticket_id}", tickets::remove)
            .summary("Delete a ticket and its messages")
            .get("/tickets/{ticket_id}/messages", messages::list)
            .summary("A ticket's messages, oldest first; ?view=customer leaves out internal notes")
            .post("/tickets/{ticket_id}/messages", messages::create)
            .summary("Add a reply or an internal note (the first reply is the first response)")
            .get("/sla", sla::show)
            .summary("The tenant's SLA targets per priority, in hours")
            .put("/sla", sla::replace)
            .summary("Set SLA targets of some priorities (owner, admin); null restores the default")
            .get("/kb", kb::list)
            .summary("List knowledge-base articles: page, limit, sort, q (title, content), category, is_published")
            .post("/kb", kb::create)
            .summary("Write a knowledge-base article")
            .get("/kb/{kb_id}", kb::show)
            .summary("Read an article (counts the view)")
            .patch("/kb/{kb_id}", kb::edit)
            .summary("Change an article")
            .delete("/kb/{kb_id}", kb::remove)
            .summary("Delete an article")
            .get("/metrics", metrics::show)
            .summary("Tickets of the last 30 days per status and priority: count and average resolution hours")
    }
}

register_plugin!(Support);

#[cfg(test)]
mod tests;
