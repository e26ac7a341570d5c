//! Untrusted text: bounded quoting (what a hostile input makes us repeat in a problem, a
//! violation or a log line stays short) and one line a host or a user typed.

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

/// `text` trimmed, when it is 1 to `max_chars` characters with no control character (a name, a
/// reference: it goes into providers' records, the relay's database and its logs, where a NUL
/// cannot be stored in PostgreSQL's text and a line break would forge a log line); else `None`.
///
/// # Examples
/// ```
/// use kyc_core::text::one_line;
/// assert_eq!(one_line("  Ada Lovelace ", 200), Some("Ada Lovelace"));
/// assert_eq!(one_line(" ", 200), None);
/// assert_eq!(one_line("Ada\nLovelace", 200), None);
/// assert_eq!(one_line("Ådå", 3), Some("Ådå"));
/// assert_eq!(one_line("Ådåm", 3), None);
/// ```
#[must_use]
pub fn one_line(text: &str, max_chars: usize) -> Option<&str> {
    let text = text.trim();
    let length = text.chars().count();
    ((1..=max_chars).contains(&length) && !text.chars().any(char::is_control)).then_some(text)
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
