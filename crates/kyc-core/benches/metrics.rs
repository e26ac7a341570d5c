//! Criterion benchmarks of the quality metrics at a 1280x720 preview frame and a 4032x3024
//! photo (`cargo bench -p kyc-core --bench metrics`). Native only: criterion does not run on
//! wasm32, where this target compiles to an empty program.
#![cfg_attr(target_arch = "wasm32", allow(unused))]

#[cfg(not(target_arch = "wasm32"))]
#[path = "../tests/support/fixtures.rs"]
mod fixtures;

#[cfg(not(target_arch = "wasm32"))]
use criterion::{black_box, criterion_group, criterion_main, Criterion};
#[cfg(not(target_arch = "wasm32"))]
use kyc_core::quality::{assess, cutoff, exposure, glare, laplacian_variance, sharpness};
#[cfg(not(target_arch = "wasm32"))]
use kyc_core::{normalize, QualityThresholds, RgbaView};

#[cfg(not(target_arch = "wasm32"))]
fn metrics(c: &mut Criterion) {
    let thresholds = QualityThresholds::default();
    for (width, height) in [(1280u32, 720u32), (4032, 3024)] {
        let frame = fixtures::sharp_document(width, height);
        let rgba = frame.to_rgba();
        let luma = frame.view();
        let rgba_view = RgbaView::new(width, height, &rgba).unwrap();
        let mut group = c.benchmark_group(format!("{width}x{height}"));
        group.sample_size(10);
        group.bench_function("assess_luma", |b| {
            b.iter(|| assess(black_box(&luma), &thresholds))
        });
        group.bench_function("assess_rgba", |b| {
            b.iter(|| assess(black_box(&rgba_view), &thresholds))
        });
        group.bench_function("normalize", |b| b.iter(|| normalize(black_box(&luma), 640)));
        group.bench_function("sharpness", |b| {
            b.iter(|| sharpness(black_box(&luma), &thresholds))
        });
        group.bench_function("exposure", |b| {
            b.iter(|| exposure(black_box(&luma), &thresholds))
        });
        group.bench_function("glare", |b| b.iter(|| glare(black_box(&luma), &thresholds)));
        group.bench_function("cutoff", |b| {
            b.iter(|| cutoff(black_box(&luma), &thresholds))
        });
        group.bench_function("laplacian_variance_full_resolution", |b| {
            b.iter(|| laplacian_variance(black_box(&luma)))
        });
        group.finish();
    }
}

#[cfg(not(target_arch = "wasm32"))]
criterion_group!(benches, metrics);
#[cfg(not(target_arch = "wasm32"))]
criterion_main!(benches);

#[cfg(target_arch = "wasm32")]
fn main() {}
