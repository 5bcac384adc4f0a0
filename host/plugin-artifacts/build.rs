//! Builds the `plugins/` workspace for wasm32-wasip2 (release) with a nested cargo, the
//! pattern of wasmtime's `crates/test-programs/artifacts`, and copies the components
//! into OUT_DIR. Then builds `examples/notes` (a workspace of its own, as a third
//! party's module is) the same way, for the tests that install a third-party module.
//!
//! The nested builds have a stable target dir beside the outer build's profiles
//! (`target/wasm`), so they stay incremental: a guest edit rebuilds in under a second.
//! Both workspaces lock the same dependency versions and share the release profile, so
//! the example reuses the plugins' compiled dependencies and costs only its own crate
//! (about 4 s).

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const TARGET: &str = "wasm32-wasip2";

/// The crates of `plugins/` (directory) and the components they produce: a cdylib's
/// `<lib name>.wasm` (dashes become underscores), a bin's `<bin name>.wasm`.
const PLUGINS: &[(&str, &str)] = &[
    ("crm", "crm"),
    ("erp", "erp"),
    ("studio", "studio"),
    ("support", "support"),
    ("fixtures/crm-next", "crm_next"),
    ("fixtures/misbehave-next", "misbehave_next"),
    ("fixtures/misbehave", "misbehave"),
    ("fixtures/not-a-plugin", "not-a-plugin"),
];

/// The example module (`examples/notes`) and its component.
const EXAMPLE: (&str, &str) = ("examples/notes", "notes");

/// Variables of the outer build the nested one must not inherit: they describe the
/// outer package, target and profile, or wrap rustc (clippy, sccache).
const OUTER_VARIABLES: &[&str] = &[
    "RUSTFLAGS",
    "RUSTDOCFLAGS",
    "RUSTC",
    "RUSTDOC",
    "RUSTC_WRAPPER",
    "RUSTC_WORKSPACE_WRAPPER",
    "RUSTC_LINKER",
    "TARGET",
    "HOST",
    "OUT_DIR",
    "OPT_LEVEL",
    "PROFILE",
    "DEBUG",
    "NUM_JOBS",
];

/// `CARGO_*` variables that are the user's configuration, not the outer build's.
const KEPT_CARGO_PREFIXES: &[&str] = &[
    "CARGO_HOME",
    "CARGO_NET_",
    "CARGO_HTTP_",
    "CARGO_REGISTRIES_",
    "CARGO_REGISTRY_",
    "CARGO_TERM_",
];

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest_dir
        .join("../..")
        .canonicalize()
        .expect("the repository root");
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));

    let mut watched = vec![
        root.join("Cargo.toml"),
        root.join("wit"),
        root.join("sdk/Cargo.toml"),
        root.join("sdk/src"),
        root.join("plugins/Cargo.toml"),
        root.join("plugins/Cargo.lock"),
        root.join(EXAMPLE.0).join("Cargo.toml"),
        root.join(EXAMPLE.0).join("Cargo.lock"),
        root.join(EXAMPLE.0).join("src"),
    ];
    for (dir, _) in PLUGINS {
        let crate_dir = root.join("plugins").join(dir);
        watched.push(crate_dir.join("Cargo.toml"));
        // `fixtures/crm-next` has no `src/` (it builds `crm/src`, watched already), and
        // a missing path would rerun this script on every build.
        if crate_dir.join("src").exists() {
            watched.push(crate_dir.join("src"));
        }
    }
    for path in watched {
        println!("cargo:rerun-if-changed={}", path.display());
    }

    ensure_target();

    let target_dir = wasm_target_dir(&out_dir);
    let built = target_dir.join(TARGET).join("release");
    build(&root.join("plugins/Cargo.toml"), &target_dir);
    build(&root.join(EXAMPLE.0).join("Cargo.toml"), &target_dir);
    let artifacts = PLUGINS
        .iter()
        .chain([&EXAMPLE])
        .map(|(_, artifact)| artifact);
    for artifact in artifacts {
        let file = format!("{artifact}.wasm");
        fs::copy(built.join(&file), out_dir.join(&file))
            .unwrap_or_else(|e| panic!("copy {file} from {}: {e}", built.display()));
    }
}

/// `cargo build --release --target wasm32-wasip2` of the workspace at `manifest`.
fn build(manifest: &Path, target_dir: &Path) {
    let output = nested_cargo()
        .arg("build")
        .arg("--release")
        .arg("--target")
        .arg(TARGET)
        .arg("--manifest-path")
        .arg(manifest)
        .arg("--target-dir")
        .arg(target_dir)
        .output()
        .unwrap_or_else(|e| panic!("run cargo for {}: {e}", manifest.display()));
    if !output.status.success() {
        panic!(
            "building {} for {TARGET} failed ({}):\n{}",
            manifest.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// `<outer target dir>/wasm`: OUT_DIR is `<target dir>/<profile>/build/<package>/out`.
fn wasm_target_dir(out_dir: &Path) -> PathBuf {
    out_dir.ancestors().nth(4).unwrap_or(out_dir).join("wasm")
}

/// A cargo of the same toolchain (rustup's variables stay) without the outer build's
/// settings.
fn nested_cargo() -> Command {
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    for (name, _) in env::vars_os() {
        let Some(name) = name.to_str() else { continue };
        let outer_cargo =
            name.starts_with("CARGO_") && !KEPT_CARGO_PREFIXES.iter().any(|p| name.starts_with(p));
        if outer_cargo || OUTER_VARIABLES.contains(&name) {
            command.env_remove(name);
        }
    }
    command
}

/// Installs the wasm target through rustup when the toolchain lacks it.
fn ensure_target() {
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let libdir = Command::new(&rustc)
        .args(["--print", "target-libdir", "--target", TARGET])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    if libdir.is_some_and(|dir| dir.is_dir()) {
        return;
    }
    println!("cargo:warning=the {TARGET} target is missing: running `rustup target add {TARGET}`");
    let added = Command::new("rustup")
        .args(["target", "add", TARGET])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        added,
        "the {TARGET} target is missing and `rustup target add {TARGET}` failed; install it \
         for {} and build again",
        Path::new(&rustc).display()
    );
}
