//! What the store keeps and answers, as plain values: no SQL here, so another database behind
//! the same methods would keep the same records.

use serde::Serialize;

use std::collections::BTreeMap;

use kyc_core::{
    CompanyDocument, CustomerType, DocumentType, FileFormat, Provider, Requirement, Slot,
    Strictness, VerificationStatus,
};

/// A session as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRecord {
    /// The session id (also inside the widget's token).
    pub id: String,
    /// The host's reference for the customer.
    pub customer_reference: String,
    /// Individual or business.
    pub customer_type: CustomerType,
    /// ISO 3166-1 alpha-3.
    pub country: String,
    /// Which provider verifies the customer.
    pub provider: Provider,
    /// The provider's id for the customer.
    pub provider_customer_id: String,
    /// Where verification stands.
    pub status: VerificationStatus,
    /// The document type submitted, once submitted.
    pub document_type: Option<DocumentType>,
    /// When the documents were submitted (Unix seconds).
    pub submitted_at: Option<u64>,
    /// When the session was created (Unix seconds).
    pub created_at: u64,
    /// The provider's terms of service page for the customer (B's `tos_policies_url`).
    pub terms_of_service_url: Option<String>,
    /// How strictly the widget's quality gate holds the captures.
    pub quality: Strictness,
    /// The slots beyond the identity document the host required or offered.
    pub slots: BTreeMap<Slot, Requirement>,
    /// The newer session of the same customer that took this never-submitted one over
    /// (reusing its provider customer); this one's token then opens nothing.
    pub superseded_by: Option<String>,
}

/// A slot whose file reached the provider's storage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotRecord {
    /// The slot.
    pub slot: Slot,
    /// The provider's file id.
    pub provider_file_id: String,
    /// The file's format.
    pub format: FileFormat,
    /// The file's size.
    pub bytes: u64,
}

/// What a webhook event did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WebhookOutcome {
    /// Its id was received before; nothing changed.
    Duplicate,
    /// It set a pending session's status.
    Applied,
    /// Recorded; it named no result, or no pending session of that customer.
    Ignored,
}

/// What an upload's `Idempotency-Key` found ([`Store::claim_upload_key`],
/// [`Store::claim_business_key`]): `R` is what the finished upload stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyClaim<R = SlotRecord> {
    /// The key is new (or its earlier upload failed or was abandoned): this upload proceeds.
    Claimed,
    /// An upload with this key stored this file already: answer its receipt again.
    Done(R),
    /// An upload with this key is running now.
    InFlight,
    /// The key was used for another place of the session (a slot's code, or a business
    /// place's: `company:<document>`, `owner:<owner id>:<side>`).
    OtherSlot(String),
}

/// A file a business upload stored at the provider (its place is the caller's).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredFile {
    /// The provider's id of the file.
    pub provider_file_id: String,
    /// Its format, sniffed.
    pub format: FileFormat,
    /// Its size.
    pub bytes: u64,
}

/// Where a business session's file goes: one of the company's documents, or one side of a
/// beneficial owner's identity document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BusinessPlace {
    /// A company document.
    Company(CompanyDocument),
    /// A side of an owner's identity document (`document_type` is recorded on the owner with
    /// its front).
    Owner {
        /// The relay's id of the owner.
        owner: String,
        /// The side.
        slot: Slot,
        /// The owner's identity document.
        document_type: DocumentType,
    },
}

impl BusinessPlace {
    /// The stored code: `company:<document>` or `owner:<owner id>:<side>`.
    pub fn code(&self) -> String {
        match self {
            BusinessPlace::Company(document) => format!("company:{}", document.code()),
            BusinessPlace::Owner { owner, slot, .. } => format!("owner:{owner}:{}", slot.code()),
        }
    }
}

/// A beneficial owner of a business session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnerRecord {
    /// The relay's id (`bo_…`), what the widget names the owner by.
    pub id: String,
    /// The full name.
    pub name: String,
    /// The identity document of the owner's latest front upload.
    pub document_type: Option<DocumentType>,
    /// The provider's id of the owner, once created there.
    pub provider_owner_id: Option<String>,
}

/// What claiming an owner's creation at the provider found ([`Store::claim_owner_creation`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OwnerClaim {
    /// Not created yet: this request creates it (and records the id).
    Create,
    /// Created already: the provider's id.
    Created(String),
    /// Another request is creating it now.
    InFlight,
    /// No such owner in the session.
    Unknown,
}

/// What removing an owner did ([`Store::remove_owner`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OwnerRemoval {
    /// Removed with its files.
    Removed,
    /// No such owner in the session.
    Unknown,
    /// The provider has the owner (it has no endpoint to remove one): it stays.
    AtProvider,
    /// The session was submitted.
    Submitted,
}

/// A status change queued for the host ([`Store::due_notifications`](super::Store::due_notifications)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostNotification {
    /// The outbox row's id (the notification's id is `ntf_<id>`).
    pub id: i64,
    /// The session whose status changed.
    pub session_id: String,
    /// The new status's code.
    pub status: String,
    /// The rejection's reason, for a rejection.
    pub reason: Option<String>,
    /// When the status changed (Unix seconds).
    pub at: u64,
    /// How many times it was tried.
    pub attempts: u32,
}

/// What a purge or an erasure deleted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Deleted {
    /// The deleted sessions' ids.
    pub session_ids: Vec<String>,
    /// How many sessions.
    pub sessions: usize,
    /// How many uploaded slots (the relay's records; the files are at the provider).
    pub slots: usize,
    /// How many idempotency keys.
    pub idempotency_keys: usize,
    /// How many audit rows.
    pub audit_rows: usize,
    /// How many host notifications.
    pub notifications: usize,
    /// How many webhook event ids (the purge only).
    pub webhook_events: usize,
}

/// What became of a handoff code presented by another device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HandoffClaim {
    /// The code was live: it is used now, and this is its session.
    Exchanged(String),
    /// No code of this relay has this value.
    Unknown,
    /// The code was exchanged already (it works once).
    Used,
    /// The desktop cancelled it, or asked for a newer one.
    Cancelled,
    /// Its time ran out.
    Expired,
}
