//! `cargo xtask bench`: every figure of BENCHMARKS.md measured in one run, and the payload size
//! gate of `cargo xtask test`.
//!
//! Each measuring program prints lines `BENCH <name> <unit> <sample>,<sample>,...` and
//! `BENCHFACT <name> <value>`; [`stats`] computes the statistics (median, quartiles, p95,
//! min–max) once for every figure, [`report`] writes them with the [`machine`] they ran on.
//! [`payload`] measures what a host page loads (and gates it in `cargo xtask test`), [`wasm`]
//! what the wasm is made of, [`scaling`] the relay through one and several instances.
//!
//! `cargo xtask bench scaling [--sessions N]` measures only the scaling figures and prints
//! their section (BENCHMARKS.md is left alone), to iterate on them without the browsers.

mod machine;
pub mod payload;
mod peers;
mod report;
mod scaling;
mod stats;
mod wasm;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use self::machine::{load_average, machine};
use self::payload::{gzip_totals, FIRST_STEP_LIMIT_BYTES, GZIP_LIMIT_BYTES};
use self::report::{Report, Section};
use self::stats::Results;
use crate::browser::Engine;
use crate::driver::DriverServer;
use crate::free_port;
use crate::services::{build_widget, start_stack_of, Profile, RelayDatabase, Stack, StackOptions};
use crate::webkit::{self, WebKitDriver};
use crate::{
    browser, command, run, run_quiet, scratch_dir, target_dir, tools, workspace_root, Fail,
};

/// Loads of the page for the startup figure.
const STARTUP_LOADS: usize = 20;

/// How long the live preview is watched (issue 18: 10 s).
const LIVE_PREVIEW_SECONDS: u32 = 10;

/// Counted runs of each peer's photo path (FilePond's takes seconds).
const PEER_PHOTO_ROUNDS: usize = 10;

/// How to call `cargo xtask bench`.
const USAGE: &str = "usage: cargo xtask bench [scaling [--sessions N]]";

/// `cargo xtask bench [scaling [--sessions N]]`.
pub fn from_args(args: &[String]) -> Result<(), Fail> {
    match args {
        [] => run_all(),
        [what, rest @ ..] if what == "scaling" => {
            let sessions = match rest {
                [] => scaling::SESSIONS,
                [flag, value] if flag == "--sessions" => {
                    value.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                        Fail(format!(
                            "--sessions: {value:?} is not a number of at least 1"
                        ))
                    })?
                }
                _ => return Err(Fail(format!("{USAGE}, not bench {}", args.join(" ")))),
            };
            scaling_only(sessions)
        }
        _ => Err(Fail(format!("{USAGE}, not bench {}", args.join(" ")))),
    }
}

/// `cargo xtask bench scaling`: the scaling figures alone, their section on standard output.
fn scaling_only(sessions: usize) -> Result<(), Fail> {
    tools::ensure_s3s_fs()?;
    scaling::build()?;
    let mut results = Results::default();
    let outcome = scaling::measure(&mut results, sessions);
    let mut md = String::new();
    scaling::render(&mut md, &results);
    println!("{md}");
    outcome
}

/// `cargo xtask bench`: builds, measures every figure, writes BENCHMARKS.md.
pub fn run_all() -> Result<(), Fail> {
    let started = Instant::now();
    tools::ensure_all(&Engine::ALL)?;
    let machine = machine();
    let load_before = load_average();
    let mut results = Results::default();
    let mut sections = Vec::new();

    // Everything is built before anything is timed, so no compiler competes with a figure.
    let mut step = |name: &'static str, f: &mut dyn FnMut(&mut Results) -> Result<(), Fail>| {
        eprintln!("\n=== xtask bench: {name}");
        let settled = machine::settle();
        let begun = Instant::now();
        let outcome = f(&mut results);
        if let Err(Fail(message)) = &outcome {
            eprintln!("xtask bench: {name} FAILED: {message}");
        }
        sections.push(Section {
            name,
            seconds: begun.elapsed().as_secs_f64(),
            settled: settled.as_secs_f64(),
            error: outcome.err().map(|Fail(m)| m),
        });
    };
    let mut assets = Vec::new();
    step("build", &mut |results| {
        // Each build is tried even after another failed, so the other figures still come.
        let failed: Vec<String> = [
            build_widget(),
            // Into `dist/`, after the widget's build (which starts it afresh).
            peers::build(results),
            // The peers' files compressed beside them as the widget's are: the bench's relay
            // sends every page's files the same way.
            crate::compress::precompress(&crate::workspace_root().join("dist")),
            run(command("cargo").args(RELAY_BENCH)),
            run(browser_bench_cargo().arg("--no-run")),
            // The release servers, which every stack of the bench runs.
            scaling::build(),
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
    step("payload", &mut |results| {
        assets = payload::assets(&crate::dist::package_dir())?;
        for example in ["first_step_floor", "first_step_plain"] {
            let step = payload::first_step_example(example)?;
            let sum = |size: fn(&payload::Asset) -> u64| step.iter().map(size).sum::<u64>();
            for (unit, value) in [
                ("gzip", sum(|a| a.gzip)),
                ("raw", sum(|a| a.raw)),
                ("brotli", sum(|a| a.brotli)),
            ] {
                results
                    .facts
                    .insert(format!("payload.{example}.{unit}"), value.to_string());
            }
        }
        peers::sizes(results)
    });
    let contributors = wasm::contributors();
    // Before the browsers': their processes' exit slows the machine for some seconds after.
    step("relay", &mut relay_figures);
    step("startup", &mut startup);
    step("startup in Firefox", &mut |results| {
        engine_startup(results, Engine::Firefox)
    });
    step("startup in WebKit", &mut |results| {
        engine_startup(results, Engine::WebKit)
    });
    step("live preview", &mut live_preview);
    step("photo and live frames", &mut browser_figures);
    step("the peers' photo path", &mut |results| {
        node_against_stack(
            results,
            "bench-peer-photo",
            "tests/bench/peer_photo.mjs",
            &[("ROUNDS", PEER_PHOTO_ROUNDS.to_string())],
        )
    });
    step("photo and live frames in Firefox", &mut |results| {
        engine_figures(results, Engine::Firefox)
    });
    step("photo and live frames in WebKit", &mut |results| {
        engine_figures(results, Engine::WebKit)
    });
    step("document outline", &mut |results| {
        let report = crate::test::outline_comparison()?;
        results
            .facts
            .insert("outline.comparison".to_owned(), report);
        Ok(())
    });
    step("scaling", &mut |results| {
        scaling::measure(results, scaling::SESSIONS)
    });
    let load_after = load_average();

    let report = report::render(&Report {
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
    let (first, gzip) = gzip_totals(&assets);
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
    if first > FIRST_STEP_LIMIT_BYTES {
        eprintln!(
            "xtask bench: note: what the first step needs is {first} B gzip, above the \
             {FIRST_STEP_LIMIT_BYTES} B limit (`cargo xtask test` fails)"
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

/// The browser figures: `tests/bench_photo.rs`, wasm32, headless Chromium, built as the widget
/// ships (its `wasm-release` profile: optimised for size, kyc-core for speed).
///
/// With `panic = "unwind"`, as every test build is, so the profile's `abort` (for the bin an
/// integration test builds) and the tests' `unwind` do not build the library twice. Built in its
/// own target directory, so trunk's release build does not rebuild it.
const BROWSER_BENCH: &[&str] = &[
    "test",
    "--profile",
    "wasm-release",
    "--config",
    "profile.wasm-release.panic=\"unwind\"",
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

/// The startup figures: `tests/bench/startup.mjs` against a started demo stack.
fn startup(results: &mut Results) -> Result<(), Fail> {
    // The host package as a host page loads it (`docs/embedding.md` section 3): with the
    // session token its backend opened for this visit (`startup.mjs` opens one per load), the
    // script alone and with the preloads that section recommends; served beside the demo.
    let preloads =
        "<link rel=\"modulepreload\" href=\"./kyc-capture/kyc-capture.js\" crossorigin>\n\
         <link rel=\"modulepreload\" href=\"./kyc-capture/kyc-capture-core.js\" crossorigin>\n\
         <link rel=\"modulepreload\" href=\"./kyc-capture/__wasm_split.js\" crossorigin>\n\
         <link rel=\"preload\" href=\"./kyc-capture/kyc-capture-core_bg.wasm\" as=\"fetch\" \
         type=\"application/wasm\" crossorigin>\n";
    for (name, head) in [
        (STARTUP_PACKAGE_PAGE, ""),
        (STARTUP_PRELOAD_PACKAGE_PAGE, preloads),
    ] {
        let page = workspace_root().join("dist").join(name);
        std::fs::write(
            &page,
            format!(
                "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
                 <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
                 <title>kyc-capture: the host package's startup</title>\n{head}\
                 <script type=\"module\">\n\
                 import {{ mount }} from './kyc-capture/kyc-capture.js';\n\
                 const sessionToken = new URLSearchParams(location.search).get('token');\n\
                 mount(document.getElementById('kyc-capture'), {{ endpoint: '', sessionToken }});\n\
                 </script>\n</head>\n<body>\n<div id=\"kyc-capture\"></div>\n</body>\n</html>\n"
            ),
        )
        .map_err(|err| Fail(format!("write {page:?}: {err}")))?;
    }
    node_against_stack(
        results,
        "bench-startup",
        "tests/bench/startup.mjs",
        &[
            ("LOADS", STARTUP_LOADS.to_string()),
            ("PACKAGE_PAGE", format!("/{STARTUP_PACKAGE_PAGE}")),
            (
                "PRELOAD_PACKAGE_PAGE",
                format!("/{STARTUP_PRELOAD_PACKAGE_PAGE}"),
            ),
            // Served from `dist/peers/<name>/`.
            ("PEERS", peers::names(results).join(",")),
        ],
    )
}

/// The startup bench's page for the host package (the script alone), written into `dist/`.
const STARTUP_PACKAGE_PAGE: &str = "startup-package.html";

/// The same page with the preloads `docs/embedding.md` recommends.
const STARTUP_PRELOAD_PACKAGE_PAGE: &str = "startup-package-preload.html";

/// The live-preview figures: `tests/bench/live.mjs` against a started demo stack.
fn live_preview(results: &mut Results) -> Result<(), Fail> {
    node_against_stack(
        results,
        "bench-live",
        "tests/bench/live.mjs",
        &[("SECONDS", LIVE_PREVIEW_SECONDS.to_string())],
    )
}

/// Runs the Node `script` against a demo stack serving `dist/` (its state, and the script's
/// artifacts, in the scratch directory `scratch`), with `env`; its figures go to `results`.
fn node_against_stack(
    results: &mut Results,
    scratch: &str,
    script: &str,
    env: &[(&str, String)],
) -> Result<(), Fail> {
    let state = scratch_dir(scratch)?;
    let stack = release_stack(&state, workspace_root().join("dist"))?;
    let mut node = command("node");
    node.arg(script)
        .env("RELAY_URL", &stack.relay_url)
        .env("ARTIFACTS_DIR", state.join("artifacts"));
    for (name, value) in env {
        node.env(name, value);
    }
    let output = run_quiet(&mut node)?;
    results.absorb(&output);
    Ok(())
}

/// The sandbox and the relay as a host deploys them (release builds), the relay's database in
/// `state`, serving `static_dir`.
fn release_stack(state: &Path, static_dir: PathBuf) -> Result<Stack, Fail> {
    start_stack_of(
        &StackOptions {
            relay_port: free_port(),
            sandbox_port: free_port(),
            review_delay_secs: 60,
            database: RelayDatabase::Sqlite(state.join("relay.sqlite")),
            static_dir,
            show_logs: false,
        },
        None,
        Profile::Release,
        1,
    )
}

/// The startup figures in `engine`: `tests/bench/startup-webdriver.mjs` through the engine's
/// WebDriver server, against a stack serving a copy of the built site (the script writes its
/// probe into the copy's page).
fn engine_startup(results: &mut Results, engine: Engine) -> Result<(), Fail> {
    let state = scratch_dir(&format!("bench-startup-{}", engine.name()))?;
    let site = state.join("site");
    let _ = std::fs::remove_dir_all(&site);
    run(Command::new("cp")
        .arg("-r")
        .arg(workspace_root().join("dist"))
        .arg(&site))?;
    let stack = release_stack(&state, site.clone())?;
    let driver = DriverServer::start(engine)?;
    let output = run_quiet(
        command("node")
            .arg("tests/bench/startup-webdriver.mjs")
            .env("RELAY_URL", &stack.relay_url)
            .env("STATIC_DIR", &site)
            .env("LOADS", STARTUP_LOADS.to_string())
            .env("KYC_E2E_ENGINE", engine.name())
            .env("WEBDRIVER_URL", &driver.url)
            .env("WEBDRIVER_CAPABILITIES", &driver.capabilities),
    )?;
    results.absorb(&output);
    Ok(())
}

/// The photo and live-frame figures: the browser bench in headless Chromium.
fn browser_figures(results: &mut Results) -> Result<(), Fail> {
    let mut cargo = browser_bench_cargo();
    cargo.args(["--", "--include-ignored", "--nocapture"]);
    // Exact heap sizes (not rounded to hide them from pages) and `gc()` before a baseline.
    browser::in_headless_chromium_with(
        &mut cargo,
        "bench-webdriver",
        300,
        &["--enable-precise-memory-info", "--js-flags=--expose-gc"],
    )?;
    bench_in_browser(results, "", &mut cargo)
}

/// The same browser bench in `engine` (Firefox headless, WebKit's MiniBrowser on a virtual
/// display), its figures named `<engine>.<figure>`.
fn engine_figures(results: &mut Results, engine: Engine) -> Result<(), Fail> {
    let prefix = format!("{}.", engine.name());
    match engine {
        Engine::Chromium => browser_figures(results),
        Engine::Firefox => {
            let mut cargo = browser_bench_cargo();
            cargo.args(["--", "--include-ignored", "--nocapture"]);
            browser::in_headless_firefox(&mut cargo, "bench-webdriver-firefox", 300)?;
            bench_in_browser(results, &prefix, &mut cargo)
        }
        // Once more, in a new browser, when WebKit itself died (a fault of the engine on these
        // machines, see `Driven::engine_died` in `webkit.rs`); the second run's figures replace the
        // first's.
        Engine::WebKit => webkit::once_more_if_the_engine_died("WebKit bench", || {
            let mut cargo = browser_bench_cargo();
            cargo.args(["--", "--include-ignored", "--nocapture"]);
            let driver = WebKitDriver::start()?;
            driver.drive(&mut cargo, 300);
            let outcome = bench_in_browser(results, &prefix, &mut cargo);
            Ok((driver, outcome))
        }),
    }
}

/// Runs the browser bench `cargo` and keeps its figures, named with `prefix`.
fn bench_in_browser(results: &mut Results, prefix: &str, cargo: &mut Command) -> Result<(), Fail> {
    let output = cargo
        .output()
        .map_err(|err| Fail(format!("cannot run the browser bench: {err}")))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    results.absorb_as(prefix, &stdout);
    results.absorb_as(prefix, &stderr);
    if !output.status.success() {
        return Err(Fail(format!(
            "the browser bench failed with {}:\n{stdout}\n{stderr}",
            output.status
        )));
    }
    Ok(())
}

/// The relay's figures: its bench program.
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
