//! Following the verification while it is pending: [`use_status`] listens to the relay's event
//! stream (`GET /v1/session/events`, server-sent events through the browser's `EventSource`,
//! under the host page's `connect-src` like every other call to the relay), and falls back to
//! asking `GET /v1/session/status` every [`POLL_EVERY`] where there is no `EventSource`, or
//! when the stream fails or does not open within [`OPEN_WITHIN`] while the status is still
//! pending (the failure is logged to the console once: the user sees the status arrive either
//! way).
//!
//! A review can outlast the session token (2 h), so while pending the session token is swapped
//! for a read-only status token, renewed whenever the relay's reports show [`RENEW_AFTER_SECS`]
//! more of review (the stream reports at least every minute). When the status cannot be read
//! the page is told ([`UseStatus::unreadable`]) and the polling waits longer after each failure
//! (up to [`POLL_EVERY`] × 32).

use std::time::Duration;

use kyc_core::wire::StatusReport;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::prelude::*;

use crate::api::RelayClient;
use crate::wire_js::FromJs;

/// How often a pending status is asked for when there is no stream.
pub const POLL_EVERY: Duration = Duration::from_secs(3);

/// How long the stream may take to open before it counts as failed. A browser does not always
/// say that a stream cannot connect (WebKit stays "connecting" without an `error` event when
/// the load is blocked), nor does a proxy that holds the response back.
pub const OPEN_WITHIN: Duration = Duration::from_secs(3);

/// How much longer the review must have run (by the relay's reports) before the status token
/// is renewed: well within the status token's life (1 h).
pub const RENEW_AFTER_SECS: u64 = 15 * 60;

/// How the status is followed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Feed {
    /// Through the relay's event stream.
    Stream,
    /// By asking every [`POLL_EVERY`].
    Polling,
    /// Not any more: the status is final (or was when the following began).
    Finished,
}

/// The following of a status, from [`use_status`].
#[derive(Clone, Copy)]
pub struct UseStatus {
    following: StoredValue<Following, LocalStorage>,
    unreadable: RwSignal<bool>,
}

impl UseStatus {
    /// How the status is followed now.
    pub fn feed(&self) -> Feed {
        self.following
            .try_with_value(|following| following.feed)
            .unwrap_or(Feed::Finished)
    }

    /// Whether the last attempt to read the status failed (the page says so; it keeps trying).
    pub fn unreadable(&self) -> bool {
        self.unreadable.get()
    }
}

/// What a following holds: how it follows, the stream, the polling timer, and what it
/// remembers between answers.
struct Following {
    feed: Feed,
    stream: Option<Stream>,
    interval: Option<IntervalHandle>,
    /// The review's length at the last renewal of the status token (`None`: not renewed yet).
    renewed_at: Option<u64>,
    /// The polling's failures in a row, and its ticks still to skip (the backoff).
    failures: u32,
    skip: u32,
}

impl Following {
    /// The polling was answered: no backoff.
    fn answered(&mut self) {
        (self.failures, self.skip) = (0, 0);
    }

    /// The polling failed once more: after `n` failures in a row, `2^n - 1` ticks (at most 31)
    /// are skipped.
    fn failed(&mut self) {
        self.failures = self.failures.saturating_add(1);
        self.skip = (1 << self.failures.min(5)) - 1;
    }

    /// Whether this tick of the polling is one the backoff skips (counted if so).
    fn skips_tick(&mut self) -> bool {
        let skips = self.skip > 0;
        self.skip = self.skip.saturating_sub(1);
        skips
    }

    /// Stops following: the stream is closed and the timer cleared. (The stream's listeners
    /// stay alive until it is dropped: one of them may be running this.)
    fn finish(&mut self) {
        self.feed = Feed::Finished;
        if let Some(stream) = &self.stream {
            stream.close();
        }
        if let Some(interval) = self.interval.take() {
            interval.clear();
        }
    }
}

/// Keeps `report` fresh while its status is not final, for as long as the calling component
/// lives: by the relay's event stream, else by polling (see the module). A renewed status token
/// replaces `client`'s, so the caller's later requests (the retry after a rejection, hours
/// after the session token expired) go with a token that is still valid.
pub fn use_status(
    client: StoredValue<RelayClient>,
    report: RwSignal<Option<StatusReport>>,
) -> UseStatus {
    let following = StoredValue::new_local(Following {
        feed: Feed::Finished,
        stream: None,
        interval: None,
        renewed_at: None,
        failures: 0,
        skip: 0,
    });
    let pending = move || {
        report
            .try_with_untracked(|r| r.as_ref().is_none_or(|r| !r.status.is_final()))
            .unwrap_or(false)
    };
    let events_url = client.with_value(RelayClient::events_url);
    let unreadable = RwSignal::new(false);
    // An answer may arrive after the widget is gone (its values disposed): then it is dropped.
    let take = move |fresh: StatusReport| {
        let Some(renewed) = following.try_with_value(|following| following.renewed_at) else {
            return;
        };
        let due = match (fresh.pending_for_secs, renewed) {
            (Some(secs), None) => Some(secs),
            (Some(secs), Some(at)) if secs >= at + RENEW_AFTER_SECS => Some(secs),
            _ => None,
        };
        report.try_set(Some(fresh));
        unreadable.try_set(false);
        if let (Some(secs), Some(current)) = (due, client.try_get_value()) {
            following.try_update_value(|following| following.renewed_at = Some(secs));
            spawn_local(async move {
                if let Ok(renewed) = current.renewed().await {
                    client.try_set_value(renewed);
                }
            });
        }
    };
    let poll = move || {
        let Some(current) = client.try_get_value() else {
            return;
        };
        spawn_local(async move {
            match current.status().await {
                Ok(fresh) => {
                    following.try_update_value(Following::answered);
                    take(fresh);
                }
                Err(_) => {
                    if following.try_update_value(Following::failed).is_some() {
                        unreadable.try_set(true);
                    }
                }
            }
        });
    };
    let start_polling = move || {
        poll();
        let interval = set_interval_with_handle(
            move || {
                if !pending() {
                    following.try_update_value(Following::finish);
                } else if following.try_update_value(Following::skips_tick) != Some(true) {
                    poll();
                }
            },
            POLL_EVERY,
        )
        .ok();
        following.try_update_value(|following| {
            following.feed = Feed::Polling;
            following.interval = interval;
        });
    };
    if pending() {
        let on_status = move |fresh: StatusReport| {
            let decided = fresh.status.is_final();
            take(fresh);
            if decided {
                following.try_update_value(Following::finish);
            }
        };
        let on_failure = move |why: &str| {
            let streaming = following
                .try_update_value(|following| {
                    // Only a failing stream is stopped: a late "did not open" after the
                    // stream already failed must not stop the polling that replaced it.
                    let streaming = following.feed == Feed::Stream;
                    if streaming {
                        following.finish();
                    }
                    streaming
                })
                .unwrap_or(false);
            if streaming && pending() {
                web_sys::console::warn_1(
                    &format!(
                        "kyc-capture: the relay's status stream failed ({why}); asking for the \
                         status every {} s instead",
                        POLL_EVERY.as_secs()
                    )
                    .into(),
                );
                start_polling();
            }
        };
        match Stream::open(&events_url, on_status, on_failure) {
            Ok(stream) => {
                let opened = std::rc::Rc::clone(&stream.opened);
                following.update_value(|following| {
                    following.feed = Feed::Stream;
                    following.stream = Some(stream);
                });
                // After an unmount, `on_failure` finds nothing to follow and does nothing.
                set_timeout(
                    move || {
                        if !opened.get() {
                            on_failure("it did not open");
                        }
                    },
                    OPEN_WITHIN,
                );
            }
            Err(_) => start_polling(),
        }
    }
    on_cleanup(move || {
        following.try_update_value(|following| {
            following.finish();
            following.stream = None;
        });
    });
    UseStatus {
        following,
        unreadable,
    }
}

/// An open `EventSource` on the relay's status stream and its listener; closed when dropped.
struct Stream {
    source: web_sys::EventSource,
    /// Whether the stream has opened (the relay answered it).
    opened: std::rc::Rc<std::cell::Cell<bool>>,
    _listener: Closure<dyn FnMut(JsValue)>,
}

impl Stream {
    /// Opens `url`: each `status` event's report goes to `on_status`; a failure of the stream
    /// (it errs or closes, or an event breaks the contract) goes to `on_failure`. An error when
    /// the browser has no `EventSource`.
    fn open(
        url: &str,
        on_status: impl Fn(StatusReport) + 'static,
        on_failure: impl Fn(&str) + 'static,
    ) -> Result<Stream, JsValue> {
        let source = web_sys::EventSource::new(url)?;
        let opened = std::rc::Rc::new(std::cell::Cell::new(false));
        let has_opened = std::rc::Rc::clone(&opened);
        // One listener for the events `open`, `status` (a `MessageEvent`) and `error`.
        let listener = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
            let field = |name: &str| {
                js_sys::Reflect::get(&event, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
            };
            match field("type").as_string().as_deref() {
                Some("open") => return has_opened.set(true),
                Some("status") => has_opened.set(true),
                _ => return on_failure("it failed or closed"),
            }
            let report = field("data")
                .as_string()
                .and_then(|data| js_sys::JSON::parse(&data).ok())
                .and_then(|value| StatusReport::from_js(&value));
            match report {
                Some(report) => on_status(report),
                None => on_failure("an event does not match the contract"),
            }
        });
        for event in ["open", "status", "error"] {
            source.add_event_listener_with_callback(event, listener.as_ref().unchecked_ref())?;
        }
        Ok(Stream {
            source,
            opened,
            _listener: listener,
        })
    }

    /// Stops listening.
    fn close(&self) {
        self.source.close();
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        self.source.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn following() -> Following {
        Following {
            feed: Feed::Polling,
            stream: None,
            interval: None,
            renewed_at: None,
            failures: 0,
            skip: 0,
        }
    }

    /// The ticks skipped after each failure in a row, then the ticks polled again.
    fn skipped(following: &mut Following) -> u32 {
        let mut n = 0;
        while following.skips_tick() {
            n += 1;
        }
        n
    }

    #[test]
    fn each_failure_in_a_row_doubles_the_ticks_skipped_up_to_31() {
        let mut following = following();
        assert!(!following.skips_tick(), "no failure: every tick polls");
        let mut seen = Vec::new();
        for _ in 0..8 {
            following.failed();
            seen.push(skipped(&mut following));
        }
        assert_eq!(seen, [1, 3, 7, 15, 31, 31, 31, 31]);
    }

    #[test]
    fn an_answer_ends_the_backoff_at_once() {
        let mut following = following();
        for _ in 0..3 {
            following.failed();
        }
        assert!(following.skips_tick());
        following.answered();
        assert!(!following.skips_tick(), "the next tick polls");
        following.failed();
        assert_eq!(skipped(&mut following), 1, "counted from the start again");
    }
}
