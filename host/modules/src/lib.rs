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

pub use call::MODULE_VERSION_HEADER;
pub use catalog::{Loaded, LoadedModule};
pub use eoex_registry::{PackageRecord, Registry, RegistryError, Signature, TrustPolicy};
pub use eoex_runtime::{CallError, ReusePolicy, RuntimeConfig, RuntimeError};
pub use watch::PluginWatcher;

/// The permissions `to` asks for that `from` did not have, as `module.entity:access`.
pub(crate) fn new_permissions(from: &Plugin, to: &Plugin) -> Vec<String> {
    let text = |p: &eoex_abi::manifest::Permission| {
        let access = match p.access {
            eoex_abi::manifest::Access::Read => "read",
            eoex_abi::manifest::Access::Write => "write",
        };
        format!("{}:{access}", p.entity)
    };
    let had: Vec<String> = from.manifest().permissions.iter().map(text).collect();
    to.manifest()
        .permissions
        .iter()
        .map(text)
        .filter(|p| !had.contains(p))
        .collect()
}

fn read_signed(path: &Path) -> Result<(Vec<u8>, Option<Signature>), ModuleError> {
    let unreadable = |what: &Path, e: std::io::Error| {
        ModuleError::Load(RuntimeError::Internal(format!(
            "reading {}: {e}",
            what.display()
        )))
    };
    let bytes = std::fs::read(path).map_err(|e| unreadable(path, e))?;
    let sig_path = eoex_registry::signing::signature_path(path);
    let signature = match std::fs::read_to_string(&sig_path) {
        Ok(text) => Some(
            text.parse::<Signature>()
                .map_err(RegistryError::InvalidSignature)?,
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(unreadable(&sig_path, e)),
    };
    Ok((bytes, signature))
}

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
    #[error(
        "{module} {version} asks for permissions the current version does not have: {}; approve them with \"approve_permissions\"",
        permissions.join(", ")
    )]
    ApprovalRequired {
        module: String,
        version: String,
        permissions: Vec<String>,
    },
    #[error("module {module} refused: {message}")]
    HookRefused { module: String, message: String },
    #[error("module {module} failed: {error}")]
    Plugin { module: String, error: CallError },
    #[error("could not load the module: {0}")]
    Load(#[from] RuntimeError),
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The loaded modules and everything needed to run them.
pub struct ModuleHost {
    db: Db,
    runtime: Runtime,
    registry: Registry,
    loaded: Loaded,
    /// Modules whose instances are reused across requests of one tenant.
    reuse: HashMap<String, ReusePolicy>,
}

/// What publishing a component did.
pub struct Published {
    pub plugin: Arc<Plugin>,
    pub record: PackageRecord,
    /// False when the same bytes had been published before (nothing changed).
    pub new: bool,
}

impl ModuleHost {
    pub fn new(
        db: Db,
        config: RuntimeConfig,
        reuse: HashMap<String, ReusePolicy>,
        registry: Registry,
    ) -> Result<Arc<ModuleHost>, ModuleError> {
        Ok(Arc::new(ModuleHost {
            db,
            runtime: Runtime::new(config)?,
            registry,
            loaded: Loaded::default(),
            reuse,
        }))
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    async fn load(&self, component: &[u8]) -> Result<Arc<Plugin>, ModuleError> {
        let plugin = self.runtime.load(component).await?;
        Ok(match self.reuse.get(&plugin.manifest().name) {
            Some(policy) => Arc::new(plugin.with_options(PluginOptions {
                reuse: Some(*policy),
            })),
            None => plugin,
        })
    }

    /// Publishes a component: checks its signature against the trusted publisher keys
    /// (before compiling anything), loads it (refusing what is not an `eoex:plugin`
    /// component or whose manifest fails), records it in the registry (a version is
    /// immutable: identical bytes are a no-op, different ones refused) and installs it,
    /// so tenants whose requirement it satisfies move to it on their next request.
    pub async fn publish(
        &self,
        component: &[u8],
        signature: Option<&Signature>,
    ) -> Result<Published, ModuleError> {
        let publisher = self.registry.verify(component, signature)?;
        let plugin = self.load(component).await?;
        let manifest = plugin.manifest();
        if let Some(loaded) = self.loaded.version(&manifest.name, &manifest.version)
            && loaded.digest() != plugin.digest()
        {
            // Also a version built into the host, which the registry does not index.
            return Err(RegistryError::VersionExists {
                name: manifest.name.clone(),
                version: manifest.version.clone(),
                existing_digest: loaded.digest().to_owned(),
            }
            .into());
        }
        let publication = self
            .registry
            .record(component, manifest, publisher.as_deref())
            .await?;
        let new = matches!(publication, eoex_registry::Publication::New(_));
        let record = publication.record().clone();
        let plugin = match self.loaded.version(&manifest.name, &manifest.version) {
            Some(existing) => existing,
            None => self.activate(plugin).await?,
        };
        Ok(Published {
            plugin,
            record,
            new,
        })
    }

    /// Loads every package the registry holds (yanked ones too: tenants running them
    /// keep running them); a package that no longer loads is logged and skipped.
    pub async fn load_published(&self) -> Result<(), ModuleError> {
        for record in self.registry.list().await? {
            let outcome = match self.registry.component(&record) {
                Ok(bytes) => match self.load(&bytes).await {
                    Ok(plugin) => self.activate(plugin).await.map(drop),
                    Err(e) => Err(e),
                },
                Err(e) => Err(e.into()),
            };
            match outcome {
                Ok(()) if record.yanked => self.loaded.yank(&record.package_name, &record.version),
                Ok(()) => {}
                Err(e) => {
                    tracing::error!(package = %record.package_name, version = %record.version, error = %e, "published package not loaded");
                    let message = format!(
                        "package {} {} not loaded: {e}",
                        record.package_name, record.version
                    );
                    let _ = self
                        .db
                        .system_log("error", Some(&record.package_name), &message, None)
                        .await;
                }
            }
        }
        Ok(())
    }

    /// Yanks a published version: no requirement resolves to it any more, while tenants
    /// already running it keep it until they move.
    pub async fn yank(&self, name: &str, version: &str) -> Result<(), ModuleError> {
        self.registry.yank(name, version).await?;
        self.loaded.yank(name, version);
        Ok(())
    }

    /// Installs a module built into the host (trusted as the host binary itself is).
    pub async fn install_builtin(&self, component: &[u8]) -> Result<Arc<Plugin>, ModuleError> {
        let plugin = self.load(component).await?;
        self.activate(plugin).await
    }

    /// Creates or migrates the plugin's tables, records it in the module catalog and
    /// makes it available to tenants whose requirement it satisfies.
    async fn activate(&self, plugin: Arc<Plugin>) -> Result<Arc<Plugin>, ModuleError> {
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

    /// Publishes one component file, with the signature in `<file>.sig` if there is
    /// one; a refusal is logged and kept in `system_logs`.
    pub async fn install_file(&self, path: &Path) -> Result<Arc<Plugin>, ModuleError> {
        let result = match read_signed(path) {
            Ok((bytes, signature)) => self
                .publish(&bytes, signature.as_ref())
                .await
                .map(|p| p.plugin),
            Err(e) => Err(e),
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

    /// Every loaded module with its versions, oldest first.
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
    ///
    /// Moving to a version that asks for permissions the current one did not have needs
    /// the admin's explicit approval: each new permission (`module.entity:read|write`)
    /// must be listed in `approved`.
    pub async fn configure(
        self: &Arc<Self>,
        caller: &CallerInfo,
        module: &str,
        enabled: bool,
        requirement: Option<&str>,
        approved: &[String],
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
        if let Some(from) = previous
            .as_deref()
            .and_then(|v| self.loaded.version(module, v))
        {
            let unapproved: Vec<String> = new_permissions(&from, &plugin)
                .into_iter()
                .filter(|p| !approved.contains(p))
                .collect();
            if !unapproved.is_empty() {
                return Err(ModuleError::ApprovalRequired {
                    module: module.to_owned(),
                    version,
                    permissions: unapproved,
                });
            }
        }
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
