//! The pure core of kyc-capture.
//!
//! Everything here is a plain function of its inputs: no I/O, no clock, no browser APIs. The
//! widget runs these checks before anything leaves the phone; the relay runs the very same ones
//! again because it never trusts the browser. A rule exists here once.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod business;
pub mod document_outline;
pub mod format;
pub mod frame;
pub mod gate;
pub mod image_end;
pub mod inspect;
pub mod pdf;
pub mod places;
pub mod policy;
pub mod quality;
pub mod review_timing;
pub mod slots;
pub mod text;
pub mod vocabulary;
pub mod wire;

pub use business::{
    BusinessGap, BusinessPolicy, BusinessRefusal, BusinessSubmission, CompanyDocument,
    OwnerSubmission, VerificationKind,
};
pub use format::{sniff, FileFormat};
pub use frame::{
    normalize, Frame, LumaImage, LumaView, Orientation, RgbaImage, RgbaView, ViewError,
};
pub use gate::{Escalation, GateDecision, QualityGate, Strictness};
pub use inspect::{inspect_file, inspect_head, FileLimits, FileProblem, FileReport, HeadReport};
pub use pdf::{inspect_pdf, PdfDefect, PdfInfo};
pub use policy::{
    c_customer_uuid, country_code, customer_reference, provider_reference_refusal,
    DetailedSubmission, Policy, Requirement, Submission, SubmittedFile, Violation,
};
pub use quality::{
    assess, cutoff, exposure, glare, laplacian_variance, sharpness, Measurement, QualityIssue,
    QualityReport, QualityThresholds, Sides,
};
pub use review_timing::{review_timing, ReviewAdvice, ReviewTiming};
pub use slots::SlotChoiceError;
pub use text::truncate;
pub use vocabulary::{CustomerType, DocumentType, Provider, Slot, VerificationStatus};
