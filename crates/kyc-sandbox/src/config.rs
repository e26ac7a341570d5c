//! How the sandbox behaves: review timing, keys, storage and webhooks, and each provider's own
//! settings.

use std::path::PathBuf;
use std::time::Duration;

/// How the sandbox behaves. Every field has a default; `SandboxConfig::default()` is a working
/// sandbox.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Pending -> verified (or rejected) after this. Default 5 s.
    pub review_delay: Duration,
    /// Presigned URL lifetime. Default 15 min.
    pub upload_url_ttl: Duration,
    /// Bearer key of providers B, C and D. Default `sandbox-api-key`.
    pub api_key: String,
    /// Root directory of the storage server; `None` = a temp dir removed on drop.
    pub storage_root: Option<PathBuf>,
    /// Where status-change events are POSTed; `None` = no webhooks.
    pub webhook_url: Option<String>,
    /// HMAC-SHA256 key of webhook signatures. Default `sandbox-webhook-secret`.
    pub webhook_secret: String,
    /// B: whether the client configuration requires a SELFIE entry on attach. Default false.
    pub b_selfie_required: bool,
    /// B: how long an attach stays in flight (a concurrent attach meanwhile gets 409).
    /// Default 300 ms.
    pub b_attach_processing: Duration,
    /// A: OAuth client id. Default `sandbox-client`.
    pub a_client_id: String,
    /// A: OAuth client secret. Default `sandbox-client-secret`.
    pub a_client_secret: String,
    /// A: lifetime of an access token. Default 5 min.
    pub a_token_ttl: Duration,
    /// C: Bearer key allowed to override a verification's status. Default `sandbox-admin-key`.
    pub c_admin_key: String,
    /// C: a pending verification expires this long after its creation. Default 24 h.
    pub c_verification_ttl: Duration,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            review_delay: Duration::from_secs(5),
            upload_url_ttl: Duration::from_secs(15 * 60),
            api_key: "sandbox-api-key".to_owned(),
            storage_root: None,
            webhook_url: None,
            webhook_secret: "sandbox-webhook-secret".to_owned(),
            b_selfie_required: false,
            b_attach_processing: Duration::from_millis(300),
            a_client_id: "sandbox-client".to_owned(),
            a_client_secret: "sandbox-client-secret".to_owned(),
            a_token_ttl: Duration::from_secs(5 * 60),
            c_admin_key: "sandbox-admin-key".to_owned(),
            c_verification_ttl: Duration::from_secs(24 * 60 * 60),
        }
    }
}
