//! The review step: every capture with its preview and warnings, a retake for each, and the
//! submit that starts sending once every slot has one.

use kyc_core::{QualityIssue, Slot};
use leptos::prelude::*;

use super::captures::Shot;
use super::{note, BackButton, CollectAny, Flow, OrNothing, Step, StepHeading};
use crate::i18n::I18n;
use crate::messages;

/// Checking every capture of the plan.
#[component]
pub(super) fn ReviewStep() -> impl IntoView {
    let flow = expect_context::<Flow>();
    let i18n = I18n::expect();
    let document = flow.chosen_document();
    let slots = flow.capture_slots();
    let complete = move || flow.complete();
    view! {
        <section class="kyc-step">
            <StepHeading text=i18n.t("review.heading") />
            {note(i18n.t("review.intro"))}
            <ul class="kyc-review">
                {slots
                    .into_iter()
                    .map(|slot| {
                        let title = i18n.with(|t| messages::slot_title(t, slot, document));
                        let alt = i18n.fill("review.photo_of", &[("slot", &title)]);
                        // A skipped optional slot is added rather than retaken.
                        let key = if flow.captures.has(slot) { "review.retake" } else { "review.add" };
                        let retake = i18n.fill(key, &[("slot", &title)]);
                        view! {
                            <li class="kyc-review-item" data-slot=slot.code()>
                                <h3>{title.clone()}</h3>
                                {move || match flow.captures.shot(slot) {
                                    Some(Shot { preview: Some(url), warnings, .. }) => {
                                        view! {
                                            <img class="kyc-thumb" src=url alt=alt.clone() />
                                            <Warnings warnings />
                                        }
                                            .into_any()
                                    }
                                    Some(Shot { uploaded: true, .. }) => {
                                        view! { <p class="kyc-ok">{i18n.t("review.sent_before")}</p> }
                                            .into_any()
                                    }
                                    Some(_) => view! { <p>{i18n.t("review.pdf")}</p> }.into_any(),
                                    None => ().into_any(),
                                }}
                                <CropSwitch which=slot />
                                <button
                                    type="button"
                                    class="kyc-secondary"
                                    aria-label=retake.clone()
                                    on:click=move |_| flow.go(Step::Capture(slot))
                                >
                                    {retake.clone()}
                                </button>
                            </li>
                        }
                    })
                    .collect_any()}
            </ul>
            <div class="kyc-actions">
                <BackButton />
                <button
                    type="button"
                    class="kyc-primary"
                    disabled=move || !complete()
                    on:click=move |_| flow.go(Step::Send)
                >
                    {i18n.t("review.submit")}
                </button>
            </div>
        </section>
    }
}

/// For a document cropped from its photo, the switch to keep the whole photo instead, and the
/// crop again; nothing shown otherwise. The button stays (and keeps the focus) while its label
/// switches.
#[component]
pub(super) fn CropSwitch(which: Slot) -> impl IntoView {
    let slot = which;
    let flow = expect_context::<Flow>();
    let i18n = I18n::expect();
    let crop = move || flow.captures.shot(slot).and_then(|shot| shot.cropped);
    view! {
        <button
            type="button"
            class="kyc-secondary kyc-crop-switch"
            hidden=move || crop().is_none()
            on:click=move |_| flow.captures.switch_crop(slot)
        >
            {move || {
                i18n.t(if crop() == Some(false) { "review.cropped" } else { "review.whole_photo" })
            }}
        </button>
    }
}

/// The quality issues a kept photo was let through with.
#[component]
pub(super) fn Warnings(warnings: Vec<QualityIssue>) -> impl IntoView {
    let i18n = I18n::expect();
    (!warnings.is_empty()).then(|| {
        view! {
            <div class="kyc-warning">
                <p>{i18n.t("quality.kept")}</p>
                <ul>
                    {warnings
                        .into_iter()
                        .map(|issue| view! { <li>{i18n.with(|t| messages::quality_issue(t, issue))}</li> })
                        .collect_any()}
                </ul>
            </div>
        }
    }).or_nothing()
}
