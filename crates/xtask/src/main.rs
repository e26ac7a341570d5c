//! Developer commands of kyc-capture: `cargo xtask demo`, `cargo xtask test` and
//! `cargo xtask bench`.
//!
//! Both install what they need when it is missing (wasm32 target, wasm-bindgen-cli matching
//! Cargo.lock, trunk, s3s-fs, Chromium, Firefox ESR, WebKitGTK and their drivers, PostgreSQL,
//! the browser tests' npm packages), so a fresh machine needs nothing but Rust.

mod bench;
mod browser;
mod compress;
mod dist;
mod driver;
mod fuzz;
mod glue_names;
mod postgres;
mod reliability;
mod services;
mod test;
mod tools;
mod unused_classes;
mod wasm_module;
mod webkit;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::atomic::{AtomicBool, Ordering};

const USAGE: &str = "usage: cargo xtask <command>

commands:
  dist    build the widget's package for host pages (loader, wasm, CSS, types) into
          dist/kyc-capture/
  demo    [--postgres]: build the widget and start it with the relay and the provider sandbox
          on 127.0.0.1; --postgres: the relay's database in a throwaway PostgreSQL cluster
          under target/postgres/ (removed at exit) rather than a SQLite file
  fuzz    [--seconds N] [TARGET...]: fuzz every kyc-core parser with libFuzzer, N s each
          (default 30); a crashing input becomes a regression test case
  test    every check: fmt, clippy (native and wasm32), native tests, wasm tests in Node and
          in the three browser engines (headless Chromium, headless Firefox, WebKit), the
          OpenCV comparison, and the end-to-end browser tests;
          `test WORD...` runs only the steps whose names contain a WORD (e.g. end-to-end);
          `test --engine chromium|firefox|webkit` only the steps specific to that engine
  postgres
          start a throwaway PostgreSQL cluster on loopback and print its URL (for running the
          relay's tests on it by hand: KYC_TEST_POSTGRES_URL=URL cargo test -p kyc-relay);
          Ctrl-C stops and deletes it
  bench   measure payload size, startup, photo and live-frame speed, and the relay's uploads
          through one and several instances; writes BENCHMARKS.md;
          `bench scaling [--sessions N]` measures only the relay's scaling (1 and 3 instances
          on PostgreSQL, 1 on SQLite) and prints its section";

/// A failed step, with what to tell the developer.
#[derive(Debug)]
pub struct Fail(pub String);

fn main() -> ExitCode {
    let command = std::env::args().nth(1).unwrap_or_default();
    let result = match command.as_str() {
        "demo" => services::demo(&std::env::args().skip(2).collect::<Vec<_>>()),
        "dist" => dist::build().map(|_| ()),
        "test" => test::run_all(),
        "fuzz" => fuzz::run_all(&std::env::args().skip(2).collect::<Vec<_>>()),
        "bench" => bench::from_args(&std::env::args().skip(2).collect::<Vec<_>>()),
        "postgres" => postgres::serve(),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Fail(message)) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The repository's root directory.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/xtask is two levels deep")
        .to_path_buf()
}

/// The directory of the workspace's build output.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}

/// A fresh directory for one run's state: `target/xtask/<name>`, emptied first.
pub fn scratch_dir(name: &str) -> Result<PathBuf, Fail> {
    let dir = workspace_root().join("target/xtask").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|err| Fail(format!("cannot create {dir:?}: {err}")))?;
    Ok(dir)
}

/// Where `cargo install` puts binaries.
pub fn cargo_bin_dir() -> PathBuf {
    match std::env::var_os("CARGO_HOME") {
        Some(home) => PathBuf::from(home).join("bin"),
        None => PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cargo/bin"),
    }
}

/// The path of `program` on PATH or in cargo's bin directory.
pub fn find_program(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(std::iter::once(cargo_bin_dir()))
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("loopback is available")
}

/// A `Command` for `program` with cargo's bin directory on PATH, run from the workspace root.
pub fn command(program: &str) -> Command {
    let mut command = Command::new(program);
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs: Vec<PathBuf> = vec![
        tools::node_tools_dir().join("node_modules/.bin"),
        cargo_bin_dir(),
    ];
    dirs.extend(std::env::split_paths(&path));
    command.env(
        "PATH",
        std::env::join_paths(dirs).expect("PATH entries have no separator"),
    );
    command.current_dir(workspace_root());
    command
}

/// Runs a command with its output shown; fails on a non-zero exit.
pub fn run(command: &mut Command) -> Result<(), Fail> {
    let status = command
        .status()
        .map_err(|err| Fail(format!("cannot start {command:?}: {err}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(Fail(format!("{command:?} failed with {status}")))
    }
}

/// Runs a command and returns its standard output; fails on a non-zero exit.
pub fn run_quiet(command: &mut Command) -> Result<String, Fail> {
    let output = command
        .output()
        .map_err(|err| Fail(format!("cannot start {command:?}: {err}")))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(Fail(format!(
            "{command:?} failed with {}: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )))
    }
}

/// Set by SIGINT or SIGTERM once [`stop_on_interrupt`] has run.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_interrupt(_signal: libc::c_int) {
    // Only an atomic store: nothing else is safe in a signal handler.
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// Makes SIGINT and SIGTERM set [`INTERRUPTED`] rather than end the process, so the values
/// that stop the children are dropped. Children start with the default handling again (exec
/// resets caught signals), so a Ctrl-C in the terminal still reaches them too.
pub fn stop_on_interrupt() {
    let handler = on_interrupt as extern "C" fn(libc::c_int) as libc::sighandler_t;
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGINT, handler);
        libc::signal(libc::SIGTERM, handler);
    }
}

/// Waits until SIGINT or SIGTERM arrives ([`stop_on_interrupt`] must have run).
pub fn wait_for_interrupt() {
    while !INTERRUPTED.load(Ordering::SeqCst) {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}
