// The analysis worker: see src/analysis_worker.rs (this file ships inside the module).
let glue, wasm;

// JPEG encodes on a worker of this worker's (see photo.rs: encode_elsewhere).
const ENCODER = `self.onmessage = async ({ data: { id, image, width, height, quality, turned } }) => {
  try {
    const canvas = new OffscreenCanvas(width, height);
    if (!(image instanceof ImageBitmap)) {
      const pixels = new Uint8ClampedArray(image.buffer);
      canvas.getContext('2d').putImageData(new ImageData(pixels, width, height), 0, 0);
    } else if (turned) {
      // A bitmap renderer would show it unturned (Chromium 156).
      const context = canvas.getContext('2d');
      context.imageSmoothingEnabled = false;
      context.drawImage(image, 0, 0);
      image.close();
    } else {
      canvas.getContext('bitmaprenderer').transferFromImageBitmap(image);
    }
    const jpeg = await canvas.convertToBlob({ type: 'image/jpeg', quality });
    self.postMessage({ id, jpeg });
  } catch (error) {
    self.postMessage({ id, error: String(error) });
  }
};
self.postMessage({ ready: true });`;
let encoder = null;
let lastEncode = 0;
const encodes = new Map();
function startEncoder() {
  let worker;
  try {
    const url = URL.createObjectURL(new Blob([ENCODER], { type: 'text/javascript' }));
    worker = new Worker(url);
    URL.revokeObjectURL(url);
  } catch {
    return;
  }
  worker.onmessage = ({ data }) => {
    if (data.ready) {
      encoder = worker;
      return;
    }
    const encode = encodes.get(data.id);
    encodes.delete(data.id);
    if (data.jpeg) encode.resolve(data.jpeg);
    else encode.reject(new Error(data.error));
  };
  worker.onerror = () => {
    encoder = null;
    for (const encode of encodes.values()) encode.reject(new Error('the encoder stopped'));
    encodes.clear();
    worker.terminate();
  };
}
// A promise of the JPEG (a Blob); undefined until the encoder has started, or once it failed.
self.kycEncodeJpeg = (image, { width, height, quality, turned }) => {
  if (!encoder) return undefined;
  const id = ++lastEncode;
  return new Promise((resolve, reject) => {
    encodes.set(id, { resolve, reject });
    const transfer = image instanceof ImageBitmap ? image : image.buffer;
    encoder.postMessage({ id, image, width, height, quality, turned }, [transfer]);
  });
};

self.onmessage = async ({ data }) => {
  if (data.glue) {
    try {
      startEncoder();
      glue = await import(data.glue);
      wasm = await glue.default({ module_or_path: data.module });
      // The checks are in the widget's later module, fetched once here.
      await glue.prepareAnalysis();
      self.postMessage({ ready: true });
    } catch (error) {
      self.postMessage({ error: String(error) });
    }
    return;
  }
  const id = data.id;
  try {
    if (data.memory) {
      const heap = self.performance.memory ? self.performance.memory.usedJSHeapSize : -1;
      self.postMessage({ id, memory: { wasm: wasm.memory.buffer.byteLength, heap } });
    } else if (data.photo || data.shot) {
      const prepared = await glue.preparePhoto(data);
      const jpegs = [prepared.whole, prepared.crop].filter(Boolean).map((bytes) => bytes.buffer);
      self.postMessage({ id, prepared }, jpegs);
    } else {
      self.postMessage({ id, examined: glue.analyseFrame(data.frame, data.slot, data.shape) });
    }
  } catch (error) {
    if (data.frame) data.frame.close();
    self.postMessage({ id, error: String(error) });
  }
};
