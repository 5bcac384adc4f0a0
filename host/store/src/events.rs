//! The event outbox: rows written by [`PluginTx::publish`](crate::entities::PluginTx)
//! in the publishing transaction, claimed for delivery once it has committed.

use chrono::Utc;
use serde_json::Value;
use sqlx::types::Json;
use uuid::Uuid;

use crate::db::with_db;
use crate::{Db, Result};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Event {
    pub event_id: Uuid,
    pub tenant_id: Uuid,
    pub module_name: String,
    pub topic: String,
    pub payload: Json<Value>,
}

impl Db {
    /// Marks a committed event as delivered and returns it; `None` when another
    /// delivery (another host) claimed it first, so each event is delivered once.
    pub async fn claim_event(&self, event_id: Uuid) -> Result<Option<Event>> {
        Ok(with_db!(self, |pool| {
            sqlx::query_as::<_, Event>(
            "UPDATE plugin_events SET delivered_at = $2 WHERE event_id = $1 AND delivered_at IS NULL \
             RETURNING event_id, tenant_id, module_name, topic, payload"
        )
        .bind(event_id)
        .bind(Utc::now())
        .fetch_optional(pool)
        .await
        })?)
    }
}
