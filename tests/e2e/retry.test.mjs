// Start again after a rejection, as a user and a host see it: provider D rejects the first
// attempt (the sandbox's `reject_<reason>` marker in the host's reference), the user presses
// Start again, the widget asks the relay for the new attempt (D: a new customer
// `<reference>-r2`), goes straight back to the passport's photo (document type and country
// kept), and the host page hears `kyc-retry` with the new session, which its backend reads with
// its key. The marker stays in `-r2`, so the second attempt is rejected too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { launch, openPage, artifact, makeDocumentJpeg, shoot, PHONE } from './browser.mjs';
import { startEmbedding, hostSession, receivedEvents, HOST_KEY } from './hostsite.mjs';

let embedding;

before(async () => {
  embedding = await startEmbedding('retry');
});

after(async () => {
  await embedding?.stop();
});

async function hostRead(id) {
  const response = await fetch(`${embedding.relay.url}/v1/sessions/${id}`, {
    headers: { authorization: `Bearer ${HOST_KEY}` },
  });
  assert.equal(response.status, 200, await response.clone().text());
  return response.json();
}

// The host page with `token`, through consent, passport and country to the front's photo.
async function openToPhoto(page, token) {
  await page.goto(`${embedding.hostOrigin}/examples/plain.html?token=${encodeURIComponent(token)}`);
  await page.getByRole('heading', { name: 'Before you start' }).waitFor({ timeout: 15_000 })
    .catch((error) => { throw new Error(`${error.message}\n${page.problems.join('\n')}`); });
  await page.getByLabel('I agree to my identity document being checked').check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('button', { name: 'Passport' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
}

async function sendPassport(page, photo) {
  await page.setInputFiles('#kyc-file-front', photo);
  await page.getByRole('heading', { name: 'Check your photos' }).waitFor({ timeout: 20_000 });
  await page.getByRole('button', { name: 'Submit for verification' }).click();
  await page.getByRole('heading', { name: 'We could not verify you' }).waitFor({ timeout: 40_000 });
}

test('after a rejection, Start again opens the new attempt and goes back to the photo', async () => {
  const browser = await launch();
  try {
    const page = await openPage(browser, PHONE);
    const reference = `retry-${Date.now()}-reject_document_blurry`;
    const token = await hostSession(embedding.relay.url, reference);
    const photo = artifact('retry-passport.jpg');
    writeFileSync(photo, await makeDocumentJpeg(page));
    await openToPhoto(page, token);
    await sendPassport(page, photo);
    const before = (await receivedEvents(page)).length;

    await page.getByRole('button', { name: 'Start again' }).click();
    await page.getByRole('heading', { name: 'Photo page of your passport' }).waitFor({ timeout: 15_000 });
    await shoot(page, 'retry', '1-photo-again');
    const after = (await receivedEvents(page)).slice(before);
    const retry = after.find(([name]) => name === 'kyc-retry');
    assert.ok(retry, JSON.stringify(after));
    assert.deepEqual(Object.keys(retry[1]), ['sessionId']);
    // Neither the document type nor the country is asked again.
    const steps = after.filter(([name]) => name === 'kyc-step-changed').map(([, d]) => d.step);
    assert.deepEqual(steps, ['capture'], JSON.stringify(after));

    // The host's backend reads the new session: same customer, nothing uploaded yet.
    const fresh = await hostRead(retry[1].sessionId);
    assert.equal(fresh.customer_reference, reference);
    assert.equal(fresh.status.state, 'not_submitted');
    assert.deepEqual(fresh.slots, []);

    // The new photo goes to the new session (D's `-r2` customer), whose review ends too.
    await sendPassport(page, photo);
    const done = await hostRead(retry[1].sessionId);
    assert.equal(done.document_type, 'passport');
    assert.equal(done.slots.length, 1);
    assert.deepEqual(done.status, { state: 'rejected', reason: 'document_blurry' });
    assert.deepEqual(page.problems, []);
  } finally {
    await browser.close();
  }
});

test('when the relay opens no new attempt, the user is told and the host hears the code', async () => {
  const browser = await launch();
  try {
    const page = await openPage(browser, PHONE);
    const reference = `retry-${Date.now()}-taken-reject_document_blurry`;
    const photo = artifact('retry-taken-passport.jpg');
    writeFileSync(photo, await makeDocumentJpeg(page));
    await openToPhoto(page, await hostSession(embedding.relay.url, reference));
    await sendPassport(page, photo);
    // The host's backend opened the next session itself first: this one is not tried again.
    await hostSession(embedding.relay.url, reference);
    await page.getByRole('button', { name: 'Start again' }).click();
    await page.getByText('A new attempt was already opened for you.').waitFor({ timeout: 15_000 });
    const events = await receivedEvents(page);
    assert.deepEqual(events.at(-1), ['kyc-retry', { code: 'already_retried' }]);
    assert.equal(await page.getByRole('heading', { name: 'We could not verify you' }).count(), 1);
    await shoot(page, 'retry', '2-no-new-attempt');
  } finally {
    await browser.close();
  }
});
