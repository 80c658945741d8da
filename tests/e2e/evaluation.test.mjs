// Which map to trust, in the page: faithfulness curves and AUCs under the map, scores and the
// agreement matrix under the compare grid, randomisation curves, erase and watch, and links that
// reproduce what their sender saw (input, method, parameters, map pixels) plus back/forward.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { answer, pick, pixels, recompute, settled, useSite } from './harness.mjs';

const site = useSite();

/** Draws a "7" on the pad: a bar and a diagonal. */
async function drawSeven(page) {
  await page.click('#tab-draw');
  const box = await page.locator('#pad').boundingBox();
  const at = (x, y) => [box.x + box.width * x, box.y + box.height * y];
  await recompute(page, async () => {
    await page.mouse.move(...at(0.25, 0.2));
    await page.mouse.down();
    for (let t = 0; t <= 1; t += 0.1) await page.mouse.move(...at(0.25 + 0.5 * t, 0.2));
    for (let t = 0; t <= 1; t += 0.1) await page.mouse.move(...at(0.75 - 0.3 * t, 0.2 + 0.65 * t));
    await page.mouse.up();
  });
  await settled(page);
}

/** How many pixels of a chart canvas are drawn on. */
const ink = (page, id) => page.evaluate((id) => {
  const c = document.getElementById(id);
  const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 3; i < px.length; i += 4) if (px[i] > 0) n++;
  return n;
}, id);

/** What the faithfulness view shows, as numbers. */
const faith = async (page) => ({ ink: await ink(page, 'faith-plot'), ...await page.evaluate(() => {
  const n = (id) => Number(document.getElementById(id).textContent);
  return {
    hidden: document.getElementById('faith').hidden,
    deletion: n('auc-deletion'), insertion: n('auc-insertion'), lerf: n('auc-lerf'), srg: n('auc-srg'),
    randomDeletion: n('auc-deletion-random'), randomSrg: n('auc-srg-random'),
    note: document.getElementById('faith-note').textContent,
  };
}) });

/** Opens the compare panel and waits for its grid, agreement matrix and randomisation chart. */
async function compareAll(page) {
  await page.click('#compare');
  await page.waitForFunction(() => document.querySelectorAll('#compare-grid figure .scores').length >= 9
    && !document.querySelector('#compare-grid figure.pending') && document.querySelector('#agreement td[tabindex]')
    && document.querySelector('#agreement table')
    && document.getElementById('rand-status').textContent.includes(' in '), null, { timeout: 240_000 });
  const chartInk = await ink(page, 'rand-chart');
  return page.evaluate((chartInk) => {
    const cells = [...document.querySelectorAll('#agreement td')];
    const n = Math.round(Math.sqrt(cells.length));
    const m = Array.from({ length: n }, (_, i) => cells.slice(i * n, (i + 1) * n).map((td) => Number(td.textContent)));
    return {
      figures: document.querySelectorAll('#compare-grid figure').length,
      best: [...document.querySelectorAll('#compare-grid .scores .best')].map((s) => s.dataset.score),
      scores: [...document.querySelectorAll('#compare-grid figure')].map((f) => f.querySelector('.scores').textContent),
      matrix: m,
      legend: document.querySelectorAll('#rand-legend li').length,
      chartInk,
    };
  }, chartInk);
}

function checkEvidence(f, c) {
  assert.equal(f.hidden, false, 'the faithfulness view is shown');
  assert.ok(f.ink > 500, `the curves are drawn (${f.ink} pixels)`);
  for (const k of ['deletion', 'insertion', 'lerf']) assert.ok(f[k] >= 0 && f[k] <= 1, `${k} AUC ${f[k]} in [0, 1]`);
  assert.ok(Math.abs(f.srg - (f.lerf - f.deletion)) < 0.0015, 'SRG = LeRF - deletion');
  assert.match(f.note, /28 steps/);
  assert.equal(c.figures, 14);
  for (const k of ['deletion', 'insertion', 'srg']) assert.ok(c.best.includes(k), `the best ${k} is marked`);
  assert.ok(c.scores.every((s) => /del \d\.\d{3} ins \d\.\d{3} SRG -?\d\.\d{3}/.test(s)), c.scores[0]);
  assert.equal(c.matrix.length, 14);
  c.matrix.forEach((row, i) => row.forEach((v, j) => {
    assert.equal(v, c.matrix[j][i], 'symmetric');
    if (i === j) assert.equal(v, 1);
  }));
  assert.equal(c.legend, 14, 'one randomisation curve per method');
  assert.ok(c.chartInk > 2000, 'the randomisation chart is drawn');
}

describe('which map to trust', () => {
  test('a gallery digit: curves, AUCs, scored grid, agreement matrix, randomisation chart', async () => {
    const { page, errors } = await site.open();
    await pick(page, 0);
    const f = await faith(page);
    const c = await compareAll(page);
    checkEvidence(f, c);
    // Vanilla on a clear "7" beats the random order (its deletion AUC is lower).
    assert.ok(f.deletion < f.randomDeletion, `${f.deletion} vs random ${f.randomDeletion}`);
    // The switch shows top-k IoU; hovering a cell names the pair.
    await page.selectOption('#agree-metric', 'iou');
    assert.equal(await page.getAttribute('#agreement table', 'data-metric'), 'iou');
    await page.hover('#agreement td[data-i="0"][data-j="3"]');
    assert.match(await page.textContent('#agreement-pair'), /Vanilla gradient vs .*top-78 IoU/);
    await page.focus('#agreement td[data-i="2"][data-j="1"]');
    assert.match(await page.textContent('#agreement-pair'), /vs Guided backprop/);
    await page.selectOption('#rand-mode', 'independent');
    await page.selectOption('#rand-metric', 'ssim');
    assert.match(await page.textContent('#rand-legend li'), /random logit \(class \d\)/);
    // A blur baseline gives other curves.
    await recompute(page, () => page.selectOption('#removal', 'blur'));
    assert.match((await faith(page)).note, /blur/);
    assert.deepEqual(errors, []);
    await page.context().close();
  });

  test('a map is drawn before its curves are computed; meanwhile the last curves stay, dimmed', async () => {
    // Each message for the worker, with how many maps were drawn by then and whether the curves
    // on show were the last map's (dimmed).
    const record = () => {
      window.events = [];
      const { postMessage } = Worker.prototype;
      Worker.prototype.postMessage = function (m, ...rest) {
        const faith = document.getElementById('faith');
        window.events.push(`${m?.type} after ${document.body.dataset.mapsShown ?? 0} maps${faith?.classList.contains('stale') ? ', dimmed' : ''}`);
        return postMessage.call(this, m, ...rest);
      };
    };
    // Before the first curves arrive, their section already holds its place, dimmed (it no longer starts hidden).
    const { page, context, errors } = await site.open({ setup: (ctx) => ctx.addInitScript(record) });
    await recompute(page, () => page.click('#gallery .thumb[data-index="12"]'));
    const events = await page.evaluate(() => window.events.filter((e) => /^(explain|curves) /.test(e)));
    assert.deepEqual(events, ['explain after 0 maps, dimmed', 'curves after 1 maps, dimmed', 'explain after 1 maps', 'curves after 2 maps, dimmed']);
    const f = await faith(page);
    assert.ok(!(await page.getAttribute('#faith', 'class')).includes('stale'));
    assert.ok(f.ink > 500 && f.deletion < f.randomDeletion, JSON.stringify(f));
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('a drawn digit gets the same evidence', async () => {
    const { page, errors } = await site.open();
    await drawSeven(page);
    const f = await faith(page);
    const c = await compareAll(page);
    checkEvidence(f, c);
    assert.deepEqual(errors, []);
    await page.context().close();
  });

  test('erasing the top 20 % of a "7" lowers its probability; the brush erases too; Restore undoes it', async () => {
    const { page, errors } = await site.open();
    const seven = await page.evaluate(async () => {
      const meta = await (await fetch('gallery/mnist.json')).json();
      return meta.indices[meta.labels.indexOf(7)];
    });
    await pick(page, seven);
    const before = await answer(page);
    assert.equal(before.predicted, 7);
    assert.equal(await page.inputValue('#erase-k'), '20');
    await page.click('#erase-all');
    await page.waitForFunction(() => document.getElementById('erase-note').dataset.after);
    const note = await page.evaluate(() => ({ ...document.getElementById('erase-note').dataset, text: document.getElementById('erase-note').textContent }));
    assert.match(note.text, /^156 of 784 pixels erased: p\(7\)/);
    assert.ok(Number(note.after) < Number(note.before) - 0.1, `p(7) ${note.before} -> ${note.after}`);
    const after = await answer(page);
    assert.notDeepEqual(after.percents, before.percents, 'the bars follow');
    await page.click('#erase-reset');
    await page.waitForFunction(() => document.getElementById('erase-note').textContent === '');
    assert.deepEqual((await answer(page)).percents, before.percents, 'restored');
    // The brush over the whole overlay erases exactly the top 20 % as well.
    await page.check('#erase-brush');
    await page.locator('#view-overlay').scrollIntoViewIfNeeded();
    const box = await page.locator('#view-overlay').boundingBox();
    await page.mouse.move(box.x + 2, box.y + 2);
    await page.mouse.down();
    for (let y = 0; y <= 1; y += 1 / 14) {
      await page.mouse.move(box.x + 2, box.y + box.height * y);
      await page.mouse.move(box.x + box.width - 2, box.y + box.height * y);
    }
    await page.mouse.up();
    await page.waitForFunction(() => /pixels erased/.test(document.getElementById('erase-note').textContent));
    const brushed = await page.textContent('#erase-note');
    assert.match(brushed, /^\d+ of 784 pixels erased/);
    assert.ok(Number(brushed.split(' ')[0]) <= 156, brushed);
    assert.deepEqual(errors, []);
    await page.context().close();
  });

  test('a copied link opens the same input, method, parameters and identical map pixels; back and forward move through inputs', async () => {
    const { page, context, errors } = await site.open();
    await drawSeven(page);
    await recompute(page, () => page.selectOption('#method', 'ig'));
    await recompute(page, () => page.fill('#steps', '20').then(() => page.dispatchEvent('#steps', 'change')));
    await recompute(page, () => page.click('#bars .bar:nth-child(3)'));
    await recompute(page, () => page.selectOption('#sign', 'positive'));
    await page.selectOption('#colormap', 'jet');
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: site.base });
    await page.click('#copy-link');
    const link = await page.inputValue('#share-link');
    assert.match(link, /#d=mnist&x=[A-Za-z0-9_-]+&m=ig&p\.steps=20/);
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), link);
    const want = { map: await pixels(page, 'view-heatmap'), input: await pixels(page, 'prepared'), answer: await answer(page) };
    const fresh = await site.browser.newContext();
    const other = await fresh.newPage();
    await other.goto(link);
    await settled(other);
    await other.waitForFunction(() => document.getElementById('view-heatmap').dataset.method === 'ig');
    await settled(other);
    assert.equal(await other.inputValue('#method'), 'ig');
    assert.equal(await other.inputValue('#steps'), '20');
    assert.equal(await other.inputValue('#sign'), 'positive');
    assert.equal(await other.inputValue('#colormap'), 'jet');
    const got = { map: await pixels(other, 'view-heatmap'), input: await pixels(other, 'prepared'), answer: await answer(other) };
    assert.equal(got.answer.target, 2, 'the target class');
    assert.deepEqual(got.answer.percents, want.answer.percents);
    assert.deepEqual(got.input, want.input, 'the same input pixels');
    assert.deepEqual(got.map, want.map, 'the same map pixels');
    await fresh.close();

    // Back and forward: two gallery images after the drawing.
    await page.click('#tab-gallery');
    await pick(page, 1);
    await pick(page, 2);
    const shown = () => page.getAttribute('#view-heatmap', 'data-input');
    assert.equal(await shown(), 'test image 2');
    await recompute(page, () => page.goBack());
    assert.equal(await shown(), 'test image 1');
    await recompute(page, () => page.goBack());
    assert.equal(await shown(), 'shared input', 'the drawing, from its link');
    assert.deepEqual(await pixels(page, 'prepared'), want.input);
    await recompute(page, () => page.goForward());
    assert.equal(await shown(), 'test image 1');
    // A broken link is refused by name, and the page still works.
    const bad = await site.browser.newContext();
    const p3 = await bad.newPage();
    const badErrors = [];
    p3.on('pageerror', (e) => badErrors.push(e.message));
    await p3.goto(`${site.base}#d=mnist&x=AAAA&m=vanilla`);
    await p3.waitForFunction(() => !document.getElementById('error').hidden);
    assert.match(await p3.textContent('#error-text'), /link’s input has 3 pixels values; a MNIST input has 784/);
    await settled(p3);
    assert.deepEqual(badErrors, []);
    await bad.close();
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('a link written by an earlier build still opens its view: the same controls and the map a user gets by hand', async () => {
    // Written by the page before the layout moved the controls (issue 24): keep it verbatim, so a
    // change to the link format that breaks old links fails here.
    const OLD = '#d=mnist&g=3&m=smoothgrad&p.base=guided&p.samples=8&p.noise=0.3&p.average=plain&t=5&sign=positive&cmap=jet';
    const linked = await site.browser.newContext({ serviceWorkers: 'block' });
    const page = await linked.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${site.base}${OLD}`);
    await page.waitForFunction(() => document.getElementById('view-heatmap').dataset.method === 'smoothgrad');
    await settled(page);
    for (const [id, v] of [['method', 'smoothgrad'], ['base', 'guided'], ['samples', '8'], ['noise', '0.3'], ['average', 'plain'], ['sign', 'positive'], ['colormap', 'jet']]) {
      assert.equal(await page.inputValue(`#${id}`), v, `#${id} from the link`);
    }
    const fromLink = { map: await pixels(page, 'view-heatmap'), answer: await answer(page), input: await page.getAttribute('#view-heatmap', 'data-input') };
    assert.equal(fromLink.answer.target, 5, 'the target class from the link');
    assert.equal(fromLink.input, 'test image 3');
    await linked.close();

    // The same view made by hand on a fresh page.
    const { page: hand, context, errors: handErrors } = await site.open();
    await pick(hand, 3);
    await recompute(hand, () => hand.selectOption('#method', 'smoothgrad'));
    await recompute(hand, () => hand.selectOption('#base', 'guided'));
    for (const [id, v] of [['samples', '8'], ['noise', '0.3']]) {
      await recompute(hand, () => hand.fill(`#${id}`, v).then(() => hand.dispatchEvent(`#${id}`, 'change')));
    }
    await recompute(hand, () => hand.selectOption('#average', 'plain'));
    await recompute(hand, () => hand.click('#bars .bar:nth-child(6)'));
    await recompute(hand, () => hand.selectOption('#sign', 'positive'));
    await hand.selectOption('#colormap', 'jet');
    const byHand = { map: await pixels(hand, 'view-heatmap'), answer: await answer(hand) };
    assert.deepEqual(fromLink.answer.percents, byHand.answer.percents);
    assert.deepEqual(fromLink.map, byHand.map, 'the old link draws the map a user makes by hand');
    // Today's link for the view carries every key of the old one with the same value.
    const today = new URLSearchParams(new URL(await hand.inputValue('#share-link')).hash.slice(1));
    for (const [k, v] of new URLSearchParams(OLD.slice(1))) assert.equal(today.get(k), v, `today’s link: ${k}`);
    assert.deepEqual(errors, []);
    assert.deepEqual(handErrors, []);
    await context.close();
  });
});
