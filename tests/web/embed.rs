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

/// Waits (up to 5 s) until `host` shows `text`; returns what it shows.
async fn shown(host: &web_sys::HtmlElement, text: &str) -> String {
    let mut now = String::new();
    for _ in 0..250 {
        now = host.text_content().unwrap_or_default();
        if now.contains(text) {
            return now;
        }
        super::gloo_timers_sleep(20).await;
    }
    panic!("{text:?} never shown; the widget shows {now:?}");
}

/// The events of `names` that reach `host`: each name with its detail's `step`, or `steps`.
fn record(
    host: &web_sys::HtmlElement,
    names: &[&str],
) -> std::rc::Rc<std::cell::RefCell<Vec<String>>> {
    let heard = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    for name in names {
        let heard = heard.clone();
        let listener = wasm_bindgen::closure::Closure::<dyn FnMut(web_sys::CustomEvent)>::new(
            move |event: web_sys::CustomEvent| {
                let detail = event.detail();
                let field = |key: &str| js_sys::Reflect::get(&detail, &key.into()).unwrap();
                let step = field("step").as_string();
                let steps = field("steps").as_f64().map(|n| n.to_string());
                heard.borrow_mut().push(format!(
                    "{} {}",
                    event.type_(),
                    step.or(steps).unwrap_or_default()
                ));
            },
        );
        host.add_event_listener_with_callback(name, listener.as_ref().unchecked_ref())
            .unwrap();
        listener.forget();
    }
    heard
}

/// The first step, drawn from the loader's early answer before the framework is there, asks for
/// the box, then hands the flow over at the next step: its heading focused, each event heard
/// once, the consent still ticked when the user comes back to it.
#[wasm_bindgen_test]
async fn the_first_step_hands_over_to_the_flow_at_the_next_step() {
    use kyc_core::Provider;
    let host = super::container();
    let heard = record(&host, &["kyc-ready", "kyc-step-changed"]);
    let session = super::steps::session(Provider::D, "GBR");
    let policy = kyc_core::Policy::new(Provider::D, kyc_core::CustomerType::Individual, "GBR");
    let steps = kyc_capture::plan(&policy, policy.accepted_documents().first().copied()).len();
    let answer = js_sys::Array::of2(
        &200.into(),
        &serde_json::to_string(&session).unwrap().into(),
    );
    // The relay (port 9) is never asked: the loader's answer is the session.
    let options =
        object(r#"{"endpoint":"http://127.0.0.1:9","sessionToken":"v1.x.1.00","locale":"en"}"#);
    let mut handle = mount(
        host.clone(),
        options,
        Some(js_sys::Promise::resolve(&JsValue::from(answer))),
    );
    let text = shown(&host, "Before you start").await;
    assert!(text.contains(&format!("Step 1 of {steps}")), "{text}");
    let query = |selector: &str| -> web_sys::HtmlElement {
        host.query_selector(selector)
            .unwrap()
            .unwrap_or_else(|| panic!("no {selector}"))
            .unchecked_into()
    };
    // The later steps' code arriving (here at once) redraws nothing the user may be using.
    let first_drawn = query("#kyc-consent");
    super::gloo_timers_sleep(50).await;
    assert!(first_drawn.is_same_node(Some(&query("#kyc-consent"))));
    // Continue without the box says why, and stays.
    query(".kyc-primary").click();
    assert_eq!(
        query("#kyc-consent-error").text_content().unwrap(),
        "Tick the box to agree before you continue."
    );
    query("#kyc-consent").click();
    assert_eq!(query("#kyc-consent-error").text_content().unwrap(), "");
    query(".kyc-primary").click();
    let text = shown(&host, "Which document will you use?").await;
    assert!(text.contains(&format!("Step 2 of {steps}")), "{text}");
    // The heading takes the focus once drawn (the framework's next tick).
    let document = web_sys::window().unwrap().document().unwrap();
    let mut focused = document.active_element().unwrap();
    for _ in 0..50 {
        if focused.tag_name() == "H2" {
            break;
        }
        super::gloo_timers_sleep(20).await;
        focused = document.active_element().unwrap();
    }
    assert_eq!(focused.tag_name(), "H2");
    assert_eq!(
        focused.text_content().unwrap(),
        "Which document will you use?"
    );
    assert_eq!(
        *heard.borrow(),
        [
            format!("kyc-ready {steps}"),
            "kyc-step-changed consent".to_owned(),
            "kyc-step-changed document".to_owned(),
        ]
    );
    // Back at the consent (drawn by the flow now), the box is still ticked.
    host.query_selector(".kyc-secondary")
        .unwrap()
        .unwrap()
        .unchecked_into::<web_sys::HtmlElement>()
        .click();
    shown(&host, "Before you start").await;
    let ticked: web_sys::HtmlInputElement = query("#kyc-consent").unchecked_into();
    assert!(ticked.checked());
    assert_eq!(host.query_selector_all(".kyc-capture").unwrap().length(), 1);
    handle.unmount();
    assert_eq!(host.child_element_count(), 0);
}
