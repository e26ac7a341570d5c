//! The relay's JSON answers (parsed by the browser's own `JSON.parse`) read into `kyc-core`'s
//! wire types, and the submission written, without serde: serde's derived code and
//! serde-wasm-bindgen cost the widget more than all of this (measured in the package's gzip
//! size, see BENCHMARKS.md). The shapes are those of `docs/openapi.yaml`, which the relay writes
//! with serde; enum values are read by the same `code()` the relay's serde names them with
//! (`crates/kyc-core/tests/wire_codes.rs`), and `tests/web/wire.rs` reads serde's own encoding
//! of every type back.

use kyc_core::wire::{
    BusinessView, Choices, CompanyDocumentView, ErrorBody, ErrorDetail, GapView, HandoffIssued,
    OwnerView, SessionCreated, SessionView, StatusReport, SubmitRequest, UploadReceipt,
};
use kyc_core::{
    CompanyDocument, CustomerType, DocumentType, FileFormat, Provider, Slot, Strictness,
    VerificationStatus,
};
use wasm_bindgen::JsValue;

/// A wire type read from a parsed JSON value; `None` when the value breaks the contract.
pub trait FromJs: Sized {
    /// Reads `value`.
    fn from_js(value: &JsValue) -> Option<Self>;
}

fn field(value: &JsValue, name: &str) -> JsValue {
    js_sys::Reflect::get(value, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

fn present(value: JsValue) -> Option<JsValue> {
    (!value.is_undefined() && !value.is_null()).then_some(value)
}

fn string(value: &JsValue, name: &str) -> Option<String> {
    field(value, name).as_string()
}

/// A boolean that serde defaults to `false` when absent.
fn flag(value: &JsValue, name: &str) -> Option<bool> {
    match present(field(value, name)) {
        None => Some(false),
        Some(flag) => flag.as_bool(),
    }
}

/// A whole number of JSON (a double in the browser), as `u64`.
fn whole(value: &JsValue) -> Option<u64> {
    let number = value.as_f64()?;
    (number >= 0.0 && number.fract() == 0.0 && number <= 9_007_199_254_740_992.0)
        .then_some(number as u64)
}

fn coded<T>(value: &JsValue, name: &str, from_code: fn(&str) -> Option<T>) -> Option<T> {
    from_code(&string(value, name)?)
}

fn list<T>(value: &JsValue, name: &str, item: impl Fn(&JsValue) -> Option<T>) -> Option<Vec<T>> {
    let array = field(value, name);
    if !js_sys::Array::is_array(&array) {
        return None;
    }
    js_sys::Array::from(&array)
        .iter()
        .map(|v| item(&v))
        .collect()
}

impl FromJs for SessionCreated {
    fn from_js(value: &JsValue) -> Option<Self> {
        Some(SessionCreated {
            session_id: string(value, "session_id")?,
            token: string(value, "token")?,
            expires_at: whole(&field(value, "expires_at"))?,
        })
    }
}

impl FromJs for SessionView {
    fn from_js(value: &JsValue) -> Option<Self> {
        let provider = coded(value, "provider", Provider::from_code)?;
        Some(SessionView {
            provider,
            customer_type: coded(value, "customer_type", CustomerType::from_code)?,
            accepted_documents: list(value, "accepted_documents", |v| {
                DocumentType::from_code(&v.as_string()?)
            })?,
            selfie_required: field(value, "selfie_required").as_bool()?,
            proof_of_address_required: flag(value, "proof_of_address_required")?,
            liveness_required: flag(value, "liveness_required")?,
            optional_slots: match present(field(value, "optional_slots")) {
                None => vec![],
                Some(_) => list(value, "optional_slots", |v| {
                    Slot::from_code(&v.as_string()?)
                })?,
            },
            terms_of_service_url: match present(field(value, "terms_of_service_url")) {
                None => None,
                Some(url) => Some(url.as_string()?),
            },
            // A relay from before the field: the provider's default.
            quality: match present(field(value, "quality")) {
                None => Strictness::of(provider),
                Some(code) => Strictness::from_code(&code.as_string()?)?,
            },
            country: string(value, "country")?,
            uploaded: list(value, "uploaded", |v| Slot::from_code(&v.as_string()?))?,
            status: VerificationStatus::from_js(&field(value, "status"))?,
            choices: match present(field(value, "choices")) {
                None => None,
                Some(choices) => Some(Choices::from_js(&choices)?),
            },
            business_started: flag(value, "business_started")?,
            // A relay from before the field: the default limit.
            max_bytes: match present(field(value, "max_bytes")) {
                None => kyc_core::FileLimits::default().max_bytes,
                Some(bytes) => whole(&bytes)?,
            },
        })
    }
}

impl FromJs for Choices {
    fn from_js(value: &JsValue) -> Option<Self> {
        Some(Choices {
            document_type: coded(value, "document_type", DocumentType::from_code)?,
            issuing_country: string(value, "issuing_country")?,
            state: string(value, "state"),
            terms_accepted: flag(value, "terms_accepted")?,
        })
    }
}

impl FromJs for HandoffIssued {
    fn from_js(value: &JsValue) -> Option<Self> {
        Some(HandoffIssued {
            code: string(value, "code")?,
            expires_at: whole(&field(value, "expires_at"))?,
            expires_in: whole(&field(value, "expires_in"))?,
        })
    }
}

impl FromJs for VerificationStatus {
    fn from_js(value: &JsValue) -> Option<Self> {
        let reason = string(value, "reason");
        let status = VerificationStatus::from_code(&string(value, "state")?, reason.as_deref())?;
        // A rejection names its reason.
        (status.reason().is_none() || reason.is_some()).then_some(status)
    }
}

impl FromJs for StatusReport {
    fn from_js(value: &JsValue) -> Option<Self> {
        Some(StatusReport {
            status: VerificationStatus::from_js(&field(value, "status"))?,
            pending_for_secs: match present(field(value, "pending_for_secs")) {
                None => None,
                Some(secs) => Some(whole(&secs)?),
            },
            // The widget works the advice out from the same core rule (it ticks between polls).
            review: None,
        })
    }
}

impl FromJs for UploadReceipt {
    fn from_js(value: &JsValue) -> Option<Self> {
        Some(UploadReceipt {
            slot: coded(value, "slot", Slot::from_code)?,
            format: coded(value, "format", FileFormat::from_code)?,
            bytes: whole(&field(value, "bytes"))?,
        })
    }
}

impl FromJs for BusinessView {
    fn from_js(value: &JsValue) -> Option<Self> {
        let count = |name| whole(&field(value, name)).map(|n| n as usize);
        Some(BusinessView {
            company_name: string(value, "company_name")?,
            country: string(value, "country")?,
            company_documents: list(value, "company_documents", |v| {
                Some(CompanyDocumentView {
                    document: coded(v, "document", CompanyDocument::from_code)?,
                    required: flag(v, "required")?,
                    uploaded: flag(v, "uploaded")?,
                })
            })?,
            owner_documents: list(value, "owner_documents", |v| {
                DocumentType::from_code(&v.as_string()?)
            })?,
            min_owners: count("min_owners")?,
            max_owners: count("max_owners")?,
            owners: list(value, "owners", |v| {
                Some(OwnerView {
                    id: string(v, "id")?,
                    name: string(v, "name")?,
                    document_type: match present(field(v, "document_type")) {
                        None => None,
                        Some(code) => Some(DocumentType::from_code(&code.as_string()?)?),
                    },
                    uploaded: list(v, "uploaded", |v| Slot::from_code(&v.as_string()?))?,
                    removable: flag(v, "removable")?,
                })
            })?,
            gaps: list(value, "gaps", |v| {
                Some(GapView {
                    code: string(v, "code")?,
                    message: string(v, "message")?,
                    owner: string(v, "owner"),
                })
            })?,
            status: VerificationStatus::from_js(&field(value, "status"))?,
        })
    }
}

impl FromJs for ErrorBody {
    fn from_js(value: &JsValue) -> Option<Self> {
        let error = field(value, "error");
        Some(ErrorBody {
            error: ErrorDetail {
                code: string(&error, "code")?,
                message: string(&error, "message")?,
                problems: match present(field(&error, "problems")) {
                    None => vec![],
                    Some(_) => list(&error, "problems", JsValue::as_string)?,
                },
            },
        })
    }
}

/// The JSON text of `POST /v1/session/submit`'s body.
pub fn submit_body(request: &SubmitRequest) -> JsValue {
    json(&answers(request))
}

/// The JSON text of `POST /v1/session/handoff`'s body: the user's `choices` so far, if any.
pub fn handoff_body(choices: Option<&Choices>) -> JsValue {
    let body = js_sys::Object::new();
    if let Some(choices) = choices {
        let _ = js_sys::Reflect::set(&body, &JsValue::from_str("choices"), &answers(choices));
    }
    json(&body)
}

/// The JSON text of `POST /v1/handoff/exchange`'s body.
pub fn exchange_body(code: &str) -> JsValue {
    text_field("code", code)
}

/// The JSON text of `POST /v1/session/owners`'s body.
pub fn owner_body(name: &str) -> JsValue {
    text_field("name", name)
}

/// The JSON text of an object with one text field.
fn text_field(name: &str, value: &str) -> JsValue {
    let body = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&body, &JsValue::from_str(name), &JsValue::from_str(value));
    json(&body)
}

/// The user's answers as the relay names them (a submission's, or the choices handed over).
fn answers(request: &SubmitRequest) -> js_sys::Object {
    let body = js_sys::Object::new();
    let set = |name: &str, value: &JsValue| {
        let _ = js_sys::Reflect::set(&body, &JsValue::from_str(name), value);
    };
    set(
        "document_type",
        &JsValue::from_str(request.document_type.code()),
    );
    set(
        "issuing_country",
        &JsValue::from_str(&request.issuing_country),
    );
    if let Some(state) = &request.state {
        set("state", &JsValue::from_str(state));
    }
    if request.terms_accepted {
        set("terms_accepted", &JsValue::TRUE);
    }
    body
}

fn json(value: &JsValue) -> JsValue {
    js_sys::JSON::stringify(value)
        .map(JsValue::from)
        .unwrap_or(JsValue::UNDEFINED)
}
