//! A [`Picture`]: an image at the size it is measured or sent at, from a chosen file (decoded by
//! the browser, EXIF orientation honoured) or from a camera frame: drawn into a detached canvas,
//! or, for a photo decoded at about that size, its pixels copied out of the decoded frame into
//! wasm memory. Its pixels are read once ([`Picture::examine`]) for `kyc-core`'s quality checks
//! and, for a document, its outline and flattened crop (a picture of its own,
//! [`Picture::from_rgba`]). It is encoded as JPEG, which carries no EXIF or GPS tag. Nothing is
//! written to browser storage: the pixels live in canvases, the decoded frame and wasm memory
//! only.

use kyc_core::document_outline::{
    find_outline, flatten_luma, flatten_rgba, guide, DocumentShape, GuidanceLimits,
};
use kyc_core::{
    assess, FileFormat, Frame, Orientation, QualityReport, QualityThresholds, RgbaImage, RgbaView,
    Slot,
};
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::framing::Framed;

/// The long edge a document photo is brought down to: sharp enough for the provider's reading
/// of the text, and well above the relay's 1000 px minimum. (A JPEG the decoder brings within
/// a sixteenth above it is kept at that size: [`Picture::decode`].)
pub const DOCUMENT_LONG_EDGE: u32 = 2000;
/// The long edge a face photo is brought down to (the relay asks for at least 480 px).
pub const FACE_LONG_EDGE: u32 = 1280;
/// The JPEG quality of the encode.
pub const JPEG_QUALITY: f64 = 0.9;

/// The long edge `slot`'s photos are brought down to.
pub fn target_long_edge(slot: Slot) -> u32 {
    if slot.is_face() {
        FACE_LONG_EDGE
    } else {
        DOCUMENT_LONG_EDGE
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

/// The size to ask a JPEG decoder for, so that a JPEG of `size` comes out with its long edge at
/// `long_edge` or a little more; `None` when it is not larger than that by an eighth.
///
/// A JPEG decoder scales by eighths while it decodes (libjpeg's DCT scaling: 1/8 to 8/8 of each
/// side), at the largest eighth whose pixels fit in the size asked. So the size asked is the
/// smallest eighth that still reaches `long_edge`, plus a pixel: never below it.
#[must_use]
pub fn decode_size(size: (u32, u32), long_edge: u32) -> Option<(u32, u32)> {
    let long = size.0.max(size.1);
    let eighths = (8 * u64::from(long_edge)).div_ceil(u64::from(long).max(1));
    (eighths < 8).then(|| {
        let side = |side: u32| (u64::from(side) * eighths).div_ceil(8) as u32 + 1;
        (side(size.0), side(size.1))
    })
}

/// Whether this engine's decoded frames carry the EXIF orientation as the current WebCodecs
/// rule has it: the pixels as stored, the orientation as the frame's `rotation` and `flip`,
/// which `drawImage` applies. Where they do not (Firefox 153 turns the pixels, then fits them
/// to the size asked as stored: a turned photo would come out squeezed), a photo is not
/// decoded by `ImageDecoder` at all.
fn frames_carry_orientation() -> bool {
    let prototype = js_sys::Reflect::get(&js_sys::global(), &"VideoFrame".into())
        .and_then(|frame| js_sys::Reflect::get(&frame, &"prototype".into()));
    prototype
        .and_then(|prototype| js_sys::Reflect::has(&prototype, &"rotation".into()))
        .unwrap_or(false)
}

#[wasm_bindgen]
extern "C" {
    /// The global `setTimeout`: on the page and in a worker alike (`Window`'s is the page's).
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &js_sys::Function, ms: i32) -> JsValue;

    /// WebCodecs' image decoder (in web-sys among its unstable APIs only).
    type ImageDecoder;
    #[wasm_bindgen(constructor, catch)]
    fn new(init: &js_sys::Object) -> Result<ImageDecoder, JsValue>;
    #[wasm_bindgen(method, catch)]
    fn decode(this: &ImageDecoder) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(method)]
    fn close(this: &ImageDecoder);

    /// The `VideoFrame` an [`ImageDecoder`] decodes to.
    type DecodedFrame;
    #[wasm_bindgen(method, getter, js_name = displayWidth)]
    fn display_width(this: &DecodedFrame) -> u32;
    #[wasm_bindgen(method, getter, js_name = displayHeight)]
    fn display_height(this: &DecodedFrame) -> u32;
    #[wasm_bindgen(method, catch, js_name = copyTo)]
    fn copy_to(
        this: &DecodedFrame,
        destination: &js_sys::Uint8Array,
        options: &js_sys::Object,
    ) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(method)]
    fn close(this: &DecodedFrame);

    /// The global `createImageBitmap`, the page's or a worker's (web-sys has it on `Window` and
    /// on `WorkerGlobalScope` apart).
    /// (Of a blob, or of a decoded frame, turned as it is shown.)
    #[wasm_bindgen(catch, js_name = createImageBitmap)]
    fn create_image_bitmap(
        image: &JsValue,
        options: &web_sys::ImageBitmapOptions,
    ) -> Result<js_sys::Promise, JsValue>;
}

/// Where a picture is drawn: a canvas element on the page, an `OffscreenCanvas` in a worker
/// (which has no document).
///
/// Both are drawn on through [`web_sys::CanvasRenderingContext2d`]: web-sys calls each method
/// on the object itself (`context.drawImage(..)`), and an `OffscreenCanvasRenderingContext2d`
/// has the same drawing methods, so one set of bindings serves both.
#[derive(Clone)]
enum Canvas {
    Page(web_sys::HtmlCanvasElement),
    Offscreen(web_sys::OffscreenCanvas),
}

impl Canvas {
    /// A canvas of `width` x `height` and its 2D context, read often (kept in memory, not on
    /// the GPU): on the page where there is a document, else offscreen.
    fn new(
        width: u32,
        height: u32,
    ) -> Result<(Canvas, web_sys::CanvasRenderingContext2d), JsValue> {
        let document = web_sys::window().and_then(|window| window.document());
        let canvas = match document {
            Some(document) => {
                let canvas: web_sys::HtmlCanvasElement =
                    document.create_element("canvas")?.unchecked_into();
                canvas.set_width(width);
                canvas.set_height(height);
                Canvas::Page(canvas)
            }
            None => Canvas::Offscreen(web_sys::OffscreenCanvas::new(width, height)?),
        };
        let options = js_sys::Object::new();
        js_sys::Reflect::set(&options, &"willReadFrequently".into(), &JsValue::TRUE)?;
        let context = match &canvas {
            Canvas::Page(canvas) => canvas.get_context_with_context_options("2d", &options)?,
            Canvas::Offscreen(canvas) => canvas.get_context_with_context_options("2d", &options)?,
        }
        .ok_or_else(|| JsValue::from_str("no 2d context"))?
        .unchecked_into();
        Ok((canvas, context))
    }

    fn size(&self) -> (u32, u32) {
        match self {
            Canvas::Page(canvas) => (canvas.width(), canvas.height()),
            Canvas::Offscreen(canvas) => (canvas.width(), canvas.height()),
        }
    }

    fn set_size(&self, (width, height): (u32, u32)) {
        match self {
            Canvas::Page(canvas) => {
                canvas.set_width(width);
                canvas.set_height(height);
            }
            Canvas::Offscreen(canvas) => {
                canvas.set_width(width);
                canvas.set_height(height);
            }
        }
    }

    /// Its pixels as a JPEG blob at [`JPEG_QUALITY`], taken now, encoded while the caller goes
    /// on.
    fn jpeg(&self) -> Result<js_sys::Promise, JsValue> {
        match self {
            Canvas::Offscreen(canvas) => {
                let options = web_sys::ImageEncodeOptions::new();
                options.set_type("image/jpeg");
                options.set_quality(JPEG_QUALITY);
                canvas.convert_to_blob_with_options(&options)
            }
            Canvas::Page(canvas) => {
                let mut error = None;
                let promise = js_sys::Promise::new(&mut |resolve, reject| {
                    let callback = Closure::once_into_js(move |blob: JsValue| {
                        if blob.is_null() {
                            let _ = reject
                                .call1(&JsValue::NULL, &JsValue::from_str("toBlob gave no blob"));
                        } else {
                            let _ = resolve.call1(&JsValue::NULL, &blob);
                        }
                    });
                    if let Err(err) = canvas.to_blob_with_type_and_encoder_options(
                        callback.unchecked_ref(),
                        "image/jpeg",
                        &JsValue::from_f64(JPEG_QUALITY),
                    ) {
                        error = Some(err);
                    }
                });
                error.map_or(Ok(promise), Err)
            }
        }
    }
}

/// `bytes` in memory as a blob of `format` (for the browser's decoder, or a preview's URL):
/// the file is not read again.
pub fn blob(
    bytes: &js_sys::Uint8Array,
    format: FileFormat,
) -> Result<web_sys::Blob, wasm_bindgen::JsValue> {
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(format.mime());
    web_sys::Blob::new_with_u8_array_sequence_and_options(&js_sys::Array::of1(bytes), &options)
}

/// What one read of a picture's pixels tells: the quality checks, where the document is, and
/// the document flattened when its outline is good enough.
pub struct Examined {
    /// The quality checks: of the document alone when it was cropped to (no cut-off check
    /// then: its outline is inside the frame), else of the whole picture.
    pub report: QualityReport,
    /// Where the document is; `None` when no shape was asked about (a face).
    pub framed: Option<Framed>,
    /// The document flattened to its real aspect ratio, when its outline is good enough and
    /// the crop was to be kept ([`CropUse::Keep`]).
    pub crop: Option<RgbaImage>,
}

/// What [`Picture::examine`] does with the document it flattens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CropUse {
    /// Kept in colour: a photo, whose crop is sent.
    Keep,
    /// Flattened in luma alone and dropped once measured: a preview frame, whose checks are
    /// all that is needed (about a third of the work of a colour crop).
    Measure,
}

/// An image scaled down to fit a long edge: drawn in a detached canvas, or its pixels held in
/// wasm memory when they came there first (a photo's decoded frame copied out, a flattened
/// crop). Dropping it frees the canvas's backing store at once rather than at the next
/// collection, or, for a picture as small as a preview frame, keeps the canvas for the next
/// picture.
pub struct Picture {
    pixels: Pixels,
    /// The size of what it was drawn from (before the downscale).
    source: (u32, u32),
}

/// Where a [`Picture`]'s pixels are.
enum Pixels {
    /// In a canvas: read back when examined.
    Drawn {
        canvas: Canvas,
        context: web_sys::CanvasRenderingContext2d,
    },
    /// In wasm memory (shared with an encode in flight), and the encode of a decoded photo,
    /// started as soon as it was decoded.
    Held {
        image: Rc<RgbaImage>,
        encoding: std::cell::Cell<Option<js_sys::Promise>>,
    },
}

impl Picture {
    /// Decodes the photo in `bytes` (of `format`, `size` pixels as its header says) with the
    /// browser's decoder, EXIF orientation applied, into a picture whose long edge is at most
    /// `long_edge`.
    ///
    /// A JPEG at least a little larger than that is decoded straight to a size near it where
    /// the engine can (WebCodecs' `ImageDecoder` scales while it decodes: a 12 MP photo is
    /// decoded at a quarter of its pixels, faster than a full decode alone;
    /// `frames_carry_orientation`). A frame within a sixteenth above `long_edge` is kept at its
    /// size, its pixels copied out, and its encode started at once ([`Picture::from_frame`]);
    /// a larger one is brought down on a canvas. Where the engine's frames do not
    /// carry the orientation (Firefox: it turns the pixels itself, and would squeeze a turned
    /// photo asked for a size), `ImageDecoder` decodes every photo whole: there
    /// `createImageBitmap` in a worker decodes on the page's main thread (about 200 ms of it
    /// for 12 MP, measured in Firefox 153), `ImageDecoder` in the worker itself. Any other
    /// case, or a decode the decoder refuses, goes the long way: `createImageBitmap` of the
    /// whole, then the canvas's downscale.
    pub async fn decode(
        bytes: &js_sys::Uint8Array,
        format: FileFormat,
        size: Option<(u32, u32)>,
        long_edge: u32,
    ) -> Result<Picture, JsValue> {
        let scaled = match (format, size) {
            (FileFormat::Jpeg, Some(size)) => decode_size(size, long_edge).zip(Some(size)),
            _ => None,
        };
        // A PNG or WebP may be transparent (a document cut out by an app): drawn over white, as
        // every viewer shows it, since a JPEG has no transparency and its transparent pixels
        // would be sent black (and measured too dark).
        let transparent = matches!(format, FileFormat::Png | FileFormat::Webp);
        let by_decoder = if transparent {
            None
        } else if frames_carry_orientation() {
            scaled.map(Some)
        } else {
            Some(None)
        };
        if let Some(scaled) = by_decoder {
            if let Ok(picture) = Picture::decode_frame(bytes, format, scaled, long_edge).await {
                return Ok(picture);
            }
        }
        let image = blob(bytes, format)?;
        let options = web_sys::ImageBitmapOptions::new();
        options.set_image_orientation(web_sys::ImageOrientation::FromImage);
        let promise = create_image_bitmap(&image, &options)?;
        let bitmap: web_sys::ImageBitmap = JsFuture::from(promise).await?.unchecked_into();
        let source = (bitmap.width(), bitmap.height());
        let picture = Picture::drawn(source, long_edge, &|context, width, height| {
            if transparent {
                context.set_fill_style_str("#fff");
                context.fill_rect(0.0, 0.0, width, height);
            }
            context.draw_image_with_image_bitmap_and_dw_and_dh(&bitmap, 0.0, 0.0, width, height)
        });
        bitmap.close();
        picture
    }

    /// The photo in `bytes` decoded by `ImageDecoder`, then drawn at its long edge of at most
    /// `long_edge`: a JPEG `scaled` as `(asked, size)` decoded at `asked` ([`decode_size`];
    /// `size` its pixels as stored), else whole. Refused when the engine has no `ImageDecoder`
    /// or none for `format`, or when a scaled decode is smaller than the picture (an engine
    /// that scales by its own rule): a photo is never enlarged from a smaller decode.
    async fn decode_frame(
        bytes: &js_sys::Uint8Array,
        format: FileFormat,
        scaled: Option<((u32, u32), (u32, u32))>,
        long_edge: u32,
    ) -> Result<Picture, JsValue> {
        let init = js_sys::Object::new();
        js_sys::Reflect::set(&init, &"data".into(), bytes)?;
        js_sys::Reflect::set(&init, &"type".into(), &format.mime().into())?;
        if let Some(((width, height), _)) = scaled {
            js_sys::Reflect::set(&init, &"desiredWidth".into(), &width.into())?;
            js_sys::Reflect::set(&init, &"desiredHeight".into(), &height.into())?;
        }
        let decoder = ImageDecoder::new(&init)?;
        let decoded = match decoder.decode() {
            Ok(promise) => JsFuture::from(promise).await,
            Err(err) => Err(err),
        };
        decoder.close();
        let frame: DecodedFrame =
            js_sys::Reflect::get(&decoded?, &"image".into())?.unchecked_into();
        let shown = (frame.display_width(), frame.display_height());
        // The frame is shown turned as the EXIF orientation says: the photo's size turned too.
        let source = match scaled {
            Some((_, size)) if (shown.0 > shown.1) != (size.0 > size.1) => (size.1, size.0),
            Some((_, size)) => size,
            None => shown,
        };
        let (width, height) = fit(source.0, source.1, long_edge);
        let fitted = width.max(height);
        let picture = if shown.0 < width || shown.1 < height {
            Err(JsValue::UNDEFINED)
        } else {
            let copied = if shown.0.max(shown.1) <= fitted + fitted / 16 {
                Picture::from_frame(&frame, source).await.ok()
            } else {
                None
            };
            match copied {
                Some(picture) => Ok(picture),
                None => {
                    // `drawImage` takes a `VideoFrame` as it takes a bitmap (web-sys has
                    // `VideoFrame` only among its unstable APIs).
                    let image: &web_sys::ImageBitmap = frame.unchecked_ref();
                    Picture::drawn(source, long_edge, &|context, width, height| {
                        context.draw_image_with_image_bitmap_and_dw_and_dh(
                            image, 0.0, 0.0, width, height,
                        )
                    })
                }
            }
        };
        frame.close();
        picture
    }

    /// A picture of `frame`'s own pixels, copied out of it as RGBA and turned upright in wasm
    /// (`kyc-core`'s [`RgbaView::oriented`], as the frame's `rotation` and `flip` say): the
    /// pixels the checks read, held, and the encode of the frame, started. For a frame already
    /// at about the picture's size: drawing it on a canvas and reading the canvas back costs
    /// about twice as much (measured in Chromium for 12 MP decoded at a quarter: 34 ms against
    /// 15, the frame's colour conversion being done on the draw); a frame decoded within a
    /// sixteenth above the size is kept at its own (a decoder's eighths land there for the
    /// common 4000, 4032, 4080 and 8000 px cameras: no canvas's downscale for so little).
    /// Refused where the engine cannot copy a frame out as RGBA.
    async fn from_frame(frame: &DecodedFrame, source: (u32, u32)) -> Result<Picture, JsValue> {
        let options = js_sys::Object::new();
        js_sys::Reflect::set(&options, &"format".into(), &"RGBA".into())?;
        // The frame's pixels as stored: its display size turned back.
        let quarter_turns = js_sys::Reflect::get(frame, &"rotation".into())?
            .as_f64()
            .map_or(0, |degrees| {
                ((degrees / 90.0).round() as i64).rem_euclid(4) as u8
            });
        let mirrored = js_sys::Reflect::get(frame, &"flip".into())?.is_truthy();
        let (shown_width, shown_height) = (frame.display_width(), frame.display_height());
        let (width, height) = if quarter_turns % 2 == 1 {
            (shown_height, shown_width)
        } else {
            (shown_width, shown_height)
        };
        // RGBA without a `layout` is packed: 4 bytes a pixel, rows end to end (a copy into
        // a buffer of another size is refused).
        let length = u32::try_from(4 * u64::from(width) * u64::from(height))
            .map_err(|_| JsValue::from_str("the frame is too large"))?;
        // Where the analysis worker has an encoder thread, the encode starts now, from a bitmap
        // of the frame (turned as shown), handed over whole; it runs there while the pixels
        // are copied out and checked here. Else the pixels are put on a canvas once turned
        // ([`Picture::encode`]).
        let encoding = match encoder() {
            Some(encoder) => {
                // Without a bitmap, the held pixels are encoded later, as without an encoder.
                let options = web_sys::ImageBitmapOptions::new();
                let bitmap = match create_image_bitmap(frame, &options) {
                    Ok(promise) => JsFuture::from(promise).await.ok(),
                    Err(_) => None,
                };
                let turned = quarter_turns != 0 || mirrored;
                bitmap.and_then(|bitmap| {
                    encode_elsewhere(&encoder, &bitmap, (shown_width, shown_height), turned)
                })
            }
            None => None,
        };
        let buffer = js_sys::Uint8Array::new_with_length(length);
        JsFuture::from(frame.copy_to(&buffer, &options)?).await?;
        let stored = buffer.to_vec();
        let orientation = Orientation {
            quarter_turns,
            mirrored,
        };
        let image = if orientation == Orientation::default() {
            RgbaImage {
                width,
                height,
                pixels: stored,
            }
        } else {
            RgbaView::new(width, height, &stored)
                .map_err(|_| JsValue::from_str("the frame's pixels are not its size"))?
                .oriented(orientation)
        };
        Ok(Picture {
            pixels: Pixels::Held {
                image: Rc::new(image),
                encoding: std::cell::Cell::new(encoding),
            },
            source,
        })
    }

    /// A picture of `bitmap` at its own size (a camera shot handed to the analysis worker).
    pub fn from_bitmap(bitmap: &web_sys::ImageBitmap) -> Result<Picture, JsValue> {
        let size = (bitmap.width(), bitmap.height());
        Picture::drawn(size, size.0.max(size.1), &|context, width, height| {
            context.draw_image_with_image_bitmap_and_dw_and_dh(bitmap, 0.0, 0.0, width, height)
        })
    }

    /// A copy of a picture drawn on the page, as an `ImageBitmap` (to hand a camera shot to
    /// the analysis worker); `None` for any other.
    pub async fn to_bitmap(&self) -> Option<web_sys::ImageBitmap> {
        let Pixels::Drawn {
            canvas: Canvas::Page(canvas),
            ..
        } = &self.pixels
        else {
            return None;
        };
        let options = web_sys::ImageBitmapOptions::new();
        let promise = create_image_bitmap(canvas, &options).ok()?;
        JsFuture::from(promise)
            .await
            .ok()
            .map(|bitmap| bitmap.unchecked_into())
    }

    /// The frame `video` shows now, with its long edge at most `long_edge`.
    pub fn from_video(
        video: &web_sys::HtmlVideoElement,
        long_edge: u32,
    ) -> Result<Picture, JsValue> {
        let source = (video.video_width(), video.video_height());
        Picture::drawn(source, long_edge, &|context, width, height| {
            context.draw_image_with_html_video_element_and_dw_and_dh(video, 0.0, 0.0, width, height)
        })
    }

    /// A canvas for an image of `source` size brought down to `long_edge` (high-quality
    /// smoothing for the downscale), in which `draw` draws it at the given width and height.
    fn drawn(
        source: (u32, u32),
        long_edge: u32,
        draw: &dyn Fn(&web_sys::CanvasRenderingContext2d, f64, f64) -> Result<(), JsValue>,
    ) -> Result<Picture, JsValue> {
        let (width, height) = fit(source.0, source.1, long_edge);
        let (canvas, context) = match SPARE.with(|spare| spare.take()) {
            Some((canvas, context)) => {
                // It was cleared when kept; a new size resets its context's settings (set
                // below).
                if canvas.size() != (width, height) {
                    canvas.set_size((width, height));
                }
                (canvas, context)
            }
            None => Canvas::new(width, height)?,
        };
        context.set_image_smoothing_enabled(true);
        js_sys::Reflect::set(&context, &"imageSmoothingQuality".into(), &"high".into())?;
        draw(&context, f64::from(width), f64::from(height))?;
        Ok(Picture {
            pixels: Pixels::Drawn { canvas, context },
            source,
        })
    }

    /// Its width and height in pixels.
    pub fn size(&self) -> (u32, u32) {
        match &self.pixels {
            Pixels::Drawn { canvas, .. } => canvas.size(),
            Pixels::Held { image, .. } => (image.width, image.height),
        }
    }

    /// The long edge of what it was drawn from: the camera's resolution for a frame.
    pub fn source_long_edge(&self) -> u32 {
        self.source.0.max(self.source.1)
    }

    /// A picture of `image`'s pixels (a flattened document), held as they are.
    pub fn from_rgba(image: RgbaImage) -> Picture {
        let source = (image.width, image.height);
        Picture {
            pixels: Pixels::Held {
                image: Rc::new(image),
                encoding: std::cell::Cell::new(None),
            },
            source,
        }
    }

    /// Reads its pixels once for `kyc-core` (unless it has them already) and [`examine`]s
    /// them.
    pub fn examine(
        &self,
        thresholds: &QualityThresholds,
        shape: Option<DocumentShape>,
        crop_long_edge: (u32, u32),
        crop_use: CropUse,
    ) -> Result<Examined, JsValue> {
        let (width, height) = self.size();
        let read;
        let pixels = match &self.pixels {
            Pixels::Held { image, .. } => &image.pixels,
            Pixels::Drawn { context, .. } => {
                read = context
                    .get_image_data(0.0, 0.0, f64::from(width), f64::from(height))?
                    .data();
                &read.0
            }
        };
        let view = RgbaView::new(width, height, pixels)
            .map_err(|_| JsValue::from_str("the pixels do not fill the canvas"))?;
        Ok(examine(&view, thresholds, shape, crop_long_edge, crop_use))
    }

    /// The picture as JPEG bytes at [`JPEG_QUALITY`] (a canvas has no metadata to carry over).
    /// The pixels are taken when this is called, not when it is awaited, so the caller may go
    /// on drawing on or reading the canvas meanwhile.
    ///
    /// Held pixels are encoded on a thread of their own where the analysis worker offers one
    /// (`kycEncodeJpeg`, `www/analysis-worker.js`): an encode holds the thread that asks for it
    /// (about 27 ms for 3 MP in Chromium, measured: not overlapped with the checks that run
    /// meanwhile), and the checks then run beside it. A decoded photo's encode started when it
    /// was decoded ([`Picture::decode`]): the first call takes it. Else, or when an encode
    /// fails, held pixels are put on a canvas and encoded here.
    pub fn encode(&self) -> impl std::future::Future<Output = Result<js_sys::Uint8Array, JsValue>> {
        // What is encoded here when no encode was started elsewhere, or that one failed.
        enum Here {
            Canvas(Result<js_sys::Promise, JsValue>),
            Pixels(Rc<RgbaImage>),
        }
        let (started, here) = match &self.pixels {
            Pixels::Drawn { canvas, .. } => (None, Here::Canvas(canvas.jpeg())),
            Pixels::Held { image, encoding } => {
                let started = encoding.take().or_else(|| {
                    let encoder = encoder()?;
                    let pixels = js_sys::Uint8Array::from(image.pixels.as_slice());
                    encode_elsewhere(&encoder, &pixels, (image.width, image.height), false)
                });
                (started, Here::Pixels(image.clone()))
            }
        };
        async move {
            if let Some(promise) = started {
                if let Some(bytes) = jpeg_from_elsewhere(promise).await {
                    return Ok(bytes);
                }
            }
            match here {
                Here::Canvas(promise) => jpeg_bytes(promise?).await,
                Here::Pixels(image) => {
                    let (canvas, promise) = held_jpeg(&image)?;
                    let bytes = jpeg_bytes(promise).await;
                    // Megabytes: freed now rather than at the next collection.
                    canvas.set_size((0, 0));
                    bytes
                }
            }
        }
    }
}

/// `image` (an `ImageBitmap`, of a `turned` frame or not, or RGBA pixels in a `Uint8Array`)
/// of `size`, handed over to the analysis worker's encoder thread and encoded there, where it
/// has started: a promise of the JPEG (a `Blob`). A bitmap is shown on the encoder's canvas as
/// it is (a bitmap renderer: no copy, no drawing), or drawn when it is of a turned frame (a
/// bitmap renderer shows that one unturned, in Chromium 156).
fn encode_elsewhere(
    encoder: &js_sys::Function,
    image: &JsValue,
    (width, height): (u32, u32),
    turned: bool,
) -> Option<js_sys::Promise> {
    let options = js_sys::Object::new();
    let fields: [(&str, JsValue); 4] = [
        ("width", width.into()),
        ("height", height.into()),
        ("quality", JPEG_QUALITY.into()),
        ("turned", turned.into()),
    ];
    for (name, value) in fields {
        js_sys::Reflect::set(&options, &name.into(), &value).ok()?;
    }
    let promise = encoder.call2(&JsValue::NULL, image, &options).ok()?;
    (!promise.is_undefined()).then(|| promise.unchecked_into())
}

/// How long an encode on the encoder thread may take before the picture is encoded here
/// instead: over a hundred times what a 3 MP encode takes there (about 30 ms in Chromium on
/// the bench's machine), so only an encode that will not end is given up.
const ENCODE_WITHIN_MS: i32 = 4_000;

thread_local! {
    /// Whether an encode on the encoder thread did not end in time: it is not asked again.
    static ENCODER_STALLED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The analysis worker's encoder (`kycEncodeJpeg`), where this runs in it, unless it stalled.
fn encoder() -> Option<js_sys::Function> {
    if ENCODER_STALLED.with(std::cell::Cell::get) {
        return None;
    }
    let encoder = js_sys::Reflect::get(&js_sys::global(), &"kycEncodeJpeg".into()).ok()?;
    encoder.is_function().then(|| encoder.unchecked_into())
}

/// The bytes of an encode on the encoder thread ([`encode_elsewhere`]); `None` when it failed
/// or did not end within [`ENCODE_WITHIN_MS`] (then the encoder is not asked again: an encode
/// that never ends would hold every photo after it too). The caller encodes here instead.
async fn jpeg_from_elsewhere(encode: js_sys::Promise) -> Option<js_sys::Uint8Array> {
    // The deadline resolves to `undefined`; the encode, to a `Blob`.
    let deadline = js_sys::Promise::new(&mut |resolve, _| {
        let _ = set_timeout(&resolve, ENCODE_WITHIN_MS);
    });
    let first = JsFuture::from(js_sys::Promise::race(&js_sys::Array::of2(
        &encode, &deadline,
    )))
    .await
    .ok()?;
    if first.is_undefined() {
        ENCODER_STALLED.with(|stalled| stalled.set(true));
        return None;
    }
    blob_bytes(first).await.ok()
}

/// The bytes of an encode: its promise of a JPEG `Blob`.
async fn jpeg_bytes(encode: js_sys::Promise) -> Result<js_sys::Uint8Array, JsValue> {
    blob_bytes(JsFuture::from(encode).await?).await
}

/// The bytes of a `blob`.
async fn blob_bytes(blob: JsValue) -> Result<js_sys::Uint8Array, JsValue> {
    let blob: web_sys::Blob = blob.unchecked_into();
    let buffer = JsFuture::from(blob.array_buffer()).await?;
    Ok(js_sys::Uint8Array::new(&buffer))
}

/// `image` put on a canvas of its own, and its encode there.
fn held_jpeg(image: &RgbaImage) -> Result<(Canvas, js_sys::Promise), JsValue> {
    let (canvas, context) = Canvas::new(image.width, image.height)?;
    let data = web_sys::ImageData::new_with_u8_clamped_array_and_sh(
        wasm_bindgen::Clamped(&image.pixels),
        image.width,
        image.height,
    )?;
    context.put_image_data(&data, 0.0, 0.0)?;
    let promise = canvas.jpeg()?;
    Ok((canvas, promise))
}

/// A photo made ready to send, before the quality gate has its say: what the checks found,
/// the photo as JPEG and, for a document whose outline was found, the document cropped from it
/// (then the checks are the crop's).
pub struct Prepared {
    /// The quality checks.
    pub report: QualityReport,
    /// The whole photo, as JPEG.
    pub whole: js_sys::Uint8Array,
    /// The document cropped from it, as JPEG.
    pub crop: Option<js_sys::Uint8Array>,
}

/// A chosen photo that passed `kyc-core`'s file checks, and what it is prepared for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Photo {
    /// Its format (never a PDF).
    pub format: FileFormat,
    /// Its size as its header gives it (as stored, before the EXIF orientation).
    pub size: Option<(u32, u32)>,
    /// The slot it is for.
    pub slot: Slot,
    /// The document's shape, when it is a document's photo.
    pub shape: Option<DocumentShape>,
    /// The least long edge of the document's crop: the slot's minimum.
    pub min_long_edge: u32,
}

impl Photo {
    /// Its `bytes` decoded at the slot's size ([`Picture::decode`]).
    pub async fn decode(&self, bytes: &js_sys::Uint8Array) -> Result<Picture, PhotoFailure> {
        Picture::decode(bytes, self.format, self.size, target_long_edge(self.slot))
            .await
            .map_err(|_| PhotoFailure::CannotDecode)
    }

    /// Its `bytes` decoded and [`prepare`]d: the analysis worker's whole task.
    pub async fn prepare(&self, bytes: &js_sys::Uint8Array) -> Result<Prepared, PhotoFailure> {
        let picture = self.decode(bytes).await?;
        prepare(picture, self.slot, self.shape, self.min_long_edge).await
    }
}

/// `picture` checked for `slot` (a document of `shape` cropped to its outline, the crop's long
/// edge at least `min_long_edge`) and encoded, with the crop. The whole picture is encoded
/// while it is checked: an encode lost on a photo the gate refuses, but none waited for on
/// one it keeps.
pub async fn prepare(
    picture: Picture,
    slot: Slot,
    shape: Option<DocumentShape>,
    min_long_edge: u32,
) -> Result<Prepared, PhotoFailure> {
    let whole = picture.encode();
    // The crop is as sharp as the photo (never below what the relay asks for, never above
    // what a photo is sent at).
    let crop_long_edge = (min_long_edge, target_long_edge(slot));
    let examined = picture
        .examine(
            &QualityThresholds::for_slot(slot),
            shape,
            crop_long_edge,
            CropUse::Keep,
        )
        .map_err(|_| PhotoFailure::CannotDecode)?;
    let crop = examined
        .crop
        .map(|image| Picture::from_rgba(image).encode());
    let whole = whole.await.map_err(|_| PhotoFailure::CannotEncode)?;
    let crop = match crop {
        Some(crop) => Some(crop.await.map_err(|_| PhotoFailure::CannotEncode)?),
        None => None,
    };
    Ok(Prepared {
        report: examined.report,
        whole,
        crop,
    })
}

/// Why a photo could not be prepared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PhotoFailure {
    /// The browser could not decode it.
    CannotDecode,
    /// The browser could not encode it.
    CannotEncode,
}

/// `kyc-core`'s reading of a picture's pixels: with a `shape`, the document's outline and what
/// the user must do; with an outline good enough, the document flattened with its long edge as
/// long as in the picture but within `crop_long_edge` (least, most), and the quality checks on
/// it; else the checks on the whole picture. The crop is kept in colour ([`CropUse::Keep`]) or
/// flattened in luma alone and dropped once measured ([`CropUse::Measure`]). The same on the
/// page and in the live analysis's worker.
// One copy for its two callers (the page's picture, the worker's canvas): inlined into both,
// the detector and the crop came twice.
#[inline(never)]
pub fn examine(
    view: &RgbaView<'_>,
    thresholds: &QualityThresholds,
    shape: Option<DocumentShape>,
    crop_long_edge: (u32, u32),
    crop_use: CropUse,
) -> Examined {
    let (width, height) = (view.width(), view.height());
    let Some(shape) = shape else {
        return Examined {
            report: assess(view, thresholds),
            framed: None,
            crop: None,
        };
    };
    let outline = find_outline(view);
    let framed = Framed {
        outline,
        size: (width, height),
        guidance: guide(outline.as_ref(), width, height, &GuidanceLimits::default()),
    };
    // The checks inside the document have no cut-off to look for: its outline is inside the
    // frame.
    let inside = QualityThresholds {
        check_cutoff: false,
        ..thresholds.clone()
    };
    let flattened = framed.croppable().and_then(|outline| {
        let (long, short) = outline.side_lengths();
        let long_edge = (long.max(short).round() as u32)
            .clamp(crop_long_edge.0, crop_long_edge.1.max(crop_long_edge.0));
        let corners = &outline.corners;
        match crop_use {
            CropUse::Keep => flatten_rgba(view, corners, shape, long_edge).and_then(|crop| {
                let view = RgbaView::new(crop.width, crop.height, &crop.pixels).ok()?;
                Some((assess(&view, &inside), Some(crop)))
            }),
            CropUse::Measure => flatten_luma(view, corners, shape, long_edge)
                .map(|luma| (assess(&luma, &inside), None)),
        }
    });
    let (report, crop) = flattened.unwrap_or_else(|| (assess(view, thresholds), None));
    Examined {
        report,
        framed: Some(framed),
        crop,
    }
}

/// The most pixels a dropped picture's canvas may have to be kept for the next picture: a
/// preview frame's (640 px long), not a photo's.
const SPARE_MAX_PIXELS: u32 = 640 * 640;

thread_local! {
    /// The canvas of the last small picture dropped, kept for the next one: the live preview
    /// draws a frame of the same size twice a second, and a new canvas each time costs its
    /// backing store and context again (about a millisecond of the analysis, measured in
    /// headless Chromium).
    static SPARE: std::cell::Cell<Option<(Canvas, web_sys::CanvasRenderingContext2d)>> =
        const { std::cell::Cell::new(None) };
}

impl Drop for Picture {
    fn drop(&mut self) {
        let Pixels::Drawn { canvas, context } = &self.pixels else {
            return;
        };
        let (width, height) = canvas.size();
        if width * height <= SPARE_MAX_PIXELS {
            // Cleared before it is kept: no picture of a document outlives its use, and
            // nothing of it shows through a transparent picture drawn next.
            context.clear_rect(0.0, 0.0, f64::from(width), f64::from(height));
            let kept = (canvas.clone(), context.clone());
            SPARE.with(|spare| spare.set(Some(kept)));
        } else {
            // A photo's canvas holds megabytes: freed now rather than at the next collection.
            canvas.set_size((0, 0));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{decode_size, fit};

    #[test]
    fn fit_downscales_the_long_edge_and_never_enlarges() {
        assert_eq!(fit(4032, 3024, 2000), (2000, 1500));
        assert_eq!(fit(3024, 4032, 2000), (1500, 2000));
        assert_eq!(fit(1600, 1000, 2000), (1600, 1000));
        assert_eq!(fit(1920, 1080, 1280), (1280, 720));
    }

    #[test]
    fn decode_size_asks_for_the_smallest_eighth_that_reaches_the_long_edge() {
        // Each as Chromium's ImageDecoder then decodes it: 2000x1500, 2016x1512, 2040x1530,
        // 2268x1701, 1512x1134.
        assert_eq!(decode_size((4000, 3000), 2000), Some((2001, 1501)));
        assert_eq!(decode_size((4032, 3024), 2000), Some((2017, 1513)));
        assert_eq!(decode_size((3024, 4032), 2000), Some((1513, 2017)));
        assert_eq!(decode_size((3264, 2448), 2000), Some((2041, 1531)));
        assert_eq!(decode_size((2592, 1944), 2000), Some((2269, 1702)));
        assert_eq!(decode_size((4032, 3024), 1280), Some((1513, 1135)));
        assert_eq!(decode_size((8000, 6000), 2000), Some((2001, 1501)));
        // Not larger by an eighth, or not larger at all: decoded whole.
        assert_eq!(decode_size((2100, 1575), 2000), None);
        assert_eq!(decode_size((1600, 1200), 2000), None);
        assert_eq!(decode_size((0, 0), 2000), None);
    }
}
