//! The document in the frame: the outline's SVG lies over the video's picture whatever its
//! `object-fit` and mirroring, and a photo is cropped to the document only when its outline
//! is found.

use kyc_capture::framing::{overlay, Framed};
use kyc_capture::intake::Capture;
use kyc_core::document_outline::{DocumentShape, Guidance, Outline, Point};
use kyc_core::{FileFormat, Slot};
use wasm_bindgen_test::*;

/// The box of the polygon drawn by [`overlay`] of a 640 x 360 frame's outline (corners at
/// x 160..=320, y 90..=270) in a 400 x 300 box, relative to the box.
async fn drawn(object_fit: &'static str, mirrored: bool) -> (f64, f64, f64, f64) {
    let host = super::container();
    host.set_attribute(
        "style",
        "position: relative; width: 400px; height: 300px; margin: 0; padding: 0",
    )
    .unwrap();
    let framed = Framed {
        outline: Some(Outline {
            corners: [
                Point::new(160.0, 90.0),
                Point::new(320.0, 90.0),
                Point::new(320.0, 270.0),
                Point::new(160.0, 270.0),
            ],
            confidence: 0.9,
            bow: 0.0,
        }),
        size: (640, 360),
        guidance: Guidance::Ready,
    };
    let mounted =
        leptos::mount::mount_to(host.clone(), move || overlay(&framed, object_fit, mirrored));
    super::tick().await;
    let svg = host.query_selector("svg.kyc-outline").unwrap().unwrap();
    assert_eq!(svg.get_attribute("aria-hidden").as_deref(), Some("true"));
    // The widget's style sheet, for the parts that place it.
    let mut style = "position: absolute; inset: 0; width: 100%; height: 100%".to_owned();
    if svg.class_list().contains("kyc-mirrored") {
        style.push_str("; transform: scaleX(-1)");
    }
    svg.set_attribute("style", &style).unwrap();
    let polygon = svg.query_selector("polygon").unwrap().unwrap();
    let (outer, inner) = (
        host.get_bounding_client_rect(),
        polygon.get_bounding_client_rect(),
    );
    let placed = (
        inner.left() - outer.left(),
        inner.top() - outer.top(),
        inner.right() - outer.left(),
        inner.bottom() - outer.top(),
    );
    drop(mounted);
    host.remove();
    placed
}

fn near(found: (f64, f64, f64, f64), expected: (f64, f64, f64, f64)) {
    let close = |a: f64, b: f64| (a - b).abs() < 0.6;
    assert!(
        close(found.0, expected.0)
            && close(found.1, expected.1)
            && close(found.2, expected.2)
            && close(found.3, expected.3),
        "{found:?} is not {expected:?}"
    );
}

#[wasm_bindgen_test]
async fn the_outline_lies_over_the_picture_as_object_fit_and_mirroring_place_it() {
    // contain: scale 0.625, the 400 x 225 picture 37.5 px down.
    near(drawn("contain", false).await, (100.0, 93.75, 200.0, 206.25));
    // cover: scale 5/6, the 533.3 x 300 picture 66.7 px to the left.
    near(drawn("cover", false).await, (66.67, 75.0, 200.0, 225.0));
    // fill: stretched to the box.
    near(drawn("fill", false).await, (100.0, 75.0, 200.0, 225.0));
    // A mirrored preview (a face): the outline turns with it.
    near(drawn("contain", true).await, (200.0, 93.75, 300.0, 206.25));
}

/// A JPEG of a photo whose whole frame is fine print: no document edge to find.
async fn page_of_print(width: u32, height: u32) -> Vec<u8> {
    let (canvas, ctx) = super::canvas_2d(width, height);
    ctx.set_fill_style_str("#d9dde2");
    ctx.fill_rect(0.0, 0.0, f64::from(width), f64::from(height));
    ctx.set_fill_style_str("#1a1a1a");
    for y in (0..height).step_by(22) {
        for x in (0..width).step_by(7) {
            if (x / 7 * 7919 + y / 22 * 104_729) % 5 > 1 {
                ctx.fill_rect(f64::from(x), f64::from(y), 5.0, 12.0);
            }
        }
    }
    super::jpeg_of(&canvas)
}

/// [`intake`] of `jpeg` as the front of an ID-1 card, every quality issue let through.
async fn take_card(jpeg: &[u8]) -> (kyc_capture::intake::Accepted, kyc_core::QualityReport) {
    let blob = super::file(jpeg, "card.jpg", "image/jpeg");
    super::take_all(
        Capture::File(blob.into()),
        Slot::Front,
        Some(DocumentShape::Id1),
    )
    .await
}

#[wasm_bindgen_test]
async fn a_photo_with_a_document_is_cropped_to_it_and_the_whole_photo_kept() {
    // A card over 80 % of a 1600 x 1000 photo, on a grey table.
    let (accepted, measured) = take_card(&super::canvas_jpeg(1600, 1000, true).await).await;
    assert_eq!(accepted.format, FileFormat::Jpeg);
    let (width, height) = super::dimensions(&accepted).unwrap();
    let aspect = f64::from(width) / f64::from(height);
    assert!(
        (aspect / f64::from(DocumentShape::Id1.aspect()) - 1.0).abs() < 0.01,
        "{width} x {height}"
    );
    // As sharp as the photo: the card's 1280 px, not enlarged to the photo's 2000.
    assert!((1270..=1290).contains(&width), "{width} x {height}");
    // Measured on the document: nothing is cut off inside its own outline.
    assert_eq!(measured.cutoff, None);
    let whole = kyc_capture::intake::Accepted {
        bytes: accepted.whole.clone().expect("the whole photo is kept"),
        whole: None,
        ..accepted
    };
    assert_eq!(super::dimensions(&whole), Some((1600, 1000)));
}

#[wasm_bindgen_test]
async fn a_photo_without_an_outline_is_sent_whole_as_before() {
    let (accepted, measured) = take_card(&page_of_print(1600, 1000).await).await;
    assert!(accepted.whole.is_none());
    assert_eq!(super::dimensions(&accepted), Some((1600, 1000)));
    assert!(
        measured.cutoff.is_some(),
        "the whole photo's checks, cut-off included"
    );
}

/// A 1280 x 720 frame of an ID-1 card (a page of print) on a dark desk, as a bitmap.
async fn card_frame() -> web_sys::ImageBitmap {
    let (canvas, ctx) = super::canvas_2d(1280, 720);
    ctx.set_fill_style_str("#4a3b2c");
    ctx.fill_rect(0.0, 0.0, 1280.0, 720.0);
    ctx.set_fill_style_str("#d9dde2");
    ctx.fill_rect(340.0, 171.0, 600.0, 378.0);
    ctx.set_fill_style_str("#1a1a1a");
    for y in (190..530).step_by(22) {
        for x in (360..920).step_by(7) {
            if (x / 7 * 7919 + y / 22 * 104_729) % 5 > 1 {
                ctx.fill_rect(f64::from(x), f64::from(y), 5.0, 12.0);
            }
        }
    }
    let promise = web_sys::window()
        .unwrap()
        .create_image_bitmap_with_html_canvas_element(&canvas)
        .unwrap();
    use wasm_bindgen::JsCast;
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .unwrap()
        .unchecked_into()
}

#[wasm_bindgen_test]
async fn the_worker_reads_a_preview_frame_as_the_page_does() {
    use kyc_capture::analysis_worker::{analyse_frame, decode, prepare, AnalysisWorker};
    let worker = AnalysisWorker::shared().expect("this engine runs the analysis in a worker");
    for _ in 0..200 {
        if worker.is_ready() || worker.failed() {
            break;
        }
        super::gloo_timers_sleep(50).await;
    }
    assert!(worker.is_ready(), "the worker did not start");
    // The page runs the worker's entry itself, once it has the photo checks.
    prepare().await.unwrap();
    let on_page = analyse_frame(card_frame().await, "front", "id1").unwrap();
    let on_page = decode(&on_page.to_vec()).unwrap();
    let framed = on_page
        .framed
        .expect("a document's analysis says where it is");
    let outline = framed.outline.expect("the card is found on the page");
    assert_eq!(framed.size, (640, 360));
    // The card's corners, at the analysed frame's half size.
    for (corner, (x, y)) in
        outline
            .corners
            .iter()
            .zip([(170.0, 85.5), (470.0, 85.5), (470.0, 274.5), (170.0, 274.5)])
    {
        assert!(
            corner.distance(Point::new(x, y)) < 3.0,
            "{corner:?} is not near ({x}, {y})"
        );
    }
    let in_worker = worker
        .analyse_bitmap(card_frame().await, Slot::Front, Some(DocumentShape::Id1))
        .await
        .expect("the worker answers");
    assert_eq!(in_worker, on_page);
    assert!(!worker.is_busy());
}
