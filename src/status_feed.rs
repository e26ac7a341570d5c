//! Following the verification while it is pending: [`use_status`] listens to the relay's event
//! stream (`GET /v1/session/events`, server-sent events through the browser's `EventSource`,
//! under the host page's `connect-src` like every other call to the relay), and falls back to
//! asking `GET /v1/session/status` every [`POLL_EVERY`] where there is no `EventSource`, or
//! when the stream fails while the status is still pending (the failure is logged to the
//! console once: the user sees the status arrive either way).

use std::time::Duration;

use kyc_core::wire::StatusReport;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::prelude::*;

use crate::api::RelayClient;
use crate::wire_js::FromJs;

/// How often a pending status is asked for when there is no stream.
pub const POLL_EVERY: Duration = Duration::from_secs(3);

/// How the status is followed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Feed {
    /// Through the relay's event stream.
    Stream,
    /// By asking every [`POLL_EVERY`].
    Polling,
    /// Not any more: the status is final.
    Finished,
}

/// The following of a status, from [`use_status`].
#[derive(Clone, Copy)]
pub struct UseStatus {
    /// How the status is followed now.
    pub feed: ReadSignal<Feed>,
}

/// Keeps `report` fresh while its status is not final, for as long as the calling component
/// lives: by the relay's event stream, else by polling (see the module).
pub fn use_status(client: RelayClient, report: RwSignal<Option<StatusReport>>) -> UseStatus {
    let pending = move || {
        report
            .try_with_untracked(|r| r.as_ref().is_none_or(|r| !r.status.is_final()))
            .unwrap_or(false)
    };
    let (feed, set_feed) = signal(if pending() {
        Feed::Stream
    } else {
        Feed::Finished
    });
    let events_url = client.events_url();
    let client = StoredValue::new(client);
    let stream = StoredValue::new_local(None::<Stream>);
    let interval = StoredValue::new_local(None::<IntervalHandle>);
    let start_polling = move || {
        set_feed.try_set(Feed::Polling);
        let poll = move || {
            let Some(client) = client.try_get_value() else {
                return;
            };
            spawn_local(async move {
                if let Ok(fresh) = client.status().await {
                    report.try_set(Some(fresh));
                }
            });
        };
        poll();
        let handle = set_interval_with_handle(
            move || {
                if pending() {
                    poll();
                } else {
                    set_feed.try_set(Feed::Finished);
                    if let Some(Some(handle)) = interval.try_get_value() {
                        handle.clear();
                    }
                }
            },
            POLL_EVERY,
        )
        .ok();
        interval.try_set_value(handle);
    };
    if pending() {
        let on_status = move |fresh: StatusReport| {
            let done = fresh.status.is_final();
            report.try_set(Some(fresh));
            if done {
                stream.with_value(|s| s.as_ref().map(Stream::close));
                set_feed.try_set(Feed::Finished);
            }
        };
        let on_failure = move |why: &str| {
            stream.with_value(|s| s.as_ref().map(Stream::close));
            if feed.get_untracked() == Feed::Stream && pending() {
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
            Ok(opened) => stream.set_value(Some(opened)),
            Err(_) => start_polling(),
        }
    }
    on_cleanup(move || {
        stream.try_update_value(|s| s.take());
        if let Some(Some(handle)) = interval.try_get_value() {
            handle.clear();
        }
    });
    UseStatus { feed }
}

/// An open `EventSource` on the relay's status stream and its listeners; closed when dropped.
struct Stream {
    source: web_sys::EventSource,
    _on_status: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

impl Stream {
    /// Opens `url`: each `status` event's report goes to `on_status`; a failure of the stream
    /// (it errs or closes, or an event breaks the contract) goes to `on_failure`. An error when
    /// the browser has no `EventSource`.
    fn open(
        url: &str,
        on_status: impl Fn(StatusReport) + 'static,
        on_failure: impl Fn(&str) + Clone + 'static,
    ) -> Result<Stream, JsValue> {
        let source = web_sys::EventSource::new(url)?;
        let unreadable = on_failure.clone();
        let on_status = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
            move |event: web_sys::MessageEvent| {
                let report = event
                    .data()
                    .as_string()
                    .and_then(|data| js_sys::JSON::parse(&data).ok())
                    .and_then(|value| StatusReport::from_js(&value));
                match report {
                    Some(report) => on_status(report),
                    None => unreadable("an event does not match the contract"),
                }
            },
        );
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_: web_sys::Event| {
            on_failure("it failed or closed");
        });
        source.add_event_listener_with_callback("status", on_status.as_ref().unchecked_ref())?;
        source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(Stream {
            source,
            _on_status: on_status,
            _on_error: on_error,
        })
    }

    /// Stops listening (the listeners stay alive until the stream is dropped: one of them may
    /// be running now).
    fn close(&self) {
        self.source.close();
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        self.source.close();
    }
}
