use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::Error;

/// Who and what the current call is for (`eoex:host/context.request-context`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Context {
    pub tenant_id: String,
    /// None for event deliveries and lifecycle hooks.
    pub user_id: Option<String>,
    /// `owner`, `admin`, `user` or `readonly` (`system` for events and hooks).
    pub role: String,
    /// Feature keys enabled for the tenant in this module.
    pub features: Vec<String>,
    pub module: String,
    pub module_version: String,
    pub request_id: String,
}

impl Context {
    pub fn has_feature(&self, key: &str) -> bool {
        self.features.iter().any(|f| f == key)
    }
}

/// The current call's context.
pub fn context() -> Context {
    crate::backend::context()
}

/// A request below the module's prefix (`/api/v1/<module>/contacts` arrives as
/// `/contacts`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    params: Vec<(String, String)>,
}

impl Request {
    /// `target` is a path with an optional percent-encoded query string:
    /// `Request::new("GET", "/contacts?status=new")`.
    pub fn new(method: &str, target: &str) -> Request {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let query = query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                (decode_query(name), decode_query(value))
            })
            .collect();
        Request::from_parts(method.into(), path.into(), query, Vec::new(), Vec::new())
    }

    pub(crate) fn from_parts(
        method: String,
        path: String,
        query: Vec<(String, String)>,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    ) -> Request {
        Request {
            method: method.to_ascii_uppercase(),
            path,
            query,
            headers: headers
                .into_iter()
                .map(|(name, value)| (name.to_ascii_lowercase(), value))
                .collect(),
            body,
            params: Vec::new(),
        }
    }

    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Request {
        self.headers.push((name.to_ascii_lowercase(), value.into()));
        self
    }

    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Request {
        self.body = body.into();
        self
    }

    /// A JSON body with its content type.
    pub fn with_json(self, value: &impl Serialize) -> Request {
        let body = serde_json::to_vec(value).expect("a JSON-serialisable request body");
        self.with_header("content-type", "application/json")
            .with_body(body)
    }

    pub(crate) fn set_params(&mut self, params: Vec<(String, String)>) {
        self.params = params;
    }

    /// Upper-case.
    pub fn method(&self) -> &str {
        &self.method
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    /// The path parameter `{name}` of the matched route, percent-decoded.
    ///
    /// # Panics
    /// When the route has no such parameter: a bug in the plugin, which the host answers
    /// with a 500.
    pub fn param(&self, name: &str) -> &str {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("route {} has no parameter {{{name}}}", self.path))
    }

    /// The first value of query parameter `name`.
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every query parameter, decoded, in order (names may repeat).
    pub fn query_pairs(&self) -> &[(String, String)] {
        &self.query
    }

    /// Only content-type, accept, accept-language, if-match, if-none-match and
    /// x-request-id reach a plugin.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body as `T`: 400 `bad_request` when it is not JSON, 422 `validation_error`
    /// naming the field when it does not fit `T`.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Err(Error::bad_request("the request body must be JSON"));
        }
        let value: serde_json::Value = serde_json::from_slice(&self.body)
            .map_err(|e| Error::bad_request(format!("the request body is not JSON: {e}")))?;
        serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            let message = e.inner().to_string();
            Error::validation(field_of(&path, &message), message)
        })
    }

    /// Who the request is for.
    pub fn context(&self) -> Context {
        context()
    }
}

/// The field a deserialisation error is about: serde reports a missing field in the
/// message, at its parent's path.
fn field_of(path: &str, message: &str) -> String {
    let missing = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next());
    match (path, missing) {
        (".", Some(name)) => name.to_string(),
        (_, Some(name)) => format!("{path}.{name}"),
        _ => path.to_string(),
    }
}

/// What a handler answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    pub fn bytes(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Response {
        Response {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.into(),
        }
    }

    /// `value` as JSON with `status`.
    pub fn json(status: u16, value: &impl Serialize) -> Response {
        match serde_json::to_vec(value) {
            Ok(body) => Response::bytes(status, "application/json", body),
            Err(e) => {
                let error = Error::internal(format!("response body is not JSON: {e}"));
                crate::log::error(error.message());
                Response::from(error)
            }
        }
    }

    /// 200 with `value` as JSON.
    pub fn ok(value: &impl Serialize) -> Response {
        Response::json(200, value)
    }

    /// 201 with `value` as JSON.
    pub fn created(value: &impl Serialize) -> Response {
        Response::json(201, value)
    }

    /// 204, no body.
    pub fn no_content() -> Response {
        Response {
            status: 204,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// `text/plain; charset=utf-8`.
    pub fn text(status: u16, body: impl Into<String>) -> Response {
        Response::bytes(status, "text/plain; charset=utf-8", body.into())
    }

    /// 200 `text/csv; charset=utf-8`; add a `content-disposition` header to name a download.
    pub fn csv(body: impl Into<String>) -> Response {
        Response::bytes(200, "text/csv; charset=utf-8", body.into())
    }

    /// Adds a header (or replaces it, for `content-type`).
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Response {
        let name = name.to_ascii_lowercase();
        if name == "content-type" {
            self.headers.retain(|(n, _)| *n != name);
        }
        self.headers.push((name, value.into()));
        self
    }

    pub fn status(&self) -> u16 {
        self.status
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body parsed as JSON (for tests).
    pub fn body_json<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }

    #[cfg(target_family = "wasm")]
    pub(crate) fn into_parts(self) -> (u16, Vec<(String, String)>, Vec<u8>) {
        (self.status, self.headers, self.body)
    }
}

impl From<Error> for Response {
    fn from(error: Error) -> Response {
        Response::json(error.status(), &error.body())
    }
}

/// `%XX` decoding; invalid UTF-8 becomes U+FFFD.
pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn decode_query(s: &str) -> String {
    percent_decode(&s.replace('+', " "))
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Input {
        email: String,
        address: Option<Address>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Address {
        zip: u32,
    }

    fn post(body: &str) -> Request {
        Request::new("post", "/x").with_body(body)
    }

    #[test]
    fn query_is_decoded() {
        let request = Request::new("GET", "/contacts?search=ann+lee&email=a%40b.c&flag");
        assert_eq!(request.method(), "GET");
        assert_eq!(request.path(), "/contacts");
        assert_eq!(request.query("search"), Some("ann lee"));
        assert_eq!(request.query("email"), Some("a@b.c"));
        assert_eq!(request.query("flag"), Some(""));
        assert_eq!(request.query("nope"), None);
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }

    #[test]
    fn json_errors_are_400_or_422_naming_the_field() {
        let bad = post("{not json").json::<Input>().unwrap_err();
        assert_eq!((bad.status(), bad.code()), (400, "bad_request"));
        assert_eq!(post("").json::<Input>().unwrap_err().status(), 400);

        let cases = [
            (json!({}), "email"),
            (json!({"email": 5}), "email"),
            (json!({"email": "a", "nope": 1}), "nope"),
            (
                json!({"email": "a", "address": {"zip": "x"}}),
                "address.zip",
            ),
            (json!({"email": "a", "address": {}}), "address.zip"),
            (json!([]), "."),
        ];
        for (body, field) in cases {
            let error = post(&body.to_string()).json::<Input>().unwrap_err();
            assert_eq!(error.status(), 422, "{body}");
            assert_eq!(error.field(), Some(field), "{body}: {}", error.message());
        }
        assert_eq!(post(r#"{"email":"a"}"#).json::<Input>().unwrap().email, "a");
    }

    #[test]
    fn responses_carry_content_types() {
        let response = Response::created(&json!({"id": 1}));
        assert_eq!(response.status(), 201);
        assert_eq!(response.header("Content-Type"), Some("application/json"));
        assert_eq!(
            response.body_json::<serde_json::Value>().unwrap(),
            json!({"id": 1})
        );
        let csv = Response::csv("a,b\n").with_header("Content-Disposition", "attachment");
        assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
        assert_eq!(csv.header("content-disposition"), Some("attachment"));
        assert!(Response::no_content().body().is_empty());
        let error = Response::from(Error::validation("email", "bad"));
        assert_eq!(error.status(), 422);
    }
}
