//! `eoex plugin keygen`: a new publisher identity.

use std::io::ErrorKind;
use std::path::Path;

use anyhow::Context;
use eoex_registry::signing;

pub fn run(path: &Path) -> anyhow::Result<()> {
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating the directory {}", dir.display()))?;
    }
    let key = signing::generate();
    signing::write_signing_key(path, &key).map_err(|e| match e.kind() {
        // Hosts trust the public key of the existing one: losing it loses that trust.
        ErrorKind::AlreadyExists => anyhow::anyhow!(
            "{} already exists; refusing to overwrite a signing key (pass --key for another file)",
            path.display()
        ),
        _ => anyhow::Error::new(e).context(format!("writing {}", path.display())),
    })?;
    println!(
        "Created the signing key {} (readable by you only; it never leaves this machine).",
        path.display()
    );
    println!("Public key:");
    println!("{}", signing::public_key_text(&key.verifying_key()));
    println!(
        "Add the public key to EOEX_TRUSTED_KEYS (comma-separated) on every host that should load packages you sign."
    );
    Ok(())
}
