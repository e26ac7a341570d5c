//! kyc-capture: the identity-document capture widget.
//!
//! The library holds the components; `main.rs` only mounts them. Every file is checked in the
//! browser with `kyc-core` before it is sent, and sent only to the host's relay, never to a
//! provider directly.

pub mod api;
pub mod camera;
pub mod capture;
pub mod i18n;
pub mod messages;
pub mod photo;
pub mod places;
pub mod upload;
mod widget;

pub use widget::{
    plan, CaptureFlow, CaptureFlowProps, CaptureWidget, CaptureWidgetProps, Step, WidgetOptions,
};
