//! The host's options to `mount()`: each wrong field is named with what it expects; a change of
//! language keeps the step and what was captured.

use kyc_capture::embed::{mount, parse_options};
use kyc_capture::i18n::Locale;
use kyc_capture::Theme;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

fn object(json: &str) -> JsValue {
    js_sys::JSON::parse(json).unwrap()
}

fn fields_in_error(json: &str) -> Vec<String> {
    parse_options(&object(json))
        .unwrap_err()
        .into_iter()
        .map(|error| error.field)
        .collect()
}

#[wasm_bindgen_test]
fn good_options_are_taken_as_given() {
    let options = parse_options(&object(
        r#"{"endpoint":"https://relay.example","sessionToken":"t0k","locale":"es-MX",
            "theme":"dark","messages":{"exit":"Salir"},"autoCapture":true}"#,
    ))
    .unwrap();
    assert_eq!(options.endpoint, "https://relay.example");
    assert_eq!(options.session_token.as_deref(), Some("t0k"));
    assert_eq!(options.locale, Some(Locale::Es));
    assert_eq!(options.theme, Theme::Dark);
    assert_eq!(options.messages, [("exit".to_owned(), "Salir".to_owned())]);
    assert!(options.auto_capture);
}

#[wasm_bindgen_test]
fn every_wrong_option_is_named() {
    assert_eq!(fields_in_error(r#"{"endpoint":""}"#), ["sessionToken"]);
    assert_eq!(
        fields_in_error(r#"{"sessiontoken":"t","endpoint":42}"#),
        ["sessiontoken", "endpoint", "sessionToken"]
    );
    assert_eq!(
        fields_in_error(
            r#"{"sessionToken":"t","locale":"de","theme":"pink","messages":{"a":1},"autoCapture":"yes"}"#
        ),
        ["locale", "theme", "messages", "autoCapture"]
    );
    assert_eq!(fields_in_error("null"), ["options"]);
    let error = &parse_options(&object(r#"{"theme":"pink","demo":true}"#)).unwrap_err()[0];
    assert_eq!(
        error.describe(),
        "kyc-capture: option `theme` is invalid: expected \"auto\", \"light\" or \"dark\""
    );
    // The demo needs no token.
    assert!(parse_options(&object(r#"{"demo":true}"#)).is_ok());
}

#[wasm_bindgen_test]
async fn wrong_options_show_a_sentence_not_an_empty_box() {
    let host = super::container();
    let mut handle = mount(host.clone(), object(r#"{"endpoint":"relay"}"#));
    for _ in 0..3 {
        leptos::task::tick().await;
    }
    let text = host.text_content().unwrap();
    assert!(text.contains("This identity check cannot start"), "{text}");
    handle.unmount();
    assert_eq!(host.child_element_count(), 0);
}
