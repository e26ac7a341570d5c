//! The last step of `cargo xtask test`: RELIABILITY.md, from the trials the tests recorded.
//!
//! The hostile-input, security and fault tests append one JSON line per trial to
//! `$KYC_RELIABILITY_DIR/<test file>.jsonl` (default `target/reliability/`; each test binary
//! truncates its own file when it starts, so the files hold the last run):
//! `{"area", "case", "tries", "outcome", "lost", "crashed"}`. `cargo xtask fuzz` writes
//! `fuzz.jsonl` the same way. This step only reads them: it writes one table per area, a total
//! line, and fails if anything was lost or crashed, or if nothing was recorded.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::{workspace_root, Fail};

/// One recorded trial.
#[derive(Clone, Debug, PartialEq)]
pub struct Trial {
    pub area: String,
    pub case: String,
    pub tries: u64,
    pub outcome: String,
    pub lost: u64,
    pub crashed: bool,
}

/// The areas in the order of the report, with what each covers.
const AREAS: [(&str, &str); 6] = [
    (
        "core",
        "`kyc-core`'s checks (`inspect_file`, run by the widget and again by the relay) on the \
         hostile-input corpus, and the fuzz targets' properties replayed on the corpus and on \
         every saved fuzzer finding (`crates/kyc-core/tests/hostile.rs`).",
    ),
    (
        "relay",
        "The same corpus uploaded through the relay to the provider sandbox (real HTTP, real \
         S3-compatible storage). After every input, the files uploaded before must still be \
         listed by `GET /v1/session` and byte-identical in the provider's storage \
         (`crates/kyc-relay/tests/hostile.rs`).",
    ),
    (
        "security",
        "Forged, expired and other-customer session tokens, webhook forgery and replay, CORS \
         from an origin not allowed, path traversal in slot names, oversized headers \
         (`crates/kyc-relay/tests/security.rs`); a start without sandbox mode refused for a \
         missing, short or built-in key, webhook routes and demo sessions by mode, token key \
         rotation and revocation (`modes.rs`); no signature, provider host or customer id in \
         answers, logs or the audit table (`leaks.rs`); hostile provider answers \
         (`provider_answers.rs`).",
    ),
    (
        "faults",
        "The provider failing behind the relay: 5xx and timeouts (retried within one budget, \
         then a clear error), a 409 on attach, double submits (one attach only) \
         (`crates/kyc-relay/tests/faults.rs`, `budget.rs`); clients that leave mid-submit or \
         mid-upload (`detached.rs`); SIGTERM mid-upload and `kill -9` mid-submit \
         (`processes.rs`); slow-drip and idle clients, upload caps, one status stream per \
         session (`limits.rs`); a panic in one request (`panics.rs`).",
    ),
    (
        "browser",
        "End to end in a browser, each row named by its engine: the trunk-built widget, the \
         relay and the sandbox as real processes. In Chromium (`tests/e2e/faults.test.mjs` and \
         `timing.test.mjs`, in the \"end-to-end browser tests in Chromium\" step): the \
         network dropping mid-upload, the relay restarting mid-session, a double click on \
         submit, a page reload mid-flow. In Chromium, Firefox and WebKit \
         (`tests/e2e/engines.webdriver.mjs`, in each engine's \"end-to-end engine tests\" \
         step): the file picker, the engine's fake camera, no camera API, a refused camera and \
         a host's page under a strict CSP, each to verified. Lost counts files the user captured that did not reach the \
         provider, or reached it twice.",
    ),
    (
        "fuzz",
        "Coverage-guided fuzzing of every `kyc-core` parser with libFuzzer (`cargo xtask \
         fuzz`, not part of `cargo xtask test`: these rows are from its last run).",
    ),
];

/// The directory the tests record to.
pub fn dir() -> PathBuf {
    match std::env::var_os("KYC_RELIABILITY_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => workspace_root().join("target/reliability"),
    }
}

/// The step: reads the records, writes RELIABILITY.md, fails on any loss or crash.
pub fn report() -> Result<(), Fail> {
    let dir = dir();
    let mut trials = Vec::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|err| Fail(format!("no trials recorded in {}: {err}", dir.display())))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "jsonl"))
        .collect();
    files.sort();
    // Only this run's records count: a test binary that did not run (a build failure, or
    // `cargo test` stopping at an earlier failing binary) leaves last run's file behind.
    if let Some(started) = process_started() {
        let stale: Vec<String> = files
            .iter()
            .filter(|file| {
                std::fs::metadata(file)
                    .and_then(|m| m.modified())
                    .is_ok_and(|modified| modified + Duration::from_secs(2) < started)
            })
            .map(|file| file.display().to_string())
            .filter(|file| !file.ends_with("fuzz.jsonl"))
            .collect();
        if !stale.is_empty() {
            return Err(Fail(format!(
                "not written by this run (did the native tests run?): {}",
                stale.join(", ")
            )));
        }
    }
    for file in &files {
        let text = std::fs::read_to_string(file)
            .map_err(|err| Fail(format!("cannot read {}: {err}", file.display())))?;
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let trial = parse_trial(line)
                .map_err(|why| Fail(format!("{}:{}: {why}: {line}", file.display(), n + 1)))?;
            trials.push(trial);
        }
    }
    if trials.is_empty() {
        return Err(Fail(format!(
            "no trials recorded in {}: did the native tests run?",
            dir.display()
        )));
    }
    let markdown = render(&trials, &header());
    let path = workspace_root().join("RELIABILITY.md");
    std::fs::write(&path, markdown)
        .map_err(|err| Fail(format!("cannot write {}: {err}", path.display())))?;
    let lost: u64 = trials.iter().map(|t| t.lost).sum();
    let crashed = trials.iter().filter(|t| t.crashed).count();
    eprintln!(
        "xtask: RELIABILITY.md: {} cases, {} tries, {lost} lost, {crashed} crashed",
        trials.len(),
        trials.iter().map(|t| t.tries).sum::<u64>()
    );
    if lost > 0 || crashed > 0 {
        let bad: Vec<String> = trials
            .iter()
            .filter(|t| t.lost > 0 || t.crashed)
            .map(|t| format!("{}/{}: {}", t.area, t.case, t.outcome))
            .collect();
        return Err(Fail(format!(
            "{lost} lost, {crashed} crashed: {}",
            bad.join("; ")
        )));
    }
    Ok(())
}

/// When this process started (Linux: `/proc/self/stat` and the boot time in `/proc/stat`,
/// at the usual 100 clock ticks a second).
fn process_started() -> Option<SystemTime> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may contain spaces) start at field 3.
    let after_name = &stat[stat.rfind(')')? + 2..];
    let ticks: u64 = after_name.split_whitespace().nth(19)?.parse().ok()?;
    let boot: u64 = std::fs::read_to_string("/proc/stat")
        .ok()?
        .lines()
        .find_map(|line| line.strip_prefix("btime "))?
        .trim()
        .parse()
        .ok()?;
    Some(UNIX_EPOCH + Duration::from_secs(boot) + Duration::from_millis(ticks * 10))
}

/// Date, machine and command, for the report's header.
fn header() -> String {
    let run = |program: &str, args: &[&str]| {
        Command::new(program)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_else(|| "unknown".to_owned())
    };
    let date = run("date", &["-u", "+%Y-%m-%d %H:%M UTC"]);
    let system = run("uname", &["-srm"]);
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let rustc = run("rustc", &["--version"]);
    format!(
        "Produced by `cargo xtask test` (its last step, \"reliability report\") from the trials \
         the tests recorded in `target/reliability/*.jsonl` during that run. Do not edit by \
         hand: run the command again.\n\n\
         - date: {date}\n\
         - machine: {system}, {cpus} CPUs\n\
         - toolchain: {rustc}\n\
         - command: `cargo xtask test` (the trials run in its \"native tests\" step, \
         `cargo test --workspace`, and the browser rows in its \"end-to-end browser tests in \
         Chromium\" and \"end-to-end engine tests\" steps)\n"
    )
}

/// The whole report.
pub fn render(trials: &[Trial], header: &str) -> String {
    let mut by_area: BTreeMap<&str, Vec<&Trial>> = BTreeMap::new();
    for trial in trials {
        by_area.entry(trial.area.as_str()).or_default().push(trial);
    }
    let mut out = String::from("# Reliability\n\n");
    out.push_str(header);
    out.push_str(
        "\n**lost**: files accepted and then not at the provider, or uploaded before and gone \
         after a hostile input or a fault (checked in the provider's storage, byte for byte). \
         **crashed**: a panic, or a 500 answer.\n",
    );
    let known: Vec<&str> = AREAS.iter().map(|(area, _)| *area).collect();
    let mut order: Vec<(&str, &str)> = AREAS.to_vec();
    for area in by_area.keys() {
        if !known.contains(area) {
            order.push((area, ""));
        }
    }
    for (area, about) in order {
        let Some(rows) = by_area.get(area) else {
            continue;
        };
        let mut rows = rows.clone();
        rows.sort_by(|a, b| a.case.cmp(&b.case));
        out.push_str(&format!("\n## {area}\n\n"));
        if !about.is_empty() {
            out.push_str(about);
            out.push_str("\n\n");
        }
        out.push_str("| case | tries | outcome | lost | crashed |\n");
        out.push_str("|---|---:|---|---:|---|\n");
        for row in &rows {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                cell(&row.case),
                row.tries,
                cell(&row.outcome),
                row.lost,
                if row.crashed { "**yes**" } else { "no" }
            ));
        }
        let lost: u64 = rows.iter().map(|t| t.lost).sum();
        let crashed = rows.iter().filter(|t| t.crashed).count();
        let tries: u64 = rows.iter().map(|t| t.tries).sum();
        out.push_str(&format!(
            "\n{} cases, {tries} tries: {lost} lost, {crashed} crashed.\n",
            rows.len()
        ));
    }
    let lost: u64 = trials.iter().map(|t| t.lost).sum();
    let crashed = trials.iter().filter(|t| t.crashed).count();
    let tries: u64 = trials.iter().map(|t| t.tries).sum();
    out.push_str(&format!(
        "\n## Total\n\n**{} cases, {tries} tries: {lost} lost, {crashed} crashed.**\n",
        trials.len()
    ));
    out
}

/// A table cell: pipes escaped, line breaks flattened.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// One record line: a flat JSON object of strings, integers and booleans.
pub fn parse_trial(line: &str) -> Result<Trial, String> {
    let fields = parse_flat_object(line)?;
    let text = |name: &str| match fields.get(name) {
        Some(Scalar::Text(value)) => Ok(value.clone()),
        _ => Err(format!("`{name}` is not a string")),
    };
    let number = |name: &str| match fields.get(name) {
        Some(Scalar::Number(value)) => Ok(*value),
        _ => Err(format!("`{name}` is not a whole number")),
    };
    let flag = |name: &str| match fields.get(name) {
        Some(Scalar::Bool(value)) => Ok(*value),
        _ => Err(format!("`{name}` is not a boolean")),
    };
    Ok(Trial {
        area: text("area")?,
        case: text("case")?,
        tries: number("tries")?,
        outcome: text("outcome")?,
        lost: number("lost")?,
        crashed: flag("crashed")?,
    })
}

#[derive(Clone, Debug, PartialEq)]
enum Scalar {
    Text(String),
    Number(u64),
    Bool(bool),
    Null,
}

/// A JSON object whose values are scalars (what the tests write); anything else is an error.
fn parse_flat_object(line: &str) -> Result<BTreeMap<String, Scalar>, String> {
    let mut chars = line.trim().chars().peekable();
    let mut fields = BTreeMap::new();
    let skip_ws = |chars: &mut std::iter::Peekable<std::str::Chars>| {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
    };
    if chars.next() != Some('{') {
        return Err("not a JSON object".to_owned());
    }
    skip_ws(&mut chars);
    if chars.peek() == Some(&'}') {
        chars.next();
    } else {
        loop {
            skip_ws(&mut chars);
            let key = parse_string(&mut chars)?;
            skip_ws(&mut chars);
            if chars.next() != Some(':') {
                return Err("expected `:`".to_owned());
            }
            skip_ws(&mut chars);
            let value = match chars.peek() {
                Some('"') => Scalar::Text(parse_string(&mut chars)?),
                Some('t' | 'f' | 'n') => {
                    let word: String =
                        std::iter::from_fn(|| chars.next_if(|c| c.is_ascii_alphabetic())).collect();
                    match word.as_str() {
                        "true" => Scalar::Bool(true),
                        "false" => Scalar::Bool(false),
                        "null" => Scalar::Null,
                        _ => return Err(format!("unexpected `{word}`")),
                    }
                }
                Some(c) if c.is_ascii_digit() => {
                    let digits: String =
                        std::iter::from_fn(|| chars.next_if(|c| c.is_ascii_digit())).collect();
                    Scalar::Number(digits.parse().map_err(|_| "number too large".to_owned())?)
                }
                _ => return Err("unsupported value".to_owned()),
            };
            fields.insert(key, value);
            skip_ws(&mut chars);
            match chars.next() {
                Some(',') => continue,
                Some('}') => break,
                _ => return Err("expected `,` or `}`".to_owned()),
            }
        }
    }
    skip_ws(&mut chars);
    if chars.next().is_some() {
        return Err("text after the object".to_owned());
    }
    Ok(fields)
}

fn parse_string(chars: &mut std::iter::Peekable<std::str::Chars>) -> Result<String, String> {
    if chars.next() != Some('"') {
        return Err("expected a string".to_owned());
    }
    let mut out = String::new();
    loop {
        match chars.next().ok_or("unterminated string")? {
            '"' => return Ok(out),
            '\\' => match chars.next().ok_or("unterminated escape")? {
                '"' => out.push('"'),
                '\\' => out.push('\\'),
                '/' => out.push('/'),
                'b' => out.push('\u{8}'),
                'f' => out.push('\u{c}'),
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                't' => out.push('\t'),
                'u' => {
                    let first = hex_unit(chars)?;
                    let code = if (0xD800..0xDC00).contains(&first) {
                        if chars.next() != Some('\\') || chars.next() != Some('u') {
                            return Err("lone surrogate".to_owned());
                        }
                        let second = hex_unit(chars)?;
                        0x10000 + ((first - 0xD800) << 10) + (second.wrapping_sub(0xDC00) & 0x3FF)
                    } else {
                        first
                    };
                    out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
                }
                other => return Err(format!("bad escape \\{other}")),
            },
            c => out.push(c),
        }
    }
}

/// The four hex digits of a `\\u` escape.
fn hex_unit(chars: &mut std::iter::Peekable<std::str::Chars>) -> Result<u32, String> {
    let hex: String = (0..4).filter_map(|_| chars.next()).collect();
    u32::from_str_radix(&hex, 16).map_err(|_| format!("bad escape \\u{hex}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_started_within_the_last_minutes() {
        let started = process_started().expect("Linux /proc");
        let age = SystemTime::now().duration_since(started).unwrap();
        assert!(age < Duration::from_secs(600), "{age:?}");
    }

    #[test]
    fn a_record_line_is_read_with_its_escapes() {
        let line = r#"{"area":"relay","case":"x","crashed":false,"lost":0,"outcome":"422 \"a\" \u00e9 \ud83d\ude00 ü|b","tries":3000}"#;
        let trial = parse_trial(line).unwrap();
        assert_eq!(trial.area, "relay");
        assert_eq!(trial.tries, 3000);
        assert_eq!(trial.outcome, "422 \"a\" é 😀 ü|b");
        assert!(!trial.crashed);
    }

    #[test]
    fn a_malformed_line_is_an_error() {
        for line in [
            "",
            "{",
            r#"{"area":"a"}"#,
            r#"{"area":"a","case":"b","tries":-1,"outcome":"","lost":0,"crashed":false}"#,
            r#"{"area":"a","case":"b","tries":1,"outcome":"","lost":0,"crashed":"no"}"#,
        ] {
            assert!(parse_trial(line).is_err(), "{line}");
        }
    }

    #[test]
    fn the_report_counts_losses_and_crashes_and_escapes_cells() {
        let trial = |area: &str, case: &str, lost, crashed| Trial {
            area: area.to_owned(),
            case: case.to_owned(),
            tries: 2,
            outcome: "a|b".to_owned(),
            lost,
            crashed,
        };
        let report = render(
            &[
                trial("relay", "b", 0, false),
                trial("relay", "a", 1, false),
                trial("core", "c", 0, true),
            ],
            "header\n",
        );
        assert!(report.contains("| a | 2 | a\\|b | 1 | no |"));
        assert!(report.find("## core").unwrap() < report.find("## relay").unwrap());
        assert!(report.find("| a |").unwrap() < report.find("| b |").unwrap());
        assert!(report.contains("**3 cases, 6 tries: 1 lost, 1 crashed.**"));
    }
}
