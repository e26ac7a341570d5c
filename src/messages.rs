//! What the user reads: one specific, actionable sentence per problem code, never the code.
//! The sentences live in the locale tables of [`crate::i18n`]; these are the rules that pick
//! and assemble them.

use kyc_core::{DocumentType, QualityIssue, Slot};

use crate::i18n::Texts;

/// The sentence for a file problem code from [`kyc_core::FileProblem::code`] (or the widget's
/// own `cannot_decode`, `cannot_encode`, `camera_resolution`).
pub fn file_problem(texts: &Texts, code: &str) -> String {
    texts.coded("problem", code, "other")
}

/// The sentence for a quality issue of a capture.
pub fn quality_issue(texts: &Texts, issue: QualityIssue) -> String {
    texts.get(&format!("quality.{}", issue.code()))
}

/// The short live hint for a quality issue of a preview frame.
pub fn live_hint(texts: &Texts, issue: QualityIssue) -> String {
    texts.get(&format!("live.{}", issue.code()))
}

/// The sentence for a relay error code that is not about a file.
pub fn relay_problem(texts: &Texts, code: &str) -> String {
    texts.coded("relay", code, "other")
}

/// The friendly sentence for a rejection reason code from the provider.
pub fn rejection(texts: &Texts, reason: &str) -> String {
    texts.coded("rejection", reason, "other")
}

/// The document type's name as users know it.
pub fn document_name(texts: &Texts, document_type: DocumentType) -> String {
    texts.get(&format!("doc.{}", document_type.code()))
}

/// What to capture in a slot, as a heading.
pub fn slot_title(texts: &Texts, slot: Slot, document_type: DocumentType) -> String {
    let doc = lower(&document_name(texts, document_type));
    let key = match slot {
        Slot::Front if document_type.is_two_sided() => "slot.front_two_sided",
        Slot::Front => "slot.front",
        Slot::Back => "slot.back",
        Slot::Selfie => "slot.selfie",
        Slot::ProofOfAddress => "slot.proof_of_address",
        Slot::Liveness => "slot.liveness",
    };
    texts.fill(key, &[("doc", &doc)])
}

/// The sentence shown when a provider refuses some identity documents, naming what it
/// accepts; `None` when nothing is refused.
pub fn not_accepted_note(texts: &Texts, accepted: &[DocumentType]) -> Option<String> {
    let refused: Vec<String> = DocumentType::ALL
        .into_iter()
        .filter(|doc| !accepted.contains(doc) && *doc != DocumentType::CertificateOfIncorporation)
        .map(|doc| document_name(texts, doc))
        .collect();
    if refused.is_empty() || accepted.is_empty() {
        return None;
    }
    let accepted: Vec<String> = accepted
        .iter()
        .map(|doc| lower(&document_name(texts, *doc)))
        .collect();
    Some(texts.fill(
        "document.refused",
        &[
            ("refused", &refused.join(", ")),
            ("accepted", &join_or(&accepted, &texts.get("or"))),
        ],
    ))
}

/// A name as it reads inside a sentence. ASCII only: the names of the tables start with an
/// ASCII letter, and full Unicode case tables would cost the bundle kilobytes.
fn lower(name: &str) -> String {
    name.to_ascii_lowercase()
}

fn join_or(items: &[String], or: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{}{or}{last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{builtin, Locale};
    use kyc_core::{FileFormat, FileProblem, PdfDefect, Sides};

    #[test]
    fn national_id_refusal_names_what_is_accepted() {
        let accepted = [
            DocumentType::Passport,
            DocumentType::DriversLicense,
            DocumentType::ResidencePermit,
        ];
        assert_eq!(
            not_accepted_note(&Texts::default(), &accepted).as_deref(),
            Some("National ID card cannot be used here. Please use a passport, driver's license or residence permit.")
        );
        let spanish = Texts::new(Locale::Es, Default::default());
        assert_eq!(
            not_accepted_note(&spanish, &accepted).as_deref(),
            Some("No se puede usar Documento nacional de identidad aquí. Usa pasaporte, permiso de conducir o permiso de residencia.")
        );
    }

    #[test]
    fn every_core_code_has_its_own_sentence_in_every_locale() {
        let problems = [
            FileProblem::Empty,
            FileProblem::UnsupportedFormat,
            FileProblem::ClaimedTypeMismatch {
                claimed: "image/png".into(),
                actual: FileFormat::Jpeg,
            },
            FileProblem::TooSmall {
                bytes: 1,
                min_bytes: 2,
            },
            FileProblem::TooLarge {
                bytes: 2,
                max_bytes: 1,
            },
            FileProblem::UnreadableImage,
            FileProblem::ResolutionTooLow {
                long_edge: 1,
                min_long_edge: 2,
            },
            FileProblem::TooManyPixels {
                width: 1,
                height: 1,
                max_pixels: 0,
            },
            FileProblem::PdfNotAllowed,
            FileProblem::PdfEncrypted,
            FileProblem::PdfUnreadable {
                defect: PdfDefect::NoHeader,
            },
        ];
        let mut codes: Vec<String> = problems
            .iter()
            .map(|p| format!("problem.{}", p.code()))
            .collect();
        for issue in [
            QualityIssue::Blurry,
            QualityIssue::TooDark,
            QualityIssue::TooBright,
            QualityIssue::Glare,
            QualityIssue::CutOff {
                sides: Sides::default(),
            },
        ] {
            codes.push(format!("quality.{}", issue.code()));
            codes.push(format!("live.{}", issue.code()));
        }
        for doc in DocumentType::ALL {
            codes.push(format!("doc.{}", doc.code()));
        }
        for key in codes {
            for locale in Locale::ALL {
                assert!(builtin(&key, locale).is_some(), "{key} missing");
            }
        }
        let texts = Texts::default();
        assert_ne!(file_problem(&texts, "empty"), file_problem(&texts, "nope"));
    }
}
