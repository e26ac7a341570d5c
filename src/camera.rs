//! The live camera: `getUserMedia` with the rear camera for documents (1920x1080 ideal) and the
//! front camera for faces, a still taken from the preview, and throttled analysis of preview
//! frames with `kyc-core`'s quality checks. Dropping a [`Camera`] stops its tracks, so the
//! camera light goes off when the step is left or the widget unmounts.

use kyc_core::{assess, QualityIssue, QualityReport, RgbaView, Slot};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::photo::{canvas, thresholds, to_blob};

/// Why the camera is not available; the user is offered the file picker in every case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CameraError {
    /// The user (or a policy) refused the permission.
    Denied,
    /// There is no camera, or the browser has no `getUserMedia` (e.g. an insecure page).
    Missing,
    /// The camera exists but could not start (used by another app, hardware error).
    Failed,
}

impl CameraError {
    /// The key of the sentence that explains it.
    pub fn message_key(self) -> &'static str {
        match self {
            CameraError::Denied => "camera.denied",
            CameraError::Missing => "camera.missing",
            CameraError::Failed => "camera.failed",
        }
    }

    fn from_js(error: &JsValue) -> CameraError {
        let name = error
            .dyn_ref::<web_sys::DomException>()
            .map(|e| e.name())
            .unwrap_or_default();
        match name.as_str() {
            "NotAllowedError" | "SecurityError" => CameraError::Denied,
            "NotFoundError" | "OverconstrainedError" | "TypeError" => CameraError::Missing,
            _ => CameraError::Failed,
        }
    }
}

/// An open camera stream. Its tracks stop when it is dropped.
#[derive(Debug)]
pub struct Camera {
    stream: web_sys::MediaStream,
}

impl Camera {
    /// Opens the camera suited to `slot`: the front camera for faces, the rear one otherwise.
    pub async fn open(slot: Slot) -> Result<Camera, CameraError> {
        let devices = web_sys::window()
            .map(|w| w.navigator())
            .and_then(|n| n.media_devices().ok())
            .ok_or(CameraError::Missing)?;
        let constraints = web_sys::MediaStreamConstraints::new();
        constraints.set_audio(&JsValue::FALSE);
        constraints.set_video(&video_constraints(slot).map_err(|_| CameraError::Failed)?);
        let promise = devices
            .get_user_media_with_constraints(&constraints)
            .map_err(|e| CameraError::from_js(&e))?;
        let stream = JsFuture::from(promise)
            .await
            .map_err(|e| CameraError::from_js(&e))?;
        Ok(Camera {
            stream: stream.unchecked_into(),
        })
    }

    /// The stream, for a `<video>`'s `srcObject`.
    pub fn stream(&self) -> &web_sys::MediaStream {
        &self.stream
    }

    /// Stops every track: the camera is released.
    pub fn stop(&self) {
        stop_tracks(&self.stream);
    }
}

/// Stops every track of `stream`.
pub fn stop_tracks(stream: &web_sys::MediaStream) {
    for track in stream.get_tracks() {
        track.unchecked_into::<web_sys::MediaStreamTrack>().stop();
    }
}

/// Releases what `video` shows: its stream's tracks stop and it shows nothing.
pub fn release(video: &web_sys::HtmlVideoElement) {
    if let Some(stream) = video.src_object() {
        stop_tracks(&stream);
    }
    video.set_src_object(None);
}

impl Drop for Camera {
    fn drop(&mut self) {
        self.stop();
    }
}

fn video_constraints(slot: Slot) -> Result<JsValue, JsValue> {
    let ideal = |value: JsValue| -> Result<JsValue, JsValue> {
        let object = js_sys::Object::new();
        js_sys::Reflect::set(&object, &"ideal".into(), &value)?;
        Ok(object.into())
    };
    let video = js_sys::Object::new();
    let facing = if slot.is_face() {
        "user"
    } else {
        "environment"
    };
    js_sys::Reflect::set(&video, &"facingMode".into(), &ideal(facing.into())?)?;
    js_sys::Reflect::set(&video, &"width".into(), &ideal(1920.into())?)?;
    js_sys::Reflect::set(&video, &"height".into(), &ideal(1080.into())?)?;
    Ok(video.into())
}

/// Whether the preview shows a frame yet.
pub fn has_frame(video: &web_sys::HtmlVideoElement) -> bool {
    // HAVE_CURRENT_DATA or better.
    video.ready_state() >= 2 && video.video_width() > 0 && video.video_height() > 0
}

/// The current preview frame at full resolution, as a JPEG blob (then checked and prepared
/// like any chosen photo).
pub async fn still(video: &web_sys::HtmlVideoElement) -> Result<web_sys::Blob, JsValue> {
    let (width, height) = (video.video_width(), video.video_height());
    let (canvas, context) = canvas(width, height)?;
    context.draw_image_with_html_video_element_and_dw_and_dh(
        video,
        0.0,
        0.0,
        f64::from(width),
        f64::from(height),
    )?;
    let blob = to_blob(&canvas, "image/jpeg", 0.95).await;
    canvas.set_width(0);
    canvas.set_height(0);
    blob
}

/// `kyc-core`'s checks of the current preview frame, drawn at the metrics' own size (the
/// checks normalize to that long edge anyway, so nothing is lost and little is copied).
pub fn analyse(video: &web_sys::HtmlVideoElement, slot: Slot) -> Option<QualityReport> {
    if !has_frame(video) {
        return None;
    }
    let limits = thresholds(slot);
    let (width, height) = crate::photo::fit(
        video.video_width(),
        video.video_height(),
        limits.normalize_long_edge,
    );
    let (_canvas, context) = canvas(width, height).ok()?;
    context
        .draw_image_with_html_video_element_and_dw_and_dh(
            video,
            0.0,
            0.0,
            f64::from(width),
            f64::from(height),
        )
        .ok()?;
    let pixels = context
        .get_image_data(0.0, 0.0, f64::from(width), f64::from(height))
        .ok()?
        .data();
    let view = RgbaView::new(width, height, &pixels).ok()?;
    Some(assess(&view, &limits))
}

/// Counts consecutive good preview frames; auto-capture fires when enough follow each other,
/// so one lucky frame of a moving phone does not trigger it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Steadiness {
    good_in_a_row: u8,
}

/// How many good frames in a row (at the analysis interval) trigger auto-capture.
pub const GOOD_FRAMES_FOR_AUTO_CAPTURE: u8 = 3;

impl Steadiness {
    /// Records one analysed frame's issues; whether auto-capture should fire now.
    pub fn record(&mut self, issues: &[QualityIssue]) -> bool {
        // A possible cut-off is advisory (the gate lets it through), so it does not block here.
        let good = issues
            .iter()
            .all(|issue| matches!(issue, QualityIssue::CutOff { .. }));
        if good {
            self.good_in_a_row = self.good_in_a_row.saturating_add(1);
        } else {
            self.good_in_a_row = 0;
        }
        self.good_in_a_row >= GOOD_FRAMES_FOR_AUTO_CAPTURE
    }

    /// Starts counting again (after a capture).
    pub fn reset(&mut self) {
        self.good_in_a_row = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_capture_needs_consecutive_good_frames() {
        let mut steady = Steadiness::default();
        assert!(!steady.record(&[]));
        assert!(!steady.record(&[]));
        assert!(!steady.record(&[QualityIssue::Blurry]));
        assert!(!steady.record(&[]));
        assert!(!steady.record(&[]));
        assert!(steady.record(&[]));
        steady.reset();
        assert!(!steady.record(&[]));
    }
}
