//! Following the status: the relay's event stream while pending, polling where the stream
//! fails or the browser has none, nothing once the provider has decided.

use kyc_capture::api::RelayClient;
use kyc_capture::status_feed::{use_status, Feed, UseStatus};
use kyc_core::wire::StatusReport;
use kyc_core::VerificationStatus;
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

fn report(status: VerificationStatus) -> Option<StatusReport> {
    Some(StatusReport {
        status,
        pending_for_secs: None,
        review: None,
    })
}

/// Follows `report` from the relay at `endpoint` in a component of its own (mounted on a
/// detached element), which follows it until dropped.
fn follow(
    endpoint: &str,
    report: Option<StatusReport>,
) -> (impl Drop, RwSignal<Option<StatusReport>>, UseStatus) {
    let client = RelayClient::new(endpoint, "v1.x.1.00");
    let followed = std::rc::Rc::new(std::cell::Cell::new(None));
    let out = followed.clone();
    let element = web_sys::window()
        .unwrap()
        .document()
        .unwrap()
        .create_element("div")
        .unwrap();
    let mounted = leptos::mount::mount_to(element.unchecked_into(), move || {
        let signal = RwSignal::new(report.clone());
        out.set(Some((
            signal,
            use_status(StoredValue::new(client.clone()), signal),
        )));
    });
    let (signal, feed) = followed.take().expect("the component ran");
    (mounted, signal, feed)
}

/// Waits (up to 5 s) until `feed` follows by `expected`.
async fn until(feed: &UseStatus, expected: Feed) {
    for _ in 0..100 {
        if feed.feed() == expected {
            return;
        }
        super::gloo_timers_sleep(50).await;
    }
    panic!("{:?}, never {expected:?}", feed.feed());
}

#[wasm_bindgen_test]
async fn a_decided_status_is_not_followed() {
    let verified = report(VerificationStatus::Verified);
    let (mounted, signal, feed) = follow("http://127.0.0.1:9", verified.clone());
    assert_eq!(feed.feed(), Feed::Finished);
    assert_eq!(signal.get_untracked(), verified);
    drop(mounted);
}

/// Puts an `EventSource` in place of the browser's that opens and sends one `status` event
/// with `data`, as the relay's stream does; returns the browser's, to be put back. Only
/// Chromium reads an event stream from a `data:` URL, and these tests have no HTTP server of
/// their own; the relay's real stream is read in the end-to-end tests.
fn stream_sending(data: &str) -> JsValue {
    let fake = js_sys::Function::new_with_args(
        "data",
        "return class extends EventTarget {
            constructor(url) {
                super();
                this.url = url;
                this.readyState = 0;
                setTimeout(() => {
                    this.readyState = 1;
                    this.dispatchEvent(new Event('open'));
                    this.dispatchEvent(new MessageEvent('status', { data }));
                }, 20);
            }
            close() { this.readyState = 2; }
        };",
    )
    .call1(&JsValue::NULL, &data.into())
    .unwrap();
    let global = js_sys::global();
    let name = JsValue::from_str("EventSource");
    let browsers = js_sys::Reflect::get(&global, &name).unwrap();
    js_sys::Reflect::set(&global, &name, &fake).unwrap();
    browsers
}

#[wasm_bindgen_test]
async fn a_status_event_of_the_stream_updates_the_status_and_a_decision_ends_it() {
    let browsers = stream_sending(r#"{"status":{"state":"rejected","reason":"document_expired"}}"#);
    let (mounted, signal, feed) =
        follow("http://relay.invalid", report(VerificationStatus::Pending));
    js_sys::Reflect::set(&js_sys::global(), &"EventSource".into(), &browsers).unwrap();
    assert_eq!(feed.feed(), Feed::Stream);
    until(&feed, Feed::Finished).await;
    assert_eq!(
        signal.get_untracked(),
        report(VerificationStatus::Rejected {
            reason: "document_expired".to_owned()
        })
    );
    drop(mounted);
}

#[wasm_bindgen_test]
async fn a_failing_stream_falls_back_to_polling() {
    // Port 9 (discard) has no HTTP server: the stream fails as it would behind a proxy that
    // refuses it. Chromium and Firefox say so with an `error` event; WebKit, which blocks the
    // port, says nothing and the stream never opens.
    let (mounted, signal, feed) = follow("http://127.0.0.1:9", report(VerificationStatus::Pending));
    until(&feed, Feed::Polling).await;
    assert_eq!(signal.get_untracked(), report(VerificationStatus::Pending));
    drop(mounted);
}

#[wasm_bindgen_test]
async fn a_stream_that_failed_early_keeps_its_polling_after_the_open_deadline() {
    // The stream fails at once (Chromium's `error` event); its "did not open" deadline comes
    // later and must not stop the polling that replaced it (the pending page froze).
    let (mounted, _, feed) = follow("http://127.0.0.1:9", report(VerificationStatus::Pending));
    until(&feed, Feed::Polling).await;
    super::gloo_timers_sleep(kyc_capture::status_feed::OPEN_WITHIN.as_millis() as i32 + 500).await;
    assert_eq!(feed.feed(), Feed::Polling);
    drop(mounted);
}

#[wasm_bindgen_test]
async fn without_event_source_the_status_is_polled() {
    let global = js_sys::global();
    let name = JsValue::from_str("EventSource");
    let event_source = js_sys::Reflect::get(&global, &name).unwrap();
    js_sys::Reflect::delete_property(&global, &name).unwrap();
    let (mounted, _, feed) = follow("http://127.0.0.1:9", report(VerificationStatus::Pending));
    js_sys::Reflect::set(&global, &name, &event_source).unwrap();
    assert_eq!(feed.feed(), Feed::Polling);
    drop(mounted);
}

#[wasm_bindgen_test]
fn the_review_time_reads_in_the_users_language_with_its_plural() {
    use kyc_capture::i18n::{duration, Locale};
    assert_eq!(duration(Locale::En, 59), "0 minutes");
    assert_eq!(duration(Locale::En, 60), "1 minute");
    assert_eq!(
        duration(Locale::En, 2 * 3600 + 15 * 60),
        "2 hours 15 minutes"
    );
    assert_eq!(duration(Locale::En, 3600 + 60), "1 hour 1 minute");
    // Russian has three forms: 1 минута, 2 минуты, 5 минут.
    assert_eq!(duration(Locale::Ru, 60), "1 минута");
    assert_eq!(duration(Locale::Ru, 2 * 60), "2 минуты");
    assert_eq!(duration(Locale::Ru, 5 * 60), "5 минут");
    assert_eq!(duration(Locale::Pl, 22 * 60), "22 minuty");
    assert_eq!(duration(Locale::De, 3600), "1 Stunde 0 Minuten");
    // Every shipped locale gets a text with both numbers and no fallback unit.
    for locale in Locale::ALL {
        let text = duration(locale, 2 * 3600 + 15 * 60);
        assert!(
            !text.contains(" h ") && !text.ends_with(" min"),
            "{locale:?}: {text}"
        );
    }
}

#[wasm_bindgen_test]
fn counts_are_written_as_the_engine_writes_them_in_every_locale() {
    use kyc_capture::i18n::{number, Locale};
    // `number` asks `Intl` only for Arabic: the others' digits must be what the engine writes.
    for locale in Locale::ALL {
        let options = js_sys::Object::new();
        js_sys::Reflect::set(&options, &"useGrouping".into(), &JsValue::FALSE).unwrap();
        let locales = js_sys::Array::of1(&locale.code().into());
        let format = js_sys::Intl::NumberFormat::new(&locales, &options);
        for value in [0u64, 7, 42, 100, 12345] {
            let engine = format
                .format()
                .call1(&JsValue::NULL, &(value as f64).into())
                .unwrap();
            assert_eq!(
                number(locale, value),
                engine.as_string().unwrap(),
                "{locale:?} {value}"
            );
        }
    }
}

#[wasm_bindgen_test]
fn counts_are_written_in_the_digits_of_the_durations_beside_them() {
    use kyc_capture::i18n::{duration, number, Locale};
    // No grouping: a step counter or a percentage never reads "1,234".
    assert_eq!(number(Locale::En, 12345), "12345");
    assert_eq!(number(Locale::De, 100), "100");
    for locale in Locale::ALL {
        let seven = number(locale, 7);
        assert!(!seven.is_empty(), "{locale:?}");
        assert!(
            duration(locale, 7 * 60).contains(&seven),
            "{locale:?}: {seven} is not how {} writes 7",
            duration(locale, 7 * 60)
        );
    }
}
