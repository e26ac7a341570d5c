// The live analysis's worker: see src/analysis_worker.rs (this file ships inside the module).
let analyse;
self.onmessage = async ({ data }) => {
  if (data.glue) {
    try {
      const glue = await import(data.glue);
      await glue.default({ module_or_path: data.module });
      // The checks are in the widget's later module, fetched once here.
      await glue.prepareAnalysis();
      analyse = glue.analyseFrame;
      self.postMessage({ ready: true });
    } catch (error) {
      self.postMessage({ error: String(error) });
    }
    return;
  }
  try {
    self.postMessage({ examined: analyse(data.frame, data.slot, data.shape) });
  } catch (error) {
    data.frame.close();
    self.postMessage({ error: String(error) });
  }
};
