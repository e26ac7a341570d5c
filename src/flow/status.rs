//! The status step: pending (followed by [`use_status`] until the provider decides), verified,
//! or rejected with the provider's reason and the way to try again ([`StartAgain`]).

use kyc_core::wire::StatusReport;
use kyc_core::VerificationStatus;
use leptos::prelude::*;

use super::retry::StartAgain;
use super::StepHeading;
use crate::api::RelayClient;
use crate::i18n::I18n;
use crate::messages;
use crate::status_feed::use_status;

/// Following the verification in `report`, kept fresh from the relay through `client`.
#[component]
pub(super) fn StatusStep(
    client: RelayClient,
    report: RwSignal<Option<StatusReport>>,
) -> impl IntoView {
    let i18n = I18n::expect();
    use_status(client, report);
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
                        <StartAgain report />
                    }
                        .into_any()
                }
            }}
        </section>
    }
}
