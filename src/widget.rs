//! The guided capture flow, driven by the provider's policy from `kyc-core`: consent, document
//! type, issuing country (and state), each capture (camera first, file picker always), review
//! with retake, sending with progress, status.

use std::time::Duration;

use kyc_core::wire::{SessionView, StatusReport, SubmitRequest};
use kyc_core::{
    inspect_file, sniff, DocumentType, FileFormat, FileLimits, GateDecision, Policy, QualityGate,
    QualityIssue, Requirement, Slot, VerificationStatus,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::api::RelayClient;
use crate::camera::{self, Camera, CameraError, Steadiness};
use crate::events::{text, Events};
use crate::i18n::{I18n, Locale, Texts};
use crate::messages;
use crate::per_slot::PerSlot;
use crate::photo::prepare_photo;
use crate::places;
use crate::transport::{Canceller, RelayError};
use crate::upload::{self, RetryPolicy, UploadError};

/// How the host configures the widget.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WidgetOptions {
    /// The relay's base URL; empty for the page's own origin.
    pub endpoint: String,
    /// The session token the host's backend obtained; `None` asks a demo relay for one.
    pub session_token: Option<String>,
    /// The language; `None` follows the browser, then English.
    pub locale: Option<Locale>,
    /// Strings replacing the built-in ones, by key (see [`crate::i18n`]).
    pub messages: crate::i18n::Overrides,
    /// Whether a steady, good preview frame is captured without pressing the button.
    pub auto_capture: bool,
    /// Light, dark, or the user's system setting.
    pub theme: Theme,
    /// How failed uploads are retried.
    pub retry: RetryPolicy,
}

/// The colour scheme (`theme` option); the colours themselves are CSS custom properties.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Theme {
    /// Follows `prefers-color-scheme`.
    #[default]
    Auto,
    /// Light, whatever the system says.
    Light,
    /// Dark, whatever the system says.
    Dark,
}

impl Theme {
    /// The theme named `code` (`auto`, `light`, `dark`).
    pub fn from_code(code: &str) -> Option<Theme> {
        match code {
            "auto" => Some(Theme::Auto),
            "light" => Some(Theme::Light),
            "dark" => Some(Theme::Dark),
            _ => None,
        }
    }

    /// The theme's name, also the root's `data-theme`.
    pub fn code(self) -> &'static str {
        match self {
            Theme::Auto => "auto",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }
}

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
    /// Checking every capture, with retake.
    Review,
    /// Sending the files and submitting.
    Send,
    /// Following the verification.
    Status,
}

impl Step {
    /// The step's name in the `kyc-step-changed` event, with the slot of a capture.
    pub fn code(self) -> (&'static str, Option<Slot>) {
        match self {
            Step::Consent => ("consent", None),
            Step::Document => ("document", None),
            Step::Country => ("country", None),
            Step::Capture(slot) => ("capture", Some(slot)),
            Step::Review => ("review", None),
            Step::Send => ("send", None),
            Step::Status => ("status", None),
        }
    }
}

/// The numbered steps for `document` under `policy`, in order (sending and status follow).
pub fn plan(policy: &Policy, document: Option<DocumentType>) -> Vec<Step> {
    let mut steps = vec![Step::Consent, Step::Document, Step::Country];
    if let Some(document) = document {
        steps.extend(
            policy
                .required_slots(document)
                .into_iter()
                .map(Step::Capture),
        );
    }
    steps.push(Step::Review);
    steps
}

/// One kept capture (its bytes are in [`Flow::files`], in memory only).
#[derive(Clone, Debug, PartialEq)]
struct Shot {
    /// The object URL of its preview (`None` for a PDF or a file sent in an earlier visit).
    preview: Option<String>,
    /// Issues the user was warned about when the gate let it through.
    warnings: Vec<QualityIssue>,
    /// Whether the relay has it (it is not sent again).
    uploaded: bool,
}

#[derive(Clone, Debug)]
struct Held {
    bytes: js_sys::Uint8Array,
    format: FileFormat,
}

/// What every step shares, provided as context.
#[derive(Clone, Copy)]
struct Flow {
    client: StoredValue<RelayClient>,
    policy: StoredValue<Policy>,
    /// The provider's terms of service the consent accepts (B), if any.
    terms_of_service_url: StoredValue<Option<String>>,
    limits: StoredValue<FileLimits>,
    options: StoredValue<WidgetOptions>,
    step: RwSignal<Step>,
    document: RwSignal<Option<DocumentType>>,
    country: RwSignal<String>,
    us_state: RwSignal<Option<String>>,
    consented: RwSignal<bool>,
    shots: RwSignal<PerSlot<Shot>>,
    files: StoredValue<PerSlot<Held>, LocalStorage>,
    gate: StoredValue<QualityGate>,
    status: RwSignal<Option<StatusReport>>,
    /// What the live region announces.
    notice: RwSignal<String>,
    /// Whether the user has moved between steps (only then does focus move to a heading).
    navigated: StoredValue<bool>,
    /// Where the host hears what happens.
    events: Events,
}

impl Flow {
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

    fn go(&self, step: Step) {
        self.navigated.set_value(true);
        self.step.set(step);
    }

    fn back(&self) {
        let steps = self.plan();
        let current = self.step.get_untracked();
        if let Some(index) = steps.iter().position(|s| *s == current) {
            if index > 0 {
                self.go(steps[index - 1]);
            }
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

    /// After a capture: the next slot still to capture, else the review.
    fn after_capture(&self) {
        let shots = self.shots.get_untracked();
        let next = self
            .plan()
            .into_iter()
            .find(|step| matches!(step, Step::Capture(slot) if !shots.contains_key(slot)))
            .unwrap_or(Step::Review);
        self.go(next);
    }

    /// Tells the host a capture of `slot` was refused, with the codes and what the user read.
    fn reject(&self, slot: Slot, codes: &[String], shown: &[String]) {
        let reasons: js_sys::Array = codes.iter().map(|code| text(code)).collect();
        self.events.emit(
            "capture-rejected",
            &[
                ("slot", text(slot.code())),
                ("reasons", reasons.into()),
                ("message", text(&shown.join(" "))),
            ],
        );
    }

    /// Tells the host something failed that the user is told about (and can retry).
    fn fail(&self, code: &str, message: &str) {
        self.events
            .emit("error", &[("code", text(code)), ("message", text(message))]);
    }

    fn announce(&self, text: String) {
        self.notice.set(text);
    }

    /// Keeps a capture of `slot`, replacing (and freeing) an earlier one.
    fn keep(&self, slot: Slot, held: Held, warnings: Vec<QualityIssue>) {
        let preview = (held.format != FileFormat::Pdf)
            .then(|| object_url(&held.bytes, held.format.mime()))
            .flatten();
        self.forget(slot);
        self.files.update_value(|files| {
            files.insert(slot, held);
        });
        self.shots.update(|shots| {
            shots.insert(
                slot,
                Shot {
                    preview,
                    warnings,
                    uploaded: false,
                },
            );
        });
    }

    /// Drops the capture of `slot` (its preview URL is revoked).
    fn forget(&self, slot: Slot) {
        self.files.update_value(|files| {
            files.remove(&slot);
        });
        let old = self.shots.try_update(|shots| shots.remove(&slot)).flatten();
        if let Some(url) = old.and_then(|shot| shot.preview) {
            let _ = web_sys::Url::revoke_object_url(&url);
        }
    }
}

fn object_url(bytes: &js_sys::Uint8Array, mime: &str) -> Option<String> {
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob =
        web_sys::Blob::new_with_u8_array_sequence_and_options(&js_sys::Array::of1(bytes), &options)
            .ok()?;
    web_sys::Url::create_object_url_with_blob(&blob).ok()
}

#[derive(Clone, Debug, PartialEq)]
enum Phase {
    Connecting,
    Unavailable(String),
    Ready(RelayClient, SessionView),
}

/// The whole widget: connects to the relay, then runs the [`CaptureFlow`].
#[component]
pub fn CaptureWidget(options: WidgetOptions) -> impl IntoView {
    let i18n = use_context::<I18n>().unwrap_or_else(|| I18n::provide(texts_for(&options)));
    let events = Events::expect();
    let (phase, set_phase) = signal(Phase::Connecting);
    let connect_options = options.clone();
    spawn_local(async move {
        let phase = match connect(&connect_options).await {
            Ok((client, session)) => Phase::Ready(client, session),
            Err(err) => {
                let message = describe(&i18n, &err);
                events.emit(
                    "error",
                    &[("code", text(err.code())), ("message", text(&message))],
                );
                Phase::Unavailable(message)
            }
        };
        set_phase.try_set(phase);
    });
    let theme = options.theme.code();
    let lang = move || {
        i18n.track();
        i18n.locale().code()
    };
    view! {
        <div class="kyc-capture" lang=lang data-theme=theme>
            {move || match phase.get() {
                Phase::Connecting => {
                    view! { <p class="kyc-note" role="status">{i18n.t("connecting")}</p> }.into_any()
                }
                Phase::Unavailable(message) => {
                    view! { <p class="kyc-error" role="alert">{message}</p> }.into_any()
                }
                Phase::Ready(client, session) => {
                    view! { <CaptureFlow client session options=options.clone() /> }.into_any()
                }
            }}
        </div>
    }
}

/// The strings for `options`: its locale, else the browser's language, else English.
pub(crate) fn texts_for(options: &WidgetOptions) -> Texts {
    let locale = options
        .locale
        .or_else(|| {
            web_sys::window()
                .and_then(|w| w.navigator().language())
                .and_then(|tag| Locale::from_tag(&tag))
        })
        .unwrap_or_default();
    Texts::new(locale, options.messages.clone())
}

async fn connect(options: &WidgetOptions) -> Result<(RelayClient, SessionView), RelayError> {
    let client = match &options.session_token {
        Some(token) => RelayClient::new(&options.endpoint, token),
        None => RelayClient::demo(&options.endpoint).await?,
    };
    let session = client.session().await?;
    Ok((client, session))
}

fn describe(i18n: &I18n, err: &RelayError) -> String {
    match err {
        RelayError::Network(_) => i18n.t("relay.network"),
        RelayError::Refused { code, .. } => i18n.coded("relay", code, "other"),
        RelayError::Unreadable(_) => i18n.t("relay.other"),
    }
}

/// The flow for one session (what [`CaptureWidget`] shows once connected).
#[component]
pub fn CaptureFlow(
    client: RelayClient,
    session: SessionView,
    options: WidgetOptions,
) -> impl IntoView {
    let i18n = use_context::<I18n>().unwrap_or_else(|| I18n::provide(texts_for(&options)));
    let policy = Policy::new(session.provider, session.customer_type, &session.country)
        .with_selfie_required(session.selfie_required)
        .with_proof_of_address_required(session.proof_of_address_required)
        .with_liveness_required(session.liveness_required);
    // What a reload finds at the relay.
    let mut shots = PerSlot::default();
    for slot in &session.uploaded {
        let shot = Shot {
            preview: None,
            warnings: vec![],
            uploaded: true,
        };
        shots.insert(*slot, shot);
    }
    let submitted = session.status != VerificationStatus::NotSubmitted;
    let flow = Flow {
        client: StoredValue::new(client),
        policy: StoredValue::new(policy),
        // Only a web link is shown: the relay is trusted, but a `javascript:` URL never runs.
        terms_of_service_url: StoredValue::new(
            session
                .terms_of_service_url
                .clone()
                .filter(|url| url.starts_with("https://") || url.starts_with("http://")),
        ),
        limits: StoredValue::new(FileLimits::default()),
        options: StoredValue::new(options),
        step: RwSignal::new(if submitted {
            Step::Status
        } else {
            Step::Consent
        }),
        document: RwSignal::new(None),
        country: RwSignal::new(session.country.clone()),
        us_state: RwSignal::new(None),
        consented: RwSignal::new(false),
        shots: RwSignal::new(shots),
        files: StoredValue::new_local(PerSlot::default()),
        gate: StoredValue::new(QualityGate::default()),
        status: RwSignal::new(submitted.then(|| StatusReport {
            status: session.status.clone(),
            pending_for_secs: None,
        })),
        notice: RwSignal::new(String::new()),
        navigated: StoredValue::new(false),
        events: Events::expect(),
    };
    provide_context(flow);
    let steps_count = flow.plan().len();
    let provider = session.provider;
    Effect::new(move |previous: Option<Step>| {
        let step = flow.step.get();
        if previous.is_none() {
            flow.events.emit(
                "ready",
                &[
                    ("provider", text(provider.code())),
                    ("steps", JsValue::from(steps_count as u32)),
                ],
            );
        }
        if previous != Some(step) {
            let (code, slot) = step.code();
            let mut fields = vec![("step", text(code))];
            if let Some(slot) = slot {
                fields.push(("slot", text(slot.code())));
            }
            flow.events.emit("step-changed", &fields);
        }
        step
    });
    Effect::new(move |previous: Option<Option<VerificationStatus>>| {
        let status = flow
            .status
            .with(|report| report.as_ref().map(|r| r.status.clone()));
        if let Some(current) = status
            .as_ref()
            .filter(|_| previous.as_ref() != Some(&status))
        {
            let mut fields = vec![];
            match current {
                VerificationStatus::NotSubmitted => {}
                VerificationStatus::Pending => fields.push(("status", text("pending"))),
                VerificationStatus::Verified => fields.push(("status", text("verified"))),
                VerificationStatus::Rejected { reason } => {
                    fields.push(("status", text("rejected")));
                    fields.push(("reason", text(reason)));
                }
            }
            if !fields.is_empty() {
                flow.events.emit("status-changed", &fields);
            }
        }
        status
    });
    on_cleanup(move || {
        // Object URLs live as long as the page unless revoked.
        let slots: Vec<Slot> = flow
            .shots
            .try_with_untracked(|shots| shots.keys().collect())
            .unwrap_or_default();
        for slot in slots {
            flow.forget(slot);
        }
    });
    let accepted = session.accepted_documents.clone();
    let counter = move || {
        let step = flow.step.get();
        let steps = flow.plan();
        let index = steps.iter().position(|s| *s == step)?;
        Some(i18n.fill(
            "step_of",
            &[
                ("n", &(index + 1).to_string()),
                ("total", &steps.len().to_string()),
            ],
        ))
    };
    let exit = move |_| {
        let (code, _) = flow.step.get_untracked().code();
        flow.events.emit("exit", &[("step", text(code))]);
    };
    view! {
        <div class="kyc-flow">
            <div class="kyc-top">
                {move || {
                    i18n.track();
                    counter().map(|text| view! { <p class="kyc-counter">{text}</p> })
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
                Step::Consent => view! { <ConsentStep /> }.into_any(),
                Step::Document => view! { <DocumentStep accepted=accepted.clone() /> }.into_any(),
                Step::Country => view! { <CountryStep /> }.into_any(),
                Step::Capture(which) => view! { <CaptureStep which /> }.into_any(),
                Step::Review => view! { <ReviewStep /> }.into_any(),
                Step::Send => view! { <SendStep /> }.into_any(),
                Step::Status => view! { <StatusStep /> }.into_any(),
                }
            }}
            <div class="kyc-visually-hidden" role="status" aria-live="polite">
                {move || flow.notice.get()}
            </div>
        </div>
    }
}

/// A step's heading; it takes the focus when the user arrives at the step, so keyboard and
/// screen-reader users start reading at the new step.
#[component]
fn StepHeading(text: String) -> impl IntoView {
    let flow = use_context::<Flow>();
    let heading = NodeRef::<leptos::html::H2>::new();
    heading.on_load(move |element| {
        if flow.is_some_and(|flow| flow.navigated.get_value()) {
            let _ = element.focus();
        }
    });
    if let Some(flow) = flow {
        flow.announce(text.clone());
    }
    view! {
        <h2 class="kyc-heading" tabindex="-1" node_ref=heading>
            {text}
        </h2>
    }
}

#[component]
fn ConsentStep() -> impl IntoView {
    let flow = expect_context::<Flow>();
    let i18n = I18n::expect();
    let (missing, set_missing) = signal(false);
    let selfie = flow.policy.with_value(|p| p.selfie_required);
    let terms = flow.terms_of_service_url.get_value();
    let proceed = move |_| {
        if flow.consented.get_untracked() {
            flow.next();
        } else {
            set_missing.set(true);
        }
    };
    view! {
        <section class="kyc-step">
            <StepHeading text=i18n.t("consent.heading") />
            <p>{i18n.t("consent.body")}</p>
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
                    prop:checked=move || flow.consented.get()
                    aria-describedby="kyc-consent-error"
                    on:change=move |ev| {
                        flow.consented.set(event_target_checked(&ev));
                        set_missing.set(false);
                    }
                />
                <label for="kyc-consent">{i18n.t("consent.agree")}</label>
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

/// The document-type step: one button per accepted type, and a note naming refused types.
#[component]
pub fn DocumentStep(accepted: Vec<DocumentType>) -> impl IntoView {
    let flow = expect_context::<Flow>();
    let i18n = I18n::expect();
    let note = i18n.with(|texts| messages::not_accepted_note(texts, &accepted));
    let none = accepted.is_empty();
    view! {
        <section class="kyc-step">
            <StepHeading text=i18n.t("document.heading") />
            {note.map(|note| view! { <p class="kyc-note">{note}</p> })}
            {none.then(|| view! { <p class="kyc-error">{i18n.t("document.none")}</p> })}
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
                                    // Captures of another document must not go with this one.
                                    if flow.document.get_untracked().is_some_and(|d| d != doc) {
                                        let kept: Vec<Slot> = flow
                                            .shots
                                            .with_untracked(|s| s.keys().collect());
                                        for slot in kept {
                                            flow.forget(slot);
                                            flow.gate.update_value(|gate| gate.reset(slot));
                                        }
                                    }
                                    flow.document.set(Some(doc));
                                    flow.next();
                                }
                            >
                                {i18n.with(|texts| messages::document_name(texts, doc))}
                            </button>
                        }
                    })
                    .collect_view()}
            </div>
            <div class="kyc-actions">
                <button type="button" class="kyc-secondary" on:click=move |_| flow.back()>
                    {i18n.t("back")}
                </button>
            </div>
        </section>
    }
}

#[component]
fn CountryStep() -> impl IntoView {
    let flow = expect_context::<Flow>();
    let i18n = I18n::expect();
    let document = flow.document.get_untracked();
    // B requires the state of a license issued in the USA, whatever the customer's country.
    let requirement = move || {
        document
            .map(|doc| {
                let country = flow.country.get();
                flow.policy
                    .with_value(|p| p.state_requirement(doc, &country))
            })
            .unwrap_or(Requirement::Forbidden)
    };
    let countries = places::countries(i18n.locale(), &flow.country.get_untracked());
    let (missing, set_missing) = signal(false);
    let shows_state = move || match requirement() {
        Requirement::Required => true,
        Requirement::Optional => flow.country.get() == "USA",
        Requirement::Forbidden => false,
    };
    let proceed = move |_| {
        if requirement() == Requirement::Required && flow.us_state.get_untracked().is_none() {
            set_missing.set(true);
            return;
        }
        if !shows_state() {
            flow.us_state.set(None);
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
                <select
                    id="kyc-country"
                    on:change=move |ev| flow.country.set(event_target_value(&ev))
                >
                    {countries
                        .into_iter()
                        .map(|(code, name)| {
                            let selected = flow.country.get_untracked() == code;
                            view! { <option value=code selected=selected>{name}</option> }
                        })
                        .collect_view()}
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
                                        flow.us_state.set((!value.is_empty()).then_some(value));
                                        set_missing.set(false);
                                    }
                                >
                                    <option value="">{i18n.t("state.choose")}</option>
                                    {places::US_STATES
                                        .iter()
                                        .map(|(code, name)| {
                                            let selected = flow.us_state.get_untracked().as_deref()
                                                == Some(*code);
                                            view! { <option value=*code selected=selected>{*name}</option> }
                                        })
                                        .collect_view()}
                                </select>
                            </div>
                        }
                    })
            }}
            <p id="kyc-state-error" class="kyc-error" role="alert">
                {move || missing.get().then(|| i18n.t("state.needed"))}
            </p>
            <div class="kyc-actions">
                <button type="button" class="kyc-secondary" on:click=move |_| flow.back()>
                    {i18n.t("back")}
                </button>
                <button type="button" class="kyc-primary" on:click=proceed>
                    {i18n.t("continue")}
                </button>
            </div>
        </section>
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CameraState {
    Starting,
    Live,
    Unavailable(CameraError),
}

/// How often preview frames are analysed.
const ANALYSE_EVERY: Duration = Duration::from_millis(500);

#[component]
fn CaptureStep(which: Slot) -> impl IntoView {
    let slot = which;
    let flow = expect_context::<Flow>();
    let i18n = I18n::expect();
    let document = flow
        .document
        .get_untracked()
        .unwrap_or(DocumentType::Passport);
    let title = i18n.with(|texts| messages::slot_title(texts, slot, document));
    let hint_key = match slot {
        Slot::Selfie | Slot::Liveness => "hint.selfie",
        Slot::ProofOfAddress => "hint.proof_of_address",
        _ => "hint.document",
    };
    let camera_store = StoredValue::new_local(None::<Camera>);
    let (camera_state, set_camera_state) = signal(CameraState::Starting);
    let video = NodeRef::<leptos::html::Video>::new();
    let (busy, set_busy) = signal(false);
    let (problems, set_problems) = signal(Vec::<String>::new());
    let (hint, set_hint) = signal(None::<String>);
    let steadiness = StoredValue::new(Steadiness::default());

    spawn_local(async move {
        match Camera::open(slot).await {
            Ok(opened) => {
                let stream = opened.stream().clone();
                // The step may be gone already: then the camera is dropped, hence stopped.
                if camera_store.try_set_value(Some(opened)).is_some() {
                    return;
                }
                if let Some(element) = video.get_untracked() {
                    attach(&element, &stream);
                }
                set_camera_state.try_set(CameraState::Live);
            }
            Err(error) => {
                set_camera_state.try_set(CameraState::Unavailable(error));
            }
        }
    });
    video.on_load(move |element| {
        element.set_muted(true);
        element.set_autoplay(true);
        let _ = element.set_attribute("playsinline", "");
        camera_store.with_value(|camera| {
            if let Some(camera) = camera {
                attach(&element, camera.stream());
            }
        });
    });

    let handle = move |blob: web_sys::Blob, from_camera: bool| {
        if busy.get_untracked() {
            return;
        }
        set_busy.set(true);
        set_problems.set(vec![]);
        flow.announce(i18n.t("checking"));
        spawn_local(async move {
            let outcome = capture(flow, slot, blob).await;
            set_busy.try_set(false);
            match outcome {
                Ok(()) => {
                    flow.announce(i18n.t("accepted"));
                    flow.after_capture();
                }
                Err(codes) => {
                    // Shown in a role="alert" region, which announces it.
                    flow.announce(String::new());
                    let shown = sentences(&i18n, &codes, from_camera);
                    flow.reject(slot, &codes, &shown);
                    set_problems.try_set(shown);
                }
            }
        });
    };
    let take = move || {
        if let Some(element) = video.get_untracked() {
            if !camera::has_frame(&element) || busy.get_untracked() {
                return;
            }
            spawn_local(async move {
                if let Ok(blob) = camera::still(&element).await {
                    handle(blob, true);
                }
            });
        }
    };
    let auto_capture = flow.options.with_value(|o| o.auto_capture);
    let interval = set_interval_with_handle(
        move || {
            if camera_state.get_untracked() != CameraState::Live || busy.get_untracked() {
                return;
            }
            let Some(element) = video.get_untracked() else {
                return;
            };
            let Some(report) = camera::analyse(&element, slot) else {
                return;
            };
            let issues = report.issues();
            let text = match issues.first() {
                Some(issue) => i18n.t(&format!("live.{}", issue.code())),
                None => i18n.t("live.ok"),
            };
            if hint.get_untracked().as_deref() != Some(text.as_str()) {
                set_hint.set(Some(text));
            }
            let fire = steadiness
                .try_update_value(|s| s.record(&issues))
                .unwrap_or(false);
            if auto_capture && fire {
                steadiness.update_value(Steadiness::reset);
                take();
            }
        },
        ANALYSE_EVERY,
    )
    .ok();
    on_cleanup(move || {
        if let Some(interval) = interval {
            interval.clear();
        }
        if let Some(Some(camera)) = camera_store.try_update_value(Option::take) {
            camera.stop();
        }
        // The preview's own stream too (the element may hold the stream by another handle).
        if let Some(Some(element)) = video.try_get_untracked() {
            camera::release(&element);
        }
    });

    let on_file = move |event: leptos::ev::Event| {
        let Some(input) = event
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(file) = input.files().and_then(|files| files.get(0)) else {
            return;
        };
        // Cleared so choosing the same file again still fires `change`.
        input.set_value("");
        handle(file.into(), false);
    };
    let input_id = format!("kyc-file-{}", slot.code());
    let accept = if slot.accepts_pdf() {
        "image/jpeg,image/png,image/webp,image/heic,image/heif,application/pdf"
    } else {
        "image/jpeg,image/png,image/webp,image/heic,image/heif"
    };
    // Without a live camera, a phone's picker opens its own camera app directly.
    let capture_attr = move || {
        (matches!(camera_state.get(), CameraState::Unavailable(_)) && slot != Slot::ProofOfAddress)
            .then_some(if slot.is_face() {
                "user"
            } else {
                "environment"
            })
    };
    let file_label = if slot.accepts_pdf() {
        i18n.t("file.choose_pdf")
    } else {
        i18n.t("file.choose")
    };
    let mirrored = slot.is_face();
    view! {
        <section class="kyc-step kyc-capture-step" data-slot=slot.code()>
            <StepHeading text=title />
            <p class="kyc-note">{i18n.t(hint_key)}</p>
            <div class="kyc-camera" class:kyc-live=move || camera_state.get() == CameraState::Live>
                <video
                    node_ref=video
                    class="kyc-video"
                    class:kyc-mirrored=mirrored
                    aria-label=i18n.t("camera.preview")
                    hidden=move || camera_state.get() != CameraState::Live
                ></video>
                {move || match camera_state.get() {
                    CameraState::Starting => {
                        view! { <p class="kyc-note">{i18n.t("camera.starting")}</p> }.into_any()
                    }
                    CameraState::Live => {
                        view! {
                            <p class="kyc-hint" aria-live="polite">{move || hint.get()}</p>
                            <button
                                type="button"
                                class="kyc-primary kyc-shutter"
                                disabled=move || busy.get()
                                on:click=move |_| take()
                            >
                                {i18n.t("camera.take")}
                            </button>
                        }
                            .into_any()
                    }
                    CameraState::Unavailable(error) => {
                        view! { <p class="kyc-note">{i18n.t(error.message_key())}</p> }.into_any()
                    }
                }}
            </div>
            <div class="kyc-file">
                <input
                    id=input_id.clone()
                    class="kyc-visually-hidden"
                    type="file"
                    accept=accept
                    capture=capture_attr
                    on:change=on_file
                />
                <label for=input_id class="kyc-secondary kyc-file-label">{file_label}</label>
            </div>
            {move || busy.get().then(|| view! { <p class="kyc-note kyc-busy">{i18n.t("checking")}</p> })}
            {move || {
                let problems = problems.get();
                (!problems.is_empty())
                    .then(|| {
                        view! {
                            <div class="kyc-error kyc-problems" role="alert">
                                {problems.into_iter().map(|s| view! { <p>{s}</p> }).collect_view()}
                            </div>
                        }
                    })
            }}
            <div class="kyc-actions">
                <button type="button" class="kyc-secondary" on:click=move |_| flow.back()>
                    {i18n.t("back")}
                </button>
            </div>
        </section>
    }
}

fn attach(video: &web_sys::HtmlVideoElement, stream: &web_sys::MediaStream) {
    video.set_src_object(Some(stream));
    if let Ok(playing) = video.play() {
        // A rejected play() (e.g. the element went away) is not an error worth reporting.
        spawn_local(async move {
            let _ = JsFuture::from(playing).await;
        });
    }
}

/// The user's sentences for problem codes (each once, in order).
fn sentences(i18n: &I18n, codes: &[String], from_camera: bool) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for code in codes {
        let sentence = if let Some(issue) = code.strip_prefix("quality:") {
            i18n.t(&format!("quality.{issue}"))
        } else if from_camera && code == "resolution_too_low" {
            i18n.t("problem.camera_resolution")
        } else {
            i18n.coded("problem", code, "other")
        };
        if !out.contains(&sentence) {
            out.push(sentence);
        }
    }
    out
}

/// Checks a capture of `slot` and keeps it when it may go on: a photo is prepared (checked,
/// decoded, downscaled, measured, re-encoded) and passed through the quality gate; a PDF is
/// checked and kept unchanged. On refusal, the problem codes (file problems, or `quality:`
/// and the quality issue's code).
async fn capture(flow: Flow, slot: Slot, blob: web_sys::Blob) -> Result<(), Vec<String>> {
    let limits = flow.limits.get_value();
    let head = JsFuture::from(
        blob.slice_with_i32_and_i32(0, 16)
            .map_err(|_| vec!["unreadable_image".to_owned()])?
            .array_buffer(),
    )
    .await
    .map_err(|_| vec!["unreadable_image".to_owned()])?;
    if sniff(&js_sys::Uint8Array::new(&head).to_vec()) == Some(FileFormat::Pdf) {
        let buffer = JsFuture::from(blob.array_buffer())
            .await
            .map_err(|_| vec!["pdf_unreadable".to_owned()])?;
        let bytes = js_sys::Uint8Array::new(&buffer);
        let claimed = blob.type_();
        let claimed = (!claimed.is_empty()).then_some(claimed.as_str());
        inspect_file(&bytes.to_vec(), claimed, slot, &limits).map_err(|problems| {
            problems
                .iter()
                .map(|p| p.code().to_owned())
                .collect::<Vec<_>>()
        })?;
        flow.keep(
            slot,
            Held {
                bytes,
                format: FileFormat::Pdf,
            },
            vec![],
        );
        return Ok(());
    }
    let prepared = prepare_photo(&blob, slot, &limits).await?;
    let decision = flow
        .gate
        .try_update_value(|gate| gate.decide(slot, &prepared.quality))
        .ok_or_else(Vec::new)?;
    let warnings = match decision {
        GateDecision::Accept => vec![],
        GateDecision::ProceedWithWarning { issues } => issues,
        GateDecision::Retry { issues, .. } => {
            // Quality sentences use their own family.
            return Err(issues
                .iter()
                .map(|issue| format!("quality:{}", issue.code()))
                .collect());
        }
    };
    flow.keep(
        slot,
        Held {
            bytes: prepared.jpeg,
            format: FileFormat::Jpeg,
        },
        warnings,
    );
    Ok(())
}

#[component]
fn ReviewStep() -> impl IntoView {
    let flow = expect_context::<Flow>();
    let i18n = I18n::expect();
    let document = flow
        .document
        .get_untracked()
        .unwrap_or(DocumentType::Passport);
    let slots = flow.capture_slots();
    let required = slots.clone();
    let complete = move || {
        let shots = flow.shots.read();
        required.iter().all(|slot| shots.contains_key(slot))
    };
    view! {
        <section class="kyc-step">
            <StepHeading text=i18n.t("review.heading") />
            <p class="kyc-note">{i18n.t("review.intro")}</p>
            <ul class="kyc-review">
                {slots
                    .into_iter()
                    .map(|slot| {
                        let title = i18n.with(|t| messages::slot_title(t, slot, document));
                        let alt = i18n.fill("review.photo_of", &[("slot", &title)]);
                        let retake = i18n.fill("review.retake", &[("slot", &title)]);
                        let shot = move || flow.shots.read().get(&slot).cloned();
                        view! {
                            <li class="kyc-review-item" data-slot=slot.code()>
                                <h3>{title.clone()}</h3>
                                {move || match shot() {
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
                    .collect_view()}
            </ul>
            <div class="kyc-actions">
                <button type="button" class="kyc-secondary" on:click=move |_| flow.back()>
                    {i18n.t("back")}
                </button>
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

#[component]
fn Warnings(warnings: Vec<QualityIssue>) -> impl IntoView {
    let i18n = I18n::expect();
    (!warnings.is_empty()).then(|| {
        view! {
            <div class="kyc-warning">
                <p>{i18n.t("quality.kept")}</p>
                <ul>
                    {warnings
                        .into_iter()
                        .map(|issue| view! { <li>{i18n.t(&format!("quality.{}", issue.code()))}</li> })
                        .collect_view()}
                </ul>
            </div>
        }
    })
}

/// Where one file of the sending step stands.
#[derive(Clone, Debug, PartialEq)]
enum Sending {
    Waiting,
    Progress(u32),
    Retrying,
    Sent,
    Refused(Vec<String>),
    Failed,
}

#[component]
fn SendStep() -> impl IntoView {
    let flow = expect_context::<Flow>();
    let i18n = I18n::expect();
    let document = flow
        .document
        .get_untracked()
        .unwrap_or(DocumentType::Passport);
    let slots = flow.capture_slots();
    let mut initial = PerSlot::default();
    for slot in &slots {
        let uploaded = flow
            .shots
            .with_untracked(|s| s.get(slot).is_some_and(|s| s.uploaded));
        let state = if uploaded {
            Sending::Sent
        } else {
            Sending::Waiting
        };
        initial.insert(*slot, state);
    }
    let states = RwSignal::new(initial);
    let (error, set_error) = signal(None::<String>);
    let (submitting, set_submitting) = signal(false);
    let canceller = StoredValue::new_local(Canceller::default());
    let order = StoredValue::new(slots.clone());

    let run = move || {
        set_error.set(None);
        let fresh = Canceller::default();
        canceller.set_value(fresh.clone());
        spawn_local(send_all(
            flow,
            i18n,
            order.get_value(),
            document,
            states,
            set_error,
            set_submitting,
            fresh,
        ));
    };
    run();
    on_cleanup(move || {
        if let Some(canceller) = canceller.try_get_value() {
            canceller.cancel();
        }
    });
    let cancel = move |_| {
        canceller.with_value(Canceller::cancel);
        flow.announce(i18n.t("send.cancelled"));
        flow.go(Step::Review);
    };
    view! {
        <section class="kyc-step">
            <StepHeading text=i18n.t("send.heading") />
            <ul class="kyc-sending">
                {slots
                    .into_iter()
                    .map(|slot| {
                        let title = i18n.with(|t| messages::slot_title(t, slot, document));
                        let state = move || states.read().get(&slot).cloned().unwrap_or(Sending::Waiting);
                        let percent = move || match state() {
                            Sending::Progress(p) => p,
                            Sending::Sent => 100,
                            _ => 0,
                        };
                        let label_id = format!("kyc-send-{}", slot.code());
                        view! {
                            <li class="kyc-send-item" data-slot=slot.code()>
                                <span id=label_id.clone()>{title}</span>
                                <progress
                                    max="100"
                                    value=move || percent().to_string()
                                    aria-labelledby=label_id
                                ></progress>
                                <span class="kyc-send-state">
                                    {move || match state() {
                                        Sending::Waiting => i18n.t("send.waiting"),
                                        Sending::Progress(p) => {
                                            i18n.fill("send.progress", &[("percent", &p.to_string())])
                                        }
                                        Sending::Retrying => i18n.t("send.retrying"),
                                        Sending::Sent => i18n.t("send.done"),
                                        Sending::Failed => i18n.t("send.failed"),
                                        Sending::Refused(_) => String::new(),
                                    }}
                                </span>
                                {move || match state() {
                                    Sending::Refused(sentences) => {
                                        view! {
                                            <div class="kyc-error" role="alert">
                                                {sentences.into_iter().map(|s| view! { <p>{s}</p> }).collect_view()}
                                                <button
                                                    type="button"
                                                    class="kyc-secondary"
                                                    on:click=move |_| flow.go(Step::Capture(slot))
                                                >
                                                    {i18n.t("send.retake")}
                                                </button>
                                            </div>
                                        }
                                            .into_any()
                                    }
                                    _ => ().into_any(),
                                }}
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            {move || submitting.get().then(|| view! { <p class="kyc-note">{i18n.t("send.submitting")}</p> })}
            {move || {
                error
                    .get()
                    .map(|message| {
                        view! {
                            <div class="kyc-error" role="alert">
                                <p>{message}</p>
                                <button type="button" class="kyc-primary" on:click=move |_| run()>
                                    {i18n.t("send.again")}
                                </button>
                            </div>
                        }
                    })
            }}
            <div class="kyc-actions">
                <button type="button" class="kyc-secondary" on:click=cancel>
                    {i18n.t("send.cancel")}
                </button>
            </div>
        </section>
    }
}

/// Sends every file not yet at the relay (an uploaded slot is never sent again), then submits.
#[allow(clippy::too_many_arguments)]
async fn send_all(
    flow: Flow,
    i18n: I18n,
    slots: Vec<Slot>,
    document: DocumentType,
    states: RwSignal<PerSlot<Sending>>,
    set_error: WriteSignal<Option<String>>,
    set_submitting: WriteSignal<bool>,
    canceller: Canceller,
) {
    let set = move |slot: Slot, state: Sending| {
        states.try_update(|states| {
            states.insert(slot, state);
        });
    };
    let retry = flow.options.with_value(|o| o.retry);
    for slot in slots {
        if flow
            .shots
            .with_untracked(|shots| shots.get(&slot).is_some_and(|s| s.uploaded))
        {
            set(slot, Sending::Sent);
            continue;
        }
        let Some(held) = flow.files.with_value(|files| files.get(&slot).cloned()) else {
            set(slot, Sending::Failed);
            set_error.try_set(Some(i18n.t("problem.other")));
            return;
        };
        let client = flow.client.get_value();
        set(slot, Sending::Progress(0));
        let result = upload::upload(
            &client,
            upload::Outgoing {
                slot,
                format: held.format,
                body: &held.bytes,
            },
            retry,
            &canceller,
            move |percent| {
                set(slot, Sending::Progress(percent));
                flow.events.emit(
                    "upload-progress",
                    &[
                        ("slot", text(slot.code())),
                        ("percent", JsValue::from(percent)),
                    ],
                );
            },
            |_| set(slot, Sending::Retrying),
        )
        .await;
        match result {
            Ok(_) => {
                set(slot, Sending::Sent);
                flow.files.try_update_value(|files| files.remove(&slot));
                flow.shots.try_update(|shots| {
                    if let Some(shot) = shots.get_mut(&slot) {
                        shot.uploaded = true;
                    }
                });
                flow.announce(format!(
                    "{}: {}",
                    i18n.with(|t| messages::slot_title(t, slot, document)),
                    i18n.t("send.done")
                ));
            }
            Err(UploadError::Cancelled) => return,
            Err(UploadError::Relay(RelayError::Refused { code, problems, .. }))
                if code == "invalid_file" =>
            {
                // The relay runs the same checks: this file cannot go; keep the others.
                flow.forget(slot);
                let shown = sentences(&i18n, &problems, false);
                flow.reject(slot, &problems, &shown);
                set(slot, Sending::Refused(shown));
                return;
            }
            Err(UploadError::Relay(error)) => {
                let message = describe(&i18n, &error);
                flow.fail(error.code(), &message);
                set(slot, Sending::Failed);
                set_error.try_set(Some(message));
                return;
            }
        }
    }
    if canceller.is_cancelled() {
        return;
    }
    set_submitting.try_set(true);
    let request = SubmitRequest {
        document_type: document,
        issuing_country: flow.country.get_untracked(),
        state: flow.us_state.get_untracked(),
    };
    let client = flow.client.get_value();
    match client.submit(&request).await {
        Ok(report) => {
            flow.events
                .emit("submitted", &[("documentType", text(document.code()))]);
            flow.status.try_set(Some(report));
            flow.go(Step::Status);
        }
        Err(error) => {
            let message = describe(&i18n, &error);
            flow.fail(error.code(), &message);
            set_submitting.try_set(false);
            set_error.try_set(Some(message));
        }
    }
}

/// How often a pending status is asked for again.
const POLL_EVERY: Duration = Duration::from_secs(3);

#[component]
fn StatusStep() -> impl IntoView {
    let flow = expect_context::<Flow>();
    let i18n = I18n::expect();
    let report = flow.status;
    let poll = move || {
        let client = flow.client.get_value();
        spawn_local(async move {
            if let Ok(fresh) = client.status().await {
                report.try_set(Some(fresh));
            }
        });
    };
    poll();
    let interval = set_interval_with_handle(
        move || {
            let pending = report
                .get_untracked()
                .is_none_or(|r| r.status == VerificationStatus::Pending);
            if pending {
                poll();
            }
        },
        POLL_EVERY,
    )
    .ok();
    on_cleanup(move || {
        if let Some(interval) = interval {
            interval.clear();
        }
    });
    let status = move || {
        report
            .get()
            .map(|r| r.status)
            .unwrap_or(VerificationStatus::Pending)
    };
    view! {
        <section class="kyc-step">
            {move || match status() {
                VerificationStatus::NotSubmitted | VerificationStatus::Pending => {
                    view! {
                        <StepHeading text=i18n.t("status.pending") />
                        <div class="kyc-spinner" aria-hidden="true"></div>
                        <p>{i18n.t("status.pending_body")}</p>
                    }
                        .into_any()
                }
                VerificationStatus::Verified => {
                    view! {
                        <StepHeading text=i18n.t("status.verified") />
                        <p class="kyc-ok">{i18n.t("status.verified_body")}</p>
                    }
                        .into_any()
                }
                VerificationStatus::Rejected { reason } => {
                    view! {
                        <StepHeading text=i18n.t("status.rejected") />
                        <p>{i18n.coded("rejection", &reason, "other")}</p>
                        <p>{i18n.t("status.retry")}</p>
                        <button
                            type="button"
                            class="kyc-primary"
                            on:click=move |_| {
                                if let Some(window) = web_sys::window() {
                                    let _ = window.location().reload();
                                }
                            }
                        >
                            {i18n.t("status.start_again")}
                        </button>
                    }
                        .into_any()
                }
            }}
        </section>
    }
}
