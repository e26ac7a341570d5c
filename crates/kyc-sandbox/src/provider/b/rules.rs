//! What B's document (`b-attach-documents-v2.txt`) requires of an attach, each rule quoted next
//! to B's own tables below and in the module doc of [`super`]: who may attach, the sides table,
//! the state rule, one address document, and file URIs that are unique and the customer's own.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::records::{Customer, Status, Store};
use crate::error::ApiError;
use crate::provider::common::{find_document, is_alpha3, present, IdentityDocument};

/// B's "Identity Document Side Requirements" table, without its SELFIE row (see [`SELFIE`]):
/// "PASSPORT | 1 | Side optional", "NATIONAL_ID | 2 | One FRONT and one BACK",
/// "DRIVERS_LICENSE | 2 | One FRONT and one BACK", "RESIDENCE_PERMIT | 2 | One FRONT and one
/// BACK". These are also the primary documents: "Include at most one non-SELFIE primary document
/// (PASSPORT, NATIONAL_ID, DRIVERS_LICENSE, or RESIDENCE_PERMIT)".
pub const DOCUMENTS: [IdentityDocument; 4] = [
    IdentityDocument {
        code: "PASSPORT",
        two_sided: false,
    },
    IdentityDocument {
        code: "NATIONAL_ID",
        two_sided: true,
    },
    IdentityDocument {
        code: "DRIVERS_LICENSE",
        two_sided: true,
    },
    IdentityDocument {
        code: "RESIDENCE_PERMIT",
        two_sided: true,
    },
];

/// The selfie entry: "SELFIE | 1 | Side optional"; "an optional SELFIE entry".
pub const SELFIE: &str = "SELFIE";

/// Whether a `state` must, may or must not accompany an identifying document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateRule {
    /// "state is required".
    Required,
    /// "It is optional".
    Optional,
    /// "and forbidden".
    Forbidden,
}

/// B's state rule for a document of type `code` issued in `country`: "state is required when
/// type is DRIVERS_LICENSE and country is USA. It is optional for a DRIVERS_LICENSE issued
/// elsewhere, and forbidden for PASSPORT, NATIONAL_ID, and RESIDENCE_PERMIT."
pub fn state_rule(code: &str, country: &str) -> StateRule {
    match (code, country) {
        ("DRIVERS_LICENSE", "USA") => StateRule::Required,
        ("DRIVERS_LICENSE", _) => StateRule::Optional,
        _ => StateRule::Forbidden,
    }
}

/// The body of "Attach Documents to Individual Customer V2".
#[derive(Deserialize)]
pub(super) struct AttachBody {
    #[serde(default)]
    pub(super) identifying_documents: Vec<IdentifyingDocument>,
    #[serde(default)]
    pub(super) address_documents: Vec<AddressDocument>,
    #[serde(default)]
    tos_policies_value: Option<String>,
}

/// An identity document (or a SELFIE) and its files.
#[derive(Deserialize, Serialize, Clone)]
pub(super) struct IdentifyingDocument {
    #[serde(rename = "type")]
    document_type: String,
    #[serde(default)]
    country: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    files: Vec<FileRef>,
}

/// A proof of address and its files.
#[derive(Deserialize, Serialize, Clone)]
pub(super) struct AddressDocument {
    #[serde(rename = "type", default)]
    document_type: Option<String>,
    #[serde(default)]
    files: Vec<FileRef>,
}

/// A file by the URI the upload returned, and which side of the document it shows.
#[derive(Deserialize, Serialize, Clone)]
struct FileRef {
    uri: String,
    #[serde(default)]
    side: Option<String>,
}

/// 403 `customer_not_eligible` unless the customer may attach now.
pub(super) fn check_eligible(customer: &Customer) -> Result<(), ApiError> {
    let status_ok = matches!(customer.status, Status::Incomplete | Status::ActionRequired);
    if customer.customer_type == "INDIVIDUAL" && customer.api_version == "v2" && status_ok {
        return Ok(());
    }
    Err(ApiError::forbidden(
        "customer_not_eligible",
        format!(
            "attach needs customer_type = INDIVIDUAL, api_version = v2 and a customer_status of \
             INCOMPLETE or ACTION_REQUIRED; this customer is {} / {} / {}",
            customer.customer_type,
            customer.api_version,
            customer.status.code()
        ),
    ))
}

/// Checks B's rules; whether a primary (non-SELFIE) identifying document is present.
pub(super) fn validate(
    store: &Store,
    customer: &Customer,
    body: &AttachBody,
    selfie_required: bool,
) -> Result<bool, ApiError> {
    if body.tos_policies_value.as_deref().map(str::trim) != Some(&customer.tos_policies_value) {
        return Err(ApiError::unprocessable(
            "invalid_tos_policies_value",
            "tos_policies_value must be the tos_policies_value query parameter of the \
             customer's tos_policies_url",
        ));
    }
    let mut primaries = 0;
    let mut selfies = 0;
    for document in &body.identifying_documents {
        if document.document_type == SELFIE {
            selfies += 1;
        } else if find_document(&DOCUMENTS, &document.document_type).is_some() {
            primaries += 1;
        } else {
            return Err(ApiError::unprocessable(
                "invalid_document_type",
                format!(
                    "identifying document type {:?} is not one of PASSPORT, NATIONAL_ID, \
                     DRIVERS_LICENSE, RESIDENCE_PERMIT, SELFIE",
                    document.document_type
                ),
            ));
        }
    }
    if primaries > 1 {
        return Err(ApiError::unprocessable(
            "too_many_identifying_documents",
            "at most one non-SELFIE document may be included in identifying_documents; to \
             switch the primary document type, re-attach with the new type",
        ));
    }
    if selfies > 1 {
        return Err(ApiError::unprocessable(
            "too_many_selfies",
            "include at most one SELFIE entry",
        ));
    }
    if selfie_required && selfies == 0 {
        return Err(ApiError::unprocessable(
            "selfie_required",
            "the client configuration requires exactly one SELFIE entry carrying at least one \
             file",
        ));
    }
    for document in &body.identifying_documents {
        check_sides(document)?;
    }
    if body.address_documents.len() != 1 {
        return Err(ApiError::unprocessable(
            "address_document_count",
            format!(
                "exactly one address_documents entry is required, got {}",
                body.address_documents.len()
            ),
        ));
    }
    if body.address_documents[0].files.is_empty() {
        return Err(ApiError::unprocessable(
            "invalid_file_count",
            "the address document carries no file",
        ));
    }
    // "File URIs must be unique across the entire request (SELFIE files excluded)."
    let mut seen = HashSet::new();
    let counted = body
        .identifying_documents
        .iter()
        .filter(|d| d.document_type != SELFIE)
        .flat_map(|d| d.files.iter())
        .chain(body.address_documents.iter().flat_map(|d| d.files.iter()));
    for file in counted {
        if !seen.insert(file.uri.as_str()) {
            return Err(ApiError::unprocessable(
                "duplicate_file_uri",
                format!("file URI {} appears more than once", file.uri),
            ));
        }
    }
    // "... and must belong to this customer."
    let every = body
        .identifying_documents
        .iter()
        .flat_map(|d| d.files.iter())
        .chain(body.address_documents.iter().flat_map(|d| d.files.iter()));
    for file in every {
        let owned = file
            .uri
            .rsplit('/')
            .next()
            .and_then(|file_id| store.files.get(file_id))
            .is_some_and(|record| record.customer_id == customer.id && record.uri == file.uri);
        if !owned {
            return Err(ApiError::unprocessable(
                "file_not_owned",
                format!(
                    "file URI {} does not belong to this customer; upload it with the Upload \
                     document endpoint first",
                    file.uri
                ),
            ));
        }
    }
    Ok(primaries == 1)
}

/// The sides table, the country and the state rule of one identifying document.
fn check_sides(document: &IdentifyingDocument) -> Result<(), ApiError> {
    let kind = document.document_type.as_str();
    for file in &document.files {
        if let Some(side) = &file.side {
            if side != "FRONT" && side != "BACK" {
                return Err(ApiError::unprocessable(
                    "invalid_sides",
                    format!("{kind}: side must be FRONT or BACK, not {side:?}"),
                ));
            }
        }
    }
    let Some(doc_type) = find_document(&DOCUMENTS, kind) else {
        // SELFIE: "1 file, side optional" / "at least one file".
        if document.files.is_empty() {
            return Err(ApiError::unprocessable(
                "invalid_file_count",
                "a SELFIE entry must carry at least one file",
            ));
        }
        return Ok(());
    };
    if doc_type.two_sided {
        let sides: Vec<Option<&str>> = document.files.iter().map(|f| f.side.as_deref()).collect();
        if sides.len() != 2 {
            return Err(ApiError::unprocessable(
                "invalid_file_count",
                format!("{kind} needs 2 files, one FRONT and one BACK"),
            ));
        }
        if !(sides.contains(&Some("FRONT")) && sides.contains(&Some("BACK"))) {
            return Err(ApiError::unprocessable(
                "invalid_sides",
                format!("{kind} needs one FRONT and one BACK file"),
            ));
        }
    } else {
        if document.files.len() != 1 {
            return Err(ApiError::unprocessable(
                "invalid_file_count",
                format!("{kind} needs exactly 1 file"),
            ));
        }
        if document.files[0].side.as_deref() == Some("BACK") {
            return Err(ApiError::unprocessable(
                "invalid_sides",
                format!("{kind} has one side; its side, if given, is FRONT"),
            ));
        }
    }
    let country = document.country.as_deref().unwrap_or("").trim();
    if !is_alpha3(country) {
        return Err(ApiError::unprocessable(
            "invalid_country",
            format!("{kind}: country must be an ISO 3166-1 alpha-3 code such as USA"),
        ));
    }
    let has_state = present(&document.state).is_some();
    match state_rule(doc_type.code, country) {
        StateRule::Required if !has_state => Err(ApiError::unprocessable(
            "state_required",
            "state is required when type is DRIVERS_LICENSE and country is USA",
        )),
        StateRule::Forbidden if has_state => Err(ApiError::unprocessable(
            "state_forbidden",
            format!("state is forbidden for {kind}"),
        )),
        _ => Ok(()),
    }
}
