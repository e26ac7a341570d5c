//! kyc-capture: the identity-document capture widget.
//!
//! The library holds the components; `main.rs` only mounts them. Every file is checked in the
//! browser with `kyc-core` before it is sent, and sent only to the host's relay, never to a
//! provider directly.

pub mod api;
pub mod capture;
pub mod messages;
pub mod photo;
mod widget;

pub use widget::{
    CaptureWidget, CaptureWidgetProps, DocumentChoice, DocumentChoiceProps, SlotState,
    WidgetOptions,
};
