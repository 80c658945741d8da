// The worker pool: pools of 1, 2 and 3 workers give the same maps (SmoothGrad, IG, occlusion),
// the same compare grid and randomisation curves, and the same maps as one Model.explain to
// float tolerance; the page uses it for the slow methods, the grid and the curves.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { recompute, useSite } from './harness.mjs';

const site = useSite();

describe('the worker pool', () => {
  test('pools of 1, 2 and 3 workers give the same maps, grid and curves', async () => {
    const { page, context, errors } = await site.open();
    const out = await page.evaluate(async () => {
      const { Pool, PARTS } = await import('./pool.js');
      const mod = await import('./pkg/saliency.js');
      await mod.default();
      const bytes = new Uint8Array(await (await fetch('pretrained/mnist.safetensors')).arrayBuffer());
      const model = new mod.Model(bytes, 'mnist');
      const pixels = new Uint8Array(await (await fetch('gallery/mnist.bin')).arrayBuffer());
      const image = Float32Array.from(pixels.subarray(784 * 3, 784 * 4), (v) => v / 255);
      const asks = [
        { method: 'smoothgrad', samples: 12, seed: 5 },
        { method: 'smoothgrad', samples: 10, average: 'squared' },
        { method: 'ig', steps: 20 },
        { method: 'occlusion', patch: 4, stride: 2 },
        { method: 'vanilla' },
        { method: 'smoothgrad', samples: 6, average: 'vargrad' },
      ];
      const runs = {};
      for (const size of [1, 2, 3]) {
        const pool = await Pool.create({ size });
        const maps = [];
        for (const o of asks) maps.push(Array.from((await pool.explain('mnist', image, o)).raw));
        const grid = await pool.compare('mnist', image, { target: null }, {}, { baseline: 'zero' }, 10);
        const rnd = await pool.randomisation('mnist', image, { target: null }, {});
        runs[size] = { size: pool.size, maps, grid: grid.results.map((r) => [r.method, Array.from(r.raw), r.evaluation.deletion]), agreement: grid.agreement, curves: rnd.curves };
        pool.terminate();
      }
      const direct = asks.map((o) => Array.from(model.explain(image, o).raw));
      return { PARTS, runs, direct };
    });
    assert.equal(out.PARTS, 8);
    for (const size of [1, 2, 3]) assert.equal(out.runs[size].size, size);
    for (const size of [2, 3]) {
      const a = out.runs[1];
      const b = out.runs[size];
      b.maps.forEach((m, i) => {
        const d = Math.max(...m.map((v, j) => Math.abs(v - a.maps[i][j])));
        assert.ok(d <= 1e-6, `map ${i}: pool of ${size} differs from a pool of 1 by ${d}`);
      });
      assert.deepEqual(b.grid, a.grid, `compare grid, pool of ${size}`);
      assert.deepEqual(b.agreement, a.agreement);
      assert.deepEqual(b.curves, a.curves, `randomisation curves, pool of ${size}`);
    }
    assert.equal(out.runs[1].curves.length, 14);
    // The same maps as Model.explain in one call, to float tolerance.
    out.direct.forEach((m, i) => {
      const scale = Math.max(...m.map(Math.abs));
      const d = Math.max(...m.map((v, j) => Math.abs(v - out.runs[2].maps[i][j]))) / scale;
      assert.ok(d < 1e-5, `map ${i}: pool vs Model.explain, relative ${d}`);
    });
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('the page shares a slow method among its workers', async () => {
    const { page, context, errors } = await site.open();
    const cores = await page.evaluate(() => navigator.hardwareConcurrency || 2);
    assert.equal(page.workers().length, 1, 'one worker until work can be shared');
    await recompute(page, () => page.selectOption('#method', 'smoothgrad'));
    const size = Math.min(8, cores);
    assert.equal(page.workers().length, size);
    assert.match(await page.textContent('#timing'), size > 1 ? new RegExp(`SmoothGrad: [\\d.]+ ms in WebAssembly \\(shared by ${size} workers`) : /in a worker/);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('while the pen is down a slow method is previewed by vanilla every frame; it follows when the pen lifts', async () => {
    const { page, context, errors } = await site.open();
    await recompute(page, () => page.selectOption('#method', 'smoothgrad'));
    await page.click('#tab-draw');
    const box = await page.locator('#pad').boundingBox();
    const shown = () => page.evaluate(() => ({ method: document.getElementById('view-heatmap').dataset.method,
      maps: Number(document.body.dataset.mapsShown), timing: document.getElementById('timing').textContent }));
    const before = (await shown()).maps;
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.15);
    await page.mouse.down();
    for (let t = 0; t <= 1; t += 0.05) {
      await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * (0.15 + 0.7 * t));
      await page.waitForTimeout(20);
    }
    // Pen still down: vanilla maps, said to be a preview.
    await page.waitForFunction(() => document.getElementById('view-heatmap').dataset.input === 'drawing');
    const during = await shown();
    assert.equal(during.method, 'vanilla');
    assert.match(during.timing, /Preview while drawing; SmoothGrad follows when the pen lifts/);
    assert.ok(during.maps - before >= 2, `${during.maps - before} maps during the stroke`);
    await recompute(page, () => page.mouse.up());
    await page.waitForFunction(() => document.getElementById('view-heatmap').dataset.method === 'smoothgrad' && !document.body.classList.contains('busy'));
    assert.doesNotMatch((await shown()).timing, /Preview/);
    assert.equal(await page.isVisible('#faith'), true);
    assert.deepEqual(errors, []);
    await context.close();
  });
});
