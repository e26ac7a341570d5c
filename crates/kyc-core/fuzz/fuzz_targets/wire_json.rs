//! `cargo xtask fuzz` (or `cargo fuzz run wire_json` in crates/kyc-core): the wire types never panic on any JSON and round-trip. The
//! property is `checks::wire_json_property`, which the regression tests replay.
#![no_main]

#[path = "../checks.rs"]
mod checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| checks::wire_json_property(data));
