//! The events the widget sends its host page: `CustomEvent`s that bubble and are composed, so a
//! listener on the `<kyc-capture>` element (or any ancestor, across the shadow boundary) gets
//! them. Every name starts with `kyc-`; the payload is the event's `detail`, a plain object.
//!
//! | event | `detail` |
//! | --- | --- |
//! | `kyc-ready` | `{ provider, steps }`: the flow is shown; `steps` counts the numbered steps |
//! | `kyc-step-changed` | `{ step, slot? }`: `step` is `consent`, `document`, `country`, `capture` (with `slot`), `handoff`, `review`, `send` or `status` |
//! | `kyc-capture-rejected` | `{ slot, reasons, message }`: the codes of what was wrong and the sentence the user read |
//! | `kyc-upload-progress` | `{ slot, percent }` |
//! | `kyc-submitted` | `{ documentType }` |
//! | `kyc-status-changed` | `{ status, reason? }`: `pending`, `verified` or `rejected` (with the provider's reason code) |
//! | `kyc-error` | `{ code, message }`: the relay could not be reached or refused; `code` is stable |
//! | `kyc-exit` | `{ step }`: the user left the flow with its close button |
//! | `kyc-handoff-started` | `{ expiresAt }`: a code for the phone is shown (again after each renewal); Unix seconds |
//! | `kyc-handoff-completed` | `{ status }`: the phone sent the documents; `status` as in `kyc-status-changed` |
//! | `kyc-retry` | `{ sessionId }` or `{ code }`: after a rejection the user pressed Start again; the relay opened the new session `sessionId`, or opened none (`code`, e.g. `customer_rejected`) |
//!
//! The same table is in `www/kyc-capture.d.ts` and the host guide (`docs/embedding.md`).

use std::cell::RefCell;

use kyc_core::{DocumentType, Provider, Slot, VerificationStatus};
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

/// Where the widget's events go: the element the host mounted it on, by a number (so the handle
/// is `Copy`, and plain: the first step sends events before the framework is loaded). Shared as
/// context in the later steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Events(Option<u32>);

thread_local! {
    /// The targets of the mounted widgets, by number; a number is never given twice, so a task
    /// that outlives its widget sends nothing to another one.
    static TARGETS: RefCell<(u32, Vec<(u32, web_sys::EventTarget)>)> =
        const { RefCell::new((0, Vec::new())) };
}

impl Events {
    /// A sink that drops every event (a flow mounted without a host).
    pub const NONE: Events = Events(None);

    /// Sends events to `target` until [`Events::release`].
    pub fn to(target: web_sys::EventTarget) -> Events {
        TARGETS.with(|targets| {
            let (last, targets) = &mut *targets.borrow_mut();
            *last += 1;
            targets.push((*last, target));
            Events(Some(*last))
        })
    }

    /// The widget is gone: its events (of a request answered later) are dropped from now on.
    pub fn release(self) {
        if let Some(id) = self.0 {
            TARGETS.with(|targets| targets.borrow_mut().1.retain(|(each, _)| *each != id));
        }
    }

    /// Provides these events to the components below.
    pub fn provide(self) -> Events {
        provide_context(self);
        self
    }

    /// The events provided above, or a sink that drops them (a flow mounted without a host).
    pub fn expect() -> Events {
        use_context::<Events>().unwrap_or(Events::NONE)
    }

    /// `kyc-ready`: the flow for `provider` is shown, with `steps` numbered steps.
    pub fn ready(&self, provider: Provider, steps: usize) {
        self.emit(
            "ready",
            &[
                ("provider", text(provider.code())),
                ("steps", JsValue::from(steps as u32)),
            ],
        );
    }

    /// `kyc-step-changed`: the user is at the step named `step` (of `slot`, for a capture).
    pub fn step_changed(&self, step: &str, slot: Option<Slot>) {
        let mut fields = vec![("step", text(step))];
        if let Some(slot) = slot {
            fields.push(("slot", text(slot.code())));
        }
        self.emit("step-changed", &fields);
    }

    /// `kyc-capture-rejected`: a capture of `slot` was refused for `reasons` (stable codes);
    /// `message` is what the user read.
    pub fn capture_rejected<'a>(
        &self,
        slot: Slot,
        reasons: impl IntoIterator<Item = &'a str>,
        message: &str,
    ) {
        let reasons: js_sys::Array = reasons.into_iter().map(text).collect();
        self.emit(
            "capture-rejected",
            &[
                ("slot", text(slot.code())),
                ("reasons", reasons.into()),
                ("message", text(message)),
            ],
        );
    }

    /// `kyc-upload-progress`: `percent` of `slot`'s file is sent.
    pub fn upload_progress(&self, slot: Slot, percent: u32) {
        self.emit(
            "upload-progress",
            &[
                ("slot", text(slot.code())),
                ("percent", JsValue::from(percent)),
            ],
        );
    }

    /// `kyc-submitted`: the documents of `document` went to the provider.
    pub fn submitted(&self, document: DocumentType) {
        self.emit("submitted", &[("documentType", text(document.code()))]);
    }

    /// `kyc-status-changed`, for a submitted `status` (nothing for `not_submitted`).
    pub fn status_changed(&self, status: &VerificationStatus) {
        if *status == VerificationStatus::NotSubmitted {
            return;
        }
        let mut fields = vec![("status", text(status.code()))];
        if let Some(reason) = status.reason() {
            fields.push(("reason", text(reason)));
        }
        self.emit("status-changed", &fields);
    }

    /// `kyc-error`: something failed that the user is told about in `message`; `code` is
    /// stable.
    pub fn error(&self, code: &str, message: &str) {
        self.emit("error", &[("code", text(code)), ("message", text(message))]);
    }

    /// `kyc-exit`: the user closed the flow at the step named `step`.
    pub fn exit(&self, step: &str) {
        self.emit("exit", &[("step", text(step))]);
    }

    /// `kyc-retry`: the new attempt's session id, or the relay's code when it opened none.
    pub fn retry(&self, outcome: Result<&str, &str>) {
        self.emit(
            "retry",
            &[match outcome {
                Ok(session_id) => ("sessionId", text(session_id)),
                Err(code) => ("code", text(code)),
            }],
        );
    }

    /// `kyc-handoff-started`: a code for the phone, working until `expires_at`, is shown.
    pub fn handoff_started(&self, expires_at: u64) {
        self.emit(
            "handoff-started",
            &[("expiresAt", JsValue::from(expires_at as f64))],
        );
    }

    /// `kyc-handoff-completed`: the phone sent the documents; the verification is at `status`.
    pub fn handoff_completed(&self, status: &VerificationStatus) {
        self.emit("handoff-completed", &[("status", text(status.code()))]);
    }

    /// Dispatches `kyc-<name>` with a `detail` object of `fields`.
    fn emit(&self, name: &str, fields: &[(&str, JsValue)]) {
        let Some(target) = self.0.and_then(|id| {
            TARGETS.with(|targets| {
                let targets = targets.borrow();
                targets
                    .1
                    .iter()
                    .find(|(each, _)| *each == id)
                    .map(|(_, t)| t.clone())
            })
        }) else {
            return;
        };
        let detail = js_sys::Object::new();
        for (key, value) in fields {
            let _ = js_sys::Reflect::set(&detail, &JsValue::from_str(key), value);
        }
        let init = web_sys::CustomEventInit::new();
        init.set_bubbles(true);
        init.set_composed(true);
        init.set_detail(&detail);
        if let Ok(event) =
            web_sys::CustomEvent::new_with_event_init_dict(&format!("kyc-{name}"), &init)
        {
            let _ = target.dispatch_event(event.unchecked_ref());
        }
    }
}

/// A string field of an event's detail.
fn text(value: &str) -> JsValue {
    JsValue::from_str(value)
}
