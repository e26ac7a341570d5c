//! `cargo xtask dist`: the package a host page loads, with fixed file names, in
//! `dist/kyc-capture/`, ready to copy to a CDN or to publish to npm:
//!
//! | file | what |
//! | --- | --- |
//! | `kyc-capture.js` | the loader: `<kyc-capture>` and `mount()` (from `www/`, minified) |
//! | `kyc-capture-core.js` | wasm-bindgen's glue for the module (minified) |
//! | `kyc-capture-core_bg.wasm` | the widget's start and first step (drawn without the framework), release build, `wasm-opt -Oz` |
//! | `split_later.wasm` | the framework (Leptos) and every step after the consent (document, country, camera, checks, uploads, handoff, status), fetched while the first shows |
//! | `__wasm_split.js` | fetches and starts the later steps' module (wasm-split's loader, minified) |
//! | `kyc-capture.css` | its styles (loaded by the loader into the shadow root) |
//! | `kyc-capture.d.ts` | TypeScript types of the loader and the events |
//! | `locales/<code>.json` | every language but English, fetched when chosen (from `www/locales/`) |
//! | `handoff.html` | the phone page of a relay that serves the package (`www/handoff.html`) |
//! | `package.json` | for npm |
//! | `NAME.br`, `NAME.gz` | beside each of the files above a browser fetches: its brotli (quality 11) and gzip (level 9) forms, for a server of precompressed files (`crate::compress`) |
//!
//! The release module is built with the standard library rebuilt for size and panics compiled to
//! a bare trap (`-Zbuild-std`, `-Cpanic=immediate-abort`, allowed on the stable toolchain by
//! `RUSTC_BOOTSTRAP=1`): panics never unwind in the browser anyway, and their messages cost
//! 13 KB gzip (measured: 174.5 KB -> 161.5 KB for the same code). The standard library's own
//! choice of smaller code over faster (`-Zbuild-std-features=optimize_for_size`: e.g. a
//! heapsort for `sort_unstable`, integers formatted one digit at a time) took 3.7 KB gzip
//! more off (first module 40.7 -> 40.3 KB, later module 181.2 -> 177.9 KB). What it changes is
//! sorting and selecting, rotating slices, formatting and parsing numbers, escaping and
//! counting characters: none of it in the per-frame work (`kyc-core`'s metrics and outline,
//! its own loops at `opt-level = 3`) but the outline's sort of its few line candidates.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use crate::{command, glue_names, run, tools, unused_classes, workspace_root, Fail};

/// The package's directory.
pub fn package_dir() -> PathBuf {
    workspace_root().join("dist/kyc-capture")
}

/// rustc's module before the split, wasm-bindgen and wasm-opt.
fn rustc_output() -> PathBuf {
    build_dir().join("wasm32-unknown-unknown/wasm-release/kyc_capture.wasm")
}

/// rustc's module of the widget crate's cdylib example `name`, before wasm-bindgen.
pub fn example_rustc_output(name: &str) -> PathBuf {
    build_dir().join(format!(
        "wasm32-unknown-unknown/wasm-release/examples/{name}.wasm"
    ))
}

/// The package's first module (what the first step loads).
pub const FIRST_MODULE: &str = "kyc-capture-core_bg.wasm";

/// wasm-split's first module of the package, before wasm-bindgen and wasm-opt: with its function
/// names (for the bench's list of contributors).
pub fn named_first_module() -> PathBuf {
    build_dir().join("split/kyc-capture-core/kyc-capture-core.wasm")
}

/// wasm-split's later module of the package, before wasm-opt: with its function names.
pub fn named_later_module() -> PathBuf {
    build_dir().join("split/kyc-capture-core/split_later.wasm")
}

fn build_dir() -> PathBuf {
    workspace_root().join("target/dist-build")
}

/// binaryen's features for the module wasm-bindgen emits (rustc's wasm32 defaults).
pub const WASM_OPT_FEATURES: [&str; 6] = [
    "--enable-reference-types",
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-multivalue",
];

/// Builds the package into [`package_dir`].
pub fn build() -> Result<PathBuf, Fail> {
    tools::ensure_dist()?;
    let root = workspace_root();
    let out = package_dir();
    if out.exists() {
        std::fs::remove_dir_all(&out).map_err(|err| Fail(format!("clean {out:?}: {err}")))?;
    }
    std::fs::create_dir_all(&out).map_err(|err| Fail(format!("create {out:?}: {err}")))?;
    // The crate is an rlib for the tests and the demo; the cdylib is made here only, with LTO
    // (which rustc does not run for a lib that is both).
    let later = release_module(&["--lib"], &rustc_output(), &out, "kyc-capture-core")?;
    // The loader reaches every end user too: minified, the readable one stays in `www/`, the
    // types in `kyc-capture.d.ts`.
    minify_js(
        &root.join("www/kyc-capture.js"),
        &out.join("kyc-capture.js"),
    )?;
    copy(
        &root.join("www/kyc-capture.d.ts"),
        &out.join("kyc-capture.d.ts"),
    )?;
    // The phone page a relay that serves the package offers for the handoff.
    copy(&root.join("www/handoff.html"), &out.join("handoff.html"))?;
    // Every language but English, fetched from beside the module when chosen.
    let locales = out.join("locales");
    std::fs::create_dir_all(&locales).map_err(|err| Fail(format!("create {locales:?}: {err}")))?;
    for file in locale_files()? {
        copy(&file, &locales.join(file.file_name().unwrap_or_default()))?;
    }
    // The stylesheet reaches every end user: its comments and layout stay in the source only.
    let css = root.join("www").join("kyc-capture.css");
    let text = std::fs::read_to_string(&css).map_err(|err| Fail(format!("read {css:?}: {err}")))?;
    std::fs::write(out.join("kyc-capture.css"), minify_css(&text))
        .map_err(|err| Fail(format!("write kyc-capture.css: {err}")))?;
    let version = env!("CARGO_PKG_VERSION");
    let files = [
        "kyc-capture.js",
        "kyc-capture-core.js",
        "kyc-capture-core_bg.wasm",
        SPLIT_LOADER,
    ]
    .into_iter()
    .map(str::to_owned)
    .chain(later)
    .chain(
        [
            "kyc-capture.css",
            "kyc-capture.d.ts",
            "handoff.html",
            "locales",
            "*.br",
            "*.gz",
        ]
        .map(str::to_owned),
    )
    .map(|file| format!("\"{file}\""))
    .collect::<Vec<_>>()
    .join(", ");
    let manifest = format!(
        r#"{{
  "name": "kyc-capture",
  "version": "{version}",
  "description": "Identity-document capture widget (WebAssembly)",
  "license": "MIT OR Apache-2.0",
  "type": "module",
  "module": "kyc-capture.js",
  "exports": {{ ".": {{ "types": "./kyc-capture.d.ts", "default": "./kyc-capture.js" }} }},
  "types": "kyc-capture.d.ts",
  "files": [{files}]
}}
"#
    );
    std::fs::write(out.join("package.json"), manifest)
        .map_err(|err| Fail(format!("write package.json: {err}")))?;
    // What the bench measures is what a server of precompressed files sends.
    crate::compress::precompress(&out)?;
    println!("xtask: the widget package is in {}", out.display());
    Ok(out)
}

/// The file of the split runtime's loader: the module imports it, it fetches the later steps.
pub const SPLIT_LOADER: &str = "__wasm_split.js";

/// How wasm-split names a later module's file (`split_<name>.wasm`).
pub const LATER_MODULE_PREFIX: &str = "split_";

/// A cdylib target of the widget crate (`target`: `--lib`, or `--example NAME`) built as the
/// package's module is: rustc's output (`rustc_output`) split at its `wasm_split` points, the
/// first module through wasm-bindgen and short glue names, every module through `wasm-opt`,
/// written to `out` as `NAME_bg.wasm` and its minified glue `NAME.js`, and, where the code has
/// split points, each later module (`split_<name>.wasm`) and their loader ([`SPLIT_LOADER`]).
/// Returns the later modules' file names.
pub fn release_module(
    target: &[&str],
    rustc_output: &Path,
    out: &Path,
    name: &str,
) -> Result<Vec<String>, Fail> {
    // Its own target directory: other flags than the debug builds, so neither rebuilds the other.
    let build = build_dir();
    run(command("cargo")
        .args(["rustc", "--quiet", "--profile", "wasm-release"])
        .args(target)
        .args([
            "--crate-type",
            "cdylib",
            "-p",
            "kyc-capture",
            "--target",
            "wasm32-unknown-unknown",
            "-Zbuild-std=std,panic_abort",
            // The standard library's smaller algorithms (see the module's doc).
            "-Zbuild-std-features=optimize_for_size",
        ])
        .env("CARGO_TARGET_DIR", &build)
        .env("RUSTC_BOOTSTRAP", "1")
        .env(
            "RUSTFLAGS",
            // `kyc_split` turns on the split points; the relocations let wasm-split move code.
            "--cfg erase_components -Zunstable-options -Cpanic=immediate-abort \
             --cfg kyc_split -Clink-args=--emit-relocs",
        ))?;
    let split = build.join("split").join(name);
    if split.exists() {
        std::fs::remove_dir_all(&split).map_err(|err| Fail(format!("clean {split:?}: {err}")))?;
    }
    run(command("wasm-split-cli")
        .arg(rustc_output)
        .arg(&split)
        .args(["--out-name", name]))?;
    let mut later = Vec::new();
    let entries =
        std::fs::read_dir(&split).map_err(|err| Fail(format!("read {split:?}: {err}")))?;
    for entry in entries {
        let file = entry
            .map_err(|err| Fail(format!("read {split:?}: {err}")))?
            .file_name()
            .to_string_lossy()
            .into_owned();
        if file.starts_with(LATER_MODULE_PREFIX) && file.ends_with(".wasm") {
            later.push(file);
        }
    }
    later.sort();
    let bindgen = build.join("bindgen").join(name);
    run(command("wasm-bindgen")
        .args(["--target", "web", "--out-name", name, "--out-dir"])
        .arg(&bindgen)
        // The later modules reach into the first through exports the linker made.
        .arg("--keep-lld-exports")
        .arg(split.join(format!("{name}.wasm"))))?;
    // Short names between the module and its glue (see `glue_names`), into new files so a
    // rebuild starts again from wasm-bindgen's own output.
    let read = |file: &str| {
        let path = bindgen.join(file);
        std::fs::read(&path).map_err(|err| Fail(format!("read {path:?}: {err}")))
    };
    let glue = String::from_utf8(read(&format!("{name}.js"))?)
        .map_err(|_| Fail("wasm-bindgen's glue is not UTF-8".to_owned()))?;
    // Classes the widget never uses go first (see `unused_classes`), then the names shorten.
    let (wasm, glue) = unused_classes::drop_classes(
        &read(&format!("{name}_bg.wasm"))?,
        &glue,
        &unused_classes::UNUSED,
    )?;
    let (wasm, glue) = glue_names::shorten(&wasm, &glue)?;
    let short_wasm = bindgen.join("short_bg.wasm");
    let short_glue = bindgen.join("short.js");
    std::fs::write(&short_wasm, wasm)
        .map_err(|err| Fail(format!("write {short_wasm:?}: {err}")))?;
    std::fs::write(&short_glue, glue)
        .map_err(|err| Fail(format!("write {short_glue:?}: {err}")))?;
    optimize(&short_wasm, &out.join(format!("{name}_bg.wasm")))?;
    for file in &later {
        optimize(&split.join(file), &out.join(file))?;
    }
    if !later.is_empty() {
        minify_js(&split.join(SPLIT_LOADER), &out.join(SPLIT_LOADER))?;
    }
    // The glue reaches every end user: minified (2.9 KB gzip less, measured).
    minify_js(&short_glue, &out.join(format!("{name}.js")))?;
    Ok(later)
}

/// `wasm-opt` for size, `from` to `to`.
fn optimize(from: &Path, to: &Path) -> Result<(), Fail> {
    wasm_opt(from, to, &[])
}

/// [`optimize`], keeping the functions' names (`-g`: the same code, with a name section): for
/// the bench to name what an optimised module is made of.
pub fn optimize_keeping_names(from: &Path, to: &Path) -> Result<(), Fail> {
    wasm_opt(from, to, &["-g"])
}

/// wasm-opt's passes: repeated until it no longer shrinks (0.4 KB gzip less than one pass), then
/// once more on flattened, re-looped control flow (0.45 KB less), whose last round one pass
/// more shrinks again (0.6 KB less in the two modules), without the producers and
/// target-features sections no browser reads (0.18 KB): measured on the same module.
const WASM_OPT_PASSES: [&str; 9] = [
    "-Oz",
    "--converge",
    "--flatten",
    "--rereloop",
    "-Oz",
    "--converge",
    "-Oz",
    "--strip-producers",
    "--strip-target-features",
];

/// How many optimised modules [`wasm_opt`] keeps (the newest used): a few builds' worth.
const WASM_OPT_CACHE_KEEP: usize = 16;

/// wasm-opt of `from` into `to`, or its output kept from an earlier run on the same bytes with
/// the same arguments and wasm-opt: the passes take about a minute on the later module (2
/// cores), and `cargo xtask test` packages the same module five times (the end-to-end steps
/// and the size gate). wasm-opt's output depends on nothing else (the same bytes each time,
/// checked with `cmp`).
fn wasm_opt(from: &Path, to: &Path, extra: &[&str]) -> Result<(), Fail> {
    let input = std::fs::read(from).map_err(|err| Fail(format!("read {from:?}: {err}")))?;
    let version = crate::run_quiet(command("wasm-opt").arg("--version"))?;
    let mut key = std::hash::DefaultHasher::new();
    (&version, extra, WASM_OPT_PASSES, WASM_OPT_FEATURES, &input).hash(&mut key);
    let cache = build_dir().join("wasm-opt-cache");
    let kept = cache.join(format!("{:016x}.wasm", key.finish()));
    if kept.is_file() {
        copy(&kept, to)?;
        // Touched: the newest used are the ones kept.
        let now = std::time::SystemTime::now();
        if let Ok(file) = std::fs::File::options().append(true).open(&kept) {
            let _ = file.set_modified(now);
        }
        return Ok(());
    }
    run(command("wasm-opt")
        .args(extra)
        .args(WASM_OPT_PASSES)
        .args(WASM_OPT_FEATURES)
        .arg(from)
        .arg("-o")
        .arg(to))?;
    std::fs::create_dir_all(&cache).map_err(|err| Fail(format!("create {cache:?}: {err}")))?;
    // Written whole under another name first: a build stopped midway leaves no half module.
    let partial = kept.with_extension("partial");
    copy(to, &partial)?;
    std::fs::rename(&partial, &kept)
        .map_err(|err| Fail(format!("rename {partial:?} to {kept:?}: {err}")))?;
    prune(&cache, WASM_OPT_CACHE_KEEP)
}

/// Removes all but the `keep` newest (by modification time) files of `dir`.
fn prune(dir: &Path, keep: usize) -> Result<(), Fail> {
    let mut files = std::fs::read_dir(dir)
        .map_err(|err| Fail(format!("read {dir:?}: {err}")))?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let modified = entry.metadata().and_then(|m| m.modified()).ok()?;
            Some((modified, entry.path()))
        })
        .collect::<Vec<_>>();
    files.sort_by_key(|file| std::cmp::Reverse(file.0));
    for (_, path) in files.into_iter().skip(keep) {
        std::fs::remove_file(&path).map_err(|err| Fail(format!("remove {path:?}: {err}")))?;
    }
    Ok(())
}

fn copy(from: &Path, to: &Path) -> Result<(), Fail> {
    std::fs::copy(from, to)
        .map(|_| ())
        .map_err(|err| Fail(format!("copy {from:?} to {to:?}: {err}")))
}

/// Copies the example host pages (`www/examples/`) to `dist/examples/`, beside the package, so
/// the relay of `cargo xtask demo` serves them too. A folder with a `package.json` is a
/// framework's example (`react/`): its sources are not copied but built, by [`build_example`].
pub fn copy_examples() -> Result<(), Fail> {
    let from = workspace_root().join("www/examples");
    let to = workspace_root().join("dist/examples");
    std::fs::create_dir_all(&to).map_err(|err| Fail(format!("create {to:?}: {err}")))?;
    let entries = std::fs::read_dir(&from).map_err(|err| Fail(format!("read {from:?}: {err}")))?;
    for entry in entries {
        let entry = entry.map_err(|err| Fail(format!("read {from:?}: {err}")))?;
        let (path, name) = (entry.path(), entry.file_name());
        if path.join("package.json").is_file() {
            build_example(&path, &to.join(&name))?;
        } else if path.is_dir() {
            copy_tree(&path, &to.join(&name))?;
        } else {
            copy(&path, &to.join(&name))?;
        }
    }
    Ok(())
}

/// Builds a framework's example (`www/examples/react/`) into `out`, offline: `npm ci` from its
/// lock file when its `node_modules` is missing or older than the lock file, then its
/// `build.mjs`, which writes the page and its bundle into `out` (only those: no sources, no
/// `node_modules`).
fn build_example(dir: &Path, out: &Path) -> Result<(), Fail> {
    let modified = |path: &Path| std::fs::metadata(path).and_then(|m| m.modified()).ok();
    // npm writes node_modules/.package-lock.json on every install.
    let installed = modified(&dir.join("node_modules/.package-lock.json"));
    let locked = modified(&dir.join("package-lock.json"));
    if installed.is_none() || installed < locked {
        run(command("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(dir))?;
    }
    if out.exists() {
        std::fs::remove_dir_all(out).map_err(|err| Fail(format!("clean {out:?}: {err}")))?;
    }
    run(command("node")
        .arg(dir.join("build.mjs"))
        .arg(out)
        .current_dir(dir))
}

fn copy_tree(from: &Path, to: &Path) -> Result<(), Fail> {
    std::fs::create_dir_all(to).map_err(|err| Fail(format!("create {to:?}: {err}")))?;
    let entries = std::fs::read_dir(from).map_err(|err| Fail(format!("read {from:?}: {err}")))?;
    for entry in entries {
        let entry = entry.map_err(|err| Fail(format!("read {from:?}: {err}")))?;
        let path = entry.path();
        let name = entry.file_name();
        if name == "node_modules" {
            continue;
        }
        if path.is_dir() {
            copy_tree(&path, &to.join(&name))?;
        } else {
            copy(&path, &to.join(&name))?;
        }
    }
    Ok(())
}

/// `css` without its comments and without the white space the syntax does not need: runs of
/// white space become one space, and none is kept next to `{`, `}`, `;`, `,` or `>`, nor after
/// a `:` (a declaration's value and a media feature's, custom properties' included, start at
/// their first token); a block's last declaration loses its `;`. Spaces elsewhere (descendant
/// selectors, `calc()` operators) stay, and quoted strings are kept as written.
fn minify_css(css: &str) -> String {
    let mut text = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        text.push_str(&rest[..start]);
        rest = rest[start + 2..]
            .find("*/")
            .map_or("", |end| &rest[start + 2 + end + 2..]);
    }
    text.push_str(rest);
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    let mut quote = None;
    for c in text.chars() {
        if let Some(open) = quote {
            out.push(c);
            quote = (c != open).then_some(open);
            continue;
        }
        if c.is_whitespace() {
            space = true;
            continue;
        }
        let tight = |c: char| matches!(c, '{' | '}' | ';' | ',' | '>');
        if space && !out.is_empty() && !tight(c) && !out.ends_with(tight) && !out.ends_with(':') {
            out.push(' ');
        }
        space = false;
        if c == '}' && out.ends_with(';') {
            out.pop();
        }
        if c == '"' || c == '\'' {
            quote = Some(c);
        }
        out.push(c);
    }
    out
}

/// `from`, minified as an ES module (its `import.meta.url` kept), into `to`.
fn minify_js(from: &Path, to: &Path) -> Result<(), Fail> {
    run(command("esbuild")
        .arg(from)
        .args([
            "--minify",
            "--format=esm",
            "--target=es2022",
            "--log-level=warning",
        ])
        .arg(format!("--outfile={}", to.display())))
}

/// The locale files of `www/locales/` (one JSON object per language but English).
pub fn locale_files() -> Result<Vec<PathBuf>, Fail> {
    let dir = workspace_root().join("www").join("locales");
    let entries = std::fs::read_dir(&dir).map_err(|err| Fail(format!("read {dir:?}: {err}")))?;
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::{minify_css, prune};

    #[test]
    fn pruning_keeps_the_newest_files() {
        let dir = std::env::temp_dir().join(format!("xtask-prune-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let start = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        for (age, name) in [(5, "a"), (1, "b"), (4, "c"), (2, "d"), (3, "e")] {
            let path = dir.join(name);
            std::fs::write(&path, name).unwrap();
            let file = std::fs::File::options().append(true).open(&path).unwrap();
            file.set_modified(start - std::time::Duration::from_secs(age * 60))
                .unwrap();
        }
        prune(&dir, 2).unwrap();
        let mut left: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, ["b", "d"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn css_loses_comments_and_spare_space_but_not_meaningful_space() {
        let css = "/* theme */\n:root .kyc-capture:not([data-theme=light]) {\n  --kyc-font: system-ui, \"Segoe  UI\";\n  width: calc(100% - 2rem);\n}\n@media (prefers-color-scheme: dark) {\n  a > b , c :hover { color : red ; }\n}\n";
        assert_eq!(
            minify_css(css),
            ":root .kyc-capture:not([data-theme=light]){--kyc-font:system-ui,\"Segoe  UI\";width:calc(100% - 2rem)}@media (prefers-color-scheme:dark){a>b,c :hover{color :red}}"
        );
    }

    #[test]
    fn the_widget_stylesheet_shrinks_and_keeps_every_rule() {
        let css = include_str!("../../../www/kyc-capture.css");
        let small = minify_css(css);
        assert!(
            small.len() * 10 < css.len() * 9,
            "{} of {}",
            small.len(),
            css.len()
        );
        assert_eq!(small.matches('{').count(), css.matches('{').count());
        assert!(!small.contains("/*"));
    }
}
