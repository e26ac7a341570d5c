//! Provider B's records: customers, their uploaded documents, and how a review ends.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::review::marker_reason;

/// B's customer statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Created; documents missing.
    Incomplete,
    /// Documents attached, review running.
    UnderReview,
    /// The review asks for new documents (attach is allowed again).
    ActionRequired,
    /// Verified.
    Active,
    /// Rejected (final).
    Rejected,
}

impl Status {
    /// The JSON value.
    pub fn code(self) -> &'static str {
        match self {
            Status::Incomplete => "INCOMPLETE",
            Status::UnderReview => "UNDER_REVIEW",
            Status::ActionRequired => "ACTION_REQUIRED",
            Status::Active => "ACTIVE",
            Status::Rejected => "REJECTED",
        }
    }
}

pub(super) struct Customer {
    pub(super) id: String,
    pub(super) customer_type: &'static str,
    pub(super) api_version: &'static str,
    pub(super) status: Status,
    pub(super) first_name: String,
    pub(super) last_name: String,
    pub(super) email: String,
    pub(super) external_id: Option<String>,
    pub(super) tos_policies_value: String,
    pub(super) rejection_reasons: Vec<String>,
    pub(super) identifying_documents: Value,
    pub(super) address_documents: Value,
    pub(super) review_started: Option<Instant>,
    pub(super) reviews_done: u32,
    pub(super) attach_in_flight: bool,
}

impl Customer {
    pub(super) fn view(&self, base_url: &str) -> Value {
        json!({
            "id": self.id,
            "customer_type": self.customer_type,
            "api_version": self.api_version,
            "customer_status": self.status.code(),
            "first_name": self.first_name,
            "last_name": self.last_name,
            "email": self.email,
            "external_id": self.external_id,
            "tos_policies_url": format!(
                "{base_url}/b/tos?customer_id={}&tos_policies_value={}",
                self.id, self.tos_policies_value
            ),
            "rejection_reasons": self.rejection_reasons,
            "identifying_documents": self.identifying_documents,
            "address_documents": self.address_documents,
        })
    }

    /// The text markers are read from.
    fn marker_text(&self) -> String {
        format!(
            "{} {}",
            self.external_id.as_deref().unwrap_or(""),
            self.email
        )
    }
}

pub(super) struct FileRecord {
    pub(super) customer_id: String,
    pub(super) content_type: String,
    pub(super) key: String,
    pub(super) uri: String,
}

/// Provider B's records.
#[derive(Default)]
pub struct Store {
    pub(super) customers: HashMap<String, Customer>,
    pub(super) external_ids: HashSet<String>,
    pub(super) files: HashMap<String, FileRecord>,
}

impl Store {
    /// Ends every review that has lasted `delay`. A reference (`external_id` or e-mail)
    /// containing `reject_<reason>` ends `REJECTED`; one containing `retry_<reason>` ends
    /// `ACTION_REQUIRED` on the first review only (so a re-attach then succeeds); anything else
    /// ends `ACTIVE`.
    pub(super) fn finish_reviews(&mut self, delay: Duration) {
        for customer in self.customers.values_mut() {
            if customer.status != Status::UnderReview {
                continue;
            }
            let Some(started) = customer.review_started else {
                continue;
            };
            if started.elapsed() < delay {
                continue;
            }
            let text = customer.marker_text();
            customer.reviews_done += 1;
            customer.review_started = None;
            if let Some(reason) = marker_reason(&text, "reject_") {
                customer.status = Status::Rejected;
                customer.rejection_reasons = vec![reason];
            } else if let Some(reason) =
                marker_reason(&text, "retry_").filter(|_| customer.reviews_done == 1)
            {
                customer.status = Status::ActionRequired;
                customer.rejection_reasons = vec![reason];
            } else {
                customer.status = Status::Active;
                customer.rejection_reasons.clear();
            }
        }
    }
}
