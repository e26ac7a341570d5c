//! Where an image ends: a walk of its structure, fed as the bytes arrive, to the end its format
//! defines (JPEG's EOI marker, PNG's `IEND` chunk, the length in WebP's RIFF header, the last
//! of HEIF's top-level boxes), and whether anything follows it.
//!
//! Bytes after an image's end are not part of the picture: no viewer shows them, but whoever
//! opens the stored file with another program (a browser sniffing HTML, a shell running a
//! script) gets them. A server that forwards a file to reviewers refuses them
//! ([`FileProblem::TrailingData`]), and an image whose structure never reaches its end
//! ([`FileProblem::NoEndMarker`]).
//!
//! The widget does not run this on the user's file: phones often end a photo with extra data (a
//! motion photo's video, a maker's trailer), and the widget re-encodes every photo, so what it
//! sends ends at its EOI. The relay runs it on every image it receives ([`ImageEnd`] over the
//! streamed body). Memory is constant and the work linear in the file's length.

use crate::format::FileFormat;
use crate::inspect::FileProblem;

/// The walk of one image's structure, fed in pieces ([`feed`](ImageEnd::feed)) and judged at
/// the end ([`finish`](ImageEnd::finish)).
///
/// # Examples
/// ```
/// use kyc_core::image_end::ImageEnd;
/// use kyc_core::{FileFormat, FileProblem};
/// let jpeg = b"\xFF\xD8\xFF\xE0\x00\x04JF\xFF\xDA\x00\x02\x12\x34\xFF\x00\x56\xFF\xD9";
/// let mut end = ImageEnd::new(FileFormat::Jpeg).unwrap();
/// end.feed(&jpeg[..7]);
/// end.feed(&jpeg[7..]);
/// assert_eq!(end.finish(), Ok(()));
/// end.feed(b"<html><script>alert(1)</script>");
/// assert_eq!(end.finish(), Err(FileProblem::TrailingData { bytes: 31 }));
/// ```
#[derive(Clone, Debug)]
pub struct ImageEnd {
    state: State,
    /// A header being collected (JPEG segment length, PNG chunk header, RIFF or box header).
    header: [u8; 16],
    have: usize,
    /// Bytes seen after the end.
    after_end: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Skipping `left` bytes, then continuing in `then`.
    Skip { left: u64, then: Next },
    /// JPEG: looking for the next marker's `FF` (entropy-coded data, or stray bytes that
    /// decoders skip too).
    JpegSeek,
    /// JPEG: after an `FF`, the marker's code.
    JpegMarker,
    /// Collecting `need` header bytes into `header`.
    Header { need: usize, kind: HeaderKind },
    /// HEIF: the last box extends to the end of the file.
    ToEof,
    /// The end was reached; anything more is trailing.
    Ended,
    /// The structure is broken before its end.
    Broken,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Next {
    JpegSeek,
    PngChunk,
    BoxHeader,
    Ended,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum HeaderKind {
    JpegLength,
    PngChunk,
    Riff,
    Box,
    LargeBox,
}

impl ImageEnd {
    /// A walk for an image of `format`; `None` for a PDF (not an image).
    pub fn new(format: FileFormat) -> Option<ImageEnd> {
        let state = match format {
            FileFormat::Pdf => return None,
            // SOI, which the format was sniffed by.
            FileFormat::Jpeg => State::Skip {
                left: 2,
                then: Next::JpegSeek,
            },
            // The 8-byte signature.
            FileFormat::Png => State::Skip {
                left: 8,
                then: Next::PngChunk,
            },
            FileFormat::Webp => State::Header {
                need: 8,
                kind: HeaderKind::Riff,
            },
            FileFormat::Heif => State::Header {
                need: 8,
                kind: HeaderKind::Box,
            },
        };
        Some(ImageEnd {
            state,
            header: [0; 16],
            have: 0,
            after_end: 0,
        })
    }

    /// Walks the next `bytes` of the file.
    pub fn feed(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            match self.state {
                State::Skip { left, then } => {
                    let n = usize::try_from(left).unwrap_or(usize::MAX).min(bytes.len());
                    bytes = &bytes[n..];
                    let left = left - n as u64;
                    self.state = if left == 0 {
                        self.next(then)
                    } else {
                        State::Skip { left, then }
                    };
                }
                State::JpegSeek => match find_ff(bytes) {
                    Some(at) => {
                        bytes = &bytes[at + 1..];
                        self.state = State::JpegMarker;
                    }
                    None => bytes = &[],
                },
                State::JpegMarker => {
                    let code = bytes[0];
                    bytes = &bytes[1..];
                    self.state = match code {
                        // Fill bytes before a marker.
                        0xFF => State::JpegMarker,
                        // A stuffed zero in entropy-coded data, restart markers, TEM: no length.
                        0x00 | 0x01 | 0xD0..=0xD7 => State::JpegSeek,
                        0xD9 => State::Ended,
                        // A second SOI before the first image's end.
                        0xD8 => State::Broken,
                        _ => self.header(2, HeaderKind::JpegLength),
                    };
                }
                State::Header { need, kind } => {
                    let n = (need - self.have).min(bytes.len());
                    self.header[self.have..self.have + n].copy_from_slice(&bytes[..n]);
                    self.have += n;
                    bytes = &bytes[n..];
                    if self.have == need {
                        self.state = match self.parsed(kind) {
                            // Nothing to skip (an empty segment or box): the file may end here.
                            State::Skip { left: 0, then } => self.next(then),
                            state => state,
                        };
                    }
                }
                State::ToEof | State::Broken => bytes = &[],
                State::Ended => {
                    self.after_end += bytes.len() as u64;
                    bytes = &[];
                }
            }
        }
    }

    /// Whether the bytes fed so far are the whole image: its structure reached its end and
    /// nothing follows.
    pub fn finish(&self) -> Result<(), FileProblem> {
        match self.state {
            State::Ended if self.after_end > 0 => Err(FileProblem::TrailingData {
                bytes: self.after_end,
            }),
            State::Ended | State::ToEof => Ok(()),
            // HEIF has no end marker: the file ends between two top-level boxes.
            State::Header {
                kind: HeaderKind::Box,
                ..
            } if self.have == 0 => Ok(()),
            _ => Err(FileProblem::NoEndMarker),
        }
    }

    fn header(&mut self, need: usize, kind: HeaderKind) -> State {
        self.have = 0;
        State::Header { need, kind }
    }

    fn next(&mut self, next: Next) -> State {
        match next {
            Next::JpegSeek => State::JpegSeek,
            Next::PngChunk => self.header(8, HeaderKind::PngChunk),
            Next::BoxHeader => self.header(8, HeaderKind::Box),
            Next::Ended => State::Ended,
        }
    }

    /// The state after a complete header of `kind`.
    fn parsed(&mut self, kind: HeaderKind) -> State {
        let h = self.header;
        let be32 =
            |at: usize| u64::from(u32::from_be_bytes([h[at], h[at + 1], h[at + 2], h[at + 3]]));
        match kind {
            HeaderKind::JpegLength => {
                let len = u64::from(u16::from_be_bytes([h[0], h[1]]));
                // The entropy-coded data after a scan header (SOS) is skipped by looking for the
                // next marker, as stray bytes between segments are.
                match len.checked_sub(2) {
                    Some(left) => State::Skip {
                        left,
                        then: Next::JpegSeek,
                    },
                    None => State::Broken,
                }
            }
            HeaderKind::PngChunk => {
                let len = be32(0);
                if len > 0x7FFF_FFFF {
                    return State::Broken;
                }
                let then = if &h[4..8] == b"IEND" {
                    Next::Ended
                } else {
                    Next::PngChunk
                };
                // The data and its CRC.
                State::Skip {
                    left: len + 4,
                    then,
                }
            }
            HeaderKind::Riff => {
                if &h[0..4] != b"RIFF" {
                    return State::Broken;
                }
                let size = u64::from(u32::from_le_bytes([h[4], h[5], h[6], h[7]]));
                State::Skip {
                    left: size,
                    then: Next::Ended,
                }
            }
            HeaderKind::Box => match be32(0) {
                0 => State::ToEof,
                1 => State::Header {
                    need: 16,
                    kind: HeaderKind::LargeBox,
                },
                size => self.skip_box(size, 8),
            },
            HeaderKind::LargeBox => {
                let size = (be32(8) << 32) | be32(12);
                self.skip_box(size, 16)
            }
        }
    }

    fn skip_box(&self, size: u64, header: u64) -> State {
        match size.checked_sub(header) {
            Some(left) => State::Skip {
                left,
                then: Next::BoxHeader,
            },
            None => State::Broken,
        }
    }
}

/// [`ImageEnd`] over a whole file of `format` in memory; `Ok` for a PDF.
///
/// # Examples
/// ```
/// use kyc_core::image_end::inspect_image_end;
/// use kyc_core::{FileFormat, FileProblem};
/// let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
/// png.extend_from_slice(b"\0\0\0\0IEND\xAE\x42\x60\x82");
/// assert_eq!(inspect_image_end(&png, FileFormat::Png), Ok(()));
/// assert_eq!(inspect_image_end(&png[..12], FileFormat::Png), Err(FileProblem::NoEndMarker));
/// ```
pub fn inspect_image_end(bytes: &[u8], format: FileFormat) -> Result<(), FileProblem> {
    let Some(mut end) = ImageEnd::new(format) else {
        return Ok(());
    };
    end.feed(bytes);
    end.finish()
}

/// The index of the first 0xFF in `bytes`: a JPEG's entropy-coded data is most of the file, and
/// this scan runs over every byte of every upload the relay takes (`memchr`'s vector search: a
/// 50 MiB upload's walk takes under 1 ms of the relay's CPU, 7 ms eight bytes at a time).
fn find_ff(bytes: &[u8]) -> Option<usize> {
    memchr::memchr(0xFF, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A JPEG: SOI, APP0, SOF0, a scan with stuffed bytes and a restart marker, EOI.
    fn jpeg() -> Vec<u8> {
        let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 16];
        b.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        b.extend_from_slice(&[0xFF, 0xC0, 0, 11, 8, 0, 16, 0, 16, 1, 1, 0x11, 0]);
        b.extend_from_slice(&[0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 0x3F, 0]);
        b.extend_from_slice(&[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xFF, 0xD9]);
        b
    }

    fn png() -> Vec<u8> {
        let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        b.extend_from_slice(&[0, 0, 0, 16, 0, 0, 0, 16, 8, 2, 0, 0, 0, 1, 2, 3, 4]);
        b.extend_from_slice(b"\0\0\0\x03IDAT\x78\x9c\x01\x05\x06\x07\x08");
        b.extend_from_slice(b"\0\0\0\0IEND\xAE\x42\x60\x82");
        b
    }

    fn webp() -> Vec<u8> {
        let mut b = b"RIFF\x12\0\0\0WEBPVP8L\x06\0\0\0".to_vec();
        b.extend_from_slice(&[0x2F, 0, 0, 0, 0, 0]);
        b
    }

    fn heif() -> Vec<u8> {
        let mut b = b"\0\0\0\x14ftypheic\0\0\0\0mif1".to_vec();
        b.extend_from_slice(b"\0\0\0\x0cmeta\0\0\0\0");
        // A box with a 64-bit size.
        b.extend_from_slice(b"\0\0\0\x01mdat\0\0\0\0\0\0\0\x14\x01\x02\x03\x04");
        b
    }

    fn check(bytes: &[u8], format: FileFormat) -> Result<(), FileProblem> {
        // Fed whole, and one byte at a time: the same answer.
        let whole = inspect_image_end(bytes, format);
        let mut end = ImageEnd::new(format).unwrap();
        for byte in bytes {
            end.feed(std::slice::from_ref(byte));
        }
        assert_eq!(end.finish(), whole, "byte by byte differs");
        whole
    }

    #[test]
    fn each_format_ends_where_its_structure_says() {
        for (bytes, format) in [
            (jpeg(), FileFormat::Jpeg),
            (png(), FileFormat::Png),
            (webp(), FileFormat::Webp),
            (heif(), FileFormat::Heif),
        ] {
            assert_eq!(check(&bytes, format), Ok(()), "{format:?}");
            let html = b"<html><script>alert(1)</script></html>";
            let mut trailing = bytes.clone();
            trailing.extend_from_slice(html);
            let expected = if format == FileFormat::Heif {
                // No end marker in HEIF: the appended bytes read as a box that overruns.
                Err(FileProblem::NoEndMarker)
            } else {
                Err(FileProblem::TrailingData {
                    bytes: html.len() as u64,
                })
            };
            assert_eq!(check(&trailing, format), expected, "{format:?}");
            let cut = &bytes[..bytes.len() - 3];
            assert_eq!(
                check(cut, format),
                Err(FileProblem::NoEndMarker),
                "{format:?}"
            );
        }
    }

    #[test]
    fn a_jpeg_marker_inside_a_segment_is_not_its_end() {
        // An APP1 segment holding FF D9 (an EXIF thumbnail's end) is skipped by its length.
        let mut b = vec![0xFF, 0xD8, 0xFF, 0xE1, 0, 6, 0xFF, 0xD9, 0xFF, 0xD8];
        b.extend_from_slice(&[0x55; 20]);
        b.extend_from_slice(&[0xFF, 0xD9]);
        assert_eq!(check(&b, FileFormat::Jpeg), Ok(()));
        // A second image after the first one's EOI is trailing data.
        let mut two = b.clone();
        two.extend_from_slice(&b);
        assert_eq!(
            check(&two, FileFormat::Jpeg),
            Err(FileProblem::TrailingData {
                bytes: b.len() as u64
            })
        );
        // An empty segment, and a HEIF ending with an empty box, end where they should.
        assert_eq!(
            check(
                &[0xFF, 0xD8, 0xFF, 0xE0, 0, 2, 0xFF, 0xD9],
                FileFormat::Jpeg
            ),
            Ok(())
        );
        let mut empty_box = heif();
        empty_box.extend_from_slice(b"\0\0\0\x08free");
        assert_eq!(check(&empty_box, FileFormat::Heif), Ok(()));
        // A segment length below 2 is broken.
        assert_eq!(
            check(
                &[0xFF, 0xD8, 0xFF, 0xE0, 0, 1, 0xFF, 0xD9],
                FileFormat::Jpeg
            ),
            Err(FileProblem::NoEndMarker)
        );
    }

    #[test]
    fn a_pdf_has_no_image_end() {
        assert!(ImageEnd::new(FileFormat::Pdf).is_none());
        assert_eq!(inspect_image_end(b"%PDF-1.7", FileFormat::Pdf), Ok(()));
    }

    #[test]
    fn the_marker_search_finds_the_first_ff_wherever_it_is() {
        // Every length up to a few words, an 0xFF at each place (after bytes that are close to
        // it: 0xFE, 0x7F, 0x80, 0x00), and none at all.
        let filler = [0xFE, 0x7F, 0x80, 0x00, 0x01, 0xEF];
        for len in 0..40 {
            let mut bytes: Vec<u8> = (0..len).map(|i| filler[i % filler.len()]).collect();
            assert_eq!(super::find_ff(&bytes), None, "len {len}");
            for at in 0..len {
                let kept = bytes[at];
                bytes[at] = 0xFF;
                assert_eq!(super::find_ff(&bytes), Some(at), "len {len}, at {at}");
                if at + 3 < len {
                    bytes[at + 3] = 0xFF;
                    assert_eq!(
                        super::find_ff(&bytes),
                        Some(at),
                        "the first of two, len {len}"
                    );
                    bytes[at + 3] = filler[(at + 3) % filler.len()];
                }
                bytes[at] = kept;
            }
        }
    }
}
