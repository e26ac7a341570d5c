// Startup figure of `cargo xtask bench`: the relay-served release builds loaded in headless
// Chromium, each load in a fresh browser context (empty cache, like a first visit), timed from
// navigation start and from the widget script's start to the first step's heading in the DOM.
// Three pages, one load of each in turn: the host package (`PACKAGE_PAGE`, split in two modules:
// what a host page loads, the script alone, with the session token its backend opened for the
// visit: one per load, through the relay's host API), the same with the preloads
// docs/embedding.md recommends (`PRELOAD_PACKAGE_PAGE`, figures prefixed `preload_`) and the
// demo page (trunk's build, one module, asking the demo relay for a session), figures prefixed
// `demo_`. Then the peers named in `PEERS` (`tests/bench/peers/`, built into `dist/peers/`),
// each timed to its first UI in the DOM, figures prefixed `peer_<name>_`.
//
//   RELAY_URL=http://127.0.0.1:8080 LOADS=20 node tests/bench/startup.mjs
//
// Prints `BENCH <name> ms <samples>` lines for xtask to summarise; nothing is summarised here.
import { chromium } from '../e2e/node_modules/playwright-core/index.mjs';
import { probe, FIRST_STEP, marksOf, Samples } from './probe.mjs';
// What a host's backend does before it serves its page: a session for its customer.
import { hostSession } from '../e2e/hostsite.mjs';
import { PEERS } from './peers/peers.mjs';

const RELAY_URL = process.env.RELAY_URL;
const LOADS = Number(process.env.LOADS ?? 20);
// [figure prefix, path, what marks its first UI, whether the page needs a host's session]
const PAGES = [
  ['', process.env.PACKAGE_PAGE ?? '/startup-package.html', FIRST_STEP, true],
  ['preload_', process.env.PRELOAD_PACKAGE_PAGE ?? '/startup-package-preload.html', FIRST_STEP, true],
  ['demo_', '/', FIRST_STEP, false],
];
for (const name of (process.env.PEERS ?? '').split(',').filter(Boolean)) {
  const peer = PEERS.find((p) => p.name === name);
  if (!peer) throw new Error(`PEERS names ${name}, which tests/bench/peers/peers.mjs does not`);
  PAGES.push([`peer_${name}_`, `/peers/${name}/index.html`, peer.ready, false]);
}
if (!RELAY_URL) throw new Error('RELAY_URL is not set: run this through `cargo xtask bench`');
// The relay's built-in host API key in sandbox mode (`cargo xtask demo`, the bench's stack).
const HOST_KEY = 'demo-host-api-key';
// A new customer per visit: the provider refuses a reference twice.
const RUN = `${Date.now()}-${process.pid}`;
let visits = 0;

const FLAGS = [
  '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
];

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: FLAGS });
const version = browser.version();
const samples = new Map(PAGES.map(([prefix]) => [prefix, new Samples()]));
try {
  // One load first, not counted, so the relay's first-request costs are not in the figure.
  for (let load = -1; load < LOADS; load += 1) for (const [prefix, path, ready, session] of PAGES) {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    const problems = [];
    page.on('pageerror', (error) => problems.push(error.message));
    // The probe calls this binding at the frame after the first step. Nothing else of the
    // driver runs in the page until then: Playwright's waiting (`waitForSelector`) compiles
    // its own script in the page, on the main thread the widget starts on (measured: about
    // 30 ms more to the first step on this machine's Chromium).
    let reached;
    const stepReached = new Promise((resolve) => { reached = resolve; });
    await page.exposeBinding('__benchReached', () => reached());
    await page.addInitScript(probe, ready);
    let query = '';
    if (session) {
      const token = await hostSession(RELAY_URL, `startup-${RUN}-${visits += 1}`, { key: HOST_KEY });
      query = `?token=${encodeURIComponent(token)}`;
    }
    await page.goto(RELAY_URL + path + query, { waitUntil: 'commit' });
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(
        `the first UI (${ready}) of ${path} did not appear within 15 s\n${problems.join('\n')}`)), 15_000);
    });
    await Promise.race([stepReached, timeout]).finally(() => clearTimeout(timer));
    const marks = await page.evaluate(marksOf);
    await context.close();
    if (load >= 0) samples.get(prefix).add(marks);
  }
} finally {
  await browser.close();
}
for (const [prefix, pageSamples] of samples) pageSamples.print(prefix);
console.log(`BENCHFACT startup.loads ${LOADS}`);
console.log(`BENCHFACT chromium.version ${version}`);
