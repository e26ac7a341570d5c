//! A provider call that failed ([`ProviderError`]).

use std::fmt;

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
    /// An answer the relay does not trust: an upload URL that is neither https nor an allowed
    /// storage host, a terms URL that is not https, an answer larger than the cap. Not retried.
    Untrusted(String),
}

/// How the relay answers a provider's failure ([`ProviderError::answer`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProviderAnswer {
    /// The HTTP status.
    pub status: u16,
    /// The relay's error code.
    pub code: &'static str,
    /// The fixed sentence: it names no URL, host or provider id.
    pub sentence: &'static str,
}

/// The problem code of an [`ProviderError::Untrusted`] answer, as the widget gets it.
pub const UNTRUSTED_ANSWER: &str = "provider_answer_refused";

impl ProviderError {
    /// A transport failure of a request, its URL's query cut (see `redact`): presigned URLs
    /// carry their signature there.
    pub(crate) fn transport(err: reqwest::Error) -> ProviderError {
        let url = err.url().map(super::redact::url);
        let err = err.without_url();
        ProviderError::Unavailable(match url {
            Some(url) => format!("{err} ({url})"),
            None => err.to_string(),
        })
    }

    /// The provider's error code, if any: only a plain code (letters, digits, `_`, `-`, `.`,
    /// at most 64), never free text from the provider.
    pub fn code(&self) -> Option<String> {
        match self {
            ProviderError::Refused { code, .. } => code.clone().filter(|code| {
                (1..=64).contains(&code.len())
                    && code
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
            }),
            ProviderError::Unavailable(_) => None,
            ProviderError::Untrusted(_) => Some(UNTRUSTED_ANSWER.to_owned()),
        }
    }

    /// What the widget is told: a sentence that names no URL, host or provider id (the
    /// details are logged, redacted).
    pub fn sentence(&self) -> &'static str {
        match self {
            ProviderError::Refused { status: 409, .. } => {
                "the provider has this customer in a state that conflicts with the request (see \
                 problems): sending again as it is does not help"
            }
            ProviderError::Refused { status, .. } if *status < 500 => {
                "provider refused the request"
            }
            ProviderError::Refused { .. } | ProviderError::Unavailable(_) => {
                "provider unavailable: try again in a moment"
            }
            ProviderError::Untrusted(_) => "provider answer refused as unsafe",
        }
    }

    /// How the relay answers this failure: its HTTP status, the relay's code and the sentence.
    /// A provider answer the relay knows gets its own code, so the widget can tell the user
    /// what happens next; anything else the provider refused or failed is a 502
    /// `provider_error`.
    pub fn answer(&self) -> ProviderAnswer {
        let (status, code, sentence) = match (self, self.code().as_deref()) {
            // A: "For type=business customers, do not use this endpoint"; B, C and D verify
            // individuals only in this flow. The host sent a business: no retry helps.
            (
                ProviderError::Refused { .. },
                Some("business_not_supported" | "use_kyb_endpoints"),
            ) => (
                422,
                "business_not_supported",
                "the provider verifies business customers through a separate onboarding, not \
                 this flow",
            ),
            // B: attach "needs customer_status of INCOMPLETE or ACTION_REQUIRED": the customer
            // is in the wrong state at B; only the host can sort it out.
            (ProviderError::Refused { status: 403, .. }, Some("customer_not_eligible")) => (
                409,
                "customer_not_eligible",
                "the provider does not take documents for this customer in its current state: \
                 sending again does not help, the host has to sort it out with the provider",
            ),
            // B: "a second concurrent attach returns 409": the first one is still running.
            (ProviderError::Refused { status: 409, .. }, Some("attach_in_progress")) => (
                409,
                "provider_busy",
                "the provider is still taking an earlier submission: try again in a moment",
            ),
            // D: "The upstream rail doesn't allow re-submitting on a rejected record": this
            // customer takes no documents; a new attempt is a new customer (the retry).
            (ProviderError::Refused { status: 409, .. }, Some("customer_rejected")) => (
                409,
                "customer_rejected",
                "the provider rejected this customer and takes no more documents for them: a \
                 new attempt starts with Start again",
            ),
            // A and D: the customer was verified (through another submission): nothing to send.
            (ProviderError::Refused { status: 409, .. }, Some("already_verified")) => (
                409,
                "already_verified",
                "the provider has verified this customer already: there is nothing to send",
            ),
            (ProviderError::Refused { status: 409, .. }, _) => {
                (409, "provider_conflict", self.sentence())
            }
            _ => (502, "provider_error", self.sentence()),
        };
        ProviderAnswer {
            status,
            code,
            sentence,
        }
    }

    /// This error with every mention of the host's customer `reference` in the provider's
    /// text replaced by `digest` (the store's `reference_digest`): the text is logged and
    /// audited, and logs name a customer by digest only. The code is kept.
    pub fn naming_reference_as(self, reference: &str, digest: &str) -> ProviderError {
        let hide = |text: String| super::redact::reference(&text, reference, digest);
        match self {
            ProviderError::Refused {
                status,
                code,
                message,
            } => ProviderError::Refused {
                status,
                code,
                message: hide(message),
            },
            ProviderError::Unavailable(why) => ProviderError::Unavailable(hide(why)),
            ProviderError::Untrusted(why) => ProviderError::Untrusted(hide(why)),
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
            ProviderError::Untrusted(_) => false,
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
            ProviderError::Untrusted(why) => write!(f, "provider answer refused: {why}"),
        }
    }
}

impl std::error::Error for ProviderError {}
