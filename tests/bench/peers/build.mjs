// Builds the peers of `peers.mjs` into OUT (an argument): for each, `<name>/<name>.js` and
// `<name>/<name>.css` (esbuild: bundled, minified, no legal comments, for the browsers of 2020
// on) and the page that loads them, `<name>/index.html`; and the peers' photo page,
// `photo/index.html` (`photo.js`). Prints what the bench's report says of each peer as
// `BENCHFACT peers.<name>.<label|what|ready|version> <text>` lines (the versions as
// `package@version ...`), and the photo page's versions as `peers.photo.version`.
//
//   node tests/bench/peers/build.mjs dist/peers
import { build } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PEERS, PHOTO } from './peers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const out = process.argv[2];
if (!out) throw new Error('usage: node build.mjs OUT_DIR');
rmSync(out, { recursive: true, force: true });

// `<name>.js` bundled into OUT/<name>/ with the page that loads it (and its stylesheet, if it
// imports one) into `body`.
async function page(name, title, body) {
  const dir = join(out, name);
  mkdirSync(dir, { recursive: true });
  const result = await build({
    entryPoints: [join(here, `${name}.js`)],
    bundle: true,
    minify: true,
    format: 'iife',
    target: 'es2020',
    legalComments: 'none',
    define: { 'process.env.NODE_ENV': '"production"' },
    outdir: dir,
    logLevel: 'warning',
    metafile: true,
  });
  const styled = Object.keys(result.metafile.outputs).some((file) => file.endsWith('.css'));
  const stylesheet = styled ? `<link rel="stylesheet" href="./${name}.css">\n` : '';
  writeFileSync(join(dir, 'index.html'), `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
${stylesheet}<script src="./${name}.js" defer></script>
</head>
<body>
${body}
</body>
</html>
`);
}

// `package@version` of each of `packages`, as installed.
function versions(packages) {
  return packages.map((name) => {
    const manifest = JSON.parse(readFileSync(join(here, 'node_modules', name, 'package.json'), 'utf8'));
    return `${name}@${manifest.version}`;
  }).join(' ');
}

for (const peer of PEERS) {
  await page(peer.name, `${peer.label}: the bench's peer page`, peer.body);
  console.log(`BENCHFACT peers.${peer.name}.label ${peer.label}`);
  console.log(`BENCHFACT peers.${peer.name}.what ${peer.what}`);
  console.log(`BENCHFACT peers.${peer.name}.ready ${peer.ready}`);
  console.log(`BENCHFACT peers.${peer.name}.version ${versions(peer.packages)}`);
}
await page('photo', "The peers' photo path", PHOTO.body);
console.log(`BENCHFACT peers.photo.version ${versions(PHOTO.packages)}`);
