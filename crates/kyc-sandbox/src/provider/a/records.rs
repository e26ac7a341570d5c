//! Provider A's records: access tokens, customers, beneficial owners, files, and how a review
//! ends.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use kyc_core::CustomerType;
use serde_json::{json, Value};

use crate::review::{review_delay, Outcome};

/// A customer's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// No `id_file` attached yet.
    Unverified,
    /// Under review.
    Pending,
    /// Verified.
    Verified,
    /// Rejected (new uploads may be attached again).
    Rejected,
}

impl Status {
    /// The JSON value.
    pub fn code(self) -> &'static str {
        match self {
            Status::Unverified => "unverified",
            Status::Pending => "pending",
            Status::Verified => "verified",
            Status::Rejected => "rejected",
        }
    }
}

pub(super) struct Token {
    pub(super) scopes: Vec<String>,
    pub(super) expires: Instant,
}

pub(super) struct Customer {
    pub(super) id: String,
    pub(super) customer_type: CustomerType,
    pub(super) reference: String,
    pub(super) status: Status,
    pub(super) rejection_reason: Option<String>,
    /// The code of the identity document named by an attach (see [`super::rules`]).
    pub(super) id_document_type: Option<&'static str>,
    pub(super) files: BTreeMap<&'static str, String>,
    pub(super) review: Option<(Instant, Outcome)>,
    /// A business customer's beneficial owners' ids, in creation order.
    pub(super) owners: Vec<String>,
}

impl Customer {
    pub(super) fn view(&self) -> Value {
        json!({
            "id": self.id,
            "type": match self.customer_type {
                CustomerType::Individual => "individual",
                CustomerType::Business => "business",
            },
            "reference": self.reference,
            "status": self.status.code(),
            "rejection_reason": self.rejection_reason,
            "id_document_type": self.id_document_type,
            "files": self.files,
        })
    }
}

pub(super) struct FileRecord {
    pub(super) customer_id: String,
    pub(super) category: String,
    pub(super) content_type: String,
    pub(super) key: String,
    /// The document a KYB upload was requested for (`certificate_of_incorporation`, or an
    /// owner's `passport`...), where named.
    pub(super) document_type: Option<&'static str>,
    /// The beneficial owner an owner ID file belongs to.
    pub(super) owner: Option<String>,
}

/// A beneficial owner of a business customer and its ID files: the newest upload URL of each
/// category counts ("Newly uploaded files override previous records").
pub(super) struct Owner {
    pub(super) id: String,
    pub(super) customer_id: String,
    pub(super) name: String,
    /// The code of the owner's identity document, from its newest `identity` upload.
    pub(super) document_type: Option<&'static str>,
    /// The file id of the newest upload of each category (`identity`, `identity_back`).
    pub(super) files: BTreeMap<&'static str, String>,
}

impl Owner {
    pub(super) fn view(&self) -> Value {
        json!({
            "id": self.id,
            "customer_id": self.customer_id,
            "name": self.name,
            "id_document_type": self.document_type,
            "files": self.files,
        })
    }
}

/// Provider A's records.
#[derive(Default)]
pub struct Store {
    pub(super) tokens: HashMap<String, Token>,
    pub(super) customers: HashMap<String, Customer>,
    pub(super) owners: HashMap<String, Owner>,
    pub(super) files: HashMap<String, FileRecord>,
}

impl Store {
    /// The view of `customer`, with its beneficial owners for a business customer.
    pub(super) fn customer_view(&self, customer: &Customer) -> Value {
        let mut view = customer.view();
        if customer.customer_type == CustomerType::Business {
            let owners: Vec<Value> = customer
                .owners
                .iter()
                .filter_map(|id| self.owners.get(id))
                .map(Owner::view)
                .collect();
            view["owners"] = json!(owners);
        }
        view
    }

    /// Ends every review that has lasted `delay`; the event (`customer.verified` or
    /// `customer.rejected`) and its data for each.
    pub(super) fn finish_reviews(&mut self, delay: Duration) -> Vec<(&'static str, Value)> {
        let mut events = Vec::new();
        for customer in self.customers.values_mut() {
            if customer.status != Status::Pending {
                continue;
            }
            let Some((started, outcome)) = &customer.review else {
                continue;
            };
            if crate::clock::since(*started) < review_delay(&customer.reference, delay) {
                continue;
            }
            let event = match outcome {
                Outcome::Approve => {
                    customer.status = Status::Verified;
                    customer.rejection_reason = None;
                    "customer.verified"
                }
                Outcome::Reject(reason) => {
                    customer.status = Status::Rejected;
                    customer.rejection_reason = Some(reason.clone());
                    "customer.rejected"
                }
            };
            customer.review = None;
            events.push((
                event,
                json!({
                    "customer_id": customer.id,
                    "status": customer.status.code(),
                    "rejection_reason": customer.rejection_reason,
                }),
            ));
        }
        events
    }
}
