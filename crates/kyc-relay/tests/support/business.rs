//! What the business (KYB) tests share: a business session opened by the host, the widget's
//! owner files, its business view and its submit.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::{json, Value};

use super::{authorized, call, create_session_request, jpeg, Harness};

/// A session as the widget holds it.
pub struct Session {
    pub token: String,
    pub id: String,
}

/// The host's `POST /v1/sessions` body of a business of GBR with the owners it knows.
pub fn business(reference: &str, provider: &str, owners: &[&str]) -> Value {
    let owners: Vec<Value> = owners.iter().map(|name| json!({"name": name})).collect();
    json!({"customer_reference": reference, "customer_type": "business", "country": "GBR",
           "provider": provider,
           "business": {"company_name": "Acme Widgets Ltd", "owners": owners}})
}

/// Opens the session of `body` (201).
pub async fn open(h: &Harness, body: &Value) -> Session {
    let (status, answer) = call(&h.relay, create_session_request(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    Session {
        token: answer["token"].as_str().unwrap().to_owned(),
        id: answer["session_id"].as_str().unwrap().to_owned(),
    }
}

/// A PUT of a JPEG to `uri` with the session token (and an `Idempotency-Key` if given).
pub fn put_file(token: &str, uri: &str, key: Option<&str>) -> Request<Body> {
    let bytes = jpeg(1600, 1000);
    let mut builder = Request::put(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "image/jpeg")
        .header(header::CONTENT_LENGTH, bytes.len());
    if let Some(key) = key {
        builder = builder.header("idempotency-key", key);
    }
    builder.body(Body::from(bytes)).unwrap()
}

/// A JPEG as one side of an owner's identity document.
pub async fn owner_file(
    h: &Harness,
    session: &Session,
    owner: &str,
    side: &str,
    document_type: &str,
    key: Option<&str>,
) -> (StatusCode, Value) {
    let uri = format!("/v1/session/owners/{owner}/slots/{side}?document_type={document_type}");
    call(&h.relay, put_file(&session.token, &uri, key)).await
}

/// `GET /v1/session/business` (200).
pub async fn view(h: &Harness, session: &Session) -> Value {
    read(h, session, "/v1/session/business").await
}

/// `GET /v1/session` (200): the session as the widget reads it.
pub async fn session_view(h: &Harness, session: &Session) -> Value {
    read(h, session, "/v1/session").await
}

/// `GET uri` with the session's token, answered 200.
async fn read(h: &Harness, session: &Session, uri: &str) -> Value {
    let (status, answer) = call(&h.relay, authorized("GET", uri, &session.token, None)).await;
    assert_eq!(status, StatusCode::OK, "{uri}: {answer}");
    answer
}

/// The owners' ids of a business view, in order.
pub fn owner_ids(view: &Value) -> Vec<String> {
    view["owners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|owner| owner["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The business submit (`certificate_of_incorporation`, GBR).
pub async fn submit(h: &Harness, session: &Session) -> (StatusCode, Value) {
    call(
        &h.relay,
        authorized(
            "POST",
            "/v1/session/submit",
            &session.token,
            Some(
                json!({"document_type": "certificate_of_incorporation", "issuing_country": "GBR"}),
            ),
        ),
    )
    .await
}

/// The new attempt the relay opens after `session` was rejected (`POST /v1/session/retry`).
pub async fn retried(h: &Harness, session: &Session) -> Session {
    let (status, created) = call(
        &h.relay,
        authorized("POST", "/v1/session/retry", &session.token, None),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    Session {
        token: created["token"].as_str().unwrap().to_owned(),
        id: created["session_id"].as_str().unwrap().to_owned(),
    }
}

/// The widget adds the owner `name` (`POST /v1/session/owners`): the new owner as answered.
pub async fn add_owner(h: &Harness, session: &Session, name: &str) -> Value {
    let (status, added) = call(
        &h.relay,
        authorized(
            "POST",
            "/v1/session/owners",
            &session.token,
            Some(json!({"name": name})),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    added
}
