//! What the provider clients share: reading an answer, a provider's error body, retrying
//! transient failures, and storing a file through a presigned URL.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use bytes::Bytes;
use reqwest::{Client, Method, RequestBuilder, StatusCode};
use serde::Deserialize;

use super::error::ProviderError;
use super::redact;
use super::storage::StorageHosts;
use crate::spool::Spool;

/// How many times a transient failure (5xx, timeout) is tried in all.
pub(crate) const ATTEMPTS: u32 = 3;

/// The wait before the first retry of a transient failure; each further retry waits twice as
/// long.
pub(crate) const BACKOFF: Duration = Duration::from_millis(200);

/// An HTTP client whose requests give up after `timeout`.
pub(crate) fn client(timeout: Duration) -> Client {
    Client::builder()
        .timeout(timeout)
        .build()
        .expect("a TLS backend is compiled in")
}

/// How long one operation (e.g. storing a file: URL requests and PUTs, retries included) may
/// take in all, in timeouts of one call: one budget, not one per nested retry loop.
pub(crate) const OPERATION_TIMEOUTS: u32 = ATTEMPTS;

/// A provider API called with one Bearer key (B, C, D).
#[derive(Clone, Debug)]
pub(crate) struct BearerApi {
    pub(crate) http: Client,
    /// The timeout of one call.
    pub(crate) timeout: Duration,
    base_url: String,
    api_key: String,
}

impl BearerApi {
    /// The API at `base_url`, authenticated with `api_key`.
    pub(crate) fn new(base_url: &str, api_key: &str, timeout: Duration) -> BearerApi {
        BearerApi {
            http: client(timeout),
            timeout,
            base_url: base_url.trim_end_matches('/').to_owned(),
            api_key: api_key.to_owned(),
        }
    }

    /// A request to `path` under the base URL, with the key.
    pub(crate) fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base_url))
            .bearer_auth(&self.api_key)
    }
}

/// The largest provider answer read (1 MiB; the providers' answers are a few hundred bytes):
/// a larger one is refused rather than buffered.
pub(crate) const MAX_ANSWER_BYTES: usize = 1024 * 1024;

/// The body of a successful answer, or the error it carries; read up to [`MAX_ANSWER_BYTES`].
pub(crate) async fn answer(
    result: reqwest::Result<reqwest::Response>,
) -> Result<Bytes, ProviderError> {
    let mut response = result.map_err(ProviderError::transport)?;
    let status = response.status();
    let too_large = || {
        ProviderError::Untrusted(format!(
            "the provider's answer is larger than {MAX_ANSWER_BYTES} bytes"
        ))
    };
    if response
        .content_length()
        .is_some_and(|length| length > MAX_ANSWER_BYTES as u64)
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(ProviderError::transport)? {
        if body.len() + chunk.len() > MAX_ANSWER_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    if status.is_success() {
        return Ok(Bytes::from(body));
    }
    Err(refusal(status, &body))
}

/// `id` (a provider's id, as the provider gave it) as one URL path segment: every byte but
/// letters, digits and `-._~` percent-encoded, so an id cannot reach another path or a query.
pub(crate) fn segment(id: &str) -> String {
    let mut encoded = String::with_capacity(id.len());
    for byte in id.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    // `.` and `..` alone are path steps, not names.
    match encoded.as_str() {
        "." => "%2E".to_owned(),
        ".." => "%2E%2E".to_owned(),
        _ => encoded,
    }
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
    // The message is logged and audited: no query string or signature from it.
    ProviderError::Refused {
        status: status.as_u16(),
        code,
        message: redact::text(&message),
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

/// Where a presigned upload goes, as the provider gave it.
pub(crate) struct UploadTarget {
    /// The provider's id of the file, once stored.
    pub(crate) file_id: String,
    /// The presigned URL.
    pub(crate) url: String,
    /// Headers the PUT must carry verbatim (they are part of the signature).
    pub(crate) headers: BTreeMap<String, String>,
}

/// Stores `file` through a presigned URL and returns the provider's file id: asks `target` for
/// a URL, then PUTs the file there with the target's headers. A 403 from storage means the URL
/// expired (A, D: request a fresh one), so a new one is asked for at once; a transient failure
/// of either call is tried again with doubling backoff from `backoff`. A URL that `storage`
/// does not trust is refused before anything is sent.
///
/// One budget for the whole operation: [`ATTEMPTS`] tries in all (a try is a URL request and
/// its PUT; `target` must not retry on its own), and `deadline` for everything. Nested loops
/// multiplied before: 3 URL requests for each of 3 PUTs, each call up to its timeout.
pub(crate) async fn presigned_put<F, Fut>(
    http: &Client,
    storage: &StorageHosts,
    backoff: Duration,
    deadline: Duration,
    file: &Spool,
    customer_id: &str,
    target: F,
) -> Result<String, ProviderError>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<UploadTarget, ProviderError>>,
{
    let call = deadline / OPERATION_TIMEOUTS;
    let tries = async {
        let mut attempt = 0;
        let mut delay = backoff;
        loop {
            attempt += 1;
            // Only the PUT's 403 means the URL expired (D: "Treat a 403 on the upload PUT as
            // 'URL expired'"); a 403 asking for the URL (A's `insufficient_scope`) is final.
            let mut put_refused = false;
            let result = match target().await {
                Ok(target) => {
                    storage.check(&target.url)?;
                    for name in target.headers.keys() {
                        super::storage::check_header(name)?;
                    }
                    // The PUT may start while the file is still arriving: its timeout counts
                    // from when the file is complete, not from its start.
                    let mut put = http
                        .put(&target.url)
                        .timeout(UNBOUNDED)
                        .header(reqwest::header::CONTENT_LENGTH, file.len())
                        .body(file.body());
                    for (name, value) in &target.headers {
                        put = put.header(name, value);
                    }
                    let sent = async { answer(put.send().await).await };
                    put_refused = true;
                    after_sealed(file, call, sent).await.map(|_| target.file_id)
                }
                Err(err) => Err(err),
            };
            match result {
                Ok(file_id) => return Ok(file_id),
                Err(ProviderError::Refused { status: 403, .. })
                    if put_refused && attempt < ATTEMPTS =>
                {
                    tracing::warn!(
                        customer_id,
                        "upload URL refused (expired); requesting a fresh one"
                    );
                }
                Err(err) if err.is_transient() && attempt < ATTEMPTS => {
                    tracing::warn!(%err, customer_id, attempt, "upload failed; retrying");
                    tokio::time::sleep(delay).await;
                    delay *= 2;
                }
                Err(err) => return Err(err),
            }
        }
    };
    // One budget for the whole operation, counted from when the file is complete (before,
    // the client's pace sets how long it takes, bounded by the relay's body timeout).
    after_sealed(file, deadline, tries).await
}

/// A PUT's own timeout, replaced by [`after_sealed`]'s (reqwest has no "none" per request).
pub(crate) const UNBOUNDED: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// `work`'s result, or a timeout once `limit` passed after `file` was sealed.
pub(crate) async fn after_sealed<T>(
    file: &Spool,
    limit: Duration,
    work: impl Future<Output = Result<T, ProviderError>>,
) -> Result<T, ProviderError> {
    let clock = async {
        file.sealed().await;
        tokio::time::sleep(limit).await;
    };
    tokio::select! {
        result = work => result,
        () = clock => Err(ProviderError::Unavailable(format!(
            "the upload did not finish within {} s",
            limit.as_secs_f32()
        ))),
    }
}
