//! A business customer (KYB): the company's documents and every beneficial owner's identity
//! document. [`BusinessStep`] shows the company and each owner with what is there and what is
//! missing (the relay's `GET /v1/session/business`; a reload goes on there once the company
//! has a file, `SessionView::business_started`), adds and removes owners, and sends the
//! submission; [`OwnerDocumentStep`] chooses an owner's document; [`BusinessCaptureStep`]
//! captures one file with the same camera, file picker and checks as an individual's, and sends
//! it at once with its progress (a document cropped from its photo is shown first, to keep the
//! crop or the whole photo): the relay, not this page, holds what a business has given.

use std::rc::Rc;

use kyc_core::document_outline::DocumentShape;
use kyc_core::wire::{BusinessView, OwnerView, StatusReport, SubmitRequest};
use kyc_core::{CompanyDocument, DocumentType, FileFormat, Slot};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use super::capture::Capturer;
use super::review::{CropSwitch, Warnings};
use super::{note, said, BackButton, CollectAny, Flow, OrNothing, Step, StepHeading};
use crate::api::RelayClient;
use crate::events::Events;
use crate::framing;
use crate::i18n::I18n;
use crate::intake::Accepted;
use crate::messages;
use crate::mounted::{mounted, Then};
use crate::transport::{Canceller, RelayError};
use crate::upload::{self, Place, RetryPolicy, UploadError};

/// One file of a business: a company document, or a side of owner number `.0`'s document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Item {
    /// A document of the company.
    Company(CompanyDocument),
    /// A side of an owner's identity document (the owner's position in the relay's list).
    Owner(u8, DocumentType, Slot),
}

impl Flow {
    /// Reads the company and its owners from the relay again; a failure is said in the live
    /// region (what was shown stays).
    pub(super) async fn reload_company(
        self,
        client: RelayClient,
        i18n: I18n,
    ) -> Option<BusinessView> {
        match client.business().await {
            Ok(view) => {
                self.company.try_set(Some(view.clone()));
                Some(view)
            }
            Err(error) => {
                self.announce(i18n.with(|t| messages::relay_error(t, &error)));
                None
            }
        }
    }

    /// Owner number `owner` as last read.
    fn owner(&self, owner: u8) -> Option<OwnerView> {
        self.company.with_untracked(|view| {
            view.as_ref()
                .and_then(|view| view.owners.get(usize::from(owner)).cloned())
        })
    }
}

/// The step after owner `owner`'s `document`'s side `slot` was sent: its back if the document
/// has one and it is missing, else the company.
fn after_owner_side(owner: u8, document: DocumentType, slot: Slot, view: &BusinessView) -> Step {
    let has_back = view
        .owners
        .get(usize::from(owner))
        .is_some_and(|o| o.uploaded.contains(&Slot::Back));
    if slot == Slot::Front && document.is_two_sided() && !has_back {
        Step::BusinessCapture(Item::Owner(owner, document, Slot::Back))
    } else {
        Step::Business
    }
}

/// The company and its owners, what is missing, and the submission; `terms_accepted` is the
/// consent given to the provider's terms, if it has any.
#[component]
pub(super) fn BusinessStep(
    status: RwSignal<Option<StatusReport>>,
    terms_accepted: bool,
) -> impl IntoView {
    let flow = expect_context::<Flow>();
    let client = flow.client;
    let i18n = I18n::expect();
    let events = Events::expect();
    // What failed (empty: nothing).
    let error = RwSignal::new(String::new());
    let working = RwSignal::new(false);
    spawn_local(async move {
        flow.reload_company(client.get_value(), i18n).await;
    });
    let fail = move |failure: RelayError| {
        let message = i18n.with(|t| messages::relay_error(t, &failure));
        events.error(failure.code(), &message);
        error.try_set(message);
    };
    // One change at a time: the relay's answer, then the company read again.
    let act = move |change: std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<(), RelayError>>>,
    >| {
        if working.get_untracked() {
            return;
        }
        working.set(true);
        error.set(String::new());
        spawn_local(async move {
            let outcome = change.await;
            if let Err(failure) = outcome {
                fail(failure);
            }
            flow.reload_company(client.get_value(), i18n).await;
            working.try_set(false);
            // A removed owner's button is gone with the focus on it: the focus goes to the
            // name field (once redrawn), not to the page's body.
            request_animation_frame(|| {
                if let Some(input) = crate::dom::document().get_element_by_id(OWNER_NAME) {
                    focus_in_view(input.unchecked_ref());
                }
            });
        });
    };
    let add_owner = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        // The form's one input: the owner's name.
        let Some(input) = ev
            .current_target()
            .and_then(|form| {
                form.unchecked_into::<web_sys::Element>()
                    .query_selector("input")
                    .ok()?
            })
            .map(JsCast::unchecked_into::<web_sys::HtmlInputElement>)
        else {
            return;
        };
        let typed = input.value().trim().to_owned();
        if typed.is_empty() {
            error.set(i18n.t("business.name_needed"));
            let _ = input.focus();
            return;
        }
        input.set_value("");
        let client = client.get_value();
        act(Box::pin(async move { client.add_owner(&typed).await }));
    };
    let remove = move |id: String| {
        let client = client.get_value();
        act(Box::pin(async move { client.remove_owner(&id).await }));
    };
    let send = move |_| {
        let Some(country) = flow
            .company
            .with_untracked(|view| view.as_ref().map(|v| v.country.clone()))
        else {
            return;
        };
        let request = SubmitRequest {
            document_type: DocumentType::CertificateOfIncorporation,
            issuing_country: country,
            state: None,
            terms_accepted,
        };
        working.set(true);
        error.set(String::new());
        flow.announce(i18n.t("send.submitting"));
        spawn_local(async move {
            match client.get_value().submit(&request).await {
                Ok(report) => {
                    events.submitted(request.document_type);
                    status.try_set(Some(report));
                    flow.go(Step::Status);
                }
                Err(failure) => {
                    fail(failure);
                    flow.reload_company(client.get_value(), i18n).await;
                }
            }
            working.try_set(false);
        });
    };
    let intro = move || {
        let company = flow
            .company
            .with(|v| v.as_ref().map(|v| v.company_name.clone()));
        i18n.fill(
            "business.intro",
            &[("company", &company.unwrap_or_default())],
        )
    };
    // Drawn from the view where it is kept (a copy of it would be a clone's code shipped).
    let documents = move || {
        flow.company.with(|view| {
            let Some(view) = view else {
                return note(i18n.t("connecting"));
            };
            let ready = view.gaps.is_empty();
            let full = view.owners.len() >= view.max_owners;
            let name_of = |id: &Option<String>| {
                view.owners
                    .iter()
                    .find(|o| Some(&o.id) == id.as_ref())
                    .map(|o| o.name.clone())
                    .unwrap_or_default()
            };
            let gaps: Vec<String> = view
                .gaps
                .iter()
                .map(|gap| i18n.with(|t| messages::business_gap(t, gap, &name_of(&gap.owner))))
                .collect();
            view! {
                // Nothing for a provider that takes no company document (its checks need none).
                {(!view.company_documents.is_empty())
                    .then(|| {
                        view! {
                            <h3>{i18n.t("business.documents")}</h3>
                            <ul class="kyc-review">
                                {view
                                    .company_documents
                                    .iter()
                                    .map(|item| {
                                        let document = item.document;
                                        let title = i18n.with(|t| messages::company_document_name(t, document));
                                        let state = [
                                            i18n.t(if item.required { "business.required" } else { "business.optional" }),
                                            i18n.t(if item.uploaded { "business.received" } else { "business.missing" }),
                                        ]
                                            .join(" · ");
                                        let action = i18n
                                            .fill(
                                                if item.uploaded { "business.replace" } else { "business.add" },
                                                &[("item", &title)],
                                            );
                                        view! {
                                            <li class="kyc-review-item" data-document=document.code() data-uploaded=item.uploaded.to_string()>
                                                <h4>{title}</h4>
                                                <p class:kyc-ok=item.uploaded>{state}</p>
                                                <button
                                                    type="button"
                                                    class="kyc-secondary"
                                                    on:click=move |_| flow.go(Step::BusinessCapture(Item::Company(document)))
                                                >
                                                    {action}
                                                </button>
                                            </li>
                                        }
                                    })
                                    .collect_any()}
                            </ul>
                        }
                    }).or_nothing()}
                <h3>{i18n.t("business.owners")}</h3>
                {view.owners.is_empty().then(|| note(i18n.t("business.no_owners"))).or_nothing()}
                <ul class="kyc-review">
                    {view
                        .owners
                        .iter()
                        .enumerate()
                        .map(|(index, owner)| {
                            let index = index as u8;
                            let state = match owner.document_type {
                                None => i18n.t("business.id_missing"),
                                Some(doc) => {
                                    let name = i18n.with(|t| messages::document_name(t, doc));
                                    let key = if doc.is_two_sided() && !owner.uploaded.contains(&Slot::Back) {
                                        "business.id_back_missing"
                                    } else {
                                        "business.id_received"
                                    };
                                    i18n.fill(key, &[("doc", &name)])
                                }
                            };
                            let started = owner.document_type.is_some();
                            // A started document goes on at its missing back; else it is chosen.
                            let next = match owner.document_type {
                                Some(doc) if doc.is_two_sided() && !owner.uploaded.contains(&Slot::Back) => {
                                    Step::BusinessCapture(Item::Owner(index, doc, Slot::Back))
                                }
                                _ => Step::OwnerDocument(index),
                            };
                            let action = i18n
                                .fill(
                                    if started { "business.replace_id" } else { "business.add_id" },
                                    &[("name", &owner.name)],
                                );
                            let id = owner.id.clone();
                            view! {
                                <li class="kyc-review-item" data-owner=owner.id.clone()>
                                    <h4>{owner.name.clone()}</h4>
                                    <p>{state}</p>
                                    <button type="button" class="kyc-secondary" on:click=move |_| flow.go(next)>
                                        {action}
                                    </button>
                                    {owner
                                        .removable
                                        .then(|| {
                                            view! {
                                                <button
                                                    type="button"
                                                    class="kyc-secondary"
                                                    disabled=move || working.get()
                                                    on:click=move |_| remove(id.clone())
                                                >
                                                    {i18n.fill("business.remove", &[("name", &owner.name)])}
                                                </button>
                                            }
                                        }).or_nothing()}
                                </li>
                            }
                        })
                        .collect_any()}
                </ul>
                {if full {
                    note(i18n.fill("business.owners_full", &[("max", &i18n.number(view.max_owners as u64))]))
                } else {
                    view! {
                        <form class="kyc-field kyc-add-owner" on:submit=add_owner>
                            <label for=OWNER_NAME>{i18n.t("business.owner_name")}</label>
                            <input id=OWNER_NAME type="text" autocomplete="off" maxlength="200" />
                            <button type="submit" class="kyc-secondary" disabled=move || working.get()>
                                {i18n.t("business.add_owner")}
                            </button>
                        </form>
                    }
                        .into_any()
                }}
                {(!ready)
                    .then(|| {
                        view! {
                            <div class="kyc-warning">
                                <p>{i18n.t("business.still_needed")}</p>
                                <ul>{gaps.into_iter().map(|gap| view! { <li>{gap}</li> }).collect_any()}</ul>
                            </div>
                        }
                    }).or_nothing()}
                <div class="kyc-actions">
                    <BackButton />
                    <button
                        type="button"
                        class="kyc-primary"
                        disabled=move || !ready || working.get()
                        on:click=send
                    >
                        {i18n.t("business.send")}
                    </button>
                </div>
            }
                .into_any()
        })
    };
    view! {
        <section class="kyc-step kyc-business">
            <StepHeading text=i18n.t("business.heading") />
            <p class="kyc-note">{intro}</p>
            {move || said(error.get()).map(|message| view! { <p class="kyc-error" role="alert">{message}</p> }).or_nothing()}
            {documents}
        </section>
    }
}

/// Choosing the identity document of owner number `owner`.
#[component]
pub(super) fn OwnerDocumentStep(owner: u8) -> impl IntoView {
    let flow = expect_context::<Flow>();
    let i18n = I18n::expect();
    let name = flow.owner(owner).map(|o| o.name).unwrap_or_default();
    let accepted = flow.company.with_untracked(|view| {
        view.as_ref()
            .map(|view| view.owner_documents.clone())
            .unwrap_or_default()
    });
    view! {
        <section class="kyc-step">
            <StepHeading text=i18n.fill("owner.document_heading", &[("name", &name)]) />
            <div class="kyc-choices">
                {accepted
                    .into_iter()
                    .map(|doc| {
                        view! {
                            <button
                                type="button"
                                class="kyc-choice"
                                on:click=move |_| flow.go(Step::BusinessCapture(Item::Owner(owner, doc, Slot::Front)))
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

/// Capturing `item` and sending it at once (failed sends retried by `retry`), with its
/// progress; with `auto_capture`, a steady, good preview is taken by itself.
#[component]
pub(super) fn BusinessCaptureStep(
    item: Item,
    auto_capture: bool,
    retry: RetryPolicy,
) -> impl IntoView {
    let flow = expect_context::<Flow>();
    let client = flow.client;
    let i18n = I18n::expect();
    let events = Events::expect();
    let owner = match item {
        Item::Owner(index, ..) => flow.owner(index),
        Item::Company(_) => None,
    };
    let owner_id = owner.as_ref().map(|o| o.id.clone()).unwrap_or_default();
    // A company document is checked as a document's front, as the relay checks it.
    let (title, slot, hint) = match item {
        Item::Company(document) => (
            i18n.with(|t| messages::company_document_name(t, document)),
            Slot::Front,
            "hint.company",
        ),
        Item::Owner(_, document, slot) => (
            i18n.with(|t| {
                messages::owner_side_title(
                    t,
                    &owner.map(|o| o.name).unwrap_or_default(),
                    slot,
                    document,
                )
            }),
            slot,
            "hint.document",
        ),
    };
    let shape = match item {
        Item::Company(_) => Some(DocumentShape::A4),
        Item::Owner(_, document, slot) => framing::shape(slot, document),
    };
    let held = StoredValue::new_local(None::<(js_sys::Uint8Array, FileFormat)>);
    let progress = RwSignal::new(None::<u32>);
    let problems = RwSignal::new(Vec::<String>::new());
    let canceller = StoredValue::new_local(Canceller::default());
    on_cleanup(move || {
        if let Some(canceller) = canceller.try_get_value() {
            canceller.cancel();
        }
    });
    let named = StoredValue::new((owner_id, title.clone()));
    let send = move || {
        let Some((bytes, format)) = held.get_value() else {
            return;
        };
        let (owner_id, title) = named.get_value();
        progress.set(Some(0));
        problems.set(vec![]);
        let fresh = Canceller::default();
        canceller.set_value(fresh.clone());
        spawn_local(async move {
            let place = match item {
                Item::Company(document) => Place::Company(document),
                Item::Owner(_, document, slot) => Place::Owner {
                    id: &owner_id,
                    slot,
                    document,
                },
            };
            let file = upload::Outgoing {
                place,
                format,
                body: &bytes,
            };
            let progressed = move |percent| {
                progress.try_set(Some(percent));
                events.upload_progress(slot, percent);
            };
            let client = client.get_value();
            let sent = upload::upload(&client, file, retry, &fresh, progressed, |_| {}).await;
            match sent {
                Ok(()) => {
                    held.try_set_value(None);
                    flow.announce(format!("{title}: {}", i18n.t("send.done")));
                    let next = match (item, flow.reload_company(client, i18n).await) {
                        (Item::Owner(owner, document, slot), Some(view)) => {
                            after_owner_side(owner, document, slot, &view)
                        }
                        _ => Step::Business,
                    };
                    flow.go(next);
                }
                Err(UploadError::Cancelled) => {}
                Err(UploadError::Relay(RelayError::Refused {
                    code,
                    problems: found,
                    ..
                })) if code == "invalid_file" => {
                    // The relay runs the same checks: this file cannot go, another one may.
                    held.try_set_value(None);
                    let max_bytes = flow.max_bytes;
                    problems.try_set(i18n.with(|t| messages::file_problems(t, &found, max_bytes)));
                }
                Err(UploadError::Relay(failure)) => {
                    let message =
                        i18n.with(|t| messages::upload_error(t, &failure, flow.max_bytes));
                    events.error(failure.code(), &message);
                    problems.try_set(vec![message]);
                }
            }
            progress.try_set(None);
        });
    };
    // A document cropped from its photo is shown before it goes, as the individual review
    // shows it: an outline found in the wrong place would send the wrong part of the photo,
    // and the whole photo may be sent instead. Anything else goes at once.
    let checking = RwSignal::new(false);
    let kept = Callback::new(move |accepted: Accepted| {
        if accepted.whole.is_some() {
            flow.captures.keep(slot, accepted);
            checking.set(true);
            flow.announce(i18n.t("accepted"));
        } else {
            held.set_value(Some((accepted.bytes, accepted.format)));
            send();
        }
    });
    let checked = move |send_it: bool| {
        if send_it {
            if let Some(kept) = flow.captures.held(slot) {
                held.set_value(Some((kept.bytes, kept.format)));
            }
        }
        flow.captures.forget(slot);
        checking.set(false);
        if send_it {
            send();
        }
    };
    on_cleanup(move || {
        if checking.try_get_untracked() == Some(true) {
            flow.captures.forget(slot);
        }
    });
    let alt = i18n.fill("review.photo_of", &[("slot", &title)]);
    view! {
        <section class="kyc-step kyc-capture-step" data-slot=slot.code()>
            <StepHeading text=title.clone() />
            {note(i18n.t(hint))}
            {move || match progress.get() {
                Some(percent) => {
                    view! {
                        <p id="kyc-business-send">{i18n.fill("send.progress", &[("percent", &i18n.number(percent.into()))])}</p>
                        <progress class="kyc-progress" max="100" value=percent.to_string() aria-labelledby="kyc-business-send"></progress>
                    }
                        .into_any()
                }
                None if checking.get() => {
                    // The control that was focused (the picker or the shutter) is gone: the
                    // focus goes on to what comes next.
                    let focus: Then = Rc::new(|button| {
                        let _ = button.unchecked_into::<web_sys::HtmlElement>().focus();
                    });
                    let shot = flow.captures.shot(slot);
                    view! {
                        <img
                            class="kyc-thumb"
                            src=move || flow.captures.shot(slot).and_then(|shot| shot.preview)
                            alt=alt.clone()
                        />
                        <Warnings warnings=shot.map(|shot| shot.warnings).unwrap_or_default() />
                        <CropSwitch which=slot />
                        <div class="kyc-actions">
                            <button type="button" class="kyc-secondary" on:click=move |_| checked(false)>
                                {i18n.t("send.retake")}
                            </button>
                            <button type="button" class="kyc-primary" use:mounted=focus on:click=move |_| checked(true)>
                                {i18n.t("continue")}
                            </button>
                        </div>
                    }
                        .into_any()
                }
                None => view! { <Capturer which=slot shape auto_capture kept /> }.into_any(),
            }}
            {move || {
                let shown = problems.get();
                (!shown.is_empty())
                    .then(|| {
                        view! {
                            <div class="kyc-error" role="alert">
                                {shown.into_iter().map(|s| view! { <p>{s}</p> }).collect_any()}
                                {held
                                    .with_value(Option::is_some)
                                    .then(|| {
                                        view! {
                                            <button type="button" class="kyc-primary" on:click=move |_| send()>
                                                {i18n.t("send.again")}
                                            </button>
                                        }
                                    }).or_nothing()}
                            </div>
                        }
                    }).or_nothing()
            }}
            <div class="kyc-actions">
                <BackButton />
            </div>
        </section>
    }
}

/// The id of the field where an owner's name is typed.
const OWNER_NAME: &str = "kyc-owner-name";

/// Focuses `input`, scrolled into view if the redrawn page has pushed it out of the window (a
/// longer list above it): the focused field is never hidden (2.4.11). The browser scrolls a
/// field into view as it gains the focus, not while it keeps it, so it is let go first.
fn focus_in_view(input: &web_sys::HtmlInputElement) {
    let _ = input.blur();
    let _ = input.focus();
}

#[cfg(test)]
mod tests {
    use kyc_core::VerificationStatus;

    use super::*;

    fn company(owner_sides: Vec<Slot>) -> BusinessView {
        BusinessView {
            company_name: "Acme".to_owned(),
            country: "GBR".to_owned(),
            company_documents: vec![],
            owner_documents: vec![DocumentType::Passport, DocumentType::DriversLicense],
            min_owners: 1,
            max_owners: 10,
            owners: vec![OwnerView {
                id: "o1".to_owned(),
                name: "Ada".to_owned(),
                document_type: Some(DocumentType::DriversLicense),
                uploaded: owner_sides,
                removable: false,
            }],
            gaps: vec![],
            status: VerificationStatus::NotSubmitted,
        }
    }

    #[test]
    fn a_two_sided_front_goes_on_to_its_back_unless_the_back_is_there() {
        let license = DocumentType::DriversLicense;
        assert_eq!(
            after_owner_side(0, license, Slot::Front, &company(vec![Slot::Front])),
            Step::BusinessCapture(Item::Owner(0, license, Slot::Back))
        );
        // A front replaced after the back was sent: back to the company.
        assert_eq!(
            after_owner_side(
                0,
                license,
                Slot::Front,
                &company(vec![Slot::Front, Slot::Back])
            ),
            Step::Business
        );
        assert_eq!(
            after_owner_side(
                0,
                license,
                Slot::Back,
                &company(vec![Slot::Front, Slot::Back])
            ),
            Step::Business
        );
        let passport = DocumentType::Passport;
        assert_eq!(
            after_owner_side(0, passport, Slot::Front, &company(vec![Slot::Front])),
            Step::Business
        );
    }
}
