//! Host notifications: every status change of a session is `POST`ed to the host's own URL
//! ([`crate::RelayConfig::host_notify_url`]), so the host learns the outcome after the end user
//! has left.
//!
//! A delivery is signed the way the providers sign their webhooks to the relay
//! ([`crate::webhook`]): `X-Kyc-Timestamp: <unix secs>` and
//! `X-Kyc-Signature: v1=<hex hmac-sha256(secret, "<timestamp>.<body>")>`. Changes are queued in
//! the database by the change's own transaction (the outbox, `store::outbox`), so a crash or a
//! restart loses none; a failed delivery is tried again after a wait that doubles each time
//! (up to an hour), [`crate::RelayConfig::host_notify_attempts`] times in all. One session's
//! changes arrive in order (a later one waits while an earlier one is retried). A host may get
//! one twice (delivered, but the relay died before recording it): the `id` tells.

use std::time::Duration;

use kyc_core::VerificationStatus;
use serde::Serialize;

use crate::clock::now;
use crate::state::AppState;
use crate::store::HostNotification;
use crate::webhook::signature;

/// The header carrying the signing timestamp.
pub const TIMESTAMP_HEADER: &str = "x-kyc-timestamp";
/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "x-kyc-signature";

/// How long one delivery may take.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest wait between two tries.
const MAX_BACKOFF_SECS: u64 = 60 * 60;
/// How many notifications one round sends.
const ROUND: usize = 100;

/// What the host's URL is sent.
#[derive(Debug, Serialize)]
struct Event<'a> {
    /// `ntf_<n>`: the same for every try of one notification.
    id: String,
    /// Always `session.status_changed`.
    r#type: &'static str,
    session_id: &'a str,
    status: VerificationStatus,
    /// When the status changed (Unix seconds).
    changed_at: u64,
}

/// Sends every due notification once; `false` when none was due.
pub(crate) async fn deliver_due(state: &AppState, client: &reqwest::Client) -> bool {
    let config = &state.config;
    let (Some(url), Some(secret)) = (&config.host_notify_url, &config.host_notify_secret) else {
        // Nobody to tell: nothing is kept for later.
        if let Err(err) = state.store.drop_notifications().await {
            tracing::error!(%err, "host notifications: cannot clear the outbox");
        }
        return false;
    };
    let due = match state
        .store
        .due_notifications(now(), config.host_notify_attempts, ROUND)
        .await
    {
        Ok(due) => due,
        Err(err) => {
            tracing::error!(%err, "host notifications: cannot read the outbox");
            return false;
        }
    };
    let any = !due.is_empty();
    for notification in due {
        let result = send(client, url, secret.as_bytes(), &notification).await;
        let recorded = match result {
            Ok(()) => {
                state
                    .store
                    .notification_delivered(notification.id, now())
                    .await
            }
            Err(why) => {
                let tries = notification.attempts + 1;
                let wait = config
                    .host_notify_backoff
                    .as_secs()
                    .max(1)
                    .saturating_mul(1u64 << tries.saturating_sub(1).min(20))
                    .min(MAX_BACKOFF_SECS);
                let last = tries >= config.host_notify_attempts;
                tracing::warn!(
                    id = notification.id,
                    session = notification.session_id,
                    tries,
                    wait,
                    why,
                    "{}",
                    if last {
                        "host notification failed; given up (read GET /v1/sessions/{id})"
                    } else {
                        "host notification failed; will retry"
                    }
                );
                state
                    .store
                    .notification_failed(notification.id, now() + wait)
                    .await
            }
        };
        if let Err(err) = recorded {
            tracing::error!(%err, "host notifications: cannot record a delivery");
        }
    }
    any
}

/// One try of `notification`; why it failed (no URL or body: the host's answer is its own).
async fn send(
    client: &reqwest::Client,
    url: &str,
    secret: &[u8],
    notification: &HostNotification,
) -> Result<(), String> {
    let status =
        VerificationStatus::from_code(&notification.status, notification.reason.as_deref())
            .ok_or_else(|| format!("unknown status {:?}", notification.status))?;
    let body = serde_json::to_vec(&Event {
        id: format!("ntf_{}", notification.id),
        r#type: "session.status_changed",
        session_id: &notification.session_id,
        status,
        changed_at: notification.at,
    })
    .map_err(|err| err.to_string())?;
    let timestamp = now().to_string();
    let answer = client
        .post(url)
        .timeout(DELIVERY_TIMEOUT)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(TIMESTAMP_HEADER, &timestamp)
        .header(SIGNATURE_HEADER, signature(secret, &timestamp, &body))
        .body(body)
        .send()
        .await
        // Without the URL: it may carry the host's credentials.
        .map_err(|err| format!("not delivered ({})", kind(&err)))?;
    if answer.status().is_success() {
        Ok(())
    } else {
        Err(format!("answered {}", answer.status().as_u16()))
    }
}

fn kind(err: &reqwest::Error) -> &'static str {
    if err.is_timeout() {
        "timeout"
    } else if err.is_connect() {
        "connection refused or unreachable"
    } else {
        "request failed"
    }
}
