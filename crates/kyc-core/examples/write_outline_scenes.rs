//! Writes the document-outline evaluation set for `scripts/opencv_outline_compare.py`: the
//! generated scenes of `tests/support/scenes.rs` as binary PPM files, and `outlines.tsv` with
//! each scene's true corners and the corners kyc-core finds (empty when none).
//!
//! ```text
//! cargo run --release -p kyc-core --example write_outline_scenes -- DIR
//! python3 scripts/opencv_outline_compare.py DIR
//! ```
//!
//! The same scenes (same indices) as the `accuracy_on_the_generated_set` test.

#[path = "../tests/support/scenes.rs"]
mod scenes;

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use kyc_core::document_outline::{find_outline, Point};
use kyc_core::RgbaView;
use scenes::{scene, H, W};

/// Documents and empty frames, as in the test.
const DOCUMENTS: u64 = 144;
const EMPTY: u64 = 72;

fn corners_field(corners: Option<[Point; 4]>) -> String {
    corners
        .map(|c| {
            c.iter()
                .map(|p| format!("{:.2},{:.2}", p.x, p.y))
                .collect::<Vec<_>>()
                .join(";")
        })
        .unwrap_or_default()
}

fn main() -> std::io::Result<()> {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| {
        eprintln!("usage: write_outline_scenes DIR");
        std::process::exit(2)
    }));
    std::fs::create_dir_all(&dir)?;
    let mut table = std::fs::File::create(dir.join("outlines.tsv"))?;
    writeln!(table, "name\tbackground\ttruth\tkyc_core\tkyc_core_ms")?;
    let mut times = Vec::new();
    for (empty, count) in [(false, DOCUMENTS), (true, EMPTY)] {
        for index in 0..count {
            let scene = scene(index, empty);
            let name = format!("{}_{index:03}", if empty { "empty" } else { "doc" });
            let mut ppm = format!("P6\n{W} {H}\n255\n").into_bytes();
            for p in scene.rgba.chunks_exact(4) {
                ppm.extend_from_slice(&p[..3]);
            }
            std::fs::write(dir.join(format!("{name}.ppm")), ppm)?;
            let view = RgbaView::new(W as u32, H as u32, &scene.rgba).expect("a full frame");
            let started = Instant::now();
            let found = find_outline(&view);
            let ms = started.elapsed().as_secs_f64() * 1000.0;
            times.push(ms);
            writeln!(
                table,
                "{name}\t{}\t{}\t{}\t{ms:.3}",
                scene.background.name(),
                corners_field(scene.corners),
                corners_field(found.map(|o| o.corners)),
            )?;
        }
    }
    times.sort_by(f64::total_cmp);
    eprintln!(
        "kyc-core find_outline ({W}x{H}, this machine, native): median {:.2} ms, p95 {:.2} ms",
        times[times.len() / 2],
        times[(times.len() - 1) * 95 / 100]
    );
    Ok(())
}
