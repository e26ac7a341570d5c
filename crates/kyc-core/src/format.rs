//! File formats recognised by their leading bytes, never by name or claimed type.

use serde::{Deserialize, Serialize};

/// A file format the providers accept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileFormat {
    /// JPEG (JFIF/EXIF), starts with `FF D8 FF`.
    Jpeg,
    /// PNG, starts with the 8-byte PNG signature.
    Png,
    /// WebP: a RIFF container whose form type is `WEBP`.
    Webp,
    /// HEIC/HEIF: an ISO-BMFF `ftyp` box with a HEIF brand.
    Heif,
    /// PDF, starts with `%PDF-`.
    Pdf,
}

impl FileFormat {
    /// The MIME type to declare for this format (the `Content-Type` sent to storage).
    pub fn mime(self) -> &'static str {
        match self {
            FileFormat::Jpeg => "image/jpeg",
            FileFormat::Png => "image/png",
            FileFormat::Webp => "image/webp",
            FileFormat::Heif => "image/heic",
            FileFormat::Pdf => "application/pdf",
        }
    }

    /// The format a MIME type names, if it is one we accept (`image/jpg` included, as some
    /// browsers and cameras send it).
    pub fn from_mime(mime: &str) -> Option<FileFormat> {
        let essence = mime
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match essence.as_str() {
            "image/jpeg" | "image/jpg" | "image/pjpeg" => Some(FileFormat::Jpeg),
            "image/png" => Some(FileFormat::Png),
            "image/webp" => Some(FileFormat::Webp),
            "image/heic" | "image/heif" | "image/heic-sequence" | "image/heif-sequence" => {
                Some(FileFormat::Heif)
            }
            "application/pdf" => Some(FileFormat::Pdf),
            _ => None,
        }
    }

    /// Whether the format is a raster image (everything but PDF).
    pub fn is_image(self) -> bool {
        !matches!(self, FileFormat::Pdf)
    }
}

/// HEIF brands found in the `ftyp` box of HEIC/HEIF/AVIF-less still images.
const HEIF_BRANDS: [&[u8; 4]; 6] = [b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1"];

/// Recognises a file's format from its first bytes.
///
/// Reads at most the first 32 bytes, so it is constant time on any input.
///
/// # Examples
/// ```
/// use kyc_core::{sniff, FileFormat};
/// assert_eq!(sniff(b"\xFF\xD8\xFF\xE0\0\x10JFIF\0"), Some(FileFormat::Jpeg));
/// assert_eq!(sniff(b"%PDF-1.7\n"), Some(FileFormat::Pdf));
/// assert_eq!(sniff(b"hello, I am text"), None);
/// ```
pub fn sniff(bytes: &[u8]) -> Option<FileFormat> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(FileFormat::Jpeg);
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some(FileFormat::Png);
    }
    if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return Some(FileFormat::Webp);
    }
    if bytes.starts_with(b"%PDF-") {
        return Some(FileFormat::Pdf);
    }
    if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        let major = &bytes[8..12];
        if HEIF_BRANDS.iter().any(|brand| &brand[..] == major) {
            return Some(FileFormat::Heif);
        }
    }
    None
}
