//! PDFs read whole: every object of the document, those inside compressed object streams
//! included, checked for active content.
//!
//! `kyc-core` scans a PDF's bytes for the names of active content
//! ([`kyc_core::pdf::ACTIVE_NAMES`]), which is what the browser can afford. A name inside a
//! compressed object stream (`/Type /ObjStm`, PDF 1.5+) is not in the bytes, so the relay
//! parses the document with `lopdf` and looks at every object's dictionary keys and name values
//! for the same names.

use kyc_core::pdf::ACTIVE_NAMES;
use kyc_core::{FileProblem, PdfDefect};
use lopdf::{Document, LoadOptions, Object};

/// The most one stream of the document may decompress to while it is parsed: far above what a
/// scanned statement's object streams need, and a bound on a decompression bomb.
const MAX_DECOMPRESSED: usize = 64 * 1024 * 1024;

/// Refuses a PDF with active content anywhere in its objects ([`FileProblem::PdfActiveContent`]),
/// or one whose objects cannot be parsed, so could not be checked
/// ([`FileProblem::PdfUnreadable`] `unparsable`).
pub(crate) fn inspect_objects(bytes: &[u8]) -> Result<(), FileProblem> {
    let options = LoadOptions {
        max_decompressed_size: Some(MAX_DECOMPRESSED),
        ..LoadOptions::default()
    };
    let document = Document::load_mem_with_options(bytes, options).map_err(|err| {
        tracing::info!(%err, "a PDF's objects cannot be parsed");
        FileProblem::PdfUnreadable {
            defect: PdfDefect::Unparsable,
        }
    })?;
    let trailer = Object::Dictionary(document.trailer.clone());
    let roots = std::iter::once(&trailer).chain(document.objects.values());
    match roots.into_iter().find_map(active_name) {
        Some(name) => Err(FileProblem::PdfActiveContent {
            name: name.to_owned(),
        }),
        None => Ok(()),
    }
}

/// The first active-content name among `object`'s dictionary keys and name values, nested
/// ones included; walked with an explicit stack, so a deeply nested object cannot exhaust
/// the thread's stack.
fn active_name(object: &Object) -> Option<&'static str> {
    let active = |name: &[u8]| ACTIVE_NAMES.iter().find(|n| n.as_bytes() == name).copied();
    let mut stack = vec![object];
    while let Some(object) = stack.pop() {
        match object {
            Object::Name(name) => {
                if let Some(found) = active(name) {
                    return Some(found);
                }
            }
            Object::Array(items) => stack.extend(items),
            Object::Dictionary(dict) => {
                for (key, value) in dict.iter() {
                    if let Some(found) = active(key) {
                        return Some(found);
                    }
                    stack.push(value);
                }
            }
            Object::Stream(stream) => {
                for (key, value) in stream.dict.iter() {
                    if let Some(found) = active(key) {
                        return Some(found);
                    }
                    stack.push(value);
                }
            }
            _ => {}
        }
    }
    None
}
