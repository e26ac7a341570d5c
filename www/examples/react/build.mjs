// Builds the React example offline with esbuild: src/main.jsx (with React) into app.js, with the
// page and its stylesheet beside it, in dist/examples/react/ (or the directory given as an
// argument). `cargo xtask test` and `demo` run it after `npm ci` (copy_examples in
// crates/xtask/src/dist.rs). `--development` builds with React's development build (StrictMode's
// double effects, its warnings), unminified; tests/e2e/react.test.mjs uses it.
//
// The widget's package is not bundled: `import ... from 'kyc-capture'` stays an import of the
// package's loader at the URL it is served from (here the copy in dist/kyc-capture/, in
// production your CDN's versioned copy). That is what a real host does with this package: the
// loader fetches kyc-capture-core_bg.wasm and kyc-capture.css from beside itself
// (`new URL(..., import.meta.url)`), which only holds while it stays its own module at its own
// URL; bundled into app.js it would look for them beside the bundle. It also lets the widget be
// updated (and cached) independently of the host's app.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const development = args.includes('--development');
const out = resolve(args.find((arg) => !arg.startsWith('--')) ?? join(here, '../../../dist/examples/react'));
// Relative to app.js's URL: /examples/react/app.js -> /kyc-capture/kyc-capture.js.
const WIDGET_URL = '../../kyc-capture/kyc-capture.js';

const widgetFromItsUrl = {
  name: 'kyc-capture-external',
  setup(esbuild) {
    esbuild.onResolve({ filter: /^kyc-capture$/ }, () => ({ path: WIDGET_URL, external: true }));
  },
};

mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(here, 'src/main.jsx')],
  outfile: join(out, 'app.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022'],
  jsx: 'automatic',
  minify: !development,
  legalComments: 'linked',
  define: { 'process.env.NODE_ENV': development ? '"development"' : '"production"' },
  plugins: [widgetFromItsUrl],
  logLevel: 'warning',
});
for (const file of ['index.html', 'app.css']) copyFileSync(join(here, file), join(out, file));
console.log(`React example built into ${out}`);
