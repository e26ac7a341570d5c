//! `cargo xtask fuzz` (or `cargo fuzz run inspect_file` in crates/kyc-core): the whole file check never panics and its report is consistent. The
//! property is `checks::inspect_file_property`, which the regression tests replay.
#![no_main]

#[path = "../checks.rs"]
mod checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| checks::inspect_file_property(data));
