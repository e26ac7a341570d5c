//! The status step: pending (followed by [`use_status`] until the provider decides), verified,
//! or rejected with the provider's reason and the way to try again ([`StartAgain`]).

use kyc_core::wire::StatusReport;
use kyc_core::{review_timing, Provider, VerificationStatus};
use leptos::prelude::*;

use super::retry::StartAgain;
use super::{OrNothing, StepHeading};
use crate::api::RelayClient;
use crate::i18n::{duration, I18n};
use crate::messages;
use crate::status_feed::use_status;

/// Following the verification in `report`, kept fresh from the relay through `client`; while
/// pending, how long the review has taken (as of the relay's last report) and the
/// advice of `provider`'s document for that time (the core's one rule).
#[component]
pub(super) fn StatusStep(
    client: StoredValue<RelayClient>,
    report: RwSignal<Option<StatusReport>>,
    provider: Provider,
    /// Whether it is a business's (the verified text names the company).
    business: bool,
) -> impl IntoView {
    let i18n = I18n::expect();
    let feed = use_status(client, report);
    // The relay reports a pending review at least every minute (and the polling every 3 s).
    let elapsed = move || report.with(|r| r.as_ref().and_then(|r| r.pending_for_secs));
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
                        {move || {
                            elapsed()
                                .map(|secs| {
                                    let advice = review_timing(provider, secs).advice;
                                    view! {
                                        <p class="kyc-elapsed">
                                            {i18n.fill("status.elapsed", &[("time", &duration(i18n.locale(), secs))])}
                                        </p>
                                        <p>{i18n.t(&format!("status.advice.{}", advice.code()))}</p>
                                    }
                                }).or_nothing()
                        }}
                        <p>{i18n.t("status.pending_body")}</p>
                        {move || {
                            feed.unreadable()
                                .then(|| {
                                    view! {
                                        <p role="alert" class="kyc-error">
                                            {i18n.t("status.unreadable")}
                                        </p>
                                    }
                                }).or_nothing()
                        }}
                    }
                        .into_any()
                }
                VerificationStatus::Verified => {
                    view! {
                        <StepHeading text=i18n.t("status.verified") />
                        <p class="kyc-ok">
                            {i18n.t(if business { "status.verified_business" } else { "status.verified_body" })}
                        </p>
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
