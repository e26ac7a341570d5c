//! What loads after the first step. In the package (`cargo xtask dist`) the module is split in
//! two (issue 18: the first step in as few bytes as can be): the first holds the widget's start
//! and its first step, the consent, drawn without the framework (`crate::first_step`); the
//! second, fetched while the user reads the first step, holds Leptos and everything drawn with
//! it: the flow, from the step after the consent (the document and country choice, the camera,
//! the photo checks and the document's outline, the uploads, the handoff, the status feed, a
//! business's steps). Built without the split (the demo, the widget's tests) it is all there
//! from the start.
//!
//! The split points are the functions under `cfg(kyc_split)` beside what they hand over
//! (`widget::load`, `analysis_worker::load_tasks`), each an entry into the second module:
//! whatever only they reach goes there. A failed fetch is an error the caller shows
//! (`fallible`), not a panic that would stop the widget. This file holds what crosses between
//! the two.
//!
//! Moving the later steps off the framework one at a time does not make the package smaller,
//! measured (the later module, gzip -9, 177,265 bytes before): the document and country steps
//! drawn through web-sys (as the consent is) saved 670 bytes, and with the status step too
//! (its changing parts kept up to date by the framework's effects) the module grew to 177,870
//! bytes: with `erase_components` a step's view costs about what the same DOM code costs, and
//! the framework's own code (tachys, reactive_graph: 178 KB of code) stays while one step needs
//! it. What takes the total towards issue 18's 120 KB is every later step drawn without it, at
//! once, with change tracking of the widget's own that is not generic over each value's type
//! (each of the framework's signals and effects is compiled once per type and closure, 0.4 to
//! 1.7 KB each). Compiler settings left little: `kyc-core` optimised for size instead of
//! speed, 1.4 KB less in both modules (not worth its per-frame speed); `-Zlocation-detail=none`
//! and `-Zfmt-debug=none`, nothing (the panics already abort without a message).

use kyc_core::wire::SessionView;

use crate::api::RelayClient;
use crate::events::Events;
use crate::i18n::{Locale, Texts};
use crate::options::WidgetOptions;

/// The later steps' module could not be fetched or started (the network, most often). Nothing
/// is lost: asking again fetches it again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotLoaded;

#[cfg(kyc_split)]
impl From<leptos::wasm_split::SplitLoaderError> for NotLoaded {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        NotLoaded
    }
}

/// What the first step hands the later steps: the connection and all it learnt.
pub struct Handover {
    /// The host's element: the later steps replace the first step's drawing in it.
    pub element: web_sys::HtmlElement,
    /// The host's options.
    pub options: WidgetOptions,
    /// The relay, with the session's token.
    pub client: RelayClient,
    /// The session as the relay described it.
    pub session: SessionView,
    /// The strings, the chosen language's loaded.
    pub texts: Texts,
    /// Where the events go.
    pub events: Events,
    /// The user ticked the consent's box in the first step and pressed Continue: the flow
    /// starts at the step after it.
    pub consented: bool,
}

/// The later steps, mounted: dropping it removes them (the camera, timers and listeners go with
/// them).
pub struct Started {
    /// The mounted view.
    pub mounted: Box<dyn std::any::Any>,
    /// Switches the language of the steps shown.
    pub set_locale: Box<dyn Fn(Locale)>,
}

/// Starts the later steps (what their module hands the first, `crate::widget::load`).
pub type Start = fn(Handover) -> Started;
