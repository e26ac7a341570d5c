//! A bug that panics while one request is answered costs that request only: it gets a 500 in
//! the one JSON error shape, and the relay (served over real HTTP, the real sandbox behind it)
//! goes on answering it and every other session. The bug is injected by a provider D adapter
//! that panics when asked for a status and does everything else for real. Recorded for
//! RELIABILITY.md (`target/reliability/relay-panics.jsonl`).

#[path = "support/hostile.rs"]
mod hostile;
mod support;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use kyc_core::{DocumentType, FileFormat, Provider, Slot, VerificationStatus};
use kyc_relay::provider::{
    AttachFile, CustomerSpec, NewCustomer, ProviderAdapter, ProviderD, ProviderError,
};
use kyc_relay::spool::Spool;
use kyc_relay::{app, AppState, RelayConfig};
use kyc_sandbox::{Sandbox, SandboxConfig};
use serde_json::{json, Value};

use support::{jpeg, HOST_KEY};

/// Provider D, with a bug: reading a status panics.
struct PanicsOnStatus(ProviderD);

impl ProviderAdapter for PanicsOnStatus {
    fn new_customer_after_rejection(&self) -> bool {
        self.0.new_customer_after_rejection()
    }

    fn create_customer<'a>(
        &'a self,
        spec: &'a CustomerSpec,
    ) -> BoxFuture<'a, Result<NewCustomer, ProviderError>> {
        self.0.create_customer(spec)
    }

    fn upload<'a>(
        &'a self,
        customer_id: &'a str,
        slot: Slot,
        format: FileFormat,
        file: &'a Spool,
    ) -> BoxFuture<'a, Result<String, ProviderError>> {
        self.0.upload(customer_id, slot, format, file)
    }

    fn attach<'a>(
        &'a self,
        customer_id: &'a str,
        document_type: DocumentType,
        files: &'a [AttachFile],
        country: &'a str,
        state: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Option<String>, ProviderError>> {
        self.0
            .attach(customer_id, document_type, files, country, state)
    }

    fn status<'a>(
        &'a self,
        _customer_id: &'a str,
    ) -> BoxFuture<'a, Result<VerificationStatus, ProviderError>> {
        panic!("injected bug: the status answer could not be handled")
    }
}

async fn call(request: reqwest::RequestBuilder) -> Result<(u16, Value), String> {
    let response = request.send().await.map_err(|err| err.to_string())?;
    let status = response.status().as_u16();
    let body = response.json().await.map_err(|err| err.to_string())?;
    Ok((status, body))
}

#[tokio::test]
async fn a_panic_in_one_request_is_its_500_and_the_relay_goes_on() {
    let sandbox = Sandbox::start(SandboxConfig::default(), "127.0.0.1:0".parse().unwrap())
        .await
        .expect("the sandbox starts");
    let provider_d = ProviderD::new(
        &format!("{}/d", sandbox.base_url()),
        "sandbox-api-key",
        Duration::from_secs(10),
    );
    let provider_d: Arc<dyn ProviderAdapter> = Arc::new(PanicsOnStatus(provider_d));
    let config = RelayConfig {
        host_api_key: HOST_KEY.to_owned(),
        ..RelayConfig::default()
    };
    let state = AppState::new(
        config,
        support::test_store().await,
        HashMap::from([(Provider::D, provider_d)]),
    )
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app(state)).await });
    // One client, one kept-alive connection: a panic that took the connection down would
    // show in the requests after it.
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .build()
        .unwrap();
    let mut tokens = Vec::new();
    for reference in ["panics-1", "panics-2"] {
        let (status, body) = call(http.post(format!("{base}/v1/sessions")).bearer_auth(HOST_KEY).json(
                &json!({"customer_reference": reference, "customer_type": "individual", "country": "GBR", "provider": "d"}),
            ),
        )
        .await
        .unwrap();
        assert_eq!(status, 201, "{body}");
        tokens.push(body["token"].as_str().unwrap().to_owned());
    }
    let upload = |token: &str| {
        http.put(format!("{base}/v1/session/slots/front"))
            .bearer_auth(token)
            .header("content-type", "image/jpeg")
            .body(jpeg(1600, 1200))
    };
    assert_eq!(call(upload(&tokens[0])).await.unwrap().0, 200);
    let submit = http
        .post(format!("{base}/v1/session/submit"))
        .bearer_auth(&tokens[0])
        .json(&json!({"issuing_country": "USA", "document_type": "passport"}));
    assert_eq!(call(submit).await.unwrap().0, 200);
    // Pending: the status is read from the provider, and the adapter panics.
    let status_request = || {
        http.get(format!("{base}/v1/session/status"))
            .bearer_auth(&tokens[0])
    };
    let panicked = call(status_request()).await;
    let again = call(status_request()).await;
    let other = call(upload(&tokens[1])).await;
    let view = call(
        http.get(format!("{base}/v1/session"))
            .bearer_auth(&tokens[0]),
    )
    .await;
    let outcome = format!(
        "status read panicked: {}; asked again: {}; another session's upload: {}; the session's view: {}",
        describe(&panicked),
        describe(&again),
        describe(&other),
        describe(&view)
    );
    let shaped = |answer: &Result<(u16, Value), String>| {
        answer
            .as_ref()
            .is_ok_and(|(status, body)| *status == 500 && body["error"]["code"] == "internal")
    };
    // The injected bug's 500 is the expected answer here: `crashed` records whether the relay
    // failed to contain it (no JSON answer, the connection or the process gone).
    hostile::record(
        "relay-panics",
        &hostile::Trial {
            area: "faults",
            case: "panic_in_one_request".to_owned(),
            tries: 2,
            outcome: outcome.clone(),
            lost: u64::from(
                !view
                    .as_ref()
                    .is_ok_and(|(_, body)| body["uploaded"] == json!(["front"])),
            ),
            crashed: !(shaped(&panicked) && shaped(&again) && other.is_ok()),
        },
    );
    assert!(shaped(&panicked), "{outcome}");
    assert!(shaped(&again), "{outcome}");
    assert_eq!(
        other.as_ref().map(|(status, _)| *status).ok(),
        Some(200),
        "{outcome}"
    );
    assert_eq!(
        view.as_ref().map(|(_, body)| body["uploaded"].clone()).ok(),
        Some(json!(["front"])),
        "{outcome}"
    );
}

fn describe(answer: &Result<(u16, Value), String>) -> String {
    match answer {
        Ok((status, body)) => match body["error"]["code"].as_str() {
            Some(code) => format!("{status} {code}"),
            None => status.to_string(),
        },
        Err(err) => format!("no answer ({err})"),
    }
}

/// The relay's release build unwinds, so the layer above can catch a panic: `panic = "abort"`
/// in the release profile (which every package of the workspace shares) would end the process
/// at the first panic instead, with every session's requests in it.
#[test]
fn the_release_profile_unwinds() {
    let manifest =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.toml"))
            .expect("the workspace manifest");
    let release: Vec<&str> = manifest
        .lines()
        .skip_while(|line| line.trim() != "[profile.release]")
        .skip(1)
        .take_while(|line| !line.trim_start().starts_with('['))
        .filter(|line| !line.trim_start().starts_with('#'))
        .collect();
    assert!(!release.is_empty(), "the workspace has a release profile");
    assert!(
        !release
            .iter()
            .any(|line| line.replace(' ', "").starts_with("panic=\"abort\"")),
        "[profile.release] aborts on panic: {release:?}"
    );
}
