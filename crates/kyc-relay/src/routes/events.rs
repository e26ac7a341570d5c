//! `GET /v1/session/events`: the session's status as server-sent events.
//!
//! The stream sends a `status` event (the `StatusReport` JSON of `GET /v1/session/status`) at
//! once, then again whenever the status changes (a provider's webhook, a refresh by any reader
//! of the status, a submission) or its review advice does, and while pending at least every
//! minute. While the session is pending the stream also asks the provider
//! itself every [`RelayConfig::events_refresh`](crate::RelayConfig) (B sends no webhooks; for A
//! and D it backs up a lost one). A keep-alive comment goes out every
//! [`RelayConfig::events_keep_alive`](crate::RelayConfig) so proxies keep the connection open.
//! The stream ends when the session token expires.
//!
//! The browser's `EventSource` cannot set headers, so the token may come as `?token=` as well
//! as `Authorization: Bearer`.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use axum::Router;
use futures_util::Stream;
use kyc_core::{ReviewAdvice, VerificationStatus};
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::broadcast::Receiver;
use tokio::time::{Instant, Interval, MissedTickBehavior};

use crate::auth::{authorize, bearer};
use crate::clock::now;
use crate::error::ApiError;
use crate::limits::StreamPlace;
use crate::state::AppState;
use crate::status::{refreshed_status, status_report};
use crate::token;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/v1/session/events", get(events))
}

#[derive(Deserialize)]
struct TokenQuery {
    #[serde(default)]
    token: Option<String>,
}

async fn events(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<TokenQuery>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let token = bearer(&headers)
        .map(str::to_owned)
        .or(query.token)
        .ok_or(ApiError::Unauthorized("a session token is required"))?;
    let session = authorize(&state, &token).await?;
    let expires_at = token::expires_at(&token).unwrap_or_else(now);
    let lifetime = Duration::from_secs(expires_at.saturating_sub(now()));
    let mut refresh = tokio::time::interval(state.config.events_refresh);
    refresh.set_missed_tick_behavior(MissedTickBehavior::Delay);
    // The first tick is immediate; the first event already carries a fresh status.
    refresh.reset();
    let place = state.limits.stream(&session.id);
    let watch = Watch {
        place,
        changes: state.changes(),
        session_id: session.id.clone(),
        customer_id: session.provider_customer_id.clone(),
        keep_alive: state.config.events_keep_alive,
        state,
        last: None,
        refresh,
        until: Instant::now() + lifetime,
    };
    let keep_alive = KeepAlive::new()
        .interval(watch.keep_alive)
        .text("keep-alive");
    Ok(Sse::new(futures_util::stream::unfold(watch, Watch::next)).keep_alive(keep_alive))
}

/// How often (the relay's clock) a pending session's stream sends its status again, with how
/// long the review has taken, when nothing else changed.
const PENDING_EVERY_SECS: u64 = 60;

/// One stream's state.
struct Watch {
    /// The session's one stream place; a newer stream of the session ends this one.
    place: StreamPlace,
    state: AppState,
    changes: Receiver<String>,
    session_id: String,
    customer_id: String,
    keep_alive: Duration,
    /// The status last sent, its review advice, and when it was sent (the relay's clock).
    last: Option<(VerificationStatus, Option<ReviewAdvice>, u64)>,
    refresh: Interval,
    until: Instant,
}

impl Watch {
    /// The next event: the status when it differs from the last one sent; `None` ends the
    /// stream (token expired, session gone, relay shutting down, a newer stream opened).
    async fn next(mut self) -> Option<(Result<Event, Infallible>, Watch)> {
        loop {
            let session = match self.state.store.session(&self.session_id).await {
                Ok(Some(session)) => session,
                Ok(None) => return None,
                Err(err) => {
                    tracing::error!(%err, session = self.session_id, "status stream");
                    return None;
                }
            };
            let status = if self.last.is_none() {
                refreshed_status(&self.state, &session)
                    .await
                    .unwrap_or_else(|_| session.status.clone())
            } else {
                session.status.clone()
            };
            let report = status_report(&session, status.clone());
            let advice = report.review.map(|review| review.advice);
            // A pending page is also told when the review's advice changes, and at least every
            // [`PENDING_EVERY_SECS`] how long the review has taken (its token's renewal counts
            // on that).
            let send = match &self.last {
                None => true,
                Some((sent, sent_advice, at)) => {
                    *sent != status
                        || *sent_advice != advice
                        || (advice.is_some() && now().saturating_sub(*at) >= PENDING_EVERY_SECS)
                }
            };
            if send {
                self.last = Some((status, advice, now()));
                let event = Event::default()
                    .event("status")
                    .json_data(&report)
                    .unwrap_or_else(|_| Event::default().event("status"));
                return Some((Ok(event), self));
            }
            tokio::select! {
                () = tokio::time::sleep_until(self.until) => return None,
                () = self.state.stopping() => return None,
                () = self.place.ended.cancelled() => return None,
                open = changed(&mut self.changes, &self.session_id, &self.customer_id) => {
                    if !open {
                        return None;
                    }
                }
                _ = self.refresh.tick() => {
                    if session.status == VerificationStatus::Pending {
                        if let Err(err) = refreshed_status(&self.state, &session).await {
                            tracing::warn!(?err, session = self.session_id, "status stream refresh");
                        }
                    }
                }
            }
        }
    }
}

/// Waits for a change of the session (by its id or its provider customer id); `false` when the
/// relay is shutting down. Having missed some changes counts as a change (a lagging receiver,
/// or an empty id: other instances' announcements were lost): the store has the truth, and it
/// is read again.
async fn changed(changes: &mut Receiver<String>, session_id: &str, customer_id: &str) -> bool {
    loop {
        match changes.recv().await {
            Ok(id) if id.is_empty() || id == session_id || id == customer_id => return true,
            Ok(_) => {}
            Err(RecvError::Lagged(_)) => return true,
            Err(RecvError::Closed) => return false,
        }
    }
}
