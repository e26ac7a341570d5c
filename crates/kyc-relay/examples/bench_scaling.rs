//! The load of the scaling figures of `cargo xtask bench` (issue 21): many sessions of three
//! uploads each, spread round-robin over one or more running relay instances.
//!
//! ```sh
//! bench_scaling --relay http://127.0.0.1:8080 [--relay URL]... [--name scaling.x]
//!     [--sessions 1000] [--concurrency 32] [--file-kib 256] [--host-key KEY]
//! ```
//!
//! It starts nothing: `cargo xtask bench scaling` starts the sandbox (with its real
//! S3-compatible storage), PostgreSQL or a SQLite file, and the relays as release-built
//! processes, runs this, and reads their CPU time (this program's too) and peak RSS itself. Each session is created
//! with the host key (`POST /v1/sessions`, provider D, which creates the customer at D), then
//! uploads its front, back and selfie one after the other (`PUT /v1/session/slots/{slot}` with
//! the session token); `--concurrency` sessions run at once. Every request goes to the next
//! relay in turn, as a load balancer without sticky sessions would send it, so a session is
//! created on one instance and its files land on the others.
//!
//! Figures are printed as lines `BENCH <name> <unit> <sample>,...` and `BENCHFACT <name>
//! <value>` (names start with `--name`), parsed by `cargo xtask bench`.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use serde_json::{json, Value};
use tokio::sync::Semaphore;

mod jpeg;
use jpeg::jpeg_file;

/// The sandbox relay's host key (`kyc-relay --sandbox` without `--host-api-key`).
const SANDBOX_HOST_KEY: &str = "demo-host-api-key";

/// The three files of a provider D session: slot, declared width and height.
const SLOTS: [(&str, u16, u16); 3] = [
    ("front", 1600, 1000),
    ("back", 1600, 1000),
    ("selfie", 1200, 900),
];

const USAGE: &str = "usage: bench_scaling --relay URL [--relay URL]... [--name NAME] \
                     [--sessions N] [--concurrency N] [--file-kib N] [--host-key KEY]";

struct Options {
    relays: Vec<String>,
    name: String,
    sessions: usize,
    concurrency: usize,
    file_kib: usize,
    host_key: String,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        relays: Vec::new(),
        name: "scaling".to_owned(),
        sessions: 1000,
        concurrency: 32,
        file_kib: 256,
        host_key: SANDBOX_HOST_KEY.to_owned(),
    };
    let mut words = args.iter();
    while let Some(flag) = words.next() {
        let value = words
            .next()
            .ok_or_else(|| format!("{flag} needs a value"))?;
        let count = || {
            value
                .parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| format!("{flag}: {value:?} is not a number of at least 1"))
        };
        match flag.as_str() {
            "--relay" => {
                if !value.starts_with("http://") && !value.starts_with("https://") {
                    return Err(format!("--relay: {value:?} is not an http(s) URL"));
                }
                options.relays.push(value.trim_end_matches('/').to_owned());
            }
            "--name" => options.name = value.clone(),
            "--sessions" => options.sessions = count()?,
            "--concurrency" => options.concurrency = count()?,
            "--file-kib" => {
                // The relay refuses files under 1 KiB (kyc-core's FileLimits::min_bytes).
                options.file_kib = count()?.max(2);
            }
            "--host-key" => options.host_key = value.clone(),
            other => return Err(format!("unknown flag {other:?}")),
        }
    }
    if options.relays.is_empty() {
        return Err("give at least one --relay URL".to_owned());
    }
    Ok(options)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = match parse(&args) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("bench_scaling: {message}\n{USAGE}");
            std::process::exit(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    if let Err(message) = runtime.block_on(drive(options)) {
        eprintln!("bench_scaling: {message}");
        std::process::exit(1);
    }
}

/// The relays, each request to the next one in turn.
struct RoundRobin {
    relays: Vec<String>,
    next: AtomicUsize,
}

impl RoundRobin {
    fn next(&self) -> &str {
        &self.relays[self.next.fetch_add(1, Ordering::Relaxed) % self.relays.len()]
    }
}

/// What went wrong with one request, short enough to count alike failures together: the step,
/// the HTTP status and the relay's error code, or the transport error's kind.
struct Failure {
    kind: String,
    detail: String,
}

async fn failure_of(step: &str, response: reqwest::Response) -> Failure {
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    let code = serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|body| body["error"]["code"].as_str().map(str::to_owned))
        .unwrap_or_default();
    Failure {
        kind: format!("{step}: {status} {code}").trim_end().to_owned(),
        detail: text.chars().take(300).collect(),
    }
}

fn transport_failure(step: &str, err: reqwest::Error) -> Failure {
    let what = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "connection failed"
    } else {
        "transport error"
    };
    Failure {
        kind: format!("{step}: {what}"),
        detail: err.to_string(),
    }
}

async fn create_session(
    http: &reqwest::Client,
    relays: &RoundRobin,
    host_key: &str,
    reference: &str,
) -> Result<String, Failure> {
    let body = json!({"customer_reference": reference, "customer_type": "individual",
                      "country": "GBR", "provider": "d"});
    let response = http
        .post(format!("{}/v1/sessions", relays.next()))
        .bearer_auth(host_key)
        .json(&body)
        .send()
        .await
        .map_err(|err| transport_failure("session", err))?;
    if !response.status().is_success() {
        return Err(failure_of("session", response).await);
    }
    let created: Value = response
        .json()
        .await
        .map_err(|err| transport_failure("session", err))?;
    created["token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| Failure {
            kind: "session: no token in the answer".to_owned(),
            detail: created.to_string(),
        })
}

async fn upload(
    http: &reqwest::Client,
    relays: &RoundRobin,
    token: &str,
    slot: &str,
    file: Bytes,
) -> Result<(), Failure> {
    let response = http
        .put(format!("{}/v1/session/slots/{slot}", relays.next()))
        .bearer_auth(token)
        .header("content-type", "image/jpeg")
        .body(file)
        .send()
        .await
        .map_err(|err| transport_failure(slot, err))?;
    if !response.status().is_success() {
        return Err(failure_of(slot, response).await);
    }
    // The whole answer is read, so the latency covers it and the connection is reused.
    response
        .bytes()
        .await
        .map(|_| ())
        .map_err(|err| transport_failure(slot, err))
}

/// What one session measured.
#[derive(Default)]
struct SessionOutcome {
    created_ms: Option<f64>,
    uploads_ms: Vec<f64>,
    failures: Vec<Failure>,
}

async fn one_session(
    http: reqwest::Client,
    relays: Arc<RoundRobin>,
    host_key: Arc<str>,
    reference: String,
    files: Arc<Vec<Bytes>>,
) -> SessionOutcome {
    let mut outcome = SessionOutcome::default();
    let began = Instant::now();
    let token = match create_session(&http, &relays, &host_key, &reference).await {
        Ok(token) => token,
        Err(failure) => {
            outcome.failures.push(failure);
            return outcome;
        }
    };
    outcome.created_ms = Some(ms(began));
    for ((slot, _, _), file) in SLOTS.iter().zip(files.iter()) {
        let began = Instant::now();
        match upload(&http, &relays, &token, slot, file.clone()).await {
            Ok(()) => outcome.uploads_ms.push(ms(began)),
            Err(failure) => outcome.failures.push(failure),
        }
    }
    outcome
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

fn emit(name: &str, unit: &str, samples: &[f64]) {
    let list: Vec<String> = samples.iter().map(|v| format!("{v:.3}")).collect();
    println!("BENCH {name} {unit} {}", list.join(","));
}

async fn drive(options: Options) -> Result<(), String> {
    let name = options.name.clone();
    let files: Arc<Vec<Bytes>> = Arc::new(
        SLOTS
            .iter()
            .enumerate()
            .map(|(i, (_, width, height))| {
                Bytes::from(jpeg_file(
                    *width,
                    *height,
                    options.file_kib * 1024,
                    91 + i as u64,
                ))
            })
            .collect(),
    );
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(options.concurrency * 2)
        .timeout(Duration::from_secs(60))
        .build()
        .map_err(|err| format!("an HTTP client: {err}"))?;
    let relays = Arc::new(RoundRobin {
        relays: options.relays.clone(),
        next: AtomicUsize::new(0),
    });
    let host_key: Arc<str> = Arc::from(options.host_key.as_str());
    // Unique per run, so a relay's database and the sandbox's customers may be reused.
    let run = std::process::id();
    let places = Arc::new(Semaphore::new(options.concurrency));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for session in 0..options.sessions {
        let place = places
            .clone()
            .acquire_owned()
            .await
            .map_err(|err| format!("the concurrency limit: {err}"))?;
        let session = one_session(
            http.clone(),
            relays.clone(),
            host_key.clone(),
            format!("scaling-{run}-{session}"),
            files.clone(),
        );
        tasks.spawn(async move {
            let outcome = session.await;
            drop(place);
            outcome
        });
    }
    let (mut creates, mut uploads, mut failures) = (vec![], vec![], vec![]);
    let mut complete = 0usize;
    while let Some(joined) = tasks.join_next().await {
        let outcome = joined.map_err(|err| format!("a session task: {err}"))?;
        if outcome.uploads_ms.len() == SLOTS.len() {
            complete += 1;
        }
        creates.extend(outcome.created_ms);
        uploads.extend(outcome.uploads_ms);
        failures.extend(outcome.failures);
    }
    let wall_s = started.elapsed().as_secs_f64();

    emit(&format!("{name}.upload_latency"), "ms", &uploads);
    emit(&format!("{name}.session_latency"), "ms", &creates);
    let fact = |what: &str, value: String| println!("BENCHFACT {name}.{what} {value}");
    fact("relays", options.relays.len().to_string());
    fact("sessions", options.sessions.to_string());
    fact("concurrency", options.concurrency.to_string());
    fact("file_bytes", (options.file_kib * 1024).to_string());
    fact("wall_s", format!("{wall_s:.3}"));
    fact("files_ok", uploads.len().to_string());
    fact("sessions_ok", complete.to_string());
    fact(
        "requests",
        (options.sessions * (1 + SLOTS.len())).to_string(),
    );
    fact("errors", failures.len().to_string());
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for failure in &failures {
        *kinds.entry(failure.kind.as_str()).or_default() += 1;
    }
    let kinds: Vec<String> = kinds
        .iter()
        .map(|(kind, count)| format!("{count}× {kind}"))
        .collect();
    fact("error_kinds", kinds.join("; "));
    if let Some(first) = failures.first() {
        fact(
            "error_example",
            format!("{}: {}", first.kind, first.detail.replace('\n', " ")),
        );
    }
    eprintln!(
        "bench_scaling: {name}: {} relay(s), {} sessions in {wall_s:.1} s: {:.1} files/s, \
         {} errors{}",
        options.relays.len(),
        options.sessions,
        uploads.len() as f64 / wall_s,
        failures.len(),
        if kinds.is_empty() {
            String::new()
        } else {
            format!(" ({})", kinds.join("; "))
        }
    );
    Ok(())
}
