//! The document outline measured on a generated evaluation set (`support/scenes.rs`): detection
//! rate, corner error as a share of the document's diagonal, false detections on frames without
//! a document; guidance on placed cards; and the flattened crop against the card's content.

#[path = "support/scenes.rs"]
mod scenes;

use kyc_core::document_outline::{
    find_outline, flatten_luma, flatten_rgba, guide, DocumentShape, Guidance, GuidanceLimits,
    Outline, Point,
};
use kyc_core::{Frame, RgbaView};
use scenes::{card_content, render_card, H, W};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

/// The evaluation set. Native only: 216 generated frames take minutes in an unoptimized wasm
/// build; the guidance and crop tests below run on both.
#[cfg(not(target_arch = "wasm32"))]
mod accuracy {
    use kyc_core::document_outline::{find_outline, Outline, Point};
    use kyc_core::RgbaView;

    use crate::scenes::{scene, Background, Scene, H, W};

    /// Documents in the evaluation set (a third of each shape, a quarter on each background).
    const DOCUMENTS: u64 = 144;
    /// Frames without a document.
    const EMPTY: u64 = 72;
    /// A detection whose worst corner is further than this share of the diagonal is wrong.
    const CORRECT_WITHIN: f32 = 0.05;
    /// The least share of documents found within [`CORRECT_WITHIN`] (measured, less a margin).
    const FLOOR_DETECTED: f32 = 0.82;
    /// The most documents found at a wrong place.
    const FLOOR_WRONG: usize = 4;

    /// The worst corner's distance, as a share of the diagonal, under the best matching of the
    /// detected corners to the true ones (either direction, any starting corner).
    fn corner_error(found: &[Point; 4], truth: &[Point; 4]) -> f32 {
        let diagonal = (truth[0].distance(truth[2]) + truth[1].distance(truth[3])) / 2.0;
        let mut best = f32::MAX;
        for reverse in [false, true] {
            for shift in 0..4 {
                let worst = (0..4)
                    .map(|i| {
                        let j = if reverse {
                            (shift + 4 - i) % 4
                        } else {
                            (shift + i) % 4
                        };
                        found[j].distance(truth[i])
                    })
                    .fold(0.0f32, f32::max);
                best = best.min(worst);
            }
        }
        best / diagonal
    }

    fn percentile(sorted: &[f32], p: f32) -> f32 {
        if sorted.is_empty() {
            return f32::NAN;
        }
        let i = ((sorted.len() - 1) as f32 * p).round() as usize;
        sorted[i]
    }

    fn detect(scene: &Scene) -> Option<Outline> {
        find_outline(&RgbaView::new(W as u32, H as u32, &scene.rgba).unwrap())
    }

    /// The set's documents (their pixels dropped) with the outline found in each: rendered and
    /// detected once for the tests that use them.
    pub(crate) fn documents() -> &'static [(Scene, Option<Outline>)] {
        static FOUND: std::sync::OnceLock<Vec<(Scene, Option<Outline>)>> =
            std::sync::OnceLock::new();
        FOUND.get_or_init(|| {
            (0..DOCUMENTS)
                .map(|index| {
                    let scene = scene(index, false);
                    let found = detect(&scene);
                    let rgba = Vec::new();
                    (Scene { rgba, ..scene }, found)
                })
                .collect()
        })
    }

    #[derive(Default)]
    struct Tally {
        frames: usize,
        correct: usize,
        wrong: usize,
        errors: Vec<f32>,
    }

    impl Tally {
        fn add(&mut self, error: Option<f32>) {
            self.frames += 1;
            if let Some(e) = error {
                self.errors.push(e);
                if e <= CORRECT_WITHIN {
                    self.correct += 1;
                } else {
                    self.wrong += 1;
                }
            }
        }

        fn row(&mut self, name: &str) -> String {
            self.errors.sort_by(f32::total_cmp);
            let found: Vec<f32> = self
                .errors
                .iter()
                .copied()
                .filter(|e| *e <= CORRECT_WITHIN)
                .collect();
            format!(
                "{name:<16} {:>6} {:>9.1}% {:>7} {:>9.2}% {:>9.2}% {:>11.2}%",
                self.frames,
                100.0 * self.correct as f32 / self.frames as f32,
                self.wrong,
                100.0 * percentile(&self.errors, 0.5),
                100.0 * percentile(&self.errors, 0.95),
                100.0 * percentile(&found, 0.95),
            )
        }
    }

    #[test]
    fn accuracy_on_the_generated_set() {
        let mut all = Tally::default();
        let mut by_background: Vec<Tally> =
            Background::ALL.iter().map(|_| Tally::default()).collect();
        let mut by_shape: Vec<Tally> = (0..3).map(|_| Tally::default()).collect();
        let mut troubled: Vec<Tally> = (0..5).map(|_| Tally::default()).collect();
        for (index, (scene, found)) in (0..DOCUMENTS).zip(documents()) {
            let truth = scene.corners.unwrap();
            let error = found.map(|o| corner_error(&o.corners, &truth));
            all.add(error);
            let b = Background::ALL
                .iter()
                .position(|b| *b == scene.background)
                .unwrap();
            by_background[b].add(error);
            by_shape[index as usize % 3].add(error);
            let t = scene.trouble;
            for (k, on) in [t.finger, t.glare, t.blur > 0, t.noise > 1.0, t.low_light]
                .into_iter()
                .enumerate()
            {
                if on {
                    troubled[k].add(error);
                }
            }
        }
        let mut false_detections = 0;
        for index in 0..EMPTY {
            if detect(&scene(index, true)).is_some() {
                false_detections += 1;
            }
        }
        let false_rate = false_detections as f32 / EMPTY as f32;
        println!(
            "\ndocument outline, generated set ({DOCUMENTS} documents, {EMPTY} empty frames, {W}x{H})"
        );
        println!(
            "{:<16} {:>6} {:>10} {:>7} {:>10} {:>10} {:>12}",
            "subset", "frames", "detected", "wrong", "err p50", "err p95", "p95 if right"
        );
        println!("{}", all.row("all"));
        for (tally, b) in by_background.iter_mut().zip(Background::ALL) {
            println!("{}", tally.row(b.name()));
        }
        for (tally, name) in by_shape.iter_mut().zip(["ID-1", "TD3", "A4"]) {
            println!("{}", tally.row(name));
        }
        for (tally, name) in
            troubled
                .iter_mut()
                .zip(["finger", "glare", "blur", "noise", "low light"])
        {
            println!("{}", tally.row(name));
        }
        println!(
            "false detections on empty frames: {false_detections}/{EMPTY} ({:.1}%)",
            100.0 * false_rate
        );
        let detection = all.correct as f32 / all.frames as f32;
        let p50 = percentile(&all.errors, 0.5);
        // Floors actually reached on this set (measured: 83.3 % found, 4 wrong, p50 0.05 %,
        // p95 0.47 % over all detections and 0.39 % over right ones, 0/72 false): the goal
        // (corner error p95 <= 2 % of the diagonal over all detections) is met.
        assert!(detection >= FLOOR_DETECTED, "detection rate {detection}");
        assert!(all.wrong <= FLOOR_WRONG, "wrong detections {}", all.wrong);
        assert!(p50 <= 0.005, "corner error p50 {p50}");
        let p95 = percentile(&all.errors, 0.95);
        assert!(p95 <= 0.02, "corner error p95 {p95}");
        let right: Vec<f32> = all
            .errors
            .iter()
            .copied()
            .filter(|e| *e <= CORRECT_WITHIN)
            .collect();
        let p95_right = percentile(&right, 0.95);
        assert!(
            p95_right <= 0.01,
            "corner error p95 of right detections {p95_right}"
        );
        assert!(false_rate <= 0.02, "false detections {false_rate}");
    }
}

#[test]
fn guidance_follows_the_cards_placement() {
    let limits = GuidanceLimits::default();
    let card = |x0: f32, y0: f32, x1: f32, y1: f32| Outline {
        corners: [
            Point::new(x0, y0),
            Point::new(x1, y0),
            Point::new(x1, y1),
            Point::new(x0, y1),
        ],
        confidence: 1.0,
        bow: 0.0,
    };
    let ready = card(100.0, 100.0, 540.0, 380.0);
    assert_eq!(guide(Some(&ready), 640, 480, &limits), Guidance::Ready);
    assert_eq!(guide(None, 640, 480, &limits), Guidance::NotFound);
    assert_eq!(
        guide(Some(&card(250.0, 200.0, 390.0, 290.0)), 640, 480, &limits),
        Guidance::TooFar
    );
    assert_eq!(
        guide(Some(&card(-40.0, -30.0, 700.0, 500.0)), 640, 480, &limits),
        Guidance::TooClose
    );
    assert_eq!(
        guide(Some(&card(400.0, 100.0, 700.0, 300.0)), 640, 480, &limits),
        Guidance::PartlyOutside
    );
    let mut keystone = ready;
    keystone.corners[0].x += 60.0;
    keystone.corners[1].x -= 60.0;
    assert_eq!(guide(Some(&keystone), 640, 480, &limits), Guidance::Tilted);
    let bent = Outline { bow: 0.02, ..ready };
    assert_eq!(guide(Some(&bent), 640, 480, &limits), Guidance::NotFlat);
    // A bent document is told to lie flat before the tilt (a bent one is not cropped).
    let bent_and_tilted = Outline {
        bow: 0.02,
        ..keystone
    };
    assert_eq!(
        guide(Some(&bent_and_tilted), 640, 480, &limits),
        Guidance::NotFlat
    );
    let codes = Guidance::ALL.map(Guidance::code);
    assert_eq!(
        codes,
        [
            "not_found",
            "too_close",
            "partly_outside",
            "too_far",
            "not_flat",
            "tilted",
            "ready"
        ]
    );
}

/// Mean absolute difference per channel between two RGBA images of the same size.
fn mean_abs_error(a: &[u8], b: &[u8]) -> f32 {
    let mut sum = 0u64;
    let mut n = 0u64;
    for (pa, pb) in a.chunks_exact(4).zip(b.chunks_exact(4)) {
        for ch in 0..3 {
            sum += u64::from(pa[ch].abs_diff(pb[ch]));
            n += 1;
        }
    }
    sum as f32 / n as f32
}

#[test]
fn the_flattened_crop_matches_the_cards_content() {
    let (cw, ch) = (428usize, 270usize);
    let content = card_content(cw, ch);
    let corners = [
        Point::new(95.0, 70.0),
        Point::new(560.0, 95.0),
        Point::new(585.0, 400.0),
        Point::new(70.0, 380.0),
    ];
    let frame = render_card(&content, cw, ch, &corners);
    let view = RgbaView::new(W as u32, H as u32, &frame).unwrap();
    let crop = flatten_rgba(&view, &corners, DocumentShape::Id1, cw as u32).unwrap();
    assert_eq!((crop.width as usize, crop.height as usize), (cw, ch));
    let with_truth = mean_abs_error(&crop.pixels, &content);
    let outline = find_outline(&view).expect("the card is found");
    let found = flatten_rgba(&view, &outline.corners, DocumentShape::Id1, cw as u32).unwrap();
    let with_detection = mean_abs_error(&found.pixels, &content);
    println!(
        "crop mean abs error: true corners {with_truth:.2}, detected corners {with_detection:.2}"
    );
    assert!(with_truth < 2.5, "true corners: {with_truth}");
    assert!(with_detection < 2.5, "detected corners: {with_detection}");
    // A wrong quadrilateral gives a clearly worse crop: the bound above can fail.
    let mut shifted = corners;
    for p in &mut shifted {
        p.x += 8.0;
    }
    let off = flatten_rgba(&view, &shifted, DocumentShape::Id1, cw as u32).unwrap();
    assert!(mean_abs_error(&off.pixels, &content) > 3.0 * with_truth);
}

/// Guidance from the outline actually found in rendered frames. A corner past the frame's edge
/// is found by extending the sides still in view; a card with a whole side outside the frame is
/// not found at all (three sides are no outline), so it reads as not found.
#[test]
fn guidance_from_detected_cards() {
    let (cw, ch) = (428usize, 270usize);
    let content = card_content(cw, ch);
    let limits = GuidanceLimits::default();
    let quad = |c: [(f32, f32); 4]| c.map(|(x, y)| Point::new(x, y));
    let cases = [
        (
            quad([(110.0, 90.0), (530.0, 95.0), (535.0, 360.0), (105.0, 355.0)]),
            Guidance::Ready,
        ),
        (
            quad([
                (215.0, 170.0),
                (425.0, 172.0),
                (427.0, 305.0),
                (213.0, 303.0),
            ]),
            Guidance::TooFar,
        ),
        (
            quad([(150.0, 80.0), (665.0, 60.0), (600.0, 400.0), (120.0, 390.0)]),
            Guidance::PartlyOutside,
        ),
        (
            quad([(190.0, 90.0), (450.0, 90.0), (600.0, 400.0), (40.0, 400.0)]),
            Guidance::Tilted,
        ),
    ];
    for (corners, expected) in cases {
        let frame = render_card(&content, cw, ch, &corners);
        let outline = find_outline(&RgbaView::new(W as u32, H as u32, &frame).unwrap());
        assert_eq!(
            guide(outline.as_ref(), W as u32, H as u32, &limits),
            expected,
            "{corners:?}: {outline:?}"
        );
    }
    let desk = render_card(
        &content,
        cw,
        ch,
        &quad([(-9.0, -9.0), (-8.0, -9.0), (-8.0, -8.0), (-9.0, -8.0)]),
    );
    let nothing = find_outline(&RgbaView::new(W as u32, H as u32, &desk).unwrap());
    assert_eq!(
        guide(nothing.as_ref(), W as u32, H as u32, &limits),
        Guidance::NotFound
    );
}

/// The crop interpolates its source positions between exact projections a few pixels apart:
/// under a perspective stronger than guidance lets through, no pixel is more than one level off
/// the crop sampled at the exact projection of every pixel.
#[test]
fn the_flattened_crop_follows_the_exact_projection() {
    let (w, h) = (640usize, 480usize);
    // Triangle waves of 8 levels per pixel (no jumps, so a sample half a pixel off is four
    // levels off).
    let wave = |v: usize| {
        let t = v * 8 % 510;
        (if t > 255 { 510 - t } else { t }) as u8
    };
    let frame: Vec<u8> = (0..w * h)
        .flat_map(|i| {
            let (x, y) = (i % w, i / w);
            [wave(x), wave(y), wave(x + y), 255]
        })
        .collect();
    let view = RgbaView::new(w as u32, h as u32, &frame).unwrap();
    // The left side 55 % of the right one, the top tilted: the perspective runs along the
    // crop's rows, where the positions are interpolated.
    let corners = [
        Point::new(60.0, 150.0),
        Point::new(600.0, 30.0),
        Point::new(590.0, 450.0),
        Point::new(70.0, 370.0),
    ];
    let crop = flatten_rgba(&view, &corners, DocumentShape::Id1, 600).unwrap();
    let (cw, ch) = (crop.width as usize, crop.height as usize);
    let rect = [
        Point::new(0.0, 0.0),
        Point::new(cw as f32, 0.0),
        Point::new(cw as f32, ch as f32),
        Point::new(0.0, ch as f32),
    ];
    let map = kyc_core::document_outline::Homography::from_points(&rect, &corners).unwrap();
    let mut worst = 0f32;
    for oy in 0..ch {
        for ox in 0..cw {
            let p = map.apply(Point::new(ox as f32 + 0.5, oy as f32 + 0.5));
            let x = (p.x - 0.5).clamp(0.0, (w - 1) as f32);
            let y = (p.y - 0.5).clamp(0.0, (h - 1) as f32);
            let (x0, y0) = (x.floor() as usize, y.floor() as usize);
            let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
            let (ax, ay) = (x - x0 as f32, y - y0 as f32);
            for c in 0..3 {
                let at = |x: usize, y: usize| f32::from(frame[(y * w + x) * 4 + c]);
                let top = at(x0, y0) * (1.0 - ax) + at(x1, y0) * ax;
                let bottom = at(x0, y1) * (1.0 - ax) + at(x1, y1) * ax;
                let exact = top * (1.0 - ay) + bottom * ay;
                let got = f32::from(crop.pixels[(oy * cw + ox) * 4 + c]);
                worst = worst.max((got - exact).abs());
            }
        }
    }
    println!("worst crop pixel: {worst:.2} levels off the exact projection");
    assert!(
        worst <= 1.0,
        "a crop pixel is {worst} levels off the exact projection"
    );
    // The luma-only crop (what the live checks measure) samples the same positions: each
    // pixel within a level of the luma of the colour crop's (half a level of rounding on
    // either side).
    let luma = flatten_luma(&view, &corners, DocumentShape::Id1, 600).unwrap();
    assert_eq!((luma.width(), luma.height()), (crop.width, crop.height));
    let mut worst_luma = 0f32;
    for (y, p) in luma.pixels().iter().zip(crop.pixels.chunks_exact(4)) {
        let exact = 0.299 * f32::from(p[0]) + 0.587 * f32::from(p[1]) + 0.114 * f32::from(p[2]);
        worst_luma = worst_luma.max((y - exact).abs());
    }
    println!("worst luma crop pixel: {worst_luma:.2} levels off the colour crop's luma");
    assert!(
        worst_luma <= 1.0,
        "a luma crop pixel is {worst_luma} levels off the colour crop's luma"
    );
}

/// Bent documents read "not flat"; flat ones do not. Native only, as the evaluation set.
///
/// A bent document's sides are found less often than a flat one's: a side bowed by more than
/// a couple of pixels is no longer backed along the straight line the detector checks, so many
/// strongly bent pages are not found at all (and read "not found", which does not let the
/// capture fire either). The figures are printed.
#[cfg(not(target_arch = "wasm32"))]
mod flatness {
    use kyc_core::document_outline::{find_outline, guide, Guidance, GuidanceLimits, Outline};
    use kyc_core::RgbaView;

    use crate::scenes::{bent_scene, Scene, H, W};

    /// Bent documents generated (a quarter on each background, a third of each shape).
    const BENT: u64 = 48;
    /// The least share of bent documents found that read "not flat" (measured, less a margin).
    const FLOOR_FLAGGED: f32 = 0.85;
    /// The most share of flat documents found that read "not flat".
    const MOST_FALSELY_FLAGGED: f32 = 0.02;
    /// Bows of the bent set below this are "slight" in the table.
    const SLIGHT: f32 = 0.025;

    fn detect(scene: &Scene) -> Option<Outline> {
        find_outline(&RgbaView::new(W as u32, H as u32, &scene.rgba).unwrap())
    }

    /// What one bent scene gave.
    struct Bent {
        /// Bowed by less than [`SLIGHT`].
        slight: bool,
        found: bool,
        /// Found with a bow above the limit.
        flagged: bool,
        /// Read "ready" or "tilted": auto-capture could fire, the crop be taken.
        unblocked: bool,
        not_flat: bool,
    }

    fn share(part: usize, whole: usize) -> f32 {
        part as f32 / whole.max(1) as f32
    }

    #[test]
    fn bent_documents_read_not_flat() {
        let limits = GuidanceLimits::default();
        let mut bent = Vec::new();
        let mut errors = Vec::new();
        for index in 0..BENT {
            let s = bent_scene(index);
            let truth = s.bend.unwrap().bow();
            let o = detect(&s);
            let g = guide(o.as_ref(), W as u32, H as u32, &limits);
            if let Some(o) = &o {
                errors.push(o.bow - truth);
            }
            bent.push(Bent {
                slight: truth < SLIGHT,
                found: o.is_some(),
                flagged: o.is_some_and(|o| o.bow > limits.max_bow),
                unblocked: matches!(g, Guidance::Ready | Guidance::Tilted),
                not_flat: g == Guidance::NotFlat,
            });
        }
        let (mut flat_found, mut flat_flagged, mut flat_most) = (0, 0, 0f32);
        // The evaluation set's documents, shared with its accuracy test.
        let flat = crate::accuracy::documents();
        for o in flat.iter().filter_map(|(_, found)| found.as_ref()) {
            flat_found += 1;
            flat_flagged += usize::from(o.bow > limits.max_bow);
            flat_most = flat_most.max(o.bow);
        }
        let count = |f: fn(&Bent) -> bool| bent.iter().filter(|b| f(b)).count();
        let found = count(|b| b.found);
        let flagged = count(|b| b.flagged);
        let unblocked = count(|b| b.unblocked);
        let not_flat = count(|b| b.not_flat);
        let slight = count(|b| b.slight);
        let slight_found = count(|b| b.slight && b.found);
        errors.sort_by(f32::total_cmp);
        println!(
            "\nnot flat (limit: bow > {:.1} % of a side)\n\
             bent documents ({BENT}, bow 1.2 to 5 %): found {found} ({:.1} %; {slight_found}/{slight} \
             below {:.1} %, {}/{} above), not flat among found {flagged}/{found} ({:.1} %), \
             guidance not_flat {not_flat}/{BENT}, ready or tilted {unblocked}/{found}; \
             measured less true bow: median {:+.2} %, range {:+.2} to {:+.2} %\n\
             flat documents of the evaluation set: found {flat_found}/{}, not flat among \
             found {flat_flagged} ({:.1} %), largest bow {:.2} %",
            100.0 * limits.max_bow,
            100.0 * share(found, BENT as usize),
            100.0 * SLIGHT,
            found - slight_found,
            BENT as usize - slight,
            100.0 * share(flagged, found),
            100.0 * errors[errors.len() / 2],
            100.0 * errors[0],
            100.0 * errors[errors.len() - 1],
            flat.len(),
            100.0 * share(flat_flagged, flat_found),
            100.0 * flat_most,
        );
        // Measured: 29/48 bent documents found (18/25 bowed by less than 2.5 %, 11/23 by more),
        // 26/29 of them not flat, none ready or tilted; none of the 124 flat documents found
        // not flat, the largest bow 0.32 %.
        assert!(
            share(flagged, found) >= FLOOR_FLAGGED,
            "bent documents flagged {flagged}/{found}"
        );
        assert_eq!(unblocked, 0, "bent documents read ready or tilted");
        assert!(
            share(flat_flagged, flat_found) <= MOST_FALSELY_FLAGGED,
            "flat documents flagged {flat_flagged}/{flat_found}"
        );
    }
}
