//! A small reader of the wasm binary format: a module's sections, its function bodies, and
//! their names from the name section (for the bench), and the pieces [`crate::glue_names`]
//! rewrites. Nothing is installed for it.

use std::collections::HashMap;

/// A wasm module's sections and function bodies.
pub struct Module {
    /// Each section's name and size in bytes, largest first.
    pub sections: Vec<(String, usize)>,
    /// (name, body size) of each defined function; name empty when the module has none.
    pub functions: Vec<(String, usize)>,
}

pub fn leb(bytes: &[u8], at: &mut usize) -> Option<u64> {
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

/// `wasm` with each section's contents replaced by what `rewrite(id, contents)` makes of them;
/// `None` when `wasm` is not a module this reader can walk or `rewrite` gives up.
pub fn map_sections(
    wasm: &[u8],
    mut rewrite: impl FnMut(u8, &[u8]) -> Option<Vec<u8>>,
) -> Option<Vec<u8>> {
    if wasm.get(..4)? != b"\0asm" {
        return None;
    }
    let mut out = wasm.get(..8)?.to_vec();
    let mut at = 8;
    while at < wasm.len() {
        let id = wasm[at];
        at += 1;
        let size = leb(wasm, &mut at)? as usize;
        let section = wasm.get(at..at + size)?;
        at += size;
        let rewritten = rewrite(id, section)?;
        out.push(id);
        push_leb(&mut out, rewritten.len() as u64);
        out.extend_from_slice(&rewritten);
    }
    Some(out)
}

pub fn push_leb(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let byte = (value & 0x7F) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

pub fn push_name(out: &mut Vec<u8>, text: &str) {
    push_leb(out, text.len() as u64);
    out.extend_from_slice(text.as_bytes());
}

pub fn name<'a>(bytes: &'a [u8], at: &mut usize) -> Option<&'a str> {
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

/// Steps over the description of an import of `kind` (after its two names) at `at`; whether it
/// is a function.
pub fn skip_import(section: &[u8], at: &mut usize) -> Option<bool> {
    let kind = *section.get(*at)?;
    *at += 1;
    match kind {
        0 => {
            leb(section, at)?;
        }
        1 => {
            *at += 1;
            limits(section, at)?;
        }
        2 => limits(section, at)?,
        3 => *at += 2,
        4 => {
            *at += 1;
            leb(section, at)?;
        }
        _ => return None,
    }
    Some(kind == 0)
}

/// The number of imported functions (they come first in the function index space).
fn imported_functions(section: &[u8]) -> Option<usize> {
    let mut at = 0;
    let count = leb(section, &mut at)?;
    let mut functions = 0;
    for _ in 0..count {
        name(section, &mut at)?;
        name(section, &mut at)?;
        if skip_import(section, &mut at)? {
            functions += 1;
        }
    }
    Some(functions)
}

/// The sections and function bodies of the module `bytes`, with the names of its name section;
/// `None` if it is not a wasm module this reader understands.
pub fn parse(bytes: &[u8]) -> Option<Module> {
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

/// `wasm` with the body of each defined function `empty` picks (by its index among the defined
/// functions) replaced by a trap: no locals, `unreachable`, valid whatever the function's type.
/// What only those functions called is then dead code, which `wasm-opt` removes.
pub fn with_bodies_emptied(wasm: &[u8], empty: impl Fn(usize) -> bool) -> Option<Vec<u8>> {
    map_sections(wasm, |id, section| {
        if id != 10 {
            return Some(section.to_vec());
        }
        let mut at = 0;
        let count = leb(section, &mut at)?;
        let mut out = Vec::with_capacity(section.len());
        push_leb(&mut out, count);
        for index in 0..count as usize {
            let len = leb(section, &mut at)? as usize;
            let body = section.get(at..at + len)?;
            at += len;
            if empty(index) {
                // Body size 3: no local declarations, `unreachable`, `end`.
                out.extend_from_slice(&[0x03, 0x00, 0x00, 0x0b]);
            } else {
                push_leb(&mut out, len as u64);
                out.extend_from_slice(body);
            }
        }
        Some(out)
    })
}

/// `wasm` without its custom sections (names, producers): the bytes a browser would be sent.
pub fn without_custom_sections(wasm: &[u8]) -> Option<Vec<u8>> {
    if wasm.get(..4)? != b"\0asm" {
        return None;
    }
    let mut out = wasm.get(..8)?.to_vec();
    let mut at = 8;
    while at < wasm.len() {
        let start = at;
        let id = wasm[at];
        at += 1;
        let size = leb(wasm, &mut at)? as usize;
        at += size;
        if id != 0 {
            out.extend_from_slice(wasm.get(start..at)?);
        }
    }
    Some(out)
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

#[cfg(test)]
mod tests {
    use super::{parse, with_bodies_emptied, without_custom_sections};

    /// (module (func $f) (func $g (nop))) with a name section naming them "f" and "g".
    const TWO_FUNCTIONS: [u8; 45] = [
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // header
        0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type: () -> ()
        0x03, 0x03, 0x02, 0x00, 0x00, // function: two of type 0
        0x0a, 0x08, 0x02, 0x02, 0x00, 0x0b, 0x03, 0x00, 0x01, 0x0b, // code: 2 and 3 bytes
        0x00, 0x0e, 0x04, b'n', b'a', b'm', b'e', 0x01, 0x07, 0x02, 0x00, 0x01, b'f', 0x01, 0x01,
        b'g', // names
    ];

    #[test]
    fn an_emptied_body_traps_and_the_others_are_kept() {
        let emptied = with_bodies_emptied(&TWO_FUNCTIONS, |index| index == 1).unwrap();
        // g's `nop` became `unreachable`; f, the names and every other section are as they were.
        let mut expected = TWO_FUNCTIONS.to_vec();
        expected[27] = 0x00;
        assert_eq!(emptied, expected);
        let emptied = with_bodies_emptied(&TWO_FUNCTIONS, |index| index == 0).unwrap();
        let module = parse(&emptied).unwrap();
        assert_eq!(
            module.functions,
            vec![("f".to_owned(), 3), ("g".to_owned(), 3)]
        );
    }

    #[test]
    fn custom_sections_are_dropped_and_nothing_else() {
        let bare = without_custom_sections(&TWO_FUNCTIONS).unwrap();
        assert_eq!(bare, TWO_FUNCTIONS[..29].to_vec());
        assert_eq!(parse(&bare).unwrap().functions.len(), 2);
        assert!(without_custom_sections(b"not wasm").is_none());
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
