//! What the modules are made of: section sizes of the first module's shipped file (what the
//! first step loads), and code size by function and by crate of both modules from the name
//! section of wasm-split's output (before wasm-bindgen and wasm-opt, which drop the names), read
//! by `wasm_module::parse` and named by [`symbols`]. The later module's is what stands between
//! everything and issue 18's total.

mod symbols;

use std::collections::HashMap;
use std::fmt::Write as _;

use self::symbols::{crate_of, demangle, DESCRIPTORS};
use super::payload::GZIP_GOAL_BYTES;
use crate::wasm_module::parse;

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
    /// Code of each feature that could be loaded apart: name, bytes, functions.
    features: Vec<(String, usize, usize)>,
    /// The later module's named file, its size, code by crate and largest functions.
    later: LaterComposition,
}

/// The code by crate (name, bytes, functions; largest first) and the functions (demangled name
/// and body size; largest first) of a named module, without wasm-bindgen's descriptors.
type Composition = (Vec<(String, usize, usize)>, Vec<(String, usize)>);

fn composition(named: &crate::wasm_module::Module) -> Composition {
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
    (crates, functions)
}

/// Features whose code is found by the paths of its functions: what the split (issue 18) loads
/// with the later steps, so they should weigh nothing in the first module.
const FEATURES: &[(&str, &[&str])] = &[
    (
        "continue on the phone (the desktop's handoff step, the QR encoder, the phone's exchange)",
        &[
            "kyc_capture::flow::handoff::",
            "kyc_capture::handoff::",
            "kyc_capture::qr_code::",
            "qrcodegen::",
        ],
    ),
    (
        "business customers (the company's page, its owners, their captures sent at once)",
        &["kyc_capture::flow::business::", "BusinessView"],
    ),
];

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

/// The contributors of the host package (`cargo xtask dist`) and rustc's named output.
pub fn contributors() -> Result<Contributors, String> {
    // The first module: what the first step loads (the later one is listed by file above).
    let shipped = crate::dist::package_dir().join(crate::dist::FIRST_MODULE);
    let bytes = std::fs::read(&shipped).map_err(|err| format!("{}: {err}", shipped.display()))?;
    let module = parse(&bytes).ok_or("the shipped wasm could not be read")?;
    let named_path = crate::dist::named_first_module();
    let named_bytes =
        std::fs::read(&named_path).map_err(|err| format!("{}: {err}", named_path.display()))?;
    let named = parse(&named_bytes).ok_or("wasm-split's first module could not be read")?;
    let named_code = named
        .sections
        .iter()
        .find(|(label, _)| label == "code")
        .map(|(_, size)| *size)
        .unwrap_or(0);
    let (crates, mut functions) = composition(&named);
    let later_path = crate::dist::named_later_module();
    let later = std::fs::read(&later_path)
        .map_err(|err| format!("{}: {err}", later_path.display()))
        .and_then(|bytes| {
            let module = parse(&bytes).ok_or("wasm-split's later module could not be read")?;
            let (crates, mut functions) = composition(&module);
            functions.truncate(15);
            Ok(Later {
                named: later_path.display().to_string(),
                size: bytes.len(),
                crates,
                functions,
                without_framework: without_framework(&bytes, &module),
            })
        });
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
    let features = FEATURES
        .iter()
        .map(|(feature, paths)| {
            let (bytes, count) = functions
                .iter()
                .filter(|(name, _)| paths.iter().any(|path| name.contains(path)))
                .fold((0, 0), |(bytes, count), (_, len)| (bytes + len, count + 1));
            (feature.to_string(), bytes, count)
        })
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
        features,
        later,
    })
}

/// The contributors section of BENCHMARKS.md.
pub fn render(md: &mut String, contributors: &Result<Contributors, String>, first_step_gzip: u64) {
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
        "\nCode by crate of the first module (what the first step loads), from the name section \
         of wasm-split's first module `{}` ({} bytes, code section {} bytes) before wasm-bindgen \
         and `wasm-opt -Oz` (which shrink and drop the names), without wasm-bindgen's \
         descriptor functions (never shipped): shares of the code are indicative of the shipped \
         module, byte counts are not.\n\n\
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
        "\nCode by feature (functions by path, same module; closures inlined into other \
         functions are counted there):\n\n| feature | code bytes | share | functions |\n\
         | --- | --- | --- | --- |"
    );
    for (feature, bytes, count) in &c.features {
        let share = 100.0 * *bytes as f64 / total.max(1) as f64;
        let _ = writeln!(md, "| {feature} | {bytes} | {share:.1} % | {count} |");
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
    render_later(md, &c.later, first_step_gzip);
}

/// The later module's code by crate and its largest functions: what stands between everything
/// and issue 18's total.
fn render_later(md: &mut String, later: &LaterComposition, first_step_gzip: u64) {
    let Later {
        named,
        size,
        crates,
        functions,
        without_framework,
    } = match later {
        Ok(later) => later,
        Err(why) => {
            let _ = writeln!(md, "The later module's code: **missing**: {why}\n");
            return;
        }
    };
    let total: usize = crates.iter().map(|(_, bytes, _)| bytes).sum();
    let framework: usize = crates
        .iter()
        .filter(|(name, _, _)| FRAMEWORK.contains(&name.as_str()))
        .map(|(_, bytes, _)| bytes)
        .sum();
    let _ = writeln!(
        md,
        "Code by crate of the later module (the framework and the steps after the consent: \
         what stands between everything and the 120 KB goal), from the name section of \
         wasm-split's later module `{named}` ({size} bytes) before `wasm-opt -Oz`, read as \
         above. The framework (Leptos and the crates it brings: {}) is {framework} bytes, \
         {:.1} % of its code.\n\n\
         | crate | code bytes | share | functions |\n| --- | --- | --- | --- |",
        FRAMEWORK.join(", "),
        100.0 * framework as f64 / total.max(1) as f64,
    );
    for (name, bytes, count) in crates.iter().take(15) {
        let share = 100.0 * *bytes as f64 / total.max(1) as f64;
        let _ = writeln!(md, "| {name} | {bytes} | {share:.1} % | {count} |");
    }
    let _ = writeln!(
        md,
        "\nLargest functions (later module):\n\n| function | bytes |\n| --- | --- |"
    );
    for (name, bytes) in functions {
        let shown: String = name.chars().take(140).collect();
        let _ = writeln!(md, "| `{}` | {bytes} |", shown.replace('|', "\\|"));
    }
    let _ = writeln!(md);
    render_without_framework(md, without_framework, first_step_gzip);
}

/// The later module without the framework's code, against the total's goal.
fn render_without_framework(
    md: &mut String,
    without: &Result<WithoutFramework, String>,
    first_step_gzip: u64,
) {
    let w = match without {
        Ok(w) => w,
        Err(why) => {
            let _ = writeln!(
                md,
                "The later module without the framework: **missing**: {why}\n"
            );
            return;
        }
    };
    let kb = |bytes: u64| bytes as f64 / 1000.0;
    let at_least = first_step_gzip + w.gzip;
    let verdict = if at_least > GZIP_GOAL_BYTES {
        format!(
            "above the {:.1} KB goal before a single step is drawn again: taking Leptos out \
             would not reach it alone",
            kb(GZIP_GOAL_BYTES)
        )
    } else {
        format!(
            "within the {:.1} KB goal, before the steps are drawn again without it",
            kb(GZIP_GOAL_BYTES)
        )
    };
    let _ = writeln!(
        md,
        "**Without the framework, measured:** the same later module with the body of each of \
         the framework's {} functions ({} code bytes) emptied (a trap), then through `wasm-opt` \
         as the package's modules are, so that what only those functions reached goes too (the \
         steps' views among it: Leptos calls them), is **{:.1} KB** gzip ({:.1} KB raw). With the \
         rest of the widget's code as it is, no later module drawn without the framework can \
         weigh less: its views would be drawn by code of its own (as the consent is: through \
         web-sys, above). With what the \
         first step needs ({:.1} KB), everything would be at least **{:.1} KB**, {verdict}. What \
         remains, by crate (code bytes after `wasm-opt`, names kept for this count):\n\n\
         | crate | code bytes | share | functions |\n| --- | --- | --- | --- |",
        w.emptied,
        w.emptied_bytes,
        kb(w.gzip),
        kb(w.raw),
        kb(first_step_gzip),
        kb(at_least),
    );
    let total: usize = w.crates.iter().map(|(_, bytes, _)| bytes).sum();
    for (name, bytes, count) in w.crates.iter().take(8) {
        let share = 100.0 * *bytes as f64 / total.max(1) as f64;
        let _ = writeln!(md, "| {name} | {bytes} | {share:.1} % | {count} |");
    }
    let _ = writeln!(
        md,
        "\nIts largest functions (the photo's checks and the outline are inlined into \
         `photo::examine`: `kyc-core` is compiled for speed):\n\n| function | bytes |\n| --- | --- |"
    );
    for (name, bytes) in &w.functions {
        let shown: String = name.chars().take(140).collect();
        let _ = writeln!(md, "| `{}` | {bytes} |", shown.replace('|', "\\|"));
    }
    let _ = writeln!(md);
}

/// The later module's composition, or why it is missing.
type LaterComposition = Result<Later, String>;

/// What the later module is made of.
struct Later {
    /// The named module's file and size.
    named: String,
    size: usize,
    /// Code bytes by crate (name, bytes, functions), largest first.
    crates: Vec<(String, usize, usize)>,
    /// The largest functions: demangled name and body size.
    functions: Vec<(String, usize)>,
    /// The same module with the framework's own code taken out.
    without_framework: Result<WithoutFramework, String>,
}

/// The later module with the body of every function of the framework's crates emptied (a
/// trap), then through `wasm-opt` as the package's modules are: what only those functions
/// reached goes too, the steps' views among it (Leptos calls them). With the rest of the
/// widget's code as it is, no later module drawn without the framework could weigh less: what
/// stands in the way besides Leptos.
struct WithoutFramework {
    /// The framework's functions emptied, and their code bytes before.
    emptied: usize,
    emptied_bytes: usize,
    /// The optimised module without its names: bytes, gzip level 9.
    raw: u64,
    gzip: u64,
    /// What remains after `wasm-opt`: code bytes by crate and the largest functions.
    crates: Vec<(String, usize, usize)>,
    functions: Vec<(String, usize)>,
}

/// [`WithoutFramework`] of the named later module `bytes` (parsed as `module`).
fn without_framework(
    bytes: &[u8],
    module: &crate::wasm_module::Module,
) -> Result<WithoutFramework, String> {
    let framework: Vec<bool> = module
        .functions
        .iter()
        .map(|(symbol, _)| FRAMEWORK.contains(&crate_of(&demangle(symbol)).as_str()))
        .collect();
    let (emptied, emptied_bytes) = module
        .functions
        .iter()
        .zip(&framework)
        .filter(|(_, framework)| **framework)
        .fold((0, 0), |(count, bytes), ((_, len), _)| {
            (count + 1, bytes + len)
        });
    let stripped = crate::wasm_module::with_bodies_emptied(bytes, |index| framework[index])
        .ok_or("the later module's code could not be rewritten")?;
    let dir = crate::dist::named_later_module()
        .parent()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default();
    let (from, to) = (
        dir.join("later-without-framework.wasm"),
        dir.join("later-without-framework.opt.wasm"),
    );
    std::fs::write(&from, &stripped).map_err(|err| format!("{}: {err}", from.display()))?;
    crate::dist::optimize_keeping_names(&from, &to).map_err(|fail| fail.0)?;
    let optimised = std::fs::read(&to).map_err(|err| format!("{}: {err}", to.display()))?;
    let named = parse(&optimised).ok_or("the optimised module could not be read")?;
    let shipped = crate::wasm_module::without_custom_sections(&optimised)
        .ok_or("the optimised module could not be read")?;
    let gzip = super::payload::gzip_len(&shipped).map_err(|fail| fail.0)?;
    let (crates, mut functions) = composition(&named);
    functions.truncate(10);
    Ok(WithoutFramework {
        emptied,
        emptied_bytes,
        raw: shipped.len() as u64,
        gzip,
        crates,
        functions,
    })
}

/// The crates of the framework, as `crate_of` names them.
const FRAMEWORK: &[&str] = &[
    "leptos",
    "tachys",
    "reactive_graph",
    "any_spawner",
    "or_poisoned",
    "throw_error",
    "send_wrapper",
    "slotmap",
    "indexmap",
    "wasm_streams",
];

#[cfg(test)]
mod tests {
    use super::{render_without_framework, WithoutFramework};

    fn without(gzip: u64) -> WithoutFramework {
        WithoutFramework {
            emptied: 939,
            emptied_bytes: 178_981,
            raw: 184_009,
            gzip,
            crates: vec![("kyc_capture".to_owned(), 97_584, 300)],
            functions: vec![("kyc_capture::photo::examine".to_owned(), 20_758)],
        }
    }

    #[test]
    fn the_lower_bound_is_the_first_step_and_what_remains_against_the_goal() {
        let mut md = String::new();
        render_without_framework(&mut md, &Ok(without(84_585)), 49_450);
        assert!(md.contains("**84.6 KB** gzip (184.0 KB raw)"), "{md}");
        assert!(
            md.contains("at least **134.0 KB**, above the 120.0 KB goal"),
            "{md}"
        );
        assert!(
            md.contains("| kyc_capture | 97584 | 100.0 % | 300 |"),
            "{md}"
        );
        assert!(
            md.contains("| `kyc_capture::photo::examine` | 20758 |"),
            "{md}"
        );

        let mut md = String::new();
        render_without_framework(&mut md, &Ok(without(60_000)), 49_450);
        assert!(
            md.contains("at least **109.5 KB**, within the 120.0 KB goal"),
            "{md}"
        );

        let mut md = String::new();
        render_without_framework(&mut md, &Err("wasm-opt failed".to_owned()), 49_450);
        assert!(md.contains("**missing**: wasm-opt failed"), "{md}");
    }
}
