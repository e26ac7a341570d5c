//! Customer references as logs and the audit table name them: a keyed digest, never the
//! reference itself. The key is made once and kept in the settings, so one customer's lines
//! can be followed in one relay's logs, and a reference cannot be guessed back from its digest
//! without the database.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::database::Store;

impl Store {
    /// The digest of the host's customer `reference`: `ref_` and 16 hex digits of
    /// HMAC-SHA256 under this relay's key.
    pub fn reference_digest(&self, reference: &str) -> rusqlite::Result<String> {
        let key = self.setting_or_insert("reference_digest_key", || {
            let mut key = Vec::with_capacity(32);
            key.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
            key.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
            key
        })?;
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("HMAC takes a key of any length");
        mac.update(reference.as_bytes());
        Ok(format!(
            "ref_{}",
            hex::encode(&mac.finalize().into_bytes()[..8])
        ))
    }
}
