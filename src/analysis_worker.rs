//! The pixel work off the page's main thread: a dedicated worker runs the widget's own module
//! (the page's compiled one, handed over, so nothing is fetched or compiled twice). It examines
//! each preview frame posted to it ([`photo::examine`], as the page would), while the page
//! keeps drawing the preview, and prepares each chosen photo (decoded, checked and encoded:
//! [`Photo::prepare`], as the page would), while the page stays free; its JPEG encodes run on
//! a worker of its own (`kycEncodeJpeg` in the script), beside the checks. Where a worker cannot
//! run it (no `OffscreenCanvas`, or a host's Content-Security-Policy without `worker-src
//! blob:`), [`AnalysisWorker::shared`] says so and the page does the work: the camera analyses
//! less often.
//!
//! The worker's script (`www/analysis-worker.js`) is built into the module and started from a
//! `blob:` URL: a worker's script must come from the page's origin (a package on a CDN could
//! not start one from a file beside it), and the widget's tests could not load such a file. The
//! page posts `{ glue, module }` once (the URL of the glue this module was loaded by, and the
//! compiled module) and waits for `{ ready }`. Then each request carries an `id` its answer
//! repeats: `{ id, frame, slot, shape }` (the frame an `ImageBitmap`, transferred; one frame
//! at a time) is answered with `{ id, examined }` ([`encode`]), `{ id, photo, .. }` (the
//! file's bytes, transferred, and [`Photo`]'s fields) or `{ id, shot, slot, shape,
//! minLongEdge }` (a camera shot, an `ImageBitmap`, transferred) with `{ id, prepared }` (the
//! report, [`encode_report`], and the JPEGs, transferred), `{ id, memory }` with `{ id, memory
//! }`; any with `{ id, error }`. A frame's error ends the worker's use; a photo's error sends
//! the photo to the page.

use std::cell::RefCell;
use std::rc::Rc;

use kyc_core::document_outline::{DocumentShape, Guidance, Outline, Point};
use kyc_core::{
    FileFormat, Measurement, QualityIssue, QualityReport, QualityThresholds, RgbaView, Sides, Slot,
};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::framing::Framed;
use crate::later::NotLoaded;
use crate::photo::{self, fit, CropUse, Photo, Prepared};

/// The worker's script as shipped: the file without its comment lines, blank lines and
/// indentation, which every phone would download for nothing.
const SCRIPT: &str = {
    const FILE: &[u8] = include_bytes!("../www/analysis-worker.js");
    const LEN: usize = compact_script(FILE, &mut []);
    const BYTES: [u8; LEN] = {
        let mut bytes = [0; LEN];
        compact_script(FILE, &mut bytes);
        bytes
    };
    match std::str::from_utf8(&BYTES) {
        Ok(script) => script,
        Err(_) => panic!("the worker's script is UTF-8"),
    }
};

/// Copies the lines of the script `file` into `out` (as far as it reaches) without their
/// leading spaces, leaving out blank lines and whole-line `//` comments; returns the length of
/// the whole result. Lines keep their ends, so JavaScript reads the statements as before.
const fn compact_script(file: &[u8], out: &mut [u8]) -> usize {
    let (mut read, mut written) = (0, 0);
    while read < file.len() {
        while read < file.len() && file[read] == b' ' {
            read += 1;
        }
        let rest = file.split_at(read).1;
        let skipped = matches!(rest, [b'\n', ..] | [b'/', b'/', ..]);
        while read < file.len() {
            let byte = file[read];
            read += 1;
            if !skipped {
                if written < out.len() {
                    out[written] = byte;
                }
                written += 1;
            }
            if byte == b'\n' {
                break;
            }
        }
    }
    written
}

/// How long the worker may take to start (fetch the later module, compile, instantiate).
const START_WITHIN_MS: i32 = 15_000;

/// How long a photo may wait for the worker's answer, from its posting: a 12 MP photo takes 0.1
/// to 0.4 s there on the bench's machine (Chromium to WebKit), a slow phone perhaps ten times
/// that, and a photo may queue behind another. A worker that has not answered by then is
/// stuck (a decode or an encode of the browser's that never ends): it is ended and the page
/// does its work, this photo's included.
const PHOTO_WITHIN_MS: i32 = 20_000;

/// How long a preview frame (about 5 ms of work there) or a question about the worker's memory
/// may wait for its answer; past it, the worker is ended as for a photo.
const FRAME_WITHIN_MS: i32 = 5_000;

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

/// A request the worker has not answered yet.
struct Pending {
    id: u32,
    /// The field of the answer that carries it: `examined` for a preview frame (one at a
    /// time), `prepared` for a photo, `memory` for the worker's memory use.
    answer: &'static str,
    /// Called with the answer, or with `null` when there is none.
    resolve: js_sys::Function,
}

/// The page's side of the worker. One frame is in flight at a time; photos queue.
pub struct AnalysisWorker {
    worker: web_sys::Worker,
    state: Rc<RefCell<State>>,
    pending: Rc<RefCell<Vec<Pending>>>,
    /// Called once the worker is ready or failed to start.
    started: Rc<RefCell<Vec<js_sys::Function>>>,
    next_id: std::cell::Cell<u32>,
    /// Whether photos are still sent to it: not once it failed on one the page could prepare.
    takes_photos: std::cell::Cell<bool>,
    /// How long a photo may wait for its answer ([`PHOTO_WITHIN_MS`]).
    photo_within_ms: i32,
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
                *shared = AnalysisWorker::start(PHOTO_WITHIN_MS).ok().map(Rc::new);
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
        answer_all(&self.pending, &self.started);
    }

    /// A worker of its own (not the page's shared one) that gives a photo `photo_within_ms`
    /// before it is taken as stuck: for the tests of that deadline.
    pub fn with_photo_deadline(photo_within_ms: i32) -> Result<AnalysisWorker, JsValue> {
        AnalysisWorker::start(photo_within_ms)
    }

    fn start(photo_within_ms: i32) -> Result<AnalysisWorker, JsValue> {
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
        let pending = Rc::new(RefCell::new(Vec::<Pending>::new()));
        let started = Rc::new(RefCell::new(Vec::<js_sys::Function>::new()));
        let on_message = {
            let (state, pending, started) = (state.clone(), pending.clone(), started.clone());
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
                let data = event.data();
                let field = |name: &str| {
                    js_sys::Reflect::get(&data, &name.into())
                        .ok()
                        .filter(|value| !value.is_undefined())
                };
                if field("ready").is_some_and(|ready| ready.is_truthy()) {
                    *state.borrow_mut() = State::Ready;
                    wake(&started);
                    return;
                }
                let Some(id) = field("id").and_then(|id| id.as_f64()) else {
                    // The worker could not start.
                    *state.borrow_mut() = State::Failed;
                    answer_all(&pending, &started);
                    return;
                };
                let request = {
                    let mut pending = pending.borrow_mut();
                    let at = pending.iter().position(|p| f64::from(p.id) == id);
                    at.map(|at| pending.remove(at))
                };
                let Some(request) = request else { return };
                let reply = field(request.answer);
                if reply.is_none() && request.answer == "examined" {
                    // A frame's error: the worker is not trusted with another frame.
                    *state.borrow_mut() = State::Failed;
                }
                let _ = request
                    .resolve
                    .call1(&JsValue::NULL, &reply.unwrap_or(JsValue::NULL));
            })
        };
        let on_error = {
            let (state, pending, started) = (state.clone(), pending.clone(), started.clone());
            Closure::<dyn FnMut(web_sys::Event)>::new(move |_event: web_sys::Event| {
                *state.borrow_mut() = State::Failed;
                answer_all(&pending, &started);
            })
        };
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        // A worker that has not started by then (its fetch of the later module stalled, say) is
        // given up and what waits for it answered: a chosen photo never waits on it for good.
        give_up_after(START_WITHIN_MS, None, &state, &pending, &started, &worker);
        let init = js_sys::Object::new();
        js_sys::Reflect::set(&init, &"glue".into(), &crate::glue_url().into())?;
        js_sys::Reflect::set(&init, &"module".into(), &wasm_bindgen::module())?;
        worker.post_message(&init)?;
        Ok(AnalysisWorker {
            worker,
            state,
            pending,
            started,
            next_id: std::cell::Cell::new(0),
            takes_photos: std::cell::Cell::new(true),
            photo_within_ms,
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
        self.pending
            .borrow()
            .iter()
            .any(|request| request.answer == "examined")
    }

    /// Posts `message` (its `transfer` handed over) with a new id; resolves to the answer's
    /// `answer` field, or `null` when there is none, or none in time (then the worker, stuck,
    /// is ended and every request answered with nothing).
    async fn ask(
        &self,
        message: &js_sys::Object,
        transfer: &js_sys::Array,
        answer: &'static str,
    ) -> JsValue {
        let id = self.next_id.get().wrapping_add(1);
        self.next_id.set(id);
        if js_sys::Reflect::set(message, &"id".into(), &id.into()).is_err() {
            return JsValue::NULL;
        }
        let reply = js_sys::Promise::new(&mut |resolve, _reject| {
            self.pending.borrow_mut().push(Pending {
                id,
                answer,
                resolve,
            });
        });
        if self
            .worker
            .post_message_with_transfer(message, transfer)
            .is_err()
        {
            self.pending.borrow_mut().retain(|request| request.id != id);
            if answer == "examined" {
                *self.state.borrow_mut() = State::Failed;
            }
            return JsValue::NULL;
        }
        let within = match answer {
            "prepared" => self.photo_within_ms,
            _ => FRAME_WITHIN_MS,
        };
        give_up_after(
            within,
            Some(id),
            &self.state,
            &self.pending,
            &self.started,
            &self.worker,
        );
        JsFuture::from(reply).await.unwrap_or(JsValue::NULL)
    }

    /// Waits until the worker is ready or failed to start.
    async fn started(&self) {
        if *self.state.borrow() != State::Starting {
            return;
        }
        let started = js_sys::Promise::new(&mut |resolve, _reject| {
            self.started.borrow_mut().push(resolve);
        });
        let _ = JsFuture::from(started).await;
    }

    /// The worker failed on a photo the page then prepared: the engine's worker cannot do what
    /// the page can (a decoder or an encoder it lacks there), so the next photos go straight to
    /// the page rather than each being tried twice.
    pub fn failed_on_photo(&self) {
        self.takes_photos.set(false);
    }

    /// The worker's memory in bytes, once it has started: its module's linear memory (which
    /// never shrinks: the most its tasks needed) and its JS heap where the engine reports it
    /// (Chromium; else `None`). What the bench adds to the page's own figures.
    pub async fn memory_use(&self) -> Option<(f64, Option<f64>)> {
        self.started().await;
        if !self.is_ready() {
            return None;
        }
        let message = js_sys::Object::new();
        js_sys::Reflect::set(&message, &"memory".into(), &JsValue::TRUE).ok()?;
        let reply = self.ask(&message, &js_sys::Array::new(), "memory").await;
        let number = |name: &str| js_sys::Reflect::get(&reply, &name.into()).ok()?.as_f64();
        Some((number("wasm")?, number("heap").filter(|heap| *heap >= 0.0)))
    }

    /// The chosen `photo` in `bytes` [`Photo::prepare`]d in the worker (once it has started).
    /// The bytes are handed over (the page's copy is left empty) unless the worker is not
    /// there; when it cannot prepare the photo they come back, empty if they were handed over:
    /// the page then prepares it itself (and tells [`AnalysisWorker::failed_on_photo`] when it
    /// could).
    pub async fn prepare(
        &self,
        bytes: js_sys::Uint8Array,
        photo: &Photo,
    ) -> Result<Prepared, js_sys::Uint8Array> {
        self.started().await;
        if !self.is_ready() || !self.takes_photos.get() {
            return Err(bytes);
        }
        let message = js_sys::Object::new();
        let (width, height) = photo.size.unwrap_or((0, 0));
        let fields: [(&str, JsValue); 7] = [
            ("photo", bytes.clone().into()),
            ("format", photo.format.code().into()),
            ("width", width.into()),
            ("height", height.into()),
            ("slot", photo.slot.code().into()),
            ("shape", photo.shape.map_or("", DocumentShape::code).into()),
            ("minLongEdge", photo.min_long_edge.into()),
        ];
        for (name, value) in fields {
            if js_sys::Reflect::set(&message, &name.into(), &value).is_err() {
                return Err(bytes);
            }
        }
        let reply = self
            .ask(&message, &js_sys::Array::of1(&bytes.buffer()), "prepared")
            .await;
        prepared(&reply).ok_or(bytes)
    }

    /// A camera `shot` (a copy of the frame taken, [`photo::Picture::to_bitmap`], handed over)
    /// [`photo::prepare`]d in the worker for `slot` (a document of `shape`, cropped with its
    /// long edge at least `min_long_edge`), as the page would. `None` when the worker is not
    /// ready or cannot: the page then prepares the frame itself (and the worker, which failed
    /// on a frame the camera gave, gets no more photos).
    pub async fn prepare_shot(
        &self,
        shot: web_sys::ImageBitmap,
        slot: Slot,
        shape: Option<DocumentShape>,
        min_long_edge: u32,
    ) -> Option<Prepared> {
        if !self.is_ready() || !self.takes_photos.get() {
            shot.close();
            return None;
        }
        let message = js_sys::Object::new();
        let fields: [(&str, JsValue); 4] = [
            ("shot", shot.clone().into()),
            ("slot", slot.code().into()),
            ("shape", shape.map_or("", DocumentShape::code).into()),
            ("minLongEdge", min_long_edge.into()),
        ];
        for (name, value) in fields {
            if js_sys::Reflect::set(&message, &name.into(), &value).is_err() {
                shot.close();
                return None;
            }
        }
        let reply = self
            .ask(&message, &js_sys::Array::of1(&shot), "prepared")
            .await;
        let prepared = prepared(&reply);
        if prepared.is_none() {
            self.takes_photos.set(false);
        }
        prepared
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
        let reply = self
            .ask(&message, &js_sys::Array::of1(&frame), "examined")
            .await;
        if reply.is_null() {
            // Not sent (then it is still the page's) or not answered.
            frame.close();
            return None;
        }
        decode(&reply.dyn_into::<js_sys::Float64Array>().ok()?.to_vec())
    }
}

/// After `ms`, ends the `worker` if it is still starting (`request` `None`) or has not answered
/// `request`: it is stuck, and every request and wait for the start is answered with nothing
/// (the page then does the work). One timer closure for both, so one in the module.
fn give_up_after(
    ms: i32,
    request: Option<u32>,
    state: &Rc<RefCell<State>>,
    pending: &Rc<RefCell<Vec<Pending>>>,
    started: &Rc<RefCell<Vec<js_sys::Function>>>,
    worker: &web_sys::Worker,
) {
    let (state, pending, started, worker) = (
        state.clone(),
        pending.clone(),
        started.clone(),
        worker.clone(),
    );
    let give_up = Closure::once_into_js(move || {
        let stuck = match request {
            None => *state.borrow() == State::Starting,
            Some(id) => pending.borrow().iter().any(|waiting| waiting.id == id),
        };
        if stuck {
            worker.terminate();
            *state.borrow_mut() = State::Failed;
            answer_all(&pending, &started);
        }
    });
    if let Some(window) = web_sys::window() {
        let _ = window
            .set_timeout_with_callback_and_timeout_and_arguments_0(give_up.unchecked_ref(), ms);
    }
}

/// Answers every request and every wait for the start with nothing.
fn answer_all(pending: &RefCell<Vec<Pending>>, started: &RefCell<Vec<js_sys::Function>>) {
    let requests = std::mem::take(&mut *pending.borrow_mut());
    for request in requests {
        let _ = request.resolve.call1(&JsValue::NULL, &JsValue::NULL);
    }
    wake(started);
}

/// Ends every wait for the worker's start.
fn wake(started: &RefCell<Vec<js_sys::Function>>) {
    let waiting = std::mem::take(&mut *started.borrow_mut());
    for resolve in waiting {
        let _ = resolve.call0(&JsValue::NULL);
    }
}

impl Drop for AnalysisWorker {
    fn drop(&mut self) {
        self.stop();
    }
}

thread_local! {
    /// The worker's tasks, once [`prepare`] has them (they are in the later steps' module).
    static TASKS: std::cell::Cell<Option<Tasks>> = const { std::cell::Cell::new(None) };
    /// The worker's canvas, kept from frame to frame (the frames have one size).
    static CANVAS: RefCell<Option<(web_sys::OffscreenCanvas, web_sys::OffscreenCanvasRenderingContext2d)>> =
        const { RefCell::new(None) };
}

/// What the worker does, handed over by [`load_tasks`]: each whole, the answer's encoding
/// included, so that all of it is in the later module and the exports stay small.
#[derive(Clone, Copy)]
struct Tasks {
    analyse_frame: fn(&web_sys::ImageBitmap, &str, &str) -> Result<js_sys::Float64Array, JsValue>,
    prepare_photo: fn(js_sys::Object) -> js_sys::Promise,
}

/// In the worker, once, before the first request: fetches the photo checks (`load_tasks`).
#[wasm_bindgen(js_name = prepareAnalysis)]
pub async fn prepare() -> Result<(), JsValue> {
    let tasks = load_tasks()
        .await
        .map_err(|_| JsValue::from_str("the photo checks could not be loaded"))?;
    TASKS.with(|kept| kept.set(Some(tasks)));
    Ok(())
}

/// The worker's tasks, once the later module that holds them is there ([`crate::later`]): the
/// decoding, drawing and reading go there with the checks, as only the later steps need them.
async fn load_tasks() -> Result<Tasks, NotLoaded> {
    #[cfg(kyc_split)]
    return split_tasks().await;
    #[cfg(not(kyc_split))]
    Ok(tasks())
}

/// The split point of [`load_tasks`].
#[cfg(kyc_split)]
#[leptos::wasm_split::wasm_split(later, wasm_split_path = ::leptos::wasm_split, fallible)]
fn split_tasks() -> Result<Tasks, NotLoaded> {
    Ok(tasks())
}

fn tasks() -> Tasks {
    Tasks {
        analyse_frame: |frame, slot, shape| {
            let examined = examine_frame(frame, slot, shape)?;
            Ok(js_sys::Float64Array::from(encode(&examined).as_slice()))
        },
        prepare_photo: |request| {
            wasm_bindgen_futures::future_to_promise(async move {
                prepare_photo_message(request).await.map(JsValue::from)
            })
        },
    }
}

fn loaded_tasks() -> Result<Tasks, JsValue> {
    TASKS
        .with(std::cell::Cell::get)
        .ok_or_else(|| JsValue::from_str("prepareAnalysis has not finished"))
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
    let analysed = loaded_tasks().and_then(|tasks| (tasks.analyse_frame)(&frame, slot, shape));
    frame.close();
    analysed
}

/// In the worker: the photo a `{ photo, .. }` request carries, [`Photo::prepare`]d; the answer
/// `{ report, whole, crop }` ([`encode_report`], the JPEGs' bytes).
#[wasm_bindgen(js_name = preparePhoto)]
pub fn prepare_photo(request: js_sys::Object) -> Result<js_sys::Promise, JsValue> {
    Ok((loaded_tasks()?.prepare_photo)(request))
}

async fn prepare_photo_message(request: js_sys::Object) -> Result<js_sys::Object, JsValue> {
    let field = |name: &str| js_sys::Reflect::get(&request, &name.into());
    let text = |name: &str| field(name).map(|value| value.as_string().unwrap_or_default());
    let number = |name: &str| field(name).map(|value| value.as_f64().unwrap_or(0.0) as u32);
    let slot = Slot::from_code(&text("slot")?).ok_or_else(|| JsValue::from_str("unknown slot"))?;
    let shape = shape_from_code(&text("shape")?)?;
    let min_long_edge = number("minLongEdge")?;
    let shot = field("shot")?;
    let prepared = if shot.is_undefined() {
        let bytes: js_sys::Uint8Array = field("photo")?.dyn_into()?;
        let size = (number("width")?, number("height")?);
        let photo = Photo {
            format: FileFormat::from_code(&text("format")?)
                .ok_or_else(|| JsValue::from_str("unknown format"))?,
            size: (size.0 > 0 && size.1 > 0).then_some(size),
            slot,
            shape,
            min_long_edge,
        };
        photo.prepare(&bytes).await
    } else {
        let shot: web_sys::ImageBitmap = shot.dyn_into()?;
        let picture = photo::Picture::from_bitmap(&shot);
        shot.close();
        match picture {
            Ok(picture) => photo::prepare(picture, slot, shape, min_long_edge).await,
            Err(_) => Err(photo::PhotoFailure::CannotDecode),
        }
    }
    // The page prepares it again itself and tells the user why it failed there.
    .map_err(|_| JsValue::from_str("the photo could not be prepared"))?;
    let answer = js_sys::Object::new();
    let report = js_sys::Float64Array::from(encode_report(&prepared.report).as_slice());
    js_sys::Reflect::set(&answer, &"report".into(), &report)?;
    js_sys::Reflect::set(&answer, &"whole".into(), &prepared.whole)?;
    if let Some(crop) = &prepared.crop {
        js_sys::Reflect::set(&answer, &"crop".into(), crop)?;
    }
    Ok(answer)
}

/// A photo prepared in the worker, from its answer (`null` when there is none).
fn prepared(reply: &JsValue) -> Option<Prepared> {
    let field = |name: &str| {
        js_sys::Reflect::get(reply, &name.into())
            .ok()
            .filter(|value| !value.is_undefined() && !value.is_null())
    };
    let report = field("report")
        .and_then(|report| report.dyn_into::<js_sys::Float64Array>().ok())
        .and_then(|report| decode_report(&report.to_vec()))?;
    let whole = field("whole").and_then(|whole| whole.dyn_into::<js_sys::Uint8Array>().ok())?;
    let crop = field("crop")
        .map(|crop| crop.dyn_into::<js_sys::Uint8Array>())
        .transpose()
        .ok()?;
    Some(Prepared {
        report,
        whole,
        crop,
    })
}

/// The document shape `code` names; `None` for the empty code (a face).
fn shape_from_code(code: &str) -> Result<Option<DocumentShape>, JsValue> {
    match code {
        "" => Ok(None),
        code => DocumentShape::from_code(code)
            .map(Some)
            .ok_or_else(|| JsValue::from_str("unknown document shape")),
    }
}

fn examine_frame(
    frame: &web_sys::ImageBitmap,
    slot: &str,
    shape: &str,
) -> Result<FrameAnalysis, JsValue> {
    let slot = Slot::from_code(slot).ok_or_else(|| JsValue::from_str("unknown slot"))?;
    let shape = shape_from_code(shape)?;
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
    out.extend(analysis.issues.iter().map(issue_number));
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

/// A quality issue as a number: its place in the checks' order, a cut-off 16 + its sides as
/// bits.
fn issue_number(issue: &QualityIssue) -> f64 {
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
}

/// The issue [`issue_number`] wrote; `None` for a number it cannot have written.
fn issue_from_number(number: f64) -> Option<QualityIssue> {
    let bits = number as u8;
    if f64::from(bits) != number {
        return None;
    }
    Some(match bits {
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
    })
}

/// A photo's quality report as numbers: each measurement's score and issue (`issue_number`,
/// -1 for none), sharpness, exposure and glare, then 1 and the cut-off's, or 0 when it was not
/// checked.
pub fn encode_report(report: &QualityReport) -> Vec<f64> {
    let measurement = |m: &Measurement| [m.score, m.issue.as_ref().map_or(-1.0, issue_number)];
    let mut out = Vec::with_capacity(9);
    for m in [&report.sharpness, &report.exposure, &report.glare] {
        out.extend(measurement(m));
    }
    match &report.cutoff {
        Some(cutoff) => {
            out.push(1.0);
            out.extend(measurement(cutoff));
        }
        None => out.push(0.0),
    }
    out
}

/// The report [`encode_report`] wrote; `None` for numbers it cannot have written.
pub fn decode_report(numbers: &[f64]) -> Option<QualityReport> {
    let measurement = |at: usize| -> Option<Measurement> {
        let (score, issue) = (*numbers.get(at)?, *numbers.get(at + 1)?);
        let issue = match issue {
            -1.0 => None,
            number => Some(issue_from_number(number)?),
        };
        Some(Measurement { score, issue })
    };
    let cutoff = match (numbers.get(6).copied(), numbers.len()) {
        (Some(0.0), 7) => None,
        (Some(1.0), 9) => Some(measurement(7)?),
        _ => return None,
    };
    Some(QualityReport {
        sharpness: measurement(0)?,
        exposure: measurement(2)?,
        glare: measurement(4)?,
        cutoff,
    })
}

/// The analysis [`encode`] wrote; `None` for numbers it cannot have written.
pub fn decode(numbers: &[f64]) -> Option<FrameAnalysis> {
    let mut at = numbers.iter().copied();
    let mut next = move || at.next();
    let count = next()? as usize;
    let mut issues = Vec::with_capacity(count.min(8));
    for _ in 0..count {
        issues.push(issue_from_number(next()?)?);
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

    #[test]
    fn the_script_ships_without_comments_blank_lines_or_indentation() {
        let file = concat!(
            "// about\nlet a = `x = () => {\n  // why\n  go(1);\n};`;\n",
            "\n  a(\"// kept\"); // kept\n  ",
        );
        let mut out = [0; 64];
        let len = compact_script(file.as_bytes(), &mut out);
        let expected = "let a = `x = () => {\ngo(1);\n};`;\na(\"// kept\"); // kept\n";
        assert_eq!(std::str::from_utf8(&out[..len]), Ok(expected));
        assert_eq!(compact_script(file.as_bytes(), &mut []), expected.len());
        let shipped = include_str!("../www/analysis-worker.js");
        assert!(
            SCRIPT.len() + 500 < shipped.len(),
            "{} of {}",
            SCRIPT.len(),
            shipped.len()
        );
        assert!(SCRIPT
            .lines()
            .all(|line| !line.is_empty() && !line.starts_with([' ', '/'])));
    }

    #[test]
    fn a_report_reads_back_as_it_was_written() {
        let measured = |score: f64, issue: Option<QualityIssue>| Measurement { score, issue };
        let cut = QualityIssue::CutOff {
            sides: Sides {
                top: false,
                right: true,
                bottom: false,
                left: true,
            },
        };
        let report = QualityReport {
            sharpness: measured(41.25, Some(QualityIssue::Blurry)),
            exposure: measured(0.5, None),
            glare: measured(0.0125, Some(QualityIssue::Glare)),
            cutoff: Some(measured(3.0, Some(cut))),
        };
        assert_eq!(decode_report(&encode_report(&report)), Some(report));
        let unchecked = QualityReport {
            cutoff: None,
            exposure: measured(0.9, Some(QualityIssue::TooBright)),
            ..report
        };
        assert_eq!(decode_report(&encode_report(&unchecked)), Some(unchecked));
        // Cut short, an issue no check has, a cut-off flag without its measurement.
        assert_eq!(decode_report(&encode_report(&report)[..8]), None);
        assert_eq!(decode_report(&[1.0, 9.0, 0.5, -1.0, 0.1, -1.0, 0.0]), None);
        assert_eq!(decode_report(&[1.0, -1.0, 0.5, -1.0, 0.1, -1.0, 1.0]), None);
    }
}
