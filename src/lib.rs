//! kyc-capture: the identity-document capture widget.
//!
//! The library holds the components; `main.rs` only mounts them. The flow ([`CaptureFlow`]) is
//! driven by the provider's policy from `kyc-core`; every capture is checked and prepared in the
//! browser ([`photo::prepare_photo`]) before it is sent, and sent only to the host's relay, never
//! to a provider directly. Strings live in [`i18n`]'s locale tables.

pub mod api;
pub mod camera;
pub mod capture;
pub mod embed;
pub mod events;
pub mod i18n;
pub mod messages;
pub mod per_slot;
pub mod photo;
pub mod places;
pub mod transport;
pub mod upload;
mod widget;
pub mod wire_js;

pub use widget::{
    plan, CaptureFlow, CaptureFlowProps, CaptureWidget, CaptureWidgetProps, Step, Theme,
    WidgetOptions,
};
