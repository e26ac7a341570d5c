//! Rust symbol names as they appear in a wasm name section (legacy `_ZN…E` and v0 `_R…`
//! mangling): readable paths, and the crate each belongs to.

/// A legacy-mangled Rust symbol (`_ZN3foo3bar17h0123456789abcdefE`) as `foo::bar`; other names
/// as they are.
pub fn demangle(symbol: &str) -> String {
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
pub fn crate_of(name: &str) -> String {
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
pub const DESCRIPTORS: &str = "(wasm-bindgen descriptors: removed by wasm-bindgen)";

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

#[cfg(test)]
mod tests {
    use super::{crate_of, demangle};

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
}
