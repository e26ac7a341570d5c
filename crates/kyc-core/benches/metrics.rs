//! Criterion benchmarks of the quality metrics at a 1280x720 preview frame and a 4032x3024
//! photo (`cargo bench -p kyc-core --bench metrics`).

#[path = "../tests/support/fixtures.rs"]
mod fixtures;

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use kyc_core::quality::{assess, cutoff, exposure, glare, laplacian_variance, sharpness};
use kyc_core::{normalize, QualityThresholds, RgbaView};

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

criterion_group!(benches, metrics);
criterion_main!(benches);
