//! The consent step: what is checked and why, the provider's terms where it has them, and the
//! box the user ticks before anything else. Drawn without the framework ([`draw`]): it is the
//! first step, shown before Leptos is loaded (`crate::first_step`); the flow's [`ConsentStep`]
//! draws the same when the user comes back to it.

use std::rc::Rc;

use kyc_core::wire::SessionView;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::Flow;
use crate::dom;
use crate::i18n::{I18n, Texts};
use crate::mounted::{mounted, Then};

/// What the consent says, from the session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Consent {
    /// A selfie will be asked for.
    pub selfie: bool,
    /// The provider's terms of service (an https link), if any: the box names them.
    pub terms: Option<String>,
    /// The company's and its owners' documents are checked.
    pub business: bool,
}

impl Consent {
    /// The consent of `session`. Only an https link is shown: the relay checks it too, but a
    /// `javascript:` (or any other) URL from a provider never reaches an `href` in the host page.
    pub fn of(session: &SessionView) -> Consent {
        Consent {
            selfie: session.selfie_required,
            terms: session
                .terms_of_service_url
                .clone()
                .filter(|url| kyc_core::text::is_https_link(url)),
            business: session.customer_type == kyc_core::CustomerType::Business,
        }
    }
}

/// Draws the consent step into `section` (a `.kyc-step`) in `texts`, the box ticked if
/// `ticked`: `on_tick` hears each change of the box, `on_continue` the Continue of a ticked box
/// (an unticked one says why it cannot go on). Returns the heading, for the caller to announce
/// and focus.
pub fn draw(
    section: &web_sys::Node,
    texts: &Texts,
    consent: &Consent,
    ticked: bool,
    mut on_tick: impl FnMut(bool) + 'static,
    mut on_continue: impl FnMut() + 'static,
) -> web_sys::HtmlElement {
    // With the provider's terms, the box the user ticks names them.
    let (body, agree) = match (consent.business, consent.terms.is_some()) {
        (true, _) => ("consent.business", "consent.agree_business"),
        (false, true) => ("consent.body", "consent.agree_tos"),
        (false, false) => ("consent.body", "consent.agree"),
    };
    let heading = dom::child(section, "h2", "kyc-heading", &texts.get("consent.heading"));
    heading.set_tab_index(-1);
    dom::child(section, "p", "", &texts.get(body));
    if consent.selfie {
        dom::child(section, "p", "", &texts.get("consent.selfie"));
    }
    if let Some(url) = &consent.terms {
        let note = dom::child(section, "p", "kyc-note", &texts.get("consent.tos"));
        let _ = note.append_with_str_1(" ");
        let link = dom::child(&note, "a", "", &texts.get("consent.tos_link"));
        dom::attributes(
            &link,
            &[
                ("href", url),
                ("target", "_blank"),
                ("rel", "noopener noreferrer"),
            ],
        );
    }
    let check = dom::child(section, "div", "kyc-check", "");
    let input: web_sys::HtmlInputElement = dom::child(&check, "input", "", "").unchecked_into();
    dom::attributes(
        &input,
        &[
            ("type", "checkbox"),
            ("id", "kyc-consent"),
            ("aria-describedby", "kyc-consent-error"),
        ],
    );
    input.set_checked(ticked);
    let label = dom::child(&check, "label", "", &texts.get(agree));
    dom::attributes(&label, &[("for", "kyc-consent")]);
    let error = dom::child(section, "p", "kyc-error", "");
    dom::attributes(&error, &[("id", "kyc-consent-error"), ("role", "alert")]);
    let actions = dom::child(section, "div", "kyc-actions", "");
    let button = dom::child(&actions, "button", "kyc-primary", &texts.get("continue"));
    dom::attributes(&button, &[("type", "button")]);
    let needed = texts.get("consent.needed");
    // Listened to on the section, whose parts each event finds there: a listener holding a
    // node would keep it, and itself, alive after the step is gone.
    let part = |event: &web_sys::Event, selector: &str| {
        dom::at::<web_sys::Element>(event)
            .and_then(|section| section.query_selector(selector).ok().flatten())
    };
    dom::on(section, "change", move |event| {
        let Some(input) =
            part(&event, "input").and_then(|i| i.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        on_tick(input.checked());
        if let Some(error) = part(&event, ".kyc-error") {
            error.set_text_content(None);
        }
    });
    dom::on(section, "click", move |event| {
        let pressed = event
            .target()
            .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|target| target.class_name() == "kyc-primary");
        if !pressed {
            return;
        }
        let ticked = part(&event, "input")
            .and_then(|i| i.dyn_into::<web_sys::HtmlInputElement>().ok())
            .is_some_and(|input| input.checked());
        if ticked {
            on_continue();
        } else if let Some(error) = part(&event, ".kyc-error") {
            error.set_text_content(Some(&needed));
        }
    });
    heading
}

/// The consent step in the flow (the user came back to it). `consented` outlives the step
/// (back here, the box is still ticked).
#[component]
pub(super) fn ConsentStep(consented: RwSignal<bool>, consent: Consent) -> impl IntoView {
    let flow = expect_context::<Flow>();
    let i18n = I18n::expect();
    let heading = i18n.t("consent.heading");
    let fill: Then = Rc::new(move |section| {
        // The step may be gone already (the flow with it).
        let Some(ticked) = consented.try_get_untracked() else {
            return;
        };
        let drawn = i18n.with(|texts| {
            draw(
                &section,
                texts,
                &consent,
                ticked,
                move |ticked| consented.set(ticked),
                move || flow.next(),
            )
        });
        if flow.navigated.get_untracked() {
            let _ = drawn.focus();
        }
    });
    flow.announce(heading);
    view! { <section class="kyc-step" use:mounted=fill></section> }
}
