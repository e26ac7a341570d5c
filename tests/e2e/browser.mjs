// Shared set-up of the end-to-end tests: Debian's Chromium driven by playwright-core.
import { chromium } from 'playwright-core';
import {
  mkdirSync, writeFileSync, appendFileSync, existsSync, readdirSync, readFileSync, statSync, openSync,
  closeSync,
} from 'node:fs';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import assert from 'node:assert/strict';

export const RELAY_URL = process.env.RELAY_URL;
export const ARTIFACTS_DIR = process.env.ARTIFACTS_DIR ?? 'target/e2e';
if (!RELAY_URL) {
  throw new Error('RELAY_URL is not set: run these tests through `cargo xtask test`');
}
mkdirSync(ARTIFACTS_DIR, { recursive: true });

// The network here is closed: no background traffic, no first-run, no component updates.
export const CHROMIUM_FLAGS = [
  '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
];

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 800 };

export async function launch(extraArgs = []) {
  return chromium.launch({
    executablePath: '/usr/bin/chromium', headless: true, args: [...CHROMIUM_FLAGS, ...extraArgs],
  });
}

export function artifact(name) {
  return join(ARTIFACTS_DIR, name);
}

// Saves a full-page screenshot of a step under ARTIFACTS_DIR/screens/<flow>-<width>x<height>/.
export async function shoot(page, flow, name) {
  const { width, height } = page.viewportSize();
  const dir = join(ARTIFACTS_DIR, 'screens', `${flow}-${width}x${height}`);
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}

// axe-core (from npm) on the whole page; fails with every violation listed.
const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');
let axeSource;
export async function expectAccessible(page, where) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    // Evaluated by the driver, not added as a <script>: a page's strict CSP refuses inline scripts.
    axeSource ??= readFileSync(AXE, 'utf8');
    await page.evaluate(axeSource);
  }
  const violations = await page.evaluate(async () => {
    const results = await window.axe.run(document, { resultTypes: ['violations'] });
    return results.violations.map((v) =>
      `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.map((n) => n.target.join(' ')).join('\n    ')}`);
  });
  assert.deepEqual(violations, [], `axe-core violations on ${where}:\n${violations.join('\n')}`);
}

// The step's heading has the keyboard focus (each step moves it there).
export async function expectFocusOnHeading(page, name) {
  await page.getByRole('heading', { name, level: 2 }).waitFor();
  const focused = await page.evaluate(() => document.activeElement?.tagName + ':' + document.activeElement?.textContent);
  assert.equal(focused, `H2:${name}`);
}

// A real JPEG of a document-like card, encoded by the browser itself; `onTable`, photographed
// on a darker table with a margin all round (what a strict quality bar wants: no edge cut off).
export async function makeDocumentJpeg(page, options = {}) {
  return Buffer.from(await page.evaluate(drawDocumentJpeg, options), 'base64');
}

// Runs in the page (any engine): the card drawn on a canvas, as base64 JPEG.
export function drawDocumentJpeg({ width = 1600, height = 1000, onTable = false } = {}) {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (onTable) {
    ctx.fillStyle = '#5a4634';
    ctx.fillRect(0, 0, width, height);
    ctx.translate(width * 0.08, height * 0.08);
    ctx.scale(0.84, 0.84);
  }
  ctx.fillStyle = '#e9eef2';
  ctx.fillRect(0, 0, width, height);
  ctx.fillStyle = '#1f3b57';
  ctx.fillRect(0, 0, width, height * 0.18);
  ctx.fillStyle = '#ffffff';
  ctx.font = `bold ${height * 0.09}px sans-serif`;
  ctx.fillText('PASSPORT', width * 0.05, height * 0.13);
  ctx.fillStyle = '#9aa7b3';
  ctx.fillRect(width * 0.05, height * 0.25, width * 0.28, height * 0.6);
  ctx.fillStyle = '#111111';
  ctx.font = `${height * 0.05}px monospace`;
  for (let line = 0; line < 8; line += 1) {
    ctx.fillText(`SURNAME<<GIVEN<<NAMES<<${line}23456789`, width * 0.38, height * (0.32 + line * 0.07));
  }
  return canvas.toDataURL('image/jpeg', 0.92).split(',')[1];
}

// A YUV4MPEG2 (4:2:0) video of a sharp, evenly lit document card on a darker table, for
// Chromium's fake camera (--use-file-for-fake-video-capture). Deterministic: no randomness.
export function writeDocumentY4m(path, { width = 1280, height = 720, frames = 5 } = {}) {
  const luma = Buffer.alloc(width * height, 96);
  const [left, top, right, bottom] = [0.12 * width, 0.12 * height, 0.88 * width, 0.88 * height].map(Math.round);
  for (let y = top; y < bottom; y += 1) {
    for (let x = left; x < right; x += 1) {
      // Card 200; a photo block; rows of "text": 6x10 px glyph cells, some dark.
      let value = 200;
      if (x < left + (right - left) * 0.3 && y > top + 40 && y < bottom - 40) value = 140;
      else {
        const row = Math.floor((y - top) / 22);
        const inLine = (y - top) % 22 < 12 && row > 0;
        const cell = Math.floor((x - left) / 7);
        if (inLine && (x - left) % 7 < 5 && ((cell * 7919 + row * 104729) % 5) > 1) value = 30;
      }
      luma[y * width + x] = value;
    }
  }
  const chroma = Buffer.alloc((width / 2) * (height / 2), 128);
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\n`);
  const parts = [header];
  for (let i = 0; i < frames; i += 1) parts.push(Buffer.from('FRAME\n'), luma, chroma, chroma);
  writeFileSync(path, Buffer.concat(parts));
  return path;
}

// A fake-camera video (2 frames a second) of an ID-1 card, 60 % of the frame's width, moving
// into the frame: for 3 s it is turned 10 degrees with one corner outside the frame's left
// edge, in 1 s it slides and turns into place, then it lies still (turned 2 degrees) for 6 s.
// Its edges are drawn with 2x2 supersampling, as a camera's optics blur them.
export function writeCardEnteringY4m(path, { width = 1280, height = 720 } = {}) {
  const [cardW, cardH] = [Math.round(0.6 * width), Math.round((0.6 * width * 53.98) / 85.6)];
  const poses = [];
  for (let i = 0; i < 6; i += 1) poses.push([0.28 * width, 10]);
  for (const t of [1 / 3, 2 / 3]) poses.push([(0.28 + t * 0.22) * width, 10 - t * 8]);
  for (let i = 0; i < 12; i += 1) poses.push([0.5 * width, 2]);
  // Card 200 with a photo block and rows of "text" inside a margin, on a desk of 96.
  const card = (u, v) => {
    if (u < 0 || v < 0 || u >= cardW || v >= cardH) return 96;
    const [x, y] = [u - 24, v - 24];
    if (x < 0 || y < 0 || x >= cardW - 48 || y >= cardH - 48) return 200;
    if (x < (cardW - 48) * 0.3 && y > 16 && y < cardH - 64) return 140;
    const row = Math.floor(y / 22);
    const cell = Math.floor(x / 7);
    const inLine = y % 22 < 12 && row > 0;
    return inLine && x % 7 < 5 && ((cell * 7919 + row * 104729) % 5) > 1 ? 30 : 200;
  };
  const chroma = Buffer.alloc((width / 2) * (height / 2), 128);
  const parts = [Buffer.from(`YUV4MPEG2 W${width} H${height} F2:1 Ip A1:1 C420jpeg\n`)];
  for (const [cx, degrees] of poses) {
    const cy = height / 2;
    const [cos, sin] = [Math.cos((degrees * Math.PI) / 180), Math.sin((degrees * Math.PI) / 180)];
    const luma = Buffer.alloc(width * height);
    for (let y = 0; y < height; y += 1) {
      for (let x = 0; x < width; x += 1) {
        let sum = 0;
        for (const [sx, sy] of [[0.25, 0.25], [0.75, 0.25], [0.25, 0.75], [0.75, 0.75]]) {
          const [dx, dy] = [x + sx - cx, y + sy - cy];
          sum += card(cos * dx + sin * dy + cardW / 2, -sin * dx + cos * dy + cardH / 2);
        }
        luma[y * width + x] = Math.round(sum / 4);
      }
    }
    parts.push(Buffer.from('FRAME\n'), luma, chroma, chroma);
  }
  writeFileSync(path, Buffer.concat(parts));
  return path;
}

// Opens a page that records what a developer would see in the console, so a failure says why
// (e.g. a wasm module that does not instantiate).
// `device` adds context options, e.g. a phone's `{ hasTouch: true, isMobile: true }`.
export async function openPage(browser, viewport, device = {}) {
  const context = await browser.newContext({ viewport, locale: 'en-US', ...device });
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (error) => page.problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') page.problems.push(`console error: ${message.text()}`);
  });
  return page;
}

// Opens the widget and waits for the first step.
export async function openWidget(page) {
  await page.goto(RELAY_URL + '/');
  await page.getByRole('heading', { name: 'Before you start' }).waitFor({ timeout: 15_000 })
    .catch((error) => { throw new Error(`${error.message}\n${page.problems.join('\n')}`); });
}

// ---- Fault injection (tests/e2e/faults.test.mjs) -------------------------------------------

export const SANDBOX_URL = process.env.SANDBOX_URL;

// The files the provider sandbox stored (its S3-compatible server's objects under
// SANDBOX_STORAGE_DIR/kyc-sandbox/d/<customer>/<file id>), as a map of path to size.
export function storedFiles() {
  const root = process.env.SANDBOX_STORAGE_DIR;
  if (!root) throw new Error('SANDBOX_STORAGE_DIR is not set: run these tests through `cargo xtask test`');
  const files = new Map();
  const d = join(root, 'kyc-sandbox', 'd');
  if (!existsSync(d)) return files;
  for (const customer of readdirSync(d)) {
    const dir = join(d, customer);
    if (!statSync(dir).isDirectory()) continue;
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isFile()) files.set(path, readFileSync(path));
    }
  }
  return files;
}

// The files stored since `before` (a storedFiles() snapshot).
export function storedSince(before) {
  return [...storedFiles()].filter(([path]) => !before.has(path)).map(([path, bytes]) => ({ path, bytes }));
}

// A session of a made-up customer from a demo relay, as a host's backend would hand one out.
export async function createSession(relayUrl = RELAY_URL) {
  const response = await fetch(`${relayUrl}/demo/session`, { method: 'POST' });
  assert.equal(response.status, 201, await response.clone().text());
  return (await response.json()).token;
}

// GET /v1/session with `token`, as the widget reads it.
export async function sessionView(token, relayUrl = RELAY_URL) {
  const response = await fetch(`${relayUrl}/v1/session`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(response.status, 200, await response.clone().text());
  return response.json();
}

// The host page of `relayUrl` with data-session-token set to `token` (on every load, reloads
// included, as a host page rendered by its backend would be).
export async function hostWithToken(page, token, relayUrl = RELAY_URL) {
  await page.route(`${relayUrl}/`, async (route) => {
    const response = await route.fetch();
    const html = (await response.text()).replace('data-endpoint=""', `data-endpoint="" data-session-token="${token}"`);
    await route.fulfill({ response, body: html });
  });
}

// Everything the page keeps in browser storage: localStorage, sessionStorage, the IndexedDB
// databases and Cache Storage, to show that no image is kept there.
export async function browserStorage(page) {
  return page.evaluate(async () => {
    const dump = (storage) => Object.fromEntries(Object.keys(storage).map((k) => [k, storage.getItem(k)]));
    return {
      localStorage: dump(window.localStorage),
      sessionStorage: dump(window.sessionStorage),
      indexedDB: (await window.indexedDB.databases()).map((db) => db.name),
      caches: window.caches ? await window.caches.keys() : [],
    };
  });
}

// A TCP port nothing listens on right now.
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// A relay of a test's own (KYC_RELAY_BIN, the build `cargo xtask test` made), on `port` with
// its SQLite database at `database`, in front of the e2e sandbox's provider D and serving the
// widget: started, stopped and started again on the same port and database.
export class RelayProcess {
  constructor({ port, database, log }) {
    const bin = process.env.KYC_RELAY_BIN;
    if (!bin || !process.env.RELAY_STATIC_DIR || !SANDBOX_URL) {
      throw new Error('KYC_RELAY_BIN, RELAY_STATIC_DIR and SANDBOX_URL are set by `cargo xtask test`');
    }
    this.bin = bin;
    this.port = port;
    this.url = `http://127.0.0.1:${port}`;
    // Sandbox mode: the sandbox's built-in keys and demo sessions (on loopback only).
    this.args = [
      '--sandbox', '--listen', `127.0.0.1:${port}`, '--provider-d-url', `${SANDBOX_URL}/d`, '--database', database,
      '--static-dir', process.env.RELAY_STATIC_DIR, '--demo-sessions', '--demo-sessions-per-minute', '600',
    ];
    this.log = log;
    this.child = null;
    this.starts = 0;
  }

  async start() {
    const out = openSync(this.log, 'a');
    this.child = spawn(this.bin, this.args, { stdio: ['ignore', out, out] });
    closeSync(out);
    this.starts += 1;
    const child = this.child;
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`the relay exited with ${child.exitCode}; see ${this.log}`);
      try {
        await fetch(`${this.url}/v1/session`);
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    throw new Error(`the relay did not listen on ${this.url} within 20 s; see ${this.log}`);
  }

  // SIGTERM (as a deploy or a crash-restarting supervisor does), then waits until it is gone.
  async stop(signal = 'SIGTERM') {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

// One trial for RELIABILITY.md: a JSON line in $KYC_RELIABILITY_DIR/<record>.jsonl (the file is
// emptied by resetRecord when the test file starts, so it holds the last run).
const RELIABILITY_DIR = process.env.KYC_RELIABILITY_DIR ?? 'target/reliability';
export function resetRecord(record) {
  mkdirSync(RELIABILITY_DIR, { recursive: true });
  writeFileSync(join(RELIABILITY_DIR, `${record}.jsonl`), '');
}
// The case is named with its engine first ("firefox: ..."); Playwright's are Chromium's.
export function recordTrial(record, { area, case: name, tries, outcome, lost, crashed, engine = 'chromium' }) {
  const line = JSON.stringify({ area, case: `${engine}: ${name}`, crashed, lost, outcome, tries });
  appendFileSync(join(RELIABILITY_DIR, `${record}.jsonl`), `${line}\n`);
}
