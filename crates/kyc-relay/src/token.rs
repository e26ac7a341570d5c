//! Session tokens: `v2.<key id>.<session id>.<expiry>.<hex HMAC-SHA256>`, signed with the
//! relay's current key ([`TokenKeys`]); the key id says which key checks it, so a new key signs
//! while the old ones still verify the tokens they signed until those expire (rotation).
//! `v1.<session id>.<expiry>.<signature>` is the form before key ids, signed with the key the
//! relay keeps in its database (key id [`LOCAL_KID`]).
//!
//! The token binds the browser to one session and nothing else; it carries no provider
//! credential and no presigned URL. Checking needs the keys and the current time, passed in.

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
    /// Signed with a key this relay no longer has (retired after rotation).
    UnknownKey,
}

/// The key id of the key the relay makes and keeps in its database when no keys are configured.
pub const LOCAL_KID: &str = "local";

/// The shortest token key accepted (256 bits).
pub const MIN_KEY_BYTES: usize = 32;

/// The relay's token keys by id: the first signs, every one verifies.
#[derive(Clone)]
pub struct TokenKeys {
    keys: Vec<(String, Vec<u8>)>,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The ids only: a key must not reach a log.
        let ids: Vec<&str> = self.keys.iter().map(|(kid, _)| kid.as_str()).collect();
        f.debug_struct("TokenKeys").field("kids", &ids).finish()
    }
}

impl TokenKeys {
    /// The keys as `(key id, key)`, the signing one first; each key id of 1 to 32 letters,
    /// digits, `-` or `_` and used once, each key at least [`MIN_KEY_BYTES`] long.
    pub fn new(keys: Vec<(String, Vec<u8>)>) -> Result<TokenKeys, String> {
        if keys.is_empty() {
            return Err("no token key given".to_owned());
        }
        for (index, (kid, key)) in keys.iter().enumerate() {
            let valid_id = (1..=32).contains(&kid.len())
                && kid
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !valid_id {
                return Err(format!(
                    "token key id {kid:?} must be 1 to 32 letters, digits, - or _"
                ));
            }
            if keys[..index].iter().any(|(other, _)| other == kid) {
                return Err(format!("token key id {kid:?} is given twice"));
            }
            if key.len() < MIN_KEY_BYTES {
                return Err(format!(
                    "token key {kid:?} is {} bytes; it must be at least {MIN_KEY_BYTES}",
                    key.len()
                ));
            }
        }
        Ok(TokenKeys { keys })
    }

    /// Keys written `KID=HEX`, one per line or separated by commas (the signing one first;
    /// blank lines and `#` comments skipped), as `KYC_RELAY_TOKEN_KEYS` or a key file hold them.
    pub fn parse(text: &str) -> Result<TokenKeys, String> {
        let mut keys = Vec::new();
        for entry in text.split([',', '\n']).map(str::trim) {
            if entry.is_empty() || entry.starts_with('#') {
                continue;
            }
            let (kid, key) = entry
                .split_once('=')
                .ok_or_else(|| "a token key is written KID=HEX".to_owned())?;
            let key = hex::decode(key.trim())
                .map_err(|_| format!("token key {:?} is not hexadecimal", kid.trim()))?;
            keys.push((kid.trim().to_owned(), key));
        }
        TokenKeys::new(keys)
    }

    /// The id of the key that signs.
    pub fn signing_kid(&self) -> &str {
        &self.keys[0].0
    }

    fn key(&self, kid: &str) -> Option<&[u8]> {
        self.keys
            .iter()
            .find(|(id, _)| id == kid)
            .map(|(_, key)| key.as_slice())
    }

    /// Signs a token for `session_id` valid until `expires_at` (Unix seconds) with the
    /// signing key.
    pub fn sign(&self, session_id: &str, expires_at: u64) -> String {
        self.sign_form(SESSION_FORM, session_id, expires_at)
    }

    /// Checks a token at time `now` with the key its id names and returns its session id.
    /// A status token ([`TokenKeys::sign_status`]) is not a session token: refused here.
    pub fn verify(&self, token: &str, now: u64) -> Result<String, TokenError> {
        if token.starts_with("v1.") {
            let key = self.key(LOCAL_KID).ok_or(TokenError::UnknownKey)?;
            return verify(key, token, now);
        }
        self.verify_form(SESSION_FORM, token, now)
    }

    /// Signs a status token for `session_id` valid until `expires_at`:
    /// `s2.<key id>.<session id>.<expiry>.<signature>`. It reads the session's status and
    /// nothing else; the form is in the signed payload, so a session token cannot be
    /// relabelled as one or the other way round.
    pub fn sign_status(&self, session_id: &str, expires_at: u64) -> String {
        self.sign_form(STATUS_FORM, session_id, expires_at)
    }

    /// Checks a session or a status token at time `now`: its session id and what it allows.
    pub fn verify_scoped(&self, token: &str, now: u64) -> Result<(String, Scope), TokenError> {
        if token.starts_with("s2.") {
            return Ok((
                self.verify_form(STATUS_FORM, token, now)?,
                Scope::StatusOnly,
            ));
        }
        Ok((self.verify(token, now)?, Scope::Session))
    }

    fn sign_form(&self, form: &str, session_id: &str, expires_at: u64) -> String {
        let (kid, key) = &self.keys[0];
        let payload = format!("{form}.{kid}.{session_id}.{expires_at}");
        let signature = hex::encode(mac(key, &payload).finalize().into_bytes());
        format!("{payload}.{signature}")
    }

    fn verify_form(&self, form: &str, token: &str, now: u64) -> Result<String, TokenError> {
        let (payload, signature) = token.rsplit_once('.').ok_or(TokenError::Malformed)?;
        let mut parts = payload.split('.');
        let (Some(got), Some(kid), Some(session_id), Some(expiry), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(TokenError::Malformed);
        };
        if got != form {
            return Err(TokenError::Malformed);
        }
        let expires_at: u64 = expiry.parse().map_err(|_| TokenError::Malformed)?;
        let signature = hex::decode(signature).map_err(|_| TokenError::Malformed)?;
        let key = self.key(kid).ok_or(TokenError::UnknownKey)?;
        mac(key, payload)
            .verify_slice(&signature)
            .map_err(|_| TokenError::BadSignature)?;
        if now >= expires_at {
            return Err(TokenError::Expired);
        }
        Ok(session_id.to_owned())
    }
}

/// The payload's first field of a session token signed with a key id.
const SESSION_FORM: &str = "v2";
/// The payload's first field of a status token.
const STATUS_FORM: &str = "s2";

/// What a valid token lets its holder do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Everything the widget does in its session (upload, submit, read).
    Session,
    /// Read the session's status and renew the status token, nothing else.
    StatusOnly,
}

/// Signs a `v1` token (no key id) for `session_id` valid until `expires_at` (Unix seconds).
pub fn sign(secret: &[u8], session_id: &str, expires_at: u64) -> String {
    let payload = format!("v1.{session_id}.{expires_at}");
    let signature = hex::encode(mac(secret, &payload).finalize().into_bytes());
    format!("{payload}.{signature}")
}

/// Checks a `v1` token at time `now` and returns its session id.
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

    fn keys(ids: &[&str]) -> TokenKeys {
        TokenKeys::new(
            ids.iter()
                .map(|id| ((*id).to_owned(), format!("{id:0>32}").into_bytes()))
                .collect(),
        )
        .unwrap()
    }

    #[test]
    fn a_rotated_key_signs_while_the_old_one_still_verifies() {
        let before = keys(&["k1"]);
        let old_token = before.sign("ses_1", 1_000);
        assert!(old_token.starts_with("v2.k1.ses_1.1000."), "{old_token}");
        let after = keys(&["k2", "k1"]);
        let new_token = after.sign("ses_2", 1_000);
        assert!(new_token.starts_with("v2.k2."), "{new_token}");
        assert_eq!(after.verify(&old_token, 999), Ok("ses_1".to_owned()));
        assert_eq!(after.verify(&new_token, 999), Ok("ses_2".to_owned()));
        assert_eq!(after.verify(&old_token, 1_000), Err(TokenError::Expired));
        // Once k1 is retired its tokens are refused, and k2 does not verify them.
        let retired = keys(&["k2"]);
        assert_eq!(retired.verify(&old_token, 10), Err(TokenError::UnknownKey));
        let relabelled = old_token.replace("v2.k1.", "v2.k2.");
        assert_eq!(after.verify(&relabelled, 10), Err(TokenError::BadSignature));
    }

    #[test]
    fn the_local_key_verifies_tokens_without_a_key_id() {
        let local = keys(&[LOCAL_KID]);
        let v1 = sign(&format!("{LOCAL_KID:0>32}").into_bytes(), "ses_1", 1_000);
        assert_eq!(local.verify(&v1, 10), Ok("ses_1".to_owned()));
        assert_eq!(keys(&["k1"]).verify(&v1, 10), Err(TokenError::UnknownKey));
    }

    #[test]
    fn token_keys_are_parsed_from_kid_equals_hex() {
        let strong = "ab".repeat(32);
        let parsed = TokenKeys::parse(&format!("# current first\nk2={strong}\n\nk1={strong}\n"));
        assert_eq!(parsed.unwrap().signing_kid(), "k2");
        assert!(TokenKeys::parse(&format!("k1={strong},k2={strong}")).is_ok());
        for (text, why) in [
            ("", "no token key"),
            ("k1", "KID=HEX"),
            ("k1=zz", "not hexadecimal"),
            ("k1=abcd", "at least 32"),
            ("k.1=00", "1 to 32 letters"),
        ] {
            let err = TokenKeys::parse(text).unwrap_err();
            assert!(err.contains(why), "{text:?}: {err}");
        }
        let twice = TokenKeys::parse(&format!("k1={strong},k1={strong}")).unwrap_err();
        assert!(twice.contains("twice"), "{twice}");
        assert!(
            !format!("{:?}", keys(&["k1"])).contains("0000"),
            "no key in Debug"
        );
    }

    #[test]
    fn a_status_token_is_its_own_form_and_never_a_session_token() {
        let keys = keys(&["k1"]);
        let status = keys.sign_status("ses_1", 1_000);
        assert!(status.starts_with("s2.k1.ses_1.1000."), "{status}");
        assert_eq!(
            keys.verify_scoped(&status, 999),
            Ok(("ses_1".to_owned(), Scope::StatusOnly))
        );
        assert_eq!(keys.verify(&status, 999), Err(TokenError::Malformed));
        assert_eq!(keys.verify_scoped(&status, 1_000), Err(TokenError::Expired));
        let session = keys.sign("ses_1", 1_000);
        assert_eq!(
            keys.verify_scoped(&session, 999),
            Ok(("ses_1".to_owned(), Scope::Session))
        );
        // Relabelled either way, the signature no longer matches.
        let promoted = status.replacen("s2.", "v2.", 1);
        assert_eq!(keys.verify(&promoted, 10), Err(TokenError::BadSignature));
        let demoted = session.replacen("v2.", "s2.", 1);
        assert_eq!(
            keys.verify_scoped(&demoted, 10),
            Err(TokenError::BadSignature)
        );
    }

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
