//! Bearer keys: reading them from a request and comparing them in constant time. B's and D's
//! routers sit behind [`require_api_key`]; A (OAuth tokens) and C (API or admin key) check their
//! own.

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use subtle::ConstantTimeEq;

use crate::error::ApiError;
use crate::state::SandboxState;

/// The bearer token of a request, if it has one.
pub(crate) fn bearer(request: &Request) -> Option<&str> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

/// Whether a presented secret equals the expected one, in a time that does not depend on where
/// they differ.
pub(crate) fn keys_match(presented: &str, expected: &str) -> bool {
    presented.as_bytes().ct_eq(expected.as_bytes()).into()
}

/// Middleware: 401 unless `Authorization: Bearer <api_key>`.
pub(crate) async fn require_api_key(
    State(state): State<SandboxState>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    match bearer(&request) {
        Some(token) if keys_match(token, &state.config().api_key) => Ok(next.run(request).await),
        Some(_) => Err(ApiError::unauthorized("the API key is not valid")),
        None => Err(ApiError::unauthorized(
            "missing `Authorization: Bearer <api key>` header",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_match_only_when_equal() {
        assert!(keys_match("abc", "abc"));
        assert!(!keys_match("abc", "abd"));
        assert!(!keys_match("abc", "ab"));
        assert!(!keys_match("", "abc"));
    }

    #[test]
    fn bearer_reads_the_token_of_any_case_scheme() {
        let request = |value: &str| {
            Request::builder()
                .header(header::AUTHORIZATION, value)
                .body(axum::body::Body::empty())
                .unwrap()
        };
        assert_eq!(bearer(&request("Bearer  tok ")), Some("tok"));
        assert_eq!(bearer(&request("bearer tok")), Some("tok"));
        assert_eq!(bearer(&request("Basic dXNlcjpwdw==")), None);
        assert_eq!(bearer(&request("Bearer")), None);
    }
}
