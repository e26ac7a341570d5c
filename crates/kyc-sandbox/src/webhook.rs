//! Signed webhook deliveries.
//!
//! Every event is POSTed as JSON to `SandboxConfig::webhook_url` with
//! `X-Sandbox-Timestamp: <unix secs>`, `X-Sandbox-Signature: v1=<hex hmac-sha256(secret,
//! "<timestamp>.<body>")>` and `X-Sandbox-Provider: <a|b|c|d>`. One attempt plus two retries
//! (after 250 ms and 1 s); a 2xx answer ends the deliveries. Deliveries run in their own tasks and
//! never hold up the API.

use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::clock::now_unix;
use crate::ids::random_id;

/// The header carrying the signing timestamp.
pub const TIMESTAMP_HEADER: &str = "X-Sandbox-Timestamp";
/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "X-Sandbox-Signature";
/// The header naming the provider that sent the event.
pub const PROVIDER_HEADER: &str = "X-Sandbox-Provider";

/// `v1=<hex hmac-sha256(secret, "<timestamp>.<body>")>`.
pub fn signature(secret: &str, timestamp: u64, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// Whether `signature_header` is the signature of `body` at `timestamp_header` under `secret`.
pub fn verify(secret: &str, timestamp_header: &str, signature_header: &str, body: &[u8]) -> bool {
    let Ok(timestamp) = timestamp_header.trim().parse::<u64>() else {
        return false;
    };
    let expected = signature(secret, timestamp, body);
    expected
        .as_bytes()
        .ct_eq(signature_header.trim().as_bytes())
        .into()
}

/// Where and how events are delivered.
#[derive(Clone)]
pub struct Webhooks {
    url: Option<String>,
    secret: String,
    client: reqwest::Client,
}

impl Webhooks {
    /// Deliveries to `url` (none if `None`) signed with `secret`.
    pub fn new(url: Option<String>, secret: String) -> Webhooks {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap_or_default();
        Webhooks {
            url,
            secret,
            client,
        }
    }

    /// The event envelope: `{"type", "id": "evt_...", "created_at", "data"}`.
    pub fn envelope(event_type: &str, data: Value) -> Value {
        json!({
            "type": event_type,
            "id": random_id("evt"),
            "created_at": now_unix(),
            "data": data,
        })
    }

    /// Sends an event in the background, if a webhook URL is configured.
    pub fn send(&self, provider: &'static str, event_type: &str, data: Value) {
        let Some(url) = self.url.clone() else {
            return;
        };
        let body = serde_json::to_vec(&Webhooks::envelope(event_type, data))
            .expect("a JSON value serialises");
        let client = self.client.clone();
        let secret = self.secret.clone();
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::warn!("no runtime to deliver the webhook on");
            return;
        };
        runtime.spawn(async move {
            for (attempt, pause) in [0u64, 250, 1000].into_iter().enumerate() {
                tokio::time::sleep(Duration::from_millis(pause)).await;
                let timestamp = now_unix();
                let result = client
                    .post(&url)
                    .header("content-type", "application/json")
                    .header(TIMESTAMP_HEADER, timestamp.to_string())
                    .header(SIGNATURE_HEADER, signature(&secret, timestamp, &body))
                    .header(PROVIDER_HEADER, provider)
                    .body(body.clone())
                    .send()
                    .await;
                match result {
                    Ok(response) if response.status().is_success() => return,
                    Ok(response) => tracing::warn!(
                        attempt,
                        status = %response.status(),
                        "webhook delivery refused"
                    ),
                    Err(error) => tracing::warn!(attempt, %error, "webhook delivery failed"),
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_sha256_of_timestamp_dot_body() {
        // Computed independently: HMAC-SHA256(key "key", message "1.{}").
        let sig = signature("key", 1, b"{}");
        assert_eq!(
            sig,
            "v1=1ba6b8171186efc613e8bcc0cbdab2748f24984d7c5a84faa2637afa0e40d224"
        );
        assert!(sig.starts_with("v1=") && sig.len() == 3 + 64, "{sig}");
        assert!(verify("key", "1", &sig, b"{}"));
        assert!(!verify("key", "2", &sig, b"{}"));
        assert!(!verify("other", "1", &sig, b"{}"));
        assert!(!verify("key", "1", &sig, b"{ }"));
        assert!(!verify("key", "x", &sig, b"{}"));
    }

    #[test]
    fn hmac_matches_rfc_4231() {
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
