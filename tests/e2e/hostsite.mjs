// A host's side of an embedding, as docs/embedding.md describes it: its web server (serving the
// built package and the example pages from another origin than the relay, each page rendered
// with the relay's URL and a session's token, under a strict Content-Security-Policy) and its
// backend (which creates the session with the host API key).
import { createServer } from 'node:http';
import { readFileSync, existsSync, statSync } from 'node:fs';
import { join, extname, normalize } from 'node:path';
import assert from 'node:assert/strict';
import { artifact, freePort, RelayProcess, SANDBOX_URL } from './browser.mjs';

export const HOST_KEY = 'e2e-host-api-key';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css',
  '.wasm': 'application/wasm', '.json': 'application/json', '.txt': 'text/plain; charset=utf-8',
};

/** The CSP of docs/embedding.md for a page whose widget talks to `relayUrl`. */
export function strictCsp(relayUrl) {
  return [
    "default-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", "style-src 'self'",
    "img-src 'self' blob:", "worker-src blob:", `connect-src 'self' ${relayUrl}`, "object-src 'none'", "base-uri 'none'",
  ].join('; ');
}

/**
 * The host's web server on 127.0.0.1:`port`, serving `site` (the built dist/: the package in
 * kyc-capture/, the pages in examples/). An HTML page gets `{{RELAY_URL}}` and
 * `{{SESSION_TOKEN}}` (the `token` query parameter) filled in and is sent with the strict CSP.
 * Resolves to the http.Server.
 */
export function startHostSite({ port, relayUrl, site = process.env.RELAY_STATIC_DIR }) {
  const csp = strictCsp(relayUrl);
  const server = createServer((request, response) => {
    const url = new URL(request.url, `http://${request.headers.host}`);
    if (url.pathname === '/favicon.ico') {
      response.writeHead(204).end();
      return;
    }
    const path = normalize(decodeURIComponent(url.pathname)).replace(/^(\.\.[/\\])+/, '');
    let file = join(site, path);
    if (file.startsWith(site) && existsSync(file) && statSync(file).isDirectory()) {
      file = join(file, 'index.html');
    }
    if (!file.startsWith(site) || !existsSync(file)) {
      response.writeHead(404).end('not found');
      return;
    }
    let body = readFileSync(file);
    const type = TYPES[extname(file)] ?? 'application/octet-stream';
    const headers = { 'content-type': type };
    if (type.startsWith('text/html')) {
      body = body.toString()
        .replaceAll('{{RELAY_URL}}', relayUrl)
        .replaceAll('{{SESSION_TOKEN}}', url.searchParams.get('token') ?? '');
      headers['content-security-policy'] = csp;
    }
    response.writeHead(200, headers).end(body);
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

/**
 * What the host's backend does: a session for its customer `reference`, with its API key (and
 * the quality gate's strictness, when given); with `business` (the company and its owners, as
 * `POST /v1/sessions` takes them), a company's session.
 */
export async function hostSession(relayUrl, reference, { key = HOST_KEY, provider = 'd', quality, business } = {}) {
  const response = await fetch(`${relayUrl}/v1/sessions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      customer_reference: reference, customer_type: business ? 'business' : 'individual', country: 'GBR',
      provider, quality, business,
    }),
  });
  assert.equal(response.status, 201, await response.clone().text());
  return (await response.json()).token;
}

/** The events an example page listed (`#events li[data-event]`), as [name, detail]. */
export async function receivedEvents(page) {
  return page.$$eval('#events li', (items) => items.map((item) => {
    const name = item.dataset.event;
    return [name, JSON.parse(item.textContent.slice(name.length + 1))];
  }));
}

/**
 * A host embedding the widget, as a test needs it: a relay of its own (the e2e sandbox behind
 * it) that takes this host's API key and allows its origin, and the host's web server. `name`
 * names the relay's database and log. `stop()` ends both.
 */
export async function startEmbedding(name) {
  const hostPort = await freePort();
  const hostOrigin = `http://127.0.0.1:${hostPort}`;
  const relay = new RelayProcess({
    port: await freePort(),
    database: join(process.env.E2E_STATE_DIR, `${name}-relay.sqlite`),
    log: artifact(`${name}-relay.log`),
  });
  // Provider A too, for a company's session (D onboards businesses apart, not through the relay).
  relay.args.push('--host-api-key', HOST_KEY, '--allowed-origin', hostOrigin, '--provider-a-url', `${SANDBOX_URL}/a`);
  await relay.start();
  const host = await startHostSite({ port: hostPort, relayUrl: relay.url });
  return {
    relay,
    hostOrigin,
    async stop() {
      await relay.stop();
      host.close();
    },
  };
}

/** Collects the page's CSP violations in `window.cspViolations`, from its first script on. */
export function recordCspViolations(page) {
  return page.addInitScript(() => {
    window.cspViolations = [];
    document.addEventListener('securitypolicyviolation',
      (event) => window.cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`));
  });
}
