// Shared set-up of the end-to-end tests: Debian's Chromium driven by playwright-core.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

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

export async function launch() {
  return chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_FLAGS });
}

export function artifact(name) {
  return join(ARTIFACTS_DIR, name);
}

// A real JPEG of a document-like card, encoded by the browser itself.
export async function makeDocumentJpeg(page, { width = 1600, height = 1000 } = {}) {
  const base64 = await page.evaluate(({ width, height }) => {
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const ctx = canvas.getContext('2d');
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
  }, { width, height });
  return Buffer.from(base64, 'base64');
}

// Opens a page that records what a developer would see in the console, so a failure says why
// (e.g. a wasm module that does not instantiate).
export async function openPage(browser, viewport) {
  const page = await browser.newPage({ viewport });
  page.problems = [];
  page.on('pageerror', (error) => page.problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') page.problems.push(`console error: ${message.text()}`);
  });
  return page;
}
