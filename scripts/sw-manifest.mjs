// Writes www/sw-manifest.js for the service worker (www/sw.js): the files the page uses and a
// version that changes whenever one of them does. Run by scripts/build-web.sh after the build.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../www/', import.meta.url).pathname;
const list = (dir, keep) => readdirSync(join(root, dir)).filter(keep).sort().map((f) => (dir ? `${dir}/${f}` : f));
const files = [
  ...list('', (f) => /\.(html|js|css|json)$/.test(f) && f !== 'sw.js' && f !== 'sw-manifest.js'),
  'pkg/saliency.js', 'pkg/saliency_bg.wasm',
  // The page downloads the int8 weights; the f16 files are for visitors who want them.
  ...list('pretrained', (f) => f.endsWith('.int8.safetensors') || f.endsWith('.json')),
  ...list('gallery', (f) => /\.(bin|json)$/.test(f)),
];
// Fetched only by a visitor who loads a model of their own (the importer build, the example
// model): cached when first fetched, so that visitor is offline-ready too.
const onDemand = [
  ...list('pkg-onnx', (f) => f === 'saliency.js' || f === 'saliency_bg.wasm'),
  ...(existsSync(join(root, 'examples')) ? list('examples', (f) => /\.(onnx|json)$/.test(f)) : []),
];
const hash = createHash('sha256');
for (const f of [...files, ...onDemand]) hash.update(f).update(readFileSync(join(root, f)));
hash.update(readFileSync(join(root, 'sw.js')));
const version = hash.digest('hex').slice(0, 16);
writeFileSync(join(root, 'sw-manifest.js'),
  `// Made by scripts/sw-manifest.mjs: the build's files and their version.\nself.BUILD = ${JSON.stringify({ version, files: ['./', ...files], onDemand }, null, 1)};\n`);
console.log(`[build] service worker: ${files.length} files (+${onDemand.length} on demand), version ${version}`);
