//! `cargo +nightly fuzz run image_dimensions`: header parsing of every format never panics.
#![no_main]

use kyc_core::format::image_dimensions;
use kyc_core::FileFormat;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for format in [
        FileFormat::Jpeg,
        FileFormat::Png,
        FileFormat::Webp,
        FileFormat::Heif,
        FileFormat::Pdf,
    ] {
        let _ = image_dimensions(data, format);
    }
});
