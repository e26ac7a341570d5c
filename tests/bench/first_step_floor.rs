//! The least a first step costs with the widget's stack, for the payload section of
//! `cargo xtask bench`: Leptos mounting a step like the widget's consent (a heading, two
//! paragraphs, a checkbox with its label, an error line and a button, two signals) once one
//! request's JSON answer names the heading. None of the widget's code is in it: no strings
//! table, no relay client, no session contract, no events, no styles. Built as the package's
//! module is (`dist::release_module`), its size is what stands between the framework and the
//! first step's 50 KB goal before a line of the widget.

use leptos::prelude::*;
#[path = "first_step_request.rs"]
mod request;

use wasm_bindgen::prelude::*;

#[component]
fn Step(heading: String) -> impl IntoView {
    let (agreed, set_agreed) = signal(false);
    let (error, set_error) = signal(String::new());
    let proceed = move |_| {
        if agreed.get() {
            set_error.set(String::new());
        } else {
            set_error.set("Tick the box to go on.".to_owned());
        }
    };
    view! {
        <section class="kyc-step">
            <h2 tabindex="-1">{heading}</h2>
            <p>"We check your identity document with our provider."</p>
            <div class="kyc-check">
                <input
                    id="kyc-consent"
                    type="checkbox"
                    prop:checked=agreed
                    on:change=move |ev| set_agreed.set(event_target_checked(&ev))
                />
                <label for="kyc-consent">"I agree to my identity document being checked"</label>
            </div>
            <p class="kyc-error" role="alert">{move || error.get()}</p>
            <button type="button" class="kyc-primary" on:click=proceed>"Continue"</button>
        </section>
    }
}

/// Asks `url` for `{"heading": ...}` and mounts the step into `element` with it.
#[wasm_bindgen]
pub fn mount(element: web_sys::HtmlElement, url: &str) -> Result<(), JsValue> {
    request::ask_heading(url, move |heading| {
        std::mem::forget(leptos::mount::mount_to(element, move || {
            view! { <Step heading=heading.clone() /> }
        }));
    })
}
