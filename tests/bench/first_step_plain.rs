//! The same step as `first_step_floor.rs` (a heading, two paragraphs, a checkbox with its
//! label, an error line and a button, once one request's JSON answer names the heading), with
//! no framework: the DOM built and updated through web-sys. Built as the package's module is,
//! its size beside the floor's is what the framework itself costs a first step, and what a
//! first step written without it would start from.

#[path = "first_step_request.rs"]
mod request;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// A `tag` element with `class` (if not empty) and `text`, appended to `parent`.
fn child(
    document: &web_sys::Document,
    parent: &web_sys::Element,
    tag: &str,
    class: &str,
    text: &str,
) -> Result<web_sys::Element, JsValue> {
    let element = document.create_element(tag)?;
    if !class.is_empty() {
        element.set_class_name(class);
    }
    if !text.is_empty() {
        element.set_text_content(Some(text));
    }
    parent.append_child(&element)?;
    Ok(element)
}

/// The step, with `heading`, in `element`.
fn render(element: &web_sys::HtmlElement, heading: &str) -> Result<(), JsValue> {
    let document = element.owner_document().ok_or("no document")?;
    let section = child(&document, element, "section", "kyc-step", "")?;
    child(&document, &section, "h2", "", heading)?.set_attribute("tabindex", "-1")?;
    child(
        &document,
        &section,
        "p",
        "",
        "We check your identity document with our provider.",
    )?;
    let check = child(&document, &section, "div", "kyc-check", "")?;
    let input: web_sys::HtmlInputElement =
        child(&document, &check, "input", "", "")?.unchecked_into();
    input.set_id("kyc-consent");
    input.set_type("checkbox");
    child(
        &document,
        &check,
        "label",
        "",
        "I agree to my identity document being checked",
    )?
    .set_attribute("for", "kyc-consent")?;
    let error = child(&document, &section, "p", "kyc-error", "")?;
    error.set_attribute("role", "alert")?;
    let button = child(&document, &section, "button", "kyc-primary", "Continue")?;
    button.set_attribute("type", "button")?;
    let on_change = {
        let error = error.clone();
        Closure::<dyn FnMut()>::new(move || error.set_text_content(None))
    };
    input.add_event_listener_with_callback("change", on_change.as_ref().unchecked_ref())?;
    on_change.forget();
    let on_click = Closure::<dyn FnMut()>::new(move || {
        let text = (!input.checked()).then_some("Tick the box to go on.");
        error.set_text_content(text);
    });
    button.add_event_listener_with_callback("click", on_click.as_ref().unchecked_ref())?;
    on_click.forget();
    Ok(())
}

/// Asks `url` for `{"heading": ...}` and renders the step into `element` with it.
#[wasm_bindgen]
pub fn mount(element: web_sys::HtmlElement, url: &str) -> Result<(), JsValue> {
    request::ask_heading(url, move |heading| {
        let _ = render(&element, &heading);
    })
}
