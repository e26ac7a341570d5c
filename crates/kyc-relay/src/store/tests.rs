//! The store against real databases: each rule below runs on SQLite and, where the tests are
//! given a PostgreSQL server (`KYC_TEST_POSTGRES_URL`, an admin URL; `cargo xtask test` starts
//! one), on a fresh PostgreSQL database too. What survives a reopen, the databases' refusals,
//! and a database of the first schema migrated are SQLite's own.

use kyc_core::{
    CustomerType, DocumentType, FileFormat, Provider, Requirement, Slot, Strictness,
    VerificationStatus,
};
use rusqlite::Connection;

use super::migrations;
use super::{
    BusinessPlace, KeyClaim, OwnerClaim, OwnerRemoval, SessionRecord, SlotRecord, Store,
    StoredFile, WebhookOutcome,
};

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
        superseded_by: None,
    }
}

/// A store of each database these tests have: SQLite in memory, and PostgreSQL when given.
async fn stores() -> Vec<Store> {
    let mut stores = vec![Store::in_memory().unwrap()];
    if let Ok(admin) = std::env::var("KYC_TEST_POSTGRES_URL") {
        let url = Store::scratch_postgres(&admin).await.unwrap();
        stores.push(Store::connect(&url, 4).await.unwrap());
    }
    stores
}

/// A test of a rule every database keeps: `$body` runs with `$store` bound to each of
/// [`stores`], and a failure names the database.
macro_rules! on_every_store {
    ($name:ident, |$store:ident| $body:block) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            for $store in stores().await {
                let kind = $store.kind();
                let run = async move { $body };
                tokio::spawn(run)
                    .await
                    .unwrap_or_else(|err| panic!("on {kind}: {err}"));
            }
        }
    };
}

#[tokio::test]
async fn sessions_slots_and_statuses_survive_reopening_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("relay.sqlite");
    {
        let store = Store::open(&path).unwrap();
        store.insert_session(&session("ses_1")).await.unwrap();
        let slot = SlotRecord {
            slot: Slot::Front,
            provider_file_id: "file_1".to_owned(),
            format: FileFormat::Jpeg,
            bytes: 1234,
        };
        store.put_slot("ses_1", &slot, 101).await.unwrap();
        assert!(store
            .mark_submitted("ses_1", DocumentType::Passport, 102)
            .await
            .unwrap());
    }
    let store = Store::open(&path).unwrap();
    let reopened = store.session("ses_1").await.unwrap().unwrap();
    assert_eq!(reopened.status, VerificationStatus::Pending);
    assert_eq!(reopened.document_type, Some(DocumentType::Passport));
    assert_eq!(reopened.submitted_at, Some(102));
    assert_eq!(reopened.slots, session("ses_1").slots);
    assert_eq!(
        store.slots("ses_1").await.unwrap()[0].provider_file_id,
        "file_1"
    );
    let events: Vec<_> = store
        .audit_log("ses_1")
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.1)
        .collect();
    assert_eq!(events, ["session_created", "slot_uploaded", "submitted"]);
}

#[tokio::test]
async fn the_terms_url_and_a_fuller_provider_id_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("relay.sqlite");
    {
        let store = Store::open(&path).unwrap();
        let mut record = session("ses_b");
        record.provider = Provider::B;
        record.terms_of_service_url = Some("http://b.example/tos?v=1".to_owned());
        store.insert_session(&record).await.unwrap();
        store
            .set_provider_customer_id("ses_b", "cus_1#ver_1", 3)
            .await
            .unwrap();
    }
    let reopened = Store::open(&path)
        .unwrap()
        .session("ses_b")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        reopened.terms_of_service_url.as_deref(),
        Some("http://b.example/tos?v=1")
    );
    assert_eq!(reopened.provider_customer_id, "cus_1#ver_1");
    assert_eq!(
        Store::open(&path).unwrap().session("nope").await.unwrap(),
        None
    );
}

on_every_store!(a_second_submit_is_refused_by_the_database, |store| {
    store.insert_session(&session("ses_1")).await.unwrap();
    assert!(store
        .mark_submitted("ses_1", DocumentType::Passport, 1)
        .await
        .unwrap());
    assert!(!store
        .mark_submitted("ses_1", DocumentType::Passport, 2)
        .await
        .unwrap());
});

on_every_store!(
    a_webhook_result_is_applied_once_and_only_to_a_pending_session,
    |store| {
        store.insert_session(&session("ses_1")).await.unwrap();
        let verified = VerificationStatus::Verified;
        let result = Some(("cus_1", &verified));
        // Not submitted yet: recorded, not applied.
        let outcome = store
            .apply_webhook_event(Provider::D, "evt_1", result, 1)
            .await;
        assert_eq!(outcome.unwrap(), WebhookOutcome::Ignored);
        assert!(store
            .mark_submitted("ses_1", DocumentType::Passport, 2)
            .await
            .unwrap());
        let outcome = store
            .apply_webhook_event(Provider::D, "evt_1", result, 3)
            .await;
        assert_eq!(outcome.unwrap(), WebhookOutcome::Duplicate);
        // Another provider's customer of the same id is not this session.
        let outcome = store
            .apply_webhook_event(Provider::A, "evt_1", result, 4)
            .await;
        assert_eq!(outcome.unwrap(), WebhookOutcome::Ignored);
        assert_eq!(
            store.session("ses_1").await.unwrap().unwrap().status,
            VerificationStatus::Pending
        );
        let outcome = store
            .apply_webhook_event(Provider::D, "evt_2", result, 5)
            .await;
        assert_eq!(outcome.unwrap(), WebhookOutcome::Applied);
        assert_eq!(
            store.session("ses_1").await.unwrap().unwrap().status,
            verified
        );
        let rejected = VerificationStatus::Rejected {
            reason: "late".to_owned(),
        };
        let outcome = store
            .apply_webhook_event(Provider::D, "evt_3", Some(("cus_1", &rejected)), 6)
            .await;
        assert_eq!(outcome.unwrap(), WebhookOutcome::Ignored);
        assert_eq!(
            store.session("ses_1").await.unwrap().unwrap().status,
            verified
        );
    }
);

#[tokio::test]
async fn a_database_of_the_first_schema_is_migrated() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.sqlite");
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(migrations::sqlite_steps(1)[0]).unwrap();
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
    let outcome = store
        .apply_webhook_event(
            Provider::D,
            "evt_1",
            Some(("cus_9", &VerificationStatus::Verified)),
            2,
        )
        .await;
    assert_eq!(outcome.unwrap(), WebhookOutcome::Applied);
    assert_eq!(
        store.session("ses_old").await.unwrap().unwrap().status,
        VerificationStatus::Verified
    );
}

on_every_store!(a_rejection_keeps_its_reason, |store| {
    store.insert_session(&session("ses_1")).await.unwrap();
    let rejected = VerificationStatus::Rejected {
        reason: "document_blurry".to_owned(),
    };
    store.set_status("ses_1", &rejected, 5).await.unwrap();
    assert_eq!(
        store.session("ses_1").await.unwrap().unwrap().status,
        rejected
    );
});

on_every_store!(
    an_upload_key_is_claimed_once_and_answers_its_file_after,
    |store| {
        store.insert_session(&session("ses_1")).await.unwrap();
        let claim = async |slot, now| {
            store
                .claim_upload_key("ses_1", "k1", slot, now, 300)
                .await
                .unwrap()
        };
        assert_eq!(claim(Slot::Front, 10).await, KeyClaim::Claimed);
        assert_eq!(claim(Slot::Front, 11).await, KeyClaim::InFlight);
        assert_eq!(
            claim(Slot::Back, 11).await,
            KeyClaim::OtherSlot("front".to_owned())
        );
        // An abandoned claim (its relay died) is taken over once stale.
        assert_eq!(claim(Slot::Front, 310).await, KeyClaim::Claimed);
        let record = SlotRecord {
            slot: Slot::Front,
            provider_file_id: "file_1".to_owned(),
            format: FileFormat::Jpeg,
            bytes: 2048,
        };
        store
            .complete_upload_key("ses_1", "k1", &record, 12)
            .await
            .unwrap();
        assert_eq!(store.slots("ses_1").await.unwrap(), vec![record.clone()]);
        assert_eq!(claim(Slot::Front, 13).await, KeyClaim::Done(record.clone()));
        // A completed key is never released; a failed one is, and runs again.
        store.release_upload_key("ses_1", "k1").await.unwrap();
        assert_eq!(claim(Slot::Front, 14).await, KeyClaim::Done(record));
        assert_eq!(
            store
                .claim_upload_key("ses_1", "k2", Slot::Back, 15, 300)
                .await
                .unwrap(),
            KeyClaim::Claimed
        );
        store.release_upload_key("ses_1", "k2").await.unwrap();
        assert_eq!(
            store
                .claim_upload_key("ses_1", "k2", Slot::Back, 16, 300)
                .await
                .unwrap(),
            KeyClaim::Claimed
        );
    }
);

fn front(file_id: &str) -> SlotRecord {
    SlotRecord {
        slot: Slot::Front,
        provider_file_id: file_id.to_owned(),
        format: FileFormat::Jpeg,
        bytes: 2048,
    }
}

on_every_store!(
    an_upload_ending_after_the_submit_does_not_rewrite_the_slot,
    |store| {
        store.insert_session(&session("ses_1")).await.unwrap();
        assert!(store.put_slot("ses_1", &front("file_1"), 1).await.unwrap());
        // Two slow uploads were running (one with a key) when the session was submitted.
        assert_eq!(
            store
                .claim_upload_key("ses_1", "k1", Slot::Front, 2, 300)
                .await
                .unwrap(),
            KeyClaim::Claimed
        );
        assert!(store
            .mark_submitted("ses_1", DocumentType::Passport, 3)
            .await
            .unwrap());
        assert!(!store
            .put_slot("ses_1", &front("file_late"), 4)
            .await
            .unwrap());
        assert!(!store
            .complete_upload_key("ses_1", "k1", &front("file_late_key"), 5)
            .await
            .unwrap());
        assert_eq!(store.slots("ses_1").await.unwrap(), vec![front("file_1")]);
        // The key's file is in no slot: a retry with it is not told it was stored.
        assert_eq!(
            store
                .claim_upload_key("ses_1", "k1", Slot::Front, 6, 300)
                .await
                .unwrap(),
            KeyClaim::Claimed
        );
    }
);

on_every_store!(a_final_status_set_by_a_webhook_is_not_undone, |store| {
    store.insert_session(&session("ses_1")).await.unwrap();
    assert!(store
        .mark_submitted("ses_1", DocumentType::Passport, 1)
        .await
        .unwrap());
    // The webhook's result arrives while the attach's failure is being handled.
    let verified = VerificationStatus::Verified;
    let outcome = store
        .apply_webhook_event(Provider::D, "evt_1", Some(("cus_1", &verified)), 2)
        .await;
    assert_eq!(outcome.unwrap(), WebhookOutcome::Applied);
    assert!(!store
        .unmark_submitted("ses_1", "timed out", 3)
        .await
        .unwrap());
    assert_eq!(
        store.session("ses_1").await.unwrap().unwrap().status,
        verified
    );
    // A refresh that read the provider before the webhook does not overwrite it either.
    store
        .set_status("ses_1", &VerificationStatus::Pending, 4)
        .await
        .unwrap();
    let rejected = VerificationStatus::Rejected {
        reason: "late".to_owned(),
    };
    store.set_status("ses_1", &rejected, 5).await.unwrap();
    assert_eq!(
        store.session("ses_1").await.unwrap().unwrap().status,
        verified
    );
    let events: Vec<_> = store
        .audit_log("ses_1")
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.1)
        .collect();
    assert_eq!(events, ["session_created", "submitted", "status_changed"]);
    // A pending session is still put back when its attach failed.
    store.insert_session(&session("ses_2")).await.unwrap();
    assert!(store
        .mark_submitted("ses_2", DocumentType::Passport, 6)
        .await
        .unwrap());
    assert!(store.unmark_submitted("ses_2", "refused", 7).await.unwrap());
    assert_eq!(
        store.session("ses_2").await.unwrap().unwrap().status,
        VerificationStatus::NotSubmitted
    );
});

on_every_store!(
    upload_keys_left_in_flight_are_released_and_done_ones_kept,
    |store| {
        store.insert_session(&session("ses_1")).await.unwrap();
        let claim = async |key, now| {
            store
                .claim_upload_key("ses_1", key, Slot::Front, now, 900)
                .await
                .unwrap()
        };
        assert_eq!(claim("k_done", 1).await, KeyClaim::Claimed);
        assert!(store
            .complete_upload_key("ses_1", "k_done", &front("file_1"), 2)
            .await
            .unwrap());
        assert_eq!(claim("k_killed", 3).await, KeyClaim::Claimed);
        if store.is_shared() {
            // PostgreSQL: the claim's holder (this instance) is alive, so it is not released;
            // a gone holder's is (`an_upload_claim_of_a_gone_instance_is_taken_over...`).
            assert_eq!(store.release_in_flight_upload_keys().await.unwrap(), 0);
            assert_eq!(claim("k_killed", 4).await, KeyClaim::InFlight);
        } else {
            // SQLite: the database is this process's alone; at start-up every claim is a dead one's.
            assert_eq!(store.release_in_flight_upload_keys().await.unwrap(), 1);
            assert_eq!(claim("k_killed", 4).await, KeyClaim::Claimed);
        }
        assert_eq!(claim("k_done", 5).await, KeyClaim::Done(front("file_1")));
    }
);

#[cfg(unix)]
#[tokio::test]
async fn the_database_file_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    let created = dir.path().join("new.sqlite");
    let _store = Store::open(&created).unwrap();
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

#[tokio::test]
async fn a_database_migrated_before_the_runner_keeps_its_data_and_gets_the_rest() {
    // A relay of before kept its schema version in `PRAGMA user_version`.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pragma.sqlite");
    let old = migrations::latest() - 1;
    {
        let conn = Connection::open(&path).unwrap();
        for step in migrations::sqlite_steps(old) {
            conn.execute_batch(step).unwrap();
        }
        conn.pragma_update(None, "user_version", old).unwrap();
    }
    let store = Store::open(&path).unwrap();
    store.insert_session(&session("ses_1")).await.unwrap();
    assert_eq!(store.count_request("k", 1).await.unwrap(), 1);
    drop(store);
    let conn = Connection::open(&path).unwrap();
    let recorded: i64 = conn
        .query_row(
            "SELECT MAX(version) FROM refinery_schema_history",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(recorded, migrations::latest() as i64);
    // The last step ran for real: its tables exist.
    let leases: i64 = conn
        .query_row("SELECT COUNT(*) FROM leases", [], |row| row.get(0))
        .unwrap();
    assert_eq!(leases, 0);
}

/// Two instances' stores over one fresh PostgreSQL database; `None` without a server.
async fn two_instances() -> Option<(Store, Store)> {
    let admin = std::env::var("KYC_TEST_POSTGRES_URL").ok()?;
    let url = Store::scratch_postgres(&admin).await.unwrap();
    let (one, two) = tokio::join!(Store::connect(&url, 4), Store::connect(&url, 4));
    Some((one.unwrap(), two.unwrap()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_share_keys_counts_and_one_lease() {
    let Some((one, two)) = two_instances().await else {
        return;
    };
    assert_ne!(one.instance(), two.instance());
    // Both started together: one token key, one digest key.
    assert_eq!(one.token_secret(), two.token_secret());
    assert_eq!(one.reference_digest("alice"), two.reference_digest("alice"));
    // The rate limit counts every instance's requests.
    assert_eq!(one.count_request("ses_1", 7).await.unwrap(), 1);
    assert_eq!(two.count_request("ses_1", 7).await.unwrap(), 2);
    assert_eq!(one.count_request("ses_1", 8).await.unwrap(), 1);
    assert_eq!(two.forget_request_counts(8).await.unwrap(), 1);
    // One lease holder at a time, renewable by it; free once given up.
    assert!(one.hold_lease("background", 20).await.unwrap());
    assert!(!two.hold_lease("background", 20).await.unwrap());
    assert!(one.hold_lease("background", 20).await.unwrap());
    one.release_lease("background").await.unwrap();
    assert!(two.hold_lease("background", 20).await.unwrap());
    assert!(!one.hold_lease("background", 20).await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_claim_of_a_gone_instance_is_taken_over_and_a_live_one_is_not() {
    let Some((one, two)) = two_instances().await else {
        return;
    };
    one.insert_session(&session("ses_1")).await.unwrap();
    let claim = async |store: &Store, now| {
        store
            .claim_upload_key("ses_1", "k1", Slot::Front, now, 900)
            .await
            .unwrap()
    };
    assert_eq!(claim(&one, 10).await, KeyClaim::Claimed);
    // Instance one is alive: its upload is running, whoever asks.
    assert_eq!(claim(&two, 11).await, KeyClaim::InFlight);
    assert_eq!(two.release_in_flight_upload_keys().await.unwrap(), 0);
    // Instance one dies (no heartbeat for a minute): the retry on two runs again.
    let mut conn = two.conn().await.unwrap();
    conn.execute(
        "UPDATE instances SET seen_at = seen_at - 60 WHERE id = ?1",
        vec![one.instance().into()],
    )
    .await
    .unwrap();
    drop(conn);
    assert_eq!(claim(&two, 12).await, KeyClaim::Claimed);
    // Now two holds it, alive: one (back, say) waits.
    assert_eq!(claim(&one, 13).await, KeyClaim::InFlight);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_submit_sent_to_two_instances_at_once_is_claimed_once() {
    let Some((one, two)) = two_instances().await else {
        return;
    };
    for round in 0..20 {
        let id = format!("ses_{round}");
        one.insert_session(&session(&id)).await.unwrap();
        let (a, b) = tokio::join!(
            one.mark_submitted(&id, DocumentType::Passport, 1),
            two.mark_submitted(&id, DocumentType::Passport, 1),
        );
        assert!(a.unwrap() ^ b.unwrap(), "round {round}: exactly one claim");
        // And the same webhook event delivered to both: applied once.
        let verified = VerificationStatus::Verified;
        let mut record = session(&id);
        record.provider_customer_id = format!("cus_{round}");
        let event = format!("evt_{round}");
        one.set_provider_customer_id(&id, &record.provider_customer_id, 2)
            .await
            .unwrap();
        let (a, b) = tokio::join!(
            one.apply_webhook_event(
                Provider::D,
                &event,
                Some((&record.provider_customer_id, &verified)),
                3
            ),
            two.apply_webhook_event(
                Provider::D,
                &event,
                Some((&record.provider_customer_id, &verified)),
                3
            ),
        );
        let outcomes = [a.unwrap(), b.unwrap()];
        assert!(outcomes.contains(&WebhookOutcome::Applied), "round {round}");
        assert!(
            outcomes.contains(&WebhookOutcome::Duplicate),
            "round {round}"
        );
    }
}

on_every_store!(
    an_owner_is_created_at_the_provider_by_one_request,
    |store| {
        store.insert_session(&session("ses_1")).await.unwrap();
        let owners = [("bo_1".to_owned(), "Grace Hopper".to_owned())];
        store
            .insert_business("ses_1", "Acme Ltd", &owners, 1)
            .await
            .unwrap();
        let claim = async |now| {
            store
                .claim_owner_creation("ses_1", "bo_1", now, 60)
                .await
                .unwrap()
        };
        assert_eq!(claim(10).await, OwnerClaim::Create);
        // A second request while the first creates it waits; a failure releases the claim.
        assert_eq!(claim(11).await, OwnerClaim::InFlight);
        store.release_owner_creation("ses_1", "bo_1").await.unwrap();
        assert_eq!(claim(12).await, OwnerClaim::Create);
        // A claim whose request died is taken over once stale.
        assert_eq!(claim(72).await, OwnerClaim::Create);
        store
            .set_provider_owner("ses_1", "bo_1", "own_1", 73)
            .await
            .unwrap();
        assert_eq!(claim(74).await, OwnerClaim::Created("own_1".to_owned()));
        assert_eq!(
            store
                .claim_owner_creation("ses_1", "bo_unknown", 75, 60)
                .await
                .unwrap(),
            OwnerClaim::Unknown
        );
        assert_eq!(store.provider_owner_ids("cus_1").await.unwrap(), ["own_1"]);
        // The provider has it: it stays.
        assert_eq!(
            store.remove_owner("ses_1", "bo_1", 76).await.unwrap(),
            OwnerRemoval::AtProvider
        );
        assert_eq!(
            store.company_name("ses_1").await.unwrap().unwrap(),
            "Acme Ltd"
        );
    }
);

on_every_store!(
    an_owners_new_document_drops_the_back_of_the_old_one,
    |store| {
        store.insert_session(&session("ses_1")).await.unwrap();
        let owners = [("bo_1".to_owned(), "Grace Hopper".to_owned())];
        store
            .insert_business("ses_1", "Acme Ltd", &owners, 1)
            .await
            .unwrap();
        let file = |id: &str| StoredFile {
            provider_file_id: id.to_owned(),
            format: FileFormat::Jpeg,
            bytes: 2048,
        };
        let side = |slot, document_type| BusinessPlace::Owner {
            owner: "bo_1".to_owned(),
            slot,
            document_type,
        };
        let license = DocumentType::DriversLicense;
        for (slot, id) in [(Slot::Front, "f1"), (Slot::Back, "f2")] {
            assert!(store
                .put_business_file("ses_1", &side(slot, license), &file(id), 2)
                .await
                .unwrap());
        }
        let places = async || -> Vec<String> {
            store
                .business_files("ses_1")
                .await
                .unwrap()
                .into_iter()
                .map(|(place, _)| place)
                .collect()
        };
        assert_eq!(places().await, ["owner:bo_1:back", "owner:bo_1:front"]);
        // The same document again keeps the back; a passport's front drops it.
        store
            .put_business_file("ses_1", &side(Slot::Front, license), &file("f3"), 3)
            .await
            .unwrap();
        assert_eq!(places().await.len(), 2);
        store
            .put_business_file(
                "ses_1",
                &side(Slot::Front, DocumentType::Passport),
                &file("f4"),
                4,
            )
            .await
            .unwrap();
        assert_eq!(places().await, ["owner:bo_1:front"]);
        let owner = &store.owners("ses_1").await.unwrap()[0];
        assert_eq!(owner.document_type, Some(DocumentType::Passport));
        assert_eq!(
            store.remove_owner("ses_1", "bo_1", 5).await.unwrap(),
            OwnerRemoval::Removed
        );
        assert!(places().await.is_empty());
    }
);

#[tokio::test]
async fn a_transaction_left_open_by_a_dropped_request_is_rolled_back_not_joined() {
    use super::values::Value;
    let store = Store::in_memory().unwrap();
    let setting = |name: &str| {
        let store = &store;
        let name = name.to_owned();
        async move {
            let mut conn = store.conn().await.unwrap();
            conn.query_opt(
                "SELECT value FROM settings WHERE name = ?1",
                vec![Value::Text(name)],
            )
            .await
            .unwrap()
            .is_some()
        }
    };
    // What a request dropped while its `BEGIN` ran leaves: the connection inside a transaction
    // nobody will end (here a `BEGIN` on a plain turn, which never rolls back), with a write.
    {
        let mut left = store.conn().await.unwrap();
        left.execute("BEGIN IMMEDIATE", Vec::new()).await.unwrap();
        left.execute(
            "INSERT INTO settings (name, value) VALUES ('lost', x'00')",
            Vec::new(),
        )
        .await
        .unwrap();
    }
    // The next users work, and their writes are their own, committed.
    store.insert_session(&session("ses_next")).await.unwrap();
    assert!(store.session("ses_next").await.unwrap().is_some());
    assert!(
        !setting("lost").await,
        "the dropped request's write was rolled back"
    );
    let tx = store.begin().await.unwrap();
    tx.commit().await.unwrap();

    // A `begin` dropped at any point of its `BEGIN` leaves nothing open either.
    for polls in 0..4 {
        let mut begin = Box::pin(store.begin());
        for _ in 0..polls {
            if futures_util::poll!(&mut begin).is_ready() {
                break;
            }
            tokio::task::yield_now().await;
        }
        drop(begin);
        let id = format!("ses_after_{polls}");
        store.insert_session(&session(&id)).await.unwrap();
        assert!(store.session(&id).await.unwrap().is_some());
    }
}
