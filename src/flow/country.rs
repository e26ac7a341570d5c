//! The issuing-country step, with the US state of a driver's license where the provider needs
//! it (B requires the state of a license issued in the USA, whatever the customer's country).

use kyc_core::Requirement;
use leptos::prelude::*;

use super::{BackButton, CollectAny, Flow, OrNothing, StepHeading};
use crate::i18n::I18n;
use crate::places;

/// Choosing the issuing `country` (ISO alpha-3) and, where asked, the `us_state` (empty: none).
#[component]
pub(super) fn CountryStep(country: RwSignal<String>, us_state: RwSignal<String>) -> impl IntoView {
    let flow = expect_context::<Flow>();
    let i18n = I18n::expect();
    let document = flow.document.get_untracked();
    let requirement = move || {
        document
            .map(|doc| {
                let country = country.get();
                flow.policy
                    .with_value(|p| p.state_requirement(doc, &country))
            })
            .unwrap_or(Requirement::Forbidden)
    };
    let countries = places::countries(i18n.locale(), &country.get_untracked());
    let missing = RwSignal::new(false);
    let shows_state = move || match requirement() {
        Requirement::Required => true,
        Requirement::Optional => country.get() == "USA",
        Requirement::Forbidden => false,
    };
    let proceed = move |_| {
        if requirement() == Requirement::Required && us_state.with_untracked(String::is_empty) {
            missing.set(true);
            return;
        }
        if !shows_state() {
            us_state.set(String::new());
        }
        // On to the first slot still to capture: after a reload, what the relay has is skipped.
        flow.after_capture();
    };
    let state_label = move || {
        let mut label = i18n.t("state.label");
        if requirement() == Requirement::Optional {
            label.push(' ');
            label.push_str(&i18n.t("state.optional"));
        }
        label
    };
    view! {
        <section class="kyc-step">
            <StepHeading text=i18n.t("country.heading") />
            <div class="kyc-field">
                <label for="kyc-country">{i18n.t("country.label")}</label>
                <select id="kyc-country" on:change=move |ev| country.set(event_target_value(&ev))>
                    {countries
                        .into_iter()
                        .map(|(code, name)| {
                            let selected = country.get_untracked() == code;
                            view! { <option value=code selected=selected>{name}</option> }
                        })
                        .collect_any()}
                </select>
            </div>
            {move || {
                shows_state()
                    .then(|| {
                        view! {
                            <div class="kyc-field">
                                <label for="kyc-state">{state_label()}</label>
                                <select
                                    id="kyc-state"
                                    aria-describedby="kyc-state-error"
                                    on:change=move |ev| {
                                        let value = event_target_value(&ev);
                                        us_state.set(value);
                                        missing.set(false);
                                    }
                                >
                                    <option value="">{i18n.t("state.choose")}</option>
                                    {places::US_STATES
                                        .iter()
                                        .map(|(code, name)| {
                                            let selected = us_state.with_untracked(|state| state == code);
                                            view! { <option value=*code selected=selected>{*name}</option> }
                                        })
                                        .collect_any()}
                                </select>
                            </div>
                        }
                    }).or_nothing()
            }}
            <p id="kyc-state-error" class="kyc-error" role="alert">
                // Empty while nothing is missing: a `String`, as every reactive text here
                // (an `Option` of text ships the framework's code for it once more).
                {move || if missing.get() { i18n.t("state.needed") } else { String::new() }}
            </p>
            <div class="kyc-actions">
                <BackButton />
                <button type="button" class="kyc-primary" on:click=proceed>
                    {i18n.t("continue")}
                </button>
            </div>
        </section>
    }
}
