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
//!
//! Parsing can take far more memory than the file: lopdf holds every object it reads, and a
//! PDF made of numbers takes about 64 to 125 bytes of memory per byte of object syntax
//! (measured: a 60 KB file whose object stream inflates to 60 MB of `0 ` took 3.9 GB and 11 s;
//! an 8 MB file of the same, uncompressed, 1 GB), while a real 143-page statement of 8 MB took
//! 200 MB. So the relay's binary parses each PDF in a child process of its own
//! ([`PdfParser::Child`], `kyc-relay check-pdf`), whose address space ([`CHILD_MEMORY`]) and
//! CPU time ([`CHILD_CPU_SECS`]) are limited, at most [`PARSES_AT_ONCE`] at a time: a PDF
//! that does not fit is refused as too complex (`pdf_unreadable`), and the relay stays as it
//! was. Mounted as a library, the parse runs in the process ([`PdfParser::InProcess`]) unless
//! the host's binary offers the same child ([`run_child`]).

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use kyc_core::pdf::{OpenAction, ACTIVE_NAMES, OPEN_ACTION};
use kyc_core::{FileProblem, PdfDefect};
use lopdf::{Document, LoadOptions, Object};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::Semaphore;

/// The argument that makes the relay's binary the child that parses one PDF ([`run_child`]).
pub const CHILD_ARGUMENT: &str = "check-pdf";

/// The address space a child parsing one PDF may take: room for a real document several times
/// larger than the 143-page statement above (200 MB), none for a parse that would take
/// gigabytes.
pub const CHILD_MEMORY: u64 = 768 * 1024 * 1024;

/// The CPU time a child may take (the 143-page statement took 0.2 s of it, in a release build).
pub const CHILD_CPU_SECS: u64 = 20;

/// How long the relay waits for a child (its CPU time, and the machine's other work).
const CHILD_WAIT: Duration = Duration::from_secs(60);

/// PDFs parsed at once, in this process or its children: each may take up to
/// [`CHILD_MEMORY`], so the relay's machine needs at most this many times that for them; the
/// others wait their turn (the upload's body is already in).
pub const PARSES_AT_ONCE: usize = 2;

static PARSES: Semaphore = Semaphore::const_new(PARSES_AT_ONCE);

/// Where a PDF's objects are parsed ([`crate::RelayConfig::pdf_parser`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum PdfParser {
    /// In this process (a library's default): a crafted PDF can take gigabytes of its memory.
    #[default]
    InProcess,
    /// In a child process, `program check-pdf` (the relay's binary sets itself), limited in
    /// memory and CPU time: what does not fit is refused as too complex.
    Child {
        /// A binary that runs [`run_child`] when its first argument is [`CHILD_ARGUMENT`].
        program: PathBuf,
    },
}

/// [`inspect_objects`] on `bytes`, where `parser` says, at most [`PARSES_AT_ONCE`] at a time.
/// `Err(None)`: the check could not run (no child started, or the in-process task ended
/// abnormally); the reason is logged and the upload answers 500.
pub(crate) async fn check(parser: &PdfParser, bytes: Vec<u8>) -> Result<(), Option<FileProblem>> {
    let _turn = PARSES.acquire().await.map_err(|_| None)?;
    match parser {
        PdfParser::InProcess => tokio::task::spawn_blocking(move || inspect_objects(&bytes))
            .await
            .map_err(|err| {
                tracing::error!(%err, "the PDF check ended abnormally");
                None
            })?
            .map_err(Some),
        PdfParser::Child { program } => in_child(program, &bytes).await,
    }
}

/// Too complex to check within the child's limits.
const TOO_COMPLEX: FileProblem = FileProblem::PdfUnreadable {
    defect: PdfDefect::TooComplex,
};

async fn in_child(program: &PathBuf, bytes: &[u8]) -> Result<(), Option<FileProblem>> {
    let mut child = tokio::process::Command::new(program)
        .arg(CHILD_ARGUMENT)
        // An allocation past the limit aborts with one line, not a backtrace.
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|err| {
            tracing::error!(%err, program = %program.display(), "cannot start the PDF check");
            None
        })?;
    let (Some(mut stdin), Some(mut stdout), Some(mut stderr)) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        return Err(None);
    };
    let run = async {
        // A child that dies while reading (its memory) closes the pipe: its exit tells why.
        let written = async {
            let written = stdin.write_all(bytes).await;
            drop(stdin);
            written
        };
        let (mut answer, mut said) = (Vec::new(), Vec::new());
        let (written, _, _) = tokio::join!(
            written,
            stdout.read_to_end(&mut answer),
            stderr.read_to_end(&mut said)
        );
        let said = String::from_utf8_lossy(&said).trim().to_owned();
        if !said.is_empty() {
            tracing::warn!(said, "the PDF check said");
        }
        (written, answer, child.wait().await)
    };
    let Ok((written, answer, status)) = tokio::time::timeout(CHILD_WAIT, run).await else {
        tracing::warn!("a PDF's check took longer than {CHILD_WAIT:?}: refused as too complex");
        return Err(Some(TOO_COMPLEX));
    };
    let status = status.map_err(|err| {
        tracing::error!(%err, "the PDF check's process was lost");
        None
    })?;
    match serde_json::from_slice::<Option<FileProblem>>(&answer) {
        Ok(answer) if status.success() && written.is_ok() => {
            answer.map_or(Ok(()), |p| Err(Some(p)))
        }
        _ => {
            tracing::warn!(%status, bytes = bytes.len(), "a PDF's check went past its memory or time: refused as too complex");
            Err(Some(TOO_COMPLEX))
        }
    }
}

/// The child's side: limits its own address space and CPU time, reads one PDF from standard
/// input, writes [`inspect_objects`]' answer to standard output as JSON (`null`: accepted, or
/// the problem) and exits. Past its limits the allocator aborts it, or the kernel ends it; the
/// relay refuses the file then. A host's own binary that mounts the relay as a library calls
/// this when its first argument is [`CHILD_ARGUMENT`], and sets [`PdfParser::Child`].
pub fn run_child() -> ! {
    use rustix::process::{setrlimit, Resource, Rlimit};
    for (resource, limit) in [
        (Resource::As, CHILD_MEMORY),
        (Resource::Cpu, CHILD_CPU_SECS),
    ] {
        let limit = Rlimit {
            current: Some(limit),
            maximum: Some(limit),
        };
        // Where the system does not take a limit, the parse runs without it (the relay logs
        // this sentence).
        if let Err(err) = setrlimit(resource, limit) {
            eprintln!("cannot limit {resource:?} ({err}): the PDF is parsed without that limit");
        }
    }
    let mut bytes = Vec::new();
    if let Err(err) = std::io::stdin().read_to_end(&mut bytes) {
        eprintln!("kyc-relay check-pdf: cannot read the PDF: {err}");
        std::process::exit(3);
    }
    let answer = inspect_objects(&bytes).err();
    let mut out = std::io::stdout().lock();
    let written = serde_json::to_writer(&mut out, &answer).is_ok() && out.flush().is_ok();
    std::process::exit(if written { 0 } else { 3 })
}

/// The most one stream of the document may decompress to while it is parsed: far above what a
/// scanned statement's object streams need, and a bound on a decompression bomb.
const MAX_DECOMPRESSED: usize = 64 * 1024 * 1024;

/// Refuses a PDF that asks for a password to open ([`FileProblem::PdfEncrypted`]), one with
/// active content anywhere in its objects ([`FileProblem::PdfActiveContent`]), or one whose
/// objects cannot be parsed, so could not be checked ([`FileProblem::PdfUnreadable`]
/// `unparsable`).
pub fn inspect_objects(bytes: &[u8]) -> Result<(), FileProblem> {
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
