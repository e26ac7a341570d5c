//! Widget tests in headless Chromium (`cargo xtask test` runs them through chromedriver).
#![cfg(target_arch = "wasm32")]

use kyc_capture::capture::check_file;
use kyc_capture::{CaptureWidget, DocumentChoice, WidgetOptions};
use kyc_core::{DocumentType, FileLimits, Slot};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn container() -> web_sys::HtmlElement {
    let document = web_sys::window().unwrap().document().unwrap();
    let element = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&element).unwrap();
    element.unchecked_into()
}

fn file(bytes: &[u8], name: &str, mime: &str) -> web_sys::File {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::FilePropertyBag::new();
    options.set_type(mime);
    web_sys::File::new_with_u8_array_sequence_and_options(&parts, name, &options).unwrap()
}

/// Waits for the reactive system and pending futures to settle.
async fn tick() {
    for _ in 0..3 {
        leptos::task::tick().await;
    }
}

#[wasm_bindgen_test]
async fn a_text_file_renamed_jpg_is_refused_before_upload() {
    let text = b"Dear bank, this is not a passport photo.\n".repeat(64);
    let refused = check_file(
        &file(&text, "passport.jpg", "image/jpeg"),
        Slot::Front,
        &FileLimits::default(),
    )
    .await;
    assert_eq!(refused.unwrap_err(), vec!["unsupported_format".to_owned()]);
}

#[wasm_bindgen_test]
async fn an_oversized_file_is_refused_from_its_size_alone() {
    let limits = FileLimits {
        max_bytes: 2048,
        ..FileLimits::default()
    };
    let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0];
    jpeg.resize(4096, 0);
    let refused = check_file(&file(&jpeg, "big.jpg", "image/jpeg"), Slot::Front, &limits).await;
    assert_eq!(refused.unwrap_err(), vec!["too_large".to_owned()]);
}

#[wasm_bindgen_test]
async fn document_choice_offers_only_accepted_types_and_says_why() {
    let host = container();
    let document = RwSignal::new(None::<DocumentType>);
    let accepted = vec![
        DocumentType::Passport,
        DocumentType::DriversLicense,
        DocumentType::ResidencePermit,
    ];
    let _mounted = leptos::mount::mount_to(
        host.clone(),
        move || view! { <DocumentChoice accepted=accepted.clone() document /> },
    );
    tick().await;
    let text = host.text_content().unwrap();
    assert!(
        text.contains("National ID card cannot be used here"),
        "{text}"
    );
    let buttons = host.query_selector_all("button").unwrap();
    let labels: Vec<String> = (0..buttons.length())
        .map(|i| buttons.get(i).unwrap().text_content().unwrap())
        .collect();
    assert_eq!(labels, ["Passport", "Driver's license", "Residence permit"]);
    buttons
        .get(1)
        .unwrap()
        .unchecked_into::<web_sys::HtmlElement>()
        .click();
    tick().await;
    assert_eq!(document.get_untracked(), Some(DocumentType::DriversLicense));
}

#[wasm_bindgen_test]
async fn an_unreachable_relay_is_explained_not_left_blank() {
    let host = container();
    // Port 9 (discard) has no HTTP server: the request fails as it would offline.
    let options = WidgetOptions {
        endpoint: "http://127.0.0.1:9".to_owned(),
        session_token: Some("v1.x.1.00".to_owned()),
    };
    let _mounted = leptos::mount::mount_to(
        host.clone(),
        move || view! { <CaptureWidget options=options.clone() /> },
    );
    let mut text = String::new();
    for _ in 0..50 {
        tick().await;
        text = host.text_content().unwrap();
        if !text.contains("Connecting") {
            break;
        }
        gloo_timers_sleep(100).await;
    }
    assert!(
        text.contains("We cannot reach the verification service"),
        "{text}"
    );
}

async fn gloo_timers_sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}
