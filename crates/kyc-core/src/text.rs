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

/// Whether `url` may go into an `<a href>` shown to the end user (a provider's terms page): an
/// absolute `https://` URL with a host and no white space or control character. Any other
/// scheme (`javascript:`, `data:`, plain `http:`) could run in, or be read from, the host page.
pub fn is_https_link(url: &str) -> bool {
    let Some(rest) = url
        .get(..8)
        .filter(|scheme| scheme.eq_ignore_ascii_case("https://"))
        .map(|_| &url[8..])
    else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    !host.is_empty() && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_absolute_https_url_is_a_link() {
        for url in ["https://b.example/tos?v=1", "HTTPS://b.example"] {
            assert!(is_https_link(url), "{url}");
        }
        for url in [
            "javascript:alert(document.cookie)",
            " javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "http://b.example/tos",
            "//b.example/tos",
            "https:///tos",
            "https://",
            "https://b.example/\njavascript:alert(1)",
            "",
        ] {
            assert!(!is_https_link(url), "{url:?}");
        }
    }
}
