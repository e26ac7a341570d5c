//! What D's document (`d-technest-verify-end-customer.txt`) requires of an attach, and what the
//! sandbox assumes where it is silent: D's own table of identity documents below, `id_file`
//! always, `id_file_back` for a two-sided document, the customer's own files, each in one slot,
//! and a photo as the selfie. A rejected record is final.

use serde::Deserialize;

use super::records::{Status, Store};
use crate::error::ApiError;
use crate::provider::common::{
    document_codes, find_document, present, AttachedFile, IdentityDocument,
};

/// The identity documents D's attach takes. D's document names none ("After creating a
/// customer, you upload their identity documents", "verification then runs automatically with
/// our regulated KYC partner"); the provider documents' digest does: "B accepts NATIONAL_ID; A
/// and D do not." So: the passport, and the driver's license and residence permit, which are
/// cards with a back side (assumption: the sides of B's table).
pub const DOCUMENTS: [IdentityDocument; 3] = [
    IdentityDocument {
        code: "passport",
        two_sided: false,
    },
    IdentityDocument {
        code: "drivers_license",
        two_sided: true,
    },
    IdentityDocument {
        code: "residence_permit",
        two_sided: true,
    },
];

/// Documents of businesses, refused here: "Business / KYB customers verify through a separate
/// Technest-managed onboarding (beneficial owners + business documents)".
pub const BUSINESS_DOCUMENTS: [&str; 1] = ["certificate_of_incorporation"];

/// Documents of persons that D does not take: the provider digest's "B accepts NATIONAL_ID; A
/// and D do not".
pub const REFUSED_DOCUMENTS: [&str; 1] = ["national_id"];

/// The body of `POST /v1/customers/{id}/files/attach`: "Map your uploaded file_ids to typed
/// document slots". "id_file is mandatory; other slots depend on the customer's country": D
/// gives no table of those, so the sandbox takes its other slots (`id_file_back`,
/// `proof_of_address_file`, `selfie_file`) from every country and requires none of them but the
/// back of a two-sided document (assumptions). Unknown fields are refused: a slot name of another
/// provider is a bug, not a no-op.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Attach {
    /// The identity document's code (see [`DOCUMENTS`]). Assumption: D's document names no such
    /// field; the sandbox asks for it to apply the sides of the document.
    document_type: String,
    #[serde(default)]
    id_file: Option<String>,
    #[serde(default)]
    id_file_back: Option<String>,
    #[serde(default)]
    proof_of_address_file: Option<String>,
    #[serde(default)]
    selfie_file: Option<String>,
}

/// 409 `customer_rejected`: the record is final.
pub(super) fn rejected_error() -> ApiError {
    ApiError::conflict(
        "customer_rejected",
        "the customer was rejected: the upstream rail doesn't allow re-submitting on a rejected \
         record; create a new customer with a new customer_reference (e.g. append -r2)",
    )
}

/// Why a customer in `status` cannot attach, if it cannot.
pub(super) fn status_conflict(status: Status) -> Option<ApiError> {
    match status {
        Status::Incomplete => None,
        Status::Pending => Some(ApiError::conflict(
            "verification_in_progress",
            "the customer's verification is in progress; wait for customer.status_changed",
        )),
        Status::Rejected => Some(rejected_error()),
        Status::Verified => Some(ApiError::conflict(
            "already_verified",
            "the customer is already verified",
        )),
    }
}

/// The document `code` names, if D's attach takes it: 422 `document_not_accepted` for a
/// refused or business document, `invalid_document_type` for an unknown code (each naming what
/// is taken).
fn check_document(code: &str) -> Result<IdentityDocument, ApiError> {
    if let Some(document) = find_document(&DOCUMENTS, code) {
        return Ok(document);
    }
    if REFUSED_DOCUMENTS.contains(&code) {
        return Err(ApiError::unprocessable(
            "document_not_accepted",
            format!(
                "{code} is not accepted; accepted identity documents: {}",
                document_codes(&DOCUMENTS)
            ),
        ));
    }
    if BUSINESS_DOCUMENTS.contains(&code) {
        return Err(ApiError::unprocessable(
            "document_not_accepted",
            format!(
                "{code} is a business document: business / KYB customers verify through a \
                 separate Technest-managed onboarding; accepted identity documents: {}",
                document_codes(&DOCUMENTS)
            ),
        ));
    }
    Err(ApiError::unprocessable(
        "invalid_document_type",
        format!(
            "document_type {code:?} is unknown; use {}",
            document_codes(&DOCUMENTS)
        ),
    ))
}

/// Checks the attach body of the customer `customer_id` against D's rules: the document, and
/// the files to look for in storage, by slot.
pub(super) fn validate_attach(
    store: &Store,
    customer_id: &str,
    body: &Attach,
) -> Result<(IdentityDocument, Vec<AttachedFile>), ApiError> {
    let document_type = check_document(&body.document_type)?;
    // "id_file is mandatory".
    if present(&body.id_file).is_none() {
        return Err(ApiError::unprocessable(
            "id_file_required",
            "id_file is mandatory: verification starts when it is attached",
        ));
    }
    // Assumption (D names no slot but id_file): a two-sided document's back goes in
    // id_file_back, and a single-sided one has no back to attach, as at A ("Use this when the
    // identity document is two-sided").
    match (document_type.two_sided, present(&body.id_file_back)) {
        (true, None) => {
            return Err(ApiError::unprocessable(
                "id_file_back_required",
                format!(
                    "a {} has two sides: attach its back as id_file_back",
                    document_type.code
                ),
            ))
        }
        (false, Some(_)) => {
            return Err(ApiError::unprocessable(
                "id_file_back_not_used",
                format!(
                    "a {} is single-sided: id_file_back is for two-sided identity documents",
                    document_type.code
                ),
            ))
        }
        _ => {}
    }
    let requested = [
        ("id_file", &body.id_file),
        ("id_file_back", &body.id_file_back),
        ("proof_of_address_file", &body.proof_of_address_file),
        ("selfie_file", &body.selfie_file),
    ];
    let mut files: Vec<AttachedFile> = Vec::new();
    for (slot, value) in requested {
        let Some(file_id) = present(value) else {
            continue;
        };
        if let Some(other) = files.iter().find(|f| f.file_id == file_id) {
            return Err(ApiError::unprocessable(
                "duplicate_file",
                format!("{file_id} is attached to both {} and {slot}", other.slot),
            ));
        }
        let record = store
            .files
            .get(file_id)
            .filter(|record| record.customer_id == customer_id)
            .ok_or_else(|| {
                ApiError::not_found(
                    "file_not_found",
                    format!("{slot}: no file {file_id} for this customer"),
                )
            })?;
        if slot == "selfie_file" && record.content_type == "application/pdf" {
            return Err(ApiError::unprocessable(
                "unsupported_content_type",
                "selfie_file must be a photo, not a PDF",
            ));
        }
        files.push(AttachedFile {
            slot,
            file_id: file_id.to_owned(),
            key: record.key.clone(),
            content_type: record.content_type.clone(),
        });
    }
    Ok((document_type, files))
}
