//! What loads after the first step. In the package (`cargo xtask dist`) the module is split in
//! two (issue 18: the first step in as few bytes as can be): the first holds the widget's start
//! and its first step (the consent); the second, fetched while the user reads the first step,
//! holds the later steps and everything only they reach (the document and country choice, the
//! camera, the photo checks and the document's outline, the uploads, the handoff, the status
//! feed, a business's steps). Each function here hands back an entry into the second module once it is there; built
//! without the split (the demo, the widget's tests) it is there from the start.
//!
//! The split points are the functions under `cfg(kyc_split)`: whatever only they reach goes to
//! the second module.

use crate::photo::Examine;

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

/// The later steps' view ([`crate::flow`]).
pub(crate) async fn steps() -> Result<crate::flow::RenderLater, NotLoaded> {
    #[cfg(kyc_split)]
    return split::steps().await;
    #[cfg(not(kyc_split))]
    Ok(crate::flow::render_later)
}

/// The photo checks (the live analysis's worker runs them too, and so loads the later module).
pub(crate) async fn examine() -> Result<Examine, NotLoaded> {
    #[cfg(kyc_split)]
    return split::examine().await;
    #[cfg(not(kyc_split))]
    Ok(crate::photo::examine)
}

/// The split points. A failed fetch is an error the caller shows (`fallible`), not a panic that
/// would stop the widget.
#[cfg(kyc_split)]
mod split {
    use super::NotLoaded;
    use leptos::wasm_split::wasm_split;

    #[wasm_split(later, wasm_split_path = ::leptos::wasm_split, fallible)]
    pub fn steps() -> Result<crate::flow::RenderLater, NotLoaded> {
        Ok(crate::flow::render_later)
    }

    #[wasm_split(later, wasm_split_path = ::leptos::wasm_split, fallible)]
    pub fn examine() -> Result<crate::photo::Examine, NotLoaded> {
        Ok(crate::photo::examine)
    }
}
