//! Writes the sharpness comparison set for `scripts/opencv_compare.py`: synthetic frames as
//! binary PGM files and `scores.tsv` with kyc-core's Laplacian variance of each.
//!
//! ```text
//! cargo run -p kyc-core --example write_sharpness_fixtures -- DIR
//! python3 scripts/opencv_compare.py DIR
//! ```
//!
//! The frames are at most 640 px on the long edge, so [`kyc_core::sharpness`]'s normalized
//! downscale is the identity and its score is directly comparable with OpenCV's
//! `cv2.Laplacian(img, cv2.CV_64F).var()` on the same file.

#[path = "../tests/support/fixtures.rs"]
mod fixtures;

use std::io::Write;
use std::path::PathBuf;

use fixtures::*;
use kyc_core::quality::{laplacian_variance, sharpness};
use kyc_core::QualityThresholds;

fn main() -> std::io::Result<()> {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| {
        eprintln!("usage: write_sharpness_fixtures DIR");
        std::process::exit(2)
    }));
    std::fs::create_dir_all(&dir)?;
    let thresholds = QualityThresholds::default();
    let mut frames: Vec<(String, Gray)> = Vec::new();
    let document = sharp_document(640, 480);
    for sigma in [0.0, 0.5, 0.8, 1.0, 1.5, 2.0, 3.0, 4.5] {
        frames.push((
            format!("document_blur_{sigma:.1}"),
            gaussian_blur(&document, sigma),
        ));
    }
    let shifted = document_on_table(600, 400, (0.05, 0.1, 0.7, 0.9), 21);
    for sigma in [0.0, 1.2, 2.5] {
        frames.push((
            format!("shifted_blur_{sigma:.1}"),
            gaussian_blur(&shifted, sigma),
        ));
    }
    frames.push((
        "document_dark".into(),
        scale_brightness(&gaussian_blur(&document, 0.7), 0.3),
    ));
    frames.push((
        "document_glare".into(),
        with_glare(&gaussian_blur(&document, 1.8), 0.6, 0.4, 0.06),
    ));
    frames.push((
        "portrait_sharp".into(),
        document_on_table(360, 640, (0.1, 0.2, 0.9, 0.7), 5),
    ));
    let mut table = std::fs::File::create(dir.join("scores.tsv"))?;
    writeln!(table, "name\tlaplacian_variance")?;
    for (name, frame) in &frames {
        std::fs::write(dir.join(format!("{name}.pgm")), frame.to_pgm())?;
        let score = laplacian_variance(&frame.view());
        // The normalized score is the same number for frames this small.
        let normalized = sharpness(&frame.view(), &thresholds).score;
        assert!(
            (score - normalized).abs() <= 1e-9 * score.max(1.0),
            "{name}"
        );
        writeln!(table, "{name}\t{score:.6}")?;
    }
    println!(
        "wrote {} frames and scores.tsv to {}",
        frames.len(),
        dir.display()
    );
    Ok(())
}
