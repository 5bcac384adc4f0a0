//! One call into a plugin: pick the tenant's version, open the tenant-bound
//! transaction, call, then commit or roll back and deliver the events.

use std::sync::Arc;

use eoex_abi::{HttpRequest, HttpResponse};
use eoex_runtime::{CallError, Plugin};
use eoex_store::catalog::ModuleSetting;
use eoex_store::{DbKind, StoreError};

use crate::services::CallServices;
use crate::{CallerInfo, ModuleError, ModuleHost, events};

pub(crate) enum Hook {
    Install,
    Upgrade(String),
}

/// The tenant's features of `plugin`'s module: every declared feature not switched off.
async fn features(
    host: &ModuleHost,
    caller: &CallerInfo,
    plugin: &Plugin,
) -> Result<Vec<String>, ModuleError> {
    if plugin
        .manifest()
        .components
        .iter()
        .all(|c| c.features.is_empty())
    {
        return Ok(Vec::new());
    }
    let disabled = host.db.disabled_features(caller.tenant_id).await?;
    Ok(plugin
        .manifest()
        .components
        .iter()
        .flat_map(|c| c.features.iter().map(|f| f.key.clone()))
        .filter(|k| !disabled.contains(k))
        .collect())
}

/// What to call in a plugin.
enum Invocation<'a> {
    Http(HttpRequest),
    Hook(&'a Hook),
    Event { topic: &'a str, payload: &'a str },
}

/// Calls the plugin with services over a fresh transaction, then commits (an HTTP
/// answer below 400, or a hook or event handler that succeeded; `setting` recorded in
/// the same transaction) or rolls back. Returns the HTTP answer, if any, and the events
/// committed.
async fn invoke(
    host: &Arc<ModuleHost>,
    caller: &CallerInfo,
    plugin: &Arc<Plugin>,
    writes: bool,
    invocation: Invocation<'_>,
    setting: Option<&ModuleSetting>,
) -> Result<(Option<HttpResponse>, Vec<uuid::Uuid>), ModuleError> {
    let module = plugin.manifest().name.clone();
    let tx = host
        .db
        .begin_plugin_tx(caller.tenant_id, &module, caller.origin.clone(), writes)
        .await?;
    let features = features(host, caller, plugin).await?;
    let (services, returned) =
        CallServices::new(host.clone(), plugin.clone(), caller.clone(), features, tx);
    let services: Box<dyn eoex_abi::HostServices> = Box::new(services);
    let (services, result) = match invocation {
        Invocation::Http(request) => {
            let (services, result) = plugin.handle_http(services, request).await;
            (services, result.map(Some))
        }
        Invocation::Hook(Hook::Install) => {
            let (services, result) = plugin.on_install(services).await;
            (services, result.map(|()| None))
        }
        Invocation::Hook(Hook::Upgrade(from)) => {
            let (services, result) = plugin.on_upgrade(services, from).await;
            (services, result.map(|()| None))
        }
        Invocation::Event { topic, payload } => {
            let (services, result) = plugin.on_event(services, topic, payload).await;
            (services, result.map(|()| None))
        }
    };
    drop(services);
    let mut tx = returned.await.map_err(|_| ModuleError::Plugin {
        module: module.clone(),
        error: CallError::Internal("the call's transaction was lost".into()),
    })?;
    match result {
        Ok(response) if response.as_ref().is_none_or(|r| r.status < 400) => {
            if let Some(setting) = setting {
                tx.set_tenant_module(setting).await?;
            }
            let events = tx.commit().await?;
            Ok((response, events))
        }
        _ if !writes && tx.contended() => {
            tx.rollback().await?;
            Err(StoreError::Contended.into())
        }
        Ok(response) => {
            tx.rollback().await?;
            Ok((response, Vec::new()))
        }
        Err(error) => {
            tx.rollback().await?;
            tracing::warn!(%module, tenant = %caller.tenant_id, %error, "plugin call failed");
            let details = serde_json::json!({ "tenant_id": caller.tenant_id, "request_id": caller.request_id });
            if let Err(e) = host
                .db
                .system_log("error", Some(&module), &error.to_string(), Some(details))
                .await
            {
                tracing::warn!(error = %e, "could not write system_logs");
            }
            Err(ModuleError::Plugin { module, error })
        }
    }
}

pub(crate) async fn handle_http(
    host: &Arc<ModuleHost>,
    caller: &CallerInfo,
    module: &str,
    request: HttpRequest,
) -> Result<HttpResponse, ModuleError> {
    if !host.loaded.contains(module) {
        return Err(ModuleError::UnknownModule(module.to_owned()));
    }
    let state = host.db.tenant_module(caller.tenant_id, module).await?;
    let Some(state) = state.filter(|s| s.is_enabled) else {
        return Err(ModuleError::NotEnabled(module.to_owned()));
    };
    let writes = !matches!(request.method.as_str(), "GET" | "HEAD");
    if writes && !caller.can_write() {
        return Err(ModuleError::ReadOnly);
    }
    // The version the tenant runs (even if yanked since), unless a newer version
    // satisfying its requirement has arrived: then the tenant moves to that one.
    let active = state
        .active_version
        .as_deref()
        .and_then(|v| host.loaded.version(module, v));
    let newest = host.loaded.resolve(module, &state.version_requirement);
    let plugin = match (active, newest) {
        // Automatic moves never grant new permissions: those wait for an admin's PUT.
        (Some(active), Ok(newest))
            if version_of(&newest) > version_of(&active)
                && crate::new_permissions(&active, &newest).is_empty() =>
        {
            let from = active.manifest().version.clone();
            upgrade_lazily(host, caller, &newest, &state.version_requirement, &from).await?
        }
        (Some(active), _) => active,
        (None, newest) => newest?,
    };
    // On SQLite a GET that writes after reading (a view counter) can lose the write lock
    // to a concurrent writer; it then runs once more as a writer, which waits its turn.
    let retry = (!writes && host.db.kind() == DbKind::Sqlite).then(|| request.clone());
    let outcome = invoke(
        host,
        caller,
        &plugin,
        writes,
        Invocation::Http(request),
        None,
    )
    .await;
    let (response, events) = match (outcome, retry) {
        (Err(ModuleError::Store(StoreError::Contended)), Some(request)) => {
            invoke(host, caller, &plugin, true, Invocation::Http(request), None).await?
        }
        (outcome, _) => outcome?,
    };
    events::deliver(host, events).await;
    let mut response = response.ok_or_else(|| ModuleError::Plugin {
        module: module.to_owned(),
        error: CallError::Internal("no response".into()),
    })?;
    // Which version answered: for clients and operators, and the version tests.
    response
        .headers
        .retain(|(name, _)| !name.eq_ignore_ascii_case(MODULE_VERSION_HEADER));
    response.headers.push((
        MODULE_VERSION_HEADER.to_owned(),
        plugin.manifest().version.clone(),
    ));
    Ok(response)
}

/// The response header naming the module version that answered.
pub const MODULE_VERSION_HEADER: &str = "x-module-version";

fn version_of(plugin: &Plugin) -> semver::Version {
    plugin.manifest().version().expect("validated at load")
}

/// A newer version matching the tenant's requirement has arrived: move the tenant to
/// it (upgrade hook and new state in one transaction). Should the hook fail, the tenant
/// stays on its version when this host still has it.
async fn upgrade_lazily(
    host: &Arc<ModuleHost>,
    caller: &CallerInfo,
    newer: &Arc<Plugin>,
    requirement: &str,
    active: &str,
) -> Result<Arc<Plugin>, ModuleError> {
    let setting = ModuleSetting {
        module_name: newer.manifest().name.clone(),
        enabled: true,
        version_requirement: requirement.to_owned(),
        active_version: Some(newer.manifest().version.clone()),
    };
    let system = CallerInfo {
        role: "system".into(),
        user_id: None,
        ..caller.clone()
    };
    match run_hook(
        host,
        &system,
        newer,
        Some(Hook::Upgrade(active.to_owned())),
        &setting,
    )
    .await
    {
        Ok(()) => Ok(newer.clone()),
        Err(e) => match host.loaded.version(&setting.module_name, active) {
            Some(current) => {
                tracing::warn!(module = %setting.module_name, error = %e, "upgrade failed; staying on {active}");
                Ok(current)
            }
            None => Err(e),
        },
    }
}

/// Runs `hook` (if any) and records `setting`, in one transaction.
pub(crate) async fn run_hook(
    host: &Arc<ModuleHost>,
    caller: &CallerInfo,
    plugin: &Arc<Plugin>,
    hook: Option<Hook>,
    setting: &ModuleSetting,
) -> Result<(), ModuleError> {
    let Some(hook) = hook else {
        host.db
            .set_tenant_module(caller.tenant_id, setting, &caller.origin)
            .await?;
        return Ok(());
    };
    match invoke(
        host,
        caller,
        plugin,
        true,
        Invocation::Hook(&hook),
        Some(setting),
    )
    .await
    {
        Ok((_, events)) => {
            events::deliver(host, events).await;
            Ok(())
        }
        Err(ModuleError::Plugin {
            module,
            error: CallError::Refused(message),
        }) => Err(ModuleError::HookRefused { module, message }),
        Err(e) => Err(e),
    }
}

/// Calls `module`'s event handler for the caller's tenant, if the tenant has the
/// module enabled; returns the events the handler published.
pub(crate) async fn deliver_event(
    host: &Arc<ModuleHost>,
    caller: &CallerInfo,
    module: &str,
    topic: &str,
    payload: &serde_json::Value,
) -> Result<Vec<uuid::Uuid>, ModuleError> {
    let Some(state) = host
        .db
        .tenant_module(caller.tenant_id, module)
        .await?
        .filter(|s| s.is_enabled)
    else {
        return Ok(Vec::new());
    };
    let plugin = host.loaded.resolve(module, &state.version_requirement)?;
    let payload = payload.to_string();
    let (_, events) = invoke(
        host,
        caller,
        &plugin,
        true,
        Invocation::Event {
            topic,
            payload: &payload,
        },
        None,
    )
    .await?;
    Ok(events)
}
