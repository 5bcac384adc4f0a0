//! The web console in a real browser: Debian's Chromium, headless, driven by
//! playwright-core (`host/console/web/e2e/console.mjs`) against the real server with
//! every bundled module and, in its plugins directory, the third-party example module
//! `notes` (`examples/notes`), whose pages the console builds from its manifest. The
//! script also runs axe-core on the main pages in the light and dark skins. Screenshots of the main pages go to
//! `target/browser-screenshots/`. Missing Node.js or Chromium fails the test: `.ci/run`
//! installs Chromium (`apt-get install chromium`).

use std::path::{Path, PathBuf};
use std::process::Command;

use eoex_plugin_artifacts::fixtures::NOTES;
use eoex_tests::{Backend, TestApp};

fn chromium() -> PathBuf {
    let path = std::env::var_os("EOEX_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(
        path.is_file(),
        "no Chromium at {}: install it with `apt-get install -y chromium chromium-driver`, or \
         set EOEX_CHROMIUM",
        path.display()
    );
    path
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_works_in_a_browser() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let web = root.join("host/console/web");
    // Installed by eoex-console's build script, which this test's server depends on.
    assert!(
        web.join("node_modules/playwright-core").is_dir(),
        "playwright-core is not installed in {}: run `npm ci` there",
        web.display()
    );
    let chromium = chromium();
    let screenshots = target_dir(&root).join("browser-screenshots");
    let app = TestApp::spawn_with_plugins(Backend::Sqlite, &[NOTES], |_| {}).await;
    let url = app.url("");
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg("e2e/console.mjs")
            .current_dir(&web)
            .env("EOEX_URL", url)
            .env("CHROMIUM", chromium)
            .env("SCREENSHOTS", &screenshots)
            .output()
    })
    .await
    .expect("join")
    .expect("run node (Node.js 20 or newer must be on PATH)");
    println!("{}", String::from_utf8_lossy(&output.stdout));
    eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        output.status.success(),
        "the browser tests failed ({}); screenshots in target/browser-screenshots:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout)
    );
}
