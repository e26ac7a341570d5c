//! Image quality of a capture: sharpness, exposure, glare and cut-off, each a score and a
//! verdict against configurable [`QualityThresholds`].
//!
//! Every metric runs on the same normalized downscale ([`normalize`] to
//! [`QualityThresholds::normalize_long_edge`]), so one threshold holds for a 1280x720 preview
//! and a 4032x3024 photo, and the work after the downscale is fixed whatever the camera.
//!
//! How failed checks escalate (block, then warn) is decided by [`crate::gate::QualityGate`].

use serde::{Deserialize, Serialize};

use crate::frame::{normalize, Frame, LumaImage};
use crate::vocabulary::Slot;

/// The thresholds of every check. The defaults suit document photos; [`selfie`] suits faces.
///
/// [`selfie`]: QualityThresholds::selfie
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QualityThresholds {
    /// The long edge, in pixels, every metric is computed at.
    pub normalize_long_edge: u32,
    /// The least variance of the Laplacian (on the normalized image) that counts as sharp.
    pub min_sharpness: f64,
    /// The least mean luma (0..=255) that is not too dark.
    pub min_mean_luma: f64,
    /// The greatest mean luma that is not too bright.
    pub max_mean_luma: f64,
    /// A pixel at or above this luma is clipped (a specular highlight).
    pub glare_clip_luma: f32,
    /// Clipped regions smaller than this share of the frame are ignored (white specks, text
    /// background): the blob-size guard.
    pub glare_min_blob_share: f64,
    /// The greatest share of the frame covered by clipped regions that is not glare.
    pub max_glare_share: f64,
    /// Whether to check that the document does not touch the frame's edges.
    pub check_cutoff: bool,
    /// The width of the border band examined for cut-off, as a share of each dimension.
    pub cutoff_band_share: f64,
    /// The greatest ratio of a border band's edge density to the centre's that is not cut off.
    pub max_cutoff_ratio: f64,
    /// The luma step (sum of horizontal and vertical differences) that makes a pixel an edge
    /// for the cut-off check; sensor noise stays below it, print goes far above.
    pub cutoff_edge_step: f32,
}

impl Default for QualityThresholds {
    fn default() -> Self {
        QualityThresholds {
            normalize_long_edge: 640,
            min_sharpness: 80.0,
            min_mean_luma: 60.0,
            max_mean_luma: 215.0,
            glare_clip_luma: 250.0,
            glare_min_blob_share: 0.0005,
            max_glare_share: 0.01,
            check_cutoff: true,
            cutoff_band_share: 0.08,
            max_cutoff_ratio: 0.35,
            cutoff_edge_step: 24.0,
        }
    }
}

impl QualityThresholds {
    /// Thresholds for a selfie or liveness frame: skin is smoother than print, so the sharpness
    /// bar is lower, and a face needs no margin so cut-off is not checked.
    pub fn selfie() -> Self {
        QualityThresholds {
            min_sharpness: 25.0,
            check_cutoff: false,
            ..QualityThresholds::default()
        }
    }

    /// The thresholds of `slot`: [`selfie`](Self::selfie) for a face, the defaults for a
    /// document. Widget and relay measure every slot with these.
    ///
    /// # Examples
    /// ```
    /// use kyc_core::{QualityThresholds, Slot};
    /// assert!(!QualityThresholds::for_slot(Slot::Selfie).check_cutoff);
    /// assert_eq!(QualityThresholds::for_slot(Slot::Back), QualityThresholds::default());
    /// ```
    #[must_use]
    pub fn for_slot(slot: Slot) -> Self {
        if slot.is_face() {
            QualityThresholds::selfie()
        } else {
            QualityThresholds::default()
        }
    }
}

/// Which edges of the frame the document touches.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sides {
    /// The top edge.
    pub top: bool,
    /// The right edge.
    pub right: bool,
    /// The bottom edge.
    pub bottom: bool,
    /// The left edge.
    pub left: bool,
}

impl Sides {
    /// Whether any side is set.
    pub fn any(self) -> bool {
        self.top || self.right || self.bottom || self.left
    }
}

/// A specific reason a capture fails a quality check. Each has a stable
/// [`code`](QualityIssue::code), also its message key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum QualityIssue {
    /// Out of focus or moved.
    Blurry,
    /// Underexposed.
    TooDark,
    /// Overexposed.
    TooBright,
    /// A specular highlight hides part of the document.
    Glare,
    /// The document touches the frame's edges: part of it may be cut off.
    CutOff {
        /// The edges it touches.
        sides: Sides,
    },
}

impl QualityIssue {
    /// The stable machine code.
    pub fn code(self) -> &'static str {
        match self {
            QualityIssue::Blurry => "blurry",
            QualityIssue::TooDark => "too_dark",
            QualityIssue::TooBright => "too_bright",
            QualityIssue::Glare => "glare",
            QualityIssue::CutOff { .. } => "cut_off",
        }
    }

    /// The key of the user-facing message: by design the same string as [`code`](Self::code).
    pub fn message_key(self) -> &'static str {
        self.code()
    }

    /// English text for developers and logs.
    pub fn describe(self) -> String {
        match self {
            QualityIssue::Blurry => "the image is blurry".to_owned(),
            QualityIssue::TooDark => "the image is too dark".to_owned(),
            QualityIssue::TooBright => "the image is too bright".to_owned(),
            QualityIssue::Glare => "glare hides part of the document".to_owned(),
            QualityIssue::CutOff { sides } => {
                let names: Vec<&str> = [
                    (sides.top, "top"),
                    (sides.right, "right"),
                    (sides.bottom, "bottom"),
                    (sides.left, "left"),
                ]
                .iter()
                .filter(|(set, _)| *set)
                .map(|(_, name)| *name)
                .collect();
                format!(
                    "the document touches the {} edge of the frame",
                    names.join(", ")
                )
            }
        }
    }
}

/// One check's result: its score and, when it fails, why.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Measurement {
    /// The score (its meaning is the check's: see each function).
    pub score: f64,
    /// The reason the check fails; `None` when it passes.
    pub issue: Option<QualityIssue>,
}

impl Measurement {
    /// Whether the check passes.
    pub fn passed(&self) -> bool {
        self.issue.is_none()
    }
}

/// Every check on one frame.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct QualityReport {
    /// [`sharpness`].
    pub sharpness: Measurement,
    /// [`exposure`].
    pub exposure: Measurement,
    /// [`glare`].
    pub glare: Measurement,
    /// [`cutoff`]; `None` when not checked.
    pub cutoff: Option<Measurement>,
}

impl QualityReport {
    /// The reasons the frame fails, in check order; empty when it passes.
    ///
    /// One cause, not its symptoms: a frame too dark or too bright has its contrast squashed,
    /// so it also measures as blurry; only the exposure is reported then (once the light is
    /// right, the next capture shows whether it is sharp).
    pub fn issues(&self) -> Vec<QualityIssue> {
        let sharpness = self.exposure.passed().then_some(self.sharpness);
        [
            sharpness,
            Some(self.exposure),
            Some(self.glare),
            self.cutoff,
        ]
        .into_iter()
        .flatten()
        .filter_map(|m| m.issue)
        .collect()
    }

    /// Whether every check passes.
    pub fn passed(&self) -> bool {
        self.issues().is_empty()
    }
}

/// Runs every check on `frame` (one normalized downscale shared by all).
///
/// # Examples
/// ```
/// use kyc_core::frame::LumaView;
/// use kyc_core::quality::{assess, QualityIssue, QualityThresholds};
/// let grey = vec![30u8; 320 * 240];
/// let report = assess(&LumaView::new(320, 240, &grey).unwrap(), &QualityThresholds::default());
/// assert_eq!(report.issues(), vec![QualityIssue::TooDark]);
/// ```
pub fn assess(frame: &impl Frame, thresholds: &QualityThresholds) -> QualityReport {
    let image = normalize(frame, thresholds.normalize_long_edge);
    let clipped = clipped_of(&image, thresholds);
    QualityReport {
        sharpness: sharpness_of(&image, thresholds),
        exposure: exposure_of(&image, thresholds, &clipped),
        glare: glare_of(&image, thresholds, &clipped),
        cutoff: thresholds
            .check_cutoff
            .then(|| cutoff_of(&image, thresholds)),
    }
}

/// The variance of the Laplacian of `frame` at its own resolution, exactly as OpenCV's
/// `cv2.Laplacian(img, cv2.CV_64F).var()` (3x3 kernel `[0 1 0; 1 -4 1; 0 1 0]`, borders
/// reflected without repeating the edge pixel). Higher is sharper. Memory: three rows.
///
/// # Examples
/// ```
/// use kyc_core::frame::LumaView;
/// use kyc_core::quality::laplacian_variance;
/// let flat = vec![128u8; 64 * 64];
/// assert_eq!(laplacian_variance(&LumaView::new(64, 64, &flat).unwrap()), 0.0);
/// let checker: Vec<u8> = (0..64 * 64).map(|i| if (i % 64 + i / 64) % 2 == 0 { 0 } else { 255 }).collect();
/// assert!(laplacian_variance(&LumaView::new(64, 64, &checker).unwrap()) > 1e5);
/// ```
pub fn laplacian_variance(frame: &impl Frame) -> f64 {
    let (w, h) = (frame.width() as usize, frame.height() as usize);
    let reflect = |i: isize, n: usize| -> usize {
        if n == 1 {
            0
        } else if i < 0 {
            (-i) as usize
        } else if i as usize >= n {
            2 * (n - 1) - i as usize
        } else {
            i as usize
        }
    };
    let mut rows = [vec![0f32; w], vec![0f32; w], vec![0f32; w]];
    // rows[0] = y - 1, rows[1] = y, rows[2] = y + 1 (reflected at the borders).
    frame.luma_row(reflect(-1, h) as u32, &mut rows[0]);
    frame.luma_row(0, &mut rows[1]);
    frame.luma_row(reflect(1, h) as u32, &mut rows[2]);
    let (mut sum, mut sum_sq) = (0f64, 0f64);
    for y in 0..h {
        if y > 0 {
            rows.rotate_left(1);
            frame.luma_row(reflect(y as isize + 1, h) as u32, &mut rows[2]);
        }
        let (up, mid, down) = (&rows[0], &rows[1], &rows[2]);
        let at_edge = |x: usize| {
            let left = mid[reflect(x as isize - 1, w)];
            let right = mid[reflect(x as isize + 1, w)];
            f64::from(up[x] + down[x] + left + right - 4.0 * mid[x])
        };
        // The edge columns (reflected) apart from the others (windows, no bounds checks), in
        // the same order: the same sums.
        let value = at_edge(0);
        sum += value;
        sum_sq += value * value;
        if w > 2 {
            let inner = up[1..w - 1].iter().zip(&down[1..w - 1]);
            for ((u, d), m) in inner.zip(mid.windows(3)) {
                let value = f64::from(u + d + m[0] + m[2] - 4.0 * m[1]);
                sum += value;
                sum_sq += value * value;
            }
        }
        if w > 1 {
            let value = at_edge(w - 1);
            sum += value;
            sum_sq += value * value;
        }
    }
    let n = (w * h) as f64;
    let mean = sum / n;
    (sum_sq / n - mean * mean).max(0.0)
}

/// Sharpness: the variance of the Laplacian on the normalized downscale. Fails as
/// [`QualityIssue::Blurry`] below [`QualityThresholds::min_sharpness`].
pub fn sharpness(frame: &impl Frame, thresholds: &QualityThresholds) -> Measurement {
    sharpness_of(
        &normalize(frame, thresholds.normalize_long_edge),
        thresholds,
    )
}

fn sharpness_of(image: &LumaImage, thresholds: &QualityThresholds) -> Measurement {
    let score = laplacian_variance(image);
    Measurement {
        score,
        issue: (score < thresholds.min_sharpness).then_some(QualityIssue::Blurry),
    }
}

/// Exposure: too dark when the whole frame's mean luma (0..=255) is below
/// [`QualityThresholds::min_mean_luma`] ([`QualityIssue::TooDark`]); too bright when the mean
/// of what is not white ground is above [`QualityThresholds::max_mean_luma`]
/// ([`QualityIssue::TooBright`]). White ground: the clipped regions that reach the frame's
/// border (see [`glare`]). A scanner's white or a page's paper around its print is not an
/// overexposed document; a frame with almost nothing else (2 % or less) is measured whole, so
/// a blank white frame is too bright. The score is the mean the verdict used: the whole
/// frame's when too dark, else the one without the white ground.
pub fn exposure(frame: &impl Frame, thresholds: &QualityThresholds) -> Measurement {
    let image = normalize(frame, thresholds.normalize_long_edge);
    exposure_of(&image, thresholds, &clipped_of(&image, thresholds))
}

fn exposure_of(
    image: &LumaImage,
    thresholds: &QualityThresholds,
    clipped: &Clipped,
) -> Measurement {
    let n = image.pixels().len();
    let rest = n - clipped.ground;
    let whole = image.mean();
    if whole < thresholds.min_mean_luma {
        return Measurement {
            score: whole,
            issue: Some(QualityIssue::TooDark),
        };
    }
    let score = if rest * 50 > n {
        (whole * n as f64 - clipped.ground_sum) / rest as f64
    } else {
        whole
    };
    Measurement {
        score,
        issue: (score > thresholds.max_mean_luma).then_some(QualityIssue::TooBright),
    }
}

/// Glare: the share (0..=1) of the frame covered by clipped regions (luma at or above
/// [`QualityThresholds::glare_clip_luma`], 4-connected) that look like a reflection on the
/// document. Fails as [`QualityIssue::Glare`] above [`QualityThresholds::max_glare_share`].
///
/// What clipped regions are not:
/// - specks: a region smaller than [`QualityThresholds::glare_min_blob_share`] of the frame;
/// - white ground: a region reaching the frame's border. Around a document that is a
///   scanner's white, the sheet or bright wall behind it; on a document cut out of the frame
///   (a flattened crop), its own white paper or card, which runs to its edges. A reflection
///   lies inside the document; one running off it goes uncounted (the cut-off check asks for
///   the whole document in the frame);
/// - white print: a region less than half of which is [`SOLID_REACH`] pixels or more from its
///   edge in every direction (the strokes of white letters; a reflection is a solid patch).
pub fn glare(frame: &impl Frame, thresholds: &QualityThresholds) -> Measurement {
    let image = normalize(frame, thresholds.normalize_long_edge);
    glare_of(&image, thresholds, &clipped_of(&image, thresholds))
}

fn glare_of(image: &LumaImage, thresholds: &QualityThresholds, clipped: &Clipped) -> Measurement {
    let score = clipped.glare as f64 / image.pixels().len() as f64;
    Measurement {
        score,
        issue: (score > thresholds.max_glare_share).then_some(QualityIssue::Glare),
    }
}

/// How far, in pixels of the normalized image, a clipped pixel's clipped neighbours must reach
/// left, right, up and down for it to be solid: strokes up to 4 pixels wide (white print at
/// 640 pixels, bold headings included) have no solid pixel.
pub const SOLID_REACH: usize = 2;

/// The clipped regions of a frame, found once for the exposure and the glare.
struct Clipped {
    /// Pixels of the regions that count as glare.
    glare: usize,
    /// Pixels of the white ground, and the sum of their luma.
    ground: usize,
    ground_sum: f64,
}

// One copy for every caller: `kyc-core` is compiled for speed, and inlined into each of the
// widget's callers this walk came several times into its module.
#[inline(never)]
fn clipped_of(image: &LumaImage, thresholds: &QualityThresholds) -> Clipped {
    let (w, h) = (image.width() as usize, image.height() as usize);
    let pixels = image.pixels();
    let n = w * h;
    let min_blob = ((thresholds.glare_min_blob_share * n as f64).ceil() as usize).max(1);
    let clip = thresholds.glare_clip_luma;
    let r = SOLID_REACH;
    let is_clipped = |x: usize, y: usize| pixels[y * w + x] >= clip;
    let solid = |x: usize, y: usize| {
        x >= r
            && y >= r
            && x + r < w
            && y + r < h
            && (1..=r).all(|d| {
                is_clipped(x - d, y)
                    && is_clipped(x + d, y)
                    && is_clipped(x, y - d)
                    && is_clipped(x, y + d)
            })
    };
    let mut seen = vec![false; n];
    let mut stack: Vec<usize> = Vec::new();
    let mut clipped = Clipped {
        glare: 0,
        ground: 0,
        ground_sum: 0.0,
    };
    for start in 0..n {
        if seen[start] || pixels[start] < clip {
            continue;
        }
        seen[start] = true;
        stack.push(start);
        let (mut size, mut solids, mut sum, mut border) = (0usize, 0usize, 0f64, false);
        while let Some(i) = stack.pop() {
            size += 1;
            sum += f64::from(pixels[i]);
            let (x, y) = (i % w, i / w);
            border |= x == 0 || y == 0 || x + 1 == w || y + 1 == h;
            solids += usize::from(solid(x, y));
            let mut visit = |j: usize| {
                if !seen[j] && pixels[j] >= clip {
                    seen[j] = true;
                    stack.push(j);
                }
            };
            if x > 0 {
                visit(i - 1);
            }
            if x + 1 < w {
                visit(i + 1);
            }
            if y > 0 {
                visit(i - w);
            }
            if y + 1 < h {
                visit(i + w);
            }
        }
        if border {
            clipped.ground += size;
            clipped.ground_sum += sum;
        } else if size >= min_blob && solids * 2 >= size {
            clipped.glare += size;
        }
    }
    clipped
}

/// Cut-off: the highest ratio, over the four sides, of the edge density (the share of pixels
/// whose gradient reaches [`QualityThresholds::cutoff_edge_step`]) in a border band ([`QualityThresholds::cutoff_band_share`] of the dimension) to
/// the edge density of the frame's central half. A document framed with a margin leaves the
/// bands plain; one that runs off the frame puts its print in them. Fails as
/// [`QualityIssue::CutOff`] naming the sides above [`QualityThresholds::max_cutoff_ratio`].
///
/// Reliable on plain backgrounds (a table, a sheet); a strongly textured background reads as
/// document, so [`crate::gate::Escalation`] treats this check as a warning by default; a
/// [`crate::gate::Strictness::Strict`] gate blocks on it anyway (see there why).
pub fn cutoff(frame: &impl Frame, thresholds: &QualityThresholds) -> Measurement {
    cutoff_of(
        &normalize(frame, thresholds.normalize_long_edge),
        thresholds,
    )
}

fn cutoff_of(image: &LumaImage, thresholds: &QualityThresholds) -> Measurement {
    let (w, h) = (image.width() as usize, image.height() as usize);
    if w < 8 || h < 8 {
        return Measurement {
            score: 0.0,
            issue: None,
        };
    }
    let p = image.pixels();
    let gradient = |x: usize, y: usize| -> f32 {
        let i = y * w + x;
        let dx = if x + 1 < w {
            (p[i + 1] - p[i]).abs()
        } else {
            0.0
        };
        let dy = if y + 1 < h {
            (p[i + w] - p[i]).abs()
        } else {
            0.0
        };
        dx + dy
    };
    let step = thresholds.cutoff_edge_step;
    let density = |x0: usize, x1: usize, y0: usize, y1: usize| -> f64 {
        let mut edges = 0usize;
        for y in y0..y1 {
            for x in x0..x1 {
                edges += usize::from(gradient(x, y) >= step);
            }
        }
        edges as f64 / ((x1 - x0) * (y1 - y0)).max(1) as f64
    };
    let band_x = ((w as f64 * thresholds.cutoff_band_share).round() as usize).clamp(2, w / 4);
    let band_y = ((h as f64 * thresholds.cutoff_band_share).round() as usize).clamp(2, h / 4);
    // The floor (one edge pixel in a hundred) keeps a blank centre from making a large ratio
    // out of a few edges.
    let centre = density(w / 4, w - w / 4, h / 4, h - h / 4).max(0.01);
    // The last row/column has no forward difference, so the bands stop one short of the edge.
    let top = density(0, w - 1, 0, band_y) / centre;
    let bottom = density(0, w - 1, h - 1 - band_y, h - 1) / centre;
    let left = density(0, band_x, 0, h - 1) / centre;
    let right = density(w - 1 - band_x, w - 1, 0, h - 1) / centre;
    let limit = thresholds.max_cutoff_ratio;
    let sides = Sides {
        top: top > limit,
        right: right > limit,
        bottom: bottom > limit,
        left: left > limit,
    };
    Measurement {
        score: top.max(bottom).max(left).max(right),
        issue: sides.any().then_some(QualityIssue::CutOff { sides }),
    }
}
