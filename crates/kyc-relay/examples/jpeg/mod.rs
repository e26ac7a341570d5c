//! The upload benches' files: JPEG-shaped bytes the relay accepts, made in memory.

/// A JPEG whose header declares `width` x `height`, filled to `len` bytes with pseudo-random
/// bytes (no 0xFF, so no marker appears): the relay's checks read the header, the transfer
/// carries every byte.
pub fn jpeg_file(width: u16, height: u16, len: usize, seed: u64) -> Vec<u8> {
    let mut bytes = vec![
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0,
    ];
    bytes.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x11, 0x08]);
    bytes.extend_from_slice(&height.to_be_bytes());
    bytes.extend_from_slice(&width.to_be_bytes());
    bytes.extend_from_slice(&[0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01]);
    let mut state = seed | 1;
    while bytes.len() < len - 2 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        bytes.extend(state.to_le_bytes().iter().map(|b| b & 0x7F));
    }
    bytes.truncate(len - 2);
    bytes.extend_from_slice(&[0xFF, 0xD9]);
    bytes
}
