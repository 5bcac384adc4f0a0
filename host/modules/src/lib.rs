//! Modules as the host runs them. [`ModuleHost`] holds every loaded plugin version,
//! knows which version each tenant runs (from `tenant_modules` in the database, so that
//! every host agrees), and serves a tenant's request by calling that version with a
//! [`HostServices`](eoex_abi::HostServices) bound to the tenant and to one database
//! transaction — committed when the plugin answers below 400, rolled back otherwise.
//!
//! API boundary: callers (the HTTP server) see `eoex_abi` types and [`ModuleError`];
//! wasmtime stays inside `eoex-runtime`, SQL inside `eoex-store`.

mod call;
mod catalog;
mod events;
mod services;
mod watch;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use eoex_abi::{HttpRequest, HttpResponse, Manifest};
use eoex_runtime::{Plugin, PluginOptions, Runtime};
use eoex_store::audit::Origin;
use eoex_store::catalog::{ModuleSetting, TenantModule};
use eoex_store::{Db, StoreError};
use uuid::Uuid;

pub use catalog::{Loaded, LoadedModule};
pub use eoex_runtime::{CallError, ReusePolicy, RuntimeConfig, RuntimeError};
pub use watch::PluginWatcher;

/// Who a module call is for: the authenticated caller of the request.
#[derive(Debug, Clone)]
pub struct CallerInfo {
    pub tenant_id: Uuid,
    pub user_id: Option<Uuid>,
    /// owner, admin, user or readonly (`system` for events and hooks).
    pub role: String,
    pub request_id: String,
    pub origin: Origin,
}

impl CallerInfo {
    fn can_write(&self) -> bool {
        self.role != "readonly"
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ModuleError {
    #[error("no module named {0:?}")]
    UnknownModule(String),
    #[error("module {0:?} is not enabled for this tenant")]
    NotEnabled(String),
    #[error("no installed version of {module} satisfies {requirement:?} (installed: {installed})")]
    NoMatchingVersion {
        module: String,
        requirement: String,
        installed: String,
    },
    #[error("{0}")]
    InvalidRequirement(String),
    #[error("the readonly role cannot make changes")]
    ReadOnly,
    #[error("module {module} refused: {message}")]
    HookRefused { module: String, message: String },
    #[error("module {module} failed: {error}")]
    Plugin { module: String, error: CallError },
    #[error("could not load the module: {0}")]
    Load(#[from] RuntimeError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The loaded modules and everything needed to run them.
pub struct ModuleHost {
    db: Db,
    runtime: Runtime,
    loaded: Loaded,
    /// Modules whose instances are reused across requests of one tenant.
    reuse: HashMap<String, ReusePolicy>,
}

impl ModuleHost {
    pub fn new(
        db: Db,
        config: RuntimeConfig,
        reuse: HashMap<String, ReusePolicy>,
    ) -> Result<Arc<ModuleHost>, ModuleError> {
        Ok(Arc::new(ModuleHost {
            db,
            runtime: Runtime::new(config)?,
            loaded: Loaded::default(),
            reuse,
        }))
    }

    /// Loads a component, creates or migrates its entity tables, records it in the
    /// catalog and makes it available to tenants whose requirement it satisfies.
    pub async fn install(&self, component: &[u8]) -> Result<Arc<Plugin>, ModuleError> {
        let mut plugin = self.runtime.load(component).await?;
        if let Some(policy) = self.reuse.get(&plugin.manifest().name) {
            plugin = Arc::new(plugin.with_options(PluginOptions {
                reuse: Some(*policy),
            }));
        }
        let manifest = plugin.manifest();
        self.db
            .ensure_entity_tables(&manifest.name, &manifest.entities)
            .await?;
        let versions = self.loaded.add(plugin.clone());
        self.db.register_module(manifest, &versions).await?;
        tracing::info!(module = %manifest.name, version = %manifest.version, digest = %plugin.digest(), "module installed");
        Ok(plugin)
    }

    /// Installs every `*.wasm` file of `dir` (in name order), logging and skipping the
    /// ones that fail; a missing directory is empty.
    pub async fn install_dir(
        &self,
        dir: &Path,
    ) -> Vec<(PathBuf, Result<Arc<Plugin>, ModuleError>)> {
        let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
            Ok(entries) => entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "wasm"))
                .collect(),
            Err(_) => Vec::new(),
        };
        files.sort();
        let mut outcomes = Vec::new();
        for path in files {
            let result = self.install_file(&path).await;
            outcomes.push((path, result));
        }
        outcomes
    }

    /// Installs one component file; a refusal is logged and kept in `system_logs`.
    pub async fn install_file(&self, path: &Path) -> Result<Arc<Plugin>, ModuleError> {
        let result = match std::fs::read(path) {
            Ok(bytes) => self.install(&bytes).await,
            Err(e) => Err(ModuleError::Load(RuntimeError::Internal(format!(
                "reading {}: {e}",
                path.display()
            )))),
        };
        if let Err(e) = &result {
            tracing::error!(path = %path.display(), error = %e, "plugin refused");
            let details = serde_json::json!({ "path": path.display().to_string() });
            let _ = self
                .db
                .system_log(
                    "error",
                    None,
                    &format!("plugin {} refused: {e}", path.display()),
                    Some(details),
                )
                .await;
        }
        result
    }

    /// Every loaded module with its versions, newest last.
    pub fn modules(&self) -> Vec<LoadedModule> {
        self.loaded.snapshot()
    }

    pub fn is_installed(&self, module: &str) -> bool {
        self.loaded.contains(module)
    }

    /// The manifest of the newest loaded version of `module`.
    pub fn manifest(&self, module: &str) -> Option<Manifest> {
        self.loaded.newest(module).map(|p| p.manifest().clone())
    }

    /// Every module with this tenant's state of it.
    pub async fn tenant_modules(&self, tenant_id: Uuid) -> Result<Vec<TenantModule>, ModuleError> {
        Ok(self.db.tenant_modules(tenant_id).await?)
    }

    /// Enables or disables `module` for the caller's tenant, at the highest loaded
    /// version satisfying `requirement` (default: the current one, or `*`). Enabling
    /// for the first time runs the plugin's install hook, moving to another version its
    /// upgrade hook; the hook and the new state commit together, so a failing hook
    /// leaves the tenant as it was.
    pub async fn configure(
        self: &Arc<Self>,
        caller: &CallerInfo,
        module: &str,
        enabled: bool,
        requirement: Option<&str>,
    ) -> Result<TenantModule, ModuleError> {
        if !self.loaded.contains(module) {
            return Err(ModuleError::UnknownModule(module.to_owned()));
        }
        let current = self.db.tenant_module(caller.tenant_id, module).await?;
        let requirement = requirement
            .map(str::to_owned)
            .or_else(|| current.as_ref().map(|c| c.version_requirement.clone()))
            .unwrap_or_else(|| "*".to_owned());
        let plugin = self.loaded.resolve(module, &requirement)?;
        let version = plugin.manifest().version.clone();
        let setting = ModuleSetting {
            module_name: module.to_owned(),
            enabled,
            version_requirement: requirement,
            active_version: Some(version.clone()),
        };
        let previous = current.as_ref().and_then(|c| c.active_version.clone());
        let hook = match (&previous, enabled) {
            (None, true) => Some(call::Hook::Install),
            (Some(from), true) if *from != version => Some(call::Hook::Upgrade(from.clone())),
            _ => None,
        };
        call::run_hook(self, caller, &plugin, hook, &setting).await?;
        self.db
            .tenant_module(caller.tenant_id, module)
            .await?
            .ok_or_else(|| StoreError::NotFound.into())
    }

    /// Serves a request to `module` for the caller's tenant.
    pub async fn handle_http(
        self: &Arc<Self>,
        caller: &CallerInfo,
        module: &str,
        request: HttpRequest,
    ) -> Result<HttpResponse, ModuleError> {
        call::handle_http(self, caller, module, request).await
    }
}
