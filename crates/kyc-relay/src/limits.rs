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

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
