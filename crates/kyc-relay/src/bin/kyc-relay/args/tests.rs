//! The command line, read and refused as a host would type it.

use super::*;

fn parse(words: &[&str]) -> Result<Args, String> {
    parse_args(words.iter().map(|word| (*word).to_owned()))
}

const STRONG: &str = "0123456789abcdef0123456789abcdef";

#[test]
fn provider_d_takes_its_flags_and_their_old_names() {
    let args = parse(&[
        "--sandbox",
        "--provider-d-url",
        "http://d.example",
        "--provider-d-api-key",
        "k1",
    ])
    .unwrap();
    assert_eq!(
        args.providers.d,
        Some(("http://d.example".to_owned(), "k1".to_owned()))
    );
    let args = parse(&[
        "--sandbox",
        "--technest-url",
        "http://t.example",
        "--technest-api-key",
        "k2",
    ])
    .unwrap();
    assert_eq!(
        args.providers.d,
        Some(("http://t.example".to_owned(), "k2".to_owned()))
    );
}

#[test]
fn the_limit_and_shutdown_flags_are_read_and_checked() {
    let args = parse(&[
        "--sandbox",
        "--shutdown-grace",
        "5",
        "--reconcile-every",
        "60",
        "--final-status-window",
        "3600",
        "--header-timeout",
        "3",
        "--keep-alive-timeout",
        "120",
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
    assert_eq!(args.config.final_status_window, Duration::from_secs(3600));
    assert_eq!(args.config.header_timeout, Duration::from_secs(3));
    assert_eq!(args.config.keep_alive_timeout, Duration::from_secs(120));
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
fn host_notifications_need_a_long_secret_and_retention_takes_days_or_off() {
    let in_sandbox = |words: &[&str]| parse(&[&["--sandbox"], words].concat());
    let url = "https://host.example/kyc";
    assert!(in_sandbox(&["--host-notify-url", url]).is_err());
    assert!(in_sandbox(&["--host-notify-url", url, "--host-notify-secret", "short"]).is_err());
    let secret = "s".repeat(32);
    let args = in_sandbox(&["--host-notify-url", url, "--host-notify-secret", &secret]).unwrap();
    assert_eq!(args.config.host_notify_url.as_deref(), Some(url));
    assert!(in_sandbox(&[
        "--host-notify-url",
        "ftp://x",
        "--host-notify-secret",
        &secret
    ])
    .is_err());
    assert_eq!(in_sandbox(&[]).unwrap().config.retention_days, Some(90));
    assert_eq!(
        in_sandbox(&["--retention-days", "30"])
            .unwrap()
            .config
            .retention_days,
        Some(30)
    );
    assert_eq!(
        in_sandbox(&["--retention-days", "off"])
            .unwrap()
            .config
            .retention_days,
        None
    );
    assert!(in_sandbox(&["--retention-days", "0"]).is_err());
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

#[test]
fn sandbox_mode_alone_serves_every_provider_with_the_built_in_credentials() {
    let args = parse(&["--sandbox"]).unwrap();
    assert_eq!(args.config.host_api_key, "demo-host-api-key");
    assert!(args.providers.a.is_some() && args.providers.b.is_some());
    assert!(args.providers.c.is_some() && args.providers.d.is_some());
    let mut webhooks: Vec<_> = args.config.webhook_secrets.keys().copied().collect();
    webhooks.sort_by_key(|provider| provider.code());
    assert_eq!(webhooks, [Provider::A, Provider::D]);
}

#[test]
fn outside_sandbox_mode_a_missing_short_or_built_in_key_stops_the_start() {
    let d = [
        "--provider-d-url",
        "https://d.example",
        "--provider-d-api-key",
    ];
    let host = ["--host-api-key", STRONG];
    for (words, named) in [
        (vec![], "--host-api-key"),
        (vec!["--host-api-key", "short"], "--host-api-key"),
        (
            vec!["--host-api-key", "demo-host-api-key"],
            "--host-api-key",
        ),
        (host.to_vec(), "no provider is configured"),
        (
            [&host[..], &d[..], &["sandbox-api-key"]].concat(),
            "provider d's key",
        ),
        (
            [&host[..], &d[..], &["too-short"]].concat(),
            "provider d's key",
        ),
        (
            [&host[..], &["--provider-d-api-key", STRONG]].concat(),
            "--provider-d-url is missing",
        ),
        (
            [&host[..], &d[..], &[STRONG, "--provider-c-api-key", STRONG]].concat(),
            "--provider-c-url is missing",
        ),
        (
            [
                &host[..],
                &[
                    "--provider-c-url",
                    "https://c",
                    "--provider-c-api-key",
                    STRONG,
                ],
            ]
            .concat(),
            "provider c needs provider d",
        ),
        (
            [
                &host[..],
                &d[..],
                &[STRONG, "--webhook-secret", "d=sandbox-webhook-secret"],
            ]
            .concat(),
            "webhook secret of provider d",
        ),
        (
            [&host[..], &d[..], &[STRONG, "--demo-sessions"]].concat(),
            "--demo-sessions needs sandbox mode",
        ),
    ] {
        let err = parse(&words)
            .err()
            .unwrap_or_else(|| panic!("{words:?} started"));
        assert!(err.contains(named), "{words:?}: {err}");
        assert!(
            err.contains("--sandbox") || named.starts_with("provider c needs"),
            "{words:?}: {err}"
        );
    }
    let args = parse(&[&host[..], &d[..], &[STRONG]].concat()).unwrap();
    assert!(args.providers.a.is_none() && args.providers.b.is_none());
    assert!(
        args.config.webhook_secrets.is_empty(),
        "no built-in webhook secret"
    );
    assert!(!args.config.sandbox);
}

#[test]
fn demo_sessions_need_a_loopback_listen_address() {
    let err = parse(&["--sandbox", "--demo-sessions", "--listen", "0.0.0.0:8080"])
        .err()
        .unwrap();
    assert!(err.contains("loopback"), "{err}");
    assert!(parse(&["--sandbox", "--demo-sessions", "--listen", "[::1]:8080"]).is_ok());
}
