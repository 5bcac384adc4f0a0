//! `eoex plugin build`: cargo for wasm32-wasip2, then the registry's checks, then a
//! signature beside the component.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::Context;
use eoex_registry::signing;
use eoex_runtime::{Runtime, RuntimeConfig};
use serde::Deserialize;

use super::{UNSIGNED_HINT, human_size, signing_key};

const TARGET: &str = "wasm32-wasip2";

pub async fn run(dir: &Path, key: Option<PathBuf>) -> anyhow::Result<()> {
    let plugin = PluginCrate::find(dir)?;

    println!("Building {} for {TARGET}…", plugin.package);
    let status = Command::new("cargo")
        .args(["build", "--release", "--target", TARGET, "--manifest-path"])
        .arg(&plugin.manifest)
        .stdin(Stdio::null())
        .status()
        .context("running cargo")?;
    anyhow::ensure!(status.success(), "cargo build failed ({status})");
    let wasm = plugin
        .target_dir
        .join(TARGET)
        .join("release")
        .join(format!("{}.wasm", plugin.lib));
    let bytes = fs::read(&wasm).with_context(|| format!("reading {}", wasm.display()))?;

    println!("Validating…");
    // One instance is all it takes to read the manifest.
    let runtime = Runtime::new(RuntimeConfig {
        max_instances: 1,
        ..RuntimeConfig::default()
    })?;
    let loaded = runtime
        .load(&bytes)
        .await
        .with_context(|| format!("{} is not a valid EOEX plugin", wasm.display()))?;
    let manifest = loaded.manifest();
    println!(
        "  module {} {}, {}, sha256 {}",
        manifest.name,
        manifest.version,
        human_size(bytes.len() as u64),
        loaded.digest()
    );

    let signature_file = signing::signature_path(&wasm);
    match signing_key(key)? {
        Some((key_path, key)) => {
            println!("Signing…");
            let signature = signing::sign(&key, &bytes);
            fs::write(&signature_file, format!("{signature}\n"))
                .with_context(|| format!("writing {}", signature_file.display()))?;
            println!(
                "  signed with {} ({}): {}",
                signing::public_key_text(&signature.public_key),
                key_path.display(),
                signature_file.display()
            );
        }
        None => {
            // A signature of earlier bytes would only make the publication fail.
            if signature_file.exists() {
                fs::remove_file(&signature_file)
                    .with_context(|| format!("removing {}", signature_file.display()))?;
            }
            println!("Not signed: no signing key; {UNSIGNED_HINT}.");
        }
    }
    println!("Built {}", wasm.display());
    Ok(())
}

/// The crate to build, as `cargo metadata` describes it.
struct PluginCrate {
    package: String,
    manifest: PathBuf,
    /// The library's name, as the `.wasm` file is named.
    lib: String,
    target_dir: PathBuf,
}

#[derive(Deserialize)]
struct Metadata {
    packages: Vec<Package>,
    target_directory: PathBuf,
}

#[derive(Deserialize)]
struct Package {
    name: String,
    manifest_path: PathBuf,
    targets: Vec<Target>,
    dependencies: Vec<Dependency>,
}

#[derive(Deserialize)]
struct Target {
    name: String,
    crate_types: Vec<String>,
}

#[derive(Deserialize)]
struct Dependency {
    name: String,
}

impl PluginCrate {
    fn find(dir: &Path) -> anyhow::Result<PluginCrate> {
        let not_a_plugin =
            |why: String| anyhow::anyhow!("{} is not a plugin crate: {why}", dir.display());
        let manifest = dir.join("Cargo.toml");
        if !manifest.is_file() {
            return Err(not_a_plugin("it has no Cargo.toml".into()));
        }
        let manifest = fs::canonicalize(&manifest)
            .with_context(|| format!("reading {}", manifest.display()))?;
        let output = Command::new("cargo")
            .args([
                "metadata",
                "--format-version",
                "1",
                "--no-deps",
                "--manifest-path",
            ])
            .arg(&manifest)
            .stdin(Stdio::null())
            .output()
            .context("running cargo metadata")?;
        anyhow::ensure!(
            output.status.success(),
            "cargo metadata failed for {}:\n{}",
            manifest.display(),
            String::from_utf8_lossy(&output.stderr).trim_end()
        );
        let metadata: Metadata =
            serde_json::from_slice(&output.stdout).context("reading cargo metadata's output")?;
        let package = metadata
            .packages
            .into_iter()
            .find(|p| p.manifest_path == manifest)
            .ok_or_else(|| {
                not_a_plugin("it is a workspace; pass the plugin crate's directory".into())
            })?;
        let lib = package
            .targets
            .into_iter()
            .find(|t| t.crate_types.iter().any(|c| c == "cdylib"))
            .ok_or_else(|| {
                not_a_plugin(format!(
                    "{} has no cdylib library (a plugin's Cargo.toml has `[lib] crate-type = [\"cdylib\"]`)",
                    package.name
                ))
            })?;
        if !package.dependencies.iter().any(|d| d.name == "eoex-sdk") {
            return Err(not_a_plugin(format!(
                "{} does not depend on eoex-sdk",
                package.name
            )));
        }
        Ok(PluginCrate {
            package: package.name,
            manifest,
            lib: lib.name.replace('-', "_"),
            target_dir: metadata.target_directory,
        })
    }
}
