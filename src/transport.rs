//! One request to the relay and its answer: [`send`] through `XMLHttpRequest` (upload progress,
//! abort through a [`Canceller`]), [`read`] of the answer into a wire type or a [`RelayError`].
//! The relay's endpoints ([`crate::api`]) and the file upload ([`crate::upload`]) both stand on
//! this module.

use std::cell::RefCell;
use std::rc::Rc;

use kyc_core::wire::ErrorBody;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::wire_js::FromJs;

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

impl RelayError {
    /// The stable code of the `kyc-error` event: `network`, `unreadable_answer`, or the relay's
    /// own error code.
    pub fn code(&self) -> &str {
        match self {
            RelayError::Network(_) => "network",
            RelayError::Refused { code, .. } => code,
            RelayError::Unreadable(_) => "unreadable_answer",
        }
    }
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

/// Why a request did not get an answer to read.
#[derive(Clone, Debug, PartialEq)]
pub enum SendError {
    /// See [`RelayError::Network`].
    Network(String),
    /// The request was aborted through its [`Canceller`].
    Cancelled,
}

/// Cancels the request in flight, if any; shared between the sender and the Cancel button.
#[derive(Clone, Debug, Default)]
pub struct Canceller {
    inner: Rc<RefCell<CancelState>>,
}

#[derive(Debug, Default)]
struct CancelState {
    cancelled: bool,
    request: Option<web_sys::XmlHttpRequest>,
}

impl Canceller {
    /// Stops the current request and any retry after it.
    pub fn cancel(&self) {
        let mut state = self.inner.borrow_mut();
        state.cancelled = true;
        if let Some(request) = state.request.take() {
            let _ = request.abort();
        }
    }

    /// Whether [`cancel`](Self::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        self.inner.borrow().cancelled
    }

    /// Holds `request` to abort it on cancel; `false` when already cancelled.
    fn track(&self, request: &web_sys::XmlHttpRequest) -> bool {
        let mut state = self.inner.borrow_mut();
        state.request = Some(request.clone());
        !state.cancelled
    }

    /// The request is over.
    fn untrack(&self) {
        self.inner.borrow_mut().request = None;
    }
}

/// One request to send: where, how, and with what.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    /// `GET`, `POST`, `PUT`.
    pub method: &'a str,
    /// The full URL.
    pub url: &'a str,
    /// The `Authorization` header's value, if any.
    pub authorization: Option<&'a str>,
    /// The body and its `Content-Type`: a string is sent as text, anything else as bytes.
    pub body: Option<(&'a str, &'a JsValue)>,
    /// Headers besides `Authorization` and `Content-Type` (e.g. `Idempotency-Key`).
    pub headers: &'a [(&'a str, &'a str)],
}

/// Sends `request` and reads its answer as `T` (see [`read`]); no progress, no cancel.
pub async fn call<T: FromJs>(request: Request<'_>) -> Result<T, RelayError> {
    let (status, text) = answer(request).await?;
    read(status, &text)
}

/// Sends `request`, whose success has no body to read (`204 No Content`).
pub async fn call_without_answer(request: Request<'_>) -> Result<(), RelayError> {
    let (status, text) = answer(request).await?;
    done(status, &text)
}

/// Success whatever the answer's body, or the relay's error.
pub fn done(status: u16, text: &str) -> Result<(), RelayError> {
    if (200..300).contains(&status) {
        return Ok(());
    }
    parse(status, text).map(drop)
}

/// The status and text of `request`'s answer. Not generic, so the code of [`send`] is in the
/// module once rather than once per type read.
async fn answer(request: Request<'_>) -> Result<(u16, String), RelayError> {
    send(request, None, None)
        .await
        .map_err(|error| match error {
            SendError::Network(why) => RelayError::Network(why),
            SendError::Cancelled => RelayError::Network("aborted".to_owned()),
        })
}

/// An answer the host page's loader already asked for (`www/kyc-capture.js`: the session's,
/// sent while the module downloads): a promise of `[status, text]`, read like [`call`]'s; a
/// rejected promise (offline, CORS) is a [`RelayError::Network`], as a failed request is.
pub async fn answered<T: FromJs>(answer: js_sys::Promise) -> Result<T, RelayError> {
    let pair: js_sys::Array = JsFuture::from(answer)
        .await
        .map_err(|why| {
            let why = why.dyn_ref::<js_sys::Error>().map(js_sys::Error::message);
            RelayError::Network(why.map_or_else(|| "error".to_owned(), String::from))
        })?
        .unchecked_into();
    let status = pair.get(0).as_f64().unwrap_or_default() as u16;
    let text = pair.get(1).as_string().unwrap_or_default();
    read(status, &text)
}

/// The answer `text` with HTTP `status`, read as `T` or as the relay's error shape.
pub fn read<T: FromJs>(status: u16, text: &str) -> Result<T, RelayError> {
    T::from_js(&parse(status, text)?)
        .ok_or_else(|| RelayError::Unreadable("the answer does not match the contract".to_owned()))
}

/// A successful answer's JSON, or the relay's error (not generic: its code is here once).
fn parse(status: u16, text: &str) -> Result<JsValue, RelayError> {
    let parsed = js_sys::JSON::parse(text).ok();
    if (200..300).contains(&status) {
        return parsed.ok_or_else(|| RelayError::Unreadable("not JSON".to_owned()));
    }
    let body = parsed.and_then(|value| ErrorBody::from_js(&value));
    Err(match body {
        Some(body) => RelayError::Refused {
            status,
            code: body.error.code,
            problems: body.error.problems,
        },
        None => RelayError::Refused {
            status,
            code: "unknown".to_owned(),
            problems: vec![],
        },
    })
}

/// Sends `request` with `XMLHttpRequest`: the status and text of the answer. Upload progress
/// (0..=100) goes to `on_progress`; `canceller` can abort it.
pub async fn send(
    request: Request<'_>,
    canceller: Option<&Canceller>,
    on_progress: Option<Rc<dyn Fn(u32)>>,
) -> Result<(u16, String), SendError> {
    let network =
        |e: JsValue| SendError::Network(e.as_string().unwrap_or_else(|| "error".to_owned()));
    let xhr = web_sys::XmlHttpRequest::new().map_err(network)?;
    xhr.open(request.method, request.url).map_err(network)?;
    if let Some(authorization) = request.authorization {
        xhr.set_request_header("Authorization", authorization)
            .map_err(network)?;
    }
    if let Some((content_type, _)) = request.body {
        xhr.set_request_header("Content-Type", content_type)
            .map_err(network)?;
    }
    for (name, value) in request.headers {
        xhr.set_request_header(name, value).map_err(network)?;
    }
    let progress = on_progress
        .filter(|_| request.body.is_some())
        .map(|on_progress| {
            Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(
                move |event: web_sys::ProgressEvent| {
                    if event.length_computable() && event.total() > 0.0 {
                        on_progress((event.loaded() / event.total() * 100.0).floor() as u32);
                    }
                },
            )
        });
    if let Some(progress) = &progress {
        xhr.upload()
            .map_err(network)?
            .set_onprogress(Some(progress.as_ref().unchecked_ref()));
    }
    // Settles with "load", "error", "abort" or "timeout".
    let done = js_sys::Promise::new(&mut |resolve, _reject| {
        for event in ["load", "error", "abort", "timeout"] {
            let resolve = resolve.clone();
            let listener = Closure::once_into_js(move || {
                let _ = resolve.call1(&JsValue::NULL, &JsValue::from_str(event));
            });
            let _ = xhr.add_event_listener_with_callback(event, listener.unchecked_ref());
        }
    });
    if let Some(canceller) = canceller {
        if !canceller.track(&xhr) {
            return Err(SendError::Cancelled);
        }
    }
    match request.body {
        Some((_, body)) if body.is_string() => xhr.send_with_opt_str(body.as_string().as_deref()),
        Some((_, body)) => xhr.send_with_opt_buffer_source(Some(body.unchecked_ref())),
        None => xhr.send(),
    }
    .map_err(network)?;
    let outcome = JsFuture::from(done).await.map_err(network)?;
    if let Some(canceller) = canceller {
        canceller.untrack();
    }
    drop(progress);
    match outcome.as_string().as_deref() {
        Some("load") => {}
        Some("abort") => return Err(SendError::Cancelled),
        _ if canceller.is_some_and(Canceller::is_cancelled) => return Err(SendError::Cancelled),
        other => return Err(SendError::Network(other.unwrap_or("error").to_owned())),
    }
    let status = xhr.status().map_err(network)?;
    let text = xhr.response_text().map_err(network)?.unwrap_or_default();
    Ok((status, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_failure_has_a_stable_code() {
        assert_eq!(RelayError::Network("offline".into()).code(), "network");
        assert_eq!(
            RelayError::Unreadable("x".into()).code(),
            "unreadable_answer"
        );
        let refused = RelayError::Refused {
            status: 401,
            code: "unauthorized".into(),
            problems: vec![],
        };
        assert_eq!(refused.code(), "unauthorized");
    }
}
