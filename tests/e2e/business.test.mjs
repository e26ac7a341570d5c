// A business customer (KYB) of provider A, as the demo relay opens one: the company's
// certificate by file (its crop shown, the whole photo chosen instead), two beneficial owners added by name (a third added and removed), one
// owner's passport by file, the other's driver's license front and back by the fake camera, a
// reload halfway that resumes at the company, then the submission reaching Verified. Every step
// is checked with axe-core and saved as a screenshot.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import {
  launch, openPage, artifact, makeDocumentJpeg, shoot, expectAccessible, expectFocusOnHeading,
  writeDocumentY4m, hostWithToken, RELAY_URL, DESKTOP,
} from './browser.mjs';

let browser;
before(async () => {
  const video = writeDocumentY4m(artifact('fake-camera-business.y4m'));
  browser = await launch([
    '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
    `--use-file-for-fake-video-capture=${video}`,
  ]);
});
after(async () => { await browser?.close(); });

test('a company with two owners (passport by file, driver\'s license by camera) reaches verified', async () => {
  const page = await openPage(browser, DESKTOP);
  const uploads = [];
  page.on('request', (request) => {
    if (request.method() === 'PUT') uploads.push(new URL(request.url()).pathname + new URL(request.url()).search);
  });
  const photo = artifact('business-document.jpg');
  writeFileSync(photo, await makeDocumentJpeg(page, { onTable: true }));
  const shot = (name) => shoot(page, 'business', name);
  // A step that does not come says what the page shows instead.
  const explained = (waiting) => waiting.catch(async (error) => {
    await shot('failure');
    throw new Error(`${error.message}\npage: ${await page.locator('.kyc-flow').innerText()}\n${page.problems.join('\n')}`);
  });
  const company = () => explained(expectFocusOnHeading(page, 'Your company'));
  const step = async (heading, name) => {
    await expectFocusOnHeading(page, heading);
    await expectAccessible(page, name);
    await shot(name);
  };

  // The demo page's "a company" link opens a business session of its own.
  await page.goto(`${RELAY_URL}/`);
  await page.getByRole('link', { name: 'a company' }).click();
  await page.getByText("We will ask for your company's documents", { exact: false }).waitFor({ timeout: 15_000 });
  assert.equal(new URL(page.url()).search, '?customer_type=business');

  // The session as a host's backend would open it (here the demo relay's business session, as
  // the demo page's "a company" link opens it), its token in the page on every load: a reload
  // goes on with the same session.
  const response = await fetch(`${RELAY_URL}/demo/session?customer_type=business`, { method: 'POST' });
  assert.equal(response.status, 201, await response.clone().text());
  await hostWithToken(page, (await response.json()).token);
  await page.goto(`${RELAY_URL}/`);
  await page.getByRole('heading', { name: 'Before you start' }).waitFor({ timeout: 15_000 })
    .catch((error) => { throw new Error(`${error.message}\n${page.problems.join('\n')}`); });
  assert.match(await page.textContent('body'), /your company's documents and a photo of each beneficial owner's identity document/);
  await expectAccessible(page, 'business consent');
  await shot('1-consent');
  await page.getByLabel('I agree to these documents being checked to verify the company and its owners').check();
  await page.getByRole('button', { name: 'Continue' }).click();

  // The company: nothing yet, so sending waits, and what is missing is listed.
  await step('Your company', '2-company-empty');
  await page.getByText('Demo Trading Ltd', { exact: false }).first().waitFor();
  const needed = page.locator('.kyc-warning li');
  assert.deepEqual(await needed.allTextContents(), ['A required company document', 'At least one beneficial owner']);
  assert.equal(await page.getByRole('button', { name: 'Send for verification' }).isDisabled(), true);

  // The certificate by file: the document found in the photo is shown cropped before it goes,
  // the focus on Continue; the whole photo is chosen instead (the photo is 1600×1000), then sent.
  await page.getByRole('button', { name: 'Add: Certificate of incorporation' }).click();
  await step('Certificate of incorporation', '3-certificate');
  await page.setInputFiles('#kyc-file-front', photo);
  const shown = async () => page.locator('.kyc-capture img.kyc-thumb').evaluate(async (img) => {
    await img.decode();
    return img.naturalWidth / img.naturalHeight;
  });
  await page.getByRole('button', { name: 'Use the whole photo' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.textContent.trim()), 'Continue');
  await expectAccessible(page, 'certificate cropped');
  await shot('3-certificate-cropped');
  const cropped = await shown();
  await page.getByRole('button', { name: 'Use the whole photo' }).click();
  await page.getByRole('button', { name: 'Use the cropped document' }).waitFor();
  const whole = await shown();
  assert.ok(Math.abs(whole - 1.6) < 0.02, `the whole photo shown is ${whole.toFixed(3)} wide per high`);
  assert.ok(Math.abs(cropped - whole) > 0.05, `the crop (${cropped.toFixed(3)}) is the whole photo (${whole.toFixed(3)})`);
  await page.getByRole('button', { name: 'Continue' }).click();
  await company();
  await page.locator('[data-document="certificate_of_incorporation"][data-uploaded="true"]').waitFor();
  assert.deepEqual(await needed.allTextContents(), ['At least one beneficial owner']);

  // Owners by name: an empty name is refused with a sentence; one added by mistake is removed.
  await page.getByRole('button', { name: 'Add owner' }).click();
  await page.getByRole('alert').getByText("Type the owner's full name first.").waitFor();
  for (const name of ['Ada Lovelace', 'Grace Hopper', 'Added By Mistake']) {
    await page.getByLabel("Owner's full name").fill(name);
    await page.getByRole('button', { name: 'Add owner' }).click();
    await page.getByRole('heading', { name, level: 4 }).waitFor();
  }
  await page.getByRole('button', { name: 'Remove Added By Mistake' }).click();
  await page.getByRole('heading', { name: 'Added By Mistake', level: 4 }).waitFor({ state: 'detached' });
  assert.deepEqual(await needed.allTextContents(), [
    'Ada Lovelace: a photo of an identity document',
    'Grace Hopper: a photo of an identity document',
  ]);
  await expectAccessible(page, 'company with owners');
  await shot('4-owners');

  // Ada's passport by file.
  await page.getByRole('button', { name: 'Add the ID of Ada Lovelace' }).click();
  await step('Which document will Ada Lovelace use?', '5-owner-document');
  await page.getByRole('button', { name: 'Passport' }).click();
  await step('Ada Lovelace: photo page of the passport', '6-owner-passport');
  await page.setInputFiles('#kyc-file-front', photo);
  // The crop kept, as shown.
  await page.getByRole('button', { name: 'Use the whole photo' }).waitFor();
  await page.getByRole('button', { name: 'Continue' }).click();
  await company();
  await page.getByText('Passport: received').waitFor();

  // Reloaded halfway: the company again, with what the relay has (the page kept nothing).
  await page.reload();
  await page.getByRole('heading', { name: 'Your company' }).waitFor({ timeout: 15_000 });
  await page.getByText('Passport: received').waitFor();
  await page.locator('[data-document="certificate_of_incorporation"][data-uploaded="true"]').waitFor();
  assert.deepEqual(await needed.allTextContents(), ['Grace Hopper: a photo of an identity document']);
  // Ada's owner exists at the provider now: it can no longer be removed; Grace can.
  assert.equal(await page.getByRole('button', { name: 'Remove Ada Lovelace' }).count(), 0);
  assert.equal(await page.getByRole('button', { name: 'Remove Grace Hopper' }).count(), 1);

  // Grace's driver's license, both sides by the camera.
  await page.getByRole('button', { name: 'Add the ID of Grace Hopper' }).click();
  await expectFocusOnHeading(page, 'Which document will Grace Hopper use?');
  await page.getByRole('button', { name: "Driver's license" }).click();
  await step("Grace Hopper: front of the driver's license", '7-owner-license-front');
  // The camera's card is found and cropped: shown, then kept with Continue.
  const takeAndKeep = async () => {
    await page.getByRole('button', { name: 'Take photo' }).click();
    await explained(page.getByRole('button', { name: 'Use the whole photo' }).waitFor());
    await page.getByRole('button', { name: 'Continue' }).click();
  };
  await takeAndKeep();
  await expectFocusOnHeading(page, "Grace Hopper: back of the driver's license");
  await expectAccessible(page, 'owner license back');
  await shot('8-owner-license-back');
  await takeAndKeep();
  await company();
  await page.getByText("Driver's license: received").waitFor();
  assert.equal(await needed.count(), 0);
  await expectAccessible(page, 'company complete');
  await shot('9-company-complete');

  const owners = uploads.filter((path) => path.includes('/owners/'));
  assert.equal(uploads.filter((path) => path === '/v1/session/company/slots/certificate_of_incorporation').length, 1);
  assert.equal(owners.length, 3, owners.join('\n'));
  assert.match(owners[0], /\/slots\/front\?document_type=passport$/);
  assert.match(owners[1], /\/slots\/front\?document_type=drivers_license$/);
  assert.match(owners[2], /\/slots\/back\?document_type=drivers_license$/);

  await page.getByRole('button', { name: 'Send for verification' }).click();
  await page.getByRole('heading', { name: 'Pending: we are checking your document' }).waitFor();
  await expectAccessible(page, 'business pending');
  await shot('10-pending');
  await page.getByRole('heading', { name: 'Verified' }).waitFor({ timeout: 30_000 });
  await page.getByText('Thank you. Your company and its owners are verified.').waitFor();
  await expectAccessible(page, 'business verified');
  await shot('11-verified');
  assert.deepEqual(page.problems, []);
  await page.close();
});
