// The host's view: the example page www/examples/plain.html, served as docs/embedding.md says
// from another origin than the relay, under a strict Content-Security-Policy, with a session its
// "backend" (this test) created with the host API key. The flow is completed and the events the
// page received are checked in order; then mount()/unmount() run 50 times with a live camera and
// leave no track running and no listener behind. The package's later module, failing to load, is
// said with a retry; a business reloaded halfway resumes at its company through it; the session's
// view comes from the loader's early request, a refused token said as the widget would say it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import {
  launch, openPage, artifact, makeDocumentJpeg, shoot, writeDocumentY4m, expectAccessible, PHONE,
} from './browser.mjs';
import { startEmbedding, recordCspViolations, hostSession, receivedEvents } from './hostsite.mjs';

let embedding;
let relay;
let hostOrigin;

before(async () => {
  embedding = await startEmbedding('embed');
  ({ relay, hostOrigin } = embedding);
});

after(async () => {
  await embedding?.stop();
});

/** How the page asked for the session's view (`GET /v1/session`): each request's initiator. */
function sessionRequests(page) {
  return page.evaluate(() => performance.getEntriesByType('resource')
    .filter((entry) => /\/v1\/session$/.test(entry.name)).map((entry) => entry.initiatorType));
}

test('setLocale switches language from the package\'s locale file, under the strict CSP, keeping what was chosen', async () => {
  const browser = await launch();
  try {
    const page = await openPage(browser, PHONE);
    await recordCspViolations(page);
    const token = await hostSession(relay.url, `embed-locale-${Date.now()}`);
    await page.goto(`${hostOrigin}/examples/plain.html?token=${encodeURIComponent(token)}`);
    await page.getByRole('heading', { name: 'Before you start' }).waitFor({ timeout: 15_000 })
      .catch((error) => { throw new Error(`${error.message}\n${page.problems.join('\n')}`); });
    await page.getByLabel('I agree to my identity document being checked').check();
    await page.$eval('kyc-capture', (element) => element.setLocale('fr-CA'));
    await page.getByRole('heading', { name: 'Avant de commencer' }).waitFor({ timeout: 10_000 });
    assert.equal(await page.locator('kyc-capture').locator('.kyc-capture').getAttribute('lang'), 'fr');
    assert.ok(await page.getByLabel("J'accepte que ma pièce d'identité soit contrôlée").isChecked());
    await page.$eval('kyc-capture', (element) => element.setLocale('en'));
    await page.getByRole('heading', { name: 'Before you start' }).waitFor({ timeout: 10_000 });
    assert.deepEqual(await page.evaluate(() => window.cspViolations), []);
    assert.deepEqual(page.problems, []);
  } finally {
    await browser.close();
  }
});

test('a host page on another origin, under a strict CSP, completes the flow and hears every event', async () => {
  const browser = await launch();
  try {
    const page = await openPage(browser, PHONE);
    await recordCspViolations(page);
    const token = await hostSession(relay.url, `embed-${Date.now()}`);
    const photo = artifact('embed-passport.jpg');
    writeFileSync(photo, await makeDocumentJpeg(page));
    await page.goto(`${hostOrigin}/examples/plain.html?token=${encodeURIComponent(token)}`);

    // The widget is in the element's shadow root; Playwright's locators go through it.
    await page.getByRole('heading', { name: 'Before you start' }).waitFor({ timeout: 15_000 })
      .catch((error) => { throw new Error(`${error.message}\n${page.problems.join('\n')}`); });
    assert.ok(await page.$eval('kyc-capture', (element) => element.shadowRoot !== null));
    // The host's brand colour reaches inside through the custom property.
    const accent = await page.$eval('kyc-capture', (element) =>
      getComputedStyle(element.shadowRoot.querySelector('.kyc-primary')).backgroundColor);
    assert.equal(accent, 'rgb(10, 107, 79)');
    // The session's view was asked for once, by the loader while the module downloaded (a
    // fetch, across origins through the relay's CORS and the page's CSP), not again by the
    // widget.
    assert.deepEqual(await sessionRequests(page), ['fetch']);
    await shoot(page, 'embed', '1-consent');

    await page.getByLabel('I agree to my identity document being checked').check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'Passport' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    // The phone handoff across origins: the code (a POST) and its cancel (a DELETE) pass the
    // relay's CORS, and the QR code's SVG passes the CSP. The phone's link is the host page
    // without its query, which here carries the session token.
    await page.getByRole('button', { name: 'Continue on your phone' }).click();
    await page.locator('kyc-capture .kyc-qr svg').waitFor({ timeout: 15_000 });
    const link = (await page.locator('kyc-capture .kyc-handoff-link span').textContent()).trim();
    assert.match(link, new RegExp(`^${hostOrigin}/examples/plain\\.html#handoff=[A-Z2-7]{32}$`));
    await shoot(page, 'embed', '1-handoff');
    await page.getByRole('button', { name: 'Stay on this device' }).click();
    await page.getByRole('heading', { name: 'Photo page of your passport' }).waitFor();
    // A file that is not a photo: refused, and the host hears why.
    const text = artifact('embed-not-a-photo.jpg');
    writeFileSync(text, 'not a photo\n'.repeat(200));
    await page.setInputFiles('#kyc-file-front', text);
    await page.locator('kyc-capture').getByText('This file is not a photo or PDF we can read').waitFor();
    await page.setInputFiles('#kyc-file-front', photo);
    await page.getByRole('heading', { name: 'Check your photos' }).waitFor({ timeout: 20_000 });
    await page.getByRole('button', { name: 'Submit for verification' }).click();
    await page.getByRole('heading', { name: 'Pending: we are checking your document' }).waitFor({ timeout: 30_000 });
    await page.getByRole('heading', { name: 'Verified' }).waitFor({ timeout: 40_000 });
    await shoot(page, 'embed', '2-verified');

    const events = await receivedEvents(page);
    const names = events.map(([name]) => name);
    const steps = events.filter(([name]) => name === 'kyc-step-changed').map(([, d]) => d.slot ? `${d.step}:${d.slot}` : d.step);
    assert.deepEqual(events[0], ['kyc-ready', { provider: 'd', steps: 5 }]);
    assert.deepEqual(steps, ['consent', 'document', 'country', 'capture:front', 'handoff', 'capture:front', 'review', 'send', 'status']);
    const started = events.filter(([name]) => name === 'kyc-handoff-started');
    assert.equal(started.length, 1, names.join(' '));
    assert.ok(started[0][1].expiresAt > Date.now() / 1000);
    // Cancelled on the desktop: nothing was handed over, so nothing completed there.
    assert.ok(!names.includes('kyc-handoff-completed'), names.join(' '));
    const rejected = events.find(([name]) => name === 'kyc-capture-rejected');
    assert.equal(rejected[1].slot, 'front');
    assert.deepEqual(rejected[1].reasons, ['unsupported_format']);
    assert.match(rejected[1].message, /not a photo or PDF/);
    const progress = events.filter(([name]) => name === 'kyc-upload-progress').map(([, d]) => d.percent);
    assert.ok(progress.length >= 1 && progress.at(-1) === 100, `progress ${progress}`);
    assert.ok(progress.every((p, i) => i === 0 || p >= progress[i - 1]), `progress ${progress}`);
    const order = ['kyc-ready', 'kyc-capture-rejected', 'kyc-upload-progress', 'kyc-submitted'];
    const firsts = order.map((name) => names.indexOf(name));
    assert.deepEqual([...firsts].sort((a, b) => a - b), firsts, names.join(' '));
    assert.deepEqual(events.find(([name]) => name === 'kyc-submitted')[1], { documentType: 'passport' });
    const statuses = events.filter(([name]) => name === 'kyc-status-changed').map(([, d]) => d.status);
    assert.deepEqual(statuses, ['pending', 'verified']);
    assert.ok(names.indexOf('kyc-submitted') < names.indexOf('kyc-status-changed'));
    assert.ok(!names.includes('kyc-error'), names.join(' '));

    // Nothing the widget did was refused by the page's CSP. (Checked before axe-core runs: axe
    // itself injects <style> elements, which this CSP rightly refuses.)
    assert.deepEqual(await page.evaluate(() => window.cspViolations), []);
    assert.deepEqual(page.problems, []);
    await expectAccessible(page, 'embedded, verified');
    // axe's own <style> is refused by the CSP and logged; nothing else may be.
    page.problems = page.problems.filter((problem) => !/inline style/.test(problem));

    // The user closes it: the page hears kyc-exit and takes the element away.
    await page.getByRole('button', { name: 'Close' }).click();
    await page.getByText('You closed the identity check.').waitFor();
    assert.deepEqual((await receivedEvents(page)).at(-1), ['kyc-exit', { step: 'status' }]);
    assert.equal(await page.$('kyc-capture'), null);
    assert.deepEqual(page.problems, []);
    await page.close();
  } finally {
    await browser.close();
  }
});

test('the later steps\' module, when it cannot be fetched, is said with a retry that goes on where the user was', async () => {
  const browser = await launch();
  try {
    const page = await openPage(browser, PHONE);
    await recordCspViolations(page);
    // The package's second module (the steps after the country) fails as on a dropped network.
    let offline = true;
    await page.route(/\/split_[a-z_]+\.wasm$/, (route) => (offline ? route.abort('internetdisconnected') : route.continue()));
    const token = await hostSession(relay.url, `embed-later-${Date.now()}`);
    await page.goto(`${hostOrigin}/examples/plain.html?token=${encodeURIComponent(token)}`);
    // The first step needs nothing of it.
    await page.getByRole('heading', { name: 'Before you start' }).waitFor({ timeout: 15_000 })
      .catch((error) => { throw new Error(`${error.message}\n${page.problems.join('\n')}`); });
    await page.getByLabel('I agree to my identity document being checked').check();
    await page.getByRole('button', { name: 'Continue' }).click();
    const alert = page.locator('kyc-capture').getByRole('alert');
    await alert.waitFor({ timeout: 15_000 });
    assert.match(await alert.textContent(), /We cannot reach the verification service\. Check your connection and try again\./);
    assert.equal(await page.locator('kyc-capture .kyc-counter').textContent(), 'Step 2 of 5');
    const failed = (await receivedEvents(page)).filter(([name]) => name === 'kyc-error');
    assert.deepEqual(failed.map(([, detail]) => detail.code), ['load_failed']);
    offline = false;
    await page.getByRole('button', { name: 'Try again' }).click();
    await page.getByRole('heading', { name: 'Which document will you use?' }).waitFor({ timeout: 15_000 });
    await page.getByRole('button', { name: 'Passport' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Photo page of your passport' }).waitFor({ timeout: 15_000 });
    // The consent given before the failure is kept: back at it, the box is still ticked.
    for (const heading of ['Where was your document issued?', 'Which document will you use?', 'Before you start']) {
      await page.getByRole('button', { name: 'Back' }).click();
      await page.getByRole('heading', { name: heading }).waitFor();
    }
    assert.ok(await page.getByLabel('I agree to my identity document being checked').isChecked());
    assert.deepEqual(await page.evaluate(() => window.cspViolations), []);
    // The failed fetch is the only problem the page saw.
    assert.ok(page.problems.every((problem) => /split_|Failed to fetch|ERR_INTERNET_DISCONNECTED|Failed to load resource/.test(problem)), page.problems.join('\n'));
  } finally {
    await browser.close();
  }
});

test('a business\'s consent needs only the first module; reloaded halfway, it goes on at its company', async () => {
  const browser = await launch();
  try {
    const page = await openPage(browser, PHONE);
    // The host's backend opens a company's session.
    const token = await hostSession(relay.url, `embed-company-${Date.now()}`, {
      provider: 'a', business: { company_name: 'Acme Widgets Ltd', owners: [{ name: 'Ada Lovelace' }] },
    });
    // The first visit: the consent comes while the later module cannot be fetched.
    let offline = true;
    await page.route(/\/split_[a-z_]+\.wasm$/, (route) => (offline ? route.abort('internetdisconnected') : route.continue()));
    await page.goto(`${hostOrigin}/examples/plain.html?token=${encodeURIComponent(token)}`);
    await page.getByRole('heading', { name: 'Before you start' }).waitFor({ timeout: 15_000 })
      .catch((error) => { throw new Error(`${error.message}\n${page.problems.join('\n')}`); });
    assert.equal(await page.locator('kyc-capture .kyc-counter').textContent(), 'Step 1 of 2');
    assert.match(await page.locator('kyc-capture .kyc-step').innerText(), /your company's documents/);
    const ready = (await receivedEvents(page)).filter(([name]) => name === 'kyc-ready');
    assert.deepEqual(ready.map(([, detail]) => detail.steps), [2]);
    await page.getByLabel('I agree to these documents being checked to verify the company and its owners').check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.locator('kyc-capture').getByRole('alert').waitFor({ timeout: 15_000 });
    assert.equal(await page.locator('kyc-capture .kyc-counter').textContent(), 'Step 2 of 2');
    offline = false;
    await page.getByRole('button', { name: 'Try again' }).click();
    await page.getByRole('heading', { name: 'Your company' }).waitFor({ timeout: 15_000 });

    // Its certificate sent (here by the host's test, as the widget would), the page reloaded:
    // the company again, past the consent, with what the relay has.
    const sent = await fetch(`${relay.url}/v1/session/company/slots/certificate_of_incorporation`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'image/jpeg' },
      body: await makeDocumentJpeg(page),
    });
    assert.equal(sent.status, 200, await sent.clone().text());
    await page.reload();
    await page.getByRole('heading', { name: 'Your company' }).waitFor({ timeout: 15_000 })
      .catch((error) => { throw new Error(`${error.message}\n${page.problems.join('\n')}`); });
    await page.locator('kyc-capture [data-document="certificate_of_incorporation"][data-uploaded="true"]').waitFor();
    assert.equal(await page.locator('kyc-capture .kyc-counter').textContent(), 'Step 2 of 2');
    // The failed fetch is the only problem the page saw.
    assert.ok(page.problems.every((problem) => /split_|Failed to fetch|ERR_INTERNET_DISCONNECTED|Failed to load resource/.test(problem)), page.problems.join('\n'));
    await page.close();
  } finally {
    await browser.close();
  }
});

test('a token the relay refuses, answered to the loader\'s early request, is said as the widget\'s own request would', async () => {
  const browser = await launch();
  try {
    const page = await openPage(browser, PHONE);
    const token = await hostSession(relay.url, `embed-refused-${Date.now()}`);
    // The token of another relay (or one the host garbled): well formed, refused with 401.
    const wrong = `${token.slice(0, -4)}${token.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    await page.goto(`${hostOrigin}/examples/plain.html?token=${encodeURIComponent(wrong)}`);
    const alert = page.locator('kyc-capture').getByRole('alert');
    await alert.waitFor({ timeout: 15_000 });
    assert.equal((await alert.textContent()).trim(), 'Your session has expired. Reload the page to start again.');
    const errors = (await receivedEvents(page)).filter(([name]) => name === 'kyc-error');
    assert.deepEqual(errors.map(([, detail]) => detail.code), ['unauthorized']);
    assert.deepEqual(await sessionRequests(page), ['fetch']);
    assert.ok(page.problems.every((problem) => /401|Failed to load resource/.test(problem)), page.problems.join('\n'));
    await page.close();
  } finally {
    await browser.close();
  }
});

test('a wrong option is named in the console and the widget says it cannot start', async () => {
  const browser = await launch();
  try {
    const page = await openPage(browser, PHONE);
    // No token: the host forgot to render it.
    await page.goto(`${hostOrigin}/examples/plain.html`);
    await page.getByText('This identity check cannot start').waitFor({ timeout: 15_000 });
    assert.ok(page.problems.some((p) => p.includes('option `sessionToken` is invalid')), page.problems.join('\n'));
    const events = await receivedEvents(page);
    assert.equal(events[0][0], 'kyc-error');
    assert.equal(events[0][1].code, 'invalid_options');
    await page.close();
  } finally {
    await browser.close();
  }
});

test('mount() and unmount() 50 times with the camera on leave no live track and no listeners', async () => {
  const video = artifact('embed-camera.y4m');
  writeDocumentY4m(video);
  const browser = await launch([
    '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
    `--use-file-for-fake-video-capture=${video}`,
  ]);
  try {
    const page = await openPage(browser, PHONE);
    // Every track the page's getUserMedia hands out, to check each one's state at the end.
    await page.addInitScript(() => {
      window.cameraTracks = [];
      const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
      navigator.mediaDevices.getUserMedia = async (constraints) => {
        const stream = await original(constraints);
        window.cameraTracks.push(...stream.getTracks());
        return stream;
      };
    });
    const token = await hostSession(relay.url, `embed-teardown-${Date.now()}`);
    await page.goto(`${hostOrigin}/examples/plain.html?token=${encodeURIComponent(token)}`);
    await page.getByRole('heading', { name: 'Before you start' }).waitFor({ timeout: 15_000 });
    // The example's element goes; the test mounts into a plain <div> through the JS API.
    await page.evaluate(async (relayUrl) => {
      document.querySelector('kyc-capture').remove();
      window.kyc = await import('/kyc-capture/kyc-capture.js');
      window.relayUrl = relayUrl;
    }, relay.url);
    const cdp = await page.context().newCDPSession(page);
    const listeners = async () => (await cdp.send('Memory.getDOMCounters')).jsEventListeners;

    let afterFirstCycles;
    for (let cycle = 1; cycle <= 50; cycle += 1) {
      await page.evaluate((sessionToken) => {
        const box = document.createElement('div');
        box.id = 'box';
        document.body.append(box);
        window.handle = window.kyc.mount(box, { endpoint: window.relayUrl, sessionToken });
      }, token);
      await page.getByLabel('I agree to my identity document being checked').check({ timeout: 15_000 });
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('button', { name: 'Passport' }).click();
      await page.getByRole('button', { name: 'Continue' }).click();
      // The camera is live on the capture step.
      await page.waitForFunction(() => window.cameraTracks.some((t) => t.readyState === 'live'));
      await page.evaluate(() => {
        window.handle.unmount();
        document.getElementById('box').remove();
      });
      const live = await page.evaluate(() => window.cameraTracks.filter((t) => t.readyState === 'live').length);
      assert.equal(live, 0, `cycle ${cycle}: a camera track is still live after unmount()`);
      if (cycle === 5) {
        await cdp.send('HeapProfiler.collectGarbage');
        afterFirstCycles = await listeners();
      }
    }
    await cdp.send('HeapProfiler.collectGarbage');
    const afterAll = await listeners();
    const tracks = await page.evaluate(() => window.cameraTracks.length);
    assert.ok(tracks >= 50, `${tracks} camera tracks for 50 mounts`);
    assert.ok(afterAll <= afterFirstCycles,
      `listeners grew from ${afterFirstCycles} (after 5 cycles) to ${afterAll} (after 50)`);
    assert.deepEqual(page.problems, []);
    await page.close();
  } finally {
    await browser.close();
  }
});
