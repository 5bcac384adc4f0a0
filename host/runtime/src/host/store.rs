//! `eoex:host/store`.

use crate::bindings::eoex::host::store::{Aggregation, FilterNode, Host, Page, RecordQuery};
use crate::bindings::eoex::host::types::Error;
use crate::convert;
use crate::host::HostState;

impl Host for HostState {
    async fn insert(
        &mut self,
        entity: String,
        record: String,
    ) -> wasmtime::Result<Result<String, Error>> {
        let services = self.services("store.insert")?;
        let result = match convert::json("record", &record) {
            Ok(record) => services.insert(&entity, record).await,
            Err(e) => Err(e),
        };
        Ok(result.map(|r| r.to_string()).map_err(convert::error))
    }

    async fn get(
        &mut self,
        entity: String,
        id: String,
    ) -> wasmtime::Result<Result<Option<String>, Error>> {
        let services = self.services("store.get")?;
        let result = services.get(&entity, &id).await;
        Ok(result
            .map(|r| r.map(|r| r.to_string()))
            .map_err(convert::error))
    }

    async fn update(
        &mut self,
        entity: String,
        id: String,
        changes: String,
        condition: Vec<FilterNode>,
    ) -> wasmtime::Result<Result<String, Error>> {
        let services = self.services("store.update")?;
        let result = match convert::json("changes", &changes) {
            Ok(changes) => {
                services
                    .update(&entity, &id, changes, convert::filter(condition))
                    .await
            }
            Err(e) => Err(e),
        };
        Ok(result.map(|r| r.to_string()).map_err(convert::error))
    }

    async fn increment(
        &mut self,
        entity: String,
        id: String,
        field: String,
        delta: f64,
        condition: Vec<FilterNode>,
    ) -> wasmtime::Result<Result<String, Error>> {
        let services = self.services("store.increment")?;
        let result = services
            .increment(&entity, &id, &field, delta, convert::filter(condition))
            .await;
        Ok(result.map(|r| r.to_string()).map_err(convert::error))
    }

    async fn delete(
        &mut self,
        entity: String,
        id: String,
    ) -> wasmtime::Result<Result<bool, Error>> {
        let services = self.services("store.delete")?;
        Ok(services.delete(&entity, &id).await.map_err(convert::error))
    }

    async fn query(&mut self, q: RecordQuery) -> wasmtime::Result<Result<Page, Error>> {
        let services = self.services("store.query")?;
        let result = services.query(convert::query(q)).await;
        Ok(result.map(convert::page).map_err(convert::error))
    }

    async fn count(
        &mut self,
        entity: String,
        filter: Vec<FilterNode>,
    ) -> wasmtime::Result<Result<u64, Error>> {
        let services = self.services("store.count")?;
        let result = services.count(&entity, convert::filter(filter)).await;
        Ok(result.map_err(convert::error))
    }

    async fn aggregate(&mut self, a: Aggregation) -> wasmtime::Result<Result<String, Error>> {
        let services = self.services("store.aggregate")?;
        let result = services.aggregate(convert::aggregation(a)).await;
        Ok(result
            .map(|rows| serde_json::Value::Array(rows).to_string())
            .map_err(convert::error))
    }
}
