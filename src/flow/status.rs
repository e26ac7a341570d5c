//! The status step: pending (followed by [`use_status`] until the provider decides), verified,
//! or rejected with the provider's reason and the way to try again ([`StartAgain`]).

use kyc_core::wire::StatusReport;
use kyc_core::{review_timing, Provider, VerificationStatus};
use leptos::prelude::*;

use super::retry::StartAgain;
use super::StepHeading;
use crate::api::RelayClient;
use crate::i18n::I18n;
use crate::messages;
use crate::status_feed::use_status;

/// `secs` as the page shows it: `2 h 15 min`, `5 min` (the same units in every locale).
fn duration(secs: u64) -> String {
    let (hours, minutes) = (secs / 3600, secs % 3600 / 60);
    if hours > 0 {
        format!("{hours} h {minutes} min")
    } else {
        format!("{minutes} min")
    }
}

/// Following the verification in `report`, kept fresh from the relay through `client`; while
/// pending, how long the review has taken (as of the relay's last report) and the
/// advice of `provider`'s document for that time (the core's one rule).
#[component]
pub(super) fn StatusStep(
    client: StoredValue<RelayClient>,
    report: RwSignal<Option<StatusReport>>,
    provider: Provider,
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
                                            {i18n.fill("status.elapsed", &[("time", &duration(secs))])}
                                        </p>
                                        <p>{i18n.t(&format!("status.advice.{}", advice.code()))}</p>
                                    }
                                })
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
                                })
                        }}
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

#[cfg(test)]
mod tests {
    #[test]
    fn the_review_time_reads_in_hours_and_minutes() {
        assert_eq!(super::duration(59), "0 min");
        assert_eq!(super::duration(5 * 60 + 59), "5 min");
        assert_eq!(super::duration(2 * 3600 + 15 * 60), "2 h 15 min");
        assert_eq!(super::duration(5 * 3600), "5 h 0 min");
    }
}
