// Where the WASM engine's time goes, in the browser: runs one method (or `predict`) on the gallery's
// images under Chromium's sampling profiler and prints each function's share of the samples (self
// time). Needs a build that keeps the function names, which scripts/profile-web.sh makes.
//   node scripts/profile-web.mjs PKG_DIR [mnist|cifar10] [method|predict] [runs]
import { chromium } from 'playwright-core';
import { serve } from './serve.mjs';

const [pkg, dataset = 'mnist', method = 'smoothgrad', runs = '40'] = process.argv.slice(2);
if (!pkg) {
  console.error('usage: node scripts/profile-web.mjs PKG_DIR [mnist|cifar10] [method|predict] [runs]');
  process.exit(2);
}
const ROOT = new URL('../', import.meta.url).pathname;
const server = await serve(ROOT, 0);
const base = `http://127.0.0.1:${server.address().port}/`;
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--headless=new', '--no-sandbox'] });
try {
  const page = await browser.newPage();
  await page.goto(`${base}scripts/bench.html`);
  await page.evaluate(async ({ base, pkg, dataset, method }) => {
    const w = await import(`${base}${pkg}/saliency.js`);
    await w.default();
    const weights = new Uint8Array(await (await fetch(`${base}www/pretrained/${dataset}.int8.safetensors`)).arrayBuffer());
    const pixels = new Uint8Array(await (await fetch(`${base}www/gallery/${dataset}.bin`)).arrayBuffer());
    const model = new w.Model(weights, dataset);
    const per = model.side * model.side * model.channels;
    const images = Array.from({ length: pixels.length / per }, (_, k) => Float32Array.from(pixels.subarray(k * per, (k + 1) * per), (v) => v / 255));
    window.run = (i) => (method === 'predict' ? model.predict(images[i % images.length]) : model.explain(images[i % images.length], { method }));
    // Optimised code first: V8 starts WASM on baseline code.
    for (let k = 0, until = performance.now() + 2000; performance.now() < until; k++) window.run(k);
  }, { base, pkg: pkg.replace(/^\.?\//, '').replace(/\/$/, ''), dataset, method });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
  await cdp.send('Profiler.start');
  const median = await page.evaluate((runs) => {
    const ms = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      window.run(i);
      ms.push(performance.now() - t0);
    }
    return ms.sort((a, b) => a - b)[runs >> 1];
  }, Number(runs));
  const { profile } = await cdp.send('Profiler.stop');
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    // Rust symbols end in a hash: `saliency::direct::pool::h1ba7…` → `saliency::direct::pool`.
    const name = (nodes.get(id).callFrame.functionName || '(anonymous)').replace(/::h[0-9a-f]{16}$/, '');
    self.set(name, (self.get(name) ?? 0) + us);
    total += us;
  });
  console.log(`${dataset} ${method}: median ${median.toFixed(2)} ms over ${runs} runs (profiler on); self time:`);
  for (const [name, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
    console.log(`${((100 * us) / total).toFixed(1).padStart(6)} %  ${name.slice(0, 140)}`);
  }
} finally {
  await browser.close();
  server.close();
}
