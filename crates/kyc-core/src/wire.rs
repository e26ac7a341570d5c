//! The JSON shapes exchanged between the widget and the relay (see `docs/openapi.yaml`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::business::CompanyDocument;
use crate::format::FileFormat;
use crate::gate::Strictness;
use crate::policy::Requirement;
use crate::review_timing::ReviewTiming;
use crate::vocabulary::{CustomerType, DocumentType, Provider, Slot, VerificationStatus};

/// Body of `POST /v1/sessions`, sent by the host's backend (never by the browser). An unknown
/// field is refused: a typo (`slot` for `slots`) must not open a session without what it asked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateSession {
    /// The host's own reference for the customer (e.g. its user id).
    pub customer_reference: String,
    /// Individual or business.
    pub customer_type: CustomerType,
    /// ISO 3166-1 alpha-3 country code, e.g. `GBR`.
    pub country: String,
    /// Which provider verifies this customer.
    pub provider: Provider,
    /// How strictly the widget's quality gate holds the captures; absent: the provider's
    /// default ([`Strictness::of`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<Strictness>,
    /// The slots beyond the identity document the host requires or offers (e.g.
    /// `{"proof_of_address": "optional"}`); one the provider does not take is refused (see
    /// [`crate::Policy::with_host_slots`]). Absent: only what the provider requires.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub slots: BTreeMap<Slot, Requirement>,
}

/// Answer to `POST /v1/sessions`: the token the widget gets, and nothing else; also the answer
/// to `POST /v1/session/status-token`, whose token only reads the status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionCreated {
    /// The session's id.
    pub session_id: String,
    /// A short-lived signed token bound to this session only.
    pub token: String,
    /// When the token stops working, in seconds since the Unix epoch.
    pub expires_at: u64,
}

/// What the user answered before continuing on another device, so that device starts at the
/// captures: the same answers a submission carries. Kept with the session by
/// `POST /v1/session/handoff` and shown in [`SessionView::choices`].
pub type Choices = SubmitRequest;

/// Body of `POST /v1/session/handoff` (optional: an empty body asks for a code alone).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandoffRequest {
    /// What the user answered so far on this device; absent: the other device asks again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choices: Option<Choices>,
}

/// Answer to `POST /v1/session/handoff`: a one-time code that lets another device (the user's
/// phone) continue this session, and when it stops working.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoffIssued {
    /// The code (32 characters of base32), for the phone page's URL fragment.
    pub code: String,
    /// When the code stops working, in seconds since the Unix epoch.
    pub expires_at: u64,
    /// How many seconds from now the code works (what a device whose clock is wrong goes by).
    pub expires_in: u64,
}

/// Body of `POST /v1/handoff/exchange`: the code the phone page read from its URL.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandoffExchange {
    /// The code of [`HandoffIssued`].
    pub code: String,
}

/// Answer to `GET /v1/session`: what the widget needs to guide the user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    /// The provider verifying this customer (the widget builds the same [`crate::Policy`]).
    pub provider: Provider,
    /// Individual or business.
    pub customer_type: CustomerType,
    /// The provider's document types for this customer, in offer order.
    pub accepted_documents: Vec<DocumentType>,
    /// Whether a selfie is required.
    pub selfie_required: bool,
    /// Whether a proof of address is required.
    #[serde(default)]
    pub proof_of_address_required: bool,
    /// Whether a liveness capture is required.
    #[serde(default)]
    pub liveness_required: bool,
    /// The slots offered but not required: the user may skip them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub optional_slots: Vec<Slot>,
    /// The provider's terms of service the user accepts by continuing, where the provider records
    /// that acceptance (B's `tos_policies_url`); shown as a link on the consent step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terms_of_service_url: Option<String>,
    /// How strictly the widget's quality gate holds the captures (the host's choice, else the
    /// provider's default).
    pub quality: Strictness,
    /// The customer's country.
    pub country: String,
    /// The slots already uploaded (a reload does not lose them).
    pub uploaded: Vec<Slot>,
    /// The verification status so far.
    pub status: VerificationStatus,
    /// What the user answered on the device that handed the session over, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choices: Option<Choices>,
    /// A business's company or owners have files at the relay already: the user got past the
    /// consent on an earlier visit, and the flow goes on at the company (always `false` for an
    /// individual, whose files are in `uploaded`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub business_started: bool,
    /// The largest file the relay takes, in bytes (its `--max-bytes`): the widget holds what it
    /// sends to it, so a file the relay would refuse is refused before it is sent, with this
    /// figure. A relay from before the field: [`crate::FileLimits`]'s default.
    #[serde(default = "default_max_bytes")]
    pub max_bytes: u64,
}

fn default_max_bytes() -> u64 {
    crate::FileLimits::default().max_bytes
}

/// Answer to `PUT /v1/session/slots/{slot}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadReceipt {
    /// The slot that now holds the file.
    pub slot: Slot,
    /// The format found in the bytes.
    pub format: FileFormat,
    /// The number of bytes stored.
    pub bytes: u64,
}

/// Body of `POST /v1/session/submit`: what the user answered (also [`Choices`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmitRequest {
    /// The document type the user chose.
    pub document_type: DocumentType,
    /// The country that issued the document, ISO 3166-1 alpha-3 (e.g. `USA`).
    pub issuing_country: String,
    /// US state of a driver's license, where required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Whether the user accepted the provider's terms of service the session names
    /// (`terms_of_service_url`, B's); required then, ignored for a provider without terms.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub terms_accepted: bool,
}

/// Answer to `GET /v1/session/status`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusReport {
    /// The status.
    pub status: VerificationStatus,
    /// Seconds since the documents were submitted, if they were.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_for_secs: Option<u64>,
    /// While pending: what the user is told about the review's time, and when that changes
    /// ([`crate::review_timing`] of the provider and `pending_for_secs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<ReviewTiming>,
}

impl StatusReport {
    /// The report of `status` for a session of `provider`: while pending, the seconds since the
    /// submission (when known) and the review advice they give.
    pub fn new(
        provider: Provider,
        status: VerificationStatus,
        pending_for_secs: Option<u64>,
    ) -> StatusReport {
        let pending_for_secs = pending_for_secs.filter(|_| status == VerificationStatus::Pending);
        StatusReport {
            status,
            pending_for_secs,
            review: pending_for_secs.map(|secs| crate::review_timing(provider, secs)),
        }
    }
}

/// The one error shape of every relay endpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// A stable code, an English message for developers, and the individual problems if any.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// Stable machine code, e.g. `invalid_file`, `unauthorized`.
    pub code: String,
    /// Explanation for developers (the widget shows its own localized text).
    pub message: String,
    /// The codes of each problem found, e.g. `["unsupported_format"]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

/// A beneficial owner of a business session, in [`BusinessView`] (and the answer to
/// `POST /v1/session/owners`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerView {
    /// The relay's id of the owner (in the owner's URLs).
    pub id: String,
    /// The owner's full name.
    pub name: String,
    /// The identity document, once its front was sent.
    pub document_type: Option<DocumentType>,
    /// The sides holding a file.
    pub uploaded: Vec<Slot>,
    /// Whether it may still be removed (the provider does not have it yet).
    pub removable: bool,
}

/// A company document in [`BusinessView`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyDocumentView {
    /// The document.
    pub document: CompanyDocument,
    /// Whether the submission needs it.
    pub required: bool,
    /// Whether the relay has its file.
    pub uploaded: bool,
}

/// What stops a business submission: a gap's code ([`crate::BusinessGap::code`]), its English
/// sentence, and its owner's id if it is about one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GapView {
    /// The gap's stable code.
    pub code: String,
    /// English text for developers (the widget shows its own).
    pub message: String,
    /// The owner it is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
}

/// Answer to `GET /v1/session/business`: the company, its documents, the owners with their
/// files, and the gaps left before sending.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessView {
    /// The company's registered name.
    pub company_name: String,
    /// Where the company is registered (ISO 3166-1 alpha-3).
    pub country: String,
    /// The company documents the provider takes, in capture order.
    pub company_documents: Vec<CompanyDocumentView>,
    /// The identity documents an owner may give.
    pub owner_documents: Vec<DocumentType>,
    /// The fewest owners a submission names.
    pub min_owners: usize,
    /// The most owners a submission names.
    pub max_owners: usize,
    /// The owners, in the order they were added.
    pub owners: Vec<OwnerView>,
    /// What stops the submission; empty when it may be sent.
    pub gaps: Vec<GapView>,
    /// The verification status so far.
    pub status: VerificationStatus,
}
