// The camera path with Chromium's fake camera playing a generated document video: front and
// back of a driver's license taken with the live camera, reviewed, submitted, verified; the
// camera is released when its step is left. On the phone size by touch, on the desktop size
// by keyboard only. Every step is checked with axe-core and saved as a screenshot.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, openPage, openWidget, artifact, shoot, expectAccessible, expectFocusOnHeading,
  writeDocumentY4m, PHONE, DESKTOP,
} from './browser.mjs';

let browser;
before(async () => {
  const video = writeDocumentY4m(artifact('fake-camera-document.y4m'));
  browser = await launch([
    '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
    `--use-file-for-fake-video-capture=${video}`,
  ]);
});
after(async () => { await browser?.close(); });

// Presses Tab until the control named `name` has the focus, then `key` on it.
async function keyboard(page, name, key = 'Enter') {
  for (let i = 0; i < 20; i += 1) {
    const focused = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el) return '';
      const label = el.labels?.[0]?.textContent ?? '';
      return (el.getAttribute('aria-label') ?? el.textContent ?? '').trim() + '|' + label.trim();
    });
    if (focused.split('|').some((text) => text.startsWith(name))) {
      await page.keyboard.press(key);
      return;
    }
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${name}`);
}

// Waits until the live preview shows frames, and returns a handle on its video track.
async function liveTrack(page) {
  await page.waitForFunction(() => {
    const video = document.querySelector('video.kyc-video');
    return video && video.readyState >= 2 && video.videoWidth > 0;
  }, null, { timeout: 15_000 });
  return page.evaluateHandle(() => document.querySelector('video.kyc-video').srcObject.getVideoTracks()[0]);
}

for (const [label, viewport, byKeyboard] of [['phone', PHONE, false], ['desktop', DESKTOP, true]]) {
  test(`driver's license by camera on ${label} (${byKeyboard ? 'keyboard' : 'touch'}): front and back captured live, camera released, verified`, async () => {
    const page = await openPage(browser, viewport);
    const uploads = [];
    page.on('request', (request) => {
      if (request.url().includes('/v1/session/slots/')) uploads.push(request.url().split('/').pop());
    });
    const shot = (name) => shoot(page, 'camera', name);
    const press = async (name, role = 'button') => {
      if (byKeyboard) await keyboard(page, name, role === 'checkbox' ? 'Space' : 'Enter');
      else if (role === 'checkbox') await page.getByLabel(name).check();
      else await page.getByRole('button', { name, exact: true }).click();
    };

    await openWidget(page);
    await shot('1-consent');
    await press('I agree to my identity document', 'checkbox');
    await press('Continue');

    await expectFocusOnHeading(page, 'Which document will you use?');
    await shot('2-document');
    await press("Driver's license");

    await expectFocusOnHeading(page, 'Where was your document issued?');
    await shot('3-country');
    await press('Continue');

    for (const [side, next] of [['Front', 'Back of your driver\'s license'], ['Back', 'Check your photos']]) {
      await expectFocusOnHeading(page, `${side} of your driver's license`);
      const track = await liveTrack(page);
      assert.equal(await track.evaluate((t) => t.readyState), 'live');
      await page.locator('.kyc-hint').filter({ hasText: /./ }).waitFor();
      await expectAccessible(page, `${side} capture`);
      await shot(`4-${side.toLowerCase()}-camera`);
      await press('Take photo');
      await expectFocusOnHeading(page, next);
      // Leaving the step released the camera.
      assert.equal(await track.evaluate((t) => t.readyState), 'ended', `${side}: camera still on`);
    }

    assert.equal(await page.locator('img.kyc-thumb').count(), 2);
    assert.deepEqual(uploads, [], 'nothing is sent before the user submits');
    await expectAccessible(page, 'review');
    await shot('5-review');
    await press('Submit for verification');

    await page.getByRole('heading', { name: 'Pending: we are checking your document' }).waitFor({ timeout: 30_000 });
    assert.deepEqual(uploads.sort(), ['back', 'front']);
    await expectAccessible(page, 'pending');
    await shot('6-pending');
    await page.getByRole('heading', { name: 'Verified' }).waitFor({ timeout: 30_000 });
    await expectAccessible(page, 'verified');
    await shot('7-verified');
    assert.deepEqual(page.problems, []);
    await page.close();
  });
}
