//! Compiled plugins on disk, so a restart does not recompile them. A file is named by
//! the component's sha256 and by a hash of everything that makes compiled code
//! incompatible (wasmtime version, target, engine settings); it holds the artifact
//! behind its own sha256, checked before wasmtime ever sees it. Any doubt (missing,
//! truncated, corrupt, refused by wasmtime) means recompiling and rewriting it.

use std::fs;
use std::hash::{Hash, Hasher};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};
use wasmtime::component::Component;
use wasmtime::{Engine, ModuleVersionStrategy};

const CHECKSUM_LEN: usize = 32;

pub(crate) struct CompileCache {
    dir: PathBuf,
    /// Identifies the engine's compatibility class, e.g. `w48-3f9a0c…`.
    engine_key: String,
}

impl CompileCache {
    pub fn open(dir: &Path, engine: &Engine) -> io::Result<Self> {
        fs::create_dir_all(dir)?;
        let mut hasher = Sha256Hasher(Sha256::new());
        engine.precompile_compatibility_hash().hash(&mut hasher);
        let engine_key = format!(
            "w{}-{}",
            ModuleVersionStrategy::default().as_str(),
            hex::encode(&hasher.0.finalize()[..8])
        );
        Ok(Self {
            dir: dir.to_owned(),
            engine_key,
        })
    }

    fn path(&self, digest: &str) -> PathBuf {
        self.dir.join(format!("{digest}-{}.cwasm", self.engine_key))
    }

    /// The cached compilation of the component with this digest, if a sound one exists.
    pub fn load(&self, engine: &Engine, digest: &str) -> Option<Component> {
        let path = self.path(digest);
        let file = match fs::read(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return None,
            Err(e) => {
                tracing::warn!(path = %path.display(), "compile cache unreadable, recompiling: {e}");
                return None;
            }
        };
        let Some(artifact) = verified(&file) else {
            tracing::warn!(path = %path.display(), "compile cache entry corrupt, recompiling");
            return None;
        };
        match deserialize(engine, artifact) {
            Ok(component) => Some(component),
            Err(e) => {
                tracing::warn!(path = %path.display(), "compile cache entry refused, recompiling: {e}");
                None
            }
        }
    }

    /// Writes the entry atomically (temporary file, then rename), so readers see the
    /// old entry, none, or the whole new one. Failing to write costs only a recompile
    /// next time, so it is logged, not returned.
    pub fn store(&self, digest: &str, component: &Component) {
        let path = self.path(digest);
        if let Err(e) = self.write(&path, component) {
            tracing::warn!(path = %path.display(), "could not write compile cache entry: {e}");
        }
    }

    fn write(&self, path: &Path, component: &Component) -> io::Result<()> {
        static SEQUENCE: AtomicU64 = AtomicU64::new(0);
        let artifact = component.serialize().map_err(io::Error::other)?;
        let temporary = self.dir.join(format!(
            ".{}.{}.tmp",
            std::process::id(),
            SEQUENCE.fetch_add(1, Ordering::Relaxed)
        ));
        let written = (|| {
            let mut file = fs::File::create(&temporary)?;
            file.write_all(&Sha256::digest(&artifact))?;
            file.write_all(&artifact)?;
            file.sync_all()?;
            fs::rename(&temporary, path)
        })();
        if written.is_err() {
            let _ = fs::remove_file(&temporary);
        }
        written
    }
}

/// The artifact in a cache file, if its checksum matches.
fn verified(file: &[u8]) -> Option<&[u8]> {
    if file.len() <= CHECKSUM_LEN {
        return None;
    }
    let (checksum, artifact) = file.split_at(CHECKSUM_LEN);
    (Sha256::digest(artifact)[..] == *checksum).then_some(artifact)
}

#[allow(unsafe_code)]
fn deserialize(engine: &Engine, artifact: &[u8]) -> wasmtime::Result<Component> {
    // SAFETY: wasmtime requires the bytes to come from `Component::serialize` of a
    // compatible engine, unmodified. This artifact was written by `CompileCache::write`
    // into our own cache directory, under a name carrying this engine's compatibility
    // hash, and its sha256 (written alongside) matches, so it is exactly what wasmtime
    // serialized; wasmtime still checks its version and settings header.
    unsafe { Component::deserialize(engine, artifact) }
}

/// Feeds `Hash` output into sha256: unlike `DefaultHasher`, stable across Rust releases,
/// so the cache survives a toolchain update.
struct Sha256Hasher(Sha256);

impl Hasher for Sha256Hasher {
    fn finish(&self) -> u64 {
        let digest = self.0.clone().finalize();
        u64::from_le_bytes(digest[..8].try_into().unwrap_or_default())
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checksum_guards_the_artifact() {
        let artifact = b"compiled code".to_vec();
        let mut file = Sha256::digest(&artifact).to_vec();
        file.extend_from_slice(&artifact);
        assert_eq!(verified(&file), Some(&artifact[..]));
        let last = file.len() - 1;
        file[last] ^= 1;
        assert_eq!(verified(&file), None);
        assert_eq!(verified(&file[..CHECKSUM_LEN]), None);
    }
}
