//! Issuing countries (ISO 3166-1 alpha-3, as the relay speaks them) with names from the
//! browser's `Intl.DisplayNames` in the user's language, and the US states.

use wasm_bindgen::JsValue;

use crate::i18n::Locale;

/// `(alpha-3, alpha-2)` of the countries offered first; the customer's own country is always
/// offered too.
const COUNTRIES: &[(&str, &str)] = &[
    ("ARG", "AR"),
    ("AUS", "AU"),
    ("AUT", "AT"),
    ("BEL", "BE"),
    ("BRA", "BR"),
    ("CAN", "CA"),
    ("CHE", "CH"),
    ("CHL", "CL"),
    ("CHN", "CN"),
    ("CIV", "CI"),
    ("COL", "CO"),
    ("DEU", "DE"),
    ("DNK", "DK"),
    ("DZA", "DZ"),
    ("ESP", "ES"),
    ("FIN", "FI"),
    ("FRA", "FR"),
    ("GBR", "GB"),
    ("IND", "IN"),
    ("IRL", "IE"),
    ("ITA", "IT"),
    ("JPN", "JP"),
    ("KOR", "KR"),
    ("MAR", "MA"),
    ("MEX", "MX"),
    ("NGA", "NG"),
    ("NLD", "NL"),
    ("NOR", "NO"),
    ("NZL", "NZ"),
    ("PER", "PE"),
    ("PHL", "PH"),
    ("POL", "PL"),
    ("PRT", "PT"),
    ("ROU", "RO"),
    ("SEN", "SN"),
    ("SWE", "SE"),
    ("TUN", "TN"),
    ("UKR", "UA"),
    ("USA", "US"),
    ("VEN", "VE"),
    ("ZAF", "ZA"),
];

/// US states and DC, by USPS code.
pub const US_STATES: &[(&str, &str)] = &[
    ("AL", "Alabama"),
    ("AK", "Alaska"),
    ("AZ", "Arizona"),
    ("AR", "Arkansas"),
    ("CA", "California"),
    ("CO", "Colorado"),
    ("CT", "Connecticut"),
    ("DE", "Delaware"),
    ("DC", "District of Columbia"),
    ("FL", "Florida"),
    ("GA", "Georgia"),
    ("HI", "Hawaii"),
    ("ID", "Idaho"),
    ("IL", "Illinois"),
    ("IN", "Indiana"),
    ("IA", "Iowa"),
    ("KS", "Kansas"),
    ("KY", "Kentucky"),
    ("LA", "Louisiana"),
    ("ME", "Maine"),
    ("MD", "Maryland"),
    ("MA", "Massachusetts"),
    ("MI", "Michigan"),
    ("MN", "Minnesota"),
    ("MS", "Mississippi"),
    ("MO", "Missouri"),
    ("MT", "Montana"),
    ("NE", "Nebraska"),
    ("NV", "Nevada"),
    ("NH", "New Hampshire"),
    ("NJ", "New Jersey"),
    ("NM", "New Mexico"),
    ("NY", "New York"),
    ("NC", "North Carolina"),
    ("ND", "North Dakota"),
    ("OH", "Ohio"),
    ("OK", "Oklahoma"),
    ("OR", "Oregon"),
    ("PA", "Pennsylvania"),
    ("RI", "Rhode Island"),
    ("SC", "South Carolina"),
    ("SD", "South Dakota"),
    ("TN", "Tennessee"),
    ("TX", "Texas"),
    ("UT", "Utah"),
    ("VT", "Vermont"),
    ("VA", "Virginia"),
    ("WA", "Washington"),
    ("WV", "West Virginia"),
    ("WI", "Wisconsin"),
    ("WY", "Wyoming"),
];

/// `(alpha-3, name)` of the offered countries, sorted by name, `current` included.
pub fn countries(locale: Locale, current: &str) -> Vec<(String, String)> {
    let names = display_names(locale);
    let mut out: Vec<(String, String)> = COUNTRIES
        .iter()
        .map(|(alpha3, alpha2)| {
            let name = names
                .as_ref()
                .and_then(|names| region_name(names, alpha2))
                .unwrap_or_else(|| (*alpha3).to_owned());
            ((*alpha3).to_owned(), name)
        })
        .collect();
    if !current.is_empty() && !out.iter().any(|(code, _)| code == current) {
        out.push((current.to_owned(), current.to_owned()));
    }
    // Names are distinct, so an unstable sort orders them the same, with less code than a stable one.
    out.sort_unstable_by(|a, b| a.1.cmp(&b.1));
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
