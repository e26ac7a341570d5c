//! The relay's HTTP face: one thin module per caller, each parsing a request, calling a service
//! module and shaping its answer.
//!
//! - `host`: the host's backend (`POST /v1/sessions`) and the demo (`POST /demo/session`);
//! - `host_data`: the host's reads and erasures (`GET /v1/sessions/{id}`,
//!   `DELETE /v1/customers/{customer_reference}`);
//! - `widget`: the widget's session endpoints (`/v1/session`, slots, submit, status);
//! - `business`: a business session's company, owners and their files (KYB);
//! - `events`: the widget's status stream (`GET /v1/session/events`);
//! - `handoff`: continuing a session on another device (`/v1/session/handoff`,
//!   `POST /v1/handoff/exchange`);
//! - `webhook`: the providers' status events (`POST /webhooks/{provider}`);
//! - `sandbox_clock`: moving the clock forward, in sandbox mode only;
//! - `health`: liveness and readiness for load balancers (`/healthz`, `/readyz`);
//! - `cors`: which browser origins may call;
//! - and, with `--static-dir`, the files in it ([`static_files`]).

mod business;
mod cors;
mod events;
mod handoff;
mod health;
mod host;
mod host_data;
mod panics;
mod sandbox_clock;
mod webhook;
mod widget;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower::ServiceExt;
use tower_http::services::ServeDir;

use crate::error::{ApiError, MAX_JSON_BYTES};
use crate::state::AppState;

/// The relay's routes, ready to serve or to mount in a host's own axum app.
pub fn app(state: AppState) -> Router {
    let config = state.config.clone();
    let mut router = Router::new()
        .merge(host::router())
        .merge(host_data::router())
        .merge(widget::router())
        .merge(business::router())
        .merge(events::router())
        .merge(webhook::router())
        .merge(handoff::router())
        .merge(health::router());
    // Never outside sandbox mode: production has no way to move its clock.
    if config.sandbox {
        router = router.merge(sandbox_clock::router());
    }
    let mut router = router
        .with_state(state)
        .layer(DefaultBodyLimit::max(MAX_JSON_BYTES));
    if !config.allowed_origins.is_empty() {
        router = router.layer(cors::layer(&config.allowed_origins));
    }
    if let Some(dir) = &config.static_dir {
        let files = static_files(dir);
        // The files are at /, but an unknown API path is still answered in the error shape.
        router = router.fallback(|request: Request| async move {
            if is_api_path(request.uri().path()) {
                return no_such_endpoint().into_response();
            }
            let Ok(response) = files.oneshot(request).await;
            response
        });
    } else {
        router = router.fallback(|| async { no_such_endpoint() });
    }
    let router = router.layer(panics::layer());
    // Around the whole router, not its routes (as `Router::layer` puts it): axum sets a 405's
    // `Allow` header as the answer leaves the route, after a route's layers.
    let router = Router::new()
        .fallback_service(router)
        .layer(axum::middleware::map_response(method_not_allowed));
    // Outermost, so it sees every preflight first, the static files' included.
    cors::refuse_foreign_preflights(router, &config.allowed_origins)
}

/// Paths of the relay's own endpoints, never of the static files.
fn is_api_path(path: &str) -> bool {
    ["/v1", "/webhooks", "/demo"].iter().any(|prefix| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

fn no_such_endpoint() -> ApiError {
    ApiError::NotFound("no such endpoint: check the path (docs/openapi.yaml lists them)")
}

/// axum's 405 (a path that exists, a method it does not take) has an empty body: the error
/// shape instead, naming the methods from the `Allow` header. Its headers are kept (`Allow`,
/// and CORS's, so a browser lets the page read the answer).
async fn method_not_allowed(response: Response) -> Response {
    let is_axums = response.status() == StatusCode::METHOD_NOT_ALLOWED
        && !response.headers().contains_key(header::CONTENT_TYPE);
    if !is_axums {
        return response;
    }
    let methods = response
        .headers()
        .get(header::ALLOW)
        .and_then(|value| value.to_str().ok())
        .map(|value| {
            let methods: Vec<&str> = value.split(',').map(str::trim).collect();
            methods.join(", ")
        })
        .unwrap_or_default();
    let mut answer = ApiError::MethodNotAllowed(methods).into_response();
    let headers = response.headers();
    for name in headers.keys() {
        if !answer.headers().contains_key(name) && name != header::CONTENT_LENGTH {
            for value in headers.get_all(name) {
                answer.headers_mut().append(name, value.clone());
            }
        }
    }
    answer
}

/// The files under `dir` (the widget's package, the demo page), each sent as its precompressed
/// sibling `NAME.br` or `NAME.gz` where one exists and the browser accepts it (`cargo xtask
/// dist` writes them: brotli quality 11, gzip level 9, the sizes BENCHMARKS.md measures), else
/// as it is. `Vary: Accept-Encoding` on every answer, so a cache in front keeps the forms apart.
fn static_files(dir: &std::path::Path) -> axum::routing::MethodRouter {
    let files = ServeDir::new(dir).precompressed_br().precompressed_gzip();
    axum::routing::get_service(files).layer(axum::middleware::map_response(
        |mut response: axum::response::Response| async move {
            response.headers_mut().append(
                axum::http::header::VARY,
                axum::http::HeaderValue::from_static("accept-encoding"),
            );
            response
        },
    ))
}
