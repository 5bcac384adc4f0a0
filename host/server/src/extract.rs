//! Extractors whose rejections use the API's error format: malformed JSON → 400 with
//! the parser's message, wrong shape → 422 naming the field, wrong content type → 415,
//! too large → 413.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use eoex_store::audit::Origin;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// `axum::Json` with [`ApiError`] rejections.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Json(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    let text = rejection.body_text();
    match rejection {
        JsonRejection::JsonDataError(_) => deserialize_error(&text),
        JsonRejection::JsonSyntaxError(_) => ApiError::bad_request("invalid_json", text),
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "expected a request body with Content-Type: application/json",
        ),
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "request body is too large",
        ),
        _ => ApiError::bad_request("invalid_body", text),
    }
}

/// Turns serde's "missing field `x`" / "x: invalid type…" into a 422 naming `x`.
fn deserialize_error(text: &str) -> ApiError {
    let detail = text.split_once("target type: ").map_or(text, |(_, d)| d);
    let detail = detail
        .split_once("query string: ")
        .map_or(detail, |(_, d)| d);
    if let Some(rest) = detail.split_once("missing field `").map(|(_, r)| r)
        && let Some((field, _)) = rest.split_once('`')
    {
        return ApiError::validation(field, "is required");
    }
    if let Some((path, message)) = detail.split_once(": ")
        && !path.contains(' ')
        && path != "."
    {
        return ApiError::validation(path, message);
    }
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_error",
        detail.to_owned(),
    )
}

/// The raw request body, with the body limit answered as a JSON 413.
#[derive(Debug, Clone, Default)]
pub struct RawBody(pub axum::body::Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::body::Bytes::from_request(req, state).await {
            Ok(bytes) => Ok(RawBody(bytes)),
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    "request body is too large",
                ))
            }
            Err(rejection) => Err(ApiError::bad_request("invalid_body", rejection.body_text())),
        }
    }
}

/// `axum::extract::Query` with [`ApiError`] rejections (422 naming the parameter).
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Query(value)),
            Err(rejection @ QueryRejection::FailedToDeserializeQueryString(_)) => {
                Err(deserialize_error(&rejection.body_text()))
            }
            Err(rejection) => Err(ApiError::bad_request(
                "invalid_query",
                rejection.body_text(),
            )),
        }
    }
}

/// `axum::extract::Path` with [`ApiError`] rejections (400 naming the bad segment).
#[derive(Debug, Clone, Copy)]
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Path(value)),
            Err(rejection @ PathRejection::FailedToDeserializePathParams(_)) => {
                Err(ApiError::bad_request("invalid_path", rejection.body_text()))
            }
            Err(rejection) => Err(ApiError::internal(rejection.body_text())),
        }
    }
}

/// The client's address and user agent, for audit rows and rate limits.
#[derive(Debug, Clone, Default)]
pub struct Client {
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
}

impl Client {
    pub fn from_parts(parts: &Parts) -> Client {
        let ip_address = parts
            .extensions
            .get::<ConnectInfo<std::net::SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip().to_string());
        let user_agent = parts
            .headers
            .get(axum::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(512).collect());
        Client {
            ip_address,
            user_agent,
        }
    }

    /// An audit origin for an anonymous request (sign-up, login).
    pub fn origin(&self) -> Origin {
        Origin {
            ip_address: self.ip_address.clone(),
            user_agent: self.user_agent.clone(),
            ..Origin::default()
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Client::from_parts(parts))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_missing_field() {
        let err = deserialize_error(
            "Failed to deserialize the JSON body into the target type: missing field `email` at line 1 column 2",
        );
        assert_eq!(err.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(format!("{err:?}").contains("\"email\""));
    }

    #[test]
    fn names_the_mistyped_field() {
        let err = deserialize_error(
            "Failed to deserialize the JSON body into the target type: first_name: invalid type: integer `1`, expected a string at line 1 column 16",
        );
        assert!(format!("{err:?}").contains("Some(\"first_name\")"));
    }
}
