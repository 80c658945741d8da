// The page holds still: the layout shifts a visitor did not cause (PerformanceObserver
// `layout-shift` entries without `hadRecentInput`), summed from load through the first map, a method
// switch, a stroke on the pad, Compare all methods and a switch to CIFAR-10, on a desktop and a phone.
// Every view a later feature adds must keep the sum under the bound.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { recompute, settled, SHOTS, useSite } from './harness.mjs';

const site = useSite();

const BOUND = 0.01;
const VIEWPORTS = { desktop: { width: 1366, height: 900 }, phone: { width: 390, height: 844 } };

/** Records every layout shift with the nodes that moved, from the first paint on. */
const recordShifts = (context) => context.addInitScript(() => {
  window.shifts = [];
  const describe = (n) => (n ? `${n.nodeName.toLowerCase()}${n.id ? `#${n.id}` : ''}${n.className && typeof n.className === 'string' ? `.${n.className.split(' ').join('.')}` : ''}` : '?');
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      window.shifts.push({
        value: e.value, input: e.hadRecentInput, t: Math.round(e.startTime),
        nodes: e.sources.map((s) => `${describe(s.node)} ${JSON.stringify(s.previousRect)}→${JSON.stringify(s.currentRect)}`),
      });
    }
  }).observe({ type: 'layout-shift', buffered: true });
});

/** Waits for the compare grid, its agreement matrix and its randomisation curves. */
async function compareDone(page) {
  await page.waitForFunction(() => document.querySelectorAll('#compare-grid figure canvas').length > 0
    && !document.querySelector('#compare-grid figure.pending')
    && !document.getElementById('compare-grid').hasAttribute('aria-busy')
    && /methods × 9 maps/.test(document.getElementById('rand-status').textContent), null, { timeout: 240_000 });
}

async function stroke(page) {
  await page.click('#tab-draw');
  const box = await page.locator('#pad').boundingBox();
  await recompute(page, async () => {
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.2);
    await page.mouse.down();
    for (let t = 0; t <= 1; t += 0.1) await page.mouse.move(box.x + box.width * (0.3 + 0.4 * t), box.y + box.height * (0.2 + 0.6 * t), { steps: 2 });
    await page.mouse.up();
  });
}

/** Nothing wider than the screen: a table or a line that will not wrap would make the page scroll sideways. */
async function fitsTheScreen(page, viewport) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= viewport.width, `the page is ${width} px wide on a ${viewport.width} px screen`);
}

describe('the page holds still', () => {
  for (const [name, viewport] of Object.entries(VIEWPORTS)) {
    test(`${name} (${viewport.width}×${viewport.height}): unprompted layout shifts from load to a CIFAR-10 map sum to ≤ ${BOUND}`, { timeout: 600_000 }, async () => {
      const { page, context, errors } = await site.open({ viewport, setup: recordShifts });
      // Everything that arrives after a user's action arrives more than 500 ms later (the
      // browser's input window), so any shift it causes counts.
      await recompute(page, () => page.selectOption('#method', 'smoothgrad'));
      await page.waitForFunction(() => !document.getElementById('faith').classList.contains('stale'), null, { timeout: 120_000 });
      await stroke(page);
      await page.waitForFunction(() => !document.getElementById('faith').classList.contains('stale'), null, { timeout: 120_000 });
      // Each input tab fits too (the upload form's min-content once widened the phone page to 433 px).
      for (const tab of ['draw', 'upload']) {
        await page.click(`#tab-${tab}`);
        await fitsTheScreen(page, viewport);
      }
      await page.click('#tab-gallery');
      await page.click('#compare');
      await compareDone(page);
      await fitsTheScreen(page, viewport);
      await page.check('input[name="dataset"][value="cifar10"]');
      await page.waitForFunction(() => document.getElementById('view-heatmap').dataset.dataset === 'cifar10'
        && /CIFAR-?10 model ready/.test(document.getElementById('status').textContent), null, { timeout: 120_000 });
      await settled(page);
      await compareDone(page);
      await page.waitForTimeout(500);
      await page.screenshot({ path: `${SHOTS}/layout-${name}.png`, fullPage: true });
      const shifts = await page.evaluate(() => window.shifts);
      const unprompted = shifts.filter((s) => !s.input);
      const sum = unprompted.reduce((a, s) => a + s.value, 0);
      console.log(`[layout] ${name}: unprompted shift sum ${sum.toFixed(4)} over ${unprompted.length} shifts (${shifts.length - unprompted.length} after input)`);
      for (const s of unprompted.filter((x) => x.value > 0.0005)) console.log(`  ${s.value.toFixed(4)} at ${s.t} ms: ${s.nodes.join('; ')}`);
      await fitsTheScreen(page, viewport);
      assert.ok(sum <= BOUND, `layout shift sum ${sum.toFixed(4)} > ${BOUND}: ${JSON.stringify(unprompted.filter((x) => x.value > 0.0005))}`);
      assert.deepEqual(errors, []);
      await context.close();
    });
  }

  test('a chart drawn on a wide screen is drawn again at its new size when the screen narrows (a phone turned)', async () => {
    const { page, context, errors } = await site.open({ viewport: VIEWPORTS.desktop });
    await settled(page);
    await page.waitForFunction(() => !document.getElementById('faith').classList.contains('stale'), null, { timeout: 120_000 });
    const sharp = () => page.evaluate(() => {
      const c = document.getElementById('faith-plot');
      const ink = c.getContext('2d').getImageData(0, 0, c.width, c.height).data.filter((v, i) => i % 4 === 3 && v > 0).length;
      return { backing: c.width, shown: Math.round(c.clientWidth * devicePixelRatio), ink };
    });
    const wide = await sharp();
    assert.equal(wide.backing, wide.shown);
    await page.setViewportSize(VIEWPORTS.phone);
    await page.waitForFunction(() => document.getElementById('faith-plot').clientWidth < 380);
    await page.waitForFunction(() => { const c = document.getElementById('faith-plot'); return c.width === Math.round(c.clientWidth * devicePixelRatio); }, null, { timeout: 5_000 });
    const narrow = await sharp();
    assert.ok(narrow.backing < wide.backing, `${JSON.stringify({ wide, narrow })}`);
    assert.ok(narrow.ink > 1000, `the curves are drawn again, not cleared: ${narrow.ink} inked pixels`);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('desktop: the method select and the map are in the first viewport without scrolling', async () => {
    const { page, context } = await site.open({ viewport: VIEWPORTS.desktop });
    for (const id of ['method', 'sign', 'colormap', 'view-heatmap']) {
      const box = await page.locator(`#${id}`).boundingBox();
      assert.ok(box && box.y >= 0 && box.y + box.height <= VIEWPORTS.desktop.height, `#${id} at ${JSON.stringify(box)}`);
    }
    await context.close();
  });
});
