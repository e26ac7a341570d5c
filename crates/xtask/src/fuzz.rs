//! `cargo xtask fuzz [--seconds N] [TARGET...]`: every `kyc-core` fuzz target, coverage-guided
//! with libFuzzer through `cargo-fuzz`, for a bounded time each (30 s by default).
//!
//! cargo-fuzz wants a nightly compiler (it passes `-Z` flags for the coverage instrumentation);
//! this machine has stable only, so it runs with `RUSTC_BOOTSTRAP=1` (stable then accepts
//! them) and `-s none` (no sanitizer runtime; panics and aborts are still findings). A crashing
//! input is copied to `crates/kyc-core/fuzz/regressions/<target>/`, which
//! `crates/kyc-core/tests/hostile.rs` replays through the same property as a normal test, and
//! the command fails. Not part of `cargo xtask test` (time); each target's result is recorded
//! in `target/reliability/fuzz.jsonl` for RELIABILITY.md.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::{command, run, tools, workspace_root, Fail};

/// The cargo-fuzz release this is tried with (builds on stable Rust 1.95).
const CARGO_FUZZ_VERSION: &str = "0.13.2";
const DEFAULT_SECONDS: u64 = 30;

pub fn run_all(args: &[String]) -> Result<(), Fail> {
    let mut seconds = DEFAULT_SECONDS;
    let mut only = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seconds" => {
                seconds = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|n| *n > 0)
                    .ok_or_else(|| Fail("--seconds needs a positive number".to_owned()))?;
            }
            target if !target.starts_with('-') => only.push(target.to_owned()),
            other => return Err(Fail(format!("unknown option {other}"))),
        }
    }
    if !tools::has_program("cargo-fuzz") {
        run(command("cargo").args([
            "install",
            "cargo-fuzz",
            "--version",
            CARGO_FUZZ_VERSION,
            "--locked",
        ]))?;
    }
    let core = workspace_root().join("crates/kyc-core");
    let targets: Vec<String> = crate::run_quiet(
        command("cargo")
            .args(["fuzz", "list"])
            .current_dir(&core)
            .env("RUSTC_BOOTSTRAP", "1"),
    )?
    .lines()
    .map(str::trim)
    .filter(|name| !name.is_empty())
    .filter(|name| only.is_empty() || only.iter().any(|o| o == name))
    .map(str::to_owned)
    .collect();
    if targets.is_empty() {
        return Err(Fail(format!("no fuzz targets match {only:?}")));
    }
    let target_dir = workspace_root().join("target/fuzz");
    let record_path = crate::reliability::dir().join("fuzz.jsonl");
    std::fs::create_dir_all(record_path.parent().unwrap())
        .map_err(|err| Fail(format!("cannot create the reliability directory: {err}")))?;
    std::fs::write(&record_path, b"")
        .map_err(|err| Fail(format!("cannot write {}: {err}", record_path.display())))?;

    eprintln!("xtask: building the fuzz targets (release, coverage-instrumented)");
    run(command("cargo")
        .args(["fuzz", "build", "-s", "none", "--target-dir"])
        .arg(&target_dir)
        .current_dir(&core)
        .env("RUSTC_BOOTSTRAP", "1"))?;

    let mut findings = Vec::new();
    for target in &targets {
        eprintln!("\n=== xtask fuzz: {target} for {seconds} s");
        let artifacts = target_dir.join("artifacts").join(target);
        let _ = std::fs::remove_dir_all(&artifacts);
        std::fs::create_dir_all(&artifacts)
            .map_err(|err| Fail(format!("cannot create {}: {err}", artifacts.display())))?;
        let corpus = core.join("fuzz/corpus").join(target);
        std::fs::create_dir_all(&corpus)
            .map_err(|err| Fail(format!("cannot create {}: {err}", corpus.display())))?;
        let mut fuzz = command("cargo");
        fuzz.args(["fuzz", "run", "-s", "none", "--target-dir"])
            .arg(&target_dir)
            .arg(target)
            .arg(&corpus);
        let regressions = core.join("fuzz/regressions").join(target);
        if regressions.is_dir() {
            fuzz.arg(&regressions);
        }
        fuzz.arg("--")
            .arg(format!("-max_total_time={seconds}"))
            .arg(format!("-artifact_prefix={}/", artifacts.display()))
            .args(["-max_len=65536", "-timeout=10", "-rss_limit_mb=2048"])
            .current_dir(&core)
            .env("RUSTC_BOOTSTRAP", "1");
        let started = Instant::now();
        let output = fuzz
            .output()
            .map_err(|err| Fail(format!("cannot start cargo fuzz: {err}")))?;
        let elapsed = started.elapsed().as_secs();
        let log = String::from_utf8_lossy(&output.stderr).into_owned();
        let log_path = target_dir.join(format!("{target}.log"));
        let _ = std::fs::write(&log_path, &log);
        let stats = last_stats(&log);
        let crashes = save_findings(&artifacts, &core.join("fuzz/regressions").join(target))?;
        let crashed = !output.status.success() || !crashes.is_empty();
        let outcome = if crashed {
            format!(
                "FINDING after {elapsed} s ({}): saved {}; log {}",
                stats.text,
                if crashes.is_empty() {
                    "nothing (see the log)".to_owned()
                } else {
                    crashes.join(", ")
                },
                log_path.display()
            )
        } else {
            format!("no finding in {elapsed} s; {}", stats.text)
        };
        eprintln!("xtask fuzz: {target}: {outcome}");
        let line = format!(
            "{{\"area\":\"fuzz\",\"case\":{},\"tries\":{},\"outcome\":{},\"lost\":0,\"crashed\":{crashed}}}\n",
            json_string(target),
            stats.runs,
            json_string(&outcome)
        );
        OpenOptions::new()
            .append(true)
            .open(&record_path)
            .and_then(|mut out| out.write_all(line.as_bytes()))
            .map_err(|err| Fail(format!("cannot write {}: {err}", record_path.display())))?;
        if crashed {
            findings.push(format!("{target}: {outcome}"));
        }
    }
    if findings.is_empty() {
        eprintln!(
            "xtask fuzz: {} targets, {seconds} s each, no finding",
            targets.len()
        );
        Ok(())
    } else {
        Err(Fail(format!(
            "fuzzing found {} problem(s); the inputs are regression cases now:\n  {}",
            findings.len(),
            findings.join("\n  ")
        )))
    }
}

/// libFuzzer's last status line: runs, coverage and features.
struct Stats {
    runs: u64,
    text: String,
}

fn last_stats(log: &str) -> Stats {
    // e.g. `#9336271	DONE   cov: 21 ft: 22 corp: 9/68b lim: 4096 exec/s: 848751 rss: 31Mb`
    let line = log
        .lines()
        .rev()
        .find(|line| line.starts_with('#') && line.contains("cov:"));
    let Some(line) = line else {
        return Stats {
            runs: 0,
            text: "no libFuzzer status line".to_owned(),
        };
    };
    let runs = line
        .trim_start_matches('#')
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let field = |name: &str| {
        let mut words = line.split_whitespace();
        words.find(|w| *w == name);
        words.next().unwrap_or("?").to_owned()
    };
    Stats {
        runs,
        text: format!(
            "{runs} runs, coverage {} edges, {} features, corpus {}",
            field("cov:"),
            field("ft:"),
            field("corp:")
        ),
    }
}

/// Copies every crash, timeout, leak or out-of-memory input from `artifacts` into `into`; the
/// copied files' paths.
fn save_findings(artifacts: &Path, into: &Path) -> Result<Vec<String>, Fail> {
    let mut saved = Vec::new();
    let Ok(entries) = std::fs::read_dir(artifacts) else {
        return Ok(saved);
    };
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !["crash-", "timeout-", "leak-", "oom-", "slow-unit-"]
            .iter()
            .any(|prefix| name.starts_with(prefix))
        {
            continue;
        }
        std::fs::create_dir_all(into)
            .map_err(|err| Fail(format!("cannot create {}: {err}", into.display())))?;
        let to: PathBuf = into.join(&name);
        std::fs::copy(entry.path(), &to)
            .map_err(|err| Fail(format!("cannot copy {name}: {err}")))?;
        saved.push(
            to.strip_prefix(workspace_root())
                .unwrap_or(&to)
                .display()
                .to_string(),
        );
    }
    saved.sort();
    Ok(saved)
}

/// `text` as a JSON string.
fn json_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_libfuzzer_status_line_is_read() {
        let log = "INFO: seed\n#2\tINITED cov: 3 ft: 3 corp: 1/1b exec/s: 0 rss: 30Mb\n\
                   #9336271\tDONE   cov: 21 ft: 22 corp: 9/68b lim: 4096 exec/s: 848751 rss: 31Mb\n\
                   Done 9336271 runs in 11 second(s)\n";
        let stats = last_stats(log);
        assert_eq!(stats.runs, 9_336_271);
        assert_eq!(
            stats.text,
            "9336271 runs, coverage 21 edges, 22 features, corpus 9/68b"
        );
    }

    #[test]
    fn json_strings_round_trip_through_the_report_reader() {
        let line = format!(
            "{{\"area\":\"fuzz\",\"case\":\"x\",\"tries\":1,\"outcome\":{},\"lost\":0,\"crashed\":false}}",
            json_string("a \"quoted\" \\ path\n")
        );
        let trial = crate::reliability::parse_trial(&line).unwrap();
        assert_eq!(trial.outcome, "a \"quoted\" \\ path\n");
    }
}
