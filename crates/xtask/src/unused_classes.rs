//! Exported classes the widget never uses, dropped from its first module and its glue before
//! wasm-opt, so that their code goes too: wasm-streams' adapters between JS streams and Rust
//! ([`UNUSED`]). Leptos always depends on `server_fn` with its `browser` feature, which brings
//! in wasm-streams; wasm-bindgen exports its classes, and an export keeps its code however
//! unreachable from the widget (measured on one build: 1.0 KB gzip of the first module and
//! 0.5 KB of the glue). A class is dropped only if nothing else in the glue names it once its
//! definition is gone (a widget that starts to use one stops the build), and each piece of
//! glue it removes must be found exactly as wasm-bindgen writes it.
//!
//! The classes' methods that return a promise (a sink's write, close and abort, a source's
//! pull and cancel) make it with `future_to_promise`, whose callback and task are reached
//! through the function table, not a call: wasm-opt keeps every function the table lists, so
//! they, and all they reach, stayed in the first module once the methods were gone (6.6 KB of
//! code). Their bodies become a trap ([`stub_tasks`]): no code left creates such a promise
//! (measured on one build: 2.4 KB gzip less of the first module, 92,393 -> 89,982 B).

use crate::glue_names::token_places;
use crate::wasm_module::{
    leb, map_sections, name, parse, push_leb, push_name, with_bodies_emptied,
};
use crate::Fail;

/// wasm-streams' classes: the widget makes no stream.
pub const UNUSED: [&str; 3] = [
    "IntoUnderlyingByteSource",
    "IntoUnderlyingSink",
    "IntoUnderlyingSource",
];

/// `wasm` and `glue` without `classes`: their definitions and finalization registries gone
/// from the glue, the exports they called gone from the module. A glue that defines none of
/// them (a module without Leptos, such as the bench's first step without a framework) is
/// returned as it is.
pub fn drop_classes(wasm: &[u8], glue: &str, classes: &[&str]) -> Result<(Vec<u8>, String), Fail> {
    if !classes
        .iter()
        .any(|class| glue.contains(&format!("export class {class} {{")))
    {
        return Ok((wasm.to_vec(), glue.to_owned()));
    }
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
    let wasm = drop_exports(wasm, &exports)?;
    Ok((stub_tasks(&wasm, UNUSED_CRATE)?, js))
}

/// The crate of the classes in [`UNUSED`].
const UNUSED_CRATE: &str = "wasm_streams::";

/// `wasm` with the body of every promise callback and task that `future_to_promise` makes for
/// `krate`'s futures replaced by a trap (`unreachable`), found by the names wasm-bindgen's
/// output keeps (crate hashes such as `js_sys[4102d790c7f4c933]` aside). Only those
/// instantiations: each is specific to one future of `krate`, which only `krate`'s own code
/// creates, and names that future's own code, so LLVM cannot have merged another function into
/// one of them (the widget's own `future_to_promise` tasks keep their names beside them). A
/// module without any stops the build (a new version of a dependency, or a module without
/// names: the rule needs another look).
fn stub_tasks(wasm: &[u8], krate: &str) -> Result<Vec<u8>, Fail> {
    let unreadable =
        || Fail("the widget's module is not a wasm module this build can read".to_owned());
    let module = parse(wasm).ok_or_else(unreadable)?;
    let stub: Vec<bool> = module
        .functions
        .iter()
        .map(|(function, _)| {
            let plain = without_hashes(function);
            plain.starts_with("js_sys::futures::future_to_promise::<") && plain.contains(krate)
        })
        .collect();
    let stubbed = stub.iter().filter(|s| **s).count();
    if stubbed == 0 {
        return Err(Fail(format!(
            "the widget's module has no `future_to_promise` task of `{krate}` to drop \
             (crates/xtask/src/unused_classes.rs)"
        )));
    }
    // Both walks read the same module: every index has its answer.
    with_bodies_emptied(wasm, |index| stub.get(index).copied().unwrap_or(false))
        .ok_or_else(unreadable)
}

/// A function's name without the crate hashes rustc's demangler writes (`core[1b80…]::`).
fn without_hashes(function: &str) -> String {
    let mut plain = String::with_capacity(function.len());
    let mut rest = function;
    while let Some(open) = rest.find('[') {
        let close = rest[open..].find(']').map(|at| open + at);
        match close {
            Some(close) if rest[open + 1..close].bytes().all(|b| b.is_ascii_hexdigit()) => {
                plain.push_str(&rest[..open]);
                rest = &rest[close + 1..];
            }
            _ => {
                plain.push_str(&rest[..=open]);
                rest = &rest[open + 1..];
            }
        }
    }
    plain.push_str(rest);
    plain
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

    /// The two functions of [`module`], as wasm-bindgen's output names them: the widget's, and
    /// a task `future_to_promise` made for a future of the dropped classes' crate.
    const FUNCTIONS: [&str; 2] = [
        "kyc_capture[0123abcd]::run",
        "js_sys[4102d790]::futures::future_to_promise::<wasm_streams[260ba4aa]::Thing>::{closure#0}",
    ];

    /// A body that does nothing: no locals, `nop`, `end`.
    const BODY: [u8; 3] = [0x00, 0x01, 0x0B];

    fn section(wasm: &mut Vec<u8>, id: u8, contents: &[u8]) {
        wasm.push(id);
        push_leb(wasm, contents.len() as u64);
        wasm.extend_from_slice(contents);
    }

    /// A module of two functions named `names`, exporting `memory`, `run`, `thing_read` and
    /// `__wbg_thing_free`.
    fn module_named(names: [&str; 2]) -> Vec<u8> {
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        section(&mut wasm, 1, &[1, 0x60, 0, 0]);
        section(&mut wasm, 3, &[2, 0, 0]);
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
        section(&mut wasm, 7, &exports);
        let mut code = vec![2];
        for _ in 0..2 {
            code.push(BODY.len() as u8);
            code.extend_from_slice(&BODY);
        }
        section(&mut wasm, 10, &code);
        let mut functions = vec![2];
        for (index, function) in names.iter().enumerate() {
            functions.push(index as u8);
            push_name(&mut functions, function);
        }
        let mut custom = Vec::new();
        push_name(&mut custom, "name");
        custom.push(1);
        push_leb(&mut custom, functions.len() as u64);
        custom.extend_from_slice(&functions);
        section(&mut wasm, 0, &custom);
        wasm
    }

    fn module() -> Vec<u8> {
        module_named(FUNCTIONS)
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
        refused_in(module(), glue, classes)
    }

    fn refused_in(wasm: Vec<u8>, glue: &str, classes: &[&str]) -> String {
        drop_classes(&wasm, glue, classes).expect_err("refused").0
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
        let err = refused(GLUE, &["Thing", "Other"]);
        assert!(err.contains("0 times"), "{err}");
    }

    #[test]
    fn glue_without_any_of_the_classes_is_left_as_it_is() {
        let (wasm, js) = drop_classes(&module(), GLUE, &["Other"]).unwrap();
        assert_eq!((wasm, js.as_str()), (module(), GLUE));
    }

    #[test]
    fn an_export_the_module_lacks_stops_the_build() {
        let err = refused(
            &GLUE.replace("wasm.thing_read(", "wasm.thing_peek("),
            &["Thing"],
        );
        assert!(err.contains("exports 1 of the 2"), "{err}");
    }

    /// The body of each function of `wasm`.
    fn bodies(wasm: &[u8]) -> Vec<Vec<u8>> {
        let mut found = Vec::new();
        map_sections(wasm, |id, section| {
            if id == 10 {
                let mut at = 0;
                for _ in 0..leb(section, &mut at)? {
                    let size = leb(section, &mut at)? as usize;
                    found.push(section[at..at + size].to_vec());
                    at += size;
                }
            }
            Some(section.to_vec())
        })
        .unwrap();
        found
    }

    #[test]
    fn the_dropped_crates_promise_tasks_become_a_trap_and_nothing_else_changes() {
        let (wasm, _) = drop_classes(&module(), GLUE, &["Thing"]).unwrap();
        assert_eq!(bodies(&wasm), [BODY.to_vec(), vec![0x00, 0x00, 0x0B]]);
        let names: Vec<String> = parse(&wasm)
            .unwrap()
            .functions
            .into_iter()
            .map(|f| f.0)
            .collect();
        assert_eq!(names, FUNCTIONS);
    }

    #[test]
    fn a_module_without_such_a_task_stops_the_build() {
        let other = "js_sys[4102d790]::futures::future_to_promise::<kyc_capture[0123]::Run>";
        let err = refused_in(module_named([FUNCTIONS[0], other]), GLUE, &["Thing"]);
        assert!(
            err.contains("no `future_to_promise` task of `wasm_streams::`"),
            "{err}"
        );
    }

    #[test]
    fn crate_hashes_are_left_out_of_a_name_and_nothing_else() {
        assert_eq!(
            without_hashes("<core[1b80]::cell::RefCell<[u8; 4]>>::borrow"),
            "<core::cell::RefCell<[u8; 4]>>::borrow"
        );
    }
}
