//! `cargo xtask fuzz` (or `cargo fuzz run sniff` in crates/kyc-core): sniffing never panics and only the first 32 bytes decide. The
//! property is `checks::sniff_property`, which the regression tests replay.
#![no_main]

#[path = "../checks.rs"]
mod checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| checks::sniff_property(data));
