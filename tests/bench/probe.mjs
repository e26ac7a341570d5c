// What the startup figures of `cargo xtask bench` measure in a page, shared by the Chromium
// run (`startup.mjs`, Playwright) and the other engines' (`startup-webdriver.mjs`).

// The first step is the first heading the widget renders inside its host element.
export const FIRST_STEP = '#kyc-capture h2';

// Runs in the page before any of its scripts: records when the wasm module starts compiling (or
// instantiating) and ends instantiating, and when the first step's heading enters the DOM and
// the frame after it.
export function probe(selector) {
  const marks = (window.__bench = {});
  // The package's loader compiles the module as it downloads, then the glue instantiates it.
  for (const name of ['compileStreaming', 'compile']) {
    const original = WebAssembly[name];
    WebAssembly[name] = function (...args) {
      marks.wasmStart ??= performance.now();
      return original.apply(this, args);
    };
  }
  for (const name of ['instantiateStreaming', 'instantiate']) {
    const original = WebAssembly[name];
    WebAssembly[name] = function (...args) {
      marks.wasmStart ??= performance.now();
      return original.apply(this, args).then((result) => {
        marks.wasmReady ??= performance.now();
        return result;
      });
    };
  }
  const seen = () => {
    if (marks.step === undefined && document.querySelector(selector)) {
      marks.step = performance.now();
      requestAnimationFrame(() => {
        marks.stepFrame = performance.now();
        // Chromium's runner waits on this binding: polling the page from the driver would run
        // the driver's own scripts on the main thread while the widget starts.
        window.__benchReached?.();
      });
      return true;
    }
    return false;
  };
  new MutationObserver((_, observer) => { if (seen()) observer.disconnect(); })
    .observe(document, { childList: true, subtree: true });
}

// Runs in the page once the first step is there: the probe's marks and the widget script's
// resource timing.
export function marksOf() {
  const script = performance.getEntriesByType('resource')
    .find((entry) => entry.initiatorType === 'script' || /\.js(\?|$)/.test(entry.name));
  // The requests to the relay before the first step (a demo's session, the session's view:
  // the widget's own, or the loader's early one), in the order sent.
  const requests = performance.getEntriesByType('resource')
    .filter((entry) => /\/(demo|v1)\/session(\?|$)/.test(entry.name) && entry.startTime < window.__bench.step)
    .map((entry) => ({ start: entry.startTime, end: entry.responseEnd }));
  return { ...window.__bench, scriptStart: script?.startTime, scriptEnd: script?.responseEnd, requests };
}

// The samples of every load, by figure.
export class Samples {
  constructor() {
    this.nav = []; this.script = []; this.frame = []; this.fetch = []; this.wasm = [];
    this.toWasm = []; this.toRequest = []; this.requests = []; this.render = [];
  }

  add(marks) {
    if (marks.scriptStart === undefined) throw new Error('no resource entry for the widget script');
    this.nav.push(marks.step);
    this.script.push(marks.step - marks.scriptStart);
    this.frame.push(marks.stepFrame - marks.scriptStart);
    this.fetch.push(marks.scriptEnd - marks.scriptStart);
    if (marks.wasmStart !== undefined) {
      this.wasm.push(marks.wasmReady - marks.wasmStart);
      this.toWasm.push(marks.wasmStart - marks.scriptStart);
    }
    // Where the time goes around the wasm: the widget starting until its first request (when
    // it sends its own), the relay's requests (first sent → last answered; the host package's
    // one is the loader's, sent while the module downloads), the widget's start and first
    // step's render once both the wasm and the last answer are there.
    const requests = marks.requests ?? [];
    if (marks.wasmReady !== undefined && requests.length > 0) {
      const first = requests[0];
      const last = requests[requests.length - 1];
      if (first.start >= marks.wasmReady) this.toRequest.push(first.start - marks.wasmReady);
      this.requests.push(last.end - first.start);
      this.render.push(marks.step - Math.max(last.end, marks.wasmReady));
    }
  }

  // `BENCH <prefix>startup.<figure> ms <samples>` lines for xtask.
  print(prefix = '') {
    const line = (name, values) => console.log(`BENCH ${prefix}startup.${name} ms ${values.map((v) => v.toFixed(3)).join(',')}`);
    line('script_to_step', this.script);
    line('script_to_step_frame', this.frame);
    line('navigation_to_step', this.nav);
    line('script_fetch', this.fetch);
    if (this.wasm.length) line('wasm_instantiate', this.wasm);
    if (this.toWasm.length) line('script_to_wasm', this.toWasm);
    if (this.toRequest.length) line('wasm_to_request', this.toRequest);
    if (this.requests.length) {
      line('relay_requests', this.requests);
      line('session_to_step', this.render);
    }
  }
}
