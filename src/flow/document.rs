//! The document-type step: one button per type the provider accepts, and a sentence naming the
//! identity documents it refuses.

use kyc_core::DocumentType;
use leptos::prelude::*;

use super::{note, BackButton, CollectAny, Flow, OrNothing, StepHeading};
use crate::i18n::I18n;
use crate::messages;

/// Choosing among the `accepted` document types.
#[component]
pub(super) fn DocumentStep(accepted: Vec<DocumentType>) -> impl IntoView {
    let flow = expect_context::<Flow>();
    let i18n = I18n::expect();
    let not_accepted = i18n.with(|texts| messages::not_accepted_note(texts, &accepted));
    let none = accepted.is_empty();
    view! {
        <section class="kyc-step">
            <StepHeading text=i18n.t("document.heading") />
            {not_accepted.map(note).or_nothing()}
            {none.then(|| view! { <p class="kyc-error">{i18n.t("document.none")}</p> }).or_nothing()}
            <div class="kyc-choices">
                {accepted
                    .into_iter()
                    .map(|doc| {
                        let pressed = move || flow.document.get() == Some(doc);
                        view! {
                            <button
                                type="button"
                                class="kyc-choice"
                                aria-pressed=move || pressed().to_string()
                                on:click=move |_| {
                                    flow.choose(doc);
                                    flow.next();
                                }
                            >
                                {i18n.with(|texts| messages::document_name(texts, doc))}
                            </button>
                        }
                    })
                    .collect_any()}
            </div>
            <div class="kyc-actions">
                <BackButton />
            </div>
        </section>
    }
}
