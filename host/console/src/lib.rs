//! The web console, built from `web/` by this crate's build script and embedded in the
//! binary. No HTTP types here: the server asks [`resolve`] for a request path and
//! answers with the [`Asset`], so the console is served by the one `eoex` process.

use std::borrow::Cow;

#[derive(rust_embed::RustEmbed)]
#[folder = "$OUT_DIR/dist"]
struct Dist;

/// A file of the console.
#[derive(Debug, Clone)]
pub struct Asset {
    pub bytes: Cow<'static, [u8]>,
    pub content_type: &'static str,
    /// Content-hashed (Vite's `assets/`): cacheable forever. Everything else, notably
    /// `index.html`, must be revalidated so that a new build is picked up at once.
    pub immutable: bool,
}

impl Asset {
    pub fn is_html(&self) -> bool {
        self.content_type.starts_with("text/html")
    }
}

/// The file for a request path (`/`, `/assets/index-3f2a.js`, `/crm/contacts/42`…):
/// a file of the build, `index.html` for the console's own routes (paths whose last
/// segment has no extension), `None` for a missing file. Callers keep `/api/…` for the API.
pub fn resolve(path: &str) -> Option<Asset> {
    let path = path.trim_start_matches('/');
    if !path.is_empty()
        && let Some(file) = Dist::get(path)
    {
        return Some(asset(path, file.data));
    }
    let last = path.rsplit('/').next().unwrap_or_default();
    if last.contains('.') {
        return None;
    }
    Dist::get("index.html").map(|file| asset("index.html", file.data))
}

fn asset(path: &str, bytes: Cow<'static, [u8]>) -> Asset {
    Asset {
        bytes,
        content_type: content_type(path),
        immutable: path.starts_with("assets/"),
    }
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_routes_get_the_index() {
        for path in [
            "/",
            "",
            "/login",
            "/crm/contacts/0190-abc",
            "/m/notes/notes/new",
        ] {
            let asset = resolve(path).unwrap_or_else(|| panic!("{path}"));
            assert!(asset.is_html(), "{path}");
            assert!(!asset.immutable, "{path}");
            assert!(String::from_utf8_lossy(&asset.bytes).contains("<div id=\"root\">"));
        }
    }

    #[test]
    fn built_assets_are_served_and_missing_files_are_not() {
        let index = resolve("/").unwrap();
        let html = String::from_utf8_lossy(&index.bytes).into_owned();
        let script = html
            .split("src=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("a script tag");
        let js = resolve(script).unwrap_or_else(|| panic!("{script}"));
        assert_eq!(js.content_type, "text/javascript; charset=utf-8");
        assert!(js.immutable);
        assert!(resolve("/assets/missing-1234.js").is_none());
        assert!(resolve("/favicon.ico").is_none());
    }
}
