//! Provider A: the "external" customer API, legacy 4-slot KYC (`a-request-file-upload-url.txt`,
//! `a-upload-verification-files.txt`).
//!
//! - Auth: OAuth client credentials, "a short-lived Bearer token from POST /oauth/token". One
//!   token per scope (`file:upload` for presigned URLs, `customer:write` for customers and
//!   attach), cached until shortly before it expires; a 401 drops it and asks once more.
//! - Upload: a presigned URL per file with its category (`identity`, `identity_back`,
//!   `proof_of_address`, `liveness_check`), then "a PUT request to the upload_url", "the headers
//!   from the response", "the file as binary data". A 403 from storage: the URL expired, ask
//!   for a fresh one.
//! - Attach: `POST /api/external/customer/{id}/files` with `id_file` (which "triggers the
//!   verification process"), `id_file_back`, `proof_of_address_file`, `liveness_check_file`.
//! - After a rejection the customer's next session (the widget's retry) attaches new files to
//!   the same A customer: "Newly uploaded files override previous records", and A keeps its
//!   history (repeated falsified attempts "will result in the customer being permanently
//!   blacklisted"), which a new customer per attempt would hide.
//! - Business customers (KYB) "do not use this endpoint": a business customer is created with
//!   `type: business`, each beneficial owner with `POST /customer/{id}/owner` (the sandbox's
//!   assumption, A names no endpoint), owner ID files go to
//!   `/customer/{customer}/owner/{owner}/file/presigned-url`, KYB documents to
//!   `/customer/{customer}/document/presigned-url`, and the attach's `id_file` is the
//!   Certificate of Incorporation.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use kyc_core::{CompanyDocument, CustomerType, DocumentType, FileFormat, Slot, VerificationStatus};
use reqwest::{Client, Method, RequestBuilder};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::adapter::{
    AttachFile, BusinessDocuments, CustomerSpec, NewCustomer, ProviderAdapter, WebhookUpdate,
};
use super::customer::{self, CustomerRecord};
use super::error::ProviderError;
use super::http::{
    answer, client, presigned_put, segment, send, UploadTarget, BACKOFF, OPERATION_TIMEOUTS,
};
use super::storage::StorageHosts;
use crate::spool::Spool;

/// The scope of presigned upload URLs.
pub const SCOPE_FILE_UPLOAD: &str = "file:upload";
/// The scope of creating customers and attaching files.
pub const SCOPE_CUSTOMER_WRITE: &str = "customer:write";

/// A client of provider A's external API.
#[derive(Clone, Debug)]
pub struct ProviderA {
    http: Client,
    base_url: String,
    client_id: String,
    client_secret: String,
    tokens: Arc<Mutex<HashMap<&'static str, CachedToken>>>,
    issued: Arc<AtomicU32>,
    /// The timeout of one call.
    timeout: Duration,
    storage: StorageHosts,
}

#[derive(Clone, Debug)]
struct CachedToken {
    value: String,
    /// When the relay stops using it: a margin before the provider's expiry.
    use_until: Instant,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    expires_in: u64,
}

#[derive(Deserialize)]
struct UploadUrl {
    file_id: String,
    upload_url: String,
    #[serde(default)]
    headers: BTreeMap<String, String>,
}

/// The file category of a slot; `None` where A has no place for it (a selfie).
pub fn category(slot: Slot) -> Option<&'static str> {
    match slot {
        Slot::Front => Some("identity"),
        Slot::Back => Some("identity_back"),
        Slot::ProofOfAddress => Some("proof_of_address"),
        Slot::Liveness => Some("liveness_check"),
        Slot::Selfie => None,
    }
}

/// The attach field of a slot.
fn attach_field(slot: Slot) -> Option<&'static str> {
    match slot {
        Slot::Front => Some("id_file"),
        Slot::Back => Some("id_file_back"),
        Slot::ProofOfAddress => Some("proof_of_address_file"),
        Slot::Liveness => Some("liveness_check_file"),
        Slot::Selfie => None,
    }
}

/// The attach body: each file id under its slot's field. The relay has checked the submission
/// against `kyc_core::Policy` for A (document accepted, back for two-sided documents, no selfie).
pub fn attach_body(files: &[AttachFile]) -> Result<Value, ProviderError> {
    let mut body = Map::new();
    for file in files {
        let field = attach_field(file.slot).ok_or_else(|| no_place(file.slot))?;
        body.insert(field.to_owned(), json!(file.file_id));
    }
    Ok(Value::Object(body))
}

fn no_place(slot: Slot) -> ProviderError {
    ProviderError::Refused {
        status: 422,
        code: Some("invalid_category".to_owned()),
        message: format!(
            "provider A has no file category for the {} slot",
            slot.code()
        ),
    }
}

impl ProviderA {
    /// A client of the API at `base_url` (the sandbox's is `http://127.0.0.1:9090/a`) with the
    /// OAuth client credentials `client_id` and `client_secret`.
    pub fn new(
        base_url: &str,
        client_id: &str,
        client_secret: &str,
        timeout: Duration,
    ) -> ProviderA {
        ProviderA {
            http: client(timeout),
            base_url: base_url.trim_end_matches('/').to_owned(),
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            tokens: Arc::default(),
            issued: Arc::default(),
            timeout,
            storage: StorageHosts::for_api(base_url),
        }
    }

    /// This client, also uploading to `hosts` (`host` or `host:port`) over plain http; other
    /// upload URLs must be https.
    pub fn with_storage_hosts(mut self, hosts: &[String]) -> ProviderA {
        self.storage = self.storage.with(hosts);
        self
    }

    /// How many access tokens this client has obtained (each scope's token is reused until
    /// shortly before it expires).
    pub fn tokens_issued(&self) -> u32 {
        self.issued.load(Ordering::Relaxed)
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<&'static str, CachedToken>> {
        self.tokens
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A valid access token with `scope`, from the cache or fresh from `POST /oauth/token`.
    async fn token(&self, scope: &'static str) -> Result<String, ProviderError> {
        if let Some(token) = self.cache().get(scope) {
            if token.use_until > Instant::now() {
                return Ok(token.value.clone());
            }
        }
        let url = format!("{}/oauth/token", self.base_url);
        let body = send(BACKOFF, || {
            self.http
                .post(&url)
                .basic_auth(&self.client_id, Some(&self.client_secret))
                .form(&[("grant_type", "client_credentials"), ("scope", scope)])
        })
        .await?;
        let answer: TokenAnswer = serde_json::from_slice(&body)
            .map_err(|err| ProviderError::Unavailable(format!("unreadable token: {err}")))?;
        self.issued.fetch_add(1, Ordering::Relaxed);
        self.cache().insert(
            scope,
            CachedToken {
                value: answer.access_token.clone(),
                use_until: use_until(Instant::now(), answer.expires_in),
            },
        );
        Ok(answer.access_token)
    }

    /// Sends `build(token)` with a token of `scope`; on a 401 (token revoked or expired early)
    /// drops the token and tries once more with a fresh one. `retry` allows retries of
    /// transient failures (not for attach).
    async fn call(
        &self,
        scope: &'static str,
        retry: bool,
        build: impl Fn(&str) -> RequestBuilder,
    ) -> Result<Bytes, ProviderError> {
        let mut renewed = false;
        loop {
            let token = self.token(scope).await?;
            let result = if retry {
                send(BACKOFF, || build(&token)).await
            } else {
                answer(build(&token).send().await).await
            };
            match result {
                Err(ProviderError::Refused { status: 401, .. }) if !renewed => {
                    tracing::warn!(scope, "access token refused; requesting a new one");
                    self.cache().remove(scope);
                    renewed = true;
                }
                other => return other,
            }
        }
    }

    fn api(&self, method: Method, path: &str, token: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}/api/external{path}", self.base_url))
            .bearer_auth(token)
    }

    async fn upload_file(
        &self,
        customer_id: &str,
        slot: Slot,
        format: FileFormat,
        file: &Spool,
    ) -> Result<String, ProviderError> {
        let category = category(slot).ok_or_else(|| no_place(slot))?;
        let path = format!("/customer/{}/file/presigned-url", segment(customer_id));
        let request = json!({"category": category, "content_type": format.mime()});
        self.presigned_upload(customer_id, &path, &request, file)
            .await
    }

    /// Asks `path` for a presigned URL with `request`, then PUTs the file there: its file id.
    /// One budget retries the URL and the PUT (an expired URL is asked for again).
    async fn presigned_upload(
        &self,
        customer_id: &str,
        path: &str,
        request: &Value,
        file: &Spool,
    ) -> Result<String, ProviderError> {
        let deadline = self.timeout * OPERATION_TIMEOUTS;
        presigned_put(
            &self.http,
            &self.storage,
            BACKOFF,
            deadline,
            file,
            customer_id,
            || async move {
                // Not retried here: presigned_put's one budget retries the URL and the PUT.
                let body = self
                    .call(SCOPE_FILE_UPLOAD, false, |token| {
                        self.api(Method::POST, path, token).json(request)
                    })
                    .await?;
                let target: UploadUrl = serde_json::from_slice(&body).map_err(|err| {
                    ProviderError::Unavailable(format!("unreadable answer: {err}"))
                })?;
                Ok(UploadTarget {
                    file_id: target.file_id,
                    url: target.upload_url,
                    headers: target.headers,
                })
            },
        )
        .await
    }

    /// A's record of the customer (`GET /customer/{id}`), as JSON.
    async fn customer(&self, customer_id: &str) -> Result<Bytes, ProviderError> {
        let path = format!("/customer/{}", segment(customer_id));
        self.call(SCOPE_CUSTOMER_WRITE, true, |token| {
            self.api(Method::GET, &path, token)
        })
        .await
    }
}

/// An owner in A's business customer record.
#[derive(Deserialize)]
struct OwnerAnswer {
    id: String,
    name: String,
}

#[derive(Deserialize)]
struct OwnersAnswer {
    #[serde(default)]
    owners: Vec<OwnerAnswer>,
}

/// The attach body of a business: the certificate as `id_file` (A: "only a Certificate of
/// Incorporation for business customers"), the company's proof of address as
/// `proof_of_address_file`.
pub fn business_attach_body(files: &[(CompanyDocument, String)]) -> Value {
    let mut body = Map::new();
    for (document, file_id) in files {
        let field = match document {
            CompanyDocument::CertificateOfIncorporation => "id_file",
            CompanyDocument::ProofOfAddress => "proof_of_address_file",
        };
        body.insert(field.to_owned(), json!(file_id));
    }
    // Assumption: A's documents name no such field (its KYB guide is not among them); the
    // sandbox's KYB attach asks for the certificate's type by it.
    if files
        .iter()
        .any(|(d, _)| *d == CompanyDocument::CertificateOfIncorporation)
    {
        body.insert(
            "id_document_type".to_owned(),
            json!(DocumentType::CertificateOfIncorporation.code()),
        );
    }
    Value::Object(body)
}

impl ProviderAdapter for ProviderA {
    fn reuse_customer_after(&self, status: &VerificationStatus) -> bool {
        // "Newly uploaded files override previous records": a rejected customer takes new files.
        matches!(status, VerificationStatus::Rejected { .. })
    }

    fn create_customer<'a>(
        &'a self,
        spec: &'a CustomerSpec,
    ) -> BoxFuture<'a, Result<NewCustomer, ProviderError>> {
        async move {
            // A business customer's files go through A's KYB endpoints (owner files, KYB
            // documents), never the 4-slot one.
            let kind = match spec.customer_type {
                CustomerType::Business => "business",
                CustomerType::Individual => "individual",
            };
            let body = json!({"type": kind, "reference": spec.reference});
            // Not retried: a lost answer could mean the customer exists.
            let answer = self
                .call(SCOPE_CUSTOMER_WRITE, false, |token| {
                    self.api(Method::POST, "/customer", token).json(&body)
                })
                .await?;
            let customer: CustomerRecord = serde_json::from_slice(&answer)
                .map_err(|err| ProviderError::Unavailable(format!("unreadable answer: {err}")))?;
            Ok(NewCustomer {
                id: customer.id,
                terms_of_service_url: None,
            })
        }
        .boxed()
    }

    fn upload<'a>(
        &'a self,
        customer_id: &'a str,
        slot: Slot,
        format: FileFormat,
        file: &'a Spool,
    ) -> BoxFuture<'a, Result<String, ProviderError>> {
        self.upload_file(customer_id, slot, format, file).boxed()
    }

    fn attach<'a>(
        &'a self,
        customer_id: &'a str,
        _document_type: DocumentType,
        files: &'a [AttachFile],
        _country: &'a str,
        _state: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Option<String>, ProviderError>> {
        async move {
            let body = attach_body(files)?;
            let path = format!("/customer/{}/files", segment(customer_id));
            self.call(SCOPE_CUSTOMER_WRITE, false, |token| {
                self.api(Method::POST, &path, token).json(&body)
            })
            .await?;
            Ok(None)
        }
        .boxed()
    }

    fn create_owner<'a>(
        &'a self,
        customer_id: &'a str,
        name: &'a str,
    ) -> BoxFuture<'a, Result<String, ProviderError>> {
        async move {
            let path = format!("/customer/{}/owner", segment(customer_id));
            let body = json!({"name": name});
            // Not retried: a lost answer could mean the owner exists (the relay looks for it
            // among the customer's owners before creating it again).
            let answer = self
                .call(SCOPE_CUSTOMER_WRITE, false, |token| {
                    self.api(Method::POST, &path, token).json(&body)
                })
                .await?;
            let owner: OwnerAnswer = serde_json::from_slice(&answer)
                .map_err(|err| ProviderError::Unavailable(format!("unreadable answer: {err}")))?;
            Ok(owner.id)
        }
        .boxed()
    }

    fn owners<'a>(
        &'a self,
        customer_id: &'a str,
    ) -> BoxFuture<'a, Result<Vec<(String, String)>, ProviderError>> {
        async move {
            let body = self.customer(customer_id).await?;
            let record: OwnersAnswer = serde_json::from_slice(&body)
                .map_err(|err| ProviderError::Unavailable(format!("unreadable answer: {err}")))?;
            Ok(record
                .owners
                .into_iter()
                .map(|owner| (owner.id, owner.name))
                .collect())
        }
        .boxed()
    }

    fn upload_owner_file<'a>(
        &'a self,
        customer_id: &'a str,
        owner_id: &'a str,
        slot: Slot,
        document_type: DocumentType,
        format: FileFormat,
        file: &'a Spool,
    ) -> BoxFuture<'a, Result<String, ProviderError>> {
        async move {
            // Assumption (A's KYB guide is not among its documents): an owner's ID follows the
            // individual rules, the identity categories only.
            let category = match slot {
                Slot::Front | Slot::Back => category(slot).ok_or_else(|| no_place(slot))?,
                other => return Err(no_place(other)),
            };
            let path = format!(
                "/customer/{}/owner/{}/file/presigned-url",
                segment(customer_id),
                segment(owner_id)
            );
            let request = json!({"category": category, "content_type": format.mime(),
                                 "document_type": document_type.code()});
            self.presigned_upload(customer_id, &path, &request, file)
                .await
        }
        .boxed()
    }

    fn upload_company_document<'a>(
        &'a self,
        customer_id: &'a str,
        document: CompanyDocument,
        format: FileFormat,
        file: &'a Spool,
    ) -> BoxFuture<'a, Result<String, ProviderError>> {
        async move {
            let path = format!("/customer/{}/document/presigned-url", segment(customer_id));
            let request = json!({"content_type": format.mime(), "document_type": document.code()});
            self.presigned_upload(customer_id, &path, &request, file)
                .await
        }
        .boxed()
    }

    fn attach_business<'a>(
        &'a self,
        customer_id: &'a str,
        business: &'a BusinessDocuments,
    ) -> BoxFuture<'a, Result<Option<String>, ProviderError>> {
        async move {
            // The owners' files are A's already, with its owners; the certificate starts it.
            let body = business_attach_body(&business.company);
            let path = format!("/customer/{}/files", segment(customer_id));
            self.call(SCOPE_CUSTOMER_WRITE, false, |token| {
                self.api(Method::POST, &path, token).json(&body)
            })
            .await?;
            Ok(None)
        }
        .boxed()
    }

    fn webhook_update(&self, event: &Value) -> Option<WebhookUpdate> {
        // A: "Listen for the customer.verified or customer.rejected webhook".
        customer::status_event(event, &["customer.verified", "customer.rejected"])
    }

    fn status<'a>(
        &'a self,
        customer_id: &'a str,
    ) -> BoxFuture<'a, Result<VerificationStatus, ProviderError>> {
        async move {
            let body = self.customer(customer_id).await?;
            let customer: CustomerRecord = serde_json::from_slice(&body)
                .map_err(|err| ProviderError::Unavailable(format!("unreadable answer: {err}")))?;
            debug_assert_eq!(customer.id, customer_id);
            Ok(customer.status())
        }
        .boxed()
    }
}

/// The longest a token is kept, whatever its `expires_in` says: a lifetime past this is a
/// provider's mistake, and asking for a new token a day later costs nothing.
const LONGEST_TOKEN: Duration = Duration::from_secs(24 * 60 * 60);

/// Until when a token issued `now` with the provider's `expires_in` (seconds) is used: renewed
/// a little early, so it never expires between the check and the call. The provider's number
/// is bounded first: `Instant + u64::MAX s` overflows and would panic the request.
fn use_until(now: Instant, expires_in: u64) -> Instant {
    let lifetime = Duration::from_secs(expires_in).min(LONGEST_TOKEN);
    let margin = (lifetime / 10).min(Duration::from_secs(30));
    now.checked_add(lifetime - margin).unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_lifetime_from_the_provider_cannot_overflow_the_clock() {
        let now = Instant::now();
        assert_eq!(use_until(now, 3600), now + Duration::from_secs(3570));
        assert_eq!(use_until(now, 0), now);
        // An answer of `"expires_in": 18446744073709551615` is kept a day at most.
        assert_eq!(
            use_until(now, u64::MAX),
            now + LONGEST_TOKEN - Duration::from_secs(30)
        );
    }

    fn file(slot: Slot, id: &str) -> AttachFile {
        AttachFile {
            slot,
            file_id: id.to_owned(),
        }
    }

    #[test]
    fn each_slot_goes_to_its_field() {
        let files = [
            file(Slot::Front, "f1"),
            file(Slot::Back, "f2"),
            file(Slot::ProofOfAddress, "f3"),
            file(Slot::Liveness, "f4"),
        ];
        assert_eq!(
            attach_body(&files).unwrap(),
            json!({"id_file": "f1", "id_file_back": "f2", "proof_of_address_file": "f3",
                   "liveness_check_file": "f4"})
        );
    }

    #[test]
    fn a_selfie_has_no_place_at_a() {
        assert_eq!(category(Slot::Selfie), None);
        let err = attach_body(&[file(Slot::Selfie, "s")]).unwrap_err();
        assert_eq!(err.code().as_deref(), Some("invalid_category"));
    }
}
