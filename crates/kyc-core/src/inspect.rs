//! Content checks of one file: format by its bytes, size bounds, and image dimensions read from
//! the header without decoding.

use serde::{Deserialize, Serialize};

use crate::format::{image_dimensions, sniff, FileFormat};
use crate::pdf::{inspect_pdf, PdfDefect, PdfProblem};
use crate::policy::{truncate, Slot};

/// The longest claimed type kept verbatim in a [`FileProblem::ClaimedTypeMismatch`]; longer
/// claims are cut so a hostile header cannot make the report large.
pub const MAX_REPORTED_CLAIM: usize = 128;

/// Bounds a file must stay within. Profiles may tighten or loosen them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileLimits {
    /// Smallest accepted file, in bytes. Smaller files cannot hold a legible document.
    pub min_bytes: u64,
    /// Largest accepted file, in bytes.
    pub max_bytes: u64,
    /// Smallest accepted long edge of a document photo, in pixels.
    pub min_document_long_edge: u32,
    /// Smallest accepted long edge of a selfie, in pixels.
    pub min_selfie_long_edge: u32,
    /// Largest accepted pixel count (width x height): a guard against decompression bombs.
    pub max_pixels: u64,
}

impl Default for FileLimits {
    fn default() -> Self {
        FileLimits {
            min_bytes: 1024,
            max_bytes: 10 * 1024 * 1024,
            min_document_long_edge: 1000,
            min_selfie_long_edge: 480,
            max_pixels: 50_000_000,
        }
    }
}

/// What one accepted file turned out to be.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileReport {
    /// The format found in the file's bytes.
    pub format: FileFormat,
    /// The file's size in bytes.
    pub bytes: u64,
    /// Width and height in pixels, for images.
    pub dimensions: Option<(u32, u32)>,
}

/// Why a file was refused. Each has a stable [`code`](FileProblem::code).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum FileProblem {
    /// The file has no bytes.
    Empty,
    /// The bytes are not JPEG, PNG, WebP, HEIC or PDF, whatever the name says.
    UnsupportedFormat,
    /// The declared type and the bytes disagree (e.g. a HEIC sent as `image/jpeg`).
    ClaimedTypeMismatch {
        /// The type the sender declared.
        claimed: String,
        /// The format the bytes are in.
        actual: FileFormat,
    },
    /// Smaller than the profile's minimum.
    TooSmall {
        /// The file's size.
        bytes: u64,
        /// The minimum.
        min_bytes: u64,
    },
    /// Larger than the profile's maximum.
    TooLarge {
        /// The file's size.
        bytes: u64,
        /// The maximum.
        max_bytes: u64,
    },
    /// The image header could not be read.
    UnreadableImage,
    /// The image's long edge is below the slot's minimum.
    ResolutionTooLow {
        /// The image's long edge.
        long_edge: u32,
        /// The minimum for this slot.
        min_long_edge: u32,
    },
    /// The image declares more pixels than the limit (a decompression bomb, or simply too big).
    TooManyPixels {
        /// Declared width.
        width: u32,
        /// Declared height.
        height: u32,
        /// The limit on width x height.
        max_pixels: u64,
    },
    /// A PDF is not accepted in this slot (a selfie or liveness capture must be a photo).
    PdfNotAllowed,
    /// The PDF is password-protected: the provider cannot open it.
    PdfEncrypted,
    /// The PDF's structure is broken (truncated, or no cross-reference section).
    PdfUnreadable {
        /// What is broken.
        defect: PdfDefect,
    },
}

impl FileProblem {
    /// The stable machine code of this problem (also the `code` field in JSON).
    pub fn code(&self) -> &'static str {
        match self {
            FileProblem::Empty => "empty",
            FileProblem::UnsupportedFormat => "unsupported_format",
            FileProblem::ClaimedTypeMismatch { .. } => "claimed_type_mismatch",
            FileProblem::TooSmall { .. } => "too_small",
            FileProblem::TooLarge { .. } => "too_large",
            FileProblem::UnreadableImage => "unreadable_image",
            FileProblem::ResolutionTooLow { .. } => "resolution_too_low",
            FileProblem::TooManyPixels { .. } => "too_many_pixels",
            FileProblem::PdfNotAllowed => "pdf_not_allowed",
            FileProblem::PdfEncrypted => "pdf_encrypted",
            FileProblem::PdfUnreadable { .. } => "pdf_unreadable",
        }
    }

    /// The key of the user-facing message: by design the same string as [`code`](Self::code).
    pub fn message_key(&self) -> &'static str {
        self.code()
    }

    /// English text for developers and logs, naming the specifics.
    ///
    /// # Examples
    /// ```
    /// use kyc_core::{FileFormat, FileProblem};
    /// let problem = FileProblem::ClaimedTypeMismatch {
    ///     claimed: "image/jpeg".into(),
    ///     actual: FileFormat::Heif,
    /// };
    /// assert_eq!(problem.describe(), "declared as image/jpeg but the bytes are image/heic");
    /// ```
    pub fn describe(&self) -> String {
        match self {
            FileProblem::Empty => "the file is empty".to_owned(),
            FileProblem::UnsupportedFormat => {
                "the bytes are not JPEG, PNG, WebP, HEIC/HEIF or PDF".to_owned()
            }
            FileProblem::ClaimedTypeMismatch { claimed, actual } => {
                format!("declared as {claimed} but the bytes are {}", actual.mime())
            }
            FileProblem::TooSmall { bytes, min_bytes } => {
                format!("the file has {bytes} bytes, at least {min_bytes} are required")
            }
            FileProblem::TooLarge { bytes, max_bytes } => {
                format!("the file has {bytes} bytes, at most {max_bytes} are allowed")
            }
            FileProblem::UnreadableImage => "the image header cannot be read".to_owned(),
            FileProblem::ResolutionTooLow {
                long_edge,
                min_long_edge,
            } => format!(
                "the image's long edge is {long_edge} px, at least {min_long_edge} px are required"
            ),
            FileProblem::TooManyPixels {
                width,
                height,
                max_pixels,
            } => format!("the image is {width}x{height} px, more than {max_pixels} pixels"),
            FileProblem::PdfNotAllowed => "a PDF is not accepted for this slot".to_owned(),
            FileProblem::PdfEncrypted => "the PDF is password-protected".to_owned(),
            FileProblem::PdfUnreadable { defect } => {
                format!("the PDF cannot be read ({})", defect.code())
            }
        }
    }
}

/// Checks one file for `slot`: every problem is reported, not only the first.
///
/// The format comes from the bytes ([`sniff`]), never from a name or the claim; image
/// dimensions come from the header (no decoding), so the pixel-count limit stops a
/// decompression bomb before anything decodes it; a PDF must be readable and unencrypted
/// ([`inspect_pdf`]). The work is linear in the file's length and the report's size is bounded.
///
/// `claimed_mime` is the type the sender declared (the browser's `File.type`, or the upload's
/// `Content-Type`); an empty or absent claim is not an error, a contradicting one is.
///
/// # Examples
/// ```
/// use kyc_core::{inspect_file, FileLimits, FileProblem, Slot};
/// let text = b"I am a text file renamed to passport.jpg".repeat(100);
/// let problems = inspect_file(&text, Some("image/jpeg"), Slot::Front, &FileLimits::default())
///     .unwrap_err();
/// assert_eq!(problems, vec![FileProblem::UnsupportedFormat]);
/// ```
pub fn inspect_file(
    bytes: &[u8],
    claimed_mime: Option<&str>,
    slot: Slot,
    limits: &FileLimits,
) -> Result<FileReport, Vec<FileProblem>> {
    if bytes.is_empty() {
        return Err(vec![FileProblem::Empty]);
    }
    let size = bytes.len() as u64;
    let mut problems = Vec::new();
    if size < limits.min_bytes {
        problems.push(FileProblem::TooSmall {
            bytes: size,
            min_bytes: limits.min_bytes,
        });
    }
    if size > limits.max_bytes {
        problems.push(FileProblem::TooLarge {
            bytes: size,
            max_bytes: limits.max_bytes,
        });
    }
    let Some(format) = sniff(bytes) else {
        problems.push(FileProblem::UnsupportedFormat);
        return Err(problems);
    };
    if let Some(claimed) = claimed_mime.map(str::trim).filter(|c| !c.is_empty()) {
        let claim_ok = FileFormat::from_mime(claimed) == Some(format)
            // Some systems label everything they do not know as a generic binary.
            || claimed.eq_ignore_ascii_case("application/octet-stream");
        if !claim_ok {
            problems.push(FileProblem::ClaimedTypeMismatch {
                claimed: truncate(claimed, MAX_REPORTED_CLAIM).to_owned(),
                actual: format,
            });
        }
    }
    let mut dimensions = None;
    if format.is_image() {
        match image_dimensions(bytes, format) {
            Some((width, height)) => {
                if width == 0 || height == 0 {
                    problems.push(FileProblem::UnreadableImage);
                    return Err(problems);
                }
                dimensions = Some((width, height));
                let pixels = u64::from(width) * u64::from(height);
                if pixels > limits.max_pixels {
                    problems.push(FileProblem::TooManyPixels {
                        width,
                        height,
                        max_pixels: limits.max_pixels,
                    });
                }
                let min_long_edge = slot.min_long_edge(limits);
                let long_edge = width.max(height);
                if long_edge < min_long_edge {
                    problems.push(FileProblem::ResolutionTooLow {
                        long_edge,
                        min_long_edge,
                    });
                }
            }
            None => problems.push(FileProblem::UnreadableImage),
        }
    } else {
        if !slot.accepts_pdf() {
            problems.push(FileProblem::PdfNotAllowed);
        }
        // An oversized file is already refused; its structure is not scanned, so the work stays
        // within the configured limit.
        if size <= limits.max_bytes {
            match inspect_pdf(bytes) {
                Ok(_) => {}
                Err(PdfProblem::Encrypted) => problems.push(FileProblem::PdfEncrypted),
                Err(PdfProblem::Unreadable(defect)) => {
                    problems.push(FileProblem::PdfUnreadable { defect })
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(FileReport {
            format,
            bytes: size,
            dimensions,
        })
    } else {
        Err(problems)
    }
}
