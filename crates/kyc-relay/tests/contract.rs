//! `docs/openapi.yaml` against the relay: every answer the relay gives in these tests (real
//! requests, the real sandbox behind it) must be declared in the document for its endpoint and
//! status, and its JSON body must fit the declared schema (`required`, `properties`, `type`,
//! `enum`, `items`, `oneOf`, `additionalProperties: false`, through `$ref`).

mod support;

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use kyc_core::Provider;
use kyc_relay::provider::{ProviderAdapter, ProviderD};
use kyc_relay::{app, AppState, RelayConfig};
use kyc_sandbox::SandboxConfig;
use serde_json::{json, Value};

use support::openapi::{contract, Contract};
use support::{authorized, create_session_request, harness_with, jpeg, upload, HOST_KEY};

/// The relay with every answer checked against the document, and the answers seen.
#[derive(Clone)]
struct Checked {
    relay: Router,
    seen: Arc<Mutex<BTreeSet<(String, String, u16)>>>,
}

impl Checked {
    fn new(relay: Router) -> Checked {
        Checked {
            relay,
            seen: Arc::default(),
        }
    }

    /// Sends `request` ([`support::call`] panics if the answer is not what the document
    /// declares) and records the endpoint and status.
    async fn call(&self, request: Request<Body>) -> (StatusCode, Value) {
        let method = request.method().as_str().to_owned();
        let path = request.uri().path().to_owned();
        let (status, body) = support::call(&self.relay, request).await;
        let template = contract().template(&path).unwrap_or(path);
        self.seen
            .lock()
            .unwrap()
            .insert((method, template, status.as_u16()));
        (status, body)
    }

    fn assert_seen(&self, expected: &[(&str, &str, u16)]) {
        let seen = self.seen.lock().unwrap();
        for (method, template, status) in expected {
            let key = (method.to_string(), template.to_string(), *status);
            assert!(seen.contains(&key), "not exercised: {key:?}; seen {seen:?}");
        }
    }
}

fn individual(reference: &str, provider: &str) -> Value {
    json!({"customer_reference": reference, "customer_type": "individual", "country": "GBR", "provider": provider})
}

async fn token_for(relay: &Checked, reference: &str) -> String {
    let (status, body) = relay
        .call(create_session_request(&individual(reference, "d")))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["token"].as_str().unwrap().to_owned()
}

/// Polls the status through the checked relay until it is no longer pending (10 s at most).
async fn settle(relay: &Checked, token: &str) -> Value {
    for _ in 0..100 {
        let (status, report) = relay
            .call(authorized("GET", "/v1/session/status", token, None))
            .await;
        assert_eq!(status, StatusCode::OK, "{report}");
        if report["status"]["state"] != "pending" {
            return report["status"].clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("still pending after 10 s");
}

fn sandbox(review_delay: Duration) -> SandboxConfig {
    SandboxConfig {
        review_delay,
        ..SandboxConfig::default()
    }
}

#[test]
fn the_checker_accepts_what_the_schemas_declare() {
    let contract = Contract::load();
    let ok = [
        (
            "GET",
            "/v1/session/status",
            200,
            json!({"status": {"state": "pending"}, "pending_for_secs": 3}),
        ),
        (
            "GET",
            "/v1/session/status",
            200,
            json!({"status": {"state": "pending"}, "pending_for_secs": 7_200,
                "review": {"advice": "operations_at_five_hours", "next_at_secs": 18_000}}),
        ),
        (
            "GET",
            "/v1/session/status",
            200,
            json!({"status": {"state": "rejected", "reason": "document_blurry"}}),
        ),
        (
            "PUT",
            "/v1/session/slots/back",
            200,
            json!({"slot": "back", "format": "pdf", "bytes": 10}),
        ),
        (
            "POST",
            "/v1/sessions",
            401,
            json!({"error": {"code": "unauthorized", "message": "no"}}),
        ),
        (
            "POST",
            "/v1/session/submit",
            422,
            json!({"error": {"code": "invalid_submission", "message": "m", "problems": ["missing_slot"]}}),
        ),
    ];
    for (method, path, status, body) in ok {
        assert_eq!(
            contract.check_response(method, path, status, &body),
            Ok(()),
            "{body}"
        );
    }
}

#[test]
fn the_checker_rejects_what_the_schemas_do_not_declare() {
    let contract = Contract::load();
    let bad = [
        // A required property missing.
        (
            "POST",
            "/v1/sessions",
            201,
            json!({"session_id": "s", "token": "t"}),
            "expires_at is missing",
        ),
        (
            "POST",
            "/v1/sessions",
            401,
            json!({"error": {"message": "no"}}),
            "code is missing",
        ),
        // A rejection without its reason fits neither alternative.
        (
            "GET",
            "/v1/session/status",
            200,
            json!({"status": {"state": "rejected"}}),
            "0 of the oneOf",
        ),
        // Wrong types, through $ref.
        (
            "PUT",
            "/v1/session/slots/front",
            200,
            json!({"slot": "front", "format": "jpeg", "bytes": "10"}),
            "not of type integer",
        ),
        (
            "GET",
            "/v1/session/status",
            200,
            json!({"status": "pending"}),
            "0 of the oneOf",
        ),
        // Values outside an enum.
        (
            "PUT",
            "/v1/session/slots/front",
            200,
            json!({"slot": "front", "format": "gif", "bytes": 1}),
            "not one of",
        ),
        (
            "POST",
            "/v1/sessions",
            409,
            json!({"error": {"code": "conflict", "message": "m"}}),
            "not one of",
        ),
        // A property the schema does not declare.
        (
            "GET",
            "/v1/session/status",
            200,
            json!({"status": {"state": "verified"}, "extra": 1}),
            "extra is not declared",
        ),
        // A review advice the document does not list.
        (
            "GET",
            "/v1/session/status",
            200,
            json!({"status": {"state": "pending"}, "review": {"advice": "soon"}}),
            "not one of",
        ),
        // Null where the schema is not nullable.
        (
            "GET",
            "/v1/session/status",
            200,
            json!({"status": {"state": "pending"}, "pending_for_secs": null}),
            "null is not of type integer",
        ),
        // A status the endpoint does not declare, and paths and methods that do not exist.
        (
            "GET",
            "/v1/session",
            413,
            json!({"error": {"code": "too_large", "message": "m"}}),
            "does not declare status 413",
        ),
        ("DELETE", "/v1/session", 200, Value::Null, "is not declared"),
        ("GET", "/v1/nothing", 200, Value::Null, "not a path"),
        // An empty body where JSON is declared.
        (
            "GET",
            "/v1/session",
            200,
            Value::Null,
            "is not of type object",
        ),
    ];
    for (method, path, status, body, why) in bad {
        let result = contract.check_response(method, path, status, &body);
        match result {
            Err(message) => assert!(message.contains(why), "{message:?} should say {why:?}"),
            Ok(()) => panic!("{method} {path} {status} {body} passed the checker"),
        }
    }
}

#[test]
fn the_checker_holds_requests_to_the_declared_schemas() {
    let contract = Contract::load();
    let create = json!({"customer_reference": "r", "customer_type": "individual", "country": "USA",
                        "provider": "b", "person": {"first_name": "A", "last_name": "B", "email": "a@b.c"}});
    assert_eq!(
        contract.check_request("POST", "/v1/sessions", &create),
        Ok(())
    );
    let submit =
        json!({"issuing_country": "USA", "document_type": "drivers_license", "state": "CA"});
    assert_eq!(
        contract.check_request("POST", "/v1/session/submit", &submit),
        Ok(())
    );
    let bad = [
        (
            "POST",
            "/v1/sessions",
            json!({"customer_reference": "r", "customer_type": "individual", "country": "USA"}),
            "provider is missing",
        ),
        (
            "POST",
            "/v1/sessions",
            json!({"customer_reference": "r", "customer_type": "person", "country": "USA", "provider": "b"}),
            "not one of",
        ),
        (
            "POST",
            "/v1/sessions",
            json!({"customer_reference": "r", "customer_type": "individual", "country": "USA", "provider": "b", "person": {"first_name": "A"}}),
            "last_name is missing",
        ),
        (
            "POST",
            "/v1/session/submit",
            json!({"issuing_country": "USA", "document_type": "passport", "side": "front"}),
            "side is not declared",
        ),
        (
            "GET",
            "/v1/session",
            json!({}),
            "declares no JSON request body",
        ),
    ];
    for (method, path, body, why) in bad {
        match contract.check_request(method, path, &body) {
            Err(message) => assert!(message.contains(why), "{message:?} should say {why:?}"),
            Ok(()) => panic!("{method} {path} {body} passed the checker"),
        }
    }
}

#[tokio::test]
async fn a_full_flow_and_its_errors_match_the_document() {
    let h = harness_with(sandbox(Duration::from_millis(1500)), RelayConfig::default()).await;
    let relay = Checked::new(h.relay.clone());

    let token = token_for(&relay, "contract-alice").await;
    let (status, view) = relay
        .call(authorized("GET", "/v1/session", &token, None))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(view["status"], json!({"state": "not_submitted"}));

    // Uploads: refused content, too small, too large, unknown slot, then a good one.
    let text = b"not a photo\n".repeat(200);
    let (status, body) = relay
        .call(upload(&token, "front", "image/jpeg", text))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["problems"], json!(["unsupported_format"]));
    let mut big = jpeg(1600, 1000);
    big.resize(11 * 1024 * 1024, 0);
    let (status, _) = relay.call(upload(&token, "front", "image/jpeg", big)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let (status, _) = relay
        .call(upload(&token, "left_ear", "image/jpeg", jpeg(1600, 1000)))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, receipt) = relay
        .call(upload(&token, "front", "image/jpeg", jpeg(1600, 1000)))
        .await;
    assert_eq!(status, StatusCode::OK, "{receipt}");

    // Submits: malformed, breaking the rules, then a good one, then a second one.
    let (status, body) = relay
        .call(
            Request::post("/v1/session/submit")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{\"document_type\": "))
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = relay
        .call(authorized(
            "POST",
            "/v1/session/submit",
            &token,
            Some(json!({"issuing_country": "USA", "document_type": "drivers_license"})),
        ))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["problems"], json!(["missing_slot"]));
    let passport = || Some(json!({"issuing_country": "USA", "document_type": "passport"}));
    let (status, report) = relay
        .call(authorized("POST", "/v1/session/submit", &token, passport()))
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["status"], json!({"state": "pending"}));
    let (status, body) = relay
        .call(authorized("POST", "/v1/session/submit", &token, passport()))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "already_submitted");
    let (status, body) = relay
        .call(upload(&token, "back", "image/jpeg", jpeg(1600, 1000)))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "already_submitted");

    // Status: pending, then verified.
    let (status, report) = relay
        .call(authorized("GET", "/v1/session/status", &token, None))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(report["status"]["state"], "pending");
    assert_eq!(settle(&relay, &token).await, json!({"state": "verified"}));

    // A rejection carries its reason.
    let rejected = token_for(&relay, "contract-bob-reject_document_blurry").await;
    relay
        .call(upload(&rejected, "front", "image/jpeg", jpeg(1600, 1000)))
        .await;
    relay
        .call(authorized(
            "POST",
            "/v1/session/submit",
            &rejected,
            passport(),
        ))
        .await;
    assert_eq!(
        settle(&relay, &rejected).await,
        json!({"state": "rejected", "reason": "document_blurry"})
    );

    // Credentials.
    for path in ["/v1/session", "/v1/session/status"] {
        let (status, _) = relay
            .call(authorized("GET", path, "v1.forged.1.00", None))
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, _) = relay
        .call(upload("nope", "front", "image/jpeg", jpeg(1600, 1000)))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = relay
        .call(authorized("POST", "/v1/session/submit", "nope", passport()))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = relay
        .call(
            Request::post("/v1/sessions")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(individual("x", "d").to_string()))
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Host requests: a bad country, malformed JSON, a provider not configured, a reference the
    // provider already has (its 409 stays a 409).
    let mut bad_country = individual("contract-carol", "d");
    bad_country["country"] = json!("GB");
    let (status, _) = relay.call(create_session_request(&bad_country)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // A reference with a control character (a NUL PostgreSQL cannot store, a line break that
    // would forge a log line), or too long: refused before the provider hears of it.
    for reference in ["carol\u{0}", "carol\nadmin", &"x".repeat(129)] {
        let request = individual(reference, "d");
        let (status, body) = relay.call(create_session_request(&request)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{reference:?}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.starts_with("customer_reference must be 1 to 128 characters"));
    }
    let (status, body) = relay
        .call(
            Request::post("/v1/sessions")
                .header(header::AUTHORIZATION, format!("Bearer {HOST_KEY}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{\"customer_reference\": 1}"))
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "bad_request");
    let (status, body) = relay
        .call(create_session_request(&individual("contract-alice", "d")))
        .await;
    // Alice is verified, and D holds a reference once.
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "already_verified");

    // Demo sessions are off by default.
    let (status, _) = relay
        .call(Request::post("/demo/session").body(Body::empty()).unwrap())
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    relay.assert_seen(&[
        ("POST", "/v1/sessions", 201),
        ("POST", "/v1/sessions", 400),
        ("POST", "/v1/sessions", 401),
        ("POST", "/v1/sessions", 409),
        ("POST", "/demo/session", 404),
        ("GET", "/v1/session", 200),
        ("GET", "/v1/session", 401),
        ("PUT", "/v1/session/slots/{slot}", 200),
        ("PUT", "/v1/session/slots/{slot}", 401),
        ("PUT", "/v1/session/slots/{slot}", 404),
        ("PUT", "/v1/session/slots/{slot}", 409),
        ("PUT", "/v1/session/slots/{slot}", 413),
        ("PUT", "/v1/session/slots/{slot}", 422),
        ("POST", "/v1/session/submit", 200),
        ("POST", "/v1/session/submit", 400),
        ("POST", "/v1/session/submit", 401),
        ("POST", "/v1/session/submit", 409),
        ("POST", "/v1/session/submit", 422),
        ("GET", "/v1/session/status", 200),
        ("GET", "/v1/session/status", 401),
    ]);
    drop(h.sandbox);
}

#[tokio::test]
async fn the_quality_gate_is_the_providers_unless_the_host_chooses() {
    let h = harness_with(sandbox(Duration::from_secs(5)), RelayConfig::default()).await;
    let relay = Checked::new(h.relay.clone());
    let quality_of = |request: Value| {
        let relay = relay.clone();
        async move {
            let (status, created) = relay.call(create_session_request(&request)).await;
            assert_eq!(status, StatusCode::CREATED, "{created}");
            let token = created["token"].as_str().unwrap();
            let (status, view) = relay
                .call(authorized("GET", "/v1/session", token, None))
                .await;
            assert_eq!(status, StatusCode::OK, "{view}");
            view["quality"].clone()
        }
    };
    // A never passes a blurry or cut-off document; D lets one through with a warning.
    assert_eq!(quality_of(individual("q-a", "a")).await, "strict");
    assert_eq!(quality_of(individual("q-d", "d")).await, "lenient");
    // The host chooses otherwise, either way.
    let mut strict_d = individual("q-d-strict", "d");
    strict_d["quality"] = json!("strict");
    assert_eq!(quality_of(strict_d).await, "strict");
    let mut lenient_a = individual("q-a-lenient", "a");
    lenient_a["quality"] = json!("lenient");
    assert_eq!(quality_of(lenient_a).await, "lenient");
    // A value the document does not declare is refused in the one error shape.
    let mut wrong = individual("q-wrong", "d");
    wrong["quality"] = json!("very");
    let (status, body) = relay.call(create_session_request(&wrong)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("quality must be one of lenient, strict, not \"very\""),
        "{body}"
    );
    drop(h.sandbox);
}

#[tokio::test]
async fn demo_sessions_and_the_rate_limit_match_the_document() {
    let config = RelayConfig {
        sandbox: true,
        demo_sessions: true,
        demo_sessions_per_minute: 2,
        requests_per_minute: 3,
        ..RelayConfig::default()
    };
    let h = harness_with(sandbox(Duration::from_secs(5)), config).await;
    let relay = Checked::new(h.relay.clone());
    let (status, created) = relay
        .call(Request::post("/demo/session").body(Body::empty()).unwrap())
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let (status, _) = relay
        .call(
            Request::post("/demo/session")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{\"customer_reference\": \"mine\"}"))
                .unwrap(),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "the caller cannot pick the customer"
    );
    let mut demo = Vec::new();
    for _ in 0..2 {
        let (status, _) = relay
            .call(Request::post("/demo/session").body(Body::empty()).unwrap())
            .await;
        demo.push(status.as_u16());
    }
    assert_eq!(
        demo,
        [201, 429],
        "two demo sessions a minute, from all callers"
    );
    let token = created["token"].as_str().unwrap();
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let (status, _) = relay
            .call(authorized("GET", "/v1/session", token, None))
            .await;
        statuses.push(status.as_u16());
    }
    assert_eq!(statuses, [200, 200, 200, 429]);
    let (status, body) = relay
        .call(authorized("GET", "/v1/session/status", token, None))
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["error"]["code"], "rate_limited");
    relay.assert_seen(&[
        ("POST", "/demo/session", 201),
        ("POST", "/demo/session", 400),
        ("POST", "/demo/session", 429),
        ("GET", "/v1/session", 429),
        ("GET", "/v1/session/status", 429),
    ]);
    drop(h.sandbox);
}

#[tokio::test]
async fn an_unreachable_provider_is_a_502_in_the_document_shape() {
    // A port nothing listens on: bind one, then free it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let provider_d: Arc<dyn ProviderAdapter> = Arc::new(ProviderD::new(
        &format!("http://127.0.0.1:{port}/d"),
        "key",
        Duration::from_secs(2),
    ));
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
    let relay = Checked::new(app(state));
    let (status, body) = relay
        .call(create_session_request(&individual("dave", "d")))
        .await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert_eq!(body["error"]["code"], "provider_error");
    // A provider this relay has no adapter for.
    let (status, body) = relay
        .call(create_session_request(&individual("dave", "c")))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    relay.assert_seen(&[("POST", "/v1/sessions", 502)]);
}

#[tokio::test]
async fn unknown_endpoints_answer_the_one_error_shape() {
    let h = harness_with(sandbox(Duration::from_secs(5)), RelayConfig::default()).await;
    let (status, body) = support::call_unchecked(
        &h.relay,
        Request::get("/v1/nothing/here")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let contract = Contract::load();
    let schema = json!({"$ref": "#/components/schemas/ErrorBody"});
    assert_eq!(contract.check(&schema, &body, "$"), Ok(()));
    drop(h.sandbox);
}
