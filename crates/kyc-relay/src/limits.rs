//! What one session or the whole relay may hold at once: uploads in flight (a global and a
//! per-session cap, so one client cannot take every spool file and provider connection), and
//! one status stream per session (a newer stream of the session ends the older one: a page
//! reloaded opens a new stream while the old connection may linger).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;

use crate::error::ApiError;

/// The relay's caps and who holds them.
pub(crate) struct Limits {
    uploads: Arc<Semaphore>,
    per_session: usize,
    /// Uploads running, by session id.
    session_uploads: Mutex<HashMap<String, usize>>,
    /// The open status stream of each session: its number and what ends it.
    streams: Mutex<HashMap<String, (u64, CancellationToken)>>,
    next_stream: Mutex<u64>,
}

/// A place for one upload; given back when dropped (the upload's work ended).
pub(crate) struct UploadPermit {
    limits: Arc<Limits>,
    session_id: String,
    _global: OwnedSemaphorePermit,
}

/// A session's status stream's place: `ended` is cancelled when a newer stream of the session
/// opens; dropping it frees the place.
pub(crate) struct StreamPlace {
    limits: Arc<Limits>,
    session_id: String,
    number: u64,
    pub(crate) ended: CancellationToken,
}

impl Limits {
    /// `max_uploads` at once in all, `per_session` for one session.
    pub(crate) fn new(max_uploads: usize, per_session: usize) -> Limits {
        Limits {
            uploads: Arc::new(Semaphore::new(max_uploads)),
            per_session,
            session_uploads: Mutex::default(),
            streams: Mutex::default(),
            next_stream: Mutex::new(0),
        }
    }

    /// A place for an upload of `session_id`, or the refusal: 429 when the session has its
    /// share running, 503 when the relay has.
    pub(crate) fn upload(self: &Arc<Self>, session_id: &str) -> Result<UploadPermit, ApiError> {
        let mut running = lock(&self.session_uploads);
        let count = running.get(session_id).copied().unwrap_or(0);
        if count >= self.per_session {
            return Err(ApiError::Limited {
                status: StatusCode::TOO_MANY_REQUESTS,
                code: "too_many_uploads",
                message: format!(
                    "this session has {count} uploads running; send one file at a time and retry when one ends"
                ),
            });
        }
        let global = self
            .uploads
            .clone()
            .try_acquire_owned()
            .map_err(|_| ApiError::busy("the relay is taking as many uploads as it can"))?;
        running.insert(session_id.to_owned(), count + 1);
        Ok(UploadPermit {
            limits: self.clone(),
            session_id: session_id.to_owned(),
            _global: global,
        })
    }

    /// The status stream place of `session_id`, ending the session's stream open before.
    pub(crate) fn stream(self: &Arc<Self>, session_id: &str) -> StreamPlace {
        let number = {
            let mut next = lock(&self.next_stream);
            *next += 1;
            *next
        };
        let ended = CancellationToken::new();
        let previous = lock(&self.streams).insert(session_id.to_owned(), (number, ended.clone()));
        if let Some((_, previous)) = previous {
            previous.cancel();
        }
        StreamPlace {
            limits: self.clone(),
            session_id: session_id.to_owned(),
            number,
            ended,
        }
    }
}

impl Drop for UploadPermit {
    fn drop(&mut self) {
        let mut running = lock(&self.limits.session_uploads);
        if let Some(count) = running.get_mut(&self.session_id) {
            *count -= 1;
            if *count == 0 {
                running.remove(&self.session_id);
            }
        }
    }
}

impl Drop for StreamPlace {
    fn drop(&mut self) {
        let mut streams = lock(&self.limits.streams);
        // Only this stream's own entry: a newer stream of the session keeps its place.
        if streams
            .get(&self.session_id)
            .is_some_and(|(number, _)| *number == self.number)
        {
            streams.remove(&self.session_id);
        }
    }
}

/// 429 `rate_limited` for a count of `key` (a session id, or `/demo/session` for the demo's
/// sessions) past `limit` in the minute of `now` (the counts start again at each minute of the
/// clock, so the wait is to the next one).
pub(crate) fn per_minute_refusal(key: &str, limit: u32, now: u64) -> ApiError {
    let wait = 60 - now % 60;
    let what = if key.starts_with('/') {
        format!(
            "demo sessions are limited to {limit} a minute for all callers together, and this \
             minute's were opened"
        )
    } else {
        format!(
            "this session sent {} this minute, the most allowed",
            counted(limit.into(), "request")
        )
    };
    ApiError::RateLimited {
        message: format!("{what}; try again in {}", counted(wait, "second")),
        retry_after: wait,
    }
}

/// 429 `rate_limited` for a session given `per_hour` handoff codes in the last hour; the
/// oldest of them stops counting in `wait` seconds.
pub(crate) fn handoff_refusal(per_hour: u32, wait: u64) -> ApiError {
    let minutes = wait.div_ceil(60).max(1);
    ApiError::RateLimited {
        message: format!(
            "this session was given {} to continue on another device in the last hour, the \
             most allowed; try again in {}",
            counted(per_hour.into(), "code"),
            counted(minutes, "minute")
        ),
        retry_after: wait,
    }
}

/// `count` and `noun`, plural unless one.
fn counted(count: u64, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limits_say_which_limit_and_when_it_resets() {
        let message = |err: ApiError| match err {
            ApiError::RateLimited {
                message,
                retry_after,
            } => (message, retry_after),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            message(per_minute_refusal("ses_1", 120, 600 + 45)),
            (
                "this session sent 120 requests this minute, the most allowed; try again in 15 \
                 seconds"
                    .to_owned(),
                15
            )
        );
        assert_eq!(
            message(per_minute_refusal("/demo/session", 1, 659)),
            (
                "demo sessions are limited to 1 a minute for all callers together, and this \
                 minute's were opened; try again in 1 second"
                    .to_owned(),
                1
            )
        );
        assert_eq!(
            message(handoff_refusal(12, 3599)).0,
            "this session was given 12 codes to continue on another device in the last hour, \
             the most allowed; try again in 60 minutes"
        );
    }
}
