// The peers' photo path of `cargo xtask bench` (section 3): the page `peers/photo/index.html`
// (`tests/bench/peers/photo.js`, built into `dist/peers/` and served by the bench's relay)
// loaded in headless Chromium, its runs timed in the page.
//
//   RELAY_URL=http://127.0.0.1:8080 ROUNDS=10 node tests/bench/peer_photo.mjs
//
// Prints `BENCH peer_photo.<figure> ms <samples>` and `BENCHFACT peer_photo.<fact> <value>`.
import { chromium } from '../e2e/node_modules/playwright-core/index.mjs';

const RELAY_URL = process.env.RELAY_URL;
const ROUNDS = Number(process.env.ROUNDS ?? 10);
if (!RELAY_URL) throw new Error('RELAY_URL is not set: run this through `cargo xtask bench`');

// As the photo bench's Chromium (`crates/xtask/src/browser.rs`): headless, no GPU.
const FLAGS = [
  '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
];
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: FLAGS });
try {
  const page = await browser.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(error.message));
  await page.goto(`${RELAY_URL}/peers/photo/index.html`);
  await page.waitForFunction(() => typeof window.benchPeerPhoto === 'function', null, { timeout: 15_000 })
    .catch((error) => { throw new Error(`${error.message}\n${problems.join('\n')}`); });
  const { samples, facts } = await page.evaluate((rounds) => window.benchPeerPhoto(rounds), ROUNDS);
  for (const [name, values] of Object.entries(samples)) {
    console.log(`BENCH peer_photo.${name} ms ${values.map((v) => v.toFixed(3)).join(',')}`);
  }
  for (const [name, value] of Object.entries(facts)) console.log(`BENCHFACT peer_photo.${name} ${value}`);
  console.log(`BENCHFACT peer_photo.user_agent ${await page.evaluate(() => navigator.userAgent)}`);
} finally {
  await browser.close();
}
