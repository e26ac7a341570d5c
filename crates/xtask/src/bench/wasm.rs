//! What the wasm is made of: section sizes of the shipped module, and code size by function
//! and by crate from the name section of rustc's output (before wasm-bindgen and wasm-opt,
//! which drop the names). A small reader of the binary format; nothing is installed for it.

use std::collections::HashMap;
use std::fmt::Write as _;

/// The largest contributors of the wasm.
pub struct Contributors {
    /// The shipped module's file name.
    shipped: String,
    /// Its sections: name and size in bytes, largest first.
    sections: Vec<(String, usize)>,
    /// The named module's file, size and code section size.
    named: String,
    named_size: usize,
    named_code: usize,
    /// Code bytes by crate, largest first.
    crates: Vec<(String, usize, usize)>,
    /// The largest functions: demangled name and body size.
    functions: Vec<(String, usize)>,
    /// Known-avoidable code found by function name: marker, why, bytes, functions.
    heavy: Vec<(String, String, usize, usize)>,
}

/// Function-name markers of code a browser widget can usually do without.
const HEAVY_FUNCTIONS: &[(&str, &str)] = &[
    (
        "flt2dec",
        "Rust's float-to-text (`{}` / `{:.1}` of an f32/f64); formatting numbers in the \
         browser (`Number.prototype.toFixed`, `Intl.NumberFormat`) or as integers avoids it",
    ),
    (
        "float_to_decimal",
        "Rust's float-to-text entry points (`core::fmt::float`), same cause",
    ),
    (
        "to_lowercase",
        "Unicode case mapping tables (`str::to_lowercase`/`to_uppercase`); ASCII case \
         mapping avoids them",
    ),
];

/// A wasm module's sections and function bodies.
struct Module {
    sections: Vec<(String, usize)>,
    /// (name, body size) of each defined function; name empty when the module has none.
    functions: Vec<(String, usize)>,
}

fn leb(bytes: &[u8], at: &mut usize) -> Option<u64> {
    let mut value = 0u64;
    let mut shift = 0;
    loop {
        let byte = *bytes.get(*at)?;
        *at += 1;
        value |= u64::from(byte & 0x7F) << shift;
        if byte & 0x80 == 0 {
            return Some(value);
        }
        shift += 7;
        if shift > 63 {
            return None;
        }
    }
}

fn name<'a>(bytes: &'a [u8], at: &mut usize) -> Option<&'a str> {
    let len = leb(bytes, at)? as usize;
    let text = bytes.get(*at..*at + len)?;
    *at += len;
    std::str::from_utf8(text).ok()
}

fn limits(bytes: &[u8], at: &mut usize) -> Option<()> {
    let flags = *bytes.get(*at)?;
    *at += 1;
    leb(bytes, at)?;
    if flags & 1 != 0 {
        leb(bytes, at)?;
    }
    Some(())
}

/// The number of imported functions (they come first in the function index space).
fn imported_functions(section: &[u8]) -> Option<usize> {
    let mut at = 0;
    let count = leb(section, &mut at)?;
    let mut functions = 0;
    for _ in 0..count {
        name(section, &mut at)?;
        name(section, &mut at)?;
        let kind = *section.get(at)?;
        at += 1;
        match kind {
            0 => {
                leb(section, &mut at)?;
                functions += 1;
            }
            1 => {
                at += 1;
                limits(section, &mut at)?;
            }
            2 => limits(section, &mut at)?,
            3 => at += 2,
            4 => {
                at += 1;
                leb(section, &mut at)?;
            }
            _ => return None,
        }
    }
    Some(functions)
}

fn parse(bytes: &[u8]) -> Option<Module> {
    if bytes.get(..4)? != b"\0asm" {
        return None;
    }
    let mut at = 8;
    let mut sections = Vec::new();
    let mut imported = 0;
    let mut bodies = Vec::new();
    let mut names: HashMap<usize, String> = HashMap::new();
    while at < bytes.len() {
        let id = bytes[at];
        at += 1;
        let size = leb(bytes, &mut at)? as usize;
        let section = bytes.get(at..at + size)?;
        let label = match id {
            0 => {
                let mut inner = 0;
                let custom = name(section, &mut inner)?.to_owned();
                if custom == "name" {
                    read_names(&section[inner..], &mut names);
                }
                format!("custom \"{custom}\"")
            }
            1 => "type".to_owned(),
            2 => {
                imported = imported_functions(section)?;
                "import".to_owned()
            }
            3 => "function".to_owned(),
            4 => "table".to_owned(),
            5 => "memory".to_owned(),
            6 => "global".to_owned(),
            7 => "export".to_owned(),
            8 => "start".to_owned(),
            9 => "element".to_owned(),
            10 => {
                let mut inner = 0;
                let count = leb(section, &mut inner)?;
                for _ in 0..count {
                    let len = leb(section, &mut inner)? as usize;
                    bodies.push(len);
                    inner += len;
                }
                "code".to_owned()
            }
            11 => "data".to_owned(),
            12 => "datacount".to_owned(),
            13 => "tag".to_owned(),
            other => format!("unknown {other}"),
        };
        sections.push((label, size));
        at += size;
    }
    let functions = bodies
        .into_iter()
        .enumerate()
        .map(|(i, len)| (names.remove(&(imported + i)).unwrap_or_default(), len))
        .collect();
    sections.sort_by_key(|s| std::cmp::Reverse(s.1));
    Some(Module {
        sections,
        functions,
    })
}

/// The function-names subsection (id 1) of a name section.
fn read_names(section: &[u8], names: &mut HashMap<usize, String>) {
    let mut at = 0;
    while at < section.len() {
        let id = section[at];
        at += 1;
        let Some(size) = leb(section, &mut at) else {
            return;
        };
        let end = at + size as usize;
        if id == 1 {
            let mut inner = at;
            let Some(count) = leb(section, &mut inner) else {
                return;
            };
            for _ in 0..count {
                let (Some(index), Some(text)) =
                    (leb(section, &mut inner), name(section, &mut inner))
                else {
                    return;
                };
                names.insert(index as usize, text.to_owned());
            }
        }
        at = end;
    }
}

/// A legacy-mangled Rust symbol (`_ZN3foo3bar17h0123456789abcdefE`) as `foo::bar`; other names
/// as they are.
fn demangle(symbol: &str) -> String {
    if let Some(v0) = symbol.strip_prefix("_R") {
        return v0_path(v0).unwrap_or_else(|| symbol.to_owned());
    }
    let Some(mut rest) = symbol.strip_prefix("_ZN").and_then(|s| s.strip_suffix('E')) else {
        return symbol.to_owned();
    };
    let mut parts = Vec::new();
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let Ok(len) = rest[..digits].parse::<usize>() else {
            return symbol.to_owned();
        };
        let Some(part) = rest.get(digits..digits + len) else {
            return symbol.to_owned();
        };
        parts.push(
            part.strip_prefix('_')
                .filter(|p| p.starts_with('$'))
                .unwrap_or(part),
        );
        rest = &rest[digits + len..];
    }
    if parts
        .last()
        .is_some_and(|p| p.len() == 17 && p.starts_with('h'))
    {
        parts.pop();
    }
    let mut text = parts.join("::");
    for (from, to) in [
        ("$LT$", "<"),
        ("$GT$", ">"),
        ("$RF$", "&"),
        ("$BP$", "*"),
        ("$C$", ","),
        ("$SP$", "@"),
        ("$u20$", " "),
        ("$u27$", "'"),
        ("$u5b$", "["),
        ("$u5d$", "]"),
        ("$u7b$", "{"),
        ("$u7d$", "}"),
        ("$u7e$", "~"),
        ("..", "::"),
    ] {
        text = text.replace(from, to);
    }
    text
}

/// The crate a demangled name belongs to: its first path segment; for `<T as Trait>` the
/// crate of `T`, or of the trait when `T` is a bare type parameter; for a v0-mangled symbol
/// (`_R…`, how the prebuilt standard library is named) the first crate it names.
fn crate_of(name: &str) -> String {
    if name.starts_with("__wbindgen_describe") {
        return DESCRIPTORS.to_owned();
    }
    if name.starts_with("__wbg_") || name.starts_with("__wbindgen") {
        return "(wasm-bindgen glue)".to_owned();
    }
    if let Some(v0) = name.strip_prefix("_R") {
        return v0_crate(v0).unwrap_or_else(|| NO_CRATE.to_owned());
    }
    let trimmed = name.trim_start_matches(['<', '&', '*', ' ']);
    let trimmed = trimmed.strip_prefix("mut ").unwrap_or(trimmed);
    let trimmed = trimmed.strip_prefix("dyn ").unwrap_or(trimmed);
    let first = |path: &str| -> Option<String> {
        let (head, _) = path.split_once("::")?;
        (!head.is_empty() && !head.contains([' ', '<', '(', '[', '>'])).then(|| head.to_owned())
    };
    if let Some(found) = first(trimmed) {
        return found;
    }
    if let Some((_, trait_path)) = trimmed.split_once(" as ") {
        if let Some(found) = first(trait_path.trim_start_matches(['<', '&', '*', ' '])) {
            return found;
        }
    }
    NO_CRATE.to_owned()
}

const NO_CRATE: &str = "(no crate path: allocator, runtime, glue)";
/// The group of wasm-bindgen's descriptor functions, which never reach the shipped module.
const DESCRIPTORS: &str = "(wasm-bindgen descriptors: removed by wasm-bindgen)";

/// The identifiers of a v0-mangled symbol joined with `::`, skipping disambiguators and back
/// references: a readable approximation for the tables (generic arguments are flattened).
fn v0_path(symbol: &str) -> Option<String> {
    let bytes = symbol.as_bytes();
    let mut parts = Vec::new();
    let mut at = 0;
    let skip_to_underscore = |from: usize| -> Option<usize> {
        let mut next = from;
        while next < bytes.len() && bytes[next].is_ascii_alphanumeric() {
            next += 1;
        }
        (bytes.get(next) == Some(&b'_')).then_some(next + 1)
    };
    while at < bytes.len() {
        let c = bytes[at];
        if c == b'C' && bytes.get(at + 1) == Some(&b's') {
            at = skip_to_underscore(at + 2)?;
        } else if c == b's' || c == b'B' {
            at = skip_to_underscore(at + 1).unwrap_or(at + 1);
        } else if c.is_ascii_digit() {
            let digits = bytes[at..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            let len: usize = symbol[at..at + digits].parse().ok()?;
            at += digits;
            if bytes.get(at) == Some(&b'_') {
                at += 1;
            }
            parts.push(symbol.get(at..at + len)?);
            at += len;
        } else {
            at += 1;
        }
    }
    (!parts.is_empty()).then(|| parts.join("::"))
}

/// The first crate root (`C[s<base62>_]<len><ident>`) of a v0-mangled symbol.
fn v0_crate(symbol: &str) -> Option<String> {
    let bytes = symbol.as_bytes();
    let mut at = 0;
    while at + 1 < bytes.len() {
        if bytes[at] == b'C' {
            let mut next = at + 1;
            if bytes.get(next) == Some(&b's') {
                next += 1;
                while next < bytes.len() && bytes[next].is_ascii_alphanumeric() {
                    next += 1;
                }
                if bytes.get(next) != Some(&b'_') {
                    at += 1;
                    continue;
                }
                next += 1;
            }
            let digits = bytes[next..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            if digits > 0 {
                let len: usize = symbol[next..next + digits].parse().ok()?;
                return symbol
                    .get(next + digits..next + digits + len)
                    .map(str::to_owned);
            }
        }
        at += 1;
    }
    None
}

/// The contributors of the host package (`cargo xtask dist`) and rustc's named output.
pub fn contributors() -> Result<Contributors, String> {
    let dist = crate::dist::package_dir();
    let shipped = std::fs::read_dir(&dist)
        .map_err(|err| format!("cannot read {}: {err}", dist.display()))?
        .flatten()
        .map(|entry| entry.path())
        .find(|path| path.extension().is_some_and(|e| e == "wasm"))
        .ok_or("no wasm in dist/kyc-capture/")?;
    let bytes = std::fs::read(&shipped).map_err(|err| format!("{}: {err}", shipped.display()))?;
    let module = parse(&bytes).ok_or("the shipped wasm could not be read")?;
    let named_path = crate::dist::rustc_output();
    let named_bytes =
        std::fs::read(&named_path).map_err(|err| format!("{}: {err}", named_path.display()))?;
    let named = parse(&named_bytes).ok_or("rustc's wasm could not be read")?;
    let named_code = named
        .sections
        .iter()
        .find(|(label, _)| label == "code")
        .map(|(_, size)| *size)
        .unwrap_or(0);
    let mut by_crate: HashMap<String, (usize, usize)> = HashMap::new();
    let mut functions: Vec<(String, usize)> = named
        .functions
        .iter()
        .map(|(symbol, len)| (demangle(symbol), *len))
        .collect();
    functions.retain(|(function, _)| crate_of(function) != DESCRIPTORS);
    for (function, len) in &functions {
        let entry = by_crate.entry(crate_of(function)).or_default();
        entry.0 += len;
        entry.1 += 1;
    }
    let mut crates: Vec<(String, usize, usize)> = by_crate
        .into_iter()
        .map(|(name, (bytes, count))| (name, bytes, count))
        .collect();
    crates.sort_by_key(|c| std::cmp::Reverse(c.1));
    functions.sort_by_key(|f| std::cmp::Reverse(f.1));
    let heavy = HEAVY_FUNCTIONS
        .iter()
        .map(|(marker, why)| {
            let (bytes, count) = functions
                .iter()
                .filter(|(name, _)| name.contains(marker))
                .fold((0, 0), |(bytes, count), (_, len)| (bytes + len, count + 1));
            (marker.to_string(), why.to_string(), bytes, count)
        })
        .filter(|(_, _, bytes, _)| *bytes > 0)
        .collect();
    functions.truncate(15);
    Ok(Contributors {
        shipped: shipped
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        sections: module.sections,
        named: named_path.display().to_string(),
        named_size: named_bytes.len(),
        named_code,
        crates,
        functions,
        heavy,
    })
}

/// The contributors section of BENCHMARKS.md.
pub fn render(md: &mut String, contributors: &Result<Contributors, String>) {
    let _ = writeln!(md, "### What the wasm is made of\n");
    let c = match contributors {
        Ok(c) => c,
        Err(why) => {
            let _ = writeln!(md, "**missing**: {why}\n");
            return;
        }
    };
    let _ = writeln!(
        md,
        "Sections of the shipped `{}` (bytes, uncompressed):\n\n| section | bytes |\n| --- | --- |",
        c.shipped
    );
    for (label, size) in &c.sections {
        let _ = writeln!(md, "| {label} | {size} |");
    }
    let total: usize = c.crates.iter().map(|(_, bytes, _)| bytes).sum();
    let _ = writeln!(
        md,
        "\nCode by crate, from the name section of rustc's output `{}` ({} bytes, code section \
         {} bytes) before wasm-bindgen and `wasm-opt -Oz` (which shrink and drop the names), without \
         wasm-bindgen's descriptor functions (never shipped): shares of the code are \
         indicative of the shipped module, byte counts are not.\n\n\
         | crate | code bytes | share | functions |\n| --- | --- | --- | --- |",
        c.named, c.named_size, c.named_code
    );
    for (name, bytes, count) in c.crates.iter().take(15) {
        let share = 100.0 * *bytes as f64 / total.max(1) as f64;
        let _ = writeln!(md, "| {name} | {bytes} | {share:.1} % | {count} |");
    }
    // Crates that are known to be avoidable in a browser widget, when they weigh anything.
    let avoidable = [
        (
            "serde_json",
            "JSON parsing compiled into the wasm (gloo-net's `json` feature depends on it); \
             the browser's own `JSON.parse` through js-sys and serde-wasm-bindgen (already a \
             dependency of the widget) would drop it",
        ),
        (
            "regex",
            "a regex engine; hand-written matching is usually enough",
        ),
        (
            "chrono",
            "date handling; `js_sys::Date` is already in the browser",
        ),
        ("url", "URL parsing; the browser's `URL` is free"),
    ];
    let mut notes = Vec::new();
    for (name, why) in avoidable {
        if let Some((_, bytes, _)) = c.crates.iter().find(|(n, _, _)| n == name) {
            let share = 100.0 * *bytes as f64 / total.max(1) as f64;
            if share >= 1.0 {
                notes.push(format!("- `{name}`: {share:.1} % of the code: {why}."));
            }
        }
    }
    for (marker, why, bytes, count) in &c.heavy {
        notes.push(format!(
            "- functions named `*{marker}*`: {bytes} bytes in {count} functions \
             ({:.1} % of the code): {why}.",
            100.0 * *bytes as f64 / total.max(1) as f64
        ));
    }
    if !notes.is_empty() {
        let _ = writeln!(
            md,
            "\nAvoidable weight found in this build (shares as above):\n\n{}",
            notes.join("\n")
        );
    }
    let _ = writeln!(
        md,
        "\nLargest functions (same module):\n\n| function | bytes |\n| --- | --- |"
    );
    for (name, bytes) in &c.functions {
        let shown: String = name.chars().take(140).collect();
        let _ = writeln!(md, "| `{}` | {bytes} |", shown.replace('|', "\\|"));
    }
    let _ = writeln!(md);
}

#[cfg(test)]
mod tests {
    use super::{crate_of, demangle, parse};

    #[test]
    fn legacy_symbols_demangle_without_their_hash() {
        assert_eq!(
            demangle("_ZN4core3fmt5write17h0123456789abcdefE"),
            "core::fmt::write"
        );
        assert_eq!(
            demangle(
                "_ZN50_$LT$T$u20$as$u20$core..convert..Into$LT$U$GT$$GT$4into17h0123456789abcdefE"
            ),
            "<T as core::convert::Into<U>>::into"
        );
        assert_eq!(demangle("dlmalloc"), "dlmalloc");
        assert_eq!(
            demangle("_RNvMs3_NtCs5cOc02OMXlo_5alloc3stre12to_lowercase"),
            "alloc::str::to_lowercase"
        );
    }

    #[test]
    fn crates_are_the_first_path_segment() {
        assert_eq!(crate_of("core::fmt::write"), "core");
        assert_eq!(crate_of("<leptos::view::X as core::Y>::z"), "leptos");
        assert_eq!(crate_of("<T as tachys::view::IntoAny>::into_any"), "tachys");
        assert_eq!(
            crate_of("_RNvMs0_NtCsjqx8TIyZbP9_8dlmalloc8dlmallocINtB5_8DlmallocE6malloc"),
            "dlmalloc"
        );
        assert!(crate_of("memcpy").starts_with("(no crate"));
    }

    #[test]
    fn a_module_with_one_named_function_is_read() {
        // (module (func $f) ) with a name section naming function 0 "f".
        let bytes = [
            0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // header
            0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type: () -> ()
            0x03, 0x02, 0x01, 0x00, // function: type 0
            0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b, // code: one body of 2 bytes
            0x00, 0x0b, 0x04, b'n', b'a', b'm', b'e', 0x01, 0x04, 0x01, 0x00, 0x01, b'f',
        ];
        let module = parse(&bytes).unwrap();
        assert_eq!(module.functions, vec![("f".to_owned(), 2)]);
        assert!(module.sections.iter().any(|(l, s)| l == "code" && *s == 4));
    }
}
