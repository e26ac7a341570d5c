//! What loads after the first step. In the package (`cargo xtask dist`) the module is split in
//! two (issue 18: the first step in as few bytes as can be): the first holds the widget's start
//! and its first step (the consent); the second, fetched while the user reads the first step,
//! holds the later steps and everything only they reach (the document and country choice, the
//! camera, the photo checks and the document's outline, the uploads, the handoff, the status
//! feed, a business's steps). Built without the split (the demo, the widget's tests) it is all
//! there from the start.
//!
//! The split points are the functions under `cfg(kyc_split)` beside what they hand over
//! (`flow::later_steps::load`, `analysis_worker::load_tasks`), each an entry into the second
//! module: whatever only they reach goes there. A failed fetch is an error the caller shows
//! (`fallible`), not a panic that would stop the widget.

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
