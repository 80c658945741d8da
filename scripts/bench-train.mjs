// Training speed in headless Chromium, printed (no test depends on it): one step of batch 250 of
// the tutorial's MNIST network on the graph engine's trainer (WASM, one thread, the page's
// importer build) against TensorFlow.js (the wasm backend if it can, and the cpu backend) training the same network with the same
// batch (Adam, softmax cross-entropy, dropout 0.25), medians after warm-up; then the Train view
// itself on 1, 2 and 4 workers (images/s over whole steps, film strip off) and the epoch of 48,000
// images that implies. Needs the built site with its training data (scripts/build-web.sh with
// SALIENCY_DATA set) and node_modules/@tensorflow (scripts/bench.sh installs it).
//   node scripts/bench-train.mjs [--reps N] [--images N] [--no-tf]
import { chromium } from 'playwright-core';
import { serve } from './serve.mjs';

const ROOT = new URL('../', import.meta.url).pathname;
const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : dflt; };
const reps = arg('--reps', 7);
const poolImages = arg('--images', 20_000);
// TF.js's cpu backend takes about a minute a step: --no-tf leaves it out.
const skipTf = process.argv.includes('--no-tf');

const server = await serve(ROOT, 0);
const base = `http://127.0.0.1:${server.address().port}/`;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
console.log(`Chromium ${browser.version()}, ${reps} timed steps each after 2 warm-up steps`);

// ---------- one step of batch 250, one thread: ours and TF.js ----------
const page = await browser.newPage();
await page.goto(`${base}scripts/bench.html`);
await page.addScriptTag({ url: `${base}node_modules/@tensorflow/tfjs/dist/tf.min.js` });
await page.addScriptTag({ url: `${base}node_modules/@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.min.js` });
const step = await page.evaluate(async ({ base, reps, skipTf }) => {
  const lib = await import(`${base}www/pkg-onnx/saliency.js`);
  await lib.default();
  const index = await (await fetch(`${base}www/data/index.json`)).json();
  const files = await Promise.all(index.mnist.map(async (f) => {
    const res = await fetch(`${base}www/${f.path}`);
    const bytes = new Uint8Array(await new Response(res.body.pipeThrough(new DecompressionStream('gzip'))).arrayBuffer());
    return { name: f.path.split('/').pop().replace(/\.gz$/, ''), bytes };
  }));
  const { train } = lib.readTrainingFiles(files);
  const timed = (f) => {
    f(); f();
    const t = [];
    for (let i = 0; i < reps; i++) { const t0 = performance.now(); f(); t.push(performance.now() - t0); }
    return t.sort((a, b) => a - b)[Math.floor(reps / 2)];
  };
  const ours = new lib.Training('mnist', train.pixels, train.labels, { seed: 1 });
  const oursMs = timed(() => ours.step());
  // The same step as two Train view workers take it: two shares' parts, applied.
  const chunked = new lib.Training('mnist', train.pixels, train.labels, { seed: 1 });
  const chunkedMs = timed(() => {
    const n = chunked.chunks;
    chunked.applyParts([...chunked.shareSums(0, n >> 1), ...chunked.shareSums(n >> 1, n)]);
  });

  const tf = window.tf;
  tf.wasm.setWasmPaths(`${base}node_modules/@tensorflow/tfjs-backend-wasm/dist/`);
  const tfStep = async (backend) => {
  await tf.setBackend(backend);
  await tf.ready();
  const model = tf.sequential({ layers: [
    tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu' }),
    tf.layers.maxPooling2d({ poolSize: 2 }), tf.layers.dropout({ rate: 0.25 }),
    tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
    tf.layers.maxPooling2d({ poolSize: 2 }), tf.layers.dropout({ rate: 0.25 }),
    tf.layers.flatten(), tf.layers.dense({ units: 256, activation: 'relu' }), tf.layers.dense({ units: 10 }),
  ] });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: tf.losses.softmaxCrossEntropy });
  let at = 0;
  const batch = () => {
    const n = 250, px = new Float32Array(n * 784), y = new Float32Array(n * 10);
    for (let i = 0; i < n; i++, at = (at + 1) % train.labels.length) {
      for (let j = 0; j < 784; j++) px[i * 784 + j] = train.pixels[at * 784 + j] / 255;
      y[i * 10 + train.labels[at]] = 1;
    }
    return [tf.tensor4d(px, [n, 28, 28, 1]), tf.tensor2d(y, [n, 10])];
  };
  const batches = Array.from({ length: reps + 2 }, batch);
  let k = 0;
  // trainOnBatch is async; its time is awaited below, step by step.
  const times = [];
  for (let i = 0; i < reps + 2; i++) {
    const [x, y] = batches[k++];
    const t0 = performance.now();
    await model.trainOnBatch(x, y);
    if (i >= 2) times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[Math.floor(reps / 2)];
  };
  // The wasm backend has no kernel for a convolution's weight gradient: it cannot train a CNN.
  const tfMs = {};
  for (const backend of skipTf ? [] : ['wasm', 'cpu']) {
    try { tfMs[backend] = await tfStep(backend); } catch (err) { tfMs[backend] = err.message; }
  }
  return { oursMs, chunkedMs, tfMs, tf: tf.version.tfjs };
}, { base, reps, skipTf });
await page.close();
console.log(`One step of batch 250 (MNIST), one thread:`);
console.log(`  graph engine (WASM)        ${step.oursMs.toFixed(0).padStart(6)} ms  ${(250 / (step.oursMs / 1000)).toFixed(0)} images/s`);
console.log(`  the same in two shares      ${step.chunkedMs.toFixed(0).padStart(6)} ms  (as the Train view's workers send them)`);
for (const [backend, ms] of Object.entries(step.tfMs)) {
  if (typeof ms === 'string') { console.log(`  TF.js ${step.tf} (${backend}): cannot train this network: ${ms}`); continue; }
  console.log(`  TF.js ${step.tf} (${backend.padEnd(4)})     ${ms.toFixed(0).padStart(6)} ms  ${(250 / (ms / 1000)).toFixed(0)} images/s  (ours ${(ms / step.oursMs).toFixed(2)}x faster)`);
}

// ---------- the Train view on 1, 2, 4 workers ----------
console.log(`The Train view, ${poolImages.toLocaleString('en-US')} images (${Math.ceil((poolImages * 0.8) / 250)} steps), film strip off:`);
for (const workers of [1, 2, 4]) {
  const p = await browser.newPage();
  await p.goto(`${base}www/`);
  await p.waitForFunction(() => document.getElementById('figure-title').textContent.includes('target ='), null, { timeout: 120_000 });
  await p.click('#train > summary');
  await p.waitForFunction(() => /Press Train/.test(document.getElementById('train-status').textContent), null, { timeout: 120_000 });
  await p.fill('#train-images', String(poolImages));
  await p.fill('#train-every', '1000');
  await p.selectOption('#train-workers', String(workers));
  await p.click('#train-start');
  await p.waitForFunction(() => /^Done/.test(document.getElementById('train-status').textContent), null, { timeout: 900_000, polling: 1000 });
  const text = await p.textContent('#train-status');
  const rate = Number(text.match(/(\d+) images\/s/)[1]);
  const acc = text.match(/Test accuracy (\S+ %)/)?.[1];
  console.log(`  ${workers} worker${workers > 1 ? 's' : ' '}  ${String(rate).padStart(6)} images/s  one epoch of 48,000 ≈ ${(48_000 / rate).toFixed(0)} s  (test accuracy ${acc})`);
  await p.close();
}
await browser.close();
server.close();
