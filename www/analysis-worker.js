// The analysis worker: see src/analysis_worker.rs (this file ships inside the module).
let glue, wasm;
self.onmessage = async ({ data }) => {
  if (data.glue) {
    try {
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
    } else if (data.photo) {
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
