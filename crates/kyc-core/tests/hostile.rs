//! Issue 8, part 1 in the core: the hostile-input corpus the relay's tests also send
//! (`crates/kyc-relay/tests/support/hostile.rs`), through the same `inspect_file` the widget and
//! the relay run. Each file gets its specific problem; nothing panics; a hostile claim cannot
//! make the report large. Part 4: every input a fuzzer ever found (`fuzz/regressions/`) is
//! replayed through its target's property. Every trial is recorded for RELIABILITY.md
//! (`target/reliability/core-hostile.jsonl`).
#![cfg(not(target_arch = "wasm32"))]

#[path = "../../kyc-relay/tests/support/hostile.rs"]
mod hostile;

#[path = "../fuzz/checks.rs"]
mod checks;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use hostile::{corpus, record, Expect, Trial};
use kyc_core::inspect::MAX_REPORTED_CLAIM;
use kyc_core::{inspect_file, FileLimits, FileProblem, FileReport, Slot};

const RECORD: &str = "core-hostile";

/// `inspect_file`, with a panic caught and returned as `Err`.
fn inspect(
    bytes: &[u8],
    claimed: Option<&str>,
    slot: Slot,
) -> Result<Result<FileReport, Vec<FileProblem>>, String> {
    catch_unwind(AssertUnwindSafe(|| {
        inspect_file(bytes, claimed, slot, &FileLimits::default())
    }))
    .map_err(|panic| {
        panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "panic".to_owned())
    })
}

fn outcome(result: &Result<Result<FileReport, Vec<FileProblem>>, String>) -> String {
    match result {
        Err(panic) => format!("panic: {panic}"),
        Ok(Ok(report)) => format!("accepted {:?}", report.format).to_lowercase(),
        Ok(Err(problems)) => format!(
            "refused [{}]",
            problems
                .iter()
                .map(FileProblem::code)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[test]
fn every_hostile_file_gets_its_specific_problem() {
    let mut failures = Vec::new();
    for case in corpus() {
        let slot = Slot::from_code(case.slot).expect("a known slot");
        let result = inspect(&case.bytes, case.claimed.as_deref(), slot);
        let right = match (&result, &case.expect) {
            (Ok(Err(problems)), Expect::Problems(codes)) => {
                problems.iter().map(FileProblem::code).collect::<Vec<_>>() == *codes
            }
            (Ok(Err(problems)), Expect::TooLarge) => {
                problems.iter().any(|p| p.code() == "too_large")
            }
            (Ok(Ok(report)), Expect::Accepted(format)) => {
                serde_json::to_value(report.format).unwrap() == *format
            }
            _ => false,
        };
        // A hostile claim is reported cut to a bounded length, at a character boundary.
        let bounded = match &result {
            Ok(Err(problems)) => problems.iter().all(|p| match p {
                FileProblem::ClaimedTypeMismatch { claimed, .. } => {
                    claimed.len() <= MAX_REPORTED_CLAIM
                }
                _ => true,
            }),
            _ => true,
        };
        let outcome = outcome(&result);
        record(
            RECORD,
            &Trial {
                area: "core",
                case: case.name.to_owned(),
                tries: 1,
                outcome: outcome.clone(),
                lost: 0,
                crashed: result.is_err(),
            },
        );
        if !right || !bounded {
            failures.push(format!(
                "{}: {outcome}, expected {:?}",
                case.name, case.expect
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn the_odd_unicode_claim_is_cut_at_a_character_boundary() {
    let claim = hostile::odd_unicode_claim();
    assert!(claim.len() > MAX_REPORTED_CLAIM);
    let png = hostile::png(1600, 1000, 4096);
    let problems = inspect_file(&png, Some(&claim), Slot::Front, &FileLimits::default())
        .expect_err("a claim naming no accepted type contradicts the bytes");
    let FileProblem::ClaimedTypeMismatch { claimed, .. } = &problems[0] else {
        panic!("{problems:?}");
    };
    assert!(claimed.len() <= MAX_REPORTED_CLAIM);
    assert!(claim.starts_with(claimed.as_str()));
    assert!(
        claimed.len() > MAX_REPORTED_CLAIM - 4,
        "cut no more than one character"
    );
}

#[test]
fn thousands_of_tiny_files_are_each_refused_as_too_small() {
    const FILES: u64 = 3000;
    let mut crashed = 0;
    let mut wrong = Vec::new();
    for n in 0..FILES {
        let bytes = hostile::tiny_file(n);
        let slot = Slot::ALL[(n % 5) as usize];
        let result = inspect(&bytes, Some("image/jpeg"), slot);
        match &result {
            Err(_) => crashed += 1,
            Ok(Err(problems)) if problems.iter().any(|p| p.code() == "too_small") => {}
            _ => wrong.push(format!("#{n}: {}", outcome(&result))),
        }
    }
    record(
        RECORD,
        &Trial {
            area: "core",
            case: "3000_tiny_files".to_owned(),
            tries: FILES,
            outcome: format!(
                "{} refused as too_small, {} otherwise",
                FILES - wrong.len() as u64 - crashed,
                wrong.len()
            ),
            lost: 0,
            crashed: crashed > 0,
        },
    );
    assert_eq!(crashed, 0);
    assert!(wrong.is_empty(), "{wrong:?}");
}

#[test]
fn every_fuzzer_finding_is_replayed_through_its_property() {
    // `cargo xtask fuzz` saves each crashing input as `fuzz/regressions/<target>/<name>`; the
    // seeds kept there by hand are replayed the same way.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let mut replayed = 0u64;
    let mut failures = Vec::new();
    for (target, property) in checks::TARGETS {
        let dir = root.join(target);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut files: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        files.sort();
        for file in files {
            let data = std::fs::read(&file).unwrap();
            replayed += 1;
            if let Err(panic) = catch_unwind(|| property(&data)) {
                let why = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_default();
                failures.push(format!("{}: {why}", file.display()));
            }
        }
    }
    record(
        RECORD,
        &Trial {
            area: "core",
            case: "fuzz_regressions_replayed".to_owned(),
            tries: replayed,
            outcome: format!(
                "{} of {replayed} pass their property",
                replayed - failures.len() as u64
            ),
            lost: 0,
            crashed: !failures.is_empty(),
        },
    );
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn every_property_holds_on_the_corpus_and_its_truncations() {
    // The fuzz targets' properties, on the hostile corpus and every prefix length up to 64
    // bytes of each file (where header parsers meet their ends).
    let mut tries = 0u64;
    let mut failures = Vec::new();
    for case in corpus() {
        let mut inputs: Vec<Vec<u8>> = (0..=case.bytes.len().min(64))
            .map(|n| case.bytes[..n].to_vec())
            .collect();
        if case.bytes.len() <= 64 * 1024 {
            inputs.push(case.bytes.clone());
        }
        for input in &inputs {
            for (target, property) in checks::TARGETS {
                tries += 1;
                if catch_unwind(|| property(input)).is_err() {
                    failures.push(format!("{target} on {} ({} bytes)", case.name, input.len()));
                }
            }
        }
    }
    record(
        RECORD,
        &Trial {
            area: "core",
            case: "fuzz_properties_on_corpus_prefixes".to_owned(),
            tries,
            outcome: format!("{} of {tries} hold", tries - failures.len() as u64),
            lost: 0,
            crashed: !failures.is_empty(),
        },
    );
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn a_pdf_whose_cross_reference_table_has_no_trailer_is_unreadable() {
    // Found by `cargo xtask fuzz` (inspect_pdf): `startxref` pointed at an `xref` table, but no
    // trailer dictionary existed; the file was reported readable with no section examined, so
    // its encryption was never checked.
    use kyc_core::{inspect_pdf, PdfDefect};
    let mut no_trailer = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n".to_vec();
    let xref = no_trailer.len();
    no_trailer.extend_from_slice(b"xref\n0 1\n0000000000 65535 f \n");
    no_trailer.extend_from_slice(format!("startxref\n{xref}\n%%EOF\n").as_bytes());
    assert_eq!(inspect_pdf(&no_trailer), Err(PdfDefect::BadStartXref));
    no_trailer.resize(no_trailer.len() + 2048, b'\n');
    let problems =
        inspect_file(&no_trailer, None, Slot::Front, &FileLimits::default()).expect_err("refused");
    assert_eq!(
        problems.iter().map(FileProblem::code).collect::<Vec<_>>(),
        ["pdf_unreadable"]
    );
}

#[test]
fn a_trailer_cut_off_after_its_encrypt_entry_is_encrypted() {
    // An unterminated trailer dictionary used to be skipped, `/Encrypt` and all.
    use kyc_core::inspect_pdf;
    let mut cut = b"%PDF-1.7\n".to_vec();
    let xref = cut.len();
    cut.extend_from_slice(b"xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 1 /Encrypt 2 0 R ");
    cut.extend_from_slice(format!("startxref\n{xref}\n%%EOF\n").as_bytes());
    assert!(inspect_pdf(&cut).unwrap().encrypted);
}
