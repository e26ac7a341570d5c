//! The store against a real SQLite file: what survives a reopen, the database's refusals, and
//! a database of the first schema migrated.

use kyc_core::{
    CustomerType, DocumentType, FileFormat, Provider, Requirement, Slot, Strictness,
    VerificationStatus,
};
use rusqlite::Connection;

use super::migrations::MIGRATIONS;
use super::{KeyClaim, SessionRecord, SlotRecord, Store, WebhookOutcome};

fn session(id: &str) -> SessionRecord {
    SessionRecord {
        id: id.to_owned(),
        customer_reference: "alice".to_owned(),
        customer_type: CustomerType::Individual,
        country: "GBR".to_owned(),
        provider: Provider::D,
        provider_customer_id: "cus_1".to_owned(),
        status: VerificationStatus::NotSubmitted,
        document_type: None,
        submitted_at: None,
        created_at: 100,
        terms_of_service_url: None,
        quality: Strictness::Lenient,
        slots: [(Slot::ProofOfAddress, Requirement::Optional)].into(),
    }
}

#[test]
fn sessions_slots_and_statuses_survive_reopening_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("relay.sqlite");
    {
        let store = Store::open(&path).unwrap();
        store.insert_session(&session("ses_1")).unwrap();
        let slot = SlotRecord {
            slot: Slot::Front,
            provider_file_id: "file_1".to_owned(),
            format: FileFormat::Jpeg,
            bytes: 1234,
        };
        store.put_slot("ses_1", &slot, 101).unwrap();
        assert!(store
            .mark_submitted("ses_1", DocumentType::Passport, 102)
            .unwrap());
    }
    let store = Store::open(&path).unwrap();
    let reopened = store.session("ses_1").unwrap().unwrap();
    assert_eq!(reopened.status, VerificationStatus::Pending);
    assert_eq!(reopened.document_type, Some(DocumentType::Passport));
    assert_eq!(reopened.submitted_at, Some(102));
    assert_eq!(reopened.slots, session("ses_1").slots);
    assert_eq!(store.slots("ses_1").unwrap()[0].provider_file_id, "file_1");
    let events: Vec<_> = store
        .audit_log("ses_1")
        .unwrap()
        .into_iter()
        .map(|e| e.1)
        .collect();
    assert_eq!(events, ["session_created", "slot_uploaded", "submitted"]);
}

#[test]
fn the_terms_url_and_a_fuller_provider_id_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("relay.sqlite");
    {
        let store = Store::open(&path).unwrap();
        let mut record = session("ses_b");
        record.provider = Provider::B;
        record.terms_of_service_url = Some("http://b.example/tos?v=1".to_owned());
        store.insert_session(&record).unwrap();
        store
            .set_provider_customer_id("ses_b", "cus_1#ver_1", 3)
            .unwrap();
    }
    let reopened = Store::open(&path)
        .unwrap()
        .session("ses_b")
        .unwrap()
        .unwrap();
    assert_eq!(
        reopened.terms_of_service_url.as_deref(),
        Some("http://b.example/tos?v=1")
    );
    assert_eq!(reopened.provider_customer_id, "cus_1#ver_1");
    assert_eq!(Store::open(&path).unwrap().session("nope").unwrap(), None);
}

#[test]
fn a_second_submit_is_refused_by_the_database() {
    let store = Store::in_memory().unwrap();
    store.insert_session(&session("ses_1")).unwrap();
    assert!(store
        .mark_submitted("ses_1", DocumentType::Passport, 1)
        .unwrap());
    assert!(!store
        .mark_submitted("ses_1", DocumentType::Passport, 2)
        .unwrap());
}

#[test]
fn a_webhook_result_is_applied_once_and_only_to_a_pending_session() {
    let store = Store::in_memory().unwrap();
    store.insert_session(&session("ses_1")).unwrap();
    let verified = VerificationStatus::Verified;
    let result = Some(("cus_1", &verified));
    // Not submitted yet: recorded, not applied.
    let outcome = store.apply_webhook_event(Provider::D, "evt_1", result, 1);
    assert_eq!(outcome.unwrap(), WebhookOutcome::Ignored);
    assert!(store
        .mark_submitted("ses_1", DocumentType::Passport, 2)
        .unwrap());
    let outcome = store.apply_webhook_event(Provider::D, "evt_1", result, 3);
    assert_eq!(outcome.unwrap(), WebhookOutcome::Duplicate);
    // Another provider's customer of the same id is not this session.
    let outcome = store.apply_webhook_event(Provider::A, "evt_1", result, 4);
    assert_eq!(outcome.unwrap(), WebhookOutcome::Ignored);
    assert_eq!(
        store.session("ses_1").unwrap().unwrap().status,
        VerificationStatus::Pending
    );
    let outcome = store.apply_webhook_event(Provider::D, "evt_2", result, 5);
    assert_eq!(outcome.unwrap(), WebhookOutcome::Applied);
    assert_eq!(store.session("ses_1").unwrap().unwrap().status, verified);
    let rejected = VerificationStatus::Rejected {
        reason: "late".to_owned(),
    };
    let outcome = store.apply_webhook_event(Provider::D, "evt_3", Some(("cus_1", &rejected)), 6);
    assert_eq!(outcome.unwrap(), WebhookOutcome::Ignored);
    assert_eq!(store.session("ses_1").unwrap().unwrap().status, verified);
}

#[test]
fn a_database_of_the_first_schema_is_migrated() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.sqlite");
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(MIGRATIONS[0]).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute(
            "INSERT INTO sessions (id, customer_reference, customer_type, country, provider,
             provider_customer_id, status, created_at)
             VALUES ('ses_old', 'r', 'individual', 'GBR', 'd', 'cus_9', 'pending', 1)",
            [],
        )
        .unwrap();
    }
    let store = Store::open(&path).unwrap();
    let outcome = store.apply_webhook_event(
        Provider::D,
        "evt_1",
        Some(("cus_9", &VerificationStatus::Verified)),
        2,
    );
    assert_eq!(outcome.unwrap(), WebhookOutcome::Applied);
    assert_eq!(
        store.session("ses_old").unwrap().unwrap().status,
        VerificationStatus::Verified
    );
}

#[test]
fn a_rejection_keeps_its_reason() {
    let store = Store::in_memory().unwrap();
    store.insert_session(&session("ses_1")).unwrap();
    let rejected = VerificationStatus::Rejected {
        reason: "document_blurry".to_owned(),
    };
    store.set_status("ses_1", &rejected, 5).unwrap();
    assert_eq!(store.session("ses_1").unwrap().unwrap().status, rejected);
}

#[test]
fn an_upload_key_is_claimed_once_and_answers_its_file_after() {
    let store = Store::in_memory().unwrap();
    store.insert_session(&session("ses_1")).unwrap();
    let claim = |slot, now| {
        store
            .claim_upload_key("ses_1", "k1", slot, now, 300)
            .unwrap()
    };
    assert_eq!(claim(Slot::Front, 10), KeyClaim::Claimed);
    assert_eq!(claim(Slot::Front, 11), KeyClaim::InFlight);
    assert_eq!(claim(Slot::Back, 11), KeyClaim::OtherSlot(Slot::Front));
    // An abandoned claim (its relay died) is taken over once stale.
    assert_eq!(claim(Slot::Front, 310), KeyClaim::Claimed);
    let record = SlotRecord {
        slot: Slot::Front,
        provider_file_id: "file_1".to_owned(),
        format: FileFormat::Jpeg,
        bytes: 2048,
    };
    store
        .complete_upload_key("ses_1", "k1", &record, 12)
        .unwrap();
    assert_eq!(store.slots("ses_1").unwrap(), vec![record.clone()]);
    assert_eq!(claim(Slot::Front, 13), KeyClaim::Done(record.clone()));
    // A completed key is never released; a failed one is, and runs again.
    store.release_upload_key("ses_1", "k1").unwrap();
    assert_eq!(claim(Slot::Front, 14), KeyClaim::Done(record));
    assert_eq!(
        store
            .claim_upload_key("ses_1", "k2", Slot::Back, 15, 300)
            .unwrap(),
        KeyClaim::Claimed
    );
    store.release_upload_key("ses_1", "k2").unwrap();
    assert_eq!(
        store
            .claim_upload_key("ses_1", "k2", Slot::Back, 16, 300)
            .unwrap(),
        KeyClaim::Claimed
    );
}

fn front(file_id: &str) -> SlotRecord {
    SlotRecord {
        slot: Slot::Front,
        provider_file_id: file_id.to_owned(),
        format: FileFormat::Jpeg,
        bytes: 2048,
    }
}

#[test]
fn an_upload_ending_after_the_submit_does_not_rewrite_the_slot() {
    let store = Store::in_memory().unwrap();
    store.insert_session(&session("ses_1")).unwrap();
    assert!(store.put_slot("ses_1", &front("file_1"), 1).unwrap());
    // Two slow uploads were running (one with a key) when the session was submitted.
    assert_eq!(
        store
            .claim_upload_key("ses_1", "k1", Slot::Front, 2, 300)
            .unwrap(),
        KeyClaim::Claimed
    );
    assert!(store
        .mark_submitted("ses_1", DocumentType::Passport, 3)
        .unwrap());
    assert!(!store.put_slot("ses_1", &front("file_late"), 4).unwrap());
    assert!(!store
        .complete_upload_key("ses_1", "k1", &front("file_late_key"), 5)
        .unwrap());
    assert_eq!(store.slots("ses_1").unwrap(), vec![front("file_1")]);
    // The key's file is in no slot: a retry with it is not told it was stored.
    assert_eq!(
        store
            .claim_upload_key("ses_1", "k1", Slot::Front, 6, 300)
            .unwrap(),
        KeyClaim::Claimed
    );
}

#[test]
fn a_final_status_set_by_a_webhook_is_not_undone() {
    let store = Store::in_memory().unwrap();
    store.insert_session(&session("ses_1")).unwrap();
    assert!(store
        .mark_submitted("ses_1", DocumentType::Passport, 1)
        .unwrap());
    // The webhook's result arrives while the attach's failure is being handled.
    let verified = VerificationStatus::Verified;
    let outcome = store.apply_webhook_event(Provider::D, "evt_1", Some(("cus_1", &verified)), 2);
    assert_eq!(outcome.unwrap(), WebhookOutcome::Applied);
    assert!(!store.unmark_submitted("ses_1", "timed out", 3).unwrap());
    assert_eq!(store.session("ses_1").unwrap().unwrap().status, verified);
    // A refresh that read the provider before the webhook does not overwrite it either.
    store
        .set_status("ses_1", &VerificationStatus::Pending, 4)
        .unwrap();
    let rejected = VerificationStatus::Rejected {
        reason: "late".to_owned(),
    };
    store.set_status("ses_1", &rejected, 5).unwrap();
    assert_eq!(store.session("ses_1").unwrap().unwrap().status, verified);
    let events: Vec<_> = store
        .audit_log("ses_1")
        .unwrap()
        .into_iter()
        .map(|e| e.1)
        .collect();
    assert_eq!(events, ["session_created", "submitted", "status_changed"]);
    // A pending session is still put back when its attach failed.
    store.insert_session(&session("ses_2")).unwrap();
    assert!(store
        .mark_submitted("ses_2", DocumentType::Passport, 6)
        .unwrap());
    assert!(store.unmark_submitted("ses_2", "refused", 7).unwrap());
    assert_eq!(
        store.session("ses_2").unwrap().unwrap().status,
        VerificationStatus::NotSubmitted
    );
}

#[test]
fn upload_keys_left_in_flight_are_released_and_done_ones_kept() {
    let store = Store::in_memory().unwrap();
    store.insert_session(&session("ses_1")).unwrap();
    let claim = |key, now| {
        store
            .claim_upload_key("ses_1", key, Slot::Front, now, 900)
            .unwrap()
    };
    assert_eq!(claim("k_done", 1), KeyClaim::Claimed);
    assert!(store
        .complete_upload_key("ses_1", "k_done", &front("file_1"), 2)
        .unwrap());
    assert_eq!(claim("k_killed", 3), KeyClaim::Claimed);
    assert_eq!(store.release_in_flight_upload_keys().unwrap(), 1);
    assert_eq!(claim("k_killed", 4), KeyClaim::Claimed);
    assert_eq!(claim("k_done", 5), KeyClaim::Done(front("file_1")));
}

#[cfg(unix)]
#[test]
fn the_database_file_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    let created = dir.path().join("new.sqlite");
    let store = Store::open(&created).unwrap();
    store
        .setting_or_insert("token_secret", || vec![7; 32])
        .unwrap();
    assert_eq!(mode(&created), 0o600);
    let wal = dir.path().join("new.sqlite-wal");
    if wal.exists() {
        assert_eq!(mode(&wal), 0o600);
    }
    // A database made before (world-readable) is narrowed when opened.
    let existing = dir.path().join("old.sqlite");
    std::fs::write(&existing, b"").unwrap();
    std::fs::set_permissions(&existing, std::fs::Permissions::from_mode(0o644)).unwrap();
    Store::open(&existing).unwrap();
    assert_eq!(mode(&existing), 0o600);
}
