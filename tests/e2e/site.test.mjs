// Browser end-to-end tests: the built site (www/) served on 127.0.0.1, driven by playwright-core
// in Debian's headless Chromium. Run by scripts/test.sh after scripts/build-web.sh.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ROOT, SHOTS, answer, distinctColors, pick, pixels, recompute, settled, thumbPicture, useSite } from './harness.mjs';

const TUTORIAL_INDICES = [0, 12, 38, 83, 112, 74, 190];
const site = useSite();
const open = (o) => site.open(o);

describe('the demo page', () => {
  test('loads with no console error and no request to another origin', async () => {
    const { page, context, errors, foreign } = await open();
    await page.screenshot({ path: `${SHOTS}/main.png`, fullPage: true });
    assert.deepEqual(errors, []);
    assert.deepEqual(foreign, []);
    const csp = await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content');
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /'wasm-unsafe-eval'/);
    await context.close();
  });

  test("the first map needs none of the gallery's images; they follow, the first one marked", async () => {
    // The gallery's images are held back until the first map is drawn: were they needed for it,
    // the page would wait forever.
    let release;
    const released = new Promise((ok) => { release = ok; });
    const held = [];
    const { page, context, errors } = await open({
      setup: (ctx) => ctx.route('**/gallery/*.bin', async (route) => { held.push(route.request().url()); await released; await route.continue(); }),
    });
    const first = await answer(page);
    assert.equal(first.title, 'MNIST target = 7');
    assert.equal(await page.locator('#gallery .thumb').count(), 0);
    assert.equal(await page.getAttribute('#gallery', 'aria-busy'), 'true');
    assert.ok(distinctColors(await pixels(page, 'view-heatmap')) > 10);
    release();
    await page.waitForSelector('#gallery .thumb[aria-pressed="true"]');
    assert.deepEqual(held.map((u) => new URL(u).pathname), ['/gallery/mnist.bin']);
    assert.equal(await page.locator('#gallery .thumb').count(), 150);
    assert.deepEqual(await page.$$eval('#gallery .thumb[aria-pressed="true"]', (ts) => ts.map((t) => t.dataset.index)), ['0']);
    // The thumb is the image the first map was of: choosing it again gives the same answer.
    await page.click('#gallery .thumb[data-index="12"]');
    await settled(page);
    await pick(page, 0);
    assert.deepEqual(await answer(page), first);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('a gallery description without its first image (an older gallery) still gives a first map', async () => {
    const { page, context, errors } = await open({
      setup: (ctx) => ctx.route('**/gallery/mnist.json', async (route) => {
        const meta = await (await route.fetch()).json();
        delete meta.firstImage;
        await route.fulfill({ json: meta });
      }),
    });
    assert.equal((await answer(page)).title, 'MNIST target = 7');
    assert.equal(await page.getAttribute('#view-heatmap', 'data-input'), 'test image 0');
    assert.deepEqual(await page.$$eval('#gallery .thumb[aria-pressed="true"]', (ts) => ts.map((t) => t.dataset.index)), ['0']);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('a digit drawn while the weights download is the first map, not the gallery\'s first image', async () => {
    let release;
    const released = new Promise((ok) => { release = ok; });
    const { page, context, errors } = await open({
      wait: false,
      setup: (ctx) => ctx.route('**/pretrained/mnist.int8.safetensors', async (route) => { await released; await route.continue(); }),
    });
    await page.waitForSelector('#method option', { state: 'attached' }); // the page is wired up
    await page.click('#tab-draw');
    await page.waitForSelector('#pad', { state: 'visible' });
    const box = await page.locator('#pad').boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height * 0.15);
    await page.mouse.down();
    for (let t = 0; t <= 1; t += 0.1) await page.mouse.move(box.x + box.width / 2, box.y + box.height * (0.15 + 0.7 * t), { steps: 2 });
    await page.mouse.up();
    assert.equal(await page.getAttribute('#view-heatmap', 'data-input'), null, 'no map before the weights');
    release();
    await settled(page);
    assert.equal(await page.getAttribute('#view-heatmap', 'data-input'), 'drawing');
    assert.equal((await answer(page)).predicted, 1);
    await page.waitForSelector('#gallery .thumb', { state: 'attached' });
    assert.equal(await page.locator('#gallery .thumb[aria-pressed="true"]').count(), 0);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("classifies the tutorial's MNIST digits correctly and draws a map for each", async () => {
    const { page, context, errors } = await open();
    for (const i of TUTORIAL_INDICES) {
      await pick(page, i);
      const a = await answer(page);
      assert.ok(a.truth >= 0, `image ${i} shows its true label`);
      assert.equal(a.predicted, a.truth, `test image ${i}`);
      assert.equal(a.title, `MNIST target = ${a.truth}`);
      assert.ok(distinctColors(await pixels(page, 'view-heatmap')) > 10, `heatmap of ${i} is blank`);
    }
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('classifies CIFAR-10 samples that the native CLI gets right, the same way', async () => {
    const { page, context, errors } = await open();
    await recompute(page, () => page.check('input[name="dataset"][value="cifar10"]'));
    const meta = await page.evaluate(() => fetch('gallery/cifar10.json').then((r) => r.json()));
    let checked = 0;
    for (let k = 0; k < meta.indices.length && checked < 4; k++) {
      const index = meta.indices[k];
      const native = JSON.parse(execFileSync(`${ROOT}target/debug/saliency`, ['explain', '--dataset', 'cifar10',
        '--index', String(index), '--method', 'vanilla'], { cwd: ROOT, encoding: 'utf8' }));
      if (native.predicted !== meta.labels[k]) continue;
      await pick(page, index);
      const a = await answer(page);
      assert.equal(a.predicted, meta.labels[k], `CIFAR-10 test image ${index}`);
      assert.equal(a.title, `CIFAR10 target = ${meta.classNames[a.predicted]}`);
      assert.ok(distinctColors(await pixels(page, 'view-heatmap')) > 10);
      checked++;
    }
    assert.equal(checked, 4);
    await page.screenshot({ path: `${SHOTS}/cifar10.png`, fullPage: true });
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('switching the method changes the map; clicking a bar changes the target and title', async () => {
    const { page, context } = await open();
    const vanilla = await pixels(page, 'view-heatmap');
    await recompute(page, () => page.selectOption('#method', 'guided'));
    assert.notDeepEqual(await pixels(page, 'view-heatmap'), vanilla);
    await recompute(page, () => page.selectOption('#method', 'gradcam'));
    // The layer menu lists the model's layers with maps, its default (conv2 after its ReLU) chosen.
    const layers = await page.$$eval('#layer option', (os) => os.map((o) => [o.value, o.textContent]));
    assert.deepEqual(layers.map(([v]) => v), ['conv1', 'pool1', 'dropout1', 'conv2', 'pool2', 'dropout2']);
    assert.equal(await page.inputValue('#layer'), 'conv2');
    assert.ok(layers.some(([v, t]) => v === 'conv2' && /default/.test(t)));
    const atConv2 = await pixels(page, 'view-heatmap');
    await recompute(page, () => page.selectOption('#layer', 'pool1'));
    assert.notDeepEqual(await pixels(page, 'view-heatmap'), atConv2, 'another layer, another map');
    await recompute(page, () => page.selectOption('#layer', 'conv2'));
    const a0 = await answer(page);
    const other = (a0.predicted + 3) % 10;
    await recompute(page, () => page.click(`#bars .bar >> nth=${other}`));
    const a1 = await answer(page);
    assert.equal(a1.target, other);
    assert.equal(a1.title, `MNIST target = ${other}`);
    await context.close();
  });

  test('a stroke drawn with the mouse updates the prediction and the map', async () => {
    const { page, context, errors } = await open();
    await page.click('#tab-draw');
    const before = await pixels(page, 'view-heatmap');
    const box = await page.locator('#pad').boundingBox();
    await recompute(page, async () => {
      // A "1": one vertical stroke.
      await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.15);
      await page.mouse.down();
      for (let t = 0; t <= 1; t += 0.1) await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * (0.15 + 0.7 * t));
      await page.mouse.up();
    });
    await settled(page);
    assert.match(await page.textContent('#prepared-caption'), /drawn/);
    const a = await answer(page);
    assert.equal(a.truth, -1, 'a drawing has no true label');
    assert.equal(a.predicted, 1, 'a vertical stroke is a 1');
    assert.notDeepEqual(await pixels(page, 'view-heatmap'), before);
    await page.screenshot({ path: `${SHOTS}/draw.png`, fullPage: true });
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('uploading a PNG works; a non-image shows an error and the app keeps working', async () => {
    const { page, context } = await open();
    await page.click('#tab-upload');
    // A PNG of test image 0 (a 7), enlarged, as a user would have it.
    // Thumb 0 is test image 0.
    const { png } = await thumbPicture(page, 0, 5);
    await recompute(page, () => page.setInputFiles('#file', { name: 'seven.png', mimeType: 'image/png', buffer: Buffer.from(png, 'base64') }));
    assert.equal((await answer(page)).predicted, 7);
    assert.match(await page.textContent('#prepared-caption'), /centred/);
    await page.setInputFiles('#file', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
    await page.waitForSelector('#error:not([hidden])');
    assert.match(await page.textContent('#error-text'), /not an image/);
    await page.setInputFiles('#file', { name: 'broken.png', mimeType: 'image/png', buffer: Buffer.from('not really a png') });
    await page.waitForFunction(() => /broken\.png.* is not an image/.test(document.getElementById('error-text').textContent));
    // A real PNG cut short: recognised by its signature, refused by the decoder.
    await page.setInputFiles('#file', { name: 'cut.png', mimeType: 'image/png', buffer: Buffer.from(png, 'base64').subarray(0, 60) });
    await page.waitForFunction(() => /could not be decoded as a PNG/.test(document.getElementById('error-text').textContent));
    // A huge file is refused before decoding.
    const huge = await page.evaluate(async () => {
      const { prepareUpload } = await import('./prepare.js');
      const blob = new Blob([new Uint8Array(41 * 1024 * 1024)], { type: 'image/png' });
      return prepareUpload(blob, 'mnist').then(() => 'accepted', (e) => e.message);
    });
    assert.match(huge, /too large/);
    await page.click('#tab-gallery');
    await pick(page, 12);
    const a = await answer(page);
    assert.equal(a.predicted, a.truth);
    await context.close();
  });

  test('the menu and the compare grid show every method of the registry, by its registry name, each drawing a map', async () => {
    const { page, context, errors } = await open();
    // The list comes from the WASM module itself, not from a copy in the test.
    const registry = await page.evaluate(async () => {
      const mod = await import('./pkg/saliency.js');
      await mod.default();
      return mod.registry().map((m) => ({ id: m.id, name: m.name, params: m.params.filter((p) => p.shown).map((p) => p.key) }));
    });
    assert.ok(registry.length >= 9);
    const menu = await page.$$eval('#method option', (os) => os.map((o) => ({ id: o.value, name: o.textContent })));
    assert.deepEqual(menu, registry.map(({ id, name }) => ({ id, name })));
    // Each method's shown parameters have a control, visible exactly when that method is chosen.
    for (const m of registry) {
      await recompute(page, () => page.selectOption('#method', m.id));
      for (const key of m.params) assert.equal(await page.isVisible(`#${key}`), true, `${m.id}: ${key}`);
    }
    await recompute(page, () => page.selectOption('#method', 'vanilla'));
    await page.click('#compare');
    await page.waitForFunction((n) => document.querySelectorAll('#compare-grid figure:not(.pending)').length === n, registry.length, { timeout: 120_000 });
    const shown = await page.$$eval('#compare-grid figure', (f) => f.map((x) => ({ id: x.dataset.method, caption: x.querySelector('figcaption').textContent })));
    assert.deepEqual(shown.map((x) => x.id), registry.map((m) => m.id));
    shown.forEach((x, i) => assert.ok(x.caption.startsWith(`${registry[i].name} ·`), x.caption));
    const colors = await page.$$eval('#compare-grid canvas', (cs) => cs.map((c) => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      const s = new Set();
      for (let i = 0; i < d.length; i += 4) s.add(`${d[i]},${d[i + 1]},${d[i + 2]}`);
      return s.size;
    }));
    assert.ok(colors.every((n) => n > 3), `blank maps in the grid: ${colors}`);
    await page.check('#shared');
    await page.waitForTimeout(50);
    await page.screenshot({ path: `${SHOTS}/compare.png`, fullPage: true });
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('SmoothGrad averages: plain is signed, squared and VarGrad are not; the signed view shows it', async () => {
    const { page, context, errors } = await open();
    await recompute(page, () => page.selectOption('#method', 'smoothgrad'));
    await page.fill('#samples', '10');
    await recompute(page, () => page.press('#samples', 'Tab'));
    await recompute(page, () => page.selectOption('#sign', 'signed'));
    const signedRange = async () => page.evaluate(async () => {
      const mod = await import('./pkg/saliency.js');
      await mod.default();
      const bytes = new Uint8Array(await (await fetch('pretrained/mnist.safetensors')).arrayBuffer());
      const model = new mod.Model(bytes, 'mnist');
      const img = new Float32Array(784).map((_, i) => ((i % 28) > 10 && (i % 28) < 16 ? 1 : 0));
      const out = {};
      for (const average of ['abs', 'plain', 'squared', 'vargrad']) {
        const e = model.explain(img, { method: 'smoothgrad', average, samples: 10 });
        out[average] = [Math.min(...e.raw), Math.max(...e.raw)];
      }
      return out;
    });
    const r = await signedRange();
    assert.ok(r.plain[0] < 0 && r.plain[1] > 0, `plain: ${r.plain}`);
    for (const k of ['abs', 'squared', 'vargrad']) assert.ok(r[k][0] >= 0, `${k}: ${r[k]}`);
    await recompute(page, () => page.selectOption('#average', 'plain'));
    const px = await pixels(page, 'view-heatmap');
    await recompute(page, () => page.selectOption('#average', 'vargrad'));
    assert.notDeepEqual(await pixels(page, 'view-heatmap'), px);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('the page still responds to input while SmoothGrad is computed', async () => {
    const { page, context } = await open();
    await recompute(page, () => page.selectOption('#method', 'smoothgrad'));
    // The page's largest SmoothGrad (1000 samples): long enough to still run after the clicks
    // below, even shared by a pool of workers.
    await page.fill('#samples', '1000');
    await page.press('#samples', 'Tab'); // commits the change: a 1000-sample SmoothGrad starts
    await page.waitForFunction(() => document.body.classList.contains('busy'));
    // While the worker is busy, the main thread handles clicks and keys at once.
    await page.click('#tab-draw');
    assert.equal(await page.getAttribute('#tab-draw', 'aria-selected'), 'true');
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.getAttribute('#tab-upload', 'aria-selected'), 'true');
    assert.ok(await page.evaluate(() => document.body.classList.contains('busy')), 'SmoothGrad was still running');
    await settled(page);
    assert.match(await page.textContent('#timing'), /SmoothGrad/);
    await context.close();
  });

  test('the sanity check shows the randomized model beside the trained one', async () => {
    const { page, context } = await open();
    await recompute(page, () => page.check('#sanity'));
    assert.equal(await page.isVisible('#sanity-view'), true);
    assert.match(await page.textContent('#sanity-note'), /rank correlation/);
    assert.notDeepEqual(await pixels(page, 'sanity-trained'), await pixels(page, 'sanity-random'));
    await page.screenshot({ path: `${SHOTS}/sanity.png`, fullPage: true });
    await context.close();
  });

  test('weights that fail to load show an error with a retry that works', async () => {
    const { page, context } = await open();
    let fail = true;
    await context.route('**/pretrained/cifar10.int8.safetensors', (route) => (fail ? route.fulfill({ status: 503, body: 'down' }) : route.continue()));
    await page.check('input[name="dataset"][value="cifar10"]');
    await page.waitForSelector('#error:not([hidden])');
    assert.match(await page.textContent('#error-text'), /HTTP 503/);
    fail = false;
    await page.click('#error-retry');
    await page.waitForFunction(() => document.getElementById('figure-title').textContent.startsWith('CIFAR10'), null, { timeout: 120_000 });
    await context.close();
  });

  test('"Load weights…" explains with a visitor\'s own safetensors file, validated like the CLI, and nothing is uploaded', async () => {
    const { page, context, errors, foreign } = await open();
    const weights = (f) => ({ name: f, mimeType: 'application/octet-stream', buffer: readFileSync(`${ROOT}pretrained/${f.includes('cifar') ? 'cifar10' : 'mnist'}.safetensors`) });
    // Garbage, then a truncated file: errors that name the problem, and MNIST keeps working.
    await page.setInputFiles('#weights-file', { name: 'junk.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.from('definitely not weights') });
    await page.waitForFunction(() => /junk\.safetensors” as weights: weights: not a readable safetensors file/.test(document.getElementById('error-text').textContent));
    const cut = readFileSync(`${ROOT}pretrained/mnist.safetensors`).subarray(0, 5000);
    await page.setInputFiles('#weights-file', { name: 'cut.safetensors', mimeType: 'application/octet-stream', buffer: cut });
    await page.waitForFunction(() => /cut\.safetensors” as weights: weights:/.test(document.getElementById('error-text').textContent));
    assert.equal(await page.isVisible('#custom-choice'), false);
    await pick(page, 12);
    // A CIFAR-10-shaped file: the page switches to it, says so, and explains with it.
    await recompute(page, () => page.setInputFiles('#weights-file', weights('my-cifar.safetensors')));
    await settled(page);
    assert.equal(await page.isChecked('input[name="dataset"][value="custom"]'), true);
    assert.match(await page.textContent('#status'), /Your weights \(my-cifar\.safetensors\) ready/);
    assert.match(await page.textContent('#model-card'), /your weights “my-cifar\.safetensors” \(CIFAR10-shaped\)/);
    assert.match((await answer(page)).title, /^CIFAR10 target = /);
    assert.ok(distinctColors(await pixels(page, 'view-heatmap')) > 10);
    await recompute(page, () => page.check('#sanity'));
    assert.equal(await page.isVisible('#sanity-view'), true);
    // Same weights as the shipped CIFAR-10 model: same answer for the same test image.
    const mine = await answer(page);
    await recompute(page, () => page.check('input[name="dataset"][value="cifar10"]'));
    assert.deepEqual((await answer(page)).percents, mine.percents);
    await recompute(page, () => page.check('input[name="dataset"][value="custom"]'));
    assert.match(await page.textContent('#model-card'), /your weights/);
    // An int8 file (weights as int8 with per-channel scales) loads too, and answers as the shipped MNIST model.
    const int8 = { name: 'my-mnist.int8.safetensors', mimeType: 'application/octet-stream', buffer: readFileSync(`${ROOT}pretrained/mnist.int8.safetensors`) };
    await recompute(page, () => page.setInputFiles('#weights-file', int8));
    await settled(page);
    assert.match(await page.textContent('#model-card'), /your weights “my-mnist\.int8\.safetensors” \(MNIST-shaped\)/);
    await pick(page, 12);
    const mineInt8 = await answer(page);
    assert.match(mineInt8.title, /^MNIST target = /);
    await recompute(page, () => page.check('input[name="dataset"][value="mnist"]'));
    await pick(page, 12);
    const shipped = await answer(page);
    assert.deepEqual([shipped.title, shipped.percents], [mineInt8.title, mineInt8.percents]);
    assert.deepEqual(foreign, []);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('"What does the model think a 3 looks like?": the dream forms step by step, reaches the class, and stops on demand', async () => {
    const { page, context, errors } = await open();
    await page.selectOption('#dream-class', '3');
    const seen = [];
    await page.exposeFunction('noteDream', (t) => seen.push(t));
    await page.evaluate(() => new MutationObserver(() => window.noteDream(document.getElementById('dream-status').textContent))
      .observe(document.getElementById('dream-status'), { childList: true, characterData: true, subtree: true }));
    await page.click('#dream-start');
    await page.waitForFunction(() => !document.getElementById('dream-start').disabled
      && /Step 200/.test(document.getElementById('dream-status').textContent), null, { timeout: 120_000 });
    const p = Number((await page.textContent('#dream-status')).match(/([\d.]+) %/)[1]);
    assert.ok(p >= 99, `the dreamed 3 is a 3 with ${p} %`);
    assert.ok(new Set(seen.map((t) => t.match(/Step (\d+)/)?.[1]).filter(Boolean)).size > 5, 'the image was drawn as it formed');
    assert.ok(distinctColors(await pixels(page, 'dream-canvas')) > 10);
    await page.screenshot({ path: `${SHOTS}/dream.png`, fullPage: true });
    // Stop: a second dream ends early when asked.
    await page.click('#dream-start');
    await page.waitForFunction(() => /Step \d+/.test(document.getElementById('dream-status').textContent));
    await page.click('#dream-stop');
    await page.waitForFunction(() => /\(stopped\)/.test(document.getElementById('dream-status').textContent), null, { timeout: 60_000 });
    // The map view still works afterwards.
    await pick(page, 12);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('export gives a PNG of the panel', async () => {
    const { page, context } = await open();
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
    assert.match(download.suggestedFilename(), /^saliency-mnist-vanilla-7\.png$/);
    await context.close();
  });
});
