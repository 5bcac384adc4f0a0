//! The plugin versions loaded in this process, swapped atomically as versions arrive:
//! a request holds the `Arc<Plugin>` it started with, so it finishes on that version.

use std::collections::BTreeMap;
use std::sync::Arc;

use arc_swap::ArcSwap;
use eoex_runtime::Plugin;
use semver::{Version, VersionReq};

use crate::ModuleError;

#[derive(Default)]
pub struct Loaded {
    modules: ArcSwap<BTreeMap<String, BTreeMap<Version, Arc<Plugin>>>>,
    /// Yanked versions: still served to tenants running them, never resolved anew.
    yanked: ArcSwap<std::collections::BTreeSet<(String, Version)>>,
}

/// A loaded module and its versions, oldest first.
#[derive(Clone)]
pub struct LoadedModule {
    pub name: String,
    pub versions: Vec<Arc<Plugin>>,
}

impl Loaded {
    /// Adds (or replaces) a version; returns the module's versions, oldest first.
    pub fn add(&self, plugin: Arc<Plugin>) -> Vec<String> {
        let manifest = plugin.manifest();
        let name = manifest.name.clone();
        let version = manifest.version().expect("validated at load");
        let mut versions = Vec::new();
        self.modules.rcu(|current| {
            let mut next = BTreeMap::clone(current);
            next.entry(name.clone())
                .or_default()
                .insert(version.clone(), plugin.clone());
            versions = next[&name].keys().map(Version::to_string).collect();
            next
        });
        versions
    }

    pub fn yank(&self, module: &str, version: &str) {
        if let Ok(version) = Version::parse(version) {
            self.yanked.rcu(|current| {
                let mut next = std::collections::BTreeSet::clone(current);
                next.insert((module.to_owned(), version.clone()));
                next
            });
        }
    }

    pub fn is_yanked(&self, module: &str, version: &Version) -> bool {
        self.yanked
            .load()
            .contains(&(module.to_owned(), version.clone()))
    }

    pub fn contains(&self, module: &str) -> bool {
        self.modules.load().contains_key(module)
    }

    pub fn newest(&self, module: &str) -> Option<Arc<Plugin>> {
        self.modules
            .load()
            .get(module)
            .and_then(|v| v.values().next_back().cloned())
    }

    pub fn version(&self, module: &str, version: &str) -> Option<Arc<Plugin>> {
        let version = Version::parse(version).ok()?;
        self.modules
            .load()
            .get(module)
            .and_then(|v| v.get(&version).cloned())
    }

    /// The highest loaded version of `module` satisfying `requirement`.
    pub fn resolve(&self, module: &str, requirement: &str) -> Result<Arc<Plugin>, ModuleError> {
        let req = VersionReq::parse(requirement).map_err(|e| {
            ModuleError::InvalidRequirement(format!(
                "version: {requirement:?} is not a semver requirement: {e}"
            ))
        })?;
        let modules = self.modules.load();
        let versions = modules
            .get(module)
            .ok_or_else(|| ModuleError::UnknownModule(module.to_owned()))?;
        versions
            .iter()
            .rev()
            .find(|(v, _)| req.matches(v) && !self.is_yanked(module, v))
            .map(|(_, p)| p.clone())
            .ok_or_else(|| ModuleError::NoMatchingVersion {
                module: module.to_owned(),
                requirement: requirement.to_owned(),
                installed: versions
                    .keys()
                    .map(Version::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    pub fn snapshot(&self) -> Vec<LoadedModule> {
        self.modules
            .load()
            .iter()
            .map(|(name, versions)| LoadedModule {
                name: name.clone(),
                versions: versions.values().cloned().collect(),
            })
            .collect()
    }

    /// Every loaded module's newest version subscribed to `topic`.
    pub fn subscribers(&self, topic: &str) -> Vec<Arc<Plugin>> {
        self.modules
            .load()
            .values()
            .filter_map(|versions| versions.values().next_back())
            .filter(|p| {
                p.manifest()
                    .subscriptions
                    .iter()
                    .any(|s| topic_matches(s, topic))
            })
            .cloned()
            .collect()
    }
}

/// `erp.order.completed` matches itself and `erp.order.*`.
fn topic_matches(pattern: &str, topic: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => topic.starts_with(prefix),
        None => pattern == topic,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn topics() {
        assert!(super::topic_matches(
            "erp.order.completed",
            "erp.order.completed"
        ));
        assert!(super::topic_matches("erp.order.*", "erp.order.cancelled"));
        assert!(!super::topic_matches("erp.order.*", "erp.product.created"));
        assert!(!super::topic_matches("erp.order", "erp.order.created"));
    }
}
