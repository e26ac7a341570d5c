// Sending survives a flaky network: a 503 is retried with backoff, a slot that keeps failing
// is explained with Try again, and trying again sends only what the relay does not have yet.
// Auto-capture: with data-auto-capture="on", a steady good preview is taken by itself.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import {
  RELAY_URL, launch, openPage, openWidget, artifact, makeDocumentJpeg, shoot, expectAccessible,
  expectFocusOnHeading, writeDocumentY4m, PHONE, DESKTOP,
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

async function toCapture(page, documentName) {
  await openWidget(page);
  await page.getByLabel('I agree to my identity document being checked').check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('button', { name: documentName }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
}

test('a 503 is retried, a failing slot is explained, and Try again sends only what is missing', async () => {
  const page = await openPage(browser, DESKTOP);
  const photo = artifact('document.jpg');
  writeFileSync(photo, await makeDocumentJpeg(page));
  const seen = [];
  let failFront = 1;
  let failBack = true;
  await page.route('**/v1/session/slots/*', async (route) => {
    const slot = route.request().url().split('/').pop();
    if (slot === 'front' && failFront > 0) {
      failFront -= 1;
      seen.push('front:503');
      return route.fulfill({ status: 503, contentType: 'application/json', body: '{"error":{"code":"provider_error","message":"down"}}' });
    }
    if (slot === 'back' && failBack) {
      seen.push('back:network');
      return route.abort('connectionreset');
    }
    seen.push(`${slot}:sent`);
    return route.continue();
  });

  await toCapture(page, "Driver's license");
  await expectFocusOnHeading(page, "Front of your driver's license");
  await page.setInputFiles('#kyc-file-front', photo);
  await expectFocusOnHeading(page, "Back of your driver's license");
  await page.setInputFiles('#kyc-file-back', photo);
  await expectFocusOnHeading(page, 'Check your photos');
  await page.getByRole('button', { name: 'Submit for verification' }).click();
  await expectFocusOnHeading(page, 'Sending your documents');

  await page.getByText('We cannot reach the verification service').first().waitFor({ timeout: 20_000 });
  await expectAccessible(page, 'sending failed');
  await shoot(page, 'resilience', '1-send-failed');
  // Front: refused once with 503, then sent; back: every try failed (4 in all).
  assert.deepEqual(seen, ['front:503', 'front:sent', 'back:network', 'back:network', 'back:network', 'back:network']);
  assert.equal(await page.locator('[data-slot=front] progress').getAttribute('value'), '100');

  failBack = false;
  await page.getByRole('button', { name: 'Try again' }).click();
  await page.getByRole('heading', { name: 'Pending: we are checking your document' }).waitFor({ timeout: 20_000 });
  assert.deepEqual(seen.slice(6), ['back:sent'], 'the front was not sent again');
  assert.deepEqual(page.problems.filter((p) => !p.includes('Failed to load resource')), []);
  await page.close();
});

test('auto-capture takes a steady, good preview without the button', async () => {
  const page = await openPage(browser, PHONE);
  // The host turns auto-capture on with an attribute of the mount element.
  await page.route(RELAY_URL + '/', async (route) => {
    const response = await route.fetch();
    const html = (await response.text()).replace('data-endpoint=""', 'data-endpoint="" data-auto-capture="on"');
    await route.fulfill({ response, body: html });
  });
  await toCapture(page, 'Passport');
  await expectFocusOnHeading(page, 'Photo page of your passport');
  // Nobody presses Take photo: the review comes by itself.
  await expectFocusOnHeading(page, 'Check your photos');
  assert.equal(await page.locator('img.kyc-thumb').count(), 1);
  await shoot(page, 'resilience', '2-auto-captured');
  assert.deepEqual(page.problems, []);
  await page.close();
});
