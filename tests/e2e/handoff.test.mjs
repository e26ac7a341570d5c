// Continue on your phone, in two browsers: a desktop (1280x800, no camera) takes the front of a
// driver's license from a file and hands off; the test reads the phone's link back from a
// screenshot of the QR code with a real decoder (zbarimg); a phone (390x844, touch, Chromium's
// fake camera) opens it, starts at the back, takes it with the camera and submits; the desktop
// shows the back arriving and then "Verified" without a reload. The link opened a second time
// is refused with a sentence; so is a link opened after it expired, and one the desktop
// replaced with a newer code.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import {
  launch, openPage, artifact, shoot, expectAccessible, expectFocusOnHeading, makeDocumentJpeg,
  writeDocumentY4m, freePort, RelayProcess, RELAY_URL, DESKTOP, PHONE,
} from './browser.mjs';

let desktopBrowser;
let phoneBrowser;
let shortRelay;
before(async () => {
  // No camera flags: getUserMedia finds no device on the desktop.
  desktopBrowser = await launch();
  const video = writeDocumentY4m(artifact('handoff-camera-document.y4m'));
  phoneBrowser = await launch([
    '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
    `--use-file-for-fake-video-capture=${video}`,
  ]);
  // Codes that live 4 s, for the expiry and the renewal.
  shortRelay = new RelayProcess({
    port: await freePort(),
    database: join(process.env.E2E_STATE_DIR, 'handoff-relay.sqlite'),
    log: artifact('handoff-relay.log'),
  });
  shortRelay.args.push('--handoff-ttl', '4');
  await shortRelay.start();
});
after(async () => {
  await desktopBrowser?.close();
  await phoneBrowser?.close();
  await shortRelay?.stop();
});

// A phone: small screen, touch (its pointer is coarse), the fake camera of its browser.
function openPhone() {
  return openPage(phoneBrowser, PHONE, { hasTouch: true, isMobile: true });
}

// Records the widget's events and the arrivals the handoff step shows, on every page load.
async function recordOn(page) {
  await page.addInitScript(() => {
    window.kycEvents = [];
    for (const name of ['kyc-handoff-started', 'kyc-handoff-completed', 'kyc-step-changed', 'kyc-error']) {
      document.addEventListener(name, (event) => window.kycEvents.push({ name, detail: event.detail }));
    }
    window.arrived = [];
    new MutationObserver((records) => {
      for (const record of records) {
        const el = record.target;
        if (el.dataset?.arrived === 'true' && !window.arrived.includes(el.dataset.slot)) {
          window.arrived.push(el.dataset.slot);
        }
      }
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-arrived'], childList: true });
  });
}

// The desktop up to the back of a driver's license, the front taken from a file; with
// `phonePage`, the demo page names it as the phone page (data-handoff-url).
async function desktopAtTheBack(relayUrl, phonePage = null) {
  const page = await openPage(desktopBrowser, DESKTOP);
  await recordOn(page);
  if (phonePage) {
    await page.route(`${relayUrl}/`, async (route) => {
      const response = await route.fetch();
      const html = (await response.text())
        .replace('data-endpoint=""', `data-endpoint="" data-handoff-url="${phonePage}"`);
      await route.fulfill({ response, body: html });
    });
  }
  const photo = artifact('handoff-front.jpg');
  writeFileSync(photo, await makeDocumentJpeg(page));
  await page.goto(relayUrl + '/');
  await page.getByRole('heading', { name: 'Before you start' }).waitFor({ timeout: 15_000 })
    .catch((error) => { throw new Error(`${error.message}\n${page.problems.join('\n')}`); });
  await page.getByLabel('I agree to my identity document being checked').check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('button', { name: "Driver's license" }).click();
  await expectFocusOnHeading(page, 'Where was your document issued?');
  await page.getByRole('button', { name: 'Continue' }).click();
  await expectFocusOnHeading(page, "Front of your driver's license");
  await page.getByText('No camera was found on this device. Choose a photo instead.').waitFor();
  await page.setInputFiles('#kyc-file-front', photo);
  await expectFocusOnHeading(page, "Back of your driver's license");
  return page;
}

// The link the desktop's QR code carries, read from a screenshot by zbarimg.
async function linkInQrCode(page, name) {
  const qr = page.locator('.kyc-qr svg');
  await qr.waitFor({ timeout: 15_000 });
  const png = artifact(`${name}.png`);
  await page.locator('.kyc-qr').screenshot({ path: png });
  const decoded = execFileSync('zbarimg', ['--quiet', '--raw', png], { encoding: 'utf8' }).trim();
  // What the page shows to copy is the same link.
  assert.equal(decoded, (await page.locator('.kyc-handoff-link span').textContent()).trim());
  return decoded;
}

test('a desktop without a camera hands off by QR code; the phone takes the back by camera and sends; the desktop follows to verified', async () => {
  const desktop = await desktopAtTheBack(RELAY_URL);
  await desktop.evaluate(() => { window.sameDocument = true; });
  await desktop.getByRole('button', { name: 'Continue on your phone' }).click();
  await expectFocusOnHeading(desktop, 'Continue on your phone');
  const link = await linkInQrCode(desktop, 'handoff-qr');
  assert.match(link, new RegExp(`^${RELAY_URL}/#handoff=[A-Z2-7]{32}$`));
  // The front taken on the desktop went to the relay first, so the phone does not ask for it.
  await desktop.locator('li[data-slot="front"][data-arrived="true"]').waitFor();
  await desktop.locator('li[data-slot="back"][data-arrived="false"]').waitFor();
  await expectAccessible(desktop, 'handoff (desktop)');
  await shoot(desktop, 'handoff', '1-desktop-code');

  const phone = await openPhone();
  await phone.goto(link);
  // Straight to what is missing: consent, document, country and the front were done.
  await phone.getByRole('heading', { name: "Back of your driver's license" }).waitFor({ timeout: 15_000 })
    .catch(async (error) => {
      throw new Error(`${error.message}\nthe phone shows: ${await phone.textContent('body')}\n${phone.problems.join('\n')}`);
    });
  assert.equal(await phone.getByRole('button', { name: 'Continue on your phone' }).count(), 0);
  await phone.waitForFunction(() => {
    const video = document.querySelector('video.kyc-video');
    return video && video.readyState >= 2 && video.videoWidth > 0;
  }, null, { timeout: 15_000 });
  await expectAccessible(phone, 'back capture (phone)');
  await shoot(phone, 'handoff', '2-phone-back');
  await phone.getByRole('button', { name: 'Take photo', exact: true }).tap();
  await phone.getByRole('heading', { name: 'Check your photos' }).waitFor();

  // The back arrives on the desktop while the phone is still on its review.
  await desktop.locator('li[data-slot="back"][data-arrived="true"]').waitFor({ timeout: 15_000 });
  await desktop.getByText('All photos arrived.').waitFor();
  await shoot(desktop, 'handoff', '3-desktop-arrived');

  // A reload of the phone goes on in the same session (its token kept for the tab; the code
  // itself works once): both photos are at the relay, so it is back at the review.
  await phone.reload();
  await phone.getByRole('heading', { name: 'Check your photos' }).waitFor({ timeout: 15_000 });
  assert.equal(await phone.getByText('Already sent').count(), 2);
  await phone.getByRole('button', { name: 'Submit for verification' }).tap();
  await phone.getByRole('heading', { name: 'Verified' }).waitFor({ timeout: 45_000 });
  await shoot(phone, 'handoff', '4-phone-verified');

  await desktop.getByRole('heading', { name: 'Verified' }).waitFor({ timeout: 45_000 });
  await expectAccessible(desktop, 'verified (desktop)');
  await shoot(desktop, 'handoff', '5-desktop-verified');
  assert.equal(await desktop.evaluate(() => window.sameDocument), true, 'the desktop reloaded');
  assert.deepEqual(await desktop.evaluate(() => window.arrived), ['front', 'back']);
  const events = await desktop.evaluate(() => window.kycEvents);
  const started = events.find((e) => e.name === 'kyc-handoff-started');
  assert.ok(started && started.detail.expiresAt > Date.now() / 1000, JSON.stringify(events));
  const completed = events.filter((e) => e.name === 'kyc-handoff-completed');
  assert.equal(completed.length, 1, JSON.stringify(events));
  assert.match(completed[0].detail.status, /^(pending|verified)$/);
  assert.ok(events.some((e) => e.name === 'kyc-step-changed' && e.detail.step === 'handoff'));
  assert.deepEqual(desktop.problems, []);
  assert.deepEqual(phone.problems, []);

  // The same link again, on another phone: refused, with what to do.
  const second = await openPhone();
  await second.goto(link);
  await second.getByRole('alert').filter({ hasText: 'This link was already used to continue on another device.' })
    .waitFor({ timeout: 15_000 });
  await expectAccessible(second, 'link used twice');
  await shoot(second, 'handoff', '6-link-used');
  for (const page of [desktop, phone, second]) await page.context().close();
});

test('the desktop renews its code before it expires; an expired link and a replaced one are refused with a sentence on the relay\'s phone page', async () => {
  // The phone page the package ships, served by the relay.
  const phonePage = `${shortRelay.url}/kyc-capture/handoff.html`;
  const desktop = await desktopAtTheBack(shortRelay.url, phonePage);
  await desktop.getByRole('button', { name: 'Continue on your phone' }).click();
  const first = await linkInQrCode(desktop, 'handoff-qr-first');
  assert.ok(first.startsWith(`${phonePage}#handoff=`), first);
  // The relay's codes live 4 s here: the page shows a new one before that, by itself.
  await desktop.waitForFunction(
    (old) => document.querySelector('.kyc-handoff-link span')?.textContent.trim() !== old,
    first, { timeout: 10_000 },
  );
  const second = await linkInQrCode(desktop, 'handoff-qr-second');
  assert.notEqual(second, first);
  const started = await desktop.evaluate(() => window.kycEvents.filter((e) => e.name === 'kyc-handoff-started').length);
  assert.ok(started >= 2, `kyc-handoff-started ${started} times`);
  // The user closes the desktop: nothing renews the code any more.
  await desktop.context().close();

  const phone = await openPhone();
  await phone.goto(first);
  await phone.getByRole('alert').filter({ hasText: 'This link was replaced or cancelled on the first device.' })
    .waitFor({ timeout: 15_000 });
  await new Promise((resolve) => setTimeout(resolve, 4_500));
  const late = await openPhone();
  await late.goto(second);
  await late.getByRole('alert').filter({ hasText: 'This link has expired.' }).waitFor({ timeout: 15_000 });
  await expectAccessible(late, 'expired link');
  await shoot(late, 'handoff', '7-link-expired');
  for (const page of [phone, late]) await page.context().close();
});
