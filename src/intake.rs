//! One way in for every capture: [`intake`] checks a chosen file or a camera frame for a slot
//! and makes it what is sent, or says exactly what is wrong ([`CaptureProblem`]).
//!
//! - A file is refused from its size alone when too large (a photo, which is re-encoded, may be
//!   larger than what is sent), else read once; `kyc-core`'s
//!   [`inspect_file`] finds its format by its bytes (never its name) and checks size,
//!   resolution and, for a PDF, encryption and structure. A PDF is kept as it is, from its
//!   header (bytes before it, which readers skip, are not sent).
//! - A photo is decoded from those bytes (EXIF orientation honoured) and brought down to the
//!   slot's size ([`Picture::decode`]; a large JPEG decoded straight to about that size where
//!   the browser can, from the size its header gives).
//! - A camera frame is already pixels ([`Picture::from_video`]): only the camera's resolution is
//!   checked.
//! - For a document, its outline is found in the same pixels; when it is well framed, the
//!   document is flattened to its real aspect ratio, and that crop is measured and sent (the
//!   whole photo is kept beside it, for the review's "Use the whole photo"). No outline: the
//!   whole photo, as before.
//! - The pixels are measured by `kyc-core`'s quality checks while the photo is encoded, once,
//!   as JPEG without metadata (and the crop, once); then the capture passes the quality gate.
//! - A chosen photo is decoded, checked and encoded in the analysis worker where there is one
//!   ([`AnalysisWorker::prepare`]), so the page stays free; else on the page. So is a camera
//!   shot, a copy of the frame handed over ([`AnalysisWorker::prepare_shot`]).

use kyc_core::document_outline::DocumentShape;
use kyc_core::{
    inspect_file, FileFormat, FileLimits, FileProblem, FileReport, GateDecision, QualityIssue,
    QualityReport, Slot,
};
use wasm_bindgen_futures::JsFuture;

use crate::analysis_worker::AnalysisWorker;
use crate::photo::{prepare, Photo, PhotoFailure, Picture};

/// What the user gave for a slot.
pub enum Capture {
    /// A file chosen with the picker (or taken by the phone's own camera app).
    File(web_sys::Blob),
    /// A frame of the live camera ([`crate::camera::UseCamera::take`]).
    Frame(Picture),
}

/// Why a capture cannot be kept. Each has a stable [`code`](CaptureProblem::code) and its own
/// sentence ([`crate::messages::capture_problem`]).
#[derive(Clone, Debug, PartialEq)]
pub enum CaptureProblem {
    /// The file failed `kyc-core`'s checks.
    File(FileProblem),
    /// The live camera's resolution is below the slot's minimum (the user cannot move closer
    /// to fix it, but can choose a photo instead).
    CameraResolution {
        /// The camera's long edge.
        long_edge: u32,
        /// The slot's minimum.
        min_long_edge: u32,
    },
    /// The browser could not decode an image whose header is valid (e.g. HEIC in a browser
    /// without a HEIC decoder).
    CannotDecode,
    /// The browser failed to encode the photo.
    CannotEncode,
    /// The quality gate asks for another capture.
    Quality(QualityIssue),
}

impl CaptureProblem {
    /// The stable code the host hears in `kyc-capture-rejected`: a [`FileProblem`] or
    /// [`QualityIssue`] code, `resolution_too_low` for the camera, `cannot_decode`,
    /// `cannot_encode`.
    pub fn code(&self) -> &'static str {
        match self {
            CaptureProblem::File(problem) => problem.code(),
            CaptureProblem::CameraResolution { .. } => "resolution_too_low",
            CaptureProblem::CannotDecode => "cannot_decode",
            CaptureProblem::CannotEncode => "cannot_encode",
            CaptureProblem::Quality(issue) => issue.code(),
        }
    }
}

impl From<PhotoFailure> for CaptureProblem {
    fn from(failure: PhotoFailure) -> CaptureProblem {
        match failure {
            PhotoFailure::CannotDecode => CaptureProblem::CannotDecode,
            PhotoFailure::CannotEncode => CaptureProblem::CannotEncode,
        }
    }
}

/// A capture that may be sent.
#[derive(Clone, Debug)]
pub struct Accepted {
    /// Its format: a PDF as chosen, or the JPEG made of a photo.
    pub format: FileFormat,
    /// The bytes to send.
    pub bytes: js_sys::Uint8Array,
    /// Quality issues the gate let through with a warning.
    pub warnings: Vec<QualityIssue>,
    /// When `bytes` is the document cropped from the photo: the whole photo, as JPEG.
    pub whole: Option<js_sys::Uint8Array>,
}

/// Checks `capture` for `slot` within `limits` and makes what is sent (for a document of
/// `shape`, cropped to it when its outline is found); `decide` is the quality gate's decision
/// on the photo's measurements (it is not asked about a PDF).
///
/// A chosen photo is prepared in the analysis worker where it runs ([`AnalysisWorker`]: the
/// decode, the checks and the encodes hold a thread for over a hundred milliseconds for a
/// 12 MP photo, several times that on a phone), else on the page.
pub async fn intake(
    capture: Capture,
    slot: Slot,
    shape: Option<DocumentShape>,
    limits: &FileLimits,
    decide: impl FnOnce(&QualityReport) -> GateDecision,
) -> Result<Accepted, Vec<CaptureProblem>> {
    let min_long_edge = limits.min_long_edge(slot);
    let prepared = match capture {
        Capture::File(file) => {
            let (bytes, report) = read(&file, slot, limits).await?;
            let format = report.format;
            if format == FileFormat::Pdf {
                return Ok(Accepted {
                    format,
                    bytes,
                    warnings: vec![],
                    whole: None,
                });
            }
            let photo = Photo {
                format,
                size: report.dimensions,
                slot,
                shape,
                min_long_edge,
            };
            let worker = AnalysisWorker::shared();
            let in_worker = match &worker {
                Some(worker) => worker.prepare(bytes, &photo).await,
                None => Err(bytes),
            };
            match in_worker {
                Ok(prepared) => prepared,
                Err(bytes) => {
                    // The worker could not (there is none here, or it failed on this photo):
                    // the page prepares it, from the file again if the worker had its bytes.
                    let tried = bytes.byte_length() == 0;
                    let bytes = if tried {
                        JsFuture::from(file.array_buffer())
                            .await
                            .map(|buffer| js_sys::Uint8Array::new(&buffer))
                            .map_err(|_| vec![CaptureProblem::File(FileProblem::UnreadableImage)])?
                    } else {
                        bytes
                    };
                    let picture = photo
                        .decode(&bytes)
                        .await
                        .map_err(|failure| vec![CaptureProblem::from(failure)])?;
                    yield_to_page().await;
                    let prepared = prepare(picture, slot, shape, min_long_edge)
                        .await
                        .map_err(|failure| vec![CaptureProblem::from(failure)])?;
                    if let (true, Some(worker)) = (tried, &worker) {
                        worker.failed_on_photo();
                    }
                    prepared
                }
            }
        }
        Capture::Frame(picture) => {
            let long_edge = picture.source_long_edge();
            if long_edge < min_long_edge {
                return Err(vec![CaptureProblem::CameraResolution {
                    long_edge,
                    min_long_edge,
                }]);
            }
            // In the worker where it runs (the checks and the encodes hold a thread for tens of
            // milliseconds for a 2 MP frame, more on a phone), else here.
            let in_worker = match AnalysisWorker::shared() {
                Some(worker) => match picture.to_bitmap().await {
                    Some(shot) => worker.prepare_shot(shot, slot, shape, min_long_edge).await,
                    None => None,
                },
                None => None,
            };
            match in_worker {
                Some(prepared) => prepared,
                None => {
                    yield_to_page().await;
                    prepare(picture, slot, shape, min_long_edge)
                        .await
                        .map_err(|failure| vec![CaptureProblem::from(failure)])?
                }
            }
        }
    };
    // What is sent must fit the relay's limit too (a host may set it below a re-encoded photo).
    let sent = prepared
        .crop
        .as_ref()
        .unwrap_or(&prepared.whole)
        .byte_length() as u64;
    if sent > limits.max_bytes {
        return Err(vec![CaptureProblem::File(FileProblem::TooLarge {
            bytes: sent,
            max_bytes: limits.max_bytes,
        })]);
    }
    let warnings = match decide(&prepared.report) {
        GateDecision::Accept => vec![],
        GateDecision::ProceedWithWarning { issues } => issues,
        GateDecision::Retry { issues, .. } => {
            return Err(issues.into_iter().map(CaptureProblem::Quality).collect())
        }
    };
    Ok(match prepared.crop {
        Some(crop) => Accepted {
            format: FileFormat::Jpeg,
            bytes: crop,
            warnings,
            whole: Some(prepared.whole),
        },
        None => Accepted {
            format: FileFormat::Jpeg,
            bytes: prepared.whole,
            warnings,
            whole: None,
        },
    })
}

/// Lets the page handle what waited (a tap, a frame of an animation) between the drawing of a
/// picture and the reading of its pixels: each holds the main thread for tens of milliseconds
/// on a 12 MP photo, and longer on a phone.
async fn yield_to_page() {
    crate::upload::sleep(std::time::Duration::ZERO).await;
}

/// How much of a chosen file is read first to tell its format (HEIF's brand is in its first
/// 12 bytes).
const HEAD_BYTES: i32 = 32;

/// Reads `file`'s first bytes, then the whole once, and checks it; a file over the size limit
/// of its format ([`FileLimits::for_chosen`]) is refused unread.
async fn read(
    file: &web_sys::Blob,
    slot: Slot,
    limits: &FileLimits,
) -> Result<(js_sys::Uint8Array, FileReport), Vec<CaptureProblem>> {
    let refused = |problems: Vec<FileProblem>| -> Vec<CaptureProblem> {
        problems.into_iter().map(CaptureProblem::File).collect()
    };
    let unreadable = |_| refused(vec![FileProblem::UnreadableImage]);
    // Its first bytes say what it is, and so how large it may be: a photo is re-encoded.
    let head = file
        .slice_with_i32_and_i32(0, HEAD_BYTES)
        .map_err(unreadable)?;
    let head = JsFuture::from(head.array_buffer())
        .await
        .map_err(unreadable)?;
    let limits = &limits.for_chosen(&js_sys::Uint8Array::new(&head).to_vec());
    let size = file.size() as u64;
    if size > limits.max_bytes {
        return Err(refused(vec![FileProblem::TooLarge {
            bytes: size,
            max_bytes: limits.max_bytes,
        }]));
    }
    let buffer = JsFuture::from(file.array_buffer())
        .await
        .map_err(unreadable)?;
    let mut bytes = js_sys::Uint8Array::new(&buffer);
    let mut all = bytes.to_vec();
    // A PDF after a stray line or byte-order mark opens in every reader: what is checked and
    // sent is the PDF alone, from its header.
    if let Some(before) = kyc_core::pdf::bytes_before_header(&all) {
        bytes = bytes.subarray(before as u32, bytes.length());
        all.drain(..before);
    }
    // No claimed type: a chosen file's `type` is the browser's guess from its name (a WebP
    // saved as `.jpg`, a PNG renamed), not a declaration. The bytes decide, and the upload
    // declares what they are; the relay checks that declaration against them.
    let report = inspect_file(&all, None, slot, limits).map_err(refused)?;
    Ok((bytes, report))
}
