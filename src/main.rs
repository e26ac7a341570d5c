//! Mounts the widget into `#kyc-capture`, configured by its `data-endpoint` and
//! `data-session-token` attributes (no token: ask the demo relay for a session).

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
    };
    leptos::mount::mount_to(
        host,
        move || view! { <CaptureWidget options=options.clone() /> },
    )
    .forget();
}
