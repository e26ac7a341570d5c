//! Content checks of one file: format by its bytes, size bounds, and image dimensions read from
//! the header without decoding.

use serde::{Deserialize, Serialize};

use crate::format::{ends_with_zip_archive, image_dimensions, sniff, FileFormat, ZIP_END_WINDOW};
use crate::pdf::{active_content, inspect_pdf, PdfDefect};
use crate::text::truncate;
use crate::vocabulary::Slot;

/// The longest claimed type kept verbatim in a [`FileProblem::ClaimedTypeMismatch`]; longer
/// claims are cut so a hostile header cannot make the report large.
pub const MAX_REPORTED_CLAIM: usize = 128;

/// Bounds a file must stay within. Profiles may tighten or loosen them.
///
/// Assumption: the providers' documents give no size or resolution limits. The defaults are a
/// KYC product's: under 1 KiB no document is legible; 10 MiB holds a 12 MP phone photo or a
/// multi-page scan; a document's long edge of 1000 px keeps its smallest print readable; 480 px
/// for a face; 50 MP refuses decompression bombs before they are decoded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileLimits {
    /// Smallest accepted file, in bytes. Smaller files cannot hold a legible document.
    pub min_bytes: u64,
    /// Largest accepted file, in bytes.
    pub max_bytes: u64,
    /// Largest photo the widget reads to make the JPEG it sends (which `max_bytes` holds): a
    /// 48 MP phone photo is often over 10 MiB and is sent as about 1 MB. See
    /// [`FileLimits::for_chosen`].
    pub max_photo_bytes: u64,
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
            max_photo_bytes: 40 * 1000 * 1000,
            min_document_long_edge: 1000,
            min_selfie_long_edge: 480,
            max_pixels: 50_000_000,
        }
    }
}

impl FileLimits {
    /// The smallest `max_bytes` a relay may be given (1 MB). The widget names the limit to the
    /// user in whole megabytes, and the photos it sends (re-encoded at a document's 2000 px)
    /// are about 0.5 to 1.5 MB: a lower limit would refuse most of them.
    pub const SMALLEST_MAX_BYTES: u64 = 1_000_000;

    /// The limits of a chosen file whose first bytes are `head`, in the widget, which re-encodes
    /// every photo and sends a PDF as it is: an image may be as large as
    /// [`max_photo_bytes`](Self::max_photo_bytes) (what is sent is then far smaller), anything
    /// else as [`max_bytes`](Self::max_bytes). The relay holds what it receives to
    /// `max_bytes`.
    ///
    /// # Examples
    /// ```
    /// use kyc_core::FileLimits;
    /// let limits = FileLimits::default();
    /// let photo = limits.for_chosen(&[0xFF, 0xD8, 0xFF, 0xE0]);
    /// assert_eq!(photo.max_bytes, limits.max_photo_bytes);
    /// assert_eq!(limits.for_chosen(b"%PDF-1.7"), limits);
    /// ```
    #[must_use]
    pub fn for_chosen(&self, head: &[u8]) -> FileLimits {
        match sniff(head) {
            Some(format) if format.is_image() => FileLimits {
                max_bytes: self.max_photo_bytes.max(self.max_bytes),
                ..self.clone()
            },
            _ => self.clone(),
        }
    }

    /// The smallest long edge an image in `slot` may have.
    pub fn min_long_edge(&self, slot: Slot) -> u32 {
        if slot.is_face() {
            self.min_selfie_long_edge
        } else {
            self.min_document_long_edge
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
    /// The PDF asks for a password to open (its user password is not empty): the provider
    /// cannot open it. Told by decrypting it, which the relay does ([`crate::pdf`]); a PDF
    /// encrypted with an owner password only is not refused.
    PdfEncrypted,
    /// The PDF's structure is broken (truncated, or no cross-reference section).
    PdfUnreadable {
        /// What is broken.
        defect: PdfDefect,
    },
    /// The file is also another file: a ZIP archive ends it (a JPEG/ZIP polyglot, say), so a
    /// ZIP reader opens what the provider stores as an archive. Found from the file's last
    /// bytes ([`inspect_tail`]).
    Polyglot,
    /// The PDF holds active content: a script, an action run on opening or on an event, a
    /// program to launch, or an embedded file (one of [`crate::pdf::ACTIVE_NAMES`]). Reviewers
    /// open these files; nothing in them may act.
    PdfActiveContent {
        /// The name found, e.g. `OpenAction`.
        name: String,
    },
    /// Bytes follow the image's end (JPEG's EOI, PNG's `IEND`, the RIFF or box structure):
    /// not part of the picture, but there for any program that opens the file. Found by
    /// [`crate::image_end`], which the relay runs on what it receives.
    TrailingData {
        /// How many bytes follow the end.
        bytes: u64,
    },
    /// The image's structure does not reach its end: it is cut short or malformed.
    NoEndMarker,
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
            FileProblem::Polyglot => "polyglot",
            FileProblem::PdfActiveContent { .. } => "pdf_active_content",
            FileProblem::TrailingData { .. } => "trailing_data",
            FileProblem::NoEndMarker => "no_end_marker",
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
            FileProblem::PdfEncrypted => "the PDF asks for a password to open".to_owned(),
            FileProblem::PdfUnreadable { defect } => {
                format!("the PDF cannot be read ({})", defect.code())
            }
            FileProblem::Polyglot => {
                "the file ends with a ZIP archive: it is another file as well".to_owned()
            }
            FileProblem::PdfActiveContent { name } => {
                format!("the PDF has active content (/{name})")
            }
            FileProblem::TrailingData { bytes } => {
                format!("{bytes} bytes follow the image's end")
            }
            FileProblem::NoEndMarker => "the image's structure does not reach its end".to_owned(),
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
    check(bytes, bytes.len() as u64, claimed_mime, slot, limits)
}

/// How many leading bytes [`inspect_head`] is normally given: enough for the format, and for the
/// header dimensions of photos whose metadata (EXIF, ICC profile, HEIF `meta`) comes first.
pub const HEAD_BYTES: usize = 256 * 1024;

/// The most leading bytes worth reading while an image's dimensions are not yet readable
/// ([`head_is_sufficient`]); past this the header is treated as unreadable.
pub const MAX_HEAD_BYTES: usize = 4 * 1024 * 1024;

/// What [`inspect_head`] found in the first bytes of a file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeadReport {
    /// The report of the whole file as far as the head tells it (`bytes` is the declared total).
    pub file: FileReport,
    /// Whether a check needs the whole file still: a PDF's encryption and structure live in its
    /// trailer, at the end. The caller runs [`inspect_file`] (or [`crate::inspect_pdf`]) on the
    /// complete bytes before accepting it.
    pub needs_whole_file: bool,
    /// Whether the file's end is still to be checked: the head is not the whole file, and an
    /// archive appended to it ([`FileProblem::Polyglot`]) is found only at the end. The caller
    /// runs [`inspect_tail`] on the file's last [`TAIL_BYTES`] before accepting it.
    pub needs_tail: bool,
}

/// How many of a file's last bytes [`inspect_tail`] needs (fewer only for a shorter file).
pub const TAIL_BYTES: usize = ZIP_END_WINDOW;

/// The check of a file's end, for a server that streams the file (the rest of the checks are
/// [`inspect_head`]'s): `tail` is the file's last [`TAIL_BYTES`] bytes, or the whole file if it
/// is shorter. Refuses a file that a ZIP archive ends ([`FileProblem::Polyglot`]), as
/// [`inspect_file`] does given the whole file: one rule, [`ends_with_zip_archive`].
///
/// # Examples
/// ```
/// use kyc_core::inspect::{inspect_tail, TAIL_BYTES};
/// use kyc_core::FileProblem;
/// let mut photo = vec![0x55; 2 * TAIL_BYTES];
/// assert_eq!(inspect_tail(&photo[photo.len() - TAIL_BYTES..]), Ok(()));
/// photo.extend_from_slice(b"PK\x05\x06\0\0\0\0\x01\0\x01\0\x2E\0\0\0\x10\0\0\0\0\0");
/// assert_eq!(inspect_tail(&photo[photo.len() - TAIL_BYTES..]), Err(FileProblem::Polyglot));
/// ```
pub fn inspect_tail(tail: &[u8]) -> Result<(), FileProblem> {
    if ends_with_zip_archive(tail) {
        Err(FileProblem::Polyglot)
    } else {
        Ok(())
    }
}

/// Whether `head` (a file's first bytes, `total_len` in all) holds enough for [`inspect_head`]:
/// the whole file, or at least [`HEAD_BYTES`] and, for an image, a readable header. A reader
/// that streams a file keeps reading into the head until this is true or the head reaches
/// [`MAX_HEAD_BYTES`].
///
/// # Examples
/// ```
/// use kyc_core::inspect::head_is_sufficient;
/// assert!(head_is_sufficient(b"%PDF-1.7\n", 9));
/// assert!(!head_is_sufficient(b"\xFF\xD8\xFF\xE0", 50_000_000));
/// ```
pub fn head_is_sufficient(head: &[u8], total_len: u64) -> bool {
    if head.len() as u64 >= total_len {
        return true;
    }
    if head.len() < HEAD_BYTES {
        return false;
    }
    match sniff(head) {
        Some(format) if format.is_image() => image_dimensions(head, format).is_some(),
        _ => true,
    }
}

/// The checks of [`inspect_file`] on a file's first bytes (`head`) and its declared length
/// (`total_len`), for a server that streams a large file instead of holding it in memory.
///
/// Format, claimed type, size bounds (against `total_len`), image dimensions, pixel count and
/// the slot's resolution and PDF rules are the same checks, with the same problems, as
/// [`inspect_file`]; image dimensions come from the header in `head` (see
/// [`head_is_sufficient`] for how much to give). A PDF's encryption and structure are read from
/// its trailer at the end of the file: they are checked here only when `head` is the whole
/// file; otherwise [`HeadReport::needs_whole_file`] tells the caller to check the complete bytes.
/// Likewise an archive appended to the file is at its end: [`HeadReport::needs_tail`] tells the
/// caller to run [`inspect_tail`] on the last bytes.
///
/// A `head` longer than `total_len` is taken as the whole file.
///
/// # Examples
/// ```
/// use kyc_core::{inspect_head, FileLimits, FileProblem, Slot};
/// let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x02, 0xD0, 0x05, 0x00];
/// jpeg.resize(4096, 0);
/// let limits = FileLimits::default();
/// let report = inspect_head(&jpeg, 5_000_000, Some("image/jpeg"), Slot::Front, &limits).unwrap();
/// assert_eq!(report.file.dimensions, Some((1280, 720)));
/// assert_eq!(report.file.bytes, 5_000_000);
/// let problems = inspect_head(&jpeg, 50_000_000, None, Slot::Front, &limits).unwrap_err();
/// assert_eq!(problems[0].code(), "too_large");
/// ```
pub fn inspect_head(
    head: &[u8],
    total_len: u64,
    claimed_mime: Option<&str>,
    slot: Slot,
    limits: &FileLimits,
) -> Result<HeadReport, Vec<FileProblem>> {
    if head.len() as u64 >= total_len {
        return inspect_file(head, claimed_mime, slot, limits).map(|file| HeadReport {
            file,
            needs_whole_file: false,
            needs_tail: false,
        });
    }
    if head.is_empty() {
        // Bytes are declared but none were given: nothing can be recognised.
        return Err(vec![FileProblem::UnsupportedFormat]);
    }
    let file = check(head, total_len, claimed_mime, slot, limits)?;
    Ok(HeadReport {
        needs_whole_file: !file.format.is_image(),
        needs_tail: true,
        file,
    })
}

/// The checks shared by [`inspect_file`] and [`inspect_head`]: `bytes` is the whole file when
/// its length is `total_len`, else its head. A PDF's structure is scanned only in a whole file
/// within the size limit (an oversized one is refused unscanned, so work stays bounded).
fn check(
    bytes: &[u8],
    total_len: u64,
    claimed_mime: Option<&str>,
    slot: Slot,
    limits: &FileLimits,
) -> Result<FileReport, Vec<FileProblem>> {
    let mut problems = Vec::new();
    if total_len < limits.min_bytes {
        problems.push(FileProblem::TooSmall {
            bytes: total_len,
            min_bytes: limits.min_bytes,
        });
    }
    if total_len > limits.max_bytes {
        problems.push(FileProblem::TooLarge {
            bytes: total_len,
            max_bytes: limits.max_bytes,
        });
    }
    let Some(format) = sniff(bytes) else {
        problems.push(FileProblem::UnsupportedFormat);
        return Err(problems);
    };
    problems.extend(claim_problem(claimed_mime, format));
    let whole_file = bytes.len() as u64 >= total_len;
    if whole_file {
        problems.extend(inspect_tail(bytes).err());
    }
    let mut dimensions = None;
    if format.is_image() {
        match image_dimensions(bytes, format) {
            Some((width, height)) if width == 0 || height == 0 => {
                problems.push(FileProblem::UnreadableImage);
                return Err(problems);
            }
            Some((width, height)) => {
                dimensions = Some((width, height));
                problems.extend(dimension_problems(width, height, slot, limits));
            }
            None => problems.push(FileProblem::UnreadableImage),
        }
    } else {
        if !slot.accepts_pdf() {
            problems.push(FileProblem::PdfNotAllowed);
        }
        if whole_file && total_len <= limits.max_bytes {
            // An encrypted PDF is judged where it is decrypted (the relay): see `crate::pdf`.
            if let Err(defect) = inspect_pdf(bytes) {
                problems.push(FileProblem::PdfUnreadable { defect });
            }
            if let Some(name) = active_content(bytes) {
                problems.push(FileProblem::PdfActiveContent {
                    name: name.to_owned(),
                });
            }
        }
    }
    // One cause, not its symptoms: a small file declaring a huge image is a decompression
    // bomb, and its smallness is part of what makes it one; "too small" beside "too many
    // pixels" would tell the user two contradicting things.
    if problems
        .iter()
        .any(|p| matches!(p, FileProblem::TooManyPixels { .. }))
    {
        problems.retain(|p| !matches!(p, FileProblem::TooSmall { .. }));
    }
    if problems.is_empty() {
        Ok(FileReport {
            format,
            bytes: total_len,
            dimensions,
        })
    } else {
        Err(problems)
    }
}

/// The problem of a claimed type that contradicts the sniffed `format`, as [`inspect_file`]
/// reports it.
fn claim_problem(claimed_mime: Option<&str>, format: FileFormat) -> Option<FileProblem> {
    let claimed = claimed_mime.map(str::trim).filter(|c| !c.is_empty())?;
    let claim_ok = FileFormat::from_mime(claimed) == Some(format)
        || claimed.eq_ignore_ascii_case("application/octet-stream");
    (!claim_ok).then(|| FileProblem::ClaimedTypeMismatch {
        claimed: truncate(claimed, MAX_REPORTED_CLAIM).to_owned(),
        actual: format,
    })
}

/// The pixel-count and resolution problems of an image of `width` x `height` in `slot`, as
/// [`inspect_file`] reports them.
fn dimension_problems(
    width: u32,
    height: u32,
    slot: Slot,
    limits: &FileLimits,
) -> Vec<FileProblem> {
    let mut problems = Vec::new();
    let pixels = u64::from(width) * u64::from(height);
    if pixels > limits.max_pixels {
        problems.push(FileProblem::TooManyPixels {
            width,
            height,
            max_pixels: limits.max_pixels,
        });
    }
    let min_long_edge = limits.min_long_edge(slot);
    let long_edge = width.max(height);
    if long_edge < min_long_edge {
        problems.push(FileProblem::ResolutionTooLow {
            long_edge,
            min_long_edge,
        });
    }
    problems
}
