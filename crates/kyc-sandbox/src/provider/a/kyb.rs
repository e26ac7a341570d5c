//! A's business (KYB) side, from `a-request-file-upload-url.txt` and
//! `a-upload-verification-files.txt`: "Business-type customers use dedicated upload endpoints —
//! POST /api/external/customer/{customer}/owner/{owner}/file/presigned-url for owner ID files
//! and POST /api/external/customer/{customer}/document/presigned-url for KYB documents"; "The
//! identity document must be [...] a Certificate of Incorporation for business customers";
//! "Including id_file in the request signals that document upload is complete and triggers the
//! verification process".
//!
//! Where the documents are silent (how owners are created and their files recorded, which KYB
//! documents exist besides the certificate) the sandbox's choices are in its README, section
//! "Provider A: business customers (KYB)".

use kyc_core::CustomerType;

use super::records::{Owner, Store};
use super::rules::{check_document, check_open, AttachFiles, INDIVIDUAL_DOCUMENTS};
use crate::error::ApiError;
use crate::provider::common::{
    document_codes, find_customer, find_document, present, AttachedFile, IdentityDocument,
};

/// The category of a file uploaded through the KYB document endpoint.
pub const KYB_DOCUMENT: &str = "kyb_document";

/// The documents the KYB document endpoint takes, each single-sided.
pub const KYB_DOCUMENTS: [IdentityDocument; 2] = [
    // "only a Certificate of Incorporation for business customers"; single-sided: the back is
    // "Not required for single-sided documents (e.g. passport, certificate of incorporation)".
    IdentityDocument {
        code: "certificate_of_incorporation",
        two_sided: false,
    },
    // Assumption: the company's proof of address, attached as `proof_of_address_file` (the
    // attach's place for it names no customer type). Nothing else: the attach has no place for
    // other company documents and "No other document types are accepted".
    IdentityDocument {
        code: "proof_of_address",
        two_sided: false,
    },
];

/// The certificate: the business customer's `id_file`.
pub const CERTIFICATE: &str = "certificate_of_incorporation";

/// The categories of an owner's ID files, as an individual's identity document's (front, and
/// back for a two-sided document). Assumption: A's documents refer to a "Business customer KYB
/// guide" they do not include; an owner's ID is taken to follow the individual rules.
pub const OWNER_CATEGORIES: [&str; 2] = ["identity", "identity_back"];

/// 422 `business_only`: a KYB endpoint called for an individual customer.
pub(super) fn business_only(what: &str) -> ApiError {
    ApiError::unprocessable(
        "business_only",
        format!(
            "{what} belong to business customers; individuals use POST \
             /api/external/customer/{{id}}/file/presigned-url"
        ),
    )
}

/// 404 unless `id` is a customer; 422 `business_only` unless a business one.
pub(super) fn business_customer(store: &Store, id: &str, what: &str) -> Result<(), ApiError> {
    if find_customer(&store.customers, id)?.customer_type != CustomerType::Business {
        return Err(business_only(what));
    }
    Ok(())
}

/// The owner `owner` of the customer `id`, or 404 `owner_not_found` (also for an owner of
/// another customer: its id says nothing to this one).
pub(super) fn find_owner<'a>(
    store: &'a Store,
    id: &str,
    owner: &str,
) -> Result<&'a Owner, ApiError> {
    store
        .owners
        .get(owner)
        .filter(|o| o.customer_id == id)
        .ok_or_else(|| {
            ApiError::not_found(
                "owner_not_found",
                format!(
                    "no owner {owner} for customer {id}; create one with POST \
                     /api/external/customer/{id}/owner"
                ),
            )
        })
}

/// The KYB document a KYB upload names: 422 `document_type_required` without one,
/// `document_not_accepted` for a document A knows but does not take here (an ID card, a
/// person's ID, which goes to the owner endpoint), `invalid_document_type` for an unknown one.
pub(super) fn check_kyb_document(code: Option<&str>) -> Result<IdentityDocument, ApiError> {
    let Some(code) = code else {
        return Err(ApiError::unprocessable(
            "document_type_required",
            format!(
                "name the KYB document in document_type: {}",
                document_codes(&KYB_DOCUMENTS)
            ),
        ));
    };
    if let Some(document) = find_document(&KYB_DOCUMENTS, code) {
        return Ok(document);
    }
    // The person's documents and the refused ID card answer as at the 4-slot endpoint.
    match check_document(CustomerType::Business, code) {
        Err(error) if error.code == "invalid_document_type" => Err(error),
        _ => Err(ApiError::unprocessable(
            "document_not_accepted",
            format!(
                "{code} is not a KYB document: a business customer's identity document is a \
                 Certificate of Incorporation, ID cards (National Identity Cards) are NOT \
                 accepted, and owners' IDs go to \
                 /api/external/customer/{{customer}}/owner/{{owner}}/file/presigned-url; \
                 KYB documents: {}",
                document_codes(&KYB_DOCUMENTS)
            ),
        )),
    }
}

/// The category and identity document of an owner's upload: 422 `invalid_category` unless
/// `identity` or `identity_back`; `document_type_required` for an `identity` upload without
/// one; the individual rules' `document_not_accepted` / `invalid_document_type`;
/// `id_file_back_not_used` for the back of a single-sided document.
pub(super) fn check_owner_upload(
    owner: &Owner,
    category: Option<&str>,
    document_type: Option<&str>,
) -> Result<(&'static str, Option<IdentityDocument>), ApiError> {
    let category = OWNER_CATEGORIES
        .into_iter()
        .find(|c| Some(*c) == category)
        .ok_or_else(|| {
            ApiError::unprocessable(
                "invalid_category",
                format!(
                    "an owner's ID file has category {}, not {:?}",
                    OWNER_CATEGORIES.join(" or "),
                    category.unwrap_or("")
                ),
            )
        })?;
    let named = match document_type {
        Some(code) => Some(check_document(CustomerType::Individual, code)?),
        None if category == "identity" => {
            return Err(ApiError::unprocessable(
                "document_type_required",
                format!(
                    "name the owner's identity document in document_type: {}",
                    document_codes(&INDIVIDUAL_DOCUMENTS)
                ),
            ))
        }
        None => None,
    };
    if category == "identity_back" {
        let document = named.or_else(|| {
            owner
                .document_type
                .and_then(|code| find_document(&INDIVIDUAL_DOCUMENTS, code))
        });
        if let Some(document) = document.filter(|d| !d.two_sided) {
            return Err(back_not_used(&owner.id, document.code));
        }
    }
    Ok((category, named))
}

fn back_not_used(owner: &str, code: &str) -> ApiError {
    ApiError::unprocessable(
        "owner_id_file_back_not_used",
        format!(
            "owner {owner}: a {code} is single-sided; identity_back is for two-sided identity \
             documents"
        ),
    )
}

/// What a business attach names and what starting its review needs.
pub(super) struct BusinessAttach {
    /// The company's files, in their attach places (`id_file`, `proof_of_address_file`).
    pub(super) company: Vec<AttachedFile>,
    /// Every owner's ID files, when the attach includes `id_file` (the review needs them).
    pub(super) owners: Vec<AttachedFile>,
    /// Whether the attach includes `id_file`, which starts the review.
    pub(super) starts_review: bool,
}

/// Checks a business customer's attach: `id_file` is its certificate of incorporation and
/// `proof_of_address_file` its proof of address, both KYB uploads of this customer; it has no
/// back or liveness check; and `id_file`, which starts the review, comes after at least one
/// owner with every owner's ID files.
pub(super) fn validate_business_attach(
    store: &Store,
    id: &str,
    body: &AttachFiles,
) -> Result<BusinessAttach, ApiError> {
    let customer = find_customer(&store.customers, id)?;
    check_open(customer)?;
    if present(&body.liveness_check_file).is_some() {
        return Err(ApiError::unprocessable(
            "liveness_not_for_business",
            "a business customer has no liveness check: the company is checked by its \
             documents, its owners by their ID files",
        ));
    }
    if present(&body.id_file_back).is_some() {
        return Err(ApiError::unprocessable(
            "id_file_back_not_used",
            "a certificate_of_incorporation is single-sided: id_file_back is for two-sided \
             identity documents",
        ));
    }
    if let Some(code) = present(&body.id_document_type) {
        // "a Certificate of Incorporation for business customers"; a national ID is refused.
        check_document(CustomerType::Business, code)?;
    }
    let requested = [
        ("id_file", CERTIFICATE, present(&body.id_file)),
        (
            "proof_of_address_file",
            "proof_of_address",
            present(&body.proof_of_address_file),
        ),
    ];
    if requested.iter().all(|(_, _, file)| file.is_none()) {
        return Err(ApiError::unprocessable(
            "no_files",
            "name id_file (the certificate of incorporation) or proof_of_address_file",
        ));
    }
    let mut company = Vec::new();
    for (slot, document, file_id) in requested {
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
        if record.category != KYB_DOCUMENT || record.document_type != Some(document) {
            let is = match (&record.owner, record.document_type) {
                (Some(owner), _) => format!("an ID file of owner {owner}"),
                (None, Some(other)) => format!("a {other}"),
                (None, None) => format!("a file of category {}", record.category),
            };
            return Err(ApiError::unprocessable(
                "file_category_mismatch",
                format!(
                    "{slot} takes the company's {document} (a KYB document upload); {file_id} is \
                     {is}"
                ),
            ));
        }
        company.push(AttachedFile {
            slot,
            file_id: file_id.to_owned(),
            key: record.key.clone(),
            content_type: record.content_type.clone(),
        });
    }
    let starts_review = present(&body.id_file).is_some();
    let owners = if starts_review {
        owner_files(store, id, &customer.owners)?
    } else {
        Vec::new()
    };
    Ok(BusinessAttach {
        company,
        owners,
        starts_review,
    })
}

/// Every owner's ID files, checked as an individual's: at least one owner, each with an
/// identity file, a back for a two-sided document and none for a single-sided one.
fn owner_files(store: &Store, id: &str, owners: &[String]) -> Result<Vec<AttachedFile>, ApiError> {
    if owners.is_empty() {
        return Err(ApiError::unprocessable(
            "owners_required",
            format!(
                "a business customer's review needs its beneficial owners: create each with POST \
                 /api/external/customer/{id}/owner and upload their ID files before id_file"
            ),
        ));
    }
    let mut files = Vec::new();
    for owner in owners.iter().filter_map(|o| store.owners.get(o)) {
        let Some(front) = owner.files.get("identity") else {
            return Err(ApiError::unprocessable(
                "owner_id_file_required",
                format!(
                    "owner {} ({}) has no identity file: upload it with POST \
                     /api/external/customer/{id}/owner/{}/file/presigned-url (category identity)",
                    owner.id, owner.name, owner.id
                ),
            ));
        };
        let document = owner
            .document_type
            .and_then(|code| find_document(&INDIVIDUAL_DOCUMENTS, code));
        let back = owner.files.get("identity_back");
        match (document, back) {
            (Some(document), None) if document.two_sided => {
                return Err(ApiError::unprocessable(
                    "owner_id_file_back_required",
                    format!(
                        "owner {} ({}): a {} is two-sided; upload its back (category \
                         identity_back)",
                        owner.id, owner.name, document.code
                    ),
                ))
            }
            (Some(document), Some(_)) if !document.two_sided => {
                return Err(back_not_used(&owner.id, document.code))
            }
            _ => {}
        }
        let sides = [("owner_id_file", Some(front)), ("owner_id_file_back", back)];
        for (slot, file_id) in sides {
            // Every id in an owner's files was registered by its upload request.
            let Some((file_id, record)) =
                file_id.and_then(|id| store.files.get(id).map(|record| (id, record)))
            else {
                continue;
            };
            files.push(AttachedFile {
                slot,
                file_id: file_id.clone(),
                key: record.key.clone(),
                content_type: record.content_type.clone(),
            });
        }
    }
    Ok(files)
}
