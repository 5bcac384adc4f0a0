//! Content-addressed storage of component bytes: a blob's name is its sha256 digest,
//! so identical bytes are stored once and what is read back can be checked.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The sha256 digest of `bytes`, lower-case hex: the identity of a package's component.
pub fn digest(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Blobs under one directory, as `<dir>/<digest[..2]>/<digest>.wasm`.
#[derive(Debug, Clone)]
pub struct BlobStore {
    dir: PathBuf,
}

impl BlobStore {
    /// Opens the store at `dir`, creating the directory if needed.
    pub fn open(dir: impl Into<PathBuf>) -> io::Result<BlobStore> {
        let dir = dir.into();
        fs::create_dir_all(&dir)?;
        Ok(BlobStore { dir })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Stores `bytes` and returns their digest. Idempotent; an existing blob that no
    /// longer matches its name is replaced, so re-publishing repairs a damaged store.
    pub fn put(&self, bytes: &[u8]) -> io::Result<String> {
        let digest = digest(bytes);
        let path = self.path(&digest)?;
        if fs::read(&path).is_ok_and(|stored| stored == bytes) {
            return Ok(digest);
        }
        let shard = self.dir.join(&digest[..2]);
        fs::create_dir_all(&shard)?;
        // Written beside its final name and renamed into place, so a reader never
        // sees a partial blob, even after a crash.
        let mut file = tempfile::NamedTempFile::new_in(&shard)?;
        file.write_all(bytes)?;
        file.as_file().sync_all()?;
        file.persist(&path).map_err(|e| e.error)?;
        Ok(digest)
    }

    /// The bytes stored under `digest`, `None` when there are none. Bytes that do not
    /// hash to `digest` are an error, never returned.
    pub fn get(&self, digest: &str) -> io::Result<Option<Vec<u8>>> {
        let path = self.path(digest)?;
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let actual = self::digest(&bytes);
        if actual != digest {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "blob {} is corrupt: its content hashes to {actual}",
                    path.display()
                ),
            ));
        }
        Ok(Some(bytes))
    }

    /// Digests name files: anything but 64 lower-case hex digits is refused, so a
    /// digest can never walk out of the store.
    fn path(&self, digest: &str) -> io::Result<PathBuf> {
        let well_formed = digest.len() == 64
            && digest
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !well_formed {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{digest:?} is not a sha256 digest (64 lower-case hex digits)"),
            ));
        }
        Ok(self.dir.join(&digest[..2]).join(format!("{digest}.wasm")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_then_get_round_trips_and_is_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(dir.path().join("blobs")).unwrap();
        let first = store.put(b"component").unwrap();
        let second = store.put(b"component").unwrap();
        assert_eq!(first, second);
        assert_eq!(first, digest(b"component"));
        assert_eq!(store.get(&first).unwrap().unwrap(), b"component");
        let shard = dir.path().join("blobs").join(&first[..2]);
        let files: Vec<_> = fs::read_dir(&shard).unwrap().collect();
        assert_eq!(files.len(), 1, "no temporary files are left behind");
        assert!(shard.join(format!("{first}.wasm")).is_file());
    }

    #[test]
    fn a_missing_blob_is_none() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(dir.path()).unwrap();
        assert!(store.get(&digest(b"never stored")).unwrap().is_none());
    }

    #[test]
    fn corruption_is_detected_and_repaired_by_a_new_put() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(dir.path()).unwrap();
        let d = store.put(b"component").unwrap();
        let path = dir.path().join(&d[..2]).join(format!("{d}.wasm"));
        fs::write(&path, b"c0mponent").unwrap();
        let err = store.get(&d).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(err.to_string().contains("corrupt"), "{err}");
        store.put(b"component").unwrap();
        assert_eq!(store.get(&d).unwrap().unwrap(), b"component");
    }

    #[test]
    fn malformed_digests_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(dir.path()).unwrap();
        let upper = digest(b"x").to_uppercase();
        for bad in ["", "../../etc/passwd", "abc", upper.as_str()] {
            let err = store.get(bad).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{bad:?}");
        }
    }
}
