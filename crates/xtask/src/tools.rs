//! Installs what the commands need when it is missing: a fresh machine needs nothing else.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::browser::{Engine, CHROMEDRIVER, CHROMIUM, FIREFOX};
use crate::webkit::{DBUS_RUN_SESSION, MINIBROWSER, WEBKIT_DRIVER, XVFB_RUN};
use crate::{find_program, run, run_quiet, workspace_root, Fail};

/// trunk builds the widget; 0.22 needs a newer rustc than this toolchain.
const TRUNK_VERSION: &str = "0.21.14";
/// binaryen's wasm-opt; Debian's (108) corrupts the function table of today's wasm-bindgen
/// output, so the npm build of a current release is used (it runs on Node).
const BINARYEN_VERSION: &str = "132.0.0";
/// esbuild minifies the package's JavaScript (wasm-bindgen's glue and the loader).
const ESBUILD_VERSION: &str = "0.24.2";
/// A real S3-compatible store that checks SigV4 presigned URLs, used by the sandbox.
const S3S_FS_VERSION: &str = "0.14.1";
/// Splits the widget's module at its `wasm_split` points (the later steps load apart); its
/// loader must speak the protocol of the `wasm_split_helpers` in Cargo.lock (0.2).
const WASM_SPLIT_VERSION: &str = "0.2.4";
/// Firefox's WebDriver; 0.37 drives Firefox ESR 140 and later.
const GECKODRIVER_VERSION: &str = "0.37.1";

/// Everything the widget build and the browser tests in `engines` need.
pub fn ensure_all(engines: &[Engine]) -> Result<(), Fail> {
    ensure_dist()?;
    ensure_trunk()?;
    ensure_s3s_fs()?;
    ensure_debian_packages(engines)?;
    if engines.contains(&Engine::Firefox) {
        ensure_geckodriver()?;
    }
    ensure_npm_packages()?;
    Ok(())
}

fn ensure_geckodriver() -> Result<(), Fail> {
    if installed_version("geckodriver").as_deref() == Some(GECKODRIVER_VERSION) {
        return Ok(());
    }
    eprintln!("xtask: installing geckodriver {GECKODRIVER_VERSION}; this takes a few minutes");
    let install = |locked: bool| {
        let mut cargo = Command::new("cargo");
        cargo.args([
            "install",
            "geckodriver",
            "--version",
            GECKODRIVER_VERSION,
            "--force",
        ]);
        if locked {
            cargo.arg("--locked");
        }
        run(&mut cargo)
    };
    // Its lock file may name versions the registry mirror does not carry yet.
    install(true).or_else(|_| install(false))
}

/// What the demo needs (no browser driver, no npm).
pub fn ensure_demo() -> Result<(), Fail> {
    ensure_dist()?;
    ensure_trunk()?;
    ensure_s3s_fs()
}

/// What `cargo xtask dist` needs: the target, the standard library's source (rebuilt for
/// size), wasm-bindgen and wasm-opt.
pub fn ensure_dist() -> Result<(), Fail> {
    ensure_wasm_target()?;
    ensure_rust_src()?;
    ensure_wasm_bindgen()?;
    ensure_binaryen()?;
    ensure_esbuild()?;
    ensure_wasm_split()
}

fn ensure_wasm_split() -> Result<(), Fail> {
    if !has_program("wasm-split-cli") {
        eprintln!("xtask: installing wasm-split-cli {WASM_SPLIT_VERSION} (about a minute)");
        run(Command::new("cargo").args([
            "install",
            "wasm_split_cli_support",
            "--version",
            WASM_SPLIT_VERSION,
            "--features",
            "build-binary",
            "--locked",
        ]))?;
    }
    Ok(())
}

fn ensure_rust_src() -> Result<(), Fail> {
    let installed = run_quiet(Command::new("rustup").args(["component", "list", "--installed"]))?;
    if !installed.lines().any(|line| line.starts_with("rust-src")) {
        run(Command::new("rustup").args(["component", "add", "rust-src"]))?;
    }
    Ok(())
}

/// Where npm-installed build tools live; `command()` puts its `.bin` first on PATH.
pub fn node_tools_dir() -> PathBuf {
    workspace_root().join("target/tools")
}

fn ensure_binaryen() -> Result<(), Fail> {
    let wanted = BINARYEN_VERSION.split('.').next().unwrap_or_default();
    ensure_node_tool(
        "wasm-opt",
        &format!("binaryen@{BINARYEN_VERSION}"),
        |have| have.contains(&format!("version {wanted} ")),
    )
}

fn ensure_esbuild() -> Result<(), Fail> {
    ensure_node_tool("esbuild", &format!("esbuild@{ESBUILD_VERSION}"), |have| {
        have.trim() == ESBUILD_VERSION
    })
}

/// npm's `package` (`name@version`) under [`node_tools_dir`], unless its `program --version`
/// already answers what `wanted` accepts.
fn ensure_node_tool(
    program: &str,
    package: &str,
    wanted: impl Fn(&str) -> bool,
) -> Result<(), Fail> {
    let dir = node_tools_dir();
    let path = dir.join("node_modules/.bin").join(program);
    let have = run_quiet(Command::new(&path).arg("--version")).unwrap_or_default();
    if !wanted(&have) {
        std::fs::create_dir_all(&dir)
            .map_err(|err| Fail(format!("cannot create {dir:?}: {err}")))?;
        run(Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(&dir)
            .arg(package))?;
    }
    Ok(())
}

fn ensure_wasm_target() -> Result<(), Fail> {
    let installed = run_quiet(Command::new("rustup").args(["target", "list", "--installed"]))?;
    if !installed
        .lines()
        .any(|line| line.trim() == "wasm32-unknown-unknown")
    {
        run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }
    Ok(())
}

/// The `wasm-bindgen` version pinned in Cargo.lock; the CLI must be exactly that one.
pub fn locked_wasm_bindgen_version() -> Result<String, Fail> {
    let lock = std::fs::read_to_string(workspace_root().join("Cargo.lock"))
        .map_err(|err| Fail(format!("cannot read Cargo.lock: {err}")))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\"" {
            if let Some(version) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = "))
            {
                return Ok(version.trim_matches('"').to_owned());
            }
        }
    }
    Err(Fail("Cargo.lock has no wasm-bindgen package".to_owned()))
}

fn ensure_wasm_bindgen() -> Result<(), Fail> {
    let wanted = locked_wasm_bindgen_version()?;
    let have = installed_version("wasm-bindgen");
    if have.as_deref() != Some(wanted.as_str()) || !has_program("wasm-bindgen-test-runner") {
        eprintln!(
            "xtask: installing wasm-bindgen-cli {wanted} (have {have:?}); this takes a few minutes"
        );
        // Not --locked: its lock file names versions the registry mirror may not carry yet.
        run(Command::new("cargo").args([
            "install",
            "wasm-bindgen-cli",
            "--version",
            &wanted,
            "--force",
        ]))?;
    }
    Ok(())
}

fn ensure_trunk() -> Result<(), Fail> {
    if installed_version("trunk").as_deref() != Some(TRUNK_VERSION) {
        eprintln!("xtask: installing trunk {TRUNK_VERSION}; this takes several minutes");
        run(Command::new("cargo").args([
            "install",
            "trunk",
            "--version",
            TRUNK_VERSION,
            "--locked",
            "--force",
        ]))?;
    }
    Ok(())
}

/// s3s-fs, the sandbox's S3-compatible storage, installed with cargo when missing.
pub fn ensure_s3s_fs() -> Result<(), Fail> {
    if !has_program("s3s-fs") {
        eprintln!(
            "xtask: installing s3s-fs {S3S_FS_VERSION} (the sandbox's S3-compatible storage)"
        );
        run(Command::new("cargo").args([
            "install",
            "s3s-fs",
            "--version",
            S3S_FS_VERSION,
            "--features",
            "binary",
            "--locked",
        ]))?;
    }
    Ok(())
}

fn ensure_debian_packages(engines: &[Engine]) -> Result<(), Fail> {
    let mut missing = Vec::new();
    // Chromium also runs the bench and the end-to-end tests.
    // zbarimg reads the handoff's QR code back from a screenshot in the end-to-end tests.
    let wanted: &[(&str, &str)] = &[
        (CHROMIUM, "chromium"),
        (CHROMEDRIVER, "chromium-driver"),
        ("/usr/bin/zbarimg", "zbar-tools"),
    ];
    let firefox: &[(&str, &str)] = &[(FIREFOX, "firefox-esr")];
    let webkit: &[(&str, &str)] = &[
        (WEBKIT_DRIVER, "webkit2gtk-driver"),
        (MINIBROWSER, "libwebkit2gtk-4.1-0"),
        (XVFB_RUN, "xvfb"),
        ("/usr/bin/xauth", "xauth"),
        (DBUS_RUN_SESSION, "dbus-daemon"),
    ];
    // PostgreSQL, for the relay's tests and `demo --postgres`, is installed by
    // `postgres::ensure_installed` when a cluster starts.
    let mut files = wanted.to_vec();
    if engines.contains(&Engine::Firefox) {
        files.extend_from_slice(firefox);
    }
    if engines.contains(&Engine::WebKit) {
        files.extend_from_slice(webkit);
    }
    for (file, package) in files {
        if !Path::new(file).exists() {
            missing.push(package);
        }
    }
    if !has_program("python3") {
        missing.push("python3");
    }
    install_apt(&missing)
}

/// Installs Debian `packages` with apt-get (as root), or says how to when not root.
pub fn install_apt(packages: &[&str]) -> Result<(), Fail> {
    if packages.is_empty() {
        return Ok(());
    }
    let is_root = run_quiet(Command::new("id").arg("-u"))
        .map(|uid| uid.trim() == "0")
        .unwrap_or(false);
    if !is_root {
        return Err(Fail(format!(
            "missing Debian packages {packages:?}; install them with: sudo apt-get install -y {}",
            packages.join(" ")
        )));
    }
    eprintln!("xtask: apt-get install {}", packages.join(" "));
    run(Command::new("apt-get").arg("update").arg("-qq"))?;
    run(Command::new("apt-get")
        .args(["install", "-y", "-qq", "--no-install-recommends"])
        .args(packages)
        .env("DEBIAN_FRONTEND", "noninteractive"))
}

/// The npm packages of the browser tests, from `tests/e2e/package-lock.json`.
fn ensure_npm_packages() -> Result<(), Fail> {
    npm_ci("tests/e2e", "playwright-core")
}

/// The peers the bench measures beside the widget, from `tests/bench/peers/package-lock.json`.
pub fn ensure_bench_peers() -> Result<(), Fail> {
    npm_ci("tests/bench/peers", "esbuild")
}

/// `npm ci` in `dir` (from the workspace root), unless its `node_modules/<marker>` is there.
fn npm_ci(dir: &str, marker: &str) -> Result<(), Fail> {
    let dir = workspace_root().join(dir);
    if !dir.join("node_modules").join(marker).exists() {
        run(Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir))?;
    }
    Ok(())
}

/// The version a `--version` of `program` prints (its last word), if it runs.
fn installed_version(program: &str) -> Option<String> {
    let output = Command::new(program).arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    text.split_whitespace()
        .nth(1)
        .map(|v| v.trim_start_matches('v').to_owned())
}

/// Whether `program` is on PATH or in cargo's bin directory.
pub fn has_program(program: &str) -> bool {
    find_program(program).is_some()
}
