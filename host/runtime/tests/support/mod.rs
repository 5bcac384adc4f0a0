//! An in-memory stand-in for the database-backed `HostServices` the server provides,
//! shared by the tests and the benchmark.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use eoex_abi::services::{Aggregation, Filter, LogLevel, Page, Query};
use eoex_abi::{HostError, HostServices, RequestContext, UserInfo};
use serde_json::{Value, json};

/// Records by entity, shared with the test so it can look after a call.
pub type Tables = Arc<Mutex<BTreeMap<String, Vec<Value>>>>;

/// The host side of one call, as the server would give it: one tenant, checks against
/// the misbehave manifest (only `items` is declared).
pub struct Services {
    context: RequestContext,
    tables: Tables,
}

pub fn services(tenant: &str) -> (Box<dyn HostServices>, Tables) {
    let tables = Tables::default();
    let services = Services {
        context: RequestContext {
            tenant_id: tenant.into(),
            user_id: Some("user-1".into()),
            role: "admin".into(),
            features: vec![],
            module: "misbehave".into(),
            module_version: "0.1.0".into(),
            request_id: "req-1".into(),
        },
        tables: tables.clone(),
    };
    (Box::new(services), tables)
}

impl Services {
    fn declared(entity: &str) -> Result<(), HostError> {
        match entity {
            "items" => Ok(()),
            other => Err(HostError::Denied(format!("entity {other} is not declared"))),
        }
    }
}

#[async_trait::async_trait]
impl HostServices for Services {
    fn context(&self) -> RequestContext {
        self.context.clone()
    }

    fn log(&mut self, _level: LogLevel, _message: &str) {}

    async fn insert(&mut self, entity: &str, mut record: Value) -> Result<Value, HostError> {
        Self::declared(entity)?;
        let mut tables = self.tables.lock().unwrap();
        let rows = tables.entry(entity.into()).or_default();
        record["item_id"] = json!(format!("id-{}", rows.len() + 1));
        rows.push(record.clone());
        Ok(record)
    }

    async fn get(&mut self, entity: &str, _id: &str) -> Result<Option<Value>, HostError> {
        Self::declared(entity).map(|()| None)
    }

    async fn update(&mut self, _: &str, _: &str, _: Value, _: Filter) -> Result<Value, HostError> {
        Err(HostError::NotFound)
    }

    async fn increment(
        &mut self,
        _: &str,
        _: &str,
        _: &str,
        _: f64,
        _: Filter,
    ) -> Result<Value, HostError> {
        Err(HostError::NotFound)
    }

    async fn delete(&mut self, _: &str, _: &str) -> Result<bool, HostError> {
        Ok(false)
    }

    async fn query(&mut self, query: Query) -> Result<Page, HostError> {
        Self::declared(&query.entity)?;
        let tables = self.tables.lock().unwrap();
        Ok(Page {
            records: tables.get(&query.entity).cloned().unwrap_or_default(),
            next_cursor: None,
        })
    }

    async fn count(&mut self, entity: &str, _: Filter) -> Result<u64, HostError> {
        Self::declared(entity)?;
        Ok(self
            .tables
            .lock()
            .unwrap()
            .get(entity)
            .map_or(0, |rows| rows.len() as u64))
    }

    async fn aggregate(&mut self, _: Aggregation) -> Result<Vec<Value>, HostError> {
        Ok(vec![])
    }

    async fn next_sequence(&mut self, _: &str) -> Result<u64, HostError> {
        Ok(1)
    }

    async fn publish(&mut self, _: &str, _: Value) -> Result<(), HostError> {
        Ok(())
    }

    async fn user(&mut self, _: &str) -> Result<Option<UserInfo>, HostError> {
        Ok(None)
    }
}
