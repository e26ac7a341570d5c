//! The steps after the consent (the document and its country, capturing, the phone handoff,
//! review, sending, status, a business's own steps): [`render`] shows one, with what it needs of
//! the user's [`Answers`].

use kyc_core::wire::{StatusReport, SubmitRequest};
use kyc_core::{DocumentType, Provider};
use leptos::prelude::*;

use super::business::{BusinessCaptureStep, BusinessStep, OwnerDocumentStep};
use super::capture::CaptureStep;
use super::country::CountryStep;
use super::document::DocumentStep;
use super::handoff::HandoffStep;
use super::review::ReviewStep;
use super::send::SendStep;
use super::status::StatusStep;
use super::{said, Flow, Step};
use crate::api::RelayClient;
use crate::upload::RetryPolicy;

/// What the later steps need of the user's answers and the host's options, in one value the
/// flow hands them (handles to reactive storage, so `Copy`).
#[derive(Clone, Copy)]
pub struct Answers {
    /// The document types the provider accepts here.
    pub accepted: StoredValue<Vec<DocumentType>>,
    pub consented: RwSignal<bool>,
    pub country: RwSignal<String>,
    /// The US state of a license, where asked (empty: none).
    pub us_state: RwSignal<String>,
    pub status: RwSignal<Option<StatusReport>>,
    pub client: StoredValue<RelayClient>,
    /// Whether the session names terms of service (the consent's box named them).
    pub terms_named: bool,
    pub provider: Provider,
    pub business: bool,
    pub auto_capture: bool,
    pub retry: RetryPolicy,
    /// The page a handoff's link opens on the phone.
    pub phone_page: StoredValue<String>,
}

/// Shows `step`, one of the later steps (the consent is the flow's own).
pub fn render(answers: Answers, step: Step) -> AnyView {
    let flow = expect_context::<Flow>();
    let Answers {
        accepted,
        consented,
        country,
        us_state,
        status,
        client,
        terms_named,
        provider,
        business,
        auto_capture,
        retry,
        phone_page,
    } = answers;
    let terms_accepted = terms_named && consented.get_untracked();
    match step {
        Step::Document => view! { <DocumentStep accepted=accepted.get_value() /> }.into_any(),
        Step::Country => view! { <CountryStep country us_state /> }.into_any(),
        Step::Capture(which) => view! { <CaptureStep which auto_capture /> }.into_any(),
        Step::Handoff => {
            let choices = flow.choices(
                country.get_untracked(),
                said(us_state.get_untracked()),
                terms_accepted,
            );
            let base = phone_page.get_value();
            view! { <HandoffStep client choices base retry status /> }.into_any()
        }
        Step::Review => view! { <ReviewStep /> }.into_any(),
        Step::Send => {
            let request = SubmitRequest {
                document_type: flow.chosen_document(),
                issuing_country: country.get_untracked(),
                state: said(us_state.get_untracked()),
                terms_accepted,
            };
            view! { <SendStep client=client.get_value() retry request status /> }.into_any()
        }
        Step::Status => view! { <StatusStep client report=status provider business /> }.into_any(),
        Step::Business => view! { <BusinessStep status terms_accepted /> }.into_any(),
        Step::OwnerDocument(owner) => view! { <OwnerDocumentStep owner /> }.into_any(),
        Step::BusinessCapture(item) => {
            view! { <BusinessCaptureStep item auto_capture retry /> }.into_any()
        }
        Step::Consent => ().into_any(),
    }
}
