// Startup figure of `cargo xtask bench`: the relay-served release build loaded in headless
// Chromium, each load in a fresh browser context (empty cache, like a first visit), timed from
// navigation start and from the widget script's start to the first step's heading in the DOM.
//
//   RELAY_URL=http://127.0.0.1:8080 LOADS=20 node tests/bench/startup.mjs
//
// Prints `BENCH <name> ms <samples>` lines for xtask to summarise; nothing is summarised here.
import { chromium } from '../e2e/node_modules/playwright-core/index.mjs';
import { probe, FIRST_STEP, marksOf, Samples } from './probe.mjs';

const RELAY_URL = process.env.RELAY_URL;
const LOADS = Number(process.env.LOADS ?? 20);
if (!RELAY_URL) throw new Error('RELAY_URL is not set: run this through `cargo xtask bench`');

const FLAGS = [
  '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
];

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: FLAGS });
const version = browser.version();
const samples = new Samples();
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
    const marks = await page.evaluate(marksOf);
    await context.close();
    if (load >= 0) samples.add(marks);
  }
} finally {
  await browser.close();
}
samples.print();
console.log(`BENCHFACT startup.loads ${LOADS}`);
console.log(`BENCHFACT chromium.version ${version}`);
