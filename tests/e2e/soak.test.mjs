// Soak: 10,000 consecutive maps in the browser — every method, both datasets, post-processing and
// randomized models included — sampling WASM memory and the JS heap. Fails if memory keeps growing
// after warm-up. Prints the figures (and writes screenshots/soak.json). Set SOAK_MAPS to change the count.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { SHOTS, useSite } from './harness.mjs';

const site = useSite({ extraArgs: ['--js-flags=--expose-gc', '--enable-precise-memory-info'] });
const MAPS = Number(process.env.SOAK_MAPS ?? 10_000);
const WARMUP = Math.round(MAPS / 10);

describe('soak', () => {
  test(`${MAPS} consecutive maps keep WASM memory and the JS heap flat after warm-up`, { timeout: 3_600_000 }, async () => {
    const { page, context, errors } = await site.open({ wait: false });
    const run = await page.evaluate(async ({ maps, every }) => {
      const mod = await import('./pkg/saliency.js');
      const wasm = await mod.default();
      const load = async (d) => new mod.Model(new Uint8Array(await (await fetch(`pretrained/${d}.safetensors`)).arrayBuffer()), d);
      const models = [await load('mnist'), await load('cifar10')];
      const methods = mod.methods();
      // Methods that draw baselines from data get the bundled gallery, as the page's worker passes it.
      const gallery = async (d) => Float32Array.from(new Uint8Array(await (await fetch(`gallery/${d}.bin`)).arrayBuffer()), (v) => v / 255);
      const references = [await gallery('mnist'), await gallery('cifar10')];
      const needsReferences = new Set(mod.registry().filter((m) => m.params.some((p) => p.key === 'references')).map((m) => m.id));
      const posts = [{}, { sign: 'signed', normalize: { kind: 'percentile', p: 99 } }, { sign: 'positive', reduce: 'sum-abs' }];
      const samples = [];
      // After a turn of the event loop (wasm-bindgen's finalizers run then) and two collections, so
      // what is sampled is what is still alive, not what the collector had not reached yet.
      const sample = async (done) => {
        await new Promise((resolve) => setTimeout(resolve, 0));
        globalThis.gc?.();
        globalThis.gc?.();
        samples.push({ maps: done, wasm: wasm.memory.buffer.byteLength, heap: performance.memory.usedJSHeapSize });
      };
      let seed = 12345;
      const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
      const t0 = performance.now();
      let failures = 0;
      for (let k = 0; k < maps; k++) {
        if (k % every === 0) await sample(k);
        const model = models[k % 2];
        const method = methods[Math.floor(k / 2) % methods.length];
        const n = model.side * model.side * model.channels;
        const image = Float32Array.from({ length: n }, () => (rnd() < 0.3 ? rnd() : 0));
        try {
          if (k % 500 === 499) {
            // The sanity view's randomized model, created and freed as the worker's cache would.
            const random = model.randomized(1 + (k % 4), BigInt(k));
            random.explain(image, needsReferences.has(method) ? { method, references: references[k % 2] } : { method });
            random.free();
          }
          const options = { method, seed: k, target: k % 10 };
          if (needsReferences.has(method)) options.references = references[k % 2];
          const e = model.explain(image, options);
          mod.toMap(e.raw, e.rawChannels, posts[k % posts.length]);
          mod.reduceChannels(e.raw, e.rawChannels, posts[k % posts.length]);
        } catch (err) {
          failures++;
          if (failures < 5) console.error(`map ${k} (${method}): ${err.message}`);
        }
      }
      await sample(maps);
      return { samples, failures, seconds: (performance.now() - t0) / 1000, methods };
    }, { maps: MAPS, every: Math.max(1, Math.round(MAPS / 40)) });
    const mb = (b) => (b / 1048576).toFixed(1);
    console.log(`soak: ${MAPS} maps (${run.methods.length} methods x 2 datasets) in ${run.seconds.toFixed(0)} s, ${run.failures} failures`);
    for (const s of run.samples) console.log(`  after ${String(s.maps).padStart(6)} maps: WASM ${mb(s.wasm)} MB, JS heap ${mb(s.heap)} MB`);
    writeFileSync(`${SHOTS}/soak.json`, JSON.stringify(run, null, 1));
    assert.equal(run.failures, 0);
    const after = run.samples.filter((s) => s.maps >= WARMUP);
    const half = after[Math.floor(after.length / 2)];
    const last = after.at(-1);
    // WASM memory only ever grows (in 64 KiB pages). A leak, even of a few hundred bytes a map,
    // shows as growth over the second half of the run; that half must be perfectly flat. (An
    // allocator may still take one larger block early on: that is a step, not a leak, and it is
    // bounded by the cap on batch sizes.)
    assert.equal(last.wasm, half.wasm, `WASM memory grew from ${mb(half.wasm)} to ${mb(last.wasm)} MB over the second half`);
    assert.ok(last.wasm - after[0].wasm <= 16 * 1048576, `WASM memory grew by ${mb(last.wasm - after[0].wasm)} MB after warm-up`);
    // Sampled as `sample` does, the JS heap measured flat (4.0 MB at every sample). Sampled after
    // one gc() without yielding, it moved in a band of 8-21 MB, which once failed the peak check.
    // A leak shows as the heap rising, so the second half's peak and median must not exceed the
    // first post-warm-up half's.
    const [firstHalf, secondHalf] = [after.slice(0, Math.floor(after.length / 2)), after.slice(Math.floor(after.length / 2))];
    const median = (v) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)];
    const heaps = (v) => v.map((s) => s.heap);
    const [peakA, peakB] = [Math.max(...heaps(firstHalf)), Math.max(...heaps(secondHalf))];
    const [medA, medB] = [median(heaps(firstHalf)), median(heaps(secondHalf))];
    assert.ok(peakB <= peakA + 4 * 1048576, `JS heap peak rose from ${mb(peakA)} to ${mb(peakB)} MB`);
    assert.ok(medB <= medA + 1048576, `JS heap median rose from ${mb(medA)} to ${mb(medB)} MB`);
    assert.deepEqual(errors, []);
    await context.close();
  });
});
