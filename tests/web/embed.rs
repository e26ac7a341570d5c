//! The host's options to `mount()`: each wrong field is named with what it expects; a change of
//! language keeps the step and what was captured.

use kyc_capture::embed::{mount, parse_options};
use kyc_capture::i18n::Locale;
use kyc_capture::options::Handoff;
use kyc_capture::Theme;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

fn object(json: &str) -> JsValue {
    js_sys::JSON::parse(json).unwrap()
}

/// `json` parsed by another window's `JSON`: an object of another realm, as a host page
/// hands over from an iframe or a framework's sandbox.
fn object_of_another_realm(json: &str) -> JsValue {
    let document = web_sys::window().unwrap().document().unwrap();
    let frame = document.create_element("iframe").unwrap();
    document.body().unwrap().append_child(&frame).unwrap();
    let get = |target: &JsValue, name: &str| js_sys::Reflect::get(target, &name.into()).unwrap();
    let json_of_frame = get(&get(&frame, "contentWindow"), "JSON");
    let parse: js_sys::Function = get(&json_of_frame, "parse").unchecked_into();
    let value = parse.call1(&json_of_frame, &json.into()).unwrap();
    frame.remove();
    value
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
fn options_made_in_another_window_are_taken() {
    let foreign = object_of_another_realm(
        r#"{"sessionToken":"t0k","locale":"fr","messages":{"exit":"Quitter"}}"#,
    );
    assert!(
        !foreign.is_instance_of::<js_sys::Object>(),
        "the object is of another realm"
    );
    let options = parse_options(&foreign).unwrap();
    assert_eq!(options.session_token.as_deref(), Some("t0k"));
    assert_eq!(options.locale, Some(Locale::Fr));
    assert_eq!(
        options.messages,
        [("exit".to_owned(), "Quitter".to_owned())]
    );
    // Anything but an object is still refused.
    assert_eq!(
        parse_options(&JsValue::from_str("sessionToken=t0k"))
            .unwrap_err()
            .into_iter()
            .map(|error| error.field)
            .collect::<Vec<_>>(),
        ["options"]
    );
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
            r#"{"sessionToken":"t","locale":"sv","theme":"pink","messages":{"a":1},"autoCapture":"yes"}"#
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
    let mut handle = mount(host.clone(), object(r#"{"endpoint":"relay"}"#), None);
    for _ in 0..3 {
        leptos::task::tick().await;
    }
    let text = host.text_content().unwrap();
    assert!(text.contains("This identity check cannot start"), "{text}");
    handle.unmount();
    assert_eq!(host.child_element_count(), 0);
}

#[wasm_bindgen_test]
fn the_handoff_options_are_taken_and_wrong_ones_named() {
    let options = parse_options(&object(
        r#"{"sessionToken":"t","handoff":"forced","handoffUrl":"https://shop.example/verify"}"#,
    ))
    .unwrap();
    assert_eq!(options.handoff, Handoff::Forced);
    assert_eq!(
        options.handoff_url.as_deref(),
        Some("https://shop.example/verify")
    );
    assert_eq!(
        parse_options(&object(r#"{"sessionToken":"t"}"#))
            .unwrap()
            .handoff,
        Handoff::Offered
    );
    assert_eq!(
        fields_in_error(
            r#"{"sessionToken":"t","handoff":"yes","handoffUrl":"javascript:alert(1)"}"#
        ),
        ["handoff", "handoffUrl"]
    );
}
