//! The handoff's QR code as SVG: [`QrPicture::of`] encodes a URL (qrcodegen, Nayuki's
//! reference encoder, no dependencies) and draws its dark modules as one `<path>`, a run of
//! dark modules in a row as one rectangle, so a 41-module code is a few KB of path, not a
//! thousand elements.

use qrcodegen::{QrCode, QrCodeEcc};

/// A QR code ready for an `<svg>`: its `viewBox` side (with the quiet zone) and its path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QrPicture {
    /// The side of the square `viewBox`, in modules, quiet zone included.
    pub side: u32,
    /// The `d` of the path of its dark modules.
    pub path: String,
}

/// The light border every reader needs around a code, in modules (ISO/IEC 18004: 4).
const QUIET_ZONE: i32 = 4;

impl QrPicture {
    /// The QR code of `text`, at error-correction level M (15 % of the code may be unreadable: a
    /// phone held at an angle to a shiny laptop screen); `None` if `text` is too long for any
    /// QR code (about 2.3 KB).
    #[must_use]
    pub fn of(text: &str) -> Option<QrPicture> {
        let code = QrCode::encode_text(text, QrCodeEcc::Medium).ok()?;
        let size = code.size();
        let mut path = String::new();
        for y in 0..size {
            let mut x = 0;
            while x < size {
                if !code.get_module(x, y) {
                    x += 1;
                    continue;
                }
                let start = x;
                while x < size && code.get_module(x, y) {
                    x += 1;
                }
                path.push_str(&format!(
                    "M{} {}h{}v1h-{}z",
                    start + QUIET_ZONE,
                    y + QUIET_ZONE,
                    x - start,
                    x - start
                ));
            }
        }
        Some(QrPicture {
            side: (size + 2 * QUIET_ZONE) as u32,
            path,
        })
    }
}

impl QrPicture {
    /// The code as an `<svg>` element's markup: dark modules on a white square, which stays
    /// white in a dark theme (a reader needs the contrast), scaled by CSS.
    #[must_use]
    pub fn svg(&self) -> String {
        let side = self.side;
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {side} {side}\" \
             shape-rendering=\"crispEdges\"><rect width=\"{side}\" height=\"{side}\" \
             fill=\"#fff\"/><path fill=\"#000\" d=\"{}\"/></svg>",
            self.path
        )
    }
}

#[cfg(test)]
mod tests {
    use super::QrPicture;

    #[test]
    fn a_url_becomes_a_square_code_with_its_quiet_zone() {
        let picture =
            QrPicture::of("https://shop.example/verify#handoff=ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
                .expect("fits");
        // 71 bytes at level M: version 5 (37 modules) plus 4 on each side.
        assert_eq!(picture.side, 45);
        assert!(
            picture.path.starts_with("M4 4h7v1h-7z"),
            "{}",
            &picture.path[..40]
        );
    }

    #[test]
    fn text_beyond_any_code_is_refused() {
        assert_eq!(QrPicture::of(&"x".repeat(3000)), None);
    }
}
