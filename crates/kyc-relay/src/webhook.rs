//! Webhooks: signed status-change events from the providers (`POST /webhooks/{provider}`).
//!
//! A delivery carries `X-Sandbox-Timestamp: <unix secs>` and
//! `X-Sandbox-Signature: v1=<hex hmac-sha256(secret, "<timestamp>.<body>")>`. It is accepted
//! only when the signature verifies under the provider's secret (constant-time comparison), the
//! timestamp is within [`crate::RelayConfig::webhook_tolerance`] of the relay's clock (5 min by
//! default), and its event id was not received before (ids are kept in SQLite, so a replay is
//! refused even after a restart). A replayed or retried event is answered 200 (so the provider
//! stops retrying) but not applied again.
//!
//! Assumption: the providers' documents name their webhook events (A's `customer.verified` and
//! `customer.rejected`, D's `customer.status_changed`) but neither a signature scheme nor a
//! body. This is the sandbox's (its headers' names say so); a host checks its provider's live
//! scheme before go-live (docs/embedding.md). Without webhooks a status still arrives when it
//! is read (`crate::status`).

use axum::http::HeaderMap;
use hmac::{Hmac, KeyInit, Mac};
use kyc_core::Provider;
use serde::Serialize;
use serde_json::Value;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::clock::now;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::WebhookOutcome;

/// The header carrying the signing timestamp.
pub const TIMESTAMP_HEADER: &str = "x-sandbox-timestamp";
/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "x-sandbox-signature";

/// The answer to an accepted delivery.
#[derive(Debug, Serialize)]
pub(crate) struct Ack {
    /// The event's id.
    event_id: String,
    /// Whether the event was received before (a replay or a retry); it is then not applied.
    duplicate: bool,
    /// Whether the event changed a session's status.
    applied: bool,
}

/// `v1=<hex hmac-sha256(secret, "<timestamp>.<body>")>`.
pub fn signature(secret: &[u8], timestamp: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// Whether `given` is the signature of `body` at `timestamp` under `secret`.
fn signature_verifies(secret: &[u8], timestamp: &str, body: &[u8], given: &str) -> bool {
    let expected = signature(secret, timestamp, body);
    expected.as_bytes().ct_eq(given.trim().as_bytes()).into()
}

/// What a delivery's headers say, checked before its body is read.
pub(crate) struct Delivery<'a> {
    provider: Provider,
    secret: &'a str,
    timestamp: &'a str,
    signature: &'a str,
}

/// Checks what can be checked of a delivery for the provider whose code is `provider` before
/// its body is read (so an unsigned or stale delivery costs no body buffering): the provider
/// has a webhook secret here, both signature headers are present, the timestamp is within the
/// tolerance.
pub(crate) fn check_headers<'a>(
    state: &'a AppState,
    provider: &str,
    headers: &'a HeaderMap,
) -> Result<Delivery<'a>, ApiError> {
    let provider = Provider::from_code(provider).ok_or(ApiError::NotFound("no such provider"))?;
    let secret = state
        .config
        .webhook_secrets
        .get(&provider)
        .ok_or(ApiError::NotFound(
            "webhooks of this provider are not configured on this relay",
        ))?;
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let (Some(timestamp), Some(signature)) = (header(TIMESTAMP_HEADER), header(SIGNATURE_HEADER))
    else {
        return Err(ApiError::Unauthorized(
            "the webhook signature headers are missing",
        ));
    };
    let sent_at: u64 = timestamp
        .trim()
        .parse()
        .map_err(|_| ApiError::Unauthorized("the webhook timestamp is not a number"))?;
    if now().abs_diff(sent_at) > state.config.webhook_tolerance.as_secs() {
        return Err(ApiError::Unauthorized(
            "the webhook timestamp is outside the tolerance (stale or from the future)",
        ));
    }
    Ok(Delivery {
        provider,
        secret,
        timestamp,
        signature,
    })
}

/// Receives a delivery whose headers passed [`check_headers`]: verifies its signature over
/// `body`, and applies its result unless its event id was received before.
pub(crate) async fn receive(
    state: &AppState,
    delivery: Delivery<'_>,
    body: &[u8],
) -> Result<Ack, ApiError> {
    let Delivery {
        provider,
        secret,
        timestamp,
        signature,
    } = delivery;
    if !signature_verifies(secret.as_bytes(), timestamp, body, signature) {
        return Err(ApiError::Unauthorized(
            "the webhook signature does not verify",
        ));
    }
    let event: Value = serde_json::from_slice(body)
        .map_err(|err| ApiError::BadRequest(format!("the event is not JSON: {err}")))?;
    let event_id = event
        .get("id")
        .and_then(Value::as_str)
        .filter(|id| !id.trim().is_empty() && id.len() <= 200)
        .ok_or_else(|| ApiError::BadRequest("the event has no id".to_owned()))?
        .to_owned();
    let adapter = state.provider(provider)?;
    let update = adapter.webhook_update(&event);
    let outcome = state
        .store
        .apply_webhook_event(
            provider,
            &event_id,
            update.as_ref().map(|u| (u.customer_id.as_str(), &u.status)),
            now(),
        )
        .await?;
    tracing::info!(?provider, event_id, ?outcome, "webhook event");
    let applied = outcome == WebhookOutcome::Applied;
    if let (true, Some(update)) = (applied, &update) {
        // Status streams (`GET /v1/session/events`) of this customer's session look again.
        state.notify(&update.customer_id);
    }
    Ok(Ack {
        event_id,
        duplicate: outcome == WebhookOutcome::Duplicate,
        applied,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_of_timestamp_dot_body() {
        // HMAC-SHA256(key "key", message "1.{}"), as the sandbox's own test has it.
        assert_eq!(
            signature(b"key", "1", b"{}"),
            "v1=1ba6b8171186efc613e8bcc0cbdab2748f24984d7c5a84faa2637afa0e40d224"
        );
        let good = signature(b"key", "1", b"{}");
        assert!(signature_verifies(b"key", "1", b"{}", &good));
        assert!(!signature_verifies(b"key", "2", b"{}", &good));
        assert!(!signature_verifies(b"other", "1", b"{}", &good));
        assert!(!signature_verifies(b"key", "1", b"{ }", &good));
        assert!(!signature_verifies(b"key", "1", b"{}", "v1="));
    }
}
