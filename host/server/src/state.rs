use std::sync::Arc;

use eoex_modules::ModuleHost;
use eoex_store::Db;

use crate::auth::tokens::TokenKeys;
use crate::config::Config;

/// What every handler can reach. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub tokens: Arc<TokenKeys>,
    pub config: Arc<Config>,
    pub modules: Arc<ModuleHost>,
}
