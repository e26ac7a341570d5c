// The React host example (www/examples/react/, built by `cargo xtask dist`'s examples step into
// dist/examples/react/), served as docs/embedding.md says from another origin than the relay,
// under a strict Content-Security-Policy, with a session its "backend" (this test) created with
// the host API key. The React app mounts the widget with mount() in an effect: the flow is
// completed, the events the app received are checked in order, then Close takes the widget away
// and the app shows its own message. In React's development build, StrictMode's mount, cleanup,
// mount again leaves one widget whose events are each heard once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  launch, openPage, artifact, makeDocumentJpeg, shoot, expectAccessible, PHONE,
} from './browser.mjs';
import { startEmbedding, recordCspViolations, hostSession, receivedEvents } from './hostsite.mjs';

const EXAMPLE = fileURLToPath(new URL('../../www/examples/react/', import.meta.url));

let embedding;
let relay;
let hostOrigin;

before(async () => {
  embedding = await startEmbedding('react');
  ({ relay, hostOrigin } = embedding);
});

after(async () => {
  await embedding?.stop();
});

test('the React host page, on another origin under a strict CSP, completes the flow and hears every event', async () => {
  const browser = await launch();
  try {
    const page = await openPage(browser, PHONE);
    await recordCspViolations(page);
    const requested = [];
    page.on('request', (request) => requested.push(request.url()));
    const token = await hostSession(relay.url, `react-${Date.now()}`);
    const photo = artifact('react-passport.jpg');
    writeFileSync(photo, await makeDocumentJpeg(page));
    await page.goto(`${hostOrigin}/examples/react/?token=${encodeURIComponent(token)}`);

    await page.getByRole('heading', { name: 'Before you start' }).waitFor({ timeout: 15_000 })
      .catch((error) => { throw new Error(`${error.message}\n${page.problems.join('\n')}`); });
    // React rendered the page; the widget is in the <div> the component gave it.
    await page.getByRole('heading', { name: 'Verify your identity', level: 1 }).waitFor();
    assert.equal(await page.locator('.identity-check .kyc-primary').count(), 1);
    // The host's brand colour reaches the widget through the custom property it inherits.
    const accent = await page.$eval('.identity-check .kyc-primary',
      (button) => getComputedStyle(button).backgroundColor);
    assert.equal(accent, 'rgb(10, 107, 79)');
    // The loader was not bundled into the app: it, its module and its wasm came from the
    // package's own location.
    for (const file of ['kyc-capture.js', 'kyc-capture-core.js', 'kyc-capture-core_bg.wasm', 'kyc-capture.css']) {
      assert.ok(requested.includes(`${hostOrigin}/kyc-capture/${file}`), `${file} not loaded from /kyc-capture/:\n${requested.join('\n')}`);
    }
    await expectAccessible(page, 'the React page, consent');
    await shoot(page, 'react', '1-consent');

    await page.getByLabel('I agree to my identity document being checked').check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'Passport' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.setInputFiles('#kyc-file-front', photo);
    await page.getByRole('heading', { name: 'Check your photos' }).waitFor({ timeout: 20_000 });
    await page.getByRole('button', { name: 'Submit for verification' }).click();
    await page.getByRole('heading', { name: 'Pending: we are checking your document' }).waitFor({ timeout: 30_000 });
    await page.getByRole('heading', { name: 'Verified' }).waitFor({ timeout: 40_000 });
    // The app's own message, rendered by React from the kyc-status-changed event.
    await page.locator('#verified').waitFor();
    assert.match(await page.locator('#verified').textContent(), /^Thank you: your identity is verified/);
    await shoot(page, 'react', '2-verified');

    const events = await receivedEvents(page);
    const names = events.map(([name]) => name);
    assert.deepEqual(events[0], ['kyc-ready', { provider: 'd', steps: 5 }], names.join(' '));
    // One widget: React's StrictMode (development only) would mount, unmount and mount again,
    // and the first one never appears; in this production build there is one mount.
    assert.equal(names.filter((name) => name === 'kyc-ready').length, 1, names.join(' '));
    const steps = events.filter(([name]) => name === 'kyc-step-changed')
      .map(([, d]) => (d.slot ? `${d.step}:${d.slot}` : d.step));
    assert.deepEqual(steps, ['consent', 'document', 'country', 'capture:front', 'review', 'send', 'status']);
    const progress = events.filter(([name]) => name === 'kyc-upload-progress').map(([, d]) => d.percent);
    assert.ok(progress.length >= 1 && progress.at(-1) === 100, `progress ${progress}`);
    assert.deepEqual(events.find(([name]) => name === 'kyc-submitted')[1], { documentType: 'passport' });
    const statuses = events.filter(([name]) => name === 'kyc-status-changed').map(([, d]) => d.status);
    assert.deepEqual(statuses, ['pending', 'verified']);
    const order = ['kyc-ready', 'kyc-upload-progress', 'kyc-submitted', 'kyc-status-changed'];
    const firsts = order.map((name) => names.indexOf(name));
    assert.deepEqual([...firsts].sort((a, b) => a - b), firsts, names.join(' '));
    assert.ok(!names.includes('kyc-error'), names.join(' '));
    assert.ok(!names.includes('kyc-exit'), names.join(' '));

    // The user closes it: the app hears kyc-exit, stops rendering <IdentityCheck> (whose effect
    // cleanup unmounts the widget) and shows its own message.
    await page.getByRole('button', { name: 'Close' }).click();
    await page.getByText('You closed the identity check.').waitFor();
    assert.deepEqual((await receivedEvents(page)).at(-1), ['kyc-exit', { step: 'status' }]);
    assert.equal(await page.locator('.identity-check').count(), 0);
    assert.equal(await page.locator('.kyc-primary').count(), 0);
    assert.equal(await page.getByRole('heading', { name: 'Verified' }).count(), 0);
    // The verified message is the app's, and stays.
    assert.equal(await page.locator('#verified').count(), 1);

    assert.deepEqual(await page.evaluate(() => window.cspViolations), []);
    assert.deepEqual(page.problems, []);
    await page.close();
  } finally {
    await browser.close();
  }
});

test("in React's development build, StrictMode's double mount leaves one widget and each event heard once", async () => {
  // The same app built with `--development` (StrictMode runs each effect, its cleanup, and the
  // effect again), served in place of the production app.js.
  const bundle = artifact('react-development');
  execFileSync('node', [join(EXAMPLE, 'build.mjs'), bundle, '--development'], { stdio: 'ignore' });
  const browser = await launch();
  try {
    const page = await openPage(browser, PHONE);
    await recordCspViolations(page);
    await page.route(`${hostOrigin}/examples/react/app.js`,
      (route) => route.fulfill({ path: join(bundle, 'app.js'), contentType: 'text/javascript' }));
    const token = await hostSession(relay.url, `react-dev-${Date.now()}`);
    await page.goto(`${hostOrigin}/examples/react/?token=${encodeURIComponent(token)}`);
    await page.getByRole('heading', { name: 'Before you start' }).waitFor({ timeout: 15_000 })
      .catch((error) => { throw new Error(`${error.message}\n${page.problems.join('\n')}`); });
    await page.getByLabel('I agree to my identity document being checked').check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'Passport' }).waitFor();

    // One widget in the container: the first mount() was undone before its module loaded.
    assert.equal(await page.locator('.identity-check .kyc-capture').count(), 1);
    assert.equal(await page.getByRole('heading', { name: 'Before you start' }).count(), 0);
    const events = await receivedEvents(page);
    assert.deepEqual(events, [
      ['kyc-ready', { provider: 'd', steps: 5 }],
      ['kyc-step-changed', { step: 'consent' }],
      ['kyc-step-changed', { step: 'document' }],
    ]);
    assert.deepEqual(await page.evaluate(() => window.cspViolations), []);
    assert.deepEqual(page.problems, []);
    await page.close();
  } finally {
    await browser.close();
  }
});
