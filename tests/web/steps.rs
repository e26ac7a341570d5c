//! The guided flow, step by step (a module of `web.rs`, which `cargo xtask test` runs in each
//! browser engine, with its fake camera). The relay is never reached here except where a test
//! says so: every step before sending works offline.
use std::time::Duration;

use kyc_capture::api::RelayClient;
use kyc_capture::i18n::{pairs_of, I18n, Locale};
use kyc_capture::options::Handoff;
use kyc_capture::upload::RetryPolicy;
use kyc_capture::{CaptureFlow, WidgetOptions};
use kyc_core::wire::{Choices, SessionView};
use kyc_core::{CustomerType, DocumentType, Provider, Slot, VerificationStatus};
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

fn container() -> web_sys::HtmlElement {
    let element = document().create_element("div").unwrap();
    document().body().unwrap().append_child(&element).unwrap();
    element.unchecked_into()
}

pub(crate) fn session(provider: Provider, country: &str) -> SessionView {
    let policy = kyc_core::Policy::new(provider, CustomerType::Individual, country);
    SessionView {
        provider,
        customer_type: CustomerType::Individual,
        accepted_documents: policy.accepted_documents(),
        selfie_required: false,
        proof_of_address_required: policy.requires_proof_of_address(),
        liveness_required: false,
        optional_slots: vec![],
        terms_of_service_url: None,
        quality: kyc_core::Strictness::of(provider),
        country: country.to_owned(),
        uploaded: vec![],
        status: VerificationStatus::NotSubmitted,
        choices: None,
        business_started: false,
        max_bytes: 10 * 1024 * 1024,
    }
}

fn options() -> WidgetOptions {
    WidgetOptions {
        locale: Some(Locale::En),
        retry: RetryPolicy {
            attempts: 2,
            first_delay: Duration::from_millis(10),
        },
        ..WidgetOptions::default()
    }
}

/// Mounts the flow of `session` against a relay that does not answer (port 9).
fn mount(session: SessionView, options: WidgetOptions) -> (web_sys::HtmlElement, impl Drop) {
    let host = container();
    let client = RelayClient::new("http://127.0.0.1:9", "v1.x.1.00");
    let mounted = leptos::mount::mount_to(host.clone(), move || {
        view! { <CaptureFlow client=client.clone() session=session.clone() options=options.clone() /> }
    });
    (host, mounted)
}

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

async fn tick() {
    for _ in 0..3 {
        leptos::task::tick().await;
    }
}

/// Whether `host` shows `text` within `seconds`.
async fn shows(host: &web_sys::HtmlElement, text: &str, seconds: u32) -> bool {
    for _ in 0..seconds * 20 {
        tick().await;
        if host.text_content().unwrap_or_default().contains(text) {
            return true;
        }
        sleep(50).await;
    }
    false
}

/// Waits (up to `seconds`) until `host` shows `text`.
async fn wait_for(host: &web_sys::HtmlElement, text: &str, seconds: u32) {
    if shows(host, text, seconds).await {
        return;
    }
    panic!(
        "never showed {text:?}; shows: {}",
        host.text_content().unwrap_or_default()
    );
}

fn heading(host: &web_sys::HtmlElement) -> web_sys::HtmlElement {
    host.query_selector("h2").unwrap().unwrap().unchecked_into()
}

fn button(host: &web_sys::HtmlElement, label: &str) -> web_sys::HtmlElement {
    let buttons = host.query_selector_all("button").unwrap();
    (0..buttons.length())
        .map(|i| {
            buttons
                .get(i)
                .unwrap()
                .unchecked_into::<web_sys::HtmlElement>()
        })
        .find(|b| b.text_content().unwrap_or_default().trim() == label)
        .unwrap_or_else(|| panic!("no button {label:?} in {}", host.inner_html()))
}

async fn click(host: &web_sys::HtmlElement, label: &str) {
    button(host, label).click();
    tick().await;
}

async fn agree(host: &web_sys::HtmlElement) {
    host.query_selector("#kyc-consent")
        .unwrap()
        .unwrap()
        .unchecked_into::<web_sys::HtmlElement>()
        .click();
    click(host, "Continue").await;
}

fn active_is(element: &web_sys::HtmlElement) -> bool {
    document()
        .active_element()
        .is_some_and(|active| active == **element)
}

/// A JPEG of a sharp document-like card (or a blurred one).
async fn card_jpeg(width: u32, height: u32, sharp: bool) -> web_sys::File {
    card(width, height, sharp, 1.0)
}

/// [`card_jpeg`] in dim light: every pixel's luma scaled by `light`.
fn card(width: u32, height: u32, sharp: bool, light: f64) -> web_sys::File {
    let canvas = card_canvas(width, height, sharp, light);
    let url = canvas.to_data_url_with_type("image/jpeg").unwrap();
    let binary = web_sys::window()
        .unwrap()
        .atob(url.split(',').nth(1).unwrap())
        .unwrap();
    let bytes: Vec<u8> = binary.chars().map(|c| c as u8).collect();
    file(&bytes, "photo.jpg", "image/jpeg")
}

/// The picture of [`card`], drawn on a canvas.
fn card_canvas(width: u32, height: u32, sharp: bool, light: f64) -> web_sys::HtmlCanvasElement {
    let (canvas, ctx) = super::canvas_2d(width, height);
    let (w, h) = (f64::from(width), f64::from(height));
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
    if !sharp {
        super::soften(&canvas);
    }
    if light < 1.0 {
        ctx.set_fill_style_str(&format!("rgba(0,0,0,{})", 1.0 - light));
        ctx.fill_rect(0.0, 0.0, w, h);
    }
    canvas
}

fn file(bytes: &[u8], name: &str, mime: &str) -> web_sys::File {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::FilePropertyBag::new();
    options.set_type(mime);
    web_sys::File::new_with_u8_array_sequence_and_options(&parts, name, &options).unwrap()
}

/// Waits (up to 10 s) until the step has finished checking a capture.
async fn idle(host: &web_sys::HtmlElement) {
    for _ in 0..200 {
        tick().await;
        if host.query_selector(".kyc-busy").unwrap().is_none() {
            break;
        }
        sleep(50).await;
    }
}

/// Chooses `file` in the step's file input, as the user would, once the step is idle.
async fn choose(host: &web_sys::HtmlElement, file: &web_sys::File) {
    idle(host).await;
    let input: web_sys::HtmlInputElement = host
        .query_selector("input[type=file]")
        .unwrap()
        .unwrap()
        .unchecked_into();
    let transfer = web_sys::DataTransfer::new().unwrap();
    transfer.items().add_with_file(file).unwrap();
    input.set_files(transfer.files().as_ref());
    input
        .dispatch_event(&web_sys::Event::new("change").unwrap())
        .unwrap();
    tick().await;
}

#[wasm_bindgen_test]
async fn consent_is_required_and_each_step_takes_the_focus() {
    let (host, _mounted) = mount(session(Provider::D, "GBR"), options());
    tick().await;
    assert_eq!(heading(&host).text_content().unwrap(), "Before you start");
    assert!(host.text_content().unwrap().contains("Step 1 of 5"));
    click(&host, "Continue").await;
    assert!(host
        .text_content()
        .unwrap()
        .contains("Tick the box to agree before you continue."));
    assert_eq!(heading(&host).text_content().unwrap(), "Before you start");
    agree(&host).await;
    let h2 = heading(&host);
    assert_eq!(h2.text_content().unwrap(), "Which document will you use?");
    assert!(active_is(&h2), "focus is not on the step's heading");
    // The live region says where the user is.
    let live = host
        .query_selector("[aria-live=polite][role=status]")
        .unwrap()
        .unwrap();
    assert_eq!(live.text_content().unwrap(), "Which document will you use?");
}

#[wasm_bindgen_test]
async fn document_step_offers_only_accepted_types_and_names_the_refused_one() {
    let (host, _mounted) = mount(session(Provider::D, "GBR"), options());
    tick().await;
    agree(&host).await;
    let text = host.text_content().unwrap();
    assert!(text.contains("National ID card cannot be used here. Please use a passport, driver's license or residence permit."), "{text}");
    let choices = host.query_selector_all("button.kyc-choice").unwrap();
    let labels: Vec<String> = (0..choices.length())
        .map(|i| choices.get(i).unwrap().text_content().unwrap())
        .collect();
    assert_eq!(labels, ["Passport", "Driver's license", "Residence permit"]);
    click(&host, "Driver's license").await;
    assert_eq!(
        heading(&host).text_content().unwrap(),
        "Where was your document issued?"
    );
    // Front and back of a two-sided document: consent, type, country, front, back, review.
    assert!(host.text_content().unwrap().contains("Step 3 of 6"));
}

#[wasm_bindgen_test]
async fn every_country_can_issue_the_document() {
    // A customer living in Britain may hold a passport of any country: all 250 are offered.
    let (host, _mounted) = mount(session(Provider::B, "GBR"), options());
    tick().await;
    agree(&host).await;
    click(&host, "Passport").await;
    let country: web_sys::HtmlSelectElement = host
        .query_selector("#kyc-country")
        .unwrap()
        .unwrap()
        .unchecked_into();
    assert_eq!(country.length(), 250);
    assert_eq!(country.value(), "GBR");
    for code in ["GRC", "VNM", "PAK", "XKX"] {
        assert!(
            host.query_selector(&format!("#kyc-country option[value={code}]"))
                .unwrap()
                .is_some(),
            "{code} is not offered"
        );
    }
}

#[wasm_bindgen_test]
async fn a_us_drivers_license_for_provider_b_needs_its_state() {
    // A customer living in Britain with a license issued in the USA: the issuing country decides.
    let (host, _mounted) = mount(session(Provider::B, "GBR"), options());
    tick().await;
    agree(&host).await;
    // B accepts national ID cards: nothing is said to be refused.
    assert!(!host.text_content().unwrap().contains("cannot be used here"));
    click(&host, "Driver's license").await;
    let country: web_sys::HtmlSelectElement = host
        .query_selector("#kyc-country")
        .unwrap()
        .unwrap()
        .unchecked_into();
    assert_eq!(country.value(), "GBR");
    assert!(host.query_selector("#kyc-state").unwrap().is_none());
    country.set_value("USA");
    country
        .dispatch_event(&web_sys::Event::new("change").unwrap())
        .unwrap();
    tick().await;
    assert!(host.query_selector("#kyc-state").unwrap().is_some());
    click(&host, "Continue").await;
    assert!(host
        .text_content()
        .unwrap()
        .contains("Choose the state that issued your driver's license."));
    let state: web_sys::HtmlSelectElement = host
        .query_selector("#kyc-state")
        .unwrap()
        .unwrap()
        .unchecked_into();
    state.set_value("TX");
    state
        .dispatch_event(&web_sys::Event::new("change").unwrap())
        .unwrap();
    tick().await;
    click(&host, "Continue").await;
    assert_eq!(
        heading(&host).text_content().unwrap(),
        "Front of your driver's license"
    );
}

#[wasm_bindgen_test]
async fn a_rejected_capture_is_explained_and_an_accepted_one_is_kept() {
    let (host, _mounted) = mount(session(Provider::D, "GBR"), options());
    tick().await;
    agree(&host).await;
    click(&host, "Driver's license").await;
    click(&host, "Continue").await;
    assert_eq!(
        heading(&host).text_content().unwrap(),
        "Front of your driver's license"
    );
    // A text file named .jpg: a specific sentence, no code.
    let text = b"Dear bank, this is not a photo.\n".repeat(64);
    choose(&host, &file(&text, "front.jpg", "image/jpeg")).await;
    wait_for(&host, "This file is not a photo or PDF we can read", 10).await;
    assert!(!host.text_content().unwrap().contains("unsupported_format"));
    // A sharp photo: accepted, on to the back.
    choose(&host, &card_jpeg(1800, 1200, true).await).await;
    wait_for(&host, "Back of your driver's license", 10).await;
    // A blurry back: refused with the sentence, twice; the front stays kept.
    let blurry = card_jpeg(1800, 1200, false).await;
    choose(&host, &blurry).await;
    wait_for(
        &host,
        "The photo is blurry. Hold the phone still and try again.",
        10,
    )
    .await;
    assert_eq!(
        heading(&host).text_content().unwrap(),
        "Back of your driver's license"
    );
    // The third blurry attempt goes through with a warning (kyc-core's gate).
    choose(&host, &blurry).await;
    choose(&host, &blurry).await;
    wait_for(&host, "Check your photos", 10).await;
    let thumbs = host.query_selector_all("img.kyc-thumb").unwrap();
    assert_eq!(thumbs.length(), 2, "both captures are kept for review");
    let text = host.text_content().unwrap();
    assert!(
        text.contains("We kept this photo, but it may be refused:"),
        "{text}"
    );
    assert!(text.contains("The photo is blurry."), "{text}");
    // Retake goes back to that capture.
    click(&host, "Retake: Front of your driver's license").await;
    assert_eq!(
        heading(&host).text_content().unwrap(),
        "Front of your driver's license"
    );
}

/// The first video track of the step's preview, once the fake camera is live.
async fn live_track(host: &web_sys::HtmlElement) -> web_sys::MediaStreamTrack {
    for _ in 0..100 {
        tick().await;
        if let Some(video) = host.query_selector("video").unwrap() {
            let video: web_sys::HtmlVideoElement = video.unchecked_into();
            if let Some(stream) = video.src_object() {
                let tracks = stream.get_video_tracks();
                if tracks.length() > 0 {
                    return tracks.get(0).unchecked_into();
                }
            }
        }
        sleep(50).await;
    }
    panic!("the camera never started: {}", host.inner_html());
}

#[wasm_bindgen_test]
async fn leaving_the_capture_step_turns_the_camera_off() {
    let (host, _mounted) = passport_step(Provider::D).await;
    let track = live_track(&host).await;
    assert_eq!(track.ready_state(), web_sys::MediaStreamTrackState::Live);
    assert!(button(&host, "Take photo").is_connected());
    click(&host, "Back").await;
    assert_eq!(track.ready_state(), web_sys::MediaStreamTrackState::Ended);
}

/// While it lives, the page's `navigator` has no `mediaDevices`, as on an insecure page or in
/// a webview without media capture. (Dropped before any assertion: a panic aborts, so the
/// next tests would find no camera either.)
struct NoCameraApi(web_sys::Navigator);

impl NoCameraApi {
    fn new() -> NoCameraApi {
        let navigator = web_sys::window().unwrap().navigator();
        let descriptor = js_sys::Object::new();
        js_sys::Reflect::set(&descriptor, &"value".into(), &JsValue::UNDEFINED).unwrap();
        js_sys::Reflect::set(&descriptor, &"configurable".into(), &true.into()).unwrap();
        js_sys::Object::define_property(&navigator, &"mediaDevices".into(), &descriptor);
        NoCameraApi(navigator)
    }
}

impl Drop for NoCameraApi {
    fn drop(&mut self) {
        // The prototype's getter shows through again.
        js_sys::Reflect::delete_property(&self.0, &"mediaDevices".into()).unwrap();
    }
}

#[wasm_bindgen_test]
async fn without_a_camera_api_the_photo_is_chosen_as_a_file() {
    let no_camera = NoCameraApi::new();
    let (host, _mounted) = passport_step(Provider::D).await;
    let explained = shows(
        &host,
        "No camera was found on this device. Choose a photo instead.",
        10,
    )
    .await;
    drop(no_camera);
    assert!(explained, "{}", host.text_content().unwrap_or_default());
    assert!(host.query_selector("button.kyc-shutter").unwrap().is_none());
    choose(&host, &card_jpeg(1800, 1200, true).await).await;
    wait_for(&host, "Check your photos", 10).await;
}

/// While it lives, `getUserMedia` answers with the stream of a canvas that sends a frame only
/// when [`CanvasCamera::show`] draws one: a camera that is open before its first frame reaches
/// the preview, or (never shown) one that sends none.
struct CanvasCamera {
    devices: js_sys::Object,
    canvas: web_sys::HtmlCanvasElement,
    stream: web_sys::MediaStream,
    _answer: wasm_bindgen::closure::Closure<dyn FnMut(JsValue) -> js_sys::Promise>,
}

impl CanvasCamera {
    fn new() -> CanvasCamera {
        let canvas: web_sys::HtmlCanvasElement = document()
            .create_element("canvas")
            .unwrap()
            .unchecked_into();
        canvas.set_width(1800);
        canvas.set_height(1200);
        // A rate of 0: a frame only on requestFrame().
        let capture = js_sys::Reflect::get(&canvas, &"captureStream".into()).unwrap();
        let stream: web_sys::MediaStream = capture
            .unchecked_ref::<js_sys::Function>()
            .call1(&canvas, &0.into())
            .unwrap()
            .unchecked_into();
        // The handle (`Clone::clone`), not `MediaStream::clone`, which copies the tracks.
        let answered = Clone::clone(&stream);
        let answer = wasm_bindgen::closure::Closure::<dyn FnMut(JsValue) -> js_sys::Promise>::new(
            move |_constraints| js_sys::Promise::resolve(AsRef::<JsValue>::as_ref(&answered)),
        );
        let devices = js_sys::Reflect::get(
            &web_sys::window().unwrap().navigator(),
            &"mediaDevices".into(),
        )
        .unwrap()
        .unchecked_into::<js_sys::Object>();
        let descriptor = js_sys::Object::new();
        js_sys::Reflect::set(&descriptor, &"value".into(), answer.as_ref()).unwrap();
        js_sys::Reflect::set(&descriptor, &"configurable".into(), &true.into()).unwrap();
        js_sys::Object::define_property(&devices, &"getUserMedia".into(), &descriptor);
        CanvasCamera {
            devices,
            canvas,
            stream,
            _answer: answer,
        }
    }

    /// Sends one frame: a sharp card on a desk.
    fn show(&self) {
        let context: web_sys::CanvasRenderingContext2d = self
            .canvas
            .get_context("2d")
            .unwrap()
            .unwrap()
            .unchecked_into();
        context
            .draw_image_with_html_canvas_element(&card_canvas(1800, 1200, true, 1.0), 0.0, 0.0)
            .unwrap();
        // The track's in Chromium and WebKit, the stream's in Firefox.
        let track = self.stream.get_video_tracks().get(0);
        let owner = if js_sys::Reflect::has(&track, &"requestFrame".into()).unwrap() {
            track
        } else {
            AsRef::<JsValue>::as_ref(&self.stream).clone()
        };
        let request = js_sys::Reflect::get(&owner, &"requestFrame".into()).unwrap();
        request
            .unchecked_ref::<js_sys::Function>()
            .call0(&owner)
            .unwrap();
    }
}

impl Drop for CanvasCamera {
    fn drop(&mut self) {
        // The prototype's getUserMedia shows through again.
        js_sys::Reflect::delete_property(&self.devices, &"getUserMedia".into()).unwrap();
    }
}

/// The step's shutter, once the camera is live (up to 10 s).
async fn shutter(host: &web_sys::HtmlElement) -> web_sys::HtmlElement {
    for _ in 0..1000 {
        tick().await;
        if let Some(shutter) = host.query_selector("button.kyc-shutter").unwrap() {
            return shutter.unchecked_into();
        }
        sleep(10).await;
    }
    panic!("the camera never went live: {}", host.inner_html());
}

#[wasm_bindgen_test]
async fn the_shutter_waits_for_the_camera_s_first_frame() {
    let camera = CanvasCamera::new();
    let (host, _mounted) = passport_step(Provider::D).await;
    let shutter = shutter(&host).await;
    sleep(300).await;
    tick().await;
    // The camera is open, its preview still empty: nothing to take yet.
    let waited = shutter.has_attribute("disabled");
    camera.show();
    let mut enabled = false;
    for _ in 0..100 {
        tick().await;
        if !shutter.has_attribute("disabled") {
            enabled = true;
            break;
        }
        sleep(50).await;
    }
    shutter.click();
    let taken = shows(&host, "Check your photos", 10).await;
    drop(camera);
    assert!(waited, "{}", host.inner_html());
    assert!(enabled, "{}", host.inner_html());
    assert!(taken, "{}", host.text_content().unwrap_or_default());
}

#[wasm_bindgen_test]
async fn a_camera_that_shows_nothing_is_explained_and_released() {
    let camera = CanvasCamera::new();
    let (host, _mounted) = passport_step(Provider::D).await;
    shutter(&host).await;
    let track = live_track(&host).await;
    let explained = shows(&host, "The camera could not start.", 10).await;
    drop(camera);
    assert!(explained, "{}", host.text_content().unwrap_or_default());
    assert!(host.query_selector("button.kyc-shutter").unwrap().is_none());
    assert_eq!(track.ready_state(), web_sys::MediaStreamTrackState::Ended);
    // The file picker still takes the photo.
    choose(&host, &card_jpeg(1800, 1200, true).await).await;
    wait_for(&host, "Check your photos", 10).await;
}

#[wasm_bindgen_test]
async fn unmounting_the_widget_turns_the_camera_off() {
    let (host, mounted) = passport_step(Provider::D).await;
    let track = live_track(&host).await;
    drop(mounted);
    tick().await;
    assert_eq!(track.ready_state(), web_sys::MediaStreamTrackState::Ended);
}

#[wasm_bindgen_test]
async fn sending_to_an_unreachable_relay_is_retried_then_explained_and_can_be_cancelled() {
    let (host, _mounted) = passport_step(Provider::D).await;
    choose(&host, &card_jpeg(1800, 1200, true).await).await;
    wait_for(&host, "Check your photos", 10).await;
    click(&host, "Submit for verification").await;
    assert_eq!(
        heading(&host).text_content().unwrap(),
        "Sending your documents"
    );
    assert_eq!(host.query_selector_all("progress").unwrap().length(), 1);
    wait_for(&host, "We cannot reach the verification service", 10).await;
    assert!(button(&host, "Try again").is_connected());
    click(&host, "Cancel").await;
    assert_eq!(heading(&host).text_content().unwrap(), "Check your photos");
    // The capture is still there to send later.
    assert_eq!(
        host.query_selector_all("img.kyc-thumb").unwrap().length(),
        1
    );
}

#[wasm_bindgen_test]
async fn the_flow_speaks_the_chosen_language_and_the_host_overrides_strings() {
    let options = WidgetOptions {
        locale: Some(Locale::Es),
        messages: vec![("continue".to_owned(), "Seguir".to_owned())],
        ..options()
    };
    // The Spanish file as the widget fetches it beside its module (the test runner serves
    // no package).
    let file = js_sys::JSON::parse(include_str!("../../www/locales/es.json")).unwrap();
    let table = pairs_of(file.unchecked_ref()).unwrap();
    let host = container();
    let session = session(Provider::D, "GBR");
    let client = RelayClient::new("http://127.0.0.1:9", "v1.x.1.00");
    let _mounted = leptos::mount::mount_to(host.clone(), move || {
        I18n::provide(options.texts().with_table(Locale::Es, table));
        view! { <CaptureFlow client session options /> }
    });
    tick().await;
    assert_eq!(heading(&host).text_content().unwrap(), "Antes de empezar");
    assert!(button(&host, "Seguir").is_connected());
}

#[wasm_bindgen_test]
async fn provider_b_with_a_selfie_asks_for_it_and_for_a_proof_of_address_and_names_its_terms() {
    let mut view = session(Provider::B, "GBR");
    view.selfie_required = true;
    view.terms_of_service_url = Some("https://b.example/tos?tos_policies_value=v1".to_owned());
    let (host, _mounted) = mount(view, options());
    tick().await;
    let text = host.text_content().unwrap();
    assert!(text.contains("terms of service"), "{text}");
    let link = host.query_selector("a[target=_blank]").unwrap().unwrap();
    assert_eq!(
        link.get_attribute("href").as_deref(),
        Some("https://b.example/tos?tos_policies_value=v1")
    );
    assert_eq!(
        link.get_attribute("rel").as_deref(),
        Some("noopener noreferrer")
    );
    assert!(text.contains("You will also take a selfie"), "{text}");
    agree(&host).await;
    click(&host, "Passport").await;
    // Consent, type, country, front, selfie, proof of address, review.
    assert!(host.text_content().unwrap().contains("Step 3 of 7"));
    click(&host, "Continue").await;
    choose(&host, &card_jpeg(1800, 1200, true).await).await;
    wait_for(&host, "A selfie", 10).await;
    assert_eq!(heading(&host).text_content().unwrap(), "A selfie");
    // The selfie's picker opens the front camera where there is no live one.
    let input = host.query_selector("input[type=file]").unwrap().unwrap();
    assert_eq!(input.id(), "kyc-file-selfie");
}

#[wasm_bindgen_test]
async fn a_rejection_is_explained_with_the_way_to_try_again() {
    let mut view = session(Provider::D, "GBR");
    view.status = VerificationStatus::Rejected {
        reason: "document_expired".to_owned(),
    };
    let (host, _mounted) = mount(view, options());
    tick().await;
    assert_eq!(
        heading(&host).text_content().unwrap(),
        "We could not verify you"
    );
    let text = host.text_content().unwrap();
    assert!(text.contains("Your document has expired."), "{text}");
    assert!(text.contains("You can try again with new photos"), "{text}");
    assert!(button(&host, "Start again").is_connected());
}

#[wasm_bindgen_test]
async fn choosing_another_document_drops_the_captures_of_the_first() {
    let (host, _mounted) = mount(session(Provider::D, "GBR"), options());
    tick().await;
    agree(&host).await;
    click(&host, "Driver's license").await;
    click(&host, "Continue").await;
    let photo = card_jpeg(1800, 1200, true).await;
    choose(&host, &photo).await;
    wait_for(&host, "Back of your driver's license", 10).await;
    choose(&host, &photo).await;
    wait_for(&host, "Check your photos", 10).await;
    // Back to the document type: review -> back -> front -> country -> document.
    for _ in 0..4 {
        click(&host, "Back").await;
    }
    assert_eq!(
        heading(&host).text_content().unwrap(),
        "Which document will you use?"
    );
    click(&host, "Residence permit").await;
    click(&host, "Continue").await;
    choose(&host, &photo).await;
    // The driver's license's back is not taken for the residence permit's.
    wait_for(&host, "Back of your residence permit", 10).await;
    assert_eq!(
        heading(&host).text_content().unwrap(),
        "Back of your residence permit"
    );
}

/// The widget of `provider` for a British user, at the passport's capture step.
async fn passport_step(provider: Provider) -> (web_sys::HtmlElement, impl Drop) {
    let (host, mounted) = mount(session(provider, "GBR"), options());
    tick().await;
    agree(&host).await;
    click(&host, "Passport").await;
    click(&host, "Continue").await;
    wait_for(&host, "Photo page of your passport", 10).await;
    (host, mounted)
}

#[wasm_bindgen_test]
async fn one_problem_is_told_as_its_cause_in_one_sentence() {
    let (host, _mounted) = passport_step(Provider::A).await;
    // A 100-byte PNG declaring 60000 x 60000 pixels: too many pixels, not also "too small".
    let mut bomb = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    bomb.extend_from_slice(&60_000u32.to_be_bytes());
    bomb.extend_from_slice(&60_000u32.to_be_bytes());
    bomb.resize(100, 0);
    choose(&host, &file(&bomb, "passport.png", "image/png")).await;
    wait_for(&host, "This image is too large to process.", 10).await;
    let text = host.text_content().unwrap();
    assert!(!text.contains("too small"), "{text}");
    // A sharp photo in dim light: too dark, not also blurry.
    choose(&host, &card(1800, 1200, true, 0.06)).await;
    wait_for(&host, "The photo is too dark.", 10).await;
    let text = host.text_content().unwrap();
    assert!(!text.contains("blurry"), "{text}");
    assert!(!text.contains("too large"), "{text}");
}

/// A photo of `width` x `height` pixels of noise (a fixed sequence): its JPEG stays large
/// however it is re-encoded.
fn noise_jpeg(width: u32, height: u32) -> web_sys::File {
    let (canvas, ctx) = super::canvas_2d(width, height);
    let mut seed = 0x2545_f491_u32;
    let pixels: Vec<u8> = (0..width * height * 4)
        .map(|i| {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            if i % 4 == 3 {
                255
            } else {
                (seed >> 24) as u8
            }
        })
        .collect();
    let data = web_sys::ImageData::new_with_u8_clamped_array_and_sh(
        wasm_bindgen::Clamped(&pixels),
        width,
        height,
    )
    .unwrap();
    ctx.put_image_data(&data, 0.0, 0.0).unwrap();
    let url = canvas
        .to_data_url_with_type_and_encoder_options("image/jpeg", &JsValue::from_f64(0.95))
        .unwrap();
    let binary = web_sys::window()
        .unwrap()
        .atob(url.split(',').nth(1).unwrap())
        .unwrap();
    let bytes: Vec<u8> = binary.chars().map(|c| c as u8).collect();
    file(&bytes, "noise.jpg", "image/jpeg")
}

#[wasm_bindgen_test]
async fn a_photo_over_the_relays_limit_is_refused_naming_that_limit() {
    // The host's relay takes 1 MB (`--max-bytes 1000000`, carried by the session): the JPEG
    // made of a detailed photo is larger, and is refused before it is sent.
    let mut view = session(Provider::D, "GBR");
    view.max_bytes = 1_000_000;
    let (host, _mounted) = mount(view, options());
    tick().await;
    agree(&host).await;
    click(&host, "Passport").await;
    click(&host, "Continue").await;
    wait_for(&host, "Photo page of your passport", 10).await;
    choose(&host, &noise_jpeg(2400, 1600)).await;
    wait_for(&host, "This file is larger than 1 MB.", 20).await;
    assert_eq!(
        heading(&host).text_content().unwrap(),
        "Photo page of your passport"
    );
}

#[wasm_bindgen_test]
async fn provider_a_never_keeps_a_blurry_photo() {
    let (host, _mounted) = passport_step(Provider::A).await;
    // D keeps the third blurry attempt with a warning; A rejects blurry images, no exceptions.
    let blurry = card_jpeg(1800, 1200, false).await;
    for _ in 0..4 {
        choose(&host, &blurry).await;
        idle(&host).await;
        wait_for(&host, "The photo is blurry.", 10).await;
    }
    assert!(!shows(&host, "Check your photos", 1).await);
    assert_eq!(
        heading(&host).text_content().unwrap(),
        "Photo page of your passport"
    );
    choose(&host, &card_jpeg(1800, 1200, true).await).await;
    wait_for(&host, "Check your photos", 10).await;
}

#[wasm_bindgen_test]
async fn an_optional_slot_is_labelled_and_can_be_skipped() {
    let mut view = session(Provider::A, "GBR");
    view.optional_slots = vec![kyc_core::Slot::ProofOfAddress];
    let (host, _mounted) = mount(view, options());
    tick().await;
    agree(&host).await;
    click(&host, "Passport").await;
    // Consent, type, country, front, proof of address (optional), review.
    assert!(host.text_content().unwrap().contains("Step 3 of 6"));
    click(&host, "Continue").await;
    choose(&host, &card_jpeg(1800, 1200, true).await).await;
    wait_for(&host, "Optional: you can skip this step.", 10).await;
    assert_eq!(heading(&host).text_content().unwrap(), "Proof of address");
    click(&host, "Skip").await;
    wait_for(&host, "Check your photos", 10).await;
    // The submission goes without it; it can still be added.
    assert!(!button(&host, "Submit for verification")
        .unchecked_ref::<web_sys::HtmlButtonElement>()
        .disabled());
    click(&host, "Add: Proof of address").await;
    assert_eq!(heading(&host).text_content().unwrap(), "Proof of address");
    choose(&host, &card_jpeg(1800, 1200, true).await).await;
    wait_for(&host, "Check your photos", 10).await;
    assert!(button(&host, "Retake: Proof of address").is_connected());
}

#[wasm_bindgen_test]
async fn the_consent_box_names_the_provider_s_terms_where_it_has_them() {
    let label = |host: &web_sys::HtmlElement| {
        host.query_selector("label[for=kyc-consent]")
            .unwrap()
            .unwrap()
            .text_content()
            .unwrap()
    };
    let mut view = session(Provider::B, "GBR");
    view.terms_of_service_url = Some("https://b.example/tos?tos_policies_value=v1".to_owned());
    let (host, _mounted) = mount(view, options());
    tick().await;
    assert!(label(&host).contains("accept our verification partner's terms of service"));
    // Without ticking it, the flow does not go on.
    click(&host, "Continue").await;
    assert_eq!(heading(&host).text_content().unwrap(), "Before you start");
    let (host, _mounted) = mount(session(Provider::D, "GBR"), options());
    tick().await;
    assert!(!label(&host).contains("terms of service"));
}

#[wasm_bindgen_test]
async fn a_desktop_offers_the_phone_on_capture_steps_unless_the_host_turns_it_off() {
    // The test browsers' pointer is a mouse: a desktop.
    for (handoff, offered) in [(Handoff::Offered, true), (Handoff::Off, false)] {
        let (host, _mounted) = mount(
            session(Provider::D, "GBR"),
            WidgetOptions {
                handoff,
                ..options()
            },
        );
        tick().await;
        agree(&host).await;
        click(&host, "Passport").await;
        click(&host, "Continue").await;
        assert_eq!(
            heading(&host).text_content().unwrap(),
            "Photo page of your passport"
        );
        let text = host.text_content().unwrap();
        assert_eq!(
            text.contains("Continue on your phone"),
            offered,
            "{handoff:?}"
        );
        if offered {
            click(&host, "Continue on your phone").await;
            assert_eq!(
                heading(&host).text_content().unwrap(),
                "Continue on your phone"
            );
            // This relay does not answer: said so, with a way to try again and to stay.
            wait_for(&host, "We cannot reach the verification service", 10).await;
            click(&host, "Stay on this device").await;
            assert_eq!(
                heading(&host).text_content().unwrap(),
                "Photo page of your passport"
            );
        }
    }
}

#[wasm_bindgen_test]
async fn a_forced_handoff_makes_every_capture_of_a_desktop_the_phones() {
    let (host, _mounted) = mount(
        session(Provider::D, "GBR"),
        WidgetOptions {
            handoff: Handoff::Forced,
            ..options()
        },
    );
    tick().await;
    agree(&host).await;
    click(&host, "Driver's license").await;
    click(&host, "Continue").await;
    assert_eq!(
        heading(&host).text_content().unwrap(),
        "Continue on your phone"
    );
    assert!(!host.text_content().unwrap().contains("Stay on this device"));
    assert!(
        host.query_selector("video").unwrap().is_none(),
        "no camera here"
    );
    // Every photo of the plan is listed as waiting for the phone.
    let waiting = host.query_selector_all("li[data-arrived=false]").unwrap();
    assert_eq!(waiting.length(), 2);
}

#[wasm_bindgen_test]
async fn a_session_handed_over_starts_at_the_first_photo_still_missing() {
    let handed_over = SessionView {
        uploaded: vec![Slot::Front],
        choices: Some(Choices {
            document_type: DocumentType::DriversLicense,
            issuing_country: "GBR".to_owned(),
            state: None,
            terms_accepted: true,
        }),
        ..session(Provider::D, "GBR")
    };
    let (host, _mounted) = mount(handed_over, options());
    tick().await;
    assert_eq!(
        heading(&host).text_content().unwrap(),
        "Back of your driver's license"
    );
    // Provider B's terms not accepted on the other device: asked again, from the start.
    let terms_missing = SessionView {
        terms_of_service_url: Some("https://b.example/tos".to_owned()),
        choices: Some(Choices {
            document_type: DocumentType::Passport,
            issuing_country: "USA".to_owned(),
            state: None,
            terms_accepted: false,
        }),
        ..session(Provider::B, "USA")
    };
    let (host, _mounted) = mount(terms_missing, options());
    tick().await;
    assert_eq!(heading(&host).text_content().unwrap(), "Before you start");
}
