//! `eoex plugin publish` and `eoex plugin list`: a server's registry over HTTP.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use eoex_registry::signing::{self, Signature};
use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use serde::Deserialize;

use super::{UNSIGNED_HINT, human_size, signing_key};

/// The header the server reads the signature from (`routes/registry.rs`).
const SIGNATURE_HEADER: &str = "x-eoex-signature";
const PACKAGES: &str = "/api/v1/registry/packages";

/// A package as the server shows it; other fields are ignored.
#[derive(Deserialize)]
struct Package {
    name: String,
    version: String,
    digest: String,
    size: u64,
    yanked: bool,
    published_at: String,
}

#[derive(Deserialize)]
struct PackageList {
    items: Vec<Package>,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    code: String,
    message: String,
}

pub async fn publish(
    file: &Path,
    server: &str,
    token: &str,
    key: Option<PathBuf>,
) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let signature = signature_for(file, &bytes, key)?;
    let url = format!("{}{PACKAGES}", server.trim_end_matches('/'));
    let mut request = client()?
        .post(&url)
        .bearer_auth(token.trim())
        .header(CONTENT_TYPE, "application/wasm")
        .body(bytes);
    if let Some(signature) = &signature {
        request = request.header(SIGNATURE_HEADER, signature.to_string());
    }
    let response = request
        .send()
        .await
        .with_context(|| format!("POST {url}"))?;
    let status = response.status();
    if status != StatusCode::CREATED && status != StatusCode::OK {
        return Err(refusal(response).await);
    }
    let package: Package = response
        .json()
        .await
        .with_context(|| format!("reading the answer of POST {url}"))?;
    if status == StatusCode::CREATED {
        println!(
            "published {} {} (digest {})",
            package.name, package.version, package.digest
        );
    } else {
        println!(
            "{} {} already published, nothing changed",
            package.name, package.version
        );
    }
    Ok(())
}

/// `FILE.sig` if there is one (checked against the bytes), else a signature made with
/// the signing key if there is one.
fn signature_for(
    file: &Path,
    bytes: &[u8],
    key: Option<PathBuf>,
) -> anyhow::Result<Option<Signature>> {
    let path = signing::signature_path(file);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let signature: Signature = text
                .parse()
                .with_context(|| format!("{} is not a package signature", path.display()))?;
            anyhow::ensure!(
                signature.verifies(bytes),
                "{} is not a signature of {}: the component changed after signing; run `eoex plugin build` again",
                path.display(),
                file.display()
            );
            println!(
                "signed by {} ({})",
                signing::public_key_text(&signature.public_key),
                path.display()
            );
            Ok(Some(signature))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(match signing_key(key)? {
            Some((key_path, key)) => {
                let signature = signing::sign(&key, bytes);
                println!(
                    "signed with {} ({})",
                    signing::public_key_text(&signature.public_key),
                    key_path.display()
                );
                Some(signature)
            }
            None => {
                println!(
                    "unsigned: no {} and no signing key; {UNSIGNED_HINT}",
                    path.display()
                );
                None
            }
        }),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

pub async fn list(server: &str, token: &str) -> anyhow::Result<()> {
    let url = format!("{}{PACKAGES}", server.trim_end_matches('/'));
    let response = client()?
        .get(&url)
        .bearer_auth(token.trim())
        .send()
        .await
        .with_context(|| format!("GET {url}"))?;
    if response.status() != StatusCode::OK {
        return Err(refusal(response).await);
    }
    let list: PackageList = response
        .json()
        .await
        .with_context(|| format!("reading the answer of GET {url}"))?;
    if list.items.is_empty() {
        println!("no packages published");
        return Ok(());
    }
    let rows: Vec<[String; 5]> = list
        .items
        .into_iter()
        .map(|p| {
            [
                p.name,
                p.version,
                if p.yanked { "yes" } else { "no" }.to_owned(),
                human_size(p.size),
                p.published_at,
            ]
        })
        .collect();
    let header = ["NAME", "VERSION", "YANKED", "SIZE", "PUBLISHED_AT"].map(str::to_owned);
    let mut widths = [0; 5];
    for row in std::iter::once(&header).chain(&rows) {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for row in std::iter::once(&header).chain(&rows) {
        let cells: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:width$}"))
            .collect();
        println!("{}", cells.join("  ").trim_end());
    }
    Ok(())
}

fn client() -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .build()
        .context("creating the HTTP client")
}

/// The server's `{"error":{"code","message"}}` as an error, or its status and body.
async fn refusal(response: reqwest::Response) -> anyhow::Error {
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    match serde_json::from_str::<ErrorBody>(&body) {
        Ok(ErrorBody { error }) => {
            anyhow::anyhow!(
                "the server refused ({status}, {}): {}",
                error.code,
                error.message
            )
        }
        Err(_) => {
            let body: String = body.trim().chars().take(300).collect();
            anyhow::anyhow!("the server answered {status}: {body}")
        }
    }
}
