use crate::http::percent_decode;
use crate::manifest::RouteDef;
use crate::{Error, Request, Response};

/// A request handler.
pub type Handler = fn(&Request) -> Result<Response, Error>;

/// Maps method and path to handlers; also the source of the manifest's routes.
///
/// Paths are `/`-separated segments, `{name}` matching any one segment
/// (`/contacts/{contact_id}`). When several routes match, the one whose first
/// differing segment is literal wins, so `/items/export` beats `/items/{item_id}`.
/// An unknown path answers 404 `not_found`; a known path with another method 405
/// `method_not_allowed` with an `allow` header.
#[derive(Default)]
pub struct Router {
    routes: Vec<Route>,
}

struct Route {
    method: String,
    path: String,
    segments: Vec<Segment>,
    summary: String,
    handler: Handler,
}

#[derive(PartialEq)]
enum Segment {
    Literal(String),
    Param(String),
}

impl Router {
    pub fn new() -> Router {
        Router::default()
    }

    /// # Panics
    /// When `path` does not start with `/` or the same method and path were added before.
    pub fn route(mut self, method: &str, path: &str, handler: Handler) -> Router {
        let method = method.to_ascii_uppercase();
        assert!(
            path.starts_with('/'),
            "route {method} {path}: must start with /"
        );
        assert!(
            !self
                .routes
                .iter()
                .any(|r| r.method == method && r.path == path),
            "route {method} {path}: added twice"
        );
        let segments = split(path)
            .map(
                |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(name) => Segment::Param(name.to_string()),
                    None => Segment::Literal(s.to_string()),
                },
            )
            .collect();
        self.routes.push(Route {
            method,
            path: path.to_string(),
            segments,
            summary: String::new(),
            handler,
        });
        self
    }

    pub fn get(self, path: &str, handler: Handler) -> Router {
        self.route("GET", path, handler)
    }

    pub fn post(self, path: &str, handler: Handler) -> Router {
        self.route("POST", path, handler)
    }

    pub fn put(self, path: &str, handler: Handler) -> Router {
        self.route("PUT", path, handler)
    }

    pub fn patch(self, path: &str, handler: Handler) -> Router {
        self.route("PATCH", path, handler)
    }

    pub fn delete(self, path: &str, handler: Handler) -> Router {
        self.route("DELETE", path, handler)
    }

    /// Describes the route added last (for the manifest and generated docs).
    pub fn summary(mut self, summary: impl Into<String>) -> Router {
        if let Some(route) = self.routes.last_mut() {
            route.summary = summary.into();
        }
        self
    }

    /// Routes `request` and answers it; a handler's error becomes its JSON response
    /// (5xx errors are logged).
    pub fn handle(&self, mut request: Request) -> Response {
        let segments: Vec<&str> = split(request.path()).collect();
        let matching: Vec<(&Route, Vec<(String, String)>)> = self
            .routes
            .iter()
            .filter_map(|route| Some((route, route.capture(&segments)?)))
            .collect();
        let chosen = matching
            .iter()
            .filter(|(route, _)| route.method == request.method())
            .max_by(|(a, _), (b, _)| a.specificity().cmp(&b.specificity()));
        let result = match chosen {
            Some((route, params)) => {
                request.set_params(params.clone());
                (route.handler)(&request)
            }
            None if matching.is_empty() => Err(Error::not_found(format!(
                "route {} {}",
                request.method(),
                request.path()
            ))),
            None => {
                let mut allowed: Vec<&str> =
                    matching.iter().map(|(r, _)| r.method.as_str()).collect();
                allowed.sort_unstable();
                allowed.dedup();
                let error = Error::new(
                    405,
                    "method_not_allowed",
                    format!("{} is not allowed on {}", request.method(), request.path()),
                );
                return Response::from(error).with_header("allow", allowed.join(", "));
            }
        };
        result.unwrap_or_else(|error| {
            if error.status() >= 500 {
                crate::log::error(&format!(
                    "{} {}: {}",
                    request.method(),
                    request.path(),
                    error
                ));
            }
            Response::from(error)
        })
    }

    pub(crate) fn route_defs(&self) -> Vec<RouteDef> {
        self.routes
            .iter()
            .map(|r| RouteDef {
                method: r.method.clone(),
                path: r.path.clone(),
                summary: r.summary.clone(),
            })
            .collect()
    }
}

impl Route {
    fn capture(&self, segments: &[&str]) -> Option<Vec<(String, String)>> {
        if segments.len() != self.segments.len() {
            return None;
        }
        let mut params = Vec::new();
        for (pattern, segment) in self.segments.iter().zip(segments) {
            match pattern {
                Segment::Literal(literal) if literal == segment => {}
                Segment::Param(name) if !segment.is_empty() => {
                    params.push((name.clone(), percent_decode(segment)));
                }
                _ => return None,
            }
        }
        Some(params)
    }

    /// Literal segments rank above parameters, earlier segments first.
    fn specificity(&self) -> Vec<bool> {
        self.segments
            .iter()
            .map(|s| matches!(s, Segment::Literal(_)))
            .collect()
    }
}

/// The segments of a path; `/` has none and a trailing `/` is ignored.
fn split(path: &str) -> impl Iterator<Item = &str> {
    let trimmed = path.strip_prefix('/').unwrap_or(path);
    let trimmed = trimmed.strip_suffix('/').unwrap_or(trimmed);
    trimmed.split('/').filter(move |_| !trimmed.is_empty())
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn echo(request: &Request) -> Result<Response, Error> {
        Ok(Response::ok(&json!({
            "route": "show",
            "id": request.param("item_id"),
        })))
    }

    fn export(_: &Request) -> Result<Response, Error> {
        Ok(Response::ok(&json!({"route": "export"})))
    }

    fn list(_: &Request) -> Result<Response, Error> {
        Ok(Response::ok(&json!({"route": "list"})))
    }

    fn fail(_: &Request) -> Result<Response, Error> {
        Err(Error::conflict("busy", "try later"))
    }

    fn router() -> Router {
        Router::new()
            .get("/items", list)
            .summary("List items")
            .get("/items/{item_id}", echo)
            .get("/items/export", export)
            .delete("/items/{item_id}", fail)
            .get("/", list)
    }

    fn call(method: &str, path: &str) -> (u16, Value, Option<String>) {
        let response = router().handle(Request::new(method, path));
        (
            response.status(),
            response.body_json().unwrap(),
            response.header("allow").map(str::to_string),
        )
    }

    #[test]
    fn matches_literals_params_and_root() {
        assert_eq!(call("GET", "/items").1["route"], "list");
        assert_eq!(call("get", "/items/").1["route"], "list");
        assert_eq!(call("GET", "/").1["route"], "list");
        assert_eq!(
            call("GET", "/items/abc").1,
            json!({"route": "show", "id": "abc"})
        );
        assert_eq!(call("GET", "/items/a%20b").1["id"], "a b");
        assert_eq!(call("GET", "/items/export").1["route"], "export");
    }

    #[test]
    fn unknown_paths_are_404_and_wrong_methods_405() {
        for path in ["/nope", "/items/a/b", "/items//", "//items"] {
            let (status, body, _) = call("GET", path);
            assert_eq!(status, 404, "{path}");
            assert_eq!(body["error"]["code"], "not_found");
        }
        let (status, body, allow) = call("PUT", "/items/abc");
        assert_eq!(status, 405);
        assert_eq!(body["error"]["code"], "method_not_allowed");
        assert_eq!(allow.as_deref(), Some("DELETE, GET"));
    }

    #[test]
    fn handler_errors_become_json() {
        let (status, body, _) = call("DELETE", "/items/abc");
        assert_eq!(status, 409);
        assert_eq!(body["error"]["code"], "busy");
    }

    #[test]
    fn emits_route_defs() {
        let defs = router().route_defs();
        assert_eq!(defs.len(), 5);
        assert_eq!(
            defs[0],
            RouteDef {
                method: "GET".into(),
                path: "/items".into(),
                summary: "List items".into()
            }
        );
        assert_eq!(defs[3].method, "DELETE");
    }

    #[test]
    #[should_panic(expected = "added twice")]
    fn duplicate_routes_are_refused() {
        let _ = Router::new().get("/a", list).get("/a", list);
    }
}
