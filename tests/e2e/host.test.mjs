// What the host page configures on the mount element: the language (data-locale) and any
// string (data-messages); the widget follows them, and stays accessible in another language.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { RELAY_URL, launch, openPage, shoot, expectAccessible, expectFocusOnHeading, PHONE } from './browser.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('the host picks Spanish and renames one string', async () => {
  const page = await openPage(browser, PHONE);
  await page.route(RELAY_URL + '/', async (route) => {
    const response = await route.fetch();
    const html = (await response.text()).replace('data-endpoint=""',
      `data-endpoint="" data-locale="es" data-messages='{"consent.heading":"Antes de verificar tu identidad"}'`);
    await route.fulfill({ response, body: html });
  });
  await page.goto(RELAY_URL + '/');
  await page.getByRole('heading', { name: 'Antes de verificar tu identidad' }).waitFor({ timeout: 15_000 })
    .catch((error) => { throw new Error(`${error.message}\n${page.problems.join('\n')}`); });
  assert.equal(await page.locator('.kyc-capture').getAttribute('lang'), 'es');
  await page.getByLabel('Acepto que se compruebe mi documento').check();
  await page.getByRole('button', { name: 'Continuar' }).click();
  await expectFocusOnHeading(page, '¿Qué documento vas a usar?');
  assert.match(await page.textContent('body'), /No se puede usar Documento nacional de identidad aquí/);
  await expectAccessible(page, 'document type in Spanish');
  await shoot(page, 'host', 'es-document');
  // The user's dark scheme and reduced motion: still no contrast or other violation.
  await page.emulateMedia({ colorScheme: 'dark', reducedMotion: 'reduce' });
  await expectAccessible(page, 'dark scheme');
  await shoot(page, 'host', 'es-document-dark');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('a language file that cannot be fetched leaves the flow in English, marked as English', async () => {
  const page = await openPage(browser, PHONE);
  await page.route(RELAY_URL + '/', async (route) => {
    const response = await route.fetch();
    const html = (await response.text()).replace('data-endpoint=""', 'data-endpoint="" data-locale="fr"');
    await route.fulfill({ response, body: html });
  });
  await page.route('**/locales/fr.json', (route) => route.fulfill({ status: 404, body: 'gone' }));
  const warnings = [];
  page.on('console', (message) => { if (message.type() === 'warning') warnings.push(message.text()); });
  await page.goto(RELAY_URL + '/');
  await page.getByRole('heading', { name: 'Before you start' }).waitFor({ timeout: 15_000 })
    .catch((error) => { throw new Error(`${error.message}\n${page.problems.join('\n')}`); });
  assert.equal(await page.locator('.kyc-capture').getAttribute('lang'), 'en');
  assert.ok(warnings.some((text) => /fr strings could not be loaded .*HTTP 404/.test(text)), warnings.join('\n'));
  await page.getByLabel('I agree to my identity document').check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await expectFocusOnHeading(page, 'Which document will you use?');
  await page.close();
});

test('Arabic lays the flow out right to left, from its locale file, and stays accessible', async () => {
  const page = await openPage(browser, PHONE);
  await page.route(RELAY_URL + '/', async (route) => {
    const response = await route.fetch();
    const html = (await response.text()).replace('data-endpoint=""', 'data-endpoint="" data-locale="ar"');
    await route.fulfill({ response, body: html });
  });
  await page.goto(RELAY_URL + '/');
  await page.getByRole('heading', { name: 'قبل أن تبدأ' }).waitFor({ timeout: 15_000 })
    .catch((error) => { throw new Error(`${error.message}\n${page.problems.join('\n')}`); });
  const root = page.locator('.kyc-capture');
  assert.equal(await root.getAttribute('lang'), 'ar');
  assert.equal(await root.getAttribute('dir'), 'rtl');
  assert.equal(await root.evaluate((element) => getComputedStyle(element).direction), 'rtl');
  await expectAccessible(page, 'consent in Arabic');
  await shoot(page, 'host', 'ar-consent');
  await page.getByLabel('أوافق على فحص وثيقة هويتي للتحقق من هويتي').check();
  await page.getByRole('button', { name: 'متابعة' }).click();
  await expectFocusOnHeading(page, 'ما الوثيقة التي ستستخدمها؟');
  await expectAccessible(page, 'document type in Arabic');
  assert.deepEqual(page.problems, []);
  await page.close();
});
