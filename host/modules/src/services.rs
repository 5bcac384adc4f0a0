//! [`CallServices`]: the host side of one plugin call — one tenant, one module, one
//! database transaction — checking every request against the plugin's manifest.

use std::collections::HashMap;
use std::sync::Arc;

use eoex_abi::manifest::Access;
use eoex_abi::services::{Aggregation, Filter, LogLevel, Page, Query};
use eoex_abi::{HostError, HostServices, RequestContext, UserInfo};
use eoex_runtime::Plugin;
use eoex_store::entities::{EntityRef, PluginTx};
use serde_json::Value;
use tokio::sync::oneshot;

use crate::{CallerInfo, ModuleHost};

/// An entity a call may use: the module owning it, the version whose definition
/// applies, its index in that manifest, and whether the call may write it.
#[derive(Clone)]
struct Resolved {
    module: String,
    owner: Arc<Plugin>,
    index: usize,
    writable: bool,
}

pub(crate) struct CallServices {
    host: Arc<ModuleHost>,
    plugin: Arc<Plugin>,
    caller: CallerInfo,
    features: Vec<String>,
    tx: Option<PluginTx>,
    /// Hands the transaction back when the runtime drops these services after the call.
    give_back: Option<oneshot::Sender<PluginTx>>,
    resolved: HashMap<String, Resolved>,
}

impl CallServices {
    pub fn new(
        host: Arc<ModuleHost>,
        plugin: Arc<Plugin>,
        caller: CallerInfo,
        features: Vec<String>,
        tx: PluginTx,
    ) -> (CallServices, oneshot::Receiver<PluginTx>) {
        let (give_back, receiver) = oneshot::channel();
        let services = CallServices {
            host,
            plugin,
            caller,
            features,
            tx: Some(tx),
            give_back: Some(give_back),
            resolved: HashMap::new(),
        };
        (services, receiver)
    }

    fn module(&self) -> &str {
        &self.plugin.manifest().name
    }

    /// Resolves an entity name as the plugin wrote it (`contacts`, `crm.contacts`) and
    /// checks the manifest grants the access.
    async fn resolve(&mut self, name: &str, write: bool) -> Result<Resolved, HostError> {
        if write && !self.caller.can_write() {
            return Err(HostError::Denied(
                "the readonly role cannot make changes".into(),
            ));
        }
        let resolved = match self.resolved.get(name) {
            Some(r) => r.clone(),
            None => {
                let r = self.resolve_uncached(name).await?;
                self.resolved.insert(name.to_owned(), r.clone());
                r
            }
        };
        if write && !resolved.writable {
            return Err(HostError::Denied(format!(
                "{name}: the manifest grants read access only"
            )));
        }
        Ok(resolved)
    }

    async fn resolve_uncached(&self, name: &str) -> Result<Resolved, HostError> {
        let own = self.module().to_owned();
        let (module, entity) = match name.split_once('.') {
            Some((module, entity)) => (module, entity),
            None => (own.as_str(), name),
        };
        if module == own {
            let index = self
                .plugin
                .manifest()
                .entities
                .iter()
                .position(|e| e.name == entity)
                .ok_or_else(|| {
                    HostError::Denied(format!("{name}: module {own} declares no such entity"))
                })?;
            return Ok(Resolved {
                module: own,
                owner: self.plugin.clone(),
                index,
                writable: true,
            });
        }
        let wanted = format!("{module}.{entity}");
        let access = self
            .plugin
            .manifest()
            .permissions
            .iter()
            .filter(|p| p.entity == wanted)
            .map(|p| p.access)
            .max_by_key(|a| matches!(a, Access::Write))
            .ok_or_else(|| {
                HostError::Denied(format!(
                    "{wanted}: module {own} has no permission for it in its manifest"
                ))
            })?;
        let state = self
            .host
            .db
            .tenant_module(self.caller.tenant_id, module)
            .await
            .map_err(internal)?;
        let Some(state) = state.filter(|s| s.is_enabled) else {
            return Err(HostError::Denied(format!(
                "{wanted}: module {module} is not enabled for this tenant"
            )));
        };
        let owner = state
            .active_version
            .as_deref()
            .and_then(|v| self.host.loaded.version(module, v))
            .or_else(|| {
                self.host
                    .loaded
                    .resolve(module, &state.version_requirement)
                    .ok()
            })
            .ok_or_else(|| {
                HostError::Denied(format!(
                    "{wanted}: module {module} is not installed on this host"
                ))
            })?;
        let index = owner
            .manifest()
            .entities
            .iter()
            .position(|e| e.name == entity && e.exposed)
            .ok_or_else(|| {
                HostError::Denied(format!("{wanted}: module {module} exposes no such entity"))
            })?;
        Ok(Resolved {
            module: module.to_owned(),
            owner,
            index,
            writable: access == Access::Write,
        })
    }

    fn tx(&mut self) -> Result<&mut PluginTx, HostError> {
        self.tx
            .as_mut()
            .ok_or_else(|| HostError::Internal("the call's transaction is gone".into()))
    }
}

impl Drop for CallServices {
    fn drop(&mut self) {
        if let (Some(tx), Some(give_back)) = (self.tx.take(), self.give_back.take()) {
            // The receiver may be gone (caller cancelled): dropping the transaction then
            // rolls it back, which is right.
            let _ = give_back.send(tx);
        }
    }
}

fn internal(e: impl std::fmt::Display) -> HostError {
    tracing::error!(error = %e, "module host failure");
    HostError::Internal("host error".into())
}

/// Runs `$method` on the call's transaction for the resolved entity `$name`.
macro_rules! on_entity {
    ($self:ident, $name:expr, $write:expr, |$tx:ident, $entity:ident| $body:expr) => {{
        let resolved = $self.resolve($name, $write).await?;
        let def = &resolved.owner.manifest().entities[resolved.index];
        let $entity = EntityRef {
            module: &resolved.module,
            def,
        };
        let $tx = $self
            .tx
            .as_mut()
            .ok_or_else(|| HostError::Internal("the call's transaction is gone".into()))?;
        $body
    }};
}

#[async_trait::async_trait]
impl HostServices for CallServices {
    fn context(&self) -> RequestContext {
        RequestContext {
            tenant_id: self.caller.tenant_id.to_string(),
            user_id: self.caller.user_id.map(|u| u.to_string()),
            role: self.caller.role.clone(),
            features: self.features.clone(),
            module: self.module().to_owned(),
            module_version: self.plugin.manifest().version.clone(),
            request_id: self.caller.request_id.clone(),
        }
    }

    fn log(&mut self, level: LogLevel, message: &str) {
        let module = self.module().to_owned();
        let tenant = self.caller.tenant_id;
        match level {
            LogLevel::Trace => tracing::trace!(%module, %tenant, "{message}"),
            LogLevel::Debug => tracing::debug!(%module, %tenant, "{message}"),
            LogLevel::Info => tracing::info!(%module, %tenant, "{message}"),
            LogLevel::Warn => tracing::warn!(%module, %tenant, "{message}"),
            LogLevel::Error => tracing::error!(%module, %tenant, "{message}"),
        }
        if matches!(level, LogLevel::Warn | LogLevel::Error) {
            let db = self.host.db.clone();
            let level = if level == LogLevel::Warn {
                "warn"
            } else {
                "error"
            };
            let details =
                serde_json::json!({ "tenant_id": tenant, "request_id": self.caller.request_id });
            let message = message.chars().take(4000).collect::<String>();
            // Outside the call's transaction: the log must survive a rollback.
            tokio::spawn(async move {
                if let Err(e) = db
                    .system_log(level, Some(&module), &message, Some(details))
                    .await
                {
                    tracing::warn!(error = %e, "could not write system_logs");
                }
            });
        }
    }

    async fn insert(&mut self, entity: &str, record: Value) -> Result<Value, HostError> {
        on_entity!(self, entity, true, |tx, e| tx.insert(e, record).await)
    }

    async fn get(&mut self, entity: &str, id: &str) -> Result<Option<Value>, HostError> {
        on_entity!(self, entity, false, |tx, e| tx.get(e, id).await)
    }

    async fn update(
        &mut self,
        entity: &str,
        id: &str,
        changes: Value,
        condition: Filter,
    ) -> Result<Value, HostError> {
        on_entity!(self, entity, true, |tx, e| tx
            .update(e, id, changes, condition)
            .await)
    }

    async fn increment(
        &mut self,
        entity: &str,
        id: &str,
        field: &str,
        delta: f64,
        condition: Filter,
    ) -> Result<Value, HostError> {
        on_entity!(self, entity, true, |tx, e| tx
            .increment(e, id, field, delta, condition)
            .await)
    }

    async fn delete(&mut self, entity: &str, id: &str) -> Result<bool, HostError> {
        on_entity!(self, entity, true, |tx, e| tx.delete(e, id).await)
    }

    async fn query(&mut self, query: Query) -> Result<Page, HostError> {
        on_entity!(self, &query.entity, false, |tx, e| tx
            .query(e, &query)
            .await)
    }

    async fn count(&mut self, entity: &str, filter: Filter) -> Result<u64, HostError> {
        on_entity!(self, entity, false, |tx, e| tx.count(e, &filter).await)
    }

    async fn aggregate(&mut self, aggregation: Aggregation) -> Result<Vec<Value>, HostError> {
        on_entity!(self, &aggregation.entity, false, |tx, e| tx
            .aggregate(e, &aggregation)
            .await)
    }

    async fn next_sequence(&mut self, name: &str) -> Result<u64, HostError> {
        if !self.caller.can_write() {
            return Err(HostError::Denied(
                "the readonly role cannot make changes".into(),
            ));
        }
        self.tx()?.next_sequence(name).await
    }

    async fn publish(&mut self, topic: &str, payload: Value) -> Result<(), HostError> {
        let prefix = format!("{}.", self.module());
        if !topic.starts_with(&prefix) || topic.len() == prefix.len() || topic.len() > 200 {
            return Err(HostError::Invalid(format!(
                "topic {topic:?}: must start with {prefix}"
            )));
        }
        self.tx()?.publish(topic, &payload).await
    }

    async fn user(&mut self, user_id: &str) -> Result<Option<UserInfo>, HostError> {
        self.tx()?.user(user_id).await
    }
}
