//! JSON request bodies read and refused in the relay's words: the `Content-Type` checked, the
//! body read up to [`MAX_JSON_BYTES`], then parsed. A refusal says what was wrong (where the
//! syntax breaks, which field has which type) and how to fix it, never in serde's or Rust's
//! terms (`struct CreateSessionRequest`, `u64`, `variant identifier`).

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderMap, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_path_to_error::{Path, Segment};

use super::ApiError;

/// The largest JSON body read (set on the router as axum's `DefaultBodyLimit`, so the number
/// a refusal states is the one applied). A session's JSON is a few hundred bytes.
pub(crate) const MAX_JSON_BYTES: usize = 2 * 1024 * 1024;

/// Refuses a request whose `Content-Type` is not JSON (`application/json`, or a
/// `+json` type, with any parameters), as axum's own `Json` does.
pub(crate) fn check_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let declared = headers.get(header::CONTENT_TYPE).map(|v| v.to_str());
    let essence = match declared {
        None => {
            return Err(ApiError::BadRequest(
                "the request has no Content-Type: send the JSON body with the header \
                 `Content-Type: application/json`"
                    .to_owned(),
            ))
        }
        Some(Ok(value)) => value,
        Some(Err(_)) => "",
    };
    let essence = essence.split(';').next().unwrap_or("").trim();
    let essence = essence.to_ascii_lowercase();
    let json = essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"));
    if json {
        return Ok(());
    }
    // The caller's header is quoted escaped (`{:?}`), so it cannot break the sentence.
    Err(ApiError::BadRequest(format!(
        "the request's Content-Type is {essence:?}; the body must be JSON sent with the \
         header `Content-Type: application/json`"
    )))
}

/// The whole body, or 413 `too_large` past [`MAX_JSON_BYTES`].
pub(crate) async fn read_body<S: Send + Sync>(
    request: Request,
    state: &S,
) -> Result<Bytes, ApiError> {
    Bytes::from_request(request, state)
        .await
        .map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::TooLarge(MAX_JSON_BYTES as u64)
            } else {
                ApiError::BadRequest("the body could not be read to its end; send it again".into())
            }
        })
}

/// `bytes` as a `T`, or a 400 `bad_request` saying what is wrong where.
pub(crate) fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        // Editors on Windows add one; JSON (RFC 8259) has none.
        return Err(ApiError::BadRequest(
            "the body starts with a byte order mark (bytes EF BB BF), which JSON does not \
             allow: save or send the JSON as UTF-8 without it"
                .to_owned(),
        ));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::BadRequest(
            "the body is empty: send a JSON object".to_owned(),
        ));
    }
    // Parsed as a value first: a syntax error is then told apart from a value of the wrong
    // shape (serde_json calls a number where an enum's name belongs a syntax error).
    let value: Value = serde_json::from_slice(bytes).map_err(|err| syntax(&err))?;
    from_value(value, "")
}

/// `value` as a `T`, or a 400 naming the field (below `at`, a dotted path or empty for the
/// body) and what it must be.
pub(crate) fn from_value<T: DeserializeOwned>(value: Value, at: &str) -> Result<T, ApiError> {
    from_part(value, at, &[])
}

/// [`from_value`] for a part of an object whose `other` fields were taken out first: an
/// unknown field's answer names them too.
pub(crate) fn from_part<T: DeserializeOwned>(
    value: Value,
    at: &str,
    other: &[&str],
) -> Result<T, ApiError> {
    match serde_path_to_error::deserialize::<_, T>(&value) {
        Ok(parsed) => Ok(parsed),
        Err(err) => {
            let message = err.inner().to_string();
            let variants = || variants::<T>(&value, err.path());
            let field = joined(at, &err.path().to_string());
            let given = pointer(err.path()).and_then(|pointer| value.pointer(&pointer));
            let message = describe(&field, &message, given, variants, other);
            Err(ApiError::BadRequest(message))
        }
    }
}

/// `at` and `path` (serde_path_to_error's, `.` for the root) as one dotted path.
fn joined(at: &str, path: &str) -> String {
    match (at, path) {
        (at, ".") => at.to_owned(),
        ("", path) => path.to_owned(),
        (at, path) if path.starts_with('[') => format!("{at}{path}"),
        (at, path) => format!("{at}.{path}"),
    }
}

fn syntax(err: &serde_json::Error) -> ApiError {
    let message = without_position(err);
    let what = match message.as_str() {
        "trailing characters" => "more follows the end of the JSON value".to_owned(),
        "expected value" => "a JSON value was expected".to_owned(),
        other => match other.strip_prefix("EOF while parsing ") {
            Some(inside) => format!("it ends inside {inside}"),
            None => other.to_owned(),
        },
    };
    ApiError::BadRequest(format!(
        "the body is not valid JSON: {what} at line {}, column {}",
        err.line(),
        err.column()
    ))
}

/// serde_json's message without its ` at line L column C`.
fn without_position(err: &serde_json::Error) -> String {
    let text = err.to_string();
    let suffix = format!(" at line {} column {}", err.line(), err.column());
    text.strip_suffix(&suffix).unwrap_or(&text).to_owned()
}

/// The sentence for a value that does not fit: `field` (empty: the body) and serde's
/// `message`; `given` is the value refused, if it is known; `variants` lists an enum's names;
/// `other` are fields taken out before (an unknown field's answer lists them too).
fn describe(
    field: &str,
    message: &str,
    given: Option<&Value>,
    variants: impl FnOnce() -> Option<String>,
    other: &[&str],
) -> String {
    let subject = if field.is_empty() { "the body" } else { field };
    let inner = |name: &str| {
        if field.is_empty() {
            name.to_owned()
        } else {
            format!("{field}.{name}")
        }
    };
    if let Some(rest) = message.strip_prefix("missing field ") {
        return format!("{} is required", inner(&unquoted(rest)));
    }
    if let Some(rest) = message.strip_prefix("duplicate field ") {
        return format!("{} is given twice; give it once", inner(&unquoted(rest)));
    }
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let (name, expected) = rest.split_once(", ").unwrap_or((rest, ""));
        let mut known = listed(expected);
        for name in other {
            known = if known.is_empty() {
                (*name).to_owned()
            } else {
                format!("{known}, {name}")
            };
        }
        let fields = if known.is_empty() {
            "it has no fields".to_owned()
        } else {
            format!("the fields are {known}")
        };
        // The path ends at the unknown field itself: its object is the rest.
        let name = unquoted(name);
        let full = if field.ends_with(name.as_str()) {
            field.to_owned()
        } else {
            inner(&name)
        };
        let object = full
            .strip_suffix(name.as_str())
            .unwrap_or("")
            .trim_end_matches('.');
        let object = if object.is_empty() {
            "the body"
        } else {
            object
        };
        return format!("{full} is not a field of {object}; {fields}");
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        let (name, expected) = rest.split_once(", ").unwrap_or((rest, ""));
        return format!(
            "{subject} must be one of {}, not {}",
            listed(expected),
            quoted(name)
        );
    }
    let mismatch = message
        .strip_prefix("invalid type: ")
        .or_else(|| message.strip_prefix("invalid value: "));
    if let Some(rest) = mismatch {
        if let Some((_, expected)) = rest.rsplit_once(", expected ") {
            let expected = expectation(expected, variants);
            return match given.map(shown) {
                Some(given) => format!("{subject} must be {expected}, not {given}"),
                None => format!("{subject} must be {expected}"),
            };
        }
    }
    if let Some(rest) = message.strip_prefix("invalid length ") {
        if let Some((length, expected)) = rest.rsplit_once(", expected ") {
            return format!("{subject} must have {expected}, not {length}");
        }
    }
    // A message of the relay's own types (e.g. a custom Deserialize): kept, type names out.
    format!("{subject}: {}", without_type_names(message))
}

/// What serde's `expected` means in JSON terms.
fn expectation(expected: &str, variants: impl FnOnce() -> Option<String>) -> String {
    let enumeration = expected.starts_with("enum ")
        || expected == "variant identifier"
        || expected == "string or map";
    if enumeration {
        return match variants() {
            Some(names) => format!("one of {names}"),
            None => "a string".to_owned(),
        };
    }
    if expected.starts_with("struct ") || matches!(expected, "a map" | "map") {
        return "a JSON object".to_owned();
    }
    let plain = match expected {
        "a sequence" | "sequence" => "a JSON array",
        "a string" | "a borrowed string" | "a char" => "a string",
        "a boolean" => "true or false",
        "u8" => "a whole number from 0 to 255",
        "u16" => "a whole number from 0 to 65535",
        "u32" => "a whole number from 0 to 4294967295",
        "u64" | "usize" | "u128" => "a whole number, 0 or more",
        "i8" | "i16" | "i32" | "i64" | "isize" | "i128" => "a whole number",
        "f32" | "f64" => "a number",
        "unit" => "null",
        other => return without_type_names(other),
    };
    plain.to_owned()
}

/// The names of the enum expected at `path`: serde lists them when a name it does not know is
/// given there, so one is, in a copy of `value`. `None` where it does not list them.
fn variants<T: DeserializeOwned>(value: &Value, path: &Path) -> Option<String> {
    let pointer = pointer(path)?;
    let mut probe = value.clone();
    *probe.pointer_mut(&pointer)? = Value::String("\u{0}".to_owned());
    let err = serde_path_to_error::deserialize::<_, T>(&probe).err()?;
    if err.path().to_string() != path.to_string() {
        return None;
    }
    let message = err.inner().to_string();
    let (_, expected) = message.strip_prefix("unknown variant ")?.split_once(", ")?;
    Some(listed(expected)).filter(|names| !names.is_empty())
}

/// `path` as a JSON pointer into the value parsed; `None` where it has no place in it.
fn pointer(path: &Path) -> Option<String> {
    let mut pointer = String::new();
    for segment in path {
        match segment {
            Segment::Map { key } => {
                pointer.push('/');
                pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
            }
            Segment::Seq { index } => pointer.push_str(&format!("/{index}")),
            Segment::Enum { .. } | Segment::Unknown => return None,
        }
    }
    Some(pointer)
}

/// serde's list of names (`expected one of `a`, `b``, `expected `a` or `b``, `there are no
/// variants`) as `a, b`.
fn listed(expected: &str) -> String {
    let Some(names) = expected.strip_prefix("expected ") else {
        return String::new();
    };
    let names = names.strip_prefix("one of ").unwrap_or(names);
    names
        .split(", ")
        .flat_map(|part| part.split(" or "))
        .map(unquoted)
        .collect::<Vec<_>>()
        .join(", ")
}

/// serde's `` `name` `` as `name`.
fn unquoted(name: &str) -> String {
    name.trim().trim_matches('`').to_owned()
}

/// serde's `` `name` `` as a JSON string, `"name"`.
fn quoted(name: &str) -> String {
    Value::String(unquoted(name)).to_string()
}

/// A refused value as the caller wrote it, cut short when long.
fn shown(value: &Value) -> String {
    match value {
        Value::Array(_) => "an array".to_owned(),
        Value::Object(_) => "an object".to_owned(),
        Value::String(text) if text.chars().count() > 40 => {
            let cut: String = text.chars().take(40).collect();
            format!("{}…", Value::String(cut))
        }
        other => other.to_string(),
    }
}

/// `text` without Rust's type names: `struct X` and `enum X` as what they are in JSON.
fn without_type_names(text: &str) -> String {
    let mut out = Vec::new();
    let mut words = text.split(' ').peekable();
    while let Some(word) = words.next() {
        match word {
            "struct" if words.peek().is_some() => {
                words.next();
                out.push("a JSON object");
            }
            "enum" if words.peek().is_some() => {
                words.next();
                out.push("a string");
            }
            word => out.push(word),
        }
    }
    out.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_are_left_out() {
        assert_eq!(
            without_type_names("expected struct CreateSessionRequest here"),
            "expected a JSON object here"
        );
    }

    #[test]
    fn serde_lists_read_as_names() {
        assert_eq!(listed("expected one of `a`, `b`, `c`"), "a, b, c");
        assert_eq!(listed("expected `a` or `b`"), "a, b");
        assert_eq!(listed("expected `a`"), "a");
        assert_eq!(listed("there are no fields"), "");
    }
}
