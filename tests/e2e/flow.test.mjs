// The file-picker path, as a user on a phone without camera access does it: agree, pick
// Passport, choose files, review, submit, see the status. Every step is checked with axe-core
// and saved as a screenshot.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import {
  launch, openPage, openWidget, artifact, makeDocumentJpeg, shoot, expectAccessible,
  expectFocusOnHeading, PHONE,
} from './browser.mjs';

let browser;
// No fake camera here: getUserMedia finds no device, so the file picker is the way.
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('passport by file: a renamed text file is refused in the browser, a photo goes through to verified', async () => {
  const page = await openPage(browser, PHONE);
  const uploads = [];
  page.on('request', (request) => {
    if (request.url().includes('/v1/session/slots/')) uploads.push(request.method() + ' ' + request.url());
  });
  const jpeg = await makeDocumentJpeg(page);
  const photo = artifact('passport.jpg');
  writeFileSync(photo, jpeg);
  const text = artifact('not-a-photo.jpg');
  writeFileSync(text, 'This is a text file renamed to .jpg, not a photo of a passport.\n'.repeat(40));
  const shot = (name) => shoot(page, 'file', name);

  await openWidget(page);
  await expectAccessible(page, 'consent');
  await shot('1-consent');
  await page.getByLabel('I agree to my identity document being checked').check();
  await page.getByRole('button', { name: 'Continue' }).click();

  await expectFocusOnHeading(page, 'Which document will you use?');
  assert.match(await page.textContent('body'), /National ID card cannot be used here/);
  await expectAccessible(page, 'document type');
  await shot('2-document');
  await page.getByRole('button', { name: 'Passport' }).click();

  await expectFocusOnHeading(page, 'Where was your document issued?');
  assert.equal(await page.locator('#kyc-country').inputValue(), 'GBR');
  await expectAccessible(page, 'issuing country');
  await shot('3-country');
  await page.getByRole('button', { name: 'Continue' }).click();

  await expectFocusOnHeading(page, 'Photo page of your passport');
  // No camera on this machine: said so, and the picker is there.
  await page.getByText('No camera was found on this device. Choose a photo instead.').waitFor();
  await expectAccessible(page, 'front capture');
  await shot('4-front');

  // A text file named .jpg: refused with a specific sentence, and never sent.
  await page.setInputFiles('#kyc-file-front', text);
  await page.getByText('This file is not a photo or PDF we can read').waitFor();
  assert.deepEqual(uploads, [], 'a refused file must not be uploaded');
  await expectAccessible(page, 'refused file');
  await shot('5-refused-file');

  // A real photo: checked, prepared, kept for review; still nothing sent.
  await page.setInputFiles('#kyc-file-front', photo);
  await expectFocusOnHeading(page, 'Check your photos');
  await page.getByRole('img', { name: 'Your photo: Photo page of your passport' }).waitFor();
  assert.deepEqual(uploads, []);
  await expectAccessible(page, 'review');
  await shot('6-review');

  await page.getByRole('button', { name: 'Submit for verification' }).click();
  await page.getByRole('heading', { name: 'Pending: we are checking your document' }).waitFor();
  assert.equal(uploads.length, 1);
  assert.match(uploads[0], /^PUT .*\/v1\/session\/slots\/front$/);
  assert.match(await page.textContent('body'), /usually takes a few minutes, occasionally up to about 2 hours/);
  assert.match(await page.textContent('body'), /Under review for 0 minutes/);
  await expectAccessible(page, 'pending');
  await shot('7-pending');

  // The sandbox finishes its review after a few seconds; the widget polls the relay.
  await page.getByRole('heading', { name: 'Verified' }).waitFor({ timeout: 30_000 });
  await expectAccessible(page, 'verified');
  await shot('8-verified');
  // A missing camera is handled, not an error: nothing may reach the console.
  assert.deepEqual(page.problems, []);
  await page.close();
});
