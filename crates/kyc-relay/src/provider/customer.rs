//! The customer record A and D share: `{"id", "status", "rejection_reason"}`, in their answers
//! and in the `data` of their status webhook events.

use kyc_core::VerificationStatus;
use serde::Deserialize;

use super::adapter::WebhookUpdate;

/// A customer as A's and D's APIs return it.
#[derive(Deserialize)]
pub(super) struct CustomerRecord {
    /// The provider's customer id.
    pub(super) id: String,
    /// `pending`, `verified`, `rejected`; anything else is not submitted yet.
    pub(super) status: String,
    #[serde(default)]
    pub(super) rejection_reason: Option<String>,
}

impl CustomerRecord {
    /// The relay's status of the record (a rejection without a reason is `unspecified`).
    pub(super) fn status(&self) -> VerificationStatus {
        let reason = self.rejection_reason.as_deref().unwrap_or("unspecified");
        VerificationStatus::from_code(&self.status, Some(reason))
            .unwrap_or(VerificationStatus::NotSubmitted)
    }
}

/// The result of an event `{"type", "data": {"customer_id", "status", "rejection_reason"}}`
/// whose type is one of `types` (A's `customer.verified`/`customer.rejected`, D's
/// `customer.status_changed`); only final statuses (`verified`, `rejected`) are results.
pub(super) fn status_event(event: &serde_json::Value, types: &[&str]) -> Option<WebhookUpdate> {
    let kind = event.get("type")?.as_str()?;
    if !types.contains(&kind) {
        return None;
    }
    let data = event.get("data")?;
    let record = CustomerRecord {
        id: data.get("customer_id")?.as_str()?.to_owned(),
        status: data.get("status")?.as_str()?.to_owned(),
        rejection_reason: data
            .get("rejection_reason")
            .and_then(|r| r.as_str())
            .map(str::to_owned),
    };
    let status = record.status();
    status.is_final().then_some(WebhookUpdate {
        customer_id: record.id,
        status,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_final_status_of_a_named_type_is_a_result() {
        let event = |kind: &str, status: &str| {
            json!({"type": kind, "data": {"customer_id": "cus_1", "status": status,
                   "rejection_reason": "blurry"}})
        };
        let types = ["customer.status_changed"];
        assert_eq!(
            status_event(&event("customer.status_changed", "rejected"), &types),
            Some(WebhookUpdate {
                customer_id: "cus_1".to_owned(),
                status: VerificationStatus::Rejected {
                    reason: "blurry".to_owned()
                },
            })
        );
        assert_eq!(
            status_event(&event("customer.status_changed", "pending"), &types),
            None
        );
        assert_eq!(
            status_event(&event("customer.created", "verified"), &types),
            None
        );
    }

    #[test]
    fn a_record_without_a_known_status_is_not_submitted() {
        let record = |status: &str, reason: Option<&str>| CustomerRecord {
            id: "cus_1".to_owned(),
            status: status.to_owned(),
            rejection_reason: reason.map(str::to_owned),
        };
        assert_eq!(
            record("rejected", None).status(),
            VerificationStatus::Rejected {
                reason: "unspecified".to_owned()
            }
        );
        assert_eq!(
            record("pending", None).status(),
            VerificationStatus::Pending
        );
        assert_eq!(
            record("created", None).status(),
            VerificationStatus::NotSubmitted
        );
    }
}
