//! Delivering committed events to the subscribed modules of the same tenant.
//!
//! Delivery runs right after the publishing transaction commits, before the
//! publisher's response is sent, so a client that sees the response also sees its
//! effects. A subscriber's failure is logged (and kept in `system_logs`); it never
//! fails the publisher, whose work is already committed.

use std::sync::Arc;

use eoex_store::audit::Origin;
use uuid::Uuid;

use crate::call::deliver_event;
use crate::{CallerInfo, ModuleHost};

/// How deep events published by event handlers are followed.
const MAX_DEPTH: usize = 8;

pub(crate) async fn deliver(host: &Arc<ModuleHost>, events: Vec<Uuid>) {
    let mut pending: Vec<(Uuid, usize)> = events.into_iter().map(|e| (e, 0)).collect();
    while let Some((event_id, depth)) = pending.pop() {
        let event = match host.db.claim_event(event_id).await {
            Ok(Some(event)) => event,
            Ok(None) => continue,
            Err(e) => {
                tracing::error!(%event_id, error = %e, "could not claim an event");
                continue;
            }
        };
        for subscriber in host.loaded.subscribers(&event.topic) {
            let module = subscriber.manifest().name.clone();
            let caller = CallerInfo {
                tenant_id: event.tenant_id,
                user_id: None,
                role: "system".into(),
                request_id: format!("event-{event_id}"),
                origin: Origin {
                    tenant_id: Some(event.tenant_id),
                    ..Origin::default()
                },
            };
            match deliver_event(host, &caller, &module, &event.topic, &event.payload.0).await {
                Ok(more) if depth < MAX_DEPTH => {
                    pending.extend(more.into_iter().map(|e| (e, depth + 1)))
                }
                Ok(more) if !more.is_empty() => {
                    tracing::warn!(%module, topic = %event.topic, "events nested too deeply; not delivered")
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(%module, topic = %event.topic, error = %e, "event handler failed");
                    let details = serde_json::json!({ "tenant_id": event.tenant_id, "event_id": event_id, "topic": event.topic });
                    let _ = host
                        .db
                        .system_log(
                            "error",
                            Some(&module),
                            &format!("event handler failed: {e}"),
                            Some(details),
                        )
                        .await;
                }
            }
        }
    }
}
