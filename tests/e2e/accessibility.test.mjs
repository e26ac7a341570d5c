// Accessibility of every step in every shipped locale and both themes: axe-core, and what a
// screen reader gets through the accessibility tree (one h2 per step, focused on arrival; the
// polite status region announcing the step; named buttons; the root's lang and dir). The flow
// is walked by the names in the locale file itself, not by English. Per (locale, theme): a
// desktop page without a camera walks consent, document type, issuing country, capture by file
// picker, "Continue on your phone", review, sending, pending and verified by the keyboard only
// (Tab, Shift+Tab, Enter, Space: each step's Tab cycle reaches every control, visibly focused
// and not obscured; the file picker opened by Space); a business page per (locale, theme)
// walks the company page (an owner added and removed, the focus kept), the company
// certificate's capture step, an owner's document choice and capture step, each checked the
// same way and by the keyboard only; a second page, in a browser
// with Chromium's fake camera, checks the capture step with the live preview. English, light and
// dark, German and Arabic also at 320 px (reflow, 1.4.10), at 200 % zoom and with the WCAG
// text-spacing CSS (1.4.12), each step's Tab cycle visible and in view there too.
// Screenshots of the RTL locales (ar, he) on each step, and of the 320 px and zoom runs, go to
// ARTIFACTS_DIR/screens/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  launch, artifact, shoot, expectAccessible, makeDocumentJpeg, writeDocumentY4m, RELAY_URL, DESKTOP,
} from './browser.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LOCALES_DIR = `${ROOT}www/locales`;
const RTL = new Set(['ar', 'he']);
const THEMES = ['light', 'dark'];

// English is built into src/i18n.rs as ("key", "text") pairs: read from there, so the test
// follows the widget's own words.
const ENGLISH = Object.fromEntries(
  [...readFileSync(`${ROOT}src/i18n.rs`, 'utf8').matchAll(/\("([a-z_.]+)",\s*"((?:[^"\\]|\\.)*)"\)/g)]
    .map(([, key, text]) => [key, JSON.parse(`"${text}"`)]),
);
const SHIPPED = ['en', ...readdirSync(LOCALES_DIR).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '')).sort()];
// KYC_A11Y_LOCALES="ar he" narrows the run while working on a locale; unset, all ship-checked.
const LOCALES = process.env.KYC_A11Y_LOCALES?.split(/\s+/).filter(Boolean) ?? SHIPPED;
function strings(code) {
  if (code === 'en') return ENGLISH;
  // A missing key falls back to English (another test lists those; none ship).
  return { ...ENGLISH, ...JSON.parse(readFileSync(`${LOCALES_DIR}/${code}.json`, 'utf8')) };
}

let plain;
let camera;
let photo;
before(async () => {
  // No camera flags: getUserMedia finds no device, so the capture step offers the file picker.
  plain = await launch();
  const video = writeDocumentY4m(artifact('a11y-camera-document.y4m'));
  camera = await launch([
    '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
    `--use-file-for-fake-video-capture=${video}`,
  ]);
  const page = await plain.newPage();
  photo = artifact('a11y-passport.jpg');
  writeFileSync(photo, await makeDocumentJpeg(page));
  await page.close();
});
after(async () => {
  await plain?.close();
  await camera?.close();
});

// A page of the demo with data-locale and data-theme set on the mount element, and
// data-session-token when `token` is given (as hostWithToken in browser.mjs sets it).
async function openIn(browser, code, theme, contextOptions = {}, token = null) {
  const context = await browser.newContext({ viewport: DESKTOP, locale: 'en-US', ...contextOptions });
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (error) => page.problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') page.problems.push(`console error: ${message.text()}`);
  });
  await page.route(`${RELAY_URL}/`, async (route) => {
    const response = await route.fetch();
    const html = (await response.text())
      .replace('data-endpoint=""', `data-endpoint="" data-locale="${code}" data-theme="${theme}"`
        + (token ? ` data-session-token="${token}"` : ''));
    await route.fulfill({ response, body: html });
  });
  await page.goto(`${RELAY_URL}/`);
  return page;
}

// What the checks of a step say when they fail.
const where = (code, theme, step) => `${step} (${code}, ${theme})`;

// Waits for the step whose h2 is `heading`, then checks it: exactly one h2 in the widget, the
// focus on it (except on the first step, where the page keeps the focus), the polite status
// region announcing it, every button named, lang and dir of the root, targets of 24x24 CSS px,
// and axe-core.
async function checkStep(page, code, theme, step, heading, { focused = true, announced = true } = {}) {
  const at = where(code, theme, step);
  const widget = page.locator('.kyc-capture');
  await widget.getByRole('heading', { level: 2, name: heading, exact: true })
    .waitFor({ timeout: 30_000 })
    .catch((error) => { throw new Error(`${at}: ${error.message}\n${page.problems.join('\n')}`); });
  assert.equal(await widget.locator('h2').count(), 1, `${at}: one h2`);
  if (focused) {
    await page.waitForFunction((text) => document.activeElement?.tagName === 'H2'
      && document.activeElement.textContent.trim() === text, heading, { timeout: 5_000 })
      .catch(() => assert.fail(`${at}: the focus is not on the step's heading`));
  }
  const live = widget.locator('[role=status][aria-live=polite]');
  assert.equal(await live.count(), 1, `${at}: one polite status region`);
  if (announced) assert.equal((await live.textContent()).trim(), heading, `${at}: the step announced`);
  assert.equal(await widget.getAttribute('lang'), code, `${at}: lang`);
  assert.equal(await widget.getAttribute('dir'), RTL.has(code) ? 'rtl' : 'ltr', `${at}: dir`);
  const tree = await widget.ariaSnapshot();
  const unnamed = tree.split('\n').filter((line) => /^\s*- button\s*(\[[^\]]*\])?\s*:?\s*$/.test(line));
  assert.deepEqual(unnamed, [], `${at}: buttons without a name\n${tree}`);
  assert.deepEqual(await smallTargets(page), [], `${at}: targets under 24x24 CSS px`);
  assert.deepEqual(await faintBoundaries(page), [], `${at}: control boundaries under 3:1 (1.4.11)`);
  await expectAccessible(page, at);
  if (RTL.has(code)) await shoot(page, `a11y-${code}-${theme}`, step);
}

// Buttons, checkboxes, links and selects of the widget smaller than 24x24 CSS px (2.5.8). A
// link inside a sentence is exempt (the criterion's inline exception); so is a control that is
// visually hidden behind the label that acts for it (the file input).
async function smallTargets(page) {
  return page.evaluate(() => [...document.querySelectorAll(
    '.kyc-capture button, .kyc-capture input[type=checkbox], .kyc-capture a[href], .kyc-capture select',
  )].filter((el) => {
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) return false;
    if (el.tagName === 'A' && el.parentElement.tagName === 'P'
      && el.parentElement.textContent.trim() !== el.textContent.trim()) return false;
    return box.width < 24 || box.height < 24;
  }).map((el) => {
    const box = el.getBoundingClientRect();
    return `${el.tagName.toLowerCase()} "${(el.textContent || el.getAttribute('aria-label') || '').trim()}" ${box.width.toFixed(1)}x${box.height.toFixed(1)}`;
  }));
}

// Form fields and outlined buttons whose border is their only boundary, under 3:1 against the
// widget's background (1.4.11 non-text contrast; axe-core checks text contrast only).
async function faintBoundaries(page) {
  return page.evaluate(() => {
    const luminance = (color) => {
      const [r, g, b] = color.match(/[\d.]+/g).slice(0, 3).map((v) => {
        const c = Number(v) / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const ratio = (a, b) => {
      const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
      return (x + 0.05) / (y + 0.05);
    };
    const root = document.querySelector('.kyc-capture');
    const background = getComputedStyle(root).backgroundColor;
    return [...root.querySelectorAll('select, input:not([type=file]):not([type=checkbox]), button')]
      .filter((el) => el.getClientRects().length > 0)
      .map((el) => ({ el, style: getComputedStyle(el) }))
      // A filled button's boundary is its fill; a borderless (link-like) one has none to see.
      .filter(({ style }) => style.borderTopStyle !== 'none' && parseFloat(style.borderTopWidth) > 0
        && (style.backgroundColor === 'rgba(0, 0, 0, 0)' || style.backgroundColor === background))
      .filter(({ style }) => ratio(style.borderTopColor, background) < 3)
      .map(({ el, style }) => `${el.tagName.toLowerCase()} "${el.textContent.trim().slice(0, 30)}" `
        + `${style.borderTopColor} on ${background}: ${ratio(style.borderTopColor, background).toFixed(2)}`);
  });
}

// ---- Keyboard only (2.1.1, 2.1.2, 2.4.3, 2.4.7, 2.4.11) ------------------------------------
// The walks move by Tab and Shift+Tab and act by Enter, Space and typing: no click, no check().

// The focused element, named as a screen reader would name it, and what a sighted keyboard
// user sees of it: `problems` lists what fails 2.4.7 (not :focus-visible, no outline and no
// box-shadow) and 2.4.11 (outside the viewport, or another element over its centre). A file
// input hidden behind its label shows its focus on the label (`input:focus-visible + label`),
// so the label is what is checked. With `record`, `seen` numbers the element (the same number
// when Tab comes back to it; -1 for the page's body).
function focusState(record) {
  const el = document.activeElement;
  const text = (node) => (node?.textContent ?? '').replace(/\s+/g, ' ').trim();
  const describe = (node) => (node
    ? `${node.tagName.toLowerCase()}${node.id ? `#${node.id}` : ''} "${text(node).slice(0, 50)}"` : 'nothing');
  let seen = -1;
  if (record && el && el !== document.body) {
    window.kycSeen ??= [];
    seen = window.kycSeen.indexOf(el);
    if (seen < 0) seen = window.kycSeen.push(el) - 1;
  }
  const state = { tag: el?.tagName.toLowerCase() ?? 'none', id: el?.id ?? '', label: describe(el), seen, problems: [] };
  if (!el || !el.closest('.kyc-capture')) return state;
  state.name = el.getAttribute('aria-label') ?? (el.labels?.length ? text(el.labels[0]) : text(el));
  state.label = `${state.tag}${el.id ? `#${el.id}` : ''} "${state.name.slice(0, 50)}"`;
  const shown = el.matches('.kyc-visually-hidden') && el.labels?.length ? el.labels[0] : el;
  if (!el.matches(':focus-visible')) state.problems.push('not :focus-visible');
  const style = getComputedStyle(shown);
  if ((style.outlineStyle === 'none' || parseFloat(style.outlineWidth) === 0) && style.boxShadow === 'none') {
    state.problems.push('no focus indicator (no outline, no box-shadow)');
  }
  const box = shown.getBoundingClientRect();
  if (box.width === 0 || box.height === 0 || box.left < -1 || box.top < -1
    || box.right > window.innerWidth + 1 || box.bottom > window.innerHeight + 1) {
    state.problems.push(`not in the viewport: ${Math.round(box.left)},${Math.round(box.top)} `
      + `${Math.round(box.width)}x${Math.round(box.height)} in ${window.innerWidth}x${window.innerHeight}`);
  } else {
    const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
    if (!hit || !(hit === shown || shown.contains(hit))) state.problems.push(`obscured by ${describe(hit)}`);
  }
  return state;
}

// Presses `key`; the control of the widget it focuses must be visibly focused and in view.
async function pressKey(page, key, at, record = false) {
  await page.keyboard.press(key);
  const state = await page.evaluate(focusState, record);
  assert.deepEqual(state.problems, [], `${at}: ${key} to ${state.label}`);
  return state;
}

// Presses Tab until the focused element satisfies `predicate` (given focusState's answer);
// fails after `limit` presses with the list of what Tab visited.
async function tabTo(page, predicate, at, limit = 30) {
  const visited = [];
  for (let i = 0; i < limit; i += 1) {
    const state = await pressKey(page, 'Tab', at);
    if (predicate(state)) return state;
    visited.push(state.label);
  }
  return assert.fail(`${at}: not reached by Tab in ${limit} presses; visited:\n  ${visited.join('\n  ')}`);
}
// tabTo's predicates, by the locale's own names.
const named = (name, tag = 'button') => (state) => state.tag === tag && state.name === name;
const withId = (id) => (state) => state.id === id;

// The focus is on something, not dropped to the page's body (after an action).
async function expectFocusKept(page, at) {
  // The widget may move it once the page is redrawn: a moment, not more.
  await page.waitForFunction(() => document.activeElement && document.activeElement !== document.body,
    null, { timeout: 2_000 }).catch(() => {});
  const state = await page.evaluate(focusState, false);
  assert.ok(state.tag !== 'body' && state.tag !== 'none', `${at}: the focus is lost to <body>`);
  assert.deepEqual(state.problems, [], `${at}: the focus after it, on ${state.label}`);
}

// A full cycle of Tab from where the focus is, then of Shift+Tab: it comes round again (2.1.2,
// no trap), visiting every enabled button, input, select and link of the widget (2.1.1), each
// visibly focused and in view (2.4.7, 2.4.11); Shift+Tab visits the same in reverse (2.4.3).
async function tabCycle(page, at) {
  await page.evaluate(() => { window.kycSeen = []; });
  // Each cycle keeps the trail of what every press focused, for the message.
  const cycle = async (key, trail) => {
    const order = [];
    for (let i = 0; i < 60; i += 1) {
      const { seen, label } = await pressKey(page, key, at, true);
      trail.push(`${seen} ${label}`);
      if (seen < 0) continue;
      if (seen === order[0]) return order;
      assert.ok(!order.includes(seen), `${at}: ${key} came back to a control before the end of its cycle`);
      order.push(seen);
    }
    return assert.fail(`${at}: ${key} did not come round in 60 presses`);
  };
  const walk = async () => {
    const trail = [];
    const forward = await cycle('Tab', trail);
    const backward = await cycle('Shift+Tab', trail);
    return { forward, backward: [...backward].reverse(), trail };
  };
  // In one CI run out of many, one Shift+Tab skipped a control (ja, the capture step) and the
  // same walk passed when run again: a mismatch is walked once more, printing the first
  // walk's presses, and a real order problem fails both walks.
  let first = await walk();
  if (JSON.stringify(first.backward) !== JSON.stringify(first.forward)) {
    const again = await walk();
    assert.deepEqual(again.backward, again.forward, `${at}: Shift+Tab is not Tab's order reversed, `
      + `twice running; the presses:\n  ${first.trail.join('\n  ')}\nthen:\n  ${again.trail.join('\n  ')}`);
    console.log(`# ${at}: one Tab cycle's reverse differed, the second matched; its presses:\n#   `
      + first.trail.join('\n#   '));
    first = again;
  }
  const missed = await page.evaluate(() => [...document.querySelectorAll(
    '.kyc-capture :is(button, input, select, textarea, a[href])',
  )].filter((el) => !el.disabled && el.tabIndex >= 0 && el.getClientRects().length > 0
    && !window.kycSeen.includes(el))
    .map((el) => `${el.tagName.toLowerCase()} "${(el.textContent || el.getAttribute('aria-label') || el.id).trim()}"`));
  assert.deepEqual(missed, [], `${at}: controls Tab does not reach`);
}

// The desktop walk without a camera, from consent to verified, by the keyboard only: on each
// step, a Tab cycle over its controls, then Tab to the control the step needs.
async function walkByFile(code, theme) {
  const t = strings(code);
  const page = await openIn(plain, code, theme);
  // Listened for from the start, so the page's file chooser is intercepted long before Space
  // opens it (listening just before the key press lost the race now and then on a busy machine).
  const chooser = page.waitForEvent('filechooser', { timeout: 0 });
  chooser.catch(() => {});
  const check = (step, heading, options) => checkStep(page, code, theme, step, heading, options);
  const keys = async (step) => {
    const at = where(code, theme, `${step}, keyboard`);
    await tabCycle(page, at);
    return at;
  };
  // Tab to the button named `name`, then Enter.
  const press = async (at, name) => {
    await tabTo(page, named(name), at);
    await page.keyboard.press('Enter');
  };

  // The first step: the focus stays where the page has it, and nothing is announced yet.
  await check('1-consent', t['consent.heading'], { focused: false, announced: false });
  let at = await keys('1-consent');
  await tabTo(page, withId('kyc-consent'), at);
  await page.keyboard.press('Space');
  assert.equal(await page.locator('#kyc-consent').isChecked(), true, `${at}: Space ticks the box`);
  await press(at, t.continue);
  await check('2-document', t['document.heading']);
  at = await keys('2-document');
  await press(at, t['doc.passport']);
  await check('3-country', t['country.heading']);
  at = await keys('3-country');
  await press(at, t.continue);

  const captureHeading = await page.locator('.kyc-capture h2').textContent();
  await page.getByText(t['camera.missing'], { exact: true }).waitFor({ timeout: 15_000 });
  await check('4-capture-file', captureHeading.trim());
  at = await keys('4-capture-file');
  await press(at, t['handoff.offer']);
  await check('5-handoff', t['handoff.heading']);
  await page.locator('.kyc-qr svg').waitFor({ timeout: 15_000 });
  await expectAccessible(page, where(code, theme, 'handoff with its code'));
  if (RTL.has(code)) await shoot(page, `a11y-${code}-${theme}`, '5-handoff-code');
  at = await keys('5-handoff');
  await press(at, t['handoff.stay']);
  await check('4-capture-back', captureHeading.trim());

  // The file picker, opened from the keyboard: Tab to its input, Space.
  at = where(code, theme, '4-capture-back, keyboard');
  await tabTo(page, (state) => state.tag === 'input' && state.name === t['file.choose_pdf'], at);
  await page.keyboard.press('Space');
  const picker = await Promise.race([chooser, new Promise((_, reject) => {
    setTimeout(() => reject(new Error(`${at}: Space on the file input opened no file chooser in 30 s`)), 30_000).unref();
  })]);
  await picker.setFiles(photo);
  await check('6-review', t['review.heading']);
  at = await keys('6-review');
  // The upload is held at the page until the sending step is checked (one photo would pass it
  // in a moment), then goes to the relay as it is.
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  await page.route('**/v1/session/slots/**', async (route) => { await held; await route.continue(); });
  await press(at, t['review.submit']);
  await check('7-sending', t['send.heading']);
  release();
  await check('8-pending', t['status.pending']);
  await check('9-verified', t['status.verified']);
  await keys('9-verified');
  assert.deepEqual(page.problems, [], where(code, theme, 'console'));
  await page.context().close();
}

// The capture step with the live camera preview and its guidance.
async function walkToCamera(code, theme) {
  const t = strings(code);
  const page = await openIn(camera, code, theme);
  await page.getByRole('heading', { level: 2, name: t['consent.heading'], exact: true }).waitFor({ timeout: 15_000 });
  await page.getByRole('checkbox', { name: t['consent.agree'] }).check();
  await page.getByRole('button', { name: t.continue, exact: true }).click();
  await page.getByRole('button', { name: t['doc.passport'], exact: true }).click();
  await page.getByRole('heading', { level: 2, name: t['country.heading'], exact: true }).waitFor();
  await page.getByRole('button', { name: t.continue, exact: true }).click();
  await page.waitForFunction(() => {
    const video = document.querySelector('video.kyc-video');
    return video && video.readyState >= 2 && video.videoWidth > 0;
  }, null, { timeout: 15_000 });
  await page.locator('.kyc-hint').filter({ hasText: /./ }).waitFor();
  await page.getByRole('button', { name: t['camera.take'], exact: true }).waitFor();
  const heading = (await page.locator('.kyc-capture h2').textContent()).trim();
  await checkStep(page, code, theme, '4-capture-camera', heading);
  // By the keyboard with the live preview and its changing hint: the shutter is reached.
  await tabCycle(page, where(code, theme, '4-capture-camera, keyboard'));
  await tabTo(page, named(t['camera.take']), where(code, theme, '4-capture-camera, keyboard'));
  assert.deepEqual(page.problems, [], where(code, theme, 'console (camera)'));
  await page.context().close();
}

for (const code of LOCALES) {
  test(`${code}: every step passes axe-core, the accessibility-tree checks and a keyboard-only walk in the light and dark themes`, async () => {
    // Four pages at once: most of a walk is waiting for the relay and the sandbox's review.
    await Promise.all(THEMES.flatMap((theme) => [walkByFile(code, theme), walkToCamera(code, theme)]));
  });
}

// A business customer by the keyboard only: consent, then on the company page an owner added
// by name (typed, Enter) and removed again (Tab to "Remove <name>", Enter); after each, the
// focus stays on a control of the page, not dropped to <body>. Then each kind of business step
// by Tab and Enter: the company's certificate (its capture step, and Back), an owner added
// again and their document's choice and capture step. Every step is checked as the
// individual's are (axe-core, names, live region, targets, contrast, a full Tab cycle).
async function businessByKeyboard(code, theme) {
  const t = strings(code);
  const response = await fetch(`${RELAY_URL}/demo/session?customer_type=business`, { method: 'POST' });
  assert.equal(response.status, 201, await response.clone().text());
  const page = await openIn(plain, code, theme, {}, (await response.json()).token);
  const check = (step, heading, options) => checkStep(page, code, theme, step, heading, options);
  const heading = async () => (await page.locator('.kyc-capture h2').textContent()).trim();
  const press = async (at, name) => {
    await tabTo(page, named(name), at);
    await page.keyboard.press('Enter');
  };
  let at = where(code, theme, 'business consent, keyboard');
  await check('business-1-consent', t['consent.heading'], { focused: false, announced: false });
  await tabCycle(page, at);
  await tabTo(page, withId('kyc-consent'), at);
  await page.keyboard.press('Space');
  assert.equal(await page.locator('#kyc-consent').isChecked(), true, `${at}: Space ticks the box`);
  await press(at, t.continue);

  await check('business-2-company', t['business.heading']);
  const widget = page.locator('.kyc-capture');
  const ownersHeading = widget.getByRole('heading', { level: 3, name: t['business.owners'], exact: true });
  await ownersHeading.waitFor({ timeout: 15_000 });
  at = where(code, theme, 'business company, keyboard');
  await tabCycle(page, at);
  const owner = 'Ada Lovelace';
  const addOwner = async () => {
    await tabTo(page, (state) => state.id === 'kyc-owner-name' && state.name === t['business.owner_name'], at);
    await page.keyboard.type(owner);
    await page.keyboard.press('Enter');
  };
  await addOwner();
  const card = widget.getByRole('heading', { level: 4, name: owner, exact: true });
  await card.waitFor({ timeout: 15_000 });
  await expectFocusKept(page, `${at}: ${owner} added`);
  await press(at, t['business.remove'].replace('{name}', owner));
  await card.waitFor({ state: 'detached', timeout: 15_000 });
  await expectFocusKept(page, `${at}: ${owner} removed`);
  await tabCycle(page, `${at}, after the removal`);

  // The company's certificate: its capture step, then Back to the company page.
  await press(at, t['business.add'].replace('{item}', t['doc.certificate_of_incorporation']));
  await page.getByText(t['camera.missing'], { exact: true }).waitFor({ timeout: 15_000 });
  await check('business-3-company-document', await heading());
  at = where(code, theme, 'business company document, keyboard');
  await tabCycle(page, at);
  await press(at, t.back);
  await check('business-2-company-again', t['business.heading']);
  await ownersHeading.waitFor({ timeout: 15_000 });

  // An owner's document: its choice, then its capture step.
  at = where(code, theme, 'business company again, keyboard');
  await addOwner();
  await card.waitFor({ timeout: 15_000 });
  await press(at, t['business.add_id'].replace('{name}', owner));
  await check('business-4-owner-document', t['owner.document_heading'].replace('{name}', owner));
  at = where(code, theme, 'business owner document, keyboard');
  await tabCycle(page, at);
  await press(at, t['doc.passport']);
  await page.getByText(t['camera.missing'], { exact: true }).waitFor({ timeout: 15_000 });
  await check('business-5-owner-capture', await heading());
  await tabCycle(page, where(code, theme, 'business owner capture, keyboard'));
  assert.deepEqual(page.problems, [], where(code, theme, 'console (business)'));
  await page.context().close();
}

// Every business step in every locale and theme (KYC_A11Y_LOCALES narrows these too).
for (const code of LOCALES) {
  test(`${code}: every business step (company, its document, an owner's document and capture) passes the same checks, by the keyboard only, light and dark`, async () => {
    await Promise.all(THEMES.map((theme) => businessByKeyboard(code, theme)));
  });
}

// Reflow (1.4.10): no horizontal scroll at 320 CSS px. Zoom: a 1280 px window at 200 % lays out
// as 640 CSS px at 2 device pixels each, which is how it is emulated here (viewport 640 px,
// deviceScaleFactor 2); screenshots of both. Text spacing (1.4.12): the WCAG bookmarklet's CSS,
// added as a style of the test's own (the demo page has no CSP that would refuse it), clips no
// text.
const TEXT_SPACING = '* { line-height: 1.5 !important; letter-spacing: 0.12em !important; '
  + 'word-spacing: 0.16em !important; } p { margin-bottom: 2em !important; }';

async function noHorizontalScroll(page, at) {
  const { scroll, client } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth,
  }));
  assert.ok(scroll <= client, `${at}: horizontal scroll (${scroll} > ${client} CSS px)`);
}

async function noClippedText(page, at) {
  const clipped = await page.evaluate(() => [...document.querySelectorAll(
    '.kyc-capture h2, .kyc-capture p, .kyc-capture label, .kyc-capture button, .kyc-capture li, .kyc-capture select',
  )].filter((el) => el.getClientRects().length > 0 && !el.closest('.kyc-visually-hidden')
    && (el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1))
    .map((el) => `${el.tagName.toLowerCase()}.${el.className} "${el.textContent.trim().slice(0, 40)}" `
      + `${el.scrollWidth}x${el.scrollHeight} in ${el.clientWidth}x${el.clientHeight}`));
  assert.deepEqual(clipped, [], `${at}: clipped text`);
}

// English in both themes; German (the longest words) and Arabic (right to left) in light.
const REFLOW = [['en', 'light'], ['en', 'dark'], ['de', 'light'], ['ar', 'light']]
  .filter(([code]) => LOCALES.includes(code));
for (const [label, options] of [
  ['320px', { viewport: { width: 320, height: 640 } }],
  ['zoom200', { viewport: { width: 640, height: 400 }, deviceScaleFactor: 2 }],
  ['spacing', { viewport: { width: 320, height: 640 } }],
]) {
  for (const [code, theme] of REFLOW) {
    test(`${code}, ${theme}, ${label}: ${label === 'spacing' ? 'text spacing clips nothing' : 'no horizontal scroll'} on consent, document, capture and review, each step's Tab cycle visible and in view`, async () => {
      const t = strings(code);
      const page = await openIn(plain, code, theme, options);
      const flow = `a11y-${code}-${theme}-${label}`;
      const check = async (step, heading) => {
        await page.getByRole('heading', { level: 2, name: heading, exact: true }).waitFor({ timeout: 15_000 });
        const at = where(code, theme, `${step} at ${label}`);
        if (label === 'spacing') {
          await page.addStyleTag({ content: TEXT_SPACING });
          await noClippedText(page, at);
        }
        await noHorizontalScroll(page, at);
        assert.deepEqual(await smallTargets(page), [], `${at}: targets under 24x24 CSS px`);
        await shoot(page, flow, step);
        await tabCycle(page, `${at}, keyboard`);
      };
      await check('1-consent', t['consent.heading']);
      await page.getByRole('checkbox', { name: t['consent.agree'] }).check();
      await page.getByRole('button', { name: t.continue, exact: true }).click();
      await check('2-document', t['document.heading']);
      await page.getByRole('button', { name: t['doc.passport'], exact: true }).click();
      await check('3-country', t['country.heading']);
      await page.getByRole('button', { name: t.continue, exact: true }).click();
      await page.getByText(t['camera.missing'], { exact: true }).waitFor({ timeout: 15_000 });
      await check('4-capture', (await page.locator('.kyc-capture h2').textContent()).trim());
      await page.locator('.kyc-capture input[type=file]').setInputFiles(photo);
      await check('6-review', t['review.heading']);
      assert.deepEqual(page.problems, []);
      await page.context().close();
    });
  }
}
