//! `cargo +nightly fuzz run inspect_pdf`: the PDF structure scan never panics. Seed the corpus
//! with real PDFs (plain, encrypted, with cross-reference streams) for depth.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(info) = kyc_core::inspect_pdf(data) {
        assert!(info.sections <= kyc_core::pdf::MAX_SECTIONS);
    }
});
