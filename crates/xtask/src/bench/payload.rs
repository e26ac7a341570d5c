//! The payload: what a host page loads from the release build, its sizes raw and compressed, and
//! the size gate of `cargo xtask test`.

use std::path::Path;

use crate::services::build_widget;
use crate::Fail;

/// The gzip total `cargo xtask test` fails above (KB = 1000 bytes). Issue 7 set 150 KB; the
/// phone handoff (issue 15: its step, the QR encoder, the exchange) costs about 10 KB of it,
/// measured as 149.5 KB before and 159 KB after it, of which the shortened glue names won back
/// 5.9 KB; the business customers' flow (issue 14: the company's page, owners, their captures
/// sent at once, its wire type) 18.4 KB more, measured as 159.0 KB before and 177.4 KB after it
/// on the same toolchain (Leptos' typed views: the company's page alone is about 10 KB). The
/// limit is raised to 180 KB until issue 18's split loads the handoff only on a desktop that
/// offers it and the business flow only in a business's session, and then goes down with the
/// first step's budget. Finding the document in the frame (issue 16: the outline detector,
/// guidance and perspective-corrected crop of `kyc-core`, the outline over the preview, the
/// crop's switch on review) adds 15.2 KB, measured as 178.0 KB before and 193.2 KB after it
/// (193,225 B): the detector and the crop are about 20 KB of code before compression, run on
/// every frame of every document, so they cannot wait for a split; libm's sine and cosine
/// (2.1 KB gzip) and Rust's float-to-text (5.5 KB gzip) were taken out to get there. Then
/// 5.5 KB more, measured one change at a time: the business capture's check of a crop before
/// it goes (2.7 KB: 193.3 KB before, 196.0 KB after) and the detector's rejection of doubtful
/// outlines by their sides' support and the colours around them (2.8 KB: 198.8 KB after), and
/// the strings' fallback for a task that outlives its widget (0.9 KB: 199.6 KB after, as
/// `I18n::with` is generic and inlined where it is called; 0.25 KB of it won back by calling
/// the closure in one place: 199.4 KB). Then kyc-core compiled for speed rather than size
/// (`opt-level = 3` for that package alone: the outline, the crop and the metrics of every
/// analysed preview frame about twice as fast in wasm), 4.7 KB: 199.4 KB before, 204.1 KB after;
/// the bent-page check (issue 16's "not flat": the sides' bow and its sentence) 1.3 KB more,
/// 205.3 KB (205,322 B; the outline's later speed-ups: 205,318 B). The live analysis's crop
/// flattened in luma alone (`flatten_luma`: the preview's checks need no colour; about a
/// third less work per analysed frame for the crop and the checks on it) 1.4 KB more, with
/// `normalize` compiled once for every kind of frame (0.56 KB of it won back): 206.8 KB
/// (206,764 B; the preview's canvas kept from frame to frame, cleared when kept: 206,920 B).
/// The live analysis in a worker (issue 18: the preview's frames examined off the main thread,
/// up to 16 a second; the worker's start and script, its canvas, the frames' hand-over and
/// their answers as numbers) 5.5 KB more: 212.4 KB (212,397 B); the worker ended with the
/// widget: 212,517 B; one binding for the module's own URL instead of two: 212,095 B.
/// The module split in two (issue 18: the later steps and all they reach load while the first
/// step shows, see `src/later.rs`): 227.6 KB in all (227,554 B), 15.5 KB more than one module:
/// the two modules compress apart, every call from the later module into the first goes
/// through the function table (so `wasm-opt` can neither inline nor drop what it calls), and
/// the split's loader and the worker's entry into the later module are new. The document and
/// country steps moved to the later module: 228,319 B; a later module that cannot be fetched
/// told to the host (`kyc-error`): 228,443 B. The session's view asked for by the loader while
/// the module downloads (one round trip less before the first step; the loader's request, the
/// widget's reading of its answer): 229,251 B; a business's resume on reload moved to the later
/// module (3.3 KB off the first step, 0.2 KB more in all as the modules compress apart):
/// 229,479 B; the loader compiling the module as it downloads: 229,607 B; the camera's shutter
/// waiting for the preview's first frame (a camera that shows none released and explained):
/// 229,771 B; the later steps' English strings in the later module: 229,788 B; the worker's
/// reading of a frame in the later module: 229,881 B. A chosen JPEG decoded straight to about
/// its output size where the engine can (WebCodecs' `ImageDecoder`; the whole decode stays for
/// the other engines): 230,862 B, for a 12 MP photo's path twice as fast in Chromium (242 ms to
/// 127 ms on this machine); the engine's frames checked for the orientation before decoding
/// (Firefox's do not carry it: it decoded twice): 231,043 B. A chosen photo prepared in the
/// analysis worker (decoded, checked and encoded on an `OffscreenCanvas`; the page's longest
/// pause during a 12 MP photo's path about 50 ms -> 7 ms in Chromium; the page as fallback):
/// 236,230 B (the first step 156 B smaller: the worker's entries hand their whole task to the
/// later module). wasm-streams' classes, which leptos brings in and the widget never uses,
/// dropped from the first module and its glue (`crates/xtask/src/unused_classes.rs`):
/// 234,754 B. Firefox's photos decoded whole by `ImageDecoder` (its `createImageBitmap` in a
/// worker decodes on the page's main thread), a worker that does not start given up, a worker
/// that fails on a photo given no more: 234,840 B. A photo decoded at about its output size
/// copied out of its frame and turned in wasm rather than drawn and read back, its encode
/// started at once on the worker's encoder thread (a worker of the worker's, from a bitmap of
/// the frame) beside the checks: 238,171 B, for a 12 MP photo's path 120 ms -> about 95 ms in
/// Chromium on this machine. A camera shot prepared in the worker too (a copy of the frame
/// handed over): 239,022 B; 238,900 B with `Picture::encode` simplified. An encode on the
/// encoder thread given up after a deadline (then done where the checks ran, and the encoder
/// not asked again), so a stalled encoder never holds a photo: 239,275 B. A worker that has not
/// answered a photo (20 s) or a frame (5 s) in time taken as stuck and ended, the page doing
/// its work (one timer closure with the start's deadline): 239,431 B. A locale table's failure
/// said without `Debug` (whose string escaping and its Unicode tables came with it): 238,818 B;
/// the promise tasks of wasm-streams' dropped classes made a trap (the function table kept
/// them, `unused_classes::stub_tasks`): 236,407 B. The first step drawn
/// without the framework, Leptos in the later module with the flow (`src/first_step.rs`):
/// 231,067 B; 230,982 B after two small changes of the first step's code; 230,664 B with a
/// business's consent drawn by the first step (the later module no longer asks for the company
/// to find where a reload goes on: the session says it); 226,914 B with the standard library's
/// smaller algorithms (`optimize_for_size`, `crates/xtask/src/dist.rs`); 226,223 B with one
/// `wasm-opt -Oz` pass more; 226,233 B with PDFs' open actions told apart. Every country
/// offered as a document's issuer (`kyc-core`'s ISO 3166 list, 250 codes as one string of
/// letters, names from `Intl.DisplayNames` in the collator's order; 41 before, so a passport of
/// Greece or Vietnam could not be named), white ground and white print told from glare, and a
/// photo over the upload limit read to be re-encoded: 227,687 B; 227,769 B with the sentence of
/// a session a newer one took over (in the first step's English strings); 228,238 B with the
/// relay's upload limit read from the session and held by the widget (a host's `--max-bytes`
/// below 10 MiB let a larger PDF go the whole way to a 413 that named 10 MB; above it, a PDF the
/// relay takes was refused); 228,215 B with an encrypted PDF left to the relay to open;
/// 228,365 B with a transparent PNG or WebP drawn over white; 228,108 B with the analysis
/// worker's script shipped without its comments and indentation; 228,348 B with a PDF's stream
/// data left out of the scan for active content (a scanned statement's image bytes spelt `/JS`
/// or `/AA` about once in twenty 5 MiB files, and the file was refused: 254 B more) and the
/// stylesheet without the space after a `:` nor a block's last `;` (14 B less), so 228,400 B.
/// Then the framework's code each kind of thing ships once for, fewer kinds (one change at a
/// time): a business's company drawn from its view where it is kept, not a copy (the view's
/// clone: 228,336 B, with the scan for active content leaving PDFs' strings, comments and
/// compressed object streams out: 89 B more); one kind of signal (`RwSignal`, no read/write
/// pairs nor a `Signal` for one parameter): 225,551 B; the later steps' elements reached
/// through one directive (`src/mounted.rs`) instead of a `NodeRef` per element type:
/// 222,551 B; the reactive attributes' values as owned strings (no `&str` nor `Option<&str>`
/// ones) and a reactive class no stylesheet used dropped: 219,973 B; the relay's client kept in
/// the flow, not in a context of its own: 219,739 B; the lists collected as `AnyView`s
/// (`collect_any`): 217,883 B; a view shown or not as an `Option<AnyView>`: 217,499 B, so
/// 217,600 B. Then a PDF sent from its header (bytes before it left out): 217,579 B; a view
/// shown or not as an `AnyView`, empty when not (`or_nothing`), and reactive texts as
/// `String`s: 215,580 B; the signals of text that may be none (errors, the phone's link, a
/// license's US state) as `String`s, empty for none: 214,632 B; the flow's effects of no value
/// and the status feed's memory kept in its `Following`: 214,100 B; the flow's and the retry's
/// flags as signals read untracked (no `StoredValue<bool>`): 213,862 B, so 213,900 B. Then a
/// step's note drawn by one function (`note`), not a paragraph built in each view: 213,753 B,
/// so 213,800 B; 213,734 B with a photo turned upright as 4-byte pixels; 213,704 B without a
/// note's view converted twice.
pub const GZIP_LIMIT_BYTES: u64 = 213_800;
/// Issue 18's goal for the gzip total, every feature included.
pub const GZIP_GOAL_BYTES: u64 = 120_000;
/// The gzip bytes the first step needs (every file but the later module) that `cargo xtask
/// test` fails above. One module: 212,095 B; split in two (the first holds the start, the
/// consent, the document and the country steps, the relay client and the strings; the later
/// one the camera, the photo checks, the document's outline, the uploads, the handoff, the
/// status and a business's steps): 116,462 B (measured with the limit above); the document and
/// country steps (their views, the country list and its sorting) in the later module too:
/// 105,511 B; the host told when the later module cannot be fetched: 105,666 B; the loader's
/// early session request: 106,501 B; a business's resume on reload in the later module:
/// 103,249 B; the loader compiling the module as it downloads: 103,377 B; the later steps'
/// English strings (165 of 205) in the later module, which hands them over when it starts:
/// 98,570 B; the worker's reading of a frame (drawing it, reading its pixels) in the later
/// module too, where its checks are: 97,510 B; the bindings of the decode straight to size (in
/// the glue, which both modules share): 97,612 B; 97,645 B with the check of the engine's
/// frames; 97,489 B with a chosen photo prepared in the worker (the worker's entries hand their
/// whole task, the answer's encoding included, to the later module); 96,013 B without
/// wasm-streams' unused classes (their exports kept their code in the first module); 96,035 B
/// with the worker's start deadline; 96,115 B with the bindings of a decoded frame's copy and
/// the encoder thread's call (in the shared glue); 96,170 B with a camera shot prepared in the
/// worker (none of its code in the first module: the split's tables); 92,393 B with a locale
/// table's failure said without `Debug` (the formatting machinery left for the later module);
/// 89,982 B with wasm-streams' promise tasks made a trap; 49,439 B with the start and the
/// consent drawn without the framework (`src/first_step.rs`), Leptos fetched with the later
/// steps: the limit is now the goal; 49,450 B with a business's consent drawn there too (the
/// session's `business_started` read); 49,044 B with the standard library's smaller algorithms;
/// 48,945 B with one `wasm-opt -Oz` pass more; 49,042 B with the sentence of a session a newer
/// one took over and the glue of the later steps' new bindings (a blob's slice, the collator).
/// BENCHMARKS.md says what the first module is
/// made of. Tried and dropped: the `format!` calls the first step reaches written with
/// `concat` instead, 157 B more (`core::fmt` stays in the first module: its `Display` and
/// `fmt::Write` functions are in the function table, which `wasm-opt` keeps whole).
pub const FIRST_STEP_LIMIT_BYTES: u64 = 50_000;
/// Issue 18's goal for what the first step needs.
pub const FIRST_STEP_GOAL_BYTES: u64 = 50_000;

/// What a host page loads from the release build: its size raw and compressed.
pub struct Asset {
    /// The file name.
    pub name: String,
    /// Bytes as built.
    pub raw: u64,
    /// Bytes gzipped (level 9).
    pub gzip: u64,
    /// Bytes brotli-compressed (quality 11).
    pub brotli: u64,
}

impl Asset {
    /// Whether the first step needs it (all but the later modules).
    #[must_use]
    pub fn first_step(&self) -> bool {
        !self.name.starts_with(crate::dist::LATER_MODULE_PREFIX)
    }
}

/// The gzip bytes of what the first step needs and of everything.
#[must_use]
pub fn gzip_totals(assets: &[Asset]) -> (u64, u64) {
    let first = assets
        .iter()
        .filter(|a| a.first_step())
        .map(|a| a.gzip)
        .sum();
    (first, assets.iter().map(|a| a.gzip).sum())
}

/// The release build's assets (wasm, JS, CSS) in `dist/`, compressed as a server would: gzip
/// level 9 and brotli quality 11.
pub fn assets(dist: &Path) -> Result<Vec<Asset>, Fail> {
    let entries =
        std::fs::read_dir(dist).map_err(|err| Fail(format!("cannot read {dist:?}: {err}")))?;
    let mut assets = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let loaded = matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("wasm" | "js" | "css")
        );
        if !loaded {
            continue;
        }
        let bytes =
            std::fs::read(&path).map_err(|err| Fail(format!("cannot read {path:?}: {err}")))?;
        assets.push(Asset {
            name: entry.file_name().to_string_lossy().into_owned(),
            raw: bytes.len() as u64,
            gzip: gzip_len(&bytes)?,
            brotli: brotli_len(&bytes)?,
        });
    }
    if assets.is_empty() {
        return Err(Fail(format!("no wasm, JS or CSS in {}", dist.display())));
    }
    assets.sort_by_key(|a| std::cmp::Reverse(a.raw));
    Ok(assets)
}

/// A first step built as the package's module is, its wasm and glue measured as [`assets`]
/// measures the package's: the example `name` (`tests/bench/<name>.rs`), `first_step_floor`
/// (Leptos alone mounting a step like the consent: the least a first step costs with the
/// widget's stack) or `first_step_plain` (the same step without a framework).
pub fn first_step_example(name: &str) -> Result<Vec<Asset>, Fail> {
    let out = crate::workspace_root()
        .join("target/xtask")
        .join(name.replace('_', "-"));
    if out.exists() {
        std::fs::remove_dir_all(&out).map_err(|err| Fail(format!("clean {out:?}: {err}")))?;
    }
    std::fs::create_dir_all(&out).map_err(|err| Fail(format!("create {out:?}: {err}")))?;
    crate::dist::release_module(
        &["--example", name],
        &crate::dist::example_rustc_output(name),
        &out,
        &name.replace('_', "-"),
    )?;
    assets(&out)
}

/// The length of `bytes` gzipped at level 9, as every payload figure is measured.
pub fn gzip_len(bytes: &[u8]) -> Result<u64, Fail> {
    crate::compress::gzip(bytes).map(|out| out.len() as u64)
}

fn brotli_len(bytes: &[u8]) -> Result<u64, Fail> {
    crate::compress::brotli(bytes).map(|out| out.len() as u64)
}

/// `cargo xtask test`'s step: what the first step needs and the whole package must each stay
/// within their gzip limit.
pub fn gate() -> Result<(), Fail> {
    build_widget()?;
    let assets = assets(&crate::dist::package_dir())?;
    let (first, total) = gzip_totals(&assets);
    for asset in &assets {
        let when = if asset.first_step() {
            "first step"
        } else {
            "later"
        };
        eprintln!(
            "  {:<40} {:>10} {:>9} B raw {:>9} B gzip",
            asset.name, when, asset.raw, asset.gzip
        );
    }
    eprintln!(
        "  first step {first} B gzip (fails above {FIRST_STEP_LIMIT_BYTES} B; goal \
         {FIRST_STEP_GOAL_BYTES} B), total {total} B gzip (fails above {GZIP_LIMIT_BYTES} B; \
         goal {GZIP_GOAL_BYTES} B)"
    );
    let mut over = Vec::new();
    if first > FIRST_STEP_LIMIT_BYTES {
        over.push(format!(
            "what the first step needs is {first} B gzip, above the {FIRST_STEP_LIMIT_BYTES} B \
             limit"
        ));
    }
    if total > GZIP_LIMIT_BYTES {
        over.push(format!(
            "the widget's gzip total is {total} B, above the {GZIP_LIMIT_BYTES} B limit"
        ));
    }
    if !over.is_empty() {
        return Err(Fail(format!(
            "{} (BENCHMARKS.md lists the largest contributors)",
            over.join("; ")
        )));
    }
    Ok(())
}
