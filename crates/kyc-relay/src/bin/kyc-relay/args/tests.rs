//! The command line, read and refused as a host would type it.

use super::*;

fn parse(words: &[&str]) -> Result<Args, String> {
    parse_args(words.iter().map(|word| (*word).to_owned())).map(|args| args.expect("not --help"))
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
    assert_eq!(
        in_sandbox(&["--retention-days", "0"]).err().as_deref(),
        Some("--retention-days: \"0\" is not a number of days of at least 1, or off")
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

#[test]
fn help_is_an_answer_not_a_refusal_and_says_a_provider_needs_url_and_key() {
    let help = parse_args(["--sandbox".to_owned(), "--help".to_owned()]);
    assert!(matches!(help, Ok(None)), "{:?}", help.err());
    assert!(matches!(parse_args(["-h".to_owned()]), Ok(None)));
    assert!(USAGE.contains("served only when its URL and key are given"));
    assert!(!USAGE.contains("URL or key"));
}

#[test]
fn the_spool_and_static_directories_must_exist() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing");
    let file = dir.path().join("file");
    std::fs::write(&file, b"x").unwrap();
    let missing_text = missing.to_str().unwrap();
    let file_text = file.to_str().unwrap();
    let dir_text = dir.path().to_str().unwrap();
    assert_eq!(
        parse(&["--sandbox", "--spool-dir", missing_text]).err(),
        Some(format!(
            "--spool-dir: {missing:?} does not exist; give a directory the relay's user can write"
        ))
    );
    assert_eq!(
        parse(&["--sandbox", "--spool-dir", file_text]).err(),
        Some(format!(
            "--spool-dir: {file:?} is not a directory; give a directory the relay's user can \
             write"
        ))
    );
    assert_eq!(
        parse(&["--sandbox", "--static-dir", missing_text]).err(),
        Some(format!(
            "--static-dir: {missing:?} does not exist; give the directory of the built widget \
             (cargo xtask dist)"
        ))
    );
    assert!(parse(&["--sandbox", "--static-dir", file_text])
        .err()
        .is_some_and(|err| err.contains("is not a directory")));
    let args = parse(&[
        "--sandbox",
        "--spool-dir",
        dir_text,
        "--static-dir",
        dir_text,
    ])
    .unwrap();
    assert_eq!(args.config.spool_dir.as_deref(), Some(dir.path()));
    // Without --spool-dir, the system's temporary directory is checked the same way.
    assert_eq!(check_spool_dir(None, dir.path().to_owned()), Ok(()));
    let err = check_spool_dir(None, missing.clone()).unwrap_err();
    assert!(
        err.starts_with("the system's temporary directory") && err.contains("--spool-dir"),
        "{err}"
    );
    // A directory the relay cannot write (root writes anywhere: then there is nothing to see).
    let read_only = dir.path().join("read-only");
    std::fs::create_dir(&read_only).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&read_only, std::fs::Permissions::from_mode(0o500)).unwrap();
    if std::fs::write(read_only.join("probe"), b"x").is_err() {
        let err = check_spool_dir(Some(&read_only), missing.clone()).unwrap_err();
        assert!(err.contains("takes no temporary file"), "{err}");
    }
    // A directory no user can write, root included: procfs takes no new file.
    let proc = std::path::Path::new("/proc");
    let err = check_spool_dir(Some(proc), missing).unwrap_err();
    assert!(
        err.starts_with("--spool-dir: \"/proc\" takes no temporary file"),
        "{err}"
    );
}

#[test]
fn an_allowed_origin_must_be_written_as_the_browser_sends_it() {
    let origin = |text: &str| parse(&["--sandbox", "--allowed-origin", text]).err();
    assert_eq!(
        origin("https://www.your-bank.example/").as_deref(),
        Some(
            "--allowed-origin: \"https://www.your-bank.example/\" is not an origin: write it as \
             the browser sends it, https://www.your-bank.example (no path, no trailing slash)"
        )
    );
    assert_eq!(
        origin("*").as_deref(),
        Some(
            "--allowed-origin: \"*\" is not an origin: the relay allows only exact origins, so \
             give the origin of each page that embeds the widget (repeatable), e.g. \
             --allowed-origin https://www.your-bank.example"
        )
    );
    assert_eq!(
        origin("not an origin").as_deref(),
        Some(
            "--allowed-origin: \"not an origin\" is not an origin: write it as the browser \
             sends it, http:// or https:// then the host and any port, e.g. \
             https://www.your-bank.example"
        )
    );
    for (given, written, why) in [
        ("https://*.your-bank.example", "", "only exact origins"),
        (
            "HTTPS://WWW.Your-Bank.example",
            "https://www.your-bank.example",
            "(lower case)",
        ),
        (
            "https://x.example:443",
            "https://x.example",
            "(no :443, the default port of https)",
        ),
        (
            "http://x.example:80",
            "http://x.example",
            "(no :80, the default port of http)",
        ),
        (
            "https://x.example?a=1",
            "https://x.example",
            "(no query or fragment)",
        ),
        (
            "https://x.example/app#top",
            "https://x.example",
            "no path, no trailing slash, no query",
        ),
        (
            "https://me@x.example",
            "https://x.example",
            "(no user name or password)",
        ),
        ("ftp://x.example", "", "http:// or https://"),
        ("https://", "", "http:// or https://"),
        ("https://x.example:99999", "", "http:// or https://"),
        ("null", "", "http:// or https://"),
        ("https://bänk.example", "", "http:// or https://"),
    ] {
        let err = origin(given).unwrap_or_else(|| panic!("{given} taken"));
        assert!(err.starts_with("--allowed-origin: "), "{err}");
        assert!(err.contains(written) && err.contains(why), "{given}: {err}");
    }
    for good in [
        "https://www.your-bank.example",
        "http://localhost:5173",
        "https://x.example:8443",
        "http://127.0.0.1:8080",
        "http://[::1]:8080",
    ] {
        let args = parse(&["--sandbox", "--allowed-origin", good]).unwrap();
        assert_eq!(args.config.allowed_origins, [good]);
    }
}

#[test]
fn max_bytes_may_not_be_below_a_megabyte() {
    let min = kyc_core::FileLimits::SMALLEST_MAX_BYTES;
    assert_eq!(
        parse(&["--sandbox", "--max-bytes", "0"]).err(),
        Some(
            "--max-bytes: \"0\" is less than 1000000 (1 MB): the widget's photos are re-encoded \
             to about 0.5 to 1.5 MB, so most would be refused; give at least 1000000"
                .to_owned()
        )
    );
    assert!(parse(&["--sandbox", "--max-bytes", "1024"]).is_err());
    let below = (min - 1).to_string();
    assert!(parse(&["--sandbox", "--max-bytes", &below]).is_err());
    let args = parse(&["--sandbox", "--max-bytes", &min.to_string()]).unwrap();
    assert_eq!(args.config.limits.max_bytes, min);
}

#[test]
fn webhook_secrets_are_the_providers_and_only_for_providers_that_send_webhooks() {
    let d = [
        "--host-api-key",
        STRONG,
        "--provider-d-url",
        "https://d.example",
        "--provider-d-api-key",
        STRONG,
    ];
    // The provider chooses its secret's length: a short one is taken, an empty one is not.
    let args = parse(&[&d[..], &["--webhook-secret", "d=short"]].concat()).unwrap();
    assert_eq!(args.config.webhook_secrets[&Provider::D], "short");
    assert!(parse(&[&d[..], &["--webhook-secret", "d="]].concat()).is_err());
    let secret = format!("d={STRONG}");
    let args = parse(&[&d[..], &["--webhook-secret", &secret]].concat()).unwrap();
    assert_eq!(args.config.webhook_secrets[&Provider::D], STRONG);
    // The sandbox's own short secret still does in sandbox mode.
    assert!(parse(&["--sandbox", "--webhook-secret", "d=short"]).is_ok());
    for mode in [&d[..], &["--sandbox"][..]] {
        let secret = format!("b={STRONG}");
        assert_eq!(
            parse(&[mode, &["--webhook-secret", &secret]].concat())
                .err()
                .as_deref(),
            Some(
                "--webhook-secret b=…: provider b sends no webhooks (the relay asks it for the \
                 status); only providers a and d send them"
            )
        );
        let secret = format!("c={STRONG}");
        assert!(parse(&[mode, &["--webhook-secret", &secret]].concat()).is_err());
    }
    assert!(USAGE.contains("only a and d send webhooks"));
}

#[test]
fn a_selfie_can_be_required_only_of_a_provider_with_a_selfie_slot() {
    assert_eq!(selfie_providers(), [Provider::B, Provider::C, Provider::D]);
    assert_eq!(
        parse(&["--sandbox", "--selfie-required", "a"])
            .err()
            .as_deref(),
        Some(
            "--selfie-required a: provider a has no selfie slot, so none of its sessions could \
             be finished; only providers b, c and d take a selfie"
        )
    );
    let args = parse(&[
        "--sandbox",
        "--selfie-required",
        "b",
        "--selfie-required",
        "d",
    ])
    .unwrap();
    assert_eq!(args.config.selfie_required, [Provider::B, Provider::D]);
    assert!(USAGE.contains("b, c or d (a has no selfie slot)"));
}
