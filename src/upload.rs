//! Sending one file to the relay with progress (XMLHttpRequest upload events), retry with
//! backoff on network errors and 5xx answers, and cancel.
//!
//! Every upload carries an `Idempotency-Key` ([`idempotency_key`]): one per captured file, the
//! same on every retry of it, so an upload whose answer was lost (the connection dropped after
//! the relay stored the file) is answered again by the relay without a second file at the
//! provider.

use std::rc::Rc;
use std::time::Duration;

use kyc_core::{CompanyDocument, DocumentType, FileFormat, Slot};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::api::RelayClient;
use crate::transport::{done, send, Canceller, RelayError, Request, SendError};

/// Why an upload did not complete.
#[derive(Clone, Debug, PartialEq)]
pub enum UploadError {
    /// The relay refused it or could not be reached, after the retries.
    Relay(RelayError),
    /// The user cancelled it.
    Cancelled,
}

/// How often and how patiently a failed upload is tried again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries in all, the first included.
    pub attempts: u32,
    /// The wait before the first retry; each next wait doubles.
    pub first_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 4,
            first_delay: Duration::from_millis(800),
        }
    }
}

impl RetryPolicy {
    /// The wait before try number `attempt + 1` (`attempt` starts at 1).
    pub fn delay(&self, attempt: u32) -> Duration {
        self.first_delay
            .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)))
    }
}

/// Whether an error is worth another try: the network or the server, not the file. A 409
/// `upload_in_progress` is one too: the relay is still storing this very file from a try whose
/// answer was lost, and the next try gets its receipt.
pub fn is_transient(error: &RelayError) -> bool {
    match error {
        RelayError::Network(_) => true,
        RelayError::Refused { status, code, .. } => {
            *status >= 500 || *status == 429 || (*status == 409 && code == "upload_in_progress")
        }
        RelayError::Unreadable(_) => false,
    }
}

/// Further tries for a 409 `upload_in_progress`: the relay instance that took the first try
/// may have died with it, and another takes its claim over once it is gone (about 10 s);
/// three more doublings of the wait cover that.
fn in_progress(error: &RelayError) -> u32 {
    match error {
        RelayError::Refused { code, .. } if code == "upload_in_progress" => 3,
        _ => 0,
    }
}

thread_local! {
    /// The key of each captured file, by the identity of its bytes (a `WeakMap`: a key lives
    /// as long as the bytes, in memory only; nothing is written to browser storage).
    static KEYS: js_sys::WeakMap = js_sys::WeakMap::new();
}

/// The `Idempotency-Key` of sending `body` (a captured file's bytes) to `place`: made once per
/// captured file, so every retry of it (automatic, or the user's Try again) sends the same key,
/// and a new capture (new bytes) gets a new key. `<place>-<32 random hex digits>`.
pub fn idempotency_key(place: &Place, body: &js_sys::Uint8Array) -> String {
    let prefix = format!("{}-", place.code());
    KEYS.with(|keys| {
        let known = keys
            .get(body.as_ref())
            .as_string()
            .filter(|key| key.starts_with(&prefix));
        known.unwrap_or_else(|| {
            let key = format!("{prefix}{}", random_hex());
            keys.set(body.as_ref(), &JsValue::from_str(&key));
            key
        })
    })
}

/// 128 random bits in hex, from `crypto.getRandomValues` (in every browser, secure context or
/// not; `Math.random` only where there is no `crypto` at all).
fn random_hex() -> String {
    let bytes = js_sys::Uint8Array::new_with_length(16);
    let crypto = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("crypto")).ok();
    let filled = crypto.filter(JsValue::is_object).and_then(|crypto| {
        js_sys::Reflect::get(&crypto, &JsValue::from_str("getRandomValues"))
            .ok()?
            .dyn_into::<js_sys::Function>()
            .ok()?
            .call1(&crypto, &bytes)
            .ok()
    });
    if filled.is_none() {
        for i in 0..16 {
            bytes.set_index(i, (js_sys::Math::random() * 256.0) as u8);
        }
    }
    bytes.to_vec().iter().map(|b| format!("{b:02x}")).collect()
}

/// Where a file goes at the relay.
#[derive(Clone, Copy, Debug)]
pub enum Place<'a> {
    /// A slot of an individual's session.
    Slot(Slot),
    /// A document of a business session's company.
    Company(CompanyDocument),
    /// A side of a business owner's identity `document`.
    Owner {
        /// The relay's id of the owner.
        id: &'a str,
        /// The side.
        slot: Slot,
        /// The owner's document.
        document: DocumentType,
    },
}

impl Place<'_> {
    /// The relay's path for the file.
    fn path(&self) -> String {
        match self {
            Place::Slot(slot) => format!("/v1/session/slots/{}", slot.code()),
            Place::Company(document) => format!("/v1/session/company/slots/{}", document.code()),
            Place::Owner { id, slot, document } => format!(
                "/v1/session/owners/{id}/slots/{}?document_type={}",
                slot.code(),
                document.code()
            ),
        }
    }

    /// A short name of the place, which its idempotency keys start with.
    fn code(&self) -> String {
        match self {
            Place::Slot(slot) => slot.code().to_owned(),
            Place::Company(document) => document.code().to_owned(),
            Place::Owner { id, slot, .. } => format!("{id}-{}", slot.code()),
        }
    }
}

/// One file to send.
#[derive(Clone, Copy, Debug)]
pub struct Outgoing<'a> {
    /// Where it goes.
    pub place: Place<'a>,
    /// Its format (the `Content-Type`).
    pub format: FileFormat,
    /// Its bytes.
    pub body: &'a js_sys::Uint8Array,
}

/// Sends `file`, reporting progress (0..=100) and retrying transient failures. `on_retry` is
/// told before each new try.
pub async fn upload(
    client: &RelayClient,
    file: Outgoing<'_>,
    retry: RetryPolicy,
    canceller: &Canceller,
    on_progress: impl Fn(u32) + 'static,
    on_retry: impl Fn(u32),
) -> Result<(), UploadError> {
    let on_progress: Rc<dyn Fn(u32)> = Rc::new(on_progress);
    let mut attempt = 1;
    loop {
        if canceller.is_cancelled() {
            return Err(UploadError::Cancelled);
        }
        match send_once(client, file, canceller, on_progress.clone()).await {
            Ok(receipt) => return Ok(receipt),
            Err(UploadError::Relay(error))
                if is_transient(&error) && attempt < retry.attempts + in_progress(&error) =>
            {
                on_retry(attempt);
                sleep(retry.delay(attempt)).await;
                attempt += 1;
            }
            Err(error) => return Err(error),
        }
    }
}

async fn send_once(
    client: &RelayClient,
    Outgoing {
        place,
        format,
        body,
    }: Outgoing<'_>,
    canceller: &Canceller,
    on_progress: Rc<dyn Fn(u32)>,
) -> Result<(), UploadError> {
    let request = Request {
        method: "PUT",
        url: &client.url(&place.path()),
        authorization: Some(&client.authorization()),
        body: Some((format.mime(), body.as_ref())),
        headers: &[("Idempotency-Key", &idempotency_key(&place, body))],
    };
    let sent = send(request, Some(canceller), Some(on_progress)).await;
    match sent {
        Ok((status, text)) => done(status, &text).map_err(UploadError::Relay),
        Err(SendError::Cancelled) => Err(UploadError::Cancelled),
        Err(SendError::Network(why)) => Err(UploadError::Relay(RelayError::Network(why))),
    }
}

/// Waits `duration` (a browser timer).
pub async fn sleep(duration: Duration) {
    let ms = duration.as_millis().min(i32::MAX as u128) as i32;
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = JsFuture::from(promise).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles() {
        let policy = RetryPolicy {
            attempts: 4,
            first_delay: Duration::from_millis(500),
        };
        assert_eq!(policy.delay(1), Duration::from_millis(500));
        assert_eq!(policy.delay(2), Duration::from_millis(1000));
        assert_eq!(policy.delay(3), Duration::from_millis(2000));
    }

    #[test]
    fn only_network_and_server_failures_are_retried() {
        assert!(is_transient(&RelayError::Network("offline".into())));
        let refused = |status| RelayError::Refused {
            status,
            code: "x".into(),
            problems: vec![],
        };
        assert!(is_transient(&refused(502)));
        assert!(is_transient(&refused(429)));
        assert!(!is_transient(&refused(422)));
        assert!(!is_transient(&refused(409)));
        assert!(is_transient(&RelayError::Refused {
            status: 409,
            code: "upload_in_progress".into(),
            problems: vec![],
        }));
        assert!(!is_transient(&refused(401)));
    }

    #[test]
    fn an_upload_in_progress_elsewhere_gets_three_more_tries() {
        let in_flight = RelayError::Refused {
            status: 409,
            code: "upload_in_progress".into(),
            problems: vec![],
        };
        assert_eq!(in_progress(&in_flight), 3);
        assert_eq!(in_progress(&RelayError::Network("offline".into())), 0);
        // With the default policy the last try comes 0.8 + 1.6 + ... + 25.6 = 50.4 s after the
        // first: well past the 10 s after which a dead instance's claim is taken over.
        let policy = RetryPolicy::default();
        let waited: Duration = (1..policy.attempts + 3).map(|a| policy.delay(a)).sum();
        assert_eq!(waited, Duration::from_millis(50_400));
    }
}
