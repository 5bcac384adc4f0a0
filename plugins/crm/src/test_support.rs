//! Helpers of the unit tests: calls to the CRM on a `TestHost`, and its users.

use eoex_sdk::testing::{self, TestHost};
use eoex_sdk::users::User;
use serde_json::{Value, json};

use crate::Crm;

/// The tenant's owner, who makes the calls.
pub const OWNER: &str = testing::USER_ID;
/// Users added by tests that need them.
pub const COLLEAGUE: &str = "00000000-0000-4000-8000-0000000000c1";
pub const INACTIVE: &str = "00000000-0000-4000-8000-0000000000c2";
/// A user id the tenant does not have (another tenant's user, to the host).
pub const STRANGER: &str = "00000000-0000-4000-8000-0000000000ff";

pub fn add_user(host: &TestHost, user_id: &str, is_active: bool) {
    host.add_user(User {
        user_id: user_id.into(),
        email: format!("{user_id}@example.com"),
        first_name: None,
        last_name: None,
        role: "user".into(),
        is_active,
    });
}

pub fn contact(first: &str, last: &str, email: &str) -> Value {
    json!({"first_name": first, "last_name": last, "email": email})
}

/// The status and JSON body (null when empty) of a call.
pub fn call(host: &TestHost, method: &str, target: &str, body: Option<Value>) -> (u16, Value) {
    let response = host.call::<Crm>(method, target, body);
    let body = if response.body().is_empty() {
        Value::Null
    } else {
        response.body_json().unwrap_or(Value::Null)
    };
    (response.status(), body)
}

pub fn create(host: &TestHost, path: &str, body: Value) -> Value {
    let (status, created) = call(host, "POST", path, Some(body));
    assert_eq!(status, 201, "{created}");
    created
}

pub fn create_contact(host: &TestHost, body: Value) -> Value {
    create(host, "/contacts", body)
}

/// The status and the error's field of a response.
pub fn field_error(response: (u16, Value)) -> (u16, String) {
    let (status, body) = response;
    let field = body["error"]["field"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    (status, field)
}

fn column<'b>(body: &'b Value, name: &str) -> Vec<&'b str> {
    body["items"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|item| item[name].as_str().unwrap_or_default())
        .collect()
}

pub fn last_names(body: &Value) -> Vec<&str> {
    column(body, "last_name")
}

pub fn first_names(body: &Value) -> Vec<&str> {
    column(body, "first_name")
}

pub fn names(body: &Value) -> Vec<&str> {
    column(body, "name")
}

pub fn id_of<'v>(record: &'v Value, field: &str) -> &'v str {
    record[field].as_str().expect("an id")
}
