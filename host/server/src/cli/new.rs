//! `eoex plugin new`: a plugin crate on the SDK that builds and tests as it is.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;
use eoex_abi::manifest::is_identifier;

/// The SDK of the checkout this binary was built from.
const BUILT_WITH_SDK: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../sdk");

pub fn run(name: &str, dir: &Path, sdk: Option<PathBuf>) -> anyhow::Result<()> {
    let module = name.replace('-', "_");
    anyhow::ensure!(
        is_identifier(&module, 32),
        "{name:?} is not a valid module name: a lower-case letter, then lower-case letters, digits, `_` or `-`, at most 32 characters"
    );
    let sdk = find_sdk(sdk)?;
    let root = dir.join(name);
    anyhow::ensure!(!root.exists(), "{} already exists", root.display());
    let files = [
        ("Cargo.toml", cargo_toml(name, &sdk)?),
        ("src/lib.rs", lib_rs(&module)),
        (".gitignore", "/target\n".to_owned()),
        ("README.md", readme(name, &module)),
    ];
    for (path, contents) in files {
        let path = root.join(path);
        fs::create_dir_all(path.parent().expect("a file in the crate"))
            .and_then(|()| fs::write(&path, contents))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    println!(
        "Created the plugin crate {} (module {module}) on the SDK at {}.",
        root.display(),
        sdk.display()
    );
    println!(
        "Next: `cargo test` runs its handlers natively; `eoex plugin build` builds, validates and signs the component."
    );
    Ok(())
}

/// The SDK as an absolute path: the crate lives outside this repository.
fn find_sdk(explicit: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    let (sdk, source) = match explicit {
        Some(path) => (path, "--sdk"),
        None => (
            PathBuf::from(BUILT_WITH_SDK),
            "the checkout this binary was built from",
        ),
    };
    match fs::canonicalize(&sdk) {
        Ok(sdk) if sdk.join("Cargo.toml").is_file() => Ok(sdk),
        _ => anyhow::bail!(
            "no EOEX SDK at {} ({source}): pass --sdk PATH, the sdk/ directory of an EOEX checkout",
            sdk.display()
        ),
    }
}

fn cargo_toml(name: &str, sdk: &Path) -> anyhow::Result<String> {
    let sdk = sdk
        .to_str()
        .with_context(|| format!("the SDK path {} is not UTF-8", sdk.display()))?;
    Ok(CARGO_TOML
        .replace("__NAME__", name)
        .replace("__SDK__", &toml::Value::String(sdk.to_owned()).to_string()))
}

fn lib_rs(module: &str) -> String {
    let mut type_name: String = module
        .split('_')
        .flat_map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase())
                .into_iter()
                .chain(chars)
        })
        .collect();
    // `Plugin` suffix: no module name makes it collide with the SDK's names.
    type_name.push_str("Plugin");
    LIB_RS
        .replace("__MODULE__", module)
        .replace("__TYPE__", &type_name)
}

fn readme(name: &str, module: &str) -> String {
    README
        .replace("__NAME__", name)
        .replace("__MODULE__", module)
}

const CARGO_TOML: &str = r#"[package]
name = "__NAME__"
version = "0.1.0"
edition = "2024"
publish = false

[lib]
crate-type = ["cdylib"]

[dependencies]
# The SDK is not on crates.io: this is an EOEX checkout's sdk/.
eoex-sdk = { path = __SDK__ }
serde = { version = "1", features = ["derive"] }

[dev-dependencies]
serde_json = "1"

# Small components. A panic aborts, which traps; the host answers that request with a 500.
[profile.release]
opt-level = "s"
lto = true
codegen-units = 1
strip = "debuginfo"
panic = "abort"

# A module builds on its own, not as part of an enclosing workspace.
[workspace]
"#;

const LIB_RS: &str = r#"//! The `__MODULE__` module: items with a title.

use eoex_sdk::prelude::*;
use serde::{Deserialize, Serialize};

/// Tenants that enable the module find its routes under `/api/v1/__MODULE__`.
const MODULE: &str = "__MODULE__";

struct __TYPE__;

impl Plugin for __TYPE__ {
    fn manifest() -> Manifest {
        Manifest::new(MODULE, env!("CARGO_PKG_VERSION"))
            .description("Items with a title")
            .entity(
                Entity::new("items", "item_id")
                    .field(Field::text("title").required().max_length(200)),
            )
    }

    fn router() -> Router {
        Router::new()
            .get("/items", list)
            .summary("List items, newest first")
            .post("/items", create)
            .summary("Create an item")
            .get("/items/{item_id}", show)
            .summary("Read an item")
    }
}

register_plugin!(__TYPE__);

/// An item as stored; the host adds `item_id`, `created_at` and `updated_at`.
#[derive(Debug, Serialize, Deserialize)]
struct Item {
    item_id: String,
    title: String,
    created_at: String,
    updated_at: String,
}

/// What a client sends to create an item.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewItem {
    title: String,
}

fn list(_request: &Request) -> Result<Response, Error> {
    let items: Page<Item> = Query::new("items")
        .sort_desc("created_at")
        .limit(100)
        .fetch()?;
    Ok(Response::ok(&items.records))
}

fn create(request: &Request) -> Result<Response, Error> {
    let input: NewItem = request.json()?;
    if input.title.trim().is_empty() {
        return Err(Error::validation("title", "title must not be empty"));
    }
    let item: Item = store::insert("items", &input)?;
    Ok(Response::created(&item))
}

fn show(request: &Request) -> Result<Response, Error> {
    let item: Option<Item> = store::get("items", request.param("item_id"))?;
    item.map(|item| Response::ok(&item))
        .ok_or_else(|| Error::not_found("item"))
}

#[cfg(test)]
mod tests {
    use eoex_sdk::testing::TestHost;
    use serde_json::{Value, json};

    use super::*;

    /// A request to the module, routed as the host would.
    fn call(host: &TestHost, method: &str, target: &str, body: Option<Value>) -> Response {
        host.call::<__TYPE__>(method, target, body)
    }

    #[test]
    fn create_then_read_and_list() {
        let host = TestHost::new();
        let created = call(&host, "POST", "/items", Some(json!({"title": "First"})));
        assert_eq!(created.status(), 201);
        let item: Item = created.body_json().unwrap();
        assert_eq!(item.title, "First");

        let path = format!("/items/{}", item.item_id);
        let read: Item = call(&host, "GET", &path, None).body_json().unwrap();
        assert_eq!(read.item_id, item.item_id);
        let all: Vec<Item> = call(&host, "GET", "/items", None).body_json().unwrap();
        assert_eq!(all.len(), 1);
    }

    #[test]
    fn a_title_is_required() {
        let host = TestHost::new();
        let response = call(&host, "POST", "/items", Some(json!({"title": " "})));
        assert_eq!(response.status(), 422);
        assert!(host.records("items").is_empty());
        assert_eq!(call(&host, "GET", "/items/nope", None).status(), 404);
    }
}
"#;

const README: &str = "# __NAME__

The `__MODULE__` module for EOEX, written with the EOEX SDK.

```sh
cargo test                 # the handlers, natively, against the SDK's test host
eoex plugin build          # the wasm32-wasip2 component, validated and signed
eoex plugin publish target/wasm32-wasip2/release/__MODULE__.wasm --server URL --token OPERATOR_TOKEN
```

Tenants that enable it find its routes under `/api/v1/__MODULE__`.
";
