//! Provider C: customer verifications (`c-customer-verifications.txt`).
//!
//! C's API has verifications and nothing else: "Customer verification tracks identity checks
//! and compliance validations performed through external verification providers", and create
//! "initiates a new verification for a customer by calling the verification provider and
//! storing the result". It has no file endpoint and no customer endpoint. So C does not take the
//! documents: the external verification provider does, and C records its check.
//!
//! Design:
//!
//! - **Where the files go.** To C's external verification provider, here Technest (provider D,
//!   [`VENDOR`]): the only document-taking API C can name that the relay already speaks with a
//!   server-side presigned PUT. A C session has a Technest customer; uploads are Technest's
//!   presigned URL and PUT ([`ProviderD`]), submit is Technest's `files/attach` and `kyc`
//!   acknowledgement. The relay stores no image bytes, as for every provider.
//! - **Which customer.** C's `customer_id` is "customer UUID" at C, which the host's backend
//!   knows: a C session's `customer_reference` is that UUID, optionally followed by `-<suffix>`
//!   (the relay's retries append `-r2`, ...). The Technest customer is created with the whole
//!   reference as its `customer_reference`, so C (which calls Technest) finds it by the UUID.
//!   Creating the session first lists the customer's verifications (`?customer_id=`), which
//!   checks the key and the id at C before anything is created.
//! - **The check.** After the attach, `POST /v1/customer-verifications` with
//!   `verification_type` `kyc` ("Use verifications for KYC/KYB compliance, age verification, or
//!   business entity validation": an individual's identity document is KYC), `check_type`
//!   [`CHECK_TYPE`] (`identity_document`; the document lists no values), `provider` [`VENDOR`]
//!   and `customer_id`. C answers with the verification "wrapped in data envelope"; its `id` is
//!   kept with the session (`<uuid>#<technest id>#<verification id>`, see [`CustomerRef`]). The
//!   create is not retried (a lost answer would make a second verification); a submit whose C
//!   call failed after the attach resumes at C's step (the Technest customer is then pending).
//! - **Status.** "Get a customer verification: Returns a single verification by ID", read while
//!   the session is pending (C names no webhooks). `pending` → pending; `verified` → verified;
//!   `failed` → rejected with C's `reason`; `expired` → rejected with reason
//!   [`EXPIRED_REASON`] (`verification_expired`), which the widget explains as a check that
//!   took too long. Without a stored verification id (its create answer was lost), the
//!   verification is found with the documented list filters `customer_id` and
//!   `verification_type`, newest first, following `cursor`, as the one whose `provider` and
//!   `provider_reference` are this session's Technest customer.
//! - **Retry.** A failed or expired check needs new documents, and Technest's "rejected records
//!   cannot be resubmitted": like D, a new session creates a new Technest customer with the
//!   reference suffixed `-r2`, ... (`new_customer_after_rejection`).
//! - **Business** (KYB, [`business`]): "Use verifications for KYC/KYB compliance [...] or
//!   business entity validation". The company itself uploads nothing: Technest onboards
//!   businesses separately ("Business/KYB goes through a separate onboarding") and C has no file
//!   endpoint, so `kyc_core::BusinessPolicy` takes no company document for C. The session's
//!   reference is the company's C customer UUID (as an individual's), its stored id
//!   `kyb#<country>#<verification ids>#<reference>` ([`BusinessRef`]).
//!   - *Owners.* Each beneficial owner is a person: created with its first file as its own
//!     Technest individual customer of the company's country, reference
//!     `<session reference>-o<8 hex digits>` (random, not a position: Technest lists no
//!     customers, so a creation whose answer was lost could never be found, and a fixed
//!     reference retried would be refused as taken; the lost one stays an empty customer no
//!     check ever reads). It starts with C's customer UUID, as C finds a Technest customer.
//!     Its files go there as an individual's; removing an owner before its first file never
//!     reaches Technest.
//!   - *Submit* (after `BusinessPolicy::check`): one owner after the other, the owner's files
//!     are attached at Technest (skipped when already attached) and a `kyc` verification
//!     (`check_type` [`CHECK_TYPE`], `provider` [`VENDOR`]) of the company's customer UUID is
//!     created; then the company's `business_entity` and `kyb` verifications, `provider`
//!     [`COMPANY_PROVIDER`] (`company_registry`), `check_type` [`COMPANY_CHECK_TYPE`]
//!     (assumption: the document names neither; Technest does not check companies here).
//!     Owner after owner because C's check is of the newest Technest customer with documents
//!     (the sandbox's reading, see its README): this owner's, when its attach came last.
//!     Each verification is created once: before creating one the submit looks for it with
//!     the list filters `customer_id` and `verification_type` (an owner's: `provider`
//!     technest and `provider_reference` its Technest customer; the company's: `provider`
//!     `company_registry` and `occurred_after` the session's first owner check, so a rejected
//!     session's older ones are not taken), so a submit resumed after a partial failure (or a
//!     lost answer) creates only the missing ones. The stored id then keeps every
//!     verification's id, the company's first.
//!   - *Status*: each verification read by id; verified when all are verified, rejected with
//!     the reason of the first failed or expired one (the company's first, then the owners'
//!     in order), pending otherwise; not submitted before the ids are stored.
//!   - *Retry* after a rejection: the new session (`-r2`) keeps the company and the owners'
//!     names but not their Technest customers (rejected or verified records take no new
//!     documents): each owner is created anew with its first file, every check anew.

use std::time::Duration;

use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use kyc_core::{c_customer_uuid, CustomerType, DocumentType, FileFormat, Slot, VerificationStatus};
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::adapter::{AttachFile, BusinessDocuments, CustomerSpec, NewCustomer, ProviderAdapter};
use super::d::ProviderD;
use super::error::ProviderError;
use super::http::{segment, send_json, send_once_json, BearerApi, BACKOFF};
use crate::spool::Spool;

mod business;

pub use business::{business_status, BusinessRef, COMPANY_CHECK_TYPE, COMPANY_PROVIDER};

/// The external verification provider C's checks name, which takes the documents.
pub const VENDOR: &str = "technest";
/// The `check_type` of the relay's verifications.
pub const CHECK_TYPE: &str = "identity_document";
/// The `verification_type` of an individual's identity check.
pub const VERIFICATION_TYPE: &str = "kyc";
/// The rejection reason of a verification that expired before its check ended.
pub const EXPIRED_REASON: &str = "verification_expired";
/// The page size the relay asks C's list for.
const PAGE_SIZE: usize = 100;
/// Pages the lookup without a verification id reads at most.
const LOOKUP_PAGES: usize = 10;

/// A client of provider C's customer verifications, with the external verification provider
/// that takes the documents.
#[derive(Clone, Debug)]
pub struct ProviderC {
    api: BearerApi,
    vendor: ProviderD,
}

/// A verification, as C returns it inside `data`.
#[derive(Clone, Debug, Deserialize)]
pub struct Verification {
    /// Verification UUID.
    pub id: String,
    /// `pending`, `verified`, `failed` or `expired`.
    pub status: String,
    /// Why it failed or expired.
    #[serde(default)]
    pub reason: Option<String>,
    /// The external verification provider.
    #[serde(default)]
    pub provider: Option<String>,
    /// The check's reference at the external verification provider.
    #[serde(default)]
    pub provider_reference: Option<String>,
    /// When it was created (RFC 3339), as C's list filters compare it.
    #[serde(default)]
    pub created_at: Option<String>,
}

#[derive(Deserialize)]
struct One {
    data: Verification,
}

#[derive(Deserialize)]
struct Page {
    data: Vec<Verification>,
    #[serde(default)]
    next_cursor: Option<String>,
    /// Whether more pages follow, where C says it.
    #[serde(default)]
    has_more: Option<bool>,
}

/// The cursor of the page after one of `len` verifications, `None` after the last. A page that
/// says more follow (`has_more`), or a full one that does not say, without a cursor is refused:
/// a verification not found in the part read would be taken for one never made.
fn next_cursor(
    cursor: Option<String>,
    has_more: Option<bool>,
    len: usize,
) -> Result<Option<String>, ProviderError> {
    match (cursor, has_more) {
        (Some(next), _) if !next.is_empty() => Ok(Some(next)),
        (_, Some(false)) => Ok(None),
        (_, Some(true)) => Err(ProviderError::Unavailable(
            "C's list says more verifications follow but gives no next_cursor".to_owned(),
        )),
        (_, None) if len >= PAGE_SIZE => Err(ProviderError::Unavailable(format!(
            "C's list answered a full page of {len} verifications without a next_cursor"
        ))),
        (_, None) => Ok(None),
    }
}

/// The relay's stored id of a C session: C's customer UUID, the Technest customer's id, and
/// the verification's id once it exists, written `<uuid>#<technest id>[#<verification id>]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomerRef {
    /// C's customer UUID.
    pub customer_id: String,
    /// The Technest customer that holds the documents.
    pub vendor_customer_id: String,
    /// C's verification, once created.
    pub verification_id: Option<String>,
}

impl CustomerRef {
    /// The stored form.
    pub fn encode(&self) -> String {
        match &self.verification_id {
            Some(verification) => format!(
                "{}#{}#{verification}",
                self.customer_id, self.vendor_customer_id
            ),
            None => format!("{}#{}", self.customer_id, self.vendor_customer_id),
        }
    }

    /// The parts of a stored id; an error if it is not of the stored form.
    pub fn decode(stored: &str) -> Result<CustomerRef, ProviderError> {
        let parts: Vec<&str> = stored.split('#').collect();
        match parts.as_slice() {
            [customer, vendor, rest @ ..]
                if hyphenated_uuid(customer).is_some()
                    && !vendor.is_empty()
                    && rest.len() <= 1
                    && rest.iter().all(|v| !v.is_empty()) =>
            {
                Ok(CustomerRef {
                    customer_id: (*customer).to_owned(),
                    vendor_customer_id: (*vendor).to_owned(),
                    verification_id: rest.first().map(|v| (*v).to_owned()),
                })
            }
            _ => Err(ProviderError::Unavailable(format!(
                "stored C customer id {stored:?} is not <uuid>#<technest id>[#<verification id>]"
            ))),
        }
    }
}

/// `text` as a UUID, when it is one in its 8-4-4-4-12 hexadecimal form (the only form of 36
/// characters; the other forms [`Uuid::try_parse`] takes are not C's).
fn hyphenated_uuid(text: &str) -> Option<Uuid> {
    if text.len() != 36 {
        return None;
    }
    Uuid::try_parse(text).ok()
}

/// C's customer UUID in a session's `customer_reference`, or the refusal naming the form.
fn checked_customer(reference: &str) -> Result<String, ProviderError> {
    c_customer_uuid(reference).ok_or_else(|| ProviderError::Refused {
        status: 422,
        code: Some("invalid_customer_reference".to_owned()),
        message: "provider C identifies customers by UUID: customer_reference must be the \
                  customer's UUID at C, optionally followed by -<suffix>"
            .to_owned(),
    })
}

/// The relay's status of a C verification.
pub fn verification_status(
    verification: &Verification,
) -> Result<VerificationStatus, ProviderError> {
    match verification.status.as_str() {
        "pending" => Ok(VerificationStatus::Pending),
        "verified" => Ok(VerificationStatus::Verified),
        "failed" => Ok(VerificationStatus::Rejected {
            reason: verification
                .reason
                .clone()
                .filter(|r| !r.trim().is_empty())
                .unwrap_or_else(|| "unspecified".to_owned()),
        }),
        // The check did not end in time: the widget says so, whatever C's reason says (an
        // admin's expiry says `admin_override`).
        "expired" => Ok(VerificationStatus::Rejected {
            reason: EXPIRED_REASON.to_owned(),
        }),
        other => Err(ProviderError::Unavailable(format!(
            "verification {} has an unknown status {other:?}",
            verification.id
        ))),
    }
}

impl ProviderC {
    /// A client of C's API at `base_url` (the sandbox's is `http://127.0.0.1:9090/c`) with the
    /// Bearer `api_key`; the documents go to `vendor`, the Technest API C's checks call.
    pub fn new(base_url: &str, api_key: &str, vendor: ProviderD, timeout: Duration) -> ProviderC {
        ProviderC {
            api: BearerApi::new(base_url, api_key, timeout),
            vendor,
        }
    }

    /// One page of the customer's verifications of `kind` (C's `verification_type`), created at
    /// or after `since` when given, newest first.
    async fn page(
        &self,
        customer_id: &str,
        kind: &str,
        since: Option<&str>,
        cursor: Option<&str>,
    ) -> Result<Page, ProviderError> {
        let limit = PAGE_SIZE.to_string();
        let mut query = vec![
            ("customer_id", customer_id),
            ("verification_type", kind),
            ("limit", &limit),
        ];
        if let Some(since) = since {
            query.push(("occurred_after", since));
        }
        if let Some(cursor) = cursor {
            query.push(("cursor", cursor));
        }
        send_json(BACKOFF, || {
            self.api
                .request(Method::GET, "/v1/customer-verifications")
                .query(&query)
        })
        .await
    }

    /// The verification of this session's Technest customer, found through the list (newest
    /// first, following the cursor), when its id is not stored.
    async fn find(&self, customer: &CustomerRef) -> Result<Option<Verification>, ProviderError> {
        self.find_where(&customer.customer_id, VERIFICATION_TYPE, None, |v| {
            v.provider.as_deref() == Some(VENDOR)
                && v.provider_reference.as_deref() == Some(customer.vendor_customer_id.as_str())
        })
        .await
    }

    /// The newest verification of `kind` of the customer (created at or after `since` when
    /// given) that `wanted` picks, found through the list following the cursor.
    async fn find_where(
        &self,
        customer_id: &str,
        kind: &str,
        since: Option<&str>,
        wanted: impl Fn(&Verification) -> bool,
    ) -> Result<Option<Verification>, ProviderError> {
        let mut cursor: Option<String> = None;
        for _ in 0..LOOKUP_PAGES {
            let page = self
                .page(customer_id, kind, since, cursor.as_deref())
                .await?;
            let page_len = page.data.len();
            let found = page.data.into_iter().find(&wanted);
            if found.is_some() {
                return Ok(found);
            }
            match next_cursor(page.next_cursor, page.has_more, page_len)? {
                Some(next) => cursor = Some(next),
                None => return Ok(None),
            }
        }
        // Not found is not said of a list read only in part: the caller would take the check
        // for never made (a status of not submitted, or a second verification created).
        Err(ProviderError::Unavailable(format!(
            "C's list of the customer's verifications has more than {} pages of {PAGE_SIZE}",
            LOOKUP_PAGES
        )))
    }

    /// Creates a verification of `kind` for the customer. Not retried: a lost answer would make
    /// a second verification; the callers find it through the list instead.
    async fn create(
        &self,
        customer_id: &str,
        kind: &str,
        check_type: &str,
        provider: &str,
    ) -> Result<Verification, ProviderError> {
        let body = json!({
            "check_type": check_type,
            "customer_id": customer_id,
            "provider": provider,
            "verification_type": kind,
        });
        let created: One = send_once_json(
            self.api
                .request(Method::POST, "/v1/customer-verifications")
                .json(&body),
        )
        .await?;
        Ok(created.data)
    }

    /// Attaches a person's documents at Technest, unless its customer there has them already: a
    /// Technest customer under review got them from a submit whose C call failed, which resumes
    /// at C's step.
    async fn attach_at_vendor(
        &self,
        vendor_customer_id: &str,
        document_type: DocumentType,
        files: &[AttachFile],
        country: &str,
        state: Option<&str>,
    ) -> Result<(), ProviderError> {
        let vendor_status = self.vendor.status(vendor_customer_id).await?;
        if vendor_status == VerificationStatus::NotSubmitted {
            self.vendor
                .attach(vendor_customer_id, document_type, files, country, state)
                .await?;
        } else {
            tracing::warn!(
                customer = vendor_customer_id,
                "documents already attached at {VENDOR}; creating C's verification"
            );
        }
        Ok(())
    }

    /// The verification with this id.
    async fn get(&self, id: &str) -> Result<Verification, ProviderError> {
        let path = format!("/v1/customer-verifications/{}", segment(id));
        let one: One = send_json(BACKOFF, || self.api.request(Method::GET, &path)).await?;
        Ok(one.data)
    }
}

impl ProviderAdapter for ProviderC {
    fn final_status_can_change(&self) -> bool {
        // C: `PATCH /v1/customer-verifications/{id}/status`, an admin's override of any status.
        true
    }

    fn new_customer_after_rejection(&self) -> bool {
        // The documents are Technest's, whose rejected records cannot be resubmitted.
        true
    }

    fn create_customer<'a>(
        &'a self,
        spec: &'a CustomerSpec,
    ) -> BoxFuture<'a, Result<NewCustomer, ProviderError>> {
        async move {
            let customer_id = checked_customer(&spec.reference)?;
            // Checks the key and the customer id at C before anything is made.
            self.page(&customer_id, VERIFICATION_TYPE, None, None)
                .await?;
            if spec.customer_type == CustomerType::Business {
                return Ok(NewCustomer {
                    id: BusinessRef::new(spec).encode(),
                    terms_of_service_url: None,
                });
            }
            let vendor_customer_id = self.vendor.create_customer(spec).await?.id;
            Ok(NewCustomer {
                id: CustomerRef {
                    customer_id,
                    vendor_customer_id,
                    verification_id: None,
                }
                .encode(),
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
        async move {
            let customer = CustomerRef::decode(customer_id)?;
            self.vendor
                .upload(&customer.vendor_customer_id, slot, format, file)
                .await
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
            let mut customer = CustomerRef::decode(customer_id)?;
            self.attach_at_vendor(
                &customer.vendor_customer_id,
                document_type,
                files,
                country,
                state,
            )
            .await?;
            // Not retried: a lost answer would make a second verification; the relay reads the
            // status instead, which finds the verification through the list.
            let created = self
                .create(&customer.customer_id, VERIFICATION_TYPE, CHECK_TYPE, VENDOR)
                .await?;
            customer.verification_id = Some(created.id);
            Ok(Some(customer.encode()))
        }
        .boxed()
    }

    fn create_owner<'a>(
        &'a self,
        customer_id: &'a str,
        _name: &'a str,
    ) -> BoxFuture<'a, Result<String, ProviderError>> {
        async move {
            let business = BusinessRef::decode(customer_id)?;
            self.create_business_owner(&business).await
        }
        .boxed()
    }

    fn owners<'a>(
        &'a self,
        customer_id: &'a str,
    ) -> BoxFuture<'a, Result<Vec<(String, String)>, ProviderError>> {
        async move {
            BusinessRef::decode(customer_id)?;
            // Technest lists no customers: an owner whose creation's answer was lost stays an
            // empty Technest customer that no verification ever checks (see `business`).
            Ok(Vec::new())
        }
        .boxed()
    }

    fn upload_owner_file<'a>(
        &'a self,
        customer_id: &'a str,
        owner_id: &'a str,
        slot: Slot,
        _document_type: DocumentType,
        format: FileFormat,
        file: &'a Spool,
    ) -> BoxFuture<'a, Result<String, ProviderError>> {
        async move {
            BusinessRef::decode(customer_id)?;
            // The document type is named at the attach, as for an individual at Technest.
            self.vendor.upload(owner_id, slot, format, file).await
        }
        .boxed()
    }

    fn attach_business<'a>(
        &'a self,
        customer_id: &'a str,
        business: &'a BusinessDocuments,
    ) -> BoxFuture<'a, Result<Option<String>, ProviderError>> {
        async move {
            let stored = BusinessRef::decode(customer_id)?;
            let sent = self.send_business(stored, business).await?;
            Ok(Some(sent.encode()))
        }
        .boxed()
    }

    fn status<'a>(
        &'a self,
        customer_id: &'a str,
    ) -> BoxFuture<'a, Result<VerificationStatus, ProviderError>> {
        async move {
            if BusinessRef::is_business(customer_id) {
                let business = BusinessRef::decode(customer_id)?;
                return self.business_status(&business).await;
            }
            let customer = CustomerRef::decode(customer_id)?;
            let verification = match &customer.verification_id {
                Some(id) => self.get(id).await?,
                None => match self.find(&customer).await? {
                    Some(found) => found,
                    None => return Ok(VerificationStatus::NotSubmitted),
                },
            };
            verification_status(&verification)
        }
        .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const UUID: &str = "8f14e45f-ceea-467f-a0e6-1b2c3d4e5f60";

    #[test]
    fn a_list_read_in_part_is_refused_and_its_last_page_ends_it() {
        let next =
            |cursor: Option<&str>, more, len| next_cursor(cursor.map(str::to_owned), more, len);
        for more in [None, Some(true), Some(false)] {
            assert_eq!(
                next(Some("p2"), more, PAGE_SIZE).unwrap().as_deref(),
                Some("p2")
            );
        }
        // The last page: short, or full and saying nothing follows (exactly 100).
        assert_eq!(next(None, None, PAGE_SIZE - 1).unwrap(), None);
        assert_eq!(next(Some(""), None, 0).unwrap(), None);
        assert_eq!(next(None, Some(false), PAGE_SIZE).unwrap(), None);
        // More pages, and no way to read them.
        for (cursor, more, len) in [
            (None, None, PAGE_SIZE),
            (Some(""), None, PAGE_SIZE),
            (None, Some(true), 3),
        ] {
            assert!(
                matches!(next(cursor, more, len), Err(ProviderError::Unavailable(_))),
                "{cursor:?} {more:?} {len}"
            );
        }
    }

    #[test]
    fn the_customer_uuid_is_the_reference_or_its_start_before_a_suffix() {
        assert_eq!(c_customer_uuid(UUID).as_deref(), Some(UUID));
        assert_eq!(
            c_customer_uuid(&format!("{UUID}-r2")).as_deref(),
            Some(UUID)
        );
        assert_eq!(
            c_customer_uuid(&UUID.to_ascii_uppercase()).as_deref(),
            Some(UUID)
        );
        for bad in [
            "alice",
            "",
            &format!("{UUID}x"),
            &UUID[..35],
            "8f14e45f-ceea-467f-a0e6-1b2c3d4e5f6g",
        ] {
            assert_eq!(c_customer_uuid(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_customer_ref_round_trips_and_garbage_is_refused() {
        let mut customer = CustomerRef {
            customer_id: UUID.to_owned(),
            vendor_customer_id: "cus_1".to_owned(),
            verification_id: None,
        };
        assert_eq!(CustomerRef::decode(&customer.encode()).unwrap(), customer);
        customer.verification_id = Some("v1".to_owned());
        assert_eq!(customer.encode(), format!("{UUID}#cus_1#v1"));
        assert_eq!(CustomerRef::decode(&customer.encode()).unwrap(), customer);
        for bad in [
            "cus_1".to_owned(),
            format!("{UUID}#"),
            format!("{UUID}#cus_1#"),
            format!("{UUID}#cus_1#v1#x"),
            "alice#cus_1".to_owned(),
        ] {
            assert!(CustomerRef::decode(&bad).is_err(), "{bad:?}");
        }
    }

    fn verification(status: &str, reason: Option<&str>) -> Verification {
        Verification {
            id: "v1".to_owned(),
            status: status.to_owned(),
            reason: reason.map(str::to_owned),
            provider: Some(VENDOR.to_owned()),
            provider_reference: Some("cus_1".to_owned()),
            created_at: None,
        }
    }

    #[test]
    fn each_lifecycle_status_maps_to_the_relay_status() {
        let rejected = |reason: &str| VerificationStatus::Rejected {
            reason: reason.to_owned(),
        };
        let cases = [
            (verification("pending", None), VerificationStatus::Pending),
            (verification("verified", None), VerificationStatus::Verified),
            (
                verification("failed", Some("face_mismatch")),
                rejected("face_mismatch"),
            ),
            (verification("failed", None), rejected("unspecified")),
            (
                verification("expired", Some("admin_override")),
                rejected(EXPIRED_REASON),
            ),
        ];
        for (verification, expected) in cases {
            assert_eq!(verification_status(&verification).unwrap(), expected);
        }
        assert!(verification_status(&verification("archived", None)).is_err());
    }
}
