//! The machine the figures come from: hardware, tool versions, the commit, and the load.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::browser::{CHROMEDRIVER, CHROMIUM};
use crate::{command, run_quiet, workspace_root};

/// The machine the figures come from.
pub struct Machine {
    /// When the run started (UTC).
    pub date: String,
    /// What the machine is, line by line: name and value.
    pub lines: Vec<(String, String)>,
}

fn first_line(command: &mut Command) -> String {
    run_quiet(command)
        .ok()
        .and_then(|out| out.lines().next().map(|l| l.trim().to_owned()))
        .unwrap_or_else(|| "unavailable".to_owned())
}

/// The CPU, memory, kernel, tool versions and commit of this run.
pub fn machine() -> Machine {
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
    let tool = |label: &str, command: &mut Command| (label.to_owned(), first_line(command));
    let lines = vec![
        ("CPU".to_owned(), cpu),
        ("cores (`nproc`)".to_owned(), cores),
        ("memory (`free -h`, total)".to_owned(), memory),
        tool("kernel", Command::new("uname").arg("-sr")),
        tool("rustc", Command::new("rustc").arg("-V")),
        tool("cargo", Command::new("cargo").arg("-V")),
        tool("Chromium", command(CHROMIUM).arg("--version")),
        tool("chromedriver", Command::new(CHROMEDRIVER).arg("--version")),
        tool("Node", Command::new("node").arg("--version")),
        tool("trunk", command("trunk").arg("--version")),
        tool("wasm-bindgen", command("wasm-bindgen").arg("--version")),
        tool("wasm-opt", command("wasm-opt").arg("--version")),
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

/// The load averages over 1, 5 and 15 minutes.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "unavailable".to_owned())
}

/// Clock ticks per second of `/proc`'s CPU times.
pub fn clock_ticks_per_second() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if ticks > 0 {
        ticks as f64
    } else {
        100.0
    }
}

/// CPU seconds every core of the machine spent on anything but idling, from `/proc/stat`.
pub fn machine_busy_seconds() -> f64 {
    let text = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let Some(line) = text.lines().find(|l| l.starts_with("cpu ")) else {
        return f64::NAN;
    };
    // user nice system idle iowait irq softirq steal (guest time is inside user already).
    let values: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .take(8)
        .filter_map(|v| v.parse().ok())
        .collect();
    if values.len() < 8 {
        return f64::NAN;
    }
    let busy = values.iter().sum::<u64>() - values[3] - values[4];
    busy as f64 / clock_ticks_per_second()
}

/// The longest [`settle`] waits.
const SETTLE_LIMIT: Duration = Duration::from_secs(30);

/// Waits until the machine is quiet (its cores busy less than a tenth of their time, over one
/// second), at most [`SETTLE_LIMIT`]; returns how long it waited. A step's figures come after
/// the previous step's processes wound down: right after the three browsers' benches the
/// relay's first rounds took about 1.27x a direct PUT, 20 s later 1.18x (this machine, 2 cores).
pub fn settle() -> Duration {
    let started = Instant::now();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    while started.elapsed() < SETTLE_LIMIT {
        let before = machine_busy_seconds();
        std::thread::sleep(Duration::from_secs(1));
        let busy = machine_busy_seconds() - before;
        // Unreadable `/proc/stat` (NaN) is no reason to wait.
        if busy.is_nan() || busy < 0.1 * cores {
            break;
        }
    }
    started.elapsed()
}
