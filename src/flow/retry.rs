//! "Start again" after a rejection ([`StartAgain`]): the relay opens the new attempt the
//! provider documents (`POST /v1/session/retry`), and the flow goes on with its token at the
//! first capture, the document type and issuing country kept (they did not change), every file
//! captured again (the provider reviews a new set). The host hears of it through `kyc-retry`:
//! the new `sessionId`, or the relay's `code` when it opened none (the host opens a new session,
//! or learns the provider's rejection is final).

use kyc_core::wire::StatusReport;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{Flow, Step};
use crate::events::Events;
use crate::i18n::I18n;
use crate::messages;
use crate::transport::RelayError;

/// The sentence of what to do (the relay's answer when it opened no new attempt), and the
/// button.
#[component]
pub(super) fn StartAgain(report: RwSignal<Option<StatusReport>>) -> impl IntoView {
    let (flow, i18n, events) = (expect_context::<Flow>(), I18n::expect(), Events::expect());
    // The new attempt's client replaces the flow's.
    let client = flow.client;
    let note = RwSignal::new(i18n.t("status.retry"));
    // One request at a time: a second click would be refused as `already_retried`. (A signal
    // read untracked, as the flow's flags: a `StoredValue<bool>` would ship its own code.)
    let busy = RwSignal::new(false);
    let start = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            match client.get_value().retry().await {
                Ok((next, session_id)) => {
                    client.set_value(next);
                    events.retry(Ok(&session_id));
                    flow.captures.start_over();
                    report.set(None);
                    if flow.document.get_untracked().is_some() {
                        flow.after_capture();
                    } else {
                        flow.go(Step::Document);
                    }
                }
                Err(err) => {
                    let message = i18n.with(|t| messages::relay_error(t, &err));
                    // A network failure can be tried again; a refusal is the host's to solve.
                    if let RelayError::Network(_) = err {
                        events.error(err.code(), &message);
                    } else {
                        events.retry(Err(err.code()));
                    }
                    note.try_set(message);
                    busy.try_set(false);
                }
            }
        });
    };
    view! {
        <p role="status">{move || note.get()}</p>
        <button type="button" class="kyc-primary" on:click=start>
            {i18n.t("status.start_again")}
        </button>
    }
}
