//! `kyc-relay`: runs the reference host backend.
//!
//! Every flag has an embedded default, so `kyc-relay` alone starts a relay for the local sandbox.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use kyc_core::Provider;
use kyc_relay::provider::{ProviderA, ProviderAdapter, ProviderB, ProviderC, ProviderD};
use kyc_relay::store::Store;
use kyc_relay::{app, AppState, RelayConfig};

const USAGE: &str = "usage: kyc-relay [--listen ADDR] [--database PATH] [--provider-d-url URL]
                 [--provider-d-api-key KEY] [--provider-b-url URL] [--provider-b-api-key KEY]
                 [--provider-a-url URL] [--provider-a-client-id ID]
                 [--provider-a-client-secret SECRET]
                 [--provider-c-url URL] [--provider-c-api-key KEY]
                 [--webhook-secret PROVIDER=SECRET]... [--selfie-required PROVIDER]...
                 [--host-api-key KEY] [--allowed-origin ORIGIN]...
                 [--static-dir DIR] [--demo-sessions] [--max-bytes N] [--spool-dir DIR]
                 [--shutdown-grace SECS] [--reconcile-every SECS] [--header-timeout SECS]
                 [--body-idle-timeout SECS] [--max-uploads N] [--max-uploads-per-session N]

  --listen ADDR            address to serve on (default 127.0.0.1:8080)
  --database PATH          SQLite file, created and migrated at start (default kyc-relay.sqlite)
  --provider-d-url URL     provider D's (Technest's) API base (default http://127.0.0.1:9090/d,
                           the sandbox); also --technest-url
  --provider-d-api-key KEY provider D's API key (default sandbox-api-key); env PROVIDER_D_API_KEY
                           (or TECHNEST_API_KEY); also --technest-api-key
  --provider-b-url URL     provider B's API base (default http://127.0.0.1:9090/b, the sandbox)
  --provider-b-api-key KEY provider B's Bearer key (default sandbox-api-key); env PROVIDER_B_API_KEY
  --provider-a-url URL     provider A's API base (default http://127.0.0.1:9090/a, the sandbox)
  --provider-a-client-id ID
                           provider A's OAuth client id (default sandbox-client)
  --provider-a-client-secret SECRET
                           provider A's OAuth client secret (default sandbox-client-secret);
                           env PROVIDER_A_CLIENT_SECRET
  --provider-c-url URL     provider C's API base (default http://127.0.0.1:9090/c, the sandbox);
                           C's checks run at Technest, which takes the documents (--provider-d-url)
  --provider-c-api-key KEY provider C's Bearer key (default sandbox-api-key); env PROVIDER_C_API_KEY
  --webhook-secret PROVIDER=SECRET
                           HMAC secret of a provider's webhooks at POST /webhooks/PROVIDER
                           (repeatable; default a= and d=sandbox-webhook-secret, the sandbox's)
  --selfie-required PROVIDER
                           the provider's client configuration requires a selfie (repeatable)
  --host-api-key KEY       key your backend sends to POST /v1/sessions; env KYC_RELAY_HOST_API_KEY
  --allowed-origin ORIGIN  a browser origin allowed to call the widget endpoints (repeatable)
  --static-dir DIR         serve the built widget from DIR at /
  --demo-sessions          enable POST /demo/session (sessions without a host key; demo only)
  --max-bytes N            largest accepted upload in bytes (default 10485760, 10 MiB)
  --spool-dir DIR          where uploads are spooled on their way to the provider (unlinked
                           temporary files; default the system's temporary directory)
  --shutdown-grace SECS    how long SIGTERM or Ctrl-C waits for uploads and submits in flight
                           (default 30)
  --reconcile-every SECS   how often sessions marked submitted that the provider does not have
                           are reopened (default 300; also once at start)
  --header-timeout SECS    a connection whose request headers take longer is closed (default 10)
  --body-idle-timeout SECS an upload whose body sends nothing this long is refused (default 30)
  --max-uploads N          uploads the relay takes at once; more get 503 (default 64)
  --max-uploads-per-session N
                           uploads one session may run at once; more get 429 (default 2)";

struct Args {
    listen: SocketAddr,
    database: PathBuf,
    provider_d_url: String,
    provider_d_api_key: String,
    provider_b_url: String,
    provider_b_api_key: String,
    provider_a_url: String,
    provider_a_client_id: String,
    provider_a_client_secret: String,
    provider_c_url: String,
    provider_c_api_key: String,
    config: RelayConfig,
}

/// The arguments in `words` (the command line without the program name), over the defaults and
/// the environment's keys.
fn parse_args(words: impl IntoIterator<Item = String>) -> Result<Args, String> {
    let mut args = Args {
        listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
        database: PathBuf::from("kyc-relay.sqlite"),
        provider_d_url: "http://127.0.0.1:9090/d".to_owned(),
        provider_d_api_key: std::env::var("PROVIDER_D_API_KEY")
            .or_else(|_| std::env::var("TECHNEST_API_KEY"))
            .unwrap_or_else(|_| "sandbox-api-key".to_owned()),
        provider_b_url: "http://127.0.0.1:9090/b".to_owned(),
        provider_b_api_key: std::env::var("PROVIDER_B_API_KEY")
            .unwrap_or_else(|_| "sandbox-api-key".to_owned()),
        provider_a_url: "http://127.0.0.1:9090/a".to_owned(),
        provider_a_client_id: "sandbox-client".to_owned(),
        provider_a_client_secret: std::env::var("PROVIDER_A_CLIENT_SECRET")
            .unwrap_or_else(|_| "sandbox-client-secret".to_owned()),
        provider_c_url: "http://127.0.0.1:9090/c".to_owned(),
        provider_c_api_key: std::env::var("PROVIDER_C_API_KEY")
            .unwrap_or_else(|_| "sandbox-api-key".to_owned()),
        config: RelayConfig::default(),
    };
    for provider in [Provider::A, Provider::D] {
        args.config
            .webhook_secrets
            .insert(provider, "sandbox-webhook-secret".to_owned());
    }
    if let Ok(key) = std::env::var("KYC_RELAY_HOST_API_KEY") {
        args.config.host_api_key = key;
    }
    let mut words = words.into_iter();
    while let Some(flag) = words.next() {
        let mut value = |name: &str| words.next().ok_or_else(|| format!("{name} needs a value"));
        match flag.as_str() {
            "--listen" => {
                let text = value("--listen")?;
                args.listen = text.parse().map_err(|_| {
                    format!("--listen: {text:?} is not an address like 127.0.0.1:8080")
                })?;
            }
            "--database" => args.database = PathBuf::from(value("--database")?),
            // The `--technest-` names are D's flags of old, still taken.
            "--provider-d-url" | "--technest-url" => args.provider_d_url = value(&flag)?,
            "--provider-d-api-key" | "--technest-api-key" => {
                args.provider_d_api_key = value(&flag)?
            }
            "--provider-b-url" => args.provider_b_url = value("--provider-b-url")?,
            "--provider-b-api-key" => args.provider_b_api_key = value("--provider-b-api-key")?,
            "--provider-a-url" => args.provider_a_url = value("--provider-a-url")?,
            "--provider-a-client-id" => {
                args.provider_a_client_id = value("--provider-a-client-id")?
            }
            "--provider-a-client-secret" => {
                args.provider_a_client_secret = value("--provider-a-client-secret")?
            }
            "--provider-c-url" => args.provider_c_url = value("--provider-c-url")?,
            "--provider-c-api-key" => args.provider_c_api_key = value("--provider-c-api-key")?,
            "--webhook-secret" => {
                let text = value("--webhook-secret")?;
                let (provider, secret) = text
                    .split_once('=')
                    .filter(|(_, secret)| !secret.is_empty())
                    .ok_or_else(|| format!("--webhook-secret: {text:?} is not PROVIDER=SECRET"))?;
                let provider = parse_provider(provider)?;
                args.config
                    .webhook_secrets
                    .insert(provider, secret.to_owned());
            }
            "--selfie-required" => {
                let name = value("--selfie-required")?;
                args.config.selfie_required.push(parse_provider(&name)?);
            }
            "--host-api-key" => args.config.host_api_key = value("--host-api-key")?,
            "--allowed-origin" => args.config.allowed_origins.push(value("--allowed-origin")?),
            "--static-dir" => args.config.static_dir = Some(PathBuf::from(value("--static-dir")?)),
            "--demo-sessions" => args.config.demo_sessions = true,
            "--max-bytes" => {
                let text = value("--max-bytes")?;
                args.config.limits.max_bytes = text
                    .parse()
                    .map_err(|_| format!("--max-bytes: {text:?} is not a number of bytes"))?;
            }
            "--spool-dir" => args.config.spool_dir = Some(PathBuf::from(value("--spool-dir")?)),
            "--shutdown-grace" => args.config.shutdown_grace = seconds(&flag, value(&flag)?)?,
            "--reconcile-every" => args.config.reconcile_every = seconds(&flag, value(&flag)?)?,
            "--header-timeout" => args.config.header_timeout = seconds(&flag, value(&flag)?)?,
            "--body-idle-timeout" => args.config.body_idle_timeout = seconds(&flag, value(&flag)?)?,
            "--max-uploads" => args.config.max_uploads = count(&flag, value(&flag)?)?,
            "--max-uploads-per-session" => {
                args.config.max_uploads_per_session = count(&flag, value(&flag)?)?
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown flag {other:?}")),
        }
    }
    Ok(args)
}

/// A duration given in whole seconds.
fn seconds(flag: &str, text: String) -> Result<Duration, String> {
    text.parse()
        .map(Duration::from_secs)
        .map_err(|_| format!("{flag}: {text:?} is not a number of seconds"))
}

/// A count of at least 1.
fn count(flag: &str, text: String) -> Result<usize, String> {
    text.parse()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("{flag}: {text:?} is not a number of at least 1"))
}

/// Waits for SIGTERM (what a service manager or an orchestrator sends) or Ctrl-C.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
                return;
            }
            Err(err) => tracing::warn!(%err, "cannot listen for SIGTERM; Ctrl-C only"),
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// A provider named by its code (`a`, `b`, `c`, `d`).
fn parse_provider(code: &str) -> Result<Provider, String> {
    Provider::from_code(code)
        .ok_or_else(|| format!("unknown provider {code:?}; providers are a, b, c, d"))
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,kyc_relay=info".into()),
        )
        .init();
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("kyc-relay: {message}\n");
            }
            eprintln!("{USAGE}");
            std::process::exit(2);
        }
    };
    let store = Store::open(&args.database).unwrap_or_else(|err| {
        eprintln!(
            "kyc-relay: cannot open database {}: {err}",
            args.database.display()
        );
        std::process::exit(1);
    });
    let provider_d = ProviderD::new(
        &args.provider_d_url,
        &args.provider_d_api_key,
        Duration::from_secs(30),
    );
    // C's checks run at Technest (D), which takes the documents (see `provider::c`).
    let provider_c: Arc<dyn ProviderAdapter> = Arc::new(ProviderC::new(
        &args.provider_c_url,
        &args.provider_c_api_key,
        provider_d.clone(),
        Duration::from_secs(30),
    ));
    let provider_d: Arc<dyn ProviderAdapter> = Arc::new(provider_d);
    let provider_b: Arc<dyn ProviderAdapter> = Arc::new(ProviderB::new(
        &args.provider_b_url,
        &args.provider_b_api_key,
        Duration::from_secs(30),
    ));
    let provider_a: Arc<dyn ProviderAdapter> = Arc::new(ProviderA::new(
        &args.provider_a_url,
        &args.provider_a_client_id,
        &args.provider_a_client_secret,
        Duration::from_secs(30),
    ));
    let providers = HashMap::from([
        (Provider::D, provider_d),
        (Provider::B, provider_b),
        (Provider::A, provider_a),
        (Provider::C, provider_c),
    ]);
    let state = AppState::new(args.config, store, providers).unwrap_or_else(|err| {
        eprintln!("kyc-relay: cannot read settings: {err}");
        std::process::exit(1);
    });
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .unwrap_or_else(|err| {
            eprintln!("kyc-relay: cannot listen on {}: {err}", args.listen);
            std::process::exit(1);
        });
    println!(
        "kyc-relay listening on http://{}",
        listener.local_addr().expect("bound")
    );
    kyc_relay::spawn_reconciler(state.clone());
    let stopping = state.clone();
    let header_timeout = state.config().header_timeout;
    let served = kyc_relay::serve(listener, app(state.clone()), header_timeout, async move {
        shutdown_signal().await;
        tracing::info!("shutting down: finishing the requests and work in flight");
        stopping.begin_shutdown();
    });
    // Requests in flight end, then detached work (an attach, an upload whose client left);
    // past the grace period whatever is left is dropped (the reconciler reopens a submit).
    let finished = async {
        served.await;
        state.drain().await;
    };
    let grace = state.config().shutdown_grace;
    tokio::select! {
        () = finished => tracing::info!("shut down"),
        () = async {
            state.stopping().await;
            tokio::time::sleep(grace).await;
        } => tracing::warn!("shutdown grace period over; work still in flight is dropped"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(words: &[&str]) -> Result<Args, String> {
        parse_args(words.iter().map(|word| (*word).to_owned()))
    }

    #[test]
    fn provider_d_takes_its_flags_and_their_old_names() {
        let args = parse(&[
            "--provider-d-url",
            "http://d.example",
            "--provider-d-api-key",
            "k1",
        ])
        .unwrap();
        assert_eq!(args.provider_d_url, "http://d.example");
        assert_eq!(args.provider_d_api_key, "k1");
        let args = parse(&[
            "--technest-url",
            "http://t.example",
            "--technest-api-key",
            "k2",
        ])
        .unwrap();
        assert_eq!(args.provider_d_url, "http://t.example");
        assert_eq!(args.provider_d_api_key, "k2");
    }

    #[test]
    fn the_limit_and_shutdown_flags_are_read_and_checked() {
        let args = parse(&[
            "--shutdown-grace",
            "5",
            "--reconcile-every",
            "60",
            "--header-timeout",
            "3",
            "--body-idle-timeout",
            "7",
            "--max-uploads",
            "8",
            "--max-uploads-per-session",
            "1",
        ])
        .unwrap();
        assert_eq!(args.config.shutdown_grace, Duration::from_secs(5));
        assert_eq!(args.config.reconcile_every, Duration::from_secs(60));
        assert_eq!(args.config.header_timeout, Duration::from_secs(3));
        assert_eq!(args.config.body_idle_timeout, Duration::from_secs(7));
        assert_eq!(args.config.max_uploads, 8);
        assert_eq!(args.config.max_uploads_per_session, 1);
        assert_eq!(
            parse(&["--max-uploads", "0"]).err().as_deref(),
            Some("--max-uploads: \"0\" is not a number of at least 1")
        );
        assert_eq!(
            parse(&["--header-timeout", "soon"]).err().as_deref(),
            Some("--header-timeout: \"soon\" is not a number of seconds")
        );
    }

    #[test]
    fn a_flag_without_its_value_or_an_unknown_one_is_refused() {
        assert_eq!(
            parse(&["--technest-url"]).err().as_deref(),
            Some("--technest-url needs a value")
        );
        assert_eq!(
            parse(&["--provider-e-url", "x"]).err().as_deref(),
            Some("unknown flag \"--provider-e-url\"")
        );
        assert_eq!(
            parse(&["--selfie-required", "e"]).err().as_deref(),
            Some("unknown provider \"e\"; providers are a, b, c, d")
        );
    }
}
