//! Synthetic camera frames made in code (no files): a document on a table, and the ways a
//! capture goes wrong (blur, darkness, glare, a document running off the frame). Shared by the
//! tests, the benchmarks and the `write_sharpness_fixtures` example through `#[path]`.
#![allow(dead_code)]

/// A small deterministic generator (xorshift64*), so fixtures are the same on every target.
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The next value.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A value in `0..n`.
    pub fn below(&mut self, n: u32) -> u32 {
        (self.next_u64() % u64::from(n.max(1))) as u32
    }
}

/// A grayscale frame.
#[derive(Clone, Debug, PartialEq)]
pub struct Gray {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

impl Gray {
    pub fn new(width: u32, height: u32, value: u8) -> Gray {
        Gray {
            width,
            height,
            pixels: vec![value; (width * height) as usize],
        }
    }

    pub fn view(&self) -> kyc_core::LumaView<'_> {
        kyc_core::LumaView::new(self.width, self.height, &self.pixels).unwrap()
    }

    pub fn fill(&mut self, x0: i64, y0: i64, x1: i64, y1: i64, value: u8) {
        let (w, h) = (i64::from(self.width), i64::from(self.height));
        for y in y0.max(0)..y1.min(h) {
            for x in x0.max(0)..x1.min(w) {
                self.pixels[(y * w + x) as usize] = value;
            }
        }
    }

    /// The same frame as RGBA (gray in every channel, opaque).
    pub fn to_rgba(&self) -> Vec<u8> {
        self.pixels.iter().flat_map(|p| [*p, *p, *p, 255]).collect()
    }

    /// Binary PGM (P5), which OpenCV reads.
    pub fn to_pgm(&self) -> Vec<u8> {
        let mut out = format!("P5\n{} {}\n255\n", self.width, self.height).into_bytes();
        out.extend_from_slice(&self.pixels);
        out
    }
}

/// A document on a plain table: a light card with lines of dark "print", a photo box and a
/// border, placed at `(x0, y0)`–`(x1, y1)` in fractions of the frame; the table has faint
/// noise. Coordinates outside 0..1 run the card off the frame.
pub fn document_on_table(width: u32, height: u32, card: (f64, f64, f64, f64), seed: u64) -> Gray {
    let mut rng = Rng::new(seed);
    let mut frame = Gray::new(width, height, 0);
    for p in &mut frame.pixels {
        *p = 95 + rng.below(5) as u8;
    }
    let (w, h) = (f64::from(width), f64::from(height));
    let (x0, y0) = ((card.0 * w) as i64, (card.1 * h) as i64);
    let (x1, y1) = ((card.2 * w) as i64, (card.3 * h) as i64);
    frame.fill(x0, y0, x1, y1, 225);
    let (cw, ch) = ((x1 - x0) as f64, (y1 - y0) as f64);
    // Photo box on the left third.
    frame.fill(
        x0 + (cw * 0.05) as i64,
        y0 + (ch * 0.2) as i64,
        x0 + (cw * 0.3) as i64,
        y0 + (ch * 0.8) as i64,
        120,
    );
    // Lines of print, words of random length, across the card's width (so a cut card shows
    // print at the edge it runs off).
    let line_height = (ch * 0.06).max(3.0);
    let stroke = (line_height * 0.45).max(2.0) as i64;
    let mut y = y0 as f64 + ch * 0.12;
    while y < y1 as f64 - ch * 0.08 {
        let mut x = x0 as f64 + cw * 0.35;
        while x < x1 as f64 - cw * 0.03 {
            let word = cw * (0.03 + f64::from(rng.below(60)) / 1000.0);
            let mut cx = x;
            while cx < x + word {
                let glyph = (stroke as f64 * (0.6 + f64::from(rng.below(8)) / 10.0)).max(1.0);
                frame.fill(
                    cx as i64,
                    y as i64,
                    (cx + glyph) as i64,
                    y as i64 + stroke,
                    25,
                );
                cx += glyph + (stroke as f64 * 0.5).max(1.0);
            }
            x += word + cw * 0.02;
        }
        y += line_height * 1.6;
    }
    // The print also covers the photo box's column on the lower band (a machine-readable zone).
    let mut x = x0 as f64 + cw * 0.04;
    let mrz = y0 as f64 + ch * 0.86;
    while x < x1 as f64 - cw * 0.02 {
        frame.fill(
            x as i64,
            mrz as i64,
            x as i64 + stroke,
            mrz as i64 + stroke * 2,
            30,
        );
        x += stroke as f64 * 2.2;
    }
    frame
}

/// The usual capture: the card centred with a margin on every side.
pub fn sharp_document(width: u32, height: u32) -> Gray {
    document_on_table(width, height, (0.12, 0.15, 0.88, 0.85), 7)
}

/// A separable Gaussian blur (kernel radius 3 sigma, edges clamped), rounded to 8 bits.
pub fn gaussian_blur(frame: &Gray, sigma: f64) -> Gray {
    if sigma <= 0.0 {
        return frame.clone();
    }
    let radius = (sigma * 3.0).ceil() as i64;
    let kernel: Vec<f64> = (-radius..=radius)
        .map(|i| (-(i * i) as f64 / (2.0 * sigma * sigma)).exp())
        .collect();
    let total: f64 = kernel.iter().sum();
    let kernel: Vec<f64> = kernel.iter().map(|k| k / total).collect();
    let (w, h) = (frame.width as i64, frame.height as i64);
    let src: Vec<f64> = frame.pixels.iter().map(|p| f64::from(*p)).collect();
    let mut tmp = vec![0f64; src.len()];
    for y in 0..h {
        for x in 0..w {
            let mut acc = 0.0;
            for (k, weight) in kernel.iter().enumerate() {
                let sx = (x + k as i64 - radius).clamp(0, w - 1);
                acc += weight * src[(y * w + sx) as usize];
            }
            tmp[(y * w + x) as usize] = acc;
        }
    }
    let mut out = frame.clone();
    for y in 0..h {
        for x in 0..w {
            let mut acc = 0.0;
            for (k, weight) in kernel.iter().enumerate() {
                let sy = (y + k as i64 - radius).clamp(0, h - 1);
                acc += weight * tmp[(sy * w + x) as usize];
            }
            out.pixels[(y * w + x) as usize] = acc.round().clamp(0.0, 255.0) as u8;
        }
    }
    out
}

/// Every pixel scaled by `factor` (below 1 darkens, above 1 brightens and clips).
pub fn scale_brightness(frame: &Gray, factor: f64) -> Gray {
    let mut out = frame.clone();
    for p in &mut out.pixels {
        *p = (f64::from(*p) * factor).round().clamp(0.0, 255.0) as u8;
    }
    out
}

/// A specular highlight: a saturated disc of `radius` (fraction of the long edge) at
/// `(cx, cy)` (fractions of the frame) with a soft halo.
pub fn with_glare(frame: &Gray, cx: f64, cy: f64, radius: f64) -> Gray {
    let mut out = frame.clone();
    let (w, h) = (f64::from(frame.width), f64::from(frame.height));
    let r = radius * w.max(h);
    let (cx, cy) = (cx * w, cy * h);
    for y in 0..frame.height {
        for x in 0..frame.width {
            let d = ((f64::from(x) - cx).powi(2) + (f64::from(y) - cy).powi(2)).sqrt();
            let i = (y * frame.width + x) as usize;
            if d <= r {
                out.pixels[i] = 255;
            } else if d <= r * 1.5 {
                let t = (d - r) / (r * 0.5);
                let v = 255.0 * (1.0 - t) + f64::from(out.pixels[i]) * t;
                out.pixels[i] = v.round() as u8;
            }
        }
    }
    out
}

/// Scattered single saturated pixels covering `share` of the frame (sensor specks, sparkle).
pub fn with_specks(frame: &Gray, share: f64, seed: u64) -> Gray {
    let mut out = frame.clone();
    let mut rng = Rng::new(seed);
    let count = (share * out.pixels.len() as f64) as usize;
    for _ in 0..count {
        // Keep specks apart so they stay single pixels.
        let x = rng.below(out.width / 3) * 3;
        let y = rng.below(out.height / 3) * 3;
        out.pixels[(y * out.width + x) as usize] = 255;
    }
    out
}
