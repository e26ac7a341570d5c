//! Identifiers the providers hand out: prefixed random ids (`cus_…`, `file_…`) and UUIDs.

use rand::Rng;

const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// A random identifier such as `cus_3k9x...`: the prefix, an underscore and 24 characters.
pub fn random_id(prefix: &str) -> String {
    let mut rng = rand::thread_rng();
    let tail: String = (0..24)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect();
    format!("{prefix}_{tail}")
}

/// A random version-4 UUID in its hyphenated lowercase form.
pub fn random_uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Whether `s` is a UUID (any version) in its hyphenated form, the only form B and C use.
pub fn is_uuid(s: &str) -> bool {
    s.parse::<uuid::fmt::Hyphenated>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_prefixed_random_and_distinct() {
        let a = random_id("cus");
        let b = random_id("cus");
        assert!(a.starts_with("cus_") && a.len() == 28);
        assert_ne!(a, b);
    }

    #[test]
    fn uuids_are_v4_and_recognised() {
        let u = random_uuid();
        assert!(is_uuid(&u), "{u}");
        assert_eq!(&u[14..15], "4");
        assert!(is_uuid("8F14E45F-CEEA-467F-A0E6-1B2C3D4E5F60"));
        assert!(!is_uuid("not-a-uuid"));
        assert!(!is_uuid("cus_123"));
        // Only the hyphenated form: not the simple, braced or URN ones.
        assert!(!is_uuid("8f14e45fceea467fa0e61b2c3d4e5f60"));
        assert!(!is_uuid("{8f14e45f-ceea-467f-a0e6-1b2c3d4e5f60}"));
        assert!(!is_uuid("urn:uuid:8f14e45f-ceea-467f-a0e6-1b2c3d4e5f60"));
        assert!(!is_uuid("8f14e45f-ceea-467f-a0e6-1b2c3d4e5f6g"));
        assert!(!is_uuid("8f14e45fc-eea-467f-a0e6-1b2c3d4e5f60"));
    }
}
