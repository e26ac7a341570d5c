//! What the user reads: one specific, actionable sentence per problem code, never the code.
//! The sentences live in the locale tables of [`crate::i18n`]; these are the rules that pick
//! and assemble them, and the only place that maps a code to its sentence.

use kyc_core::wire::GapView;
use kyc_core::{CompanyDocument, DocumentType, FileProblem, QualityIssue, Slot};

use crate::camera::{CameraError, Hint};
use crate::i18n::Texts;
use crate::intake::CaptureProblem;
use crate::transport::RelayError;

/// The sentence for a file problem code from [`kyc_core::FileProblem::code`] (the relay's
/// `invalid_file` problems are these codes), at a relay that takes files of up to `max_bytes`
/// (the session's [`kyc_core::wire::SessionView::max_bytes`]).
pub fn file_problem(texts: &Texts, code: &str, max_bytes: u64) -> String {
    if code == "too_large" {
        return too_large(texts, max_bytes);
    }
    texts.coded("problem", code, "other")
}

/// The sentence for a file larger than `max_bytes`, in whole megabytes (10 MiB reads 10 MB).
fn too_large(texts: &Texts, max_bytes: u64) -> String {
    let max = crate::i18n::number(texts.locale(), max_bytes / 1_000_000);
    texts.fill("problem.too_large", &[("max", &max)])
}

/// The sentences for the relay's `invalid_file` problem codes, each once, in order (see
/// [`file_problem`]).
pub fn file_problems(texts: &Texts, codes: &[String], max_bytes: u64) -> Vec<String> {
    distinct(
        codes
            .iter()
            .map(|code| file_problem(texts, code, max_bytes)),
    )
}

/// The sentence for a problem of a capture.
pub fn capture_problem(texts: &Texts, problem: &CaptureProblem) -> String {
    match problem {
        CaptureProblem::File(FileProblem::TooLarge { max_bytes, .. }) => {
            too_large(texts, *max_bytes)
        }
        CaptureProblem::File(problem) => texts.coded("problem", problem.code(), "other"),
        CaptureProblem::CameraResolution { .. } => texts.get("problem.camera_resolution"),
        CaptureProblem::CannotDecode | CaptureProblem::CannotEncode => {
            texts.coded("problem", problem.code(), "other")
        }
        CaptureProblem::Quality(issue) => quality_issue(texts, *issue),
    }
}

/// The sentences for the problems of a capture, each once, in order.
pub fn capture_problems(texts: &Texts, problems: &[CaptureProblem]) -> Vec<String> {
    distinct(
        problems
            .iter()
            .map(|problem| capture_problem(texts, problem)),
    )
}

/// The sentence for a quality issue of a capture.
pub fn quality_issue(texts: &Texts, issue: QualityIssue) -> String {
    texts.get(&format!("quality.{}", issue.code()))
}

/// The short live hint of a preview frame.
pub fn live_hint(texts: &Texts, hint: Hint) -> String {
    match hint {
        Hint::Good => texts.get("live.ok"),
        Hint::Fix(issue) => texts.get(&format!("live.{}", issue.code())),
        Hint::Frame(guidance) => texts.get(&format!("guide.{}", guidance.code())),
    }
}

/// Why the camera is not available, and that the file picker is there instead.
pub fn camera_error(texts: &Texts, error: CameraError) -> String {
    texts.get(match error {
        CameraError::Denied => "camera.denied",
        CameraError::Missing => "camera.missing",
        CameraError::Failed => "camera.failed",
    })
}

/// The sentence for a failed upload (or submission) at a relay that takes files of up to
/// `max_bytes`: its 413 `too_large` names that limit.
pub fn upload_error(texts: &Texts, error: &RelayError, max_bytes: u64) -> String {
    match error {
        RelayError::Refused { code, .. } if code == "too_large" => too_large(texts, max_bytes),
        _ => relay_error(texts, error),
    }
}

/// The sentence for a failed call to the relay.
pub fn relay_error(texts: &Texts, error: &RelayError) -> String {
    match error {
        RelayError::Network(_) => texts.get("relay.network"),
        RelayError::Refused { code, .. } => texts.coded("relay", code, "other"),
        RelayError::Unreadable(_) => texts.get("relay.other"),
    }
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
    let doc = in_sentence(texts, &document_name(texts, document_type));
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

/// The name of a company document.
pub fn company_document_name(texts: &Texts, document: CompanyDocument) -> String {
    match document {
        CompanyDocument::CertificateOfIncorporation => {
            document_name(texts, DocumentType::CertificateOfIncorporation)
        }
        CompanyDocument::ProofOfAddress => texts.get("company.proof_of_address"),
    }
}

/// The title of capturing `slot` of business owner `name`'s `document_type`.
pub fn owner_side_title(
    texts: &Texts,
    name: &str,
    slot: Slot,
    document_type: DocumentType,
) -> String {
    let doc = in_sentence(texts, &document_name(texts, document_type));
    let key = match slot {
        Slot::Back => "owner.back",
        _ if document_type.is_two_sided() => "owner.front_two_sided",
        _ => "owner.front",
    };
    texts.fill(key, &[("name", name), ("doc", &doc)])
}

/// What a gap of a business submission asks for, naming its owner (`name`); a gap the widget
/// has no sentence for is the relay's own text.
pub fn business_gap(texts: &Texts, gap: &GapView, name: &str) -> String {
    let key = format!("gap.{}", gap.code);
    if texts.has(&key) {
        texts.fill(&key, &[("name", name)])
    } else {
        gap.message.clone()
    }
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
        .map(|doc| in_sentence(texts, &document_name(texts, *doc)))
        .collect();
    let separator = texts.get("list_separator");
    Some(texts.fill(
        "document.refused",
        &[
            ("refused", &refused.join(&separator)),
            (
                "accepted",
                &join_or(&accepted, &separator, &texts.get("or")),
            ),
        ],
    ))
}

/// A name as it reads inside a sentence: lower-cased, but where the language capitalizes nouns
/// (German). ASCII only: the names of the tables start with an ASCII letter, and full Unicode
/// case tables would cost the bundle kilobytes.
fn in_sentence(texts: &Texts, name: &str) -> String {
    if texts.locale().capitalizes_nouns() {
        name.to_owned()
    } else {
        name.to_ascii_lowercase()
    }
}

/// `sentences` without repeats, in order (two codes may share a sentence).
fn distinct(sentences: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for sentence in sentences {
        if !out.contains(&sentence) {
            out.push(sentence);
        }
    }
    out
}

fn join_or(items: &[String], separator: &str, or: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{}{or}{last}", init.join(separator)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{keys, shipped, Locale};
    use kyc_core::{FileFormat, FileProblem, PdfDefect, Sides};

    /// A relay's file limit, for the sentences that do not name it.
    const MAX: u64 = 10 * 1024 * 1024;

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
        let spanish = Texts::default().with_table(Locale::Es, shipped(Locale::Es));
        assert_eq!(
            not_accepted_note(&spanish, &accepted).as_deref(),
            Some("No se puede usar Documento nacional de identidad aquí. Usa pasaporte, permiso de conducir o permiso de residencia.")
        );
    }

    #[test]
    fn a_document_name_keeps_its_capital_only_where_the_language_wants_it() {
        let german = Texts::default().with_table(Locale::De, shipped(Locale::De));
        assert_eq!(
            slot_title(&german, Slot::Front, DocumentType::Passport),
            "Bildseite Ihres Dokuments (Reisepass)"
        );
        let dutch = Texts::default().with_table(Locale::Nl, shipped(Locale::Nl));
        assert_eq!(
            slot_title(&dutch, Slot::Front, DocumentType::Passport),
            "Fotopagina van je paspoort"
        );
    }

    #[test]
    fn a_file_too_large_names_its_limit_in_every_locale() {
        let photo = CaptureProblem::File(FileProblem::TooLarge {
            bytes: 41_000_000,
            max_bytes: 40_000_000,
        });
        let english = Texts::default();
        assert_eq!(
            capture_problem(&english, &photo),
            "This file is larger than 40 MB. Take a new photo or choose a smaller file."
        );
        // The relay's code, and its 413: the limit the session carries (the relay's
        // `--max-bytes`), not a default.
        assert!(file_problem(&english, "too_large", 10 * 1024 * 1024).contains(" 10 MB."));
        assert!(file_problem(&english, "too_large", 25_000_000).contains(" 25 MB."));
        let refused = RelayError::Refused {
            status: 413,
            code: "too_large".to_owned(),
            problems: vec![],
        };
        assert_eq!(
            upload_error(&english, &refused, 5 * 1024 * 1024),
            "This file is larger than 5 MB. Take a new photo or choose a smaller file."
        );
        // Arabic's digits are the engine's (`Intl`), which a native test has not.
        for locale in Locale::ALL.into_iter().filter(|l| *l != Locale::Ar) {
            let texts = Texts::default().with_table(locale, shipped(locale));
            let sentence = capture_problem(&texts, &photo);
            assert!(
                sentence.contains("40") && !sentence.contains('{'),
                "{locale:?}: {sentence}"
            );
        }
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
            FileProblem::Polyglot,
            FileProblem::PdfActiveContent {
                name: "OpenAction".into(),
            },
            FileProblem::TrailingData { bytes: 1 },
            FileProblem::NoEndMarker,
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
        // In English; the locale files are checked against every English key in `i18n`.
        for key in codes {
            assert!(keys().any(|k| k == key), "{key} missing");
        }
        let texts = Texts::default();
        assert_ne!(
            file_problem(&texts, "empty", MAX),
            file_problem(&texts, "nope", MAX)
        );
        // The relay's refusals of what only it checks read as their own sentences too.
        let other = file_problem(&texts, "other", MAX);
        for code in ["pdf_active_content", "trailing_data", "no_end_marker"] {
            assert_ne!(file_problem(&texts, code, MAX), other, "{code}");
        }
    }

    #[test]
    fn each_capture_problem_reads_as_its_own_sentence_once() {
        let texts = Texts::default();
        let low = FileProblem::ResolutionTooLow {
            long_edge: 640,
            min_long_edge: 1000,
        };
        let camera = CaptureProblem::CameraResolution {
            long_edge: 640,
            min_long_edge: 1000,
        };
        // One code for the host, but the user of a camera is told something else to do.
        assert_eq!(camera.code(), low.code());
        assert_ne!(
            capture_problem(&texts, &camera),
            capture_problem(&texts, &CaptureProblem::File(low))
        );
        let other = file_problem(&texts, "other", MAX);
        let problems = [
            CaptureProblem::CannotDecode,
            CaptureProblem::CannotEncode,
            CaptureProblem::Quality(QualityIssue::Glare),
            CaptureProblem::Quality(QualityIssue::Glare),
        ];
        let sentences = capture_problems(&texts, &problems);
        assert_eq!(sentences.len(), 3, "{sentences:?}");
        assert!(!sentences.contains(&other), "{sentences:?}");
        assert_eq!(sentences[2], quality_issue(&texts, QualityIssue::Glare));
    }

    #[test]
    fn a_relay_error_reads_as_its_code_says() {
        let texts = Texts::default();
        let refused = |code: &str| RelayError::Refused {
            status: 429,
            code: code.to_owned(),
            problems: vec![],
        };
        for code in [
            "rate_limited",
            "too_many_uploads",
            "relay_busy",
            "body_timeout",
            "provider_busy",
            "provider_conflict",
            "customer_not_eligible",
            "customer_rejected",
            "already_verified",
            "already_retried",
            "business_not_supported",
            "terms_not_accepted",
        ] {
            let sentence = relay_error(&texts, &refused(code));
            assert_eq!(sentence, texts.get(&format!("relay.{code}")));
            assert_ne!(sentence, texts.get("relay.other"), "{code}");
        }
        assert_eq!(
            relay_error(&texts, &refused("no_such_code")),
            texts.get("relay.other")
        );
        assert_eq!(
            relay_error(&texts, &RelayError::Network("offline".into())),
            texts.get("relay.network")
        );
        assert_eq!(
            file_problems(&texts, &["polyglot".into(), "polyglot".into()], MAX),
            [file_problem(&texts, "polyglot", MAX)]
        );
    }
}
