//! The sandbox's clock moved forward (`POST /sandbox/clock`): a review of many hours passes
//! without waiting, and D's timestamps follow. One test: the clock is the whole process's.

mod common;

use axum::http::StatusCode;
use common::{call, code, config, d, memory_app};
use serde_json::json;

#[tokio::test]
async fn a_long_review_ends_when_the_clock_is_moved_past_it() {
    let (app, state) = memory_app(config(50));
    let held = d::submitted(&app, &state, "ann-review_hours_6").await;
    let quick = d::submitted(&app, &state, "bob").await;
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(d::get(&app, &quick).await.1["status"], "verified");
    assert_eq!(d::get(&app, &held).await.1["status"], "pending");
    let before = kyc_sandbox::clock::now_unix();

    let advance = |secs: u64| {
        let app = app.clone();
        async move {
            call(
                &app,
                "POST",
                "/sandbox/clock",
                None,
                Some(json!({ "advance_secs": secs })),
            )
            .await
        }
    };
    let (status, body) = advance(5 * 3600).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["advanced_secs"], 5 * 3600);
    assert!(kyc_sandbox::clock::now_unix() >= before + 5 * 3600);
    assert_eq!(
        d::get(&app, &held).await.1["status"],
        "pending",
        "5 h < 6 h"
    );
    let (status, body) = advance(3600).await;
    assert_eq!(
        (status, &body["advanced_secs"]),
        (StatusCode::OK, &json!(6 * 3600))
    );
    assert_eq!(d::get(&app, &held).await.1["status"], "verified");

    // Bad bodies are named; the clock does not move back or by more than a year.
    for body in [
        json!({}),
        json!({"advance_secs": -1}),
        json!({"advance_secs": 1, "x": 1}),
    ] {
        let (status, answer) = call(&app, "POST", "/sandbox/clock", None, Some(body)).await;
        assert!(status.is_client_error(), "{answer}");
        assert_eq!(code(&answer), "invalid_request");
    }
    let (status, answer) = advance(367 * 24 * 3600).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(answer["error"]["message"]
        .as_str()
        .unwrap()
        .contains("at most a year"));
}
