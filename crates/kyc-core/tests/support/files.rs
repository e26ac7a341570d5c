//! Minimal, valid file headers made in code: enough for sniffing and header parsing.
#![allow(dead_code)]

/// Pads `head` with zeros to `len` bytes.
fn padded(mut head: Vec<u8>, len: usize) -> Vec<u8> {
    if head.len() < len {
        head.resize(len, 0);
    }
    head
}

/// A JPEG: SOI, a JFIF APP0 segment, an SOF0 with the dimensions.
pub fn jpeg(width: u16, height: u16, len: usize) -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 16];
    b.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    b.extend_from_slice(&[0xFF, 0xC0, 0, 17, 8]);
    b.extend_from_slice(&height.to_be_bytes());
    b.extend_from_slice(&width.to_be_bytes());
    b.extend_from_slice(&[3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
    padded(b, len)
}

/// A PNG: the signature and an IHDR chunk.
pub fn png(width: u32, height: u32, len: usize) -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    b.extend_from_slice(&width.to_be_bytes());
    b.extend_from_slice(&height.to_be_bytes());
    b.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
    padded(b, len)
}

/// A WebP (VP8X extended header).
pub fn webp(width: u32, height: u32, len: usize) -> Vec<u8> {
    let mut b = b"RIFF".to_vec();
    b.extend_from_slice(&((len.max(30) - 8) as u32).to_le_bytes());
    b.extend_from_slice(b"WEBPVP8X");
    b.extend_from_slice(&10u32.to_le_bytes());
    b.extend_from_slice(&[0, 0, 0, 0]);
    b.extend_from_slice(&(width - 1).to_le_bytes()[..3]);
    b.extend_from_slice(&(height - 1).to_le_bytes()[..3]);
    padded(b, len)
}

fn bmff(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut b = ((body.len() + 8) as u32).to_be_bytes().to_vec();
    b.extend_from_slice(kind);
    b.extend_from_slice(body);
    b
}

/// A HEIC: `ftyp heic` and `meta/iprp/ipco/ispe` with the dimensions (and a thumbnail's).
pub fn heic(width: u32, height: u32, len: usize) -> Vec<u8> {
    let ispe = |w: u32, h: u32| {
        let mut body = vec![0, 0, 0, 0];
        body.extend_from_slice(&w.to_be_bytes());
        body.extend_from_slice(&h.to_be_bytes());
        bmff(b"ispe", &body)
    };
    let mut ipco = ispe(320, 240);
    ipco.extend(ispe(width, height));
    let iprp = bmff(b"iprp", &bmff(b"ipco", &ipco));
    let mut meta_body = vec![0, 0, 0, 0];
    meta_body.extend(bmff(b"hdlr", &[0; 24]));
    meta_body.extend(iprp);
    let mut b = bmff(b"ftyp", b"heic\0\0\0\0mif1heic");
    b.extend(bmff(b"meta", &meta_body));
    // The rest of the file is media data.
    let rest = len.saturating_sub(b.len() + 8);
    b.extend(bmff(b"mdat", &vec![0; rest]));
    b
}

/// A PDF with a classic cross-reference table and trailer (extra trailer entries in
/// `trailer_extra`), padded with a comment to at least `len` bytes.
pub fn pdf(trailer_extra: &str, len: usize) -> Vec<u8> {
    let mut b = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let obj1 = b.len();
    b.extend_from_slice(b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
    let obj2 = b.len();
    b.extend_from_slice(b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n");
    if len > b.len() + 200 {
        b.push(b'%');
        b.extend(std::iter::repeat_n(b'x', len - b.len() - 200));
        b.push(b'\n');
    }
    let xref = b.len();
    b.extend_from_slice(
        format!("xref\n0 3\n0000000000 65535 f \n{obj1:010} 00000 n \n{obj2:010} 00000 n \n")
            .as_bytes(),
    );
    b.extend_from_slice(
        format!("trailer\n<< /Size 3 /Root 1 0 R {trailer_extra}>>\nstartxref\n{xref}\n%%EOF\n")
            .as_bytes(),
    );
    b
}

/// A PDF 1.5 whose cross-reference section is a stream object with `dict_extra` entries.
pub fn pdf_xref_stream(dict_extra: &str) -> Vec<u8> {
    let mut b = b"%PDF-1.5\n".to_vec();
    b.extend_from_slice(b"1 0 obj\n<< /Type /Catalog >>\nendobj\n");
    let xref = b.len();
    b.extend_from_slice(format!("2 0 obj\n<< /Type /XRef /Size 3 /W [1 2 1] /Root 1 0 R /DecodeParms << /Columns 4 >> {dict_extra}/Length 4 >>\nstream\n\x01\x02\x03\x04\nendstream\nendobj\nstartxref\n{xref}\n%%EOF").as_bytes());
    b
}
