//! `cargo xtask fuzz` (or `cargo fuzz run inspect_head` in crates/kyc-core): the streamed head check agrees with the whole-file check. The
//! property is `checks::inspect_head_property`, which the regression tests replay.
#![no_main]

#[path = "../checks.rs"]
mod checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| checks::inspect_head_property(data));
