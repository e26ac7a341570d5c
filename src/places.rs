//! Issuing countries (ISO 3166-1 alpha-3, as the relay speaks them, from `kyc-core`'s list)
//! with names from the browser's `Intl.DisplayNames` in the user's language, and the US states.

use wasm_bindgen::JsValue;

use crate::i18n::Locale;

pub use kyc_core::places::US_STATES;

/// `(alpha-3, name)` of every country (`kyc-core`'s list: a document may be issued anywhere),
/// sorted by name, `current` included.
pub fn countries(locale: Locale, current: &str) -> Vec<(String, String)> {
    let names = display_names(locale);
    let mut out: Vec<(String, String)> = kyc_core::places::countries()
        .map(|(alpha3, alpha2)| {
            let name = names
                .as_ref()
                .and_then(|names| region_name(names, alpha2))
                .unwrap_or_else(|| alpha3.to_owned());
            (alpha3.to_owned(), name)
        })
        .collect();
    if !current.is_empty() && !out.iter().any(|(code, _)| code == current) {
        out.push((current.to_owned(), current.to_owned()));
    }
    // In the language's order (Österreich after Norwegen in German, not after Zypern), by the
    // engine's collator; names are distinct, so an unstable sort orders them the same, with
    // less code than a stable one.
    let locales = js_sys::Array::of1(&locale.code().into());
    let compare = js_sys::Intl::Collator::new(&locales, &js_sys::Object::new()).compare();
    out.sort_unstable_by(|a, b| {
        compare
            .call2(&JsValue::NULL, &a.1.as_str().into(), &b.1.as_str().into())
            .ok()
            .and_then(|order| order.as_f64())
            .map_or_else(|| a.1.cmp(&b.1), |order| order.total_cmp(&0.0))
    });
    out
}

fn display_names(locale: Locale) -> Option<JsValue> {
    let intl = js_sys::Reflect::get(&js_sys::global(), &"Intl".into()).ok()?;
    let constructor: js_sys::Function = js_sys::Reflect::get(&intl, &"DisplayNames".into())
        .ok()?
        .dyn_into_function()?;
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &"type".into(), &"region".into()).ok()?;
    let arguments = js_sys::Array::of2(&js_sys::Array::of1(&locale.code().into()), &options);
    js_sys::Reflect::construct(&constructor, &arguments).ok()
}

fn region_name(names: &JsValue, alpha2: &str) -> Option<String> {
    let of: js_sys::Function = js_sys::Reflect::get(names, &"of".into())
        .ok()?
        .dyn_into_function()?;
    of.call1(names, &alpha2.into()).ok()?.as_string()
}

trait IntoFunction {
    fn dyn_into_function(self) -> Option<js_sys::Function>;
}

impl IntoFunction for JsValue {
    fn dyn_into_function(self) -> Option<js_sys::Function> {
        wasm_bindgen::JsCast::dyn_into(self).ok()
    }
}
