//! What more than one provider does the same way: the accepted file types, optional fields,
//! customer lookups, presigned uploads and the check that uploaded bytes arrived.

use std::collections::HashMap;

use crate::error::ApiError;
use crate::ids::random_id;
use crate::review::{outcome_for, Outcome};
use crate::state::SandboxState;
use crate::storage::{object_key, PresignedPut};

/// The content types A, B and D take files of. D's document names two as examples ("e.g.
/// image/jpeg, application/pdf"), A's and B's none. Assumption: the formats phone cameras and
/// scanners write (JPEG, PNG, WebP, HEIC/HEIF) and PDF, at all three.
pub const CONTENT_TYPES: [&str; 6] = [
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/heic",
    "image/heif",
    "application/pdf",
];

/// An identity document a provider's attach takes: its code on that provider's wire and whether
/// it has a back side to attach. Each provider keeps its own table of these, written from its
/// document, so the sandbox checks the relay and `kyc_core` against the documents rather than
/// against themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdentityDocument {
    /// The wire code, e.g. `passport` (A, D) or `PASSPORT` (B).
    pub code: &'static str,
    /// Whether the document has a back side, attached in its own place.
    pub two_sided: bool,
}

/// The entry of `table` whose code is `code`.
pub fn find_document(table: &[IdentityDocument], code: &str) -> Option<IdentityDocument> {
    table.iter().copied().find(|document| document.code == code)
}

/// The codes of `table`, comma-separated (for error messages).
pub fn document_codes(table: &[IdentityDocument]) -> String {
    let codes: Vec<&str> = table.iter().map(|document| document.code).collect();
    codes.join(", ")
}

/// Why a review ends rejected when a file's bytes are not what its declared type says.
pub const UNREADABLE_REASON: &str = "document_unreadable";

/// The trimmed value of an optional field, `None` when absent or blank.
pub fn present(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Whether `country` looks like an ISO 3166-1 alpha-3 code (three ASCII uppercase letters).
pub fn is_alpha3(country: &str) -> bool {
    country.len() == 3 && country.chars().all(|c| c.is_ascii_uppercase())
}

/// 404 `customer_not_found`.
pub fn customer_not_found(id: &str) -> ApiError {
    ApiError::not_found("customer_not_found", format!("no customer {id}"))
}

/// The customer `id` among a provider's customers, or 404 `customer_not_found`.
pub fn find_customer<'a, C>(
    customers: &'a HashMap<String, C>,
    id: &str,
) -> Result<&'a C, ApiError> {
    customers.get(id).ok_or_else(|| customer_not_found(id))
}

/// [`find_customer`], to change.
pub fn find_customer_mut<'a, C>(
    customers: &'a mut HashMap<String, C>,
    id: &str,
) -> Result<&'a mut C, ApiError> {
    customers.get_mut(id).ok_or_else(|| customer_not_found(id))
}

/// `value` lowercased and trimmed if it is one of [`CONTENT_TYPES`], else 422
/// `unsupported_content_type` naming the field (`name`) and the accepted types.
pub fn accepted_content_type(value: &str, name: &str) -> Result<String, ApiError> {
    let normalised = value.trim().to_ascii_lowercase();
    if CONTENT_TYPES.contains(&normalised.as_str()) {
        Ok(normalised)
    } else {
        Err(ApiError::unprocessable(
            "unsupported_content_type",
            format!(
                "{name} {value:?} is not accepted; use one of {}",
                CONTENT_TYPES.join(", ")
            ),
        ))
    }
}

/// A new file of `customer_id` at `provider` and its presigned upload, valid for
/// `upload_url_ttl`: the file id, its object key and the upload.
pub fn presign_file(
    state: &SandboxState,
    provider: &str,
    customer_id: &str,
    content_type: &str,
) -> (String, String, PresignedPut) {
    let file_id = random_id("file");
    let key = object_key(provider, customer_id, &file_id);
    let put = state
        .storage()
        .presign_put(&key, content_type, state.config().upload_url_ttl);
    (file_id, key, put)
}

/// A file an attach names, as the provider recorded it.
#[derive(Debug, Clone)]
pub struct AttachedFile {
    /// The attach field it was named in, e.g. `id_file`.
    pub slot: &'static str,
    /// The provider's file id.
    pub file_id: String,
    /// Where storage holds it.
    pub key: String,
    /// The content type it was declared (and its upload URL signed) with.
    pub content_type: String,
}

/// Checks that the bytes of every file arrived in storage: 422 `file_not_uploaded` (`<slot>
/// <file id>: <hint>`) for the first that did not. Whether all of them are what their declared
/// type says ([`bytes_are`]).
pub async fn check_arrived(
    state: &SandboxState,
    files: &[AttachedFile],
    hint: &str,
) -> Result<bool, ApiError> {
    let mut readable = true;
    for file in files {
        let head = state
            .storage()
            .head(&file.key)
            .await
            .map_err(ApiError::storage)?
            .ok_or_else(|| {
                ApiError::unprocessable(
                    "file_not_uploaded",
                    format!("{} {}: {hint}", file.slot, file.file_id),
                )
            })?;
        if !bytes_are(&file.content_type, &head.prefix) {
            readable = false;
        }
    }
    Ok(readable)
}

/// Whether `bytes` begin as a file of `content_type` (one of [`CONTENT_TYPES`]) begins. The
/// sandbox's own signatures, not the product's (`kyc_core::sniff`): a provider's storage shares
/// no code with its clients, so a wrong sniff in the product shows here as a rejection.
pub fn bytes_are(content_type: &str, bytes: &[u8]) -> bool {
    // HEIF's still-image and sequence brands (ISO/IEC 23008-12).
    const HEIF_BRANDS: [&[u8]; 8] = [
        b"mif1", b"msf1", b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx",
    ];
    let essence = content_type.split(';').next().unwrap_or("").trim();
    let brand = |at: usize, name: &[u8]| bytes.get(at..at + name.len()) == Some(name);
    match essence.to_ascii_lowercase().as_str() {
        "image/jpeg" => bytes.starts_with(&[0xFF, 0xD8, 0xFF]),
        "image/png" => bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "image/webp" => brand(0, b"RIFF") && brand(8, b"WEBP"),
        "image/heic" | "image/heif" => {
            brand(4, b"ftyp") && HEIF_BRANDS.iter().any(|name| brand(8, name))
        }
        "application/pdf" => bytes.starts_with(b"%PDF-"),
        _ => false,
    }
}

/// How the review of files that arrived ends: rejected with [`UNREADABLE_REASON`] when their
/// bytes are not their declared type (as a real review would), else as the customer's
/// reference says (see [`crate::review`]).
pub fn review_outcome(readable: bool, reference: &str) -> Outcome {
    if readable {
        outcome_for(reference)
    } else {
        Outcome::Reject(UNREADABLE_REASON.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_are_what_their_signature_says() {
        let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic";
        let webp = b"RIFF\x10\0\0\0WEBPVP8 ";
        let cases: [(&str, &[u8], bool); 9] = [
            ("image/jpeg", b"\xFF\xD8\xFF\xE0\0\x10JFIF", true),
            ("image/jpeg", b"\x89PNG\r\n\x1a\n", false),
            ("image/png", b"\x89PNG\r\n\x1a\n\0", true),
            ("image/webp", webp, true),
            ("image/heic", heic, true),
            ("image/heif; q=1", heic, true),
            ("application/pdf", b"%PDF-1.7\n", true),
            ("application/pdf", b"PDF-1.7", false),
            ("text/plain", b"%PDF-1.7\n", false),
        ];
        for (content_type, bytes, expected) in cases {
            assert_eq!(bytes_are(content_type, bytes), expected, "{content_type}");
        }
    }

    #[test]
    fn present_trims_and_drops_blanks() {
        assert_eq!(present(&Some(" x ".to_owned())), Some("x"));
        assert_eq!(present(&Some("  ".to_owned())), None);
        assert_eq!(present(&None), None);
    }

    #[test]
    fn alpha3_is_three_uppercase_letters() {
        assert!(is_alpha3("GBR"));
        assert!(!is_alpha3("gb"));
        assert!(!is_alpha3("gbr"));
    }

    #[test]
    fn content_types_are_normalised_or_refused_by_name() {
        assert_eq!(
            accepted_content_type(" Image/JPEG ", "content_type").unwrap(),
            "image/jpeg"
        );
        let refused = accepted_content_type("image/gif", "Content-Type").unwrap_err();
        assert_eq!(refused.code, "unsupported_content_type");
        assert!(refused
            .message
            .starts_with("Content-Type \"image/gif\" is not accepted"));
    }
}
