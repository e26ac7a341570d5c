//! Widget tests in a browser: `cargo xtask test` runs them in headless Chromium, headless
//! Firefox and WebKit (MiniBrowser), each with its fake camera.
#![cfg(target_arch = "wasm32")]

use kyc_capture::intake::{intake, Accepted, Capture, CaptureProblem};
use kyc_core::{
    inspect_file, FileFormat, FileLimits, FileProblem, GateDecision, QualityGate, QualityIssue,
    QualityReport, Slot,
};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[path = "web/camera.rs"]
mod camera;
#[path = "web/embed.rs"]
mod embed;
#[path = "web/framing.rs"]
mod framing;
// The core's own builders of minimal valid files.
#[path = "../crates/kyc-core/tests/support/files.rs"]
mod files;
#[path = "web/status.rs"]
mod status;
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

/// [`intake`] of `file` for `slot` within `limits`, through a fresh quality gate; also the
/// measurements the gate was asked about, if it was.
async fn take_in(
    file: &web_sys::File,
    slot: Slot,
    limits: &FileLimits,
) -> (Result<Accepted, Vec<CaptureProblem>>, Option<QualityReport>) {
    let mut measured = None;
    let outcome = intake(
        Capture::File(file.clone().into()),
        slot,
        None,
        limits,
        |report| {
            measured = Some(*report);
            QualityGate::default().decide(slot, report)
        },
    )
    .await;
    (outcome, measured)
}

#[wasm_bindgen_test]
async fn a_text_file_renamed_jpg_is_refused_before_upload() {
    let text = b"Dear bank, this is not a passport photo.\n".repeat(64);
    let (refused, measured) = take_in(
        &file(&text, "passport.jpg", "image/jpeg"),
        Slot::Front,
        &FileLimits::default(),
    )
    .await;
    assert_eq!(
        refused.unwrap_err(),
        [CaptureProblem::File(FileProblem::UnsupportedFormat)]
    );
    assert_eq!(measured, None);
}

#[wasm_bindgen_test]
async fn an_oversized_file_is_refused_from_its_size_alone() {
    // A PDF is sent as it is: held to `max_bytes`. A photo is re-encoded: it may be read up to
    // `max_photo_bytes`. Neither is read past its head when over its limit.
    let limits = FileLimits {
        max_bytes: 2048,
        max_photo_bytes: 3072,
        ..FileLimits::default()
    };
    let pdf = files::pdf("", 2500);
    let (refused, _) = take_in(
        &file(&pdf, "statement.pdf", "application/pdf"),
        Slot::ProofOfAddress,
        &limits,
    )
    .await;
    assert_eq!(
        refused.unwrap_err(),
        [CaptureProblem::File(FileProblem::TooLarge {
            bytes: pdf.len() as u64,
            max_bytes: 2048
        })]
    );
    let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0];
    jpeg.resize(4096, 0);
    let (refused, _) = take_in(&file(&jpeg, "big.jpg", "image/jpeg"), Slot::Front, &limits).await;
    assert_eq!(
        refused.unwrap_err(),
        [CaptureProblem::File(FileProblem::TooLarge {
            bytes: 4096,
            max_bytes: 3072
        })]
    );
}

#[wasm_bindgen_test]
async fn a_photo_larger_than_an_upload_is_sent_re_encoded() {
    // A phone's full-resolution photo may be over the upload limit (a 48 MP JPEG is often
    // over 10 MiB): it is not refused for it, what is sent is the JPEG made of it.
    let photo = canvas_jpeg(2400, 1600, true).await;
    let limits = FileLimits {
        max_bytes: photo.len() as u64 - 1,
        ..FileLimits::default()
    };
    let (accepted, _) = take_in(
        &file(&photo, "IMG_0001.jpg", "image/jpeg"),
        Slot::Front,
        &limits,
    )
    .await;
    let accepted = accepted.unwrap();
    assert_eq!(accepted.format, FileFormat::Jpeg);
    assert_ne!(
        accepted.bytes.to_vec(),
        photo,
        "sent as chosen, not re-encoded"
    );
}

#[wasm_bindgen_test]
async fn a_re_encoded_photo_over_the_relays_limit_is_refused_before_it_is_sent() {
    // A host's relay may take less than a re-encoded photo (`--max-bytes`): the relay would
    // answer 413 after the whole upload, so the widget refuses it first, naming the limit.
    let photo = canvas_jpeg(2400, 1600, true).await;
    let limits = FileLimits {
        max_bytes: 2048,
        ..FileLimits::default()
    };
    let (refused, _) = take_in(
        &file(&photo, "IMG_0002.jpg", "image/jpeg"),
        Slot::Front,
        &limits,
    )
    .await;
    match refused.unwrap_err().as_slice() {
        [CaptureProblem::File(FileProblem::TooLarge {
            bytes,
            max_bytes: 2048,
        })] => {
            assert!(*bytes > 2048, "{bytes}")
        }
        other => panic!("{other:?}"),
    }
}

#[wasm_bindgen_test]
async fn a_photo_whose_name_tells_another_format_is_taken_by_its_bytes() {
    // A PNG saved as `.jpg` (the browser's type is a guess from the name): read as the PNG it
    // is, sent as the JPEG made of it.
    let (canvas, ctx) = canvas_2d(1600, 1000);
    ctx.set_fill_style_str("#6b7075");
    ctx.fill_rect(0.0, 0.0, 1600.0, 1000.0);
    ctx.set_fill_style_str("#d9dde2");
    ctx.fill_rect(160.0, 100.0, 1280.0, 800.0);
    ctx.set_fill_style_str("#1a1a1a");
    ctx.set_font("40px monospace");
    for line in 0..12 {
        let y = 220.0 + 55.0 * f64::from(line);
        ctx.fill_text("P<GBRSPECIMEN<<ANNA<MARIA<<<<<<", 220.0, y)
            .unwrap();
    }
    let png = encoded(&canvas, "image/png");
    assert_eq!(&png[1..4], b"PNG");
    let chosen = file(&png, "passport.jpg", "image/jpeg");
    let (accepted, _) = take_in(&chosen, Slot::Front, &FileLimits::default()).await;
    assert_eq!(accepted.unwrap().format, FileFormat::Jpeg);
}

#[wasm_bindgen_test]
async fn a_png_with_a_transparent_ground_is_sent_on_white() {
    // A document cut out by an app, its ground transparent: a JPEG has no transparency, and
    // the transparent pixels are black (0, 0, 0, 0) until drawn over something. On white, as
    // every viewer shows it, it is neither too dark nor a black frame around the document.
    let (canvas, ctx) = canvas_2d(1600, 1000);
    ctx.set_fill_style_str("#d9dde2");
    ctx.fill_rect(320.0, 200.0, 960.0, 600.0);
    ctx.set_fill_style_str("#1a1a1a");
    ctx.set_font("28px monospace");
    for line in 0..10 {
        let y = 280.0 + 48.0 * f64::from(line);
        ctx.fill_text("P<GBRSPECIMEN<<ANNA<MARIA<<<<<<", 360.0, y)
            .unwrap();
    }
    let png = encoded(&canvas, "image/png");
    let (accepted, measured) = take_in(
        &file(&png, "cut-out.png", "image/png"),
        Slot::Front,
        &FileLimits::default(),
    )
    .await;
    let accepted = accepted.unwrap_or_else(|problems| panic!("{problems:?}, {measured:?}"));
    let pixels = thumbnail_of(&accepted.bytes).await;
    // The corner, where the ground was transparent: white, not black.
    assert!(pixels[..3].iter().all(|&v| v > 240), "{:?}", &pixels[..4]);
}

#[wasm_bindgen_test]
async fn a_pdf_is_kept_as_chosen_where_the_slot_takes_one() {
    let pdf = files::pdf("", 4096);
    let chosen = file(&pdf, "statement.pdf", "application/pdf");
    let (accepted, measured) = take_in(&chosen, Slot::ProofOfAddress, &FileLimits::default()).await;
    let accepted = accepted.unwrap();
    assert_eq!(accepted.format, FileFormat::Pdf);
    assert_eq!(accepted.bytes.to_vec(), pdf);
    assert_eq!(measured, None, "a PDF is not measured as a photo");
    let (refused, _) = take_in(&chosen, Slot::Selfie, &FileLimits::default()).await;
    assert_eq!(
        refused.unwrap_err(),
        [CaptureProblem::File(FileProblem::PdfNotAllowed)]
    );
}

#[wasm_bindgen_test]
async fn a_pdf_after_a_stray_line_is_sent_from_its_header() {
    // A statement served by a script that printed a byte-order mark and a blank line first:
    // every reader opens it; what is sent is the PDF alone.
    let pdf = files::pdf("", 4096);
    let served = [&b"\xEF\xBB\xBF\r\n"[..], &pdf].concat();
    let chosen = file(&served, "statement.pdf", "application/pdf");
    let (accepted, _) = take_in(&chosen, Slot::ProofOfAddress, &FileLimits::default()).await;
    let accepted = accepted.unwrap();
    assert_eq!(accepted.format, FileFormat::Pdf);
    assert_eq!(accepted.bytes.to_vec(), pdf);
    // Further than readers look, the header does not make the file a PDF.
    let far = [&[b' '; 1025][..], &pdf].concat();
    let chosen = file(&far, "statement.pdf", "application/pdf");
    let (refused, _) = take_in(&chosen, Slot::ProofOfAddress, &FileLimits::default()).await;
    assert_eq!(
        refused.unwrap_err(),
        [CaptureProblem::File(FileProblem::UnsupportedFormat)]
    );
}

#[wasm_bindgen_test]
async fn an_encrypted_pdf_is_sent_for_the_relay_to_open() {
    // A bank's statement encrypted with an owner password only opens without a question:
    // whether a PDF asks for a password is told by decrypting it, which the relay does.
    let pdf = files::pdf("/Encrypt 5 0 R ", 4096);
    let chosen = file(&pdf, "statement.pdf", "application/pdf");
    let (accepted, _) = take_in(&chosen, Slot::ProofOfAddress, &FileLimits::default()).await;
    assert_eq!(accepted.unwrap().bytes.to_vec(), pdf);
}

#[wasm_bindgen_test]
async fn a_photo_the_browser_cannot_decode_is_explained_as_such() {
    // A valid HEIC header: the checks pass, but Chromium has no HEIC decoder.
    let heic = files::heic(3000, 2000, 8192);
    let (refused, _) = take_in(
        &file(&heic, "IMG_0001.HEIC", "image/heic"),
        Slot::Front,
        &FileLimits::default(),
    )
    .await;
    assert_eq!(refused.unwrap_err(), [CaptureProblem::CannotDecode]);
}

#[wasm_bindgen_test]
async fn an_unreachable_relay_is_explained_not_left_blank() {
    let host = container();
    // Port 9 (discard) has no HTTP server: the request fails as it would offline.
    let options = js_sys::JSON::parse(
        r#"{"endpoint":"http://127.0.0.1:9","sessionToken":"v1.x.1.00","locale":"en"}"#,
    )
    .unwrap();
    let _mounted = kyc_capture::embed::mount(host.clone(), options, None);
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
    let (canvas, ctx) = canvas_2d(width, height);
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
        soften(&canvas);
    }
    jpeg_of(&canvas)
}

/// A canvas of `width` x `height` and its 2D context, to draw a test photo on.
fn canvas_2d(
    width: u32,
    height: u32,
) -> (
    web_sys::HtmlCanvasElement,
    web_sys::CanvasRenderingContext2d,
) {
    let document = web_sys::window().unwrap().document().unwrap();
    let canvas: web_sys::HtmlCanvasElement =
        document.create_element("canvas").unwrap().unchecked_into();
    canvas.set_width(width);
    canvas.set_height(height);
    let ctx = canvas.get_context("2d").unwrap().unwrap().unchecked_into();
    (canvas, ctx)
}

/// What `canvas` shows, as the browser's JPEG.
fn jpeg_of(canvas: &web_sys::HtmlCanvasElement) -> Vec<u8> {
    encoded(canvas, "image/jpeg")
}

/// What `canvas` shows, encoded by the browser as `mime`.
fn encoded(canvas: &web_sys::HtmlCanvasElement, mime: &str) -> Vec<u8> {
    let url = canvas.to_data_url_with_type(mime).unwrap();
    let base64 = url.split(',').nth(1).unwrap().to_owned();
    let binary = web_sys::window().unwrap().atob(&base64).unwrap();
    binary.chars().map(|c| c as u8).collect()
}

/// [`intake`] of `capture` as `slot` (a document of `shape`, if known), every quality issue
/// let through: what it kept and what it measured.
async fn take_all(
    capture: Capture,
    slot: Slot,
    shape: Option<kyc_core::document_outline::DocumentShape>,
) -> (Accepted, QualityReport) {
    let mut measured = None;
    let accepted = intake(capture, slot, shape, &FileLimits::default(), |report| {
        measured = Some(*report);
        GateDecision::ProceedWithWarning {
            issues: report.issues(),
        }
    })
    .await
    .unwrap();
    (accepted, measured.expect("the pixels were measured"))
}

/// Blurs what `canvas` shows: down to 100 pixels wide and back up, smoothed. (The canvas
/// `filter` would be simpler, but WebKit has none.)
fn soften(canvas: &web_sys::HtmlCanvasElement) {
    let document = web_sys::window().unwrap().document().unwrap();
    let small: web_sys::HtmlCanvasElement =
        document.create_element("canvas").unwrap().unchecked_into();
    let (w, h) = (f64::from(canvas.width()), f64::from(canvas.height()));
    small.set_width(100);
    small.set_height(canvas.height() * 100 / canvas.width());
    let context = |canvas: &web_sys::HtmlCanvasElement| -> web_sys::CanvasRenderingContext2d {
        canvas.get_context("2d").unwrap().unwrap().unchecked_into()
    };
    let (sw, sh) = (f64::from(small.width()), f64::from(small.height()));
    context(&small)
        .draw_image_with_html_canvas_element_and_dw_and_dh(canvas, 0.0, 0.0, sw, sh)
        .unwrap();
    let big = context(canvas);
    big.set_image_smoothing_enabled(true);
    big.draw_image_with_html_canvas_element_and_dw_and_dh(&small, 0.0, 0.0, w, h)
        .unwrap();
}

/// `jpeg` with an EXIF segment inserted after its SOI: `orientation` (1 to 8) and a GPS marker
/// string.
fn with_orientation(jpeg: &[u8], orientation: u8) -> Vec<u8> {
    let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
    tiff.extend_from_slice(&[0, 1]); // one entry
    tiff.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0]);
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

/// The width and height of `accepted`'s JPEG, read by the checks the relay runs on it.
fn dimensions(accepted: &Accepted) -> Option<(u32, u32)> {
    let jpeg = accepted.bytes.to_vec();
    inspect_file(
        &jpeg,
        Some("image/jpeg"),
        Slot::Front,
        &FileLimits::default(),
    )
    .unwrap()
    .dimensions
}

#[wasm_bindgen_test]
async fn a_photo_is_oriented_downscaled_measured_and_stripped_of_exif() {
    // Orientation 6: turn 90° clockwise.
    let original = with_orientation(&canvas_jpeg(2400, 1600, true).await, 6);
    assert!(contains(&original, b"GPSLatitude"));
    let blob = file(&original, "passport.jpg", "image/jpeg");
    let (accepted, measured) = take_in(&blob, Slot::Front, &FileLimits::default()).await;
    let accepted = accepted.unwrap();
    assert_eq!(accepted.format, FileFormat::Jpeg);
    // Orientation 6 turns the landscape photo upright (portrait); the long edge is 2000, or
    // up to a sixteenth more where the decoder's own scaling lands there (7/8: 1400x2100).
    let (width, height) = dimensions(&accepted).unwrap();
    assert!((2000..=2125).contains(&height), "{width}x{height}");
    let aspect = f64::from(width) / f64::from(height);
    assert!((aspect - 2.0 / 3.0).abs() < 0.005, "{width}x{height}");
    let jpeg = accepted.bytes.to_vec();
    assert_eq!(&jpeg[..2], &[0xFF, 0xD8]);
    assert!(!contains(&jpeg, b"Exif"), "EXIF survived the re-encode");
    assert!(
        !contains(&jpeg, b"GPSLatitude"),
        "GPS survived the re-encode"
    );
    let quality = measured.expect("the photo was measured");
    assert!(quality.sharpness.passed(), "{quality:?}");
    assert!(quality.exposure.passed(), "{quality:?}");
    assert_eq!(accepted.warnings, [], "{quality:?}");
}

/// The page's analysis worker; `None` only in an engine without `OffscreenCanvas`, which may
/// go without it.
fn analysis_worker() -> Option<std::rc::Rc<kyc_capture::analysis_worker::AnalysisWorker>> {
    let worker = kyc_capture::analysis_worker::AnalysisWorker::shared();
    if worker.is_none() {
        let global = js_sys::global();
        assert!(!js_sys::Reflect::has(&global, &"OffscreenCanvas".into()).unwrap());
    }
    worker
}

/// How far apart two images of the same size are: the mean difference of their bytes, in
/// levels.
fn mean_difference(a: &[u8], b: &[u8]) -> f64 {
    assert_eq!(a.len(), b.len(), "images of different sizes");
    let differ: u64 = a
        .iter()
        .zip(b)
        .map(|(a, b)| u64::from(a.abs_diff(*b)))
        .sum();
    differ as f64 / a.len() as f64
}

/// A JPEG of `size` chosen as a document's front (of `shape`, if known), with the relay's
/// limits.
fn front_photo(
    size: (u32, u32),
    shape: Option<kyc_core::document_outline::DocumentShape>,
) -> kyc_capture::photo::Photo {
    kyc_capture::photo::Photo {
        format: FileFormat::Jpeg,
        size: Some(size),
        slot: Slot::Front,
        shape,
        min_long_edge: FileLimits::default().min_long_edge(Slot::Front),
    }
}

/// The width and height a prepared `jpeg` says it has.
fn jpeg_size(jpeg: &js_sys::Uint8Array) -> Option<(u32, u32)> {
    inspect_file(&jpeg.to_vec(), None, Slot::Front, &FileLimits::default())
        .unwrap()
        .dimensions
}

#[wasm_bindgen_test]
async fn a_chosen_photo_is_prepared_in_the_worker_as_the_page_would() {
    use kyc_capture::photo::Prepared;
    let Some(worker) = analysis_worker() else {
        return;
    };
    // A turned photo of a card: decoded, turned, checked, cropped to the card and encoded.
    let jpeg = with_orientation(&canvas_jpeg(3200, 2400, true).await, 6);
    let photo = front_photo(
        (3200, 2400),
        Some(kyc_core::document_outline::DocumentShape::Id1),
    );
    let on_page = photo
        .prepare(&js_sys::Uint8Array::from(&jpeg[..]))
        .await
        .unwrap();
    let bytes = js_sys::Uint8Array::from(&jpeg[..]);
    let in_worker: Prepared = worker
        .prepare(bytes.clone(), &photo)
        .await
        .unwrap_or_else(|_| panic!("the worker did not prepare the photo"));
    assert_eq!(
        bytes.byte_length(),
        0,
        "the bytes were copied, not handed over"
    );
    assert_eq!(jpeg_size(&in_worker.whole), Some((1500, 2000)));
    assert_eq!(jpeg_size(&in_worker.whole), jpeg_size(&on_page.whole));
    // The whole photo shows the same, turned the same way (the worker's encoder draws the
    // decoded frame turned; the page puts the pixels it turned itself).
    let mean = mean_difference(
        &thumbnail_of(&in_worker.whole).await,
        &thumbnail_of(&on_page.whole).await,
    );
    assert!(
        mean < 3.0,
        "the whole photos differ by {mean:.2} levels on average"
    );
    let crop = in_worker
        .crop
        .as_ref()
        .expect("the card was cropped in the worker");
    assert_eq!(Some(jpeg_size(crop)), on_page.crop.as_ref().map(jpeg_size));
    // The same pixels, measured by the same code: the same findings, the same scores (within
    // what a different canvas's rounding could move).
    let (worker_report, page_report) = (in_worker.report, on_page.report);
    assert_eq!(worker_report.issues(), page_report.issues());
    let scores = |r: &QualityReport| [r.sharpness.score, r.exposure.score, r.glare.score];
    for (worker, page) in scores(&worker_report).into_iter().zip(scores(&page_report)) {
        assert!(
            (worker - page).abs() <= 0.02 * page.abs().max(1e-3),
            "{worker_report:?} against {page_report:?}"
        );
    }
}

/// Sets the page's `kycEncodeJpeg` (the analysis worker's encoder thread, as `photo.rs` finds
/// it) to a stand-in that counts its calls and `fails` (a rejected encode) or never answers; or
/// removes it. Returns the call counter's reader.
fn stand_in_encoder(behaviour: Option<&str>) -> js_sys::Function {
    let global = js_sys::global();
    let Some(behaviour) = behaviour else {
        js_sys::Reflect::delete_property(
            global.unchecked_ref::<js_sys::Object>(),
            &"kycEncodeJpeg".into(),
        )
        .unwrap();
        return js_sys::Function::new_no_args("return 0");
    };
    let make = js_sys::Function::new_with_args(
        "behaviour",
        "let calls = 0;
         globalThis.kycEncodeJpeg = (image) => {
           calls += 1;
           if (image instanceof ImageBitmap) image.close();
           return behaviour === 'fails'
             ? Promise.reject(new Error('the stand-in encoder failed'))
             : new Promise(() => {});
         };
         return () => calls;",
    );
    make.call1(&wasm_bindgen::JsValue::NULL, &behaviour.into())
        .unwrap()
        .unchecked_into()
}

#[wasm_bindgen_test]
async fn a_photo_is_encoded_here_when_the_encoder_thread_fails_or_never_answers() {
    use wasm_bindgen::JsValue;
    // A card photo at twice the output size (decoded straight to it where the engine has an
    // `ImageDecoder`, its encode then started on the encoder thread) with a crop, whose pixels
    // go to the encoder thread in every engine.
    let jpeg = canvas_jpeg(4000, 3000, true).await;
    let photo = front_photo(
        (4000, 3000),
        Some(kyc_core::document_outline::DocumentShape::Id1),
    );
    let calls_of =
        |calls: &js_sys::Function| calls.call0(&JsValue::NULL).unwrap().as_f64().unwrap() as u32;
    let without = photo
        .prepare(&js_sys::Uint8Array::from(&jpeg[..]))
        .await
        .unwrap();
    let crop_size = jpeg_size(without.crop.as_ref().expect("the card was cropped"));
    // Prepared as without a stand-in: the whole photo and the crop at the same sizes.
    let prepared_as_without = async || {
        let prepared = photo
            .prepare(&js_sys::Uint8Array::from(&jpeg[..]))
            .await
            .unwrap();
        assert_eq!(jpeg_size(&prepared.whole), Some((2000, 1500)));
        assert_eq!(prepared.crop.as_ref().map(jpeg_size), Some(crop_size));
    };

    // A failed encode: this one is encoded here, and the encoder is asked again next time.
    let calls = stand_in_encoder(Some("fails"));
    for round in 1..=2 {
        prepared_as_without().await;
        assert!(calls_of(&calls) >= round, "the encoder was not asked");
    }
    let asked = calls_of(&calls);

    // An encode that never ends: given up after its deadline, encoded here, and the encoder
    // not asked again.
    let calls = stand_in_encoder(Some("never answers"));
    prepared_as_without().await;
    let stalled = calls_of(&calls);
    assert!(
        (1..=asked / 2).contains(&stalled),
        "asked {stalled} times (each photo asked {} times before)",
        asked / 2
    );
    prepared_as_without().await;
    assert_eq!(
        calls_of(&calls),
        stalled,
        "a stalled encoder was asked again"
    );
    stand_in_encoder(None);
}

#[wasm_bindgen_test]
async fn a_photo_the_worker_has_not_prepared_in_time_goes_back_to_the_page() {
    use kyc_capture::analysis_worker::AnalysisWorker;
    if analysis_worker().is_none() {
        return;
    }
    let jpeg = canvas_jpeg(3200, 2400, true).await;
    let photo = front_photo((3200, 2400), None);
    // A worker of its own that gives a photo 1 ms: no decode ends that soon, so it is taken
    // as stuck.
    let worker = AnalysisWorker::with_photo_deadline(1).unwrap();
    let bytes = js_sys::Uint8Array::from(&jpeg[..]);
    let Err(back) = worker.prepare(bytes, &photo).await else {
        panic!("prepared within 1 ms");
    };
    assert_eq!(back.byte_length(), 0, "the bytes were not handed over");
    assert!(worker.failed(), "a stuck worker is still used");
    // Its next photo is the page's at once, its bytes untouched; a late answer of the ended
    // worker changes nothing.
    let bytes = js_sys::Uint8Array::from(&jpeg[..]);
    let Err(back) = worker.prepare(bytes, &photo).await else {
        panic!("an ended worker prepared a photo");
    };
    assert_eq!(back.byte_length() as usize, jpeg.len());
    gloo_timers_sleep(500).await;
    assert!(worker.failed());
    // With time enough, a worker of its own prepares it.
    let worker = AnalysisWorker::with_photo_deadline(20_000).unwrap();
    let prepared = worker
        .prepare(js_sys::Uint8Array::from(&jpeg[..]), &photo)
        .await
        .unwrap_or_else(|_| panic!("the worker did not prepare the photo"));
    assert!(prepared.whole.byte_length() > 0);
}

#[wasm_bindgen_test]
async fn a_small_photo_is_not_enlarged_and_a_soft_one_is_found_blurry() {
    let soft = file(
        &canvas_jpeg(1200, 900, false).await,
        "front.jpg",
        "image/jpeg",
    );
    // The gate refuses it: the user reads why.
    let (refused, _) = take_in(&soft, Slot::Front, &FileLimits::default()).await;
    let problems = refused.unwrap_err();
    assert!(
        problems.contains(&CaptureProblem::Quality(QualityIssue::Blurry)),
        "{problems:?}"
    );
    // Let through, it keeps its size.
    let kept = intake(
        Capture::File(soft.into()),
        Slot::Front,
        None,
        &FileLimits::default(),
        |report| GateDecision::ProceedWithWarning {
            issues: report.issues(),
        },
    )
    .await
    .unwrap();
    assert_eq!(dimensions(&kept), Some((1200, 900)));
    assert!(kept.warnings.contains(&QualityIssue::Blurry));
}

#[wasm_bindgen_test]
async fn a_photo_is_refused_for_what_inspect_file_refuses() {
    let small = canvas_jpeg(800, 600, true).await;
    let (refused, measured) = take_in(
        &file(&small, "front.jpg", "image/jpeg"),
        Slot::Front,
        &FileLimits::default(),
    )
    .await;
    assert_eq!(
        refused.unwrap_err(),
        [CaptureProblem::File(FileProblem::ResolutionTooLow {
            long_edge: 800,
            min_long_edge: 1000
        })]
    );
    assert_eq!(measured, None, "a refused file is not decoded");
}

/// A JPEG of `width` x `height` that shows which way it is turned: a red quarter at its top
/// left, a green band along its bottom, blue elsewhere.
fn orientation_scene(width: u32, height: u32) -> Vec<u8> {
    let (canvas, ctx) = canvas_2d(width, height);
    let (w, h) = (f64::from(width), f64::from(height));
    for (colour, x, y, cw, ch) in [
        ("#1040c0", 0.0, 0.0, w, h),
        ("#d02020", 0.0, 0.0, w / 2.0, h / 2.0),
        ("#20a040", 0.0, h * 0.9, w, h * 0.1),
    ] {
        ctx.set_fill_style_str(colour);
        ctx.fill_rect(x, y, cw, ch);
    }
    jpeg_of(&canvas)
}

/// Waits until `worker` has started (15 s at most), failing the test if it does not.
async fn until_ready(worker: &kyc_capture::analysis_worker::AnalysisWorker) {
    for _ in 0..300 {
        if worker.is_ready() {
            break;
        }
        gloo_timers_sleep(50).await;
    }
    assert!(worker.is_ready(), "the worker did not start");
}

#[wasm_bindgen_test]
async fn a_photo_decoded_straight_to_size_shows_what_the_whole_decode_shows() {
    use kyc_capture::photo::{decode_size, Picture};
    // A landscape photo, large enough to be decoded at an eighth-step of its size where the
    // engine can, stored with each EXIF orientation in turn: a red quarter at its stored top
    // left, a green band along its stored bottom, blue elsewhere.
    let (width, height) = (3200, 2400);
    let jpeg = orientation_scene(width, height);
    assert!(decode_size((width, height), 2000).is_some());
    // Each of the eight orientations comes out as the whole decode shows it (the browser's
    // `createImageBitmap` with `imageOrientation: "from-image"`).
    for orientation in 1..=8 {
        let bytes = js_sys::Uint8Array::from(with_orientation(&jpeg, orientation).as_slice());
        let scaled = Picture::decode(&bytes, FileFormat::Jpeg, Some((width, height)), 2000)
            .await
            .unwrap();
        // Without the stored size, the whole photo is decoded, then brought down on the canvas.
        let whole = Picture::decode(&bytes, FileFormat::Jpeg, None, 2000)
            .await
            .unwrap();
        let upright = if orientation >= 5 {
            (1500, 2000)
        } else {
            (2000, 1500)
        };
        assert_eq!(scaled.size(), upright, "orientation {orientation}");
        assert_eq!(whole.size(), upright, "orientation {orientation}");
        let (scaled, whole) = (thumbnail(&scaled).await, thumbnail(&whole).await);
        if orientation == 6 {
            let at = |pixels: &[u8], x: usize, y: usize| {
                let i = (y * 150 + x) * 4;
                [pixels[i], pixels[i + 1], pixels[i + 2]]
            };
            for image in [&scaled, &whole] {
                // Turned upright: the stored top left is now the top right, the stored bottom
                // the left edge.
                let [r, g, b] = at(image, 120, 40);
                assert!(r > 180 && g < 80 && b < 80, "top right {:?}", [r, g, b]);
                let [r, g, b] = at(image, 30, 40);
                assert!(r < 80 && b > 150, "top left {:?}", [r, g, b]);
                let [r, g, b] = at(image, 5, 150);
                assert!(g > 130 && r < 80 && b < 100, "left edge {:?}", [r, g, b]);
            }
        }
        let mean = mean_difference(&scaled, &whole);
        assert!(
            mean < 3.0,
            "orientation {orientation}: the two decodes differ by {mean:.2} levels on average"
        );
    }
}

#[wasm_bindgen_test]
async fn each_orientation_is_prepared_in_the_worker_as_the_page_would() {
    // The worker's encoder thread draws a decoded frame turned (and mirrored) as the frame
    // says, while the page puts the pixels it turned itself: the JPEGs must show the same.
    let Some(worker) = analysis_worker() else {
        return;
    };
    let (width, height) = (4000, 3000);
    // Nothing symmetric: a red quarter at the stored top left, a green band along the stored
    // bottom, blue elsewhere.
    let jpeg = orientation_scene(width, height);
    let photo = front_photo((width, height), None);
    for orientation in 1..=8 {
        let stored = with_orientation(&jpeg, orientation);
        let on_page = photo
            .prepare(&js_sys::Uint8Array::from(stored.as_slice()))
            .await
            .unwrap();
        let in_worker = worker
            .prepare(js_sys::Uint8Array::from(stored.as_slice()), &photo)
            .await
            .unwrap_or_else(|_| panic!("orientation {orientation}: not prepared in the worker"));
        assert_eq!(
            jpeg_size(&in_worker.whole),
            jpeg_size(&on_page.whole),
            "orientation {orientation}"
        );
        let mean = mean_difference(
            &thumbnail_of(&in_worker.whole).await,
            &thumbnail_of(&on_page.whole).await,
        );
        assert!(
            mean < 3.0,
            "orientation {orientation}: the worker's and the page's photos differ by {mean:.2} \
             levels on average"
        );
    }
}

/// What `picture` shows as it is sent, a tenth of its size: its JPEG decoded again by the
/// browser and drawn small (enough to see where each colour is, and little memory for the
/// module: eight orientations, two decodes each).
async fn thumbnail(picture: &kyc_capture::photo::Picture) -> Vec<u8> {
    thumbnail_of(&picture.encode().await.unwrap()).await
}

/// What `jpeg` shows, a tenth of its size.
async fn thumbnail_of(jpeg: &js_sys::Uint8Array) -> Vec<u8> {
    let blob = kyc_capture::photo::blob(jpeg, FileFormat::Jpeg).unwrap();
    let promise = web_sys::window()
        .unwrap()
        .create_image_bitmap_with_blob(&blob)
        .unwrap();
    let bitmap: web_sys::ImageBitmap = wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .unwrap()
        .unchecked_into();
    let (width, height) = (bitmap.width() / 10, bitmap.height() / 10);
    let (_canvas, ctx) = canvas_2d(width, height);
    ctx.draw_image_with_image_bitmap_and_dw_and_dh(
        &bitmap,
        0.0,
        0.0,
        f64::from(width),
        f64::from(height),
    )
    .unwrap();
    bitmap.close();
    ctx.get_image_data(0.0, 0.0, f64::from(width), f64::from(height))
        .unwrap()
        .data()
        .0
}
