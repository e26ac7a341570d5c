//! Continuing on the phone, the page's side: the handoff code a page was opened with
//! (`#handoff=CODE`, a fragment, which browsers never send to a server), the link the phone
//! opens, the phone's session token kept for a reload, and whether this device is a phone.
//! The desktop's panel is the flow's handoff step; the relay's side, `POST
//! /v1/session/handoff` and `POST /v1/handoff/exchange`.

/// The fragment's key.
const KEY: &str = "handoff=";

/// The handoff code in this page's URL fragment, if it was opened with one.
pub fn code_in_page() -> Option<String> {
    let hash = web_sys::window()?.location().hash().ok()?;
    code_in_fragment(&hash)
}

/// The code of a fragment such as `#handoff=CODE` (other `&`-separated keys are the host's).
pub fn code_in_fragment(fragment: &str) -> Option<String> {
    fragment
        .trim_start_matches('#')
        .split('&')
        .find_map(|part| part.strip_prefix(KEY))
        .filter(|code| !code.is_empty())
        .map(str::to_owned)
}

/// The link the phone opens: `base` (the phone page; its own fragment dropped) with the code.
pub fn phone_link(base: &str, code: &str) -> String {
    let page = base.split('#').next().unwrap_or(base);
    format!("{page}#{KEY}{code}")
}

/// This page's URL without its query and fragment: the phone page when the host names none.
/// Without the query, because a host page may carry a session token or a user id there, which
/// must not travel in a QR code (a host that needs one names its page in `handoffUrl`).
pub fn this_page() -> String {
    web_sys::window()
        .and_then(|w| {
            let location = w.location();
            Some(location.origin().ok()? + &location.pathname().ok()?)
        })
        .unwrap_or_default()
}

/// The session token this tab got for `code`, if it exchanged it before (a reload of the phone
/// page: the code works once, the token for its life). Kept in `sessionStorage`: this tab only,
/// gone when it closes.
pub fn remembered_token(code: &str) -> Option<String> {
    storage()?.get_item(&storage_key(code)).ok().flatten()
}

/// Keeps `token`, exchanged for `code`, for a reload of this tab.
pub fn remember_token(code: &str, token: &str) {
    if let Some(storage) = storage() {
        // A browser that refuses storage (private mode, full) only loses the reload.
        let _ = storage.set_item(&storage_key(code), token);
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

fn storage_key(code: &str) -> String {
    format!("kyc-capture:{KEY}{code}")
}

/// Whether this device's main pointer is a finger (a phone or tablet): no handoff is offered
/// there, it has the better camera already.
pub fn is_touch_device() -> bool {
    web_sys::window()
        .and_then(|w| w.match_media("(pointer: coarse)").ok().flatten())
        .is_some_and(|query| query.matches())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_is_read_from_the_fragment_among_the_hosts_keys() {
        assert_eq!(code_in_fragment("#handoff=ABC234"), Some("ABC234".into()));
        assert_eq!(
            code_in_fragment("#step=2&handoff=ABC234"),
            Some("ABC234".into())
        );
        assert_eq!(code_in_fragment("#handoff="), None);
        assert_eq!(code_in_fragment("#other=1"), None);
        assert_eq!(code_in_fragment(""), None);
    }

    #[test]
    fn the_link_replaces_the_pages_own_fragment() {
        assert_eq!(
            phone_link("https://shop.example/verify?x=1#top", "ABC"),
            "https://shop.example/verify?x=1#handoff=ABC"
        );
        assert_eq!(
            phone_link("https://shop.example/", "ABC"),
            "https://shop.example/#handoff=ABC"
        );
    }
}
