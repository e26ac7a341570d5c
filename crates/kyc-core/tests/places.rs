//! The places a document names (`kyc_core::places`): ISO 3166-1 alpha-3 countries and US
//! states, and C's UUID references.

use kyc_core::places::{alpha2, countries, document_state, is_country, StateProblem, US_STATES};
use kyc_core::{c_customer_uuid, country_code, provider_reference_refusal, Provider};

#[test]
fn the_country_list_is_iso_3166_sorted_and_unique() {
    let all: Vec<(&str, &str)> = countries().collect();
    assert_eq!(all.len(), 250, "249 assigned codes and Kosovo");
    assert!(all.windows(2).all(|pair| pair[0].0 < pair[1].0));
    for &(alpha3, alpha2) in &all {
        assert!(is_country(alpha3), "{alpha3}");
        assert!(alpha3.len() == 3 && alpha3.bytes().all(|b| b.is_ascii_uppercase()));
        assert!(alpha2.len() == 2 && alpha2.bytes().all(|b| b.is_ascii_uppercase()));
    }
    assert_eq!(alpha2("GBR"), Some("GB"));
    assert_eq!(alpha2("XKX"), Some("XK"));
}

#[test]
fn a_country_code_is_a_real_country() {
    assert_eq!(country_code(" gbr "), Some("GBR".to_owned()));
    for code in ["ZZZ", "XXX", "AAA", "GB", "GBRR", "", "G8R"] {
        assert_eq!(country_code(code), None, "{code:?}");
        assert!(!is_country(code));
    }
}

#[test]
fn a_us_document_names_a_state_by_its_usps_code() {
    assert_eq!(US_STATES.len(), 51, "the 50 states and DC");
    assert_eq!(document_state("USA", " dc "), Ok("DC".to_owned()));
    for state in ["ZZ", "California", "California 🚗\u{202e}", "", "PR"] {
        assert_eq!(
            document_state("USA", state),
            Err(StateProblem::NotUsState),
            "{state:?}"
        );
    }
    assert_eq!(document_state("CAN", "Ontario"), Ok("Ontario".to_owned()));
    for region in ["Ontario 🚗", "On\u{202e}", "--", "a\nb"] {
        assert_eq!(
            document_state("CAN", region),
            Err(StateProblem::NotRegion),
            "{region:?}"
        );
    }
}

const C_SENTENCE: &str =
    "customer_reference must be the customer's UUID at C, optionally followed by -<suffix>";

#[test]
fn c_takes_a_uuid_reference_optionally_suffixed() {
    let uuid = "0B6F3C7E-58A4-4C1E-9D0A-2F4B8E6C1A90";
    assert_eq!(c_customer_uuid(uuid), Some(uuid.to_ascii_lowercase()));
    assert!(provider_reference_refusal(Provider::C, &format!("{uuid}-r2")).is_none());
    for reference in ["user-4711", "0b6f3c7e58a44c1e9d0a2f4b8e6c1a90", &uuid[..35]] {
        assert_eq!(
            provider_reference_refusal(Provider::C, reference),
            Some(C_SENTENCE),
            "{reference}"
        );
    }
    for provider in [Provider::A, Provider::B, Provider::D] {
        assert_eq!(provider_reference_refusal(provider, "user-4711"), None);
    }
}
