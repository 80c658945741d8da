// "Load model…": a visitor's ONNX model, picked or dropped with its .onnx.data and a labels file,
// explained with every method in the page; bad files are refused by name and the page keeps
// working. The fixtures are the PyTorch exports of tests/fixtures/onnx (their references hold
// PyTorch's logits).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ROOT, answer, distinctColors, pixels, recompute, settled, stroke, thumbPicture, useSite } from './harness.mjs';

const site = useSite();
const FIX = `${ROOT}tests/fixtures/onnx`;
const file = (name, buffer = readFileSync(`${FIX}/${name}`)) => ({ name, mimeType: 'application/octet-stream', buffer });
const errorText = (page) => page.waitForFunction(() => document.getElementById('error').hidden === false && document.getElementById('error-text').textContent)
  .then(() => page.textContent('#error-text'));

/** Drops files on the "Load model…" zone as a visitor's drag and drop would. */
async function drop(page, files) {
  const handle = await page.evaluateHandle((list) => {
    const dt = new DataTransfer();
    for (const f of list) dt.items.add(new File([new Uint8Array(f.bytes)], f.name));
    return dt;
  }, files.map((f) => ({ name: f.name, bytes: [...f.buffer] })));
  await page.dispatchEvent('#model-drop', 'drop', { dataTransfer: handle });
}

/** Softmax percents as the page shows them, from the reference logits. */
const percents = (logits) => {
  const m = Math.max(...logits);
  const e = logits.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => (100 * v) / s);
};

describe('your own model', () => {
  test('a picked model with a labels file: resized gallery, its classes, every method draws, randomisation and compare work', async () => {
    const { page, context, errors, foreign } = await site.open();
    const labels = { name: 'labels.txt', mimeType: 'text/plain', buffer: Buffer.from('ant\nbee\ncat\ndog\neel\n') };
    await recompute(page, () => page.setInputFiles('#model-file', [file('residual.onnx'), labels]));
    await settled(page);
    assert.equal(await page.isChecked('input[name="dataset"][value="onnx"]'), true);
    assert.match(await page.textContent('#status'), /Your model \(residual\.onnx\) ready/);
    assert.match(await page.textContent('#model-card'), /Your model “residual\.onnx”: input 16 × 16 × 3, 5 classes \(ant, bee, cat, …\)/);
    // The layer table: every node, with its op and output shape; the softmax head is named.
    assert.match(await page.textContent('#model-layers-summary'), /21 nodes.*CAM default \/Relu_2/);
    assert.equal(await page.locator('#model-layers-body tbody tr').count(), 21);
    assert.match(await page.textContent('#model-layers-body'), /ends in Softmax: the methods explain the logits before it/);
    // Inputs resized to the model: 16 x 16 thumbs of CIFAR-10 test images, and the views.
    const sizes = await page.evaluate(() => ['view-original', 'view-heatmap', 'prepared'].map((id) => [document.getElementById(id).width, document.getElementById(id).height]));
    assert.deepEqual(sizes, [[16, 16], [16, 16], [16, 16]]);
    const thumb = await thumbPicture(page, 0);
    assert.deepEqual([thumb.width, thumb.height], [16, 16]);
    const a = await answer(page);
    assert.equal(a.percents.length, 5);
    assert.match(a.title, /^“residual\.onnx” target = (ant|bee|cat|dog|eel)$/);
    assert.equal(a.truth, -1, 'CIFAR-10 labels are not this model\'s classes');
    // Every method draws a map that is not blank.
    const methods = await page.$$eval('#method option', (os) => os.map((o) => o.value));
    assert.equal(methods.length, 14);
    for (const m of methods) {
      await recompute(page, () => page.selectOption('#method', m));
      assert.ok(distinctColors(await pixels(page, 'view-heatmap')) > 1, `${m}: a blank map`);
      assert.doesNotMatch(await page.textContent('#timing'), /Could not/);
    }
    // The CAM layer menu lists the model's nodes.
    await recompute(page, () => page.selectOption('#method', 'gradcam'));
    const layers = await page.$$eval('#layer option', (os) => os.map((o) => o.value));
    assert.ok(layers.includes('/Relu_2') && layers.includes('/stem/Conv'), layers.join());
    await recompute(page, () => page.selectOption('#layer', '/Relu'));
    // The sanity check's depths are the model's Conv and Gemm layers, top first.
    const depths = await page.$$eval('#depth option', (os) => os.map((o) => o.textContent));
    assert.deepEqual(depths, ['/fc/Gemm', '/fc/Gemm + /head/Conv', '/fc/Gemm, /head/Conv, /b/Conv', '/fc/Gemm, /head/Conv, /b/Conv, /a/Conv', '/fc/Gemm, /head/Conv, /b/Conv, /a/Conv, /dw/Conv', 'all layers']);
    await recompute(page, () => page.check('#sanity'));
    assert.match(await page.textContent('#sanity-caption'), /Randomized \/fc\/Gemm \+ \/head\/Conv/);
    // Compare grid and randomisation curves.
    await page.click('#compare');
    await page.waitForFunction(() => /methods × 13 maps \(6 cascading, 6 independent/.test(document.getElementById('rand-status').textContent), null, { timeout: 240_000 });
    assert.equal(await page.locator('#compare-grid figure:not(.pending)').count(), 14);
    // A dream of one of its classes.
    assert.deepEqual(await page.$$eval('#dream-class option', (os) => os.map((o) => o.textContent)), ['ant', 'bee', 'cat', 'dog', 'eel']);
    // A link cannot carry it: the page says so.
    await page.click('#copy-link');
    assert.match(await page.textContent('#status'), /A link cannot carry your model/);
    assert.deepEqual(foreign, [], 'nothing leaves the tab');
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('a dropped dynamo export with its .onnx.data answers as PyTorch does; a missing .data is named', async () => {
    const { page, context, errors } = await site.open();
    await drop(page, [file('small.onnx')]);
    assert.match(await errorText(page), /small\.onnx.*small\.onnx\.data.*not given/);
    assert.equal(await page.isVisible('#onnx-choice'), false, 'nothing loaded');
    assert.match((await answer(page)).title, /^MNIST target = /, 'the page keeps its model');
    await recompute(page, () => drop(page, [file('small.onnx'), file('small.onnx.data')]));
    await settled(page);
    assert.match(await page.textContent('#model-card'), /input 15 × 13 × 1, 4 classes \(class 0, class 1, class 2, class 3\)/);
    const sizes = await page.evaluate(() => ['view-original', 'view-heatmap'].map((id) => [document.getElementById(id).width, document.getElementById(id).height]));
    assert.deepEqual(sizes, [[15, 13], [15, 13]], 'a non-square input keeps its shape');
    // PyTorch's logits for the fixture's own input, through the page's worker.
    const ref = JSON.parse(readFileSync(`${FIX}/small.json`, 'utf8'));
    const hwc = new Array(ref.input_nchw.length);
    const [c, h, w] = ref.shape;
    for (let k = 0; k < c; k++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) hwc[(y * w + x) * c + k] = ref.input_nchw[(k * h + y) * w + x];
    const probs = await page.evaluate((image) => import('./state.js').then(({ engine }) => engine.call('predict', { dataset: 'onnx', image: Float32Array.from(image) })), hwc);
    percents(ref.logits).forEach((p, i) => assert.ok(Math.abs(probs[i] * 100 - p) < 1e-3, `class ${i}: ${probs[i] * 100} vs PyTorch ${p}`));
    // A drawing reaches it as a 15 x 13 grey input.
    await page.click('#tab-draw');
    await recompute(page, () => stroke(page, [100, 60], [140, 200], 8));
    assert.match(await page.textContent('#prepared-caption'), /15 × 13, drawn/);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('the bundled ResNet example loads in one click and explains a CIFAR-10 test image', async () => {
    const { page, context, errors, foreign } = await site.open();
    await recompute(page, () => page.click('#try-example'));
    await settled(page);
    const card = JSON.parse(readFileSync(`${ROOT}pretrained/resnet-cifar10.json`, 'utf8'));
    assert.ok(card.test_accuracy > 0.75, `the example's card says ${card.test_accuracy}`);
    assert.match(await page.textContent('#model-card'), new RegExp(`The example ResNet \\(with BatchNorm\\): ${(card.test_accuracy * 100).toFixed(2)} %.*input 32 × 32 × 3, 10 classes \\(airplane, automobile, bird, …\\)`));
    // Its classes are CIFAR-10's: the gallery's true labels apply, and it gets most of them right.
    const a = await answer(page);
    assert.ok(a.truth >= 0, 'a true label is shown');
    assert.match(await page.textContent('#model-layers-summary'), /nodes/);
    assert.match(await page.textContent('#model-layers-body'), /BatchNormalization/);
    assert.ok(distinctColors(await pixels(page, 'view-heatmap')) > 10);
    await recompute(page, () => page.selectOption('#method', 'gradcam'));
    assert.ok(distinctColors(await pixels(page, 'view-heatmap')) > 10);
    assert.deepEqual(foreign, []);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('bad files are refused by name and the page keeps working', async () => {
    const { page, context, errors } = await site.open();
    const before = await answer(page);
    const cases = [
      [[{ name: 'notes.onnx', mimeType: 'text/plain', buffer: Buffer.from('this is a text file, not a model\n') }], /notes\.onnx.*not an ONNX model/],
      [[file('residual.onnx', readFileSync(`${FIX}/residual.onnx`).subarray(0, 3000))], /residual\.onnx.*(not an ONNX model|truncated|decode)/],
      [[{ name: 'cat.png', mimeType: 'image/png', buffer: Buffer.from([0x89, 0x50]) }], /“cat\.png” is not part of a model/],
      [[file('residual.onnx'), file('small.onnx')], /one model at a time/],
      [[file('residual.onnx'), { name: 'labels.txt', mimeType: 'text/plain', buffer: Buffer.from('a\nb\n') }], /2 class names for a model with 5 outputs/],
      [[file('nan.onnx')], /node “\/stem\/Conv” \(Conv\): its input 1 \(a constant\) holds NaN/],
      // The fixture's reference numbers dropped as if they were its labels.
      [[file('residual.onnx'), file('residual.json')], /labels file is JSON but holds no class names/],
    ];
    for (const [files, want] of cases) {
      await page.setInputFiles('#model-file', files);
      assert.match(await errorText(page), want);
      await page.click('#error-close');
    }
    // An op the engine does not have: named with the node.
    await page.setInputFiles('#model-file', [file('unsupported.onnx')]);
    assert.match(await errorText(page), /unsupported\.onnx.*node “\/Erf” \(Erf\): this op is not supported; supported: Conv/);
    await page.click('#error-close');
    assert.equal(await page.isVisible('#onnx-choice'), false);
    // Still the shipped model, still answering.
    await recompute(page, () => page.click('#gallery .thumb[data-index]:nth-child(3)'));
    assert.notDeepEqual((await answer(page)).percents, before.percents);
    // A good model after all that loads, and the normalisation fields reload it.
    await recompute(page, () => page.setInputFiles('#model-file', [file('residual.onnx')]));
    await settled(page);
    const plain = (await answer(page)).percents;
    await page.click('.model-options summary');
    await page.fill('#model-std', 'zero');
    await page.dispatchEvent('#model-std', 'change');
    assert.match(await errorText(page), /std: “zero” is not a number/);
    await page.click('#error-close');
    await page.fill('#model-std', '0.5');
    await recompute(page, () => page.dispatchEvent('#model-std', 'change'));
    await settled(page);
    assert.notDeepEqual((await answer(page)).percents, plain, 'std 0.5 changes the answer');
    assert.match(await page.textContent('#model-layers-body'), /normalised by mean \[0(\.0)?, 0(\.0)?, 0(\.0)?\] and std \[0\.5, 0\.5, 0\.5\]/);
    assert.deepEqual(errors, []);
    await context.close();
  });
});
