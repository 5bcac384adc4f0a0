//! The registry against a real, migrated SQLite database and a blob directory.

use eoex_abi::Manifest;
use eoex_abi::manifest::{EntityDef, FieldDef, FieldKind};
use eoex_registry::signing::{SigningKey, sign};
use eoex_registry::{BlobStore, Publication, Registry, RegistryError, TrustPolicy, blobs};
use eoex_store::Db;
use tempfile::TempDir;

struct Fixture {
    dir: TempDir,
    db: Db,
    registry: Registry,
}

fn development() -> TrustPolicy {
    TrustPolicy {
        trusted: vec![],
        development: true,
    }
}

fn trusting(key: &SigningKey) -> TrustPolicy {
    TrustPolicy {
        trusted: vec![key.verifying_key()],
        development: false,
    }
}

async fn fixture(trust: TrustPolicy) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect(&format!("sqlite://{}", dir.path().join("t.db").display()))
        .await
        .unwrap();
    db.migrate().await.unwrap();
    let registry = Registry::new(db.clone(), dir.path().join("blobs"), trust).unwrap();
    Fixture { dir, db, registry }
}

impl Fixture {
    fn blobs(&self) -> BlobStore {
        BlobStore::open(self.dir.path().join("blobs")).unwrap()
    }

    async fn publish(&self, version: &str) -> Publication {
        self.registry
            .record(
                component(version).as_bytes(),
                &manifest("crm", version),
                None,
            )
            .await
            .unwrap()
    }

    async fn resolve(&self, requirement: &str) -> String {
        self.registry
            .resolve("crm", requirement)
            .await
            .unwrap()
            .version
    }
}

fn component(version: &str) -> String {
    format!("component bytes of crm {version}")
}

fn manifest(name: &str, version: &str) -> Manifest {
    Manifest {
        name: name.into(),
        version: version.into(),
        host_api: "^1.0".into(),
        description: "CRM".into(),
        category: "business".into(),
        entities: vec![EntityDef {
            name: "contacts".into(),
            label: "Contacts".into(),
            id_field: "contact_id".into(),
            fields: vec![FieldDef {
                name: "email".into(),
                kind: FieldKind::Text,
                label: "E-mail".into(),
                required: true,
                unique: true,
                indexed: true,
                default_value: None,
                choices: vec![],
                max_length: Some(255),
            }],
            indexes: vec![],
            exposed: true,
        }],
        routes: vec![],
        permissions: vec![],
        components: vec![],
        subscriptions: vec![],
    }
}

#[tokio::test]
async fn publishing_records_the_index_row_and_the_blob() {
    let f = fixture(development()).await;
    let Publication::New(record) = f.publish("1.0.0").await else {
        panic!("a first publication is new");
    };
    let bytes = component("1.0.0");
    assert_eq!(
        (record.package_name.as_str(), record.version.as_str()),
        ("crm", "1.0.0")
    );
    assert_eq!(record.digest, blobs::digest(bytes.as_bytes()));
    assert_eq!(record.size, bytes.len() as i64);
    assert_eq!(record.host_api, "^1.0");
    assert_eq!(record.manifest.0, manifest("crm", "1.0.0"));
    assert_eq!(record.publisher_key, None);
    assert!(!record.yanked);
    assert_eq!(f.registry.component(&record).unwrap(), bytes.as_bytes());
}

#[tokio::test]
async fn republishing_identical_bytes_is_a_no_op() {
    let f = fixture(development()).await;
    let first = f.publish("1.0.0").await;
    let Publication::Unchanged(again) = f.publish("1.0.0").await else {
        panic!("identical bytes are unchanged");
    };
    assert_eq!(again.digest, first.record().digest);
    assert_eq!(again.published_at, first.record().published_at);
    assert_eq!(f.registry.list().await.unwrap().len(), 1);
}

#[tokio::test]
async fn republishing_different_bytes_is_refused_and_changes_nothing() {
    let f = fixture(development()).await;
    let original = f.publish("1.0.0").await.record().clone();
    let changed = b"other bytes claiming to be crm 1.0.0";
    let err = f
        .registry
        .record(changed, &manifest("crm", "1.0.0"), None)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, RegistryError::VersionExists { name, version, existing_digest }
            if name == "crm" && version == "1.0.0" && *existing_digest == original.digest),
        "{err}"
    );
    let message = err.to_string();
    assert!(message.contains("bump the version"), "{message}");

    let now = f.registry.get("crm", "1.0.0").await.unwrap();
    assert_eq!(now.digest, original.digest);
    assert_eq!(
        f.registry.component(&now).unwrap(),
        component("1.0.0").as_bytes()
    );
    assert!(
        f.blobs().get(&blobs::digest(changed)).unwrap().is_none(),
        "refused bytes are not stored"
    );
}

#[tokio::test]
async fn a_requirement_resolves_to_the_highest_unyanked_match() {
    let f = fixture(development()).await;
    for version in ["1.1.0", "0.9.0", "1.0.0", "1.2.0", "1.1.5", "2.0.0-beta.1"] {
        f.publish(version).await;
    }
    assert_eq!(f.resolve("^1.0").await, "1.2.0");
    assert_eq!(f.resolve("~1.1").await, "1.1.5");
    assert_eq!(f.resolve("=1.0.0").await, "1.0.0");
    assert_eq!(
        f.resolve("*").await,
        "1.2.0",
        "pre-releases only on request"
    );
    assert_eq!(f.resolve("=2.0.0-beta.1").await, "2.0.0-beta.1");

    f.registry.yank("crm", "1.2.0").await.unwrap();
    assert_eq!(f.resolve("^1.0").await, "1.1.5");
    assert_eq!(f.resolve("*").await, "1.1.5");
    assert!(f.registry.get("crm", "1.2.0").await.unwrap().yanked);

    let err = f.registry.resolve("crm", "^3").await.unwrap_err();
    assert!(
        matches!(&err, RegistryError::NoMatchingVersion { available, .. }
            if available == &["0.9.0", "1.0.0", "1.1.0", "1.1.5", "2.0.0-beta.1"]),
        "{err}"
    );
    assert!(err.to_string().contains("available: 0.9.0, 1.0.0"), "{err}");

    let versions: Vec<_> = f
        .registry
        .versions("crm")
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.version)
        .collect();
    assert_eq!(
        versions,
        ["0.9.0", "1.0.0", "1.1.0", "1.1.5", "1.2.0", "2.0.0-beta.1"]
    );
}

#[tokio::test]
async fn lookups_of_what_is_not_there_say_so() {
    let f = fixture(development()).await;
    f.publish("1.0.0").await;
    let cases = [
        (
            f.registry.resolve("crm", "one point oh").await.unwrap_err(),
            "invalid version requirement",
        ),
        (
            f.registry.resolve("erp", "*").await.unwrap_err(),
            "no package named \"erp\"",
        ),
        (
            f.registry.versions("erp").await.unwrap_err(),
            "no package named",
        ),
        (
            f.registry.get("crm", "9.9.9").await.unwrap_err(),
            "has no version \"9.9.9\"",
        ),
        (
            f.registry.yank("crm", "9.9.9").await.unwrap_err(),
            "has no version",
        ),
    ];
    for (err, expected) in cases {
        assert!(err.to_string().contains(expected), "{err}");
    }
    f.registry.yank("crm", "1.0.0").await.unwrap();
    let err = f.registry.resolve("crm", "*").await.unwrap_err();
    assert!(err.to_string().contains("every version is yanked"), "{err}");
}

#[tokio::test]
async fn refused_packages_leave_no_trace() {
    let key = SigningKey::from_bytes(&[1; 32]);
    let f = fixture(trusting(&key)).await;
    type Breakage = fn(&mut Manifest);
    let cases: Vec<(Breakage, &str)> = vec![
        (|m| m.name = "Not A Name".into(), "invalid manifest"),
        (|m| m.version = "latest".into(), "invalid manifest"),
        (|m| m.host_api = "^2".into(), "requires host API ^2"),
    ];
    let publisher = hex(&key);
    for (break_it, expected) in cases {
        let mut m = manifest("crm", "1.0.0");
        break_it(&mut m);
        let err = f
            .registry
            .record(b"bytes", &m, Some(&publisher))
            .await
            .unwrap_err();
        assert!(err.to_string().contains(expected), "{err}");
    }
    let err = f
        .registry
        .record(b"bytes", &manifest("crm", "1.0.0"), None)
        .await
        .unwrap_err();
    assert!(matches!(err, RegistryError::Unsigned), "{err}");
    assert!(f.registry.list().await.unwrap().is_empty());
    assert!(f.blobs().get(&blobs::digest(b"bytes")).unwrap().is_none());
}

#[tokio::test]
async fn a_signed_package_is_verified_recorded_and_loaded() {
    let key = SigningKey::from_bytes(&[1; 32]);
    let f = fixture(trusting(&key)).await;
    let bytes = component("1.0.0");
    let signature = sign(&key, bytes.as_bytes());

    let tampered = f
        .registry
        .verify(b"tampered", Some(&signature))
        .unwrap_err();
    assert!(
        matches!(tampered, RegistryError::BadSignature),
        "{tampered}"
    );

    let publisher = f
        .registry
        .verify(bytes.as_bytes(), Some(&signature))
        .unwrap();
    assert_eq!(publisher.as_deref(), Some(hex(&key).as_str()));
    let record = f
        .registry
        .record(
            bytes.as_bytes(),
            &manifest("crm", "1.0.0"),
            publisher.as_deref(),
        )
        .await
        .unwrap()
        .record()
        .clone();
    assert_eq!(record.publisher_key, publisher);
    assert_eq!(f.registry.component(&record).unwrap(), bytes.as_bytes());

    // A host that no longer trusts the key refuses to load the package.
    let other = SigningKey::from_bytes(&[2; 32]);
    let stricter =
        Registry::new(f.db.clone(), f.dir.path().join("blobs"), trusting(&other)).unwrap();
    let err = stricter.component(&record).unwrap_err();
    assert!(matches!(err, RegistryError::UntrustedKey { .. }), "{err}");
}

#[tokio::test]
async fn packages_accepted_in_development_do_not_load_in_production() {
    let f = fixture(development()).await;
    let record = f.publish("1.0.0").await.record().clone();
    let production = Registry::new(
        f.db.clone(),
        f.dir.path().join("blobs"),
        TrustPolicy::default(),
    )
    .unwrap();
    let err = production.component(&record).unwrap_err();
    assert!(matches!(err, RegistryError::Unsigned), "{err}");
}

#[tokio::test]
async fn a_damaged_blob_is_an_error_not_a_component() {
    let f = fixture(development()).await;
    let record = f.publish("1.0.0").await.record().clone();
    let path = f
        .dir
        .path()
        .join("blobs")
        .join(&record.digest[..2])
        .join(format!("{}.wasm", record.digest));
    std::fs::write(&path, b"damaged").unwrap();
    let err = f.registry.component(&record).unwrap_err();
    assert!(err.to_string().contains("corrupt"), "{err}");
    std::fs::remove_file(&path).unwrap();
    let err = f.registry.component(&record).unwrap_err();
    assert!(err.to_string().contains("missing"), "{err}");
    // Re-publishing the same bytes restores the blob.
    f.publish("1.0.0").await;
    assert_eq!(
        f.registry.component(&record).unwrap(),
        component("1.0.0").as_bytes()
    );
}

fn hex(key: &SigningKey) -> String {
    key.verifying_key()
        .as_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
