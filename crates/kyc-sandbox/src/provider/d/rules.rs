//! What D's document (`d-technest-verify-end-customer.txt`) requires of an attach: an accepted
//! identity document (the accepted set comes from `kyc_core::Policy` for provider D), `id_file`
//! always, `id_file_back` for a two-sided document, the customer's own files, each in one slot,
//! and a photo as the selfie. A rejected record is final.

use kyc_core::{CustomerType, DocumentType, Policy, Provider};
use serde::Deserialize;
use serde_json::Value;

use super::records::{Status, Store};
use crate::error::ApiError;
use crate::provider::common::{present, AttachedFile};

/// The body of `POST /v1/customers/{id}/files/attach`. Unknown fields are refused: a slot name
/// of another provider is a bug, not a no-op.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Attach {
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

fn parse_document_type(code: &str) -> Result<DocumentType, ApiError> {
    serde_json::from_value::<DocumentType>(Value::String(code.to_owned())).map_err(|_| {
        ApiError::unprocessable(
            "invalid_document_type",
            format!(
                "document_type {code:?} is unknown; use passport, drivers_license or \
                 residence_permit"
            ),
        )
    })
}

/// Checks the attach body of the customer `customer_id` (of `country`) against D's rules: the
/// document type, and the files to look for in storage, by slot.
pub(super) fn validate_attach(
    store: &Store,
    customer_id: &str,
    country: &str,
    body: &Attach,
) -> Result<(DocumentType, Vec<AttachedFile>), ApiError> {
    let document_type = parse_document_type(&body.document_type)?;
    let policy = Policy::new(Provider::D, CustomerType::Individual, country);
    if let Err(kyc_core::Violation::DocumentNotAccepted { accepted, .. }) =
        policy.check_document(document_type)
    {
        let names: Vec<&str> = accepted.iter().map(|d| d.code()).collect();
        return Err(ApiError::unprocessable(
            "document_not_accepted",
            format!(
                "{} is not accepted; accepted identity documents: {}",
                document_type.code(),
                names.join(", ")
            ),
        ));
    }
    if present(&body.id_file).is_none() {
        return Err(ApiError::unprocessable(
            "id_file_required",
            "id_file is mandatory: verification starts when it is attached",
        ));
    }
    if document_type.is_two_sided() && present(&body.id_file_back).is_none() {
        return Err(ApiError::unprocessable(
            "id_file_back_required",
            format!(
                "a {} has two sides: attach its back as id_file_back",
                document_type.code()
            ),
        ));
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
