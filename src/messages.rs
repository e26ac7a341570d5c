//! What the user reads: one specific, actionable sentence per problem code, never the code.

use kyc_core::{DocumentType, Slot};

/// The sentence for a file problem code from [`kyc_core::FileProblem::code`].
pub fn file_problem(code: &str) -> &'static str {
    match code {
        "empty" => "This file is empty. Choose the photo again.",
        "unsupported_format" => {
            "This file is not a photo or PDF we can read. Use a JPEG, PNG, WebP, HEIC photo or a PDF."
        }
        "claimed_type_mismatch" => {
            "This file's content does not match its type. Take a new photo or export it again as JPEG."
        }
        "too_small" => "This file is too small to show your document clearly. Take a new photo.",
        "too_large" => "This file is larger than 10 MB. Take a new photo or choose a smaller file.",
        "unreadable_image" => "We could not read this photo. It may be damaged; take a new one.",
        "resolution_too_low" => {
            "The photo's resolution is too low to read your document. Move closer or use the camera."
        }
        "too_many_pixels" => "This image is too large to process. Take a normal photo instead.",
        "pdf_not_allowed" => "A PDF cannot be used here. Take a photo instead.",
        "pdf_encrypted" => "This PDF is password-protected. Upload a PDF without a password.",
        "pdf_unreadable" => "This PDF is damaged or incomplete. Export it again and retry.",
        _ => "This file cannot be used. Take a new photo and try again.",
    }
}

/// The sentence for a relay error code that is not about a file.
pub fn relay_problem(code: &str) -> &'static str {
    match code {
        "unauthorized" => "Your session has expired. Reload the page to start again.",
        "rate_limited" => "Too many attempts in a short time. Wait a minute and try again.",
        "already_submitted" => "Your documents were already submitted.",
        "provider_error" => {
            "Our verification partner is not answering right now. Try again in a moment."
        }
        "too_large" => "This file is larger than 10 MB. Take a new photo or choose a smaller file.",
        _ => "Something went wrong on our side. Try again in a moment.",
    }
}

/// The friendly sentence for a rejection reason code from the provider.
pub fn rejection(reason: &str) -> &'static str {
    match reason {
        "document_blurry" => "The photo of your document was not sharp enough.",
        "document_expired" => "Your document has expired.",
        "document_cropped" => "Part of your document was cut off in the photo.",
        "face_mismatch" => "Your selfie did not match the photo on your document.",
        _ => "We could not verify your document.",
    }
}

/// The document type's name as users know it.
pub fn document_name(document_type: DocumentType) -> &'static str {
    match document_type {
        DocumentType::Passport => "Passport",
        DocumentType::DriversLicense => "Driver's license",
        DocumentType::ResidencePermit => "Residence permit",
        DocumentType::NationalId => "National ID card",
        DocumentType::CertificateOfIncorporation => "Certificate of incorporation",
    }
}

/// What to capture in a slot, as an instruction.
pub fn slot_title(slot: Slot, document_type: DocumentType) -> String {
    let name = document_name(document_type).to_lowercase();
    match slot {
        Slot::Front if document_type.is_two_sided() => format!("Front of your {name}"),
        Slot::Front => format!("Photo page of your {name}"),
        Slot::Back => format!("Back of your {name}"),
        Slot::Selfie => "A selfie".to_owned(),
        Slot::ProofOfAddress => "Proof of address".to_owned(),
        Slot::Liveness => "Liveness check".to_owned(),
    }
}

/// The sentence shown when a provider refuses some document types, naming what it accepts.
pub fn not_accepted_note(accepted: &[DocumentType]) -> Option<String> {
    let refused: Vec<&str> = DocumentType::ALL
        .into_iter()
        .filter(|doc| !accepted.contains(doc) && *doc != DocumentType::CertificateOfIncorporation)
        .map(|doc| document_name(doc))
        .collect();
    if refused.is_empty() || accepted.is_empty() {
        return None;
    }
    let accepted: Vec<String> = accepted
        .iter()
        .map(|doc| document_name(*doc).to_lowercase())
        .collect();
    Some(format!(
        "{} cannot be used here. Please use a {}.",
        refused.join(", "),
        join_or(&accepted)
    ))
}

fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn national_id_refusal_names_what_is_accepted() {
        let accepted = [
            DocumentType::Passport,
            DocumentType::DriversLicense,
            DocumentType::ResidencePermit,
        ];
        assert_eq!(
            not_accepted_note(&accepted).as_deref(),
            Some("National ID card cannot be used here. Please use a passport, driver's license or residence permit.")
        );
    }

    #[test]
    fn every_core_file_problem_has_its_own_sentence() {
        let fallback = file_problem("no such code");
        for code in [
            "empty",
            "unsupported_format",
            "too_large",
            "resolution_too_low",
            "pdf_encrypted",
        ] {
            assert_ne!(file_problem(code), fallback, "{code}");
        }
    }
}
