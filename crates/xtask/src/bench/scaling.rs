//! The scaling figures (issue 21): the same load — sessions of three uploads each — through one
//! relay on PostgreSQL, three relays on one PostgreSQL, and one relay on SQLite, every part a
//! real process built in release mode. Measured here: the processes' CPU time (from
//! `/proc/PID/stat`, so what limited a figure is known) and each relay's peak RSS; the load
//! itself comes from `crates/kyc-relay/examples/bench_scaling.rs`.

use std::fmt::Write as _;
use std::time::Instant;

use super::machine::{clock_ticks_per_second, machine_busy_seconds};
use super::stats::{Results, Stats};
use crate::postgres::Cluster;
use crate::services::{
    build_servers_release, start_stack_of, Profile, RelayDatabase, StackOptions,
};
use crate::{command, free_port, run, run_quiet, scratch_dir, target_dir, Fail};

/// Sessions of the figures (each: create, then three uploads).
pub const SESSIONS: usize = 1000;
/// Sessions in flight at once.
const CONCURRENCY: usize = 32;
/// Each file's size: about what the widget uploads after its downscale and JPEG encode.
const FILE_KIB: usize = 256;

/// One measured setup.
struct Setup {
    /// The figures' name part: `scaling.<key>.*`.
    key: &'static str,
    label: &'static str,
    instances: usize,
    postgres: bool,
}

const SETUPS: [Setup; 3] = [
    Setup {
        key: "pg1",
        label: "1 relay, PostgreSQL",
        instances: 1,
        postgres: true,
    },
    Setup {
        key: "pg3",
        label: "3 relays, one PostgreSQL",
        instances: 3,
        postgres: true,
    },
    Setup {
        key: "sqlite1",
        label: "1 relay, SQLite",
        instances: 1,
        postgres: false,
    },
];

/// Builds the relay and the sandbox binaries, and the load program, in release mode.
pub fn build() -> Result<(), Fail> {
    build_servers_release()?;
    run(command("cargo").args([
        "build",
        "--quiet",
        "--release",
        "-p",
        "kyc-relay",
        "--example",
        "bench_scaling",
    ]))
}

/// Measures every setup with `sessions` sessions; a failed setup does not stop the others.
pub fn measure(results: &mut Results, sessions: usize) -> Result<(), Fail> {
    let cluster = Cluster::start()?;
    results
        .facts
        .insert("scaling.cores".to_owned(), cores().to_string());
    let mut failed = Vec::new();
    for setup in &SETUPS {
        eprintln!(
            "xtask bench: scaling: {} ({sessions} sessions)",
            setup.label
        );
        if let Err(Fail(message)) = measure_setup(results, &cluster, setup, sessions) {
            eprintln!("xtask bench: scaling: {} FAILED: {message}", setup.label);
            results
                .facts
                .insert(format!("scaling.{}.failed", setup.key), message.clone());
            failed.push(format!("{}: {message}", setup.label));
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(Fail(failed.join("; ")))
    }
}

fn measure_setup(
    results: &mut Results,
    cluster: &Cluster,
    setup: &Setup,
    sessions: usize,
) -> Result<(), Fail> {
    let state = scratch_dir(&format!("bench-scaling-{}", setup.key))?;
    let storage = state.join("storage");
    std::fs::create_dir_all(&storage)
        .map_err(|err| Fail(format!("cannot create {storage:?}: {err}")))?;
    let database = if setup.postgres {
        RelayDatabase::Postgres(cluster.create_database(&format!("scaling_{}", setup.key))?)
    } else {
        RelayDatabase::Sqlite(state.join("relay.sqlite"))
    };
    let stack = start_stack_of(
        &StackOptions {
            relay_port: free_port(),
            sandbox_port: free_port(),
            // No review finishes during the run: only sessions and uploads are measured.
            review_delay_secs: 3600,
            database,
            // Nothing is served from it; the relay answers 404 for the widget's files.
            static_dir: state.clone(),
            show_logs: false,
        },
        Some(&storage),
        Profile::Release,
        setup.instances,
    )?;
    let name = format!("scaling.{}", setup.key);
    let load = |name: &str, sessions: usize| {
        let mut program = command(
            target_dir()
                .join("release/examples/bench_scaling")
                .to_str()
                .expect("UTF-8 path"),
        );
        for url in &stack.relay_urls {
            program.args(["--relay", url]);
        }
        program.args(["--name", name]);
        program.args(["--sessions", &sessions.to_string()]);
        program.args(["--concurrency", &CONCURRENCY.to_string()]);
        program.args(["--file-kib", &FILE_KIB.to_string()]);
        program
    };
    // Uncounted: the first connections (HTTP, and each relay's to its database) are opened.
    run_quiet(&mut load("scaling.warmup", CONCURRENCY))?;

    let relay_pids = stack.relay_pids();
    let server_pid = cluster.server_pid();
    let before = Snapshot::take(&relay_pids, stack.sandbox_pid(), server_pid);
    let children_before = children_cpu_seconds();
    let window = Instant::now();
    let output = run_quiet(&mut load(&name, sessions))?;
    // Only the load program ended (and was reaped) since `children_before`.
    let load_cpu = children_cpu_seconds() - children_before;
    let after = Snapshot::take(&relay_pids, stack.sandbox_pid(), server_pid);
    let window = window.elapsed().as_secs_f64();
    let peaks: Vec<String> = relay_pids
        .iter()
        .map(|pid| match status_kib(*pid, "VmHWM") {
            Some(kib) => format!("{:.1}", kib as f64 / 1024.0),
            None => "?".to_owned(),
        })
        .collect();
    drop(stack);
    let _ = std::fs::remove_dir_all(&state);

    results.absorb(&output);
    let mut fact = |what: &str, value: String| {
        results.facts.insert(format!("{name}.{what}"), value);
    };
    fact("peak_rss_mib", peaks.join(", "));
    let relay_cpu: Vec<String> = after
        .relays
        .iter()
        .zip(&before.relays)
        .map(|(a, b)| format!("{:.1}", a - b))
        .collect();
    fact("cpu_relays_s", relay_cpu.join(", "));
    fact(
        "cpu_relays_total_s",
        format!(
            "{:.2}",
            after.relays.iter().sum::<f64>() - before.relays.iter().sum::<f64>()
        ),
    );
    fact(
        "cpu_sandbox_s",
        format!("{:.2}", after.sandbox - before.sandbox),
    );
    fact(
        "cpu_postgres_s",
        format!("{:.2}", after.postgres - before.postgres),
    );
    fact("cpu_load_s", format!("{load_cpu:.2}"));
    // The CPU figures' own time span: the load program's whole life, a little longer than
    // its measured wall time.
    fact("cpu_window_s", format!("{window:.3}"));
    fact(
        "cpu_machine_busy_s",
        format!("{:.2}", after.machine_busy - before.machine_busy),
    );
    Ok(())
}

/// The number of cores this process may run on.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// CPU time (user + system) of the measured processes and of the whole machine, in seconds.
struct Snapshot {
    relays: Vec<f64>,
    /// The sandbox and its storage server.
    sandbox: f64,
    /// The PostgreSQL server and its backends (the relays' connections).
    postgres: f64,
    /// Every process of the machine, from `/proc/stat`.
    machine_busy: f64,
}

impl Snapshot {
    fn take(relays: &[u32], sandbox: u32, postgres: Option<u32>) -> Snapshot {
        let processes = processes();
        Snapshot {
            relays: relays
                .iter()
                .map(|pid| tree_seconds(&processes, *pid))
                .collect(),
            sandbox: tree_seconds(&processes, sandbox),
            postgres: postgres.map_or(0.0, |pid| tree_seconds(&processes, pid)),
            machine_busy: machine_busy_seconds(),
        }
    }
}

/// A running process: its id, its parent's, and its CPU ticks (its own and its reaped
/// children's: `utime + stime + cutime + cstime`).
struct Process {
    pid: u32,
    parent: u32,
    ticks: u64,
}

/// Every process in `/proc`.
fn processes() -> Vec<Process> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // The fields after the command's name (in parentheses, which may hold spaces):
            // state, ppid, ... utime, stime, cutime, cstime are the 12th to 15th of them.
            let (_, rest) = stat.rsplit_once(')')?;
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let parent = fields.get(1)?.parse().ok()?;
            let ticks = fields
                .get(11..15)?
                .iter()
                .map(|v| v.parse::<u64>().ok())
                .sum::<Option<u64>>()?;
            Some(Process { pid, parent, ticks })
        })
        .collect()
}

/// CPU seconds of `root` and every process under it, reaped children included.
fn tree_seconds(processes: &[Process], root: u32) -> f64 {
    let mut members = vec![root];
    let mut at = 0;
    while at < members.len() {
        let parent = members[at];
        members.extend(
            processes
                .iter()
                .filter(|p| p.parent == parent)
                .map(|p| p.pid),
        );
        at += 1;
    }
    let ticks: u64 = processes
        .iter()
        .filter(|p| members.contains(&p.pid))
        .map(|p| p.ticks)
        .sum();
    ticks as f64 / clock_ticks_per_second()
}

/// CPU seconds of this process's reaped children (`getrusage(RUSAGE_CHILDREN)`).
fn children_cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes the struct it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage
    };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// A kilobyte value of one `/proc/PID/status` field (`VmHWM`, `VmRSS`).
fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    text.lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// The section of BENCHMARKS.md: the table, the goals, and what limited the figures.
pub fn render(md: &mut String, r: &Results) {
    let _ = writeln!(md, "## 6. Scaling\n");
    let fact = |key: &str, what: &str| r.fact(&format!("scaling.{key}.{what}"));
    let number = |key: &str, what: &str| fact(key, what).and_then(|v| v.parse::<f64>().ok());
    let first = SETUPS.iter().find_map(|s| {
        Some((
            fact(s.key, "sessions")?,
            fact(s.key, "concurrency")?,
            fact(s.key, "file_bytes")?,
        ))
    });
    let (sessions, concurrency, file_bytes) = first.unwrap_or(("?", "?", "?"));
    let _ = writeln!(
        md,
        "{sessions} sessions, each created with the host key (`POST /v1/sessions`, provider \
         D, which creates the customer at the sandbox's D) and then uploading three {file_bytes} \
         byte JPEG-shaped files one after the other (`PUT /v1/session/slots/front`, `back`, \
         `selfie` with the session token: the relay checks each, asks D for a presigned URL \
         and streams it to the sandbox's S3-compatible storage, s3s-fs, writing to disk), \
         {concurrency} sessions in flight at once. The load comes from \
         `crates/kyc-relay/examples/bench_scaling.rs` (reqwest + tokio), which sends each \
         request to the next relay in turn, as a load balancer without sticky sessions would: \
         with three relays a session is created on one instance and its files land on the \
         others. Every part is a separate process built in release mode (`kyc-relay \
         --sandbox`, `kyc-sandbox`, PostgreSQL 15 from Debian with fsync off as a throwaway \
         cluster, or a SQLite file), all on 127.0.0.1 of this one machine; each setup starts \
         fresh, after {CONCURRENCY} uncounted warm-up sessions. Throughput counts completed \
         uploads (files/s) and sessions with all three files uploaded (sessions/s) over the \
         wall time of the whole run. Peak RSS is each relay's `VmHWM` at the end; CPU is user \
         + system time from `/proc/PID/stat` over the measured run (the sandbox with its \
         storage server, PostgreSQL with its backends), \"other\" is what the rest of the \
         machine used meanwhile (`/proc/stat` minus the processes named).\n"
    );
    let _ = writeln!(
        md,
        "| setup | files/s | sessions/s | upload p50 | upload p95 | upload p99 | session \
         creation p95 | errors | peak RSS per relay | CPU s: relays / sandbox / PostgreSQL / \
         load / other (wall) |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    );
    for setup in &SETUPS {
        let key = setup.key;
        let uploads = r.stats(&format!("scaling.{key}.upload_latency"));
        let creates = r.stats(&format!("scaling.{key}.session_latency"));
        let wall = number(key, "wall_s");
        let (Some(wall), Some(files_ok), Some(sessions_ok)) =
            (wall, number(key, "files_ok"), number(key, "sessions_ok"))
        else {
            let why = fact(key, "failed").map_or("not measured in this run".to_owned(), |m| {
                format!("FAILED: {}", m.lines().next().unwrap_or_default())
            });
            let _ = writeln!(
                md,
                "| {} | **missing**: {} | | | | | | | | |",
                setup.label,
                why.replace('|', "\\|")
            );
            continue;
        };
        let latency = |pick: fn(&Stats) -> f64| {
            uploads
                .as_ref()
                .map_or("—".to_owned(), |s| format!("{:.0} ms", pick(s)))
        };
        let cpu = |what: &str| number(key, what).unwrap_or(f64::NAN);
        let named = cpu("cpu_relays_total_s")
            + cpu("cpu_sandbox_s")
            + cpu("cpu_postgres_s")
            + cpu("cpu_load_s");
        let other = (cpu("cpu_machine_busy_s") - named).max(0.0);
        let relays_cpu = if setup.instances > 1 {
            format!(
                "{:.1} ({})",
                cpu("cpu_relays_total_s"),
                fact(key, "cpu_relays_s").unwrap_or("?")
            )
        } else {
            format!("{:.1}", cpu("cpu_relays_total_s"))
        };
        let postgres_cpu = if setup.postgres {
            format!("{:.1}", cpu("cpu_postgres_s"))
        } else {
            "—".to_owned()
        };
        let _ = writeln!(
            md,
            "| {} | **{:.1}** | {:.1} | {} | **{}** | {} | {} | **{}** | {} MiB | {relays_cpu} / \
             {:.1} / {postgres_cpu} / {:.1} / {other:.1} ({wall:.1} s) |",
            setup.label,
            files_ok / wall,
            sessions_ok / wall,
            latency(|s| s.median),
            latency(|s| s.p95),
            latency(|s| s.p99),
            creates
                .as_ref()
                .map_or("—".to_owned(), |s| format!("{:.0} ms", s.p95)),
            fact(key, "errors").unwrap_or("?"),
            fact(key, "peak_rss_mib").unwrap_or("?"),
            cpu("cpu_sandbox_s"),
            cpu("cpu_load_s"),
        );
    }
    let _ = writeln!(md);
    for setup in &SETUPS {
        if let Some(kinds) = fact(setup.key, "error_kinds").filter(|k| !k.is_empty()) {
            let _ = writeln!(
                md,
                "Errors of {}: {kinds}; the first: `{}`\n",
                setup.label,
                fact(setup.key, "error_example").unwrap_or("?")
            );
        }
    }
    write_goals(md, r);
}

/// Issue 21's goals, each met or not, and what limited the three instances.
fn write_goals(md: &mut String, r: &Results) {
    let number = |key: &str, what: &str| {
        r.fact(&format!("scaling.{key}.{what}"))
            .and_then(|v| v.parse::<f64>().ok())
    };
    let throughput =
        |key: &str| Some(number(key, "files_ok")? / number(key, "wall_s")?).filter(|t| *t > 0.0);
    let errors: Vec<f64> = SETUPS
        .iter()
        .filter_map(|s| number(s.key, "errors"))
        .collect();
    let p95 = r.stats("scaling.pg3.upload_latency").map(|s| s.p95);
    let met = |yes: bool| if yes { "met" } else { "**not met**" };
    let _ = writeln!(md, "Issue 21's goals:\n");
    let _ = writeln!(
        md,
        "- 0 errors: {}",
        if errors.len() == SETUPS.len() {
            format!(
                "{} ({} errors in all)",
                met(errors.iter().all(|e| *e == 0.0)),
                errors.iter().sum::<f64>()
            )
        } else {
            "**missing** (a setup was not measured)".to_owned()
        }
    );
    let _ = writeln!(
        md,
        "- p95 upload latency ≤ 1 s on 3 instances: {}",
        p95.map_or("**missing**".to_owned(), |p| format!(
            "{} ({p:.0} ms)",
            met(p <= 1000.0)
        ))
    );
    let (one, three) = (throughput("pg1"), throughput("pg3"));
    let _ = writeln!(
        md,
        "- 3 instances ≥ 2× the throughput of one (PostgreSQL): {}\n",
        match (one, three) {
            (Some(one), Some(three)) => format!(
                "{} ({:.2}×: {three:.1} against {one:.1} files/s)",
                met(three >= 2.0 * one),
                three / one
            ),
            _ => "**missing**".to_owned(),
        }
    );
    let cores = r.fact("scaling.cores").unwrap_or("?");
    let cpu = |what: &str| number("pg3", what).unwrap_or(f64::NAN);
    if let (Some(wall), Some(busy)) = (
        number("pg3", "cpu_window_s"),
        number("pg3", "cpu_machine_busy_s"),
    ) {
        let available = wall * cores.parse::<f64>().unwrap_or(f64::NAN);
        let share = |seconds: f64| 100.0 * seconds / available;
        let named = cpu("cpu_relays_total_s")
            + cpu("cpu_sandbox_s")
            + cpu("cpu_postgres_s")
            + cpu("cpu_load_s");
        let _ = writeln!(
            md,
            "What limits the 3-instance figure: this machine has {cores} cores, shared by the \
             three relays, the sandbox with its storage, PostgreSQL and the load generator (and \
             whatever else ran on the machine). During the 3-instance run the cores were busy \
             **{:.0}%** of the time available ({busy:.1} of {available:.1} CPU-seconds): the \
             relays {:.0}%, the sandbox and its storage {:.0}%, PostgreSQL {:.0}%, the load \
             generator {:.0}%, other processes {:.0}%. {}\n",
            share(busy),
            share(cpu("cpu_relays_total_s")),
            share(cpu("cpu_sandbox_s")),
            share(cpu("cpu_postgres_s")),
            share(cpu("cpu_load_s")),
            share((busy - named).max(0.0)),
            if share(busy) >= 85.0 {
                "With the cores this busy, more relay processes cannot add throughput: they \
                 divide the same CPU, and the figure measures the machine, not the relay's \
                 scaling. On separate machines each instance would get the CPU it used here \
                 and the sandbox, PostgreSQL and the load would not take from it."
            } else {
                "The cores were not saturated, so the CPU did not cap the figure alone: the \
                 rest is waiting (on the storage's disk writes, PostgreSQL's answers and the \
                 fixed concurrency of the load)."
            }
        );
    }
    // What one relay costs per file, measured, and what that would carry with a core each:
    // the figure separate machines would approach, which this one cannot show.
    let per_file = |key: &str| {
        Some(1000.0 * number(key, "cpu_relays_total_s")? / number(key, "files_ok")?)
            .filter(|ms| ms.is_finite() && *ms > 0.0)
    };
    if let (Some(one), Some(three)) = (per_file("pg1"), per_file("pg3")) {
        let _ = writeln!(
            md,
            "The relays' own CPU per uploaded file (its share of the session creation \
             included): {one:.2} ms with one instance, {three:.2} ms with three. At that cost \
             a relay instance with a core of its own would carry about {:.0} files/s before \
             its CPU ran out, if the storage and the database kept up; a machine where the \
             load, the provider and the database take the same two cores cannot show it.\n",
            1000.0 / three
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unmeasured_and_failed_setups_are_reported_as_such() {
        let mut results = Results::default();
        results.facts.insert(
            "scaling.pg3.failed".to_owned(),
            "kyc-relay exited | before listening".to_owned(),
        );
        let mut md = String::new();
        render(&mut md, &results);
        assert!(
            md.contains("| 1 relay, PostgreSQL | **missing**: not measured in this run |"),
            "{md}"
        );
        assert!(
            md.contains(
                "| 3 relays, one PostgreSQL | **missing**: FAILED: kyc-relay exited \\| before"
            ),
            "{md}"
        );
        assert!(md.contains("- 0 errors: **missing**"), "{md}");
    }

    #[test]
    fn the_goals_are_judged_from_the_figures() {
        let mut results = Results::default();
        for (key, files, wall) in [
            ("pg1", 3000, 10.0),
            ("pg3", 3000, 4.0),
            ("sqlite1", 2999, 10.0),
        ] {
            for (what, value) in [
                ("files_ok", files.to_string()),
                ("sessions_ok", (files / 3).to_string()),
                ("wall_s", wall.to_string()),
                ("errors", (3000 - files).to_string()),
                ("cpu_relays_total_s", "3".to_owned()),
            ] {
                results.facts.insert(format!("scaling.{key}.{what}"), value);
            }
        }
        results.absorb("BENCH scaling.pg3.upload_latency ms 100,200,1200");
        let mut md = String::new();
        render(&mut md, &results);
        assert!(
            md.contains("- 0 errors: **not met** (1 errors in all)"),
            "{md}"
        );
        assert!(
            md.contains("- p95 upload latency ≤ 1 s on 3 instances: **not met** (1100 ms)"),
            "{md}"
        );
        assert!(
            md.contains("≥ 2× the throughput of one (PostgreSQL): met (2.50×: 750.0 against 300.0"),
            "{md}"
        );
        assert!(
            md.contains("1.00 ms with one instance, 1.00 ms with three"),
            "{md}"
        );
    }

    #[test]
    fn this_process_tree_has_used_cpu() {
        let mut spin = 0u64;
        let until = Instant::now() + std::time::Duration::from_millis(50);
        while Instant::now() < until {
            spin = spin.wrapping_add(1);
        }
        assert!(spin > 0);
        let seconds = tree_seconds(&processes(), std::process::id());
        assert!(seconds > 0.0, "{seconds}");
        assert!(machine_busy_seconds() >= seconds);
    }
}
