//! `cargo xtask bench`: every figure of BENCHMARKS.md measured in one run, and the payload size
//! gate of `cargo xtask test`.
//!
//! Each measuring program prints lines `BENCH <name> <unit> <sample>,<sample>,...` and
//! `BENCHFACT <name> <value>`; the statistics (median, quartiles, p95, min–max) are computed
//! here, once, for every figure.

mod wasm;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::services::{
    build_servers, build_widget, free_port, scratch_dir, start_stack, StackOptions,
};
use crate::test::CHROMIUM_FLAGS;
use crate::{command, run, run_quiet, tools, workspace_root, Fail};

/// The gzip total issue 7 sets as the limit (KB = 1000 bytes): `cargo xtask test` fails above.
pub const GZIP_LIMIT_BYTES: u64 = 150_000;
/// The goal for the gzip total.
pub const GZIP_GOAL_BYTES: u64 = 80_000;
/// Loads of the page for the startup figure.
const STARTUP_LOADS: usize = 20;

/// What a host page loads from the release build: its size raw and compressed.
pub struct Asset {
    pub name: String,
    pub raw: u64,
    pub gzip: u64,
    pub brotli: u64,
}

/// The release build's assets (wasm, JS, CSS) in `dist/`, compressed as a server would: gzip
/// level 9 and brotli quality 11.
pub fn payload(dist: &Path) -> Result<Vec<Asset>, Fail> {
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

fn gzip_len(bytes: &[u8]) -> Result<u64, Fail> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(9));
    encoder
        .write_all(bytes)
        .and_then(|()| encoder.finish())
        .map(|out| out.len() as u64)
        .map_err(|err| Fail(format!("gzip: {err}")))
}

fn brotli_len(bytes: &[u8]) -> Result<u64, Fail> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params)
        .map_err(|err| Fail(format!("brotli: {err}")))?;
    Ok(out.len() as u64)
}

/// `cargo xtask test`'s step: the host package's gzip total must stay within the limit.
pub fn payload_gate() -> Result<(), Fail> {
    build_widget()?;
    let assets = payload(&crate::dist::package_dir())?;
    let gzip: u64 = assets.iter().map(|a| a.gzip).sum();
    for asset in &assets {
        eprintln!(
            "  {:<48} {:>9} B raw {:>9} B gzip",
            asset.name, asset.raw, asset.gzip
        );
    }
    eprintln!(
        "  gzip total {gzip} B (fails above the {GZIP_LIMIT_BYTES} B limit; goal {GZIP_GOAL_BYTES} B)"
    );
    if gzip > GZIP_LIMIT_BYTES {
        return Err(Fail(format!(
            "the widget's gzip total is {gzip} B, above the {GZIP_LIMIT_BYTES} B limit \
             (BENCHMARKS.md lists the largest contributors)"
        )));
    }
    Ok(())
}

/// The samples and facts the measuring programs printed.
#[derive(Default)]
struct Results {
    series: BTreeMap<String, (String, Vec<f64>)>,
    facts: BTreeMap<String, String>,
}

impl Results {
    /// Reads the `BENCH` and `BENCHFACT` lines of `output` (anywhere in a line: test runners
    /// prefix what they pass on).
    fn absorb(&mut self, output: &str) {
        for line in output.lines() {
            if let Some(at) = line.find("BENCHFACT ") {
                let rest = line[at + "BENCHFACT ".len()..].trim();
                if let Some((name, value)) = rest.split_once(' ') {
                    self.facts.insert(name.to_owned(), value.trim().to_owned());
                }
            } else if let Some(at) = line.find("BENCH ") {
                let mut words = line[at + "BENCH ".len()..].split_whitespace();
                if let (Some(name), Some(unit), Some(list)) =
                    (words.next(), words.next(), words.next())
                {
                    let samples: Vec<f64> =
                        list.split(',').filter_map(|v| v.parse().ok()).collect();
                    self.series
                        .insert(name.to_owned(), (unit.to_owned(), samples));
                }
            }
        }
    }

    fn stats(&self, name: &str) -> Option<Stats> {
        self.series
            .get(name)
            .and_then(|(unit, samples)| Stats::of(unit, samples))
    }

    fn fact(&self, name: &str) -> Option<&str> {
        self.facts.get(name).map(String::as_str)
    }
}

/// Order statistics of one series.
#[derive(Clone)]
struct Stats {
    unit: String,
    n: usize,
    median: f64,
    p25: f64,
    p75: f64,
    p95: f64,
    min: f64,
    max: f64,
}

impl Stats {
    fn of(unit: &str, samples: &[f64]) -> Option<Stats> {
        let mut sorted: Vec<f64> = samples.iter().copied().filter(|v| v.is_finite()).collect();
        if sorted.is_empty() {
            return None;
        }
        sorted.sort_by(f64::total_cmp);
        Some(Stats {
            unit: unit.to_owned(),
            n: sorted.len(),
            median: quantile(&sorted, 0.5),
            p25: quantile(&sorted, 0.25),
            p75: quantile(&sorted, 0.75),
            p95: quantile(&sorted, 0.95),
            min: sorted[0],
            max: sorted[sorted.len() - 1],
        })
    }

    fn row(&self, label: &str) -> String {
        format!(
            "| {label} | **{}** | {}–{} | {}–{} | {} | {} |",
            num(self.median, &self.unit),
            num(self.p25, &self.unit),
            num(self.p75, &self.unit),
            num(self.min, &self.unit),
            num(self.max, &self.unit),
            num(self.p95, &self.unit),
            self.n
        )
    }
}

/// Linear interpolation between the closest ranks.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let position = q * (sorted.len() - 1) as f64;
    let (low, high) = (position.floor() as usize, position.ceil() as usize);
    sorted[low] + (sorted[high] - sorted[low]) * (position - low as f64)
}

fn num(value: f64, unit: &str) -> String {
    let digits = if value.abs() >= 100.0 {
        0
    } else if value.abs() >= 10.0 {
        1
    } else {
        2
    };
    format!("{value:.digits$} {unit}")
}

const TABLE_HEAD: &str = "| figure | median | IQR (p25–p75) | min–max | p95 | n |\n| --- | --- | --- | --- | --- | --- |";

/// How one step of the bench went.
struct Section {
    name: &'static str,
    seconds: f64,
    error: Option<String>,
}

/// `cargo xtask bench`: builds, measures every figure, writes BENCHMARKS.md.
pub fn run_all() -> Result<(), Fail> {
    let started = Instant::now();
    tools::ensure_all()?;
    let machine = machine();
    let load_before = load_average();
    let mut results = Results::default();
    let mut sections = Vec::new();

    // Everything is built before anything is timed, so no compiler competes with a figure.
    let mut step = |name: &'static str, f: &mut dyn FnMut(&mut Results) -> Result<(), Fail>| {
        eprintln!("\n=== xtask bench: {name}");
        let begun = Instant::now();
        let outcome = f(&mut results);
        if let Err(Fail(message)) = &outcome {
            eprintln!("xtask bench: {name} FAILED: {message}");
        }
        sections.push(Section {
            name,
            seconds: begun.elapsed().as_secs_f64(),
            error: outcome.err().map(|Fail(m)| m),
        });
    };
    let mut assets = Vec::new();
    step("build", &mut |_| {
        // Each build is tried even after another failed, so the other figures still come.
        let failed: Vec<String> = [
            build_widget(),
            build_servers(),
            run(command("cargo").args(RELAY_BENCH)),
            run(browser_bench_cargo().arg("--no-run")),
        ]
        .into_iter()
        .filter_map(|result| result.err().map(|Fail(message)| message))
        .collect();
        if failed.is_empty() {
            Ok(())
        } else {
            Err(Fail(failed.join("; ")))
        }
    });
    step("payload", &mut |_| {
        assets = payload(&crate::dist::package_dir())?;
        Ok(())
    });
    let contributors = wasm::contributors();
    step("startup", &mut startup);
    step("photo and live frames", &mut browser_figures);
    step("relay", &mut relay_figures);
    let load_after = load_average();

    let report = render(&Report {
        machine: &machine,
        load_before: &load_before,
        load_after: &load_after,
        assets: &assets,
        contributors: &contributors,
        results: &results,
        sections: &sections,
        seconds: started.elapsed().as_secs_f64(),
    });
    let path = workspace_root().join("BENCHMARKS.md");
    std::fs::write(&path, report).map_err(|err| Fail(format!("cannot write {path:?}: {err}")))?;
    eprintln!(
        "\nxtask bench: wrote {} in {:.0} s",
        path.display(),
        started.elapsed().as_secs_f64()
    );
    let failed: Vec<&str> = sections
        .iter()
        .filter(|s| s.error.is_some())
        .map(|s| s.name)
        .collect();
    let gzip: u64 = assets.iter().map(|a| a.gzip).sum();
    if !failed.is_empty() {
        return Err(Fail(format!("bench step(s) failed: {}", failed.join(", "))));
    }
    // `cargo xtask test` enforces the limit; the bench reports where we stand.
    if gzip > GZIP_LIMIT_BYTES {
        eprintln!(
            "xtask bench: note: the widget's gzip total is {gzip} B, above the \
             {GZIP_LIMIT_BYTES} B limit (`cargo xtask test` fails)"
        );
    }
    Ok(())
}

/// Builds the relay's bench program in release mode.
const RELAY_BENCH: &[&str] = &[
    "build",
    "--release",
    "-p",
    "kyc-relay",
    "--example",
    "bench_relay",
];

/// The browser figures: `tests/bench_photo.rs`, release mode, wasm32, headless Chromium.
///
/// With `panic = "unwind"`, as every test build is, so the release profile's `abort` (for the
/// bin an integration test builds) and the tests' `unwind` do not build the library twice.
/// Built in its own target directory, so trunk's release build does not rebuild it.
const BROWSER_BENCH: &[&str] = &[
    "test",
    "--release",
    "--config",
    "profile.release.panic=\"unwind\"",
    "--target",
    "wasm32-unknown-unknown",
    "-p",
    "kyc-capture",
    "--test",
    "bench_photo",
];

/// `cargo` for the browser bench, in its own target directory.
fn browser_bench_cargo() -> Command {
    let mut cargo = command("cargo");
    cargo.args(BROWSER_BENCH);
    cargo.env("CARGO_TARGET_DIR", target_dir().join("bench-wasm"));
    cargo
}

fn startup(results: &mut Results) -> Result<(), Fail> {
    let state = scratch_dir("bench-startup")?;
    let stack = start_stack(&StackOptions {
        relay_port: free_port(),
        sandbox_port: free_port(),
        review_delay_secs: 60,
        database: state.join("relay.sqlite"),
        static_dir: workspace_root().join("dist"),
        show_logs: false,
    })?;
    let output = run_quiet(
        command("node")
            .arg("tests/bench/startup.mjs")
            .env("RELAY_URL", &stack.relay_url)
            .env("LOADS", STARTUP_LOADS.to_string()),
    )?;
    results.absorb(&output);
    Ok(())
}

fn browser_figures(results: &mut Results) -> Result<(), Fail> {
    let dir = scratch_dir("bench-webdriver")?;
    let capabilities = format!(
        r#"{{"goog:chromeOptions": {{"binary": "/usr/bin/chromium", "args": [{}]}}}}"#,
        CHROMIUM_FLAGS
            .iter()
            .map(|flag| format!("\"{flag}\""))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let json = dir.join("webdriver.json");
    std::fs::write(&json, capabilities)
        .map_err(|err| Fail(format!("cannot write {json:?}: {err}")))?;
    let output = browser_bench_cargo()
        .args(["--", "--include-ignored", "--nocapture"])
        .env("CHROMEDRIVER", "/usr/bin/chromedriver")
        .env("WASM_BINDGEN_TEST_WEBDRIVER_JSON", &json)
        .env("WASM_BINDGEN_TEST_TIMEOUT", "300")
        .output()
        .map_err(|err| Fail(format!("cannot run the browser bench: {err}")))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    results.absorb(&stdout);
    results.absorb(&stderr);
    if !output.status.success() {
        return Err(Fail(format!(
            "the browser bench failed with {}:\n{stdout}\n{stderr}",
            output.status
        )));
    }
    Ok(())
}

fn relay_figures(results: &mut Results) -> Result<(), Fail> {
    let output = run_quiet(command("cargo").args([
        "run",
        "--quiet",
        "--release",
        "-p",
        "kyc-relay",
        "--example",
        "bench_relay",
    ]))?;
    results.absorb(&output);
    Ok(())
}

/// The machine the figures come from.
struct Machine {
    date: String,
    lines: Vec<(String, String)>,
}

fn first_line(command: &mut Command) -> String {
    run_quiet(command)
        .ok()
        .and_then(|out| out.lines().next().map(|l| l.trim().to_owned()))
        .unwrap_or_else(|| "unavailable".to_owned())
}

fn machine() -> Machine {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unavailable".to_owned());
    let memory = run_quiet(Command::new("free").arg("-h"))
        .ok()
        .and_then(|out| {
            out.lines()
                .find(|l| l.starts_with("Mem:"))
                .map(|l| l.split_whitespace().nth(1).unwrap_or("?").to_owned())
        })
        .unwrap_or_else(|| "unavailable".to_owned());
    let cores = std::thread::available_parallelism()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "unavailable".to_owned());
    let commit = first_line(
        Command::new("git")
            .args(["rev-parse", "--short", "HEAD"])
            .current_dir(workspace_root()),
    );
    let dirty = run_quiet(
        Command::new("git")
            .args(["status", "--porcelain", "--untracked-files=no"])
            .current_dir(workspace_root()),
    )
    // BENCHMARKS.md itself is what this run rewrites; any other change is reported.
    .map(|out| out.lines().any(|line| !line.ends_with("BENCHMARKS.md")))
    .unwrap_or(false);
    let lines = vec![
        ("CPU".to_owned(), cpu),
        ("cores (`nproc`)".to_owned(), cores),
        ("memory (`free -h`, total)".to_owned(), memory),
        (
            "kernel".to_owned(),
            first_line(Command::new("uname").arg("-sr")),
        ),
        (
            "rustc".to_owned(),
            first_line(Command::new("rustc").arg("-V")),
        ),
        (
            "cargo".to_owned(),
            first_line(Command::new("cargo").arg("-V")),
        ),
        (
            "Chromium".to_owned(),
            first_line(command("/usr/bin/chromium").arg("--version")),
        ),
        (
            "chromedriver".to_owned(),
            first_line(Command::new("/usr/bin/chromedriver").arg("--version")),
        ),
        (
            "Node".to_owned(),
            first_line(Command::new("node").arg("--version")),
        ),
        (
            "trunk".to_owned(),
            first_line(command("trunk").arg("--version")),
        ),
        (
            "wasm-bindgen".to_owned(),
            first_line(command("wasm-bindgen").arg("--version")),
        ),
        (
            "wasm-opt".to_owned(),
            first_line(command("wasm-opt").arg("--version")),
        ),
        (
            "commit".to_owned(),
            format!(
                "{commit}{}",
                if dirty {
                    " (with uncommitted changes in the tree)"
                } else {
                    ""
                }
            ),
        ),
    ];
    Machine {
        date: first_line(Command::new("date").args(["-u", "+%Y-%m-%d %H:%M:%S UTC"])),
        lines,
    }
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "unavailable".to_owned())
}

struct Report<'a> {
    machine: &'a Machine,
    load_before: &'a str,
    load_after: &'a str,
    assets: &'a [Asset],
    contributors: &'a Result<wasm::Contributors, String>,
    results: &'a Results,
    sections: &'a [Section],
    seconds: f64,
}

fn kb(bytes: u64) -> String {
    format!("{:.1} KB", bytes as f64 / 1000.0)
}

/// A table row of a series, or a row saying it is missing.
fn series_row(results: &Results, name: &str, label: &str) -> String {
    match results.stats(name) {
        Some(stats) => stats.row(label),
        None => format!("| {label} | **missing**: not measured in this run (see below) | | | | |"),
    }
}

fn ratio_line(results: &Results, over: &str, under: &str, what: &str) -> String {
    match (results.stats(over), results.stats(under)) {
        (Some(a), Some(b)) if b.median > 0.0 => format!(
            "**Ratio {what}: {:.2}×** (median over median, same run).",
            a.median / b.median
        ),
        _ => format!("Ratio {what}: **missing** (one of its figures was not measured)."),
    }
}

fn render(report: &Report) -> String {
    let r = report.results;
    let mut md = String::new();
    let _ = writeln!(md, "# Benchmarks\n");
    let _ = writeln!(
        md,
        "Written by `cargo xtask bench` on {} (the whole run took {:.0} s). Every figure below \
         was measured in that one run; nothing is copied from elsewhere. Re-run the command to \
         replace this file.\n",
        report.machine.date, report.seconds
    );
    let _ = writeln!(md, "## Machine\n\n| | |\n| --- | --- |");
    for (name, value) in &report.machine.lines {
        let _ = writeln!(md, "| {name} | {value} |");
    }
    let _ = writeln!(
        md,
        "| load average (1, 5, 15 min) | {} before, {} after |",
        report.load_before, report.load_after
    );
    if let Some(agent) = r.fact("browser.user_agent") {
        let _ = writeln!(md, "| browser of the wasm figures | {agent} |");
    }
    let _ = writeln!(
        md,
        "\nThe machine is shared (other builds may run beside the bench): compare figures of \
         one run with each other, and read the load average before trusting an absolute \
         number.\n"
    );

    // 1. Payload.
    let gzip: u64 = report.assets.iter().map(|a| a.gzip).sum();
    let brotli: u64 = report.assets.iter().map(|a| a.brotli).sum();
    let raw: u64 = report.assets.iter().map(|a| a.raw).sum();
    let _ = writeln!(md, "## 1. Payload\n");
    let _ = writeln!(
        md,
        "Everything a host page loads: the package of `cargo xtask dist` in \
         `dist/kyc-capture/` (opt-level \"z\", LTO, one codegen unit, the standard library \
         rebuilt with panics as bare traps, binaryen's `wasm-opt -Oz`): the loader, wasm-bindgen's \
         glue, the wasm and the CSS, compressed here with gzip level 9 and brotli quality 11 (the \
         TypeScript types are never fetched). Sizes are exact byte counts of one build, so there \
         is no spread. KB = 1000 bytes.\n"
    );
    let _ = writeln!(
        md,
        "| file | raw | gzip | brotli |\n| --- | --- | --- | --- |"
    );
    for asset in report.assets {
        let _ = writeln!(
            md,
            "| `{}` | {} | {} | {} |",
            asset.name,
            kb(asset.raw),
            kb(asset.gzip),
            kb(asset.brotli)
        );
    }
    let verdict = if report.assets.is_empty() {
        "**missing**: the build failed".to_owned()
    } else if gzip > GZIP_LIMIT_BYTES {
        format!(
            "**over the {} limit** (`cargo xtask test` fails)",
            kb(GZIP_LIMIT_BYTES)
        )
    } else if gzip > GZIP_GOAL_BYTES {
        format!(
            "within the {} limit, above the {} goal",
            kb(GZIP_LIMIT_BYTES),
            kb(GZIP_GOAL_BYTES)
        )
    } else {
        format!("within the {} goal", kb(GZIP_GOAL_BYTES))
    };
    let _ = writeln!(
        md,
        "| **total** | **{}** | **{}** | **{}** |\n\ngzip total: {verdict}. `cargo xtask test` \
         fails above issue 7's limit of {} gzip (step \"payload size gate\"); the goal is {}. \
         For scale, the leading SDK ships about 500 KB compressed.\n",
        kb(raw),
        kb(gzip),
        kb(brotli),
        kb(GZIP_LIMIT_BYTES),
        kb(GZIP_GOAL_BYTES)
    );
    wasm::render(&mut md, report.contributors);

    // 2. Startup.
    let _ = writeln!(md, "## 2. Startup\n");
    let _ = writeln!(
        md,
        "The relay serving `dist/` (with the sandbox behind it, as in `cargo xtask demo`) on \
         127.0.0.1, loaded {} times in headless Chromium (playwright-core, \
         `tests/bench/startup.mjs`) after one uncounted load, each in a fresh browser context \
         (empty cache, as a first visit). The end point is the first step's heading \
         (`#kyc-capture h2`) entering the DOM, seen by a MutationObserver installed before any \
         page script; \"frame\" is the next animation frame after it. Script start is the \
         start of the widget script's fetch (its resource-timing `startTime`). The time \
         includes downloading and instantiating the wasm and the widget's two requests to \
         the relay (demo session, session view).\n",
        r.fact("startup.loads").unwrap_or("(missing)")
    );
    let _ = writeln!(md, "{TABLE_HEAD}");
    for (name, label) in [
        (
            "startup.script_to_step",
            "**script start → first step in the DOM**",
        ),
        (
            "startup.script_to_step_frame",
            "script start → next frame after the first step",
        ),
        (
            "startup.navigation_to_step",
            "navigation start → first step in the DOM",
        ),
        ("startup.script_fetch", "of which: fetching the JS"),
        (
            "startup.wasm_instantiate",
            "of which: fetching + instantiating the wasm",
        ),
    ] {
        let _ = writeln!(md, "{}", series_row(r, name, label));
    }
    let _ = writeln!(md);

    // 3. Still photo.
    let _ = writeln!(md, "## 3. Still photo\n");
    let _ = writeln!(
        md,
        "A 12 MP camera-like JPEG generated in the page ({}, {} bytes; a document on a \
         background with sensor-like noise, and an EXIF orientation 6 segment so the decode \
         must rotate it) through the widget's whole pre-upload path, \
         `kyc_capture::intake::intake(Capture::File(blob), Slot::Front, \
         &FileLimits::default(), ..)`: read the bytes once and run `kyc-core`'s file checks, \
         decode with `createImageBitmap` honouring EXIF orientation, downscale on a canvas \
         (to {}), read the pixels back and run `kyc-core`'s quality metrics and gate, encode \
         as JPEG ({} bytes). \
         Beside it, in the same page and run, alternating order: the browser's bare \
         `createImageBitmap(blob)` of the same file (decoded size {}). Release build of \
         `tests/bench_photo.rs` (panic=unwind, as every test build) in headless Chromium \
         through chromedriver; one uncounted \
         warm-up of each.\n",
        r.fact("photo.input_pixels").unwrap_or("(missing)"),
        r.fact("photo.input_bytes").unwrap_or("(missing)"),
        r.fact("photo.output_pixels").unwrap_or("(missing)"),
        r.fact("photo.output_bytes").unwrap_or("(missing)"),
        r.fact("photo.bare_decode_pixels").unwrap_or("(missing)"),
    );
    let _ = writeln!(md, "{TABLE_HEAD}");
    let _ = writeln!(
        md,
        "{}",
        series_row(r, "photo.prepare", "widget's pre-upload path")
    );
    let _ = writeln!(
        md,
        "{}",
        series_row(r, "photo.bare_decode", "bare `createImageBitmap` decode")
    );
    let _ = writeln!(
        md,
        "\n{}\n",
        ratio_line(
            r,
            "photo.prepare",
            "photo.bare_decode",
            "widget path / bare decode"
        )
    );

    // 4. Live frames.
    let _ = writeln!(md, "## 4. Live frames\n");
    let _ = writeln!(
        md,
        "`kyc_core::assess` (sharpness, exposure, glare, cut-off on the shared 640 px \
         normalized downscale, document thresholds) on one 1280x720 RGBA frame, in wasm \
         (release) in headless Chromium; and the same with what a camera frame needs first: \
         drawing the frame on a 1280x720 canvas, `getImageData`, and the copy into wasm \
         memory. Scores of the frame: {}.\n",
        r.fact("live.report").unwrap_or("(missing)")
    );
    let _ = writeln!(md, "{TABLE_HEAD}");
    let _ = writeln!(md, "{}", series_row(r, "live.assess", "metrics only"));
    let _ = writeln!(
        md,
        "{}",
        series_row(r, "live.readback_assess", "canvas read-back + metrics")
    );
    for (name, what) in [
        ("live.assess", "metrics only"),
        ("live.readback_assess", "read-back + metrics"),
    ] {
        match r.stats(name) {
            Some(s) => {
                let _ = writeln!(
                    md,
                    "\nFrame rate left for {what} on one core: **{:.0} frames/s** at the \
                     median, {:.0} frames/s at p95.",
                    1000.0 / s.median,
                    1000.0 / s.p95
                );
            }
            None => {
                let _ = writeln!(md, "\nFrame rate for {what}: **missing**.");
            }
        }
    }
    let _ = writeln!(md);

    // 5. Relay.
    let _ = writeln!(md, "## 5. Relay\n");
    let _ = writeln!(
        md,
        "`crates/kyc-relay/examples/bench_relay.rs` in release mode: the provider sandbox with \
         its real S3-compatible storage (s3s-fs, writing to a temporary directory) in the \
         bench process, the relay (provider D, SQLite file, file limit raised to 64 MiB \
         through `RelayConfig`) as a child process, all over HTTP on 127.0.0.1. A {} byte \
         JPEG-shaped file (valid header, random body) goes through the relay (`PUT \
         /v1/session/slots/front`: the relay checks the head with `kyc-core`, spools the body to \
         an unlinked temporary file, asks D for a presigned URL and streams it to the storage) and, in the same rounds with \
         alternating order, straight to a presigned URL of the same storage.\n",
        r.fact("upload.large_bytes").unwrap_or("(missing)")
    );
    let _ = writeln!(md, "{TABLE_HEAD}");
    let _ = writeln!(
        md,
        "{}",
        series_row(r, "relay.upload50.relay", "50 MiB through the relay")
    );
    let _ = writeln!(
        md,
        "{}",
        series_row(r, "relay.upload50.direct", "50 MiB direct PUT to storage")
    );
    let peak_name = if r.series.contains_key("relay.upload50.peak_rss") {
        "relay.upload50.peak_rss"
    } else {
        "relay.upload50.peak_rss_since_start"
    };
    let _ = writeln!(
        md,
        "{}",
        series_row(r, peak_name, "relay peak RSS per upload (VmHWM)")
    );
    let _ = writeln!(
        md,
        "{}",
        series_row(
            r,
            "relay.upload50.sampled_rss",
            "relay peak RSS per upload (5 ms VmRSS samples)"
        )
    );
    let idle_mib = r
        .fact("relay.idle_rss_kib")
        .and_then(|v| v.parse::<f64>().ok())
        .map(|kib| kib / 1024.0);
    let file_mib = r
        .fact("upload.large_bytes")
        .and_then(|v| v.parse::<f64>().ok())
        .map(|bytes| bytes / (1024.0 * 1024.0));
    let memory = match (idle_mib, r.stats(peak_name), file_mib) {
        (Some(idle), Some(peak), Some(file)) => {
            let above = peak.max - idle;
            format!(
                "Relay RSS when idle, before the uploads: {idle:.1} MiB; the largest peak is \
                 {above:.1} MiB above it, {:.2}× the file's size: the relay {} the whole file \
                 in memory while it handles the upload.",
                above / file,
                if above >= file {
                    "holds at least"
                } else {
                    "does not hold"
                }
            )
        }
        _ => "Relay RSS when idle: **missing**.".to_owned(),
    };
    let _ = writeln!(
        md,
        "\n{} {memory}\n",
        ratio_line(
            r,
            "relay.upload50.relay",
            "relay.upload50.direct",
            "relay / direct"
        ),
    );
    let _ = writeln!(
        md,
        "Concurrency: {} sessions at once, each created with the host key (`POST \
         /v1/sessions`, which creates the customer at D) and then uploading three {} byte \
         files one after the other (front, back, selfie), all through the same relay. \
         Errors: **{}** of {} requests; wall time {} ms; relay peak RSS {} MiB (VmHWM; 5 ms \
         samples: {} MiB).\n",
        r.fact("concurrent.sessions").unwrap_or("(missing)"),
        r.fact("concurrent.file_bytes").unwrap_or("(missing)"),
        r.fact("relay.concurrent.errors").unwrap_or("(missing)"),
        r.fact("relay.concurrent.requests").unwrap_or("(missing)"),
        r.fact("relay.concurrent.wall_ms").unwrap_or("(missing)"),
        r.fact("relay.concurrent.peak_rss_mib")
            .unwrap_or("(missing)"),
        r.fact("relay.concurrent.sampled_rss_mib")
            .unwrap_or("(missing)"),
    );
    let _ = writeln!(md, "{TABLE_HEAD}");
    let _ = writeln!(
        md,
        "{}",
        series_row(
            r,
            "relay.concurrent.upload_latency",
            "upload request latency"
        )
    );
    let _ = writeln!(
        md,
        "{}",
        series_row(
            r,
            "relay.concurrent.session_latency",
            "session creation latency"
        )
    );
    let examples: Vec<&String> = r
        .facts
        .iter()
        .filter(|(k, _)| k.starts_with("relay.concurrent.error_example"))
        .map(|(_, v)| v)
        .collect();
    for example in examples {
        let _ = writeln!(md, "\nAn error: `{example}`");
    }
    let _ = writeln!(md);

    // Run log.
    let _ = writeln!(
        md,
        "## This run\n\n| step | time | outcome |\n| --- | --- | --- |"
    );
    for section in report.sections {
        let outcome = match &section.error {
            None => "ok".to_owned(),
            Some(message) => format!("FAILED: {}", short(message).replace('|', "\\|")),
        };
        let _ = writeln!(
            md,
            "| {} | {:.0} s | {outcome} |",
            section.name, section.seconds
        );
    }
    let _ = writeln!(
        md,
        "\n## Reproduce\n\n```sh\ncargo xtask bench\n```\n\nIt installs what is missing (as \
         `cargo xtask test` does), builds everything first (the widget with trunk, the servers, \
         the relay bench and the browser bench in release mode), then measures; traffic stays \
         on 127.0.0.1. The parts alone:\n\n```sh\ncargo xtask dist   # then gzip/brotli the \
         .wasm, .js, .css of dist/kyc-capture/\nRELAY_URL=http://127.0.0.1:8080 LOADS=20 node \
         tests/bench/startup.mjs   # with `cargo xtask demo` running\nCHROMEDRIVER=/usr/bin/chromedriver \
         WASM_BINDGEN_TEST_WEBDRIVER_JSON=target/xtask/bench-webdriver/webdriver.json \\\n  CARGO_TARGET_DIR=target/bench-wasm cargo test --release \
         --config 'profile.release.panic=\"unwind\"' --target wasm32-unknown-unknown -p kyc-capture \
         --test bench_photo -- --include-ignored --nocapture\ncargo run --release -p kyc-relay --example bench_relay \
         -- --rounds 5 --sessions 200\n```"
    );
    md
}

/// A failure's first line without the `cd … && PATH="…"` prefix of a command's Debug form,
/// and at most 300 characters.
fn short(message: &str) -> String {
    let mut line = message.lines().next().unwrap_or_default();
    if let Some(at) = line.find("PATH=\"") {
        let rest = &line[at + 6..];
        if let Some(end) = rest.find("\" ") {
            line = &rest[end + 2..];
        }
    }
    line.chars().take(300).collect()
}

/// The directory of the workspace's build output.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}
