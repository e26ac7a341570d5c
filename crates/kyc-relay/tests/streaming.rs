//! Receiving and storing overlap: the PUT to the provider's storage starts while the client is
//! still sending (its first bytes reach the storage before the last ones leave the client),
//! and a file refused by a check of the whole file after its PUT started is answered 422
//! `invalid_file`, is not recorded, and its PUT never completes at the storage. A PUT that
//! fails mid-way is sent again from the spool, whole. Against the
//! real sandbox, with a gate in front of its provider D that passes the storage PUTs on and
//! records them.

#[path = "support/gate.rs"]
mod gate;
#[path = "support/guarded.rs"]
mod guarded;
#[path = "support/hostile.rs"]
mod hostile;
mod support;

use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use kyc_sandbox::{Sandbox, SandboxConfig};
use serde_json::Value;
use tokio::sync::mpsc;
use tower::ServiceExt;

use gate::{Gate, Hold};
use guarded::session_id;
use support::create_session;

/// How the slow client cuts its body.
const CHUNK: usize = 64 * 1024;

/// The sandbox, a gate in front of its provider D, and a relay using the gate.
async fn setup() -> (Router, Gate, kyc_relay::store::Store, Sandbox) {
    let sandbox = Sandbox::start(SandboxConfig::default(), "127.0.0.1:0".parse().unwrap())
        .await
        .expect("the sandbox starts");
    let gate = Gate::start(&format!("{}/d", sandbox.base_url())).await;
    let (relay, store) = support::relay_for_d(&gate.url).await;
    (relay, gate, store, sandbox)
}

/// A client sending `bytes` as the front of the session `token` at its own pace: the relay's
/// answer comes from the returned task once the sender is fed every chunk and dropped.
fn slow_upload(
    relay: &Router,
    token: &str,
    len: usize,
) -> (
    mpsc::Sender<Vec<u8>>,
    tokio::task::JoinHandle<(StatusCode, Value)>,
) {
    let (chunks, receiver) = mpsc::channel::<Vec<u8>>(1);
    let body = futures_util::stream::unfold(receiver, |mut receiver| async move {
        let chunk = receiver.recv().await?;
        Some((Ok::<_, std::io::Error>(chunk), receiver))
    });
    let request = Request::put("/v1/session/slots/front")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "image/jpeg")
        .header(header::CONTENT_LENGTH, len)
        .body(Body::from_stream(body))
        .unwrap();
    let relay = relay.clone();
    let answer = tokio::spawn(async move {
        let response = relay.oneshot(request).await.unwrap();
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
    });
    (chunks, answer)
}

/// Waits (at most 5 s) until the storage received bytes of the first recorded PUT: how many.
async fn storage_has_bytes(gate: &Gate) -> u64 {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let received = gate.storage_puts().first().map_or(0, |put| put.bytes);
        if received > 0 {
            return received;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no byte reached the storage while the client was sending"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Sends every chunk of `bytes` but the last, waits until the storage received bytes of the
/// upload, then sends the last chunk: what the storage had by then.
async fn send_with_pause(chunks: mpsc::Sender<Vec<u8>>, gate: &Gate, bytes: &[u8]) -> u64 {
    let pieces: Vec<&[u8]> = bytes.chunks(CHUNK).collect();
    let (last, first) = pieces.split_last().unwrap();
    for piece in first {
        chunks.send(piece.to_vec()).await.unwrap();
    }
    let early = storage_has_bytes(gate).await;
    chunks.send(last.to_vec()).await.unwrap();
    early
}

/// `bytes` sent by a slow client as [`send_with_pause`] sends them: the storage has had bytes
/// before the client's last chunk; the relay's answer.
async fn streamed(relay: &Router, gate: &Gate, token: &str, bytes: &[u8]) -> (StatusCode, Value) {
    let (chunks, answer) = slow_upload(relay, token, bytes.len());
    let early = send_with_pause(chunks, gate, bytes).await;
    assert!(
        early < bytes.len() as u64,
        "the storage had nothing before the last chunk"
    );
    answer.await.unwrap()
}

#[tokio::test]
async fn the_storage_receives_the_file_while_the_client_still_sends_it() {
    let (relay, gate, store, _sandbox) = setup().await;
    gate.hold(Method::POST, "/files", Hold::ForwardWithStorageRecorded, 1);
    let token = create_session(&relay, "streamed").await;
    let bytes = hostile::jpeg(1600, 1000, 2 * 1024 * 1024);
    let (status, body) = streamed(&relay, &gate, &token, &bytes).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["bytes"], bytes.len());
    // One URL request, one PUT: the whole file reached the storage, which stored it.
    assert_eq!(gate.seen(&Method::POST, "/files"), 1);
    let puts = gate.storage_puts();
    assert_eq!(puts.len(), 1);
    assert_eq!(puts[0].bytes, bytes.len() as u64);
    assert_eq!(puts[0].status, Some(200));
    let slots = store.slots(&session_id(&token)).await.unwrap();
    assert_eq!(slots.len(), 1);
    assert_eq!(slots[0].bytes, bytes.len() as u64);
}

#[tokio::test]
async fn a_file_refused_after_its_put_started_is_not_recorded_nor_stored() {
    let (relay, gate, store, _sandbox) = setup().await;
    gate.hold(Method::POST, "/files", Hold::ForwardWithStorageRecorded, 1);
    let token = create_session(&relay, "refused-late").await;
    // A photo whose head passes, with an executable after its end: only the whole file shows.
    let mut bytes = hostile::jpeg(1600, 1000, 1024 * 1024);
    bytes.extend_from_slice(&hostile::elf(1024 * 1024));
    let (status, body) = streamed(&relay, &gate, &token, &bytes).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "invalid_file", "{body}");
    assert!(body.to_string().contains("trailing_data"), "{body}");
    assert!(store.slots(&session_id(&token)).await.unwrap().is_empty());
    // The PUT was dropped before its last byte: the storage never answered (stored) it.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let puts = gate.storage_puts();
    assert_eq!(puts.len(), 1);
    assert!(puts[0].bytes < bytes.len() as u64, "{puts:?}");
    assert_eq!(puts[0].status, None, "{puts:?}");
}

#[tokio::test]
async fn a_put_failing_mid_way_is_sent_again_whole_from_the_spool() {
    let (relay, gate, store, _sandbox) = setup().await;
    // The first PUT is cut after 256 KiB (answered 503 while the client still sends); the
    // retry's URL leads to the storage, recorded.
    gate.hold(
        Method::POST,
        "/files",
        Hold::ForwardWithStorageCut(256 * 1024),
        1,
    );
    gate.hold(Method::POST, "/files", Hold::ForwardWithStorageRecorded, 1);
    let token = create_session(&relay, "cut-mid-way").await;
    let bytes = hostile::jpeg(1600, 1000, 2 * 1024 * 1024);
    let (status, body) = streamed(&relay, &gate, &token, &bytes).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["bytes"], bytes.len());
    // Two URL requests; the first PUT broke off, the second carried every byte and was stored.
    assert_eq!(gate.seen(&Method::POST, "/files"), 2);
    let puts = gate.storage_puts();
    assert_eq!(puts.len(), 2, "{puts:?}");
    assert!(puts[0].bytes < bytes.len() as u64, "{puts:?}");
    assert_eq!(puts[0].status, Some(503), "{puts:?}");
    assert_eq!(puts[1].bytes, bytes.len() as u64, "{puts:?}");
    assert_eq!(puts[1].status, Some(200), "{puts:?}");
    let slots = store.slots(&session_id(&token)).await.unwrap();
    assert_eq!(slots.len(), 1);
    assert_eq!(slots[0].bytes, bytes.len() as u64);
}
