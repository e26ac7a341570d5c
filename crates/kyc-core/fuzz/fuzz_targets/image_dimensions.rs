//! `cargo xtask fuzz` (or `cargo fuzz run image_dimensions` in crates/kyc-core): header parsing of every format never panics. The
//! property is `checks::image_dimensions_property`, which the regression tests replay.
#![no_main]

#[path = "../checks.rs"]
mod checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| checks::image_dimensions_property(data));
