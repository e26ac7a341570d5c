//! The status step: pending (asked for again every [`POLL_EVERY`] until the provider
//! decides), verified, or rejected with the provider's reason and the way to try again.

use std::time::Duration;

use kyc_core::wire::StatusReport;
use kyc_core::VerificationStatus;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::StepHeading;
use crate::api::RelayClient;
use crate::i18n::I18n;
use crate::messages;

/// How often a pending status is asked for again.
const POLL_EVERY: Duration = Duration::from_secs(3);

/// Following the verification in `report`, kept fresh from the relay through `client`.
#[component]
pub(super) fn StatusStep(
    client: RelayClient,
    report: RwSignal<Option<StatusReport>>,
) -> impl IntoView {
    let i18n = I18n::expect();
    let poll = move || {
        let client = client.clone();
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
                        <p>{i18n.with(|t| messages::rejection(t, &reason))}</p>
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
