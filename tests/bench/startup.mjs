// Startup figure of `cargo xtask bench`: the relay-served release build loaded in headless
// Chromium, each load in a fresh browser context (empty cache, like a first visit), timed from
// navigation start and from the widget script's start to the first step's heading in the DOM.
//
//   RELAY_URL=http://127.0.0.1:8080 LOADS=20 node tests/bench/startup.mjs
//
// Prints `BENCH <name> ms <samples>` lines for xtask to summarise; nothing is summarised here.
import { chromium } from '../e2e/node_modules/playwright-core/index.mjs';

const RELAY_URL = process.env.RELAY_URL;
const LOADS = Number(process.env.LOADS ?? 20);
if (!RELAY_URL) throw new Error('RELAY_URL is not set: run this through `cargo xtask bench`');

const FLAGS = [
  '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
];
// The first step is the first heading the widget renders inside its host element.
const FIRST_STEP = '#kyc-capture h2';

// Runs in the page before any of its scripts: records when the wasm module starts and ends
// instantiating, and when the first step's heading enters the DOM and the frame after it.
function probe(selector) {
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

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: FLAGS });
const version = browser.version();
const samples = { nav: [], script: [], frame: [], fetch: [], wasm: [] };
try {
  // One load first, not counted, so the relay's first-request costs are not in the figure.
  for (let load = -1; load < LOADS; load += 1) {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    const problems = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await page.addInitScript(probe, FIRST_STEP);
    await page.goto(RELAY_URL + '/');
    await page.waitForSelector(FIRST_STEP, { timeout: 15_000 }).catch((error) => {
      throw new Error(`${error.message}\n${problems.join('\n')}`);
    });
    await page.waitForFunction(() => window.__bench.stepFrame !== undefined);
    const marks = await page.evaluate(() => {
      const script = performance.getEntriesByType('resource')
        .find((entry) => entry.initiatorType === 'script' || /\.js(\?|$)/.test(entry.name));
      return { ...window.__bench, scriptStart: script?.startTime, scriptEnd: script?.responseEnd };
    });
    await context.close();
    if (load < 0) continue;
    if (marks.scriptStart === undefined) throw new Error('no resource entry for the widget script');
    samples.nav.push(marks.step);
    samples.script.push(marks.step - marks.scriptStart);
    samples.frame.push(marks.stepFrame - marks.scriptStart);
    samples.fetch.push(marks.scriptEnd - marks.scriptStart);
    if (marks.wasmStart !== undefined) samples.wasm.push(marks.wasmReady - marks.wasmStart);
  }
} finally {
  await browser.close();
}
const line = (name, values) => console.log(`BENCH ${name} ms ${values.map((v) => v.toFixed(3)).join(',')}`);
line('startup.script_to_step', samples.script);
line('startup.script_to_step_frame', samples.frame);
line('startup.navigation_to_step', samples.nav);
line('startup.script_fetch', samples.fetch);
if (samples.wasm.length) line('startup.wasm_instantiate', samples.wasm);
console.log(`BENCHFACT startup.loads ${LOADS}`);
console.log(`BENCHFACT chromium.version ${version}`);
