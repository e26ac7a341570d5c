//! Building the DOM without the framework: the first step (the connecting note, the consent, an
//! error) is drawn with these before Leptos is loaded (issue 18: the first step in 50 KB; the
//! framework comes with the later steps).

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// A new `<tag class=class>` holding `text`, appended to `parent`.
pub fn child(parent: &web_sys::Node, tag: &str, class: &str, text: &str) -> web_sys::HtmlElement {
    let element: web_sys::HtmlElement = document()
        .create_element(tag)
        .expect("a known tag")
        .unchecked_into();
    if !class.is_empty() {
        element.set_class_name(class);
    }
    if !text.is_empty() {
        element.set_text_content(Some(text));
    }
    let _ = parent.append_child(&element);
    element
}

/// Sets the attributes `pairs` of `element`.
pub fn attributes(element: &web_sys::Element, pairs: &[(&str, &str)]) {
    for (name, value) in pairs {
        let _ = element.set_attribute(name, value);
    }
}

/// Calls `listener` with each `event` at `target`. The listener must not hold DOM nodes (it
/// finds them from the event): its closure is freed when the browser collects `target`, which
/// a node held by the closure would keep alive.
pub fn on(
    target: &web_sys::EventTarget,
    event: &str,
    listener: impl FnMut(web_sys::Event) + 'static,
) {
    let listener = Closure::<dyn FnMut(web_sys::Event)>::new(listener).into_js_value();
    let _ = target.add_event_listener_with_callback(event, listener.unchecked_ref());
}

/// The element `event` is at (its current target), as `T`.
pub fn at<T: JsCast>(event: &web_sys::Event) -> Option<T> {
    event.current_target()?.dyn_into().ok()
}

/// The page's document.
pub fn document() -> web_sys::Document {
    web_sys::window()
        .and_then(|window| window.document())
        .expect("a page with a document")
}
