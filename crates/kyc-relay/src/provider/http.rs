//! What the provider clients share: reading an answer, a provider's error body, and retrying
//! transient failures.

use std::time::Duration;

use bytes::Bytes;
use reqwest::{RequestBuilder, StatusCode};
use serde::Deserialize;

use super::ProviderError;

/// How many times a transient failure (5xx, timeout) is tried in all.
pub(crate) const ATTEMPTS: u32 = 3;

/// The body of a successful answer, or the error it carries.
pub(crate) async fn answer(
    result: reqwest::Result<reqwest::Response>,
) -> Result<Bytes, ProviderError> {
    let response = result.map_err(|err| ProviderError::Unavailable(err.to_string()))?;
    let status = response.status();
    let body = response
        .bytes()
        .await
        .map_err(|err| ProviderError::Unavailable(err.to_string()))?;
    if status.is_success() {
        return Ok(body);
    }
    Err(refusal(status, &body))
}

/// A refusal from its status and body: `{"error": {"code", "message"}}` (B, C, D and A's API),
/// or OAuth's `{"error", "error_description"}` (A's token endpoint), or the body's start.
pub(crate) fn refusal(status: StatusCode, body: &[u8]) -> ProviderError {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Envelope {
        Api {
            error: Detail,
        },
        OAuth {
            error: String,
            #[serde(default)]
            error_description: Option<String>,
        },
    }
    #[derive(Deserialize)]
    struct Detail {
        code: Option<String>,
        message: Option<String>,
    }
    let (code, message) = match serde_json::from_slice::<Envelope>(body) {
        Ok(Envelope::Api { error }) => (error.code, error.message.unwrap_or_default()),
        Ok(Envelope::OAuth {
            error,
            error_description,
        }) => (Some(error), error_description.unwrap_or_default()),
        Err(_) => (
            None,
            String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned(),
        ),
    };
    ProviderError::Refused {
        status: status.as_u16(),
        code,
        message,
    }
}

/// Sends a request built by `build`, again on transient failures with doubling backoff from
/// `backoff`, and reads the JSON answer.
pub(crate) async fn send_json<T: serde::de::DeserializeOwned>(
    backoff: Duration,
    build: impl Fn() -> RequestBuilder,
) -> Result<T, ProviderError> {
    let body = send(backoff, build).await?;
    serde_json::from_slice(&body)
        .map_err(|err| ProviderError::Unavailable(format!("unreadable answer: {err}")))
}

/// Sends a request built by `build`, again on transient failures with doubling backoff.
pub(crate) async fn send(
    backoff: Duration,
    build: impl Fn() -> RequestBuilder,
) -> Result<Bytes, ProviderError> {
    let mut delay = backoff;
    let mut attempt = 1;
    loop {
        match answer(build().send().await).await {
            Err(err) if err.is_transient() && attempt < ATTEMPTS => {
                tracing::warn!(%err, attempt, "provider call failed; retrying");
                tokio::time::sleep(delay).await;
                delay *= 2;
                attempt += 1;
            }
            result => return result,
        }
    }
}

/// The JSON body of a one-shot request (not retried: e.g. an attach whose lost answer could
/// mean it went through).
pub(crate) async fn send_once_json<T: serde::de::DeserializeOwned>(
    request: RequestBuilder,
) -> Result<T, ProviderError> {
    let body = answer(request.send().await).await?;
    serde_json::from_slice(&body)
        .map_err(|err| ProviderError::Unavailable(format!("unreadable answer: {err}")))
}
