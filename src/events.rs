//! The events the widget sends its host page: `CustomEvent`s that bubble and are composed, so a
//! listener on the `<kyc-capture>` element (or any ancestor, across the shadow boundary) gets
//! them. Every name starts with `kyc-`; the payload is the event's `detail`, a plain object.
//!
//! | event | `detail` |
//! | --- | --- |
//! | `kyc-ready` | `{ provider, steps }`: the flow is shown; `steps` counts the numbered steps |
//! | `kyc-step-changed` | `{ step, slot? }`: `step` is `consent`, `document`, `country`, `capture` (with `slot`), `review`, `send` or `status` |
//! | `kyc-capture-rejected` | `{ slot, reasons, message }`: the codes of what was wrong and the sentence the user read |
//! | `kyc-upload-progress` | `{ slot, percent }` |
//! | `kyc-submitted` | `{ documentType }` |
//! | `kyc-status-changed` | `{ status, reason? }`: `pending`, `verified` or `rejected` (with the provider's reason code) |
//! | `kyc-error` | `{ code, message }`: the relay could not be reached or refused; `code` is stable |
//! | `kyc-exit` | `{ step }`: the user left the flow with its close button |
//!
//! The same table is in `www/kyc-capture.d.ts` and the host guide (`docs/embedding.md`).

use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

/// Where the widget's events go: the element the host mounted it on. Copy, shared as context.
#[derive(Clone, Copy)]
pub struct Events(StoredValue<Option<web_sys::EventTarget>, LocalStorage>);

impl Events {
    /// Sends the events of the components below to `target` (none: they are dropped).
    pub fn provide(target: Option<web_sys::EventTarget>) -> Events {
        let events = Events(StoredValue::new_local(target));
        provide_context(events);
        events
    }

    /// The events provided above, or a sink that drops them (a flow mounted without a host).
    pub fn expect() -> Events {
        use_context::<Events>().unwrap_or_else(|| Events::provide(None))
    }

    /// Dispatches `kyc-<name>` with a `detail` object of `fields`.
    pub fn emit(&self, name: &str, fields: &[(&str, JsValue)]) {
        let Some(target) = self.0.try_get_value().flatten() else {
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
pub fn text(value: &str) -> JsValue {
    JsValue::from_str(value)
}
