//! Studio: marketing campaigns, their content and metrics.

use eoex_sdk::prelude::*;

struct Studio;

impl Plugin for Studio {
    fn manifest() -> Manifest {
        Manifest::new("studio", env!("CARGO_PKG_VERSION"))
            .description("Marketing studio: campaigns, content, metrics")
            .category("business")
    }

    fn router() -> Router {
        Router::new()
    }
}

register_plugin!(Studio);
