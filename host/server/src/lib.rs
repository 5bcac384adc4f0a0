//! The EOEX host server: configuration, the HTTP API (auth, users, tenant), and the
//! process around them (startup, graceful shutdown). `main.rs` is a thin CLI over this
//! library so that tests run the very same server on an ephemeral port.

mod auth;
pub mod config;
mod error;
mod extract;
mod routes;
mod state;
mod validate;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use eoex_modules::{ModuleHost, PluginWatcher, Registry, ReusePolicy, RuntimeConfig, TrustPolicy};
use eoex_store::Db;
use tokio::net::TcpListener;

pub use config::Config;
pub use routes::openapi;

use crate::auth::tokens::TokenKeys;
use crate::state::AppState;

/// A server that is bound and migrated, ready to serve.
pub struct Server {
    listener: TcpListener,
    router: axum::Router,
    db: Db,
    config: Arc<Config>,
    /// Hot reload of the plugins directory, while the server runs.
    _watcher: Option<PluginWatcher>,
}

impl Server {
    /// Connects to the database, applies migrations and binds `config.bind`.
    pub async fn bind(config: Config) -> anyhow::Result<Server> {
        let db = Db::connect(&config.database_url).await.with_context(|| {
            format!("connecting to {}", config::redact_url(&config.database_url))
        })?;
        db.migrate().await.context("applying database migrations")?;
        let modules = start_modules(&db, &config).await?;
        let watcher = if config.plugins.watch {
            Some(
                modules
                    .watch(&config.plugins.dir)
                    .context("watching the plugins directory")?,
            )
        } else {
            None
        };
        let config = Arc::new(config);
        let state = AppState {
            db: db.clone(),
            tokens: Arc::new(TokenKeys::new(&config.jwt_secret, config.access_token_ttl)),
            config: config.clone(),
            modules,
        };
        let router = routes::app(state)?;
        let listener = TcpListener::bind(config.bind)
            .await
            .with_context(|| format!("binding {}", config.bind))?;
        Ok(Server {
            listener,
            router,
            db,
            config,
            _watcher: watcher,
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` completes, then stops accepting and lets in-flight
    /// requests finish (up to the configured grace period).
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let addr = self.local_addr()?;
        tracing::info!(%addr, database = self.db.kind().as_str(), "EOEX listening on http://{addr}");
        let (stopping_tx, stopping_rx) = tokio::sync::oneshot::channel::<()>();
        let serve = axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            shutdown.await;
            tracing::info!("shutting down: finishing in-flight requests");
            let _ = stopping_tx.send(());
        });
        let mut serve = std::pin::pin!(serve.into_future());
        tokio::select! {
            result = &mut serve => result?,
            () = async {
                let _ = stopping_rx.await;
                tokio::time::sleep(self.config.shutdown_grace).await;
            } => tracing::warn!("grace period over; dropping the requests still running"),
        }
        self.db.close().await;
        tracing::info!("stopped");
        Ok(())
    }
}

/// The module host with the bundled modules and those in the plugins directory.
async fn start_modules(db: &Db, config: &Config) -> anyhow::Result<Arc<ModuleHost>> {
    let limits = &config.plugins;
    let runtime = RuntimeConfig {
        cache_dir: Some(limits.cache_dir.clone()),
        memory_limit: limits.memory_bytes,
        call_timeout: limits.timeout,
        ..RuntimeConfig::default()
    };
    let policy = ReusePolicy {
        max_requests: limits.reuse_max_requests,
        ..ReusePolicy::default()
    };
    let reuse = limits.reuse.iter().map(|m| (m.clone(), policy)).collect();
    let trust = TrustPolicy {
        trusted: TrustPolicy::parse_keys(&limits.trusted_keys).context("EOEX_TRUSTED_KEYS")?,
        development: limits.development,
    };
    if trust.development {
        tracing::warn!("development mode: unsigned plugin packages are accepted");
    }
    let registry = Registry::new(db.clone(), config.data_dir.join("registry"), trust)
        .context("opening the registry's blob store")?;
    let modules = ModuleHost::new(db.clone(), runtime, reuse, registry)
        .context("starting the plugin runtime")?;
    for (name, component) in eoex_plugin_artifacts::BUNDLED {
        modules
            .install_builtin(component)
            .await
            .with_context(|| format!("loading the bundled module {name}"))?;
    }
    modules
        .load_published()
        .await
        .context("loading the registry's packages")?;
    std::fs::create_dir_all(&limits.dir)
        .with_context(|| format!("creating {}", limits.dir.display()))?;
    modules.install_dir(&limits.dir).await;
    Ok(modules)
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
