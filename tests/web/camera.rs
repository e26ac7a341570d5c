//! A frame of the live camera (the webdriver's fake camera) goes through the same intake as a
//! chosen file: straight from the preview's pixels to the checks, and encoded once.

use kyc_capture::camera::{has_frame, Camera};
use kyc_capture::intake::{intake, Capture, CaptureProblem};
use kyc_capture::photo::{fit, target_long_edge, Picture};
use kyc_core::{FileFormat, FileLimits, Slot};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

/// A `<video>` showing the camera of `slot`, once it has a frame.
async fn live(slot: Slot) -> (Camera, web_sys::HtmlVideoElement) {
    let camera = Camera::open(slot).await.expect("the fake camera opens");
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
