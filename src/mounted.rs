//! What runs on an element of a later step once it is in the document: the step's heading
//! takes the focus, the consent draws itself, the preview gets the camera's stream.
//!
//! A directive (`use:mounted=then`) rather than a `NodeRef` with `on_load`: a `NodeRef` ships
//! the framework's code for a signal, an effect and a loader once per element type (`<h2>`,
//! `<section>`, `<button>`, `<video>`: 2.9 KB gzip with the owner's name `<input>`, now read
//! from its form's submit event); this one function serves them all.

use std::rc::Rc;

use leptos::task::spawn_local;

/// What is done with an element once it is in the document.
pub type Then = Rc<dyn Fn(web_sys::Element)>;

/// The directive: runs `then` with `element` once the view that built it is in the document
/// (the framework builds an element, then inserts it, in the same task; `then` runs after),
/// and again whenever the framework reuses the element for a new view of the same shape (as it
/// does from one capture step to the next).
pub fn mounted(element: web_sys::Element, then: Then) {
    spawn_local(async move { then(element) });
}
