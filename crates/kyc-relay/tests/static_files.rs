//! The files of `--static-dir` (the widget's package, the demo page) as browsers fetch them:
//! the precompressed sibling a browser accepts (`NAME.br`, else `NAME.gz`, which `cargo xtask
//! dist` writes), else the file as it is; each with its own content type and
//! `Vary: Accept-Encoding`.

mod support;

use std::collections::HashMap;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use kyc_relay::{app, AppState, RelayConfig};
use support::{test_store, HOST_KEY};
use tower::ServiceExt;

async fn relay_serving(dir: &std::path::Path) -> Router {
    let config = RelayConfig {
        host_api_key: HOST_KEY.to_owned(),
        static_dir: Some(dir.to_path_buf()),
        ..RelayConfig::default()
    };
    app(AppState::new(config, test_store().await, HashMap::new()).unwrap())
}

/// Status, `Content-Encoding`, `Content-Type`, `Vary` and body of `GET path`.
async fn get(
    relay: &Router,
    path: &str,
    accept: Option<&str>,
) -> (StatusCode, Option<String>, String, String, Vec<u8>) {
    let mut request = Request::get(path);
    if let Some(accept) = accept {
        request = request.header(header::ACCEPT_ENCODING, accept);
    }
    let response = relay
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let text = |name| {
        response
            .headers()
            .get(name)
            .map(|v: &header::HeaderValue| v.to_str().unwrap().to_owned())
    };
    let (encoding, kind, vary) = (
        text(header::CONTENT_ENCODING),
        text(header::CONTENT_TYPE).unwrap_or_default(),
        text(header::VARY).unwrap_or_default(),
    );
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, encoding, kind, vary, body.to_vec())
}

#[tokio::test]
async fn a_browser_gets_the_compressed_form_it_accepts_and_the_file_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let package = dir.path().join("kyc-capture");
    std::fs::create_dir_all(&package).unwrap();
    for (name, bytes) in [
        ("kyc-capture.js", &b"export const raw = 1;"[..]),
        ("kyc-capture.js.br", b"brotli form"),
        ("kyc-capture.js.gz", b"gzip form"),
        ("split_later.wasm", b"\0asm raw"),
        ("split_later.wasm.br", b"wasm in brotli"),
        ("kyc-capture.css", b"p{}"),
    ] {
        std::fs::write(package.join(name), bytes).unwrap();
    }
    let relay = relay_serving(dir.path()).await;
    let script = "/kyc-capture/kyc-capture.js";

    // What Chromium, Firefox and Safari send: brotli first.
    let (status, encoding, kind, vary, body) =
        get(&relay, script, Some("gzip, deflate, br, zstd")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(encoding.as_deref(), Some("br"));
    assert!(kind.starts_with("text/javascript"), "{kind}");
    assert_eq!(vary.to_ascii_lowercase(), "accept-encoding");
    assert_eq!(body, b"brotli form");

    let (_, encoding, kind, _, body) = get(&relay, script, Some("gzip")).await;
    assert_eq!(encoding.as_deref(), Some("gzip"));
    assert!(kind.starts_with("text/javascript"), "{kind}");
    assert_eq!(body, b"gzip form");

    // No compression accepted (or refused outright): the file as built.
    for accept in [None, Some("identity"), Some("br;q=0, gzip;q=0")] {
        let (status, encoding, _, vary, body) = get(&relay, script, accept).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(encoding, None, "{accept:?}");
        assert_eq!(vary.to_ascii_lowercase(), "accept-encoding");
        assert_eq!(body, b"export const raw = 1;", "{accept:?}");
    }

    // The module keeps the type `WebAssembly.instantiateStreaming` requires.
    let (_, encoding, kind, _, body) =
        get(&relay, "/kyc-capture/split_later.wasm", Some("br, gzip")).await;
    assert_eq!(encoding.as_deref(), Some("br"));
    assert_eq!(kind, "application/wasm");
    assert_eq!(body, b"wasm in brotli");
    // Only a gzip form accepted, and there is none: the file itself.
    let (_, encoding, _, _, body) =
        get(&relay, "/kyc-capture/split_later.wasm", Some("gzip")).await;
    assert_eq!(encoding, None);
    assert_eq!(body, b"\0asm raw");

    // A file with no compressed form.
    let (status, encoding, kind, _, body) =
        get(&relay, "/kyc-capture/kyc-capture.css", Some("br, gzip")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(encoding, None);
    assert!(kind.starts_with("text/css"), "{kind}");
    assert_eq!(body, b"p{}");

    let (status, ..) = get(&relay, "/kyc-capture/missing.js", Some("br")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
