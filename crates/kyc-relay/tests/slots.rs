//! The slots a session takes beyond the identity document, at the relay against the real
//! sandbox: D's liveness capture (D has no slot for one), and the slots the host requires or
//! offers per session (`slots` on `POST /v1/sessions`).

mod support;

use std::time::Duration;

use axum::http::StatusCode;
use axum::Router;
use serde_json::{json, Value};

use support::{
    authorized, call, create_session, create_session_request, harness, jpeg, settled_status, upload,
};

/// Opens a session of `provider` with the host's `slots`: the status and body of the answer.
async fn open(
    relay: &Router,
    provider: &str,
    reference: &str,
    slots: Value,
) -> (StatusCode, Value) {
    let body = json!({
        "customer_reference": reference, "customer_type": "individual", "country": "GBR",
        "provider": provider, "slots": slots,
        "person": {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"},
    });
    call(relay, create_session_request(&body)).await
}

/// Uploads a photo into each of `slots`.
async fn put(relay: &Router, token: &str, slots: &[&str]) {
    for slot in slots {
        let (status, body) = call(relay, upload(token, slot, "image/jpeg", jpeg(1600, 1000))).await;
        assert_eq!(status, StatusCode::OK, "{slot}: {body}");
    }
}

/// Submits a GBR passport.
async fn submit(relay: &Router, token: &str) -> (StatusCode, Value) {
    let submit = Some(json!({"issuing_country": "GBR", "document_type": "passport"}));
    call(
        relay,
        authorized("POST", "/v1/session/submit", token, submit),
    )
    .await
}

/// D's document names no liveness slot ("id_file is mandatory; other slots depend on the
/// customer's country") and D's attach refuses one: a liveness file is refused at the upload,
/// before it could make the session's attach fail, and the session is submitted and reviewed.
#[tokio::test]
async fn d_takes_no_liveness_file_so_the_session_is_still_submitted() {
    let h = harness(Duration::from_millis(300)).await;
    let token = create_session(&h.relay, "slots-d-1").await;
    let (status, body) = call(
        &h.relay,
        upload(&token, "liveness", "image/jpeg", jpeg(1600, 1000)),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["problems"], json!(["unexpected_slot"]));
    let (status, body) = call(
        &h.relay,
        upload(&token, "front", "image/jpeg", jpeg(1600, 1000)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let submit = Some(json!({"issuing_country": "GBR", "document_type": "passport"}));
    let (status, report) = call(
        &h.relay,
        authorized("POST", "/v1/session/submit", &token, submit),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let settled = settled_status(&h.relay, &token, Duration::from_secs(5)).await;
    assert_eq!(settled["state"], "verified", "{settled}");
}

/// A: proof of address and liveness are places the provider takes but does not require. The
/// host requires one and offers the other: the session says so, the submission waits for the
/// required one only, and A accepts it without the optional one.
#[tokio::test]
async fn the_host_requires_one_slot_and_offers_another() {
    let h = harness(Duration::from_millis(300)).await;
    let slots = json!({"proof_of_address": "optional", "liveness": "required"});
    let (status, created) = open(&h.relay, "a", "slots-a-1", slots).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let token = created["token"].as_str().unwrap();
    let (_, view) = call(&h.relay, authorized("GET", "/v1/session", token, None)).await;
    assert_eq!(view["liveness_required"], true, "{view}");
    assert_eq!(view["proof_of_address_required"], false, "{view}");
    assert_eq!(
        view["optional_slots"],
        json!(["proof_of_address"]),
        "{view}"
    );
    put(&h.relay, token, &["front"]).await;
    let (status, body) = submit(&h.relay, token).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["problems"], json!(["missing_slot"]));
    put(&h.relay, token, &["liveness"]).await;
    let (status, report) = submit(&h.relay, token).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let settled = settled_status(&h.relay, token, Duration::from_secs(5)).await;
    assert_eq!(settled["state"], "verified", "{settled}");
}

/// D: an optional proof of address is sent when the user gave one, and the session is
/// complete without it when they skipped it; D's sandbox reviews both.
#[tokio::test]
async fn an_optional_slot_is_sent_when_present_and_may_be_skipped() {
    let h = harness(Duration::from_millis(300)).await;
    for (reference, slots) in [
        ("slots-d-2", &["front", "proof_of_address"][..]),
        ("slots-d-3", &["front"][..]),
    ] {
        let optional = json!({"proof_of_address": "optional"});
        let (status, created) = open(&h.relay, "d", reference, optional).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let token = created["token"].as_str().unwrap();
        let (_, view) = call(&h.relay, authorized("GET", "/v1/session", token, None)).await;
        assert_eq!(
            view["optional_slots"],
            json!(["proof_of_address"]),
            "{view}"
        );
        put(&h.relay, token, slots).await;
        let (status, report) = submit(&h.relay, token).await;
        assert_eq!(status, StatusCode::OK, "{reference}: {report}");
        let settled = settled_status(&h.relay, token, Duration::from_secs(5)).await;
        assert_eq!(settled["state"], "verified", "{reference}: {settled}");
    }
}

/// A slot the provider does not take, a side of the document, or "optional" for a slot the
/// provider always requires: refused before any customer is created, naming the slot and
/// what may be chosen.
#[tokio::test]
async fn a_slot_choice_the_provider_cannot_honour_is_refused_by_name() {
    let h = harness(Duration::from_secs(5)).await;
    let cases = [
        (
            "d",
            json!({"liveness": "optional"}),
            "the provider takes no liveness file for this customer; slots to require or offer \
             here: selfie, proof_of_address",
        ),
        (
            "a",
            json!({"selfie": "required"}),
            "the provider takes no selfie file for this customer; slots to require or offer \
             here: proof_of_address, liveness",
        ),
        (
            "a",
            json!({"front": "optional"}),
            "the provider takes no front file for this customer",
        ),
        (
            "b",
            json!({"proof_of_address": "optional"}),
            "the provider always requires proof_of_address; it cannot be optional",
        ),
        ("d", json!({"face": "optional"}), "slots.face is not a slot"),
    ];
    for (i, (provider, slots, expected)) in cases.into_iter().enumerate() {
        let (status, body) = open(&h.relay, provider, &format!("slots-x-{i}"), slots).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{provider}: {body}");
        assert_eq!(body["error"]["code"], "bad_request");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(expected), "{provider}: {message}");
    }
}
