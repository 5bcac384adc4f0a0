//! The end-to-end harness: [`TestApp::spawn`] starts the real EOEX server (the same
//! `Server` the `eoex` binary runs) on an ephemeral port with a fresh database, and
//! offers a small HTTP client over it. Every test runs against SQLite, and against
//! PostgreSQL when `EOEX_TEST_POSTGRES_URL` names a server (each test then gets its own
//! database, dropped afterwards).
//!
//! [`backend_tests!`] turns `async fn name(backend: Backend)` functions into one
//! `#[tokio::test]` per backend.

use std::net::SocketAddr;

use eoex_server::config::ServeArgs;
use eoex_server::{Config, Server};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sqlx::Connection;

pub use serde_json;

pub const PASSWORD: &str = "correct horse battery";
/// The operator token every test server is configured with.
pub const OPERATOR_TOKEN: &str = "operator-token-for-tests-only-0123456789";

#[derive(Debug, Clone)]
pub enum Backend {
    Sqlite,
    Postgres { admin_url: String },
}

impl Backend {
    /// PostgreSQL when `EOEX_TEST_POSTGRES_URL` is set.
    pub fn postgres() -> Option<Backend> {
        std::env::var("EOEX_TEST_POSTGRES_URL")
            .ok()
            .filter(|u| !u.is_empty())
            .map(|admin_url| Backend::Postgres { admin_url })
    }
}

/// Generates one test per backend for each `async fn NAME(backend: Backend)` listed.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    match $crate::Backend::postgres() {
                        Some(backend) => super::$name(backend).await,
                        None => eprintln!("EOEX_TEST_POSTGRES_URL is not set: PostgreSQL not tested"),
                    }
                }
            )*
        }
    };
}

/// A running server with its own database, stopped and cleaned up on drop.
pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub database_url: String,
    pub data_dir: tempfile::TempDir,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
    postgres: Option<(String, String)>,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Starts a server after `configure` has adjusted its options.
    pub async fn spawn_with(backend: Backend, configure: impl FnOnce(&mut ServeArgs)) -> TestApp {
        Self::spawn_with_plugins(backend, &[], configure).await
    }

    /// Starts a server with these component files in its plugins directory (besides the
    /// bundled modules), as an operator would install them.
    pub async fn spawn_with_plugins(
        backend: Backend,
        plugins: &[&str],
        configure: impl FnOnce(&mut ServeArgs),
    ) -> TestApp {
        let data_dir = tempfile::tempdir().expect("temp dir");
        let plugins_dir = data_dir.path().join("plugins");
        std::fs::create_dir_all(&plugins_dir).expect("plugins dir");
        for plugin in plugins {
            let source = std::path::Path::new(plugin);
            std::fs::copy(
                source,
                plugins_dir.join(source.file_name().expect("a file")),
            )
            .expect("copy plugin");
        }
        let (database_url, postgres) = match &backend {
            Backend::Sqlite => (
                format!("sqlite://{}", data_dir.path().join("eoex.db").display()),
                None,
            ),
            Backend::Postgres { admin_url } => {
                let name = format!("eoex_t_{}", uuid::Uuid::new_v4().simple());
                let mut admin = sqlx::PgConnection::connect(admin_url)
                    .await
                    .expect("connect to EOEX_TEST_POSTGRES_URL");
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut admin)
                    .await
                    .expect("create test database");
                admin.close().await.ok();
                (
                    with_database(admin_url, &name),
                    Some((admin_url.clone(), name)),
                )
            }
        };
        let mut args = ServeArgs {
            bind: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
            data_dir: Some(data_dir.path().to_path_buf()),
            database_url: Some(database_url.clone()),
            shutdown_grace_secs: Some(5),
            operator_token: Some(OPERATOR_TOKEN.into()),
            // Fixtures in the plugins directory are unsigned; the signing tests turn
            // development mode off.
            dev_mode: Some(true),
            // One compile cache for every test server of the run: each would otherwise
            // compile the bundled modules anew (seconds of CPU per server).
            cache_dir: Some(std::env::temp_dir().join("eoex-tests-compile-cache")),
            ..ServeArgs::default()
        };
        configure(&mut args);
        let config = Config::resolve(args).expect("config");
        let server = Server::bind(config).await.expect("server starts");
        let addr = server.local_addr().expect("bound address");
        let (shutdown_tx, shutdown_rx) = tokio::sync::oneshot::channel::<()>();
        let handle = tokio::spawn(async move {
            server
                .run(async move {
                    let _ = shutdown_rx.await;
                })
                .await
                .expect("server runs");
        });
        TestApp {
            addr,
            client: reqwest::Client::new(),
            database_url,
            data_dir,
            shutdown: Some(shutdown_tx),
            server: Some(handle),
            postgres,
        }
    }

    /// Drops this test's PostgreSQL database from under the running server.
    pub async fn drop_postgres_database(&self) {
        let (admin_url, name) = self.postgres.as_ref().expect("a PostgreSQL test app");
        let mut admin = sqlx::PgConnection::connect(admin_url)
            .await
            .expect("connect");
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE {name} WITH (FORCE)"
        )))
        .execute(&mut admin)
        .await
        .expect("drop database");
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Sends a request; `token` becomes a bearer token, `body` a JSON body.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Response {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        Response::from(request.send().await.expect("request sent")).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.request(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Response {
        self.request(Method::POST, path, Some(token), Some(body))
            .await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Response {
        self.request(Method::PATCH, path, Some(token), Some(body))
            .await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Response {
        self.request(Method::DELETE, path, Some(token), None).await
    }

    /// Signs up tenant `name` (domain `NAME.example`, owner `owner@NAME.example`).
    pub async fn signup(&self, name: &str) -> Session {
        let email = format!("owner@{name}.example");
        let response = self
            .request(
                Method::POST,
                "/api/v1/auth/signup",
                None,
                Some(json!({
                    "tenant_name": name, "tenant_domain": format!("{name}.example"),
                    "email": email, "password": PASSWORD, "first_name": "Olive", "last_name": name,
                })),
            )
            .await;
        response.assert_status(StatusCode::CREATED);
        Session::from_tokens(&response.body, email)
    }

    /// Logs in; panics unless it succeeds.
    pub async fn login(&self, email: &str, password: &str) -> Session {
        let response = self
            .request(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({"email": email, "password": password})),
            )
            .await;
        response.assert_status(StatusCode::OK);
        Session::from_tokens(&response.body, email.to_owned())
    }

    pub async fn put(&self, path: &str, token: &str, body: Value) -> Response {
        self.request(Method::PUT, path, Some(token), Some(body))
            .await
    }

    /// Publishes a component through the registry API as the operator.
    pub async fn publish(&self, component: &[u8], signature: Option<&str>) -> Response {
        let mut request = self
            .client
            .post(self.url("/api/v1/registry/packages"))
            .bearer_auth(OPERATOR_TOKEN)
            .header("content-type", "application/wasm")
            .body(component.to_vec());
        if let Some(signature) = signature {
            request = request.header("x-eoex-signature", signature);
        }
        Response::from(request.send().await.expect("request sent")).await
    }

    /// The messages of the host's `system_logs`, newest first (operator endpoint).
    pub async fn system_logs(&self) -> Vec<String> {
        let response = self
            .get("/api/v1/system/logs?limit=1000", OPERATOR_TOKEN)
            .await;
        response.assert_status(StatusCode::OK);
        response.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|l| l["message"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    /// Enables `module` for the session's tenant; panics unless it succeeds.
    pub async fn enable(&self, session: &Session, module: &str) -> Response {
        let response = self
            .put(
                &format!("/api/v1/tenant/modules/{module}"),
                &session.token,
                json!({"enabled": true}),
            )
            .await;
        response.assert_status(StatusCode::OK);
        response
    }

    /// Creates a user with `role` in the session's tenant and logs them in.
    pub async fn add_user(&self, admin: &Session, email: &str, role: &str) -> Session {
        self.post(
            "/api/v1/users",
            &admin.token,
            json!({"email": email, "password": PASSWORD, "role": role}),
        )
        .await
        .assert_status(StatusCode::CREATED);
        self.login(email, PASSWORD).await
    }
}

fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let base = match base[after_scheme..].find('/') {
        Some(slash) => &base[..after_scheme + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(handle) = self.server.take() {
            handle.abort();
        }
        if let Some((admin_url, name)) = self.postgres.take() {
            // Drop runs inside the test's runtime: do the async cleanup on a thread of its own.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .ok()?;
                runtime.block_on(async {
                    let mut admin = sqlx::PgConnection::connect(&admin_url).await.ok()?;
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .execute(&mut admin)
                    .await
                    .ok()
                })
            })
            .join();
        }
    }
}

/// A logged-in user.
#[derive(Debug, Clone)]
pub struct Session {
    pub token: String,
    pub refresh_token: String,
    pub tenant_id: String,
    pub user_id: String,
    pub email: String,
}

impl Session {
    fn from_tokens(body: &Value, email: String) -> Session {
        let field = |k: &str| {
            body[k]
                .as_str()
                .unwrap_or_else(|| panic!("no {k} in {body}"))
                .to_owned()
        };
        Session {
            token: field("access_token"),
            refresh_token: field("refresh_token"),
            tenant_id: field("tenant_id"),
            user_id: field("user_id"),
            email,
        }
    }
}

/// A response with its body parsed as JSON (`Value::Null` when empty).
#[derive(Debug)]
pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Response {
    pub async fn from(response: reqwest::Response) -> Response {
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("response body");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::Null)
        };
        Response {
            status,
            headers,
            body,
            text,
        }
    }

    #[track_caller]
    pub fn assert_status(&self, status: StatusCode) -> &Self {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.text
        );
        self
    }

    /// Asserts an error response of this status and code, in the API's error format.
    #[track_caller]
    pub fn assert_error(&self, status: StatusCode, code: &str) -> &Self {
        self.assert_status(status);
        assert_eq!(
            self.body["error"]["code"], code,
            "unexpected error code; body: {}",
            self.text
        );
        assert!(
            self.body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "no message: {}",
            self.text
        );
        self
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn replaces_the_database_of_a_url() {
        assert_eq!(
            super::with_database("postgres://u@h:5432/postgres", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            super::with_database("postgres://u@h:5432", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            super::with_database("postgres://u@h/db?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
    }
}
