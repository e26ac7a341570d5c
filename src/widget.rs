//! The capture flow: choose a document, capture each required side, submit, follow the status.

use std::collections::BTreeMap;
use std::time::Duration;

use kyc_core::wire::{SessionView, StatusReport, SubmitRequest};
use kyc_core::{DocumentType, FileLimits, Policy, Slot, VerificationStatus};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::api::{RelayClient, RelayError};
use crate::capture::{check_file, CheckedFile};
use crate::messages;

/// Where the widget gets its session.
#[derive(Clone, Debug, PartialEq)]
pub struct WidgetOptions {
    /// The relay's base URL; empty for the page's own origin.
    pub endpoint: String,
    /// The session token the host's backend obtained; `None` asks a demo relay for one.
    pub session_token: Option<String>,
}

/// Where one slot stands.
#[derive(Clone, Debug, PartialEq)]
pub enum SlotState {
    /// The file is being checked in the browser.
    Checking,
    /// The file passed the checks and is being sent.
    Uploading,
    /// The relay stored the file at the provider.
    Uploaded,
    /// The file failed a check; the sentences say why. Nothing was sent.
    Rejected(Vec<&'static str>),
    /// Sending failed; the checked file is kept, so it can be sent again without recapturing.
    Failed(&'static str),
}

/// What the capture steps share, provided as context.
#[derive(Clone, Copy)]
struct Capture {
    client: StoredValue<RelayClient>,
    limits: StoredValue<FileLimits>,
    slots: RwSignal<BTreeMap<Slot, SlotState>>,
    /// Checked files whose upload failed, kept in memory (never in browser storage) for retry.
    unsent: StoredValue<BTreeMap<Slot, CheckedFile>, LocalStorage>,
}

#[derive(Clone, Debug, PartialEq)]
enum Phase {
    Connecting,
    Unavailable(&'static str),
    Ready(RelayClient, SessionView),
}

/// The whole widget.
#[component]
pub fn CaptureWidget(options: WidgetOptions) -> impl IntoView {
    let (phase, set_phase) = signal(Phase::Connecting);
    spawn_local(async move {
        set_phase.set(match connect(&options).await {
            Ok((client, session)) => Phase::Ready(client, session),
            Err(err) => Phase::Unavailable(describe(&err)),
        });
    });
    view! {
        <div class="kyc-capture">
            {move || match phase.get() {
                Phase::Connecting => view! { <p class="kyc-note">"Connecting…"</p> }.into_any(),
                Phase::Unavailable(message) => {
                    view! { <p class="kyc-error" role="alert">{message}</p> }.into_any()
                }
                Phase::Ready(client, session) => view! { <Flow client session /> }.into_any(),
            }}
        </div>
    }
}

async fn connect(options: &WidgetOptions) -> Result<(RelayClient, SessionView), RelayError> {
    let client = match &options.session_token {
        Some(token) => RelayClient::new(&options.endpoint, token),
        None => RelayClient::demo(&options.endpoint).await?,
    };
    let session = client.session().await?;
    Ok((client, session))
}

fn describe(err: &RelayError) -> &'static str {
    match err {
        RelayError::Network(_) => {
            "We cannot reach the verification service. Check your connection and reload."
        }
        RelayError::Refused { code, .. } => messages::relay_problem(code),
        RelayError::Unreadable(_) => messages::relay_problem("unknown"),
    }
}

#[component]
fn Flow(client: RelayClient, session: SessionView) -> impl IntoView {
    let policy = Policy::new(session.provider, session.customer_type, &session.country)
        .with_selfie_required(session.selfie_required);
    let uploaded = session
        .uploaded
        .iter()
        .map(|slot| (*slot, SlotState::Uploaded))
        .collect();
    let capture = Capture {
        client: StoredValue::new(client.clone()),
        limits: StoredValue::new(FileLimits::default()),
        slots: RwSignal::new(uploaded),
        unsent: StoredValue::new_local(BTreeMap::new()),
    };
    provide_context(capture);
    let document = RwSignal::new(None::<DocumentType>);
    let status = RwSignal::new(match session.status {
        VerificationStatus::NotSubmitted => None,
        status => Some(StatusReport {
            status,
            pending_for_secs: None,
        }),
    });
    let accepted = session.accepted_documents.clone();
    view! {
        {move || {
            if let Some(report) = status.get() {
                return view! { <StatusView client=client.clone() initial=report /> }.into_any();
            }
            match document.get() {
                None => view! { <DocumentChoice accepted=accepted.clone() document /> }.into_any(),
                Some(chosen) => {
                    let slots = policy.required_slots(chosen);
                    view! { <Captures document_type=chosen slots document status /> }.into_any()
                }
            }
        }}
    }
}

/// The document-type step: one button per accepted type, and a note naming refused types.
#[component]
pub fn DocumentChoice(
    accepted: Vec<DocumentType>,
    document: RwSignal<Option<DocumentType>>,
) -> impl IntoView {
    let note = messages::not_accepted_note(&accepted);
    view! {
        <section class="kyc-step" aria-labelledby="kyc-choose-heading">
            <h2 id="kyc-choose-heading">"Which document will you use?"</h2>
            {note.map(|note| view! { <p class="kyc-note">{note}</p> })}
            <div class="kyc-choices">
                {accepted
                    .into_iter()
                    .map(|doc| {
                        view! {
                            <button type="button" class="kyc-choice" on:click=move |_| document.set(Some(doc))>
                                {messages::document_name(doc)}
                            </button>
                        }
                    })
                    .collect_view()}
            </div>
        </section>
    }
}

#[component]
fn Captures(
    document_type: DocumentType,
    slots: Vec<Slot>,
    document: RwSignal<Option<DocumentType>>,
    status: RwSignal<Option<StatusReport>>,
) -> impl IntoView {
    let capture = expect_context::<Capture>();
    let required = slots.clone();
    let complete = move || {
        let states = capture.slots.read();
        required
            .iter()
            .all(|slot| states.get(slot) == Some(&SlotState::Uploaded))
    };
    let (submit_error, set_submit_error) = signal(None::<&'static str>);
    let (submitting, set_submitting) = signal(false);
    let submit = move |_| {
        if submitting.get_untracked() {
            return;
        }
        set_submitting.set(true);
        set_submit_error.set(None);
        let client = capture.client.get_value();
        spawn_local(async move {
            let request = SubmitRequest {
                document_type,
                state: None,
            };
            match client.submit(&request).await {
                Ok(report) => status.set(Some(report)),
                Err(err) => {
                    set_submit_error.set(Some(describe(&err)));
                    set_submitting.set(false);
                }
            }
        });
    };
    view! {
        <section class="kyc-step" aria-labelledby="kyc-capture-heading">
            <h2 id="kyc-capture-heading">{messages::document_name(document_type)}</h2>
            {slots
                .into_iter()
                .map(|which| view! { <SlotCapture which document_type /> })
                .collect_view()}
            <div class="kyc-actions">
                <button type="button" class="kyc-secondary" on:click=move |_| document.set(None)>
                    "Use another document"
                </button>
                <button
                    type="button"
                    class="kyc-primary"
                    disabled=move || !complete() || submitting.get()
                    on:click=submit
                >
                    {move || if submitting.get() { "Submitting…" } else { "Submit for verification" }}
                </button>
            </div>
            {move || submit_error.get().map(|message| view! { <p class="kyc-error" role="alert">{message}</p> })}
        </section>
    }
}

#[component]
fn SlotCapture(which: Slot, document_type: DocumentType) -> impl IntoView {
    let slot = which;
    let capture = expect_context::<Capture>();
    let title = messages::slot_title(slot, document_type);
    let input_id = format!("kyc-file-{}", slot.code());
    let accept = if slot.accepts_pdf() {
        "image/jpeg,image/png,image/webp,image/heic,image/heif,application/pdf"
    } else {
        "image/jpeg,image/png,image/webp,image/heic,image/heif"
    };
    let on_change = move |event: leptos::ev::Event| {
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
        spawn_local(check_and_send(capture, slot, file));
    };
    let state = move || capture.slots.read().get(&slot).cloned();
    view! {
        <div class="kyc-slot" data-slot=slot.code()>
            <h3>{title.clone()}</h3>
            <label class="kyc-file" for=input_id.clone()>
                {move || if state() == Some(SlotState::Uploaded) { "Replace the file" } else { "Choose a file" }}
            </label>
            <input id=input_id type="file" accept=accept on:change=on_change />
            <div class="kyc-slot-state" aria-live="polite">
                {move || match state() {
                    None => ().into_any(),
                    Some(SlotState::Checking) => view! { <p>"Checking the file…"</p> }.into_any(),
                    Some(SlotState::Uploading) => view! { <p>"Uploading…"</p> }.into_any(),
                    Some(SlotState::Uploaded) => view! { <p class="kyc-ok">"Uploaded"</p> }.into_any(),
                    Some(SlotState::Rejected(sentences)) => {
                        view! {
                            <div class="kyc-error" role="alert">
                                {sentences.into_iter().map(|s| view! { <p>{s}</p> }).collect_view()}
                            </div>
                        }
                            .into_any()
                    }
                    Some(SlotState::Failed(message)) => {
                        view! {
                            <div class="kyc-error" role="alert">
                                <p>{message}</p>
                                <button type="button" on:click=move |_| spawn_local(resend(capture, slot))>
                                    "Try again"
                                </button>
                            </div>
                        }
                            .into_any()
                    }
                }}
            </div>
        </div>
    }
}

/// Checks a chosen file and, when it passes, sends it. A refused file changes only its own slot.
async fn check_and_send(capture: Capture, slot: Slot, file: web_sys::File) {
    capture.slots.update(|slots| {
        slots.insert(slot, SlotState::Checking);
    });
    let limits = capture.limits.get_value();
    match check_file(&file, slot, &limits).await {
        Err(codes) => {
            let mut sentences: Vec<&'static str> = codes
                .iter()
                .map(|code| messages::file_problem(code))
                .collect();
            sentences.dedup();
            capture.slots.update(|slots| {
                slots.insert(slot, SlotState::Rejected(sentences));
            });
        }
        Ok(checked) => {
            capture.unsent.update_value(|unsent| {
                unsent.insert(slot, checked);
            });
            resend(capture, slot).await;
        }
    }
}

/// Sends the kept file of `slot`; on failure it stays kept for another try.
async fn resend(capture: Capture, slot: Slot) {
    let Some(checked) = capture
        .unsent
        .with_value(|unsent| unsent.get(&slot).cloned())
    else {
        return;
    };
    capture.slots.update(|slots| {
        slots.insert(slot, SlotState::Uploading);
    });
    let client = capture.client.get_value();
    match client.upload(slot, checked.format, &checked.bytes).await {
        Ok(_) => {
            capture.unsent.update_value(|unsent| {
                unsent.remove(&slot);
            });
            capture.slots.update(|slots| {
                slots.insert(slot, SlotState::Uploaded);
            });
        }
        Err(RelayError::Refused { code, problems, .. }) if code == "invalid_file" => {
            // The relay's checks are the same rules; a refusal here means the file is bad.
            capture.unsent.update_value(|unsent| {
                unsent.remove(&slot);
            });
            let sentences = problems
                .iter()
                .map(|code| messages::file_problem(code))
                .collect();
            capture.slots.update(|slots| {
                slots.insert(slot, SlotState::Rejected(sentences));
            });
        }
        Err(err) => capture.slots.update(|slots| {
            slots.insert(slot, SlotState::Failed(describe(&err)));
        }),
    }
}

/// How often a pending status is asked for again.
const POLL_EVERY: Duration = Duration::from_secs(3);

#[component]
fn StatusView(client: RelayClient, initial: StatusReport) -> impl IntoView {
    let report = RwSignal::new(initial);
    let poll = move || {
        let client = client.clone();
        spawn_local(async move {
            if let Ok(fresh) = client.status().await {
                report.set(fresh);
            }
        });
    };
    poll();
    let interval = set_interval_with_handle(
        move || {
            if report.get_untracked().status == VerificationStatus::Pending {
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
    view! {
        <section class="kyc-step" aria-labelledby="kyc-status-heading">
            <div aria-live="polite">
                {move || match report.get().status {
                    VerificationStatus::NotSubmitted | VerificationStatus::Pending => {
                        view! {
                            <h2 id="kyc-status-heading">"Pending: we are checking your document"</h2>
                            <p>
                                "This usually takes a few minutes, sometimes up to 2 hours. "
                                "You can close this page; your documents are safely submitted."
                            </p>
                        }
                            .into_any()
                    }
                    VerificationStatus::Verified => {
                        view! {
                            <h2 id="kyc-status-heading">"Verified"</h2>
                            <p>"Thank you. Your identity is verified."</p>
                        }
                            .into_any()
                    }
                    VerificationStatus::Rejected { reason } => {
                        view! {
                            <h2 id="kyc-status-heading">"We could not verify you"</h2>
                            <p>{messages::rejection(&reason)}</p>
                            <p>"Please start again with a clear, well-lit photo of a valid document."</p>
                        }
                            .into_any()
                    }
                }}
            </div>
        </section>
    }
}
