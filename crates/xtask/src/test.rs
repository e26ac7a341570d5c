//! `cargo xtask test`: every check the project has, each step reported, all steps run.

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use crate::browser::{self, Engine};
use crate::driver::DriverServer;
use crate::services::{
    binary, build_servers_as_tested, build_widget, require, start_stack_with, RelayDatabase, Stack,
    StackOptions,
};
use crate::webkit::{self, WebKitDriver};
use crate::{command, free_port, postgres, run, scratch_dir, tools, workspace_root, Fail};

const WASM: &str = "wasm32-unknown-unknown";

type StepFn = fn() -> Result<(), Fail>;

struct Step {
    name: &'static str,
    result: Result<(), Fail>,
    seconds: f64,
}

/// Which steps a run takes, from its arguments: `--engine NAME` keeps only the steps specific
/// to that engine, and any other word keeps only the steps whose names contain it.
struct Selection {
    engine: Option<Engine>,
    words: Vec<String>,
}

impl Selection {
    fn parse(args: impl Iterator<Item = String>) -> Result<Selection, Fail> {
        let mut selection = Selection {
            engine: None,
            words: Vec::new(),
        };
        let mut args = args;
        while let Some(arg) = args.next() {
            let name = match arg.strip_prefix("--engine") {
                Some("") => args.next().unwrap_or_default(),
                Some(rest) if rest.starts_with('=') => rest[1..].to_owned(),
                _ => {
                    selection.words.push(arg);
                    continue;
                }
            };
            selection.engine = Some(Engine::from_name(&name).ok_or_else(|| {
                Fail(format!(
                    "--engine takes one of {}, not {name:?}",
                    Engine::ALL.map(Engine::name).join(", ")
                ))
            })?);
        }
        Ok(selection)
    }

    fn takes(&self, name: &str, engine: Option<Engine>) -> bool {
        let engine_ok = self.engine.is_none() || self.engine == engine;
        let words_ok =
            self.words.is_empty() || self.words.iter().any(|word| name.contains(word.as_str()));
        engine_ok && words_ok
    }

    /// The engines whose steps may run, for the installs.
    fn engines(&self) -> Vec<Engine> {
        match self.engine {
            Some(engine) => vec![engine],
            None => Engine::ALL.to_vec(),
        }
    }
}

/// Runs every step, even after a failure, then reports them all; fails if any failed.
pub fn run_all() -> Result<(), Fail> {
    let selection = Selection::parse(std::env::args().skip(2))?;
    tools::ensure_all(&selection.engines())?;
    // The engine a step is specific to, if any; the engine's name is in the step's name.
    let steps: [(&'static str, Option<Engine>, StepFn); 16] = [
        ("rustfmt", None, fmt),
        ("clippy (native)", None, clippy_native),
        ("clippy (wasm32)", None, clippy_wasm),
        ("native tests", None, native_tests),
        ("kyc-core tests on wasm32 (Node)", None, core_wasm_tests),
        (
            "widget tests in headless Chromium",
            Some(Engine::Chromium),
            widget_tests_in_chromium,
        ),
        (
            "widget tests in headless Firefox",
            Some(Engine::Firefox),
            widget_tests_in_firefox,
        ),
        (
            "widget tests in WebKit (MiniBrowser, Xvfb)",
            Some(Engine::WebKit),
            widget_tests_in_webkit,
        ),
        ("sharpness ranking against OpenCV", None, opencv_comparison),
        (
            "document outline against OpenCV",
            None,
            opencv_outline_comparison,
        ),
        (
            "end-to-end browser tests in Chromium",
            Some(Engine::Chromium),
            end_to_end,
        ),
        (
            "end-to-end engine tests in Chromium (chromedriver)",
            Some(Engine::Chromium),
            end_to_end_in_chromium,
        ),
        (
            "end-to-end engine tests in Firefox (geckodriver)",
            Some(Engine::Firefox),
            end_to_end_in_firefox,
        ),
        (
            "end-to-end engine tests in WebKit (MiniBrowser, Xvfb)",
            Some(Engine::WebKit),
            end_to_end_in_webkit,
        ),
        ("payload size gate", None, crate::bench::payload::gate),
        ("reliability report", None, crate::reliability::report),
    ];
    let mut done = Vec::new();
    for (name, engine, step) in steps {
        if !selection.takes(name, engine) {
            continue;
        }
        eprintln!("\n=== xtask: {name}");
        let started = Instant::now();
        let result = step();
        if let Err(Fail(message)) = &result {
            eprintln!("xtask: {name} FAILED: {message}");
        }
        done.push(Step {
            name,
            result,
            seconds: started.elapsed().as_secs_f64(),
        });
    }
    eprintln!("\n=== xtask: summary");
    for step in &done {
        let verdict = if step.result.is_ok() { "ok  " } else { "FAIL" };
        eprintln!("  {verdict} {:<44} {:>6.1} s", step.name, step.seconds);
    }
    let failed = done.iter().filter(|step| step.result.is_err()).count();
    println!("xtask: {} passed, {failed} failed", done.len() - failed);
    if failed == 0 {
        Ok(())
    } else {
        Err(Fail(format!("{failed} step(s) failed")))
    }
}

fn fmt() -> Result<(), Fail> {
    run(command("cargo").args(["fmt", "--all", "--", "--check"]))
}

fn clippy_native() -> Result<(), Fail> {
    run(command("cargo").args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))
}

fn clippy_wasm() -> Result<(), Fail> {
    run(command("cargo").args([
        "clippy",
        "--target",
        WASM,
        "-p",
        "kyc-capture",
        "-p",
        "kyc-core",
        "--lib",
        "--bins",
        "--tests",
        "--",
        "-D",
        "warnings",
    ]))
}

/// Every crate's tests; the relay's run on SQLite and on a throwaway PostgreSQL cluster,
/// whose admin URL they get in `KYC_TEST_POSTGRES_URL` to create their own databases. Every
/// test binary runs even after one fails (`--no-fail-fast`): a failure hides no other.
///
/// The relay's tests on PostgreSQL are the binaries the workspace's run built, run again:
/// `cargo test -p kyc-relay` would build every dependency once more (2 min 42 s in a fresh
/// clone), its features unified over the relay alone instead of the workspace.
fn native_tests() -> Result<(), Fail> {
    let started = Instant::now();
    let cluster = postgres::Cluster::start()?;
    eprintln!(
        "xtask: PostgreSQL at {} ({}, started in {:.1} s, removed after the tests)",
        cluster.admin_url(),
        cluster.dir().display(),
        started.elapsed().as_secs_f64()
    );
    run(command("cargo")
        .args(["test", "--workspace", "--no-fail-fast"])
        .env(postgres::TEST_URL_VAR, cluster.admin_url()))?;
    // The relay's integration tests again, each relay's store a fresh PostgreSQL database:
    // both stores pass the same tests.
    eprintln!("xtask: the relay's tests again on PostgreSQL");
    let relay = workspace_root().join("crates/kyc-relay");
    let mut failed = Vec::new();
    for test in integration_tests(&relay)? {
        eprintln!("xtask: {} on PostgreSQL", test.display());
        if let Err(Fail(why)) = run(Command::new(&test)
            .current_dir(&relay)
            .env(postgres::TEST_URL_VAR, cluster.admin_url())
            .env("KYC_TEST_STORE", "postgres"))
        {
            failed.push(why);
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(Fail(failed.join("\n")))
    }
}

/// The integration test binaries (`tests/*.rs`) of the workspace's crate at `dir`, as the
/// workspace's `cargo test` builds them (nothing is built again).
fn integration_tests(dir: &std::path::Path) -> Result<Vec<PathBuf>, Fail> {
    let messages = crate::run_quiet(command("cargo").args([
        "test",
        "--workspace",
        "--no-run",
        "--message-format=json",
    ]))?;
    let tests = dir.join("tests");
    let mut binaries = Vec::new();
    for line in messages.lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let target = &message["target"];
        let integration = target["kind"] == serde_json::json!(["test"])
            && target["src_path"]
                .as_str()
                .is_some_and(|src| std::path::Path::new(src).starts_with(&tests));
        if let (true, Some(executable)) = (integration, message["executable"].as_str()) {
            binaries.push(PathBuf::from(executable));
        }
    }
    if binaries.is_empty() {
        return Err(Fail(format!(
            "cargo test --no-run listed no test binary of {}",
            tests.display()
        )));
    }
    binaries.sort();
    Ok(binaries)
}

fn core_wasm_tests() -> Result<(), Fail> {
    run(command("cargo").args(["test", "--target", WASM, "-p", "kyc-core"]))
}

/// How long the test runner waits for the widget's whole wasm suite in a browser (its
/// `WASM_BINDGEN_TEST_TIMEOUT` bounds the run, not each test): long enough for the slowest
/// engine on a 2-core machine (WebKit under Xvfb was cut off at 60 s after 39 of 61 tests in a
/// fresh clone's run), short enough that a hung test still ends the step.
const WIDGET_SUITE_TIMEOUT_SECS: u32 = 240;

/// `cargo test` of the widget's wasm tests (`tests/web.rs`), to be pointed at a browser.
fn widget_tests() -> Command {
    let mut cargo = command("cargo");
    cargo.args([
        "test",
        "--target",
        WASM,
        "-p",
        "kyc-capture",
        "--test",
        "web",
    ]);
    cargo
}

fn widget_tests_in_chromium() -> Result<(), Fail> {
    let mut cargo = widget_tests();
    browser::in_headless_chromium(&mut cargo, "webdriver", WIDGET_SUITE_TIMEOUT_SECS)?;
    run(&mut cargo)
}

fn widget_tests_in_firefox() -> Result<(), Fail> {
    let mut cargo = widget_tests();
    browser::in_headless_firefox(&mut cargo, "webdriver-firefox", WIDGET_SUITE_TIMEOUT_SECS)?;
    run(&mut cargo)
}

/// In MiniBrowser on a virtual display; once more in a new browser when the engine itself died
/// ([`webkit::once_more_if_the_engine_died`]).
fn widget_tests_in_webkit() -> Result<(), Fail> {
    webkit::once_more_if_the_engine_died("widget tests in WebKit", || {
        let mut cargo = widget_tests();
        let driver = WebKitDriver::start()?;
        driver.drive(&mut cargo, WIDGET_SUITE_TIMEOUT_SECS);
        let outcome = run(&mut cargo);
        Ok((driver, outcome))
    })
}

/// The sharpness metric must rank images as OpenCV's variance of the Laplacian does.
fn opencv_comparison() -> Result<(), Fail> {
    let python = opencv_python()?;
    let fixtures = scratch_dir("sharpness")?;
    run(command("cargo")
        .args([
            "run",
            "--quiet",
            "-p",
            "kyc-core",
            "--example",
            "write_sharpness_fixtures",
            "--",
        ])
        .arg(&fixtures))?;
    run(Command::new(&python)
        .arg(workspace_root().join("scripts/opencv_compare.py"))
        .arg(&fixtures))
}

/// The generated outline scenes, kyc-core's outline and OpenCV's classic Canny + findContours +
/// approxPolyDP pipeline on each, the two rows side by side (reported, not gated: the test
/// `accuracy_on_the_generated_set` holds kyc-core's floors).
fn opencv_outline_comparison() -> Result<(), Fail> {
    print!("{}", outline_comparison()?);
    Ok(())
}

/// The generated outline scenes measured by kyc-core's outline (native, release) and by
/// OpenCV's classic pipeline: both programs' reports, as printed (also a section of the bench).
pub(crate) fn outline_comparison() -> Result<String, Fail> {
    let python = opencv_python()?;
    let scenes = scratch_dir("outline-scenes")?;
    let ours = crate::run_quiet(
        command("cargo")
            .args([
                "run",
                "--quiet",
                "--release",
                "-p",
                "kyc-core",
                "--example",
                "write_outline_scenes",
                "--",
            ])
            .arg(&scenes),
    )?;
    let both = crate::run_quiet(
        Command::new(&python)
            .arg(workspace_root().join("scripts/opencv_outline_compare.py"))
            .arg(&scenes),
    )?;
    Ok(format!("{ours}{both}"))
}

/// The test virtualenv's Python with OpenCV and NumPy, made on first use.
fn opencv_python() -> Result<PathBuf, Fail> {
    let venv = workspace_root().join("target/xtask-venv");
    let python = venv.join("bin/python");
    if !python.exists() {
        run(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
    }
    let has_cv2 = Command::new(&python)
        .args(["-c", "import cv2, numpy"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !has_cv2 {
        run(Command::new(&python).args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "opencv-python-headless",
            "numpy",
        ]))?;
    }
    Ok(python)
}

/// The real widget (trunk build) against the real relay and sandbox, driven in Chromium.
///
/// Besides the URLs, the tests get what the fault tests (`tests/e2e/faults.test.mjs`) need to
/// start, stop and restart a relay of their own on the same sandbox (`KYC_RELAY_BIN`,
/// `RELAY_STATIC_DIR`, `E2E_STATE_DIR` for its database) and to count the files the provider
/// stored (`SANDBOX_STORAGE_DIR`, the sandbox's storage root).
/// What the end-to-end tests run against: the built widget, served by a relay on SQLite, and
/// the provider sandbox with its signed storage in `scratch`.
struct EndToEndStack {
    stack: Stack,
    state: PathBuf,
    storage: PathBuf,
    relay_bin: PathBuf,
    dist: PathBuf,
}

impl EndToEndStack {
    fn start(scratch: &str) -> Result<EndToEndStack, Fail> {
        build_widget()?;
        build_servers_as_tested()?;
        let dist = workspace_root().join("dist");
        require(&dist.join("index.html"), "the trunk build")?;
        let relay_bin = binary("kyc-relay");
        require(&relay_bin, "the relay binary")?;
        let state = scratch_dir(scratch)?;
        let storage = state.join("storage");
        std::fs::create_dir_all(&storage)
            .map_err(|err| Fail(format!("cannot create {storage:?}: {err}")))?;
        let stack = start_stack_with(
            &StackOptions {
                relay_port: free_port(),
                sandbox_port: free_port(),
                review_delay_secs: 3,
                database: RelayDatabase::Sqlite(state.join("relay.sqlite")),
                static_dir: dist.clone(),
                show_logs: false,
            },
            Some(&storage),
        )?;
        Ok(EndToEndStack {
            stack,
            state,
            storage,
            relay_bin,
            dist,
        })
    }

    /// `node --test` with the stack's addresses in its environment.
    fn node(&self) -> Command {
        let mut node = command("node");
        node.args(["--test", "--test-concurrency=1"])
            .env("RELAY_URL", &self.stack.relay_url)
            .env("SANDBOX_URL", &self.stack.sandbox_url)
            .env("SANDBOX_STORAGE_DIR", &self.storage)
            .env("KYC_RELAY_BIN", &self.relay_bin)
            .env("RELAY_STATIC_DIR", &self.dist)
            .env("E2E_STATE_DIR", &self.state)
            .env("KYC_RELIABILITY_DIR", crate::reliability::dir())
            .env("ARTIFACTS_DIR", workspace_root().join("target/e2e"));
        node
    }
}

/// The whole end-to-end suite (`tests/e2e/*.test.mjs`, Playwright in Chromium).
fn end_to_end() -> Result<(), Fail> {
    let stack = EndToEndStack::start("e2e")?;
    // `KYC_E2E_ONLY="embed handoff"` runs only those files of `tests/e2e/` (while working on
    // them); unset, every file runs.
    let only = std::env::var("KYC_E2E_ONLY").unwrap_or_default();
    let files: Vec<String> = only
        .split_whitespace()
        .map(|name| format!("tests/e2e/{}.test.mjs", name.trim_end_matches(".test.mjs")))
        .collect();
    run(stack.node().args(if files.is_empty() {
        vec!["tests/e2e/".to_owned()]
    } else {
        files
    }))
}

/// What differs between engines, end to end (`tests/e2e/engines.webdriver.mjs`: the file
/// picker, the live camera, no camera API, a refused camera and a host's page under a strict
/// CSP, each to verified), in `engine` through its own WebDriver server.
///
/// In WebKit, once more in a new browser when the engine itself died
/// ([`webkit::once_more_if_the_engine_died`]; the file's record for RELIABILITY.md is then the
/// second run's).
fn end_to_end_in(engine: Engine) -> Result<(), Fail> {
    let stack = EndToEndStack::start(&format!("e2e-{}", engine.name()))?;
    webkit::once_more_if_the_engine_died("end-to-end engine tests", || {
        let driver = DriverServer::start(engine)?;
        let outcome = run(stack
            .node()
            .arg("tests/e2e/engines.webdriver.mjs")
            .env("KYC_E2E_ENGINE", driver.engine.name())
            .env("WEBDRIVER_URL", &driver.url)
            .env("WEBDRIVER_CAPABILITIES", &driver.capabilities));
        Ok((driver, outcome))
    })
}

fn end_to_end_in_chromium() -> Result<(), Fail> {
    end_to_end_in(Engine::Chromium)
}

fn end_to_end_in_firefox() -> Result<(), Fail> {
    end_to_end_in(Engine::Firefox)
}

fn end_to_end_in_webkit() -> Result<(), Fail> {
    end_to_end_in(Engine::WebKit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn selection(args: &[&str]) -> Result<Selection, Fail> {
        Selection::parse(args.iter().map(|arg| arg.to_string()))
    }

    #[test]
    fn an_engine_keeps_only_its_own_steps() {
        let firefox = selection(&["--engine", "firefox"]).unwrap();
        assert!(firefox.takes("widget tests in headless Firefox", Some(Engine::Firefox)));
        assert!(!firefox.takes("widget tests in headless Chromium", Some(Engine::Chromium)));
        assert!(!firefox.takes("rustfmt", None));
        assert_eq!(firefox.engines(), [Engine::Firefox]);
        let webkit = selection(&["widget", "--engine=WebKit"]).unwrap();
        assert!(webkit.takes("widget tests in WebKit", Some(Engine::WebKit)));
        assert!(!webkit.takes("end-to-end in WebKit", Some(Engine::WebKit)));
    }

    #[test]
    fn words_alone_keep_every_engine() {
        let widget = selection(&["widget"]).unwrap();
        assert!(widget.takes("widget tests in headless Firefox", Some(Engine::Firefox)));
        assert!(widget.takes("widget tests in WebKit", Some(Engine::WebKit)));
        assert!(!widget.takes("rustfmt", None));
        assert_eq!(widget.engines(), Engine::ALL);
        assert!(selection(&[]).unwrap().takes("rustfmt", None));
    }

    #[test]
    fn an_unknown_engine_is_named() {
        let Err(Fail(message)) = selection(&["--engine", "opera"]) else {
            panic!("opera was taken");
        };
        assert_eq!(
            message,
            "--engine takes one of chromium, firefox, webkit, not \"opera\""
        );
        assert!(selection(&["--engine"]).is_err());
    }
}
