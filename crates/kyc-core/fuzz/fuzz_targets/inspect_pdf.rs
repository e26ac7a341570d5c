//! `cargo xtask fuzz` (or `cargo fuzz run inspect_pdf` in crates/kyc-core): the PDF structure scan never panics and stays bounded. The
//! property is `checks::inspect_pdf_property`, which the regression tests replay.
#![no_main]

#[path = "../checks.rs"]
mod checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| checks::inspect_pdf_property(data));
