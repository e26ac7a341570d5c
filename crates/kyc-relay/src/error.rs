//! One error type for every relay endpoint, mapped to one JSON shape ([`kyc_core::wire::ErrorBody`]).

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use kyc_core::wire::{ErrorBody, ErrorDetail};
use serde::de::DeserializeOwned;

use crate::provider::ProviderError;

mod json;

pub(crate) use json::{from_part, from_value, parse, MAX_JSON_BYTES};

/// Everything that can go wrong answering a request.
#[derive(Debug)]
pub enum ApiError {
    /// Missing, malformed, tampered or expired credentials (401).
    Unauthorized(&'static str),
    /// Authenticated, but not allowed to touch this resource (403).
    Forbidden(&'static str),
    /// No such resource (404).
    NotFound(&'static str),
    /// The request itself is malformed (400).
    BadRequest(String),
    /// The uploaded file failed the content checks (422): each problem's code in `problems`,
    /// its specifics (sizes, edges, the declared type) in the message.
    InvalidFile(Vec<kyc_core::FileProblem>),
    /// The submission breaks the provider's rules (422): each violation's code in `problems`,
    /// its specifics (the documents accepted, the file missing) in the message.
    InvalidSubmission(Vec<kyc_core::Violation>),
    /// The provider serves no business customers (422, the refusal's own code:
    /// `business_individuals_only` at B, `business_separate_onboarding` at D), with the
    /// sentence naming why and what to do.
    BusinessRefused(kyc_core::BusinessRefusal),
    /// A business submission with gaps (422 `invalid_submission`), each gap's code in
    /// `problems` and its description in the message.
    IncompleteBusiness(Vec<kyc_core::BusinessGap>),
    /// The session names the provider's terms of service and the submission does not say the
    /// user accepted them (422 `terms_not_accepted`).
    TermsNotAccepted,
    /// The request conflicts with the session's state (409), e.g. already submitted.
    Conflict {
        /// The error code, e.g. `already_submitted`.
        code: &'static str,
        /// What conflicts, for the developer.
        message: String,
    },
    /// What the request names existed and is over (410), e.g. a used or expired handoff code.
    Gone {
        /// The error code, e.g. `handoff_used`.
        code: &'static str,
        /// What is over and what to do, for the user.
        message: String,
    },
    /// The body is larger than the configured limit (413).
    TooLarge(u64),
    /// Too many requests (429 `rate_limited`): which limit and when to try again, in the
    /// message and in `Retry-After`.
    RateLimited {
        /// Which limit was reached and when it lets a request through again.
        message: String,
        /// Seconds until it does (`Retry-After`).
        retry_after: u64,
    },
    /// The path exists but not with this method (405 `method_not_allowed`); the methods it
    /// has (the `Allow` header's value).
    MethodNotAllowed(String),
    /// The session's status is final, so its token no longer opens it (401 `token_revoked`);
    /// the status read still answers.
    Revoked,
    /// A newer session of the same customer took this never-submitted one over (401
    /// `session_superseded`): its token opens nothing; the host hands over the new one.
    Superseded,
    /// The provider refused or failed (502, or the status and code of a provider answer the
    /// relay knows: see [`ProviderError::answer`]).
    Provider(ProviderError),
    /// A failure of the relay itself (500); details are logged, not sent.
    Internal(String),
    /// A server-side limit, with its status and code: a body that stopped arriving (408
    /// `body_timeout`), too many uploads at once for one session (429 `too_many_uploads`) or
    /// for the relay, or no room on the spool's disk for the file (503 `relay_busy`).
    Limited {
        /// The HTTP status.
        status: StatusCode,
        /// The error code.
        code: &'static str,
        /// What to do, for the developer.
        message: String,
    },
}

impl ApiError {
    /// 503 `relay_busy`: the relay cannot take this upload now (`why`); the widget retries.
    pub(crate) fn busy(why: &str) -> ApiError {
        ApiError::Limited {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: "relay_busy",
            message: format!("{why}; retry in a few seconds"),
        }
    }

    /// The `Retry-After` seconds of a 429: the wait a rate limit states; for an upload
    /// refused while the session's others run, a second (the wait is when one ends).
    fn retry_after(&self) -> Option<u64> {
        match self {
            ApiError::RateLimited { retry_after, .. } => Some((*retry_after).max(1)),
            ApiError::Limited { status, .. } if *status == StatusCode::TOO_MANY_REQUESTS => Some(1),
            _ => None,
        }
    }

    fn parts(&self) -> (StatusCode, &str, String, Vec<String>) {
        match self {
            ApiError::Unauthorized(why) => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                (*why).to_owned(),
                vec![],
            ),
            ApiError::Forbidden(why) => (
                StatusCode::FORBIDDEN,
                "forbidden",
                (*why).to_owned(),
                vec![],
            ),
            ApiError::NotFound(what) => (
                StatusCode::NOT_FOUND,
                "not_found",
                (*what).to_owned(),
                vec![],
            ),
            ApiError::BadRequest(why) => {
                (StatusCode::BAD_REQUEST, "bad_request", why.clone(), vec![])
            }
            ApiError::InvalidFile(problems) => {
                let (message, codes) = listed("the file was refused", problems, |problem| {
                    (problem.describe(), problem.code())
                });
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_file",
                    message,
                    codes,
                )
            }
            ApiError::InvalidSubmission(violations) => {
                let lead = "the submission breaks the provider's rules";
                let (message, codes) = listed(lead, violations, |violation| {
                    (violation.describe(), violation.code())
                });
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_submission",
                    message,
                    codes,
                )
            }
            ApiError::BusinessRefused(refusal) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                refusal.code(),
                refusal.describe().to_owned(),
                vec![],
            ),
            ApiError::IncompleteBusiness(gaps) => {
                let (message, codes) = listed("the business is not complete", gaps, |gap| {
                    (gap.describe(), gap.code())
                });
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_submission",
                    message,
                    codes,
                )
            }
            ApiError::TermsNotAccepted => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "terms_not_accepted",
                "the user must accept the provider's terms of service (the session's \
                 terms_of_service_url) before the documents are submitted: send \
                 \"terms_accepted\": true once they have"
                    .to_owned(),
                vec![],
            ),
            ApiError::Conflict { code, message } => {
                (StatusCode::CONFLICT, code, message.clone(), vec![])
            }
            ApiError::Gone { code, message } => (StatusCode::GONE, code, message.clone(), vec![]),
            ApiError::TooLarge(limit) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("the body is larger than {limit} bytes"),
                vec![],
            ),
            ApiError::RateLimited { message, .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                message.clone(),
                vec![],
            ),
            ApiError::MethodNotAllowed(allowed) => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                if allowed.is_empty() {
                    "this path does not take this method".to_owned()
                } else {
                    format!("this path does not take this method; it takes {allowed}")
                },
                vec![],
            ),
            ApiError::Revoked => (
                StatusCode::UNAUTHORIZED,
                "token_revoked",
                "the session is finished; its token only reads the status now".to_owned(),
                vec![],
            ),
            ApiError::Superseded => (
                StatusCode::UNAUTHORIZED,
                "session_superseded",
                "a newer session was opened for this customer: this session's token no longer \
                 works; continue with the new session's token"
                    .to_owned(),
                vec![],
            ),
            // A provider answer the relay knows (a business refused, a customer in the wrong
            // state, B's "a second concurrent attach returns 409") gets its own status and
            // code; anything else the provider refused or failed is a bad gateway. `problems`
            // carries the provider's code. The widget gets a code and a sentence, never the
            // provider's text (URLs, hosts, ids); the redacted details are logged.
            ApiError::Provider(err) => {
                let answer = err.answer();
                (
                    StatusCode::from_u16(answer.status).unwrap_or(StatusCode::BAD_GATEWAY),
                    answer.code,
                    answer.sentence.to_owned(),
                    err.code().into_iter().collect(),
                )
            }
            ApiError::Limited {
                status,
                code,
                message,
            } => (*status, code, message.clone(), vec![]),
            ApiError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "the relay failed; the error is logged".to_owned(),
                vec![],
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(detail) = &self {
            tracing::error!(%detail, "internal error");
        }
        if let ApiError::Provider(err) = &self {
            tracing::warn!(error = ?err.to_string(), "provider error");
        }
        let (status, code, message, problems) = self.parts();
        let retry_after = self.retry_after();
        // Every refusal is logged: credentials, origin, size and rate refusals as warnings. The
        // message may quote the caller (a JSON error names the field and value): logged
        // escaped (`?`), so a newline in a request cannot forge a log line.
        match status {
            StatusCode::UNAUTHORIZED
            | StatusCode::FORBIDDEN
            | StatusCode::PAYLOAD_TOO_LARGE
            | StatusCode::TOO_MANY_REQUESTS => {
                tracing::warn!(status = status.as_u16(), code, ?message, "request refused")
            }
            status if status != StatusCode::INTERNAL_SERVER_ERROR => {
                tracing::info!(status = status.as_u16(), code, ?message, "request refused")
            }
            _ => {}
        }
        let body = ErrorBody {
            error: ErrorDetail {
                code: code.to_owned(),
                message,
                problems,
            },
        };
        let mut response = (status, Json(body)).into_response();
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// A JSON body whose rejection (malformed JSON, wrong fields, missing `Content-Type`) is answered
/// in the relay's one error shape (400 `bad_request`, saying what is wrong where; 413
/// `too_large` past [`MAX_JSON_BYTES`]) instead of axum's plain-text rejection.
pub(crate) struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        json::check_content_type(request.headers())?;
        let bytes = json::read_body(request, state).await?;
        json::parse(&bytes).map(ApiJson)
    }
}

/// A body read whole, of any type (an optional JSON body, one that must be empty): 413
/// `too_large` past [`MAX_JSON_BYTES`] in the one error shape.
pub(crate) struct ApiBytes(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for ApiBytes {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        json::read_body(request, state).await.map(ApiBytes)
    }
}

/// A path parameter whose rejection (e.g. percent-encoded bytes that are not UTF-8) is answered
/// in the relay's one error shape (400 `bad_request`) instead of axum's plain-text rejection.
pub(crate) struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(ApiPath(value)),
            Err(rejection) => Err(ApiError::BadRequest(rejection.body_text())),
        }
    }
}

impl From<ProviderError> for ApiError {
    fn from(err: ProviderError) -> Self {
        ApiError::Provider(err)
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(err: crate::store::StoreError) -> Self {
        ApiError::Internal(format!("database: {err}"))
    }
}

/// `lead`, then each item's description (`; ` between them), and each item's code, for the
/// answers that list what is wrong: a file's problems, a submission's violations, a business's
/// gaps.
fn listed<T>(
    lead: &str,
    items: &[T],
    describe: impl Fn(&T) -> (String, &'static str),
) -> (String, Vec<String>) {
    let (descriptions, codes): (Vec<String>, Vec<String>) = items
        .iter()
        .map(|item| {
            let (description, code) = describe(item);
            (description, code.to_owned())
        })
        .unzip();
    (format!("{lead}: {}", descriptions.join("; ")), codes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_429_says_when_to_retry() {
        let limited = ApiError::Limited {
            status: StatusCode::TOO_MANY_REQUESTS,
            code: "too_many_uploads",
            message: "this session has 2 uploads running".to_owned(),
        };
        let rated = crate::limits::per_minute_refusal("ses_1", 3, 630);
        for (err, secs) in [(limited, "1"), (rated, "30")] {
            let response = err.into_response();
            assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
            assert_eq!(response.headers()[header::RETRY_AFTER], secs);
        }
        let busy = ApiError::busy("the relay is full").into_response();
        assert!(!busy.headers().contains_key(header::RETRY_AFTER));
    }
}
