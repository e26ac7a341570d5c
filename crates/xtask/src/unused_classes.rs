//! Exported classes the widget never uses, dropped from its first module and its glue before
//! wasm-opt, so that their code goes too: wasm-streams' adapters between JS streams and Rust
//! ([`UNUSED`]). Leptos always depends on `server_fn` with its `browser` feature, which brings
//! in wasm-streams; wasm-bindgen exports its classes, and an export keeps its code however
//! unreachable from the widget (measured on one build: 1.0 KB gzip of the first module and
//! 0.5 KB of the glue). A class is dropped only if nothing else in the glue names it once its
//! definition is gone (a widget that starts to use one stops the build), and each piece of
//! glue it removes must be found exactly as wasm-bindgen writes it.

use crate::glue_names::token_places;
use crate::wasm_module::{leb, map_sections, name, push_leb, push_name};
use crate::Fail;

/// wasm-streams' classes: the widget makes no stream.
pub const UNUSED: [&str; 3] = [
    "IntoUnderlyingByteSource",
    "IntoUnderlyingSink",
    "IntoUnderlyingSource",
];

/// `wasm` and `glue` without `classes`: their definitions and finalization registries gone
/// from the glue, the exports they called gone from the module.
pub fn drop_classes(wasm: &[u8], glue: &str, classes: &[&str]) -> Result<(Vec<u8>, String), Fail> {
    let mut js = glue.to_owned();
    let mut exports = Vec::new();
    for class in classes {
        let definition = format!("export class {class} {{");
        let dispose = format!(
            "if (Symbol.dispose) {class}.prototype[Symbol.dispose] = {class}.prototype.free;\n"
        );
        let removed = cut(&mut js, &definition, &dispose)?;
        let registry = format!("const {class}Finalization = ");
        let removed = removed + &cut(&mut js, &registry, ");\n")?;
        for at in token_places(&removed, "wasm") {
            let called: String = removed[at + "wasm.".len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if removed[at..].starts_with("wasm.") && !exports.contains(&called) {
                exports.push(called);
            }
        }
        if !token_places(&js, class).is_empty() {
            return Err(Fail(format!(
                "the widget's glue still uses `{class}`: it is not unused (crates/xtask/src/unused_classes.rs)"
            )));
        }
    }
    if let Some(export) = exports
        .iter()
        .find(|export| !token_places(&js, &format!("wasm.{export}")).is_empty())
    {
        return Err(Fail(format!(
            "the widget's glue still calls `{export}`, an export of a class it drops"
        )));
    }
    Ok((drop_exports(wasm, &exports)?, js))
}

/// Removes the one piece of `js` from `start` to the end of the first `end` after it; the piece.
fn cut(js: &mut String, start: &str, end: &str) -> Result<String, Fail> {
    let changed = |what: &str| {
        Fail(format!(
            "the widget's glue has {what} `{}`: wasm-bindgen's output changed \
             (crates/xtask/src/unused_classes.rs)",
            start.trim_end()
        ))
    };
    let places: Vec<usize> = js.match_indices(start).map(|(at, _)| at).collect();
    let [from] = places.as_slice() else {
        return Err(changed(&format!("{} times", places.len())));
    };
    let to = js[*from..]
        .find(end)
        .map(|at| from + at + end.len())
        .ok_or_else(|| changed("no end after"))?;
    let piece = js[*from..to].to_owned();
    js.replace_range(*from..to, "");
    Ok(piece)
}

/// `wasm` without the exports named `names`, each of which it must have.
fn drop_exports(wasm: &[u8], names: &[String]) -> Result<Vec<u8>, Fail> {
    let mut dropped = 0;
    let out = map_sections(wasm, |id, section| {
        if id != 7 {
            return Some(section.to_vec());
        }
        let mut at = 0;
        let count = leb(section, &mut at)?;
        let mut kept = 0;
        let mut entries = Vec::with_capacity(section.len());
        for _ in 0..count {
            let field = name(section, &mut at)?;
            let kind = *section.get(at)?;
            at += 1;
            let index = leb(section, &mut at)?;
            if names.iter().any(|name| name == field) {
                dropped += 1;
                continue;
            }
            push_name(&mut entries, field);
            entries.push(kind);
            push_leb(&mut entries, index);
            kept += 1;
        }
        let mut rewritten = Vec::with_capacity(entries.len() + 5);
        push_leb(&mut rewritten, kept);
        rewritten.extend_from_slice(&entries);
        Some(rewritten)
    })
    .ok_or_else(|| {
        Fail("the widget's module is not a wasm module this build can read".to_owned())
    })?;
    if dropped != names.len() {
        return Err(Fail(format!(
            "the widget's module exports {dropped} of the {} functions of the classes it drops",
            names.len()
        )));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A module exporting `memory`, `run`, `thing_read` and `__wbg_thing_free`.
    fn module() -> Vec<u8> {
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        let mut exports = vec![4];
        for (field, kind) in [
            ("memory", 2),
            ("run", 0),
            ("thing_read", 0),
            ("__wbg_thing_free", 0),
        ] {
            push_name(&mut exports, field);
            exports.extend_from_slice(&[kind, 0x00]);
        }
        wasm.push(7);
        push_leb(&mut wasm, exports.len() as u64);
        wasm.extend_from_slice(&exports);
        wasm
    }

    /// Glue as wasm-bindgen writes it: a class `Thing`, its registry, and an exported function.
    const GLUE: &str = "let wasm;\n\
        export class Thing {\n    free() {\n        ThingFinalization.unregister(this);\n        \
        wasm.__wbg_thing_free(this.__wbg_ptr, 0);\n    }\n    read() {\n        \
        return wasm.thing_read(this.__wbg_ptr);\n    }\n}\n\
        if (Symbol.dispose) Thing.prototype[Symbol.dispose] = Thing.prototype.free;\n\n\
        export function run() { wasm.run(); }\n\
        const ThingFinalization = (typeof FinalizationRegistry === 'undefined')\n    \
        ? { register: () => {}, unregister: () => {} }\n    \
        : new FinalizationRegistry(ptr => wasm.__wbg_thing_free(ptr, 1));\n\
        function view() { return wasm.memory.buffer; }\n";

    fn exported(wasm: &[u8]) -> String {
        String::from_utf8_lossy(wasm).into_owned()
    }

    #[test]
    fn a_class_goes_from_the_glue_and_its_exports_from_the_module() {
        let (wasm, js) = drop_classes(&module(), GLUE, &["Thing"]).unwrap();
        assert_eq!(
            js,
            "let wasm;\n\nexport function run() { wasm.run(); }\n\
             function view() { return wasm.memory.buffer; }\n"
        );
        let text = exported(&wasm);
        assert!(text.contains("memory") && text.contains("run"), "{text}");
        assert!(!text.contains("thing"), "{text}");
    }

    /// Why the build stops for `glue` without `classes`.
    fn refused(glue: &str, classes: &[&str]) -> String {
        drop_classes(&module(), glue, classes)
            .expect_err("refused")
            .0
    }

    #[test]
    fn a_class_the_glue_still_uses_stops_the_build() {
        let glue = GLUE.replace("wasm.run(); }", "wasm.run(); return new Thing(); }");
        let err = refused(&glue, &["Thing"]);
        assert!(err.contains("still uses `Thing`"), "{err}");
    }

    #[test]
    fn glue_written_otherwise_stops_the_build() {
        let err = refused(&GLUE.replace("if (Symbol.dispose) ", ""), &["Thing"]);
        assert!(err.contains("wasm-bindgen's output changed"), "{err}");
        let err = refused(GLUE, &["Other"]);
        assert!(err.contains("0 times"), "{err}");
    }

    #[test]
    fn an_export_the_module_lacks_stops_the_build() {
        let err = refused(
            &GLUE.replace("wasm.thing_read(", "wasm.thing_peek("),
            &["Thing"],
        );
        assert!(err.contains("exports 1 of the 2"), "{err}");
    }
}
