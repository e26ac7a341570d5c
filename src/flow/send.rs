//! The sending step: each file not yet at the relay is uploaded with its progress (retried on
//! transient failures, cancellable), then the session is submitted. A file the relay refuses is
//! explained with a retake; a failure is explained with Try again, which sends only what the
//! relay does not have yet.

use std::rc::Rc;

use kyc_core::wire::{StatusReport, SubmitRequest};
use kyc_core::Slot;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{note, said, CollectAny, Flow, OrNothing, Step, StepHeading};
use crate::api::RelayClient;
use crate::events::Events;
use crate::i18n::I18n;
use crate::messages;
use crate::per_slot::PerSlot;
use crate::transport::{Canceller, RelayError};
use crate::upload::{self, RetryPolicy, UploadError};

/// Where one file of the sending step stands.
#[derive(Clone, Debug, PartialEq)]
enum Sending {
    Waiting,
    Progress(u32),
    Retrying,
    Sent,
    /// The relay refused the file: the sentences the user reads.
    Refused(Vec<String>),
    Failed,
}

/// Sending the captures to the relay through `client` (failed uploads retried by `retry`), then
/// submitting `request`; the relay's answer is the `status` the flow goes on to.
#[component]
pub(super) fn SendStep(
    client: RelayClient,
    retry: RetryPolicy,
    request: SubmitRequest,
    status: RwSignal<Option<StatusReport>>,
) -> impl IntoView {
    let flow = expect_context::<Flow>();
    let i18n = I18n::expect();
    let document = request.document_type;
    // The captures kept: an optional slot the user skipped is not sent.
    let slots: Vec<Slot> = flow
        .capture_slots()
        .into_iter()
        .filter(|slot| flow.captures.has(*slot))
        .collect();
    let mut initial = PerSlot::default();
    for slot in &slots {
        let state = if flow.captures.is_uploaded(*slot) {
            Sending::Sent
        } else {
            Sending::Waiting
        };
        initial.insert(*slot, state);
    }
    let sender = Rc::new(Sender {
        flow,
        i18n,
        events: Events::expect(),
        client,
        retry,
        request,
        slots: slots.clone(),
        states: RwSignal::new(initial),
        error: RwSignal::new(String::new()),
        submitting: RwSignal::new(false),
        status,
    });
    let (states, error, submitting) = (sender.states, sender.error, sender.submitting);
    let sender = StoredValue::new_local(sender);
    let canceller = StoredValue::new_local(Canceller::default());
    let run = move || {
        error.set(String::new());
        let fresh = Canceller::default();
        canceller.set_value(fresh.clone());
        spawn_local(sender.get_value().run(fresh));
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
                                            i18n.fill("send.progress", &[("percent", &i18n.number(p.into()))])
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
                                                {sentences.into_iter().map(|s| view! { <p>{s}</p> }).collect_any()}
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
                    .collect_any()}
            </ul>
            {move || submitting.get().then(|| note(i18n.t("send.submitting"))).or_nothing()}
            {move || {
                said(error.get())
                    .map(|message| {
                        view! {
                            <div class="kyc-error" role="alert">
                                <p>{message}</p>
                                <button type="button" class="kyc-primary" on:click=move |_| run()>
                                    {i18n.t("send.again")}
                                </button>
                            </div>
                        }
                    }).or_nothing()
            }}
            <div class="kyc-actions">
                <button type="button" class="kyc-secondary" on:click=cancel>
                    {i18n.t("send.cancel")}
                </button>
            </div>
        </section>
    }
}

/// What sending needs, and the signals it reports to.
struct Sender {
    flow: Flow,
    i18n: I18n,
    events: Events,
    client: RelayClient,
    retry: RetryPolicy,
    request: SubmitRequest,
    slots: Vec<Slot>,
    states: RwSignal<PerSlot<Sending>>,
    /// What failed, with Try again (empty: nothing).
    error: RwSignal<String>,
    submitting: RwSignal<bool>,
    /// The verification, once submitted.
    status: RwSignal<Option<StatusReport>>,
}

impl Sender {
    fn set(&self, slot: Slot, state: Sending) {
        self.states.try_update(|states| {
            states.insert(slot, state);
        });
    }

    /// Tells the user and the host that `error` stopped the run.
    fn fail(&self, error: &RelayError) {
        let max_bytes = self.flow.max_bytes;
        let message = self
            .i18n
            .with(|t| messages::upload_error(t, error, max_bytes));
        self.events.error(error.code(), &message);
        self.error.try_set(message);
    }

    /// Sends every file not yet at the relay (an uploaded slot is never sent again), then
    /// submits.
    async fn run(self: Rc<Self>, canceller: Canceller) {
        for &slot in &self.slots {
            if self.flow.captures.is_uploaded(slot) {
                self.set(slot, Sending::Sent);
                continue;
            }
            let Some(held) = self.flow.captures.held(slot) else {
                self.set(slot, Sending::Failed);
                self.error.try_set(self.i18n.t("problem.other"));
                return;
            };
            self.set(slot, Sending::Progress(0));
            let progress = {
                let sender = Rc::clone(&self);
                move |percent| {
                    sender.set(slot, Sending::Progress(percent));
                    sender.events.upload_progress(slot, percent);
                }
            };
            let result = upload::upload(
                &self.client,
                upload::Outgoing {
                    place: upload::Place::Slot(slot),
                    format: held.format,
                    body: &held.bytes,
                },
                self.retry,
                &canceller,
                progress,
                |_| self.set(slot, Sending::Retrying),
            )
            .await;
            match result {
                Ok(_) => {
                    self.set(slot, Sending::Sent);
                    self.flow.captures.sent(slot);
                    let title = self
                        .i18n
                        .with(|t| messages::slot_title(t, slot, self.request.document_type));
                    self.flow
                        .announce(format!("{title}: {}", self.i18n.t("send.done")));
                }
                Err(UploadError::Cancelled) => return,
                Err(UploadError::Relay(RelayError::Refused { code, problems, .. }))
                    if code == "invalid_file" =>
                {
                    // The relay runs the same checks: this file cannot go; keep the others.
                    self.flow.captures.forget(slot);
                    let max_bytes = self.flow.max_bytes;
                    let shown = self
                        .i18n
                        .with(|t| messages::file_problems(t, &problems, max_bytes));
                    self.events.capture_rejected(
                        slot,
                        problems.iter().map(String::as_str),
                        &shown.join(" "),
                    );
                    self.set(slot, Sending::Refused(shown));
                    return;
                }
                Err(UploadError::Relay(error)) => {
                    self.fail(&error);
                    self.set(slot, Sending::Failed);
                    return;
                }
            }
        }
        if canceller.is_cancelled() {
            return;
        }
        self.submitting.try_set(true);
        match self.client.submit(&self.request).await {
            Ok(report) => {
                self.events.submitted(self.request.document_type);
                self.status.try_set(Some(report));
                self.flow.go(Step::Status);
            }
            Err(error) => {
                self.fail(&error);
                self.submitting.try_set(false);
            }
        }
    }
}
