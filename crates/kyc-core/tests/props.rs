//! Property tests: no sniffer, parser or metric panics on arbitrary input, and reports stay
//! bounded. Native only (the wasm32 run covers the table tests).
#![cfg(not(target_arch = "wasm32"))]

#[path = "support/files.rs"]
mod files;

use kyc_core::format::image_dimensions;
use kyc_core::pdf::{active_content, inspect_pdf, PdfDefect, MAX_SECTIONS};
use kyc_core::quality::assess;
use kyc_core::{
    inspect_file, sniff, CustomerType, DetailedSubmission, DocumentType, FileFormat, FileLimits,
    LumaView, Policy, Provider, QualityThresholds, RgbaView, Slot, SubmittedFile,
};
use proptest::prelude::*;

const FORMATS: [FileFormat; 5] = [
    FileFormat::Jpeg,
    FileFormat::Png,
    FileFormat::Webp,
    FileFormat::Heif,
    FileFormat::Pdf,
];

/// Valid headers of every format, to mutate.
fn seeds() -> Vec<Vec<u8>> {
    vec![
        files::jpeg(1600, 1200, 256),
        files::png(1600, 1200, 256),
        files::webp(1600, 1200, 256),
        files::heic(1600, 1200, 256),
        files::pdf("", 600),
        files::pdf("/Encrypt 5 0 R ", 600),
        files::pdf_xref_stream("/Encrypt 1 0 R "),
    ]
}

/// A valid file with random bytes overwritten, truncated, or extended.
fn mutated() -> impl Strategy<Value = Vec<u8>> {
    (
        0..seeds().len(),
        prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..16),
        any::<prop::sample::Index>(),
        prop::collection::vec(any::<u8>(), 0..64),
    )
        .prop_map(|(seed, edits, cut, tail)| {
            let mut bytes = seeds()[seed].clone();
            for (at, value) in edits {
                let i = at.index(bytes.len());
                bytes[i] = value;
            }
            bytes.truncate(cut.index(bytes.len() + 1));
            bytes.extend(tail);
            bytes
        })
}

fn any_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![prop::collection::vec(any::<u8>(), 0..2048), mutated()]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn sniff_never_panics_and_is_prefix_stable(bytes in any_bytes()) {
        let format = sniff(&bytes);
        // Only the first 32 bytes decide.
        let head = &bytes[..bytes.len().min(32)];
        prop_assert_eq!(sniff(head), format);
    }

    #[test]
    fn image_dimensions_never_panic(bytes in any_bytes()) {
        for format in FORMATS {
            let _ = image_dimensions(&bytes, format);
        }
    }

    #[test]
    fn inspect_pdf_never_panics(bytes in any_bytes()) {
        if let Ok(info) = inspect_pdf(&bytes) {
            prop_assert!(info.sections <= MAX_SECTIONS);
            prop_assert!(bytes.starts_with(b"%PDF-"));
        }
    }

    #[test]
    fn inspect_file_never_panics_and_reports_are_bounded(
        bytes in any_bytes(),
        claim in prop::option::of(".{0,300}"),
        slot in prop::sample::select(Slot::ALL.to_vec()),
    ) {
        let limits = FileLimits { min_bytes: 16, ..FileLimits::default() };
        match inspect_file(&bytes, claim.as_deref(), slot, &limits) {
            Ok(report) => {
                prop_assert_eq!(Some(report.format), sniff(&bytes));
                prop_assert_eq!(report.bytes, bytes.len() as u64);
            }
            Err(problems) => {
                prop_assert!(!problems.is_empty() && problems.len() <= 6, "{:?}", problems);
                for problem in &problems {
                    if let kyc_core::FileProblem::ClaimedTypeMismatch { claimed, .. } = problem {
                        prop_assert!(claimed.len() <= 128);
                    }
                }
            }
        }
    }

    #[test]
    fn metrics_never_panic_on_any_frame(
        width in 1u32..48,
        height in 1u32..48,
        seed in any::<u64>(),
        long_edge in 1u32..64,
    ) {
        let mut state = seed | 1;
        let luma: Vec<u8> = (0..width * height)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        let rgba: Vec<u8> = luma.iter().flat_map(|p| [*p, p.wrapping_mul(3), *p / 2, 255]).collect();
        let t = QualityThresholds { normalize_long_edge: long_edge, ..QualityThresholds::default() };
        for report in [
            assess(&LumaView::new(width, height, &luma).unwrap(), &t),
            assess(&RgbaView::new(width, height, &rgba).unwrap(), &t),
        ] {
            prop_assert!(report.sharpness.score.is_finite() && report.sharpness.score >= 0.0);
            prop_assert!((0.0..=255.0).contains(&report.exposure.score));
            prop_assert!((0.0..=1.0).contains(&report.glare.score));
        }
    }

    #[test]
    fn policy_checks_never_panic(
        provider in prop::sample::select(vec![Provider::A, Provider::B, Provider::C, Provider::D]),
        business in any::<bool>(),
        country in "[A-Za-z ]{0,5}",
        documents in prop::collection::vec(prop::sample::select(DocumentType::ALL.to_vec()), 0..4),
        files in prop::collection::vec((prop::sample::select(Slot::ALL.to_vec()), "[a-c ]{0,2}"), 0..12),
        state in prop::option::of("[A-Z ]{0,3}"),
        selfie in any::<bool>(),
    ) {
        let customer = if business { CustomerType::Business } else { CustomerType::Individual };
        let policy = Policy::new(provider, customer, &country).with_selfie_required(selfie);
        let submission = DetailedSubmission {
            documents,
            files: files.into_iter().map(|(slot, file_ref)| SubmittedFile { slot, file_ref }).collect(),
            issuing_country: country.clone(),
            state,
        };
        let violations = policy.check_detailed_submission(&submission);
        // Each rule reports at most once per document, slot or file.
        let bound = submission.documents.len() + 2 + 3 * Slot::ALL.len() + 2 * submission.files.len() + 1;
        prop_assert!(violations.len() <= bound);
        for v in &violations {
            prop_assert!(!v.describe().is_empty());
        }
    }
}

/// Hostile PDFs full of trailer keywords or `/XRef` names end in bounded work.
#[test]
fn pdf_scan_is_bounded_on_hostile_input() {
    let mut many_trailers = b"%PDF-1.4\nxref\n".to_vec();
    for _ in 0..(MAX_SECTIONS + 10) {
        many_trailers.extend_from_slice(b"trailer << /Size 1 >>\n");
    }
    many_trailers.extend_from_slice(b"startxref\n9\n%%EOF");
    assert_eq!(inspect_pdf(&many_trailers), Err(PdfDefect::TooComplex));
    let mut many_xrefs = b"%PDF-1.5\nxref\n".to_vec();
    many_xrefs.extend(b"/XRef ".repeat(200_000));
    many_xrefs.extend_from_slice(b"startxref\n9\n%%EOF");
    assert_eq!(inspect_pdf(&many_xrefs), Err(PdfDefect::TooComplex));
    // Each `/OpenAction` reads its action up to the dictionary limit: past a few, the file is
    // taken as active content, before quadratic work.
    // Nested, so that each read covers the ones inside it (about 58 KB each): without the
    // limit, 150,000 reads.
    let mut nested = b"/OpenAction << /S /GoTo /D [3 0 R /Fit] ".repeat(1500);
    nested.extend(b">> ".repeat(1500));
    let many_open_actions = nested.repeat(100);
    assert_eq!(active_content(&many_open_actions), Some("OpenAction"));
    let mut endless = b"%PDF-1.4\nxref\ntrailer << ".to_vec();
    endless.extend(b"<< ".repeat(100_000));
    endless.extend_from_slice(b"startxref\n9\n%%EOF");
    assert_eq!(inspect_pdf(&endless), Err(PdfDefect::TooComplex));
}
