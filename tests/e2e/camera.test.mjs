// The camera path with Chromium's fake camera playing a generated document video: front, back
// and selfie (a relay whose provider D requires one) taken with the live camera, reviewed,
// submitted, verified; the camera is released when its step is left. On the phone size by touch, on the desktop size
// by keyboard only. Every step is checked with axe-core and saved as a screenshot.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  launch, openPage, artifact, shoot, expectAccessible, expectFocusOnHeading,
  writeDocumentY4m, freePort, RelayProcess, PHONE, DESKTOP,
} from './browser.mjs';

let browser;
let relay;
before(async () => {
  const video = writeDocumentY4m(artifact('fake-camera-document.y4m'));
  browser = await launch([
    '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
    `--use-file-for-fake-video-capture=${video}`,
  ]);
  // D's client configuration requiring a selfie, as a relay flag.
  relay = new RelayProcess({
    port: await freePort(),
    database: join(process.env.E2E_STATE_DIR, 'camera-relay.sqlite'),
    log: artifact('camera-relay.log'),
  });
  relay.args.push('--selfie-required', 'd');
  await relay.start();
});
after(async () => {
  await browser?.close();
  await relay?.stop();
});

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
  test(`driver's license by camera on ${label} (${byKeyboard ? 'keyboard' : 'touch'}): front, back and selfie captured live, camera released, verified`, async () => {
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

    await page.goto(relay.url + '/');
    await page.getByRole('heading', { name: 'Before you start' }).waitFor({ timeout: 15_000 })
      .catch((error) => { throw new Error(`${error.message}\n${page.problems.join('\n')}`); });
    await shot('1-consent');
    await press('I agree to my identity document', 'checkbox');
    await press('Continue');

    await expectFocusOnHeading(page, 'Which document will you use?');
    await shot('2-document');
    await press("Driver's license");

    await expectFocusOnHeading(page, 'Where was your document issued?');
    await shot('3-country');
    await press('Continue');

    const captures = [
      ['front', "Front of your driver's license", "Back of your driver's license"],
      ['back', "Back of your driver's license", 'A selfie'],
      ['selfie', 'A selfie', 'Check your photos'],
    ];
    for (const [side, heading, next] of captures) {
      await expectFocusOnHeading(page, heading);
      const track = await liveTrack(page);
      assert.equal(await track.evaluate((t) => t.readyState), 'live');
      await page.locator('.kyc-hint').filter({ hasText: /./ }).waitFor();
      await expectAccessible(page, `${side} capture`);
      await shot(`4-${side}-camera`);
      await press('Take photo');
      await expectFocusOnHeading(page, next);
      // Leaving the step released the camera.
      assert.equal(await track.evaluate((t) => t.readyState), 'ended', `${side}: camera still on`);
    }

    assert.equal(await page.locator('img.kyc-thumb').count(), 3);
    assert.deepEqual(uploads, [], 'nothing is sent before the user submits');
    await expectAccessible(page, 'review');
    await shot('5-review');
    await press('Submit for verification');

    await page.getByRole('heading', { name: 'Pending: we are checking your document' }).waitFor({ timeout: 30_000 });
    assert.deepEqual(uploads.sort(), ['back', 'front', 'selfie']);
    await expectAccessible(page, 'pending');
    await shot('6-pending');
    await page.getByRole('heading', { name: 'Verified' }).waitFor({ timeout: 30_000 });
    await expectAccessible(page, 'verified');
    await shot('7-verified');
    assert.deepEqual(page.problems, []);
    await page.close();
  });
}
