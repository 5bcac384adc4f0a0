//! ERP: products, orders and the inventory ledger.

use eoex_sdk::prelude::*;

struct Erp;

impl Plugin for Erp {
    fn manifest() -> Manifest {
        Manifest::new("erp", env!("CARGO_PKG_VERSION"))
            .description("Enterprise Resource Planning: products, orders, inventory")
            .category("business")
    }

    fn router() -> Router {
        Router::new()
    }
}

register_plugin!(Erp);
