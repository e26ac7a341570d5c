//! Mounts the widget into `#kyc-capture`, configured by its attributes: `data-endpoint`,
//! `data-session-token` (none: ask the demo relay for a session), `data-locale` (`en`, `es`,
//! `fr`; none: the browser's language), `data-messages` (a JSON object of strings replacing
//! built-in ones by key) and `data-auto-capture` (`on`: a steady good frame is captured
//! without the button).

use kyc_capture::i18n::Locale;
use kyc_capture::{CaptureWidget, WidgetOptions};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

fn main() {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .expect("runs in a browser page");
    let host = document
        .get_element_by_id("kyc-capture")
        .and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok())
        .expect("the page has an element with id kyc-capture");
    let options = WidgetOptions {
        endpoint: host.get_attribute("data-endpoint").unwrap_or_default(),
        session_token: host
            .get_attribute("data-session-token")
            .filter(|token| !token.is_empty()),
        locale: host
            .get_attribute("data-locale")
            .and_then(|tag| Locale::from_tag(&tag)),
        messages: host
            .get_attribute("data-messages")
            .and_then(|json| js_sys::JSON::parse(&json).ok())
            .and_then(|value| serde_wasm_bindgen::from_value(value).ok())
            .unwrap_or_default(),
        auto_capture: host.get_attribute("data-auto-capture").as_deref() == Some("on"),
        ..WidgetOptions::default()
    };
    leptos::mount::mount_to(
        host,
        move || view! { <CaptureWidget options=options.clone() /> },
    )
    .forget();
}
