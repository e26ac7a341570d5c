//! Image-quality metrics on synthetic frames made by `support/fixtures.rs`.

#[path = "support/fixtures.rs"]
mod fixtures;

use fixtures::*;
use kyc_core::quality::{assess, cutoff, exposure, glare, laplacian_variance, sharpness};
use kyc_core::{
    normalize, Frame, LumaView, QualityIssue, QualityThresholds, RgbaView, Sides, ViewError,
};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const W: u32 = 640;
const H: u32 = 480;

#[test]
fn views_refuse_mismatched_buffers() {
    let pixels = [0u8; 12];
    assert_eq!(LumaView::new(0, 3, &pixels), Err(ViewError::Empty));
    assert_eq!(
        LumaView::new(5, 3, &pixels),
        Err(ViewError::LengthMismatch {
            expected: 15,
            actual: 12
        })
    );
    assert!(LumaView::new(4, 3, &pixels).is_ok());
    assert!(RgbaView::new(3, 1, &pixels).is_ok());
    assert!(RgbaView::new(4, 3, &pixels).is_err());
}

#[test]
fn normalize_keeps_aspect_and_mean_and_never_enlarges() {
    let frame = sharp_document(1280, 720);
    let small = normalize(&frame.view(), 640);
    assert_eq!((small.width(), small.height()), (640, 360));
    let mean_full =
        frame.pixels.iter().map(|p| f64::from(*p)).sum::<f64>() / frame.pixels.len() as f64;
    assert!(
        (small.mean() - mean_full).abs() < 0.05,
        "{} vs {mean_full}",
        small.mean()
    );
    let tiny = Gray::new(100, 50, 9);
    let same = normalize(&tiny.view(), 640);
    assert_eq!((same.width(), same.height()), (100, 50));
    // A non-integer factor (1000 -> 640) keeps the mean too.
    let odd = sharp_document(1000, 700);
    let n = normalize(&odd.view(), 640);
    assert_eq!((n.width(), n.height()), (640, 448));
    let mean_odd = odd.pixels.iter().map(|p| f64::from(*p)).sum::<f64>() / odd.pixels.len() as f64;
    assert!((n.mean() - mean_odd).abs() < 0.05);
}

#[test]
fn rgba_and_luma_views_agree() {
    let frame = sharp_document(W, H);
    let rgba = frame.to_rgba();
    let rgba_view = RgbaView::new(W, H, &rgba).unwrap();
    let t = QualityThresholds::default();
    let a = assess(&frame.view(), &t);
    let b = assess(&rgba_view, &t);
    assert!((a.sharpness.score - b.sharpness.score).abs() / a.sharpness.score < 1e-3);
    assert!((a.exposure.score - b.exposure.score).abs() < 0.01);
    assert_eq!(a.issues(), b.issues());
}

/// Sharpness falls monotonically along a Gaussian blur series.
#[test]
fn sharpness_falls_monotonically_along_blur_series() {
    let t = QualityThresholds::default();
    let sharp = sharp_document(W, H);
    let sigmas = [0.0, 0.5, 0.8, 1.0, 1.3, 1.6, 2.0, 2.5, 3.0, 4.0, 6.0];
    let scores: Vec<f64> = sigmas
        .iter()
        .map(|s| sharpness(&gaussian_blur(&sharp, *s).view(), &t).score)
        .collect();
    for (pair, sigma) in scores.windows(2).zip(&sigmas[1..]) {
        assert!(
            pair[1] < pair[0],
            "not falling at sigma {sigma}: {scores:?}"
        );
    }
}

/// One threshold holds across resolutions: the same scene and relative blur score alike at
/// 640x480, 960x720 and 1280x960 (the benchmarks cover 4032x3024).
#[test]
fn sharpness_verdict_holds_across_resolutions() {
    let t = QualityThresholds::default();
    for (w, h) in [(640u32, 480u32), (960, 720), (1280, 960)] {
        let sharp = sharp_document(w, h);
        let scale = f64::from(w) / 640.0;
        let crisp = sharpness(&sharp.view(), &t);
        assert!(crisp.passed(), "{w}x{h} sharp scored {}", crisp.score);
        let blurred = sharpness(&gaussian_blur(&sharp, 2.0 * scale).view(), &t);
        assert_eq!(
            blurred.issue,
            Some(QualityIssue::Blurry),
            "{w}x{h} blurred scored {}",
            blurred.score
        );
    }
}

#[test]
fn blurred_document_is_blurry_and_sharp_one_passes() {
    let t = QualityThresholds::default();
    let sharp = sharp_document(W, H);
    assert!(
        assess(&sharp.view(), &t).passed(),
        "{:?}",
        assess(&sharp.view(), &t)
    );
    let blurred = gaussian_blur(&sharp, 2.0);
    assert_eq!(
        assess(&blurred.view(), &t).issues(),
        vec![QualityIssue::Blurry]
    );
}

#[test]
fn laplacian_variance_matches_hand_computed_values() {
    // A single bright pixel in the middle of a 3x3 zero image: Laplacian is -4*v at the
    // centre; reflect-101 borders mirror the centre into each edge pixel twice (2v), corners get 0.
    let mut pixels = [0u8; 9];
    pixels[4] = 10;
    let view = LumaView::new(3, 3, &pixels).unwrap();
    let values = [0.0, 20.0, 0.0, 20.0, -40.0, 20.0, 0.0, 20.0, 0.0f64];
    let mean = values.iter().sum::<f64>() / 9.0;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 9.0;
    assert!(
        (laplacian_variance(&view) - var).abs() < 1e-9,
        "{}",
        laplacian_variance(&view)
    );
    let single = [7u8];
    assert_eq!(
        laplacian_variance(&LumaView::new(1, 1, &single).unwrap()),
        0.0
    );
}

#[test]
fn exposure_too_dark_and_too_bright() {
    let t = QualityThresholds::default();
    let sharp = sharp_document(W, H);
    let table = [
        (0.3, Some(QualityIssue::TooDark)),
        (1.0, None),
        (2.5, Some(QualityIssue::TooBright)),
    ];
    for (factor, expected) in table {
        let m = exposure(&scale_brightness(&sharp, factor).view(), &t);
        assert_eq!(m.issue, expected, "factor {factor}: mean {}", m.score);
    }
}

#[test]
fn a_dark_photo_is_told_dark_not_also_blurry() {
    let t = QualityThresholds::default();
    let sharp = sharp_document(W, H);
    let report = assess(&scale_brightness(&sharp, 0.05).view(), &t);
    // The squashed contrast does measure as blurry; the cause alone is reported.
    assert_eq!(report.sharpness.issue, Some(QualityIssue::Blurry));
    assert_eq!(report.issues(), [QualityIssue::TooDark]);
    // A blurry photo in good light is still blurry.
    let blurred = gaussian_blur(&sharp, 3.0);
    assert_eq!(assess(&blurred.view(), &t).issues(), [QualityIssue::Blurry]);
}

#[test]
fn glare_spot_is_found_and_specks_are_ignored() {
    let t = QualityThresholds::default();
    let sharp = sharp_document(W, H);
    let spot = glare(&with_glare(&sharp, 0.6, 0.4, 0.06).view(), &t);
    assert_eq!(
        spot.issue,
        Some(QualityIssue::Glare),
        "score {}",
        spot.score
    );
    assert!(spot.score > 0.01);
    // 2% of the frame clipped, but as single specks: the blob-size guard ignores them.
    let specks = with_specks(&sharp, 0.02, 3);
    let clipped =
        specks.pixels.iter().filter(|p| **p == 255).count() as f64 / specks.pixels.len() as f64;
    assert!(clipped > 0.01);
    let m = glare(&specks.view(), &t);
    assert_eq!((m.score, m.issue), (0.0, None));
    // A small highlight (below the share limit) is not glare.
    let small = glare(&with_glare(&sharp, 0.6, 0.4, 0.02).view(), &t);
    assert!(small.passed() && small.score > 0.0, "{small:?}");
}

/// `frame` with its table (the fixtures' 95..=99) made scanner white.
fn on_white(frame: &Gray) -> Gray {
    let mut out = frame.clone();
    for p in &mut out.pixels {
        if (95..=99).contains(p) {
            *p = 255;
        }
    }
    out
}

/// A white page filling the frame with lines of print: a letter or a bill, scanned.
fn white_page() -> Gray {
    let mut page = Gray::new(W, H, 255);
    for line in 0..20 {
        let y = 40 + i64::from(line) * 20;
        for word in 0..11 {
            let x = 40 + i64::from(word) * 48;
            page.fill(x, y, x + 36, y + 6, 25);
        }
    }
    page
}

#[test]
fn a_white_background_is_neither_glare_nor_overexposure() {
    let t = QualityThresholds::default();
    // A card on a scanner's glass, and a scanned page: the white reaches the frame's border.
    let scan = on_white(&sharp_document(W, H));
    let report = assess(&scan.view(), &t);
    assert_eq!(report.issues(), [], "{report:?}");
    // The card's own mean (print, photo box and its 225 ground), not the scanner's white.
    assert!(
        (150.0..215.0).contains(&report.exposure.score),
        "{report:?}"
    );
    let page = assess(&white_page().view(), &t);
    assert_eq!(page.issues(), [], "{page:?}");
    // A reflection on the card is still glare.
    let spot = assess(&with_glare(&scan, 0.6, 0.4, 0.06).view(), &t);
    assert_eq!(spot.issues(), [QualityIssue::Glare], "{spot:?}");
    // A frame with nothing but white is overexposed (the whole frame's mean).
    let blank = Gray::new(W, H, 255);
    assert_eq!(
        exposure(&blank.view(), &t).issue,
        Some(QualityIssue::TooBright)
    );
    // White print is not glare: bold white letters on a dark band, 4 px strokes.
    let mut band = sharp_document(W, H);
    band.fill(100, 100, 540, 160, 40);
    for letter in 0..10 {
        let x = 110 + letter * 42;
        band.fill(x, 110, x + 4, 150, 255);
        band.fill(x, 110, x + 30, 114, 255);
        band.fill(x + 26, 110, x + 30, 150, 255);
        band.fill(x, 128, x + 30, 132, 255);
    }
    let print = glare(&band.view(), &t);
    assert!(print.passed() && print.score == 0.0, "{print:?}");
}

#[test]
fn cut_off_names_the_sides_the_document_runs_off() {
    let t = QualityThresholds::default();
    assert!(cutoff(&sharp_document(W, H).view(), &t).passed());
    let table = [
        (
            (0.3, 0.15, 1.2, 0.85),
            Sides {
                right: true,
                ..Sides::default()
            },
        ),
        (
            (0.1, -0.3, 0.9, 0.8),
            Sides {
                top: true,
                ..Sides::default()
            },
        ),
        (
            (0.1, 0.2, 0.9, 1.3),
            Sides {
                bottom: true,
                ..Sides::default()
            },
        ),
    ];
    for (card, sides) in table {
        let frame = document_on_table(W, H, card, 11);
        let m = cutoff(&frame.view(), &t);
        assert_eq!(
            m.issue,
            Some(QualityIssue::CutOff { sides }),
            "{card:?}: {m:?}"
        );
    }
    let selfie = QualityThresholds::selfie();
    let frame = document_on_table(W, H, (0.3, 0.15, 1.2, 0.85), 11);
    assert_eq!(assess(&frame.view(), &selfie).cutoff, None);
}

#[test]
fn every_issue_has_a_specific_code_and_text() {
    let table = [
        (QualityIssue::Blurry, "blurry"),
        (QualityIssue::TooDark, "too_dark"),
        (QualityIssue::TooBright, "too_bright"),
        (QualityIssue::Glare, "glare"),
        (
            QualityIssue::CutOff {
                sides: Sides {
                    left: true,
                    ..Sides::default()
                },
            },
            "cut_off",
        ),
    ];
    for (issue, code) in table {
        assert_eq!(issue.code(), code);
        assert_eq!(issue.message_key(), code);
        assert!(!issue.describe().is_empty());
    }
    let sides = Sides {
        top: true,
        left: true,
        ..Sides::default()
    };
    assert_eq!(
        QualityIssue::CutOff { sides }.describe(),
        "the document touches the top, left edge of the frame"
    );
}

#[test]
fn degenerate_frames_do_not_panic() {
    let t = QualityThresholds::default();
    for (w, h) in [(1u32, 1u32), (1, 700), (3000, 1), (2, 2), (7, 9)] {
        let frame = Gray::new(w, h, 200);
        let report = assess(&frame.view(), &t);
        assert!(report.sharpness.score.is_finite() && report.exposure.score.is_finite());
        let _ = frame.view().width();
    }
}
