//! Widget tests in headless Chromium (`cargo xtask test` runs them through chromedriver).
#![cfg(target_arch = "wasm32")]

use kyc_capture::capture::check_file;
use kyc_capture::photo::prepare_photo;
use kyc_capture::{CaptureWidget, WidgetOptions};
use kyc_core::{FileLimits, Slot};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[path = "web/embed.rs"]
mod embed;
#[path = "web/steps.rs"]
mod steps;
#[path = "web/wire.rs"]
mod wire;

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
async fn an_unreachable_relay_is_explained_not_left_blank() {
    let host = container();
    // Port 9 (discard) has no HTTP server: the request fails as it would offline.
    let options = WidgetOptions {
        endpoint: "http://127.0.0.1:9".to_owned(),
        session_token: Some("v1.x.1.00".to_owned()),
        ..WidgetOptions::default()
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

/// A JPEG of `width` x `height` drawn by the browser: a document-like card with fine print on
/// a mid-grey table, blurred when `sharp` is false.
async fn canvas_jpeg(width: u32, height: u32, sharp: bool) -> Vec<u8> {
    let document = web_sys::window().unwrap().document().unwrap();
    let canvas: web_sys::HtmlCanvasElement =
        document.create_element("canvas").unwrap().unchecked_into();
    canvas.set_width(width);
    canvas.set_height(height);
    let ctx: web_sys::CanvasRenderingContext2d =
        canvas.get_context("2d").unwrap().unwrap().unchecked_into();
    let (w, h) = (f64::from(width), f64::from(height));
    if !sharp {
        ctx.set_filter("blur(12px)");
    }
    ctx.set_fill_style_str("#6b7075");
    ctx.fill_rect(0.0, 0.0, w, h);
    ctx.set_fill_style_str("#d9dde2");
    ctx.fill_rect(w * 0.1, h * 0.1, w * 0.8, h * 0.8);
    ctx.set_fill_style_str("#1a1a1a");
    ctx.set_font(&format!("{}px monospace", (h * 0.04) as u32));
    for line in 0..12 {
        ctx.fill_text(
            "P<GBRSPECIMEN<<ANNA<MARIA<<<<<<<<<<<",
            w * 0.14,
            h * (0.2 + 0.055 * f64::from(line)),
        )
        .unwrap();
    }
    let url = canvas.to_data_url_with_type("image/jpeg").unwrap();
    let base64 = url.split(',').nth(1).unwrap().to_owned();
    let binary = web_sys::window().unwrap().atob(&base64).unwrap();
    binary.chars().map(|c| c as u8).collect()
}

/// `jpeg` with an EXIF segment inserted after its SOI: orientation 6 (rotate 90° clockwise)
/// and a GPS marker string.
fn with_exif(jpeg: &[u8]) -> Vec<u8> {
    let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
    tiff.extend_from_slice(&[0, 1]); // one entry
    tiff.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0]); // Orientation = 6
    tiff.extend_from_slice(&[0, 0, 0, 0]); // no next IFD
    tiff.extend_from_slice(b"GPSLatitude 51.5007 N");
    let mut payload = b"Exif\0\0".to_vec();
    payload.extend_from_slice(&tiff);
    let length = (payload.len() + 2) as u16;
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(&payload);
    out.extend_from_slice(&jpeg[2..]);
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[wasm_bindgen_test]
async fn a_photo_is_oriented_downscaled_measured_and_stripped_of_exif() {
    let original = with_exif(&canvas_jpeg(2400, 1600, true).await);
    assert!(contains(&original, b"GPSLatitude"));
    let blob = file(&original, "passport.jpg", "image/jpeg");
    let prepared = prepare_photo(&blob, Slot::Front, &FileLimits::default())
        .await
        .unwrap();
    // Orientation 6 turns the landscape photo upright (portrait); the long edge is 2000.
    assert_eq!((prepared.width, prepared.height), (1333, 2000));
    let jpeg = prepared.jpeg.to_vec();
    assert_eq!(&jpeg[..2], &[0xFF, 0xD8]);
    assert!(!contains(&jpeg, b"Exif"), "EXIF survived the re-encode");
    assert!(
        !contains(&jpeg, b"GPSLatitude"),
        "GPS survived the re-encode"
    );
    assert!(
        prepared.quality.sharpness.passed(),
        "{:?}",
        prepared.quality
    );
    assert!(prepared.quality.exposure.passed(), "{:?}", prepared.quality);
}

#[wasm_bindgen_test]
async fn a_small_photo_is_not_enlarged_and_a_soft_one_is_found_blurry() {
    let soft = canvas_jpeg(1200, 900, false).await;
    let prepared = prepare_photo(
        &file(&soft, "front.jpg", "image/jpeg"),
        Slot::Front,
        &FileLimits::default(),
    )
    .await
    .unwrap();
    assert_eq!((prepared.width, prepared.height), (1200, 900));
    assert!(
        prepared
            .quality
            .issues()
            .contains(&kyc_core::QualityIssue::Blurry),
        "{:?}",
        prepared.quality
    );
}

#[wasm_bindgen_test]
async fn prepare_photo_refuses_what_inspect_file_refuses() {
    let small = canvas_jpeg(800, 600, true).await;
    let refused = prepare_photo(
        &file(&small, "front.jpg", "image/jpeg"),
        Slot::Front,
        &FileLimits::default(),
    )
    .await;
    assert_eq!(refused.unwrap_err(), vec!["resolution_too_low".to_owned()]);
}
