//! Native timings of the live analysis: `find_outline` on a 640x360 and a 1280x720 RGBA frame,
//! `assess` on the 1280x720 one, and `find_outline` over the generated evaluation set (the
//! scenes of `tests/support/scenes.rs`). Medians of many runs, in milliseconds, and the
//! fastest run (steadier than the median on a machine shared with other work).
//!
//! ```text
//! cargo run --release -p kyc-core --example time_outline [-- RUNS]
//! ```
//!
//! The wasm figures (the ones the goals are set in) come from `tests/bench_photo.rs`; these
//! help find where the time goes (`perf record` on this example) and compare changes quickly.

#[path = "../tests/support/fixtures.rs"]
mod fixtures;
#[path = "../tests/support/scenes.rs"]
mod scenes;

use std::hint::black_box;
use std::time::Instant;

use kyc_core::document_outline::find_outline;
use kyc_core::{assess, QualityThresholds, RgbaView, Slot};

/// The median and the fastest of `runs` runs of `f`, in milliseconds.
fn median_ms(runs: usize, mut f: impl FnMut()) -> (f64, f64) {
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            f();
            started.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], times[0])
}

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200);
    let thresholds = QualityThresholds::for_slot(Slot::Front);
    for (w, h) in [(640u32, 360u32), (1280, 720)] {
        let rgba = fixtures::sharp_document(w, h).to_rgba();
        let view = RgbaView::new(w, h, &rgba).expect("an RGBA frame");
        let found = find_outline(&view).is_some();
        let (ms, min) = median_ms(runs, || {
            black_box(find_outline(black_box(&view)));
        });
        println!("outline {w}x{h}: {ms:.3} ms (fastest {min:.3}, found: {found})");
        if w == 1280 {
            let (ms, min) = median_ms(runs, || {
                black_box(assess(black_box(&view), &thresholds));
            });
            println!("assess {w}x{h}: {ms:.3} ms (fastest {min:.3})");
        }
    }
    let frames: Vec<Vec<u8>> = (0..24u64)
        .map(|i| scenes::scene(i, false).rgba)
        .chain((0..8u64).map(|i| scenes::scene(i, true).rgba))
        .collect();
    let (ms, min) = median_ms(runs.div_ceil(10).max(3), || {
        for rgba in &frames {
            let view = RgbaView::new(scenes::W as u32, scenes::H as u32, rgba).expect("a scene");
            black_box(find_outline(black_box(&view)));
        }
    });
    println!(
        "outline over {} scenes 640x480: {:.3} ms per frame (fastest {:.3})",
        frames.len(),
        ms / frames.len() as f64,
        min / frames.len() as f64
    );
}
