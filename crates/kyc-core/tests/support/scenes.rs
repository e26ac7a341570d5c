//! Generated scenes for the document-outline evaluation: documents of the three shapes rendered
//! with known corners onto procedural backgrounds (wood grain, fabric weave, paper, a desk of a
//! colour close to the document's), with perspective, rotation, scale, a finger over an edge,
//! glare, blur, noise and low light; frames with no document at all; and bent documents
//! (two opposite sides bowed by a known share of their length).
//! Deterministic: the same seed gives the same frame on every target.
#![allow(dead_code)]
// Pixel loops index several buffers at once; iterators would hide the geometry.
#![allow(clippy::needless_range_loop)]

use kyc_core::document_outline::{DocumentShape, Homography, Point};

/// Frame size of every scene.
pub const W: usize = 640;
/// Frame size of every scene.
pub const H: usize = 480;

/// A small deterministic generator (splitmix64).
pub struct Rand(u64);

impl Rand {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Rand {
        Rand(
            seed.wrapping_mul(0x9E37_79B9_7F4A_7C15)
                .wrapping_add(0xD1B5_4A32_D192_ED03),
        )
    }
    /// The next value.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `[lo, hi)`.
    pub fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * ((self.next_u64() >> 40) as f32 / (1u64 << 24) as f32)
    }
    /// True with probability `p`.
    pub fn chance(&mut self, p: f32) -> bool {
        self.range(0.0, 1.0) < p
    }
    /// Uniform in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

fn hash(x: i32, y: i32, seed: u32) -> f32 {
    let mut h = (x as u32).wrapping_mul(0x8DA6_B343)
        ^ (y as u32).wrapping_mul(0xD816_3841)
        ^ seed.wrapping_mul(0xCB1A_B31F);
    h ^= h >> 13;
    h = h.wrapping_mul(0x5BD1_E995);
    h ^= h >> 15;
    (h & 0xFFFF) as f32 / 65535.0
}

/// Smooth value noise in 0..1 with lattice spacing `scale` pixels.
fn noise(x: f32, y: f32, scale: f32, seed: u32) -> f32 {
    let (fx, fy) = (x / scale, y / scale);
    let (x0, y0) = (fx.floor(), fy.floor());
    let (ax, ay) = (fx - x0, fy - y0);
    let (sx, sy) = (ax * ax * (3.0 - 2.0 * ax), ay * ay * (3.0 - 2.0 * ay));
    let (xi, yi) = (x0 as i32, y0 as i32);
    let top = hash(xi, yi, seed) + sx * (hash(xi + 1, yi, seed) - hash(xi, yi, seed));
    let bottom =
        hash(xi, yi + 1, seed) + sx * (hash(xi + 1, yi + 1, seed) - hash(xi, yi + 1, seed));
    top + sy * (bottom - top)
}

/// The kinds of background.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Background {
    /// Wood grain.
    Wood,
    /// A fabric weave.
    Fabric,
    /// Paper.
    Paper,
    /// A plain desk of a colour close to the document's.
    SimilarDesk,
}

impl Background {
    /// All kinds.
    pub const ALL: [Background; 4] = [
        Background::Wood,
        Background::Fabric,
        Background::Paper,
        Background::SimilarDesk,
    ];
    /// Its name in the table.
    pub fn name(self) -> &'static str {
        match self {
            Background::Wood => "wood",
            Background::Fabric => "fabric",
            Background::Paper => "paper",
            Background::SimilarDesk => "similar desk",
        }
    }
}

/// What makes a frame hard.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Trouble {
    /// A finger over one edge.
    pub finger: bool,
    /// A glare spot on the document.
    pub glare: bool,
    /// Box-blur radius (0 = sharp).
    pub blur: usize,
    /// Noise amplitude in luma levels.
    pub noise: f32,
    /// Low light (everything scaled down).
    pub low_light: bool,
}

/// One generated frame.
pub struct Scene {
    /// RGBA pixels, W x H.
    pub rgba: Vec<u8>,
    /// The document's corners (clockwise from the top-left), if there is one.
    pub corners: Option<[Point; 4]>,
    /// The document's shape, if there is one.
    pub shape: Option<DocumentShape>,
    /// The background.
    pub background: Background,
    /// The trouble applied.
    pub trouble: Trouble,
    /// The document's bend, if it is bent.
    pub bend: Option<Bend>,
}

/// A bent document: two opposite sides bow (a passport page curving at the spine, a sheet of
/// paper bowing, a bent card), its content warped with them. The corners stay where they are.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bend {
    /// Whether the sides from corner 0 to 1 and from 2 to 3 bow (else 1-2 and 3-0).
    pub first_pair: bool,
    /// Each bowed side's sagitta (the gap between its middle and the straight line through its
    /// ends) as a share of its length, outward positive: first the side from corner 0 (or 3),
    /// then the opposite one.
    pub sagitta: [f32; 2],
}

impl Bend {
    /// The bow as `kyc_core::document_outline::Outline::bow` measures it: the less bowed side.
    pub fn bow(&self) -> f32 {
        self.sagitta[0].abs().min(self.sagitta[1].abs())
    }

    /// Where the point at `uv` (the straight document's unit square) lies in the bent
    /// document's, and its distance inside the bent document's edges in pixels (negative
    /// outside), for sides of `lengths` pixels (along u, along v).
    fn unwarp(&self, uv: Point, lengths: (f32, f32)) -> (Point, f32) {
        // (along the bowed sides, across them), as u and v for the first pair.
        let (a, c, la, lc) = if self.first_pair {
            (uv.x, uv.y, lengths.0, lengths.1)
        } else {
            (uv.y, uv.x, lengths.1, lengths.0)
        };
        let g = 4.0 * a * (1.0 - a);
        // The sagittas across the document's unit square: side 0 moves to -s0 g, side 1 to
        // 1 + s1 g, and everything between in proportion.
        let (s0, s1) = (self.sagitta[0] * la / lc, self.sagitta[1] * la / lc);
        let c = (c + s0 * g) / (1.0 + (s0 + s1) * g);
        let inside = (a.min(1.0 - a) * la).min(c.min(1.0 - c) * lc);
        let uv = if self.first_pair {
            Point::new(a, c)
        } else {
            Point::new(c, a)
        };
        (uv, inside)
    }
}

type Rgb = [f32; 3];

struct Palette {
    base: Rgb,
    ink: Rgb,
    accent: Rgb,
    photo: Rgb,
}

fn pastel(rng: &mut Rand) -> Rgb {
    [
        rng.range(185.0, 245.0),
        rng.range(185.0, 245.0),
        rng.range(185.0, 245.0),
    ]
}

fn palette(rng: &mut Rand) -> Palette {
    Palette {
        base: pastel(rng),
        ink: [
            rng.range(10.0, 60.0),
            rng.range(10.0, 60.0),
            rng.range(20.0, 80.0),
        ],
        accent: [
            rng.range(60.0, 200.0),
            rng.range(60.0, 200.0),
            rng.range(60.0, 200.0),
        ],
        photo: [
            rng.range(90.0, 170.0),
            rng.range(70.0, 140.0),
            rng.range(60.0, 120.0),
        ],
    }
}

fn mix(a: Rgb, b: Rgb, t: f32) -> Rgb {
    [
        a[0] + (b[0] - a[0]) * t,
        a[1] + (b[1] - a[1]) * t,
        a[2] + (b[2] - a[2]) * t,
    ]
}

/// The document's colour at `(u, v)` in 0..1 (u along its width as rendered, v down).
fn document_colour(shape: DocumentShape, p: &Palette, u: f32, v: f32, seed: u32) -> Rgb {
    let texture = 0.04 * (noise(u * 400.0, v * 400.0, 9.0, seed) - 0.5);
    let base = mix(p.base, [255.0; 3], texture);
    let text_line = |v0: f32, v1: f32, u0: f32, u1: f32| {
        // A line of "words": dark bars with gaps.
        (v0..v1).contains(&v)
            && (u0..u1).contains(&u)
            && hash((u * 60.0) as i32, (v * 97.0) as i32, seed) > 0.3
    };
    match shape {
        DocumentShape::Id1 | DocumentShape::Td3 => {
            if v < 0.14 {
                return mix(base, p.accent, 0.8);
            }
            if (0.06..0.34).contains(&u) && (0.22..0.8).contains(&v) {
                let face = ((u - 0.2) / 0.09).powi(2) + ((v - 0.45) / 0.14).powi(2) < 1.0;
                return if face {
                    p.photo
                } else {
                    mix(p.photo, [230.0; 3], 0.5)
                };
            }
            for k in 0..5 {
                let v0 = 0.22 + 0.1 * k as f32;
                if text_line(v0, v0 + 0.04, 0.4, 0.92) {
                    return p.ink;
                }
            }
            if shape == DocumentShape::Td3 {
                for v0 in [0.84, 0.92] {
                    if text_line(v0, v0 + 0.045, 0.04, 0.96) {
                        return p.ink;
                    }
                }
            }
            base
        }
        DocumentShape::A4 => {
            if (0.06..0.2).contains(&u) && (0.04..0.1).contains(&v) {
                return p.accent;
            }
            for k in 0..30 {
                let v0 = 0.16 + 0.026 * k as f32;
                if text_line(v0, v0 + 0.011, 0.1, 0.9) {
                    return p.ink;
                }
            }
            base
        }
    }
}

fn background_colour(kind: Background, x: f32, y: f32, params: &[f32; 8], doc: Rgb) -> Rgb {
    let seed = params[7] as u32;
    match kind {
        Background::Wood => {
            let (c, s) = (params[0].cos(), params[0].sin());
            let (along, across) = (x * c + y * s, -x * s + y * c);
            let warp = 10.0 * noise(along, across, 80.0, seed);
            let ring =
                (0.5 + 0.5 * ((across + warp) * std::f32::consts::TAU / params[1]).sin()).powf(2.0);
            let fibre = noise(along, across * 6.0, 30.0, seed + 1);
            let base = [params[2], params[2] * 0.7, params[2] * 0.45];
            let t = 0.65 + 0.25 * ring + 0.15 * fibre;
            [base[0] * t, base[1] * t, base[2] * t]
        }
        Background::Fabric => {
            let p = params[1] * 0.5;
            let warp = (x * std::f32::consts::TAU / p).sin();
            let weft = (y * std::f32::consts::TAU / p).sin();
            let over = if ((x / p) as i32 + (y / p) as i32) % 2 == 0 {
                warp
            } else {
                weft
            };
            let t = 0.8 + 0.12 * over + 0.08 * noise(x, y, 40.0, seed);
            [params[3] * t, params[4] * t, params[5] * t]
        }
        Background::Paper => {
            let t = 0.93 + 0.05 * noise(x, y, 60.0, seed) + 0.03 * noise(x, y, 3.0, seed + 1);
            [
                params[2] * t + 20.0,
                params[2] * t + 18.0,
                params[2] * t + 12.0,
            ]
        }
        Background::SimilarDesk => {
            // The document's own colour, shifted by a small step in luma.
            let t = 1.0 + 0.04 * (noise(x, y, 90.0, seed) - 0.5);
            [
                (doc[0] + params[6]) * t,
                (doc[1] + params[6]) * t,
                (doc[2] + params[6]) * t,
            ]
        }
    }
}

/// Corners of a document of `shape` placed at random: scale, rotation and perspective.
fn place(rng: &mut Rand, shape: DocumentShape) -> ([Point; 4], bool) {
    let (w, h) = (W as f32, H as f32);
    let aspect = shape.aspect();
    // A4 is usually held portrait, cards and passports landscape; sometimes the other way.
    let portrait = (shape == DocumentShape::A4) != rng.chance(0.12);
    loop {
        let long = if portrait {
            rng.range(0.55, 0.95) * h
        } else {
            rng.range(0.45, 0.9) * w
        };
        let short = long / aspect;
        let (dw, dh) = if portrait {
            (short, long)
        } else {
            (long, short)
        };
        let angle = rng.range(-0.35, 0.35);
        // Perspective: one side foreshortened, and every corner jittered a little.
        let squeeze = rng.range(0.0, 0.16);
        let side = rng.below(4);
        let mut rect = [(-0.5f32, -0.5f32), (0.5, -0.5), (0.5, 0.5), (-0.5, 0.5)];
        let (i, j) = (side, (side + 1) % 4);
        let mid = ((rect[i].0 + rect[j].0) / 2.0, (rect[i].1 + rect[j].1) / 2.0);
        for k in [i, j] {
            rect[k].0 += (mid.0 - rect[k].0) * squeeze;
            rect[k].1 += (mid.1 - rect[k].1) * squeeze;
        }
        let (c, s) = (angle.cos(), angle.sin());
        let mut corners = [Point::default(); 4];
        for (k, (u, v)) in rect.iter().enumerate() {
            let (x, y) = (
                u * dw + rng.range(-0.02, 0.02) * dw,
                v * dh + rng.range(-0.02, 0.02) * dh,
            );
            corners[k] = Point::new(x * c - y * s, x * s + y * c);
        }
        let min_x = corners.iter().map(|p| p.x).fold(f32::MAX, f32::min);
        let max_x = corners.iter().map(|p| p.x).fold(f32::MIN, f32::max);
        let min_y = corners.iter().map(|p| p.y).fold(f32::MAX, f32::min);
        let max_y = corners.iter().map(|p| p.y).fold(f32::MIN, f32::max);
        let margin = 0.03 * h;
        let room_x = w - 2.0 * margin - (max_x - min_x);
        let room_y = h - 2.0 * margin - (max_y - min_y);
        if room_x < 0.0 || room_y < 0.0 {
            continue;
        }
        let ox = margin - min_x + rng.range(0.0, room_x);
        let oy = margin - min_y + rng.range(0.0, room_y);
        for p in &mut corners {
            p.x += ox;
            p.y += oy;
        }
        return (corners, portrait);
    }
}

fn box_blur(rgb: &mut [Rgb], radius: usize) {
    if radius == 0 {
        return;
    }
    let mut tmp = vec![[0f32; 3]; W];
    for _ in 0..2 {
        for y in 0..H {
            let row = &mut rgb[y * W..][..W];
            for x in 0..W {
                let (a, b) = (x.saturating_sub(radius), (x + radius).min(W - 1));
                let mut s = [0f32; 3];
                for p in &row[a..=b] {
                    for ch in 0..3 {
                        s[ch] += p[ch];
                    }
                }
                let n = (b - a + 1) as f32;
                tmp[x] = [s[0] / n, s[1] / n, s[2] / n];
            }
            row.copy_from_slice(&tmp);
        }
        let mut col = vec![[0f32; 3]; H];
        for x in 0..W {
            for y in 0..H {
                let (a, b) = (y.saturating_sub(radius), (y + radius).min(H - 1));
                let mut s = [0f32; 3];
                for yy in a..=b {
                    for ch in 0..3 {
                        s[ch] += rgb[yy * W + x][ch];
                    }
                }
                let n = (b - a + 1) as f32;
                col[y] = [s[0] / n, s[1] / n, s[2] / n];
            }
            for y in 0..H {
                rgb[y * W + x] = col[y];
            }
        }
    }
}

/// Scene number `index` of the evaluation set: a document unless `empty`.
pub fn scene(index: u64, empty: bool) -> Scene {
    render(index, empty, None)
}

/// Bent scene number `index`: a document of each shape in turn on each background in turn, as
/// in the evaluation set (with the same kinds of trouble), bent by a known bow of 2 to 5 % of
/// its sides' length; half of them bowing both sides outward (a page bulging towards the
/// camera, or both inward), half one way (a page curving away at one edge), the second side by
/// 0.6 to 1 times the first.
pub fn bent_scene(index: u64) -> Scene {
    let mut rng = Rand::new(index.wrapping_add(0xBE17));
    let first = rng.range(0.02, 0.05);
    let second = first * rng.range(0.6, 1.0) * if rng.chance(0.5) { 1.0 } else { -1.0 };
    // Outward or inward (a page sagging away from the camera looks narrower in the middle).
    let (first, second) = if rng.chance(0.5) {
        (first, second)
    } else {
        (-first, -second)
    };
    let bend = Bend {
        first_pair: rng.chance(0.5),
        sagitta: if rng.chance(0.5) {
            [first, second]
        } else {
            [second, first]
        },
    };
    // Clear of the evaluation set's indices, with the same shape and background cycle.
    render(12_000 + index, false, Some(bend))
}

fn render(index: u64, empty: bool, bend: Option<Bend>) -> Scene {
    let mut rng = Rand::new(index * 2 + u64::from(empty));
    let background = Background::ALL[(index as usize / 3) % 4];
    let shape = [DocumentShape::Id1, DocumentShape::Td3, DocumentShape::A4][index as usize % 3];
    let trouble = Trouble {
        finger: rng.chance(0.3),
        glare: rng.chance(0.25),
        blur: if rng.chance(0.3) { 1 + rng.below(2) } else { 0 },
        noise: if rng.chance(0.4) {
            rng.range(2.0, 10.0)
        } else {
            1.0
        },
        low_light: rng.chance(0.2),
    };
    let pal = palette(&mut rng);
    let params = [
        rng.range(-0.6, 0.6),
        rng.range(6.0, 16.0),
        rng.range(110.0, 200.0),
        rng.range(40.0, 220.0),
        rng.range(40.0, 220.0),
        rng.range(40.0, 220.0),
        if rng.chance(0.5) {
            rng.range(-40.0, -18.0)
        } else {
            rng.range(14.0, 25.0)
        },
        rng.range(0.0, 1000.0),
    ];
    let seed = rng.below(1 << 20) as u32;
    let placed = if empty {
        None
    } else {
        Some(place(&mut rng, shape))
    };
    let map = placed.map(|(corners, _)| {
        let unit = [
            Point::new(0.0, 0.0),
            Point::new(1.0, 0.0),
            Point::new(1.0, 1.0),
            Point::new(0.0, 1.0),
        ];
        Homography::from_points(&corners, &unit).expect("a quadrilateral")
    });
    // A desk edge: half the empty frames have a straight boundary between two surfaces.
    let desk_edge = empty && rng.chance(0.5);
    let edge_line = (rng.range(-0.3, 0.3), rng.range(0.3, 0.7) * H as f32);
    let light = [rng.range(-0.15, 0.15), rng.range(-0.15, 0.15)];
    let lengths = placed.map_or((0.0, 0.0), |(c, _)| {
        (
            (c[0].distance(c[1]) + c[3].distance(c[2])) / 2.0,
            (c[1].distance(c[2]) + c[0].distance(c[3])) / 2.0,
        )
    });
    let mut rgb = vec![[0f32; 3]; W * H];
    for y in 0..H {
        for x in 0..W {
            let (fx, fy) = (x as f32 + 0.5, y as f32 + 0.5);
            let mut colour = background_colour(background, fx, fy, &params, pal.base);
            if desk_edge && fy > edge_line.1 + (fx - W as f32 / 2.0) * edge_line.0 {
                colour = [colour[0] * 0.7, colour[1] * 0.75, colour[2] * 0.8];
            }
            if let (Some((corners, portrait)), Some(map)) = (placed, map) {
                // Coverage from the signed distance to the nearest side: anti-aliased edges.
                let mut inside = f32::MAX;
                for k in 0..4 {
                    let (a, b) = (corners[k], corners[(k + 1) % 4]);
                    let len = a.distance(b);
                    let d = ((b.x - a.x) * (fy - a.y) - (b.y - a.y) * (fx - a.x)) / len;
                    inside = inside.min(d);
                }
                let mut bent = None;
                if let Some(bend) = bend {
                    let (uv, d) = bend.unwarp(map.apply(Point::new(fx, fy)), lengths);
                    (bent, inside) = (Some(uv), d);
                }
                let cover = (inside + 0.5).clamp(0.0, 1.0);
                if cover > 0.0 {
                    let uv = bent.unwrap_or_else(|| map.apply(Point::new(fx, fy)));
                    let (u, v) = (uv.x.clamp(0.0, 1.0), uv.y.clamp(0.0, 1.0));
                    // Portrait cards are turned a quarter: content runs down the long side.
                    let (u, v) = if portrait && shape != DocumentShape::A4 {
                        (v, 1.0 - u)
                    } else if !portrait && shape == DocumentShape::A4 {
                        (1.0 - v, u)
                    } else {
                        (u, v)
                    };
                    let doc = document_colour(shape, &pal, u, v, seed);
                    colour = mix(colour, doc, cover);
                }
            }
            let shade = 1.0 + light[0] * (fx / W as f32 - 0.5) + light[1] * (fy / H as f32 - 0.5);
            rgb[y * W + x] = [colour[0] * shade, colour[1] * shade, colour[2] * shade];
        }
    }
    let centre = match placed {
        Some((c, _)) => Point::new(
            (c[0].x + c[1].x + c[2].x + c[3].x) / 4.0,
            (c[0].y + c[1].y + c[2].y + c[3].y) / 4.0,
        ),
        None => Point::new(rng.range(100.0, 540.0), rng.range(100.0, 380.0)),
    };
    if trouble.glare {
        let (gx, gy) = (
            centre.x + rng.range(-80.0, 80.0),
            centre.y + rng.range(-50.0, 50.0),
        );
        let r = rng.range(15.0, 45.0);
        for y in 0..H {
            for x in 0..W {
                let d2 = ((x as f32 - gx).powi(2) + (y as f32 - gy).powi(2)) / (r * r);
                if d2 < 9.0 {
                    let add = 255.0 * (-d2).exp() * 1.3;
                    for ch in &mut rgb[y * W + x] {
                        *ch += add;
                    }
                }
            }
        }
    }
    if trouble.finger {
        // An elongated skin-coloured blob from outside the document over one of its sides.
        let (fx, fy, dx, dy) = match placed {
            Some((c, _)) => {
                let k = rng.below(4);
                let (a, b) = (c[k], c[(k + 1) % 4]);
                let t = rng.range(0.2, 0.8);
                let (px, py) = (a.x + t * (b.x - a.x), a.y + t * (b.y - a.y));
                let (vx, vy) = (px - centre.x, py - centre.y);
                let n = vx.hypot(vy).max(1.0);
                (px, py, vx / n, vy / n)
            }
            None => {
                let a = rng.range(0.0, std::f32::consts::TAU);
                (centre.x, centre.y, a.cos(), a.sin())
            }
        };
        let (len, width) = (rng.range(60.0, 110.0), rng.range(18.0, 28.0));
        let skin = [
            rng.range(170.0, 230.0),
            rng.range(120.0, 170.0),
            rng.range(90.0, 140.0),
        ];
        for y in 0..H {
            for x in 0..W {
                let (rx, ry) = (x as f32 - fx, y as f32 - fy);
                // Along the finger from its tip (just inside the document) outward.
                let along = rx * dx + ry * dy + 0.3 * len;
                let across = -rx * dy + ry * dx;
                let e = ((along - len) / len).powi(2) + (across / width).powi(2);
                if e < 1.0 {
                    let t = (1.0 - e).sqrt();
                    rgb[y * W + x] = [
                        skin[0] * (0.75 + 0.25 * t),
                        skin[1] * (0.75 + 0.25 * t),
                        skin[2] * (0.75 + 0.25 * t),
                    ];
                }
            }
        }
    }
    box_blur(&mut rgb, trouble.blur);
    let scale = if trouble.low_light {
        rng.range(0.25, 0.45)
    } else {
        1.0
    };
    let mut rgba = vec![0u8; W * H * 4];
    for (i, p) in rgb.iter().enumerate() {
        for ch in 0..3 {
            let n = trouble.noise * (2.0 * hash(i as i32, ch as i32, seed + 7) - 1.0) * 1.7;
            rgba[i * 4 + ch] = (p[ch] * scale + n).round().clamp(0.0, 255.0) as u8;
        }
        rgba[i * 4 + 3] = 255;
    }
    Scene {
        rgba,
        corners: placed.map(|(c, _)| c),
        shape: (!empty).then_some(shape),
        background,
        trouble,
        bend,
    }
}

/// A card's known content at `width` x `height` (for the crop test), RGBA.
pub fn card_content(width: usize, height: usize) -> Vec<u8> {
    let mut rng = Rand::new(99);
    let pal = palette(&mut rng);
    let mut out = vec![255u8; width * height * 4];
    for y in 0..height {
        for x in 0..width {
            let (u, v) = (
                (x as f32 + 0.5) / width as f32,
                (y as f32 + 0.5) / height as f32,
            );
            let c = document_colour(DocumentShape::Id1, &pal, u, v, 5);
            for ch in 0..3 {
                out[(y * width + x) * 4 + ch] = c[ch].round().clamp(0.0, 255.0) as u8;
            }
        }
    }
    out
}

/// The card content warped onto a plain desk at `corners` by inverse mapping with bilinear
/// sampling, RGBA W x H.
pub fn render_card(content: &[u8], cw: usize, ch: usize, corners: &[Point; 4]) -> Vec<u8> {
    let rect = [
        Point::new(0.0, 0.0),
        Point::new(cw as f32, 0.0),
        Point::new(cw as f32, ch as f32),
        Point::new(0.0, ch as f32),
    ];
    let map = Homography::from_points(corners, &rect).expect("a quadrilateral");
    let mut out = vec![0u8; W * H * 4];
    for y in 0..H {
        for x in 0..W {
            let i = (y * W + x) * 4;
            let p = map.apply(Point::new(x as f32 + 0.5, y as f32 + 0.5));
            let (sx, sy) = (p.x - 0.5, p.y - 0.5);
            if p.x < 0.0 || p.y < 0.0 || p.x >= cw as f32 || p.y >= ch as f32 {
                out[i..i + 4].copy_from_slice(&[60, 70, 80, 255]);
                continue;
            }
            let (sx, sy) = (
                sx.clamp(0.0, (cw - 1) as f32),
                sy.clamp(0.0, (ch - 1) as f32),
            );
            let (x0, y0) = (sx as usize, sy as usize);
            let (x1, y1) = ((x0 + 1).min(cw - 1), (y0 + 1).min(ch - 1));
            let (ax, ay) = (sx - x0 as f32, sy - y0 as f32);
            for c in 0..3 {
                let at = |xx: usize, yy: usize| f32::from(content[(yy * cw + xx) * 4 + c]);
                let top = at(x0, y0) + ax * (at(x1, y0) - at(x0, y0));
                let bottom = at(x0, y1) + ax * (at(x1, y1) - at(x0, y1));
                out[i + c] = (top + ay * (bottom - top)).round() as u8;
            }
            out[i + 3] = 255;
        }
    }
    out
}
