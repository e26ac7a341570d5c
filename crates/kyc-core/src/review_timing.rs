//! How long a provider's review takes, and what to tell the user (and the host) as it goes on:
//! one rule per provider, read from its document, as a function of the seconds since the
//! documents were submitted. The caller brings the elapsed time (the core has no clock).
//!
//! Only A's and D's documents say anything about timing; for B and C nothing is stated, so
//! nothing is advised ([`ReviewAdvice::NoEstimate`]) rather than an invented figure.

use serde::{Deserialize, Serialize};

use crate::vocabulary::Provider;

/// What the user is told while the review is pending; the widget has one sentence per code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewAdvice {
    /// A, before 2 hours: a-upload-verification-files.txt:1, "This typically takes a few
    /// minutes, but can take up to 2 hours if the documents require additional screening."
    UpToTwoHours,
    /// A, from 2 hours until 5: a-upload-verification-files.txt:1, "Do not escalate before 2
    /// hours" and "If verification has been pending for 5 hours or more, contact the operations
    /// team": longer than the usual bound, not yet a case for operations.
    OperationsAtFiveHours,
    /// A, from 5 hours: a-upload-verification-files.txt:1, "If verification has been pending
    /// for 5 hours or more, contact the operations team to expedite."
    ContactOperations,
    /// D, before 2 hours: d-technest-verify-end-customer.txt:2 and :15, "usually a few minutes,
    /// occasionally up to ~2 hours."
    UpToAboutTwoHours,
    /// D, from 2 hours until 24: past the "occasionally up to ~2 hours" of
    /// d-technest-verify-end-customer.txt:15, before the 24 hours of :27.
    SupportAfterADay,
    /// D, past 24 hours: d-technest-verify-end-customer.txt:27, "If a customer's pending status
    /// persists past 24 hours, contact Technest support."
    ContactSupport,
    /// B and C: their documents state no review time (b-attach-documents-v2.txt: "Processing is
    /// asynchronous"; c-customer-verifications.txt:1 only the lifecycle), so none is given.
    NoEstimate,
}

impl ReviewAdvice {
    /// Every advice.
    pub const ALL: [ReviewAdvice; 7] = [
        ReviewAdvice::UpToTwoHours,
        ReviewAdvice::OperationsAtFiveHours,
        ReviewAdvice::ContactOperations,
        ReviewAdvice::UpToAboutTwoHours,
        ReviewAdvice::SupportAfterADay,
        ReviewAdvice::ContactSupport,
        ReviewAdvice::NoEstimate,
    ];

    /// The stable machine code (also the JSON value), e.g. `up_to_two_hours`.
    pub fn code(self) -> &'static str {
        match self {
            ReviewAdvice::UpToTwoHours => "up_to_two_hours",
            ReviewAdvice::OperationsAtFiveHours => "operations_at_five_hours",
            ReviewAdvice::ContactOperations => "contact_operations",
            ReviewAdvice::UpToAboutTwoHours => "up_to_about_two_hours",
            ReviewAdvice::SupportAfterADay => "support_after_a_day",
            ReviewAdvice::ContactSupport => "contact_support",
            ReviewAdvice::NoEstimate => "no_estimate",
        }
    }
}

/// 2 hours: A's "up to 2 hours" and "do not escalate before 2 hours"
/// (a-upload-verification-files.txt:1); D's "occasionally up to ~2 hours"
/// (d-technest-verify-end-customer.txt:15).
pub const TWO_HOURS_SECS: u64 = 2 * 60 * 60;
/// 5 hours: A's "pending for 5 hours or more, contact the operations team"
/// (a-upload-verification-files.txt:1); "or more", so the advice changes at 5 h exactly.
pub const A_OPERATIONS_SECS: u64 = 5 * 60 * 60;
/// 24 hours: D's "persists past 24 hours, contact Technest support"
/// (d-technest-verify-end-customer.txt:27); "past", so the advice changes one second after.
pub const D_SUPPORT_SECS: u64 = 24 * 60 * 60;

/// Where a pending review stands: the advice now and when it next changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewTiming {
    /// What to tell the user now.
    pub advice: ReviewAdvice,
    /// The elapsed seconds at which the advice changes next; `None` when it no longer changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_at_secs: Option<u64>,
}

/// The advice for a review of `provider` pending for `elapsed_secs` since the submission.
pub fn review_timing(provider: Provider, elapsed_secs: u64) -> ReviewTiming {
    let (advice, next_at_secs) = match provider {
        Provider::A if elapsed_secs < TWO_HOURS_SECS => {
            (ReviewAdvice::UpToTwoHours, Some(TWO_HOURS_SECS))
        }
        Provider::A if elapsed_secs < A_OPERATIONS_SECS => {
            (ReviewAdvice::OperationsAtFiveHours, Some(A_OPERATIONS_SECS))
        }
        Provider::A => (ReviewAdvice::ContactOperations, None),
        Provider::D if elapsed_secs < TWO_HOURS_SECS => {
            (ReviewAdvice::UpToAboutTwoHours, Some(TWO_HOURS_SECS))
        }
        Provider::D if elapsed_secs <= D_SUPPORT_SECS => {
            (ReviewAdvice::SupportAfterADay, Some(D_SUPPORT_SECS + 1))
        }
        Provider::D => (ReviewAdvice::ContactSupport, None),
        Provider::B | Provider::C => (ReviewAdvice::NoEstimate, None),
    };
    ReviewTiming {
        advice,
        next_at_secs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn advice(provider: Provider, secs: u64) -> (ReviewAdvice, Option<u64>) {
        let timing = review_timing(provider, secs);
        (timing.advice, timing.next_at_secs)
    }

    #[test]
    fn a_changes_at_2_hours_and_at_5_hours_exactly() {
        use ReviewAdvice::*;
        assert_eq!(advice(Provider::A, 0), (UpToTwoHours, Some(7_200)));
        assert_eq!(advice(Provider::A, 7_199), (UpToTwoHours, Some(7_200)));
        assert_eq!(
            advice(Provider::A, 7_200),
            (OperationsAtFiveHours, Some(18_000))
        );
        assert_eq!(
            advice(Provider::A, 7_201),
            (OperationsAtFiveHours, Some(18_000))
        );
        assert_eq!(
            advice(Provider::A, 17_999),
            (OperationsAtFiveHours, Some(18_000))
        );
        assert_eq!(advice(Provider::A, 18_000), (ContactOperations, None));
        assert_eq!(advice(Provider::A, u64::MAX), (ContactOperations, None));
    }

    #[test]
    fn d_changes_at_2_hours_and_past_24_hours() {
        use ReviewAdvice::*;
        assert_eq!(advice(Provider::D, 0), (UpToAboutTwoHours, Some(7_200)));
        assert_eq!(advice(Provider::D, 7_199), (UpToAboutTwoHours, Some(7_200)));
        assert_eq!(advice(Provider::D, 7_200), (SupportAfterADay, Some(86_401)));
        assert_eq!(
            advice(Provider::D, 86_400),
            (SupportAfterADay, Some(86_401))
        );
        assert_eq!(advice(Provider::D, 86_401), (ContactSupport, None));
        assert_eq!(advice(Provider::D, u64::MAX), (ContactSupport, None));
    }

    #[test]
    fn b_and_c_are_given_no_estimate_at_any_time() {
        for provider in [Provider::B, Provider::C] {
            for secs in [0, 7_199, 7_200, 18_000, 86_401, u64::MAX] {
                assert_eq!(advice(provider, secs), (ReviewAdvice::NoEstimate, None));
            }
        }
    }

    #[test]
    fn the_next_threshold_is_where_the_advice_changes() {
        for provider in Provider::ALL {
            let mut secs = 0;
            while let Some(next) = review_timing(provider, secs).next_at_secs {
                let now = review_timing(provider, secs).advice;
                assert_eq!(review_timing(provider, next - 1).advice, now);
                assert_ne!(review_timing(provider, next).advice, now);
                secs = next;
            }
        }
    }

    #[test]
    fn the_json_codes_are_the_codes() {
        for provider in Provider::ALL {
            for secs in [0, 7_200, 18_000, 86_401] {
                let timing = review_timing(provider, secs);
                let json = serde_json::to_value(timing).unwrap();
                assert_eq!(json["advice"], timing.advice.code());
            }
        }
    }
}
