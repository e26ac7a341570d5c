//! The sandbox's errors: [`ApiError`], the shape every endpoint answers with
//! (`{"error":{"code":"...","message":"..."}}`), and [`SandboxError`], why the sandbox could not
//! start.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;
use serde_json::json;

/// An API error: an HTTP status, a stable machine code and a message for developers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// Stable machine code, e.g. `customer_not_found`.
    pub code: String,
    /// English explanation for developers.
    pub message: String,
}

impl ApiError {
    /// An error with any status.
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code: code.to_owned(),
            message: message.into(),
        }
    }

    /// 400 Bad Request.
    pub fn bad_request(code: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 401 Unauthorized.
    pub fn unauthorized(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    /// 403 Forbidden.
    pub fn forbidden(code: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, code, message)
    }

    /// 404 Not Found.
    pub fn not_found(code: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, code, message)
    }

    /// 409 Conflict.
    pub fn conflict(code: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, code, message)
    }

    /// 422 Unprocessable Entity.
    pub fn unprocessable(code: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    /// 502 Bad Gateway: the storage server did not answer as expected.
    pub fn storage(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_GATEWAY, "storage_unavailable", message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({"error": {"code": self.code, "message": self.message}});
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// `Json<T>` whose rejections use the sandbox error shape (`invalid_request`) instead of
/// axum's plain-text bodies.
pub struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(JsonBody(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    ApiError::new(rejection.status(), "invalid_request", rejection.body_text())
}

/// The fallback of unknown paths.
pub async fn not_found_fallback() -> ApiError {
    ApiError::not_found("not_found", "no such endpoint in the sandbox")
}

/// Why the sandbox could not start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SandboxError {
    /// `s3s-fs` is not installed; the message says how to install it.
    StorageBinaryMissing(String),
    /// `s3s-fs` did not start or answer.
    StorageStart(String),
    /// The API listener could not bind.
    Bind(String),
    /// Another I/O failure.
    Io(String),
}

impl std::fmt::Display for SandboxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SandboxError::StorageBinaryMissing(m) => write!(f, "{m}"),
            SandboxError::StorageStart(m) => write!(f, "storage server failed: {m}"),
            SandboxError::Bind(m) => write!(f, "cannot listen: {m}"),
            SandboxError::Io(m) => write!(f, "I/O error: {m}"),
        }
    }
}

impl std::error::Error for SandboxError {}
