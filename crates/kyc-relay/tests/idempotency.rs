//! `Idempotency-Key` on `PUT /v1/session/slots/{slot}`: a retried upload never creates a
//! second provider file. The relay talks to the real sandbox of provider D through an adapter
//! that counts the files it stores, and can hold an upload or fail it.

mod support;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use axum::Router;
use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use kyc_core::{DocumentType, FileFormat, Provider, Slot, VerificationStatus};
use kyc_relay::provider::{
    AttachFile, CustomerSpec, NewCustomer, ProviderAdapter, ProviderD, ProviderError,
};
use kyc_relay::spool::Spool;
use kyc_relay::store::Store;
use kyc_relay::{app, AppState, RelayConfig};
use kyc_sandbox::{Sandbox, SandboxConfig};
use serde_json::json;
use tokio::sync::Semaphore;

use support::{authorized, call, create_session, jpeg, upload, HOST_KEY};

/// Provider D, counting the files it is asked to store; an upload waits for a permit of
/// `hold`, and fails once when `fail_next` is set.
struct Counting {
    inner: ProviderD,
    uploads: AtomicU32,
    hold: Semaphore,
    fail_next: AtomicBool,
}

impl ProviderAdapter for Counting {
    fn create_customer<'a>(
        &'a self,
        spec: &'a CustomerSpec,
    ) -> BoxFuture<'a, Result<NewCustomer, ProviderError>> {
        self.inner.create_customer(spec)
    }

    fn upload<'a>(
        &'a self,
        customer_id: &'a str,
        slot: Slot,
        format: FileFormat,
        file: &'a Spool,
    ) -> BoxFuture<'a, Result<String, ProviderError>> {
        async move {
            self.uploads.fetch_add(1, Ordering::SeqCst);
            self.hold.acquire().await.unwrap().forget();
            if self.fail_next.swap(false, Ordering::SeqCst) {
                return Err(ProviderError::Unavailable("connection reset".to_owned()));
            }
            self.inner.upload(customer_id, slot, format, file).await
        }
        .boxed()
    }

    fn attach<'a>(
        &'a self,
        customer_id: &'a str,
        document_type: DocumentType,
        files: &'a [AttachFile],
        country: &'a str,
        state: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Option<String>, ProviderError>> {
        self.inner
            .attach(customer_id, document_type, files, country, state)
    }

    fn status<'a>(
        &'a self,
        customer_id: &'a str,
    ) -> BoxFuture<'a, Result<VerificationStatus, ProviderError>> {
        self.inner.status(customer_id)
    }
}

async fn relay_with_counting() -> (Router, Store, Arc<Counting>, Sandbox) {
    let sandbox = Sandbox::start(SandboxConfig::default(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let counting = Arc::new(Counting {
        inner: ProviderD::new(
            &format!("{}/d", sandbox.base_url()),
            "sandbox-api-key",
            Duration::from_secs(10),
        ),
        uploads: AtomicU32::new(0),
        hold: Semaphore::new(0),
        fail_next: AtomicBool::new(false),
    });
    let store = support::test_store().await;
    let providers: HashMap<Provider, Arc<dyn ProviderAdapter>> =
        HashMap::from([(Provider::D, counting.clone() as Arc<dyn ProviderAdapter>)]);
    let config = RelayConfig {
        host_api_key: HOST_KEY.to_owned(),
        ..RelayConfig::default()
    };
    let state = AppState::new(config, store.clone(), providers).unwrap();
    (app(state), store, counting, sandbox)
}

fn keyed(
    token: &str,
    slot: &str,
    content_type: &str,
    bytes: Vec<u8>,
    key: &str,
) -> axum::http::Request<axum::body::Body> {
    let mut request = upload(token, slot, content_type, bytes);
    request
        .headers_mut()
        .insert("idempotency-key", key.parse().unwrap());
    request
}

fn session_id(token: &str) -> String {
    // The token is `v1.<session id>.<expiry>.<signature>`; the id is what the store keys on.
    token.split('.').nth(2).unwrap().to_owned()
}

#[tokio::test]
async fn a_retried_upload_with_the_same_key_stores_one_provider_file() {
    let (relay, store, counting, _sandbox) = relay_with_counting().await;
    let token = create_session(&relay, "idem-1").await;

    // The first upload is held inside the provider call.
    let first = tokio::spawn({
        let relay = relay.clone();
        let request = keyed(&token, "front", "image/jpeg", jpeg(1600, 1000), "key-1");
        async move { call(&relay, request).await }
    });
    while counting.uploads.load(Ordering::SeqCst) == 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // A retry while it runs is told so, and sends nothing.
    let (status, body) = call(
        &relay,
        keyed(&token, "front", "image/jpeg", jpeg(1600, 1000), "key-1"),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "upload_in_progress");
    // The key belongs to the front slot.
    let (status, body) = call(
        &relay,
        keyed(&token, "back", "image/jpeg", jpeg(1600, 1000), "key-1"),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "idempotency_key_reused");

    counting.hold.add_permits(100);
    let (status, receipt) = first.await.unwrap();
    assert_eq!(status, StatusCode::OK, "{receipt}");
    let slots = store.slots(&session_id(&token)).await.unwrap();
    assert_eq!(slots.len(), 1);
    let file_id = slots[0].provider_file_id.clone();

    // A retry after success gets the same receipt; its body is not even read (a text file
    // here would otherwise be refused), and no second file is stored.
    let (status, again) = call(
        &relay,
        keyed(
            &token,
            "front",
            "image/jpeg",
            b"not a photo".repeat(200),
            "key-1",
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again, receipt);
    assert_eq!(counting.uploads.load(Ordering::SeqCst), 1);
    assert_eq!(
        store.slots(&session_id(&token)).await.unwrap()[0].provider_file_id,
        file_id
    );

    // Without a key, every upload is a new file.
    let (status, _) = call(
        &relay,
        upload(&token, "front", "image/jpeg", jpeg(1600, 1000)),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(counting.uploads.load(Ordering::SeqCst), 2);
    assert_ne!(
        store.slots(&session_id(&token)).await.unwrap()[0].provider_file_id,
        file_id
    );
}

#[tokio::test]
async fn a_failed_upload_releases_its_key_for_the_retry() {
    let (relay, store, counting, _sandbox) = relay_with_counting().await;
    counting.hold.add_permits(100);
    let token = create_session(&relay, "idem-2").await;
    counting.fail_next.store(true, Ordering::SeqCst);
    let (status, body) = call(
        &relay,
        keyed(&token, "front", "image/jpeg", jpeg(1600, 1000), "key-2"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert!(store.slots(&session_id(&token)).await.unwrap().is_empty());
    let (status, receipt) = call(
        &relay,
        keyed(&token, "front", "image/jpeg", jpeg(1600, 1000), "key-2"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{receipt}");
    assert_eq!(counting.uploads.load(Ordering::SeqCst), 2);
    // A refused file releases its key too: the corrected file may use it.
    let (status, body) = call(
        &relay,
        keyed(&token, "back", "image/jpeg", b"text".repeat(500), "key-3"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, _) = call(
        &relay,
        keyed(&token, "back", "image/jpeg", jpeg(1600, 1000), "key-3"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(
        &relay,
        authorized(
            "POST",
            "/v1/session/submit",
            &token,
            Some(json!({"issuing_country": "USA", "document_type": "drivers_license"})),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_malformed_key_is_refused() {
    let (relay, _store, counting, _sandbox) = relay_with_counting().await;
    counting.hold.add_permits(100);
    let token = create_session(&relay, "idem-3").await;
    for key in ["a key with spaces", &"k".repeat(256)] {
        let (status, body) = call(
            &relay,
            keyed(&token, "front", "image/jpeg", jpeg(1600, 1000), key),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{key}: {body}");
    }
    assert_eq!(counting.uploads.load(Ordering::SeqCst), 0);
}
