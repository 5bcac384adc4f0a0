//! Hot reload: the plugins directory is watched, and a component that appears or
//! changes there is installed — its tenants move to it on their next request, while
//! requests in flight finish on the version they started with.
//!
//! A file written in place is read only once it has stopped changing (no event and the
//! same size and modification time for `SETTLE`), so a copy in progress is not picked
//! up half written. A file renamed into the directory (the atomic way: copy to a
//! temporary name elsewhere, then `mv`) is read at once.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use notify::event::{ModifyKind, RenameMode};
use notify::{EventKind, RecursiveMode, Watcher};
use tokio::sync::mpsc;

use crate::{ModuleError, ModuleHost};

const SETTLE: Duration = Duration::from_millis(200);

/// Keeps the directory watched while alive.
pub struct PluginWatcher {
    _watcher: notify::RecommendedWatcher,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for PluginWatcher {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ModuleHost {
    /// Watches `dir` and installs every `*.wasm` that appears or changes in it.
    pub fn watch(self: &Arc<Self>, dir: &Path) -> Result<PluginWatcher, ModuleError> {
        let (tx, rx) = mpsc::unbounded_channel::<(PathBuf, bool)>();
        let mut watcher =
            notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
                if let Ok(event) = event
                    && matches!(event.kind, EventKind::Create(_) | EventKind::Modify(_))
                {
                    // A file renamed into place is complete: no need to let it settle.
                    let renamed = matches!(
                        event.kind,
                        EventKind::Modify(ModifyKind::Name(RenameMode::To | RenameMode::Both))
                    );
                    for path in event.paths {
                        if path.extension().is_some_and(|e| e == "wasm") {
                            let _ = tx.send((path, renamed));
                        }
                    }
                }
            })
            .map_err(watch_error)?;
        watcher
            .watch(dir, RecursiveMode::NonRecursive)
            .map_err(watch_error)?;
        let task = tokio::spawn(settle_and_install(self.clone(), rx));
        tracing::info!(dir = %dir.display(), "watching for plugins");
        Ok(PluginWatcher {
            _watcher: watcher,
            task,
        })
    }
}

fn watch_error(e: notify::Error) -> ModuleError {
    ModuleError::Load(eoex_runtime::RuntimeError::Internal(format!(
        "watching the plugins directory: {e}"
    )))
}

fn fingerprint(path: &Path) -> Option<(u64, SystemTime)> {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.len(), meta.modified().ok()?))
}

async fn settle_and_install(
    host: Arc<ModuleHost>,
    mut events: mpsc::UnboundedReceiver<(PathBuf, bool)>,
) {
    // Path → (when it counts as settled, fingerprint seen at the last event).
    let mut pending: HashMap<PathBuf, (Instant, Option<(u64, SystemTime)>)> = HashMap::new();
    loop {
        let wait = if pending.is_empty() {
            Duration::from_secs(3600)
        } else {
            Duration::from_millis(10)
        };
        let next = tokio::time::timeout(wait, events.recv()).await;
        match next {
            Ok(Some((path, renamed))) => {
                let print = fingerprint(&path);
                let settled = if renamed {
                    Instant::now()
                } else {
                    Instant::now() + SETTLE
                };
                pending.insert(path, (settled, print));
            }
            Ok(None) => return,
            Err(_) => {}
        }
        let now = Instant::now();
        let ready: Vec<PathBuf> = pending
            .iter()
            .filter(|(_, (settled, _))| now >= *settled)
            .map(|(path, _)| path.clone())
            .collect();
        for path in ready {
            let (_, seen) = pending.remove(&path).expect("listed above");
            let current = fingerprint(&path);
            if current.is_none() {
                continue; // removed (or renamed away) meanwhile
            }
            if current != seen {
                // Still being written: look again after it settles.
                pending.insert(path, (Instant::now() + SETTLE, current));
                continue;
            }
            // A refusal is logged by install_file; the versions loaded so far keep serving.
            let _ = host.install_file(&path).await;
        }
    }
}
