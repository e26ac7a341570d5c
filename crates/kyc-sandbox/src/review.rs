//! Review outcomes decided by markers in the customer's reference.
//!
//! A reference containing `reject_<reason>` (e.g. `bob-reject_document_blurry`) ends its review
//! rejected with that reason (`document_blurry`); the reason runs up to the first character that
//! is not a lowercase letter, a digit or `_`, so `bob-reject_document_blurry-r2` still names
//! `document_blurry`. Anything else ends verified.

use std::time::Duration;

/// How long a review of a customer with this reference lasts: a `review_hours_<N>` marker
/// (e.g. `ann-review_hours_6`) makes it `N` hours on the sandbox's clock (moved forward by
/// `POST /sandbox/clock`, so a test sees a long review without waiting); else `default`.
pub fn review_delay(reference: &str, default: Duration) -> Duration {
    marker_reason(reference, "review_hours_")
        .and_then(|hours| hours.split('_').next()?.parse::<u64>().ok())
        .map_or(default, |hours| Duration::from_secs(hours * 60 * 60))
}

/// How a review ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The customer is verified.
    Approve,
    /// The customer is rejected with this reason code.
    Reject(String),
}

/// The reason named by a `<marker><reason>` marker in `text`, if any.
pub fn marker_reason(text: &str, marker: &str) -> Option<String> {
    let start = text.find(marker)? + marker.len();
    let reason: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
        .collect();
    if reason.is_empty() {
        Some("unspecified".to_owned())
    } else {
        Some(reason)
    }
}

/// The outcome a review of a customer with this reference will have.
pub fn outcome_for(reference: &str) -> Outcome {
    match marker_reason(reference, "reject_") {
        Some(reason) => Outcome::Reject(reason),
        None => Outcome::Approve,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reject_marker_names_the_reason() {
        assert_eq!(
            outcome_for("bob-reject_document_blurry"),
            Outcome::Reject("document_blurry".into())
        );
        assert_eq!(
            outcome_for("bob-reject_document_blurry-r2"),
            Outcome::Reject("document_blurry".into())
        );
        assert_eq!(
            outcome_for("reject_"),
            Outcome::Reject("unspecified".into())
        );
        assert_eq!(outcome_for("alice-1"), Outcome::Approve);
        let default = Duration::from_secs(3);
        assert_eq!(
            review_delay("ann-review_hours_6-x", default),
            Duration::from_secs(21_600)
        );
        assert_eq!(review_delay("ann-review_hours_", default), default);
        assert_eq!(review_delay("ann", default), default);
        assert_eq!(outcome_for("alice-rejected"), Outcome::Approve);
    }
}
