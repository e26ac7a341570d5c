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
                 [--host-notify-url URL --host-notify-secret SECRET] [--retention-days N|off]

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
  --host-notify-url URL    POST every session status change to URL, signed (X-Kyc-Signature)
  --host-notify-secret SECRET
                           HMAC secret of those notifications, at least 32 bytes; env
                           KYC_RELAY_HOST_NOTIFY_SECRET
  --retention-days N|off   delete finished sessions (and their slots, audit rows, keys) N days
                           after creation, and webhook event ids as old (default 90)";

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
    if let Ok(secret) = std::env::var("KYC_RELAY_HOST_NOTIFY_SECRET") {
        args.config.host_notify_secret = Some(secret);
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
            "--host-notify-url" => {
                let url = value("--host-notify-url")?;
                if !url.starts_with("https://") && !url.starts_with("http://") {
                    return Err(format!("--host-notify-url: {url:?} is not an http(s) URL"));
                }
                args.config.host_notify_url = Some(url);
            }
            "--host-notify-secret" => {
                args.config.host_notify_secret = Some(value("--host-notify-secret")?)
            }
            "--retention-days" => {
                let text = value("--retention-days")?;
                args.config.retention_days = match text.as_str() {
                    "off" => None,
                    days => Some(days.parse().ok().filter(|d| *d > 0).ok_or_else(|| {
                        format!("--retention-days: {text:?} is not a number of days or off")
                    })?),
                };
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown flag {other:?}")),
        }
    }
    if args.config.host_notify_url.is_some()
        && args
            .config
            .host_notify_secret
            .as_ref()
            .is_none_or(|secret| secret.len() < 32)
    {
        return Err("--host-notify-url needs a --host-notify-secret of at least 32 bytes".into());
    }
    Ok(args)
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
    // The retention purge (now, then hourly) and the host notifications.
    let _background = kyc_relay::background::start(&state);
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
    axum::serve(listener, app(state))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .expect("server runs until shutdown");
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
    fn host_notifications_need_a_long_secret_and_retention_takes_days_or_off() {
        let url = "https://host.example/kyc";
        assert!(parse(&["--host-notify-url", url]).is_err());
        assert!(parse(&["--host-notify-url", url, "--host-notify-secret", "short"]).is_err());
        let secret = "s".repeat(32);
        let args = parse(&["--host-notify-url", url, "--host-notify-secret", &secret]).unwrap();
        assert_eq!(args.config.host_notify_url.as_deref(), Some(url));
        assert!(parse(&[
            "--host-notify-url",
            "ftp://x",
            "--host-notify-secret",
            &secret
        ])
        .is_err());
        assert_eq!(parse(&[]).unwrap().config.retention_days, Some(90));
        assert_eq!(
            parse(&["--retention-days", "30"])
                .unwrap()
                .config
                .retention_days,
            Some(30)
        );
        assert_eq!(
            parse(&["--retention-days", "off"])
                .unwrap()
                .config
                .retention_days,
            None
        );
        assert!(parse(&["--retention-days", "0"]).is_err());
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
