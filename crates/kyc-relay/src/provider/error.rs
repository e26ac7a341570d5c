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
