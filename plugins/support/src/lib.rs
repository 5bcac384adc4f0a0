//! Support: tickets, their messages, SLAs and the knowledge base.

use eoex_sdk::prelude::*;

struct Support;

impl Plugin for Support {
    fn manifest() -> Manifest {
        Manifest::new("support", env!("CARGO_PKG_VERSION"))
            .description("Customer support: tickets, SLAs, knowledge base")
            .category("business")
    }

    fn router() -> Router {
        Router::new()
    }
}

register_plugin!(Support);
