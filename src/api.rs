//! The widget's client of the relay (see `docs/openapi.yaml`). The browser holds only the
//! session token; provider credentials and presigned URLs stay on the server.
//!
//! Requests go through [`crate::transport`] and JSON is read with the browser's own
//! `JSON.parse` into the wire types ([`crate::wire_js`]): no JSON parser and no serde code is
//! shipped in the bundle. A file is sent by [`crate::upload`], with progress, retry and cancel.

use std::cell::RefCell;
use std::rc::Rc;

use kyc_core::wire::{
    BusinessView, Choices, HandoffIssued, SessionCreated, SessionView, StatusReport, SubmitRequest,
};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

use crate::transport::{answered, call, call_without_answer, RelayError, Request};
use crate::wire_js::{exchange_body, handoff_body, owner_body, submit_body, FromJs};

/// A relay endpoint and the session token it issued.
#[derive(Clone, Debug, PartialEq)]
pub struct RelayClient {
    endpoint: String,
    token: String,
}

impl RelayClient {
    /// A client of the relay at `endpoint` (empty for the page's own origin).
    pub fn new(endpoint: &str, token: &str) -> RelayClient {
        RelayClient {
            endpoint: endpoint.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
        }
    }

    /// Asks a demo relay for a session of a made-up customer (`POST /demo/session`), with the
    /// demo page's query (`?customer_type=business` opens a business's session).
    pub async fn demo(endpoint: &str) -> Result<RelayClient, RelayError> {
        let query = web_sys::window()
            .and_then(|w| w.location().search().ok())
            .unwrap_or_default();
        let url = format!("{}/demo/session{query}", endpoint.trim_end_matches('/'));
        let created: SessionCreated = call(Request {
            method: "POST",
            url: &url,
            authorization: None,
            body: None,
            headers: &[],
        })
        .await?;
        Ok(RelayClient::new(endpoint, &created.token))
    }

    /// The client of the session whose handoff `code` opened this page (the phone):
    /// `POST /v1/handoff/exchange`. A code that is not one (or no longer exists) is
    /// `handoff_unknown`, so the user reads that the link is wrong, not that a page is missing.
    pub async fn exchange(endpoint: &str, code: &str) -> Result<RelayClient, RelayError> {
        let url = format!("{}/v1/handoff/exchange", endpoint.trim_end_matches('/'));
        let created: Result<SessionCreated, RelayError> = call(Request {
            method: "POST",
            url: &url,
            authorization: None,
            body: Some(("application/json", &exchange_body(code))),
            headers: &[],
        })
        .await;
        match created {
            Ok(created) => Ok(RelayClient::new(endpoint, &created.token)),
            Err(RelayError::Refused { status, code, .. })
                if code == "not_found" || code == "bad_request" =>
            {
                Err(RelayError::Refused {
                    status,
                    code: "handoff_unknown".to_owned(),
                    problems: vec![],
                })
            }
            Err(error) => Err(error),
        }
    }

    /// `POST /v1/session/handoff`: a one-time code for the phone, which starts from the user's
    /// `choices` so far.
    pub async fn handoff(&self, choices: Option<&Choices>) -> Result<HandoffIssued, RelayError> {
        call(Request {
            method: "POST",
            url: &self.url("/v1/session/handoff"),
            authorization: Some(&self.authorization()),
            body: Some(("application/json", &handoff_body(choices))),
            headers: &[],
        })
        .await
    }

    /// `DELETE /v1/session/handoff`: the code stops working (the user stays on this device).
    pub async fn cancel_handoff(&self) -> Result<(), RelayError> {
        self.act("DELETE", "/v1/session/handoff", None).await
    }

    /// `GET /v1/session/business`: the company, its owners and what is missing.
    pub async fn business(&self) -> Result<BusinessView, RelayError> {
        self.get("/v1/session/business").await
    }

    /// `POST /v1/session/owners`: adds the beneficial owner `name`.
    pub async fn add_owner(&self, name: &str) -> Result<(), RelayError> {
        let body = owner_body(name);
        self.act("POST", "/v1/session/owners", Some(&body)).await
    }

    /// `DELETE /v1/session/owners/{id}`: removes an owner the provider does not have yet.
    pub async fn remove_owner(&self, id: &str) -> Result<(), RelayError> {
        self.act("DELETE", &format!("/v1/session/owners/{id}"), None)
            .await
    }

    /// `method path` with the session's token and an optional JSON `body`, whose answer
    /// is not read.
    async fn act(
        &self,
        method: &str,
        path: &str,
        body: Option<&JsValue>,
    ) -> Result<(), RelayError> {
        call_without_answer(Request {
            method,
            url: &self.url(path),
            authorization: Some(&self.authorization()),
            body: body.map(|body| ("application/json", body)),
            headers: &[],
        })
        .await
    }

    /// This client's session token (the phone keeps it for a reload).
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The URL of the relay's `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.endpoint)
    }

    /// The `Authorization` header's value.
    pub fn authorization(&self) -> String {
        format!("Bearer {}", self.token)
    }

    /// The URL of `GET /v1/session/events` with the token as its `token` parameter: the
    /// browser's `EventSource` cannot set `Authorization`.
    pub fn events_url(&self) -> String {
        let token = String::from(js_sys::encode_uri_component(&self.token));
        self.url(&format!("/v1/session/events?token={token}"))
    }

    /// A `GET` of `path` with the session's token.
    async fn get<T: FromJs>(&self, path: &str) -> Result<T, RelayError> {
        call(Request {
            method: "GET",
            url: &self.url(path),
            authorization: Some(&self.authorization()),
            body: None,
            headers: &[],
        })
        .await
    }

    /// `GET /v1/session`, or its `answer` when the page's loader already asked for it (the same
    /// request: `www/kyc-capture.js` sends it with this client's token while the module
    /// downloads).
    pub async fn session(
        &self,
        answer: Option<js_sys::Promise>,
    ) -> Result<SessionView, RelayError> {
        match answer {
            Some(answer) => answered(answer).await,
            None => self.get("/v1/session").await,
        }
    }

    /// `POST /v1/session/submit`, once: while a submit of this session is in flight, another
    /// call (a second click, a second Try again) does not send a second request; it waits for
    /// the first and gets its answer.
    pub async fn submit(&self, submit: &SubmitRequest) -> Result<StatusReport, RelayError> {
        let running = SUBMITS.with(|submits| {
            submits
                .borrow()
                .iter()
                .find(|(token, _)| *token == self.token)
                .map(|(_, running)| running.clone())
        });
        if let Some(InFlight { done, outcome }) = running {
            let _ = JsFuture::from(done).await;
            let outcome = outcome.borrow().clone();
            return outcome.unwrap_or_else(|| {
                Err(RelayError::Network("the submit was interrupted".to_owned()))
            });
        }
        let mut resolve = None;
        let done = js_sys::Promise::new(&mut |resolve_fn, _| resolve = Some(resolve_fn));
        let outcome = Rc::new(RefCell::new(None));
        SUBMITS.with(|submits| {
            submits.borrow_mut().push((
                self.token.clone(),
                InFlight {
                    done,
                    outcome: outcome.clone(),
                },
            ))
        });
        // Whatever happens to this call (an answer, or the task dropped), the waiters go on.
        let _finish = Finish {
            token: self.token.clone(),
            resolve,
        };
        let answer = self.submit_once(submit).await;
        *outcome.borrow_mut() = Some(answer.clone());
        answer
    }

    async fn submit_once(&self, submit: &SubmitRequest) -> Result<StatusReport, RelayError> {
        call(Request {
            method: "POST",
            url: &self.url("/v1/session/submit"),
            authorization: Some(&self.authorization()),
            body: Some(("application/json", &submit_body(submit))),
            headers: &[],
        })
        .await
    }

    /// `GET /v1/session/status`.
    pub async fn status(&self) -> Result<StatusReport, RelayError> {
        self.get("/v1/session/status").await
    }

    /// `POST /v1/session/retry`, after a rejection: the client of the new attempt the relay
    /// opened, and its session id.
    pub async fn retry(&self) -> Result<(RelayClient, String), RelayError> {
        let created = self.new_token("/v1/session/retry").await?;
        Ok((
            RelayClient::new(&self.endpoint, &created.token),
            created.session_id,
        ))
    }

    /// `POST /v1/session/status-token`: a client of the same relay with a new status token
    /// (reads the status only; renewed while the review is pending).
    pub async fn renewed(&self) -> Result<RelayClient, RelayError> {
        let renewed = self.new_token("/v1/session/status-token").await?;
        Ok(RelayClient::new(&self.endpoint, &renewed.token))
    }

    /// `POST path` without a body, answered in the shape of a new session's (the retry's new
    /// session, a renewed status token): one request path, one parse.
    async fn new_token(&self, path: &str) -> Result<SessionCreated, RelayError> {
        call(Request {
            method: "POST",
            url: &self.url(path),
            authorization: Some(&self.authorization()),
            body: None,
            headers: &[],
        })
        .await
    }
}

/// A submit in flight: settled when it is over, with its answer.
#[derive(Clone)]
struct InFlight {
    done: js_sys::Promise,
    outcome: Rc<RefCell<Option<Result<StatusReport, RelayError>>>>,
}

thread_local! {
    /// The submits in flight, by session token (a page has one or two: a list, not a map, whose
    /// code would cost more than it saves).
    static SUBMITS: RefCell<Vec<(String, InFlight)>> = const { RefCell::new(Vec::new()) };
}

/// Ends a submit in flight when dropped: forgets it and wakes its waiters.
struct Finish {
    token: String,
    resolve: Option<js_sys::Function>,
}

impl Drop for Finish {
    fn drop(&mut self) {
        SUBMITS.with(|submits| {
            submits
                .borrow_mut()
                .retain(|(token, _)| *token != self.token)
        });
        if let Some(resolve) = self.resolve.take() {
            let _ = resolve.call0(&JsValue::NULL);
        }
    }
}
