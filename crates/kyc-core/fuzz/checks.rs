//! The property each fuzz target checks, one function per target, shared by the targets in
//! `fuzz_targets/` and by `crates/kyc-core/tests/hostile.rs`, which replays every saved finding
//! (`fuzz/regressions/<target>/*`) through the same function as a normal test.
//!
//! A property fails by panicking; the fuzzer saves the input, `cargo xtask fuzz` copies it to
//! `fuzz/regressions/<target>/`.
#![allow(dead_code)]

use kyc_core::inspect::MAX_REPORTED_CLAIM;
use kyc_core::{
    inspect_file, inspect_head, inspect_pdf, sniff, DocumentType, FileFormat, FileLimits,
    FileProblem, LumaView, QualityThresholds, Slot,
};

/// A target's property: panics when it does not hold for the input.
pub type Property = fn(&[u8]);

/// Every target's name and its property, in the order `cargo xtask fuzz` runs them.
pub const TARGETS: [(&str, Property); 8] = [
    ("sniff", sniff_property),
    ("image_dimensions", image_dimensions_property),
    ("inspect_file", inspect_file_property),
    ("inspect_head", inspect_head_property),
    ("inspect_pdf", inspect_pdf_property),
    ("mime_and_codes", mime_and_codes_property),
    ("wire_json", wire_json_property),
    ("luma_metrics", luma_metrics_property),
];

/// Sniffing never panics and only the first 32 bytes decide.
pub fn sniff_property(data: &[u8]) {
    let format = sniff(data);
    assert_eq!(sniff(&data[..data.len().min(32)]), format);
}

/// Header parsing of every format never panics; a PDF has no pixel dimensions; an image's
/// dimensions do not depend on bytes appended after the header was read.
pub fn image_dimensions_property(data: &[u8]) {
    use kyc_core::format::image_dimensions;
    for format in [
        FileFormat::Jpeg,
        FileFormat::Png,
        FileFormat::Webp,
        FileFormat::Heif,
        FileFormat::Pdf,
    ] {
        let found = image_dimensions(data, format);
        if format == FileFormat::Pdf {
            assert_eq!(found, None);
        }
    }
}

const CLAIMS: [Option<&str>; 6] = [
    None,
    Some("image/jpeg"),
    Some("image/heic"),
    Some("application/pdf"),
    Some("application/octet-stream"),
    Some("image/\u{1F6C2}\u{202E}\u{0301}\u{1F6C2}\u{1F6C2}\u{1F6C2}\u{1F6C2}\u{1F6C2}\u{1F6C2}\u{1F6C2}\u{1F6C2}\u{1F6C2}\u{1F6C2}\u{1F6C2}\u{1F6C2}\u{1F6C2}\u{1F6C2}\u{1F6C2}\u{1F6C2}\u{1F6C2}\u{1F6C2}\u{1F6C2}\u{1F6C2}\u{1F6C2}\u{1F6C2}\u{1F6C2}\u{1F6C2}\u{1F6C2}\u{1F6C2}\u{1F6C2}\u{1F6C2}\u{1F6C2}\u{1F6C2}\u{1F6C2}"),
];

/// A file check's case from fuzz input.
struct FileCase<'a> {
    selector: u8,
    slot: Slot,
    claim: Option<&'static str>,
    limits: FileLimits,
    bytes: &'a [u8],
}

/// The first byte picks the slot and the claimed type, the rest is the file; no size or
/// resolution floor, so that small inputs reach the deeper checks.
fn file_case(data: &[u8]) -> Option<FileCase<'_>> {
    let (&selector, bytes) = data.split_first()?;
    Some(FileCase {
        selector,
        slot: Slot::ALL[usize::from(selector) % Slot::ALL.len()],
        claim: CLAIMS[usize::from(selector >> 4) % CLAIMS.len()],
        limits: FileLimits {
            min_bytes: 0,
            min_document_long_edge: 1,
            min_selfie_long_edge: 1,
            ..FileLimits::default()
        },
        bytes,
    })
}

/// The whole file check never panics and its report is consistent: the first byte picks the
/// slot and a claimed type, the rest is the file. An accepted file is of the sniffed format,
/// within the limits, with dimensions for images; a refusal names at least one problem, each
/// once, and a reported claim is at most [`MAX_REPORTED_CLAIM`] bytes.
pub fn inspect_file_property(data: &[u8]) {
    let Some(FileCase {
        slot,
        claim,
        limits,
        bytes,
        ..
    }) = file_case(data)
    else {
        return;
    };
    match inspect_file(bytes, claim, slot, &limits) {
        Ok(report) => {
            assert_eq!(Some(report.format), sniff(bytes));
            assert_eq!(report.bytes, bytes.len() as u64);
            if report.format.is_image() {
                let (w, h) = report.dimensions.expect("an accepted image has dimensions");
                assert!(w > 0 && h > 0);
                assert!(u64::from(w) * u64::from(h) <= limits.max_pixels);
            } else {
                assert!(slot.accepts_pdf());
                assert!(inspect_pdf(bytes).is_ok());
            }
        }
        Err(problems) => {
            assert!(!problems.is_empty());
            for (i, problem) in problems.iter().enumerate() {
                assert!(
                    !problems[..i].iter().any(|p| p.code() == problem.code()),
                    "{problems:?} names a problem twice"
                );
                if let FileProblem::ClaimedTypeMismatch { claimed, .. } = problem {
                    assert!(claimed.len() <= MAX_REPORTED_CLAIM);
                }
            }
        }
    }
}

/// The relay's streamed check agrees with the whole-file check: with the whole file as its head,
/// `inspect_head` refuses what `inspect_file` refuses and, unless it asks for the whole file or
/// its end, accepts it with the same format and dimensions; any shorter head never panics and
/// never reports more bytes than declared.
pub fn inspect_head_property(data: &[u8]) {
    let Some(FileCase {
        selector,
        slot,
        claim,
        limits,
        bytes,
    }) = file_case(data)
    else {
        return;
    };
    let total = bytes.len() as u64;
    let whole = inspect_file(bytes, claim, slot, &limits);
    match inspect_head(bytes, total, claim, slot, &limits) {
        Ok(head) => {
            assert_eq!(head.file.bytes, total);
            if !head.needs_whole_file && !head.needs_tail {
                let whole = whole.expect("the streamed check accepted what inspect_file refuses");
                assert_eq!(head.file.format, whole.format);
                assert_eq!(head.file.dimensions, whole.dimensions);
            }
        }
        Err(problems) => {
            assert!(!problems.is_empty());
            assert!(
                whole.is_err(),
                "the streamed check refused what inspect_file accepts"
            );
        }
    }
    let cut = (usize::from(selector) * 97) % (bytes.len() + 1);
    if let Ok(head) = inspect_head(&bytes[..cut], total, claim, slot, &limits) {
        assert_eq!(head.file.bytes, total);
    }
}

/// The PDF structure scan never panics and stays within its bound of sections.
pub fn inspect_pdf_property(data: &[u8]) {
    if let Ok(info) = inspect_pdf(data) {
        assert!(info.sections <= kyc_core::pdf::MAX_SECTIONS);
        assert!(info.sections >= 1);
    }
}

/// The text parsers (MIME types, slot and document codes) never panic, and what they accept
/// round-trips.
pub fn mime_and_codes_property(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Some(format) = FileFormat::from_mime(&text) {
        assert_eq!(FileFormat::from_mime(format.mime()), Some(format));
    }
    if let Some(slot) = Slot::from_code(&text) {
        assert_eq!(slot.code(), text);
    }
    if let Some(document) = DocumentType::from_code(&text) {
        assert_eq!(document.code(), text);
    }
}

/// The wire types (what the relay reads from the widget and the host, and the widget from the
/// relay) never panic on any JSON, and what they accept serializes back to an equal value.
pub fn wire_json_property(data: &[u8]) {
    use kyc_core::wire::{
        CreateSession, ErrorBody, SessionView, StatusReport, SubmitRequest, UploadReceipt,
    };
    fn round_trip<T>(data: &[u8])
    where
        T: serde::de::DeserializeOwned + serde::Serialize + PartialEq + std::fmt::Debug,
    {
        if let Ok(value) = serde_json::from_slice::<T>(data) {
            let again: T = serde_json::from_str(&serde_json::to_string(&value).unwrap()).unwrap();
            assert_eq!(again, value);
        }
    }
    round_trip::<CreateSession>(data);
    round_trip::<SubmitRequest>(data);
    round_trip::<SessionView>(data);
    round_trip::<UploadReceipt>(data);
    round_trip::<StatusReport>(data);
    round_trip::<ErrorBody>(data);
}

/// The image metrics never panic on any small frame the first two bytes describe, and give
/// finite numbers.
pub fn luma_metrics_property(data: &[u8]) {
    let [w, h, pixels @ ..] = data else {
        return;
    };
    let (width, height) = (u32::from(*w % 64), u32::from(*h % 64));
    let needed = (width * height) as usize;
    if pixels.len() < needed {
        assert!(LumaView::new(width, height, pixels).is_err() || needed == pixels.len());
        return;
    }
    let Ok(view) = LumaView::new(width, height, &pixels[..needed]) else {
        assert!(width == 0 || height == 0);
        return;
    };
    let report = kyc_core::assess(&view, &QualityThresholds::default());
    let variance = kyc_core::laplacian_variance(&view);
    assert!(variance.is_finite(), "{variance}");
    let _ = report;
}
