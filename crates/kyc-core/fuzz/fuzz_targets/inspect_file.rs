//! `cargo +nightly fuzz run inspect_file`: the whole file check never panics; the first byte
//! picks the slot and a claimed type, the rest is the file.
#![no_main]

use kyc_core::{inspect_file, FileLimits, FileProblem, Slot};
use libfuzzer_sys::fuzz_target;

const CLAIMS: [Option<&str>; 5] = [
    None,
    Some("image/jpeg"),
    Some("image/heic"),
    Some("application/pdf"),
    Some("application/octet-stream"),
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let slot = Slot::ALL[usize::from(selector) % Slot::ALL.len()];
    let claim = CLAIMS[usize::from(selector >> 4) % CLAIMS.len()];
    let limits = FileLimits {
        min_bytes: 0,
        ..FileLimits::default()
    };
    match inspect_file(bytes, claim, slot, &limits) {
        Ok(report) => assert_eq!(Some(report.format), kyc_core::sniff(bytes)),
        Err(problems) => {
            assert!(!problems.is_empty());
            for problem in &problems {
                if let FileProblem::ClaimedTypeMismatch { claimed, .. } = problem {
                    assert!(claimed.len() <= kyc_core::inspect::MAX_REPORTED_CLAIM);
                }
            }
        }
    }
});
