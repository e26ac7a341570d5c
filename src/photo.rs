//! The photo path: a captured or chosen image is checked by `kyc-core`, decoded by the browser
//! (EXIF orientation honoured), downscaled, measured by `kyc-core`'s quality checks and
//! re-encoded as JPEG, which drops every EXIF and GPS tag. Nothing is written to browser storage:
//! the pixels live in a detached canvas and in wasm memory only.

use kyc_core::{
    assess, inspect_file, FileLimits, FileProblem, QualityReport, QualityThresholds, RgbaView, Slot,
};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// The long edge a document photo is brought down to: sharp enough for the provider's reading
/// of the text, and well above the relay's 1000 px minimum.
pub const DOCUMENT_LONG_EDGE: u32 = 2000;
/// The long edge a face photo is brought down to (the relay asks for at least 480 px).
pub const FACE_LONG_EDGE: u32 = 1280;
/// The JPEG quality of the re-encode.
pub const JPEG_QUALITY: f64 = 0.9;

/// The widget's own problem code: the browser could not decode an image whose header is valid
/// (e.g. HEIC in a browser without a HEIC decoder).
pub const CANNOT_DECODE: &str = "cannot_decode";
/// The widget's own problem code: the browser failed to re-encode the photo.
pub const CANNOT_ENCODE: &str = "cannot_encode";

/// A photo ready to upload.
#[derive(Clone, Debug)]
pub struct PreparedPhoto {
    /// The re-encoded JPEG, without metadata.
    pub jpeg: js_sys::Uint8Array,
    /// Its width in pixels (after orientation and downscale).
    pub width: u32,
    /// Its height in pixels.
    pub height: u32,
    /// `kyc-core`'s quality checks of the downscaled pixels, with the slot's thresholds.
    pub quality: QualityReport,
}

/// The long edge `slot`'s photos are brought down to.
pub fn target_long_edge(slot: Slot) -> u32 {
    if slot.is_face() {
        FACE_LONG_EDGE
    } else {
        DOCUMENT_LONG_EDGE
    }
}

/// The quality thresholds of `slot`.
pub fn thresholds(slot: Slot) -> QualityThresholds {
    if slot.is_face() {
        QualityThresholds::selfie()
    } else {
        QualityThresholds::default()
    }
}

/// `(width, height)` scaled so the long edge is at most `long_edge`; never enlarged.
pub fn fit(width: u32, height: u32, long_edge: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= long_edge || long == 0 {
        return (width, height);
    }
    let scale = f64::from(long_edge) / f64::from(long);
    let scaled = |side: u32| ((f64::from(side) * scale).round() as u32).max(1);
    (scaled(width), scaled(height))
}

/// Checks `image` for `slot` and prepares it for upload; on refusal, every problem code
/// ([`kyc_core::FileProblem::code`], or [`CANNOT_DECODE`] / [`CANNOT_ENCODE`]).
///
/// A PDF is not a photo: it is refused here with `pdf_not_allowed`; callers pass PDFs on
/// unchanged after [`kyc_core::inspect_file`].
pub async fn prepare_photo(
    image: &web_sys::Blob,
    slot: Slot,
    limits: &FileLimits,
) -> Result<PreparedPhoto, Vec<String>> {
    let size = image.size() as u64;
    if size > limits.max_bytes {
        return Err(vec![FileProblem::TooLarge {
            bytes: size,
            max_bytes: limits.max_bytes,
        }
        .code()
        .to_owned()]);
    }
    let buffer = JsFuture::from(image.array_buffer())
        .await
        .map_err(|_| vec![FileProblem::UnreadableImage.code().to_owned()])?;
    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
    let claimed = image.type_();
    let claimed = (!claimed.is_empty()).then_some(claimed.as_str());
    let report = inspect_file(&bytes, claimed, slot, limits).map_err(|problems| {
        problems
            .iter()
            .map(|p| p.code().to_owned())
            .collect::<Vec<_>>()
    })?;
    drop(bytes);
    if !report.format.is_image() {
        return Err(vec![FileProblem::PdfNotAllowed.code().to_owned()]);
    }
    let bitmap = decode(image)
        .await
        .map_err(|_| vec![CANNOT_DECODE.to_owned()])?;
    let (width, height) = fit(bitmap.width(), bitmap.height(), target_long_edge(slot));
    let drawn = draw(&bitmap, width, height);
    bitmap.close();
    let (canvas, context) = drawn.map_err(|_| vec![CANNOT_DECODE.to_owned()])?;
    let pixels = context
        .get_image_data(0.0, 0.0, f64::from(width), f64::from(height))
        .map_err(|_| vec![CANNOT_DECODE.to_owned()])?
        .data();
    let view = RgbaView::new(width, height, &pixels).map_err(|_| vec![CANNOT_DECODE.to_owned()])?;
    let quality = assess(&view, &thresholds(slot));
    drop(pixels);
    let jpeg = encode_jpeg(&canvas, JPEG_QUALITY)
        .await
        .map_err(|_| vec![CANNOT_ENCODE.to_owned()])?;
    // Frees the canvas's backing store now rather than at the next collection.
    canvas.set_width(0);
    canvas.set_height(0);
    Ok(PreparedPhoto {
        jpeg,
        width,
        height,
        quality,
    })
}

/// Decodes `image` with the browser's decoder, EXIF orientation applied.
async fn decode(image: &web_sys::Blob) -> Result<web_sys::ImageBitmap, JsValue> {
    let window = web_sys::window().ok_or_else(|| JsValue::from_str("no window"))?;
    let options = web_sys::ImageBitmapOptions::new();
    options.set_image_orientation(web_sys::ImageOrientation::FromImage);
    let promise = window.create_image_bitmap_with_blob_and_image_bitmap_options(image, &options)?;
    Ok(JsFuture::from(promise).await?.unchecked_into())
}

/// A detached canvas of `width` x `height` holding `source` scaled to fit.
pub(crate) fn draw(
    source: &web_sys::ImageBitmap,
    width: u32,
    height: u32,
) -> Result<
    (
        web_sys::HtmlCanvasElement,
        web_sys::CanvasRenderingContext2d,
    ),
    JsValue,
> {
    let (canvas, context) = canvas(width, height)?;
    context.draw_image_with_image_bitmap_and_dw_and_dh(
        source,
        0.0,
        0.0,
        f64::from(width),
        f64::from(height),
    )?;
    Ok((canvas, context))
}

/// A detached canvas and its 2D context, high-quality smoothing for downscales.
pub(crate) fn canvas(
    width: u32,
    height: u32,
) -> Result<
    (
        web_sys::HtmlCanvasElement,
        web_sys::CanvasRenderingContext2d,
    ),
    JsValue,
> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| JsValue::from_str("no document"))?;
    let canvas: web_sys::HtmlCanvasElement = document.create_element("canvas")?.unchecked_into();
    canvas.set_width(width);
    canvas.set_height(height);
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &"willReadFrequently".into(), &JsValue::TRUE)?;
    let context: web_sys::CanvasRenderingContext2d = canvas
        .get_context_with_context_options("2d", &options)?
        .ok_or_else(|| JsValue::from_str("no 2d context"))?
        .unchecked_into();
    context.set_image_smoothing_enabled(true);
    js_sys::Reflect::set(&context, &"imageSmoothingQuality".into(), &"high".into())?;
    Ok((canvas, context))
}

/// The canvas as JPEG bytes (a canvas has no metadata to carry over).
pub(crate) async fn encode_jpeg(
    canvas: &web_sys::HtmlCanvasElement,
    quality: f64,
) -> Result<js_sys::Uint8Array, JsValue> {
    let blob = to_blob(canvas, "image/jpeg", quality).await?;
    let buffer = JsFuture::from(blob.array_buffer()).await?;
    Ok(js_sys::Uint8Array::new(&buffer))
}

/// `canvas.toBlob` as a future.
pub(crate) async fn to_blob(
    canvas: &web_sys::HtmlCanvasElement,
    mime: &str,
    quality: f64,
) -> Result<web_sys::Blob, JsValue> {
    let mut error = None;
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        let callback = Closure::once_into_js(move |blob: JsValue| {
            if blob.is_null() {
                let _ = reject.call1(&JsValue::NULL, &JsValue::from_str("toBlob gave no blob"));
            } else {
                let _ = resolve.call1(&JsValue::NULL, &blob);
            }
        });
        if let Err(err) = canvas.to_blob_with_type_and_encoder_options(
            callback.unchecked_ref(),
            mime,
            &JsValue::from_f64(quality),
        ) {
            error = Some(err);
        }
    });
    if let Some(err) = error {
        return Err(err);
    }
    Ok(JsFuture::from(promise).await?.unchecked_into())
}

#[cfg(test)]
mod tests {
    use super::fit;

    #[test]
    fn fit_downscales_the_long_edge_and_never_enlarges() {
        assert_eq!(fit(4032, 3024, 2000), (2000, 1500));
        assert_eq!(fit(3024, 4032, 2000), (1500, 2000));
        assert_eq!(fit(1600, 1000, 2000), (1600, 1000));
        assert_eq!(fit(1920, 1080, 1280), (1280, 720));
    }
}
