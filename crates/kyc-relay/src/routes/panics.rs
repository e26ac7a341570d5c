//! A panic while answering one request (a bug) ends that request with a 500 in the one JSON
//! error shape, logged; the connection, the other requests and the process go on.

use std::any::Any;

use axum::response::{IntoResponse, Response};
use tower_http::catch_panic::CatchPanicLayer;

use crate::error::ApiError;

/// What answers a panicking request.
type Answer = fn(Box<dyn Any + Send + 'static>) -> Response;

/// The layer that turns a request's panic into its answer.
pub(super) fn layer() -> CatchPanicLayer<Answer> {
    CatchPanicLayer::custom(answer as Answer)
}

fn answer(panic: Box<dyn Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    ApiError::Internal(format!("panic: {message}")).into_response()
}
