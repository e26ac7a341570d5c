//! Browser figures of `cargo xtask bench`, run in release mode in headless Chromium:
//!
//! - the still-photo path: a generated 12 MP camera-like JPEG (EXIF orientation 6) through
//!   `kyc_capture::intake::intake` (one read, header checks, decode with orientation,
//!   downscale, quality metrics and gate, JPEG encode), beside the browser's bare
//!   `createImageBitmap` decode of the same file in the same page;
//! - live frames: `kyc_core::assess` on a 1280x720 RGBA frame in wasm, alone and with the
//!   canvas read-back a camera frame needs first; the document's outline; and the widget's
//!   own analysis of a 1280x720 camera frame (`kyc_capture::camera::analyse`).
//!
//! Ignored by default (they take seconds and only mean something in release mode); `cargo
//! xtask bench` runs them with `--include-ignored` and parses the `BENCH` lines they print.
#![cfg(target_arch = "wasm32")]

use kyc_capture::intake::{intake, Accepted, Capture, CaptureProblem};
use kyc_core::document_outline::find_outline;
use kyc_core::{assess, inspect_file, FileLimits, QualityGate, QualityThresholds, RgbaView, Slot};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(module = "/tests/bench/bench_photo.js")]
extern "C" {
    async fn camera_jpeg(width: u32, height: u32) -> JsValue;
    async fn bare_decode_ms(blob: &web_sys::Blob) -> JsValue;
    async fn browser_share_ms(
        blob: &web_sys::Blob,
        long_edge: u32,
        quality: f64,
        resize: bool,
    ) -> JsValue;
    fn live_setup(width: u32, height: u32);
    fn live_frame() -> js_sys::Uint8Array;
    async fn live_video(width: u32, height: u32) -> JsValue;
    fn now() -> f64;
    async fn js_heap_collected() -> JsValue;
    fn heap_watch_start();
    fn heap_watch_stop() -> f64;
    fn long_tasks_start() -> bool;
    fn long_tasks_stop() -> js_sys::Array;
    fn pause_watch_start();
    fn pause_watch_stop() -> f64;
    fn user_agent() -> String;
}

/// The size of the module's linear memory, in bytes.
fn wasm_memory_bytes() -> u32 {
    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    memory
        .buffer()
        .unchecked_into::<js_sys::ArrayBuffer>()
        .byte_length()
}

fn emit(name: &str, unit: &str, samples: &[f64]) {
    let list: Vec<String> = samples.iter().map(|v| format!("{v:.3}")).collect();
    console_log!("BENCH {} {} {}", name, unit, list.join(","));
}

fn fact(name: &str, value: impl std::fmt::Display) {
    console_log!("BENCHFACT {} {}", name, value);
}

/// How long each live figure's code runs unmeasured first: the engine compiles wasm with a
/// quick baseline compiler and moves hot functions to its optimizing one in the background
/// while they run (V8's dynamic tiering; on two busy cores that took up to a second, the
/// analysis running at about twice its later time until then), so the first runs would
/// measure the compilers rather than the code, which the preview runs twice a second for as
/// long as it is open.
const WARM_UP_MS: f64 = 3000.0;

/// Runs `run` unmeasured for [`WARM_UP_MS`].
fn warm_up(mut run: impl FnMut()) {
    let until = now() + WARM_UP_MS;
    while now() < until {
        run();
    }
}

/// Yields to the browser's event loop, so a collection can run between samples.
async fn settle() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .expect("a window")
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 20)
            .expect("setTimeout");
    });
    let _ = JsFuture::from(promise).await;
}

/// The widget's whole path for a chosen photo of the front, through a fresh quality gate.
async fn take_in(
    blob: &web_sys::Blob,
    limits: &FileLimits,
) -> Result<Accepted, Vec<CaptureProblem>> {
    take_in_as(blob, limits, None).await
}

/// The same, the front of a document of `shape` when it is known (the document's outline found,
/// the crop flattened, measured and encoded, the whole photo encoded beside it).
async fn take_in_as(
    blob: &web_sys::Blob,
    limits: &FileLimits,
    shape: Option<kyc_core::document_outline::DocumentShape>,
) -> Result<Accepted, Vec<CaptureProblem>> {
    intake(
        Capture::File(blob.clone()),
        Slot::Front,
        shape,
        limits,
        |report| QualityGate::default().decide(Slot::Front, report),
    )
    .await
}

/// [`take_in`]'s path on the page, as `intake` takes it where no worker runs: the file read and
/// checked, then [`Photo::prepare`] (the gate's decision, a comparison, left out).
async fn prepare_on_page(blob: &web_sys::Blob, limits: &FileLimits) {
    use kyc_capture::photo::Photo;
    let buffer = JsFuture::from(blob.array_buffer()).await.expect("read");
    let bytes = js_sys::Uint8Array::new(&buffer);
    let report = inspect_file(&bytes.to_vec(), None, Slot::Front, limits).expect("accepted");
    let photo = Photo {
        format: report.format,
        size: report.dimensions,
        slot: Slot::Front,
        shape: None,
        min_long_edge: limits.min_long_edge(Slot::Front),
    };
    photo.prepare(&bytes).await.expect("prepared");
}

#[wasm_bindgen_test]
#[ignore = "benchmark: run by cargo xtask bench in release mode"]
async fn bench_still_photo() {
    const RUNS: usize = 10;
    fact("browser.user_agent", user_agent());
    let blob: web_sys::Blob = camera_jpeg(4000, 3000).await.unchecked_into();
    fact("photo.input_bytes", blob.size());
    fact("photo.input_pixels", "4000x3000");
    let limits = FileLimits::default();
    // Memory: the wasm module's linear memory (it grows and never shrinks, so its size after
    // the path is the most the path needed) and the JS heap's peak while the path runs, from
    // a collected baseline. The first run measures it, on a fresh module.
    // Where the photo is prepared: the analysis worker where the engine runs it, else the
    // page; the worker's memory is counted with the page's.
    let worker = kyc_capture::analysis_worker::AnalysisWorker::shared();
    let worker_memory = || async {
        match &worker {
            Some(worker) => worker.memory_use().await,
            None => None,
        }
    };
    let worker_before = worker_memory().await;
    fact(
        "photo.prepared_in",
        if worker_before.is_some() {
            "worker"
        } else {
            "page"
        },
    );
    let heap_before = js_heap_collected().await.as_f64().unwrap_or(-1.0);
    fact("memory.wasm_before", wasm_memory_bytes());
    fact("memory.js_heap_before", heap_before);
    heap_watch_start();
    // One warm-up of each, so neither pays for first-use compilation.
    let warm = take_in(&blob, &limits).await;
    fact("memory.js_heap_peak", heap_watch_stop());
    fact("memory.wasm_after", wasm_memory_bytes());
    if let (Some((before, _)), Some((after, heap))) = (worker_before, worker_memory().await) {
        fact("memory.worker_wasm_before", before);
        fact("memory.worker_wasm_after", after);
        fact("memory.worker_js_heap_after", heap.unwrap_or(-1.0));
    }
    let accepted = warm.expect("the generated photo is accepted");
    fact("photo.output_bytes", accepted.bytes.length());
    let output = inspect_file(&accepted.bytes.to_vec(), None, Slot::Front, &limits)
        .expect("the output passes the relay's checks");
    let (width, height) = output.dimensions.expect("a photo's dimensions");
    fact("photo.output_pixels", format!("{width}x{height}"));
    bare_decode_ms(&blob).await;
    let (mut bare, mut full) = (Vec::new(), Vec::new());
    for run in 0..RUNS {
        // Alternate the order, so neither always runs on a fresher heap.
        for widget_first in [run % 2 == 0, run % 2 != 0] {
            settle().await;
            if widget_first {
                let started = now();
                let accepted = take_in(&blob, &limits).await;
                full.push(now() - started);
                assert!(accepted.is_ok());
            } else {
                let answer: js_sys::Array = bare_decode_ms(&blob).await.unchecked_into();
                bare.push(answer.get(0).as_f64().expect("milliseconds"));
                if run == 0 {
                    fact(
                        "photo.bare_decode_pixels",
                        format!(
                            "{}x{}",
                            answer.get(1).as_f64().unwrap_or(0.0),
                            answer.get(2).as_f64().unwrap_or(0.0)
                        ),
                    );
                }
            }
        }
    }
    emit("photo.prepare", "ms", &full);
    emit("photo.bare_decode", "ms", &bare);

    // The same photo as a passport's page, as the widget takes the front of a known document:
    // outline, flattened crop, two encodes.
    let passport = Some(kyc_core::document_outline::DocumentShape::Td3);
    let cropped = take_in_as(&blob, &limits, passport)
        .await
        .expect("accepted");
    fact("photo.document_cropped", cropped.whole.is_some());
    let mut document = Vec::new();
    for _ in 0..RUNS {
        settle().await;
        let started = now();
        let accepted = take_in_as(&blob, &limits, passport).await;
        document.push(now() - started);
        assert!(accepted.is_ok());
    }
    emit("photo.prepare_document", "ms", &document);

    // The same path on the page, as the widget takes it where no worker runs (an engine without
    // `OffscreenCanvas`, a host's policy without `worker-src blob:`): its time and the page's
    // longest pause meanwhile.
    if worker.is_some() {
        let (on_page, longest_pause) =
            timed_and_watched(RUNS, || prepare_on_page(&blob, &limits)).await;
        emit("photo.prepare_on_page", "ms", &on_page);
        fact(
            "photo.on_page_longest_pause_ms",
            format!("{longest_pause:.1}"),
        );
    }

    // The main thread while the path runs (what a user's taps and the page's animations wait
    // for): its long tasks where the engine reports them, its longest pause in every engine;
    // over runs of their own so the watches are not in the times above.
    let long_tasks = long_tasks_start();
    let mut longest_pause = 0.0f64;
    for _ in 0..RUNS / 2 {
        settle().await;
        pause_watch_start();
        assert!(take_in(&blob, &limits).await.is_ok());
        longest_pause = longest_pause.max(pause_watch_stop());
    }
    settle().await;
    fact("photo.runs_watched", RUNS / 2);
    fact("photo.longest_pause_ms", format!("{longest_pause:.1}"));
    if long_tasks {
        let watched = long_tasks_stop();
        fact("photo.long_tasks", watched.get(0).as_f64().unwrap_or(-1.0));
        fact(
            "photo.longest_task_ms",
            watched.get(1).as_f64().unwrap_or(-1.0),
        );
    }

    bench_camera_shot(&limits).await;

    // The floor under the path in this engine: what the browser itself does for it (decode
    // and downscale, read back; one encode), and the same decode asked for the target size.
    use kyc_capture::photo::{target_long_edge, JPEG_QUALITY};
    let long_edge = target_long_edge(Slot::Front);
    let (mut drawn, mut encoded, mut resized) = (Vec::new(), Vec::new(), Vec::new());
    let mut decoder = None;
    for _ in 0..RUNS {
        settle().await;
        let parts: js_sys::Array = browser_share_ms(&blob, long_edge, JPEG_QUALITY, false)
            .await
            .unchecked_into();
        drawn.push(parts.get(0).as_f64().expect("milliseconds"));
        encoded.push(parts.get(1).as_f64().expect("milliseconds"));
        settle().await;
        let parts: js_sys::Array = browser_share_ms(&blob, long_edge, JPEG_QUALITY, true)
            .await
            .unchecked_into();
        resized.push(parts.get(0).as_f64().expect("milliseconds"));
        decoder = parts.get(2).as_string();
    }
    fact(
        "photo.decode_to_size_by",
        decoder.as_deref().unwrap_or("(missing)"),
    );
    emit("photo.decode_downscale", "ms", &drawn);
    emit("photo.decode_to_size", "ms", &resized);
    emit("photo.encode", "ms", &encoded);
}

/// `runs` runs of `run`, every other one watched for the page's longest pause (so the watch is
/// not in the times): the times of the others, and the longest pause.
async fn timed_and_watched<F, R>(runs: usize, mut run: F) -> (Vec<f64>, f64)
where
    F: FnMut() -> R,
    R: std::future::Future<Output = ()>,
{
    let (mut times, mut longest_pause) = (Vec::new(), 0.0f64);
    for at in 0..runs {
        settle().await;
        let watched = at % 2 == 1;
        if watched {
            pause_watch_start();
        }
        let started = now();
        run().await;
        if watched {
            longest_pause = longest_pause.max(pause_watch_stop());
        } else {
            times.push(now() - started);
        }
    }
    (times, longest_pause)
}

/// A `<video>` playing the scene at `width` x `height` ([`live_video`]); where the engine
/// cannot, `fact` says it was not measured (rather than failing the engine's other figures).
async fn playing_video(
    width: u32,
    height: u32,
    fact_name: &str,
) -> Option<web_sys::HtmlVideoElement> {
    let video = live_video(width, height).await;
    if let Some(reason) = video.as_string() {
        fact(fact_name, format!("not measured: {reason}"));
        return None;
    }
    Some(video.unchecked_into())
}

/// A camera shot of a passport's page (a 1920x1080 frame of the scene playing in a `<video>`, as
/// the camera's stream plays): the frame drawn at the photo's size, then `intake` of it
/// (prepared in the worker where it runs: the frame copied and handed over), and the same frame
/// prepared on the page (`photo::prepare`, where no worker runs); the time of each and the
/// page's longest pause, every other run watched.
async fn bench_camera_shot(limits: &FileLimits) {
    use kyc_capture::photo::{prepare, target_long_edge, Picture};
    const RUNS: usize = 10;
    let Some(video) = playing_video(1920, 1080, "shot.pixels").await else {
        return;
    };
    fact(
        "shot.pixels",
        format!("{}x{}", video.video_width(), video.video_height()),
    );
    let passport = Some(kyc_core::document_outline::DocumentShape::Td3);
    let long_edge = target_long_edge(Slot::Front);
    let min_long_edge = limits.min_long_edge(Slot::Front);
    let take = || Picture::from_video(&video, long_edge).expect("a frame");
    // One uncounted of each.
    let shot = intake(
        Capture::Frame(take()),
        Slot::Front,
        passport,
        limits,
        |report| QualityGate::default().decide(Slot::Front, report),
    )
    .await;
    fact(
        "shot.document_cropped",
        shot.is_ok_and(|s| s.whole.is_some()),
    );
    let _ = prepare(take(), Slot::Front, passport, min_long_edge).await;
    for on_page in [false, true] {
        let (times, longest_pause) = timed_and_watched(RUNS, || async {
            if on_page {
                assert!(prepare(take(), Slot::Front, passport, min_long_edge)
                    .await
                    .is_ok());
            } else {
                let frame = Capture::Frame(take());
                // Any quality issue let through: the time is the path's, not the gate's.
                let kept = intake(frame, Slot::Front, passport, limits, |_| {
                    kyc_core::GateDecision::Accept
                })
                .await;
                assert!(kept.is_ok());
            }
        })
        .await;
        let name = if on_page {
            "shot.prepare_on_page"
        } else {
            "shot.prepare"
        };
        emit(name, "ms", &times);
        fact(
            &format!("{name}.longest_pause_ms"),
            format!("{longest_pause:.1}"),
        );
    }
    video.remove();
}

#[wasm_bindgen_test]
#[ignore = "benchmark: run by cargo xtask bench in release mode"]
fn bench_live_frames() {
    const RUNS: usize = 120;
    const WIDTH: u32 = 1280;
    const HEIGHT: u32 = 720;
    live_setup(WIDTH, HEIGHT);
    let thresholds = QualityThresholds::default();
    let pixels = live_frame().to_vec();
    let view = RgbaView::new(WIDTH, HEIGHT, &pixels).expect("a 1280x720 RGBA frame");
    let report = assess(&view, &thresholds);
    fact(
        "live.report",
        format!(
            "sharpness={:.1} exposure={:.1} glare={:.4}",
            report.sharpness.score, report.exposure.score, report.glare.score
        ),
    );
    warm_up(|| {
        std::hint::black_box(assess(&view, &thresholds));
    });
    let mut metrics = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let started = now();
        let report = assess(&view, &thresholds);
        metrics.push(now() - started);
        std::hint::black_box(report);
    }
    let mut with_readback = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let started = now();
        let pixels = live_frame().to_vec();
        let view = RgbaView::new(WIDTH, HEIGHT, &pixels).expect("a 1280x720 RGBA frame");
        let report = assess(&view, &thresholds);
        with_readback.push(now() - started);
        std::hint::black_box(report);
    }
    emit("live.assess", "ms", &metrics);
    emit("live.readback_assess", "ms", &with_readback);

    // The document's outline on the same frame, and the whole analysis of a frame (outline and
    // metrics) as the live preview runs it.
    let outline = find_outline(&view);
    fact(
        "live.outline",
        outline.map_or("none found".to_owned(), |o| {
            format!("found, confidence {:.2}", o.confidence)
        }),
    );
    warm_up(|| {
        std::hint::black_box(find_outline(&view));
    });
    let mut outlines = Vec::with_capacity(RUNS);
    let mut analyses = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let started = now();
        let outline = find_outline(&view);
        outlines.push(now() - started);
        std::hint::black_box(outline);
        let started = now();
        let outline = find_outline(&view);
        let report = assess(&view, &thresholds);
        analyses.push(now() - started);
        std::hint::black_box((outline, report));
    }
    emit("live.outline", "ms", &outlines);
    emit("live.analysis", "ms", &analyses);

    // Detection on a 640 px frame of the same scene.
    live_setup(640, 360);
    let small = live_frame().to_vec();
    let view = RgbaView::new(640, 360, &small).expect("a 640x360 RGBA frame");
    warm_up(|| {
        std::hint::black_box(find_outline(&view));
    });
    let mut small_outlines = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let started = now();
        let outline = find_outline(&view);
        small_outlines.push(now() - started);
        std::hint::black_box(outline);
    }
    emit("live.outline_640", "ms", &small_outlines);
}

#[wasm_bindgen_test]
#[ignore = "benchmark: run by cargo xtask bench in release mode"]
async fn bench_live_analysis() {
    const RUNS: usize = 120;
    // What the live preview runs on each analysed frame of a 1280x720 camera: the frame drawn
    // at the metrics' 640 px, read back, the outline found, the document flattened, the
    // metrics on it.
    let Some(video) = playing_video(1280, 720, "live.widget").await else {
        return;
    };
    let shape = Some(kyc_core::document_outline::DocumentShape::Id1);
    let first = kyc_capture::camera::analyse(&video, Slot::Front, shape).expect("a frame");
    fact(
        "live.widget",
        match first.framed.and_then(|f| f.outline) {
            Some(outline) => format!(
                "outline found, confidence {:.2}, {}",
                outline.confidence,
                if first.framed.is_some_and(|f| f.croppable().is_some()) {
                    "flattened"
                } else {
                    "not flattened"
                }
            ),
            None => "no outline found".to_owned(),
        },
    );
    warm_up(|| {
        std::hint::black_box(kyc_capture::camera::analyse(&video, Slot::Front, shape));
    });
    let mut samples = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let started = now();
        let examined = kyc_capture::camera::analyse(&video, Slot::Front, shape);
        samples.push(now() - started);
        std::hint::black_box(examined);
    }
    emit("live.widget", "ms", &samples);
    video.remove();
}
