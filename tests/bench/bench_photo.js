// The page side of `tests/bench_photo.rs` (the generated photo, the browser's own decode and
// encode, the live frames, the memory and pause watches); the peers' photo page
// (`peers/photo.js`) takes the same photo and the same bare decode from here.
// A document-like scene with camera-like noise on a canvas of width x height.
function scene(width, height, seed) {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const gradient = ctx.createLinearGradient(0, 0, width, height);
  gradient.addColorStop(0, '#6b5b4b');
  gradient.addColorStop(1, '#8a7a66');
  ctx.fillStyle = gradient;
  ctx.fillRect(0, 0, width, height);
  const [x, y, w, h] = [width * 0.1, height * 0.12, width * 0.8, height * 0.76];
  ctx.fillStyle = '#e9eef2';
  ctx.fillRect(x, y, w, h);
  ctx.fillStyle = '#1f3b57';
  ctx.fillRect(x, y, w, h * 0.16);
  ctx.fillStyle = '#ffffff';
  ctx.font = `bold ${h * 0.09}px sans-serif`;
  ctx.fillText('PASSPORT', x + w * 0.05, y + h * 0.12);
  ctx.fillStyle = '#9aa7b3';
  ctx.fillRect(x + w * 0.05, y + h * 0.25, w * 0.28, h * 0.6);
  ctx.fillStyle = '#111111';
  ctx.font = `${h * 0.045}px monospace`;
  for (let line = 0; line < 9; line += 1) {
    ctx.fillText(`SURNAME<<GIVEN<<NAMES<<${line}2345678`, x + w * 0.38, y + h * (0.3 + line * 0.07));
  }
  // Sensor noise, so the JPEG is as large as a camera's.
  const image = ctx.getImageData(0, 0, width, height);
  const data = image.data;
  let state = seed >>> 0 || 1;
  for (let i = 0; i < data.length; i += 4) {
    state ^= state << 13; state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5; state >>>= 0;
    const n = (state & 15) - 8;
    data[i] += n; data[i + 1] += n; data[i + 2] += n;
  }
  ctx.putImageData(image, 0, 0);
  return { canvas, ctx };
}

// APP1 Exif with one IFD0 entry: Orientation (0x0112) = 6 (rotate 90 CW), big-endian.
function exifOrientation6() {
  const tiff = [0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0];
  const body = [0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff];
  const length = body.length + 2;
  return [0xff, 0xe1, length >> 8, length & 0xff, ...body];
}

// A phone's 12 MP JPEG is a few megabytes: the first quality that stays under 8 MB.
export async function camera_jpeg(width, height) {
  const { canvas } = scene(width, height, 12345);
  let blob;
  for (const quality of [0.92, 0.85, 0.75, 0.6]) {
    blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality));
    if (blob.size < 8_000_000) break;
  }
  const bytes = new Uint8Array(await blob.arrayBuffer());
  canvas.width = 0;
  // SOI, then the Exif segment, then the rest of the encoder's file.
  const exif = exifOrientation6();
  const out = new Uint8Array(bytes.length + exif.length);
  out.set(bytes.subarray(0, 2), 0);
  out.set(exif, 2);
  out.set(bytes.subarray(2), 2 + exif.length);
  return new Blob([out], { type: 'image/jpeg' });
}

export async function bare_decode_ms(blob) {
  const started = performance.now();
  const bitmap = await createImageBitmap(blob);
  const ms = performance.now() - started;
  const size = [bitmap.width, bitmap.height];
  bitmap.close();
  return [ms, size[0], size[1]];
}

// The browser's own share of the photo path, for the floor under it: the decode (EXIF
// orientation honoured) and the downscale to a long edge of `long_edge` on a canvas, read
// back as the checks read it; with `resize`, the decode asked for that size itself ("decode
// straight to the target size": WebCodecs' ImageDecoder scaling by eighths while it decodes, as
// the widget asks it, where the engine has one; else createImageBitmap's resize options); then
// one JPEG encode of that canvas at the widget's quality. Milliseconds of each part, and how
// the decode was asked for its size.
export async function browser_share_ms(blob, long_edge, quality, resize) {
  const started = performance.now();
  const probe = await createImageBitmap(blob, { imageOrientation: 'from-image' });
  const [pw, ph] = [probe.width, probe.height];
  const scale = Math.min(1, long_edge / Math.max(pw, ph));
  const [w, h] = [Math.round(pw * scale), Math.round(ph * scale)];
  let bitmap = probe;
  if (resize) {
    probe.close();
    // Only the second decode counts: the first told the size, which the widget reads from the
    // file's header.
    const again = performance.now();
    // As the widget: only an engine whose frames carry the EXIF orientation.
    if (typeof ImageDecoder === 'function' && 'rotation' in VideoFrame.prototype) {
      // As `kyc_capture::photo::decode_size`.
      const eighths = Math.ceil((8 * long_edge) / Math.max(pw, ph));
      const side = (s) => Math.ceil((s * eighths) / 8) + 1;
      const decoder = new ImageDecoder({
        data: await blob.arrayBuffer(), type: blob.type, desiredWidth: side(pw), desiredHeight: side(ph),
      });
      const { image } = await decoder.decode();
      decoder.close();
      return [...(await finish(image, w, h, quality, again)), 'ImageDecoder'];
    }
    bitmap = await createImageBitmap(blob, {
      imageOrientation: 'from-image', resizeWidth: w, resizeHeight: h, resizeQuality: 'high',
    });
    return [...(await finish(bitmap, w, h, quality, again)), 'createImageBitmap'];
  }
  return finish(bitmap, w, h, quality, started);
}

async function finish(bitmap, w, h, quality, started) {
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(bitmap, 0, 0, w, h);
  bitmap.close();
  ctx.getImageData(0, 0, w, h);
  const decoded = performance.now() - started;
  const encoding = performance.now();
  await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality));
  const encoded = performance.now() - encoding;
  canvas.width = 0;
  canvas.height = 0;
  return [decoded, encoded];
}

let live = null;
export function live_setup(width, height) {
  const source = scene(width, height, 777).canvas;
  const target = document.createElement('canvas');
  target.width = width;
  target.height = height;
  live = { source, ctx: target.getContext('2d', { willReadFrequently: true }), width, height };
}

// What a camera frame needs before the metrics: draw it, read its pixels back.
export function live_frame() {
  live.ctx.drawImage(live.source, 0, 0);
  return new Uint8Array(live.ctx.getImageData(0, 0, live.width, live.height).data.buffer);
}

// A camera stand-in: a <video> playing a capture stream of the scene's canvas, as the live
// preview plays the camera's stream. Resolves once it shows a frame of the canvas's size, or
// with the reason it cannot (an engine without capture streams or their playback).
export async function live_video(width, height) {
  const { canvas, ctx } = scene(width, height, 777);
  const video = document.createElement('video');
  try {
    video.muted = true;
    video.playsInline = true;
    video.srcObject = canvas.captureStream(30);
    document.body.append(video);
    await Promise.race([video.play(), new Promise((resolve) => setTimeout(resolve, 3000))]);
    // A capture stream sends a frame when the canvas is drawn.
    for (let i = 0; i < 150 && !(video.readyState >= 2 && video.videoWidth === width); i += 1) {
      ctx.fillRect(0, 0, 1, 1);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } catch (error) {
    video.remove();
    return `no capture stream playback: ${error}`;
  }
  if (!(video.readyState >= 2 && video.videoWidth === width)) {
    video.remove();
    return 'the capture stream showed no frame in 3 s';
  }
  return video;
}

// The JS heap V8 reports, ArrayBuffers included (Chromium only; exact with
// --enable-precise-memory-info); -1 where not reported.
function js_heap_now() {
  return performance.memory ? performance.memory.usedJSHeapSize : -1;
}

// The same after collecting garbage where the page may ask (--js-flags=--expose-gc): a
// collection's freed buffers show only after the next turn of the event loop and another one.
export async function js_heap_collected() {
  if (typeof globalThis.gc === 'function') {
    globalThis.gc();
    await new Promise((resolve) => setTimeout(resolve, 50));
    globalThis.gc();
  }
  return js_heap_now();
}

// The JS heap's largest size while a task runs: sampled every millisecond the task yields.
let heapWatch = null;
export function heap_watch_start() {
  const watch = { peak: js_heap_now() };
  watch.timer = setInterval(() => { watch.peak = Math.max(watch.peak, js_heap_now()); }, 1);
  heapWatch = watch;
}
export function heap_watch_stop() {
  clearInterval(heapWatch.timer);
  return Math.max(heapWatch.peak, js_heap_now());
}

// The main thread's long tasks (over 50 ms, the Long Tasks API's threshold) while the path
// runs: what a user's taps and the page's animations wait for. `null` where the engine does not
// report them (only Chromium does).
let longTasks = null;
export function long_tasks_start() {
  if (!PerformanceObserver.supportedEntryTypes?.includes('longtask')) return false;
  const watch = { count: 0, longest: 0 };
  watch.observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      watch.count += 1;
      watch.longest = Math.max(watch.longest, entry.duration);
    }
  });
  watch.observer.observe({ type: 'longtask' });
  longTasks = watch;
  return true;
}
export function long_tasks_stop() {
  const watch = longTasks;
  for (const entry of watch.observer.takeRecords()) {
    watch.count += 1;
    watch.longest = Math.max(watch.longest, entry.duration);
  }
  watch.observer.disconnect();
  return [watch.count, watch.longest];
}

// The page's longest pause while the path runs, in every engine: the longest gap between the
// ticks of a 1 ms timer (a tick waits for the task before it to end; the timer's own delay,
// about a millisecond, is in it).
let pauseWatch = null;
export function pause_watch_start() {
  const watch = { last: performance.now(), longest: 0 };
  watch.timer = setInterval(() => {
    const now = performance.now();
    watch.longest = Math.max(watch.longest, now - watch.last);
    watch.last = now;
  }, 1);
  pauseWatch = watch;
}
export function pause_watch_stop() {
  clearInterval(pauseWatch.timer);
  return Math.max(pauseWatch.longest, performance.now() - pauseWatch.last);
}

export function now() {
  return performance.now();
}

export function user_agent() {
  return navigator.userAgent;
}
