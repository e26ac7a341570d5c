//! Embedding in a host page: [`mount`] (exported to JavaScript) puts the widget into an element
//! and returns a [`MountHandle`] with `unmount()` and `setLocale()`. The `<kyc-capture>` custom
//! element of `www/kyc-capture.js` calls it with its attributes, and `main.rs` (the demo) with
//! its `data-*` attributes: there is one way to mount.
//!
//! Options (a plain object; every field is checked and a wrong one is named in the console):
//!
//! | field | type | meaning |
//! | --- | --- | --- |
//! | `endpoint` | string | the relay's base URL (`""`: the page's origin) |
//! | `sessionToken` | string | the token the host's backend got from `POST /v1/sessions` |
//! | `demo` | boolean | no token: ask the demo relay for a session (never in production) |
//! | `locale` | string | `en`, `es`, `fr`, `de`, `it`, `nl`, `pl`, `pt-BR`, `pt-PT`, `ru`, `uk`, `tr`, `ro`, `id`, `ja`, `ko`, `zh-Hans`, `hi`, `ar` or `he` (or a tag such as `es-MX`); default: the browser's |
//! | `theme` | string | `auto` (default), `light` or `dark` |
//! | `messages` | object | strings replacing built-in ones, by key |
//! | `autoCapture` | boolean | a steady good camera frame is taken without the button |
//! | `handoff` | string | continue on the phone: `offered` (default: a desktop offers it), `forced` (a desktop always hands off) or `off` |
//! | `handoffUrl` | string | the phone page's URL, an http(s) page that mounts the widget (default: this page without its query); the code goes in its fragment |
//!
//! A page opened with `#handoff=CODE` in its URL (the phone) continues the session of that code:
//! no `sessionToken` is needed, and one given is not used.

use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::events::Events;
use crate::first_step::{self, Widget};
use crate::i18n::{pairs_of, Locale, Texts};
use crate::options::{Handoff, Theme, WidgetOptions};

/// What the `locale` option takes (every shipped locale), as an option error says it.
const LOCALES: &str = "\"en\", \"es\", \"fr\", \"de\", \"it\", \"nl\", \"pl\", \"pt-BR\", \"pt-PT\", \"ru\", \"uk\", \"tr\", \"ro\", \"id\", \"ja\", \"ko\", \"zh-Hans\", \"hi\", \"ar\" or \"he\" (or a tag such as \"es-MX\")";

/// The fields [`parse_options`] knows.
const FIELDS: [&str; 9] = [
    "endpoint",
    "sessionToken",
    "demo",
    "locale",
    "theme",
    "messages",
    "autoCapture",
    "handoff",
    "handoffUrl",
];

/// A wrong option: the field and what it expects, for the console.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OptionError {
    /// The option's name, as the host wrote it.
    pub field: String,
    /// What it expects.
    pub expected: &'static str,
}

impl OptionError {
    fn new(field: &str, expected: &'static str) -> OptionError {
        OptionError {
            field: field.to_owned(),
            expected,
        }
    }

    /// The sentence logged to the console.
    pub fn describe(&self) -> String {
        format!(
            "kyc-capture: option `{}` is invalid: expected {}",
            self.field, self.expected
        )
    }
}

/// The widget's options from a host's plain object; every wrong field is reported.
pub fn parse_options(value: &JsValue) -> Result<WidgetOptions, Vec<OptionError>> {
    let mut errors = vec![];
    let mut options = WidgetOptions::default();
    let Some(object) = plain_object(value) else {
        return Err(vec![OptionError::new(
            "options",
            "an object such as { endpoint, sessionToken }",
        )]);
    };
    for key in js_sys::Object::keys(object).iter() {
        let key = key.as_string().unwrap_or_default();
        if !FIELDS.contains(&key.as_str()) {
            errors.push(OptionError {
                field: key,
                expected: "no such option (known: endpoint, sessionToken, demo, locale, theme, \
                           messages, autoCapture, handoff, handoffUrl)",
            });
        }
    }
    let field = |name: &str| {
        js_sys::Reflect::get(object, &JsValue::from_str(name))
            .ok()
            .filter(|v| !v.is_undefined() && !v.is_null())
    };
    match field("endpoint").map(|v| v.as_string()) {
        None => {}
        Some(Some(endpoint)) if endpoint.is_empty() || endpoint.starts_with("http") => {
            options.endpoint = endpoint;
        }
        Some(_) => errors.push(OptionError::new(
            "endpoint",
            "the relay's URL, e.g. \"https://relay.example.com\" (\"\" for this page's origin)",
        )),
    }
    let demo = match field("demo").map(|v| v.as_bool()) {
        None => false,
        Some(Some(demo)) => demo,
        Some(None) => {
            errors.push(OptionError::new("demo", "a boolean"));
            false
        }
    };
    match field("sessionToken").map(|v| v.as_string()) {
        Some(Some(token)) if !token.trim().is_empty() => options.session_token = Some(token),
        None if demo || crate::handoff::code_in_page().is_some() => {}
        _ => errors.push(OptionError::new(
            "sessionToken",
            "the non-empty token your backend got from POST /v1/sessions",
        )),
    }
    match field("locale").map(|v| v.as_string()) {
        None => {}
        Some(tag) => match tag.as_deref().and_then(Locale::from_tag) {
            Some(locale) => options.locale = Some(locale),
            None => errors.push(OptionError::new("locale", LOCALES)),
        },
    }
    match field("theme").map(|v| v.as_string()) {
        None => {}
        Some(code) => match code.as_deref().and_then(Theme::from_code) {
            Some(theme) => options.theme = theme,
            None => errors.push(OptionError::new("theme", "\"auto\", \"light\" or \"dark\"")),
        },
    }
    if let Some(messages) = field("messages") {
        match plain_object(&messages).and_then(pairs_of) {
            Some(messages) => options.messages = messages,
            None => errors.push(OptionError::new(
                "messages",
                "an object of strings by message key",
            )),
        }
    }
    match field("autoCapture").map(|v| v.as_bool()) {
        None => {}
        Some(Some(on)) => options.auto_capture = on,
        Some(None) => errors.push(OptionError::new("autoCapture", "a boolean")),
    }
    match field("handoff").map(|v| v.as_string()) {
        None => {}
        Some(code) => match code.as_deref().and_then(Handoff::from_code) {
            Some(mode) => options.handoff = mode,
            None => errors.push(OptionError::new(
                "handoff",
                "\"offered\", \"forced\" or \"off\"",
            )),
        },
    }
    match field("handoffUrl").map(|v| v.as_string()) {
        None => {}
        Some(Some(url)) if url.starts_with("https://") || url.starts_with("http://") => {
            options.handoff_url = Some(url);
        }
        Some(_) => errors.push(OptionError::new(
            "handoffUrl",
            "the http(s) URL of the page that mounts the widget on the phone",
        )),
    }
    if errors.is_empty() {
        Ok(options)
    } else {
        Err(errors)
    }
}

/// `value` as an object, if it is one. By `typeof`, not `instanceof Object`: an object made in
/// another window (a host's iframe, a framework's sandbox) is not an instance of this window's
/// `Object`, yet it is a plain object all the same.
fn plain_object(value: &JsValue) -> Option<&js_sys::Object> {
    (value.is_object() && !value.is_null()).then(|| value.unchecked_ref())
}

/// A mounted widget, for the host: `unmount()` and `setLocale()`.
#[wasm_bindgen]
pub struct MountHandle {
    /// `None` once unmounted, or when the options were wrong (only their error is shown).
    widget: Option<Rc<Widget>>,
    element: web_sys::HtmlElement,
}

#[wasm_bindgen]
impl MountHandle {
    /// Removes the widget: the camera is released, timers are cleared, listeners removed.
    /// Calling it again does nothing.
    pub fn unmount(&mut self) {
        match self.widget.take() {
            Some(widget) => widget.unmount(),
            None => self.element.replace_children_with_node_0(),
        }
    }

    /// Switches the language (`en`, `es`, `fr`, or a tag such as `fr-CA`); the current step is
    /// shown again in it and nothing captured is lost. Returns whether the tag was known.
    #[wasm_bindgen(js_name = setLocale)]
    pub fn set_locale(&self, tag: &str) -> bool {
        match (Locale::from_tag(tag), &self.widget) {
            (Some(locale), Some(widget)) => {
                widget.set_locale(locale);
                true
            }
            (None, _) => {
                web_sys::console::error_1(&OptionError::new("locale", LOCALES).describe().into());
                false
            }
            (Some(_), None) => false,
        }
    }
}

/// Mounts the widget into `element` with the host's `options` (see the module's table); events
/// are dispatched on `element`. Wrong options are logged to the console, each naming its field,
/// and the widget shows a readable error in place of the flow. `session_answer`: the loader's
/// early `GET /v1/session` with the options' token (a promise of `[status, text]`), if it sent
/// one.
#[wasm_bindgen]
pub fn mount(
    element: web_sys::HtmlElement,
    options: JsValue,
    session_answer: Option<js_sys::Promise>,
) -> MountHandle {
    let events = Events::to(element.clone().unchecked_into());
    let widget = match parse_options(&options) {
        Ok(options) => Some(Widget::start(
            element.clone(),
            options,
            events,
            session_answer,
        )),
        Err(errors) => {
            first_step::draw_error(&element, &Texts::default().get("host.misconfigured"));
            let details: Vec<String> = errors.iter().map(OptionError::describe).collect();
            for line in &details {
                web_sys::console::error_1(&line.into());
            }
            // Dispatched once the host's listeners can hear it (after mount returns).
            let dispatch = Closure::once_into_js(move || {
                events.error("invalid_options", &details.join("\n"));
                events.release();
            });
            if let Some(window) = web_sys::window() {
                let _ = window.request_animation_frame(dispatch.unchecked_ref());
            }
            None
        }
    };
    MountHandle { widget, element }
}
