//! Provider D (Technest): `POST /v1/customers/{id}/files` for a presigned URL, a server-side PUT
//! with `required_headers` verbatim, `files/attach`, then the optional `kyc` acknowledgement.

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use kyc_core::{CustomerType, DocumentType, FileFormat, Slot, VerificationStatus};
use reqwest::{Client, RequestBuilder};
use serde::Deserialize;
use serde_json::json;

use super::http::{answer, send_json, ATTEMPTS};
use super::{AttachFile, CustomerSpec, ProviderAdapter, ProviderError};
use crate::spool::Spool;

/// A client of Technest's customer API.
#[derive(Clone, Debug)]
pub struct Technest {
    http: Client,
    base_url: String,
    api_key: String,
    backoff: Duration,
}

#[derive(Deserialize)]
struct Customer {
    id: String,
    status: String,
    #[serde(default)]
    rejection_reason: Option<String>,
}

#[derive(Deserialize)]
struct UploadUrl {
    file_id: String,
    upload_url: String,
    required_headers: BTreeMap<String, String>,
}

impl Technest {
    /// A client of the API at `base_url` (e.g. `https://api.technest.example` or the sandbox's
    /// `http://127.0.0.1:9090/d`), authenticated with `api_key`.
    pub fn new(base_url: &str, api_key: &str, timeout: Duration) -> Technest {
        let http = Client::builder()
            .timeout(timeout)
            .build()
            .expect("a TLS backend is compiled in");
        Technest {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            api_key: api_key.to_owned(),
            backoff: Duration::from_millis(200),
        }
    }

    fn api(&self, method: reqwest::Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base_url))
            .bearer_auth(&self.api_key)
    }

    async fn send_json<T: serde::de::DeserializeOwned>(
        &self,
        build: impl Fn() -> RequestBuilder,
    ) -> Result<T, ProviderError> {
        send_json(self.backoff, build).await
    }

    /// Asks for a presigned URL and PUTs the bytes there. A 403 from storage means the URL
    /// expired (D: "Treat a 403 on the upload PUT as URL expired — request a fresh one").
    async fn upload_once(
        &self,
        customer_id: &str,
        format: FileFormat,
        file: &Spool,
    ) -> Result<String, ProviderError> {
        let path = format!("/v1/customers/{customer_id}/files");
        let mut url_attempts = 0;
        let mut delay = self.backoff;
        loop {
            url_attempts += 1;
            let target: UploadUrl = self
                .send_json(|| {
                    self.api(reqwest::Method::POST, &path)
                        .json(&json!({"content_type": format.mime()}))
                })
                .await?;
            let mut put = self
                .http
                .put(&target.upload_url)
                .header(reqwest::header::CONTENT_LENGTH, file.len())
                .body(file.body());
            for (name, value) in &target.required_headers {
                put = put.header(name, value);
            }
            match answer(put.send().await).await {
                Ok(_) => return Ok(target.file_id),
                Err(ProviderError::Refused { status: 403, .. }) if url_attempts < ATTEMPTS => {
                    tracing::warn!(
                        customer_id,
                        "upload URL refused (expired); requesting a fresh one"
                    );
                }
                Err(err) if err.is_transient() && url_attempts < ATTEMPTS => {
                    tracing::warn!(%err, customer_id, "upload PUT failed; retrying");
                    tokio::time::sleep(delay).await;
                    delay *= 2;
                }
                Err(err) => return Err(err),
            }
        }
    }
}

fn slot_field(slot: Slot) -> &'static str {
    match slot {
        Slot::Front => "id_file",
        Slot::Back => "id_file_back",
        Slot::Selfie => "selfie_file",
        Slot::ProofOfAddress => "proof_of_address_file",
        Slot::Liveness => "liveness_file",
    }
}

impl ProviderAdapter for Technest {
    fn new_customer_after_rejection(&self) -> bool {
        // A rejected customer answers 409 `customer_rejected` to new files and attaches.
        true
    }

    fn create_customer<'a>(
        &'a self,
        spec: &'a CustomerSpec,
    ) -> BoxFuture<'a, Result<String, ProviderError>> {
        async move {
            let kind = match spec.customer_type {
                CustomerType::Individual => "individual",
                CustomerType::Business => "business",
            };
            let body = json!({"customer_reference": spec.reference, "type": kind, "country": spec.country});
            let customer: Customer =
                self.send_json(|| self.api(reqwest::Method::POST, "/v1/customers").json(&body)).await?;
            Ok(customer.id)
        }
        .boxed()
    }

    fn upload<'a>(
        &'a self,
        customer_id: &'a str,
        _slot: Slot,
        format: FileFormat,
        file: &'a Spool,
    ) -> BoxFuture<'a, Result<String, ProviderError>> {
        self.upload_once(customer_id, format, file).boxed()
    }

    fn attach<'a>(
        &'a self,
        customer_id: &'a str,
        document_type: DocumentType,
        files: &'a [AttachFile],
        _country: &'a str,
        _state: Option<&'a str>,
    ) -> BoxFuture<'a, Result<(), ProviderError>> {
        async move {
            let mut body = json!({"document_type": document_type.code()});
            for file in files {
                body[slot_field(file.slot)] = json!(file.file_id);
            }
            let attach = format!("/v1/customers/{customer_id}/files/attach");
            // Attach is not retried blindly: a lost answer could mean it went through, and a
            // second attach would meet 409. The caller reads the status instead.
            answer(
                self.api(reqwest::Method::POST, &attach)
                    .json(&body)
                    .send()
                    .await,
            )
            .await?;
            // The acknowledgement is optional (D: "You can skip it"); a failure here does not
            // undo the attach, so it is logged rather than surfaced.
            let ack = format!("/v1/customers/{customer_id}/kyc");
            if let Err(err) = answer(self.api(reqwest::Method::POST, &ack).send().await).await {
                tracing::warn!(%err, customer_id, "kyc acknowledgement failed");
            }
            Ok(())
        }
        .boxed()
    }

    fn webhook_update(&self, event: &serde_json::Value) -> Option<super::WebhookUpdate> {
        // D: "Result: webhook customer.status_changed (to verified or rejected)".
        super::customer_status_event(event, &["customer.status_changed"])
    }

    fn status<'a>(
        &'a self,
        customer_id: &'a str,
    ) -> BoxFuture<'a, Result<VerificationStatus, ProviderError>> {
        async move {
            let path = format!("/v1/customers/{customer_id}");
            let customer: Customer = self
                .send_json(|| self.api(reqwest::Method::GET, &path))
                .await?;
            debug_assert_eq!(customer.id, customer_id);
            Ok(super::customer_status(
                &customer.status,
                customer.rejection_reason.as_deref(),
            ))
        }
        .boxed()
    }
}
