//! The relay's command line: its flags and environment variables, read over the defaults,
//! and every credential checked outside sandbox mode (see `kyc_relay::secrets`).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use kyc_core::{CustomerType, Policy, Provider, Slot};
use kyc_relay::token::TokenKeys;
use kyc_relay::{secrets, RelayConfig};

/// The help text.
pub const USAGE: &str = "usage: kyc-relay [--sandbox] [--listen ADDR] [--database PATH|URL]
                 [--database-pool N]
                 [--provider-d-url URL] [--provider-d-api-key KEY]
                 [--provider-b-url URL] [--provider-b-api-key KEY]
                 [--provider-a-url URL] [--provider-a-client-id ID]
                 [--provider-a-client-secret SECRET]
                 [--provider-c-url URL] [--provider-c-api-key KEY]
                 [--webhook-secret PROVIDER=SECRET]... [--selfie-required PROVIDER]...
                 [--host-api-key KEY] [--token-key-file PATH] [--storage-host HOST]...
                 [--allowed-origin ORIGIN]...
                 [--static-dir DIR] [--demo-sessions] [--demo-sessions-per-minute N]
                 [--max-bytes N] [--spool-dir DIR]
                 [--shutdown-grace SECS] [--reconcile-every SECS] [--final-status-window SECS]
                 [--handoff-ttl SECS] [--handoffs-per-hour N]
                 [--header-timeout SECS] [--keep-alive-timeout SECS]
                 [--body-idle-timeout SECS] [--max-uploads N] [--max-uploads-per-session N]
                 [--host-notify-url URL --host-notify-secret SECRET] [--retention-days N|off]

  --sandbox                sandbox mode (also env KYC_RELAY_SANDBOX=1): the local sandbox's
                           built-in credentials and URLs are the defaults, and demo sessions may
                           be enabled. Never in production: without it every key must be your own
                           (at least 32 bytes) and a provider is served only when configured.
  --listen ADDR            address to serve on (default 127.0.0.1:8080)
  --database PATH|URL      SQLite file, created (mode 0600) and migrated at start (default
                           kyc-relay.sqlite; one relay only), or a PostgreSQL URL
                           postgres://USER:PASSWORD@HOST:PORT/DB, migrated at start, shared by
                           any number of relay instances; env KYC_RELAY_DATABASE (keeps the
                           password off the command line)
  --database-pool N        PostgreSQL connections this instance keeps (default 16)
  --provider-d-url URL     provider D's (Technest's) API base (sandbox: http://127.0.0.1:9090/d);
                           also --technest-url
  --provider-d-api-key KEY provider D's API key; env PROVIDER_D_API_KEY (or TECHNEST_API_KEY);
                           also --technest-api-key
  --provider-b-url URL     provider B's API base (sandbox: http://127.0.0.1:9090/b)
  --provider-b-api-key KEY provider B's Bearer key; env PROVIDER_B_API_KEY
  --provider-a-url URL     provider A's API base (sandbox: http://127.0.0.1:9090/a)
  --provider-a-client-id ID
                           provider A's OAuth client id; env PROVIDER_A_CLIENT_ID
  --provider-a-client-secret SECRET
                           provider A's OAuth client secret; env PROVIDER_A_CLIENT_SECRET
  --provider-c-url URL     provider C's API base (sandbox: http://127.0.0.1:9090/c); C's checks
                           run at Technest, which takes the documents (needs provider D)
  --provider-c-api-key KEY provider C's Bearer key; env PROVIDER_C_API_KEY
                           A provider is served only when its URL and key are given (A: URL,
                           client id and secret); giving one without the other stops the start.
                           Sandbox: all four, at the sandbox's URLs unless given.
  --webhook-secret PROVIDER=SECRET
                           HMAC secret of a provider's webhooks (the provider's own, of the
                           length it chose); only a and d send webhooks (b and c are asked for
                           the status). POST /webhooks/PROVIDER exists only for providers with
                           one (repeatable; sandbox: a= and d= the sandbox's built-in secret)
  --selfie-required PROVIDER
                           the provider's client configuration requires a selfie (repeatable);
                           b, c or d (a has no selfie slot)
  --host-api-key KEY       key your backend sends to POST /v1/sessions, at least 32 bytes;
                           env KYC_RELAY_HOST_API_KEY
  --token-key-file PATH    session token keys, KID=HEX per line (at least 32 bytes each), the
                           signing key first, older ones after it until their tokens expire;
                           or env KYC_RELAY_TOKEN_KEYS (KID=HEX,KID=HEX). Default: a key made once
                           and kept in the database
  --storage-host HOST[:PORT]
                           a storage host the relay may PUT uploads to over plain http
                           (repeatable; env KYC_RELAY_STORAGE_HOSTS=HOST,HOST); other upload URLs
                           a provider names must be https (the local sandbox's loopback storage
                           is allowed while the provider's API is on loopback too)
  --allowed-origin ORIGIN  a browser origin allowed to call the widget endpoints (repeatable),
                           exactly as the browser sends it: scheme://host[:port], lower case, no
                           path or trailing slash, e.g. https://www.your-bank.example; no *
  --static-dir DIR         serve the built widget from DIR at / (a file's NAME.br or NAME.gz
                           beside it, as cargo xtask dist writes them, to browsers accepting it);
                           DIR must exist
  --demo-sessions          enable POST /demo/session (sessions without a host key, for made-up
                           customers); sandbox mode on a loopback --listen address only
  --demo-sessions-per-minute N
                           demo sessions opened per minute, all callers together (default 30)
  --max-bytes N            largest accepted upload in bytes (default 10485760, 10 MiB; at least
                           1000000, 1 MB: the widget's photos are about 0.5 to 1.5 MB); the
                           widget reads it from the session and refuses larger files itself
  --spool-dir DIR          where uploads are spooled on their way to the provider (unlinked
                           temporary files; default the system's temporary directory, TMPDIR);
                           checked at start: it must exist and take a temporary file
  --shutdown-grace SECS    how long SIGTERM or Ctrl-C waits for uploads and submits in flight
                           (default 30)
  --reconcile-every SECS   how often sessions marked submitted that the provider does not have
                           are reopened (default 300; also once at start)
  --final-status-window SECS
                           how long after a verified or rejected status the relay still reads
                           it from provider C, whose admins can override a final status
                           (default 86400, 24 h; 0: never)
  --handoff-ttl SECS       how long a code to continue a session on another device (the
                           user's phone) works unless used (default 600, 10 min)
  --handoffs-per-hour N    such codes one session may be given per hour (default 12)
  --header-timeout SECS    a connection whose request headers take longer is closed (default 10)
  --keep-alive-timeout SECS
                           a kept-alive connection that sends no request this long is closed
                           (default 75: above a load balancer's idle timeout, AWS's and nginx's
                           60; 0: closed after each response)
  --body-idle-timeout SECS an upload whose body sends nothing this long is refused (default 30)
  --max-uploads N          uploads the relay takes at once; more get 503 (default 64)
  --max-uploads-per-session N
                           uploads one session may run at once; more get 429 (default 2)
  --host-notify-url URL    POST every session status change to URL, signed (X-Kyc-Signature)
  --host-notify-secret SECRET
                           HMAC secret of those notifications, at least 32 bytes; env
                           KYC_RELAY_HOST_NOTIFY_SECRET
  --retention-days N|off   delete finished sessions (and their slots, audit rows, keys) N days
                           after creation, and webhook event ids as old (default 90; N at least
                           1; off keeps everything)
  -h, --help               print this and exit";

/// A provider's API base and Bearer key, as given (`None`: not given).
#[derive(Default)]
struct BearerSettings {
    url: Option<String>,
    api_key: Option<String>,
}

impl BearerSettings {
    /// Whether anything was given for it (outside sandbox mode, the providers served).
    fn given(&self) -> bool {
        self.url.is_some() || self.api_key.is_some()
    }

    /// The URL and key, refused when missing, short or built in (outside sandbox mode).
    fn checked(&self, provider: &str) -> Result<(String, String), String> {
        let url = self.url.clone().ok_or_else(|| {
            format!(
                "--provider-{provider}-url is missing; {}",
                secrets::SANDBOX_HINT
            )
        })?;
        let key = self.api_key.clone().unwrap_or_default();
        let upper = provider.to_uppercase();
        secrets::check_key(
            &format!(
                "provider {provider}'s key (--provider-{provider}-api-key, \
                 PROVIDER_{upper}_API_KEY)"
            ),
            &key,
        )?;
        Ok((url, key))
    }
}

/// What the command line says.
pub struct Args {
    /// Where to listen (`--listen`).
    pub listen: SocketAddr,
    /// The SQLite file or PostgreSQL URL (`--database`, env `KYC_RELAY_DATABASE`).
    pub database: String,
    /// PostgreSQL connections kept (`--database-pool`).
    pub database_pool: usize,
    /// The providers served.
    pub providers: Providers,
    /// Storage hosts allowed over plain http (`--storage-host`).
    pub storage_hosts: Vec<String>,
    /// Everything else the relay is told.
    pub config: RelayConfig,
}

/// The providers served: API base and key (A: base, client id and client secret).
#[derive(Default)]
pub struct Providers {
    /// D's API base and key.
    pub d: Option<(String, String)>,
    /// B's API base and key.
    pub b: Option<(String, String)>,
    /// C's API base and key (C needs D).
    pub c: Option<(String, String)>,
    /// A's API base, OAuth client id and client secret.
    pub a: Option<(String, String, String)>,
}

/// The value of environment variable `name`, if set and not empty.
fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.is_empty())
}

/// The providers that send webhooks: those whose adapter reads them
/// (`ProviderAdapter::webhook_update`: A's `customer.verified`/`customer.rejected`, D's
/// `customer.status_changed`); B and C send none, the relay asks them for the status.
const WEBHOOK_PROVIDERS: [Provider; 2] = [Provider::A, Provider::D];

/// The arguments in `words` (the command line without the program name), over the environment;
/// `None` for `--help`. Outside sandbox mode every credential is checked ([`secrets`]); in it,
/// what is not given is the local sandbox's.
pub fn parse_args(words: impl IntoIterator<Item = String>) -> Result<Option<Args>, String> {
    // Refused only after the words are read, so that `--help` still answers.
    let sandbox_env = match env("KYC_RELAY_SANDBOX").as_deref() {
        None | Some("0" | "false") => Ok(false),
        Some("1" | "true") => Ok(true),
        Some(other) => Err(format!(
            "KYC_RELAY_SANDBOX={other:?}: 1 for sandbox mode, 0 or unset for production"
        )),
    };
    let mut sandbox_flag = false;
    let mut listen = SocketAddr::from(([127, 0, 0, 1], 8080));
    let mut database = env("KYC_RELAY_DATABASE").unwrap_or_else(|| "kyc-relay.sqlite".to_owned());
    let mut database_pool = 16;
    let mut d = BearerSettings {
        url: None,
        api_key: env("PROVIDER_D_API_KEY").or_else(|| env("TECHNEST_API_KEY")),
    };
    let mut b = BearerSettings {
        url: None,
        api_key: env("PROVIDER_B_API_KEY"),
    };
    let mut c = BearerSettings {
        url: None,
        api_key: env("PROVIDER_C_API_KEY"),
    };
    let mut a_url = None;
    let mut a_client_id = env("PROVIDER_A_CLIENT_ID");
    let mut a_client_secret = env("PROVIDER_A_CLIENT_SECRET");
    let mut token_key_file: Option<PathBuf> = None;
    let mut storage_hosts: Vec<String> = env("KYC_RELAY_STORAGE_HOSTS")
        .map(|hosts| {
            hosts
                .split(',')
                .map(str::trim)
                .filter(|host| !host.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let mut config = RelayConfig::default();
    if let Some(secret) = env("KYC_RELAY_HOST_NOTIFY_SECRET") {
        config.host_notify_secret = Some(secret);
    }
    if let Some(key) = env("KYC_RELAY_HOST_API_KEY") {
        config.host_api_key = key;
    }
    let mut words = words.into_iter();
    while let Some(flag) = words.next() {
        let mut value = |name: &str| words.next().ok_or_else(|| format!("{name} needs a value"));
        match flag.as_str() {
            "--sandbox" => sandbox_flag = true,
            "--listen" => {
                let text = value("--listen")?;
                listen = text.parse().map_err(|_| {
                    format!("--listen: {text:?} is not an address like 127.0.0.1:8080")
                })?;
            }
            "--database" => database = value("--database")?,
            "--database-pool" => database_pool = count(&flag, value(&flag)?)?,
            // The `--technest-` names are D's flags of old, still taken.
            "--provider-d-url" | "--technest-url" => d.url = Some(value(&flag)?),
            "--provider-d-api-key" | "--technest-api-key" => d.api_key = Some(value(&flag)?),
            "--provider-b-url" => b.url = Some(value("--provider-b-url")?),
            "--provider-b-api-key" => b.api_key = Some(value("--provider-b-api-key")?),
            "--provider-a-url" => a_url = Some(value("--provider-a-url")?),
            "--provider-a-client-id" => a_client_id = Some(value("--provider-a-client-id")?),
            "--provider-a-client-secret" => {
                a_client_secret = Some(value("--provider-a-client-secret")?)
            }
            "--provider-c-url" => c.url = Some(value("--provider-c-url")?),
            "--provider-c-api-key" => c.api_key = Some(value("--provider-c-api-key")?),
            "--webhook-secret" => {
                let text = value("--webhook-secret")?;
                let (provider, secret) = text
                    .split_once('=')
                    .filter(|(_, secret)| !secret.is_empty())
                    .ok_or_else(|| format!("--webhook-secret: {text:?} is not PROVIDER=SECRET"))?;
                let provider = parse_provider(provider)?;
                // Its route would exist, but nothing would ever be sent to it.
                if !WEBHOOK_PROVIDERS.contains(&provider) {
                    let code = provider.code();
                    return Err(format!(
                        "--webhook-secret {code}=…: provider {code} sends no webhooks (the \
                         relay asks it for the status); only providers {} send them",
                        listed(&WEBHOOK_PROVIDERS)
                    ));
                }
                config.webhook_secrets.insert(provider, secret.to_owned());
            }
            "--selfie-required" => {
                let name = value("--selfie-required")?;
                let provider = parse_provider(&name)?;
                // A required selfie without a slot for it: no session could be finished.
                let with_selfie = selfie_providers();
                if !with_selfie.contains(&provider) {
                    return Err(format!(
                        "--selfie-required {name}: provider {name} has no selfie slot, so none \
                         of its sessions could be finished; only providers {} take a selfie",
                        listed(&with_selfie)
                    ));
                }
                config.selfie_required.push(provider);
            }
            "--host-api-key" => config.host_api_key = value("--host-api-key")?,
            "--storage-host" => storage_hosts.push(value("--storage-host")?),
            "--token-key-file" => token_key_file = Some(PathBuf::from(value("--token-key-file")?)),
            "--allowed-origin" => {
                let origin = value("--allowed-origin")?;
                check_origin(&origin)?;
                config.allowed_origins.push(origin);
            }
            "--static-dir" => config.static_dir = Some(PathBuf::from(value("--static-dir")?)),
            "--demo-sessions" => config.demo_sessions = true,
            "--demo-sessions-per-minute" => {
                let text = value("--demo-sessions-per-minute")?;
                config.demo_sessions_per_minute = text
                    .parse()
                    .map_err(|_| format!("--demo-sessions-per-minute: {text:?} is not a number"))?;
            }
            "--max-bytes" => {
                let text = value("--max-bytes")?;
                config.limits.max_bytes = text
                    .parse()
                    .map_err(|_| format!("--max-bytes: {text:?} is not a number of bytes"))?;
                let min = kyc_core::FileLimits::SMALLEST_MAX_BYTES;
                if config.limits.max_bytes < min {
                    return Err(format!(
                        "--max-bytes: {text:?} is less than {min} (1 MB): the widget's photos are \
                         re-encoded to about 0.5 to 1.5 MB, so most would be refused; give at \
                         least {min}"
                    ));
                }
            }
            "--spool-dir" => config.spool_dir = Some(PathBuf::from(value("--spool-dir")?)),
            "--shutdown-grace" => config.shutdown_grace = seconds(&flag, value(&flag)?)?,
            "--reconcile-every" => config.reconcile_every = seconds(&flag, value(&flag)?)?,
            "--final-status-window" => config.final_status_window = seconds(&flag, value(&flag)?)?,
            "--handoff-ttl" => {
                config.handoff_ttl = seconds(&flag, value(&flag)?)?;
                if config.handoff_ttl.is_zero() {
                    return Err(format!("{flag}: at least 1 second"));
                }
            }
            "--handoffs-per-hour" => {
                config.handoffs_per_hour = u32::try_from(count(&flag, value(&flag)?)?)
                    .map_err(|_| format!("{flag}: too large"))?;
            }
            "--header-timeout" => config.header_timeout = seconds(&flag, value(&flag)?)?,
            "--keep-alive-timeout" => {
                config.keep_alive_timeout = seconds(&flag, value(&flag)?)?;
            }
            "--body-idle-timeout" => config.body_idle_timeout = seconds(&flag, value(&flag)?)?,
            "--max-uploads" => config.max_uploads = count(&flag, value(&flag)?)?,
            "--max-uploads-per-session" => {
                config.max_uploads_per_session = count(&flag, value(&flag)?)?
            }
            "--host-notify-url" => {
                let url = value("--host-notify-url")?;
                if !url.starts_with("https://") && !url.starts_with("http://") {
                    return Err(format!("--host-notify-url: {url:?} is not an http(s) URL"));
                }
                config.host_notify_url = Some(url);
            }
            "--host-notify-secret" => {
                config.host_notify_secret = Some(value("--host-notify-secret")?)
            }
            "--retention-days" => {
                let text = value("--retention-days")?;
                config.retention_days = match text.as_str() {
                    "off" => None,
                    days => Some(days.parse().ok().filter(|d| *d > 0).ok_or_else(|| {
                        format!(
                            "--retention-days: {text:?} is not a number of days of at least 1, \
                             or off"
                        )
                    })?),
                };
            }
            "-h" | "--help" => return Ok(None),
            other => return Err(format!("unknown flag {other:?}")),
        }
    }
    let sandbox = sandbox_env? || sandbox_flag;
    config.sandbox = sandbox;
    config.token_keys = match (env("KYC_RELAY_TOKEN_KEYS"), token_key_file) {
        (Some(_), Some(_)) => {
            return Err(
                "give the token keys in KYC_RELAY_TOKEN_KEYS or --token-key-file, not both"
                    .to_owned(),
            )
        }
        (Some(text), None) => {
            Some(TokenKeys::parse(&text).map_err(|err| format!("KYC_RELAY_TOKEN_KEYS: {err}"))?)
        }
        (None, Some(path)) => {
            let text = std::fs::read_to_string(&path)
                .map_err(|err| format!("--token-key-file {}: {err}", path.display()))?;
            Some(
                TokenKeys::parse(&text)
                    .map_err(|err| format!("--token-key-file {}: {err}", path.display()))?,
            )
        }
        (None, None) => None,
    };
    config.check_secrets()?;
    // A webhook secret is the provider's: it chooses the length (a host cannot lengthen it),
    // so none is asked for; an empty one is not PROVIDER=SECRET, the built-in one is refused
    // by `check_secrets`.
    let a = (a_url, a_client_id, a_client_secret);
    let providers = if sandbox {
        sandbox_defaults(&mut config, d, b, c, a)
    } else {
        configured_providers(d, b, c, a)?
    };
    if config.host_notify_url.is_some()
        && config
            .host_notify_secret
            .as_ref()
            .is_none_or(|secret| secret.len() < 32)
    {
        return Err("--host-notify-url needs a --host-notify-secret of at least 32 bytes".into());
    }
    if config.demo_sessions && !listen.ip().is_loopback() {
        return Err(format!(
            "--demo-sessions needs a loopback --listen address (127.0.0.1 or [::1]), not {listen}"
        ));
    }
    if database_pool == 0 {
        return Err("--database-pool: at least 1 connection".to_owned());
    }
    check_spool_dir(config.spool_dir.as_deref(), std::env::temp_dir())?;
    if let Some(dir) = &config.static_dir {
        check_static_dir(dir)?;
    }
    Ok(Some(Args {
        listen,
        database,
        database_pool,
        providers,
        storage_hosts,
        config,
    }))
}

/// Checks where uploads are spooled (`--spool-dir`, else `system_temp`, the system's temporary
/// directory) by creating a temporary file there as an upload does (`tempfile::tempfile_in`): a
/// missing or read-only directory would otherwise fail every upload with a 500.
fn check_spool_dir(dir: Option<&Path>, system_temp: PathBuf) -> Result<(), String> {
    let (named, dir, fix) = match dir {
        Some(dir) => (
            "--spool-dir",
            dir.to_owned(),
            "give a directory the relay's user can write",
        ),
        None => (
            "the system's temporary directory (where uploads are spooled without --spool-dir)",
            system_temp,
            "give --spool-dir DIR, or set TMPDIR to a directory the relay's user can write",
        ),
    };
    let problem = match std::fs::metadata(&dir) {
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => "does not exist".to_owned(),
        Err(err) => format!("cannot be read ({err})"),
        Ok(meta) if !meta.is_dir() => "is not a directory".to_owned(),
        Ok(_) => match tempfile::tempfile_in(&dir) {
            Ok(_) => return Ok(()),
            Err(err) => format!("takes no temporary file ({err})"),
        },
    };
    Err(format!("{named}: {dir:?} {problem}; {fix}"))
}

/// Checks `--static-dir`: without the directory `/` would answer 404 with an empty body.
fn check_static_dir(dir: &Path) -> Result<(), String> {
    let problem = match std::fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => return Ok(()),
        Ok(_) => "is not a directory".to_owned(),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => "does not exist".to_owned(),
        Err(err) => format!("cannot be read ({err})"),
    };
    Err(format!(
        "--static-dir: {dir:?} {problem}; give the directory of the built widget (cargo xtask \
         dist)"
    ))
}

/// Checks an `--allowed-origin` is an origin as a browser sends it (`Origin:
/// scheme://host[:port]`, lower case, no default port, nothing after the port): preflights are
/// matched byte for byte, so any other spelling would refuse every one (403), and a `*` would
/// make the CORS layer panic.
fn check_origin(text: &str) -> Result<(), String> {
    if text.contains('*') {
        return Err(format!(
            "--allowed-origin: {text:?} is not an origin: the relay allows only exact origins, \
             so give the origin of each page that embeds the widget (repeatable), e.g. \
             --allowed-origin https://www.your-bank.example"
        ));
    }
    let unreadable = || {
        format!(
            "--allowed-origin: {text:?} is not an origin: write it as the browser sends it, \
             http:// or https:// then the host and any port, e.g. https://www.your-bank.example"
        )
    };
    let (given_scheme, rest) = text.split_once("://").ok_or_else(unreadable)?;
    let scheme = given_scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "https" => 443,
        "http" => 80,
        _ => return Err(unreadable()),
    };
    let (authority, after) = rest.split_at(rest.find(['/', '?', '#']).unwrap_or(rest.len()));
    let (userinfo, host_port) = match authority.rsplit_once('@') {
        Some((_, host_port)) => (true, host_port),
        None => (false, authority),
    };
    let (host, port) = match host_port.strip_prefix('[') {
        // An IPv6 literal: `[…]`, then maybe `:port`.
        Some(literal) => {
            let (address, tail) = literal.split_once(']').ok_or_else(unreadable)?;
            let address_ok = !address.is_empty()
                && address
                    .chars()
                    .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.');
            if !address_ok {
                return Err(unreadable());
            }
            let port = match tail {
                "" => None,
                tail => Some(tail.strip_prefix(':').ok_or_else(unreadable)?),
            };
            (&host_port[..address.len() + 2], port)
        }
        None => match host_port.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        },
    };
    let host_ok = host.starts_with('[')
        || (!host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_')));
    if !host_ok {
        return Err(unreadable());
    }
    let port: Option<u16> = match port {
        None => None,
        Some(digits) => Some(
            digits
                .parse()
                .ok()
                .filter(|port| *port > 0 && digits.bytes().all(|b| b.is_ascii_digit()))
                .ok_or_else(unreadable)?,
        ),
    };
    // Browsers leave the scheme's default port out.
    let port = port.filter(|port| *port != default_port);
    let origin = match port {
        Some(port) => format!("{scheme}://{}:{port}", host.to_ascii_lowercase()),
        None => format!("{scheme}://{}", host.to_ascii_lowercase()),
    };
    if origin == text {
        return Ok(());
    }
    let mut differences = Vec::new();
    if after.starts_with('/') {
        differences.push("no path, no trailing slash".to_owned());
    }
    if after.contains(['?', '#']) {
        differences.push("no query or fragment".to_owned());
    }
    if userinfo {
        differences.push("no user name or password".to_owned());
    }
    if given_scheme != scheme || host.chars().any(|c| c.is_ascii_uppercase()) {
        differences.push("lower case".to_owned());
    }
    if host_port.ends_with(&format!(":{default_port}")) {
        differences.push(format!("no :{default_port}, the default port of {scheme}"));
    }
    let why = if differences.is_empty() {
        String::new()
    } else {
        format!(" ({})", differences.join(", "))
    };
    Err(format!(
        "--allowed-origin: {text:?} is not an origin: write it as the browser sends it, \
         {origin}{why}"
    ))
}

/// The providers that have a selfie slot for every customer and document they take (asked of
/// kyc_core's [`Policy`], without a required selfie): only there can `--selfie-required` hold.
fn selfie_providers() -> Vec<Provider> {
    Provider::ALL
        .into_iter()
        .filter(|&provider| {
            [CustomerType::Individual, CustomerType::Business]
                .into_iter()
                .all(|customer_type| {
                    let policy = Policy::new(provider, customer_type, "");
                    policy
                        .accepted_documents()
                        .into_iter()
                        .all(|document| policy.allowed_slots(document).contains(&Slot::Selfie))
                })
        })
        .collect()
}

/// `providers` by code, for a sentence: `a and d`, `b, c and d`.
fn listed(providers: &[Provider]) -> String {
    let codes: Vec<&str> = providers.iter().map(|provider| provider.code()).collect();
    match codes.split_last() {
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => "none".to_owned(),
    }
}

/// Outside sandbox mode: the providers whose URL or key is given, each with both and its key
/// checked ([`secrets::check_key`]); C only with D, and at least one provider.
fn configured_providers(
    d: BearerSettings,
    b: BearerSettings,
    c: BearerSettings,
    (a_url, a_client_id, a_client_secret): (Option<String>, Option<String>, Option<String>),
) -> Result<Providers, String> {
    let hint = secrets::SANDBOX_HINT;
    let a = (a_url.is_some() || a_client_id.is_some() || a_client_secret.is_some())
        .then(|| {
            let url = a_url.ok_or_else(|| format!("--provider-a-url is missing; {hint}"))?;
            let id = a_client_id
                .filter(|id| !secrets::BUILT_IN.contains(&id.as_str()))
                .ok_or_else(|| {
                    format!(
                        "--provider-a-client-id (PROVIDER_A_CLIENT_ID) is missing or built in; \
                         {hint}"
                    )
                })?;
            let secret = a_client_secret.unwrap_or_default();
            secrets::check_key(
                "provider a's client secret (--provider-a-client-secret, \
                 PROVIDER_A_CLIENT_SECRET)",
                &secret,
            )?;
            Ok::<_, String>((url, id, secret))
        })
        .transpose()?;
    let providers = Providers {
        d: d.given().then(|| d.checked("d")).transpose()?,
        b: b.given().then(|| b.checked("b")).transpose()?,
        c: c.given().then(|| c.checked("c")).transpose()?,
        a,
    };
    if providers.c.is_some() && providers.d.is_none() {
        return Err(
            "provider c needs provider d (C's checks run at Technest, which takes the \
                    documents): give --provider-d-url and --provider-d-api-key"
                .to_owned(),
        );
    }
    if providers.a.is_none() && providers.b.is_none() && providers.d.is_none() {
        return Err(format!(
            "no provider is configured: give a provider's URL and key (e.g. --provider-d-url \
             and --provider-d-api-key); {hint}"
        ));
    }
    Ok(providers)
}

/// Sandbox mode: every provider, with what was not given taken from the local sandbox (its
/// URLs, keys and webhook secret for A and D), and the demo's host key if none was given.
fn sandbox_defaults(
    config: &mut RelayConfig,
    d: BearerSettings,
    b: BearerSettings,
    c: BearerSettings,
    (a_url, a_client_id, a_client_secret): (Option<String>, Option<String>, Option<String>),
) -> Providers {
    const SANDBOX: &str = "http://127.0.0.1:9090";
    let bearer = |settings: BearerSettings, code: &str| {
        Some((
            settings.url.unwrap_or_else(|| format!("{SANDBOX}/{code}")),
            settings
                .api_key
                .unwrap_or_else(|| "sandbox-api-key".to_owned()),
        ))
    };
    for provider in WEBHOOK_PROVIDERS {
        config
            .webhook_secrets
            .entry(provider)
            .or_insert_with(|| "sandbox-webhook-secret".to_owned());
    }
    if config.host_api_key.is_empty() {
        config.host_api_key = "demo-host-api-key".to_owned();
    }
    Providers {
        d: bearer(d, "d"),
        b: bearer(b, "b"),
        c: bearer(c, "c"),
        a: Some((
            a_url.unwrap_or_else(|| format!("{SANDBOX}/a")),
            a_client_id.unwrap_or_else(|| "sandbox-client".to_owned()),
            a_client_secret.unwrap_or_else(|| "sandbox-client-secret".to_owned()),
        )),
    }
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

/// A provider named by its code (`a`, `b`, `c`, `d`).
fn parse_provider(code: &str) -> Result<Provider, String> {
    Provider::from_code(code)
        .ok_or_else(|| format!("unknown provider {code:?}; providers are a, b, c, d"))
}

#[cfg(test)]
mod tests;
