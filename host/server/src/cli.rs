//! `eoex plugin …`: the commands of plugin authors (scaffold, build, sign) and operators
//! (publish, list). The signing key stays on this machine; only signatures leave it.

mod build;
mod keygen;
mod new;
mod registry;

use std::path::PathBuf;

use anyhow::Context;
use eoex_registry::signing::{self, SigningKey};
use eoex_server::config::PluginCommand;

pub async fn run(command: PluginCommand) -> anyhow::Result<()> {
    match command {
        PluginCommand::Keygen { key } => keygen::run(&key.map_or_else(default_key_path, Ok)?),
        PluginCommand::New { name, path, sdk } => new::run(&name, &path, sdk),
        PluginCommand::Build { path, key } => build::run(&path, key).await,
        PluginCommand::Publish {
            file,
            server,
            token,
            key,
        } => registry::publish(&file, &server, &token, key).await,
        PluginCommand::List { server, token } => registry::list(&server, &token).await,
    }
}

/// `~/.config/eoex/signing-key`.
fn default_key_path() -> anyhow::Result<PathBuf> {
    let home = std::env::var_os("HOME")
        .filter(|home| !home.is_empty())
        .context("HOME is not set: pass --key PATH")?;
    Ok(PathBuf::from(home).join(".config/eoex/signing-key"))
}

/// The key to sign with: `explicit`, which must exist, or else the default key if
/// there is one.
fn signing_key(explicit: Option<PathBuf>) -> anyhow::Result<Option<(PathBuf, SigningKey)>> {
    let path = match explicit {
        Some(path) => path,
        None => {
            let path = default_key_path()?;
            if !path.exists() {
                return Ok(None);
            }
            path
        }
    };
    let key = signing::read_signing_key(&path)
        .with_context(|| format!("reading the signing key {}", path.display()))?;
    Ok(Some((path, key)))
}

/// What to tell an author whose package goes unsigned.
const UNSIGNED_HINT: &str = "hosts outside development mode refuse unsigned packages; \
    create a signing key with `eoex plugin keygen`";

/// `258.3 KiB`.
fn human_size(bytes: u64) -> String {
    match bytes {
        0..1024 => format!("{bytes} B"),
        1024..1_048_576 => format!("{:.1} KiB", bytes as f64 / 1024.0),
        _ => format!("{:.1} MiB", bytes as f64 / 1_048_576.0),
    }
}
