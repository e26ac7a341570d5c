//! The guided capture flow, driven by the provider's policy from `kyc-core`: consent, document
//! type, issuing country (and state), each capture (camera first, file picker always), review
//! with retake, sending with progress, status.
//!
//! [`CaptureFlow`] owns the user's answers and hands each step what it alone needs as props;
//! what many steps share (the way between steps, the document chosen, the captures kept, the
//! live region) is the [`Flow`], provided as context.

mod business;
mod capture;
mod captures;
pub(crate) mod consent;
mod country;
mod document;
mod handoff;
mod later_steps;
mod retry;
mod review;
mod send;
mod status;

use std::rc::Rc;

use kyc_core::wire::{BusinessView, Choices, SessionView, StatusReport};
use kyc_core::{CustomerType, DocumentType, FileLimits, Policy, Slot, VerificationStatus};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::api::RelayClient;
use crate::events::Events;
use crate::i18n::I18n;
use crate::mounted::{mounted, Then};
use crate::options::{Handoff, WidgetOptions};
use crate::transport::Canceller;
use crate::upload::{self, RetryPolicy};

use business::Item;
use captures::Captures;
pub(crate) use consent::Consent;
use consent::ConsentStep;
use later_steps::Answers;

/// A step of the flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Agreeing to the check.
    Consent,
    /// Choosing the document type.
    Document,
    /// The issuing country (and US state of a driver's license).
    Country,
    /// Capturing one slot.
    Capture(Slot),
    /// Continuing on the phone (a desktop; not numbered).
    Handoff,
    /// Checking every capture, with retake.
    Review,
    /// Sending the files and submitting.
    Send,
    /// Following the verification.
    Status,
    /// A business: the company and its owners, what is missing, and the submission.
    Business,
    /// Choosing the identity document of a business's owner (its position).
    OwnerDocument(u8),
    /// Capturing and sending one file of a business.
    BusinessCapture(Item),
}

impl Step {
    /// The step's name in the `kyc-step-changed` event, with the slot of a capture.
    pub fn code(self) -> (&'static str, Option<Slot>) {
        match self {
            Step::Consent => ("consent", None),
            Step::Document => ("document", None),
            Step::Country => ("country", None),
            Step::Capture(slot) => ("capture", Some(slot)),
            Step::Handoff => ("handoff", None),
            Step::Review => ("review", None),
            Step::Send => ("send", None),
            Step::Status => ("status", None),
            Step::Business => ("business", None),
            Step::OwnerDocument(_) => ("owner_document", None),
            Step::BusinessCapture(Item::Company(_)) => ("company_capture", None),
            Step::BusinessCapture(Item::Owner(_, _, slot)) => ("owner_capture", Some(slot)),
        }
    }
}

/// The numbered steps for `document` under `policy`, in order (sending and status follow):
/// the required captures, then the optional ones, which the user may skip. A business goes
/// from the consent to its company (whose own steps are not counted).
pub fn plan(policy: &Policy, document: Option<DocumentType>) -> Vec<Step> {
    if policy.customer_type == CustomerType::Business {
        return vec![Step::Consent, Step::Business];
    }
    let mut steps = vec![Step::Consent, Step::Document, Step::Country];
    if let Some(document) = document {
        steps.extend(
            policy
                .required_slots(document)
                .into_iter()
                .chain(policy.optional_slots(document))
                .map(Step::Capture),
        );
    }
    steps.push(Step::Review);
    steps
}

/// The provider's policy for `session`.
pub(crate) fn policy_of(session: &SessionView) -> Policy {
    Policy::new(session.provider, session.customer_type, &session.country)
        .with_selfie_required(session.selfie_required)
        .with_proof_of_address_required(session.proof_of_address_required)
        .with_liveness_required(session.liveness_required)
        .with_optional_slots(session.optional_slots.clone())
}

/// The user's choices `session` was handed over with (the phone of a handoff, or a reload after
/// one), provided the terms it names were accepted there (else the consent asks again).
fn handed_choices(session: &SessionView) -> Option<Choices> {
    let terms = Consent::of(session).terms;
    session
        .choices
        .clone()
        .filter(|choices| choices.terms_accepted || terms.is_none())
}

/// Whether the flow of `session` starts at the consent: not submitted, no choices handed over,
/// and not a business reloaded halfway (which goes on at its company).
pub(crate) fn starts_at_consent(session: &SessionView) -> bool {
    session.status == VerificationStatus::NotSubmitted
        && handed_choices(session).is_none()
        && !session.business_started
}

/// What every step shares, provided as context. Copy: handles to reactive storage.
#[derive(Clone, Copy)]
struct Flow {
    policy: StoredValue<Policy>,
    step: RwSignal<Step>,
    /// Whether the user has moved between steps (only then does focus move to a heading).
    navigated: RwSignal<bool>,
    document: RwSignal<Option<DocumentType>>,
    captures: Captures,
    /// What the live region announces.
    notice: RwSignal<String>,
    /// Continuing on the phone, on this device (never on a phone, nor on the page a handoff
    /// opened).
    handoff: Handoff,
    /// The step the user went to the handoff from (Stay on this device returns there).
    handoff_from: StoredValue<Step>,
    /// Whether each capture is sent as soon as it is kept (the phone of a handoff, whose
    /// desktop shows them arriving), not all at the end.
    sends_each: bool,
    /// A business session's company and owners as the relay last told (`None` for an
    /// individual, and until read).
    company: RwSignal<Option<BusinessView>>,
    /// Whether the session is a business's.
    business: bool,
    /// The largest file the relay takes ([`SessionView::max_bytes`]).
    max_bytes: u64,
    /// The relay's client; a retry after a rejection replaces it (`retry::StartAgain`).
    client: StoredValue<RelayClient>,
}

impl Flow {
    /// What a chosen file or a capture is held to: the relay's upload limit, the core's others.
    fn limits(&self) -> FileLimits {
        FileLimits {
            max_bytes: self.max_bytes,
            ..FileLimits::default()
        }
    }

    /// The steps; before a document is chosen, counted with the first one offered.
    fn plan(&self) -> Vec<Step> {
        let document = self.document.get_untracked();
        self.policy.with_value(|policy| {
            plan(
                policy,
                document.or_else(|| policy.accepted_documents().first().copied()),
            )
        })
    }

    /// The slots the plan captures, in order.
    fn capture_slots(&self) -> Vec<Slot> {
        self.plan()
            .into_iter()
            .filter_map(|step| match step {
                Step::Capture(slot) => Some(slot),
                _ => None,
            })
            .collect()
    }

    /// Whether every slot the plan requires has a capture (tracked): the submission may go.
    fn complete(&self) -> bool {
        let required: Vec<Slot> = self
            .capture_slots()
            .into_iter()
            .filter(|slot| !self.is_optional(*slot))
            .collect();
        self.captures.has_all(&required)
    }

    /// Whether `slot` may be skipped (offered, not required).
    fn is_optional(&self, slot: Slot) -> bool {
        let document = self.chosen_document();
        self.policy
            .with_value(|policy| policy.optional_slots(document).contains(&slot))
    }

    /// The document chosen (the steps after the choice only run with one).
    fn chosen_document(&self) -> DocumentType {
        self.document
            .get_untracked()
            .unwrap_or(DocumentType::Passport)
    }

    /// Chooses `document`; the captures of another one are dropped.
    fn choose(&self, document: DocumentType) {
        if self.document.get_untracked().is_some_and(|d| d != document) {
            self.captures.start_over();
        }
        self.document.set(Some(document));
    }

    fn go(&self, step: Step) {
        self.navigated.set(true);
        let current = self.step.get_untracked();
        let step = self.resolve(step);
        if step == Step::Handoff && current != Step::Handoff {
            self.handoff_from.set_value(current);
        }
        self.step.set(step);
    }

    /// Where going to `step` leads: a capture is the handoff on a desktop that must hand off.
    fn resolve(&self, step: Step) -> Step {
        match step {
            Step::Capture(_) if self.handoff == Handoff::Forced => Step::Handoff,
            step => step,
        }
    }

    /// The first capture the relay does not have yet, else the review: where a session handed
    /// over with the user's choices continues.
    fn first_missing(&self) -> Step {
        self.plan()
            .into_iter()
            .find(|step| matches!(step, Step::Capture(slot) if !self.captures.has(*slot)))
            .unwrap_or(Step::Review)
    }

    /// The user's answers handed over to the phone: the document and its country, once
    /// chosen.
    fn choices(&self, country: String, state: Option<String>, terms: bool) -> Option<Choices> {
        self.document.get_untracked().map(|document_type| Choices {
            document_type,
            issuing_country: country,
            state,
            terms_accepted: terms,
        })
    }

    fn back(&self) {
        let steps = self.plan();
        let current = self.step.get_untracked();
        match steps.iter().position(|s| *s == current) {
            Some(index) if index > 0 => self.go(steps[index - 1]),
            // A business's own steps go back to the company.
            None if self.business => self.go(Step::Business),
            _ => {}
        }
    }

    fn next(&self) {
        let steps = self.plan();
        let current = self.step.get_untracked();
        if let Some(index) = steps.iter().position(|s| *s == current) {
            if let Some(step) = steps.get(index + 1) {
                self.go(*step);
            }
        }
    }

    /// On to the next slot still to capture after the current step, else the review: an
    /// optional slot skipped (this is also Skip) is not offered again on the way there, and the
    /// review holds the submission until every required slot has a capture.
    fn after_capture(&self) {
        let steps = self.plan();
        let current = self.step.get_untracked();
        let here = steps.iter().position(|s| *s == current).unwrap_or(0);
        let next = steps[here + 1..]
            .iter()
            .copied()
            .find(|step| matches!(step, Step::Capture(slot) if !self.captures.has(*slot)))
            .unwrap_or(Step::Review);
        self.go(next);
    }

    /// Sends `slot`'s capture to the relay now, if it holds one (the two devices of a handoff
    /// see each other's photos as soon as they are taken); one that fails stays held, to be
    /// sent with the others.
    async fn send_now(self, client: RelayClient, slot: Slot, retry: RetryPolicy) {
        let Some(held) = self.captures.held(slot) else {
            return;
        };
        let file = upload::Outgoing {
            place: upload::Place::Slot(slot),
            format: held.format,
            body: &held.bytes,
        };
        let canceller = Canceller::default();
        let sent = upload::upload(&client, file, retry, &canceller, |_| {}, |_| {});
        if sent.await.is_ok() {
            self.captures.sent(slot);
        }
    }

    fn announce(&self, text: String) {
        self.notice.set(text);
    }
}

/// The flow for one session (what the widget shows once connected).
#[component]
pub fn CaptureFlow(
    /// The relay, with the session's token.
    client: RelayClient,
    /// The session as the relay describes it.
    session: SessionView,
    /// The host's options.
    options: WidgetOptions,
    /// The user agreed in the first step (drawn before the framework, `crate::first_step`),
    /// which has sent `kyc-ready`: the flow starts at the step after the consent.
    #[prop(optional)]
    past_consent: bool,
) -> impl IntoView {
    let i18n = use_context::<I18n>().unwrap_or_else(|| I18n::provide(options.texts()));
    let events = Events::expect();
    let policy = policy_of(&session);
    let submitted = session.status != VerificationStatus::NotSubmitted;
    let consent = Consent::of(&session);
    // The phone of a handoff (or a reload after one) starts from what the user chose before.
    let choices = handed_choices(&session);
    let handed_over = crate::handoff::code_in_page().is_some();
    let business = session.customer_type == CustomerType::Business;
    // A business's files go to its company and owners, which the phone page does not know.
    let handoff = if handed_over || business || crate::handoff::is_touch_device() {
        Handoff::Off
    } else {
        options.handoff
    };
    let flow = Flow {
        policy: StoredValue::new(policy),
        step: RwSignal::new(Step::Consent),
        navigated: RwSignal::new(false),
        document: RwSignal::new(choices.as_ref().map(|c| c.document_type)),
        // What a reload finds at the relay.
        captures: Captures::new(&session.uploaded, session.quality),
        notice: RwSignal::new(String::new()),
        handoff,
        handoff_from: StoredValue::new(Step::Consent),
        sends_each: handed_over,
        company: RwSignal::new(None),
        business,
        max_bytes: session.max_bytes,
        client: StoredValue::new(client),
    };
    if submitted {
        flow.step.set(Step::Status);
    } else if choices.is_some() {
        flow.step.set(flow.resolve(flow.first_missing()));
    } else if session.business_started {
        // A business reloaded halfway goes on at its company.
        flow.step.set(Step::Business);
    } else if past_consent {
        flow.next();
    }
    provide_context(flow);
    // The user's answers and the verification, each handed to the steps that need it.
    let consented = RwSignal::new(choices.is_some() || past_consent || session.business_started);
    let country = RwSignal::new(
        choices
            .as_ref()
            .map_or_else(|| session.country.clone(), |c| c.issuing_country.clone()),
    );
    let us_state = RwSignal::new(choices.and_then(|c| c.state).unwrap_or_default());
    let status = RwSignal::new(submitted.then(|| StatusReport {
        status: session.status.clone(),
        pending_for_secs: None,
        review: None,
    }));
    let client = flow.client;
    let steps_count = flow.plan().len();
    let provider = session.provider;
    // Each effect keeps what it last told the host itself: effects of no value share the
    // framework's code for effects, where each type of value shipped its own.
    let mut told_step = None;
    Effect::new(move || {
        let step = flow.step.get();
        if told_step.is_none() && !past_consent {
            events.ready(provider, steps_count);
        }
        if told_step != Some(step) {
            let (code, slot) = step.code();
            events.step_changed(code, slot);
        }
        told_step = Some(step);
    });
    let mut told_status = None;
    Effect::new(move || {
        let current = status.with(|report| report.as_ref().map(|r| r.status.clone()));
        if told_status != current {
            if let Some(current) = &current {
                events.status_changed(current);
            }
        }
        told_status = current;
    });
    // Object URLs live as long as the page unless revoked.
    on_cleanup(move || flow.captures.forget_all());
    let counter = move || {
        let step = flow.step.get();
        let steps = flow.plan();
        let index = steps.iter().position(|s| *s == step)?;
        Some(i18n.fill(
            "step_of",
            &[
                ("n", &i18n.number(index as u64 + 1)),
                ("total", &i18n.number(steps.len() as u64)),
            ],
        ))
    };
    let exit = move |_| events.exit(flow.step.get_untracked().code().0);
    let answers = Answers {
        accepted: StoredValue::new(session.accepted_documents.clone()),
        consented,
        country,
        us_state,
        status,
        client,
        // The user ticked the box naming these terms to get past the consent step.
        terms_named: consent.terms.is_some(),
        provider,
        business,
        auto_capture: options.auto_capture,
        retry: options.retry,
        phone_page: StoredValue::new(
            options
                .handoff_url
                .clone()
                .unwrap_or_else(crate::handoff::this_page),
        ),
    };
    view! {
        <div class="kyc-flow">
            <div class="kyc-top">
                {move || {
                    i18n.track();
                    counter().map(|text| view! { <p class="kyc-counter">{text}</p> }).or_nothing()
                }}
                <button type="button" class="kyc-exit" on:click=exit>
                    {move || {
                        i18n.track();
                        i18n.t("exit")
                    }}
                </button>
            </div>
            // A change of language re-renders the current step; what was captured stays.
            {move || {
                i18n.track();
                match flow.step.get() {
                    Step::Consent => {
                        view! { <ConsentStep consented consent=consent.clone() /> }.into_any()
                    }
                    step => later_steps::render(answers, step),
                }
            }}
            <div class="kyc-visually-hidden" role="status" aria-live="polite">
                {move || flow.notice.get()}
            </div>
        </div>
    }
}

/// Collects a list's items as `AnyView`s (where the framework's `collect_view` keeps their
/// types): lists of every element type then share one copy of the framework's code for lists,
/// where each typed list shipped its own (1.9 KB gzip in all).
trait CollectAny: Iterator<Item: IntoAny> + Sized {
    fn collect_any(self) -> Vec<AnyView> {
        self.map(IntoAny::into_any).collect()
    }
}

impl<I: Iterator<Item: IntoAny>> CollectAny for I {}

/// The text kept in a signal of text where there may be none (an error, a link not yet
/// issued): `None` when empty. One type of signal for text: each type of a signal's value ships
/// its own copy of the framework's code for signals (`Option<String>`: 0.9 KB gzip).
fn said(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}

/// A view shown or not, as an `AnyView` that is empty when it is not shown (the framework's
/// placeholder, as for `None`): every such view, and every step, then share the framework's
/// code for `AnyView`, where an `Option` of a view shipped a copy of its own.
trait OrNothing {
    fn or_nothing(self) -> AnyView;
}

impl<V: IntoAny> OrNothing for Option<V> {
    fn or_nothing(self) -> AnyView {
        match self {
            Some(view) => view.into_any(),
            None => ().into_any(),
        }
    }
}

/// A note: a paragraph of secondary text. One function for every note whose text is known when
/// it is drawn, where a note written out in each step's view built its paragraph in code of its
/// own (the business step's intro follows the company's name as it loads: its own paragraph).
fn note(text: String) -> AnyView {
    view! { <p class="kyc-note">{text}</p> }.into_any()
}

/// A step's heading; it takes the focus when the user arrives at the step, so keyboard and
/// screen-reader users start reading at the new step.
#[component]
fn StepHeading(text: String) -> impl IntoView {
    let flow = use_context::<Flow>();
    let focus: Then = Rc::new(move |element| {
        if flow.is_some_and(|flow| flow.navigated.get_untracked()) {
            let _ = element.unchecked_into::<web_sys::HtmlElement>().focus();
        }
    });
    if let Some(flow) = flow {
        flow.announce(text.clone());
    }
    view! {
        <h2 class="kyc-heading" tabindex="-1" use:mounted=focus>
            {text}
        </h2>
    }
}

/// Back to the previous step of the plan.
#[component]
fn BackButton() -> impl IntoView {
    let flow = expect_context::<Flow>();
    let i18n = I18n::expect();
    view! {
        <button type="button" class="kyc-secondary" on:click=move |_| flow.back()>
            {i18n.t("back")}
        </button>
    }
}
