// The peers' photo path, for the bench's section 3: the same generated 12 MP photo as
// `tests/bench_photo.rs` (EXIF orientation 6), brought to the widget's long edge (2000 px) and
// quality (0.9) as JPEG by each peer's own image plugins, beside the browser's bare decode of
// the same file in the same page, in alternating order. Neither peer checks anything (no blur,
// glare, darkness, no document outline): this is their whole path.
//
// - FilePond: its EXIF orientation, image resize and image transform plugins, the file added
//   and prepared (`prepareFile`: decoded, turned, resized and encoded); and the same file added
//   and prepared by a FilePond with those plugins turned off, which does no image work: its
//   own pacing (about a second for each of the two steps in Chromium on the bench's machine),
//   so the plugins' share is the difference.
// - Uppy: its Compressor plugin (compressorjs: an <img> decode, a canvas draw and encode),
//   the file added and its pre-processing run (`prepareUpload`, what `upload()` runs first).
import * as FilePond from 'filepond';
import ExifOrientation from 'filepond-plugin-image-exif-orientation';
import ImageResize from 'filepond-plugin-image-resize';
import ImageTransform from 'filepond-plugin-image-transform';
import Uppy from '@uppy/core';
import Compressor from '@uppy/compressor';
import { camera_jpeg, bare_decode_ms } from '../bench_photo.js';

const LONG_EDGE = 2000;
const QUALITY = 0.9;

FilePond.registerPlugin(ExifOrientation, ImageResize, ImageTransform);
const pond = FilePond.create(document.querySelector('#peer input'), {
  instantUpload: false,
  imageResizeTargetWidth: LONG_EDGE,
  imageResizeTargetHeight: LONG_EDGE,
  imageResizeMode: 'contain',
  imageResizeUpscale: false,
  imageTransformOutputMimeType: 'image/jpeg',
  imageTransformOutputQuality: Math.round(QUALITY * 100),
});
const plainPond = FilePond.create(document.querySelectorAll('#peer input')[1], {
  instantUpload: false,
  allowImageExifOrientation: false,
  allowImageResize: false,
  allowImageTransform: false,
});
const uppy = new Uppy().use(Compressor, { quality: QUALITY, maxWidth: LONG_EDGE, maxHeight: LONG_EDGE });

// The size of a JPEG as decoded (orientation honoured).
async function sizeOf(blob) {
  const bitmap = await createImageBitmap(blob, { imageOrientation: 'from-image' });
  const size = `${bitmap.width}x${bitmap.height}`;
  bitmap.close();
  return size;
}

// The file added to `filepond` and prepared; the time and what it prepared.
async function addedAndPrepared(filepond, photo) {
  const started = performance.now();
  const item = await filepond.addFile(photo);
  const prepared = await filepond.prepareFile(item);
  const ms = performance.now() - started;
  await filepond.removeFile(item);
  return { ms, output: prepared.output };
}

const PATHS = {
  filepond: (photo) => addedAndPrepared(pond, photo),
  async filepond_plain(photo) {
    // Its output is the file as added: not a figure of its own.
    const { ms } = await addedAndPrepared(plainPond, photo);
    return { ms };
  },
  async uppy(photo) {
    const started = performance.now();
    const id = uppy.addFile({ name: 'photo.jpg', type: 'image/jpeg', data: photo });
    await uppy.getPlugin('Compressor').prepareUpload([id]);
    const ms = performance.now() - started;
    const output = uppy.getFile(id).data;
    uppy.removeFile(id);
    return { ms, output };
  },
};

// `rounds` counted runs of each (after one uncounted), in alternating order: the samples in
// ms by figure, and the photo's and each output's size.
window.benchPeerPhoto = async (rounds) => {
  const photo = new File([await camera_jpeg(4000, 3000)], 'photo.jpg', { type: 'image/jpeg' });
  const samples = { bare_decode: [], filepond: [], filepond_plain: [], uppy: [] };
  const facts = { input_bytes: photo.size };
  const runs = [['bare_decode', async () => ({ ms: (await bare_decode_ms(photo))[0] })],
    ...Object.entries(PATHS).map(([name, path]) => [name, () => path(photo)])];
  for (let round = -1; round < rounds; round += 1) {
    const order = round % 2 === 0 ? runs : [...runs].reverse();
    for (const [name, run] of order) {
      const { ms, output } = await run();
      if (output && round < 0) {
        if (!(output instanceof Blob) || output.type !== 'image/jpeg') {
          throw new Error(`${name} gave no JPEG: ${output?.type}`);
        }
        facts[`${name}.output_pixels`] = await sizeOf(output);
        facts[`${name}.output_bytes`] = output.size;
      }
      if (round >= 0) samples[name].push(ms);
    }
  }
  return { samples, facts };
};
