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
                "provider busy with this customer: try again in a moment"
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
