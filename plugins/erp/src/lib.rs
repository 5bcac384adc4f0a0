//! ERP: products with their stock, orders that take stock and give it back when
//! cancelled, the inventory ledger every stock change is written to, and the sales
//! summary (the `erp_*` tables and `vw_sales_summary` of the design).
//!
//! Invariant: a product's `stock_quantity` always equals the sum of its ledger
//! (`inventory_transactions`, opening stock included as an `initial` entry). Stock only
//! changes through [`inventory::move_stock`], which writes both in the request's
//! transaction.

mod input;
mod inventory;
mod orders;
mod products;
mod reports;

use eoex_sdk::prelude::*;
use serde_json::json;

struct Erp;

impl Plugin for Erp {
    fn manifest() -> Manifest {
        Manifest::new("erp", env!("CARGO_PKG_VERSION"))
            .description("Enterprise Resource Planning: products, orders, inventory")
            .category("business")
            .entity(
                Entity::new("products", "product_id")
                    .label("Products")
                    .field(
                        Field::text("sku")
                            .label("SKU")
                            .required()
                            .unique()
                            .max_length(100),
                    )
                    .field(Field::text("name").required().max_length(255))
                    .field(Field::text("description").max_length(10_000))
                    .field(Field::text("category").max_length(100).indexed())
                    .field(Field::decimal("unit_price").label("Unit price").required())
                    .field(Field::decimal("cost_price").label("Cost price"))
                    .field(
                        Field::integer("stock_quantity")
                            .label("Stock")
                            .required()
                            .default(0),
                    )
                    .field(
                        Field::integer("reorder_level")
                            .label("Reorder level")
                            .required()
                            .default(10),
                    )
                    // Kept with every stock or level change: the store filters fields
                    // against values, not against each other.
                    .field(
                        Field::boolean("needs_reorder")
                            .label("Needs reorder")
                            .required()
                            .default(false)
                            .indexed(),
                    )
                    .field(Field::json("metadata").default(json!({})))
                    .exposed(),
            )
            .entity(
                Entity::new("orders", "order_id")
                    .label("Orders")
                    .field(
                        Field::text("order_number")
                            .label("Number")
                            .required()
                            .unique()
                            .max_length(50),
                    )
                    .field(Field::uuid("customer_id").label("Customer").indexed())
                    .field(
                        Field::timestamp("order_date")
                            .label("Date")
                            .required()
                            .indexed(),
                    )
                    .field(
                        Field::text("status")
                            .choices(orders::STATUSES)
                            .default("pending")
                            .required()
                            .indexed(),
                    )
                    .field(
                        Field::decimal("total_amount")
                            .label("Total")
                            .required()
                            .default(0),
                    )
                    .field(Field::text("shipping_address").max_length(2000))
                    .field(Field::text("billing_address").max_length(2000))
                    .field(Field::uuid("created_by"))
                    .field(Field::json("metadata").default(json!({})))
                    .exposed(),
            )
            .entity(
                Entity::new("order_items", "order_item_id")
                    .label("Order lines")
                    .field(Field::uuid("order_id").required().indexed())
                    .field(Field::uuid("product_id").required().indexed())
                    .field(Field::integer("quantity").required())
                    .field(Field::decimal("unit_price").required())
                    .field(Field::decimal("total_price").required()),
            )
            .entity(
                Entity::new("inventory_transactions", "transaction_id")
                    .label("Inventory ledger")
                    .field(Field::uuid("product_id").required().indexed())
                    .field(
                        Field::text("transaction_type")
                            .choices(inventory::TRANSACTION_TYPES)
                            .required(),
                    )
                    .field(Field::integer("quantity").required())
                    .field(Field::text("reference_type").max_length(50))
                    .field(Field::uuid("reference_id"))
                    .field(Field::text("notes").max_length(2000))
                    .field(Field::uuid("created_by")),
            )
            .permission("crm.contacts", Access::Read)
    }

    fn router() -> Router {
        Router::new()
            .get("/products", products::list)
            .summary("List products: page, limit, sort, search, category, needs_reorder")
            .post("/products", products::create)
            .summary("Create a product (its opening stock goes to the ledger)")
            .get("/products/reorder", products::reorder)
            .summary("Products at or below their reorder level")
            .get("/products/{product_id}", products::show)
            .summary("Get a product")
            .patch("/products/{product_id}", products::edit)
            .summary("Change a product (stock changes go through adjust)")
            .delete("/products/{product_id}", products::remove)
            .summary("Delete a product that no order uses")
            .post("/products/{product_id}/adjust", inventory::adjust)
            .summary("Receive or adjust stock, written to the ledger")
            .get("/inventory/transactions", inventory::list)
            .summary("The inventory ledger: product_id, transaction_type, page, limit, sort")
            .get("/orders", orders::list)
            .summary("List orders: page, limit, sort, status, customer_id, from, to, search")
            .post("/orders", orders::create)
            .summary("Place an order: prices from the products, stock taken atomically")
            .get("/orders/{order_id}", orders::show)
            .summary("Get an order with its lines")
            .patch("/orders/{order_id}", orders::edit)
            .summary("Change an open order's addresses or metadata")
            .post("/orders/{order_id}/status", orders::change_status)
            .summary("Move an order: pending → confirmed → shipped → completed, or cancelled")
            .get("/reports/sales-summary", reports::sales_summary)
            .summary("Completed orders per day: count, revenue, average order value")
    }
}

register_plugin!(Erp);

#[cfg(test)]
mod tests;
