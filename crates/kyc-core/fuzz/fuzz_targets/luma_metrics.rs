//! `cargo xtask fuzz` (or `cargo fuzz run luma_metrics` in crates/kyc-core): the image metrics never panic and stay finite on any small frame. The
//! property is `checks::luma_metrics_property`, which the regression tests replay.
#![no_main]

#[path = "../checks.rs"]
mod checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| checks::luma_metrics_property(data));
