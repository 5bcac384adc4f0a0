//! The EOEX package registry. A package is a WASM component with its manifest,
//! identified by name, semver version and the sha256 digest of its bytes, and signed by
//! its publisher. Component bytes live in a content-addressed [`BlobStore`]; the index
//! (`packages`) lives in the database.
//!
//! The registry neither speaks HTTP nor runs wasm: checking that the bytes are a
//! component of the `eoex:plugin` world and extracting its manifest is the caller's
//! job, with `eoex-runtime`, before [`Registry::record`]. Check the signature first
//! ([`Registry::verify`]), so that bytes from an untrusted source are never compiled.

pub mod blobs;
pub mod signing;
pub mod trust;

use std::io;
use std::path::PathBuf;

use eoex_abi::{HOST_API_VERSION, Manifest, ManifestError};
use eoex_store::packages::Recorded;
use eoex_store::{Db, StoreError};

pub use blobs::BlobStore;
pub use eoex_store::packages::PackageRecord;
pub use signing::{FormatError, Signature};
pub use trust::TrustPolicy;

/// Why the registry refused or failed; every refusal leaves the registry unchanged.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error(
        "the package is unsigned: this host accepts only packages signed by a trusted publisher key (unsigned ones only in development mode)"
    )]
    Unsigned,
    #[error(
        "the package is signed by ed25519:{key}, which is not one of this host's trusted publisher keys"
    )]
    UntrustedKey { key: String },
    #[error(
        "the package signature does not verify: the component is not the one that was signed, or the signature is damaged"
    )]
    BadSignature,
    #[error("invalid signature: {0}")]
    InvalidSignature(#[from] FormatError),
    #[error(transparent)]
    InvalidManifest(#[from] ManifestError),
    #[error("the package requires host API {required}, but this host provides {provided}")]
    HostApiUnsupported { required: String, provided: String },
    #[error(
        "{name} {version} is already published with different bytes (digest {existing_digest}); re-publishing a version with different bytes is refused: bump the version"
    )]
    VersionExists {
        name: String,
        version: String,
        existing_digest: String,
    },
    #[error("no package named {0:?}")]
    UnknownPackage(String),
    #[error("package {name:?} has no version {version:?}")]
    UnknownVersion { name: String, version: String },
    #[error("no version of {name:?} matches {requirement:?} ({})", describe_available(.available))]
    NoMatchingVersion {
        name: String,
        requirement: String,
        /// The versions that are not yanked, lowest first.
        available: Vec<String>,
    },
    #[error("invalid version requirement {requirement:?}: {source}")]
    InvalidRequirement {
        requirement: String,
        source: semver::Error,
    },
    #[error("blob store: {0}")]
    Blob(#[from] io::Error),
    #[error("registry index: {0}")]
    Store(#[from] StoreError),
}

fn describe_available(available: &[String]) -> String {
    if available.is_empty() {
        "every version is yanked".to_owned()
    } else {
        format!("available: {}", available.join(", "))
    }
}

/// What [`Registry::record`] did.
#[derive(Debug, Clone)]
pub enum Publication {
    New(PackageRecord),
    /// The same bytes were already published under this name and version.
    Unchanged(PackageRecord),
}

impl Publication {
    pub fn record(&self) -> &PackageRecord {
        match self {
            Publication::New(record) | Publication::Unchanged(record) => record,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Registry {
    db: Db,
    blobs: BlobStore,
    trust: TrustPolicy,
}

impl Registry {
    /// A registry over `db`'s index, storing blobs under `blob_dir` (created if needed).
    pub fn new(db: Db, blob_dir: impl Into<PathBuf>, trust: TrustPolicy) -> io::Result<Registry> {
        Ok(Registry {
            db,
            blobs: BlobStore::open(blob_dir)?,
            trust,
        })
    }

    pub fn trust(&self) -> &TrustPolicy {
        &self.trust
    }

    /// Checks the signature of the component `bytes` against the trust policy; returns
    /// the publisher key (hex) to pass to [`Registry::record`].
    pub fn verify(
        &self,
        bytes: &[u8],
        signature: Option<&Signature>,
    ) -> Result<Option<String>, RegistryError> {
        self.trust.verify(bytes, signature)
    }

    /// Publishes the component `bytes` whose manifest is `manifest`, by `publisher_key`
    /// as returned by [`Registry::verify`]. A version is immutable: identical bytes are
    /// a no-op, different bytes are refused.
    pub async fn record(
        &self,
        bytes: &[u8],
        manifest: &Manifest,
        publisher_key: Option<&str>,
    ) -> Result<Publication, RegistryError> {
        // Also here, so that the index never holds what the policy would not load.
        self.trust.check_publisher(publisher_key)?;
        manifest.validate()?;
        if !manifest.host_api_satisfied()? {
            return Err(RegistryError::HostApiUnsupported {
                required: manifest.host_api.clone(),
                provided: HOST_API_VERSION.to_string(),
            });
        }
        let digest = blobs::digest(bytes);
        let version_exists = |existing_digest: String| RegistryError::VersionExists {
            name: manifest.name.clone(),
            version: manifest.version.clone(),
            existing_digest,
        };
        // Refuse a changed version before writing anything.
        if let Some(existing) = self.db.package(&manifest.name, &manifest.version).await?
            && existing.digest != digest
        {
            return Err(version_exists(existing.digest));
        }
        // The blob goes first, so an index row never points at a missing blob; if a
        // concurrent publication wins the race below, the blob is an orphan, harmless.
        self.blobs.put(bytes)?;
        let recorded = self
            .db
            .record_package(manifest, &digest, bytes.len(), publisher_key)
            .await?;
        let record = || self.get(&manifest.name, &manifest.version);
        match recorded {
            Recorded::New => Ok(Publication::New(record().await?)),
            Recorded::Unchanged => Ok(Publication::Unchanged(record().await?)),
            Recorded::Different { existing_digest } => Err(version_exists(existing_digest)),
        }
    }

    /// The highest version of `name` that matches `requirement` (`^1.2`, `~1.3`,
    /// `=1.3.0`, `*`, …) and is not yanked. As in Cargo, a pre-release matches only a
    /// requirement that names a pre-release of the same version.
    pub async fn resolve(
        &self,
        name: &str,
        requirement: &str,
    ) -> Result<PackageRecord, RegistryError> {
        let requirement_parsed = semver::VersionReq::parse(requirement).map_err(|source| {
            RegistryError::InvalidRequirement {
                requirement: requirement.to_owned(),
                source,
            }
        })?;
        let mut candidates: Vec<(semver::Version, PackageRecord)> = self
            .versions(name)
            .await?
            .into_iter()
            .filter(|record| !record.yanked)
            .filter_map(|record| Some((semver::Version::parse(&record.version).ok()?, record)))
            .collect();
        candidates.sort_by(|(a, _), (b, _)| a.cmp(b));
        let available = candidates.iter().map(|(v, _)| v.to_string()).collect();
        candidates
            .into_iter()
            .rev()
            .find(|(version, _)| requirement_parsed.matches(version))
            .map(|(_, record)| record)
            .ok_or_else(|| RegistryError::NoMatchingVersion {
                name: name.to_owned(),
                requirement: requirement.to_owned(),
                available,
            })
    }

    /// The component of `record`, checked against its digest. Refused when the trust
    /// policy no longer admits its publisher: this is what the host loads.
    pub fn component(&self, record: &PackageRecord) -> Result<Vec<u8>, RegistryError> {
        self.trust
            .check_publisher(record.publisher_key.as_deref())?;
        self.blobs.get(&record.digest)?.ok_or_else(|| {
            RegistryError::Blob(io::Error::new(
                io::ErrorKind::NotFound,
                format!(
                    "the component of {} {} (digest {}) is missing",
                    record.package_name, record.version, record.digest
                ),
            ))
        })
    }

    /// Every version of every package, by name then publication.
    pub async fn list(&self) -> Result<Vec<PackageRecord>, RegistryError> {
        Ok(self.db.packages().await?)
    }

    /// Every version of `name`, yanked ones included, in semver order.
    pub async fn versions(&self, name: &str) -> Result<Vec<PackageRecord>, RegistryError> {
        let mut versions = self.db.package_versions(name).await?;
        if versions.is_empty() {
            return Err(RegistryError::UnknownPackage(name.to_owned()));
        }
        versions.sort_by_cached_key(|record| semver::Version::parse(&record.version).ok());
        Ok(versions)
    }

    pub async fn get(&self, name: &str, version: &str) -> Result<PackageRecord, RegistryError> {
        self.db
            .package(name, version)
            .await?
            .ok_or_else(|| unknown_version(name, version))
    }

    /// Yanks a version: it stays downloadable by exact version (tenants running it keep
    /// running it) but no requirement resolves to it any more.
    pub async fn yank(&self, name: &str, version: &str) -> Result<(), RegistryError> {
        if self.db.yank_package(name, version).await? {
            Ok(())
        } else {
            Err(unknown_version(name, version))
        }
    }
}

fn unknown_version(name: &str, version: &str) -> RegistryError {
    RegistryError::UnknownVersion {
        name: name.to_owned(),
        version: version.to_owned(),
    }
}
