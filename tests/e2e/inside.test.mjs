// Inside the network: the layer strip renders every node (tutorial and a loaded residual model),
// hovering reads the value under the pointer as the trace holds it, the backward slider shows the
// gradient reaching the chosen node, a channel click ranks the layer's channels, and drawing keeps
// the strip in step with the map.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ROOT, SHOTS, recompute, settled, stroke, useSite } from './harness.mjs';

const site = useSite();

/** Opens the panel and waits for its strip to describe the current input. */
async function openInside(page) {
  await page.click('#inside > summary');
  await page.waitForFunction(() => /nodes for class/.test(document.getElementById('inside-status').textContent));
}

const status = (page) => page.textContent('#inside-status');

describe('inside the network', () => {
  test('every node of the tutorial network, values under the pointer, the backward slider and the channel ranking', async () => {
    const { page, context, errors } = await site.open();
    await openInside(page);
    const names = await page.$$eval('#inside-strip .node-row', (rows) => rows.map((r) => r.dataset.node));
    assert.deepEqual(names, ['conv1', 'relu1', 'pool1', 'dropout1', 'conv2', 'relu2', 'pool2', 'dropout2', 'flatten', 'fc1', 'relu3', 'fc2']);
    assert.match(await page.textContent('#inside-strip .node-row[data-node="conv2"] .node-head'), /conv2 Conv · 64 × 11 × 11 · output: /);
    // Its text alternative: name, shape, range and the strongest channels.
    assert.match(await page.getAttribute('#inside-strip .node-row[data-node="conv2"] canvas', 'aria-label'),
      /^conv2, Conv, 64 × 11 × 11: output from \S+ to \S+; strongest channels \d+, \d+, \d+; 64 channels/);
    // The value under the pointer is the trace's: channel 0, first pixel of conv1.
    const trace = await page.evaluate(() => import('./state.js').then(({ engine, state }) => engine.call('layerTrace', { dataset: 'mnist', image: state.input.image, options: { target: state.result.target } })));
    const conv1 = page.locator('#inside-strip .node-row[data-node="conv1"] canvas');
    const box = await conv1.boundingBox();
    const cw = await conv1.evaluate((c) => c.width);
    await page.mouse.move(box.x + (0.5 * box.width) / cw, box.y + (0.5 * box.width) / cw);
    const text = await page.textContent('#inside-hover');
    const want = trace.nodes[0].output[0];
    const m = text.match(/conv1 channel 0 \(y 0, x 0\) = (\S+)/);
    assert.ok(m, text);
    assert.ok(Math.abs(Number(m[1]) - want) <= Math.max(1e-3, Math.abs(want) * 1e-2), `${text} vs ${want}`);
    // Gradients: the slider walks from the output; a node not reached yet is said to be.
    await page.selectOption('#inside-view', 'gradient');
    await page.fill('#inside-step', '2');
    await page.dispatchEvent('#inside-step', 'input');
    assert.match(await page.textContent('#inside-step-out'), /at relu3/);
    assert.match(await page.textContent('#inside-strip .node-row[data-node="conv2"] .range'), /not reached yet/);
    assert.match(await page.textContent('#inside-strip .node-row[data-node="fc1"] .range'), /not reached yet/);
    assert.doesNotMatch(await page.textContent('#inside-strip .node-row[data-node="relu3"] .range'), /not reached/);
    await page.fill('#inside-step', '12');
    await page.dispatchEvent('#inside-step', 'input');
    assert.match(await page.textContent('#inside-step-out'), /at conv1/);
    // Under guided backprop no negative gradient passes a ReLU: what leaves relu1 for conv1 is ≥ 0.
    await page.selectOption('#inside-rule', 'guided');
    await page.waitForFunction(() => /nodes for class/.test(document.getElementById('inside-status').textContent));
    await page.waitForFunction(() => /^gradient of the target logit: (0\.000|[0-9])/.test(document.querySelector('#inside-strip .node-row[data-node="conv1"] .range').textContent));
    // Keyboard: focus conv2, move right twice, Enter: channel 2 enlarged and the channels ranked.
    await page.selectOption('#inside-view', 'output');
    await page.focus('#inside-strip .node-row[data-node="conv2"] canvas');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelectorAll('#inside-rank li').length === 8);
    assert.equal(await page.textContent('#inside-filter-title'), 'conv2, channel 2');
    assert.match(await page.textContent('#inside-rank-title'), /Which of conv2's 64 channels make it/);
    await page.click('#inside-dream-start');
    await page.waitForFunction(() => /What conv2 channel 2 looks for/.test(document.getElementById('inside-dream-status').textContent), null, { timeout: 60_000 });
    await page.screenshot({ path: `${SHOTS}/inside.png`, fullPage: true });
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('drawing keeps the strip in step with the map; a loaded residual model shows its branches', async () => {
    const { page, context, errors } = await site.open({ viewport: { width: 390, height: 844 } });
    await openInside(page);
    await page.click('#tab-draw');
    await recompute(page, () => stroke(page, [120, 60], [130, 220]));
    await settled(page);
    // The strip's class is the map's target, for the drawing.
    await page.waitForFunction(() => {
      const t = document.getElementById('figure-title').textContent.split('= ')[1];
      return document.getElementById('inside-status').textContent.includes(`for class ${t}:`);
    });
    const fixture = readFileSync(`${ROOT}tests/fixtures/onnx/residual.onnx`);
    await recompute(page, () => page.setInputFiles('#model-file', { name: 'residual.onnx', mimeType: 'application/octet-stream', buffer: fixture }));
    await settled(page);
    await page.waitForFunction(() => document.querySelectorAll('#inside-strip .node-row').length === 21);
    assert.match(await page.textContent('#inside-strip .node-row[data-node="/Add"] .node-head'), /← \/bn2\/BatchNormalization \+ \/Relu/);
    assert.match(await page.textContent('#inside-strip .node-row[data-node="/Concat"] .node-head'), /← \/LeakyRelu \+ \/Tanh/);
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(wide <= 390, `the page is ${wide} px wide at 390`);
    await page.screenshot({ path: `${SHOTS}/inside-390.png`, fullPage: true });
    assert.deepEqual(errors, []);
    await context.close();
  });
});
