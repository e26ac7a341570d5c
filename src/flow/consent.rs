//! The consent step: what is checked and why, the provider's terms where it has them, and the
//! box the user ticks before anything else.

use leptos::prelude::*;

use super::{Flow, StepHeading};
use crate::i18n::I18n;

/// Agreeing to the check. `consented` outlives the step (back here, the box is still ticked);
/// `selfie` says a selfie will be asked for; `terms` is the provider's terms of service (a web
/// link), if any; `business` that the company's and its owners' documents are checked.
#[component]
pub(super) fn ConsentStep(
    consented: RwSignal<bool>,
    selfie: bool,
    terms: Option<String>,
    business: bool,
) -> impl IntoView {
    let flow = expect_context::<Flow>();
    let i18n = I18n::expect();
    let (missing, set_missing) = signal(false);
    // With the provider's terms, the box the user ticks names them.
    let (body, agree) = match (business, terms.is_some()) {
        (true, _) => ("consent.business", "consent.agree_business"),
        (false, true) => ("consent.body", "consent.agree_tos"),
        (false, false) => ("consent.body", "consent.agree"),
    };
    let proceed = move |_| {
        if consented.get_untracked() {
            flow.next();
        } else {
            set_missing.set(true);
        }
    };
    view! {
        <section class="kyc-step">
            <StepHeading text=i18n.t("consent.heading") />
            <p>{i18n.t(body)}</p>
            {selfie.then(|| view! { <p>{i18n.t("consent.selfie")}</p> })}
            {terms
                .map(|url| {
                    view! {
                        <p class="kyc-note">
                            {i18n.t("consent.tos")} " "
                            <a href=url target="_blank" rel="noopener noreferrer">
                                {i18n.t("consent.tos_link")}
                            </a>
                        </p>
                    }
                })}
            <div class="kyc-check">
                <input
                    type="checkbox"
                    id="kyc-consent"
                    prop:checked=move || consented.get()
                    aria-describedby="kyc-consent-error"
                    on:change=move |ev| {
                        consented.set(event_target_checked(&ev));
                        set_missing.set(false);
                    }
                />
                <label for="kyc-consent">{i18n.t(agree)}</label>
            </div>
            <p id="kyc-consent-error" class="kyc-error" role="alert">
                {move || missing.get().then(|| i18n.t("consent.needed"))}
            </p>
            <div class="kyc-actions">
                <button type="button" class="kyc-primary" on:click=proceed>
                    {i18n.t("continue")}
                </button>
            </div>
        </section>
    }
}
