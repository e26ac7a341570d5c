//! `cargo xtask fuzz` (or `cargo fuzz run mime_and_codes` in crates/kyc-core): MIME type, slot and document code parsing never panics and round-trips. The
//! property is `checks::mime_and_codes_property`, which the regression tests replay.
#![no_main]

#[path = "../checks.rs"]
mod checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| checks::mime_and_codes_property(data));
