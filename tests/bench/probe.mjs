// What the startup figures of `cargo xtask bench` measure in a page, shared by the Chromium
// run (`startup.mjs`, Playwright) and the other engines' (`startup-webdriver.mjs`).

// The first step is the first heading the widget renders inside its host element.
export const FIRST_STEP = '#kyc-capture h2';

// Runs in the page before any of its scripts: records when the wasm module starts and ends
// instantiating, and when the first step's heading enters the DOM and the frame after it.
export function probe(selector) {
  const marks = (window.__bench = {});
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
      requestAnimationFrame(() => { marks.stepFrame = performance.now(); });
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
  return { ...window.__bench, scriptStart: script?.startTime, scriptEnd: script?.responseEnd };
}

// The samples of every load, by figure.
export class Samples {
  constructor() { this.nav = []; this.script = []; this.frame = []; this.fetch = []; this.wasm = []; }

  add(marks) {
    if (marks.scriptStart === undefined) throw new Error('no resource entry for the widget script');
    this.nav.push(marks.step);
    this.script.push(marks.step - marks.scriptStart);
    this.frame.push(marks.stepFrame - marks.scriptStart);
    this.fetch.push(marks.scriptEnd - marks.scriptStart);
    if (marks.wasmStart !== undefined) this.wasm.push(marks.wasmReady - marks.wasmStart);
  }

  // `BENCH <prefix>startup.<figure> ms <samples>` lines for xtask.
  print(prefix = '') {
    const line = (name, values) => console.log(`BENCH ${prefix}startup.${name} ms ${values.map((v) => v.toFixed(3)).join(',')}`);
    line('script_to_step', this.script);
    line('script_to_step_frame', this.frame);
    line('navigation_to_step', this.nav);
    line('script_fetch', this.fetch);
    if (this.wasm.length) line('wasm_instantiate', this.wasm);
  }
}
