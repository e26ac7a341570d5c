//! Which upload URLs a provider's answer may name ([`StorageHosts`]): the relay PUTs the
//! user's documents wherever the URL points, so a URL is used only when it is https, or names a
//! storage host the operator allowed, or (the local sandbox) is plain http on the loopback
//! interface while the provider's API itself is.

use reqwest::Url;

use super::error::ProviderError;
use super::redact;

/// The storage hosts a provider client PUTs to besides https ones.
#[derive(Clone, Debug, Default)]
pub struct StorageHosts {
    /// `host` or `host:port` allowed over plain http (e.g. an S3-compatible store on a private
    /// network).
    allowed: Vec<String>,
    /// Whether the provider's API is plain http on loopback (the local sandbox): its loopback
    /// storage is then allowed too.
    local_sandbox: bool,
}

impl StorageHosts {
    /// The hosts a client of the API at `base_url` trusts: https only, unless the API itself
    /// is plain http on loopback (the local sandbox), whose loopback storage is then trusted.
    pub(crate) fn for_api(base_url: &str) -> StorageHosts {
        StorageHosts {
            allowed: Vec::new(),
            local_sandbox: Url::parse(base_url)
                .is_ok_and(|url| url.scheme() == "http" && is_loopback(&url)),
        }
    }

    /// These hosts and `hosts` (`host` or `host:port`, allowed over plain http).
    pub(crate) fn with(mut self, hosts: &[String]) -> StorageHosts {
        self.allowed
            .extend(hosts.iter().map(|host| host.trim().to_ascii_lowercase()));
        self
    }

    /// `Ok` when an upload may go to `url`; the refusal names the URL without its query.
    pub(crate) fn check(&self, url: &str) -> Result<(), ProviderError> {
        let parsed = Url::parse(url)
            .map_err(|_| ProviderError::Untrusted("the upload URL is not a URL".to_owned()))?;
        let host = parsed.host_str().unwrap_or("").to_ascii_lowercase();
        let with_port = match parsed.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.clone(),
        };
        let allowed = match parsed.scheme() {
            "https" => !host.is_empty(),
            "http" => {
                self.allowed.contains(&host)
                    || self.allowed.contains(&with_port)
                    || (self.local_sandbox && is_loopback(&parsed))
            }
            _ => false,
        };
        if allowed {
            return Ok(());
        }
        Err(ProviderError::Untrusted(format!(
            "the upload URL {} is neither https nor on an allowed storage host (--storage-host)",
            redact::url(&parsed)
        )))
    }
}

/// Headers the relay sets itself or that change how the request travels: a provider's
/// `required_headers` may not name them (it could redirect, smuggle or credential the PUT).
const RESERVED_HEADERS: &[&str] = &[
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "upgrade",
    "te",
    "trailer",
    "expect",
    "authorization",
    "cookie",
];

/// `Ok` when an upload may carry the header `name` a provider asked for.
pub(crate) fn check_header(name: &str) -> Result<(), ProviderError> {
    let lower = name.to_ascii_lowercase();
    let token = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if token && !RESERVED_HEADERS.contains(&lower.as_str()) && !lower.starts_with("proxy-") {
        return Ok(());
    }
    Err(ProviderError::Untrusted(format!(
        "the upload's required header {:?} is not one a storage PUT takes",
        kyc_core::truncate(name, 64)
    )))
}

/// Whether `url` may be shown to the end user as a link (B's terms of service): https, or plain
/// http on loopback from a provider whose API is too (the local sandbox). Never `javascript:`
/// or another scheme a browser would run or open outside the web.
pub(crate) fn is_safe_link(url: &str, api_base_url: &str) -> bool {
    let Ok(parsed) = Url::parse(url) else {
        return false;
    };
    match parsed.scheme() {
        "https" => kyc_core::text::is_https_link(url),
        "http" => StorageHosts::for_api(api_base_url).local_sandbox && is_loopback(&parsed),
        _ => false,
    }
}

fn is_loopback(url: &Url) -> bool {
    let host = url.host_str().unwrap_or("");
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upload_url_must_be_https_or_an_allowed_host() {
        let production = StorageHosts::for_api("https://api.provider.example/d");
        assert!(production
            .check("https://s3.example/b/k?X-Amz-Signature=0")
            .is_ok());
        for refused in [
            "http://s3.example/b/k?X-Amz-Signature=0",
            "http://127.0.0.1:9000/b/k",
            "ftp://s3.example/b/k",
            "javascript:alert(1)",
            "not a url",
            "file:///etc/passwd",
        ] {
            let err = production.check(refused).unwrap_err();
            assert!(matches!(err, ProviderError::Untrusted(_)), "{refused}");
            assert!(!err.to_string().contains("X-Amz"), "{err}");
        }
        let allowed = production.with(&["minio.internal:9000".to_owned()]);
        assert!(allowed.check("http://minio.internal:9000/b/k").is_ok());
        assert!(allowed.check("http://minio.internal:9001/b/k").is_err());
        let sandbox = StorageHosts::for_api("http://127.0.0.1:9090/d");
        assert!(sandbox.check("http://127.0.0.1:45678/kyc/k").is_ok());
        assert!(sandbox.check("http://169.254.169.254/latest").is_err());
    }

    #[test]
    fn a_required_header_may_not_steer_the_request() {
        for allowed in [
            "Content-Type",
            "x-amz-server-side-encryption",
            "Content-MD5",
        ] {
            assert!(check_header(allowed).is_ok(), "{allowed}");
        }
        for refused in [
            "Host",
            "content-length",
            "Transfer-Encoding",
            "Authorization",
            "Proxy-Authorization",
            "Cookie",
            "X-Evil\r\nHost",
            "",
        ] {
            assert!(check_header(refused).is_err(), "{refused:?}");
        }
    }

    #[test]
    fn a_link_for_the_end_user_must_be_https() {
        let api = "https://api.b.example";
        assert!(is_safe_link("https://b.example/tos?v=1", api));
        for refused in [
            "javascript:alert(document.cookie)",
            "JavaScript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "http://b.example/tos",
            "http://127.0.0.1:9090/b/tos",
            "//b.example/tos",
            "https:///tos",
        ] {
            assert!(!is_safe_link(refused, api), "{refused}");
        }
        assert!(is_safe_link(
            "http://127.0.0.1:9090/b/tos",
            "http://127.0.0.1:9090/b"
        ));
        assert!(!is_safe_link(
            "http://b.example/tos",
            "http://127.0.0.1:9090/b"
        ));
    }
}
