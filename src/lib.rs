//! kyc-capture: the identity-document capture widget.
//!
//! The library holds the components; `main.rs` only mounts them, as a host page does
//! ([`embed::mount`]). The first step connects to the host's relay and shows the consent without
//! the framework (so that it is small, `later`); then the [`CaptureFlow`], which the provider's
//! policy from `kyc-core` drives, takes over. Every capture goes
//! through one [`intake`](intake::intake) in the browser before it is sent, and is sent only to
//! the relay, never to a provider directly. Strings live in [`i18n`]'s locale tables; the
//! sentences for codes are picked in [`messages`].
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod analysis_worker;
pub mod api;
pub mod camera;
mod dom;
pub mod embed;
pub mod events;
mod first_step;
mod flow;
pub mod framing;
pub mod handoff;
pub mod i18n;
pub mod intake;
pub mod later;
pub mod messages;
mod mounted;
pub mod options;
pub mod per_slot;
pub mod photo;
pub mod places;
pub mod qr_code;
pub mod status_feed;
pub mod transport;
pub mod upload;
mod widget;
pub mod wire_js;

pub use flow::{plan, CaptureFlow, CaptureFlowProps, Step};
pub use options::{Theme, WidgetOptions};

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// `import.meta` of the glue.
    type ImportMeta;

    /// Its `url`.
    #[wasm_bindgen(method, getter)]
    fn url(this: &ImportMeta) -> String;

    /// The glue's `import.meta`.
    #[wasm_bindgen(thread_local_v2, js_namespace = import, js_name = meta)]
    static IMPORT_META: ImportMeta;
}

/// The URL of the glue this module was loaded by: the locale files sit beside it, and the
/// live analysis's worker imports it to run the same module.
pub(crate) fn glue_url() -> String {
    IMPORT_META.with(ImportMeta::url)
}
