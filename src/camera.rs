//! The live camera: `getUserMedia` with the rear camera for documents (1920x1080 ideal) and the
//! front camera for faces, throttled analysis of preview frames with `kyc-core`'s quality checks,
//! and the frame taken from the preview. [`use_camera`] is all of it for a component, in the
//! style of leptos-use's hooks: the camera opens with the component and is released with it.
//! Dropping a [`Camera`] stops its tracks, so the camera light goes off when the step is left or
//! the widget unmounts.

use std::rc::Rc;
use std::time::Duration;

use kyc_core::document_outline::{DocumentShape, Guidance};
use kyc_core::{QualityIssue, QualityThresholds, Slot};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::analysis_worker::{AnalysisWorker, FrameAnalysis};
use crate::framing::{steady, Framed};
use crate::mounted::Then;
use crate::photo::{target_long_edge, CropUse, Examined, Picture};

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
    fn from_js(error: &JsValue) -> CameraError {
        // By the `name` property: a missing `getUserMedia` throws a `TypeError`, which is no
        // `DOMException`.
        let name = js_sys::Reflect::get(error, &JsValue::from_str("name"))
            .ok()
            .and_then(|name| name.as_string())
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
        // Absent on insecure pages and in webviews without media capture.
        let devices = web_sys::window()
            .map(|w| w.navigator())
            .and_then(|n| n.media_devices().ok())
            .filter(|devices| !devices.is_undefined() && !devices.is_null())
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
fn stop_tracks(stream: &web_sys::MediaStream) {
    for track in stream.get_tracks() {
        track.unchecked_into::<web_sys::MediaStreamTrack>().stop();
    }
}

/// Releases what `video` shows: its stream's tracks stop and it shows nothing.
fn release(video: &web_sys::HtmlVideoElement) {
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

/// `kyc-core`'s checks of the current preview frame, drawn at the metrics' own size (the
/// checks normalize to that long edge anyway, so nothing is lost and little is copied), and
/// for a document of `shape`, where it is in that same read of the pixels. What the live
/// preview runs on each analysed frame (public so the bench measures exactly this).
pub fn analyse(
    video: &web_sys::HtmlVideoElement,
    slot: Slot,
    shape: Option<DocumentShape>,
) -> Option<Examined> {
    if !has_frame(video) {
        return None;
    }
    let thresholds = QualityThresholds::for_slot(slot);
    let long_edge = thresholds.normalize_long_edge;
    // The document flattened at its own size in the frame, never enlarged: enlarging adds
    // pixels to warp and measure (a third more for a card filling 80 % of the frame) and
    // blurs it, so the live checks would judge it softer than the photo's own check, which
    // crops the full-size photo. Only its luma is flattened: nothing else of it is kept.
    Picture::from_video(video, long_edge)
        .and_then(|frame| frame.examine(&thresholds, shape, (1, long_edge), CropUse::Measure))
        .ok()
}

/// Follows the good preview frames; auto-capture fires when they have followed each other for
/// [`STEADY_FOR_MS`] (and at least [`GOOD_FRAMES_FOR_AUTO_CAPTURE`] of them), so one lucky frame
/// of a moving phone does not trigger it, however often frames are analysed. For a document, a
/// good frame also shows it well framed, its corners where they were when the run began.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Steadiness {
    /// When the run of good frames began (ms) and how many it has.
    since: Option<f64>,
    good_in_a_row: u8,
    /// Where the document was when the run began.
    anchor: Option<kyc_core::document_outline::Outline>,
}

/// How many good frames in a row trigger auto-capture, at least.
pub const GOOD_FRAMES_FOR_AUTO_CAPTURE: u8 = 3;

/// How long the preview must stay good (and a document still) before auto-capture fires: three
/// frames half a second apart where the page analyses them, as long where a worker analyses
/// up to sixteen a second.
pub const STEADY_FOR_MS: f64 = 1000.0;

impl Steadiness {
    /// Records one frame analysed at `now_ms`: its issues and, for a document, where it is;
    /// whether auto-capture should fire now.
    pub fn record(
        &mut self,
        issues: &[QualityIssue],
        framed: Option<&Framed>,
        now_ms: f64,
    ) -> bool {
        // A possible cut-off is advisory (the gate lets it through), so it does not block here.
        let picture_good = issues
            .iter()
            .all(|issue| matches!(issue, QualityIssue::CutOff { .. }));
        let outline = framed.and_then(|framed| {
            framed
                .outline
                .filter(|_| framed.guidance == Guidance::Ready)
        });
        if !picture_good || (framed.is_some() && outline.is_none()) {
            self.reset();
            return false;
        }
        // A document that moved since the run began starts a new one here.
        if let (Some(anchor), Some(now)) = (&self.anchor, &outline) {
            if !steady(anchor, now) {
                self.reset();
            }
        }
        let since = *self.since.get_or_insert(now_ms);
        if self.good_in_a_row == 0 {
            self.anchor = outline;
        }
        self.good_in_a_row = self.good_in_a_row.saturating_add(1);
        self.good_in_a_row >= GOOD_FRAMES_FOR_AUTO_CAPTURE && now_ms - since >= STEADY_FOR_MS
    }

    /// Starts counting again (after a capture).
    pub fn reset(&mut self) {
        *self = Steadiness::default();
    }
}

/// Where the camera stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CameraState {
    /// Asking for the camera.
    Starting,
    /// The preview shows it.
    Live,
    /// Not available; the file picker is the way in.
    Unavailable(CameraError),
}

/// What the latest analysed preview frame tells the user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hint {
    /// Nothing to fix: take the photo.
    Good,
    /// The first thing to fix.
    Fix(QualityIssue),
    /// The document is not well framed: what to do first, before the picture's quality.
    Frame(Guidance),
}

impl Hint {
    /// The hint for a frame with `issues` (in `kyc-core`'s check order).
    pub fn of(issues: &[QualityIssue]) -> Hint {
        issues.first().map_or(Hint::Good, |issue| Hint::Fix(*issue))
    }

    /// The hint for a frame with `issues` and, for a document, its `guidance`: the framing
    /// comes first, then the picture's quality.
    pub fn framed(guidance: Option<Guidance>, issues: &[QualityIssue]) -> Hint {
        match guidance {
            Some(guidance) if guidance != Guidance::Ready => Hint::Frame(guidance),
            _ => Hint::of(issues),
        }
    }
}

/// How often preview frames are analysed on the page's main thread, where no worker can.
const ANALYSE_EVERY_MS: f64 = 500.0;

/// How often the worker is handed a preview frame, once it is done with the last: up to 16 a
/// second, so a timer's late ticks still leave 15.
const OFFER_EVERY: Duration = Duration::from_millis(60);

/// How many ticks of [`OFFER_EVERY`] (3 s) a live camera may show nothing before it counts as
/// failed: its stream opened, but no frame reaches the preview.
const BLANK_TICKS_TO_FAIL: u32 = 50;

/// The camera of a capture step, from [`use_camera`]. Its signals are written by the camera
/// and read by the step. `RwSignal`s, as every signal of the widget: each kind of signal ships
/// the framework's code for it once (read and write halves, and `Signal`, took 2.8 KB gzip).
#[derive(Clone, Copy)]
pub struct UseCamera {
    /// Whether the camera is starting, live or unavailable.
    pub state: RwSignal<CameraState>,
    /// What the latest analysed preview frame says; `None` before the first.
    pub hint: RwSignal<Option<Hint>>,
    /// Where the document is in the latest analysed frame; `None` for a face, or before the
    /// first frame.
    pub framed: RwSignal<Option<Framed>>,
    /// Whether the preview has shown a frame. A camera is live (its stream open) a moment
    /// before its first frame arrives: until then there is nothing to take.
    pub shows: RwSignal<bool>,
    /// The `<video>` showing the preview, once in the document.
    video: StoredValue<Option<web_sys::HtmlVideoElement>, LocalStorage>,
    camera: StoredValue<Option<Camera>, LocalStorage>,
    slot: Slot,
}

impl UseCamera {
    /// The frame the preview shows now, at the size `slot`'s photos are sent at; `None` before
    /// the first frame.
    pub fn take(&self) -> Option<Picture> {
        frame(self.video, self.slot)
    }

    /// The `<video>` showing the preview, once in the document.
    pub fn video(&self) -> Option<web_sys::HtmlVideoElement> {
        self.video.try_get_value().flatten()
    }

    /// What the `<video>` of the preview does once in the document
    /// (`use:mounted=camera.preview()`): plays the camera's stream, muted and inline.
    pub fn preview(&self) -> Then {
        let UseCamera { video, camera, .. } = *self;
        Rc::new(move |element| {
            let element: web_sys::HtmlVideoElement = element.unchecked_into();
            element.set_muted(true);
            element.set_autoplay(true);
            let _ = element.set_attribute("playsinline", "");
            // The step may be gone already (the camera with it).
            if video.try_set_value(Some(element.clone())).is_some() {
                return;
            }
            camera.with_value(|camera| {
                if let Some(camera) = camera {
                    attach(&element, camera.stream());
                }
            });
        })
    }
}

fn frame(
    video: StoredValue<Option<web_sys::HtmlVideoElement>, LocalStorage>,
    slot: Slot,
) -> Option<Picture> {
    let video = video.try_get_value().flatten()?;
    if !has_frame(&video) {
        return None;
    }
    Picture::from_video(&video, target_long_edge(slot)).ok()
}

/// Opens the camera suited to `slot` into the `<video>` that [`UseCamera::preview`] is given to
/// (muted, inline), analyses its preview unless
/// `paused` (for a document of `shape`, also where it is) in a worker up to 16 times a second,
/// or on the page twice a second where no worker can, and releases it when the calling
/// component goes away. With `on_steady`, a frame is taken and handed to it whenever the preview
/// has been good (and a document well framed and still) for [`STEADY_FOR_MS`] (auto-capture).
pub fn use_camera(
    slot: Slot,
    shape: Option<DocumentShape>,
    paused: RwSignal<bool>,
    on_steady: Option<impl Fn(Picture) + 'static>,
) -> UseCamera {
    let camera = StoredValue::new_local(None::<Camera>);
    let video = StoredValue::new_local(None::<web_sys::HtmlVideoElement>);
    let state = RwSignal::new(CameraState::Starting);
    let hint = RwSignal::new(None::<Hint>);
    let framed = RwSignal::new(None::<Framed>);
    let shows = RwSignal::new(false);
    spawn_local(async move {
        match Camera::open(slot).await {
            Ok(opened) => {
                // The handle (`Clone::clone`): `MediaStream`'s own `clone()` would copy its
                // tracks, and the preview's copy would outlive the camera's release.
                let stream = Clone::clone(opened.stream());
                // The component may be gone already: then the camera is dropped, hence stopped.
                if camera.try_set_value(Some(opened)).is_some() {
                    return;
                }
                if let Some(Some(element)) = video.try_get_value() {
                    attach(&element, &stream);
                }
                state.try_set(CameraState::Live);
            }
            Err(error) => {
                state.try_set(CameraState::Unavailable(error));
            }
        }
    });
    let steadiness = std::cell::Cell::new(Steadiness::default());
    // What an analysed frame changes: the hint, the outline, and auto-capture. A worker's answer
    // may come after the step was left or paused: then it changes nothing.
    let apply = Rc::new(move |analysis: FrameAnalysis| {
        if paused.try_get_untracked() != Some(false) {
            return;
        }
        let guidance = analysis.framed.map(|f| f.guidance);
        // Only a change is announced: the hint is in a polite live region.
        let now = Some(Hint::framed(guidance, &analysis.issues));
        if hint.try_get_untracked().is_some_and(|hint| hint != now) {
            hint.try_set(now);
        }
        if framed
            .try_get_untracked()
            .is_some_and(|framed| framed != analysis.framed)
        {
            framed.try_set(analysis.framed);
        }
        let mut steady = steadiness.get();
        let fire = steady.record(
            &analysis.issues,
            analysis.framed.as_ref(),
            js_sys::Date::now(),
        );
        if fire {
            steady.reset();
        }
        steadiness.set(steady);
        if let (true, Some(on_steady)) = (fire, &on_steady) {
            if let Some(frame) = frame(video, slot) {
                on_steady(frame);
            }
        }
    });
    let worker = AnalysisWorker::shared();
    let in_flight = Rc::new(std::cell::Cell::new(false));
    let analysed_on_page = std::cell::Cell::new(f64::NEG_INFINITY);
    let blank_ticks = std::cell::Cell::new(0);
    let interval = set_interval_with_handle(
        move || {
            if state.get_untracked() != CameraState::Live || paused.get_untracked() {
                return;
            }
            let Some(element) = video.get_value().filter(has_frame) else {
                if !shows.get_untracked() {
                    blank_ticks.set(blank_ticks.get() + 1);
                    if blank_ticks.get() >= BLANK_TICKS_TO_FAIL {
                        // Released (dropping it stops its tracks); the file picker remains.
                        camera.set_value(None);
                        state.set(CameraState::Unavailable(CameraError::Failed));
                    }
                }
                return;
            };
            if !shows.get_untracked() {
                shows.set(true);
            }
            if let Some(worker) = worker.as_ref().filter(|worker| !worker.failed()) {
                if in_flight.get() {
                    return;
                }
                if worker.is_ready() {
                    in_flight.set(true);
                    let (worker, apply, in_flight) =
                        (worker.clone(), apply.clone(), in_flight.clone());
                    spawn_local(async move {
                        let analysis = worker.analyse(&element, slot, shape).await;
                        in_flight.set(false);
                        if let Some(analysis) = analysis {
                            apply(analysis);
                        }
                    });
                    return;
                }
                // Until the worker has started, the page analyses as it would without one.
            }
            let now = js_sys::Date::now();
            if now - analysed_on_page.get() < ANALYSE_EVERY_MS {
                return;
            }
            analysed_on_page.set(now);
            if let Some(examined) = analyse(&element, slot, shape) {
                apply(examined.into());
            }
        },
        OFFER_EVERY,
    )
    .ok();
    on_cleanup(move || {
        if let Some(interval) = interval {
            interval.clear();
        }
        if let Some(Some(camera)) = camera.try_update_value(Option::take) {
            camera.stop();
        }
        // The preview's own stream too (the element may hold the stream by another handle).
        if let Some(Some(element)) = video.try_get_value() {
            release(&element);
        }
    });
    UseCamera {
        state,
        hint,
        framed,
        shows,
        video,
        camera,
        slot,
    }
}

fn attach(video: &web_sys::HtmlVideoElement, stream: &web_sys::MediaStream) {
    video.set_src_object(Some(stream));
    if let Ok(playing) = video.play() {
        // A rejected play() (e.g. the element went away) is not an error worth reporting.
        spawn_local(async move {
            let _ = JsFuture::from(playing).await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kyc_core::Sides;

    #[test]
    fn the_hint_names_the_first_issue_and_a_good_frame_says_so() {
        assert_eq!(Hint::of(&[]), Hint::Good);
        let cut = QualityIssue::CutOff {
            sides: Sides::default(),
        };
        assert_eq!(
            Hint::of(&[QualityIssue::TooDark, cut]),
            Hint::Fix(QualityIssue::TooDark)
        );
    }

    #[test]
    fn auto_capture_needs_good_frames_for_a_second() {
        // Twice a second, as the page analyses: the third good frame in a row fires.
        let mut steady = Steadiness::default();
        let mut t = 0.0;
        let mut next = |steady: &mut Steadiness, issues: &[QualityIssue]| {
            t += 500.0;
            steady.record(issues, None, t)
        };
        assert!(!next(&mut steady, &[]));
        assert!(!next(&mut steady, &[]));
        assert!(!next(&mut steady, &[QualityIssue::Blurry]));
        assert!(!next(&mut steady, &[]));
        assert!(!next(&mut steady, &[]));
        assert!(next(&mut steady, &[]));
        steady.reset();
        assert!(!next(&mut steady, &[]));
        // Fifteen a second, as a worker analyses: three good frames are not enough, a second is.
        let mut steady = Steadiness::default();
        for frame in 0..15 {
            assert!(
                !steady.record(&[], None, f64::from(frame) * 66.0),
                "{frame}"
            );
        }
        assert!(steady.record(&[], None, 1000.0));
    }

    fn framed(dx: f32, guidance: Guidance) -> Framed {
        use kyc_core::document_outline::{Outline, Point};
        let (x0, x1) = (100.0 + dx, 540.0 + dx);
        Framed {
            outline: Some(Outline {
                corners: [
                    Point::new(x0, 100.0),
                    Point::new(x1, 100.0),
                    Point::new(x1, 380.0),
                    Point::new(x0, 380.0),
                ],
                confidence: 0.9,
                bow: 0.0,
            }),
            size: (640, 480),
            guidance,
        }
    }

    #[test]
    fn a_document_is_auto_captured_only_well_framed_and_still() {
        let mut steady = Steadiness::default();
        let mut t = 0.0;
        let mut next = |steady: &mut Steadiness, dx: f32, guidance: Guidance| {
            t += 500.0;
            steady.record(&[], Some(&framed(dx, guidance)), t)
        };
        // Good pictures, but the card is partly outside: no count.
        for _ in 0..4 {
            assert!(!next(&mut steady, -150.0, Guidance::PartlyOutside));
        }
        // Well framed but moving 30 px a frame (over 2 % of the ~520 px diagonal): each move
        // starts the run again.
        assert!(!next(&mut steady, 0.0, Guidance::Ready));
        assert!(!next(&mut steady, 30.0, Guidance::Ready));
        assert!(!next(&mut steady, 0.0, Guidance::Ready));
        // Still since the last move: a second later it fires.
        assert!(!next(&mut steady, 2.0, Guidance::Ready));
        assert!(next(&mut steady, 1.0, Guidance::Ready));
        // A slow drift, each step within the tremor, but 12 px from where the run began (over
        // 2 % of the diagonal): no capture of a card sliding out of focus.
        let mut steady = Steadiness::default();
        for (frame, dx) in [0.0, 4.0, 8.0, 12.0].into_iter().enumerate() {
            let fired = steady.record(
                &[],
                Some(&framed(dx, Guidance::Ready)),
                frame as f64 * 400.0,
            );
            assert!(!fired, "{dx}");
        }
    }

    #[test]
    fn the_framing_is_hinted_before_the_pictures_quality() {
        let issues = [QualityIssue::TooDark];
        assert_eq!(
            Hint::framed(Some(Guidance::TooFar), &issues),
            Hint::Frame(Guidance::TooFar)
        );
        assert_eq!(
            Hint::framed(Some(Guidance::Ready), &issues),
            Hint::Fix(QualityIssue::TooDark)
        );
        assert_eq!(Hint::framed(None, &[]), Hint::Good);
    }
}
