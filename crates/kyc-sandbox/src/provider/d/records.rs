//! Provider D's records: customers, their files, and how a review ends.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::review::{review_delay, Outcome};

/// A customer's verification status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Created, `id_file` not attached yet.
    Incomplete,
    /// Under review.
    Pending,
    /// Verified.
    Verified,
    /// Rejected (final: create a new customer to retry).
    Rejected,
}

impl Status {
    /// The JSON value.
    pub fn code(self) -> &'static str {
        match self {
            Status::Incomplete => "incomplete",
            Status::Pending => "pending",
            Status::Verified => "verified",
            Status::Rejected => "rejected",
        }
    }
}

pub(super) struct Customer {
    pub(super) id: String,
    pub(super) reference: String,
    pub(super) customer_type: String,
    pub(super) country: String,
    pub(super) status: Status,
    pub(super) rejection_reason: Option<String>,
    pub(super) kyc_submitted_at: Option<u64>,
    pub(super) created_at: u64,
    /// The code of the attached identity document (see [`super::rules::DOCUMENTS`]).
    pub(super) document_type: Option<&'static str>,
    pub(super) attached: BTreeMap<&'static str, String>,
    pub(super) review: Option<Review>,
}

pub(super) struct Review {
    pub(super) started: Instant,
    pub(super) outcome: Outcome,
}

pub(super) struct FileRecord {
    pub(super) customer_id: String,
    pub(super) content_type: String,
    pub(super) key: String,
}

/// Provider D's records.
#[derive(Default)]
pub struct Store {
    pub(super) customers: HashMap<String, Customer>,
    pub(super) references: HashMap<String, String>,
    pub(super) files: HashMap<String, FileRecord>,
}

impl Customer {
    pub(super) fn view(&self) -> Value {
        json!({
            "id": self.id,
            "customer_reference": self.reference,
            "type": self.customer_type,
            "country": self.country,
            "status": self.status.code(),
            "rejection_reason": self.rejection_reason,
            "kyc_submitted_at": self.kyc_submitted_at,
            "created_at": self.created_at,
            "document_type": self.document_type,
            "attached": self.attached,
        })
    }

    fn vendor_record(&self) -> VendorRecord {
        VendorRecord {
            id: self.id.clone(),
            status: self.status.code(),
            rejection_reason: self.rejection_reason.clone(),
        }
    }
}

/// A D customer's review as provider C's sandbox sees it when C "calls the verification
/// provider" (see [`crate::provider::c`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VendorRecord {
    /// D's customer id (C's `provider_reference`).
    pub id: String,
    /// D's status code: `pending`, `verified` or `rejected`.
    pub status: &'static str,
    /// D's rejection reason, when rejected.
    pub rejection_reason: Option<String>,
}

impl Store {
    /// Ends every review that has lasted `delay`; the `customer.status_changed` event data of
    /// each.
    pub(super) fn finish_reviews(&mut self, delay: Duration) -> Vec<Value> {
        let mut changed = Vec::new();
        for customer in self.customers.values_mut() {
            if customer.status != Status::Pending {
                continue;
            }
            let Some(review) = &customer.review else {
                continue;
            };
            if crate::clock::since(review.started) < review_delay(&customer.reference, delay) {
                continue;
            }
            match &review.outcome {
                Outcome::Approve => customer.status = Status::Verified,
                Outcome::Reject(reason) => {
                    customer.status = Status::Rejected;
                    customer.rejection_reason = Some(reason.clone());
                }
            }
            changed.push(json!({
                "customer_id": customer.id,
                "status": customer.status.code(),
                "rejection_reason": customer.rejection_reason,
            }));
        }
        changed
    }

    /// The newest customer submitted for review (`id_file` attached) whose `customer_reference`
    /// is `customer` or starts with `<customer>-` (a retry, e.g. `-r2`; a business's owner,
    /// e.g. `-o1`), compared without case; one whose id is not in `checked` first (the D
    /// customers C checks already), so each of a business's owners gets its own check.
    pub(crate) fn submitted_customer_for(
        &self,
        customer: &str,
        checked: &[String],
    ) -> Option<VendorRecord> {
        let prefix = format!("{}-", customer.to_ascii_lowercase());
        self.customers
            .values()
            .filter(|c| {
                let reference = c.reference.to_ascii_lowercase();
                reference == customer.to_ascii_lowercase() || reference.starts_with(&prefix)
            })
            .filter_map(|c| c.review.as_ref().map(|review| (review.started, c)))
            .max_by_key(|(started, c)| (!checked.contains(&c.id), *started))
            .map(|(_, c)| c.vendor_record())
    }

    /// The review of D's customer `id`, if it exists.
    pub(crate) fn vendor_record(&self, id: &str) -> Option<VendorRecord> {
        self.customers.get(id).map(Customer::vendor_record)
    }
}
