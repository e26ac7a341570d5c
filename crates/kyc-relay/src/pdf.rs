//! PDFs read whole: every object of the document, those inside compressed object streams
//! included, checked for active content.
//!
//! `kyc-core` scans a PDF's bytes for the names of active content
//! ([`kyc_core::pdf::ACTIVE_NAMES`]) and for an `/OpenAction` that acts, which is what the
//! browser can afford. A name inside a compressed object stream (`/Type /ObjStm`, PDF 1.5+) is
//! not in the bytes, nor is what a reference names, so the relay parses the document with
//! `lopdf`, looks at every object's dictionary keys and name values for the same names, and
//! follows an `/OpenAction` to what it holds ([`kyc_core::pdf::OpenAction::acts`]).
//!
//! An encrypted PDF is decrypted with the empty password, as a reader opening it does first
//! (lopdf tries it as the user's and as the owner's): one encrypted with an owner password only
//! (a bank's statement that restricts editing) opens, and its decrypted objects are checked as
//! any other's; one that asks for a password is refused, `pdf_encrypted`
//! ([`kyc_core::pdf`] says why the byte scan leaves this to the relay).

use kyc_core::pdf::{OpenAction, ACTIVE_NAMES, OPEN_ACTION};
use kyc_core::{FileProblem, PdfDefect};
use lopdf::{Document, LoadOptions, Object};

/// The most one stream of the document may decompress to while it is parsed: far above what a
/// scanned statement's object streams need, and a bound on a decompression bomb.
const MAX_DECOMPRESSED: usize = 64 * 1024 * 1024;

/// Refuses a PDF that asks for a password to open ([`FileProblem::PdfEncrypted`]), one with
/// active content anywhere in its objects ([`FileProblem::PdfActiveContent`]), or one whose
/// objects cannot be parsed, so could not be checked ([`FileProblem::PdfUnreadable`]
/// `unparsable`).
pub(crate) fn inspect_objects(bytes: &[u8]) -> Result<(), FileProblem> {
    let options = LoadOptions {
        max_decompressed_size: Some(MAX_DECOMPRESSED),
        ..LoadOptions::default()
    };
    let encrypted = kyc_core::inspect_pdf(bytes).is_ok_and(|info| info.encrypted);
    let document = match Document::load_mem_with_options(bytes, options) {
        Ok(document) => document,
        // Its encryption dictionary cannot even be read: no reader opens it without asking.
        Err(err) if encrypted => {
            tracing::info!(%err, "an encrypted PDF cannot be decrypted");
            return Err(FileProblem::PdfEncrypted);
        }
        Err(err) => {
            tracing::info!(%err, "a PDF's objects cannot be parsed");
            return Err(FileProblem::PdfUnreadable {
                defect: PdfDefect::Unparsable,
            });
        }
    };
    // Encrypted, and the empty password did not open it: a reader would ask for one.
    if (encrypted || document.trailer.has(b"Encrypt")) && !document.was_encrypted() {
        return Err(FileProblem::PdfEncrypted);
    }
    let trailer = Object::Dictionary(document.trailer.clone());
    let roots = std::iter::once(&trailer).chain(document.objects.values());
    match roots
        .into_iter()
        .find_map(|object| active_name(&document, object))
    {
        Some(name) => Err(FileProblem::PdfActiveContent {
            name: name.to_owned(),
        }),
        None => Ok(()),
    }
}

/// The first active-content name among `object`'s dictionary keys and name values, nested
/// ones included, or [`OPEN_ACTION`] where its value acts; walked with an explicit stack, so a
/// deeply nested object cannot exhaust the thread's stack.
fn active_name(document: &Document, object: &Object) -> Option<&'static str> {
    let active = |name: &[u8]| ACTIVE_NAMES.iter().find(|n| n.as_bytes() == name).copied();
    let mut stack = vec![object];
    while let Some(object) = stack.pop() {
        let dict = match object {
            Object::Name(name) => {
                if let Some(found) = active(name) {
                    return Some(found);
                }
                continue;
            }
            Object::Array(items) => {
                stack.extend(items);
                continue;
            }
            Object::Dictionary(dict) => dict,
            Object::Stream(stream) => &stream.dict,
            _ => continue,
        };
        for (key, value) in dict.iter() {
            if let Some(found) = active(key) {
                return Some(found);
            }
            if key.as_slice() == OPEN_ACTION.as_bytes() && open_action(document, value).acts() {
                return Some(OPEN_ACTION);
            }
            stack.push(value);
        }
    }
    None
}

/// What an `/OpenAction`'s value holds, its references followed (a few, so that a loop of
/// references ends).
fn open_action<'a>(document: &'a Document, mut value: &'a Object) -> OpenAction {
    for _ in 0..8 {
        match value {
            Object::Reference(id) => match document.get_object(*id) {
                Ok(target) => value = target,
                Err(_) => return OpenAction::Other,
            },
            Object::Array(_) | Object::Name(_) | Object::String(..) => {
                return OpenAction::Destination
            }
            Object::Dictionary(action) => {
                return OpenAction::Action {
                    go_to: matches!(action.get(b"S"), Ok(Object::Name(kind)) if kind == b"GoTo"),
                    chained: action.has(b"Next"),
                }
            }
            _ => return OpenAction::Other,
        }
    }
    // A chain of references longer than any writer makes: taken as an action that acts.
    OpenAction::Action {
        go_to: false,
        chained: false,
    }
}
