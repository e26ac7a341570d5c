//! Sending a request to the relay so that a panic is caught and reported as a crash, and
//! checking that nothing uploaded was lost: shared by the hostile-input, security and fault
//! tests (each includes it next to `support`).
#![allow(dead_code)]

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use kyc_sandbox::storage::object_key;
use serde_json::Value;

use crate::support::{authorized, Harness};

/// What a request came to: its answer, or the panic it caused (a crash).
pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
    pub crashed: Option<String>,
}

impl Answer {
    /// `422 invalid_file [empty]`, `413 too_large`, `200 jpeg`, or the panic.
    pub fn outcome(&self) -> String {
        if let Some(panic) = &self.crashed {
            return format!("panic: {panic}");
        }
        if let Value::String(text) = &self.body {
            return format!("{} not JSON: {text}", self.status.as_u16());
        }
        let error = &self.body["error"];
        if error.is_object() {
            let problems: Vec<&str> = error["problems"]
                .as_array()
                .map(|p| p.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let code = error["code"].as_str().unwrap_or("?");
            if problems.is_empty() {
                format!("{} {code}", self.status.as_u16())
            } else {
                format!("{} {code} [{}]", self.status.as_u16(), problems.join(", "))
            }
        } else {
            format!(
                "{} {}",
                self.status.as_u16(),
                self.body["format"].as_str().unwrap_or("")
            )
        }
    }

    pub fn crashed(&self) -> bool {
        self.crashed.is_some() || self.status == StatusCode::INTERNAL_SERVER_ERROR
    }
}

/// Sends `request` in its own task, so a panic in the relay is caught and reported as a
/// crash instead of ending the test before it is recorded; checks a JSON answer against
/// `docs/openapi.yaml`. An answer that is not JSON (the relay's one error shape) is kept as a
/// string, so the test can name it.
pub async fn send(relay: &Router, request: Request<Body>) -> Answer {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let method = request.method().as_str().to_owned();
    let path = request.uri().path().to_owned();
    let relay = relay.clone();
    let task = tokio::spawn(async move {
        let response = relay.oneshot(request).await.unwrap();
        let status = response.status();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, body)
    });
    match task.await {
        Ok((status, body)) => {
            let body = if body.is_empty() {
                Value::Null
            } else {
                match serde_json::from_slice(&body) {
                    Ok(json) => {
                        if let Err(why) = crate::support::openapi::contract().check_response(
                            &method,
                            &path,
                            status.as_u16(),
                            &json,
                        ) {
                            panic!("the answer breaks docs/openapi.yaml: {why}\n{method} {path} {status} {json}");
                        }
                        json
                    }
                    Err(_) => Value::String(String::from_utf8_lossy(&body).into_owned()),
                }
            };
            Answer {
                status,
                body,
                crashed: None,
            }
        }
        Err(err) => Answer {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            body: Value::Null,
            crashed: Some(if err.is_panic() {
                let payload = err.into_panic();
                payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_else(|| "panic".to_owned())
            } else {
                err.to_string()
            }),
        },
    }
}

/// The session id a token names (`v2.<key id>.<id>.<expiry>.<signature>`, or the older
/// `v1.<id>.<expiry>.<signature>`).
pub fn session_id(token: &str) -> String {
    let field = if token.starts_with("v1.") { 1 } else { 2 };
    token.split('.').nth(field).unwrap().to_owned()
}

/// How many of the `expected` files (slot code → bytes) are lost: not listed by
/// `GET /v1/session` (by the store once the session is finished and its token revoked), or not
/// byte-identical in the provider's storage.
pub async fn lost(h: &Harness, token: &str, expected: &BTreeMap<String, Vec<u8>>) -> u64 {
    let id = session_id(token);
    let session = h
        .store
        .session(&id)
        .await
        .unwrap()
        .expect("the session exists");
    let records = h.store.slots(&id).await.unwrap();
    let answer = send(&h.relay, authorized("GET", "/v1/session", token, None)).await;
    let listed: Vec<String> = if answer.body["error"]["code"] == "token_revoked" {
        assert!(
            session.status.is_final(),
            "revoked while open: {}",
            answer.body
        );
        records.iter().map(|r| r.slot.code().to_owned()).collect()
    } else {
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        answer.body["uploaded"]
            .as_array()
            .unwrap()
            .iter()
            .map(|slot| slot.as_str().unwrap().to_owned())
            .collect()
    };
    let mut lost = 0;
    for (slot, bytes) in expected {
        let Some(record) = records.iter().find(|r| r.slot.code() == slot) else {
            lost += 1;
            continue;
        };
        let key = object_key("d", &session.provider_customer_id, &record.provider_file_id);
        let stored = h.sandbox.state().storage().get(&key).await.unwrap();
        let intact = stored.is_some_and(|(_, stored)| &stored == bytes);
        if !listed.contains(slot) || !intact {
            lost += 1;
        }
    }
    lost
}
