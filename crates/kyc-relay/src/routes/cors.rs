//! Which browser origins may call the relay: the CORS grant for the configured origins, and a
//! 403 (logged) for another origin's preflight.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::Request;
use axum::http::{header, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::error::ApiError;

/// The longest origin or path quoted in a log line; a hostile header cannot make it long.
const MAX_LOGGED: usize = 256;

/// The CORS grant of the widget endpoints to `origins`.
pub(super) fn layer(origins: &[String]) -> CorsLayer {
    let origins: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|origin| origin.parse().ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::HeaderName::from_static("idempotency-key"),
        ])
        .max_age(Duration::from_secs(600))
}

/// `router`, refusing the preflights of origins not in `allowed` before anything else sees them.
pub(super) fn refuse_foreign_preflights(router: Router, allowed: &[String]) -> Router {
    let allowed = Arc::new(allowed.to_vec());
    router.layer(axum::middleware::from_fn(
        move |request: Request, next: Next| {
            let allowed = allowed.clone();
            async move { refuse_foreign_preflight(&allowed, request, next).await }
        },
    ))
}

/// A CORS preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) from an origin
/// not in `allowed` is refused here with 403 and logged with its origin and path; any other
/// request goes on (to the CORS layer, which grants the allowed origins). Browsers preflight
/// only cross-origin calls, so the relay's own pages are never refused.
async fn refuse_foreign_preflight(allowed: &[String], request: Request, next: Next) -> Response {
    let headers = request.headers();
    let preflight = request.method() == Method::OPTIONS
        && headers.contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    if let Some(origin) = headers.get(header::ORIGIN).filter(|_| preflight) {
        let granted = origin
            .to_str()
            .is_ok_and(|origin| allowed.iter().any(|allowed| allowed == origin));
        if !granted {
            let origin = String::from_utf8_lossy(origin.as_bytes());
            let path = request.uri().path();
            tracing::warn!(
                origin = ?kyc_core::truncate(&origin, MAX_LOGGED),
                path = ?kyc_core::truncate(path, MAX_LOGGED),
                "CORS preflight refused: origin not allowed"
            );
            return ApiError::Forbidden("this origin is not allowed to call the relay")
                .into_response();
        }
    }
    next.run(request).await
}
