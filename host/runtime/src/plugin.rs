//! One loaded plugin version and the calls into it. Each call gets a fresh instance (or,
//! with a [`ReusePolicy`], an idle one of the same tenant), the caller's
//! [`HostServices`] for its duration, and a deadline; the services always come back.

use std::collections::VecDeque;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use eoex_abi::{HOST_API_VERSION, HostServices, HttpRequest, HttpResponse, Manifest};
use wasmtime::Store;

use crate::bindings::exports::eoex::plugin::guest::{self, Guest};
use crate::bindings::{Plugin as Bindings, PluginPre};
use crate::config::{PluginOptions, ReusePolicy};
use crate::convert;
use crate::error::{CallError, RuntimeError};
use crate::host::HostState;
use crate::runtime::Shared;

/// A loaded plugin: one version of one module, ready to be called concurrently.
pub struct Plugin {
    shared: Arc<Shared>,
    pre: PluginPre<HostState>,
    manifest: Manifest,
    digest: String,
    size: usize,
    cached: bool,
    reuse: Option<Reuse>,
    instantiations: AtomicU64,
}

struct Reuse {
    policy: ReusePolicy,
    /// Least recently used first.
    idle: Mutex<VecDeque<Idle>>,
}

impl Reuse {
    fn new(options: PluginOptions) -> Option<Self> {
        options.reuse.map(|policy| Reuse {
            policy,
            idle: Mutex::new(VecDeque::new()),
        })
    }
}

struct Idle {
    tenant: String,
    store: Store<HostState>,
    bindings: Bindings,
    calls: u32,
}

/// Services handed back with a call's result, to commit or roll back.
pub type CallResult<T> = (Box<dyn HostServices>, Result<T, CallError>);

impl Plugin {
    pub(crate) async fn load(
        shared: Arc<Shared>,
        pre: PluginPre<HostState>,
        digest: String,
        size: usize,
        cached: bool,
        options: PluginOptions,
    ) -> Result<Self, RuntimeError> {
        let manifest = describe(&shared, &pre).await?;
        Ok(Self {
            shared,
            pre,
            manifest,
            digest,
            size,
            cached,
            reuse: Reuse::new(options),
            instantiations: AtomicU64::new(0),
        })
    }

    /// The same compiled plugin run with other options, e.g. reuse chosen after reading
    /// the manifest. Costs no compilation; shares no instances with `self`.
    pub fn with_options(&self, options: PluginOptions) -> Plugin {
        Self {
            shared: self.shared.clone(),
            pre: self.pre.clone(),
            manifest: self.manifest.clone(),
            digest: self.digest.clone(),
            size: self.size,
            cached: self.cached,
            reuse: Reuse::new(options),
            instantiations: AtomicU64::new(0),
        }
    }

    /// The manifest the plugin exported, validated.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The sha256 of the component, lower-case hex.
    pub fn digest(&self) -> &str {
        &self.digest
    }

    /// The component's size in bytes.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Whether the compiled code came from the compile cache rather than a compilation.
    pub fn cached(&self) -> bool {
        self.cached
    }

    /// Instances created for calls so far (not counting reused ones).
    pub fn instantiations(&self) -> u64 {
        self.instantiations.load(Ordering::Relaxed)
    }

    /// Serves an HTTP request below the module's prefix. Any response, whatever its
    /// status, is `Ok`; commit the services' work when the status is below 400.
    pub async fn handle_http(
        &self,
        services: Box<dyn HostServices>,
        request: HttpRequest,
    ) -> CallResult<HttpResponse> {
        let (services, result) = self
            .call(services, HandleHttp(convert::request(request)))
            .await;
        (services, result.map(convert::response))
    }

    /// The module was enabled for the services' tenant for the first time.
    pub async fn on_install(&self, services: Box<dyn HostServices>) -> CallResult<()> {
        let (services, result) = self.call(services, OnInstall).await;
        (services, refused(result))
    }

    /// The services' tenant moved to this version from `from_version`.
    pub async fn on_upgrade(
        &self,
        services: Box<dyn HostServices>,
        from_version: &str,
    ) -> CallResult<()> {
        let (services, result) = self.call(services, OnUpgrade(from_version)).await;
        (services, refused(result))
    }

    /// Delivers an event the plugin subscribed to; `payload` is JSON text.
    pub async fn on_event(
        &self,
        services: Box<dyn HostServices>,
        topic: &str,
        payload: &str,
    ) -> CallResult<()> {
        let (services, result) = self.call(services, OnEvent { topic, payload }).await;
        (services, refused(result))
    }

    /// Creates a fresh instance and drops it without calling it: what a request pays
    /// for isolation before the plugin's code runs (the benchmark measures it).
    pub async fn instantiate_only(&self) -> Result<(), CallError> {
        let mut store = self.shared.new_store();
        self.shared.arm(&mut store);
        match self.pre.instantiate_async(&mut store).await {
            Ok(_) => Ok(()),
            Err(error) => Err(self.shared.classify(&store, error, None)),
        }
    }

    async fn call<E: Export>(
        &self,
        services: Box<dyn HostServices>,
        export: E,
    ) -> CallResult<E::Output> {
        let tenant = self.reuse.as_ref().map(|_| services.context().tenant_id);
        let (mut store, bindings, calls) = match tenant.as_deref().and_then(|t| self.checkout(t)) {
            Some(idle) => (idle.store, Some(idle.bindings), idle.calls),
            None => {
                self.instantiations.fetch_add(1, Ordering::Relaxed);
                (self.shared.new_store(), None, 0)
            }
        };
        store.data_mut().services = Some(services);
        self.shared.arm(&mut store);
        let result = execute(&self.pre, &mut store, bindings, &export).await;
        let Some(services) = store.data_mut().services.take() else {
            unreachable!("no host import takes the services out of the store")
        };
        let stdout = store.data().stdout.take();
        let stderr = store.data().stderr.take();
        let (plugin, version) = (&self.manifest.name, &self.manifest.version);
        if let Some(stdout) = stdout {
            tracing::debug!(target: "eoex::plugin", %plugin, %version, "stdout: {stdout}");
        }
        match result {
            Ok((output, bindings)) => {
                if let Some(stderr) = stderr {
                    tracing::warn!(target: "eoex::plugin", %plugin, %version, "stderr: {stderr}");
                }
                if let Some(tenant) = tenant {
                    self.checkin(Idle {
                        tenant,
                        store,
                        bindings,
                        calls: calls + 1,
                    });
                }
                (services, Ok(output))
            }
            Err(error) => {
                let error = self.shared.classify(&store, error, stderr);
                tracing::warn!(%plugin, %version, export = E::NAME, "plugin call failed: {error}");
                (services, Err(error))
            }
        }
    }

    /// The tenant's most recently used idle instance.
    fn checkout(&self, tenant: &str) -> Option<Idle> {
        let reuse = self.reuse.as_ref()?;
        let mut idle = reuse.idle.lock().unwrap_or_else(PoisonError::into_inner);
        let at = idle.iter().rposition(|i| i.tenant == tenant)?;
        idle.remove(at)
    }

    fn checkin(&self, instance: Idle) {
        let Some(reuse) = &self.reuse else { return };
        if instance.calls >= reuse.policy.max_requests {
            return;
        }
        let evicted = {
            let mut idle = reuse.idle.lock().unwrap_or_else(PoisonError::into_inner);
            idle.push_back(instance);
            let excess = idle.len().saturating_sub(reuse.policy.max_idle);
            idle.drain(..excess).collect::<Vec<_>>()
        };
        // Stores are dropped outside the lock: freeing an instance returns its slot to
        // the pool, which is not free.
        drop(evicted);
    }
}

impl std::fmt::Debug for Plugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plugin")
            .field("name", &self.manifest.name)
            .field("version", &self.manifest.version)
            .field("digest", &self.digest)
            .finish_non_exhaustive()
    }
}

fn refused(result: Result<Result<(), String>, CallError>) -> Result<(), CallError> {
    result.and_then(|hook| hook.map_err(CallError::Refused))
}

/// Calls `manifest` on a fresh instance with no services, and checks the result.
async fn describe(shared: &Shared, pre: &PluginPre<HostState>) -> Result<Manifest, RuntimeError> {
    let mut store = shared.new_store();
    shared.arm(&mut store);
    let result = execute(pre, &mut store, None, &Describe).await;
    let stderr = store.data().stderr.take();
    let (manifest, _) =
        result.map_err(|e| RuntimeError::ManifestCall(shared.classify(&store, e, stderr)))?;
    let manifest = convert::manifest(manifest);
    manifest.validate()?;
    if !manifest.host_api_satisfied()? {
        return Err(RuntimeError::HostApiUnsupported {
            required: manifest.host_api,
            provided: HOST_API_VERSION,
        });
    }
    Ok(manifest)
}

/// Runs `export`, instantiating into `store` first unless `bindings` are given.
async fn execute<E: Export>(
    pre: &PluginPre<HostState>,
    store: &mut Store<HostState>,
    bindings: Option<Bindings>,
    export: &E,
) -> wasmtime::Result<(E::Output, Bindings)> {
    let bindings = match bindings {
        Some(bindings) => bindings,
        None => pre.instantiate_async(&mut *store).await?,
    };
    let output = export.invoke(bindings.eoex_plugin_guest(), store).await?;
    Ok((output, bindings))
}

/// One export of `eoex:plugin/guest`, with its arguments.
trait Export: Sync {
    const NAME: &'static str;
    type Output: Send;

    fn invoke<'a>(
        &'a self,
        guest: &'a Guest,
        store: &'a mut Store<HostState>,
    ) -> impl Future<Output = wasmtime::Result<Self::Output>> + Send + 'a;
}

struct Describe;

impl Export for Describe {
    const NAME: &'static str = "manifest";
    type Output = guest::PluginManifest;

    fn invoke<'a>(
        &'a self,
        guest: &'a Guest,
        store: &'a mut Store<HostState>,
    ) -> impl Future<Output = wasmtime::Result<Self::Output>> + Send + 'a {
        guest.call_manifest(store)
    }
}

struct HandleHttp(guest::HttpRequest);

impl Export for HandleHttp {
    const NAME: &'static str = "handle-http";
    type Output = guest::HttpResponse;

    fn invoke<'a>(
        &'a self,
        guest: &'a Guest,
        store: &'a mut Store<HostState>,
    ) -> impl Future<Output = wasmtime::Result<Self::Output>> + Send + 'a {
        guest.call_handle_http(store, &self.0)
    }
}

struct OnInstall;

impl Export for OnInstall {
    const NAME: &'static str = "on-install";
    type Output = Result<(), String>;

    fn invoke<'a>(
        &'a self,
        guest: &'a Guest,
        store: &'a mut Store<HostState>,
    ) -> impl Future<Output = wasmtime::Result<Self::Output>> + Send + 'a {
        guest.call_on_install(store)
    }
}

struct OnUpgrade<'v>(&'v str);

impl Export for OnUpgrade<'_> {
    const NAME: &'static str = "on-upgrade";
    type Output = Result<(), String>;

    fn invoke<'a>(
        &'a self,
        guest: &'a Guest,
        store: &'a mut Store<HostState>,
    ) -> impl Future<Output = wasmtime::Result<Self::Output>> + Send + 'a {
        guest.call_on_upgrade(store, self.0)
    }
}

struct OnEvent<'e> {
    topic: &'e str,
    payload: &'e str,
}

impl Export for OnEvent<'_> {
    const NAME: &'static str = "on-event";
    type Output = Result<(), String>;

    fn invoke<'a>(
        &'a self,
        guest: &'a Guest,
        store: &'a mut Store<HostState>,
    ) -> impl Future<Output = wasmtime::Result<Self::Output>> + Send + 'a {
        guest.call_on_event(store, self.topic, self.payload)
    }
}
