//! Which credentials the relay accepts: outside sandbox mode ([`RelayConfig::sandbox`]) every
//! key must be the host's own, at least [`MIN_KEY_BYTES`] long and none of the sandbox's
//! built-in values, or the relay refuses to start. Forgetting a flag must not leave a
//! well-known key (a KYC bypass) in a production relay.

use crate::config::RelayConfig;

/// The shortest key accepted outside sandbox mode (256 bits).
pub const MIN_KEY_BYTES: usize = 32;

/// The credentials built into the relay and the sandbox; refused outside sandbox mode.
pub const BUILT_IN: &[&str] = &[
    "demo-host-api-key",
    "sandbox-api-key",
    "sandbox-webhook-secret",
    "sandbox-client",
    "sandbox-client-secret",
    "sandbox-admin-key",
];

/// How to ask for the built-in credentials, quoted in every refusal.
pub const SANDBOX_HINT: &str =
    "to run against the local sandbox with its built-in credentials, pass --sandbox (or set \
     KYC_RELAY_SANDBOX=1)";

/// Checks a key named `name` (e.g. `--host-api-key (KYC_RELAY_HOST_API_KEY)`): present, at
/// least [`MIN_KEY_BYTES`] long and not a built-in value.
pub fn check_key(name: &str, key: &str) -> Result<(), String> {
    let key = key.trim();
    if key.is_empty() {
        return Err(format!("{name} is missing; {SANDBOX_HINT}"));
    }
    if BUILT_IN.contains(&key) {
        return Err(format!(
            "{name} is a built-in sandbox credential; set your own, or {SANDBOX_HINT}"
        ));
    }
    if key.len() < MIN_KEY_BYTES {
        return Err(format!(
            "{name} is {} bytes long; it must be at least {MIN_KEY_BYTES} bytes (e.g. `openssl \
             rand -hex 32`), or {SANDBOX_HINT}",
            key.len()
        ));
    }
    Ok(())
}

/// Checks a provider's webhook secret: the provider chooses its length, but the sandbox's
/// built-in one is refused.
pub fn check_webhook_secret(name: &str, secret: &str) -> Result<(), String> {
    if BUILT_IN.contains(&secret.trim()) {
        return Err(format!(
            "{name} is a built-in sandbox credential; set the provider's secret, or {SANDBOX_HINT}"
        ));
    }
    Ok(())
}

impl RelayConfig {
    /// The relay's own credentials checked as above, unless in sandbox mode; demo sessions
    /// only in sandbox mode.
    pub fn check_secrets(&self) -> Result<(), String> {
        if self.sandbox {
            return Ok(());
        }
        if self.demo_sessions {
            return Err(format!(
                "--demo-sessions needs sandbox mode; {SANDBOX_HINT}"
            ));
        }
        check_key(
            "the host API key (--host-api-key, KYC_RELAY_HOST_API_KEY)",
            &self.host_api_key,
        )?;
        let mut providers: Vec<_> = self.webhook_secrets.iter().collect();
        providers.sort_by_key(|(provider, _)| provider.code());
        for (provider, secret) in providers {
            check_webhook_secret(
                &format!("the webhook secret of provider {}", provider.code()),
                secret,
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STRONG: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn a_missing_short_or_built_in_key_is_refused_with_the_sandbox_hint() {
        for key in [
            "",
            "  ",
            "short-key",
            "demo-host-api-key",
            "sandbox-api-key",
        ] {
            let err = check_key("--host-api-key", key).unwrap_err();
            assert!(
                err.contains("--sandbox") && err.contains("KYC_RELAY_SANDBOX"),
                "{err}"
            );
            assert!(err.starts_with("--host-api-key"), "{err}");
        }
        assert_eq!(check_key("k", STRONG), Ok(()));
    }

    #[test]
    fn only_sandbox_mode_takes_the_built_in_credentials() {
        let production = RelayConfig::default();
        assert!(production.check_secrets().unwrap_err().contains("missing"));
        let sandbox = RelayConfig {
            sandbox: true,
            host_api_key: "demo-host-api-key".to_owned(),
            demo_sessions: true,
            ..RelayConfig::default()
        };
        assert_eq!(sandbox.check_secrets(), Ok(()));
        let forgotten_flag = RelayConfig {
            sandbox: false,
            ..sandbox.clone()
        };
        assert!(forgotten_flag
            .check_secrets()
            .unwrap_err()
            .contains("--demo-sessions"));
        let built_in_webhook = RelayConfig {
            host_api_key: STRONG.to_owned(),
            webhook_secrets: [(kyc_core::Provider::D, "sandbox-webhook-secret".to_owned())].into(),
            ..RelayConfig::default()
        };
        let err = built_in_webhook.check_secrets().unwrap_err();
        assert!(err.contains("webhook secret of provider d"), "{err}");
        let own = RelayConfig {
            webhook_secrets: [(kyc_core::Provider::D, "provider-given".to_owned())].into(),
            ..built_in_webhook
        };
        assert_eq!(own.check_secrets(), Ok(()));
    }
}
