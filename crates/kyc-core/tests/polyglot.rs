//! Issue 8: a file that is also a ZIP archive (a JPEG/ZIP polyglot, say) is refused with the
//! `polyglot` problem, by `inspect_file` (the widget, and the relay for short files and PDFs)
//! and by `inspect_head` + `inspect_tail` (the relay streaming a file): one rule,
//! `ends_with_zip_archive`, found from the file's last bytes.

#[path = "support/files.rs"]
mod files;
#[path = "../../kyc-relay/tests/support/hostile.rs"]
mod hostile;

use hostile::zip;
use kyc_core::format::{ends_with_zip_archive, ZIP_END_WINDOW};
use kyc_core::inspect::{inspect_tail, TAIL_BYTES};
use kyc_core::{inspect_file, inspect_head, FileFormat, FileLimits, FileProblem, Slot};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn codes(result: Result<kyc_core::FileReport, Vec<FileProblem>>) -> Vec<&'static str> {
    match result {
        Ok(_) => vec![],
        Err(problems) => problems.iter().map(FileProblem::code).collect(),
    }
}

fn check(bytes: &[u8], claimed: &str, slot: Slot) -> Vec<&'static str> {
    codes(inspect_file(
        bytes,
        Some(claimed),
        slot,
        &FileLimits::default(),
    ))
}

#[test]
fn a_photo_or_pdf_with_a_zip_archive_appended_is_refused_as_a_polyglot() {
    let payload = zip("payload.sh", b"#!/bin/sh\necho owned\n", 0);
    for (file, claimed, slot) in [
        (files::jpeg(1600, 1000, 8_000), "image/jpeg", Slot::Front),
        (files::png(1600, 1000, 8_000), "image/png", Slot::Back),
        (files::webp(1600, 1000, 8_000), "image/webp", Slot::Front),
        (files::heic(4032, 3024, 8_000), "image/heic", Slot::Front),
        (
            files::pdf("", 8_000),
            "application/pdf",
            Slot::ProofOfAddress,
        ),
    ] {
        assert_eq!(check(&file, claimed, slot), Vec::<&str>::new(), "{claimed}");
        let mut polyglot = file.clone();
        polyglot.extend_from_slice(&payload);
        let expected = if claimed == "application/pdf" {
            // The PDF's trailer is no longer at the end: unreadable, and a polyglot.
            codes(inspect_file(
                &polyglot,
                Some(claimed),
                slot,
                &FileLimits::default(),
            ))
        } else {
            vec!["polyglot"]
        };
        assert!(expected.contains(&"polyglot"), "{claimed}: {expected:?}");
        assert_eq!(check(&polyglot, claimed, slot), expected, "{claimed}");
    }
}

#[test]
fn the_problem_has_a_code_and_a_description() {
    assert_eq!(FileProblem::Polyglot.code(), "polyglot");
    assert_eq!(FileProblem::Polyglot.message_key(), "polyglot");
    assert!(FileProblem::Polyglot.describe().contains("ZIP archive"));
}

#[test]
fn an_archive_whose_comment_fills_the_window_is_found() {
    // The end record as far from the end as a ZIP reader looks: 22 + 65,535 bytes.
    let mut polyglot = files::jpeg(1600, 1000, 8_000);
    polyglot.extend(zip("a.txt", b"hello", u16::MAX));
    let end_record = polyglot.len() - 22 - usize::from(u16::MAX);
    assert_eq!(&polyglot[end_record..end_record + 4], b"PK\x05\x06");
    assert_eq!(
        check(&polyglot, "image/jpeg", Slot::Front),
        vec!["polyglot"]
    );
    assert_eq!(
        inspect_tail(&polyglot[polyglot.len() - TAIL_BYTES..]),
        Err(FileProblem::Polyglot)
    );
}

#[test]
fn lookalike_bytes_are_not_an_archive() {
    let photo = files::jpeg(1600, 1000, 8_000);
    let mut cases: Vec<Vec<u8>> = Vec::new();
    // The signature alone, with a comment longer than what follows it.
    let mut long_comment = photo.clone();
    long_comment.extend_from_slice(b"PK\x05\x06\0\0\0\0\x01\0\x01\0\0\0\0\0\0\0\0\0\xFF\x00");
    cases.push(long_comment);
    // Disk numbers of a multi-disk archive no reader opens.
    let mut split = photo.clone();
    split.extend_from_slice(b"PK\x05\x06\x01\0\x03\0\x01\0\x01\0\0\0\0\0\0\0\0\0\0\0");
    cases.push(split);
    // Entry counts that disagree.
    let mut counts = photo.clone();
    counts.extend_from_slice(b"PK\x05\x06\0\0\0\0\x01\0\x07\0\0\0\0\0\0\0\0\0\0\0");
    cases.push(counts);
    // A complete end record, but further from the end than any ZIP reader looks.
    let mut far = photo.clone();
    far.extend(zip("a.txt", b"hello", 0));
    far.extend(std::iter::repeat_n(0x55, ZIP_END_WINDOW));
    far.extend_from_slice(&[0xFF, 0xD9]);
    cases.push(far);
    for case in cases {
        assert!(!ends_with_zip_archive(&case));
        assert_eq!(check(&case, "image/jpeg", Slot::Front), Vec::<&str>::new());
    }
    // A ZIP file itself is simply not a photo.
    assert_eq!(
        check(&zip("a.jpg", &photo, 0), "image/jpeg", Slot::Front),
        vec!["unsupported_format"]
    );
}

#[test]
fn a_streamed_polyglot_passes_the_head_and_is_refused_by_its_tail() {
    // What the relay does with a large upload: the head check cannot see the end, says so,
    // and the tail check refuses what `inspect_file` refuses given the whole file.
    let limits = FileLimits::default();
    let mut polyglot = files::jpeg(1600, 1000, 3 * TAIL_BYTES + 12_345);
    polyglot.extend(zip("payload.exe", &[0x4D; 30_000], 1_000));
    let total = polyglot.len() as u64;
    let head = &polyglot[..64 * 1024];
    let report = inspect_head(head, total, Some("image/jpeg"), Slot::Front, &limits).unwrap();
    assert!(report.needs_tail);
    assert!(!report.needs_whole_file);
    assert_eq!(report.file.format, FileFormat::Jpeg);
    let tail = &polyglot[polyglot.len() - TAIL_BYTES..];
    assert_eq!(inspect_tail(tail), Err(FileProblem::Polyglot));
    assert_eq!(
        check(&polyglot, "image/jpeg", Slot::Front),
        vec!["polyglot"]
    );
    // The whole file given as the head: nothing left to check at the end.
    let whole = inspect_head(&polyglot, total, Some("image/jpeg"), Slot::Front, &limits);
    assert_eq!(codes(whole.map(|r| r.file)), vec!["polyglot"]);
    // A clean photo of the same size: the tail check lets it through.
    let photo = files::jpeg(1600, 1000, polyglot.len());
    assert_eq!(inspect_tail(&photo[photo.len() - TAIL_BYTES..]), Ok(()));
    let report = inspect_head(&photo[..64 * 1024], total, None, Slot::Front, &limits).unwrap();
    assert!(report.needs_tail);
}

#[cfg(not(target_arch = "wasm32"))]
mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        /// Any archive appended to a valid photo, whatever its name, content and comment, is
        /// refused by both paths; the photo alone is not.
        #[test]
        fn any_appended_archive_is_refused_by_both_paths(
            padding in 0usize..200_000,
            name in "[a-z]{1,12}\\.(sh|exe|js|zip)",
            content in proptest::collection::vec(any::<u8>(), 0..4_000),
            comment_len in prop_oneof![Just(0u16), any::<u16>()],
        ) {
            let photo = files::jpeg(1600, 1000, 4_000 + padding);
            prop_assert_eq!(check(&photo, "image/jpeg", Slot::Front), Vec::<&str>::new());
            let mut polyglot = photo;
            polyglot.extend(zip(&name, &content, comment_len));
            prop_assert_eq!(check(&polyglot, "image/jpeg", Slot::Front), vec!["polyglot"]);
            let tail = &polyglot[polyglot.len().saturating_sub(TAIL_BYTES)..];
            prop_assert_eq!(inspect_tail(tail), Err(FileProblem::Polyglot));
        }

        /// Only the last window counts, so the relay's tail and the whole file agree on any
        /// bytes; and `inspect_file` names `polyglot` exactly when `inspect_tail` refuses.
        #[test]
        fn the_tail_decides_alone_and_both_paths_agree(
            prefix_len in 0usize..(2 * TAIL_BYTES),
            noise in proptest::collection::vec(any::<u8>(), 0..2_000),
            end_record in proptest::option::of(proptest::collection::vec(any::<u8>(), 18)),
        ) {
            let mut bytes = files::jpeg(1600, 1000, 2_000 + prefix_len);
            bytes.extend_from_slice(&noise);
            if let Some(fields) = end_record {
                bytes.extend_from_slice(b"PK\x05\x06");
                bytes.extend_from_slice(&fields);
            }
            let whole = ends_with_zip_archive(&bytes);
            let tail = &bytes[bytes.len().saturating_sub(TAIL_BYTES)..];
            prop_assert_eq!(ends_with_zip_archive(tail), whole);
            prop_assert_eq!(inspect_tail(tail).is_err(), whole);
            let named = check(&bytes, "image/jpeg", Slot::Front).contains(&"polyglot");
            prop_assert_eq!(named, whole);
        }
    }
}
