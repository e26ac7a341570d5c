//! Compression as a server sends the package: gzip at level 9 and brotli at quality 11, the
//! forms every payload figure of the bench is measured in, and written beside the built files
//! ([`precompress`]) so that a server sends exactly those bytes without compressing on each
//! request.

use std::io::Write as _;
use std::path::Path;

use crate::Fail;

/// `bytes` gzipped at level 9.
pub fn gzip(bytes: &[u8]) -> Result<Vec<u8>, Fail> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(9));
    encoder
        .write_all(bytes)
        .and_then(|()| encoder.finish())
        .map_err(|err| Fail(format!("gzip: {err}")))
}

/// `bytes` brotli-compressed at quality 11 (a 4 MiB window).
pub fn brotli(bytes: &[u8]) -> Result<Vec<u8>, Fail> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params)
        .map_err(|err| Fail(format!("brotli: {err}")))?;
    Ok(out)
}

/// What a browser fetches as text or wasm: worth compressing.
const COMPRESSIBLE: [&str; 7] = ["wasm", "js", "mjs", "css", "html", "json", "svg"];

/// Below this many bytes a compressed copy saves next to nothing.
const SMALLEST: u64 = 1024;

/// A way to compress a file's bytes.
type Compress = fn(&[u8]) -> Result<Vec<u8>, Fail>;

/// The compressed siblings' suffixes and how each is made.
const SIBLINGS: [(&str, Compress); 2] = [("br", brotli), ("gz", gzip)];

/// Writes beside each compressible file under `dir` (all its folders) its brotli and gzip
/// forms, `NAME.br` and `NAME.gz`, which a server of precompressed files (the relay's
/// `--static-dir`, nginx's `gzip_static`, Caddy's `precompressed`) sends to a browser that
/// accepts them. A sibling at least as new as its file is kept (a second call costs nothing),
/// an older one is written again, and one whose file is gone is removed: a server never sends
/// the bytes of another build. A file changed after this ran must lose its siblings (or this
/// run again), as a server of precompressed files prefers them to the file.
pub fn precompress(dir: &Path) -> Result<(), Fail> {
    let entries = std::fs::read_dir(dir).map_err(|err| Fail(format!("read {dir:?}: {err}")))?;
    for entry in entries {
        let path = entry
            .map_err(|err| Fail(format!("read {dir:?}: {err}")))?
            .path();
        if path.is_dir() {
            precompress(&path)?;
            continue;
        }
        let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if SIBLINGS.iter().any(|(suffix, _)| *suffix == extension) {
            if !path.with_extension("").is_file() {
                std::fs::remove_file(&path)
                    .map_err(|err| Fail(format!("remove {path:?}: {err}")))?;
            }
            continue;
        }
        let metadata =
            std::fs::metadata(&path).map_err(|err| Fail(format!("read {path:?}: {err}")))?;
        if !COMPRESSIBLE.contains(&extension) || metadata.len() < SMALLEST {
            continue;
        }
        let built = metadata.modified().ok();
        let mut bytes = None;
        for (suffix, compress) in SIBLINGS {
            let sibling = path.with_file_name(format!(
                "{}.{suffix}",
                path.file_name().unwrap_or_default().to_string_lossy()
            ));
            let written = std::fs::metadata(&sibling).and_then(|m| m.modified()).ok();
            if built.is_some() && written >= built {
                continue;
            }
            if bytes.is_none() {
                bytes = Some(
                    std::fs::read(&path).map_err(|err| Fail(format!("read {path:?}: {err}")))?,
                );
            }
            let compressed = compress(bytes.as_deref().unwrap_or_default())?;
            std::fs::write(&sibling, compressed)
                .map_err(|err| Fail(format!("write {sibling:?}: {err}")))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{brotli, gzip, precompress};
    use std::io::Read as _;

    #[test]
    fn each_file_gets_its_siblings_which_follow_it_and_go_with_it() {
        let dir = std::env::temp_dir().join(format!("xtask-precompress-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("locales")).unwrap();
        let module = "export const a = 1;\n".repeat(200);
        std::fs::write(dir.join("app.js"), &module).unwrap();
        std::fs::write(dir.join("locales/fr.json"), "{\"a\": \"b\"}".repeat(200)).unwrap();
        std::fs::write(dir.join("tiny.css"), "a{}").unwrap();
        std::fs::write(dir.join("types.d.ts"), "x".repeat(5000)).unwrap();
        precompress(&dir).unwrap();

        let gz = std::fs::read(dir.join("app.js.gz")).unwrap();
        let mut unzipped = String::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_string(&mut unzipped)
            .unwrap();
        assert_eq!(unzipped, module);
        let br = std::fs::read(dir.join("app.js.br")).unwrap();
        let mut unbrotlied = String::new();
        ::brotli::Decompressor::new(&br[..], 4096)
            .read_to_string(&mut unbrotlied)
            .unwrap();
        assert_eq!(unbrotlied, module);
        assert!(br.len() < module.len() && gz.len() < module.len());
        assert!(dir.join("locales/fr.json.br").is_file());
        // Too small to gain, or never fetched by a browser: no siblings.
        assert!(!dir.join("tiny.css.br").exists());
        assert!(!dir.join("types.d.ts.gz").exists());

        // Rebuilt: its siblings are written again; gone: they go too.
        std::thread::sleep(std::time::Duration::from_millis(20));
        let rebuilt = "export const b = 2;\n".repeat(300);
        std::fs::write(dir.join("app.js"), &rebuilt).unwrap();
        std::fs::remove_file(dir.join("locales/fr.json")).unwrap();
        precompress(&dir).unwrap();
        assert_eq!(
            std::fs::read(dir.join("app.js.gz")).unwrap(),
            gzip(rebuilt.as_bytes()).unwrap()
        );
        assert_eq!(
            std::fs::read(dir.join("app.js.br")).unwrap(),
            brotli(rebuilt.as_bytes()).unwrap()
        );
        assert!(!dir.join("locales/fr.json.br").exists());
        assert!(!dir.join("locales/fr.json.gz").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
