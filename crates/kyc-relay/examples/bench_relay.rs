//! The relay's upload figures for `cargo xtask bench`, measured over real HTTP on 127.0.0.1.
//!
//! ```sh
//! cargo run --release -p kyc-relay --example bench_relay [-- --rounds 30 --sessions 200]
//! ```
//!
//! It starts the provider sandbox (with its real S3-compatible storage, s3s-fs) in this process
//! and the relay as a child process (this same program with `serve`), so the relay's peak RSS is
//! its own. It then measures, in one run:
//!
//! - a 50 MiB upload through the relay (`PUT /v1/session/slots/front`, which the relay checks and
//!   PUTs to the storage's presigned URL) beside a direct PUT of the same bytes to a presigned
//!   URL of the same storage, and the same upload through a second relay started at the lowest
//!   CPU priority (`nice -n 19`), which takes no CPU the storage would use: what the relay's
//!   hop costs when it does not share the provider's cores, as in a deployment. The three take
//!   turns going first;
//! - the relay's CPU time per 50 MiB upload (all its threads, from `/proc/PID/task/*/schedstat`):
//!   on a machine shared by the client, the relay and the storage, what the relay burns is
//!   taken from the others;
//! - the relay's peak RSS during the 50 MiB uploads (the kernel's high-water mark `VmHWM`, reset
//!   through `/proc/PID/clear_refs` before each upload, and a 5 ms `VmRSS` sampler beside it);
//! - concurrent sessions (200 by default), each created with the host key and then uploading
//!   three files (front, back, selfie) one after the other: errors and request latencies. Each
//!   upload is retried as the widget retries it (`kyc_capture::upload::RetryPolicy`'s default:
//!   4 tries, 0.8 s doubling, on a network error, a 5xx or a 429): past its `--max-uploads`
//!   the relay sheds load with 503 `relay_busy`, and what counts is what the user would see.
//!   The retries are counted beside the errors.
//!
//! Figures are printed as lines `BENCH <name> <unit> <sample>,<sample>,...` and
//! `BENCHFACT <name> <value>`, parsed by `cargo xtask bench`; nothing is summarised here.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kyc_core::{FileLimits, Provider};
use kyc_relay::provider::{ProviderAdapter, ProviderD};
use kyc_relay::store::Store;
use kyc_relay::{app, AppState, RelayConfig};
use kyc_sandbox::{Sandbox, SandboxConfig};
use serde_json::{json, Value};

mod jpeg;
use jpeg::jpeg_file;

const HOST_KEY: &str = "bench-host-key";
const SANDBOX_KEY: &str = "sandbox-api-key";
const LARGE_BYTES: usize = 50 * 1024 * 1024;
const SMALL_BYTES: usize = 1024 * 1024;
/// The `nice` value of the second relay, the lowest priority Linux has.
const YIELDING_NICENESS: u8 = 19;

struct Options {
    rounds: usize,
    sessions: usize,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("serve") {
        serve(&args[1..]);
        return;
    }
    // 30 rounds: the median ratio of three runs of 15 spread over 1.12 to 1.21, of five of 30
    // over 1.15 to 1.19 (the storage's objects deleted after each round in both).
    let mut options = Options {
        rounds: 30,
        sessions: 200,
    };
    let mut words = args.iter();
    while let Some(flag) = words.next() {
        let value = words
            .next()
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|v| *v > 0);
        match (flag.as_str(), value) {
            ("--rounds", Some(v)) => options.rounds = v,
            ("--sessions", Some(v)) => options.sessions = v,
            _ => {
                eprintln!("usage: bench_relay [--rounds N] [--sessions N]");
                std::process::exit(2);
            }
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    if let Err(message) = runtime.block_on(drive(options)) {
        eprintln!("bench_relay: {message}");
        std::process::exit(1);
    }
}

/// The relay under test: provider D at `--provider-d-url`, files up to 64 MiB, on 127.0.0.1:0.
fn serve(args: &[String]) {
    let mut provider_d_url = None;
    let mut database = None;
    let mut words = args.iter();
    while let Some(flag) = words.next() {
        match flag.as_str() {
            "--provider-d-url" => provider_d_url = words.next().cloned(),
            "--database" => database = words.next().map(PathBuf::from),
            other => panic!("serve: unknown flag {other:?}"),
        }
    }
    let provider_d_url = provider_d_url.expect("serve needs --provider-d-url");
    let database = database.expect("serve needs --database");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async move {
        let store = Store::open(&database).expect("the database opens");
        let provider_d: Arc<dyn ProviderAdapter> = Arc::new(ProviderD::new(
            &provider_d_url,
            SANDBOX_KEY,
            Duration::from_secs(60),
        ));
        let config = RelayConfig {
            host_api_key: HOST_KEY.to_owned(),
            // The sandbox's built-in key and a short host key: sandbox mode.
            sandbox: true,
            limits: FileLimits {
                max_bytes: 64 * 1024 * 1024,
                ..FileLimits::default()
            },
            requests_per_minute: 10_000,
            ..RelayConfig::default()
        };
        let state = AppState::new(config, store, HashMap::from([(Provider::D, provider_d)]))
            .expect("the relay's settings");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("loopback is available");
        println!("listening http://{}", listener.local_addr().expect("bound"));
        axum::serve(listener, app(state))
            .await
            .expect("the relay serves");
    });
}

/// A child process killed when dropped.
struct Relay {
    child: Child,
    url: String,
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_relay(
    provider_d_url: &str,
    database: &std::path::Path,
    niceness: Option<u8>,
) -> Result<Relay, String> {
    let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    // `nice` (coreutils) runs the relay itself with a lower CPU priority; the pid is the relay's.
    let mut command = match niceness {
        Some(n) => {
            let mut nice = Command::new("nice");
            nice.arg("-n").arg(n.to_string()).arg(exe);
            nice
        }
        None => Command::new(exe),
    };
    let mut child = command
        .arg("serve")
        .arg("--provider-d-url")
        .arg(provider_d_url)
        .arg("--database")
        .arg(database)
        .env("RUST_LOG", "error")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start the relay: {e}"))?;
    let stdout = child.stdout.take().expect("piped");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .map_err(|e| format!("relay output: {e}"))?;
    let url = line
        .trim()
        .strip_prefix("listening ")
        .ok_or_else(|| format!("the relay said {line:?}"))?
        .to_owned();
    Ok(Relay { child, url })
}

/// A kilobyte value of one `/proc/PID/status` field (`VmRSS`, `VmHWM`).
fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    text.lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// The CPU time the process's threads have used so far, in milliseconds (the sum of each
/// thread's `/proc/PID/task/TID/schedstat`, nanosecond precision).
fn cpu_ms(pid: u32) -> f64 {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return f64::NAN;
    };
    let nanos: u64 = tasks
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok())
        .filter_map(|text| text.split_whitespace().next()?.parse::<u64>().ok())
        .sum();
    nanos as f64 / 1e6
}

/// Resets the process's RSS high-water mark (Linux: `echo 5 > /proc/PID/clear_refs`).
fn reset_peak(pid: u32) -> bool {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok()
}

/// Samples `VmRSS` of `pid` every 5 ms until stopped; the largest sample.
struct RssSampler {
    stop: Arc<AtomicBool>,
    peak: Arc<AtomicU64>,
    thread: std::thread::JoinHandle<()>,
}

impl RssSampler {
    fn start(pid: u32) -> RssSampler {
        let stop = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(AtomicU64::new(0));
        let (s, p) = (stop.clone(), peak.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                if let Some(kib) = status_kib(pid, "VmRSS") {
                    p.fetch_max(kib, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        RssSampler { stop, peak, thread }
    }

    fn finish(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.thread.join();
        self.peak.load(Ordering::Relaxed)
    }
}

fn emit(name: &str, unit: &str, samples: &[f64]) {
    let list: Vec<String> = samples.iter().map(|v| format!("{v:.3}")).collect();
    println!("BENCH {name} {unit} {}", list.join(","));
}

async fn json_of(response: reqwest::Response) -> Result<Value, String> {
    let status = response.status();
    let text = response.text().await.map_err(|e| e.to_string())?;
    if !status.is_success() {
        return Err(format!("{status}: {text}"));
    }
    serde_json::from_str(&text).map_err(|e| format!("{e}: {text}"))
}

/// A relay session for a provider D individual; its widget token.
async fn relay_session(
    http: &reqwest::Client,
    relay: &str,
    reference: &str,
) -> Result<String, String> {
    let body = json!({"customer_reference": reference, "customer_type": "individual", "country": "GBR", "provider": "d"});
    let response = http
        .post(format!("{relay}/v1/sessions"))
        .bearer_auth(HOST_KEY)
        .json(&body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let created = json_of(response).await?;
    created["token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("no token in {created}"))
}

/// Whether the widget would try `err` again: a network error, a 5xx or a 429.
fn transient(err: &str) -> bool {
    !err.starts_with('4') || err.starts_with("429")
}

async fn relay_upload(
    http: &reqwest::Client,
    relay: &str,
    token: &str,
    slot: &str,
    bytes: bytes::Bytes,
) -> Result<(), String> {
    let response = http
        .put(format!("{relay}/v1/session/slots/{slot}"))
        .bearer_auth(token)
        .header("content-type", "image/jpeg")
        .body(bytes)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    json_of(response).await.map(|_| ())
}

/// A presigned URL of the sandbox's storage for a new provider D customer, from D's own API.
async fn presigned_url(
    http: &reqwest::Client,
    d_base: &str,
    reference: &str,
) -> Result<(String, Vec<(String, String)>), String> {
    let body = json!({"customer_reference": reference, "type": "individual", "country": "GBR"});
    let customer = json_of(
        http.post(format!("{d_base}/v1/customers"))
            .bearer_auth(SANDBOX_KEY)
            .json(&body)
            .send()
            .await
            .map_err(|e| e.to_string())?,
    )
    .await?;
    let id = customer["id"].as_str().ok_or("no customer id")?;
    let file = json_of(
        http.post(format!("{d_base}/v1/customers/{id}/files"))
            .bearer_auth(SANDBOX_KEY)
            .json(&json!({"content_type": "image/jpeg"}))
            .send()
            .await
            .map_err(|e| e.to_string())?,
    )
    .await?;
    let url = file["upload_url"]
        .as_str()
        .ok_or("no upload_url")?
        .to_owned();
    let headers = file["required_headers"]
        .as_object()
        .map(|map| {
            map.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default();
    Ok((url, headers))
}

async fn direct_put(
    http: &reqwest::Client,
    url: &str,
    headers: &[(String, String)],
    bytes: bytes::Bytes,
) -> Result<(), String> {
    let mut put = http.put(url).body(bytes);
    for (name, value) in headers {
        put = put.header(name, value);
    }
    let response = put.send().await.map_err(|e| e.to_string())?;
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("storage answered {status}"))
    }
}

/// Deletes the objects the storage holds (its files under `root`; the directories stay). A
/// file it cannot delete is named on stderr: left there, it would slow the later rounds again.
fn forget_stored(root: &std::path::Path) {
    let entries = match std::fs::read_dir(root) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return,
        Err(err) => return eprintln!("bench_relay: cannot list {root:?}: {err}"),
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let removed = match entry.file_type() {
            Ok(kind) if kind.is_dir() => {
                forget_stored(&path);
                Ok(())
            }
            Ok(_) => std::fs::remove_file(&path),
            Err(err) => Err(err),
        };
        if let Err(err) = removed {
            eprintln!("bench_relay: cannot delete the stored {path:?}: {err}");
        }
    }
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (p * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

async fn drive(options: Options) -> Result<(), String> {
    let scratch = tempfile::tempdir().map_err(|e| format!("tempdir: {e}"))?;
    let storage = scratch.path().join("storage");
    let sandbox = Sandbox::start(
        SandboxConfig {
            storage_root: Some(storage.clone()),
            ..SandboxConfig::default()
        },
        "127.0.0.1:0".parse().expect("an address"),
    )
    .await
    .map_err(|e| format!("the sandbox did not start: {e}"))?;
    let d_base = format!("{}/d", sandbox.base_url());
    let relay = start_relay(&d_base, &scratch.path().join("relay.sqlite"), None)?;
    let pid = relay.child.id();
    // The same relay at the lowest CPU priority: on this one machine the client, the relay and
    // the provider's storage share the cores, and a relay at equal priority takes CPU the
    // storage would have used; yielding, it gets what the others leave, as a relay on a
    // machine of its own would not take the provider's.
    let yielding = start_relay(
        &d_base,
        &scratch.path().join("relay-yielding.sqlite"),
        Some(YIELDING_NICENESS),
    )?;
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(512)
        .timeout(Duration::from_secs(120))
        .build()
        .map_err(|e| e.to_string())?;
    println!(
        "BENCHFACT relay.idle_rss_kib {}",
        status_kib(pid, "VmRSS").unwrap_or(0)
    );

    // 50 MiB: through the relay, and straight to the same storage.
    let large = bytes::Bytes::from(jpeg_file(4000, 3000, LARGE_BYTES, 0x5EED));
    println!("BENCHFACT upload.large_bytes {}", large.len());
    let (mut via_relay, mut direct, mut peaks, mut sampled) = (vec![], vec![], vec![], vec![]);
    let mut relay_cpu = vec![];
    let mut via_yielding = vec![];
    let mut hwm_reset = true;
    for round in 0..options.rounds {
        // Each of the three goes first, second and third in turn.
        for turn in 0..3 {
            match (round + turn) % 3 {
                0 => {
                    let token = relay_session(&http, &relay.url, &format!("large-{round}")).await?;
                    hwm_reset &= reset_peak(pid);
                    let sampler = RssSampler::start(pid);
                    let cpu = cpu_ms(pid);
                    let started = Instant::now();
                    relay_upload(&http, &relay.url, &token, "front", large.clone()).await?;
                    via_relay.push(ms(started));
                    relay_cpu.push(cpu_ms(pid) - cpu);
                    sampled.push(sampler.finish() as f64 / 1024.0);
                    peaks.push(status_kib(pid, "VmHWM").unwrap_or(0) as f64 / 1024.0);
                }
                1 => {
                    let token =
                        relay_session(&http, &yielding.url, &format!("yielding-{round}")).await?;
                    let started = Instant::now();
                    relay_upload(&http, &yielding.url, &token, "front", large.clone()).await?;
                    via_yielding.push(ms(started));
                }
                _ => {
                    let (url, headers) =
                        presigned_url(&http, &d_base, &format!("direct-{round}")).await?;
                    let started = Instant::now();
                    direct_put(&http, &url, &headers, large.clone()).await?;
                    direct.push(ms(started));
                }
            }
            // The storage is another machine's disk in a deployment: what it stored is deleted
            // before the kernel writes it out, so the gigabytes of the rounds are not written
            // to this machine's disk while the next rounds (and the next benches) run.
            forget_stored(&storage);
        }
    }
    drop(yielding);
    emit("relay.upload50.relay", "ms", &via_relay);
    emit("relay.upload50.relay_yielding", "ms", &via_yielding);
    emit("relay.upload50.direct", "ms", &direct);
    emit("relay.upload50.relay_cpu", "ms", &relay_cpu);
    emit(
        if hwm_reset {
            "relay.upload50.peak_rss"
        } else {
            "relay.upload50.peak_rss_since_start"
        },
        "MiB",
        &peaks,
    );
    emit("relay.upload50.sampled_rss", "MiB", &sampled);

    // Concurrent sessions, three files each.
    let files: Vec<bytes::Bytes> = [(1600u16, 1000u16), (1600, 1000), (1200, 900)]
        .iter()
        .enumerate()
        .map(|(i, (w, h))| bytes::Bytes::from(jpeg_file(*w, *h, SMALL_BYTES, 77 + i as u64)))
        .collect();
    println!("BENCHFACT concurrent.file_bytes {SMALL_BYTES}");
    println!("BENCHFACT concurrent.sessions {}", options.sessions);
    let hwm_reset = reset_peak(pid);
    let sampler = RssSampler::start(pid);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for session in 0..options.sessions {
        let (http, relay_url, files) = (http.clone(), relay.url.clone(), files.clone());
        tasks.spawn(async move {
            let mut uploads = Vec::new();
            let mut errors = Vec::new();
            let began = Instant::now();
            let token = match relay_session(&http, &relay_url, &format!("many-{session}")).await {
                Ok(token) => token,
                Err(err) => return (None, uploads, vec![format!("session: {err}")], 0),
            };
            let created = ms(began);
            let mut retries = 0;
            for (slot, bytes) in ["front", "back", "selfie"].into_iter().zip(files) {
                let began = Instant::now();
                let mut delay = Duration::from_millis(800);
                for attempt in 1..=4 {
                    match relay_upload(&http, &relay_url, &token, slot, bytes.clone()).await {
                        Ok(()) => {
                            uploads.push(ms(began));
                            break;
                        }
                        Err(err) if attempt < 4 && transient(&err) => {
                            retries += 1;
                            tokio::time::sleep(delay).await;
                            delay *= 2;
                        }
                        Err(err) => {
                            errors.push(format!("{slot}: {err}"));
                            break;
                        }
                    }
                }
            }
            (Some(created), uploads, errors, retries)
        });
    }
    let (mut creates, mut uploads, mut errors, mut retries) = (vec![], vec![], vec![], 0);
    while let Some(joined) = tasks.join_next().await {
        let (created, done, failed, retried) =
            joined.map_err(|e| format!("a session task: {e}"))?;
        creates.extend(created);
        uploads.extend(done);
        errors.extend(failed);
        retries += retried;
    }
    let wall = ms(started);
    let sampled_peak = sampler.finish() as f64 / 1024.0;
    let hwm = status_kib(pid, "VmHWM").unwrap_or(0) as f64 / 1024.0;
    emit("relay.concurrent.upload_latency", "ms", &uploads);
    emit("relay.concurrent.session_latency", "ms", &creates);
    println!("BENCHFACT relay.concurrent.wall_ms {wall:.1}");
    println!(
        "BENCHFACT relay.concurrent.requests {}",
        options.sessions * 4
    );
    println!("BENCHFACT relay.concurrent.errors {}", errors.len());
    println!("BENCHFACT relay.concurrent.retries {retries}");
    println!(
        "BENCHFACT relay.concurrent.peak_rss_mib {:.1}{}",
        hwm,
        if hwm_reset { "" } else { " (since start)" }
    );
    println!("BENCHFACT relay.concurrent.sampled_rss_mib {sampled_peak:.1}");
    let mut sorted = uploads.clone();
    sorted.sort_by(f64::total_cmp);
    eprintln!(
        "bench_relay: {} uploads, p50 {:.1} ms, p95 {:.1} ms, {} errors",
        uploads.len(),
        percentile(&sorted, 0.5),
        percentile(&sorted, 0.95),
        errors.len()
    );
    for error in errors.iter().take(5) {
        println!(
            "BENCHFACT relay.concurrent.error_example {}",
            error.replace('\n', " ")
        );
    }
    drop(relay);
    drop(sandbox);
    Ok(())
}
