//! The peers measured beside the widget (`tests/bench/peers/`): FilePond and Uppy, bundled and
//! minified as a host would (esbuild), each on a page of its own served beside the widget's.
//! Their sizes are measured as the package's ([`payload::assets`]), their startup by
//! `tests/bench/startup.mjs` with the widget's pages, their photo path by
//! `tests/bench/peer_photo.mjs` (the page `photo/`, not a peer of its own).

use std::path::PathBuf;

use super::payload;
use super::stats::Results;
use crate::{command, run_quiet, workspace_root, Fail};

/// Where the peers are built: beside the widget's package in `dist/`, which the bench's relay
/// serves.
fn dir() -> PathBuf {
    workspace_root().join("dist/peers")
}

/// Installs and builds the peers into `dist/peers/<name>/`; keeps what the build says of them
/// (`peers.<name>.label`, `.what`, `.version`).
pub fn build(results: &mut Results) -> Result<(), Fail> {
    crate::tools::ensure_bench_peers()?;
    let output = run_quiet(
        command("node")
            .arg("tests/bench/peers/build.mjs")
            .arg(dir()),
    )?;
    results.absorb(&output);
    Ok(())
}

/// The peers' names, from what their build said of them (`peers.<name>.label`), in order.
pub fn names(results: &Results) -> Vec<&str> {
    results
        .facts
        .keys()
        .filter_map(|key| key.strip_prefix("peers.")?.strip_suffix(".label"))
        .collect()
}

/// Each built peer's script and stylesheet, raw and compressed as the package's are:
/// `payload.peer.<name>.<raw|gzip|brotli>` facts.
pub fn sizes(results: &mut Results) -> Result<(), Fail> {
    let names: Vec<String> = names(results).into_iter().map(str::to_owned).collect();
    if names.is_empty() {
        return Err(Fail("no peer was built (see the build step)".to_owned()));
    }
    for name in names {
        let assets = payload::assets(&dir().join(&name))?;
        for (size, value) in [
            ("raw", assets.iter().map(|a| a.raw).sum::<u64>()),
            ("gzip", assets.iter().map(|a| a.gzip).sum()),
            ("brotli", assets.iter().map(|a| a.brotli).sum()),
        ] {
            results
                .facts
                .insert(format!("payload.peer.{name}.{size}"), value.to_string());
        }
    }
    Ok(())
}
