//! Bounded quoting of untrusted text: what a hostile input makes us repeat (in a problem, a
//! violation or a log line) stays short.

/// `text` cut to at most `max` bytes at a character boundary.
pub fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}
