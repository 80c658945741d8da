// Watch it learn: the Train view downloads the site's training data when opened, trains a small
// subset in workers, draws its curves and film strip, keeps checkpoints the slider puts the page
// at, hands the result to every view and as a download; the same seed gives the same weights on
// 1 and 2 workers; pause, resume, stop, a learning rate too high, files that are not data and a
// site without data each get a clear answer and leave the page working.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { SHOTS, answer, distinctColors, pixels, recompute, settled, useSite } from './harness.mjs';

const site = useSite();
const status = (page) => page.textContent('#train-status');

async function openTrain(page) {
  await page.click('#train > summary');
  await page.waitForFunction(() => /Press Train|Pick or drop/.test(document.getElementById('train-status').textContent), null, { timeout: 120_000 });
}

async function train(page, { images = 1000, epochs = 1, workers = '2', every = '1', lr = '0.001', seed = '42' } = {}) {
  await page.fill('#train-images', String(images));
  await page.fill('#train-epochs', String(epochs));
  await page.fill('#train-every', every);
  await page.fill('#train-lr', lr);
  await page.fill('#train-seed', seed);
  await page.selectOption('#train-workers', workers);
  await page.click('#train-start');
}

const finished = (page) => page.waitForFunction(() => /^(Done|Stopped|Training stopped)/.test(document.getElementById('train-status').textContent)
  && !document.getElementById('train-start').disabled, null, { timeout: 300_000 });

async function downloaded(page) {
  const [d] = await Promise.all([page.waitForEvent('download'), page.click('#train-download')]);
  return { name: d.suggestedFilename(), bytes: readFileSync(await d.path()) };
}

/** The tensor names and shapes a safetensors file holds. */
function header(bytes) {
  const n = Number(bytes.readBigUInt64LE(0));
  const h = JSON.parse(bytes.subarray(8, 8 + n).toString());
  return Object.fromEntries(Object.entries(h).filter(([k]) => k !== '__metadata__').map(([k, v]) => [k, v.shape]));
}

describe('watch it learn', () => {
  test('trains a subset, draws curves and the film strip, and the result explains everywhere and downloads', async () => {
    const { page, context, errors, foreign } = await site.open();
    await openTrain(page);
    assert.match(await status(page), /60,000 training images and 10,000 test images downloaded from this site/);
    // Train comes back only once the run is scored and handed to the page, never while it is
    // (a run started then would queue behind the scoring and get the old weights put in under it).
    await page.evaluate(() => {
      window.trainEnabledWith = [];
      const b = document.getElementById('train-start');
      new MutationObserver(() => { if (!b.disabled) window.trainEnabledWith.push(document.getElementById('train-status').textContent); })
        .observe(b, { attributes: true, attributeFilter: ['disabled'] });
    });
    // 1,000 images: 800 train (4 steps of 250, the last short is none), 200 held out; two epochs.
    await train(page, { images: 1000, epochs: 2 });
    await finished(page);
    const enabledWith = await page.evaluate(() => window.trainEnabledWith);
    assert.equal(enabledWith.length, 1, JSON.stringify(enabledWith));
    assert.match(enabledWith[0], /^Done: 8 steps\. Test accuracy/);
    const text = await status(page);
    assert.match(text, /^Done: 8 steps\. Test accuracy \d+\.\d\d % on the 10,000 test images/);
    const accuracy = Number(text.match(/Test accuracy (\d+\.\d+) %/)[1]);
    assert.ok(accuracy > 40, `8 steps of Adam learn something: ${accuracy} %`);
    assert.equal(await page.evaluate(() => document.body.dataset.trainStep), '8');
    assert.match(await page.textContent('#train-epochs-table'), /epoch 1: .*\nepoch 2: train loss \d\.\d{4}, accuracy \d+\.\d\d %; validation loss/);
    for (const id of ['train-loss-chart', 'train-acc-chart', 'train-sim-chart']) assert.ok(distinctColors(await pixels(page, id)) > 3, `${id} drawn`);
    // The film strip: six maps of step 8, each captioned with its class and the answer.
    assert.match(await page.textContent('#train-strip-title'), /^Step 8: maps of six test images \(similarity to step 0: -?\d\.\d{3}\)/);
    const captions = await page.$$eval('#train-strip figcaption', (f) => f.map((x) => x.textContent));
    assert.equal(captions.length, 6);
    for (const c of captions) assert.match(c, /^\d: says \d [✓✗]$/);
    assert.equal(new Set(captions.map((c) => c[0])).size, 6, 'six different classes');
    const strip = await page.$$eval('#train-strip canvas', (cs) => cs.map((c) => Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data)));
    for (const px of strip) assert.ok(distinctColors(px) > 2, 'every image and map painted');

    // The trained weights are the page's now: the status and model card say so, and a map is drawn.
    await page.waitForFunction(() => /Your weights \(trained in this tab, step 8\) ready/.test(document.getElementById('status').textContent));
    await settled(page);
    const trained = await answer(page);
    assert.match(await page.textContent('#model-card'), /your weights “trained in this tab, step 8”/);

    // Back to step 0 (the untrained network): the whole page follows.
    assert.equal(await page.getAttribute('#train-checkpoint', 'max'), '1');
    await page.locator('#train-checkpoint').fill('0');
    await page.waitForFunction(() => /step 0\) ready/.test(document.getElementById('status').textContent));
    await settled(page);
    const untrained = await answer(page);
    assert.notDeepEqual(untrained.percents, trained.percents, 'another checkpoint, another answer');
    assert.match(await page.textContent('#train-checkpoint-out'), /^step 0 of 8$/);
    assert.match(await page.textContent('#train-strip-title'), /^Step 0:/);

    const file = await downloaded(page);
    assert.equal(file.name, 'mnist-trained-step-0.safetensors');
    assert.deepEqual(header(file.bytes), { 'conv1.weight': [32, 1, 3, 3], 'conv1.bias': [32], 'conv2.weight': [64, 32, 3, 3], 'conv2.bias': [64], 'fc1.weight': [256, 1600], 'fc1.bias': [256], 'fc2.weight': [10, 256], 'fc2.bias': [10] });
    await page.screenshot({ path: `${SHOTS}/train.png`, fullPage: true });
    assert.deepEqual(errors, []);
    assert.deepEqual(foreign, []);
    await context.close();
  });

  test('the same seed gives the same weights on 1 and 2 workers; another seed, others', async () => {
    const { page, context, errors } = await site.open();
    await openTrain(page);
    const weights = {};
    for (const [key, workers, seed] of [['one', '1', '7'], ['two', '2', '7'], ['other', '2', '8']]) {
      await train(page, { images: 700, workers, seed, every: '50' });
      await finished(page);
      assert.match(await status(page), /^Done: 3 steps/);
      assert.match(await page.textContent('#train-strip-title'), /^Step 3:/, 'the last step has its film strip');
      weights[key] = (await downloaded(page)).bytes;
      await page.click('#train-reset');
    }
    assert.ok(weights.one.equals(weights.two), '1 and 2 workers train the same weights');
    assert.ok(!weights.one.equals(weights.other), 'another seed trains other weights');
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('pause holds the step, resume goes on, a frozen tab goes on when woken, stop ends with the last whole step; too high a learning rate stops with a message', async () => {
    const { page, context, errors } = await site.open();
    await openTrain(page);
    await train(page, { images: 20_000, every: '1000' });
    await page.waitForFunction(() => Number(document.body.dataset.trainStep ?? 0) >= 2);
    await page.click('#train-pause');
    await page.waitForFunction(() => /^Paused at step \d+/.test(document.getElementById('train-status').textContent));
    const held = await page.evaluate(() => document.body.dataset.trainStep);
    await page.waitForTimeout(1500);
    assert.equal(await page.evaluate(() => document.body.dataset.trainStep), held, 'no step while paused');
    assert.equal(await page.textContent('#train-pause'), 'Resume');
    await page.click('#train-pause');
    await page.waitForFunction((n) => Number(document.body.dataset.trainStep) > n, Number(held));
    // The tab frozen, as Chrome freezes a tab left in the background, then woken: training goes on.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Page.setWebLifecycleState', { state: 'frozen' });
    await new Promise((ok) => setTimeout(ok, 2000));
    await cdp.send('Page.setWebLifecycleState', { state: 'active' });
    const woken = Number(await page.evaluate(() => document.body.dataset.trainStep));
    await page.waitForFunction((n) => Number(document.body.dataset.trainStep) > n, woken);
    await page.click('#train-stop');
    await finished(page);
    assert.match(await status(page), /^Stopped at step \d+\. Test accuracy/);
    await settled(page);

    // A learning rate of 1e9 blows up: a message naming it, the weights of the last good step kept.
    await page.click('#train-reset');
    await train(page, { images: 2000, lr: '1e9', every: '1000', epochs: 3 });
    await finished(page);
    assert.match(await status(page), /^Training stopped: step (\d+): the (loss became NaN|loss became inf|weight became infinite).* the learning rate \(1000000000\) is too high for this network; weights kept from step \d+\. /);
    await settled(page);
    assert.ok((await answer(page)).text.startsWith('Predicted:'), 'the page still explains');

    // Settings that are not numbers are refused by name before anything starts.
    await page.click('#train-reset');
    await page.fill('#train-lr', 'fast');
    await page.click('#train-start');
    assert.match(await status(page), /^Learning rate \(a positive number\): “fast” is not allowed/);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('a worker that dies leaves the run and the others go on to the same weights; when the last dies, the checkpoints stay', async () => {
    const { page, context, errors } = await site.open();
    await openTrain(page);
    // Workers born after Start are the run's (the page's own worker is older).
    let born = [];
    page.on('worker', (w) => born.push(w));
    // An uncaught error in a worker, as a crash looks to the page: its Engine drops it.
    const kill = (w) => w.evaluate(() => { setTimeout(() => { throw new Error('test: this worker dies'); }); });
    await train(page, { images: 2500, workers: '1', seed: '7', every: '50' });
    await finished(page);
    assert.match(await status(page), /^Done: 8 steps/);
    const whole = (await downloaded(page)).bytes;
    await page.click('#train-reset');

    born = [];
    await train(page, { images: 2500, workers: '2', seed: '7', every: '50' });
    await page.waitForFunction(() => Number(document.body.dataset.trainStep ?? 0) >= 2);
    assert.equal(born.length, 2, 'two training workers');
    await kill(born[1]);
    await finished(page);
    assert.match(await status(page), /^Done: 8 steps\. Test accuracy .* 1 of 2 workers stopped \(last at step \d: the computation worker failed: .*test: this worker dies\); the 1 left went on with the same weights\./);
    assert.ok((await downloaded(page)).bytes.equals(whole), 'no step lost or taken twice: the weights of the run that lost nothing');
    await page.click('#train-reset');

    // The only worker dies after the checkpoint at step 50: the page falls back to it.
    born = [];
    await train(page, { images: 20_000, workers: '1', every: '1000' });
    await page.waitForFunction(() => Number(document.body.dataset.trainStep ?? 0) >= 51, null, { timeout: 120_000 });
    await kill(born[0]);
    await finished(page);
    assert.match(await status(page), /^Training stopped at step \d+: every training worker stopped \(the last: the computation worker failed: .*test: this worker dies\); the weights since the last checkpoint were only in them\. The page now uses the last checkpoint, step 50; the slider has the others\.$/);
    await page.waitForFunction(() => /Your weights \(trained in this tab, step 50\) ready/.test(document.getElementById('status').textContent));
    await settled(page);
    assert.ok((await answer(page)).text.startsWith('Predicted:'), 'the page explains with the checkpoint');
    assert.equal((await downloaded(page)).name, 'mnist-trained-step-50.safetensors');
    // Train again: new workers.
    await page.click('#train-reset');
    await train(page, { images: 600, every: '50' });
    await finished(page);
    assert.match(await status(page), /^Done: 2 steps/);
    assert.deepEqual(errors.filter((e) => !/this worker dies/.test(e)), []);
    await context.close();
  });

  test('a data set picked while another is being read is the one that loads, and the picker keeps it', async () => {
    const { page, context, errors } = await site.open();
    await recompute(page, () => page.check('input[name="dataset"][value="cifar10"]'));
    await page.click('#train > summary');
    // CIFAR-10 downloaded and now being read in a worker: the visitor picks MNIST.
    await page.waitForFunction(() => /^Reading/.test(document.getElementById('train-status').textContent), null, { timeout: 240_000 });
    await page.selectOption('#train-dataset', 'mnist');
    await page.waitForFunction(() => /^(MNIST|CIFAR-?10): .*Press Train/.test(document.getElementById('train-status').textContent), null, { timeout: 240_000 });
    assert.match(await status(page), /^MNIST: 60,000 training images/);
    assert.equal(await page.inputValue('#train-dataset'), 'mnist');
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('files that are not data are refused by name; a site without data says where to get it', async () => {
    const { page, context, errors } = await site.open({
      setup: (ctx) => ctx.route('**/data/index.json', (r) => r.fulfill({ status: 404, body: 'no' })),
    });
    await openTrain(page);
    assert.match(await status(page), /^This site has no MNIST training data\. Pick or drop the four MNIST files \(train-images-idx3-ubyte\.gz/);
    assert.ok(await page.isDisabled('#train-start'));
    await page.setInputFiles('#train-files', [{ name: 'cat.png', mimeType: 'image/png', buffer: Buffer.from([137, 80, 78, 71, 1, 2, 3]) }]);
    await page.waitForFunction(() => /Could not use those files/.test(document.getElementById('train-status').textContent));
    assert.match(await status(page), /“cat\.png” is not one of the official MNIST or CIFAR-10 files/);
    // Half a pair, gzipped as the official files are.
    const images = readFileSync(`${process.env.SALIENCY_DATA ?? new URL('../../../shared/data', import.meta.url).pathname}/mnist/t10k-images-idx3-ubyte.gz`);
    await page.setInputFiles('#train-files', [{ name: 't10k-images-idx3-ubyte.gz', mimeType: 'application/gzip', buffer: images }]);
    await page.waitForFunction(() => /missing/.test(document.getElementById('train-status').textContent));
    assert.match(await status(page), /“t10k-labels-idx1-ubyte” is missing/);
    // A broken download.
    await page.setInputFiles('#train-files', [{ name: 'train-images-idx3-ubyte.gz', mimeType: 'application/gzip', buffer: images.subarray(0, 5000) }]);
    await page.waitForFunction(() => /gzip/.test(document.getElementById('train-status').textContent));
    assert.match(await status(page), /“train-images-idx3-ubyte\.gz” is not valid gzip data/);
    assert.ok(await page.isDisabled('#train-start'));
    // A training set without its test set: the accuracy is the gallery's.
    const dir = `${process.env.SALIENCY_DATA ?? new URL('../../../shared/data', import.meta.url).pathname}/mnist`;
    await page.setInputFiles('#train-files', ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz'].map((f) => `${dir}/${f}`));
    await page.waitForFunction(() => /Press Train/.test(document.getElementById('train-status').textContent), null, { timeout: 60_000 });
    assert.match(await status(page), /^MNIST: 60,000 training images \(no test set: accuracy is measured on the gallery images\) from the files you gave/);
    await train(page, { images: 600, every: '50' });
    await finished(page);
    assert.match(await status(page), /^Done: 2 steps\. Accuracy \d+\.\d\d % on the 150 gallery images \(no test set given; loss \d\.\d{4}\)/);
    await settled(page);
    assert.deepEqual(errors.filter((e) => !/status of 404/.test(e)), [], 'only the missing data/index.json');
    await context.close();
  });
});
