//! The pure core of kyc-capture.
//!
//! Everything here is a plain function of its inputs: no I/O, no clock, no browser APIs. The
//! widget runs these checks before anything leaves the phone; the relay runs the very same ones
//! again because it never trusts the browser. A rule exists here once.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod format;
pub mod inspect;
pub mod pdf;
pub mod policy;
pub mod wire;

pub use format::{sniff, FileFormat};
pub use inspect::{inspect_file, FileLimits, FileProblem, FileReport};
pub use pdf::{inspect_pdf, PdfDefect, PdfInfo, PdfProblem};
pub use policy::{
    CustomerType, DetailedSubmission, DocumentType, Policy, Provider, Requirement, Slot,
    Submission, SubmittedFile, Violation,
};
pub use wire::VerificationStatus;
