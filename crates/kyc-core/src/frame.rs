//! Borrowed views of camera frames, and the normalized downscale every quality metric runs on.
//!
//! Views borrow the caller's pixels (a canvas's `ImageData`, a decoded upload) and never copy
//! them; [`normalize`] makes the one small owned image the metrics share.

use serde::{Deserialize, Serialize};

/// Why a view cannot be made over a buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum ViewError {
    /// Width or height is zero.
    Empty,
    /// The buffer's length is not width x height x bytes per pixel.
    LengthMismatch {
        /// The length the dimensions call for.
        expected: u64,
        /// The buffer's length.
        actual: u64,
    },
}

/// A frame the metrics can read: its size and its rows as luma (0..=255).
pub trait Frame {
    /// Width in pixels (at least 1).
    fn width(&self) -> u32;
    /// Height in pixels (at least 1).
    fn height(&self) -> u32;
    /// Writes row `y`'s luma into `out` (`out.len() == width`).
    fn luma_row(&self, y: u32, out: &mut [f32]);
    /// The colour of pixel `(x, y)` (inside the frame), `None` for a frame without colour.
    fn rgb(&self, _x: u32, _y: u32) -> Option<[u8; 3]> {
        None
    }
}

fn check_len(width: u32, height: u32, channels: u64, actual: usize) -> Result<(), ViewError> {
    if width == 0 || height == 0 {
        return Err(ViewError::Empty);
    }
    let expected = u64::from(width) * u64::from(height) * channels;
    if expected != actual as u64 {
        return Err(ViewError::LengthMismatch {
            expected,
            actual: actual as u64,
        });
    }
    Ok(())
}

/// A borrowed 8-bit grayscale image, rows top to bottom, no padding.
///
/// # Examples
/// ```
/// use kyc_core::frame::{Frame, LumaView};
/// let pixels = [0u8, 64, 128, 255, 0, 0];
/// let view = LumaView::new(3, 2, &pixels).unwrap();
/// assert_eq!((view.width(), view.height()), (3, 2));
/// assert!(LumaView::new(4, 2, &pixels).is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LumaView<'a> {
    width: u32,
    height: u32,
    pixels: &'a [u8],
}

impl<'a> LumaView<'a> {
    /// A view of `pixels` as `width` x `height`; the length must match exactly.
    pub fn new(width: u32, height: u32, pixels: &'a [u8]) -> Result<Self, ViewError> {
        check_len(width, height, 1, pixels.len())?;
        Ok(LumaView {
            width,
            height,
            pixels,
        })
    }

    /// The borrowed pixels.
    pub fn pixels(&self) -> &'a [u8] {
        self.pixels
    }
}

impl Frame for LumaView<'_> {
    fn width(&self) -> u32 {
        self.width
    }
    fn height(&self) -> u32 {
        self.height
    }
    fn luma_row(&self, y: u32, out: &mut [f32]) {
        let w = self.width as usize;
        let row = &self.pixels[y as usize * w..][..w];
        for (o, p) in out.iter_mut().zip(row) {
            *o = f32::from(*p);
        }
    }
}

/// A borrowed 8-bit RGBA image (as a canvas's `ImageData`), rows top to bottom, no padding.
/// Luma is computed as ITU-R BT.601 (`0.299 R + 0.587 G + 0.114 B`), as OpenCV's
/// `cvtColor(..., COLOR_RGB2GRAY)`; alpha is ignored.
///
/// # Examples
/// ```
/// use kyc_core::frame::{Frame, RgbaView};
/// let pixels = [255u8, 255, 255, 255, 0, 0, 0, 255];
/// let view = RgbaView::new(2, 1, &pixels).unwrap();
/// let mut row = [0.0f32; 2];
/// view.luma_row(0, &mut row);
/// assert!((row[0] - 255.0).abs() < 0.01 && row[1] == 0.0);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RgbaView<'a> {
    width: u32,
    height: u32,
    pixels: &'a [u8],
}

impl<'a> RgbaView<'a> {
    /// A view of `pixels` as `width` x `height` RGBA; the length must be `4 * width * height`.
    pub fn new(width: u32, height: u32, pixels: &'a [u8]) -> Result<Self, ViewError> {
        check_len(width, height, 4, pixels.len())?;
        Ok(RgbaView {
            width,
            height,
            pixels,
        })
    }

    /// The borrowed pixels.
    pub fn pixels(&self) -> &'a [u8] {
        self.pixels
    }
}

impl Frame for RgbaView<'_> {
    fn width(&self) -> u32 {
        self.width
    }
    fn height(&self) -> u32 {
        self.height
    }
    fn luma_row(&self, y: u32, out: &mut [f32]) {
        let w = self.width as usize;
        let row = &self.pixels[y as usize * w * 4..][..w * 4];
        for (o, p) in out.iter_mut().zip(row.chunks_exact(4)) {
            // The weights in thousandths, summed exactly in integers: one conversion and one
            // multiply per pixel instead of three each (within 2e-5 of the exact luma).
            let sum = 299 * u32::from(p[0]) + 587 * u32::from(p[1]) + 114 * u32::from(p[2]);
            *o = sum as f32 * 0.001;
        }
    }
    fn rgb(&self, x: u32, y: u32) -> Option<[u8; 3]> {
        let i = (y as usize * self.width as usize + x as usize) * 4;
        self.pixels.get(i..i + 3).map(|p| [p[0], p[1], p[2]])
    }
}

impl RgbaView<'_> {
    /// Its pixels as seen upright when they are stored turned as `orientation` says (a photo's
    /// EXIF orientation as a decoder reports it): the same pixels, moved, with width and height
    /// swapped by a quarter turn.
    ///
    /// # Examples
    /// ```
    /// use kyc_core::frame::{Orientation, RgbaView};
    /// // Two pixels side by side, red then blue, stored for a quarter turn clockwise.
    /// let pixels = [255u8, 0, 0, 255, 0, 0, 255, 255];
    /// let view = RgbaView::new(2, 1, &pixels).unwrap();
    /// let upright = view.oriented(Orientation { quarter_turns: 1, mirrored: false });
    /// assert_eq!((upright.width, upright.height), (1, 2));
    /// assert_eq!(upright.pixels, pixels); // red above blue
    /// ```
    #[must_use]
    pub fn oriented(&self, orientation: Orientation) -> RgbaImage {
        let (width, height) = (i64::from(self.width), i64::from(self.height));
        let turned = orientation.quarter_turns % 2 == 1;
        let out_width = if turned { height } else { width };
        // Where source pixel (x, y) lands, as an index into the output: affine in x and y, so
        // it is found at three points and then stepped along each row.
        let place = |x: i64, y: i64| {
            let (dx, dy) = match orientation.quarter_turns % 4 {
                0 => (x, y),
                1 => (height - 1 - y, x),
                2 => (width - 1 - x, height - 1 - y),
                _ => (y, width - 1 - x),
            };
            let dx = if orientation.mirrored {
                out_width - 1 - dx
            } else {
                dx
            };
            dx + dy * out_width
        };
        let origin = place(0, 0);
        let (step_x, step_y) = (place(1, 0) - origin, place(0, 1) - origin);
        // Pixels as 4-byte values, one bounds check and one store each; tiles of 16: a quarter
        // turn writes each source row down an output column, and a whole row's worth of output
        // lines does not stay in the cache. For a 12 MP photo decoded at a quarter, in
        // Chromium's worker: 12 ms as bytes in tiles of 32, 9.4 ms as pixels in tiles of 32,
        // 6.4 ms in tiles of 16, 9.3 ms read in the output's order.
        let (pixels, _) = self.pixels.as_chunks::<4>();
        let mut out = vec![[0u8; 4]; pixels.len()];
        let width = self.width as usize;
        const TILE: usize = 16;
        for top in (0..self.height as usize).step_by(TILE) {
            let rows = top..(top + TILE).min(self.height as usize);
            for left in (0..width).step_by(TILE) {
                let columns = left..(left + TILE).min(width);
                for y in rows.clone() {
                    let row = &pixels[y * width..][columns.clone()];
                    let mut at = origin + y as i64 * step_y + left as i64 * step_x;
                    for &pixel in row {
                        out[at as usize] = pixel;
                        at += step_x;
                    }
                }
            }
        }
        let (width, height) = if turned {
            (self.height, self.width)
        } else {
            (self.width, self.height)
        };
        RgbaImage {
            width,
            height,
            pixels: out.into_flattened(),
        }
    }
}

/// How an image's pixels are stored relative to how it is seen: turned clockwise by
/// `quarter_turns`, then mirrored left to right when `mirrored` (WebCodecs' `VideoFrame`
/// `rotation` and `flip`, which carry a photo's EXIF orientation).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Orientation {
    /// Quarter turns clockwise, 0 to 3.
    pub quarter_turns: u8,
    /// Mirrored left to right after the turn.
    pub mirrored: bool,
}

/// An owned RGBA image: a flattened crop, or a photo's pixels turned upright.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RgbaImage {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// RGBA pixels, rows top to bottom.
    pub pixels: Vec<u8>,
}

/// An owned grayscale image of `f32` luma (0.0..=255.0): the normalized downscale, or a
/// flattened document's luma.
#[derive(Clone, Debug, PartialEq)]
pub struct LumaImage {
    width: u32,
    height: u32,
    pixels: Vec<f32>,
}

impl LumaImage {
    /// An image of `pixels`, rows top to bottom; `pixels` holds `width * height` values.
    pub(crate) fn from_pixels(width: u32, height: u32, pixels: Vec<f32>) -> LumaImage {
        debug_assert_eq!(pixels.len(), width as usize * height as usize);
        LumaImage {
            width,
            height,
            pixels,
        }
    }

    /// The pixels, rows top to bottom.
    pub fn pixels(&self) -> &[f32] {
        &self.pixels
    }

    /// The mean luma.
    pub fn mean(&self) -> f64 {
        let sum: f64 = self.pixels.iter().map(|p| f64::from(*p)).sum();
        sum / self.pixels.len() as f64
    }
}

impl Frame for LumaImage {
    fn width(&self) -> u32 {
        self.width
    }
    fn height(&self) -> u32 {
        self.height
    }
    fn luma_row(&self, y: u32, out: &mut [f32]) {
        let w = self.width as usize;
        out.copy_from_slice(&self.pixels[y as usize * w..][..w]);
    }
}

/// Downscales `frame` by area averaging so that its long edge is `long_edge` (frames already
/// that small are copied as they are, never enlarged), keeping the aspect ratio.
///
/// Metrics computed on this image compare across resolutions: a 4032x3024 photo and a 1280x720
/// preview of the same scene give close scores. Memory is the output image plus one row.
///
/// # Examples
/// ```
/// use kyc_core::frame::{normalize, Frame, LumaView};
/// let pixels = vec![200u8; 4000 * 3000];
/// let small = normalize(&LumaView::new(4000, 3000, &pixels).unwrap(), 640);
/// assert_eq!((small.width(), small.height()), (640, 480));
/// assert!((small.mean() - 200.0).abs() < 0.01);
/// ```
pub fn normalize(frame: &impl Frame, long_edge: u32) -> LumaImage {
    normalized(frame, long_edge)
}

/// [`normalize`] compiled once for every kind of frame: it reads a row at a time, so a call
/// per row costs nothing measurable, and a copy per kind of frame would cost the widget its
/// bytes.
fn normalized(frame: &dyn Frame, long_edge: u32) -> LumaImage {
    let (width, height) = (frame.width().max(1), frame.height().max(1));
    let long_edge = long_edge.max(1);
    let scale = f64::from(width.max(height)) / f64::from(long_edge);
    let (out_w, out_h) = if scale <= 1.0 {
        (width, height)
    } else {
        (
            ((f64::from(width) / scale).round() as u32).clamp(1, width),
            ((f64::from(height) / scale).round() as u32).clamp(1, height),
        )
    };
    let (w, h, ow, oh) = (
        width as usize,
        height as usize,
        out_w as usize,
        out_h as usize,
    );
    let mut row = vec![0f32; w];
    let mut pixels = vec![0f32; ow * oh];
    if out_w == width && out_h == height {
        for y in 0..height {
            frame.luma_row(y, &mut pixels[y as usize * w..][..w]);
        }
        return LumaImage {
            width,
            height,
            pixels,
        };
    }
    let sx = f64::from(width) / f64::from(out_w);
    let sy = f64::from(height) / f64::from(out_h);
    // A source pixel is at most one output pixel wide (no enlarging), so it overlaps at most
    // two output pixels along each axis: the one it starts in, with the weight `share`, and
    // the next with the rest. Rows are summed at the source's width first (two multiply-adds
    // a pixel, no spans to walk), and each output row is narrowed once, when it is complete.
    let columns: Vec<Share> = (0..w).map(|x| Share::of(x, sx, ow)).collect();
    // The output rows being summed: the current one and the next (a source row can straddle
    // them), at the source's width.
    let (mut current, mut next) = (vec![0f32; w], vec![0f32; w]);
    let mut at = 0;
    // Narrows a summed row into output row `oy` (a spare cell past the end takes the zero
    // weights of the last column).
    let mut narrowed = vec![0f32; ow + 1];
    let mut narrow = |summed: &[f32], oy: usize, pixels: &mut [f32]| {
        narrowed.fill(0.0);
        for (v, c) in summed.iter().zip(&columns) {
            narrowed[c.first] += c.share * v;
            narrowed[c.first + 1] += (1.0 - c.share) * v;
        }
        pixels[oy * ow..][..ow].copy_from_slice(&narrowed[..ow]);
    };
    for y in 0..h {
        let row_share = Share::of(y, sy, oh);
        while at < row_share.first {
            narrow(&current, at, &mut pixels);
            std::mem::swap(&mut current, &mut next);
            next.fill(0.0);
            at += 1;
        }
        frame.luma_row(y as u32, &mut row);
        let (a, b) = (row_share.share, 1.0 - row_share.share);
        if b > 0.0 {
            for ((c, n), v) in current.iter_mut().zip(next.iter_mut()).zip(&row) {
                *c += a * v;
                *n += b * v;
            }
        } else {
            for (c, v) in current.iter_mut().zip(&row) {
                *c += a * v;
            }
        }
    }
    while at < oh {
        narrow(&current, at, &mut pixels);
        std::mem::swap(&mut current, &mut next);
        next.fill(0.0);
        at += 1;
    }
    let norm = (1.0 / (sx * sy)) as f32;
    for p in &mut pixels {
        // max and min rather than clamp, which the size-optimized build leaves as a call per
        // pixel (the same result: no value here is NaN).
        #[allow(clippy::manual_clamp)]
        let clamped = (*p * norm).max(0.0).min(255.0);
        *p = clamped;
    }
    LumaImage {
        width: out_w,
        height: out_h,
        pixels,
    }
}

/// How a source pixel (or row) `[i, i + 1)` shares out between the output pixels of size
/// `scale` (at least 1) it overlaps: `share` of it to `first`, the rest to `first + 1`.
struct Share {
    first: usize,
    share: f32,
}

impl Share {
    fn of(i: usize, scale: f64, out_len: usize) -> Share {
        let first = ((i as f64 / scale) as usize).min(out_len - 1);
        let end = ((first + 1) as f64 * scale).min(i as f64 + 1.0);
        Share {
            first,
            // The last output pixel takes all that is left of the source.
            share: if first + 1 == out_len {
                1.0
            } else {
                (end - i as f64).clamp(0.0, 1.0) as f32
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pixel that says where it was stored: (x, y, 0, 255).
    fn numbered(width: u32, height: u32) -> Vec<u8> {
        (0..height)
            .flat_map(|y| (0..width).flat_map(move |x| [x as u8, y as u8, 0, 255]))
            .collect()
    }

    /// One quarter turn clockwise, the plain way: the output's pixel (x, y) is the input's
    /// (y, height - 1 - x).
    fn turn(image: &RgbaImage) -> RgbaImage {
        let (w, h) = (image.width, image.height);
        let pixels = (0..w)
            .flat_map(|y| {
                (0..h).flat_map(move |x| {
                    let i = ((h - 1 - x) * w + y) as usize * 4;
                    [i, i + 1, i + 2, i + 3]
                })
            })
            .map(|i| image.pixels[i])
            .collect();
        RgbaImage {
            width: h,
            height: w,
            pixels,
        }
    }

    fn mirror(image: &RgbaImage) -> RgbaImage {
        let w = image.width as usize;
        let pixels = image
            .pixels
            .chunks_exact(4 * w)
            .flat_map(|row| row.chunks_exact(4).rev().flatten().copied())
            .collect();
        RgbaImage {
            pixels,
            ..image.clone()
        }
    }

    #[test]
    fn every_orientation_is_the_turns_then_the_mirror() {
        // Small, and across the tiles' edges (16 pixels) with rows and columns left over.
        for (width, height) in [(3, 2), (37, 21)] {
            every_orientation_of(width, height);
        }
    }

    fn every_orientation_of(width: u32, height: u32) {
        let stored = RgbaImage {
            width,
            height,
            pixels: numbered(width, height),
        };
        let view = RgbaView::new(width, height, &stored.pixels).unwrap();
        for quarter_turns in 0..4 {
            for mirrored in [false, true] {
                let mut expected = stored.clone();
                for _ in 0..quarter_turns {
                    expected = turn(&expected);
                }
                if mirrored {
                    expected = mirror(&expected);
                }
                let orientation = Orientation {
                    quarter_turns,
                    mirrored,
                };
                assert_eq!(
                    view.oriented(orientation),
                    expected,
                    "{width}x{height} {orientation:?}"
                );
            }
        }
    }

    /// WebCodecs' own example (web-platform-tests, `videoFrame-orientation.any.js`): a 4x2
    /// frame "y y r r / b b g g" with rotation 90 and flip is drawn "y b / y b / r g / r g".
    #[test]
    fn a_turned_and_flipped_frame_is_seen_as_webcodecs_draws_it() {
        let [y, r, b, g] = [
            [255, 255, 0, 255],
            [255, 0, 0, 255],
            [0, 0, 255, 255],
            [0, 255, 0, 255],
        ];
        let stored: Vec<u8> = [y, y, r, r, b, b, g, g].concat();
        let view = RgbaView::new(4, 2, &stored).unwrap();
        let seen = view.oriented(Orientation {
            quarter_turns: 1,
            mirrored: true,
        });
        assert_eq!((seen.width, seen.height), (2, 4));
        assert_eq!(seen.pixels, [y, b, y, b, r, g, r, g].concat());
    }
}
