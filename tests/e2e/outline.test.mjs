// The document's outline with Chromium's fake camera playing a generated video of a card
// moving into the frame, auto-capture on: the outline is drawn over the preview, the live hint
// goes from "partly outside" to good, each side is taken by itself, the review offers the whole
// photo instead of the crop (and back), and the provider receives the crops, at the ID-1
// card's aspect ratio.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  RELAY_URL, launch, openPage, openWidget, artifact, shoot, expectAccessible, expectFocusOnHeading,
  writeCardEnteringY4m, storedFiles, storedSince, PHONE,
} from './browser.mjs';

const ID1_ASPECT = 85.6 / 53.98;

let browser;
before(async () => {
  const video = writeCardEnteringY4m(artifact('fake-camera-card-entering.y4m'));
  browser = await launch([
    '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
    `--use-file-for-fake-video-capture=${video}`,
  ]);
});
after(async () => { await browser?.close(); });

// The width and height in a JPEG's start-of-frame segment.
function jpegSize(bytes) {
  let at = 2;
  while (at + 9 < bytes.length) {
    assert.equal(bytes[at], 0xFF, `a JPEG marker at ${at}`);
    const marker = bytes[at + 1];
    const length = bytes.readUInt16BE(at + 2);
    if (marker >= 0xC0 && marker <= 0xCF && ![0xC4, 0xC8, 0xCC].includes(marker)) {
      return { height: bytes.readUInt16BE(at + 5), width: bytes.readUInt16BE(at + 7) };
    }
    at += 2 + length;
  }
  throw new Error('no start-of-frame segment');
}

const aspect = ({ width, height }) => Math.max(width, height) / Math.min(width, height);

// Records every text the live hint shows and every state of the outline, in order.
async function watchPreview(page) {
  await page.evaluate(() => {
    window.kycSeen = [];
    const note = () => {
      const hint = document.querySelector('.kyc-hint')?.textContent ?? '';
      const outline = document.querySelector('svg.kyc-outline');
      const state = outline ? (outline.classList.contains('kyc-ready') ? 'ready' : 'outline') : 'none';
      const last = window.kycSeen.at(-1);
      if (!last || last.hint !== hint || last.state !== state) window.kycSeen.push({ hint, state });
    };
    new MutationObserver(note).observe(document.body, {
      subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['class'],
    });
  });
}

test('a card moving into the frame: outlined, guided from partly outside to good, auto-captured, cropped to ID-1', async () => {
  const storedBefore = storedFiles();
  const page = await openPage(browser, PHONE);
  await page.route(RELAY_URL + '/', async (route) => {
    const response = await route.fetch();
    const html = (await response.text()).replace('data-endpoint=""', 'data-endpoint="" data-auto-capture="on"');
    await route.fulfill({ response, body: html });
  });
  await openWidget(page);
  await watchPreview(page);
  await page.getByLabel('I agree to my identity document being checked').check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('button', { name: "Driver's license" }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
  await expectFocusOnHeading(page, "Front of your driver's license");

  // The card sticks out of the frame first: outlined, not ready, and the hint says so.
  await page.getByText('Part of the document is outside the frame: center it.').waitFor({ timeout: 15_000 });
  const outline = page.locator('svg.kyc-outline');
  assert.equal(await outline.getAttribute('aria-hidden'), 'true');
  assert.equal(await outline.locator('polygon').getAttribute('points').then((p) => p.split(' ').length), 4);
  assert.ok(await page.getByRole('button', { name: 'Take photo' }).isVisible(), 'the manual button stays');
  await expectAccessible(page, 'front, card partly outside');
  await shoot(page, 'outline', '1-partly-outside');

  // Nobody presses Take photo: once the card lies still inside, the front is taken by itself.
  await expectFocusOnHeading(page, "Back of your driver's license");
  const seen = await page.evaluate(() => window.kycSeen);
  const outside = seen.findIndex((s) => s.hint.startsWith('Part of the document is outside') && s.state === 'outline');
  const good = seen.findIndex((s) => s.hint === 'Looks good. Hold still.' && s.state === 'ready');
  assert.ok(outside >= 0 && good > outside, `partly outside, then good: ${JSON.stringify(seen)}`);

  // The back too.
  await expectFocusOnHeading(page, 'Check your photos');
  await expectAccessible(page, 'review with crops');
  await shoot(page, 'outline', '2-review');
  const front = page.locator('[data-slot=front]');
  const thumbSize = () => front.locator('img.kyc-thumb').evaluate(async (img) => {
    await img.decode();
    return { width: img.naturalWidth, height: img.naturalHeight };
  });
  const cropped = await thumbSize();
  assert.ok(Math.abs(aspect(cropped) / ID1_ASPECT - 1) < 0.02, `the crop is shown: ${JSON.stringify(cropped)}`);
  // The whole photo instead, and back to the crop; the button keeps the focus.
  await front.getByRole('button', { name: 'Use the whole photo' }).click();
  await front.getByRole('button', { name: 'Use the cropped document' }).waitFor();
  assert.deepEqual(await thumbSize(), { width: 1280, height: 720 });
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Use the cropped document');
  await front.getByRole('button', { name: 'Use the cropped document' }).click();
  await front.getByRole('button', { name: 'Use the whole photo' }).waitFor();
  assert.deepEqual(await thumbSize(), cropped);

  await page.getByRole('button', { name: 'Submit for verification' }).click();
  await page.getByRole('heading', { name: 'Pending: we are checking your document' }).waitFor({ timeout: 30_000 });
  const stored = storedSince(storedBefore);
  assert.equal(stored.length, 2, 'front and back');
  for (const { path, bytes } of stored) {
    const size = jpegSize(bytes);
    assert.ok(Math.abs(aspect(size) / ID1_ASPECT - 1) < 0.02, `${path} is the ID-1 crop: ${JSON.stringify(size)}`);
    assert.ok(Math.max(size.width, size.height) >= 1000, `${path} keeps the relay's minimum: ${JSON.stringify(size)}`);
  }
  assert.deepEqual(page.problems, []);
  await page.close();
});
