//! Session tokens: `v1.<session id>.<expiry>.<hex HMAC-SHA256>`, signed with the relay's secret.
//!
//! The token binds the browser to one session and nothing else; it carries no provider
//! credential and no presigned URL. Checking needs the secret and the current time, passed in.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Why a token was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum TokenError {
    /// Not of the `v1.id.expiry.signature` form.
    Malformed,
    /// The signature does not match: tampered, or signed with another secret.
    BadSignature,
    /// Past its expiry.
    Expired,
}

/// Signs a token for `session_id` valid until `expires_at` (Unix seconds).
pub fn sign(secret: &[u8], session_id: &str, expires_at: u64) -> String {
    let payload = format!("v1.{session_id}.{expires_at}");
    let signature = hex::encode(mac(secret, &payload).finalize().into_bytes());
    format!("{payload}.{signature}")
}

/// Checks a token at time `now` and returns its session id.
pub fn verify(secret: &[u8], token: &str, now: u64) -> Result<String, TokenError> {
    let (payload, signature) = token.rsplit_once('.').ok_or(TokenError::Malformed)?;
    let mut parts = payload.split('.');
    let (Some("v1"), Some(session_id), Some(expiry), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::Malformed);
    };
    let expires_at: u64 = expiry.parse().map_err(|_| TokenError::Malformed)?;
    let signature = hex::decode(signature).map_err(|_| TokenError::Malformed)?;
    mac(secret, payload)
        .verify_slice(&signature)
        .map_err(|_| TokenError::BadSignature)?;
    if now >= expires_at {
        return Err(TokenError::Expired);
    }
    Ok(session_id.to_owned())
}

/// When a token expires (Unix seconds), as it says; only meaningful after [`verify`] passed.
pub fn expires_at(token: &str) -> Option<u64> {
    token.rsplit_once('.')?.0.rsplit_once('.')?.1.parse().ok()
}

fn mac(secret: &[u8], payload: &str) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(payload.as_bytes());
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"test-secret";

    #[test]
    fn a_signed_token_verifies_before_expiry() {
        let token = sign(SECRET, "ses_1", 1_000);
        assert_eq!(verify(SECRET, &token, 999), Ok("ses_1".to_owned()));
    }

    #[test]
    fn a_token_tells_its_expiry() {
        assert_eq!(expires_at(&sign(SECRET, "ses_1", 1_234)), Some(1_234));
        assert_eq!(expires_at("garbage"), None);
    }

    #[test]
    fn an_expired_token_is_refused() {
        let token = sign(SECRET, "ses_1", 1_000);
        assert_eq!(verify(SECRET, &token, 1_000), Err(TokenError::Expired));
    }

    #[test]
    fn a_tampered_session_id_is_refused() {
        let token = sign(SECRET, "ses_1", 1_000).replace("ses_1", "ses_2");
        assert_eq!(verify(SECRET, &token, 10), Err(TokenError::BadSignature));
    }

    #[test]
    fn a_token_of_another_secret_is_refused() {
        let token = sign(b"other", "ses_1", 1_000);
        assert_eq!(verify(SECRET, &token, 10), Err(TokenError::BadSignature));
    }

    #[test]
    fn an_extended_expiry_is_refused() {
        let token = sign(SECRET, "ses_1", 1_000).replace(".1000.", ".9999.");
        assert_eq!(verify(SECRET, &token, 10), Err(TokenError::BadSignature));
    }

    #[test]
    fn garbage_is_malformed() {
        for token in [
            "",
            "v1",
            "v1.a.b.c",
            "v2.ses.10.00",
            "v1.ses.10.zz",
            "v1.a.b.10.00",
        ] {
            assert_eq!(
                verify(SECRET, token, 1),
                Err(TokenError::Malformed),
                "{token:?}"
            );
        }
    }
}
