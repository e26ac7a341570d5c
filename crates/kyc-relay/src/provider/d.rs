//! Provider D (Technest): `POST /v1/customers/{id}/files` for a presigned URL, a server-side PUT
//! with `required_headers` verbatim, `files/attach`, then the optional `kyc` acknowledgement.

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use kyc_core::{DocumentType, FileFormat, Slot, VerificationStatus};
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;

use super::adapter::{AttachFile, CustomerSpec, NewCustomer, ProviderAdapter, WebhookUpdate};
use super::customer::{self, CustomerRecord};
use super::error::ProviderError;
use super::http::{
    answer, presigned_put, segment, send_json, send_once_json, BearerApi, UploadTarget, BACKOFF,
    OPERATION_TIMEOUTS,
};
use super::storage::StorageHosts;
use crate::spool::Spool;

/// A client of provider D's (Technest's) customer API.
#[derive(Clone, Debug)]
pub struct ProviderD {
    api: BearerApi,
    storage: StorageHosts,
}

#[derive(Deserialize)]
struct UploadUrl {
    file_id: String,
    upload_url: String,
    required_headers: BTreeMap<String, String>,
}

impl ProviderD {
    /// A client of the API at `base_url` (e.g. `https://api.technest.example` or the sandbox's
    /// `http://127.0.0.1:9090/d`), authenticated with `api_key`.
    pub fn new(base_url: &str, api_key: &str, timeout: Duration) -> ProviderD {
        ProviderD {
            api: BearerApi::new(base_url, api_key, timeout),
            storage: StorageHosts::for_api(base_url),
        }
    }

    /// This client, also uploading to `hosts` (`host` or `host:port`) over plain http; other
    /// upload URLs must be https.
    pub fn with_storage_hosts(mut self, hosts: &[String]) -> ProviderD {
        self.storage = self.storage.with(hosts);
        self
    }

    /// Asks for a presigned URL and PUTs the bytes there (D: "Treat a 403 on the upload PUT as
    /// URL expired — request a fresh one").
    async fn upload_file(
        &self,
        customer_id: &str,
        format: FileFormat,
        file: &Spool,
    ) -> Result<String, ProviderError> {
        let path = &format!("/v1/customers/{}/files", segment(customer_id));
        let request = &json!({"content_type": format.mime()});
        let deadline = self.api.timeout * OPERATION_TIMEOUTS;
        presigned_put(
            &self.api.http,
            &self.storage,
            BACKOFF,
            deadline,
            file,
            customer_id,
            || async move {
                // Not retried here: presigned_put's one budget retries the URL and the PUT.
                let target: UploadUrl =
                    send_once_json(self.api.request(Method::POST, path).json(request)).await?;
                Ok(UploadTarget {
                    file_id: target.file_id,
                    url: target.upload_url,
                    headers: target.required_headers,
                })
            },
        )
        .await
    }
}

/// The attach field of a slot; `None` for a liveness capture: D's document names no such slot
/// (`kyc_core::Policy` never offers one at D, so the relay never holds one to attach).
fn slot_field(slot: Slot) -> Option<&'static str> {
    match slot {
        Slot::Front => Some("id_file"),
        Slot::Back => Some("id_file_back"),
        Slot::Selfie => Some("selfie_file"),
        Slot::ProofOfAddress => Some("proof_of_address_file"),
        Slot::Liveness => None,
    }
}

impl ProviderAdapter for ProviderD {
    fn holds_reference_once(&self) -> bool {
        // `customer_reference_taken`; a new attempt is a new reference ("append -r2").
        true
    }

    fn new_customer_after_rejection(&self) -> bool {
        // A rejected customer answers 409 `customer_rejected` to new files and attaches.
        true
    }

    fn create_customer<'a>(
        &'a self,
        spec: &'a CustomerSpec,
    ) -> BoxFuture<'a, Result<NewCustomer, ProviderError>> {
        async move {
            let body = json!({
                "customer_reference": spec.reference,
                "type": spec.customer_type.code(),
                "country": spec.country,
            });
            let customer: CustomerRecord = send_json(BACKOFF, || {
                self.api.request(Method::POST, "/v1/customers").json(&body)
            })
            .await?;
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
        _slot: Slot,
        format: FileFormat,
        file: &'a Spool,
    ) -> BoxFuture<'a, Result<String, ProviderError>> {
        self.upload_file(customer_id, format, file).boxed()
    }

    fn attach<'a>(
        &'a self,
        customer_id: &'a str,
        document_type: DocumentType,
        files: &'a [AttachFile],
        _country: &'a str,
        _state: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Option<String>, ProviderError>> {
        async move {
            // Assumption: D's document names only the file fields; `document_type` tells which
            // sides belong together (the sandbox applies them by it). A live D that refuses
            // unknown fields would need it dropped here.
            let mut body = json!({"document_type": document_type.code()});
            for file in files {
                let field = slot_field(file.slot).ok_or_else(|| ProviderError::Refused {
                    status: 422,
                    code: Some("unexpected_slot".to_owned()),
                    message: format!("provider D has no slot for a {} file", file.slot.code()),
                })?;
                body[field] = json!(file.file_id);
            }
            let attach = format!("/v1/customers/{}/files/attach", segment(customer_id));
            // Attach is not retried blindly: a lost answer could mean it went through, and a
            // second attach would meet 409. The caller reads the status instead.
            answer(
                self.api
                    .request(Method::POST, &attach)
                    .json(&body)
                    .send()
                    .await,
            )
            .await?;
            // The acknowledgement is optional (D: "You can skip it"); a failure here does not
            // undo the attach, so it is logged rather than surfaced.
            let ack = format!("/v1/customers/{}/kyc", segment(customer_id));
            if let Err(err) = answer(self.api.request(Method::POST, &ack).send().await).await {
                tracing::warn!(%err, customer_id, "kyc acknowledgement failed");
            }
            Ok(None)
        }
        .boxed()
    }

    fn webhook_update(&self, event: &serde_json::Value) -> Option<WebhookUpdate> {
        // D: "Result: webhook customer.status_changed (to verified or rejected)".
        customer::status_event(event, &["customer.status_changed"])
    }

    fn status<'a>(
        &'a self,
        customer_id: &'a str,
    ) -> BoxFuture<'a, Result<VerificationStatus, ProviderError>> {
        async move {
            let path = format!("/v1/customers/{}", segment(customer_id));
            let customer: CustomerRecord =
                send_json(BACKOFF, || self.api.request(Method::GET, &path)).await?;
            debug_assert_eq!(customer.id, customer_id);
            Ok(customer.status())
        }
        .boxed()
    }
}
