//! The `eoex` binary itself: zero-configuration start, request ids in the log lines,
//! graceful shutdown on SIGTERM with in-flight requests finished.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

struct Running {
    child: std::process::Child,
    lines: mpsc::Receiver<String>,
    log: Vec<String>,
}

impl Running {
    fn start(data_dir: &std::path::Path) -> (Running, String) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_eoex"))
            .current_dir(data_dir)
            // No EOEX_* at all: the defaults must work (the bind address is the one
            // exception, so that parallel test runs do not collide on 8080).
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("EOEX_BIND", "127.0.0.1:0")
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start eoex");
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut running = Running {
            child,
            lines,
            log: Vec::new(),
        };
        let line = running.wait_for("listening on http://");
        let addr = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap()
            .to_owned();
        (running, addr)
    }

    fn wait_for(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(line) = self.lines.recv_timeout(Duration::from_millis(100)) {
                self.log.push(line.clone());
                if line.contains(needle) {
                    return line;
                }
            }
        }
        panic!(
            "no log line with {needle:?}; log so far:\n{}",
            self.log.join("\n")
        );
    }

    fn drain(&mut self) {
        while let Ok(line) = self.lines.recv_timeout(Duration::from_millis(200)) {
            self.log.push(line);
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

fn signup(i: usize) -> serde_json::Value {
    serde_json::json!({
        "tenant_name": format!("tenant{i}"), "tenant_domain": format!("t{i}.example"),
        "email": format!("owner@t{i}.example"), "password": "correct horse battery",
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_with_no_configuration_logs_request_ids_and_shuts_down_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let (mut server, addr) = Running::start(dir.path());
    let client = reqwest::Client::new();

    // The embedded default: SQLite and a generated secret under ./data.
    let health: serde_json::Value = client
        .get(format!("http://{addr}/health"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["database_kind"], "sqlite");
    assert!(dir.path().join("data/eoex.db").exists());
    let secret = dir.path().join("data/jwt-secret");
    assert!(std::fs::read_to_string(&secret).unwrap().trim().len() >= 64);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&secret).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    // The request id of a response appears in that request's log lines.
    let response = client
        .get(format!("http://{addr}/api/v1"))
        .send()
        .await
        .unwrap();
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    server.wait_for(&request_id);

    // SIGTERM while sign-ups (argon2 hashing: tens of ms each) are in flight: every one
    // of them still completes, then the process exits cleanly.
    let in_flight: Vec<_> = (0..6)
        .map(|i| {
            let client = client.clone();
            let url = format!("http://{addr}/api/v1/auth/signup");
            tokio::spawn(async move {
                client
                    .post(url)
                    .json(&signup(i))
                    .send()
                    .await
                    .map(|r| r.status())
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(30)).await;
    let killed = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    for request in in_flight {
        assert_eq!(
            request
                .await
                .unwrap()
                .expect("in-flight request answered")
                .as_u16(),
            201
        );
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "still running 30 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit status {status}");
    server.drain();
    assert!(
        server.log.iter().any(|l| l.contains("shutting down")),
        "{}",
        server.log.join("\n")
    );
    assert!(
        client
            .get(format!("http://{addr}/health"))
            .send()
            .await
            .is_err(),
        "no longer listening"
    );
}
