//! The providers behind one trait: the relay's routes never know which one they talk to.

pub mod a;
pub mod b;
pub mod c;
mod http;
mod technest;

use std::fmt;

use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use kyc_core::{CustomerType, DocumentType, FileFormat, Slot, VerificationStatus};

pub use a::ProviderA;
pub use b::ProviderB;
pub use c::ProviderC;
pub use technest::Technest;

use crate::spool::Spool;

/// The customer a session verifies, as the provider is told about it.
#[derive(Clone, Debug)]
pub struct CustomerSpec {
    /// The host's reference (D: `customer_reference`).
    pub reference: String,
    /// Individual or business.
    pub customer_type: CustomerType,
    /// ISO 3166-1 alpha-3.
    pub country: String,
    /// The person's details, for providers that need them to create a customer (B).
    pub person: Option<Person>,
}

/// Who the customer is, as the host's backend knows them. Passed to the provider, never stored
/// by the relay.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// E-mail address.
    pub email: String,
}

/// A file in the provider's storage, ready to attach.
#[derive(Clone, Debug)]
pub struct AttachFile {
    /// The slot it fills.
    pub slot: Slot,
    /// The provider's id for it.
    pub file_id: String,
}

/// A customer created at the provider ([`ProviderAdapter::open_customer`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCustomer {
    /// The provider's id for the customer, as the relay stores it.
    pub id: String,
    /// The provider's terms of service page for this customer, when it gives one (B's
    /// `tos_policies_url`); the widget links to it.
    pub terms_of_service_url: Option<String>,
}

/// What a provider can do for the relay.
pub trait ProviderAdapter: Send + Sync {
    /// Whether creating a customer needs [`CustomerSpec::person`] (B: first and last name and
    /// e-mail). The relay refuses a session without them (400) before calling the provider.
    fn requires_person(&self) -> bool {
        false
    }

    /// Whether a rejected customer can never be submitted again, so a new attempt needs a new
    /// customer record (D: "a rejected customer cannot be resubmitted"). The relay then creates
    /// it with the host's reference suffixed `-r2`, `-r3`, ... (references are unique there).
    fn new_customer_after_rejection(&self) -> bool {
        false
    }

    /// Creates the customer and returns the provider's id for it.
    fn create_customer<'a>(
        &'a self,
        spec: &'a CustomerSpec,
    ) -> BoxFuture<'a, Result<String, ProviderError>>;

    /// Creates the customer, with what the provider tells about it beyond its id (B: the
    /// terms of service URL). The default is [`ProviderAdapter::create_customer`] alone.
    fn open_customer<'a>(
        &'a self,
        spec: &'a CustomerSpec,
    ) -> BoxFuture<'a, Result<NewCustomer, ProviderError>> {
        async move {
            Ok(NewCustomer {
                id: self.create_customer(spec).await?,
                terms_of_service_url: None,
            })
        }
        .boxed()
    }

    /// Whether a new session of a customer whose latest session ended with `status` verifies
    /// the same provider customer again instead of creating one (B: an attach is allowed again
    /// in `ACTION_REQUIRED`). The default is never.
    fn reuse_customer_after(&self, _status: &VerificationStatus) -> bool {
        false
    }

    /// Stores one file server-side (presigned URL, then PUT) and returns its file id. The
    /// bytes are streamed from `file` with its `Content-Length`; a retried request streams them
    /// again from the start.
    fn upload<'a>(
        &'a self,
        customer_id: &'a str,
        slot: Slot,
        format: FileFormat,
        file: &'a Spool,
    ) -> BoxFuture<'a, Result<String, ProviderError>>;

    /// Attaches the uploaded files, which starts verification. `country` is the document's
    /// issuing country (ISO alpha-3), as the user chose it; `state` the US state of a
    /// driver's license, where given.
    fn attach<'a>(
        &'a self,
        customer_id: &'a str,
        document_type: DocumentType,
        files: &'a [AttachFile],
        country: &'a str,
        state: Option<&'a str>,
    ) -> BoxFuture<'a, Result<(), ProviderError>>;

    /// Attaches like [`ProviderAdapter::attach`] and returns the provider customer id the relay
    /// keeps from now on, when the attach made a record the status is read from (C: the
    /// verification's id); `None` keeps the stored id. The default is `attach`.
    fn start_verification<'a>(
        &'a self,
        customer_id: &'a str,
        document_type: DocumentType,
        files: &'a [AttachFile],
        country: &'a str,
        state: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Option<String>, ProviderError>> {
        async move {
            self.attach(customer_id, document_type, files, country, state)
                .await?;
            Ok(None)
        }
        .boxed()
    }

    /// The status change a verified webhook event of this provider reports, if it reports
    /// one (`None` for event types that carry no verification result). Providers without
    /// webhooks keep the default.
    fn webhook_update(&self, _event: &serde_json::Value) -> Option<WebhookUpdate> {
        None
    }

    /// The customer's verification status, fresh from the provider.
    fn status<'a>(
        &'a self,
        customer_id: &'a str,
    ) -> BoxFuture<'a, Result<VerificationStatus, ProviderError>>;
}

/// A verification result delivered by a provider's webhook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookUpdate {
    /// The provider's customer id, as the relay stores it.
    pub customer_id: String,
    /// The new status (verified or rejected).
    pub status: VerificationStatus,
}

/// The status a customer record of A or D reports (`verified`, `rejected` with its reason,
/// `pending`; anything else is not submitted yet).
pub(crate) fn customer_status(status: &str, rejection_reason: Option<&str>) -> VerificationStatus {
    match status {
        "verified" => VerificationStatus::Verified,
        "rejected" => VerificationStatus::Rejected {
            reason: rejection_reason.unwrap_or("unspecified").to_owned(),
        },
        "pending" => VerificationStatus::Pending,
        _ => VerificationStatus::NotSubmitted,
    }
}

/// The result of an event `{"type", "data": {"customer_id", "status", "rejection_reason"}}`
/// whose type is one of `types` (A's `customer.verified`/`customer.rejected`, D's
/// `customer.status_changed`); only final statuses (`verified`, `rejected`) are results.
pub(crate) fn customer_status_event(
    event: &serde_json::Value,
    types: &[&str],
) -> Option<WebhookUpdate> {
    let kind = event.get("type")?.as_str()?;
    if !types.contains(&kind) {
        return None;
    }
    let data = event.get("data")?;
    let customer_id = data.get("customer_id")?.as_str()?.to_owned();
    let reason = data.get("rejection_reason").and_then(|r| r.as_str());
    let status = match customer_status(data.get("status")?.as_str()?, reason) {
        status @ (VerificationStatus::Verified | VerificationStatus::Rejected { .. }) => status,
        _ => return None,
    };
    Some(WebhookUpdate {
        customer_id,
        status,
    })
}

/// A provider call that failed.
#[derive(Debug)]
pub enum ProviderError {
    /// The provider answered with an error status.
    Refused {
        /// The HTTP status.
        status: u16,
        /// The provider's error code, when it gave one.
        code: Option<String>,
        /// The provider's message, or the body.
        message: String,
    },
    /// No usable answer: connection refused, timeout, unreadable body.
    Unavailable(String),
}

impl ProviderError {
    /// The provider's error code, if any.
    pub fn code(&self) -> Option<String> {
        match self {
            ProviderError::Refused { code, .. } => code.clone(),
            ProviderError::Unavailable(_) => None,
        }
    }

    /// Whether the provider said the request conflicts with the customer's state (409).
    pub fn is_conflict(&self) -> bool {
        matches!(self, ProviderError::Refused { status: 409, .. })
    }

    /// Whether trying again later can help (timeouts, connection errors, 5xx).
    pub fn is_transient(&self) -> bool {
        match self {
            ProviderError::Refused { status, .. } => *status >= 500,
            ProviderError::Unavailable(_) => true,
        }
    }
}

impl fmt::Display for ProviderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProviderError::Refused {
                status,
                code,
                message,
            } => {
                write!(f, "provider answered {status}")?;
                if let Some(code) = code {
                    write!(f, " ({code})")?;
                }
                write!(f, ": {message}")
            }
            ProviderError::Unavailable(why) => write!(f, "provider unavailable: {why}"),
        }
    }
}

impl std::error::Error for ProviderError {}
