//! The plugin crates (`plugins/`) and the example (`examples/notes`) are workspaces of
//! their own, built for wasm32-wasip2; their handler tests run natively against the
//! SDK's test host. This test runs them, so that the workspace's `cargo test` covers
//! every crate of the repository.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("sdk/ is in the repository")
        .to_owned()
}

/// `cargo test` in another workspace, without the variables of the cargo running us.
fn cargo_test(manifest: &Path) {
    let root = repository();
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        let outer = (key.starts_with("CARGO_")
            && !key.starts_with("CARGO_HOME")
            && !key.starts_with("CARGO_TERM_"))
            || key.starts_with("RUSTC")
            || key == "RUSTFLAGS"
            || key == "RUSTDOCFLAGS";
        if outer {
            command.env_remove(key.as_ref());
        }
    }
    let output = command
        .current_dir(&root)
        .args(["test", "--quiet", "--manifest-path"])
        .arg(manifest)
        .arg("--target-dir")
        .arg(root.join("target/guest-tests"))
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo test --manifest-path {} failed:\n{}\n{}",
        manifest.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn plugin_and_example_tests_pass() {
    let root = repository();
    cargo_test(&root.join("plugins/Cargo.toml"));
    cargo_test(&root.join("examples/notes/Cargo.toml"));
}
