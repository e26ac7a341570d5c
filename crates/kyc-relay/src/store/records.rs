//! What the store keeps and answers, as plain values: no SQL here, so another database behind
//! the same methods would keep the same records.

use kyc_core::{CustomerType, DocumentType, FileFormat, Provider, Slot, VerificationStatus};

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

/// What an upload's `Idempotency-Key` found ([`Store::claim_upload_key`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyClaim {
    /// The key is new (or its earlier upload failed or was abandoned): this upload proceeds.
    Claimed,
    /// An upload with this key stored this file already: answer its receipt again.
    Done(SlotRecord),
    /// An upload with this key is running now.
    InFlight,
    /// The key was used for another slot of the session.
    OtherSlot(Slot),
}
