// axe-core (WCAG 2.1 A/AA and best practices) on every view a visitor reaches: the first map, the
// compare grid with its evidence, the drawing pad, a dream, CIFAR-10, inside the network and the
// layer table; on a desktop and a phone.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { recompute, settled, useSite } from './harness.mjs';

const site = useSite();
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];

/** The rules broken on the page as it is now, each with (up to three of) the nodes breaking it. */
async function violations(page) {
  // evaluate() runs outside the page's CSP, which (rightly) refuses injected scripts.
  await page.evaluate(AXE);
  const r = await page.evaluate((tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags } }), TAGS);
  return r.violations.map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
}

describe('accessibility', () => {
  for (const viewport of [{ width: 1366, height: 900 }, { width: 390, height: 844 }]) {
    test(`${viewport.width}×${viewport.height}: no axe-core violation on load, compare, draw, dream, CIFAR-10, inside the network and training`, { timeout: 600_000 }, async () => {
      const { page, context, errors } = await site.open({ viewport });
      const found = {};
      const check = async (view) => { found[view] = await violations(page); };
      await check('load');
      await page.click('#compare');
      await page.waitForFunction(() => !document.querySelector('#compare-grid figure.pending')
        && /methods × 9 maps/.test(document.getElementById('rand-status').textContent), null, { timeout: 240_000 });
      await check('compare');
      await page.click('#tab-draw');
      await check('draw');
      await page.click('#dream-start');
      await page.waitForFunction(() => /Step [1-9]/.test(document.getElementById('dream-status').textContent), null, { timeout: 60_000 });
      await check('dream');
      await recompute(page, () => page.check('input[name="dataset"][value="cifar10"]'));
      await settled(page);
      await check('cifar10');
      // Inside the network, open, a channel enlarged and ranked; and the layer table.
      await page.click('#inside > summary');
      await page.waitForFunction(() => /nodes for class/.test(document.getElementById('inside-status').textContent));
      await page.click('#inside-strip .node-row[data-node="conv2"] canvas');
      await page.waitForFunction(() => document.querySelectorAll('#inside-rank li').length > 0);
      await page.click('#model-layers > summary');
      await check('inside');
      // Watch it learn, after a short run (MNIST picked while CIFAR-10's data starts downloading).
      await page.click('#train > summary');
      await page.selectOption('#train-dataset', 'mnist');
      await page.waitForFunction(() => /^MNIST: .*Press Train/.test(document.getElementById('train-status').textContent), null, { timeout: 240_000 });
      await page.fill('#train-images', '600');
      await page.fill('#train-every', '1');
      await page.click('#train-start');
      await page.waitForFunction(() => /^Done/.test(document.getElementById('train-status').textContent), null, { timeout: 240_000 });
      // The trained weights become the page's: wait for their map and curves (the curves are dimmed
      // while they are recomputed, which axe rightly counts as low contrast).
      await page.waitForFunction(() => /Your weights \(trained in this tab/.test(document.getElementById('status').textContent)
        && !document.getElementById('faith').classList.contains('stale'), null, { timeout: 120_000 });
      await settled(page);
      await check('train');
      assert.deepEqual(found, { load: [], compare: [], draw: [], dream: [], cifar10: [], inside: [], train: [] });
      assert.deepEqual(errors, []);
      await context.close();
    });
  }
});
