// The walking skeleton, as a user does it: pick Passport, choose files, submit, see the status.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { RELAY_URL, launch, openPage, artifact, makeDocumentJpeg } from './browser.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('passport: a renamed text file is refused in the browser, a photo goes through to verified', async () => {
  const page = await openPage(browser, { width: 390, height: 844 });
  const uploads = [];
  page.on('request', (request) => {
    if (request.url().includes('/v1/session/slots/')) uploads.push(request.method() + ' ' + request.url());
  });

  const jpeg = await makeDocumentJpeg(page);
  const photo = artifact('passport.jpg');
  writeFileSync(photo, jpeg);
  const text = artifact('not-a-photo.jpg');
  writeFileSync(text, 'This is a text file renamed to .jpg, not a photo of a passport.\n'.repeat(40));

  await page.goto(RELAY_URL + '/');
  await page.getByRole('heading', { name: 'Which document will you use?' }).waitFor({ timeout: 15_000 })
    .catch((error) => { throw new Error(`${error.message}\n${page.problems.join('\n')}`); });
  assert.match(await page.textContent('body'), /National ID card cannot be used here/);
  await page.screenshot({ path: artifact('1-choose-document.png'), fullPage: true });

  await page.getByRole('button', { name: 'Passport' }).click();
  await page.getByRole('heading', { name: 'Photo page of your passport' }).waitFor();

  // A text file named .jpg: refused with a specific sentence, and never sent.
  await page.setInputFiles('#kyc-file-front', text);
  await page.getByText('This file is not a photo or PDF we can read').waitFor();
  assert.deepEqual(uploads, [], 'a refused file must not be uploaded');
  assert.equal(await page.getByRole('button', { name: 'Submit for verification' }).isDisabled(), true);
  await page.screenshot({ path: artifact('2-refused-file.png'), fullPage: true });

  // A real photo: checked, uploaded through the relay (which PUTs it to provider storage).
  await page.setInputFiles('#kyc-file-front', photo);
  await page.getByText('Uploaded', { exact: true }).waitFor();
  assert.equal(uploads.length, 1);
  assert.match(uploads[0], /^PUT .*\/v1\/session\/slots\/front$/);
  await page.screenshot({ path: artifact('3-uploaded.png'), fullPage: true });

  await page.getByRole('button', { name: 'Submit for verification' }).click();
  await page.getByRole('heading', { name: 'Pending: we are checking your document' }).waitFor();
  assert.match(await page.textContent('body'), /usually takes a few minutes, sometimes up to 2 hours/);
  await page.screenshot({ path: artifact('4-pending.png'), fullPage: true });

  // The sandbox finishes its review after a few seconds; the widget polls the relay.
  await page.getByRole('heading', { name: 'Verified' }).waitFor({ timeout: 30_000 });
  await page.screenshot({ path: artifact('5-verified.png'), fullPage: true });
  // The refused upload is the user's doing, not an error; anything else in the console is.
  assert.deepEqual(page.problems, []);
  await page.close();
});
