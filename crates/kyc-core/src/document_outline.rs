//! Where the document is in a frame: its outline (four corners and a confidence), what the user
//! must do to frame it well ([`Guidance`]), and a perspective-corrected crop at the document's
//! real aspect ratio ([`flatten_rgba`], or its luma alone: [`flatten_luma`]).
//!
//! # How the outline is found, and why this way
//!
//! A document is a convex quadrilateral whose four sides are long straight edges, each with one
//! polarity along its whole length (card lighter than the desk, or darker), even when the card's
//! colour is close to the desk's. The detector looks for exactly that:
//!
//! 1. the frame is downscaled by area averaging to [`DETECT_LONG_EDGE`] pixels (which also
//!    averages away sensor noise and fine textures), and its Sobel gradient is computed;
//! 2. thin edge pixels (non-maximum suppression along the gradient, as in Canny) vote in a Hough
//!    accumulator over a whole turn of angles, each only for the angles within a few degrees of
//!    its own signed gradient direction: a side (one polarity) gathers its votes in one cell,
//!    wood grain or a weave (alternating polarity) splits them, and voting costs a handful of
//!    additions per edge pixel;
//! 3. the strongest distinct lines (a bounded number of them near-parallel, so a page of text
//!    lines cannot crowd out the other sides) are combined four at a time into convex
//!    quadrilaterals of plausible shape, and each candidate is scored by how much of its
//!    perimeter is backed by a gradient across the side, of one polarity per side (a finger over
//!    part of a side costs only that part), less the edge that carries on past its corners (a
//!    document's sides end at its corners; an inner edge such as a card's coloured header or its
//!    photo leaves the real sides running on). Candidates that cannot beat the best are skipped,
//!    and a fixed budget bounds the work on cluttered frames;
//! 4. a side is moved outward onto a parallel line when both neighbouring sides carry on up to
//!    it, then each side is refined to sub-pixel accuracy by fitting a line to the gradient peak
//!    found across it at many points; the corners are the refined lines' intersections, so a
//!    corner hidden by a finger or blurred away is still placed;
//! 5. a doubtful quadrilateral is rejected rather than returned (a wrong outline crops the wrong
//!    region): a side with a long unbacked stretch next to a corner (it runs on past the
//!    document) is not combined at all; the outline is dropped when both neighbours of a side
//!    carry on, backed, past its corners (the side is an inner edge). When the colour just
//!    outside one side differs from that outside the others, the side is the inner edge of a
//!    coloured band (a card's header) whose outer edge has too little contrast in luma to be
//!    found: it is moved outward to where the band's colour ends, or the outline is dropped.
//!    It is dropped too when the colour just outside it differs from that along the frame's
//!    edge (the desk): an inner rectangle such as the card's photo, on a desk too close to the
//!    card in luma for the card's own edges to show.
//!    Colour is read from the frame at a few hundred points only, through [`Frame::rgb`].
//! 6. how far the found sides bow ([`Outline::bow`], a bent page): the edge is located across
//!    each side at a few points near its ends and about its middle (60 points in all), and the
//!    middle's departure from the line through the ends is measured. Perspective keeps a flat
//!    document's edges straight, so a consistent bow of two opposite sides is a bend.
//!
//! Measured on a generated set (`tests/document_outline.rs`) and against OpenCV's classic
//! pipeline (`scripts/opencv_outline_compare.py`).
//!
//! Contour following (Canny + `findContours` + `approxPolyDP`) needs a closed contour, which a
//! finger, a glare spot or a low-contrast desk breaks; line support does not.
//!
//! Everything is plain arithmetic over a few buffers allocated once per call (gradient,
//! accumulator): no allocation per pixel.

use serde::{Deserialize, Serialize};

use crate::frame::{normalize, Frame, LumaImage, RgbaImage, RgbaView};

/// The long edge, in pixels, the detector works at.
pub const DETECT_LONG_EDGE: u32 = 400;

/// Lines kept from the Hough accumulator for combination into quadrilaterals.
const MAX_LINES: usize = 32;
/// At most this many of them within 15 degrees of one another: text lines must not crowd out
/// the document's other sides.
const MAX_PARALLEL: usize = 14;
/// The most quadrilaterals whose sides are measured in one frame: bounds the time on cluttered
/// frames. Lines come strongest first, so the likeliest candidates are measured first.
const SEARCH_BUDGET: u32 = 800;
/// Angle bins over a whole turn (one degree each): the gradient's sign is kept, so a side (one
/// polarity) gathers its votes in one cell while wood grain or a weave (alternating polarity)
/// splits them.
const ANGLE_BINS: usize = 360;
/// Angle bins each edge pixel votes in on either side of its gradient direction: wide enough
/// for the direction error of a 3x3 gradient on a stair-stepped edge.
const VOTE_SPREAD: isize = 6;
/// A side's gradient must lie within this angle of the side's normal (cosine of 25 degrees).
const NORMAL_COS: f32 = 0.906;
/// The least confidence at which an outline is reported.
pub const MIN_CONFIDENCE: f32 = 0.7;
/// Every side must be backed along at least this share of its length.
const MIN_SIDE_SUPPORT: f32 = 0.2;
/// A side may lack backing over at most this share of its length next to a corner: a longer
/// unbacked end is a line running on past the document (a grain line, the next side of a
/// larger quadrilateral), where a finger or a glare spot over the side leaves a gap between
/// backed stretches.
const MAX_END_GAP: f32 = 0.17;
/// The most backing (a share of [`EXTENSION_SHARE`]) both neighbours of a side may have past
/// its corners: more, and the side is an inner edge of the document.
const MAX_RUN_ON: f32 = 0.6;
/// The most the chromaticity just outside one side may differ from that outside the others.
/// Shading, low light and a finger over part of a side stay well below it (0.04 at most on
/// the generated set); a card's coloured header outside an inner edge taken for a side lies
/// above it (0.065 and more).
const MAX_CHROMA_STEP: f32 = 0.05;
/// Points along the frame's edge sampled by [`surroundings_match`].
const EDGE_POINTS: usize = 200;
/// The most the chromaticity just outside the outline may differ from that along the frame's
/// edge. Right outlines on the generated set stay at 0.016 or below (shading, a finger, a glare
/// spot); a card's photo taken for the card lies at 0.022 and above.
const MAX_SURROUNDING_STEP: f32 = 0.02;
/// How far [`across_colour_band`] looks for a band's outer edge, in hundredths of the
/// neighbouring sides' length (a card's header is a sixth of the rest of the card).
const BAND_STEPS: u32 = 35;
/// The stretch past each corner examined by [`overshoot`], as a share of the side.
const EXTENSION_SHARE: f32 = 0.15;

/// A point in frame pixels (x to the right, y down; pixel centres at `i + 0.5`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// Horizontal position.
    pub x: f32,
    /// Vertical position.
    pub y: f32,
}

impl Point {
    /// A point.
    #[must_use]
    pub const fn new(x: f32, y: f32) -> Point {
        Point { x, y }
    }

    /// The distance to `other`.
    #[must_use]
    pub fn distance(self, other: Point) -> f32 {
        ((self.x - other.x).powi(2) + (self.y - other.y).powi(2)).sqrt()
    }
}

/// The kinds of document, each with its real size.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentShape {
    /// ID-1 cards (identity cards, driving licences): 85.60 x 53.98 mm.
    Id1,
    /// A TD3 passport data page: 125 x 88 mm.
    Td3,
    /// An A4 sheet (proof of address): 210 x 297 mm.
    A4,
}

impl DocumentShape {
    /// The long and short side, in millimetres.
    #[must_use]
    pub fn size_mm(self) -> (f32, f32) {
        match self {
            DocumentShape::Id1 => (85.60, 53.98),
            DocumentShape::Td3 => (125.0, 88.0),
            DocumentShape::A4 => (297.0, 210.0),
        }
    }

    /// The long side divided by the short side.
    ///
    /// # Examples
    /// ```
    /// use kyc_core::document_outline::DocumentShape;
    /// assert!((DocumentShape::Id1.aspect() - 1.586).abs() < 0.001);
    /// ```
    #[must_use]
    pub fn aspect(self) -> f32 {
        let (long, short) = self.size_mm();
        long / short
    }

    /// The stable machine code.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            DocumentShape::Id1 => "id1",
            DocumentShape::Td3 => "td3",
            DocumentShape::A4 => "a4",
        }
    }

    /// The shape a code names; `None` for anything else.
    ///
    /// # Examples
    /// ```
    /// use kyc_core::document_outline::DocumentShape;
    /// assert_eq!(DocumentShape::from_code("td3"), Some(DocumentShape::Td3));
    /// assert_eq!(DocumentShape::from_code("td1"), None);
    /// ```
    #[must_use]
    pub fn from_code(code: &str) -> Option<DocumentShape> {
        [DocumentShape::Id1, DocumentShape::Td3, DocumentShape::A4]
            .into_iter()
            .find(|shape| shape.code() == code)
    }
}

/// A document's outline in a frame.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Outline {
    /// The corners in frame pixels, clockwise on screen, starting with the one nearest the
    /// frame's top-left corner. They may lie outside the frame when the document does.
    pub corners: [Point; 4],
    /// How well the four sides are backed by edges in the frame, 0.0..=1.0: the share of the
    /// perimeter with a one-polarity gradient across it.
    pub confidence: f32,
    /// How far the document's edges bow away from the straight sides, as a share of a side's
    /// length: the sagitta (the gap between the edge at its middle and the chord through its
    /// ends) of the less bowed of two opposite sides, for the pair that bows more. A bent page
    /// bows a pair of opposite sides, a flat one none (under any perspective straight edges stay
    /// straight). 0.0 when it cannot be told (too few clear edge points on a side).
    #[serde(default)]
    pub bow: f32,
}

impl Outline {
    /// The area enclosed, in square pixels.
    #[must_use]
    pub fn area(&self) -> f32 {
        polygon_area(&self.corners).abs()
    }

    /// The mean length of the sides `0-1` and `2-3` (the "width") and `1-2` and `3-0` (the
    /// "height"), in pixels.
    #[must_use]
    pub fn side_lengths(&self) -> (f32, f32) {
        let c = &self.corners;
        (
            (c[0].distance(c[1]) + c[2].distance(c[3])) / 2.0,
            (c[1].distance(c[2]) + c[3].distance(c[0])) / 2.0,
        )
    }
}

/// What the user must do to frame the document well. Each has a stable [`code`](Self::code),
/// also its message key. Checked in this order; the first that applies is given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Guidance {
    /// No document outline was found.
    NotFound,
    /// The document runs off the frame and fills most of it: move the phone back.
    TooClose,
    /// Part of the document is outside the frame (or touches its edge): centre it. Given when
    /// a corner lies outside; a document with a whole side outside is not found at all.
    PartlyOutside,
    /// The document fills too little of the frame: move closer.
    TooFar,
    /// The document is bent (its sides bow, [`Outline::bow`]): hold it flat. Checked once the
    /// whole document is in the frame and large enough for the bow to be measured, and before
    /// [`Tilted`](Self::Tilted): a tilted outline is still cropped (the perspective correction
    /// straightens it), a bent one is not, and a bend skews the corners' angles too.
    NotFlat,
    /// The perspective is too strong: hold the phone parallel to the document.
    Tilted,
    /// Well framed.
    Ready,
}

impl Guidance {
    /// Every guidance, in the order [`guide`] checks them.
    pub const ALL: [Guidance; 7] = [
        Guidance::NotFound,
        Guidance::TooClose,
        Guidance::PartlyOutside,
        Guidance::TooFar,
        Guidance::NotFlat,
        Guidance::Tilted,
        Guidance::Ready,
    ];

    /// The stable machine code.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Guidance::NotFound => "not_found",
            Guidance::TooClose => "too_close",
            Guidance::PartlyOutside => "partly_outside",
            Guidance::TooFar => "too_far",
            Guidance::NotFlat => "not_flat",
            Guidance::Tilted => "tilted",
            Guidance::Ready => "ready",
        }
    }
}

/// The limits [`guide`] applies.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct GuidanceLimits {
    /// Corners closer than this share of the frame's short edge to the frame's edge count as
    /// outside (no margin left).
    pub edge_margin_share: f32,
    /// Below this share of the frame's area the document is too far.
    pub min_area_share: f32,
    /// A document running off the frame while covering more than this share is too close.
    pub too_close_area_share: f32,
    /// The least ratio of opposite sides' lengths (1.0 is no perspective).
    pub min_side_ratio: f32,
    /// The greatest departure of a corner's angle from 90 degrees, in degrees.
    pub max_corner_skew_degrees: f32,
    /// The greatest [`Outline::bow`] of a flat document.
    #[serde(default = "default_max_bow")]
    pub max_bow: f32,
}

/// The default [`GuidanceLimits::max_bow`], 1 % of a side. Flat documents of the generated set
/// stay below a third of it (0.32 % at most, a finger or a glare spot included); documents
/// bent by 1.2 to 5 % are measured above it in nine cases of ten (`tests/document_outline.rs`).
/// The margin is for what the set lacks: a lens's residual distortion bows straight edges near
/// the frame's edge a little.
fn default_max_bow() -> f32 {
    0.01
}

impl Default for GuidanceLimits {
    fn default() -> Self {
        GuidanceLimits {
            edge_margin_share: 0.01,
            min_area_share: 0.2,
            too_close_area_share: 0.6,
            min_side_ratio: 0.85,
            max_corner_skew_degrees: 12.0,
            max_bow: default_max_bow(),
        }
    }
}

/// What the user must do, given the outline found in a `width` x `height` frame.
///
/// # Examples
/// ```
/// use kyc_core::document_outline::{guide, Guidance, GuidanceLimits, Outline, Point};
/// let limits = GuidanceLimits::default();
/// assert_eq!(guide(None, 640, 480, &limits), Guidance::NotFound);
/// let card = |x0: f32, y0: f32, x1: f32, y1: f32| Outline {
///     corners: [Point::new(x0, y0), Point::new(x1, y0), Point::new(x1, y1), Point::new(x0, y1)],
///     confidence: 0.9,
///     bow: 0.0,
/// };
/// assert_eq!(guide(Some(&card(100.0, 100.0, 540.0, 380.0)), 640, 480, &limits), Guidance::Ready);
/// assert_eq!(guide(Some(&card(280.0, 200.0, 360.0, 250.0)), 640, 480, &limits), Guidance::TooFar);
/// assert_eq!(guide(Some(&card(-50.0, 100.0, 300.0, 380.0)), 640, 480, &limits), Guidance::PartlyOutside);
/// ```
#[must_use]
pub fn guide(
    outline: Option<&Outline>,
    width: u32,
    height: u32,
    limits: &GuidanceLimits,
) -> Guidance {
    let Some(outline) = outline else {
        return Guidance::NotFound;
    };
    let (w, h) = (width.max(1) as f32, height.max(1) as f32);
    let margin = limits.edge_margin_share * w.min(h);
    let outside = outline
        .corners
        .iter()
        .any(|c| c.x < margin || c.y < margin || c.x > w - margin || c.y > h - margin);
    let share = outline.area() / (w * h);
    if outside {
        return if share > limits.too_close_area_share {
            Guidance::TooClose
        } else {
            Guidance::PartlyOutside
        };
    }
    if share < limits.min_area_share {
        return Guidance::TooFar;
    }
    if outline.bow > limits.max_bow {
        return Guidance::NotFlat;
    }
    let c = &outline.corners;
    let ratio = |a: f32, b: f32| a.min(b) / a.max(b).max(f32::EPSILON);
    let side_ratio = ratio(c[0].distance(c[1]), c[2].distance(c[3]))
        .min(ratio(c[1].distance(c[2]), c[3].distance(c[0])));
    let max_skew = (0..4)
        .map(|i| {
            let (prev, at, next) = (c[(i + 3) % 4], c[i], c[(i + 1) % 4]);
            let (ax, ay) = (prev.x - at.x, prev.y - at.y);
            let (bx, by) = (next.x - at.x, next.y - at.y);
            let cos = (ax * bx + ay * by) / ((ax.hypot(ay) * bx.hypot(by)).max(f32::EPSILON));
            (cos.clamp(-1.0, 1.0).acos().to_degrees() - 90.0).abs()
        })
        .fold(0.0f32, f32::max);
    if side_ratio < limits.min_side_ratio || max_skew > limits.max_corner_skew_degrees {
        return Guidance::Tilted;
    }
    Guidance::Ready
}

/// A line `x cos(angle) + y sin(angle) = offset`, with `(nx, ny)` the unit normal.
#[derive(Clone, Copy, Debug)]
struct Line {
    nx: f32,
    ny: f32,
    offset: f32,
}

impl Line {
    fn intersect(self, other: Line) -> Option<Point> {
        let det = self.nx * other.ny - self.ny * other.nx;
        if det.abs() < 1e-3 {
            return None;
        }
        Some(Point::new(
            (self.offset * other.ny - self.ny * other.offset) / det,
            (self.nx * other.offset - self.offset * other.nx) / det,
        ))
    }
}

/// The gradient of the detection image.
struct Gradient {
    width: usize,
    height: usize,
    gx: Vec<f32>,
    gy: Vec<f32>,
    /// The magnitude at which a pixel counts as an edge.
    threshold: f32,
}

impl Gradient {
    fn of(image: &LumaImage) -> Gradient {
        let (width, height) = (image.width() as usize, image.height() as usize);
        let p = image.pixels();
        let mut gx = vec![0f32; width * height];
        let mut gy = vec![0f32; width * height];
        // Each column's vertical smoothing once per row (sx differences it two columns apart),
        // and windows over the rows rather than indices: no bounds checks in the loop.
        let mut column = vec![0f32; width];
        for y in 1..height.saturating_sub(1) {
            let (up, mid, down) = (
                &p[(y - 1) * width..][..width],
                &p[y * width..][..width],
                &p[(y + 1) * width..][..width],
            );
            for ((c, u), (m, d)) in column.iter_mut().zip(up).zip(mid.iter().zip(down)) {
                *c = u + 2.0 * m + d;
            }
            let row_x = &mut gx[y * width + 1..][..width - 2];
            let row_y = &mut gy[y * width + 1..][..width - 2];
            for ((ox, oy), (c, (u, d))) in row_x
                .iter_mut()
                .zip(row_y.iter_mut())
                .zip(column.windows(3).zip(up.windows(3).zip(down.windows(3))))
            {
                *ox = c[2] - c[0];
                *oy = (d[0] + 2.0 * d[1] + d[2]) - (u[0] + 2.0 * u[1] + u[2]);
            }
        }
        // A pass of its own (the same sum, in the same order, the border's zeros adding
        // nothing): inside the loop above the total did not stay in a register.
        let sum: f64 = gx
            .iter()
            .zip(&gy)
            .map(|(sx, sy)| f64::from(sx.abs() + sy.abs()))
            .sum();
        let mean = (sum / (width * height).max(1) as f64) as f32;
        Gradient {
            width,
            height,
            gx,
            gy,
            // Low-contrast desks need a low floor; busy textures raise it with their mean.
            threshold: (0.75 * mean).max(12.0),
        }
    }

    fn at(&self, x: f32, y: f32) -> Option<Chroma> {
        if x < 1.0 || y < 1.0 {
            return None;
        }
        let (xi, yi) = (x as usize, y as usize);
        if xi + 1 >= self.width || yi + 1 >= self.height {
            return None;
        }
        let i = yi * self.width + xi;
        Some((self.gx[i], self.gy[i]))
    }
}

/// Thin edge pixels vote for the lines through them, near their gradient's direction only.
fn hough_lines(grad: &Gradient) -> Vec<Line> {
    let (w, h) = (grad.width, grad.height);
    let diag = ((w * w + h * h) as f32).sqrt().ceil() as usize;
    let rho_bins = 2 * diag + 1;
    let mut acc = vec![0u16; ANGLE_BINS * rho_bins];
    // Each bin's cosine and sine by turning the previous one a bin further, the turn's own by
    // its series: no trigonometry, whose code (libm's, in wasm) outweighs the detector's.
    let step = std::f64::consts::TAU / ANGLE_BINS as f64;
    let s2 = step * step;
    let turn_cos = 1.0 - s2 / 2.0 * (1.0 - s2 / 12.0 * (1.0 - s2 / 30.0 * (1.0 - s2 / 56.0)));
    let turn_sin = step * (1.0 - s2 / 6.0 * (1.0 - s2 / 20.0 * (1.0 - s2 / 42.0)));
    let (mut c, mut s) = (1f64, 0f64);
    let (cos, sin): (Vec<f32>, Vec<f32>) = (0..ANGLE_BINS)
        .map(|_| {
            let bin = (c as f32, s as f32);
            (c, s) = (c * turn_cos - s * turn_sin, s * turn_cos + c * turn_sin);
            bin
        })
        .unzip();
    let t2 = grad.threshold * grad.threshold;
    for y in 2..h.saturating_sub(2) {
        // Row slices: most pixels are below the threshold, and this scan visits every one.
        let (row_x, row_y) = (&grad.gx[y * w..][..w], &grad.gy[y * w..][..w]);
        for (i, (&gx, &gy)) in row_x[2..w - 2].iter().zip(&row_y[2..w - 2]).enumerate() {
            let x = i + 2;
            let m2 = gx * gx + gy * gy;
            if m2 < t2 {
                continue;
            }
            // Non-maximum suppression along the gradient's nearest of 4 directions.
            let (dx, dy): (isize, isize) = if gx.abs() > 2.4 * gy.abs() {
                (1, 0)
            } else if gy.abs() > 2.4 * gx.abs() {
                (0, 1)
            } else if (gx > 0.0) == (gy > 0.0) {
                (1, 1)
            } else {
                (1, -1)
            };
            let j =
                |s: isize| ((y as isize + s * dy) as usize) * w + (x as isize + s * dx) as usize;
            let mag2 = |k: usize| grad.gx[k] * grad.gx[k] + grad.gy[k] * grad.gy[k];
            if mag2(j(1)) > m2 || mag2(j(-1)) >= m2 {
                continue;
            }
            // Rounding by adding a half and truncating: `round` is a library call in the wasm,
            // and this loop runs for every vote. The angle is not negative here.
            let bin_of = |angle: f32| angle * ANGLE_BINS as f32 / std::f32::consts::TAU + 0.5;
            // The gradient's direction by a polynomial (`atan2` is a library call, and long,
            // in the wasm); only when it lies within a thousandth of a bin of a bin's edge
            // (far beyond the polynomial's error) does `atan2` decide, so the bins are the same.
            let mut centre = bin_of(fast_angle(gx, gy));
            if (centre - (centre as usize) as f32 - 0.5).abs() > 0.499 {
                let mut angle = gy.atan2(gx);
                if angle < 0.0 {
                    angle += std::f32::consts::TAU;
                }
                centre = bin_of(angle);
            }
            let centre = centre as usize;
            let (fx, fy) = (x as f32 + 0.5, y as f32 + 0.5);
            // A turn added, so the bins below 0 need no remainder (a division) either.
            let first = centre + ANGLE_BINS - VOTE_SPREAD as usize;
            for b in first..=first + 2 * VOTE_SPREAD as usize {
                let bin = if b >= 2 * ANGLE_BINS {
                    b - 2 * ANGLE_BINS
                } else if b >= ANGLE_BINS {
                    b - ANGLE_BINS
                } else {
                    b
                };
                let rho = fx * cos[bin] + fy * sin[bin];
                // Half away from zero, as `round`.
                let near = (rho.abs() + 0.5) as usize;
                let r = if rho < 0.0 { diag - near } else { diag + near };
                let cell = &mut acc[bin * rho_bins + r];
                *cell = cell.saturating_add(1);
            }
        }
    }
    let min_votes = (w.max(h) / 12) as u16;
    let mut peaks: Vec<(u16, usize, usize)> = Vec::new();
    for bin in 0..ANGLE_BINS {
        let row = &acc[bin * rho_bins..][..rho_bins];
        // The neighbouring angles' rows (cyclic): a peak is a maximum of its 3x3 cells.
        let before = &acc[((bin + ANGLE_BINS - 1) % ANGLE_BINS) * rho_bins..][..rho_bins];
        let after = &acc[((bin + 1) % ANGLE_BINS) * rho_bins..][..rho_bins];
        // Only the offsets a pixel of the image can have at this angle (the rest of the row,
        // about half of it, holds no votes): those between the image's corners', with a margin for
        // the rounding.
        let (wc, hs) = (w as f32 * cos[bin], h as f32 * sin[bin]);
        let lo = (diag as f32 + wc.min(0.0) + hs.min(0.0) - 2.0).max(0.0) as usize;
        let hi = ((diag as f32 + wc.max(0.0) + hs.max(0.0) + 4.0) as usize).min(rho_bins);
        for (i, cells) in row[lo..hi].windows(3).enumerate() {
            let (v, r) = (cells[1], lo + i + 1);
            if v >= min_votes
                && v >= cells[0]
                && v > cells[2]
                && before[r - 1..=r + 1].iter().all(|&u| v >= u)
                && after[r - 1..=r + 1].iter().all(|&u| v > u)
            {
                peaks.push((v, bin, r));
            }
        }
    }
    peaks.sort_unstable_by_key(|p| std::cmp::Reverse(p.0));
    let mut lines: Vec<(usize, isize)> = Vec::new();
    for &(_, bin, r) in &peaks {
        let rho = r as isize - diag as isize;
        let close = lines.iter().any(|&(b2, r2)| {
            let db = bin.abs_diff(b2);
            db.min(ANGLE_BINS - db) <= 4 && (rho - r2).abs() <= 8
        });
        // Parallel whatever the polarity: a half turn apart counts too.
        let parallel = lines
            .iter()
            .filter(|&&(b2, _)| {
                let db = bin.abs_diff(b2) % (ANGLE_BINS / 2);
                db.min(ANGLE_BINS / 2 - db) <= 15
            })
            .count();
        if !close && parallel < MAX_PARALLEL {
            lines.push((bin, rho));
            if lines.len() == MAX_LINES {
                break;
            }
        }
    }
    lines
        .into_iter()
        .map(|(bin, rho)| Line {
            nx: cos[bin],
            ny: sin[bin],
            offset: rho as f32,
        })
        .collect()
}

/// The direction of `(gx, gy)` in `0.0..TAU`, within 1e-6 radians (not both zero): the
/// arctangent of the smaller over the larger component by Abramowitz and Stegun's 4.4.49
/// (error 2e-8 on `0..=1`), moved to the right octant.
fn fast_angle(gx: f32, gy: f32) -> f32 {
    use std::f32::consts::{FRAC_PI_2, PI, TAU};
    let (ax, ay) = (gx.abs(), gy.abs());
    let t = ax.min(ay) / ax.max(ay);
    let t2 = t * t;
    let mut a = t
        * (0.999_999_3
            + t2 * (-0.333_298_56
                + t2 * (0.199_465_36
                    + t2 * (-0.139_085_34
                        + t2 * (0.096_420_04
                            + t2 * (-0.055_909_886
                                + t2 * (0.021_861_23 + t2 * -0.004_054_058)))))));
    if ay > ax {
        a = FRAC_PI_2 - a;
    }
    if gx < 0.0 {
        a = PI - a;
    }
    if gy < 0.0 {
        a = TAU - a;
    }
    a
}

fn polygon_area(c: &[Point; 4]) -> f32 {
    let mut sum = 0.0;
    for i in 0..4 {
        let (a, b) = (c[i], c[(i + 1) % 4]);
        sum += a.x * b.y - b.x * a.y;
    }
    sum / 2.0
}

/// Whether the quadrilateral is convex with corner angles and a size a document can have.
fn plausible(c: &[Point; 4], w: f32, h: f32) -> bool {
    let area = polygon_area(c);
    if area.abs() < 0.04 * w * h {
        return false;
    }
    let (mx, my) = (0.15 * w, 0.15 * h);
    if c.iter()
        .any(|p| p.x < -mx || p.y < -my || p.x > w + mx || p.y > h + my)
    {
        return false;
    }
    for i in 0..4 {
        let (prev, at, next) = (c[(i + 3) % 4], c[i], c[(i + 1) % 4]);
        let (ax, ay) = (prev.x - at.x, prev.y - at.y);
        let (bx, by) = (next.x - at.x, next.y - at.y);
        let cross = ax * by - ay * bx;
        if (cross > 0.0) != (area < 0.0) {
            return false;
        }
        let cos = (ax * bx + ay * by) / (ax.hypot(ay) * bx.hypot(by)).max(f32::EPSILON);
        // Corner angles between 45 and 135 degrees.
        if cos.abs() > 0.707 {
            return false;
        }
    }
    true
}

/// The share of the side `a`-`b` backed by a gradient across it of one polarity.
fn side_support(grad: &Gradient, a: Point, b: Point) -> f32 {
    side_profile(grad, a, b).0
}

/// [`side_support`], and the unbacked stretch at each end (next to `a`, next to `b`) as a share
/// of the side (samples outside the frame count as neither backed nor unbacked).
fn side_profile(grad: &Gradient, a: Point, b: Point) -> (f32, f32, f32) {
    let len = a.distance(b);
    let samples = ((len / 3.0) as usize).clamp(8, 60);
    let (tx, ty) = ((b.x - a.x) / len, (b.y - a.y) / len);
    let (nx, ny) = (-ty, tx);
    let (mut pos, mut neg) = (0usize, 0usize);
    // Per sample: 1 or -1 for the polarity found, 0 for none, 2 outside the frame.
    let mut found = [0i8; 60];
    for (s, slot) in found.iter_mut().enumerate().take(samples) {
        let t = 0.05 + 0.9 * (s as f32 + 0.5) / samples as f32;
        let (px, py) = (a.x + t * (b.x - a.x), a.y + t * (b.y - a.y));
        // The best of three positions across the side: the peak may sit a pixel off.
        let mut best = 0f32;
        let mut inside = false;
        for o in [-1.0f32, 0.0, 1.0] {
            if let Some((gx, gy)) = grad.at(px + o * nx, py + o * ny) {
                inside = true;
                let across = gx * nx + gy * ny;
                // Squared, so the magnitude needs no square root: this runs for every sample of
                // every candidate side.
                if across.abs() >= grad.threshold
                    && across.abs() > best.abs()
                    && across * across >= NORMAL_COS * NORMAL_COS * (gx * gx + gy * gy)
                {
                    best = across;
                }
            }
        }
        *slot = if !inside {
            2
        } else if best > 0.0 {
            pos += 1;
            1
        } else if best < 0.0 {
            neg += 1;
            -1
        } else {
            0
        };
    }
    let sign = if pos >= neg { 1 } else { -1 };
    let gap = |it: &mut dyn Iterator<Item = &i8>| {
        it.filter(|&&f| f != 2).take_while(|&&f| f != sign).count()
    };
    let n = samples as f32;
    (
        pos.max(neg) as f32 / n,
        gap(&mut found[..samples].iter()) as f32 / n,
        gap(&mut found[..samples].iter().rev()) as f32 / n,
    )
}

/// A colour's red and green shares of its sum.
type Chroma = (f32, f32);

/// The colour along `a`-`b` shifted by `(dx, dy)`, as chromaticity (red and green shares of
/// the sum, so shading and low light leave it alone): the median over points along it, so a
/// finger over part of it does not move it. `None` when it lies mostly outside the frame, or
/// for a frame without colour.
fn colour_along(frame: &impl Frame, a: Point, b: Point, dx: f32, dy: f32) -> Option<Chroma> {
    let (w, h) = (frame.width() as f32, frame.height() as f32);
    let (mut rs, mut gs) = ([0f32; 24], [0f32; 24]);
    let mut n = 0;
    for k in 0..24 {
        let t = 0.1 + 0.8 * (k as f32 + 0.5) / 24.0;
        let x = a.x + t * (b.x - a.x) + dx;
        let y = a.y + t * (b.y - a.y) + dy;
        if x < 0.0 || y < 0.0 || x >= w || y >= h {
            continue;
        }
        let [r, g, b] = frame.rgb(x as u32, y as u32)?.map(f32::from);
        let sum = r + g + b;
        if sum >= 30.0 {
            (rs[n], gs[n]) = (r / sum, g / sum);
            n += 1;
        }
    }
    if n < 12 {
        return None;
    }
    Some((median(&mut rs[..n]), median(&mut gs[..n])))
}

/// The middle value of `v` (the upper one of an even count), sorting it in place: insertion
/// sort, as the lists are short and a general sort would add kilobytes to the wasm.
fn median(v: &mut [f32]) -> f32 {
    for i in 1..v.len() {
        let mut j = i;
        while j > 0 && v[j - 1] > v[j] {
            v.swap(j - 1, j);
            j -= 1;
        }
    }
    v[v.len() / 2]
}

/// The colour just outside each side of `c` (frame pixels, clockwise or not): past the blurred
/// edge, well inside a card's coloured band.
fn outside_colours(frame: &impl Frame, c: &[Point; 4]) -> [Option<Chroma>; 4] {
    let reach = 0.012 * (frame.width() + frame.height()) as f32;
    // Outward is to the left of each side when the corners run clockwise on screen.
    let turn = if polygon_area(c) > 0.0 { reach } else { -reach };
    [0, 1, 2, 3].map(|s| {
        let (a, b) = (c[s], c[(s + 1) % 4]);
        let len = a.distance(b).max(1.0);
        let (dx, dy) = (turn * (b.y - a.y) / len, -turn * (b.x - a.x) / len);
        colour_along(frame, a, b, dx, dy)
    })
}

/// Whether the colour just outside the quadrilateral matches that along the frame's edge
/// (where not covered by it): the desk. A card's photo or another inner rectangle taken for
/// the document, on a desk too close to the card in luma for the card's own edges to show, is
/// surrounded by the card's colour instead. True for a frame without colour, or with too
/// little of its edge left uncovered to tell.
fn surroundings_match(frame: &impl Frame, c: &[Point; 4]) -> bool {
    let colours = outside_colours(frame, c);
    let (w, h) = (frame.width() as f32, frame.height() as f32);
    let clockwise = polygon_area(c) > 0.0;
    let inside = |p: Point| {
        (0..4).all(|s| {
            let (a, b) = (c[s], c[(s + 1) % 4]);
            let cross = (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x);
            (cross > 0.0) == clockwise
        })
    };
    // Points around the frame, a few pixels in from its edge.
    let inset = 4.0;
    let (iw, ih) = (w - 2.0 * inset, h - 2.0 * inset);
    let mut rs = Vec::with_capacity(EDGE_POINTS);
    let mut gs = Vec::with_capacity(EDGE_POINTS);
    for k in 0..EDGE_POINTS {
        let d = (k as f32 + 0.5) / EDGE_POINTS as f32 * 2.0 * (iw + ih);
        let p = if d < iw {
            Point::new(inset + d, inset)
        } else if d < iw + ih {
            Point::new(w - inset, inset + d - iw)
        } else if d < 2.0 * iw + ih {
            Point::new(w - inset - (d - iw - ih), h - inset)
        } else {
            Point::new(inset, h - inset - (d - 2.0 * iw - ih))
        };
        if p.x < 0.0 || p.y < 0.0 || p.x >= w || p.y >= h || inside(p) {
            continue;
        }
        let Some(rgb) = frame.rgb(p.x as u32, p.y as u32) else {
            return true;
        };
        let [r, g, b] = rgb.map(f32::from);
        let sum = r + g + b;
        if sum >= 30.0 {
            rs.push(r / sum);
            gs.push(g / sum);
        }
    }
    let around: Vec<Chroma> = colours.iter().flatten().copied().collect();
    if rs.len() < EDGE_POINTS / 5 || around.len() < 2 {
        return true;
    }
    let desk = (median(&mut rs), median(&mut gs));
    let outside = (
        median(&mut around.iter().map(|o| o.0).collect::<Vec<_>>()),
        median(&mut around.iter().map(|o| o.1).collect::<Vec<_>>()),
    );
    chroma_distance(outside, desk) <= MAX_SURROUNDING_STEP
}

fn chroma_distance(p: Chroma, q: Chroma) -> f32 {
    (p.0 - q.0).hypot(p.1 - q.1)
}

/// The side whose outside colour differs most from the median of that outside the others, if
/// by more than [`MAX_CHROMA_STEP`], with its outside colour and the others' median.
fn odd_side(frame: &impl Frame, c: &[Point; 4]) -> Option<(usize, Chroma, Chroma)> {
    let colours = outside_colours(frame, c);
    let mut odd = None;
    let mut most = MAX_CHROMA_STEP;
    for s in 0..4 {
        let Some(own) = colours[s] else {
            continue;
        };
        let others: Vec<Chroma> = (1..4).filter_map(|k| colours[(s + k) % 4]).collect();
        if others.len() < 2 {
            continue;
        }
        // The others' centre: the median of three, the mean of two.
        let centre = |mut v: Vec<f32>| {
            if v.len() == 3 {
                median(&mut v)
            } else {
                (v[0] + v[1]) / 2.0
            }
        };
        let rest = (
            centre(others.iter().map(|o| o.0).collect()),
            centre(others.iter().map(|o| o.1).collect()),
        );
        let step = chroma_distance(own, rest);
        if step > most {
            most = step;
            odd = Some((s, own, rest));
        }
    }
    odd
}

/// When the colour just outside one side differs from that outside the others, the side is
/// the inner edge of a coloured band of the document (a card's header) whose outer edge has
/// too little contrast in luma to be found: the side is moved outward, continuing its
/// neighbours, to where the band's colour gives way to the others'. `None` when no such place
/// is found within a third of the neighbours' length, or the colours still disagree there.
fn across_colour_band(frame: &impl Frame, c: [Point; 4]) -> Option<[Point; 4]> {
    let Some((s, band, rest)) = odd_side(frame, &c) else {
        return Some(c);
    };
    let (a, b) = (c[s], c[(s + 1) % 4]);
    let (pa, pb) = (c[(s + 3) % 4], c[(s + 2) % 4]);
    let at = |f: f32| {
        (
            Point::new(a.x + f * (a.x - pa.x), a.y + f * (a.y - pa.y)),
            Point::new(b.x + f * (b.x - pb.x), b.y + f * (b.y - pb.y)),
        )
    };
    for k in 1..=BAND_STEPS {
        let f = k as f32 / 100.0;
        let (na, nb) = at(f);
        let on = colour_along(frame, na, nb, 0.0, 0.0)?;
        if chroma_distance(on, rest) < chroma_distance(on, band) {
            let (na, nb) = at(f - 0.005);
            let mut moved = c;
            moved[s] = na;
            moved[(s + 1) % 4] = nb;
            return odd_side(frame, &moved).is_none().then_some(moved);
        }
    }
    None
}

/// Moves a side outward onto a parallel line when both neighbouring sides carry on, backed, up
/// to it: the sides of a card with a coloured band along one edge run on past the band's inner
/// edge to the card's own, faint as it may be against the desk.
fn extend(
    grad: &Gradient,
    lines: &[Line],
    mut quad: [Point; 4],
    mut sides: [Line; 4],
    w: f32,
    h: f32,
) -> [Point; 4] {
    for _ in 0..2 {
        let mut changed = false;
        for s in 0..4 {
            let (prev, next) = (sides[(s + 3) % 4], sides[(s + 1) % 4]);
            let (a, b) = (quad[s], quad[(s + 1) % 4]);
            let mut best: Option<([Point; 4], Line, f32)> = None;
            for &m in lines {
                let along = m.nx * sides[s].nx + m.ny * sides[s].ny;
                if along.abs() < 0.995 {
                    continue;
                }
                let (Some(na), Some(nb)) = (prev.intersect(m), m.intersect(next)) else {
                    continue;
                };
                // Outward only: the new corners continue the neighbouring sides past the old.
                let (pa, pb) = (quad[(s + 3) % 4], quad[(s + 2) % 4]);
                let grow_a = na.distance(pa) - a.distance(pa);
                let grow_b = nb.distance(pb) - b.distance(pb);
                if grow_a < 2.0 || grow_b < 2.0 || grow_a > 0.25 * a.distance(pa) {
                    continue;
                }
                let mut candidate = quad;
                candidate[s] = na;
                candidate[(s + 1) % 4] = nb;
                if !plausible(&candidate, w, h) {
                    continue;
                }
                let carried = side_support(grad, a, na).min(side_support(grad, b, nb));
                let own = side_support(grad, na, nb);
                if carried >= 0.4 && own >= 0.5 {
                    let reach = grow_a + grow_b;
                    if best.is_none_or(|(_, _, r)| reach > r) {
                        best = Some((candidate, m, reach));
                    }
                }
            }
            if let Some((candidate, m, _)) = best {
                quad = candidate;
                sides[s] = m;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    quad
}

/// How much edge carries on past the corners along the sides' lines, in supported pixels.
///
/// A document's sides end at its corners; an inner edge taken for a side (a card's coloured
/// header, its photo) leaves the real sides running on past the corners it makes.
fn overshoot(grad: &Gradient, c: &[Point; 4]) -> f32 {
    let mut total = 0.0;
    for side in 0..4 {
        let (a, b) = (c[side], c[(side + 1) % 4]);
        let reach = EXTENSION_SHARE;
        for (from, to) in [(a, b), (b, a)] {
            // The stretch beyond `to`, continuing the side away from `from`.
            let end = Point::new(
                to.x + reach * (to.x - from.x),
                to.y + reach * (to.y - from.y),
            );
            total += side_support(grad, to, end) * to.distance(end);
        }
    }
    total
}

/// Whether both neighbours of a side carry on, backed, past its corners: the side is then an
/// inner edge (a card's coloured band whose outer edge was not found, its photo) and the
/// document's own side lies further out.
fn inner_side(grad: &Gradient, c: &[Point; 4]) -> bool {
    // How much of the side `from`-`to` carries on past `to`.
    let run_on = |from: Point, to: Point| {
        let end = Point::new(
            to.x + EXTENSION_SHARE * (to.x - from.x),
            to.y + EXTENSION_SHARE * (to.y - from.y),
        );
        side_support(grad, to, end)
    };
    (0..4).any(|s| {
        let (a, b) = (c[s], c[(s + 1) % 4]);
        run_on(c[(s + 3) % 4], a) > MAX_RUN_ON && run_on(c[(s + 2) % 4], b) > MAX_RUN_ON
    })
}

/// Moves each side of `c` onto the gradient peak across it (sub-pixel), returning the refined
/// corners; a side with too few clear peaks stays where it was.
fn refine(image: &LumaImage, c: &[Point; 4]) -> [Point; 4] {
    let (w, h) = (image.width() as usize, image.height() as usize);
    let p = image.pixels();
    let sample = |x: f32, y: f32| -> Option<f32> {
        let (fx, fy) = (x - 0.5, y - 0.5);
        if fx < 0.0 || fy < 0.0 {
            return None;
        }
        let (x0, y0) = (fx as usize, fy as usize);
        if x0 + 1 >= w || y0 + 1 >= h {
            return None;
        }
        let (ax, ay) = (fx - x0 as f32, fy - y0 as f32);
        let i = y0 * w + x0;
        let top = p[i] + ax * (p[i + 1] - p[i]);
        let bottom = p[i + w] + ax * (p[i + w + 1] - p[i + w]);
        Some(top + ay * (bottom - top))
    };
    let mut lines = [Line {
        nx: 0.0,
        ny: 0.0,
        offset: 0.0,
    }; 4];
    let mut points: Vec<(f32, f32)> = Vec::with_capacity(64);
    for side in 0..4 {
        let (a, b) = (c[side], c[(side + 1) % 4]);
        let len = a.distance(b).max(1.0);
        let (tx, ty) = ((b.x - a.x) / len, (b.y - a.y) / len);
        let (nx, ny) = (-ty, tx);
        lines[side] = Line {
            nx,
            ny,
            offset: nx * a.x + ny * a.y,
        };
        points.clear();
        let count = ((len / 4.0) as usize).clamp(8, 48);
        // First the side's dominant polarity, then only peaks of that polarity.
        let mut profiles: Vec<(f32, f32, [f32; 9])> = Vec::with_capacity(count);
        for s in 0..count {
            let t = 0.08 + 0.84 * (s as f32 + 0.5) / count as f32;
            let (px, py) = (a.x + t * (b.x - a.x), a.y + t * (b.y - a.y));
            let mut diff = [0f32; 9];
            let mut ok = true;
            // Derivative across the side at offsets -4..=4, from samples half a pixel apart.
            for (k, d) in diff.iter_mut().enumerate() {
                let o = k as f32 - 4.0;
                match (
                    sample(px + (o + 0.5) * nx, py + (o + 0.5) * ny),
                    sample(px + (o - 0.5) * nx, py + (o - 0.5) * ny),
                ) {
                    (Some(u), Some(v)) => *d = u - v,
                    _ => ok = false,
                }
            }
            if ok {
                profiles.push((px, py, diff));
            }
        }
        let polarity: f32 = profiles.iter().map(|(_, _, d)| d.iter().sum::<f32>()).sum();
        let sign = if polarity >= 0.0 { 1.0 } else { -1.0 };
        for (px, py, diff) in &profiles {
            let (k, peak) = diff.iter().enumerate().map(|(k, d)| (k, d * sign)).fold(
                (0, f32::MIN),
                |best, cur| if cur.1 > best.1 { cur } else { best },
            );
            if peak < 6.0 || k == 0 || k == 8 {
                continue;
            }
            let (l, r) = (diff[k - 1] * sign, diff[k + 1] * sign);
            let denom = l - 2.0 * peak + r;
            let sub = if denom < 0.0 {
                0.5 * (l - r) / denom
            } else {
                0.0
            };
            let o = k as f32 - 4.0 + sub.clamp(-0.5, 0.5);
            points.push((px + o * nx, py + o * ny));
        }
        if points.len() < 6 {
            continue;
        }
        // Two passes: fit, drop points far off the line (a finger, a glare spot), fit again.
        let mut fit = fit_line(&points);
        if let Some(line) = fit {
            points.retain(|&(x, y)| (line.nx * x + line.ny * y - line.offset).abs() <= 1.5);
            if points.len() >= 6 {
                fit = fit_line(&points).or(fit);
            }
        }
        if let Some(line) = fit {
            // Keep the fit only if it stays close to the coarse side (it must be the same edge).
            if line.nx * nx + line.ny * ny > 0.99 || line.nx * nx + line.ny * ny < -0.99 {
                lines[side] = line;
            }
        }
    }
    let mut out = *c;
    for i in 0..4 {
        if let Some(p) = lines[(i + 3) % 4].intersect(lines[i]) {
            if p.distance(c[i]) < 8.0 {
                out[i] = p;
            }
        }
    }
    out
}

/// Total least squares: the line through the centroid along the points' main direction.
fn fit_line(points: &[(f32, f32)]) -> Option<Line> {
    let n = points.len() as f32;
    let (mx, my) = points
        .iter()
        .fold((0.0, 0.0), |(sx, sy), (x, y)| (sx + x, sy + y));
    let (mx, my) = (mx / n, my / n);
    let (mut sxx, mut syy, mut sxy) = (0f32, 0f32, 0f32);
    for (x, y) in points {
        let (dx, dy) = (x - mx, y - my);
        sxx += dx * dx;
        syy += dy * dy;
        sxy += dx * dy;
    }
    // The normal is the eigenvector of the smaller eigenvalue of the scatter matrix. The main
    // direction is at half the angle of (sxx - syy, 2 sxy): its cosine and sine by the
    // half-angle formulas (no trigonometry in the wasm).
    let (a, b) = (sxx - syy, 2.0 * sxy);
    let r = a.hypot(b);
    let (tx, ty) = if r > 0.0 {
        let cos2 = a / r;
        (
            ((1.0 + cos2) / 2.0).max(0.0).sqrt(),
            ((1.0 - cos2) / 2.0).max(0.0).sqrt().copysign(b),
        )
    } else {
        (1.0, 0.0)
    };
    let (nx, ny) = (-ty, tx);
    if !(nx.is_finite() && ny.is_finite()) {
        return None;
    }
    Some(Line {
        nx,
        ny,
        offset: nx * mx + ny * my,
    })
}

/// Puts the corners clockwise on screen, starting with the one nearest the top-left corner.
fn order(mut c: [Point; 4]) -> [Point; 4] {
    // With y down, a positive shoelace sum is clockwise on screen.
    if polygon_area(&c) < 0.0 {
        c.swap(1, 3);
    }
    let first = (0..4)
        .min_by(|&i, &j| (c[i].x + c[i].y).total_cmp(&(c[j].x + c[j].y)))
        .unwrap_or(0);
    c.rotate_left(first);
    c
}

impl Gradient {
    /// The gradient at `(x, y)`, interpolated between pixel centres; `None` near the border.
    fn between(&self, x: f32, y: f32) -> Option<Chroma> {
        let (x, y) = (x - 0.5, y - 0.5);
        let (ax, ay) = (x - x.floor(), y - y.floor());
        let (g00, g10) = (self.at(x, y)?, self.at(x + 1.0, y)?);
        let (g01, g11) = (self.at(x, y + 1.0)?, self.at(x + 1.0, y + 1.0)?);
        let lerp = |a: f32, b: f32, c: f32, d: f32| {
            let (top, bottom) = (a + ax * (b - a), c + ax * (d - c));
            top + ay * (bottom - top)
        };
        Some((
            lerp(g00.0, g10.0, g01.0, g11.0),
            lerp(g00.1, g10.1, g01.1, g11.1),
        ))
    }
}

/// [`Outline::bow`] of the quadrilateral `c` (detection pixels).
fn bow(grad: &Gradient, c: &[Point; 4]) -> f32 {
    let b = [0, 1, 2, 3].map(|s| side_bow(grad, c[s], c[(s + 1) % 4]));
    b[0].min(b[2]).max(b[1].min(b[3]))
}

/// How far the edge along the side `a`-`b` bows away from straight, as a share of the side's
/// length; 0.0 when it cannot be told.
///
/// The edge is sought across the side at five points near each end and five about the middle
/// (clear of rounded corners): the strongest gradient of the side's polarity within a band of
/// 6 % of the side's length either side of it (3 to 12 pixels), to a fraction of a pixel: at
/// most 25 interpolated gradients a point, read twice (the polarity first), 3,000 a frame. Points without a clear edge (a finger, a
/// glare spot) are skipped, and each group gives the median of its points, so a few wrong ones
/// do not move it. The middle's departure from the mean of the ends is the bow: a straight
/// edge in any position leaves none, whatever its slope, an edge bowed by a sagitta `s` leaves
/// `0.456 s` (the difference of `4t(1-t)` between the groups' medians, `t` along the side).
fn side_bow(grad: &Gradient, a: Point, b: Point) -> f32 {
    let len = a.distance(b).max(1.0);
    let (nx, ny) = ((a.y - b.y) / len, (b.x - a.x) / len);
    let reach = (0.06 * len).clamp(3.0, 12.0) as usize;
    let mut offsets = [[0f32; 5]; 3];
    let mut counts = [0usize; 3];
    // Twice over the points: first the side's polarity, then each point's peak of it.
    let mut sign = 0f32;
    for k in 0..30 {
        let t = [0.08, 0.42, 0.76][k % 15 / 5] + 0.04 * (k % 5) as f32;
        let (px, py) = (a.x + t * (b.x - a.x), a.y + t * (b.y - a.y));
        // The gradient across the side of its polarity, `reach` pixels either side of it; 0.0
        // where it points more than 25 degrees away from across.
        let s = if k < 15 { 1.0 } else { sign.signum() };
        let mut profile = [0f32; 25];
        for (o, v) in profile.iter_mut().enumerate().take(2 * reach + 1) {
            let d = o as f32 - reach as f32;
            if let Some((gx, gy)) = grad.between(px + d * nx, py + d * ny) {
                let across = gx * nx + gy * ny;
                if across * across >= NORMAL_COS * NORMAL_COS * (gx * gx + gy * gy) {
                    *v = across * s;
                }
            }
        }
        if k < 15 {
            sign += profile.iter().sum::<f32>();
            continue;
        }
        let (mut i, mut peak) = (0, 0.0);
        for (o, &v) in profile.iter().enumerate() {
            if v > peak {
                (i, peak) = (o, v);
            }
        }
        if peak < grad.threshold || i == 0 || i == 2 * reach {
            continue;
        }
        // The parabola through the peak and its neighbours (never more than half a pixel off).
        let (l, r) = (profile[i - 1], profile[i + 1]);
        let denom = l - 2.0 * peak + r;
        let g = k / 5 - 3;
        offsets[g][counts[g]] = i as f32
            + if denom < 0.0 {
                0.5 * (l - r) / denom
            } else {
                0.0
            };
        counts[g] += 1;
    }
    if counts.iter().any(|&n| n < 3) {
        return 0.0;
    }
    let mut m = [0f32; 3];
    for (g, m) in m.iter_mut().enumerate() {
        *m = median(&mut offsets[g][..counts[g]]);
    }
    ((m[1] - (m[0] + m[2]) / 2.0) / 0.456 / len).abs()
}

/// Finds the document's outline in `frame`, or `None` when no quadrilateral is backed well
/// enough ([`MIN_CONFIDENCE`]). Corners are in `frame`'s pixels.
///
/// # Examples
/// ```
/// use kyc_core::document_outline::find_outline;
/// use kyc_core::LumaView;
/// // A light card on a dark desk.
/// let (w, h) = (640usize, 480usize);
/// let mut pixels = vec![40u8; w * h];
/// for y in 100..380 {
///     pixels[y * w + 120..y * w + 520].fill(220);
/// }
/// let outline = find_outline(&LumaView::new(640, 480, &pixels).unwrap()).unwrap();
/// assert!((outline.corners[0].x - 120.0).abs() < 2.0 && (outline.corners[0].y - 100.0).abs() < 2.0);
/// assert!((outline.corners[2].x - 520.0).abs() < 2.0 && (outline.corners[2].y - 380.0).abs() < 2.0);
/// assert!(outline.confidence > 0.9);
///
/// let empty = vec![40u8; w * h];
/// assert!(find_outline(&LumaView::new(640, 480, &empty).unwrap()).is_none());
/// ```
#[must_use]
pub fn find_outline(frame: &impl Frame) -> Option<Outline> {
    let image = normalize(frame, DETECT_LONG_EDGE);
    let (w, h) = (image.width() as f32, image.height() as f32);
    if image.width() < 16 || image.height() < 16 {
        return None;
    }
    let grad = Gradient::of(&image);
    let lines = hough_lines(&grad);
    let n = lines.len();
    // Every pair's crossing once, not once per quadrilateral.
    let mut crossing = vec![None; n * n];
    for i in 0..n {
        for j in i + 1..n {
            let p = lines[i].intersect(lines[j]);
            crossing[i * n + j] = p;
            crossing[j * n + i] = p;
        }
    }
    let mut best: Option<([Point; 4], f32, f32, [usize; 4])> = None;
    let mut budget = SEARCH_BUDGET;
    'search: for i in 0..n {
        for j in i + 1..n {
            for k in j + 1..n {
                for l in k + 1..n {
                    // The three ways to split four lines into two pairs of opposite sides.
                    for (a, b, c, d) in [(i, j, k, l), (i, k, j, l), (i, l, j, k)] {
                        let corners = [
                            crossing[a * n + c],
                            crossing[c * n + b],
                            crossing[b * n + d],
                            crossing[d * n + a],
                        ];
                        let [Some(p0), Some(p1), Some(p2), Some(p3)] = corners else {
                            continue;
                        };
                        let quad = [p0, p1, p2, p3];
                        let lengths = [0, 1, 2, 3].map(|s| quad[s].distance(quad[(s + 1) % 4]));
                        let perimeter: f32 = lengths.iter().sum();
                        // The score is at most the perimeter: skip what cannot win.
                        let to_beat = best.map_or(f32::MIN, |(_, score, _, _)| score);
                        if perimeter <= to_beat || !plausible(&quad, w, h) {
                            continue;
                        }
                        let mut supported = 0.0;
                        let mut remaining = perimeter;
                        let mut hopeless = false;
                        if budget == 0 {
                            break 'search;
                        }
                        budget -= 1;
                        for s in 0..4 {
                            let (support, gap_a, gap_b) =
                                side_profile(&grad, quad[s], quad[(s + 1) % 4]);
                            supported += support * lengths[s];
                            remaining -= lengths[s];
                            if support < MIN_SIDE_SUPPORT
                                || gap_a.max(gap_b) > MAX_END_GAP
                                || supported + remaining <= to_beat
                                || supported + remaining < MIN_CONFIDENCE * perimeter
                            {
                                hopeless = true;
                                break;
                            }
                        }
                        if hopeless {
                            continue;
                        }
                        let confidence = supported / perimeter;
                        let score = supported - overshoot(&grad, &quad);
                        if score > to_beat {
                            best = Some((quad, score, confidence, [c, b, d, a]));
                        }
                    }
                }
            }
        }
    }
    let (quad, _, confidence, sides) = best?;
    let sides = sides.map(|i| lines[i]);
    let quad = extend(&grad, &lines, quad, sides, w, h);
    if inner_side(&grad, &quad) {
        return None;
    }
    let refined = refine(&image, &quad);
    let bow = bow(&grad, &refined);
    let scale_x = frame.width() as f32 / w;
    let scale_y = frame.height() as f32 / h;
    let corners = order(refined.map(|p| Point::new(p.x * scale_x, p.y * scale_y)));
    let corners = across_colour_band(frame, corners)?;
    if !surroundings_match(frame, &corners) {
        return None;
    }
    Some(Outline {
        corners,
        confidence,
        bow,
    })
}

/// A projective map of the plane (a homography), `h[8]` fixed at 1.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Homography {
    h: [f64; 9],
}

impl Homography {
    /// The map sending each of `from` to the matching point of `to`, or `None` when three of
    /// the points are collinear.
    ///
    /// # Examples
    /// ```
    /// use kyc_core::document_outline::{Homography, Point};
    /// let square = [Point::new(0.0, 0.0), Point::new(1.0, 0.0), Point::new(1.0, 1.0), Point::new(0.0, 1.0)];
    /// let quad = [Point::new(10.0, 20.0), Point::new(110.0, 25.0), Point::new(100.0, 90.0), Point::new(15.0, 80.0)];
    /// let map = Homography::from_points(&square, &quad).unwrap();
    /// let p = map.apply(Point::new(1.0, 1.0));
    /// assert!((p.x - 100.0).abs() < 1e-3 && (p.y - 90.0).abs() < 1e-3);
    /// ```
    #[must_use]
    pub fn from_points(from: &[Point; 4], to: &[Point; 4]) -> Option<Homography> {
        // Eight equations in the eight unknowns h0..h7.
        let mut m = [[0f64; 9]; 8];
        for i in 0..4 {
            let (x, y) = (f64::from(from[i].x), f64::from(from[i].y));
            let (u, v) = (f64::from(to[i].x), f64::from(to[i].y));
            m[2 * i] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
            m[2 * i + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
        }
        for col in 0..8 {
            let pivot = (col..8).max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))?;
            if m[pivot][col].abs() < 1e-12 {
                return None;
            }
            m.swap(col, pivot);
            for row in 0..8 {
                if row != col {
                    let f = m[row][col] / m[col][col];
                    let pivot_row = m[col];
                    for (value, p) in m[row][col..].iter_mut().zip(&pivot_row[col..]) {
                        *value -= f * p;
                    }
                }
            }
        }
        let mut h = [0f64; 9];
        for (i, hi) in h.iter_mut().take(8).enumerate() {
            *hi = m[i][8] / m[i][i];
        }
        h[8] = 1.0;
        h.iter().all(|v| v.is_finite()).then_some(Homography { h })
    }

    /// Where `p` goes.
    #[must_use]
    pub fn apply(&self, p: Point) -> Point {
        let h = &self.h;
        let (x, y) = (f64::from(p.x), f64::from(p.y));
        let z = h[6] * x + h[7] * y + h[8];
        Point::new(
            ((h[0] * x + h[1] * y + h[2]) / z) as f32,
            ((h[3] * x + h[4] * y + h[5]) / z) as f32,
        )
    }
}

/// The document inside `corners` (clockwise from the top-left, as [`Outline::corners`]),
/// flattened to a rectangle of `shape`'s real aspect ratio whose long edge is `long_edge`
/// pixels, by bilinear sampling through the homography. The crop is landscape when the
/// outline's top side is its longer one, portrait otherwise. `None` when the corners do not
/// make a quadrilateral.
///
/// # Examples
/// ```
/// use kyc_core::document_outline::{flatten_rgba, DocumentShape, Point};
/// use kyc_core::RgbaView;
/// let frame = vec![200u8; 64 * 48 * 4];
/// let view = RgbaView::new(64, 48, &frame).unwrap();
/// let corners = [Point::new(8.0, 8.0), Point::new(56.0, 9.0), Point::new(55.0, 40.0), Point::new(9.0, 39.0)];
/// let crop = flatten_rgba(&view, &corners, DocumentShape::Id1, 100).unwrap();
/// assert_eq!((crop.width, crop.height), (100, 63));
/// assert!(crop.pixels.iter().all(|&p| p == 200));
/// ```
#[must_use]
pub fn flatten_rgba(
    view: &RgbaView<'_>,
    corners: &[Point; 4],
    shape: DocumentShape,
    long_edge: u32,
) -> Option<RgbaImage> {
    let (width, height) = flat_size(corners, shape, long_edge);
    let (sw, sh) = (view.width() as usize, view.height() as usize);
    let src = view.pixels();
    let mut pixels = vec![0u8; width as usize * height as usize * 4];
    let mut outs = pixels.chunks_exact_mut(4);
    sample_flattened(corners, (width, height), (sw, 0..sh), |at| {
        let Some(out) = outs.next() else { return };
        // The four neighbours as 4-byte slices: one index check each, not one per channel.
        let i00 = at.index * 4;
        let (right, below) = (at.right * 4, at.below * 4);
        let p00 = &src[i00..i00 + 4];
        let p01 = &src[i00 + right..i00 + right + 4];
        let p10 = &src[i00 + below..i00 + below + 4];
        let p11 = &src[i00 + below + right..i00 + below + right + 4];
        for ch in 0..4 {
            out[ch] = ((at.blend(p00[ch], p01[ch], p10[ch], p11[ch]) + (1 << 15)) >> 16) as u8;
        }
    })?;
    Some(RgbaImage {
        width,
        height,
        pixels,
    })
}

/// The luma of the document inside `corners`, flattened as [`flatten_rgba`] flattens its
/// colours (the same size, the same sampling): what the quality checks need of a crop that is
/// measured and not kept, for about a third of the work. The luma is BT.601, as
/// [`RgbaView`]'s, in whole levels (within a level of the luma of [`flatten_rgba`]'s
/// pixels).
///
/// # Examples
/// ```
/// use kyc_core::document_outline::{flatten_luma, DocumentShape, Point};
/// use kyc_core::{Frame, RgbaView};
/// let frame = vec![200u8; 64 * 48 * 4];
/// let view = RgbaView::new(64, 48, &frame).unwrap();
/// let corners = [Point::new(8.0, 8.0), Point::new(56.0, 9.0), Point::new(55.0, 40.0), Point::new(9.0, 39.0)];
/// let crop = flatten_luma(&view, &corners, DocumentShape::Id1, 100).unwrap();
/// assert_eq!((crop.width(), crop.height()), (100, 63));
/// assert!(crop.pixels().iter().all(|&p| (p - 200.0).abs() < 1e-3));
/// ```
#[must_use]
pub fn flatten_luma(
    view: &RgbaView<'_>,
    corners: &[Point; 4],
    shape: DocumentShape,
    long_edge: u32,
) -> Option<LumaImage> {
    let (width, height) = flat_size(corners, shape, long_edge);
    let (sw, sh) = (view.width() as usize, view.height() as usize);
    if sw == 0 || sh == 0 {
        return None;
    }
    // The luma of the rows the document spans only (and a row either side, for the
    // neighbours and the rounding of positions).
    let (top, bottom) = corners
        .iter()
        .fold((f32::MAX, f32::MIN), |(t, b), c| (t.min(c.y), b.max(c.y)));
    let first = (top.floor() - 1.0).clamp(0.0, (sh - 1) as f32) as usize;
    let last = (bottom.ceil() + 1.0).clamp(first as f32, (sh - 1) as f32) as usize;
    let rgba = &view.pixels()[first * sw * 4..(last + 1) * sw * 4];
    let luma: Vec<u8> = rgba
        .chunks_exact(4)
        .map(|p| {
            // BT.601's weights in 1/65536ths (a shift where thousandths need a division),
            // rounded to a level.
            let sum = 19595 * u32::from(p[0]) + 38470 * u32::from(p[1]) + 7471 * u32::from(p[2]);
            ((sum + (1 << 15)) >> 16) as u8
        })
        .collect();
    let mut pixels = Vec::with_capacity(width as usize * height as usize);
    sample_flattened(corners, (width, height), (sw, first..last + 1), |at| {
        let i = at.index - first * sw;
        let (right, below) = (at.right, at.below);
        let value = at.blend(
            luma[i],
            luma[i + right],
            luma[i + below],
            luma[i + below + right],
        );
        pixels.push(value as f32 * (1.0 / 65536.0));
    })?;
    Some(LumaImage::from_pixels(width, height, pixels))
}

/// The size of a crop of `shape` with a long edge of `long_edge` pixels, landscape when the
/// outline's top and bottom sides are its longer ones.
fn flat_size(c: &[Point; 4], shape: DocumentShape, long_edge: u32) -> (u32, u32) {
    let long_edge = long_edge.max(2);
    let short = ((long_edge as f32 / shape.aspect()).round() as u32).max(1);
    let landscape =
        c[0].distance(c[1]) + c[2].distance(c[3]) >= c[1].distance(c[2]) + c[3].distance(c[0]);
    if landscape {
        (long_edge, short)
    } else {
        (short, long_edge)
    }
}

/// Where one output pixel of a flattened crop is read from: its top-left source neighbour and
/// the bilinear weights.
struct Sample {
    /// The top-left neighbour's index in the source, `y * width + x`.
    index: usize,
    /// The offset to the right neighbour: 1, or 0 in the last column (it repeats).
    right: usize,
    /// The offset to the neighbour below: the source's width, or 0 in its last readable row.
    below: usize,
    /// The weight of the right neighbours, in 1/256ths.
    ax: u32,
    /// The weight of the neighbours below, in 1/256ths.
    ay: u32,
}

impl Sample {
    /// The four neighbours blended, in 1/65536ths of a level: integer blending, exact enough
    /// for 8-bit output.
    #[inline(always)]
    fn blend(&self, p00: u8, p01: u8, p10: u8, p11: u8) -> u32 {
        let top = u32::from(p00) * (256 - self.ax) + u32::from(p01) * self.ax;
        let bottom = u32::from(p10) * (256 - self.ax) + u32::from(p11) * self.ax;
        top * (256 - self.ay) + bottom * self.ay
    }
}

/// Calls `put` for each pixel of an `out` (width, height) flattening of `corners`, row by
/// row, with where it is read from in a source `width` pixels wide of which `rows` are
/// readable (positions beyond them repeat their last column or row). `None` when the corners
/// do not make a quadrilateral.
fn sample_flattened(
    corners: &[Point; 4],
    (out_w, out_h): (u32, u32),
    (width, rows): (usize, std::ops::Range<usize>),
    mut put: impl FnMut(Sample),
) -> Option<()> {
    if width == 0 || rows.is_empty() {
        return None;
    }
    let (fw, fh) = (out_w as f32, out_h as f32);
    let rect = [
        Point::new(0.0, 0.0),
        Point::new(fw, 0.0),
        Point::new(fw, fh),
        Point::new(0.0, fh),
    ];
    let h = Homography::from_points(&rect, corners)?.h;
    // Source positions in 1/65536ths of a pixel, clamped to the readable rows.
    let (max_x, min_y, max_y) = (
        ((width - 1) as i64) << 16,
        (rows.start as i64) << 16,
        ((rows.end - 1) as i64) << 16,
    );
    for oy in 0..out_h as usize {
        let v = oy as f64 + 0.5;
        let (kx, ky, kz) = (h[1] * v + h[2], h[4] * v + h[5], h[7] * v + h[8]);
        // Where the centre of output column `u` comes from, in fixed point.
        let source = |u: f64| -> (i64, i64) {
            let inv = 1.0 / (h[6] * u + kz);
            (
                (((h[0] * u + kx) * inv - 0.5) * 65536.0) as i64,
                (((h[3] * u + ky) * inv - 0.5) * 65536.0) as i64,
            )
        };
        // Exact projections every SPAN pixels, linear in between (the per-pixel divisions
        // were half the time): under a perspective far stronger than guidance lets through
        // (one side 55 % of the other), a sample is under a twentieth of a pixel off (see
        // the test `the_flattened_crop_follows_the_exact_projection`).
        const SPAN: usize = 8;
        let mut start = source(0.5);
        let mut done = 0;
        while done < out_w as usize {
            let n = SPAN.min(out_w as usize - done);
            let end = source((done + n) as f64 + 0.5);
            let step = ((end.0 - start.0) / n as i64, (end.1 - start.1) / n as i64);
            let (mut fx, mut fy) = start;
            for _ in 0..n {
                let (x, y) = (fx.clamp(0, max_x), fy.clamp(min_y, max_y));
                fx += step.0;
                fy += step.1;
                let (x0, y0) = ((x >> 16) as usize, (y >> 16) as usize);
                put(Sample {
                    index: y0 * width + x0,
                    right: usize::from(x0 + 1 < width),
                    below: if y0 + 1 < rows.end { width } else { 0 },
                    ax: ((x >> 8) & 255) as u32,
                    ay: ((y >> 8) & 255) as u32,
                });
            }
            done += n;
            start = end;
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::fast_angle;

    /// The Hough vote's bins rely on this bound: `atan2` decides within 1.7e-5 radians (a
    /// thousandth of a bin) of a bin's edge.
    #[test]
    fn fast_angle_is_within_a_micro_radian_of_atan2() {
        let mut worst = 0f32;
        for i in -300..=300 {
            for j in -300..=300 {
                if i == 0 && j == 0 {
                    continue;
                }
                let (gx, gy) = (i as f32 * 3.7, j as f32 * 2.9);
                let mut exact = gy.atan2(gx);
                if exact < 0.0 {
                    exact += std::f32::consts::TAU;
                }
                let d = (fast_angle(gx, gy) - exact).abs();
                // 0 and a whole turn are the same direction.
                worst = worst.max(d.min((d - std::f32::consts::TAU).abs()));
            }
        }
        assert!(worst < 2e-6, "worst {worst}");
    }
}
