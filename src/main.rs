//! The demo page's entry point: mounts the widget into `#kyc-capture` through the same
//! [`kyc_capture::embed::mount`] a host page calls, with options from the element's `data-*`
//! attributes (`data-endpoint`, `data-session-token`, `data-locale`, `data-theme`,
//! `data-messages` (JSON), `data-auto-capture="on"`, `data-handoff` (`offered`, `forced`,
//! `off`), `data-handoff-url`). Without a token it asks the demo relay for a session.

use wasm_bindgen::{JsCast, JsValue};

fn main() {
    // The live analysis's worker runs this same module: there is no page to mount into there.
    if web_sys::window().is_none() {
        return;
    }
    let host = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("kyc-capture"))
        .and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok())
        .expect("the page has an element with id kyc-capture");
    let options = js_sys::Object::new();
    let set = |key: &str, value: JsValue| {
        let _ = js_sys::Reflect::set(&options, &key.into(), &value);
    };
    let attribute = |name: &str| host.get_attribute(name).filter(|v| !v.is_empty());
    set(
        "endpoint",
        attribute("data-endpoint").unwrap_or_default().into(),
    );
    match attribute("data-session-token") {
        Some(token) => set("sessionToken", token.into()),
        None => set("demo", true.into()),
    }
    for (attr, key) in [
        ("data-locale", "locale"),
        ("data-theme", "theme"),
        ("data-handoff", "handoff"),
        ("data-handoff-url", "handoffUrl"),
    ] {
        if let Some(value) = attribute(attr) {
            set(key, value.into());
        }
    }
    if let Some(json) = attribute("data-messages") {
        set(
            "messages",
            js_sys::JSON::parse(&json).unwrap_or(JsValue::NULL),
        );
    }
    set(
        "autoCapture",
        (attribute("data-auto-capture").as_deref() == Some("on")).into(),
    );
    // The demo page lives as long as the widget.
    std::mem::forget(kyc_capture::embed::mount(host, options.into(), None));
}
