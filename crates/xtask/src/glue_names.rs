//! Short names between the widget's module and its wasm-bindgen glue. wasm-bindgen names each
//! import `__wbg_<function>_<16-hex hash>` and each closure adapter after its full Rust path,
//! and both files carry every name: about 17 KB of names, the hashes incompressible. They are
//! renamed here to one or two letters, in the module's import and export sections and in the
//! glue, before wasm-opt and the JS minifier (measured on the same build: 3.4 KB gzip less
//! wasm, 2.5 KB less glue). The glue is checked as it is rewritten: an import whose key is not
//! found exactly once, or a glue without the import object, stops the build rather than
//! shipping a module that cannot instantiate.

use crate::wasm_module::{leb, map_sections, name, push_leb, push_name, skip_import};
use crate::Fail;

/// The name wasm-bindgen gives the glue's import module.
const GLUE_MODULE_SUFFIX: &str = "_bg.js";

/// Renames the imports from the glue and the exports the glue calls, in `wasm` and `glue`.
pub fn shorten(wasm: &[u8], glue: &str) -> Result<(Vec<u8>, String), Fail> {
    let mut imports: Vec<(String, String)> = Vec::new();
    let mut exports: Vec<(String, String)> = Vec::new();
    let mut glue_module = None;
    let out = map_sections(wasm, |id, section| match id {
        2 => rename_imports(section, &mut imports, &mut glue_module),
        7 => rename_exports(section, glue, &mut exports),
        _ => Some(section.to_vec()),
    })
    .ok_or_else(|| {
        Fail("the widget's module is not a wasm module this build can read".to_owned())
    })?;
    let module =
        glue_module.ok_or_else(|| Fail("the module imports nothing from its glue".into()))?;
    let mut js = replace_once(glue, &format!("\"{module}\":"), "\"a\":")?;
    for (old, new) in &imports {
        js = replace_once(&js, &format!("{old}:"), &format!("{new}:"))?;
    }
    for (old, new) in &exports {
        js = replace_tokens(&js, &format!("wasm.{old}"), &format!("wasm.{new}"));
    }
    Ok((out, js))
}

fn rename_imports(
    section: &[u8],
    renamed: &mut Vec<(String, String)>,
    glue_module: &mut Option<String>,
) -> Option<Vec<u8>> {
    let mut at = 0;
    let count = leb(section, &mut at)?;
    let mut out = Vec::with_capacity(section.len() / 4);
    push_leb(&mut out, count);
    for _ in 0..count {
        let module = name(section, &mut at)?;
        let field = name(section, &mut at)?;
        let description = at;
        skip_import(section, &mut at)?;
        if module.ends_with(GLUE_MODULE_SUFFIX) {
            glue_module.get_or_insert_with(|| module.to_owned());
            let short = short_name(renamed.len());
            renamed.push((field.to_owned(), short.clone()));
            push_name(&mut out, "a");
            push_name(&mut out, &short);
        } else {
            push_name(&mut out, module);
            push_name(&mut out, field);
        }
        out.extend_from_slice(&section[description..at]);
    }
    Some(out)
}

/// Renames the exports the glue calls as `wasm.<name>`; the others (the memory, markers read
/// by tools) keep their names.
fn rename_exports(
    section: &[u8],
    glue: &str,
    renamed: &mut Vec<(String, String)>,
) -> Option<Vec<u8>> {
    let mut at = 0;
    let count = leb(section, &mut at)?;
    let mut out = Vec::with_capacity(section.len());
    push_leb(&mut out, count);
    for _ in 0..count {
        let field = name(section, &mut at)?;
        let kind = *section.get(at)?;
        at += 1;
        let index = leb(section, &mut at)?;
        let called = count_tokens(glue, &format!("wasm.{field}")) > 0;
        if called && !split_reads(field) {
            // Upper case: never equal to an import's name, never a JS keyword.
            let short = short_name(renamed.len()).to_uppercase() + "_";
            renamed.push((field.to_owned(), short.clone()));
            push_name(&mut out, &short);
        } else {
            push_name(&mut out, field);
        }
        out.push(kind);
        push_leb(&mut out, index);
    }
    Some(out)
}

/// Whether the split loader (`__wasm_split.js`) takes `export` from the first module by its name
/// to link a later module: the memory, the function table and wasm-split's shared functions.
fn split_reads(export: &str) -> bool {
    export == "memory"
        || export == "__indirect_function_table"
        || export.starts_with("__wasm_split")
}

/// `a`, `b`, … `z`, `ba`, `bb`, …: unique, and never a JS keyword in an object key's place.
fn short_name(mut index: usize) -> String {
    const LETTERS: &[u8; 26] = b"abcdefghijklmnopqrstuvwxyz";
    let mut name = vec![LETTERS[index % 26]];
    index /= 26;
    while index > 0 {
        name.insert(0, LETTERS[index % 26]);
        index /= 26;
    }
    String::from_utf8(name).unwrap_or_default()
}

fn is_word(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'$'
}

/// The places of `token` in `text` not inside a longer identifier.
pub fn token_places(text: &str, token: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    text.match_indices(token)
        .map(|(at, _)| at)
        .filter(|&at| {
            let before = at.checked_sub(1).map(|i| bytes[i]);
            let after = bytes.get(at + token.len()).copied();
            !before.is_some_and(is_word) && !after.is_some_and(is_word)
        })
        .collect()
}

fn count_tokens(text: &str, token: &str) -> usize {
    token_places(text, token).len()
}

fn replace_tokens(text: &str, token: &str, with: &str) -> String {
    let places = token_places(text, token);
    let mut out = String::with_capacity(text.len());
    let mut from = 0;
    for at in places {
        out.push_str(&text[from..at]);
        out.push_str(with);
        from = at + token.len();
    }
    out.push_str(&text[from..]);
    out
}

/// `text` with its one `key` (an object key, `name:`) replaced by `with`.
fn replace_once(text: &str, key: &str, with: &str) -> Result<String, Fail> {
    let name = key.trim_end_matches(':');
    let places: Vec<usize> = token_places(text, name)
        .into_iter()
        .filter(|&at| text[at + name.len()..].starts_with(':'))
        .collect();
    match places.as_slice() {
        [at] => Ok(format!(
            "{}{}{}",
            &text[..*at],
            with,
            &text[at + key.len()..]
        )),
        _ => Err(Fail(format!(
            "the widget's glue has {} keys `{key}` where one was expected: wasm-bindgen's output \
             changed; shorten the names again (crates/xtask/src/glue_names.rs)",
            places.len()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The imports of `wasm`, as `module.field`.
    fn imports(wasm: &[u8]) -> Vec<String> {
        let mut found = Vec::new();
        let mut at = 8;
        while at < wasm.len() {
            let id = wasm[at];
            at += 1;
            let size = leb(wasm, &mut at).unwrap() as usize;
            let section = &wasm[at..at + size];
            at += size;
            if id == 2 {
                let mut inner = 0;
                for _ in 0..leb(section, &mut inner).unwrap() {
                    let module = name(section, &mut inner).unwrap();
                    let field = name(section, &mut inner).unwrap();
                    skip_import(section, &mut inner).unwrap();
                    found.push(format!("{module}.{field}"));
                }
            }
        }
        found
    }

    /// A module importing `./x_bg.js`'s `__wbg_log_0123456789abcdef` and `env.keep`, exporting
    /// `memory` and `run_long_name`.
    fn module() -> Vec<u8> {
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        // type: () -> ()
        wasm.extend_from_slice(&[0x01, 0x04, 0x01, 0x60, 0x00, 0x00]);
        let mut imports = vec![2];
        for (module, field) in [("./x_bg.js", "__wbg_log_0123456789abcdef"), ("env", "keep")] {
            push_name(&mut imports, module);
            push_name(&mut imports, field);
            imports.extend_from_slice(&[0x00, 0x00]);
        }
        wasm.push(2);
        push_leb(&mut wasm, imports.len() as u64);
        wasm.extend_from_slice(&imports);
        let mut exports = vec![2];
        push_name(&mut exports, "memory");
        exports.extend_from_slice(&[0x02, 0x00]);
        push_name(&mut exports, "run_long_name");
        exports.extend_from_slice(&[0x00, 0x00]);
        wasm.push(7);
        push_leb(&mut wasm, exports.len() as u64);
        wasm.extend_from_slice(&exports);
        wasm
    }

    const GLUE: &str = "function __wbg_get_imports() { const import0 = { \
        __wbg_log_0123456789abcdef: function(a) { console.log(a); } }; \
        return { \"./x_bg.js\": import0 }; } \
        export function run() { wasm.run_long_name(); wasm.run_long_name_too(); } \
        function view() { return wasm.memory.buffer; }";

    #[test]
    fn imports_and_called_exports_get_short_names_in_both_files() {
        let (wasm, js) = shorten(&module(), GLUE).unwrap();
        assert_eq!(imports(&wasm), ["a.a", "env.keep"]);
        assert!(js.contains("{ a: function(a)"), "{js}");
        assert!(js.contains("return { \"a\": import0 }"), "{js}");
        // The export, not the longer name that starts like it.
        assert!(js.contains("wasm.A_(); wasm.run_long_name_too()"), "{js}");
        // The split loader links the later modules to the memory by its name.
        assert!(js.contains("wasm.memory.buffer"), "{js}");
        let text = String::from_utf8_lossy(&wasm);
        assert!(text.contains("memory") && text.contains("A_"), "{text}");
        assert!(!text.contains("run_long_name") && !text.contains("__wbg_log"));
    }

    #[test]
    fn a_glue_without_the_import_stops_the_build() {
        let glue = GLUE.replace("__wbg_log_0123456789abcdef:", "__wbg_log_changed:");
        let err = shorten(&module(), &glue).expect_err("refused");
        assert!(err.0.contains("`__wbg_log_0123456789abcdef:`"), "{}", err.0);
    }

    #[test]
    fn short_names_are_unique() {
        let names: std::collections::HashSet<String> = (0..2000).map(short_name).collect();
        assert_eq!(names.len(), 2000);
        assert_eq!(short_name(0), "a");
        assert_eq!(short_name(26), "ba");
    }
}
