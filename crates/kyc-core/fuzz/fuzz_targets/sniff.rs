//! `cargo +nightly fuzz run sniff` (from crates/kyc-core): sniffing never panics and only the
//! first 32 bytes decide.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let format = kyc_core::sniff(data);
    assert_eq!(kyc_core::sniff(&data[..data.len().min(32)]), format);
});
