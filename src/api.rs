//! The widget's client of the relay (see `docs/openapi.yaml`). The browser holds only the
//! session token; provider credentials and presigned URLs stay on the server.

use gloo_net::http::{Request, RequestBuilder, Response};
use kyc_core::wire::{
    ErrorBody, SessionCreated, SessionView, StatusReport, SubmitRequest, UploadReceipt,
};
use kyc_core::{FileFormat, Slot};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// A failed call to the relay, typed so the UI can say something specific.
#[derive(Clone, Debug, PartialEq)]
pub enum RelayError {
    /// The request never got an answer (offline, DNS, CORS, relay down).
    Network(String),
    /// The relay answered with an error.
    Refused {
        /// The HTTP status.
        status: u16,
        /// The relay's stable error code, e.g. `invalid_file`.
        code: String,
        /// The individual problem codes, e.g. `unsupported_format`.
        problems: Vec<String>,
    },
    /// The answer was not what the contract says.
    Unreadable(String),
}

impl std::fmt::Display for RelayError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RelayError::Network(why) => write!(f, "network error: {why}"),
            RelayError::Refused { status, code, .. } => {
                write!(f, "relay answered {status} ({code})")
            }
            RelayError::Unreadable(why) => write!(f, "unreadable answer: {why}"),
        }
    }
}

impl std::error::Error for RelayError {}

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

    /// Asks a demo relay for a session of a made-up customer (`POST /demo/session`).
    pub async fn demo(endpoint: &str) -> Result<RelayClient, RelayError> {
        let url = format!("{}/demo/session", endpoint.trim_end_matches('/'));
        let created: SessionCreated = read(Request::post(&url).send().await).await?;
        Ok(RelayClient::new(endpoint, &created.token))
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.endpoint)
    }

    /// The URL of `PUT /v1/session/slots/{slot}`.
    pub fn slot_url(&self, slot: Slot) -> String {
        self.url(&format!("/v1/session/slots/{}", slot.code()))
    }

    /// The `Authorization` header's value.
    pub fn authorization(&self) -> String {
        format!("Bearer {}", self.token)
    }

    fn authorized(&self, builder: RequestBuilder) -> RequestBuilder {
        builder.header("Authorization", &self.authorization())
    }

    /// `GET /v1/session`.
    pub async fn session(&self) -> Result<SessionView, RelayError> {
        read(
            self.authorized(Request::get(&self.url("/v1/session")))
                .send()
                .await,
        )
        .await
    }

    /// `PUT /v1/session/slots/{slot}` with the file's bytes, declared as `format`.
    pub async fn upload(
        &self,
        slot: Slot,
        format: FileFormat,
        body: &js_sys::Uint8Array,
    ) -> Result<UploadReceipt, RelayError> {
        let request = self
            .authorized(Request::put(&self.slot_url(slot)))
            .header("Content-Type", format.mime())
            .body(body.clone())
            .map_err(|err| RelayError::Unreadable(err.to_string()))?;
        read(request.send().await).await
    }

    /// `POST /v1/session/submit`.
    pub async fn submit(&self, submit: &SubmitRequest) -> Result<StatusReport, RelayError> {
        let request = json(
            self.authorized(Request::post(&self.url("/v1/session/submit"))),
            submit,
        )?;
        read(request.send().await).await
    }

    /// `GET /v1/session/status`.
    pub async fn status(&self) -> Result<StatusReport, RelayError> {
        read(
            self.authorized(Request::get(&self.url("/v1/session/status")))
                .send()
                .await,
        )
        .await
    }
}

fn json<T: Serialize>(builder: RequestBuilder, body: &T) -> Result<Request, RelayError> {
    builder
        .json(body)
        .map_err(|err| RelayError::Unreadable(err.to_string()))
}

async fn read<T: DeserializeOwned>(
    sent: Result<Response, gloo_net::Error>,
) -> Result<T, RelayError> {
    let response = sent.map_err(|err| RelayError::Network(err.to_string()))?;
    if response.ok() {
        return response
            .json()
            .await
            .map_err(|err| RelayError::Unreadable(err.to_string()));
    }
    let status = response.status();
    match response.json::<ErrorBody>().await {
        Ok(body) => Err(RelayError::Refused {
            status,
            code: body.error.code,
            problems: body.error.problems,
        }),
        Err(_) => Err(RelayError::Refused {
            status,
            code: "unknown".to_owned(),
            problems: vec![],
        }),
    }
}
