//! Provider C's records: the verifications of one organization, and how each ends.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use serde_json::{json, Value};

use crate::ids::random_uuid;
use crate::provider::d::records::VendorRecord;
use crate::review::marker_reason;

/// The reason of a verification that expired while pending.
pub const EXPIRED_REASON: &str = "verification_expired";

pub(super) struct Verification {
    pub(super) seq: u64,
    pub(super) id: String,
    pub(super) actor_id: String,
    pub(super) check_type: String,
    pub(super) customer_id: String,
    pub(super) provider: String,
    pub(super) provider_reference: String,
    pub(super) verification_type: String,
    pub(super) status: &'static str,
    pub(super) reason: Option<String>,
    pub(super) result_payload: Option<Value>,
    pub(super) created_at: Timestamp,
    pub(super) updated_at: Timestamp,
    pub(super) expires_at: Timestamp,
    pub(super) last_checked_at: Option<Timestamp>,
    pub(super) verified_at: Option<Timestamp>,
    pub(super) started: Instant,
    /// Created with `provider` = [`super::rules::VENDOR_D`]: the result is D's review of
    /// `provider_reference`.
    pub(super) linked: bool,
}

impl Verification {
    pub(super) fn view(&self, organization_id: &str) -> Value {
        json!({
            "id": self.id,
            "actor_id": self.actor_id,
            "check_type": self.check_type,
            "created_at": self.created_at.to_string(),
            "customer_id": self.customer_id,
            "expires_at": self.expires_at.to_string(),
            "last_checked_at": self.last_checked_at.map(|t| t.to_string()),
            "organization_id": organization_id,
            "provider": self.provider,
            "provider_reference": self.provider_reference,
            "reason": self.reason,
            "result_payload": self.result_payload,
            "status": self.status,
            "updated_at": self.updated_at.to_string(),
            "verification_type": self.verification_type,
            "verified_at": self.verified_at.map(|t| t.to_string()),
        })
    }
}

/// Provider C's records.
pub struct Store {
    pub(super) organization_id: String,
    pub(super) api_actor_id: String,
    pub(super) admin_actor_id: String,
    pub(super) next_seq: u64,
    pub(super) verifications: HashMap<String, Verification>,
}

impl Store {
    /// An empty store of a new organization.
    pub fn new() -> Store {
        Store {
            organization_id: random_uuid(),
            api_actor_id: random_uuid(),
            admin_actor_id: random_uuid(),
            next_seq: 1,
            verifications: HashMap::new(),
        }
    }

    /// D's customer ids that verifications of `customer` and `verification_type` check.
    pub(super) fn checked_by(&self, customer: &str, verification_type: &str) -> Vec<String> {
        let customer = customer.to_ascii_lowercase();
        self.verifications
            .values()
            .filter(|v| {
                v.linked && v.customer_id == customer && v.verification_type == verification_type
            })
            .map(|v| v.provider_reference.clone())
            .collect()
    }

    /// D's customer ids whose review pending verifications wait for.
    pub(super) fn linked_pending(&self) -> Vec<String> {
        self.verifications
            .values()
            .filter(|v| v.linked && v.status == "pending")
            .map(|v| v.provider_reference.clone())
            .collect()
    }

    /// At `now`, finishes the verifications that are due (verified or failed: after `delay`, or
    /// as D's review in `vendor` says for a linked one) and expires overdue pending ones.
    pub(super) fn finish_reviews(
        &mut self,
        delay: Duration,
        vendor: &HashMap<String, VendorRecord>,
        now: Timestamp,
    ) {
        for v in self.verifications.values_mut() {
            if v.status != "pending" {
                continue;
            }
            if now >= v.expires_at {
                v.status = "expired";
                v.reason = Some(EXPIRED_REASON.to_owned());
                v.updated_at = now;
                v.last_checked_at = Some(now);
                continue;
            }
            let outcome = if v.linked {
                v.last_checked_at = Some(now);
                match vendor.get(&v.provider_reference) {
                    Some(record) if record.status == "verified" => None,
                    Some(record) if record.status == "rejected" => Some(
                        record
                            .rejection_reason
                            .clone()
                            .unwrap_or_else(|| "unspecified".to_owned()),
                    ),
                    _ => continue,
                }
            } else {
                if v.started.elapsed() < delay {
                    continue;
                }
                let marker = format!("{} {}", v.check_type, v.provider);
                marker_reason(&marker, "reject_")
            };
            match outcome {
                Some(reason) => {
                    v.status = "failed";
                    v.result_payload = Some(json!({"outcome": "failed", "reason": reason}));
                    v.reason = Some(reason);
                }
                None => {
                    v.status = "verified";
                    v.verified_at = Some(now);
                    v.result_payload = Some(json!({"outcome": "clear"}));
                }
            }
            v.updated_at = now;
            v.last_checked_at = Some(now);
        }
    }
}

impl Default for Store {
    fn default() -> Self {
        Store::new()
    }
}
