//! What the relay asks of a provider ([`ProviderAdapter`]), and the values that cross it.

use futures_util::future::BoxFuture;
use kyc_core::{CompanyDocument, CustomerType, DocumentType, FileFormat, Slot, VerificationStatus};

use super::error::ProviderError;
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

/// A beneficial owner's identity document, as a business submission sends it
/// ([`ProviderAdapter::attach_business`]).
#[derive(Clone, Debug)]
pub struct OwnerDocument {
    /// The provider's id of the owner ([`ProviderAdapter::create_owner`]).
    pub owner_id: String,
    /// The owner's identity document.
    pub document_type: DocumentType,
    /// Its sides, as uploaded with [`ProviderAdapter::upload_owner_file`].
    pub files: Vec<AttachFile>,
}

/// What a business submission sends ([`ProviderAdapter::attach_business`]).
#[derive(Clone, Debug)]
pub struct BusinessDocuments {
    /// The company's documents: `(document, file id)`.
    pub company: Vec<(CompanyDocument, String)>,
    /// Every owner's identity document, in the order the owners were added.
    pub owners: Vec<OwnerDocument>,
    /// Where the company is registered (ISO alpha-3), as the user chose it.
    pub country: String,
}

/// A customer created at the provider ([`ProviderAdapter::create_customer`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCustomer {
    /// The provider's id for the customer, as the relay stores it.
    pub id: String,
    /// The provider's terms of service page for this customer, when it gives one (B's
    /// `tos_policies_url`); the widget links to it.
    pub terms_of_service_url: Option<String>,
}

/// A verification result delivered by a provider's webhook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookUpdate {
    /// The provider's customer id, as the relay stores it.
    pub customer_id: String,
    /// The new status (verified or rejected).
    pub status: VerificationStatus,
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

    /// Whether the provider holds a customer reference once, for good (D's
    /// `customer_reference_taken`, B's `external_id_taken`): a customer it verified cannot be
    /// created again under the same reference, so the relay answers a new session of a verified
    /// customer itself (409 `already_verified`) instead of passing on the provider's conflict.
    fn holds_reference_once(&self) -> bool {
        false
    }

    /// Whether a final status (verified, rejected) can still change at the provider (C: an
    /// admin "status override"); the relay then keeps reading it for
    /// [`crate::RelayConfig::final_status_window`].
    fn final_status_can_change(&self) -> bool {
        false
    }

    /// Creates the customer: the provider's id for it, with what the provider tells about it
    /// beyond its id (B: the terms of service URL).
    fn create_customer<'a>(
        &'a self,
        spec: &'a CustomerSpec,
    ) -> BoxFuture<'a, Result<NewCustomer, ProviderError>>;

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
    /// driver's license, where given. Returns the provider customer id the relay keeps from
    /// now on when the attach made a record the status is read from (C: the verification's
    /// id); `None` keeps the stored id.
    fn attach<'a>(
        &'a self,
        customer_id: &'a str,
        document_type: DocumentType,
        files: &'a [AttachFile],
        country: &'a str,
        state: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Option<String>, ProviderError>>;

    /// The status change a verified webhook event of this provider reports, if it reports
    /// one (`None` for event types that carry no verification result). Providers without
    /// webhooks keep the default.
    fn webhook_update(&self, _event: &serde_json::Value) -> Option<WebhookUpdate> {
        None
    }

    /// Creates a beneficial owner named `name` of the business customer: the provider's id of
    /// it. Providers without business customers keep the default (refused).
    fn create_owner<'a>(
        &'a self,
        _customer_id: &'a str,
        _name: &'a str,
    ) -> BoxFuture<'a, Result<String, ProviderError>> {
        Box::pin(async { Err(no_business()) })
    }

    /// The owners the provider has for the business customer: `(id, name)`, in creation order
    /// (to find an owner whose creation's answer was lost).
    fn owners<'a>(
        &'a self,
        _customer_id: &'a str,
    ) -> BoxFuture<'a, Result<Vec<(String, String)>, ProviderError>> {
        Box::pin(async { Err(no_business()) })
    }

    /// Stores one side (`slot`) of an owner's identity document `document_type`: its file id.
    fn upload_owner_file<'a>(
        &'a self,
        _customer_id: &'a str,
        _owner_id: &'a str,
        _slot: Slot,
        _document_type: DocumentType,
        _format: FileFormat,
        _file: &'a Spool,
    ) -> BoxFuture<'a, Result<String, ProviderError>> {
        Box::pin(async { Err(no_business()) })
    }

    /// Stores one company document: its file id.
    fn upload_company_document<'a>(
        &'a self,
        _customer_id: &'a str,
        _document: CompanyDocument,
        _format: FileFormat,
        _file: &'a Spool,
    ) -> BoxFuture<'a, Result<String, ProviderError>> {
        Box::pin(async { Err(no_business()) })
    }

    /// Sends the business for review: A attaches the company's documents (its owners' files
    /// are with their owners already); C checks each owner's document and the company as
    /// verifications. Returns the provider customer id the relay keeps from now on, as
    /// [`ProviderAdapter::attach`] does (C: the verifications' ids); `None` keeps the stored id.
    fn attach_business<'a>(
        &'a self,
        _customer_id: &'a str,
        _business: &'a BusinessDocuments,
    ) -> BoxFuture<'a, Result<Option<String>, ProviderError>> {
        Box::pin(async { Err(no_business()) })
    }

    /// The customer's verification status, fresh from the provider.
    fn status<'a>(
        &'a self,
        customer_id: &'a str,
    ) -> BoxFuture<'a, Result<VerificationStatus, ProviderError>>;
}

/// A provider's refusal of business customers, as the providers that have none answer it.
fn no_business() -> ProviderError {
    ProviderError::Refused {
        status: 422,
        code: Some("business_not_supported".to_owned()),
        message: "this provider verifies no business customers in this flow".to_owned(),
    }
}
