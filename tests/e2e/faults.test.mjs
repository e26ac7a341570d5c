// Issue 8, faults end to end: the real widget, relay and provider sandbox in headless Chromium.
// The network drops mid-upload, the relay restarts mid-session, the user clicks submit twice,
// the page reloads mid-flow. Nothing the user captured is lost, nothing reaches the provider
// twice, and no image is kept in browser storage. What the provider stored is read from the
// sandbox's storage (SANDBOX_STORAGE_DIR). Each test records a row of RELIABILITY.md.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  RELAY_URL, launch, openPage, artifact, makeDocumentJpeg, shoot, expectFocusOnHeading, DESKTOP,
  PHONE, storedFiles, storedSince, createSession, sessionView, hostWithToken, browserStorage,
  freePort, RelayProcess, resetRecord, recordTrial,
} from './browser.mjs';

const RECORD = 'e2e-faults';
const KEY = /^(front|back)-[0-9a-f]{32}$/;

let browser;
let photo;
before(async () => {
  resetRecord(RECORD);
  browser = await launch();
  const page = await browser.newPage();
  photo = artifact('fault-document.jpg');
  writeFileSync(photo, await makeDocumentJpeg(page));
  await page.close();
});
after(async () => { await browser?.close(); });

// Every PUT of a slot the page makes: its slot and Idempotency-Key, in order.
function watchUploads(page) {
  const puts = [];
  page.on('request', (request) => {
    if (request.method() === 'PUT' && request.url().includes('/v1/session/slots/')) {
      const put = { slot: request.url().split('/').pop(), key: request.headers()['idempotency-key'] };
      puts.push(put);
      request.response().then((response) => { put.status = response?.status() ?? 'failed'; }, () => { put.status = 'failed'; });
    }
  });
  return puts;
}

async function toCapture(page, documentName, relayUrl = RELAY_URL) {
  await page.goto(relayUrl + '/');
  await page.getByRole('heading', { name: 'Before you start' }).waitFor({ timeout: 15_000 })
    .catch((error) => { throw new Error(`${error.message}\n${page.problems.join('\n')}`); });
  await page.getByLabel('I agree to my identity document being checked').check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('button', { name: documentName }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
}

async function captureLicense(page) {
  await expectFocusOnHeading(page, "Front of your driver's license");
  await page.setInputFiles('#kyc-file-front', photo);
  await expectFocusOnHeading(page, "Back of your driver's license");
  await page.setInputFiles('#kyc-file-back', photo);
  await expectFocusOnHeading(page, 'Check your photos');
}

// The provider has each of `slots` once, each a JPEG (what the widget prepared).
function assertStoredOnce(stored, slots, what) {
  assert.equal(stored.length, slots.length, `${what}: the provider stored ${stored.length} files for ${slots.length} captures`);
  for (const { path, bytes } of stored) {
    assert.deepEqual([...bytes.subarray(0, 3)], [0xFF, 0xD8, 0xFF], `${path} is a JPEG`);
  }
}

const quietProblems = (page) => page.problems.filter((p) => !p.includes('Failed to load resource'));

test('the network drops mid-upload: the retry is answered without a second file, Try again sends only what is missing', async () => {
  const storedBefore = storedFiles();
  const token = await createSession();
  const page = await openPage(browser, DESKTOP);
  const context = page.context();
  await hostWithToken(page, token);
  const puts = watchUploads(page);
  let frontAnswer = null;
  let backOffline = true;
  await page.route('**/v1/session/slots/*', async (route) => {
    const slot = route.request().url().split('/').pop();
    if (slot === 'front' && frontAnswer === null) {
      // The relay gets the whole file and stores it; the answer never reaches the browser.
      const response = await route.fetch();
      frontAnswer = { status: response.status(), body: await response.text() };
      return route.abort('connectionreset');
    }
    if (slot === 'back' && backOffline) {
      // The phone loses its connection while sending the back, for every automatic retry.
      await context.setOffline(true);
      return route.abort('internetdisconnected');
    }
    return route.continue();
  });

  await toCapture(page, "Driver's license");
  await captureLicense(page);
  await page.getByRole('button', { name: 'Submit for verification' }).click();
  await page.getByText('We cannot reach the verification service').first().waitFor({ timeout: 30_000 });
  await shoot(page, 'faults', '1-network-dropped');
  assert.equal(frontAnswer?.status, 200, `the relay stored the front: ${frontAnswer?.body}`);
  const fronts = puts.filter((p) => p.slot === 'front');
  const backs = puts.filter((p) => p.slot === 'back');
  // The front was sent again after the lost answer, with the same key: the relay answered it
  // from its database (the progress shows it sent).
  assert.ok(fronts.length >= 2, JSON.stringify(puts));
  assert.match(fronts[0].key ?? '', KEY);
  assert.ok(fronts.every((f) => f.key === fronts[0].key), `a retry of the same file sends the same Idempotency-Key: ${JSON.stringify(puts)}`);
  assert.equal(await page.locator('[data-slot=front] progress').getAttribute('value'), '100');
  assert.ok(backs.length >= 1);
  assert.ok(backs.every((b) => b.key === backs[0].key), JSON.stringify(backs));
  assert.notEqual(backs[0].key, fronts[0].key);

  // Back online: Try again sends the back only, still the same captured file and key.
  backOffline = false;
  await context.setOffline(false);
  const before = puts.length;
  await page.getByRole('button', { name: 'Try again' }).click();
  await page.getByRole('heading', { name: 'Pending: we are checking your document' }).waitFor({ timeout: 20_000 });
  const again = puts.slice(before);
  assert.deepEqual(again.map((p) => p.slot), ['back'], 'the front is not sent again');
  assert.equal(again[0].key, backs[0].key);

  const view = await sessionView(token);
  assert.deepEqual([...view.uploaded].sort(), ['back', 'front']);
  assert.deepEqual(view.status, { state: 'pending' });
  const stored = storedSince(storedBefore);
  // Without the key, the replayed front would be a second file at the provider.
  assertStoredOnce(stored, ['front', 'back'], 'network drop');
  assert.deepEqual(quietProblems(page), []);
  recordTrial(RECORD, {
    area: 'browser', case: 'network_drop_mid_upload', tries: puts.length,
    outcome: `front's answer lost then replayed by Idempotency-Key, back offline ${backs.length}×, Try again sent the back only; `
      + `${stored.length} files at the provider for 2 captures; pending`,
    lost: Math.abs(2 - stored.length), crashed: false,
  });
  await page.close();
});

test('the relay restarts mid-session: the session, its token and the uploaded front survive, the back goes after the restart', async () => {
  const storedBefore = storedFiles();
  const relay = new RelayProcess({
    port: await freePort(),
    database: join(process.env.E2E_STATE_DIR, 'faults-restart.sqlite'),
    log: artifact('faults-restart-relay.log'),
  });
  await relay.start();
  try {
    const token = await createSession(relay.url);
    const page = await openPage(browser, PHONE);
    await hostWithToken(page, token, relay.url);
    const puts = watchUploads(page);
    let restarted = false;
    await page.route('**/v1/session/slots/*', async (route) => {
      const slot = route.request().url().split('/').pop();
      if (slot === 'back' && relay.starts === 1) {
        // The relay goes down (a deploy, a crash) just as the back is being sent.
        await relay.stop();
      }
      return route.continue().catch(() => {});
    });

    await toCapture(page, "Driver's license", relay.url);
    await captureLicense(page);
    await page.getByRole('button', { name: 'Submit for verification' }).click();
    await page.getByText('We cannot reach the verification service').first().waitFor({ timeout: 30_000 });
    await shoot(page, 'faults', '2-relay-down');
    assert.equal(await page.locator('[data-slot=front] progress').getAttribute('value'), '100');

    // Same port, same database: the token (its secret is in the database) and the session work.
    await relay.start();
    restarted = true;
    const view = await sessionView(token, relay.url);
    assert.deepEqual(view.uploaded, ['front'], 'the front uploaded before the restart is still there');
    const before = puts.length;
    await page.getByRole('button', { name: 'Try again' }).click();
    await page.getByRole('heading', { name: 'Pending: we are checking your document' }).waitFor({ timeout: 20_000 });
    assert.deepEqual(puts.slice(before).map((p) => p.slot), ['back']);
    assert.equal(puts.filter((p) => p.slot === 'front').length, 1, 'the front was sent once');
    // The restarted relay follows the review to its end.
    await page.getByRole('heading', { name: 'Verified' }).waitFor({ timeout: 30_000 });
    // The session is over: its token reads the final status, and nothing else (revoked).
    const auth = { headers: { authorization: `Bearer ${token}` } };
    const after = await (await fetch(`${relay.url}/v1/session/status`, auth)).json();
    assert.deepEqual(after.status, { state: 'verified' });
    const revoked = await fetch(`${relay.url}/v1/session`, auth);
    assert.equal(revoked.status, 401);
    assert.equal((await revoked.json()).error.code, 'token_revoked');
    const stored = storedSince(storedBefore);
    assertStoredOnce(stored, ['front', 'back'], 'relay restart');
    assert.ok(restarted);
    assert.deepEqual(quietProblems(page), []);
    recordTrial(RECORD, {
      area: 'browser', case: 'relay_restart_mid_session', tries: puts.length,
      outcome: `relay stopped while the back was sent, started again on the same port and database; `
        + `the token still valid, front kept, Try again sent the back; ${stored.length} files at the provider; verified`,
      lost: Math.abs(2 - stored.length), crashed: false,
    });
    await page.close();
  } finally {
    await relay.stop();
  }
});

test('clicking submit twice, or Try again three times, attaches once', async () => {
  const storedBefore = storedFiles();
  const token = await createSession();
  const page = await openPage(browser, DESKTOP);
  await hostWithToken(page, token);
  const puts = watchUploads(page);
  const submits = [];
  page.on('request', (request) => {
    if (request.url().endsWith('/v1/session/submit')) submits.push(request.method());
  });
  let failSubmit = true;
  await page.route('**/v1/session/submit', async (route) => {
    if (failSubmit) {
      failSubmit = false;
      return route.fulfill({
        status: 503, contentType: 'application/json',
        body: '{"error":{"code":"provider_error","message":"the provider is down"}}',
      });
    }
    return route.continue();
  });
  await toCapture(page, 'Passport');
  await expectFocusOnHeading(page, 'Photo page of your passport');
  await page.setInputFiles('#kyc-file-front', photo);
  await expectFocusOnHeading(page, 'Check your photos');

  // Three clicks in one task, before anything can re-render: the harshest double click.
  const clickThrice = (name) => page.evaluate((name) => {
    const button = [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === name);
    button.click();
    button.click();
    button.click();
  }, name);
  await clickThrice('Submit for verification');
  const tryAgain = page.getByRole('button', { name: 'Try again' });
  await tryAgain.waitFor({ timeout: 20_000 });
  assert.deepEqual(puts.map((p) => p.slot), ['front'], 'the photo was sent once');
  assert.equal(submits.length, 1, `submits after the first clicks: ${submits.length}`);

  await clickThrice('Try again');
  await page.getByRole('heading', { name: 'Pending: we are checking your document' }).waitFor({ timeout: 20_000 });
  // Late duplicates would arrive within the next moments.
  await page.waitForTimeout(1_500);
  assert.equal(submits.length, 2, `one failed submit and one more, not ${submits.length}`);
  assert.deepEqual(puts.map((p) => p.slot), ['front']);
  assert.equal(await page.getByRole('alert').count(), 0, 'no error is shown once pending');
  const view = await sessionView(token);
  assert.deepEqual(view.status, { state: 'pending' });
  const stored = storedSince(storedBefore);
  assertStoredOnce(stored, ['front'], 'double submit');
  assert.deepEqual(quietProblems(page), []);
  recordTrial(RECORD, {
    area: 'browser', case: 'submit_clicked_thrice_then_try_again_thrice', tries: 6,
    outcome: `${submits.length} submit requests (the first answered 503), ${puts.length} upload; one attach, pending`,
    lost: Math.abs(1 - stored.length), crashed: false,
  });
  await page.close();
});

// Asserts that browser storage holds nothing of an image (nothing at all, in fact).
async function assertNoImageKept(page, when) {
  const kept = await browserStorage(page);
  const text = JSON.stringify(kept);
  assert.doesNotMatch(text, /data:image|\/9j\/|iVBORw0KGgo|blob:/, `${when}: image data in browser storage`);
  assert.deepEqual(kept, { localStorage: {}, sessionStorage: {}, indexedDB: [], caches: [] }, when);
}

// The widget keeps captures in memory only: a reload loses the photos not yet at the relay, and
// GET /v1/session tells what the relay has. Up to the reload, and what the widget reads after it.
async function reloadMidFlow(page, token) {
  const puts = watchUploads(page);
  let dropBack = true;
  await page.route('**/v1/session/slots/*', async (route) => {
    if (route.request().url().endsWith('/back') && dropBack) return route.abort('connectionreset');
    return route.continue();
  });
  await toCapture(page, "Driver's license");
  await captureLicense(page);
  await assertNoImageKept(page, 'after capture');
  await page.getByRole('button', { name: 'Submit for verification' }).click();
  await page.getByText('We cannot reach the verification service').first().waitFor({ timeout: 30_000 });
  await assertNoImageKept(page, 'after a failed send');
  const firstBackKey = puts.find((p) => p.slot === 'back').key;
  assert.deepEqual((await sessionView(token)).uploaded, ['front']);

  // The user reloads. The widget reads GET /v1/session again: the front is at the relay.
  dropBack = false;
  const sessionRead = page.waitForResponse((r) => r.url().endsWith('/v1/session') && r.request().method() === 'GET');
  await page.reload();
  const view = await (await sessionRead).json();
  assert.deepEqual(view.uploaded, ['front']);
  await page.getByRole('heading', { name: 'Before you start' }).waitFor({ timeout: 15_000 });
  await assertNoImageKept(page, 'after the reload');
  return { puts, firstBackKey, sent: puts.length };
}

test('a reload mid-flow keeps no image in the browser, and the widget reads back what the relay has', async () => {
  const token = await createSession();
  const page = await openPage(browser, PHONE);
  await hostWithToken(page, token);
  const { puts } = await reloadMidFlow(page, token);
  assert.deepEqual(puts.filter((p) => p.status === 200).map((p) => p.slot), ['front']);
  recordTrial(RECORD, {
    area: 'browser', case: 'page_reload_mid_flow_storage', tries: puts.length,
    outcome: 'localStorage, sessionStorage, IndexedDB and Cache Storage empty after capture, after a failed send '
      + 'and after the reload; the relay still has the front and the widget reads it back',
    lost: 0, crashed: false,
  });
  await page.close();
});

// After the country step the flow goes to the first capture step whose slot is neither captured
// nor at the relay (Flow::after_capture), so a reload does not ask for the front again.
test('after a reload the flow resumes at the first slot the relay lacks, and sends nothing twice', async () => {
  const storedBefore = storedFiles();
  const token = await createSession();
  const page = await openPage(browser, PHONE);
  await hostWithToken(page, token);
  const { puts, firstBackKey, sent } = await reloadMidFlow(page, token);
  await page.getByLabel('I agree to my identity document being checked').check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('button', { name: "Driver's license" }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
  // The front is done: the flow goes on with the back (the only photo lost with the page).
  await expectFocusOnHeading(page, "Back of your driver's license");
  await page.setInputFiles('#kyc-file-back', photo);
  await expectFocusOnHeading(page, 'Check your photos');
  await page.locator('[data-slot=front]').getByText('Already sent').waitFor();
  await shoot(page, 'faults', '3-after-reload');
  await page.getByRole('button', { name: 'Submit for verification' }).click();
  await page.getByRole('heading', { name: 'Pending: we are checking your document' }).waitFor({ timeout: 20_000 });
  const resent = puts.slice(sent);
  assert.deepEqual(resent.map((p) => p.slot), ['back'], 'only the back is sent after the reload');
  assert.match(resent[0].key, KEY);
  assert.notEqual(resent[0].key, firstBackKey, 'a new capture gets a new Idempotency-Key');
  await assertNoImageKept(page, 'after sending');
  const stored = storedSince(storedBefore);
  assertStoredOnce(stored, ['front', 'back'], 'reload');
  assert.deepEqual(quietProblems(page), []);
  recordTrial(RECORD, {
    area: 'browser', case: 'page_reload_mid_flow_resume', tries: puts.length,
    outcome: `front kept by the relay across the reload and shown as sent, back captured again and sent once; `
      + `${stored.length} files at the provider; pending`,
    lost: Math.abs(2 - stored.length), crashed: false,
  });
  await page.close();
});
