//! Provider B: V2 individual customers (`b-attach-documents-v2.txt`).
//!
//! - Create: `POST /v2/customers/individual` returns the customer's id and a `tos_policies_url`
//!   whose `tos_policies_value` query parameter the attach must carry. The relay keeps both in
//!   the stored provider customer id as `<id>#<tos_policies_value>` (see [`CustomerRef`]), and
//!   the URL with the session.
//! - Upload: "Upload files first using the Upload document endpoint to obtain the URIs": the raw
//!   bytes to `POST /v2/customers/{id}/files`; the file's `uri` is what the relay stores.
//! - Attach: `POST /v2/customers/individual/{id}/documents` with `identifying_documents` (the
//!   primary document with its sides, plus a `SELFIE` entry if a selfie was captured), exactly
//!   one `address_documents` entry and `tos_policies_value`. Not retried: "Only one attach can be
//!   in flight per customer; a second concurrent attach returns 409", which the relay answers as
//!   a 409 `provider_conflict`.
//! - Status: `GET /v2/customers/{id}`, `customer_status` `INCOMPLETE`, `UNDER_REVIEW`, `ACTIVE`,
//!   `REJECTED`, `ACTION_REQUIRED`. `ACTION_REQUIRED` is reported as rejected with the reason
//!   [`ACTION_REQUIRED`] (`action_required`): the document allows an attach again in that
//!   status, so the customer's next session reuses the same B customer and attaches again.
//! - Terms of service: the `tos_policies_url` itself is kept with the session and given to the
//!   widget (`terms_of_service_url`), which links to it.

use std::time::Duration;

use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use kyc_core::{CustomerType, DocumentType, FileFormat, Slot, VerificationStatus};
use reqwest::{Method, Url};
use serde::Deserialize;
use serde_json::{json, Value};

use super::adapter::{AttachFile, CustomerSpec, NewCustomer, ProviderAdapter};
use super::error::ProviderError;
use super::http::{after_sealed, segment, send, send_once_json, BearerApi, BACKOFF, UNBOUNDED};
use super::storage;
use crate::spool::Spool;

/// The rejection reason of a customer B put in `ACTION_REQUIRED`: new documents can be attached
/// to the same customer, in a new session.
pub const ACTION_REQUIRED: &str = "action_required";

/// A client of provider B's V2 customer API.
#[derive(Clone, Debug)]
pub struct ProviderB {
    api: BearerApi,
    /// The API base, which decides whether a plain-http terms page is the local sandbox's.
    base_url: String,
}

#[derive(Deserialize)]
struct Customer {
    id: String,
    customer_status: String,
    #[serde(default)]
    tos_policies_url: Option<String>,
    #[serde(default)]
    rejection_reasons: Vec<String>,
}

#[derive(Deserialize)]
struct Uploaded {
    uri: String,
}

/// The relay's stored id of a B customer: B's id and the customer's `tos_policies_value`,
/// written `<id>#<tos_policies_value>` (neither contains `#`: a UUID and a URL query value).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomerRef {
    /// B's customer id.
    pub id: String,
    /// The `tos_policies_value` parsed from the customer's `tos_policies_url`.
    pub tos_policies_value: String,
}

impl CustomerRef {
    /// The stored form, `<id>#<tos_policies_value>`.
    pub fn encode(&self) -> String {
        format!("{}#{}", self.id, self.tos_policies_value)
    }

    /// The parts of a stored id; an error if it is not of the stored form.
    pub fn decode(stored: &str) -> Result<CustomerRef, ProviderError> {
        match stored.split_once('#') {
            Some((id, tos)) if !id.is_empty() && !tos.is_empty() && !tos.contains('#') => {
                Ok(CustomerRef {
                    id: id.to_owned(),
                    tos_policies_value: tos.to_owned(),
                })
            }
            _ => Err(ProviderError::Unavailable(format!(
                "stored B customer id {stored:?} is not <id>#<tos_policies_value>"
            ))),
        }
    }
}

/// The `tos_policies_value` query parameter of a `tos_policies_url`.
pub fn tos_policies_value(tos_policies_url: &str) -> Option<String> {
    let url = Url::parse(tos_policies_url).ok()?;
    url.query_pairs()
        .find(|(name, _)| name == "tos_policies_value")
        .map(|(_, value)| value.into_owned())
        .filter(|value| !value.is_empty() && !value.contains('#'))
}

/// B's `type` of an identifying document.
fn document_code(document_type: DocumentType) -> Option<&'static str> {
    match document_type {
        DocumentType::Passport => Some("PASSPORT"),
        DocumentType::NationalId => Some("NATIONAL_ID"),
        DocumentType::DriversLicense => Some("DRIVERS_LICENSE"),
        DocumentType::ResidencePermit => Some("RESIDENCE_PERMIT"),
        DocumentType::CertificateOfIncorporation => None,
    }
}

/// The attach body: the primary document (FRONT, and BACK when two-sided), a `SELFIE` entry when
/// a selfie was uploaded, the one address document, and `tos_policies_value`. The relay has
/// checked the submission against `kyc_core::Policy` for B before this is built.
pub fn attach_body(
    document_type: DocumentType,
    files: &[AttachFile],
    country: &str,
    state: Option<&str>,
    tos_policies_value: &str,
) -> Result<Value, ProviderError> {
    let kind = document_code(document_type).ok_or_else(|| ProviderError::Refused {
        status: 422,
        code: Some("invalid_document_type".to_owned()),
        message: format!(
            "provider B has no identifying document {}",
            document_type.code()
        ),
    })?;
    let uri = |slot: Slot| files.iter().find(|f| f.slot == slot).map(|f| &f.file_id);
    let mut sides = Vec::new();
    if let Some(front) = uri(Slot::Front) {
        sides.push(json!({"uri": front, "side": "FRONT"}));
    }
    if let Some(back) = uri(Slot::Back) {
        sides.push(json!({"uri": back, "side": "BACK"}));
    }
    let mut primary = json!({"type": kind, "country": country, "files": sides});
    if let Some(state) = state.map(str::trim).filter(|s| !s.is_empty()) {
        primary["state"] = json!(state);
    }
    let mut identifying = vec![primary];
    if let Some(selfie) = uri(Slot::Selfie) {
        identifying.push(json!({"type": "SELFIE", "files": [{"uri": selfie}]}));
    }
    // The document names no address document types, so none is claimed.
    let address: Vec<Value> = uri(Slot::ProofOfAddress)
        .map(|poa| json!({"files": [{"uri": poa}]}))
        .into_iter()
        .collect();
    Ok(json!({
        "identifying_documents": identifying,
        "address_documents": address,
        "tos_policies_value": tos_policies_value,
    }))
}

impl ProviderB {
    /// A client of the API at `base_url` (the sandbox's is `http://127.0.0.1:9090/b`),
    /// authenticated with the Bearer `api_key`.
    pub fn new(base_url: &str, api_key: &str, timeout: Duration) -> ProviderB {
        ProviderB {
            api: BearerApi::new(base_url, api_key, timeout),
            base_url: base_url.to_owned(),
        }
    }
}

impl ProviderAdapter for ProviderB {
    fn requires_person(&self) -> bool {
        true
    }

    fn holds_reference_once(&self) -> bool {
        // `external_id_taken`.
        true
    }

    fn create_customer<'a>(
        &'a self,
        spec: &'a CustomerSpec,
    ) -> BoxFuture<'a, Result<NewCustomer, ProviderError>> {
        async move {
            if spec.customer_type != CustomerType::Individual {
                return Err(ProviderError::Refused {
                    status: 422,
                    code: Some("business_not_supported".to_owned()),
                    message: "provider B verifies individual customers only".to_owned(),
                });
            }
            let person = spec.person.as_ref().ok_or_else(|| ProviderError::Refused {
                status: 422,
                code: Some("person_required".to_owned()),
                message: "provider B needs first_name, last_name and email".to_owned(),
            })?;
            let body = json!({
                "first_name": person.first_name,
                "last_name": person.last_name,
                "email": person.email,
                "external_id": spec.reference,
            });
            // Not retried: a lost answer could mean the customer exists, and a second create
            // would meet `external_id_taken`.
            let customer: Customer = send_once_json(
                self.api
                    .request(Method::POST, "/v2/customers/individual")
                    .json(&body),
            )
            .await?;
            let url = customer.tos_policies_url.ok_or_else(|| {
                ProviderError::Unavailable(
                    "the created customer has no tos_policies_url".to_owned(),
                )
            })?;
            // The widget puts it in an `<a href>`: a `javascript:` URL would run in the host page.
            if !storage::is_safe_link(&url, &self.base_url) {
                return Err(ProviderError::Untrusted(
                    "the customer's tos_policies_url is not an https URL".to_owned(),
                ));
            }
            let tos = tos_policies_value(&url).ok_or_else(|| {
                ProviderError::Unavailable(
                    "the customer's tos_policies_url has no tos_policies_value".to_owned(),
                )
            })?;
            Ok(NewCustomer {
                id: CustomerRef {
                    id: customer.id,
                    tos_policies_value: tos,
                }
                .encode(),
                // "Signifies the customer has accepted the Terms of Service": the widget links
                // to the page the value comes from.
                terms_of_service_url: Some(url),
            })
        }
        .boxed()
    }

    fn reuse_customer_after(&self, status: &VerificationStatus) -> bool {
        // "a customer_status of INCOMPLETE or ACTION_REQUIRED" may attach: a new session of a
        // customer that B asked for new documents attaches to the same B customer.
        matches!(status, VerificationStatus::Rejected { reason } if reason == ACTION_REQUIRED)
    }

    fn upload<'a>(
        &'a self,
        customer_id: &'a str,
        _slot: Slot,
        format: FileFormat,
        file: &'a Spool,
    ) -> BoxFuture<'a, Result<String, ProviderError>> {
        async move {
            let customer = CustomerRef::decode(customer_id)?;
            let path = format!("/v2/customers/{}/files", segment(&customer.id));
            // Sent once: B stores a file per POST, so a 5xx or a timeout after B stored it
            // and a blind retry would store it twice. The widget's retry (its
            // Idempotency-Key answered by the relay) is the retry.
            // The POST may start while the file is still arriving: its timeout counts from
            // when the file is complete.
            let sent = send_once_json(
                self.api
                    .request(Method::POST, &path)
                    .timeout(UNBOUNDED)
                    .header(reqwest::header::CONTENT_TYPE, format.mime())
                    .header(reqwest::header::CONTENT_LENGTH, file.len())
                    .body(file.body()),
            );
            let uploaded: Uploaded = after_sealed(file, self.api.timeout, sent).await?;
            Ok(uploaded.uri)
        }
        .boxed()
    }

    fn attach<'a>(
        &'a self,
        customer_id: &'a str,
        document_type: DocumentType,
        files: &'a [AttachFile],
        country: &'a str,
        state: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Option<String>, ProviderError>> {
        async move {
            let customer = CustomerRef::decode(customer_id)?;
            let body = attach_body(
                document_type,
                files,
                country,
                state,
                &customer.tos_policies_value,
            )?;
            let path = format!(
                "/v2/customers/individual/{}/documents",
                segment(&customer.id)
            );
            send_once_json::<Value>(self.api.request(Method::POST, &path).json(&body)).await?;
            Ok(None)
        }
        .boxed()
    }

    fn status<'a>(
        &'a self,
        customer_id: &'a str,
    ) -> BoxFuture<'a, Result<VerificationStatus, ProviderError>> {
        async move {
            let customer = CustomerRef::decode(customer_id)?;
            let path = format!("/v2/customers/{}", segment(&customer.id));
            let body = send(BACKOFF, || self.api.request(Method::GET, &path)).await?;
            let fresh: Customer = serde_json::from_slice(&body)
                .map_err(|err| ProviderError::Unavailable(format!("unreadable answer: {err}")))?;
            let reason = || {
                fresh
                    .rejection_reasons
                    .first()
                    .cloned()
                    .unwrap_or_else(|| "unspecified".to_owned())
            };
            Ok(match fresh.customer_status.as_str() {
                "ACTIVE" => VerificationStatus::Verified,
                "UNDER_REVIEW" => VerificationStatus::Pending,
                "REJECTED" => VerificationStatus::Rejected { reason: reason() },
                // B asks for new documents: "a customer_status of INCOMPLETE or
                // ACTION_REQUIRED" may attach again. The session ends with the reason
                // `action_required` (B's own reasons are logged); the customer's next session
                // attaches to the same B customer (`reuse_customer_after`).
                "ACTION_REQUIRED" => {
                    tracing::info!(
                        customer = customer.id,
                        reasons = ?fresh.rejection_reasons,
                        "B asks for new documents (ACTION_REQUIRED)"
                    );
                    VerificationStatus::Rejected {
                        reason: ACTION_REQUIRED.to_owned(),
                    }
                }
                _ => VerificationStatus::NotSubmitted,
            })
        }
        .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tos_value_is_the_query_parameter_of_the_url() {
        let url = "http://127.0.0.1:9090/b/tos?customer_id=c1&tos_policies_value=e9414388-fbdf";
        assert_eq!(tos_policies_value(url).as_deref(), Some("e9414388-fbdf"));
        assert_eq!(tos_policies_value("http://x/tos?customer_id=c1"), None);
        assert_eq!(tos_policies_value("http://x/tos?tos_policies_value="), None);
        assert_eq!(tos_policies_value("not a url"), None);
    }

    #[test]
    fn a_customer_ref_round_trips_and_garbage_is_refused() {
        let customer = CustomerRef {
            id: "c1".to_owned(),
            tos_policies_value: "t1".to_owned(),
        };
        assert_eq!(CustomerRef::decode(&customer.encode()).unwrap(), customer);
        for bad in ["c1", "#t1", "c1#", "c1#t1#x"] {
            assert!(CustomerRef::decode(bad).is_err(), "{bad:?}");
        }
    }

    fn file(slot: Slot, uri: &str) -> AttachFile {
        AttachFile {
            slot,
            file_id: uri.to_owned(),
        }
    }

    #[test]
    fn a_drivers_license_has_both_sides_its_state_a_selfie_and_one_address_document() {
        let files = [
            file(Slot::Front, "u/front"),
            file(Slot::Back, "u/back"),
            file(Slot::Selfie, "u/selfie"),
            file(Slot::ProofOfAddress, "u/poa"),
        ];
        let body = attach_body(
            DocumentType::DriversLicense,
            &files,
            "USA",
            Some("CA"),
            "tos",
        )
        .unwrap();
        assert_eq!(
            body,
            json!({
                "identifying_documents": [
                    {"type": "DRIVERS_LICENSE", "country": "USA", "state": "CA", "files": [
                        {"uri": "u/front", "side": "FRONT"}, {"uri": "u/back", "side": "BACK"}]},
                    {"type": "SELFIE", "files": [{"uri": "u/selfie"}]}
                ],
                "address_documents": [{"files": [{"uri": "u/poa"}]}],
                "tos_policies_value": "tos"
            })
        );
    }

    #[test]
    fn a_passport_has_one_front_file_and_no_state() {
        let files = [file(Slot::Front, "u/f"), file(Slot::ProofOfAddress, "u/p")];
        let body = attach_body(DocumentType::Passport, &files, "FRA", None, "tos").unwrap();
        assert_eq!(
            body["identifying_documents"],
            json!([{"type": "PASSPORT", "country": "FRA", "files": [{"uri": "u/f", "side": "FRONT"}]}])
        );
        assert!(attach_body(
            DocumentType::CertificateOfIncorporation,
            &files,
            "FRA",
            None,
            "tos"
        )
        .is_err());
    }
}
