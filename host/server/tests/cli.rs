//! `eoex plugin …` as an author and an operator run it: keygen, new, build (a real
//! nested cargo build for wasm32-wasip2), then publish and list against the server
//! binary.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const OPERATOR_TOKEN: &str = "operator-token-for-cli-tests-0123456789";

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// `program`, without the variables of the cargo running this test, and with guest
/// builds going to a target directory kept warm between runs.
fn command(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut command = Command::new(program);
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
    command
        .env("CARGO_TARGET_DIR", repository().join("target/cli-test"))
        .stdin(Stdio::null());
    command
}

fn eoex(args: &[&str]) -> Command {
    let mut eoex = command(env!("CARGO_BIN_EXE_eoex"));
    eoex.args(["plugin"]).args(args);
    eoex
}

fn describe(command: &Command, output: &Output) -> String {
    format!(
        "{command:?}: {}\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Runs `command`, which must succeed; its stdout.
fn succeeds(command: &mut Command) -> String {
    let output = command.output().expect("the command runs");
    assert!(output.status.success(), "{}", describe(command, &output));
    String::from_utf8(output.stdout).unwrap()
}

/// Runs `command`, which must fail; its stderr.
fn fails(command: &mut Command) -> String {
    let output = command.output().expect("the command runs");
    assert!(!output.status.success(), "{}", describe(command, &output));
    String::from_utf8(output.stderr).unwrap()
}

fn text(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// The `ed25519:<hex>` line `keygen` prints.
fn public_key(keygen_output: &str) -> String {
    keygen_output
        .lines()
        .find(|line| line.starts_with("ed25519:"))
        .unwrap_or_else(|| panic!("no public key in {keygen_output:?}"))
        .to_owned()
}

#[test]
fn keygen_writes_a_private_key_and_never_overwrites_it() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("keys/signing-key");
    let printed = succeeds(&mut eoex(&["keygen", "--key", text(&key)]));
    assert_eq!(public_key(&printed).len(), "ed25519:".len() + 64);
    assert!(printed.contains("EOEX_TRUSTED_KEYS"), "{printed}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let written = std::fs::read(&key).unwrap();

    let refusal = fails(&mut eoex(&["keygen", "--key", text(&key)]));
    assert!(refusal.contains("already exists"), "{refusal}");
    assert_eq!(std::fs::read(&key).unwrap(), written);
}

#[test]
fn new_scaffolds_a_crate_named_for_the_module() {
    let dir = tempfile::tempdir().unwrap();
    let sdk = repository().join("sdk");
    let new = |name: &str| eoex(&["new", name, "--path", text(dir.path()), "--sdk", text(&sdk)]);

    succeeds(&mut new("demo"));
    let cargo_toml = std::fs::read_to_string(dir.path().join("demo/Cargo.toml")).unwrap();
    assert!(cargo_toml.contains("name = \"demo\""), "{cargo_toml}");
    assert!(cargo_toml.contains(text(&sdk)), "{cargo_toml}");
    let lib = std::fs::read_to_string(dir.path().join("demo/src/lib.rs")).unwrap();
    assert!(lib.contains("const MODULE: &str = \"demo\";"), "{lib}");
    assert!(dir.path().join("demo/.gitignore").exists());
    assert!(fails(&mut new("demo")).contains("already exists"));

    // The crate keeps its `-`; the module name has `_`.
    succeeds(&mut new("my-notes"));
    let lib = std::fs::read_to_string(dir.path().join("my-notes/src/lib.rs")).unwrap();
    assert!(lib.contains("const MODULE: &str = \"my_notes\";"), "{lib}");

    for name in ["Demo", "1demo", "_demo", "de mo", "démo"] {
        let refusal = fails(&mut new(name));
        assert!(
            refusal.contains("not a valid module name"),
            "{name}: {refusal}"
        );
    }
    let refusal = fails(&mut eoex(&[
        "new",
        "other",
        "--path",
        text(dir.path()),
        "--sdk",
        "/no/sdk",
    ]));
    assert!(refusal.contains("--sdk"), "{refusal}");
}

#[test]
fn build_refuses_what_is_not_a_plugin_crate() {
    let dir = tempfile::tempdir().unwrap();
    let refusal = fails(&mut eoex(&["build", text(dir.path())]));
    assert!(
        refusal.contains("is not a plugin crate: it has no Cargo.toml"),
        "{refusal}"
    );

    std::fs::create_dir(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("src/lib.rs"), "").unwrap();
    std::fs::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"plain\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[workspace]\n",
    )
    .unwrap();
    let refusal = fails(&mut eoex(&["build", text(dir.path())]));
    assert!(refusal.contains("has no cdylib library"), "{refusal}");
}

/// The server binary, trusting `trusted_key`, on an ephemeral port.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn start(dir: &Path, trusted_key: &str) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_eoex"))
            .current_dir(dir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("EOEX_BIND", "127.0.0.1:0")
            .env("EOEX_OPERATOR_TOKEN", OPERATOR_TOKEN)
            .env("EOEX_TRUSTED_KEYS", trusted_key)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start eoex");
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = mpsc::channel();
        // Keeps reading, so that the server never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut log = Vec::new();
        while Instant::now() < deadline {
            let Ok(line) = lines.recv_timeout(Duration::from_millis(100)) else {
                continue;
            };
            if let Some(rest) = line.split("listening on http://").nth(1) {
                let addr = rest.split_whitespace().next().unwrap();
                return Server {
                    child,
                    url: format!("http://{addr}"),
                };
            }
            log.push(line);
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("the server did not start:\n{}", log.join("\n"));
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_plugin_builds_signed_publishes_and_is_listed() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("signing-key");
    let trusted = public_key(&succeeds(&mut eoex(&["keygen", "--key", text(&key)])));
    let sdk = repository().join("sdk");
    succeeds(&mut eoex(&[
        "new",
        "demo",
        "--path",
        text(dir.path()),
        "--sdk",
        text(&sdk),
    ]));
    let crate_dir = dir.path().join("demo");

    // The scaffold's own native test passes as it is.
    succeeds(
        command(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .current_dir(&crate_dir)
            .args(["test", "--quiet"]),
    );

    let built = succeeds(&mut eoex(&["build", text(&crate_dir), "--key", text(&key)]));
    assert!(built.contains("module demo 0.1.0"), "{built}");
    let wasm = PathBuf::from(
        built
            .lines()
            .find_map(|line| line.strip_prefix("Built "))
            .unwrap_or_else(|| panic!("no built file in {built:?}")),
    );
    assert_eq!(wasm.file_name().unwrap(), "demo.wasm");
    assert!(wasm.exists());
    let signature_file = PathBuf::from(format!("{}.sig", wasm.display()));
    let signature = std::fs::read_to_string(&signature_file).unwrap();
    assert!(signature.starts_with(&format!("{trusted}:")), "{signature}");

    let server = Server::start(dir.path(), &trusted);
    let publish = |file: &Path, token: &str| {
        let mut publish = eoex(&[
            "publish",
            text(file),
            "--server",
            &server.url,
            "--token",
            token,
        ]);
        // No signing key to fall back on but the ones given.
        publish.env("HOME", dir.path());
        publish
    };
    let published = succeeds(&mut publish(&wasm, OPERATOR_TOKEN));
    assert!(
        published.contains("published demo 0.1.0 (digest "),
        "{published}"
    );
    let again = succeeds(&mut publish(&wasm, OPERATOR_TOKEN));
    assert!(
        again.contains("already published, nothing changed"),
        "{again}"
    );
    let refusal = fails(&mut publish(&wasm, "not-the-operator-token"));
    assert!(refusal.contains("not the operator token"), "{refusal}");
    let unsigned = dir.path().join("unsigned.wasm");
    std::fs::copy(&wasm, &unsigned).unwrap();
    let refusal = fails(&mut publish(&unsigned, OPERATOR_TOKEN));
    assert!(refusal.contains("unsigned"), "{refusal}");

    let signup: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/signup", server.url))
        .json(&serde_json::json!({
            "tenant_name": "Cli", "tenant_domain": "cli.example",
            "email": "owner@cli.example", "password": "correct horse battery",
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = signup["access_token"].as_str().unwrap();
    let listed = succeeds(&mut eoex(&[
        "list",
        "--server",
        &server.url,
        "--token",
        token,
    ]));
    let row: Vec<&str> = listed
        .lines()
        .find(|line| line.starts_with("demo "))
        .unwrap_or_else(|| panic!("demo is not listed: {listed}"))
        .split_whitespace()
        .collect();
    assert_eq!(row[..3], ["demo", "0.1.0", "no"], "{listed}");
}
