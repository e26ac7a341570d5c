//! PDF structure checks: is the file a readable PDF, and is it encrypted?
//!
//! Providers refuse PDFs they cannot open: broken ones, and those that ask for a password. This
//! module finds broken ones without parsing the document: it reads the header, the end-of-file
//! marker, the `startxref` pointer and the trailer (or cross-reference stream) dictionaries,
//! and tells whether one names an `/Encrypt` dictionary ([`PdfInfo::encrypted`]).
//!
//! An encrypted PDF is not refused for it here. Banks often encrypt statements with an owner
//! password only (it restricts editing or copying; the user password is empty), and such a file
//! opens in every reader without a question: refusing it would refuse a usual proof of address
//! that the user cannot easily change. Whether the user password is empty is told by decrypting
//! the file (MD5 and RC4, or SHA-2 and AES, by revision), which the relay does on every PDF it
//! takes, refusing one that asks for a password (`pdf_encrypted`); the widget, which cannot
//! afford the ciphers in its bytes, sends the file and shows the relay's answer. Assumption:
//! the providers' documents say nothing of encrypted PDFs; a file that opens without a
//! password is one their reviewers can open.
//!
//! Every scan is bounded: the work is linear in the file's length, no
//! dictionary is read past [`MAX_DICTIONARY_BYTES`], and at most [`MAX_SECTIONS`]
//! cross-reference sections are examined.

use serde::{Deserialize, Serialize};

/// How far from the end the `%%EOF` marker and `startxref` may be (as readers allow).
pub const TAIL_WINDOW: usize = 1024;
/// The longest trailer or cross-reference stream dictionary read.
pub const MAX_DICTIONARY_BYTES: usize = 64 * 1024;
/// The most trailer or cross-reference stream dictionaries examined in one file.
pub const MAX_SECTIONS: usize = 1024;
/// How far before a `/XRef` name the `obj` keyword of its stream is looked for.
const XREF_LOOKBEHIND: usize = 1024;
/// The most `/OpenAction` entries [`active_content`] reads (each up to
/// [`MAX_DICTIONARY_BYTES`]): a document has one, in its catalog, and one more per incremental
/// update that rewrote it. A file with more is taken as having one that acts.
pub const MAX_OPEN_ACTIONS: usize = 16;

/// What a readable, unencrypted PDF declares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PdfInfo {
    /// Major version from the header (`%PDF-1.7` gives 1).
    pub major: u8,
    /// Minor version from the header (`%PDF-1.7` gives 7).
    pub minor: u8,
    /// The number of trailer and cross-reference stream dictionaries found (more than one after
    /// incremental updates).
    pub sections: usize,
    /// A trailer names an `/Encrypt` dictionary: the document's strings and streams are
    /// encrypted, and whether it opens without a password is told by decrypting it (see the
    /// module's documentation).
    pub encrypted: bool,
}

/// Why a PDF cannot be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PdfDefect {
    /// No `%PDF-x.y` header.
    NoHeader,
    /// No `%%EOF` marker in the last 1024 bytes: the file is truncated.
    NoEof,
    /// No `startxref` pointer before the end marker.
    NoStartXref,
    /// `startxref` points outside the file or to something that is no cross-reference section.
    BadStartXref,
    /// More cross-reference sections than [`MAX_SECTIONS`], or one dictionary longer than
    /// [`MAX_DICTIONARY_BYTES`]; or, told by a server that parses the document, more objects
    /// than its parse may take memory or time for.
    TooComplex,
    /// A full parse of the document's objects fails (found by a server that parses it, as the
    /// relay does to look inside compressed object streams).
    Unparsable,
}

impl PdfDefect {
    /// The stable machine code of this defect.
    pub fn code(self) -> &'static str {
        match self {
            PdfDefect::NoHeader => "no_header",
            PdfDefect::NoEof => "no_eof",
            PdfDefect::NoStartXref => "no_startxref",
            PdfDefect::BadStartXref => "bad_startxref",
            PdfDefect::TooComplex => "too_complex",
            PdfDefect::Unparsable => "unparsable",
        }
    }
}

/// How far into a file a PDF's `%PDF-` header may start, as readers allow.
pub const HEADER_WINDOW: usize = 1024;

/// How many bytes precede the PDF in `bytes`, when something does: a `%PDF-` header starts
/// within the first [`HEADER_WINDOW`] bytes of a file that does not start as any format
/// [`sniff`](crate::sniff) knows. Readers skip such bytes (a byte-order mark, a line a web
/// server printed before the document); the widget sends the PDF from its header, so the file
/// stored is the document alone, its offsets counted from the header as its writer counted
/// them. `None` for a file that starts as a known format, or has no header near its start.
///
/// # Examples
/// ```
/// use kyc_core::pdf::bytes_before_header;
/// assert_eq!(bytes_before_header(b"\xEF\xBB\xBF\r\n%PDF-1.4\n"), Some(5));
/// assert_eq!(bytes_before_header(b"%PDF-1.4\n"), None);
/// assert_eq!(bytes_before_header(b"\xFF\xD8\xFF\xE0 %PDF-1.4"), None);
/// assert_eq!(bytes_before_header(b"plain text"), None);
/// ```
#[must_use]
pub fn bytes_before_header(bytes: &[u8]) -> Option<usize> {
    if crate::sniff(bytes).is_some() {
        return None;
    }
    let window = &bytes[..bytes.len().min(HEADER_WINDOW + b"%PDF-".len() - 1)];
    find(window, b"%PDF-")
}

/// Checks that `bytes` are a readable PDF, and tells whether it is encrypted.
///
/// # Examples
/// ```
/// use kyc_core::pdf::{inspect_pdf, PdfDefect};
/// let plain = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\nxref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 1 /Root 1 0 R >>\nstartxref\n29\n%%EOF\n";
/// assert_eq!(inspect_pdf(plain).unwrap().minor, 4);
/// let locked = b"%PDF-1.4\nxref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 1 /Encrypt 2 0 R >>\nstartxref\n9\n%%EOF";
/// assert!(inspect_pdf(locked).unwrap().encrypted);
/// assert_eq!(inspect_pdf(b"%PDF-1.4\n1 0 obj"), Err(PdfDefect::NoEof));
/// ```
pub fn inspect_pdf(bytes: &[u8]) -> Result<PdfInfo, PdfDefect> {
    let unreadable = Err;
    let (major, minor) = match bytes {
        [b'%', b'P', b'D', b'F', b'-', major @ b'0'..=b'9', b'.', minor @ b'0'..=b'9', ..] => {
            (major - b'0', minor - b'0')
        }
        _ => return unreadable(PdfDefect::NoHeader),
    };
    let tail_start = bytes.len().saturating_sub(TAIL_WINDOW);
    let Some(eof) = rfind(&bytes[tail_start..], b"%%EOF").map(|i| tail_start + i) else {
        return unreadable(PdfDefect::NoEof);
    };
    let window_start = eof.saturating_sub(TAIL_WINDOW);
    let Some(startxref) = rfind(&bytes[window_start..eof], b"startxref").map(|i| window_start + i)
    else {
        return unreadable(PdfDefect::NoStartXref);
    };
    let offset = match parse_uint(bytes, skip_space(bytes, startxref + b"startxref".len())) {
        Some((offset, _)) if offset < bytes.len() as u64 => offset as usize,
        _ => return unreadable(PdfDefect::BadStartXref),
    };
    let target = skip_space(bytes, offset);
    let points_at_table = bytes[target..].starts_with(b"xref");
    let points_at_stream = object_header_end(bytes, target).is_some();
    if !points_at_table && !points_at_stream {
        return unreadable(PdfDefect::BadStartXref);
    }

    let mut sections = 0usize;
    let mut encrypted = false;
    // Classic trailers: `trailer << ... >>`.
    let mut at = 0;
    while let Some(found) = find(&bytes[at..], b"trailer").map(|i| at + i) {
        at = found + b"trailer".len();
        let start = skip_space(bytes, at);
        if !bytes[start..].starts_with(b"<<") {
            continue;
        }
        sections += 1;
        if sections > MAX_SECTIONS {
            return unreadable(PdfDefect::TooComplex);
        }
        match scan_dictionary(bytes, start, &mut |name| {
            encrypted |= name_is(name, b"Encrypt");
        }) {
            DictionaryScan::Complete { end } => at = end,
            DictionaryScan::TooLong => return unreadable(PdfDefect::TooComplex),
            DictionaryScan::Unterminated => {}
        }
    }
    // Cross-reference streams (PDF 1.5+): `N G obj << /Type /XRef ... >> stream`.
    let mut at = 0;
    let mut hits = 0usize;
    while let Some(found) = find(&bytes[at..], b"/XRef").map(|i| at + i) {
        at = found + b"/XRef".len();
        hits += 1;
        if hits > MAX_SECTIONS {
            return unreadable(PdfDefect::TooComplex);
        }
        if bytes.get(at).is_some_and(|b| !is_delimiter_or_space(*b)) {
            continue; // A longer name, such as `/XRefStm`.
        }
        let behind = found.saturating_sub(XREF_LOOKBEHIND);
        let Some(obj) = rfind(&bytes[behind..found], b"obj").map(|i| behind + i) else {
            continue;
        };
        let start = skip_space(bytes, obj + b"obj".len());
        if !bytes[start..].starts_with(b"<<") || start > found {
            continue;
        }
        sections += 1;
        if sections > MAX_SECTIONS {
            return unreadable(PdfDefect::TooComplex);
        }
        match scan_dictionary(bytes, start, &mut |name| {
            encrypted |= name_is(name, b"Encrypt");
        }) {
            DictionaryScan::Complete { end } => at = at.max(end),
            DictionaryScan::TooLong => return unreadable(PdfDefect::TooComplex),
            DictionaryScan::Unterminated => {}
        }
    }
    // `startxref` found a table, but no trailer dictionary (nor cross-reference stream) exists:
    // the file has no root, and whether it is encrypted cannot be told (found by fuzzing).
    if sections == 0 {
        return unreadable(PdfDefect::BadStartXref);
    }
    Ok(PdfInfo {
        major,
        minor,
        sections,
        encrypted,
    })
}

/// The PDF names of active content wherever they are written: scripts (`JavaScript`, `JS`),
/// actions run on an event (`AA`), programs to launch (`Launch`) and attached files
/// (`EmbeddedFile`, `EmbeddedFiles`). A document to be reviewed needs none of them. What a
/// reader does on opening the document ([`OPEN_ACTION`]) is active only when it acts
/// ([`OpenAction::acts`]).
pub const ACTIVE_NAMES: [&str; 6] = [
    "JavaScript",
    "JS",
    "AA",
    "Launch",
    "EmbeddedFile",
    "EmbeddedFiles",
];

/// The catalog's key for what a reader does on opening the document: a destination (the page
/// and view shown first, which LibreOffice, pdfTeX's hyperref and Acrobat's "initial view"
/// write into ordinary statements and bills) or an action.
pub const OPEN_ACTION: &str = "OpenAction";

/// What a document's [`OPEN_ACTION`] holds, as far as [`OpenAction::acts`] needs to know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenAction {
    /// A destination: explicit (an array: a page and a view) or named (a name or a string).
    Destination,
    /// An action dictionary.
    Action {
        /// Its type (`/S`) is `GoTo`: it shows a page, as a destination does.
        go_to: bool,
        /// It names further actions to run after it (`/Next`).
        chained: bool,
    },
    /// Anything else (null, a number, a reference to no object), which readers ignore.
    Other,
}

impl OpenAction {
    /// Whether a reader opening the document does more than show a page: an action other than
    /// a lone `GoTo` opens a URL, submits a form, plays media or runs a menu command on the
    /// reviewer's machine (scripts and launches are refused by their own names as well).
    ///
    /// # Examples
    /// ```
    /// use kyc_core::pdf::OpenAction;
    /// assert!(!OpenAction::Destination.acts());
    /// assert!(!OpenAction::Action { go_to: true, chained: false }.acts());
    /// assert!(OpenAction::Action { go_to: true, chained: true }.acts());
    /// assert!(OpenAction::Action { go_to: false, chained: false }.acts());
    /// ```
    #[must_use]
    pub fn acts(self) -> bool {
        match self {
            OpenAction::Destination | OpenAction::Other => false,
            OpenAction::Action { go_to, chained } => !go_to || chained,
        }
    }
}

/// The first of [`ACTIVE_NAMES`] written in `bytes` as a PDF name (`#hh` escapes decoded), or
/// [`OPEN_ACTION`] where it is followed by an action that acts ([`OpenAction::acts`]).
///
/// A scan of the bytes, small enough for the browser: it does not see names inside compressed
/// object streams, nor what an `/OpenAction` given as a reference (`5 0 R`) holds, which a
/// server parses the document for.
///
/// Only what a reader takes for a name counts: strings (a link's address, a title) and
/// comments are skipped, and so is a stream's data (from its `stream` keyword to its
/// `endstream`), but an uncompressed object stream's (`/ObjStm` without a `/Filter`), which
/// holds the document's own objects as written. A page's scanned image or compressed text or
/// objects are binary: read as names, about one in twenty 5 MiB scans holds the bytes `/JS` or
/// `/AA` by chance, and a scanned statement was refused for it. A stream's data is never
/// active content; a server that parses the document checks what it holds.
///
/// # Examples
/// ```
/// use kyc_core::pdf::active_content;
/// assert_eq!(active_content(b"<< /S /J#61vaScript >>"), Some("JavaScript"));
/// assert_eq!(active_content(b"<< /AAPL 1 /Launcher 2 >>"), None);
/// let uri = b"<< /Type /Catalog /OpenAction << /S /URI /URI (https://x.test) >> >>";
/// assert_eq!(active_content(uri), Some("OpenAction"));
/// // LibreOffice's first page and view.
/// let view = b"<< /Type /Catalog /OpenAction [3 0 R /XYZ null null 0] >>";
/// assert_eq!(active_content(view), None);
/// // An image's bytes are not names; an object stream's objects are.
/// let image = b"5 0 obj << /Length 9 >> stream\n\x8f/JS \x01\x02\nendstream endobj";
/// assert_eq!(active_content(image), None);
/// let objects = b"6 0 obj << /Type /ObjStm >> stream\n7 0 << /S /JS >>\nendstream";
/// assert_eq!(active_content(objects), Some("JS"));
/// // A link's address is a string.
/// let link = b"<< /S /URI /URI (https://bank.test/Launch?x=(1)\\)) >> /AA";
/// assert_eq!(active_content(link), Some("AA"));
/// ```
pub fn active_content(bytes: &[u8]) -> Option<&'static str> {
    let mut at = 0;
    let mut open_actions = 0;
    let (mut object_stream, mut filtered) = (false, false);
    while let Some(found) = bytes[at..]
        .iter()
        .position(|b| matches!(b, b'/' | b's' | b'(' | b'%'))
    {
        if matches!(bytes[at + found], b'(' | b'%') {
            at = skip_string_or_comment(bytes, at + found, bytes.len());
            continue;
        }
        if bytes[at + found] == b's' {
            at += found + 1;
            if let Some(data) = stream_data_start(bytes, at - 1) {
                // The names since the last stream are this stream's dictionary's.
                // Both flags start again at every stream (`|`, not `||`: both are taken).
                let objects = std::mem::take(&mut object_stream);
                if !objects | std::mem::take(&mut filtered) {
                    at = data + find(&bytes[data..], b"endstream")?;
                }
            }
            continue;
        }
        let start = at + found + 1;
        let mut end = start;
        while end < bytes.len() && !is_delimiter_or_space(bytes[end]) {
            end += 1;
        }
        let name = &bytes[start..end];
        if let Some(found) = ACTIVE_NAMES.iter().find(|n| name_is(name, n.as_bytes())) {
            return Some(found);
        }
        object_stream |= name_is(name, b"ObjStm");
        filtered |= name_is(name, b"Filter");
        if name_is(name, OPEN_ACTION.as_bytes()) {
            open_actions += 1;
            if open_actions > MAX_OPEN_ACTIONS
                || open_action_at(bytes, end).is_some_and(OpenAction::acts)
            {
                return Some(OPEN_ACTION);
            }
        }
        at = end;
    }
    None
}

/// Where a stream's data starts, if a `stream` keyword starts at `at`: after a dictionary's
/// `>>` and before an end of line (CR LF, LF, or a lone CR some writers use).
fn stream_data_start(bytes: &[u8], at: usize) -> Option<usize> {
    let eol = match bytes[at..].strip_prefix(b"stream")? {
        [b'\r', b'\n', ..] => 2,
        [b'\n' | b'\r', ..] => 1,
        _ => return None,
    };
    bytes[..at]
        .trim_ascii_end()
        .ends_with(b">>")
        .then_some(at + 6 + eol)
}

/// What the value written at `at` holds as an `/OpenAction`; `None` for a reference (or
/// anything a scan of the bytes cannot tell).
#[inline(never)]
fn open_action_at(bytes: &[u8], at: usize) -> Option<OpenAction> {
    let at = skip_space(bytes, at);
    match &bytes[at..] {
        [b'<', b'<', ..] => {
            let mut previous_was_type = false;
            let (mut go_to, mut chained) = (false, false);
            let scan = scan_dictionary(bytes, at, &mut |name| {
                go_to |= previous_was_type && name_is(name, b"GoTo");
                chained |= name_is(name, b"Next");
                previous_was_type = name_is(name, b"S");
            });
            // An action cut short or too long to read is taken as one that acts.
            let go_to = go_to && matches!(scan, DictionaryScan::Complete { .. });
            Some(OpenAction::Action { go_to, chained })
        }
        [b'[' | b'/' | b'(' | b'<', ..] => Some(OpenAction::Destination),
        _ => None,
    }
}

enum DictionaryScan {
    Complete {
        end: usize,
    },
    TooLong,
    /// The file ends inside the dictionary (the names seen before the end were reported).
    Unterminated,
}

/// Reads the dictionary that starts with `<<` at `start`, handing `name` each name written at
/// its own level (not inside a nested dictionary, array or string), keys and values, in order.
///
/// `name` is a trait object: one copy of the scan serves every caller (it ships in the widget).
#[inline(never)]
fn scan_dictionary(bytes: &[u8], start: usize, name: &mut dyn FnMut(&[u8])) -> DictionaryScan {
    let limit = bytes.len().min(start.saturating_add(MAX_DICTIONARY_BYTES));
    let mut i = start;
    let mut dict_depth = 0usize;
    let mut array_depth = 0usize;
    while i < limit {
        match bytes[i] {
            b'<' if bytes.get(i + 1) == Some(&b'<') => {
                dict_depth += 1;
                i += 2;
            }
            b'>' if bytes.get(i + 1) == Some(&b'>') => {
                dict_depth = dict_depth.saturating_sub(1);
                i += 2;
                if dict_depth == 0 {
                    return DictionaryScan::Complete { end: i };
                }
            }
            b'<' => {
                // Hex string.
                i += 1;
                while i < limit && bytes[i] != b'>' {
                    i += 1;
                }
                i += 1;
            }
            b'(' | b'%' => i = skip_string_or_comment(bytes, i, limit),
            b'[' => {
                array_depth += 1;
                i += 1;
            }
            b']' => {
                array_depth = array_depth.saturating_sub(1);
                i += 1;
            }
            b'/' => {
                let name_start = i + 1;
                i += 1;
                while i < limit && !is_delimiter_or_space(bytes[i]) {
                    i += 1;
                }
                if dict_depth == 1 && array_depth == 0 {
                    name(&bytes[name_start..i]);
                }
            }
            _ => i += 1,
        }
    }
    if limit < bytes.len() {
        DictionaryScan::TooLong
    } else {
        DictionaryScan::Unterminated
    }
}

/// The index after the literal string (`(`, balanced parentheses, backslash escapes) or the
/// comment (`%` to the end of the line) that starts at `at`, or `limit` if it does not end
/// before. What either holds is text, never a name.
#[inline(never)]
fn skip_string_or_comment(bytes: &[u8], mut at: usize, limit: usize) -> usize {
    if bytes[at] == b'%' {
        while at < limit && !matches!(bytes[at], b'\n' | b'\r') {
            at += 1;
        }
        return at;
    }
    let mut parens = 0usize;
    while at < limit {
        match bytes[at] {
            b'\\' => at += 1,
            b'(' => parens += 1,
            b')' => parens -= 1,
            _ => {}
        }
        at += 1;
        if parens == 0 {
            break;
        }
    }
    at.min(limit)
}

/// Whether a raw PDF name (after the slash) spells `expected`, decoding `#hh` escapes.
///
/// Not inlined (nor are the scans that call it): once per name is fast enough, and each
/// inlined copy would ship in the widget.
#[inline(never)]
fn name_is(raw: &[u8], expected: &[u8]) -> bool {
    let mut i = 0;
    let mut matched = 0;
    while i < raw.len() {
        let byte = if raw[i] == b'#' && i + 2 < raw.len() {
            match (hex_value(raw[i + 1]), hex_value(raw[i + 2])) {
                (Some(high), Some(low)) => {
                    i += 3;
                    high * 16 + low
                }
                _ => {
                    i += 1;
                    b'#'
                }
            }
        } else {
            i += 1;
            raw[i - 1]
        };
        if expected.get(matched) != Some(&byte) {
            return false;
        }
        matched += 1;
    }
    matched == expected.len()
}

fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

/// If an indirect object header `N G obj` starts at `at`, the index after it.
fn object_header_end(bytes: &[u8], at: usize) -> Option<usize> {
    let (_, after_number) = parse_uint(bytes, at)?;
    let generation = skip_space(bytes, after_number);
    if generation == after_number {
        return None;
    }
    let (_, after_generation) = parse_uint(bytes, generation)?;
    let keyword = skip_space(bytes, after_generation);
    if keyword == after_generation || !bytes[keyword..].starts_with(b"obj") {
        return None;
    }
    Some(keyword + 3)
}

/// Parses up to 19 decimal digits at `at`; the value and the index after the digits.
fn parse_uint(bytes: &[u8], at: usize) -> Option<(u64, usize)> {
    let mut value = 0u64;
    let mut i = at;
    while i < bytes.len() && bytes[i].is_ascii_digit() && i - at < 19 {
        value = value * 10 + u64::from(bytes[i] - b'0');
        i += 1;
    }
    (i > at).then_some((value, i))
}

fn skip_space(bytes: &[u8], mut at: usize) -> usize {
    while at < bytes.len() && is_space(bytes[at]) {
        at += 1;
    }
    at.min(bytes.len())
}

fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\r' | b'\n' | b'\x0C' | b'\0')
}

fn is_delimiter_or_space(byte: u8) -> bool {
    is_space(byte)
        || matches!(
            byte,
            b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
        )
}

/// The first index of `needle` in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The last index of `needle` in `haystack`.
fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}
