//! What of a provider's URLs and texts may reach a log line or the audit table: never a query
//! string (a presigned URL carries its signature and credential there), never an `X-Amz-`
//! parameter or a signature, wherever it hides (a storage error quoting its canonical request).

/// `url` without its query: `scheme://host[:port]/path`, and `?…` where a query was.
pub(crate) fn url(url: &reqwest::Url) -> String {
    let mut shown = format!("{}://{}", url.scheme(), url.host_str().unwrap_or(""));
    if let Some(port) = url.port() {
        shown.push_str(&format!(":{port}"));
    }
    shown.push_str(url.path());
    if url.query().is_some() {
        shown.push_str("?…");
    }
    shown
}

/// `text` with every URL's query cut to `?…` and every word carrying a signing parameter
/// replaced by `[redacted]`. Words end at white space, quotes and angle brackets (JSON, XML).
pub(crate) fn text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    for c in text.chars() {
        if c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>') {
            out.push_str(&redact_word(&word));
            word.clear();
            out.push(c);
        } else {
            word.push(c);
        }
    }
    out.push_str(&redact_word(&word));
    out
}

/// `text` with every mention of the host's customer `reference` replaced by `digest` (its
/// keyed digest, `ref_…`): a provider echoes the reference it was sent (D: `customer_reference
/// "user-4711" exists`; B: its `external_id`), and logs name a customer by digest only. A
/// mention is the reference not inside a longer word: `x` is replaced in `"x"` and `x-r2` (a
/// retry's reference), not in `exists`.
pub(crate) fn reference(text: &str, reference: &str, digest: &str) -> String {
    if reference.is_empty() {
        return text.to_owned();
    }
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(reference) {
        out.push_str(&rest[..at]);
        let before = out.chars().next_back();
        let after = rest[at + reference.len()..].chars().next();
        if word(before) || word(after) {
            out.push_str(reference);
        } else {
            out.push_str(digest);
        }
        rest = &rest[at + reference.len()..];
    }
    out.push_str(rest);
    out
}

fn redact_word(word: &str) -> String {
    // Closing punctuation after a URL (`(url): …`) is not part of it.
    let body = word.trim_end_matches([')', ']', '}', ',', ';', ':']);
    let tail = &word[body.len()..];
    let lower = body.to_ascii_lowercase();
    let signing = ["x-amz-", "signature=", "sig=", "credential=", "token="]
        .iter()
        .any(|marker| lower.contains(marker));
    match body.split_once('?') {
        Some((before, _)) if lower.contains("://") || signing => format!("{before}?…{tail}"),
        _ if signing => format!("[redacted]{tail}"),
        _ => word.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRESIGNED: &str =
        "http://127.0.0.1:9000/kyc/d/cus_1/f_1?X-Amz-Algorithm=AWS4-HMAC-SHA256\
        &X-Amz-Credential=AKIA%2F20260101&X-Amz-Signature=deadbeef";

    #[test]
    fn a_url_loses_its_query() {
        let parsed = reqwest::Url::parse(PRESIGNED).unwrap();
        assert_eq!(url(&parsed), "http://127.0.0.1:9000/kyc/d/cus_1/f_1?…");
        let plain = reqwest::Url::parse("https://d.example/v1/customers").unwrap();
        assert_eq!(url(&plain), "https://d.example/v1/customers");
    }

    #[test]
    fn a_text_loses_every_query_and_signing_parameter() {
        let said = format!("error sending request for url ({PRESIGNED}): refused");
        let redacted = text(&said);
        assert_eq!(
            redacted,
            "error sending request for url (http://127.0.0.1:9000/kyc/d/cus_1/f_1?…): refused"
        );
        let xml = "<Error><Code>SignatureDoesNotMatch</Code><CanonicalRequest>PUT\n/kyc/f\n\
            X-Amz-Algorithm=AWS4-HMAC-SHA256&amp;X-Amz-Signature=00</CanonicalRequest></Error>";
        let redacted = text(xml);
        assert!(
            !redacted.to_ascii_lowercase().contains("x-amz"),
            "{redacted}"
        );
        assert!(redacted.contains("SignatureDoesNotMatch"), "{redacted}");
        assert_eq!(text("customer not found"), "customer not found");
    }

    #[test]
    fn a_reference_is_replaced_by_its_digest_where_it_is_a_word() {
        let said = "a customer with customer_reference \"user-4711\" exists; use a new one";
        assert_eq!(
            reference(said, "user-4711", "ref_00"),
            "a customer with customer_reference \"ref_00\" exists; use a new one"
        );
        assert_eq!(
            reference("external_id user-4711-r2 taken", "user-4711", "ref_00"),
            "external_id ref_00-r2 taken"
        );
        assert_eq!(
            reference("x exists (x)", "x", "ref_00"),
            "ref_00 exists (ref_00)"
        );
        assert_eq!(reference("user-47110", "user-4711", "ref_00"), "user-47110");
    }
}
