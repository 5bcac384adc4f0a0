//! Test plugins natively with `cargo test`: an in-memory host that answers the SDK's
//! store, sequence, event, log and context calls the way the EOEX host does.
//!
//! ```
//! use eoex_sdk::prelude::*;
//! use eoex_sdk::testing::TestHost;
//! use serde_json::{Value, json};
//!
//! struct Notes;
//!
//! impl Plugin for Notes {
//!     fn manifest() -> Manifest {
//!         Manifest::new("notes", "1.0.0")
//!             .entity(Entity::new("notes", "note_id").field(Field::text("title").required()))
//!     }
//!
//!     fn router() -> Router {
//!         Router::new().post("/notes", |request| {
//!             let note: Value = store::insert("notes", &request.json::<Value>()?)?;
//!             Ok(Response::created(&note))
//!         })
//!     }
//! }
//!
//! let host = TestHost::new();
//! let response = host.call::<Notes>("POST", "/notes", Some(json!({"title": "Hi"})));
//! assert_eq!(response.status(), 201);
//! let missing_title = host.call::<Notes>("POST", "/notes", Some(json!({})));
//! assert_eq!(missing_title.status(), 422);
//! assert_eq!(host.records("notes").len(), 1);
//! ```
//!
//! Each call runs in a transaction like the host's: store writes, sequences and
//! published events are kept when the response status is below 400 and dropped
//! otherwise. The host is per thread (each `#[test]` runs on its own); the store API
//! acts on the host created or used last on the thread.

mod memory;
#[cfg(test)]
mod tests;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use serde_json::Value;

use crate::log::Level;
use crate::users::User;
use crate::{Context, Error, Manifest, Plugin, Request, Response};

/// An event a call published and committed.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub topic: String,
    pub payload: Value,
}

/// The tenant every [`TestHost`] starts with.
pub const TENANT_ID: &str = "00000000-0000-4000-8000-000000000001";
/// The user every [`TestHost`] starts with.
pub const USER_ID: &str = "00000000-0000-4000-8000-000000000002";

/// An in-memory EOEX host for one tenant. See the [module documentation](self).
pub struct TestHost {
    state: Rc<RefCell<State>>,
}

struct State {
    /// Installed modules by name.
    modules: BTreeMap<String, Manifest>,
    /// The module whose code is running (or was installed or called last).
    current: Option<String>,
    /// Tenant, user, role and features; module and request fields are set per call.
    context: Context,
    store: memory::Store,
    in_transaction: bool,
    pending: Vec<Event>,
    events: Vec<Event>,
    logs: Vec<(Level, String)>,
    users: Vec<User>,
}

/// Requests come from the configured user; hooks and events run as `system`.
#[derive(Clone, Copy)]
enum Caller {
    User,
    System,
}

thread_local! {
    static CURRENT: RefCell<Option<Rc<RefCell<State>>>> = const { RefCell::new(None) };
}

impl Default for TestHost {
    fn default() -> TestHost {
        TestHost::new()
    }
}

impl TestHost {
    /// A host with one tenant ([`TENANT_ID`]) and its owner ([`USER_ID`]) calling;
    /// the store API on this thread acts on it from now on.
    pub fn new() -> TestHost {
        let host = TestHost {
            state: Rc::new(RefCell::new(State {
                modules: BTreeMap::new(),
                current: None,
                context: Context {
                    tenant_id: TENANT_ID.into(),
                    user_id: Some(USER_ID.into()),
                    role: "owner".into(),
                    ..Context::default()
                },
                store: memory::Store::default(),
                in_transaction: false,
                pending: Vec::new(),
                events: Vec::new(),
                logs: Vec::new(),
                users: vec![User {
                    user_id: USER_ID.into(),
                    email: "owner@example.com".into(),
                    first_name: Some("Olive".into()),
                    last_name: Some("Owner".into()),
                    role: "owner".into(),
                    is_active: true,
                }],
            })),
        };
        host.activate();
        host
    }

    /// Calls come with this tenant, user, role and features (its module and request
    /// fields are replaced per call).
    pub fn with_context(self, context: Context) -> TestHost {
        self.state.borrow_mut().context = context;
        self
    }

    /// Calls come from a user with this role (`owner`, `admin`, `user`, `readonly`).
    pub fn with_role(self, role: &str) -> TestHost {
        self.state.borrow_mut().context.role = role.into();
        self
    }

    /// These feature keys are enabled for the tenant.
    pub fn with_features<S: Into<String>>(self, features: impl IntoIterator<Item = S>) -> TestHost {
        self.state.borrow_mut().context.features = features.into_iter().map(Into::into).collect();
        self
    }

    /// Adds a user to the tenant (it starts with its owner, [`USER_ID`]), for
    /// [`users::get`](crate::users::get) to find.
    pub fn add_user(&self, user: User) -> &TestHost {
        let mut state = self.state.borrow_mut();
        state.users.retain(|u| u.user_id != user.user_id);
        state.users.push(user);
        self
    }

    /// Enables `P` for the tenant: creates its tables and runs [`Plugin::on_install`].
    /// [`call`](TestHost::call) creates the tables by itself; install when the hook
    /// matters, or to use the store API directly for `P` (e.g. to seed records).
    pub fn install<P: Plugin>(&self) -> Result<(), Error> {
        self.transaction::<P, _>(Caller::System, P::on_install, Result::is_ok)
    }

    /// Sends a request to `P`: `target` is a path below the module prefix with an
    /// optional query (`/contacts?status=new`), `body` a JSON body.
    pub fn call<P: Plugin>(&self, method: &str, target: &str, body: Option<Value>) -> Response {
        let request = Request::new(method, target);
        let request = match body {
            Some(body) => request.with_json(&body),
            None => request,
        };
        self.send::<P>(request)
    }

    /// Sends a request built with [`Request::new`] (raw bodies, headers).
    pub fn send<P: Plugin>(&self, request: Request) -> Response {
        self.transaction::<P, _>(
            Caller::User,
            || P::router().handle(request),
            |response| response.status() < 400,
        )
    }

    /// Delivers an event to `P`'s [`Plugin::on_event`], as the host does after the
    /// publishing request commits.
    ///
    /// # Panics
    /// When `P`'s manifest does not subscribe to `topic`: the host would not deliver it.
    pub fn deliver<P: Plugin>(&self, topic: &str, payload: Value) -> Result<(), Error> {
        let manifest = crate::describe::<P>();
        assert!(
            manifest.subscriptions.iter().any(|s| s == topic),
            "module {} does not subscribe to {topic}",
            manifest.name
        );
        self.transaction::<P, _>(
            Caller::System,
            || P::on_event(topic, payload),
            Result::is_ok,
        )
    }

    /// Events published by committed calls, in order.
    pub fn events(&self) -> Vec<Event> {
        self.state.borrow().events.clone()
    }

    /// Everything logged, including by calls that rolled back.
    pub fn logs(&self) -> Vec<(Level, String)> {
        self.state.borrow().logs.clone()
    }

    /// The records of `entity` (of the current module, or `module.entity`), in
    /// insertion order.
    ///
    /// # Panics
    /// When no installed module declares that entity.
    pub fn records(&self, entity: &str) -> Vec<Value> {
        let state = self.state.borrow();
        let key = match (entity.contains('.'), &state.current) {
            (true, _) => entity.to_string(),
            (false, Some(module)) => format!("{module}.{entity}"),
            (false, None) => panic!("no module installed or called yet"),
        };
        let records = state
            .store
            .records(&key)
            .unwrap_or_else(|| panic!("no installed module declares {key}"));
        records.iter().cloned().map(Value::Object).collect()
    }

    /// Makes this host the one the store API acts on, on this thread.
    fn activate(&self) {
        CURRENT.with(|current| *current.borrow_mut() = Some(self.state.clone()));
    }

    /// Runs `run` as `P` in a transaction.
    fn transaction<P: Plugin, R>(
        &self,
        caller: Caller,
        run: impl FnOnce() -> R,
        commits: impl FnOnce(&R) -> bool,
    ) -> R {
        self.activate();
        let manifest = crate::describe::<P>();
        let base = {
            let mut state = self.state.borrow_mut();
            state.store.create_tables(&manifest);
            state.current = Some(manifest.name.clone());
            state.in_transaction = true;
            let base = state.context.clone();
            let (user_id, role) = match caller {
                Caller::User => (base.user_id.clone(), base.role.clone()),
                Caller::System => (None, "system".into()),
            };
            state.context = Context {
                user_id,
                role,
                module: manifest.name.clone(),
                module_version: manifest.version.clone(),
                request_id: uuid::Uuid::new_v4().to_string(),
                ..base.clone()
            };
            state.modules.insert(manifest.name.clone(), manifest);
            base
        };
        let snapshot = self.state.borrow().store.clone();
        let result = run();
        let mut state = self.state.borrow_mut();
        if commits(&result) {
            let pending = std::mem::take(&mut state.pending);
            state.events.extend(pending);
        } else {
            state.store = snapshot;
            state.pending.clear();
        }
        state.in_transaction = false;
        state.context = base;
        result
    }
}

fn with_state<R>(f: impl FnOnce(&mut State) -> R) -> R {
    let state = CURRENT
        .with(|current| current.borrow().clone())
        .expect("eoex-sdk: no TestHost on this thread; create one with TestHost::new() first");
    let mut state = state.borrow_mut();
    f(&mut state)
}

/// Runs a store operation for the current module.
fn with_store<R>(f: impl FnOnce(&mut memory::Store, &memory::Scope) -> R) -> R {
    with_state(|state| {
        let module = state
            .current
            .as_ref()
            .and_then(|name| state.modules.get(name))
            .expect("eoex-sdk: install or call a plugin on the TestHost before using the store");
        let scope = memory::Scope {
            module,
            modules: &state.modules,
            can_write: state.context.role != "readonly",
        };
        f(&mut state.store, &scope)
    })
}

/// The SDK's host calls, answered by the thread's [`TestHost`].
pub(crate) mod backend {
    use super::{Event, with_state, with_store};
    use crate::log::Level;
    use crate::store::{Aggregation, Node, Query, RawPage};
    use crate::{Context, HostError};

    pub fn context() -> Context {
        with_state(|state| state.context.clone())
    }

    /// Without a TestHost (e.g. a router unit test) logs go to stderr.
    pub fn log(level: Level, message: &str) {
        let host = super::CURRENT.with(|current| current.borrow().clone());
        match host {
            Some(state) => state.borrow_mut().logs.push((level, message.into())),
            None => eprintln!("[{level:?}] {message}"),
        }
    }

    pub fn insert(entity: &str, record: &str) -> Result<String, HostError> {
        with_store(|store, scope| store.insert(scope, entity, record))
    }

    pub fn get(entity: &str, id: &str) -> Result<Option<String>, HostError> {
        with_store(|store, scope| store.get(scope, entity, id))
    }

    pub fn update(
        entity: &str,
        id: &str,
        changes: &str,
        condition: &[Node],
    ) -> Result<String, HostError> {
        with_store(|store, scope| store.update(scope, entity, id, changes, condition))
    }

    pub fn increment(
        entity: &str,
        id: &str,
        field: &str,
        delta: f64,
        condition: &[Node],
    ) -> Result<String, HostError> {
        with_store(|store, scope| store.increment(scope, entity, id, field, delta, condition))
    }

    pub fn delete(entity: &str, id: &str) -> Result<bool, HostError> {
        with_store(|store, scope| store.delete(scope, entity, id))
    }

    pub fn query(query: &Query, filter: &[Node]) -> Result<RawPage, HostError> {
        with_store(|store, scope| store.query(scope, query, filter))
    }

    pub fn count(entity: &str, filter: &[Node]) -> Result<u64, HostError> {
        with_store(|store, scope| store.count(scope, entity, filter))
    }

    pub fn aggregate(aggregation: &Aggregation, filter: &[Node]) -> Result<String, HostError> {
        with_store(|store, scope| store.aggregate(scope, aggregation, filter))
    }

    pub fn next_sequence(name: &str) -> Result<u64, HostError> {
        with_store(|store, scope| store.next_sequence(scope, name))
    }

    pub fn publish(topic: &str, payload: &str) -> Result<(), HostError> {
        with_state(|state| {
            let prefix = format!("{}.", state.current.as_deref().unwrap_or_default());
            if !topic.starts_with(&prefix) || topic.len() == prefix.len() || topic.len() > 200 {
                return Err(HostError::Invalid(format!(
                    "topic {topic:?}: must start with {prefix}"
                )));
            }
            let payload = serde_json::from_str(payload)
                .map_err(|e| HostError::Invalid(format!("payload: {e}")))?;
            let event = Event {
                topic: topic.into(),
                payload,
            };
            if state.in_transaction {
                state.pending.push(event);
            } else {
                state.events.push(event);
            }
            Ok(())
        })
    }

    pub fn user(user_id: &str) -> Result<Option<crate::users::User>, HostError> {
        with_state(|state| Ok(state.users.iter().find(|u| u.user_id == user_id).cloned()))
    }
}
