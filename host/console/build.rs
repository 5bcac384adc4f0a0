//! Builds the console (`web/`, React + TypeScript) with npm and Vite into OUT_DIR, where
//! `src/lib.rs` embeds it. Runs again only when the web sources or the lock file change;
//! `npm ci` runs only when `package-lock.json` is newer than the installed tree.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

const WATCHED: &[&str] = &[
    "src",
    "index.html",
    "package.json",
    "package-lock.json",
    "tsconfig.json",
    "vite.config.ts",
];

fn main() {
    let web = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo")).join("web");
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo")).join("dist");
    for path in WATCHED {
        println!("cargo:rerun-if-changed={}", web.join(path).display());
    }

    let npm = if cfg!(windows) { "npm.cmd" } else { "npm" };
    let version = Command::new(npm).arg("--version").output();
    if !version.is_ok_and(|o| o.status.success()) {
        panic!(
            "building the web console needs Node.js (20 or newer) and npm on PATH, and `{npm} --version` failed. \
             Install them (e.g. `apt-get install nodejs npm`, or from nodejs.org) and build again."
        );
    }

    if needs_install(&web) {
        println!("cargo:warning=console: npm ci (installing the web console's dependencies)");
        run(
            Command::new(npm)
                .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
                .current_dir(&web),
            "npm ci",
        );
    }
    println!("cargo:warning=console: type-checking and building the web console with Vite");
    run(
        Command::new(bin(&web, "tsc"))
            .args(["--noEmit", "-p", "."])
            .current_dir(&web),
        "tsc --noEmit",
    );
    run(
        Command::new(bin(&web, "vite"))
            .args(["build", "--logLevel", "warn", "--emptyOutDir", "--outDir"])
            .arg(&out)
            .current_dir(&web),
        "vite build",
    );
    assert!(
        out.join("index.html").is_file(),
        "vite build wrote no index.html into {}",
        out.display()
    );
}

/// True unless `node_modules` was installed from the current `package-lock.json`
/// (npm writes `node_modules/.package-lock.json` on every install).
fn needs_install(web: &Path) -> bool {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    match (
        modified(&web.join("node_modules/.package-lock.json")),
        modified(&web.join("package-lock.json")),
    ) {
        (Some(installed), Some(lock)) => installed < lock,
        _ => true,
    }
}

fn bin(web: &Path, name: &str) -> PathBuf {
    web.join("node_modules/.bin").join(if cfg!(windows) {
        format!("{name}.cmd")
    } else {
        name.to_owned()
    })
}

fn run(command: &mut Command, what: &str) {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("console: could not run {what}: {e}"));
    if !output.status.success() {
        panic!(
            "console: {what} failed ({}):\n{}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
