// kyc-capture: the loader a host page imports. It defines the <kyc-capture> element and exports
// mount(element, options). The WebAssembly module is fetched once, on first use, from beside
// this file (its later steps' part while the first step shows); so is the stylesheet. No inline
// script or style is ever created, so the widget runs under a strict Content-Security-Policy
// (script-src 'self' 'wasm-unsafe-eval'; style-src 'self').
// Types and the events' payloads: kyc-capture.d.ts. Guide: docs/embedding.md.
const WASM_URL = new URL('./kyc-capture-core_bg.wasm', import.meta.url);
const CSS_URL = new URL('./kyc-capture.css', import.meta.url).href;

// The widgets on screen: a page that drops what mount() returned must not lose its widget when
// the collector takes the handle (its finalizer would unmount it).
const mounted = new Set();

// The glue and the module, fetched at once on first use: the module's download does not wait
// for the glue and the split's loader it imports, one after the other (the startup bench's
// median to the first step: 211 ms before, 137 ms after). Resolves to the glue, its module
// started.
let ready;
function load() {
  ready ??= (async () => {
    const module = fetch(WASM_URL).then(compile);
    module.catch(() => {});
    const [glue] = await Promise.all([import('./kyc-capture-core.js'), import('./__wasm_split.js')]);
    await glue.default({ module_or_path: module });
    return glue;
  })();
  return ready;
}

// The module compiled as its bytes arrive, while the glue and the split's loader are imported
// (the glue then only instantiates it: on this repository's bench machine, 7 ms less from the
// loader's start to the module's start, with the preloads). A server that does not say
// `application/wasm`, or a browser without streaming compilation: compiled from the whole bytes
// instead, as the glue itself would.
function compile(response) {
  if (!response.ok) throw new Error(`kyc-capture: ${response.url} answered ${response.status}`);
  const streams = typeof WebAssembly.compileStreaming === 'function'
    && response.headers.get('content-type')?.startsWith('application/wasm');
  return streams
    ? WebAssembly.compileStreaming(response)
    : response.arrayBuffer().then((bytes) => WebAssembly.compile(bytes));
}

// The session's view (`GET /v1/session`, as the widget would ask with a host's token), asked
// for while the module downloads rather than after it starts: the first step needs both, and
// now waits for the slower, not for the two in a row (one round trip; on this repository's
// bench machine, 12 loads of a host's page four times over, medians 114 to 154 ms with it,
// 125 to 163 ms without). Resolves to [status, text], which the widget reads as its own
// request's answer. Without a token (a demo, a phone's handoff page) the widget asks itself.
function sessionAnswer(options) {
  const token = options?.sessionToken;
  if (typeof token !== 'string' || token.trim() === '') return undefined;
  const endpoint = typeof options.endpoint === 'string' ? options.endpoint.replace(/\/+$/, '') : '';
  const answer = fetch(`${endpoint}/v1/session`, { headers: { authorization: `Bearer ${token}` } })
    .then(async (response) => [response.status, await response.text()]);
  answer.catch(() => {});
  return answer;
}

function stylesheet() {
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = CSS_URL;
  return link;
}

// In the light DOM the page needs the stylesheet once.
function ensurePageStylesheet() {
  const present = [...document.querySelectorAll('link[rel=stylesheet]')]
    .some((link) => link.href === CSS_URL);
  if (!present) document.head.append(stylesheet());
}

/**
 * Mounts the widget into `element`. Returns at once; the widget appears when its module has
 * loaded. Events (`kyc-ready`, `kyc-step-changed`, ...) are dispatched on `element`.
 */
export function mount(element, options = {}) {
  if (!(element instanceof HTMLElement)) {
    throw new TypeError('kyc-capture: mount(element, options) needs an HTMLElement');
  }
  if (element.getRootNode() === document) ensurePageStylesheet();
  let handle = null;
  let unmounted = false;
  let locale = null;
  const answer = sessionAnswer(options);
  load().then(
    (glue) => {
      if (unmounted) return;
      handle = glue.mount(element, options, answer);
      mounted.add(handle);
      if (locale !== null) handle.setLocale(locale);
    },
    (error) => {
      console.error('kyc-capture: the widget module could not be loaded', error);
      element.dispatchEvent(new CustomEvent('kyc-error', {
        bubbles: true, composed: true,
        detail: { code: 'load_failed', message: String(error) },
      }));
    },
  );
  return {
    unmount() {
      unmounted = true;
      if (handle) {
        mounted.delete(handle);
        handle.unmount();
        handle.free();
        handle = null;
      }
    },
    setLocale(tag) {
      if (handle) return handle.setLocale(tag);
      locale = tag;
      return true;
    },
  };
}

const ATTRIBUTES = ['endpoint', 'session-token', 'locale', 'theme', 'demo', 'auto-capture', 'handoff', 'handoff-url'];

/** `<kyc-capture endpoint="…" session-token="…" locale="…" theme="…">`, in a shadow root. */
export class KycCaptureElement extends HTMLElement {
  static observedAttributes = ATTRIBUTES;
  #handle = null;
  #container = null;

  connectedCallback() {
    if (!this.shadowRoot) {
      const root = this.attachShadow({ mode: 'open' });
      this.#container = document.createElement('div');
      root.append(stylesheet(), this.#container);
    }
    this.#mount();
  }

  disconnectedCallback() {
    this.#unmount();
  }

  attributeChangedCallback(name, previous, value) {
    if (!this.#handle || previous === value) return;
    if (name === 'locale' && value) {
      this.#handle.setLocale(value);
    } else {
      this.#unmount();
      this.#mount();
    }
  }

  /** Switches the language, keeping what was captured. */
  setLocale(tag) {
    this.setAttribute('locale', tag);
  }

  #options() {
    const options = { endpoint: this.getAttribute('endpoint') ?? '' };
    const token = this.getAttribute('session-token');
    if (token !== null) options.sessionToken = token;
    if (this.hasAttribute('demo')) options.demo = true;
    for (const [name, key] of [['locale', 'locale'], ['theme', 'theme'], ['handoff', 'handoff'], ['handoff-url', 'handoffUrl']]) {
      const value = this.getAttribute(name);
      if (value !== null) options[key] = value;
    }
    if (this.hasAttribute('auto-capture')) options.autoCapture = true;
    if (this.messages) options.messages = this.messages;
    return options;
  }

  #mount() {
    this.#container.replaceChildren();
    this.#handle = mount(this.#container, this.#options());
  }

  #unmount() {
    this.#handle?.unmount();
    this.#handle = null;
  }
}

if (!customElements.get('kyc-capture')) {
  customElements.define('kyc-capture', KycCaptureElement);
}
