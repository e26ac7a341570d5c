//! The live analysis off the page's main thread: a dedicated worker runs the widget's own
//! module (the page's compiled one, handed over, so nothing is fetched or compiled twice) and
//! examines each preview frame posted to it ([`photo::examine`], as the page would), while the
//! page keeps drawing the preview. Where a worker cannot run it (no `OffscreenCanvas`, or a
//! host's Content-Security-Policy without `worker-src blob:`), [`AnalysisWorker::shared`] says
//! so and the camera analyses on the main thread, less often.
//!
//! The worker's script (`www/analysis-worker.js`) is built into the module and started from a
//! `blob:` URL: a worker's script must come from the page's origin (a package on a CDN could
//! not start one from a file beside it), and the widget's tests could not load such a file. The
//! page posts `{ glue, module }` once (the URL of the glue this module was loaded by, and the
//! compiled module) and waits for `{ ready }`; then one `{ frame, slot, shape }` at a time (the
//! frame an `ImageBitmap`, transferred), each answered with `{ examined }` ([`encode`]) or
//! `{ error }`, after which the worker is not used again.

use std::cell::RefCell;
use std::rc::Rc;

use kyc_core::document_outline::{DocumentShape, Guidance, Outline, Point};
use kyc_core::{QualityIssue, QualityThresholds, RgbaView, Sides, Slot};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::framing::Framed;
use crate::later::NotLoaded;
use crate::photo::{self, fit, CropUse};

/// The worker's script.
const SCRIPT: &str = include_str!("../www/analysis-worker.js");

/// What one analysed preview frame tells, as [`photo::Examined`] without the crop: the quality
/// issues in `kyc-core`'s check order and, for a document, where it is.
#[derive(Clone, Debug, PartialEq)]
pub struct FrameAnalysis {
    /// The issues of the frame (of the document alone when it was found well enough).
    pub issues: Vec<QualityIssue>,
    /// Where the document is; `None` for a face.
    pub framed: Option<Framed>,
}

impl From<photo::Examined> for FrameAnalysis {
    fn from(examined: photo::Examined) -> FrameAnalysis {
        FrameAnalysis {
            issues: examined.report.issues(),
            framed: examined.framed,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Starting,
    Ready,
    Failed,
}

/// The page's side of the worker. One frame is in flight at a time.
pub struct AnalysisWorker {
    worker: web_sys::Worker,
    state: Rc<RefCell<State>>,
    /// The resolve function of the frame in flight.
    pending: Rc<RefCell<Option<js_sys::Function>>>,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

thread_local! {
    /// The page's worker, started at the first camera and kept for the next ones.
    static SHARED: RefCell<Option<Rc<AnalysisWorker>>> = const { RefCell::new(None) };
}

impl AnalysisWorker {
    /// The page's worker, started on first use; `None` where a worker cannot analyse here (then
    /// the main thread does). A worker that failed since is not offered again.
    pub fn shared() -> Option<Rc<AnalysisWorker>> {
        SHARED.with(|shared| {
            let mut shared = shared.borrow_mut();
            if shared.is_none() {
                *shared = AnalysisWorker::start().ok().map(Rc::new);
            }
            shared.clone().filter(|worker| !worker.failed())
        })
    }

    /// Ends the page's worker (the widget is taken away): a frame in flight is answered with
    /// nothing, and the next camera starts a new worker.
    pub fn stop_shared() {
        if let Some(worker) = SHARED.with(|shared| shared.borrow_mut().take()) {
            worker.stop();
        }
    }

    /// Ends the worker: its handlers go at once (not when the collector takes the `Worker`),
    /// so no listener outlives the widget; a frame in flight is answered with nothing.
    fn stop(&self) {
        self.worker.set_onmessage(None);
        self.worker.set_onerror(None);
        self.worker.terminate();
        *self.state.borrow_mut() = State::Failed;
        if let Some(resolve) = self.pending.borrow_mut().take() {
            let _ = resolve.call1(&JsValue::NULL, &JsValue::NULL);
        }
    }

    fn start() -> Result<AnalysisWorker, JsValue> {
        let global = js_sys::global();
        for needed in ["Worker", "OffscreenCanvas", "createImageBitmap"] {
            if !js_sys::Reflect::has(&global, &needed.into())? {
                return Err(JsValue::from_str(needed));
            }
        }
        let parts = js_sys::Array::of1(&SCRIPT.into());
        let options = web_sys::BlobPropertyBag::new();
        options.set_type("text/javascript");
        let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)?;
        let url = web_sys::Url::create_object_url_with_blob(&blob)?;
        let worker_options = web_sys::WorkerOptions::new();
        worker_options.set_type(web_sys::WorkerType::Module);
        let worker = web_sys::Worker::new_with_options(&url, &worker_options);
        web_sys::Url::revoke_object_url(&url)?;
        let worker = worker?;
        let state = Rc::new(RefCell::new(State::Starting));
        let pending = Rc::new(RefCell::new(None::<js_sys::Function>));
        let on_message = {
            let (state, pending) = (state.clone(), pending.clone());
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
                let data = event.data();
                let field = |name: &str| js_sys::Reflect::get(&data, &name.into()).ok();
                if field("ready").is_some_and(|ready| ready.is_truthy()) {
                    *state.borrow_mut() = State::Ready;
                    return;
                }
                let reply = field("examined").filter(|value| !value.is_undefined());
                if reply.is_none() {
                    // An error: the worker is not trusted with another frame.
                    *state.borrow_mut() = State::Failed;
                }
                if let Some(resolve) = pending.borrow_mut().take() {
                    let _ = resolve.call1(&JsValue::NULL, &reply.unwrap_or(JsValue::NULL));
                }
            })
        };
        let on_error = {
            let (state, pending) = (state.clone(), pending.clone());
            Closure::<dyn FnMut(web_sys::Event)>::new(move |_event: web_sys::Event| {
                *state.borrow_mut() = State::Failed;
                if let Some(resolve) = pending.borrow_mut().take() {
                    let _ = resolve.call1(&JsValue::NULL, &JsValue::NULL);
                }
            })
        };
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        let init = js_sys::Object::new();
        js_sys::Reflect::set(&init, &"glue".into(), &crate::glue_url().into())?;
        js_sys::Reflect::set(&init, &"module".into(), &wasm_bindgen::module())?;
        worker.post_message(&init)?;
        Ok(AnalysisWorker {
            worker,
            state,
            pending,
            _on_message: on_message,
            _on_error: on_error,
        })
    }

    /// Whether the worker has started and answers.
    pub fn is_ready(&self) -> bool {
        *self.state.borrow() == State::Ready
    }

    /// Whether the worker failed to start or to analyse a frame.
    pub fn failed(&self) -> bool {
        *self.state.borrow() == State::Failed
    }

    /// Whether a frame is being analysed.
    pub fn is_busy(&self) -> bool {
        self.pending.borrow().is_some()
    }

    /// The analysis of the frame `video` shows now, for `slot` (and a document of `shape`):
    /// the frame is copied into an `ImageBitmap` and handed to the worker. `None` when the
    /// worker is not ready, busy, or failed on it (then it is not used again).
    pub async fn analyse(
        &self,
        video: &web_sys::HtmlVideoElement,
        slot: Slot,
        shape: Option<DocumentShape>,
    ) -> Option<FrameAnalysis> {
        if !self.is_ready() || self.is_busy() {
            return None;
        }
        let window = web_sys::window()?;
        let promise = window
            .create_image_bitmap_with_html_video_element(video)
            .ok()?;
        let frame: web_sys::ImageBitmap = JsFuture::from(promise).await.ok()?.unchecked_into();
        self.analyse_bitmap(frame, slot, shape).await
    }

    /// [`AnalysisWorker::analyse`] of a frame already copied; the frame is handed over.
    pub async fn analyse_bitmap(
        &self,
        frame: web_sys::ImageBitmap,
        slot: Slot,
        shape: Option<DocumentShape>,
    ) -> Option<FrameAnalysis> {
        if !self.is_ready() || self.is_busy() {
            frame.close();
            return None;
        }
        let message = js_sys::Object::new();
        let set = |name: &str, value: &JsValue| js_sys::Reflect::set(&message, &name.into(), value);
        let slot: JsValue = slot.code().into();
        let shape: JsValue = shape.map_or("", DocumentShape::code).into();
        if set("frame", &frame)
            .and(set("slot", &slot))
            .and(set("shape", &shape))
            .is_err()
        {
            frame.close();
            return None;
        }
        let reply = js_sys::Promise::new(&mut |resolve, _reject| {
            *self.pending.borrow_mut() = Some(resolve);
        });
        if self
            .worker
            .post_message_with_transfer(&message, &js_sys::Array::of1(&frame))
            .is_err()
        {
            self.pending.borrow_mut().take();
            frame.close();
            *self.state.borrow_mut() = State::Failed;
            return None;
        }
        let reply = JsFuture::from(reply).await.ok()?;
        decode(&reply.dyn_into::<js_sys::Float64Array>().ok()?.to_vec())
    }
}

impl Drop for AnalysisWorker {
    fn drop(&mut self) {
        self.stop();
    }
}

thread_local! {
    /// [`examine_frame`], once [`prepare`] has it (it is in the later steps' module).
    static EXAMINE_FRAME: std::cell::Cell<Option<ExamineFrame>> = const { std::cell::Cell::new(None) };
    /// The worker's canvas, kept from frame to frame (the frames have one size).
    static CANVAS: RefCell<Option<(web_sys::OffscreenCanvas, web_sys::OffscreenCanvasRenderingContext2d)>> =
        const { RefCell::new(None) };
}

/// In the worker, once, before the first frame: fetches the photo checks
/// ([`load_examine_frame`]).
#[wasm_bindgen(js_name = prepareAnalysis)]
pub async fn prepare() -> Result<(), JsValue> {
    let examine = load_examine_frame()
        .await
        .map_err(|_| JsValue::from_str("the photo checks could not be loaded"))?;
    EXAMINE_FRAME.with(|kept| kept.set(Some(examine)));
    Ok(())
}

/// [`examine_frame`]'s type, as [`load_examine_frame`] hands it over.
type ExamineFrame = fn(&web_sys::ImageBitmap, &str, &str) -> Result<FrameAnalysis, JsValue>;

/// [`examine_frame`], once the later module that holds it is there ([`crate::later`]): the
/// drawing and reading of the frame go there with the checks, as only the worker needs them.
async fn load_examine_frame() -> Result<ExamineFrame, NotLoaded> {
    #[cfg(kyc_split)]
    return split_examine_frame().await;
    #[cfg(not(kyc_split))]
    Ok(examine_frame)
}

/// The split point of [`load_examine_frame`].
#[cfg(kyc_split)]
#[leptos::wasm_split::wasm_split(later, wasm_split_path = ::leptos::wasm_split, fallible)]
fn split_examine_frame() -> Result<ExamineFrame, NotLoaded> {
    Ok(examine_frame)
}

/// In the worker: `frame` drawn at the metrics' own size (as [`crate::camera::analyse`] draws
/// the preview on the page) and examined for `slot` (`Slot::code`) and a document of `shape`
/// (`DocumentShape::code`, empty for a face). The frame is closed. The answer is a flat list
/// of numbers ([`encode`]), cheap to post.
#[wasm_bindgen(js_name = analyseFrame)]
pub fn analyse_frame(
    frame: web_sys::ImageBitmap,
    slot: &str,
    shape: &str,
) -> Result<js_sys::Float64Array, JsValue> {
    let examined = EXAMINE_FRAME
        .with(std::cell::Cell::get)
        .ok_or_else(|| JsValue::from_str("prepareAnalysis has not finished"))
        .and_then(|examine| examine(&frame, slot, shape));
    frame.close();
    Ok(js_sys::Float64Array::from(encode(&examined?).as_slice()))
}

fn examine_frame(
    frame: &web_sys::ImageBitmap,
    slot: &str,
    shape: &str,
) -> Result<FrameAnalysis, JsValue> {
    let slot = Slot::from_code(slot).ok_or_else(|| JsValue::from_str("unknown slot"))?;
    let shape = match shape {
        "" => None,
        code => Some(
            [DocumentShape::Id1, DocumentShape::Td3, DocumentShape::A4]
                .into_iter()
                .find(|shape| shape.code() == code)
                .ok_or_else(|| JsValue::from_str("unknown document shape"))?,
        ),
    };
    let thresholds = QualityThresholds::for_slot(slot);
    let long_edge = thresholds.normalize_long_edge;
    let (width, height) = fit(frame.width(), frame.height(), long_edge);
    let context = CANVAS.with(|kept| -> Result<_, JsValue> {
        let mut kept = kept.borrow_mut();
        if let Some((canvas, context)) = kept.as_ref() {
            if (canvas.width(), canvas.height()) != (width, height) {
                canvas.set_width(width);
                canvas.set_height(height);
            }
            return Ok(context.clone());
        }
        let canvas = web_sys::OffscreenCanvas::new(width, height)?;
        let options = js_sys::Object::new();
        js_sys::Reflect::set(&options, &"willReadFrequently".into(), &JsValue::TRUE)?;
        let context: web_sys::OffscreenCanvasRenderingContext2d = canvas
            .get_context_with_context_options("2d", &options)?
            .ok_or_else(|| JsValue::from_str("no 2d context"))?
            .unchecked_into();
        *kept = Some((canvas, context.clone()));
        Ok(context)
    })?;
    context.set_image_smoothing_enabled(true);
    js_sys::Reflect::set(&context, &"imageSmoothingQuality".into(), &"high".into())?;
    let (w, h) = (f64::from(width), f64::from(height));
    context.draw_image_with_image_bitmap_and_dw_and_dh(frame, 0.0, 0.0, w, h)?;
    let pixels = context.get_image_data(0.0, 0.0, w, h)?.data();
    // No frame of a document stays in the worker after its use.
    context.clear_rect(0.0, 0.0, w, h);
    let view = RgbaView::new(width, height, &pixels)
        .map_err(|_| JsValue::from_str("the pixels do not fill the canvas"))?;
    Ok(photo::examine(&view, &thresholds, shape, (1, long_edge), CropUse::Measure).into())
}

/// An analysis as numbers: the issues' count and codes (a cut-off: 16 + its sides as bits),
/// then for a document 1, the frame's size, the guidance (its place in `Guidance::ALL`), and 1 with the outline's corners,
/// confidence and bow (or 0); for a face 0.
pub fn encode(analysis: &FrameAnalysis) -> Vec<f64> {
    let mut out = vec![analysis.issues.len() as f64];
    out.extend(analysis.issues.iter().map(|issue| {
        f64::from(match issue {
            QualityIssue::Blurry => 0,
            QualityIssue::TooDark => 1,
            QualityIssue::TooBright => 2,
            QualityIssue::Glare => 3,
            QualityIssue::CutOff { sides } => {
                16 + u8::from(sides.top)
                    + 2 * u8::from(sides.right)
                    + 4 * u8::from(sides.bottom)
                    + 8 * u8::from(sides.left)
            }
        })
    }));
    let Some(framed) = &analysis.framed else {
        out.push(0.0);
        return out;
    };
    let guidance = Guidance::ALL
        .iter()
        .position(|g| *g == framed.guidance)
        .unwrap_or(0);
    out.extend([
        1.0,
        f64::from(framed.size.0),
        f64::from(framed.size.1),
        guidance as f64,
    ]);
    match &framed.outline {
        Some(outline) => {
            out.push(1.0);
            for corner in &outline.corners {
                out.extend([f64::from(corner.x), f64::from(corner.y)]);
            }
            out.extend([f64::from(outline.confidence), f64::from(outline.bow)]);
        }
        None => out.push(0.0),
    }
    out
}

/// The analysis [`encode`] wrote; `None` for numbers it cannot have written.
pub fn decode(numbers: &[f64]) -> Option<FrameAnalysis> {
    let mut at = numbers.iter().copied();
    let mut next = move || at.next();
    let count = next()? as usize;
    let mut issues = Vec::with_capacity(count.min(8));
    for _ in 0..count {
        let bits = next()? as u8;
        issues.push(match bits {
            0 => QualityIssue::Blurry,
            1 => QualityIssue::TooDark,
            2 => QualityIssue::TooBright,
            3 => QualityIssue::Glare,
            16..=31 => QualityIssue::CutOff {
                sides: Sides {
                    top: bits & 1 != 0,
                    right: bits & 2 != 0,
                    bottom: bits & 4 != 0,
                    left: bits & 8 != 0,
                },
            },
            _ => return None,
        });
    }
    if next()? == 0.0 {
        return Some(FrameAnalysis {
            issues,
            framed: None,
        });
    }
    let size = (next()? as u32, next()? as u32);
    let guidance = *Guidance::ALL.get(next()? as usize)?;
    let outline = if next()? == 1.0 {
        let mut corners = [Point::default(); 4];
        for corner in &mut corners {
            *corner = Point::new(next()? as f32, next()? as f32);
        }
        Some(Outline {
            corners,
            confidence: next()? as f32,
            bow: next()? as f32,
        })
    } else {
        None
    };
    Some(FrameAnalysis {
        issues,
        framed: Some(Framed {
            outline,
            size,
            guidance,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_analysis_reads_back_as_it_was_written() {
        let cut = QualityIssue::CutOff {
            sides: Sides {
                top: true,
                right: false,
                bottom: true,
                left: true,
            },
        };
        let document = FrameAnalysis {
            issues: vec![QualityIssue::Blurry, QualityIssue::Glare, cut],
            framed: Some(Framed {
                outline: Some(Outline {
                    corners: [
                        Point::new(10.5, 20.25),
                        Point::new(600.0, 22.0),
                        Point::new(598.5, 340.0),
                        Point::new(-3.0, 338.0),
                    ],
                    confidence: 0.875,
                    bow: 0.0125,
                }),
                size: (640, 360),
                guidance: Guidance::Tilted,
            }),
        };
        assert_eq!(decode(&encode(&document)), Some(document));
        for guidance in Guidance::ALL {
            let lost = FrameAnalysis {
                issues: vec![],
                framed: Some(Framed {
                    outline: None,
                    size: (640, 480),
                    guidance,
                }),
            };
            assert_eq!(decode(&encode(&lost)), Some(lost));
        }
        let face = FrameAnalysis {
            issues: vec![QualityIssue::TooDark],
            framed: None,
        };
        assert_eq!(decode(&encode(&face)), Some(face));
        assert_eq!(decode(&[1.0, 9.0, 0.0]), None);
        assert_eq!(decode(&[2.0, 0.0]), None);
    }
}
