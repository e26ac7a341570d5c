//! `kyc-sandbox --listen 127.0.0.1:9090 [--review-delay-secs 5] [--upload-url-ttl-secs 900]
//! [--webhook-url URL] [--webhook-secret S] [--api-key K] [--storage-root DIR]
//! [--b-selfie-required]`: runs the four providers' sandbox until Ctrl-C.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use kyc_sandbox::{Sandbox, SandboxConfig};

const USAGE: &str = "usage: kyc-sandbox [--listen ADDR] [--review-delay-secs N] \
[--upload-url-ttl-secs N] [--webhook-url URL] [--webhook-secret S] [--api-key K] \
[--storage-root DIR] [--b-selfie-required]

Runs the offline sandbox of providers A, B, C and D (under /a, /b, /c, /d) on ADDR
(default 127.0.0.1:9090), with an s3s-fs storage server on an ephemeral port.
POST /sandbox/clock {\"advance_secs\": N} moves its clock forward (reviews, timestamps).";

struct Args {
    listen: SocketAddr,
    config: SandboxConfig,
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Option<Args>, String> {
    let mut listen: SocketAddr = "127.0.0.1:9090".parse().expect("valid default");
    let mut config = SandboxConfig::default();
    let mut args = args.into_iter();
    while let Some(flag) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--listen" => {
                let v = value("--listen")?;
                listen = v.parse().map_err(|e| format!("--listen {v}: {e}"))?;
            }
            "--review-delay-secs" => {
                let v = value("--review-delay-secs")?;
                let secs: f64 = v
                    .parse()
                    .map_err(|e| format!("--review-delay-secs {v}: {e}"))?;
                config.review_delay =
                    Duration::try_from_secs_f64(secs).map_err(|e| format!("{v}: {e}"))?;
            }
            "--upload-url-ttl-secs" => {
                let v = value("--upload-url-ttl-secs")?;
                let secs: u64 = v
                    .parse()
                    .map_err(|e| format!("--upload-url-ttl-secs {v}: {e}"))?;
                config.upload_url_ttl = Duration::from_secs(secs);
            }
            "--webhook-url" => config.webhook_url = Some(value("--webhook-url")?),
            "--webhook-secret" => config.webhook_secret = value("--webhook-secret")?,
            "--api-key" => config.api_key = value("--api-key")?,
            "--storage-root" => config.storage_root = Some(PathBuf::from(value("--storage-root")?)),
            "--b-selfie-required" => config.b_selfie_required = true,
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Some(Args { listen, config }))
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("kyc-sandbox: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let sandbox = match Sandbox::start(args.config, args.listen).await {
        Ok(sandbox) => sandbox,
        Err(error) => {
            eprintln!("kyc-sandbox: {error}");
            return ExitCode::FAILURE;
        }
    };
    println!("kyc-sandbox base URL: {}", sandbox.base_url());
    println!("kyc-sandbox storage URL: {}", sandbox.storage_url());
    println!(
        "providers: {0}/a {0}/b {0}/c {0}/d (Ctrl-C to stop)",
        sandbox.base_url()
    );
    wait_for_shutdown().await;
    // Dropping the sandbox kills its s3s-fs and removes its temporary storage.
    drop(sandbox);
    ExitCode::SUCCESS
}

/// Waits for Ctrl-C (SIGINT) or, on Unix, SIGTERM.
async fn wait_for_shutdown() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
                return;
            }
            Err(error) => eprintln!("kyc-sandbox: cannot listen for SIGTERM: {error}"),
        }
    }
    if let Err(error) = tokio::signal::ctrl_c().await {
        eprintln!("kyc-sandbox: cannot wait for Ctrl-C: {error}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Option<Args>, String> {
        parse_args(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn defaults_need_no_arguments() {
        let args = parse(&[]).unwrap().unwrap();
        assert_eq!(args.listen.to_string(), "127.0.0.1:9090");
        assert_eq!(args.config.review_delay, Duration::from_secs(5));
        assert_eq!(args.config.upload_url_ttl, Duration::from_secs(900));
    }

    #[test]
    fn flags_set_the_config() {
        let args = parse(&[
            "--listen",
            "127.0.0.1:0",
            "--review-delay-secs",
            "0.5",
            "--upload-url-ttl-secs",
            "60",
            "--webhook-url",
            "http://127.0.0.1:1/hook",
            "--b-selfie-required",
        ])
        .unwrap()
        .unwrap();
        assert_eq!(args.listen.port(), 0);
        assert_eq!(args.config.review_delay, Duration::from_millis(500));
        assert_eq!(args.config.upload_url_ttl, Duration::from_secs(60));
        assert_eq!(
            args.config.webhook_url.as_deref(),
            Some("http://127.0.0.1:1/hook")
        );
        assert!(args.config.b_selfie_required);
    }

    #[test]
    fn bad_arguments_are_refused() {
        assert!(parse(&["--listen"]).is_err());
        assert!(parse(&["--listen", "nonsense"]).is_err());
        assert!(parse(&["--review-delay-secs", "-1"]).is_err());
        assert!(parse(&["--frobnicate"]).is_err());
        assert!(parse(&["--help"]).unwrap().is_none());
    }
}
