// The startup figures of `cargo xtask bench` in an engine driven over WebDriver (Firefox,
// WebKit), as `startup.mjs` measures Chromium: each load in a new browser session (empty
// cache, like a first visit), timed from navigation start and from the widget script's start to
// the first step's heading in the DOM. WebDriver has no script to run before a page's own, so
// the probe is written into the page: STATIC_DIR is the copy of the built site the relay
// serves, and its index.html gets the probe as its first script (its compressed forms removed).
//
//   RELAY_URL=... STATIC_DIR=... WEBDRIVER_URL=... WEBDRIVER_CAPABILITIES=... \
//     KYC_E2E_ENGINE=firefox LOADS=20 node tests/bench/startup-webdriver.mjs
//
// Prints `BENCH <engine>.startup.<figure> ms <samples>` lines for xtask.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, ENGINE } from '../e2e/webdriver.mjs';
import { probe, FIRST_STEP, marksOf, Samples } from './probe.mjs';

const { RELAY_URL, STATIC_DIR } = process.env;
const LOADS = Number(process.env.LOADS ?? 20);
if (!RELAY_URL || !STATIC_DIR) throw new Error('RELAY_URL and STATIC_DIR are not set: run this through `cargo xtask bench`');

const index = join(STATIC_DIR, 'index.html');
const page = readFileSync(index, 'utf8');
if (!page.includes('<head>')) throw new Error(`${index} has no <head> to put the probe in`);
writeFileSync(index, page.replace('<head>',
  `<head><script>(${probe})(${JSON.stringify(FIRST_STEP)})</script>`));
// The build's compressed forms of the page are of the page without the probe: the relay would
// send them instead of the file. Without them it sends the file.
for (const suffix of ['.br', '.gz']) rmSync(index + suffix, { force: true });

const samples = new Samples();
let agent = '';
// One load first, not counted, so the relay's first-request costs are not in the figure.
for (let load = -1; load < LOADS; load += 1) {
  const browser = await Browser.open();
  try {
    await browser.go(`${RELAY_URL}/`);
    await browser.until('the first step and the frame after it',
      () => browser.run(() => window.__bench?.stepFrame !== undefined), 15_000);
    const marks = await browser.run(marksOf);
    agent = await browser.run(() => navigator.userAgent);
    if (load >= 0) samples.add(marks);
  } finally {
    await browser.close();
  }
}
samples.print(`${ENGINE}.`);
console.log(`BENCHFACT ${ENGINE}.startup.loads ${LOADS}`);
console.log(`BENCHFACT ${ENGINE}.startup.user_agent ${agent}`);
