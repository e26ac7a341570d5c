//! A frame of the live camera (the webdriver's fake camera) goes through the same intake as a
//! chosen file: straight from the preview's pixels to the checks, and encoded once.

use kyc_capture::camera::{has_frame, Camera};
use kyc_capture::intake::{intake, Capture, CaptureProblem};
use kyc_capture::photo::{fit, target_long_edge, Picture};
use kyc_core::{FileFormat, FileLimits, Slot};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

/// How long one `getUserMedia` may take before [`open`] gives it up.
const OPEN_WITHIN_MS: i32 = 15_000;

/// The fake camera of `slot`. The first `getUserMedia` of a fresh headless Chromium was seen,
/// twice, never to settle on a busy CI machine (the test then timed out saying nothing); a call
/// not settled within [`OPEN_WITHIN_MS`] is given up, said in the test's output, and made once
/// more. A camera that fails, or never opens twice, fails the test.
async fn open(slot: Slot) -> Camera {
    use std::cell::RefCell;
    use std::rc::Rc;
    for attempt in 1..=2 {
        let opened: Rc<RefCell<Option<Camera>>> = Rc::new(RefCell::new(None));
        let given_up = Rc::new(std::cell::Cell::new(false));
        let (into, late) = (opened.clone(), given_up.clone());
        let opening = wasm_bindgen_futures::future_to_promise(async move {
            let camera = Camera::open(slot)
                .await
                .map_err(|error| JsValue::from_str(&format!("{error:?}")))?;
            if late.get() {
                // Opened after it was given up: released at once.
                camera.stop();
            } else {
                *into.borrow_mut() = Some(camera);
            }
            Ok(JsValue::TRUE)
        });
        let timeout = js_sys::Promise::new(&mut |resolve, _| {
            web_sys::window()
                .unwrap()
                .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, OPEN_WITHIN_MS)
                .unwrap();
        });
        let race = js_sys::Promise::race(&js_sys::Array::of2(&opening, &timeout));
        if let Err(error) = wasm_bindgen_futures::JsFuture::from(race).await {
            panic!("the fake camera did not open: {error:?}");
        }
        if let Some(camera) = opened.borrow_mut().take() {
            return camera;
        }
        given_up.set(true);
        console_log!("getUserMedia did not settle within {OPEN_WITHIN_MS} ms (attempt {attempt})");
    }
    panic!("the fake camera did not open: getUserMedia did not settle, twice");
}

/// A `<video>` showing the camera of `slot`, once it has a frame.
async fn live(slot: Slot) -> (Camera, web_sys::HtmlVideoElement) {
    let camera = open(slot).await;
    let video: web_sys::HtmlVideoElement = web_sys::window()
        .unwrap()
        .document()
        .unwrap()
        .create_element("video")
        .unwrap()
        .unchecked_into();
    video.set_muted(true);
    video.set_src_object(Some(camera.stream()));
    let _ = video.play();
    for _ in 0..100 {
        if has_frame(&video) {
            return (camera, video);
        }
        super::gloo_timers_sleep(50).await;
    }
    panic!("the camera never showed a frame");
}

#[wasm_bindgen_test]
async fn a_camera_frame_is_measured_and_encoded_once_at_the_slots_size() {
    let (_camera, video) = live(Slot::Front).await;
    let (width, height) = (video.video_width(), video.video_height());
    let frame = Picture::from_video(&video, target_long_edge(Slot::Front)).unwrap();
    let (accepted, _measured) = super::take_all(Capture::Frame(frame), Slot::Front, None).await;
    assert_eq!(accepted.format, FileFormat::Jpeg);
    assert_eq!(
        super::dimensions(&accepted),
        Some(fit(width, height, target_long_edge(Slot::Front)))
    );
}

#[wasm_bindgen_test]
async fn a_camera_below_the_slots_resolution_is_named_as_the_cameras_problem() {
    let (_camera, video) = live(Slot::Front).await;
    let long_edge = video.video_width().max(video.video_height());
    let limits = FileLimits {
        min_document_long_edge: long_edge + 1,
        ..FileLimits::default()
    };
    let frame = Picture::from_video(&video, target_long_edge(Slot::Front)).unwrap();
    let refused = intake(Capture::Frame(frame), Slot::Front, None, &limits, |_| {
        panic!("a frame below the resolution is not measured")
    })
    .await;
    assert_eq!(
        refused.unwrap_err(),
        [CaptureProblem::CameraResolution {
            long_edge,
            min_long_edge: long_edge + 1
        }]
    );
}

#[wasm_bindgen_test]
async fn a_camera_shot_is_prepared_in_the_worker_as_the_page_would() {
    use kyc_capture::photo::prepare;
    let Some(worker) = super::analysis_worker() else {
        return;
    };
    super::until_ready(&worker).await;
    let (_camera, video) = live(Slot::Front).await;
    let frame = Picture::from_video(&video, target_long_edge(Slot::Front)).unwrap();
    let min_long_edge = FileLimits::default().min_long_edge(Slot::Front);
    let shot = frame.to_bitmap().await.expect("a frame drawn on the page");
    let in_worker = worker
        .prepare_shot(shot, Slot::Front, None, min_long_edge)
        .await
        .expect("the worker prepared the shot");
    let on_page = prepare(frame, Slot::Front, None, min_long_edge)
        .await
        .unwrap();
    assert_eq!(
        crate::jpeg_size(&in_worker.whole),
        crate::jpeg_size(&on_page.whole)
    );
    assert_eq!(
        crate::jpeg_size(&in_worker.whole),
        Some(fit(
            video.video_width(),
            video.video_height(),
            target_long_edge(Slot::Front)
        ))
    );
    // The same pixels, measured and encoded by the same code.
    assert_eq!(in_worker.report.issues(), on_page.report.issues());
    let mean = super::mean_difference(
        &super::thumbnail_of(&in_worker.whole).await,
        &super::thumbnail_of(&on_page.whole).await,
    );
    assert!(
        mean < 3.0,
        "the shots differ by {mean:.2} levels on average"
    );
}

#[wasm_bindgen_test]
async fn a_camera_shot_the_worker_has_not_prepared_in_time_is_prepared_on_the_page() {
    use kyc_capture::analysis_worker::AnalysisWorker;
    use kyc_capture::photo::prepare;
    if super::analysis_worker().is_none() {
        return;
    }
    // A worker of its own that gives a photo 1 ms: no shot is prepared that soon.
    let worker = AnalysisWorker::with_photo_deadline(1).unwrap();
    super::until_ready(&worker).await;
    let (_camera, video) = live(Slot::Front).await;
    let frame = Picture::from_video(&video, target_long_edge(Slot::Front)).unwrap();
    let min_long_edge = FileLimits::default().min_long_edge(Slot::Front);
    let shot = frame.to_bitmap().await.expect("a frame drawn on the page");
    assert!(
        worker
            .prepare_shot(shot, Slot::Front, None, min_long_edge)
            .await
            .is_none(),
        "prepared within 1 ms"
    );
    assert!(worker.failed(), "a stuck worker is still used");
    // The page still holds the frame it handed a copy of, and prepares it.
    let on_page = prepare(frame, Slot::Front, None, min_long_edge)
        .await
        .unwrap();
    assert_eq!(
        crate::jpeg_size(&on_page.whole),
        Some(fit(
            video.video_width(),
            video.video_height(),
            target_long_edge(Slot::Front)
        ))
    );
}
