//! What A's documents (`a-request-file-upload-url.txt`, `a-upload-verification-files.txt`)
//! require: the four file categories of the legacy KYC, the accepted identity documents (A's own
//! tables below, each entry quoting the document), the KYB endpoints for business customers, and
//! what an attach must name.

use kyc_core::CustomerType;
use serde::Deserialize;

use super::records::{Customer, Status, Store};
use crate::error::ApiError;
use crate::provider::common::{
    document_codes, find_customer, find_document, present, AttachedFile, IdentityDocument,
};

/// The identity documents of individual customers: "Only a Driver's License, Passport, or
/// Resident Permit is accepted." (each entry quotes its sides rule).
pub const INDIVIDUAL_DOCUMENTS: [IdentityDocument; 3] = [
    // "Only a Driver's License, Passport, or Resident Permit is accepted." A passport is
    // single-sided: identity_back is "Not required for single-sided documents (e.g. passport,
    // certificate of incorporation)".
    IdentityDocument {
        code: "passport",
        two_sided: false,
    },
    // identity_back: "Use this when the identity document is two-sided (e.g. driver's
    // license)."
    IdentityDocument {
        code: "drivers_license",
        two_sided: true,
    },
    // "Resident Permit". Assumption: two-sided, as residence permit cards are (A names only the
    // driver's license as an example; B's table gives RESIDENCE_PERMIT "One FRONT and one
    // BACK").
    IdentityDocument {
        code: "residence_permit",
        two_sided: true,
    },
];

/// The documents of business customers: "only a Certificate of Incorporation for business
/// customers"; single-sided ("Not required for single-sided documents (e.g. passport,
/// certificate of incorporation)").
pub const BUSINESS_DOCUMENTS: [IdentityDocument; 1] = [IdentityDocument {
    code: "certificate_of_incorporation",
    two_sided: false,
}];

/// Documents A names and refuses: "ID cards (National Identity Cards) are NOT accepted." Any
/// other code is unknown ("No other document types are accepted").
pub const REFUSED_DOCUMENTS: [&str; 1] = ["national_id"];

/// The file categories of the 4-slot KYC.
pub const CATEGORIES: [&str; 4] = [
    "identity",
    "identity_back",
    "proof_of_address",
    "liveness_check",
];

/// 422 `use_kyb_endpoints`: "For type=business customers, do not use this endpoint".
pub(super) fn use_kyb_endpoints() -> ApiError {
    ApiError::unprocessable(
        "use_kyb_endpoints",
        "business customers do not use the legacy 4-slot endpoints: upload owner ID files with \
         POST /api/external/customer/{customer}/owner/{owner}/file/presigned-url and KYB \
         documents with POST /api/external/customer/{customer}/document/presigned-url",
    )
}

/// 422 `invalid_category` unless `category` is one of [`CATEGORIES`].
pub(super) fn check_category(category: &str) -> Result<(), ApiError> {
    if CATEGORIES.contains(&category) {
        Ok(())
    } else {
        Err(ApiError::unprocessable(
            "invalid_category",
            format!(
                "category {category:?} is not one of {}",
                CATEGORIES.join(", ")
            ),
        ))
    }
}

/// 422 `unsupported_content_type` for a PDF liveness check: it is a photo.
pub(super) fn check_category_content(category: &str, content_type: &str) -> Result<(), ApiError> {
    if category == "liveness_check" && content_type == "application/pdf" {
        return Err(ApiError::unprocessable(
            "unsupported_content_type",
            "a liveness check is a photo, not a PDF",
        ));
    }
    Ok(())
}

/// The document `code` names, if provider A accepts it for `customer_type`: 422
/// `document_not_accepted` (naming what is) for a document A names but refuses for this
/// customer, `invalid_document_type` for a code A does not know.
pub(super) fn check_document(
    customer_type: CustomerType,
    code: &str,
) -> Result<IdentityDocument, ApiError> {
    let accepted: &[IdentityDocument] = match customer_type {
        CustomerType::Individual => &INDIVIDUAL_DOCUMENTS,
        CustomerType::Business => &BUSINESS_DOCUMENTS,
    };
    if let Some(document) = find_document(accepted, code) {
        return Ok(document);
    }
    let known = REFUSED_DOCUMENTS.contains(&code)
        || find_document(&INDIVIDUAL_DOCUMENTS, code).is_some()
        || find_document(&BUSINESS_DOCUMENTS, code).is_some();
    if !known {
        return Err(ApiError::unprocessable(
            "invalid_document_type",
            format!("document type {code:?} is unknown"),
        ));
    }
    Err(ApiError::unprocessable(
        "document_not_accepted",
        format!(
            "{code} is not accepted: ID cards (National Identity Cards) are NOT accepted; \
             accepted: {}",
            document_codes(accepted)
        ),
    ))
}

/// 409 while the customer's documents are under review or once it is verified: an attach can
/// change nothing then.
pub(super) fn check_open(customer: &Customer) -> Result<(), ApiError> {
    match customer.status {
        Status::Pending => Err(ApiError::conflict(
            "verification_in_progress",
            "the documents are under review (usually minutes, up to 2 hours); wait for \
             customer.verified or customer.rejected",
        )),
        Status::Verified => Err(ApiError::conflict(
            "already_verified",
            "the customer is already verified",
        )),
        Status::Unverified | Status::Rejected => Ok(()),
    }
}

/// The body of `POST /api/external/customer/{id}/files`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AttachFiles {
    #[serde(default)]
    pub(super) id_file: Option<String>,
    #[serde(default)]
    pub(super) id_file_back: Option<String>,
    #[serde(default)]
    pub(super) proof_of_address_file: Option<String>,
    #[serde(default)]
    pub(super) liveness_check_file: Option<String>,
    /// Sandbox extension: the identity document's type, so the documented refusals can be
    /// checked at once (`passport`, `drivers_license`, `residence_permit`; for a business,
    /// `certificate_of_incorporation`).
    #[serde(default)]
    pub(super) id_document_type: Option<String>,
}

/// Checks an attach of the customer `id` against A's rules: the files named, each in the slot
/// of its category, and the identity document's type (named now or by an earlier attach).
pub(super) fn validate_attach(
    store: &Store,
    id: &str,
    body: &AttachFiles,
) -> Result<(Vec<AttachedFile>, Option<IdentityDocument>), ApiError> {
    let requested = [
        ("id_file", "identity", present(&body.id_file)),
        ("id_file_back", "identity_back", present(&body.id_file_back)),
        (
            "proof_of_address_file",
            "proof_of_address",
            present(&body.proof_of_address_file),
        ),
        (
            "liveness_check_file",
            "liveness_check",
            present(&body.liveness_check_file),
        ),
    ];
    let customer = find_customer(&store.customers, id)?;
    // Business customers' attach is checked by `kyb::validate_business_attach`.
    if customer.customer_type == CustomerType::Business {
        return Err(use_kyb_endpoints());
    }
    check_open(customer)?;
    if requested.iter().all(|(_, _, file)| file.is_none()) {
        return Err(ApiError::unprocessable(
            "no_files",
            "name at least one of id_file, id_file_back, proof_of_address_file, \
             liveness_check_file",
        ));
    }
    let document_type = match present(&body.id_document_type) {
        Some(code) => Some(check_document(CustomerType::Individual, code)?),
        None => customer
            .id_document_type
            .and_then(|code| find_document(&INDIVIDUAL_DOCUMENTS, code)),
    };
    let mut files = Vec::new();
    for (slot, category, file_id) in requested {
        let Some(file_id) = file_id else { continue };
        let record = store
            .files
            .get(file_id)
            .filter(|r| r.customer_id == id)
            .ok_or_else(|| {
                ApiError::not_found(
                    "file_not_found",
                    format!("{slot}: no file {file_id} for this customer"),
                )
            })?;
        if record.category != category {
            return Err(ApiError::unprocessable(
                "file_category_mismatch",
                format!(
                    "{slot} takes a file of category {category}; {file_id} is {}",
                    record.category
                ),
            ));
        }
        files.push(AttachedFile {
            slot,
            file_id: file_id.to_owned(),
            key: record.key.clone(),
            content_type: record.content_type.clone(),
        });
    }
    // identity_back: "Use this when the identity document is two-sided (e.g. driver's
    // license)": the back of a single-sided document has no place here.
    if let Some(document) = document_type.filter(|d| !d.two_sided) {
        if present(&body.id_file_back).is_some() {
            return Err(ApiError::unprocessable(
                "id_file_back_not_used",
                format!(
                    "a {} is single-sided: id_file_back is for two-sided identity documents",
                    document.code
                ),
            ));
        }
    }
    // "Use this when the identity document is two-sided (e.g. driver's license)."
    let has_back =
        present(&body.id_file_back).is_some() || customer.files.contains_key("id_file_back");
    if present(&body.id_file).is_some() && document_type.is_some_and(|d| d.two_sided) && !has_back {
        return Err(ApiError::unprocessable(
            "id_file_back_required",
            "a two-sided identity document needs id_file_back before or with id_file",
        ));
    }
    Ok((files, document_type))
}
