//! The handoff step (a desktop): the photos taken here are sent first, then a one-time code
//! for the phone is shown as a QR code of the phone page's link (and the link to copy); the
//! page follows the session at the relay: each capture as it arrives from the phone, then the
//! status once the phone sends. The code is renewed shortly before it expires (the relay's
//! `expires_in`); the user can stay on this device (the code is cancelled) or, once every photo
//! arrived, check and send here.

use std::time::Duration;

use kyc_core::wire::{Choices, StatusReport};
use kyc_core::VerificationStatus;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{note, said, CollectAny, Flow, OrNothing, Step, StepHeading};
use crate::api::RelayClient;
use crate::events::Events;
use crate::handoff::phone_link;
use crate::i18n::I18n;
use crate::messages;
use crate::options::Handoff;
use crate::qr_code::QrPicture;
use crate::upload::RetryPolicy;

/// How often the relay is asked what arrived. Two seconds: the user looks from the phone to
/// the screen in about that time, and a session's requests stay far below the relay's limit.
const FOLLOW_EVERY: Duration = Duration::from_secs(2);

/// Handing the session to the phone through `client`, whose page is `base`; the phone starts
/// from `choices`. The status the phone's submission reaches goes to `status`.
#[component]
pub(super) fn HandoffStep(
    client: StoredValue<RelayClient>,
    choices: Option<Choices>,
    base: String,
    retry: RetryPolicy,
    status: RwSignal<Option<StatusReport>>,
) -> impl IntoView {
    let flow = expect_context::<Flow>();
    let i18n = I18n::expect();
    let events = Events::expect();
    // The phone's link once issued, what failed (each empty: none yet, nothing).
    let link = RwSignal::new(String::new());
    let error = RwSignal::new(String::new());
    let slots = flow.capture_slots();
    let document = flow.chosen_document();
    // When the code is to be renewed (the page's clock, ms): a little before it expires.
    let renew_at = StoredValue::new(f64::INFINITY);
    let issue = move || {
        let (choices, base) = (choices.clone(), base.clone());
        spawn_local(async move {
            let Some(current) = client.try_get_value() else {
                return;
            };
            match current.handoff(choices.as_ref()).await {
                Ok(issued) => {
                    let lead = (issued.expires_in / 10).clamp(1, 30);
                    let secs = issued.expires_in.saturating_sub(lead).max(1);
                    renew_at.try_set_value(js_sys::Date::now() + secs as f64 * 1000.0);
                    error.try_set(String::new());
                    link.try_set(phone_link(&base, &issued.code));
                    events.handoff_started(issued.expires_at);
                }
                Err(err) => {
                    let message = i18n.with(|t| messages::relay_error(t, &err));
                    events.error(err.code(), &message);
                    error.try_set(message);
                }
            }
        });
    };
    let issue = StoredValue::new_local(issue);
    // The photos taken here first, so the phone does not ask for them again; one that cannot
    // be sent stays here and is asked for on the phone.
    spawn_local(async move {
        for slot in flow.capture_slots() {
            if let Some(current) = client.try_get_value() {
                flow.send_now(current, slot, retry).await;
            }
        }
        issue.try_with_value(|issue| issue());
    });
    let follow = set_interval_with_handle(
        move || {
            let Some(current) = client.try_get_value() else {
                return;
            };
            // A new code shortly before this one expires (the phone page, if not opened yet,
            // would refuse the old one): the QR code changes, the page stays.
            if js_sys::Date::now() >= renew_at.get_value() {
                renew_at.set_value(f64::INFINITY);
                issue.with_value(|issue| issue());
            }
            spawn_local(async move {
                let Ok(session) = current.session(None).await else {
                    return;
                };
                for slot in session.uploaded {
                    if !flow.captures.is_uploaded(slot) {
                        flow.captures.arrived(slot);
                        let title = i18n.with(|t| messages::slot_title(t, slot, document));
                        flow.announce(format!("{title}: {}", i18n.t("handoff.arrived")));
                    }
                }
                if session.status != VerificationStatus::NotSubmitted {
                    events.handoff_completed(&session.status);
                    status.try_set(Some(StatusReport {
                        status: session.status,
                        pending_for_secs: None,
                        review: None,
                    }));
                    flow.go(Step::Status);
                }
            });
        },
        FOLLOW_EVERY,
    )
    .ok();
    on_cleanup(move || {
        if let Some(follow) = follow {
            follow.clear();
        }
    });
    // Leaving the handoff: the code stops working, so the link opens nothing any more.
    let leave = move |to: Step| {
        if let Some(current) = client.try_get_value() {
            spawn_local(async move {
                let _ = current.cancel_handoff().await;
            });
        }
        flow.go(to);
    };
    let complete = move || flow.complete();
    let copy = move |_| {
        if let Some(url) = said(link.get_untracked()) {
            if copy_text(&url) {
                flow.announce(i18n.t("handoff.copied"));
            }
        }
    };
    view! {
        <section class="kyc-step kyc-handoff">
            <StepHeading text=i18n.t("handoff.heading") />
            {note(i18n.t("handoff.intro"))}
            {move || match said(link.get()) {
                Some(url) => {
                    view! {
                        // Markup made here from the code's modules alone (the URL is not in it).
                        <div
                            class="kyc-qr"
                            role="img"
                            aria-label=i18n.t("handoff.qr")
                            inner_html=QrPicture::of(&url).map(|qr| qr.svg()).unwrap_or_default()
                        ></div>
                        <p class="kyc-handoff-link">{i18n.t("handoff.link")} " " <span>{url}</span></p>
                    }
                        .into_any()
                }
                None => {
                    error
                        .with(String::is_empty)
                        .then(|| note(i18n.t("handoff.preparing")))
                        .or_nothing()
                }
            }}
            <button
                type="button"
                class="kyc-secondary"
                disabled=move || link.with(String::is_empty)
                on:click=copy
            >
                {i18n.t("handoff.copy")}
            </button>
            {note(i18n.t("handoff.private"))}
            {move || {
                said(error.get())
                    .map(|message| {
                        view! {
                            <div class="kyc-error" role="alert">
                                <p>{message}</p>
                                <button
                                    type="button"
                                    class="kyc-primary"
                                    on:click=move |_| issue.with_value(|issue| issue())
                                >
                                    {i18n.t("send.again")}
                                </button>
                            </div>
                        }
                    }).or_nothing()
            }}
            <ul class="kyc-handoff-slots">
                {slots
                    .into_iter()
                    .map(|slot| {
                        let title = i18n.with(|t| messages::slot_title(t, slot, document));
                        let arrived = move || flow.captures.shot(slot).is_some_and(|s| s.uploaded);
                        view! {
                            <li data-slot=slot.code() data-arrived=move || arrived().to_string()>
                                {title} ": "
                                {move || {
                                    i18n.t(if arrived() { "handoff.arrived" } else { "handoff.waiting" })
                                }}
                            </li>
                        }
                    })
                    .collect_any()}
            </ul>
            {move || {
                complete()
                    .then(|| {
                        view! {
                            <p class="kyc-ok">{i18n.t("handoff.all_arrived")}</p>
                            <button
                                type="button"
                                class="kyc-primary"
                                on:click=move |_| leave(Step::Review)
                            >
                                {i18n.t("handoff.send_here")}
                            </button>
                        }
                    }).or_nothing()
            }}
            {(flow.handoff != Handoff::Forced)
                .then(|| {
                    view! {
                        <div class="kyc-actions">
                            <button
                                type="button"
                                class="kyc-secondary"
                                on:click=move |_| leave(flow.handoff_from.get_value())
                            >
                                {i18n.t("handoff.stay")}
                            </button>
                        </div>
                    }
                }).or_nothing()}
        </section>
    }
}

/// Puts `text` on the clipboard; `false` where the page may not (no `navigator.clipboard`,
/// an insecure origin): the link is there to select by hand.
fn copy_text(text: &str) -> bool {
    use wasm_bindgen::{JsCast, JsValue};
    let Some(window) = web_sys::window() else {
        return false;
    };
    let clipboard = js_sys::Reflect::get(&window.navigator(), &JsValue::from_str("clipboard"))
        .unwrap_or(JsValue::UNDEFINED);
    js_sys::Reflect::get(&clipboard, &JsValue::from_str("writeText"))
        .ok()
        .and_then(|write| write.dyn_into::<js_sys::Function>().ok())
        .is_some_and(|write| write.call1(&clipboard, &JsValue::from_str(text)).is_ok())
}
