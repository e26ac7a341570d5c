//! What C's document (`c-customer-verifications.txt`) requires of a request: the body of a new
//! verification, the list filters with their bounds, and the status override's transitions.

use base64::Engine;
use jiff::Timestamp;
use serde::Deserialize;

use super::records::Verification;
use crate::error::ApiError;
use crate::ids::is_uuid;

/// Verification statuses.
pub const STATUSES: [&str; 4] = ["pending", "verified", "failed", "expired"];
/// Verification types: "KYC/KYB compliance, age verification, or business entity validation".
pub const VERIFICATION_TYPES: [&str; 4] = ["kyc", "kyb", "age_verification", "business_entity"];
/// The `provider` whose checks the sandbox's C delegates to its provider D (Technest).
pub const VENDOR_D: &str = "technest";
/// Default and largest page sizes.
pub const DEFAULT_LIMIT: usize = 20;
/// The largest `limit`.
pub const MAX_LIMIT: usize = 100;

/// The body of `POST /v1/customer-verifications`.
#[derive(Deserialize)]
pub(super) struct CreateVerification {
    pub(super) check_type: String,
    pub(super) customer_id: String,
    pub(super) provider: String,
    pub(super) verification_type: String,
}

impl CreateVerification {
    /// 422 unless `customer_id` is a UUID, `verification_type` a known one, and `check_type` and
    /// `provider` are not empty.
    pub(super) fn validate(&self) -> Result<(), ApiError> {
        if !is_uuid(&self.customer_id) {
            return Err(ApiError::unprocessable(
                "invalid_customer_id",
                "customer_id must be a UUID",
            ));
        }
        if !VERIFICATION_TYPES.contains(&self.verification_type.as_str()) {
            return Err(ApiError::unprocessable(
                "invalid_verification_type",
                format!(
                    "verification_type must be one of {}",
                    VERIFICATION_TYPES.join(", ")
                ),
            ));
        }
        for (field, value) in [
            ("check_type", &self.check_type),
            ("provider", &self.provider),
        ] {
            if value.trim().is_empty() {
                return Err(ApiError::unprocessable(
                    &format!("invalid_{field}"),
                    format!("{field} must not be empty"),
                ));
            }
        }
        Ok(())
    }
}

/// The query of `GET /v1/customer-verifications`, as sent.
#[derive(Deserialize)]
pub(super) struct ListQuery {
    customer_id: Option<String>,
    status: Option<String>,
    verification_type: Option<String>,
    occurred_after: Option<String>,
    occurred_before: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

/// A checked list query: which verifications, and how many.
pub(super) struct Filter {
    customer: Option<String>,
    status: Option<String>,
    verification_type: Option<String>,
    after: Option<Timestamp>,
    before: Option<Timestamp>,
    /// Only verifications older than the cursor's.
    cursor: Option<u64>,
    /// The page size.
    pub(super) limit: usize,
}

impl ListQuery {
    /// The filter the query asks for; 400 `invalid_parameter` or `invalid_cursor` naming what
    /// is wrong.
    pub(super) fn filter(self) -> Result<Filter, ApiError> {
        let bad = |name: &str, message: String| {
            ApiError::bad_request("invalid_parameter", format!("{name}: {message}"))
        };
        if let Some(customer_id) = self.customer_id.as_deref() {
            if !is_uuid(customer_id) {
                return Err(bad("customer_id", "must be a UUID".into()));
            }
        }
        if let Some(status) = self.status.as_deref() {
            if !STATUSES.contains(&status) {
                return Err(bad(
                    "status",
                    format!("must be one of {}", STATUSES.join(", ")),
                ));
            }
        }
        if let Some(kind) = self.verification_type.as_deref() {
            if !VERIFICATION_TYPES.contains(&kind) {
                return Err(bad(
                    "verification_type",
                    format!("must be one of {}", VERIFICATION_TYPES.join(", ")),
                ));
            }
        }
        let after = parse_time("occurred_after", &self.occurred_after)?;
        let before = parse_time("occurred_before", &self.occurred_before)?;
        let limit = match self.limit.as_deref() {
            None | Some("") => DEFAULT_LIMIT,
            Some(text) => match text.parse::<usize>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
                _ => {
                    return Err(bad(
                        "limit",
                        format!("must be an integer from 1 to {MAX_LIMIT}"),
                    ))
                }
            },
        };
        let cursor = match self.cursor.as_deref() {
            None | Some("") => None,
            Some(text) => Some(decode_cursor(text).ok_or_else(|| {
                ApiError::bad_request("invalid_cursor", "the cursor is not one this API returned")
            })?),
        };
        Ok(Filter {
            customer: self.customer_id.as_deref().map(str::to_ascii_lowercase),
            status: self.status,
            verification_type: self.verification_type,
            after,
            before,
            cursor,
            limit,
        })
    }
}

impl Filter {
    /// Whether `v` is listed: `occurred_after` is inclusive (`created_at >=`),
    /// `occurred_before` exclusive (`created_at <`), as documented.
    pub(super) fn matches(&self, v: &Verification) -> bool {
        self.customer.as_deref().is_none_or(|c| v.customer_id == c)
            && self.status.as_deref().is_none_or(|s| v.status == s)
            && self
                .verification_type
                .as_deref()
                .is_none_or(|t| v.verification_type == t)
            && self.after.is_none_or(|t| v.created_at >= t)
            && self.before.is_none_or(|t| v.created_at < t)
            && self.cursor.is_none_or(|seq| v.seq < seq)
    }
}

fn parse_time(name: &str, value: &Option<String>) -> Result<Option<Timestamp>, ApiError> {
    match value.as_deref() {
        None | Some("") => Ok(None),
        Some(text) => text.parse::<Timestamp>().map(Some).map_err(|e| {
            ApiError::bad_request(
                "invalid_parameter",
                format!("{name} must be an RFC 3339 timestamp: {e}"),
            )
        }),
    }
}

/// The opaque cursor of the page after verification `seq`.
pub(super) fn encode_cursor(seq: u64) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("seq:{seq}"))
}

fn decode_cursor(cursor: &str) -> Option<u64> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix("seq:")?
        .parse()
        .ok()
}

/// The body of `PATCH /v1/customer-verifications/{id}/status`.
#[derive(Deserialize)]
pub(super) struct UpdateStatus {
    status: String,
    #[serde(default)]
    pub(super) reason: Option<String>,
}

impl UpdateStatus {
    /// The status the override moves to: verified, failed or expired, never back to pending.
    pub(super) fn target(&self) -> Result<&'static str, ApiError> {
        match self.status.as_str() {
            "verified" => Ok("verified"),
            "failed" => Ok("failed"),
            "expired" => Ok("expired"),
            "pending" => Err(ApiError::unprocessable(
                "invalid_transition",
                "a verification cannot be moved back to pending",
            )),
            other => Err(ApiError::unprocessable(
                "invalid_status",
                format!("status {other:?} is not one of verified, failed, expired"),
            )),
        }
    }
}
