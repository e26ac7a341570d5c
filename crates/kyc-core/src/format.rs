//! File formats recognised by their leading bytes, never by name or claimed type.

use serde::{Deserialize, Serialize};

/// A file format the providers accept. Assumption: the providers' documents name no list (D's
/// gives `image/jpeg` and `application/pdf` as examples); these are what phone cameras and
/// scanners write, and PDF for statements.
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
    /// Every format.
    pub const ALL: [FileFormat; 5] = [
        FileFormat::Jpeg,
        FileFormat::Png,
        FileFormat::Webp,
        FileFormat::Heif,
        FileFormat::Pdf,
    ];

    /// The stable machine code (also the JSON value), e.g. `jpeg`.
    pub fn code(self) -> &'static str {
        match self {
            FileFormat::Jpeg => "jpeg",
            FileFormat::Png => "png",
            FileFormat::Webp => "webp",
            FileFormat::Heif => "heif",
            FileFormat::Pdf => "pdf",
        }
    }

    /// The format a code names; `None` for anything else.
    pub fn from_code(code: &str) -> Option<FileFormat> {
        FileFormat::ALL.into_iter().find(|f| f.code() == code)
    }

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

/// How many bytes at the end of a file can hold a ZIP archive's end-of-central-directory
/// record: the record (22 bytes) and its comment (at most 65,535 bytes). ZIP readers look for
/// it only there, which is what makes a file with an archive appended open as an archive.
pub const ZIP_END_WINDOW: usize = 22 + 0xFFFF;

/// The ZIP end-of-central-directory record's signature, `PK\x05\x06`.
const ZIP_END_SIGNATURE: [u8; 4] = *b"PK\x05\x06";

/// Whether `tail`, the last bytes of a file (at least the last [`ZIP_END_WINDOW`] bytes, or
/// the whole file), holds a ZIP archive's end-of-central-directory record that a ZIP reader
/// would use: the signature, its disk numbers consistent (a single-disk archive, or ZIP64's
/// `0xFFFF` markers), the same entry count on the disk and in all, and a comment that ends
/// within the file. Those fields make a chance match in photo data (random bytes) vanishingly
/// unlikely. Reads at most the last [`ZIP_END_WINDOW`] bytes; allocates nothing.
///
/// # Examples
/// ```
/// use kyc_core::format::ends_with_zip_archive;
/// let mut file = b"\xFF\xD8\xFF\xE0 a photo \xFF\xD9".to_vec();
/// assert!(!ends_with_zip_archive(&file));
/// // An empty archive: its end record alone.
/// file.extend_from_slice(b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0");
/// assert!(ends_with_zip_archive(&file));
/// ```
pub fn ends_with_zip_archive(tail: &[u8]) -> bool {
    let window = &tail[tail.len().saturating_sub(ZIP_END_WINDOW)..];
    if window.len() < 22 {
        return false;
    }
    let le16 = |at: usize| u16::from_le_bytes([window[at], window[at + 1]]);
    // Readers search backwards from the end; so does this.
    (0..=window.len() - 22).rev().any(|at| {
        if window[at..at + 4] != ZIP_END_SIGNATURE {
            return false;
        }
        let disk = le16(at + 4);
        let directory_disk = le16(at + 6);
        let entries_here = le16(at + 8);
        let entries = le16(at + 10);
        let comment = usize::from(le16(at + 20));
        let single_disk =
            (disk == 0 && directory_disk == 0) || (disk == 0xFFFF && directory_disk == 0xFFFF);
        single_disk && entries_here == entries && at + 22 + comment <= window.len()
    })
}

/// Width and height of an image, read from its header without decoding; `None` when the header
/// cannot be read (or the file is a PDF).
///
/// JPEG, PNG and WebP headers are read by the `imagesize` crate; HEIC/HEIF by a bounded walk of
/// the ISO-BMFF boxes `meta/iprp/ipco/ispe` here (the largest `ispe` by area, as an image's
/// thumbnails and tiles have their own). Work is linear in the length; nothing is allocated.
///
/// # Examples
/// ```
/// use kyc_core::format::{image_dimensions, FileFormat};
/// let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
/// png.extend_from_slice(&[0, 0, 5, 0, 0, 0, 2, 208, 8, 2, 0, 0, 0, 0, 0, 0, 0]);
/// assert_eq!(image_dimensions(&png, FileFormat::Png), Some((1280, 720)));
/// assert_eq!(image_dimensions(b"%PDF-1.7", FileFormat::Pdf), None);
/// ```
pub fn image_dimensions(bytes: &[u8], format: FileFormat) -> Option<(u32, u32)> {
    match format {
        FileFormat::Pdf => None,
        FileFormat::Heif => heif_dimensions(bytes),
        FileFormat::Jpeg | FileFormat::Png | FileFormat::Webp => {
            let size = imagesize::blob_size(bytes).ok()?;
            Some((
                u32::try_from(size.width).ok()?,
                u32::try_from(size.height).ok()?,
            ))
        }
    }
}

/// One ISO-BMFF box: its type and the range of its payload.
struct Bmff<'a> {
    kind: &'a [u8],
    body: &'a [u8],
}

/// The boxes directly inside `bytes`, in order; stops at the first malformed header.
fn boxes(bytes: &[u8]) -> impl Iterator<Item = Bmff<'_>> {
    let mut rest = bytes;
    std::iter::from_fn(move || {
        if rest.len() < 8 {
            return None;
        }
        let size32 = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as u64;
        let kind = &rest[4..8];
        let (header, size) = match size32 {
            0 => (8, rest.len() as u64),
            1 => {
                let large = rest.get(8..16)?;
                let mut raw = [0u8; 8];
                raw.copy_from_slice(large);
                (16, u64::from_be_bytes(raw))
            }
            n => (8, n),
        };
        if size < header as u64 || size > rest.len() as u64 {
            rest = &[];
            return None;
        }
        let size = size as usize;
        let item = Bmff {
            kind,
            body: &rest[header..size],
        };
        rest = &rest[size..];
        Some(item)
    })
}

fn child<'a>(bytes: &'a [u8], kind: &[u8]) -> Option<&'a [u8]> {
    boxes(bytes).find(|b| b.kind == kind).map(|b| b.body)
}

fn heif_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    // `meta` is a full box: 4 bytes of version and flags precede its children.
    let meta = child(bytes, b"meta")?.get(4..)?;
    let ipco = child(child(meta, b"iprp")?, b"ipco")?;
    boxes(ipco)
        .filter(|b| b.kind == b"ispe")
        .filter_map(|b| {
            let v = b.body.get(4..12)?;
            let width = u32::from_be_bytes([v[0], v[1], v[2], v[3]]);
            let height = u32::from_be_bytes([v[4], v[5], v[6], v[7]]);
            Some((width, height))
        })
        .max_by_key(|(w, h)| u64::from(*w) * u64::from(*h))
}
