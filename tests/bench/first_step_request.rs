//! The one request both first steps of the bench make before they show (`first_step_floor.rs`
//! with Leptos, `first_step_plain.rs` without a framework): the same code in each, so their
//! sizes differ by the step's rendering alone.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Asks `url` for `{"heading": ...}`; `then` gets the heading once the answer is there (empty
/// if it names none).
pub fn ask_heading(url: &str, then: impl FnOnce(String) + 'static) -> Result<(), JsValue> {
    let request = web_sys::XmlHttpRequest::new()?;
    request.open("GET", url)?;
    let answered = request.clone();
    let on_load = Closure::once_into_js(move || {
        let text = answered.response_text().ok().flatten().unwrap_or_default();
        let heading = js_sys::JSON::parse(&text)
            .and_then(|answer| js_sys::Reflect::get(&answer, &"heading".into()))
            .ok()
            .and_then(|heading| heading.as_string())
            .unwrap_or_default();
        then(heading);
    });
    request.add_event_listener_with_callback("load", on_load.unchecked_ref())?;
    request.send()
}
