//! Each enum's `code()` is its JSON value, and `from_code` reads it back: the widget reads the
//! relay's answers by these codes (without serde), the relay writes them with serde.

use kyc_core::{CustomerType, DocumentType, FileFormat, Provider, Slot};
use serde_json::json;

#[test]
fn codes_are_the_json_values_and_read_back() {
    for provider in Provider::ALL {
        assert_eq!(
            serde_json::to_value(provider).unwrap(),
            json!(provider.code())
        );
        assert_eq!(Provider::from_code(provider.code()), Some(provider));
    }
    for customer in [CustomerType::Individual, CustomerType::Business] {
        assert_eq!(
            serde_json::to_value(customer).unwrap(),
            json!(customer.code())
        );
        assert_eq!(CustomerType::from_code(customer.code()), Some(customer));
    }
    for document in DocumentType::ALL {
        assert_eq!(
            serde_json::to_value(document).unwrap(),
            json!(document.code())
        );
        assert_eq!(DocumentType::from_code(document.code()), Some(document));
    }
    for slot in Slot::ALL {
        assert_eq!(serde_json::to_value(slot).unwrap(), json!(slot.code()));
        assert_eq!(Slot::from_code(slot.code()), Some(slot));
    }
    for format in FileFormat::ALL {
        assert_eq!(serde_json::to_value(format).unwrap(), json!(format.code()));
        assert_eq!(FileFormat::from_code(format.code()), Some(format));
    }
    assert_eq!(Provider::from_code("e"), None);
    assert_eq!(FileFormat::from_code("JPEG"), None);
}
