// A small W3C WebDriver client (the protocol every engine's driver speaks: chromedriver,
// geckodriver, WebKitWebDriver), for the tests that run in every engine. `cargo xtask test`
// starts the engine's driver and gives its address and the session's capabilities:
// WEBDRIVER_URL, WEBDRIVER_CAPABILITIES (JSON), KYC_E2E_ENGINE (chromium, firefox, webkit).
import assert from 'node:assert/strict';

export const ENGINE = process.env.KYC_E2E_ENGINE ?? 'chromium';
const DRIVER_URL = process.env.WEBDRIVER_URL;
// The W3C keys under which a found element's and a shadow root's references come.
const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';
const SHADOW = 'shadow-6066-11e4-a52e-4f735466cecf';

async function call(method, path, body, signal) {
  if (!DRIVER_URL) throw new Error('WEBDRIVER_URL is not set: run these tests through `cargo xtask test`');
  const response = await fetch(`${DRIVER_URL}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
  });
  const answer = await response.json().catch(() => ({ value: { error: `HTTP ${response.status}` } }));
  if (!response.ok || answer.value?.error) {
    const error = new Error(`${ENGINE} driver: ${method} ${path}: ${answer.value?.error}: ${answer.value?.message ?? ''}`);
    error.code = answer.value?.error;
    throw error;
  }
  return answer.value;
}

// A new session of the engine's browser, with the tests' timeouts; its id.
async function openSession() {
  const capabilities = JSON.parse(process.env.WEBDRIVER_CAPABILITIES ?? '{}');
  // A browser that does not start within a minute is given up and started again, twice at
  // most: WebKitGTK's MiniBrowser has once hung at its start (the driver never answered).
  for (let attempt = 1; ; attempt += 1) {
    try {
      const { sessionId } = await call('POST', '/session', { capabilities: { alwaysMatch: capabilities } },
        AbortSignal.timeout(60_000));
      await call('POST', `/session/${sessionId}/timeouts`, { script: 30_000, pageLoad: 30_000, implicit: 0 });
      return sessionId;
    } catch (error) {
      if (error.name !== 'TimeoutError' || attempt === 3) throw error;
      console.error(`${ENGINE} driver: no session after 60 s (attempt ${attempt}), trying again`);
    }
  }
}

// One browser session.
export class Browser {
  static async open() {
    return new Browser(await openSession());
  }

  constructor(id) {
    this.id = id;
    // With a CSS selector of a shadow host (a host page's `kyc-capture` element), the queries
    // below look inside its shadow root, as a user sees the widget.
    this.shadowHost = null;
    this.size = null;
  }

  #call(method, path, body) { return call(method, `/session/${this.id}${path}`, body); }

  async close() { await call('DELETE', `/session/${this.id}`, undefined, AbortSignal.timeout(30_000)).catch(() => {}); }

  // Loads `url`. A page not loaded in 30 s is loaded once more in a new browser, saying so:
  // in CI, WebKitGTK once stopped loading any page of the relay's origin after the first
  // (each load timed out, while a page of another origin loaded), every test after it lost.
  // A second timeout fails the test.
  async go(url) {
    try {
      await this.#call('POST', '/url', { url });
    } catch (error) {
      if (error.code !== 'timeout') throw error;
      const state = await call('POST', `/session/${this.id}/execute/sync`,
        { script: 'return `${document.readyState} ${location.href}`', args: [] }, AbortSignal.timeout(10_000))
        .catch((why) => `no answer (${why.message})`);
      console.error(`${ENGINE} driver: ${url} not loaded in 30 s (the page: ${state}); `
        + 'loading it again in a new browser session');
      await this.close();
      this.id = await openSession();
      if (this.size) await this.setSize(...this.size);
      await this.#call('POST', '/url', { url });
    }
  }

  async setSize(width, height) {
    this.size = [width, height];
    await this.#call('POST', '/window/rect', { width, height }).catch(() => {});
  }

  // Runs `fn` (a function, or its source) in the page with `args`; returns its JSON result.
  async run(fn, ...args) {
    return this.#call('POST', '/execute/sync', { script: `return (${fn}).apply(null, arguments)`, args });
  }

  // As `run`, awaiting the promise `fn` returns.
  async runAsync(fn, ...args) {
    return this.#call('POST', '/execute/async', {
      script: `const done = arguments[arguments.length - 1];
        Promise.resolve((${fn}).apply(null, Array.prototype.slice.call(arguments, 0, -1)))
          .then((value) => done({ value }), (error) => done({ error: String(error && error.stack || error) }));`,
      args,
    }).then((outcome) => {
      if (outcome.error) throw new Error(`${ENGINE}: in the page: ${outcome.error}`);
      return outcome.value;
    });
  }

  // The first element matching `css` (in the shadow host's root, if one is set), or null.
  async find(css) {
    const query = { using: 'css selector', value: css };
    if (!this.shadowHost) {
      const found = await this.#call('POST', '/elements', query);
      return found.length ? found[0][ELEMENT] : null;
    }
    const hosts = await this.#call('POST', '/elements', { using: 'css selector', value: this.shadowHost });
    if (!hosts.length) return null;
    const root = (await this.#call('GET', `/element/${hosts[0][ELEMENT]}/shadow`))[SHADOW];
    const found = await this.#call('POST', `/shadow/${root}/elements`, query);
    return found.length ? found[0][ELEMENT] : null;
  }

  // Waits until `css` matches an element (and, with `text`, one whose text contains it).
  async waitFor(css, { text, timeout = 20_000 } = {}) {
    return this.until(`"${css}"${text ? ` with "${text}"` : ''}`, () => this.run((host, selector, wanted) => {
      const root = host ? document.querySelector(host)?.shadowRoot : document;
      const el = [...(root?.querySelectorAll(selector) ?? [])]
        .find((e) => !wanted || e.textContent.replace(/\s+/g, ' ').includes(wanted));
      return Boolean(el);
    }, this.shadowHost, css, text ?? null), timeout);
  }

  // Polls `check` until it returns a truthy value (which it returns); fails with `what`.
  async until(what, check, timeout = 20_000) {
    const end = Date.now() + timeout;
    let last;
    while (Date.now() < end) {
      last = await check();
      if (last) return last;
      await new Promise((resolve) => { setTimeout(resolve, 150); });
    }
    const text = await this.run((host) => {
      const root = host ? document.querySelector(host)?.shadowRoot : null;
      return `${document.body?.innerText ?? ''}${root ? `\n[in ${host}]\n${root.textContent}` : ''}`;
    }, this.shadowHost).catch(() => '');
    return assert.fail(`${ENGINE}: waited ${timeout} ms for ${what}; the page says:\n${text}`);
  }

  // Clicks the button (or other control) whose text is `text`, as a user does.
  async clickText(text, css = 'button') {
    await this.waitFor(css, { text });
    const id = await this.run((host, selector, wanted) => {
      const root = host ? document.querySelector(host).shadowRoot : document;
      const all = [...root.querySelectorAll(selector)];
      const el = all.find((e) => e.textContent.replace(/\s+/g, ' ').trim() === wanted)
        ?? all.find((e) => e.textContent.includes(wanted));
      el.setAttribute('data-wd', String(Math.random()).slice(2));
      return el.getAttribute('data-wd');
    }, this.shadowHost, css, text);
    await this.click(`[data-wd="${id}"]`);
  }

  async click(css) {
    const el = await this.find(css);
    assert.ok(el, `${ENGINE}: no ${css} to click`);
    await this.#call('POST', `/element/${el}/click`, {});
  }

  // Gives `path` to the file input `css` (the user's choice in the file picker).
  async chooseFile(css, path) {
    const el = await this.find(css);
    assert.ok(el, `${ENGINE}: no ${css}`);
    await this.#call('POST', `/element/${el}/value`, { text: path });
  }

  async screenshot() {
    return Buffer.from(await this.#call('GET', '/screenshot'), 'base64');
  }
}
