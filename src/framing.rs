//! The document in the frame, as the widget uses `kyc-core`'s [`document_outline`]: the shape
//! a slot's document has, the outline found in a frame with its [`Guidance`], the outline as
//! an SVG polygon over the preview, and whether it holds still from one frame to the next.
//!
//! [`document_outline`]: kyc_core::document_outline

use kyc_core::document_outline::{DocumentShape, Guidance, Outline};
use kyc_core::{DocumentType, Slot};
use leptos::prelude::*;

/// Corners moving less than this share of the outline's diagonal since a run of good frames
/// began count as steady: a hand's tremor, not a moving phone.
pub const STEADY_SHARE: f32 = 0.02;

/// The shape of `slot`'s document when `document` was chosen; `None` for a face, which has no
/// outline to find.
pub fn shape(slot: Slot, document: DocumentType) -> Option<DocumentShape> {
    match slot {
        Slot::Selfie | Slot::Liveness => None,
        Slot::ProofOfAddress => Some(DocumentShape::A4),
        Slot::Front | Slot::Back => Some(match document {
            DocumentType::Passport => DocumentShape::Td3,
            DocumentType::CertificateOfIncorporation => DocumentShape::A4,
            DocumentType::DriversLicense
            | DocumentType::ResidencePermit
            | DocumentType::NationalId => DocumentShape::Id1,
        }),
    }
}

/// Where the document is in one frame, and what the user must do about it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Framed {
    /// The outline, in the frame's pixels; `None` when none was found.
    pub outline: Option<Outline>,
    /// The frame's width and height in pixels.
    pub size: (u32, u32),
    /// What the user must do.
    pub guidance: Guidance,
}

impl Framed {
    /// Whether the outline is good enough to crop to: well framed, or only tilted (the
    /// perspective correction straightens what the tilt skews; it cannot flatten a bent page).
    pub fn croppable(&self) -> Option<&Outline> {
        self.outline
            .as_ref()
            .filter(|_| matches!(self.guidance, Guidance::Ready | Guidance::Tilted))
    }
}

/// Whether every corner of `now` lies within [`STEADY_SHARE`] of the diagonal of its place in
/// `before`.
pub fn steady(before: &Outline, now: &Outline) -> bool {
    let c = &now.corners;
    let diagonal = c[0].distance(c[2]).max(c[1].distance(c[3]));
    before
        .corners
        .iter()
        .zip(c)
        .all(|(a, b)| a.distance(*b) < STEADY_SHARE * diagonal)
}

/// The `points` of an SVG polygon whose `viewBox` is the frame (`0 0 width height`), in whole
/// pixels of the analysed frame: finer than the eye needs, and integers keep Rust's
/// float-to-text code out of the wasm.
pub fn polygon_points(outline: &Outline) -> String {
    outline
        .corners
        .iter()
        .map(|p| format!("{},{}", p.x.round() as i32, p.y.round() as i32))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The SVG `preserveAspectRatio` that places the frame in its box as the CSS `object-fit`
/// places the video's picture: letterboxed (`contain`, the default of the widget's style),
/// cropped (`cover`) or stretched (`fill`).
pub fn preserve_aspect_ratio(object_fit: &str) -> &'static str {
    match object_fit {
        "cover" => "xMidYMid slice",
        "fill" => "none",
        _ => "xMidYMid meet",
    }
}

/// The outline of `framed` as an SVG laid over a video (`aria-hidden`: the live hint says it in
/// words): its viewBox is the frame, placed in the video's box as the video's `object_fit`
/// places the picture, and `mirrored` as the video is. Green when well framed. `None` without
/// an outline.
pub fn overlay(framed: &Framed, object_fit: &str, mirrored: bool) -> Option<impl IntoView> {
    let outline = framed.outline?;
    let (width, height) = framed.size;
    Some(view! {
        <svg
            class="kyc-outline"
            class:kyc-mirrored=mirrored
            class:kyc-ready=framed.guidance == Guidance::Ready
            aria-hidden="true"
            viewBox=format!("0 0 {width} {height}")
            preserveAspectRatio=preserve_aspect_ratio(object_fit)
        >
            <polygon points=polygon_points(&outline) />
        </svg>
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use kyc_core::document_outline::Point;

    fn card(dx: f32) -> Outline {
        Outline {
            corners: [
                Point::new(100.0 + dx, 100.0),
                Point::new(500.0 + dx, 100.0),
                Point::new(500.0 + dx, 352.0),
                Point::new(100.0 + dx, 352.0),
            ],
            confidence: 0.9,
            bow: 0.0,
        }
    }

    #[test]
    fn each_slot_has_its_documents_shape() {
        assert_eq!(shape(Slot::Selfie, DocumentType::Passport), None);
        assert_eq!(shape(Slot::Liveness, DocumentType::NationalId), None);
        assert_eq!(
            shape(Slot::Front, DocumentType::Passport),
            Some(DocumentShape::Td3)
        );
        assert_eq!(
            shape(Slot::Back, DocumentType::DriversLicense),
            Some(DocumentShape::Id1)
        );
        assert_eq!(
            shape(Slot::ProofOfAddress, DocumentType::NationalId),
            Some(DocumentShape::A4)
        );
    }

    #[test]
    fn a_small_move_is_steady_and_a_large_one_is_not() {
        // Diagonal ~473 px: 2 % is ~9.5 px.
        assert!(steady(&card(0.0), &card(5.0)));
        assert!(!steady(&card(0.0), &card(15.0)));
    }

    #[test]
    fn only_a_ready_or_tilted_outline_is_cropped_to() {
        let framed = |guidance| Framed {
            outline: Some(card(0.0)),
            size: (640, 480),
            guidance,
        };
        assert!(framed(Guidance::Ready).croppable().is_some());
        assert!(framed(Guidance::Tilted).croppable().is_some());
        assert!(framed(Guidance::PartlyOutside).croppable().is_none());
        assert!(framed(Guidance::TooFar).croppable().is_none());
        // A bent page's crop would keep the bend.
        assert!(framed(Guidance::NotFlat).croppable().is_none());
    }

    #[test]
    fn the_polygon_follows_the_corners_and_the_fit_follows_object_fit() {
        assert_eq!(
            polygon_points(&card(0.0)),
            "100,100 500,100 500,352 100,352"
        );
        assert_eq!(preserve_aspect_ratio("contain"), "xMidYMid meet");
        assert_eq!(preserve_aspect_ratio("cover"), "xMidYMid slice");
        assert_eq!(preserve_aspect_ratio("fill"), "none");
    }
}
