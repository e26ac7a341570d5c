//! File content checks: format by magic bytes, claimed type, size and resolution bounds, pixel
//! count, and PDF readability — one named test per rule.

#[path = "support/files.rs"]
mod files;

use kyc_core::format::image_dimensions;
use kyc_core::inspect::{head_is_sufficient, HEAD_BYTES};
use kyc_core::{
    inspect_file, inspect_head, inspect_pdf, sniff, FileFormat, FileLimits, FileProblem, PdfDefect,
    Slot,
};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const KB: usize = 1024;

fn codes(result: Result<kyc_core::FileReport, Vec<FileProblem>>) -> Vec<&'static str> {
    match result {
        Ok(_) => vec![],
        Err(problems) => problems.iter().map(FileProblem::code).collect(),
    }
}

#[test]
fn format_is_sniffed_from_magic_bytes() {
    let table: [(Vec<u8>, Option<FileFormat>); 8] = [
        (files::jpeg(1600, 1200, 2 * KB), Some(FileFormat::Jpeg)),
        (files::png(1600, 1200, 2 * KB), Some(FileFormat::Png)),
        (files::webp(1600, 1200, 2 * KB), Some(FileFormat::Webp)),
        (files::heic(4032, 3024, 2 * KB), Some(FileFormat::Heif)),
        (files::pdf("", 2 * KB), Some(FileFormat::Pdf)),
        (b"GIF89a\x01\0\x01\0".to_vec(), None),
        (b"RIFF\0\0\0\0WAVEfmt ".to_vec(), None),
        (b"\0\0\0\x18ftypavif\0\0\0\0".to_vec(), None),
    ];
    for (bytes, format) in table {
        assert_eq!(sniff(&bytes), format, "{:?}", &bytes[..8]);
    }
}

#[test]
fn name_or_claimed_type_never_decides_the_format() {
    let text = b"passport.jpg is really text".repeat(100);
    assert_eq!(
        codes(inspect_file(
            &text,
            Some("image/jpeg"),
            Slot::Front,
            &FileLimits::default()
        )),
        ["unsupported_format"]
    );
}

#[test]
fn claimed_and_actual_mismatch_is_reported() {
    let heic = files::heic(4032, 3024, 4 * KB);
    let limits = FileLimits::default();
    let table = [
        (Some("image/jpeg"), vec!["claimed_type_mismatch"]),
        (Some("image/heic"), vec![]),
        (Some("image/heif; foo=bar"), vec![]),
        (Some("application/octet-stream"), vec![]),
        (Some(""), vec![]),
        (None, vec![]),
        (Some("application/pdf"), vec!["claimed_type_mismatch"]),
    ];
    for (claim, expected) in table {
        assert_eq!(
            codes(inspect_file(&heic, claim, Slot::Front, &limits)),
            expected,
            "{claim:?}"
        );
    }
    let problems = inspect_file(&heic, Some("image/jpeg"), Slot::Front, &limits).unwrap_err();
    assert_eq!(
        problems,
        vec![FileProblem::ClaimedTypeMismatch {
            claimed: "image/jpeg".into(),
            actual: FileFormat::Heif
        }]
    );
    // A hostile claim is cut in the report.
    let long = format!("image/{}", "x".repeat(100_000));
    match &inspect_file(&heic, Some(&long), Slot::Front, &limits).unwrap_err()[..] {
        [FileProblem::ClaimedTypeMismatch { claimed, .. }] => assert!(claimed.len() <= 128),
        other => panic!("{other:?}"),
    }
}

#[test]
fn size_bounds_are_configurable() {
    let small = FileLimits {
        min_bytes: 4 * KB as u64,
        max_bytes: 8 * KB as u64,
        ..FileLimits::default()
    };
    let table = [
        (2 * KB, vec!["too_small"]),
        (4 * KB, vec![]),
        (8 * KB, vec![]),
        (9 * KB, vec!["too_large"]),
    ];
    for (len, expected) in table {
        let bytes = files::png(1600, 1200, len);
        assert_eq!(
            codes(inspect_file(&bytes, None, Slot::Front, &small)),
            expected,
            "{len}"
        );
    }
    assert_eq!(
        codes(inspect_file(&[], None, Slot::Front, &small)),
        ["empty"]
    );
}

#[test]
fn dimensions_are_read_from_headers_of_every_image_format() {
    let table = [
        (files::jpeg(1600, 1200, 2 * KB), FileFormat::Jpeg),
        (files::png(1600, 1200, 2 * KB), FileFormat::Png),
        (files::webp(1600, 1200, 2 * KB), FileFormat::Webp),
        (files::heic(1600, 1200, 2 * KB), FileFormat::Heif),
    ];
    for (bytes, format) in table {
        assert_eq!(
            image_dimensions(&bytes, format),
            Some((1600, 1200)),
            "{format:?}"
        );
        let report = inspect_file(
            &bytes,
            Some(format.mime()),
            Slot::Front,
            &FileLimits::default(),
        )
        .unwrap();
        assert_eq!(
            (report.format, report.dimensions),
            (format, Some((1600, 1200)))
        );
    }
}

#[test]
fn minimum_long_edge_for_documents_and_selfies() {
    let limits = FileLimits::default(); // documents 1000 px, selfies 480 px
    let table = [
        (Slot::Front, 999, vec!["resolution_too_low"]),
        (Slot::Front, 1000, vec![]),
        (Slot::Back, 800, vec!["resolution_too_low"]),
        (Slot::ProofOfAddress, 1200, vec![]),
        (Slot::Selfie, 479, vec!["resolution_too_low"]),
        (Slot::Selfie, 480, vec![]),
        (Slot::Liveness, 640, vec![]),
        (Slot::Liveness, 300, vec!["resolution_too_low"]),
    ];
    for (slot, long_edge, expected) in table {
        // Portrait and landscape alike: the long edge counts.
        for bytes in [
            files::png(long_edge, 200, 2 * KB),
            files::png(200, long_edge, 2 * KB),
        ] {
            assert_eq!(
                codes(inspect_file(&bytes, None, slot, &limits)),
                expected,
                "{slot:?} {long_edge}"
            );
        }
    }
}

#[test]
fn pixel_count_limit_stops_decompression_bombs() {
    let limits = FileLimits::default();
    // A 2 KiB PNG that declares 60000 x 60000 pixels.
    let bomb = files::png(60_000, 60_000, 2 * KB);
    assert_eq!(
        inspect_file(&bomb, None, Slot::Front, &limits).unwrap_err(),
        vec![FileProblem::TooManyPixels {
            width: 60_000,
            height: 60_000,
            max_pixels: 50_000_000
        }]
    );
    let heic_bomb = files::heic(u32::MAX, u32::MAX, 2 * KB);
    assert_eq!(
        codes(inspect_file(&heic_bomb, None, Slot::Front, &limits)),
        ["too_many_pixels"]
    );
    let ok = files::jpeg(8000, 6000, 2 * KB);
    assert!(inspect_file(&ok, None, Slot::Front, &limits).is_ok());
}

#[test]
fn a_tiny_pixel_bomb_is_told_its_cause_only() {
    // 300 bytes declaring 60000 x 60000 pixels: under the minimum size too, but the user is
    // told only that the image is too large, not "too small" and "too large" at once.
    let limits = FileLimits::default();
    for bomb in [
        files::png(60_000, 60_000, 300),
        files::jpeg(60_000, 60_000, 300),
    ] {
        assert_eq!(
            codes(inspect_file(&bomb, None, Slot::Front, &limits)),
            ["too_many_pixels"]
        );
        let head = inspect_head(&bomb, bomb.len() as u64, None, Slot::Front, &limits);
        assert_eq!(codes(head.map(|h| h.file)), ["too_many_pixels"]);
    }
    // A small file of a plausible size is still refused as too small.
    assert_eq!(
        codes(inspect_file(
            &files::png(1600, 1200, 300),
            None,
            Slot::Front,
            &limits
        )),
        ["too_small"]
    );
}

#[test]
fn unreadable_image_header_is_refused() {
    let limits = FileLimits {
        min_bytes: 0,
        ..FileLimits::default()
    };
    let mut truncated = files::png(1600, 1200, 2 * KB);
    truncated.truncate(20);
    let zero = files::png(0, 1200, 2 * KB);
    let heic_without_ispe = {
        let mut b = files::heic(1600, 1200, 2 * KB);
        let at = b.windows(4).position(|w| w == b"ispe").unwrap();
        b[at..at + 4].copy_from_slice(b"xxxx");
        let at = b.windows(4).position(|w| w == b"ispe").unwrap();
        b[at..at + 4].copy_from_slice(b"xxxx");
        b
    };
    for bytes in [truncated, zero, heic_without_ispe] {
        let found = codes(inspect_file(&bytes, None, Slot::Front, &limits));
        assert!(found.contains(&"unreadable_image"), "{found:?}");
    }
}

#[test]
fn pdf_is_refused_for_face_slots_only() {
    let pdf = files::pdf("", 4 * KB);
    let limits = FileLimits::default();
    for slot in Slot::ALL {
        let expected: Vec<&str> = if slot.accepts_pdf() {
            vec![]
        } else {
            vec!["pdf_not_allowed"]
        };
        assert_eq!(
            codes(inspect_file(&pdf, Some("application/pdf"), slot, &limits)),
            expected,
            "{slot:?}"
        );
    }
    assert_eq!(
        inspect_file(&pdf, None, Slot::ProofOfAddress, &limits)
            .unwrap()
            .dimensions,
        None
    );
}

#[test]
fn an_open_action_is_active_content_only_when_it_acts() {
    use kyc_core::pdf::active_content;
    let table = [
        // LibreOffice's first page and view; Acrobat's "initial view"; a named destination.
        ("/OpenAction [3 0 R /XYZ null null 0]", None),
        ("/OpenAction[3 0 R /FitH 842]", None),
        ("/OpenAction /chapter.1", None),
        ("/OpenAction (chapter.1)", None),
        ("/OpenAction << /S /GoTo /D [3 0 R /Fit] >>", None),
        (
            "/Op#65nAction << /Type /Action /S /G#6fTo /D (intro) >>",
            None,
        ),
        // A reference: what it holds is for a server that parses the document (the relay).
        ("/OpenAction 5 0 R", None),
        (
            "/OpenAction << /S /URI /URI (https://x.test) >>",
            Some("OpenAction"),
        ),
        (
            "/OpenAction << /S /SubmitForm /F (https://x.test) >>",
            Some("OpenAction"),
        ),
        (
            "/OpenAction << /S /GoTo /D [3 0 R /Fit] /Next 6 0 R >>",
            Some("OpenAction"),
        ),
        ("/OpenAction << /D [3 0 R /Fit] >>", Some("OpenAction")),
        // `GoTo` as the value of another key, or nested, is not the action's type.
        ("/OpenAction << /S /Named /N /GoTo >>", Some("OpenAction")),
        (
            "/OpenAction << /S /Rendition /R << /S /GoTo >> >>",
            Some("OpenAction"),
        ),
        // Cut short: taken as an action that acts.
        ("/OpenAction << /S /GoTo /D [3 0 R", Some("OpenAction")),
        (
            "/OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >>",
            Some("OpenAction"),
        ),
    ];
    for (catalog, expected) in table {
        // The catalog is left open: the file ends right after the entry (inside the action
        // for the one cut short).
        let bytes = format!("<< /Type /Catalog /Pages 2 0 R {catalog}");
        assert_eq!(active_content(bytes.as_bytes()), expected, "{catalog}");
    }
}

/// A one-page PDF whose page is an image (a scanned statement): `image` is its DCT data, and
/// `catalog_extra` goes into its catalog, `image_dict_extra` into the image's dictionary.
fn scanned_pdf(image: &[u8], catalog_extra: &str, image_dict_extra: &str) -> Vec<u8> {
    let mut b = b"%PDF-1.4\n".to_vec();
    let mut offsets = vec![];
    let objects: [Vec<u8>; 4] = [
        format!("<< /Type /Catalog /Pages 2 0 R {catalog_extra}>>").into_bytes(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im0 4 0 R >> >> >>".to_vec(),
        [
            format!("<< /Type /XObject /Subtype /Image /Width 1240 /Height 1754 /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode {image_dict_extra}/Length {} >>\nstream\r\n", image.len()).as_bytes(),
            image,
            b"\r\nendstream",
        ]
        .concat(),
    ];
    for (i, object) in objects.iter().enumerate() {
        offsets.push(b.len());
        b.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        b.extend_from_slice(object);
        b.extend_from_slice(b"\nendobj\n");
    }
    let xref = b.len();
    b.extend_from_slice(b"xref\n0 5\n0000000000 65535 f \n");
    for offset in offsets {
        b.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    b.extend_from_slice(
        format!("trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
    );
    b
}

#[test]
fn a_scanned_pdf_is_not_refused_for_what_its_image_bytes_spell() {
    // Compressed image data is random to a byte scan: about one in twenty 5 MiB scans holds
    // `/JS` or `/AA` followed by a delimiter somewhere, which read as names refused the file.
    let mut image = vec![0xFF, 0xD8, 0xFF, 0xE0];
    let mut state = 0x2545_F491_4F6C_DD1D_u64;
    while image.len() < 256 * KB {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        image.extend_from_slice(&state.to_le_bytes());
    }
    for (at, spelt) in [
        (1000, &b"/JS "[..]),
        (90_000, b"/AA\n"),
        (200_000, b"/J#61vaScript("),
    ] {
        image[at..at + spelt.len()].copy_from_slice(spelt);
    }
    image.extend_from_slice(&[0xFF, 0xD9]);
    let limits = FileLimits::default();
    let scan = scanned_pdf(&image, "", "");
    assert_eq!(kyc_core::pdf::active_content(&scan), None);
    assert_eq!(
        codes(inspect_file(
            &scan,
            Some("application/pdf"),
            Slot::ProofOfAddress,
            &limits
        )),
        Vec::<&str>::new()
    );
    // What the document's objects say is still read, before the image and after it.
    let scripted = scanned_pdf(&image, "/Names << /JavaScript 9 0 R >> ", "");
    assert_eq!(
        codes(inspect_file(&scripted, None, Slot::ProofOfAddress, &limits)),
        ["pdf_active_content"]
    );
    let acting = scanned_pdf(&image, "", "/AA << /O 9 0 R >> ");
    assert_eq!(kyc_core::pdf::active_content(&acting), Some("AA"));
    let mut appended = scan.clone();
    appended.extend_from_slice(b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /Launch /F (x.exe) >> >>\nendobj\n");
    assert_eq!(kyc_core::pdf::active_content(&appended), Some("OpenAction"));
    // `stream` is a keyword only after a dictionary: a string or a name that spells it skips
    // nothing.
    for hidden in ["(a stream\n) /JS", "/stream\n /JS", "[ 1 ] stream\n /JS"] {
        assert_eq!(
            kyc_core::pdf::active_content(hidden.as_bytes()),
            Some("JS"),
            "{hidden}"
        );
    }
    // A stream without its end: the rest is its data.
    assert_eq!(
        kyc_core::pdf::active_content(b"<< /Length 99 >>\nstream\n/JS "),
        None
    );
}

#[test]
fn a_pdf_is_not_refused_for_what_its_strings_comments_or_compressed_objects_spell() {
    // A link's address, a title and a writer's comment are text: a statement linking to
    // `https://bank.test/JS/` is no script.
    let limits = FileLimits::default();
    let image = [
        &[0xFF, 0xD8, 0xFF, 0xE0][..],
        &[0u8; 64 * KB],
        &[0xFF, 0xD9],
    ]
    .concat();
    let texts = scanned_pdf(
        &image,
        "/URI << /Base (https://bank.test/JS/Launch/AA/) >> /Lang (en\\) /EmbeddedFiles (x\\) \n% written with /JavaScript off\n",
        "",
    );
    assert_eq!(kyc_core::pdf::active_content(&texts), None);
    assert_eq!(
        codes(inspect_file(&texts, None, Slot::ProofOfAddress, &limits)),
        Vec::<&str>::new()
    );
    // A name after a string, nested parentheses and escapes, or a comment is still read.
    for after in [
        "/T (a (nested) one) /JS",
        "/T (an escaped \\( one) /JS",
        "/T (a closing \\) one) /JS",
        "% a comment ( \n/JS",
        "/T <2F4A53> /JS",
    ] {
        let scripted = scanned_pdf(&image, &format!("{after} 9 0 R "), "");
        assert_eq!(
            kyc_core::pdf::active_content(&scripted),
            Some("JS"),
            "{after}"
        );
    }
    // A compressed object stream's data is binary (the server parses it); an uncompressed
    // one's objects are read.
    let compressed = b"6 0 obj << /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length 9 >> stream\n\x8f/JS (\x01\nendstream endobj 7 0 obj << /AA 1 >> endobj";
    assert_eq!(kyc_core::pdf::active_content(compressed), Some("AA"));
    let plain =
        b"6 0 obj << /Type /ObjStm /N 1 /First 4 /Length 9 >> stream\n7 0 << /S /JS >>\nendstream";
    assert_eq!(kyc_core::pdf::active_content(plain), Some("JS"));
}

#[test]
fn an_encrypted_pdf_is_told_and_left_to_its_decryption() {
    // Whether it opens without a password needs its ciphers, which the relay runs: the byte
    // scan tells it is encrypted and refuses nothing for it.
    let limits = FileLimits::default();
    let encrypted = |bytes: &[u8]| inspect_pdf(bytes).map(|info| info.encrypted);
    let table = [
        ("/Encrypt 5 0 R ", true),
        ("/Encrypt << /Filter /Standard /V 2 >> ", true),
        ("/Encr#79pt 5 0 R ", true),
        ("/ID [<ab> <cd>] ", false),
        ("/EncryptMetadata false ", false),
        ("/Info << /Encrypt 1 >> ", false),
        ("/Note (/Encrypt) ", false),
    ];
    for (extra, expected) in table {
        let bytes = files::pdf(extra, 4 * KB);
        assert_eq!(encrypted(&bytes), Ok(expected), "{extra}");
        let found = codes(inspect_file(&bytes, None, Slot::ProofOfAddress, &limits));
        assert!(found.is_empty(), "{extra}: {found:?}");
    }
    // Cross-reference streams (PDF 1.5+) carry the trailer entries in the stream dictionary.
    assert_eq!(
        encrypted(&files::pdf_xref_stream("/Encrypt 9 0 R ")),
        Ok(true)
    );
    assert_eq!(encrypted(&files::pdf_xref_stream("")), Ok(false));
    // An incremental update that adds encryption in a later trailer.
    let mut updated = files::pdf("", 2 * KB);
    let len = updated.len();
    updated.extend_from_slice(format!("xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 3 /Prev 10 /Encrypt 7 0 R >>\nstartxref\n{len}\n%%EOF\n").as_bytes());
    assert_eq!(encrypted(&updated), Ok(true));
}

#[test]
fn unreadable_pdf_is_refused() {
    let good = files::pdf("", 4 * KB);
    let info = inspect_pdf(&good).unwrap();
    assert_eq!((info.major, info.minor, info.sections), (1, 7, 1));
    let truncated = good[..good.len() / 2].to_vec();
    let no_startxref = String::from_utf8_lossy(&good)
        .replace("startxref", "startxrex")
        .into_bytes();
    let far_offset = {
        let text = String::from_utf8_lossy(&good).into_owned();
        let at = text.rfind("startxref\n").unwrap() + "startxref\n".len();
        let end = text[at..].find('\n').unwrap() + at;
        format!("{}99999999{}", &text[..at], &text[end..]).into_bytes()
    };
    let wrong_target = {
        let text = String::from_utf8_lossy(&good).into_owned();
        let at = text.rfind("startxref\n").unwrap() + "startxref\n".len();
        let end = text[at..].find('\n').unwrap() + at;
        format!("{}12{}", &text[..at], &text[end..]).into_bytes()
    };
    let table = [
        (truncated, PdfDefect::NoEof),
        (no_startxref, PdfDefect::NoStartXref),
        (far_offset, PdfDefect::BadStartXref),
        (wrong_target, PdfDefect::BadStartXref),
        (b"%PDF-x.y\n%%EOF".to_vec(), PdfDefect::NoHeader),
    ];
    for (bytes, defect) in table {
        assert_eq!(inspect_pdf(&bytes), Err(defect), "{defect:?}");
    }
    let truncated = &good[..good.len() - 40];
    let mut padded = truncated.to_vec();
    padded.resize(4 * KB, b' ');
    let problems =
        inspect_file(&padded, None, Slot::ProofOfAddress, &FileLimits::default()).unwrap_err();
    assert_eq!(
        problems,
        vec![FileProblem::PdfUnreadable {
            defect: PdfDefect::NoEof
        }]
    );
    assert_eq!(problems[0].describe(), "the PDF cannot be read (no_eof)");
}

#[test]
fn all_file_problems_are_reported_together() {
    let limits = FileLimits {
        max_bytes: 1500,
        ..FileLimits::default()
    };
    let bytes = files::jpeg(400, 300, 2 * KB);
    assert_eq!(
        codes(inspect_file(
            &bytes,
            Some("image/png"),
            Slot::Front,
            &limits
        )),
        ["too_large", "claimed_type_mismatch", "resolution_too_low"]
    );
}

#[test]
fn file_problem_codes_are_stable() {
    let table = [
        (FileProblem::Empty, "empty"),
        (FileProblem::UnsupportedFormat, "unsupported_format"),
        (
            FileProblem::ClaimedTypeMismatch {
                claimed: "a".into(),
                actual: FileFormat::Png,
            },
            "claimed_type_mismatch",
        ),
        (
            FileProblem::TooSmall {
                bytes: 1,
                min_bytes: 2,
            },
            "too_small",
        ),
        (
            FileProblem::TooLarge {
                bytes: 2,
                max_bytes: 1,
            },
            "too_large",
        ),
        (FileProblem::UnreadableImage, "unreadable_image"),
        (
            FileProblem::ResolutionTooLow {
                long_edge: 1,
                min_long_edge: 2,
            },
            "resolution_too_low",
        ),
        (
            FileProblem::TooManyPixels {
                width: 1,
                height: 1,
                max_pixels: 0,
            },
            "too_many_pixels",
        ),
        (FileProblem::PdfNotAllowed, "pdf_not_allowed"),
        (FileProblem::PdfEncrypted, "pdf_encrypted"),
        (
            FileProblem::PdfUnreadable {
                defect: PdfDefect::NoEof,
            },
            "pdf_unreadable",
        ),
    ];
    for (problem, code) in table {
        assert_eq!(problem.code(), code);
        assert_eq!(problem.message_key(), code);
        assert!(!problem.describe().is_empty());
        assert_eq!(serde_json::to_value(&problem).unwrap()["code"], code);
    }
}

fn head_codes(result: Result<kyc_core::HeadReport, Vec<FileProblem>>) -> Vec<&'static str> {
    match result {
        Ok(_) => vec![],
        Err(problems) => problems.iter().map(FileProblem::code).collect(),
    }
}

#[test]
fn a_head_gets_the_same_verdicts_as_the_whole_file() {
    // Whole files given as heads (head length == total): exactly inspect_file's answer.
    let limits = FileLimits::default();
    let cases: Vec<(Vec<u8>, Option<&str>, Slot)> = vec![
        (
            files::jpeg(1600, 1200, 4 * KB),
            Some("image/jpeg"),
            Slot::Front,
        ),
        (
            files::jpeg(640, 480, 4 * KB),
            Some("image/jpeg"),
            Slot::Front,
        ),
        (
            files::heic(4032, 3024, 4 * KB),
            Some("image/jpeg"),
            Slot::Front,
        ),
        (files::png(12_000, 12_000, 4 * KB), None, Slot::Front),
        (files::pdf("", 4 * KB), None, Slot::Selfie),
        (files::pdf("/Encrypt 5 0 R ", 4 * KB), None, Slot::Front),
        (b"text renamed".repeat(200), Some("image/jpeg"), Slot::Front),
        (files::jpeg(1600, 1200, 100), None, Slot::Front),
    ];
    for (bytes, claim, slot) in cases {
        let whole = inspect_file(&bytes, claim, slot, &limits);
        let head = inspect_head(&bytes, bytes.len() as u64, claim, slot, &limits);
        assert_eq!(
            head.clone().map(|r| r.file),
            whole,
            "{:?} {claim:?} {slot:?}",
            &bytes[..8]
        );
        assert!(head.map_or(true, |r| !r.needs_whole_file));
    }
}

#[test]
fn a_head_is_judged_with_the_declared_total_size() {
    let limits = FileLimits::default();
    let head = files::jpeg(4000, 3000, 64 * KB);
    let big = 50 * 1024 * 1024;
    let report = inspect_head(
        &head,
        5 * 1024 * 1024,
        Some("image/jpeg"),
        Slot::Front,
        &limits,
    )
    .unwrap();
    assert_eq!(report.file.format, FileFormat::Jpeg);
    assert_eq!(report.file.bytes, 5 * 1024 * 1024);
    assert_eq!(report.file.dimensions, Some((4000, 3000)));
    assert!(!report.needs_whole_file);
    assert_eq!(
        head_codes(inspect_head(
            &head,
            big,
            Some("image/png"),
            Slot::Front,
            &limits
        )),
        ["too_large", "claimed_type_mismatch"]
    );
    let raised = FileLimits {
        max_bytes: 64 * 1024 * 1024,
        ..FileLimits::default()
    };
    assert!(inspect_head(&head, big, None, Slot::Front, &raised).is_ok());
    // Every rule that needs only the header applies to a head as to a whole file.
    assert_eq!(
        head_codes(inspect_head(
            &files::jpeg(640, 480, 64 * KB),
            big,
            None,
            Slot::Front,
            &raised
        )),
        ["resolution_too_low"]
    );
    assert_eq!(
        head_codes(inspect_head(
            &files::png(20_000, 20_000, 64 * KB),
            big,
            None,
            Slot::Front,
            &raised
        )),
        ["too_many_pixels"]
    );
    assert_eq!(
        head_codes(inspect_head(
            &b"plain text".repeat(1000),
            big,
            None,
            Slot::Front,
            &raised
        )),
        ["unsupported_format"]
    );
    assert_eq!(
        head_codes(inspect_head(&[], 5000, None, Slot::Front, &limits)),
        ["unsupported_format"]
    );
}

#[test]
fn a_pdf_head_leaves_the_trailer_checks_to_the_whole_file() {
    let limits = FileLimits::default();
    // Cut short: its end marker and trailer are gone, which only the whole file shows.
    let whole = files::pdf("", 8 * KB);
    let cut = &whole[..whole.len() - 200];
    let head = &cut[..1024];
    let report = inspect_head(head, cut.len() as u64, None, Slot::Front, &limits).unwrap();
    assert_eq!(report.file.format, FileFormat::Pdf);
    assert!(report.needs_whole_file, "the trailer is not in the head");
    assert_eq!(
        codes(inspect_file(cut, None, Slot::Front, &limits)),
        ["pdf_unreadable"]
    );
    // A selfie slot refuses a PDF from its first bytes already.
    assert_eq!(
        head_codes(inspect_head(
            head,
            cut.len() as u64,
            None,
            Slot::Selfie,
            &limits
        )),
        ["pdf_not_allowed"]
    );
}

#[test]
fn a_head_is_sufficient_once_the_image_header_is_readable() {
    let total = 50 * 1024 * 1024;
    let jpeg = files::jpeg(1600, 1200, HEAD_BYTES);
    assert!(!head_is_sufficient(&jpeg[..HEAD_BYTES / 2], total));
    assert!(head_is_sufficient(&jpeg, total));
    // The whole file is always enough.
    assert!(head_is_sufficient(&jpeg[..100], 100));
    // A JPEG whose frame header is not within the head yet: more must be read.
    let mut late_header = vec![0xFF, 0xD8, 0xFF, 0xE1];
    late_header.resize(HEAD_BYTES, 0);
    assert!(!head_is_sufficient(&late_header, total));
    // A PDF needs no more than the head for what the head can tell.
    let pdf = files::pdf("", 2 * HEAD_BYTES);
    assert!(head_is_sufficient(&pdf[..HEAD_BYTES], total));
}
