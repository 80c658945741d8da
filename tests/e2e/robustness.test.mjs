// The page under a user's hands and under abuse: freehand drawing, odd files, rapid switching,
// failing downloads, a dying worker, a Rust panic; and what never leaves the tab.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { SHOTS, answer, pick, pixels, recompute, settled, useSite } from './harness.mjs';

const site = useSite();

// ---------- files made here, as a user would have them ----------
function crc32(buf) {
  let c = ~0;
  for (const b of buf) { c ^= b; for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1)); }
  return ~c >>> 0;
}
/** A grey 8-bit PNG whose pixel (x, y) is f(x, y). */
function greyPng(w, h, f) {
  const raw = Buffer.alloc((w + 1) * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) raw[y * (w + 1) + 1 + x] = f(x, y);
  const chunk = (type, data) => {
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4); ihdr[8] = 8; ihdr[9] = 0;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 1 })), chunk('IEND', Buffer.alloc(0))]);
}
/** An animated GIF (two frames, grey palette): LZW with a clear code often enough to keep 9-bit codes. */
function animatedGif(w, h, frames) {
  const out = [Buffer.from('GIF89a'), Buffer.from([w & 255, w >> 8, h & 255, h >> 8, 0xf7, 0, 0])];
  out.push(Buffer.from(Array.from({ length: 256 }, (_, i) => [i, i, i]).flat()));
  out.push(Buffer.from([0x21, 0xff, 11, ...Buffer.from('NETSCAPE2.0'), 3, 1, 0, 0, 0]));
  for (const f of frames) {
    out.push(Buffer.from([0x21, 0xf9, 4, 0, 10, 0, 0, 0, 0x2c, 0, 0, 0, 0, w & 255, w >> 8, h & 255, h >> 8, 0, 8]));
    const codes = [256];
    let n = 0;
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) { codes.push(f(x, y)); if (++n % 250 === 0) codes.push(256); }
    codes.push(257);
    const bytes = [];
    let acc = 0, bits = 0;
    for (const c of codes) { acc |= c << bits; bits += 9; while (bits >= 8) { bytes.push(acc & 255); acc >>>= 8; bits -= 8; } }
    if (bits) bytes.push(acc & 255);
    for (let i = 0; i < bytes.length; i += 255) { const s = bytes.slice(i, i + 255); out.push(Buffer.from([s.length, ...s])); }
    out.push(Buffer.from([0]));
  }
  out.push(Buffer.from([0x3b]));
  return Buffer.concat(out);
}

const upload = (page, name, mimeType, buffer) => page.setInputFiles('#file', { name, mimeType, buffer });
const errorText = (page) => page.evaluate(() => (document.getElementById('error').hidden ? '' : document.getElementById('error-text').textContent));

// ---------- drawing ----------
/** Counts every time the error banner shows, even briefly. */
const watchErrors = (page) => page.evaluate(() => {
  window.bannerShown = [];
  const el = document.getElementById('error');
  new MutationObserver(() => { if (!el.hidden) window.bannerShown.push(document.getElementById('error-text').textContent); })
    .observe(el, { attributes: true, childList: true, subtree: true, characterData: true });
});

/** Draws polylines on the pad (coordinates in 0..1 of the pad) with the mouse, in small steps as a hand does. */
async function draw(page, strokes) {
  const box = await page.locator('#pad').boundingBox();
  for (const pts of strokes) {
    const at = ([x, y]) => [box.x + x * box.width, box.y + y * box.height];
    await page.mouse.move(...at(pts[0]));
    await page.mouse.down();
    for (let k = 1; k < pts.length; k++) await page.mouse.move(...at(pts[k]), { steps: 3 });
    await page.mouse.up();
  }
  // The pad never moves under the pen.
  const after = await page.locator('#pad').boundingBox();
  assert.deepEqual(after, box, 'the drawing pad moved while drawing');
}

const circle = (cx, cy, r, n = 40) => Array.from({ length: n + 1 }, (_, k) => [cx + r * Math.cos((2 * Math.PI * k) / n - Math.PI / 2), cy + r * Math.sin((2 * Math.PI * k) / n - Math.PI / 2)]);

async function drawAndRead(page, strokes) {
  await page.click('#pad-clear');
  await recompute(page, () => draw(page, strokes));
  await settled(page);
  await page.waitForTimeout(150); // the last pointer move's map, if one was still coming
  await settled(page);
  const a = await answer(page);
  assert.ok(a.percents.every((p) => /^\d+\.\d %$/.test(p)), `non-finite probabilities: ${a.percents}`);
  assert.doesNotMatch(a.text, /NaN|Infinity/);
  return a;
}

describe('the drawing pad', () => {
  test('circles, a 7, a 4 and dots of several sizes and places: finite answers, no error banner, circles read as 0', async () => {
    const { page, context, errors } = await site.open();
    await page.click('#tab-draw');
    await watchErrors(page);
    const circles = [[0.5, 0.5, 0.35], [0.5, 0.5, 0.15], [0.3, 0.35, 0.2], [0.65, 0.6, 0.25], [0.5, 0.55, 0.42]];
    for (const [cx, cy, r] of circles) {
      // An oval, as hands draw a 0.
      const ring = circle(cx, cy, r).map(([x, y]) => [cx + (x - cx) * 0.75, y]);
      const a = await drawAndRead(page, [ring]);
      assert.equal(a.predicted, 0, `circle at (${cx}, ${cy}), r = ${r} read as ${a.predicted}`);
    }
    await page.screenshot({ path: `${SHOTS}/draw-circle.png`, fullPage: true });
    const seven = await drawAndRead(page, [[[0.25, 0.2], [0.75, 0.2], [0.45, 0.85]]]);
    const four = await drawAndRead(page, [[[0.35, 0.15], [0.25, 0.55], [0.75, 0.55]], [[0.62, 0.3], [0.62, 0.9]]]);
    console.log(`drawn 7 read as ${seven.predicted}, drawn 4 read as ${four.predicted}`);
    for (const [x, y] of [[0.5, 0.5], [0.05, 0.05], [0.95, 0.95], [0.1, 0.9]]) {
      await drawAndRead(page, [[[x, y]]]);
      await drawAndRead(page, [[[x, y], [x + 0.01, y]]]);
    }
    assert.deepEqual(await page.evaluate(() => window.bannerShown), [], 'the error banner appeared while drawing');
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('an error banner floats over the page: the pad does not move', async () => {
    const { page, context } = await site.open();
    await page.click('#tab-draw');
    const before = await page.locator('#pad').boundingBox();
    await page.evaluate(async () => {
      // Any error will do: an upload that is no image.
      const input = document.getElementById('file');
      const dt = new DataTransfer();
      dt.items.add(new File(['hello'], 'notes.txt', { type: 'text/plain' }));
      input.files = dt.files;
      input.dispatchEvent(new Event('change'));
    });
    await page.waitForSelector('#error:not([hidden])');
    assert.deepEqual(await page.locator('#pad').boundingBox(), before);
    await context.close();
  });
});

describe('odd uploads', () => {
  test('50 megapixels, empty, text named .png, SVG, animated GIF: an answer or a clear error, never a freeze', async () => {
    const { page, context } = await site.open();
    await page.click('#tab-upload');
    // 10000 x 5000 = 50 megapixels (the limit): a black bar on white, a "1" once inverted.
    const big = greyPng(10000, 5000, (x, y) => (x >= 4800 && x < 5200 && y >= 800 && y < 4200 ? 0 : 255));
    await recompute(page, () => upload(page, 'big.png', 'image/png', big));
    const a = await answer(page);
    assert.equal(await errorText(page), '');
    assert.equal(a.predicted, 1, 'a bar is a 1');
    // One row more is refused from the header, before decoding.
    const bigger = greyPng(10000, 5001, () => 255);
    await upload(page, 'bigger.png', 'image/png', bigger);
    await page.waitForFunction(() => /bigger\.png.*too large \(10000 × 5001 pixels/.test(document.getElementById('error-text').textContent));
    await upload(page, 'empty.png', 'image/png', Buffer.alloc(0));
    await page.waitForFunction(() => /empty\.png.*is empty/.test(document.getElementById('error-text').textContent));
    await upload(page, 'notes.png', 'image/png', Buffer.from('These are my notes, not a picture.\n'));
    await page.waitForFunction(() => /notes\.png.*is not an image/.test(document.getElementById('error-text').textContent));
    await upload(page, 'drawing.svg', 'image/svg+xml', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="28" height="28"><rect x="12" y="4" width="4" height="20" fill="white"/></svg>'));
    await page.waitForFunction(() => /drawing\.svg.*SVG/.test(document.getElementById('error-text').textContent));
    // An animated GIF: its first frame (a bar, a "1") is used.
    const gif = animatedGif(56, 56, [(x, y) => (x >= 25 && x < 31 && y >= 8 && y < 48 ? 255 : 0), (x, y) => ((x + y) % 2 ? 255 : 0)]);
    await recompute(page, () => upload(page, 'anim.gif', 'image/gif', gif));
    assert.equal((await answer(page)).predicted, 1);
    assert.match(await page.textContent('#prepared-caption'), /first frame/);
    // Odd shapes: 1 x N, N x 1, 1 x 1.
    for (const [w, h] of [[1, 300], [300, 1], [1, 1], [3, 2000]]) {
      await upload(page, `odd-${w}x${h}.png`, 'image/png', greyPng(w, h, (x, y) => ((x + y) % 3 ? 255 : 0)));
      await page.waitForFunction((name) => document.getElementById('view-heatmap').dataset.input === name
        || document.getElementById('error-text').textContent.includes(name), `odd-${w}x${h}.png`, { timeout: 60_000 });
    }
    // Still working.
    await page.click('#tab-gallery');
    await pick(page, 12);
    const after = await answer(page);
    assert.equal(after.predicted, after.truth);
    await context.close();
  });

  test('every upload size from 1 x 1 to 4000 x 4000 gives finite pixels in [0, 1] (prepareUpload in the browser)', async () => {
    const { page, context } = await site.open();
    const bad = await page.evaluate(async () => {
      const { prepareUpload } = await import('./prepare.js');
      let seed = 1;
      const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
      const sizes = [[1, 1], [1, 4000], [4000, 1], [4000, 4000], [2, 3], [999, 1001]];
      for (let k = 0; k < 40; k++) sizes.push([1 + Math.floor(rnd() ** 2 * 4000), 1 + Math.floor(rnd() ** 2 * 4000)]);
      const problems = [];
      for (const [w, h] of sizes) {
        const c = new OffscreenCanvas(w, h);
        const ctx = c.getContext('2d');
        ctx.fillStyle = rnd() < 0.5 ? '#fff' : '#000';
        ctx.fillRect(0, 0, w, h);
        ctx.strokeStyle = ctx.fillStyle === '#ffffff' ? '#000' : '#fff';
        ctx.lineWidth = 1 + rnd() * Math.max(w, h) / 10;
        ctx.beginPath(); ctx.moveTo(rnd() * w, rnd() * h); ctx.lineTo(rnd() * w, rnd() * h); ctx.stroke();
        const blob = await c.convertToBlob({ type: 'image/png' });
        // The shipped models' inputs and a visitor's models of other sizes, grey and colour.
        const shapes = [[28, 28, 1], [32, 32, 3], [15, 13, 1], [20, 9, 3], [64, 64, 3]].map(([width, height, channels]) => ({ width, height, channels }));
        for (const shape of shapes) {
          const what = `${w}x${h} into ${shape.width}x${shape.height}x${shape.channels}`;
          try {
            const { image } = await prepareUpload(blob, shape);
            const n = shape.width * shape.height * shape.channels;
            if (image.length !== n || !image.every((v) => Number.isFinite(v) && v >= 0 && v <= 1)) problems.push(what);
          } catch (e) {
            if (!/no digit found/.test(e.message)) problems.push(`${what}: ${e.message}`);
          }
        }
      }
      return problems;
    });
    assert.deepEqual(bad, []);
    await context.close();
  });
});

/** In the page, from its start: whenever thumbs go in, they must be the current model's data
 * set's (a thumb of another would hand the model an image of the wrong shape); each time they are
 * not is kept in `window.galleryMismatch`. */
function watchGallery() {
  window.galleryMismatch = [];
  addEventListener('DOMContentLoaded', () => {
    const g = document.getElementById('gallery');
    new MutationObserver(() => {
      if (g.children.length && g.dataset.dataset !== document.body.dataset.dataset) {
        window.galleryMismatch.push(`${g.dataset.dataset} thumbs for ${document.body.dataset.dataset}`);
      }
    }).observe(g, { childList: true });
  });
}

describe('rapid switching and failures', () => {
  test('a gallery still being made when the model changes never fills in under the new model', async () => {
    // The MNIST gallery's picture is held back 1.5 s and CIFAR-10's images 3 s, so the MNIST
    // gallery is ready while the page is on CIFAR-10 and its gallery has not begun.
    const { page, context, errors } = await site.open({
      wait: false,
      setup: async (ctx) => {
        await ctx.addInitScript(watchGallery);
        await ctx.addInitScript(() => {
          const toBlob = HTMLCanvasElement.prototype.toBlob;
          HTMLCanvasElement.prototype.toBlob = function (...args) { setTimeout(() => toBlob.apply(this, args), 1500); };
        });
        await ctx.route('**/gallery/cifar10.bin', async (route) => { await new Promise((ok) => setTimeout(ok, 3000)); await route.continue(); });
      },
    });
    await settled(page); // the first MNIST map; its gallery's picture is being made
    assert.equal(await page.locator('#gallery .thumb').count(), 0);
    await page.check('input[name="dataset"][value="cifar10"]');
    await page.waitForFunction(() => document.getElementById('gallery').dataset.dataset === 'cifar10'
      && document.querySelectorAll('#gallery .thumb').length === 150, null, { timeout: 60_000 });
    assert.deepEqual(await page.evaluate(() => window.galleryMismatch), []);
    await recompute(page, () => page.click('#gallery .thumb[data-index="3"]'));
    assert.match((await answer(page)).title, /^CIFAR10 target = /);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('rapid switching of model, method and input: the shown map belongs to what the controls show', async () => {
    const { page, context, errors } = await site.open({ setup: (ctx) => ctx.addInitScript(watchGallery) });
    let seed = 7;
    const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const methods = await page.$$eval('#method option', (os) => os.map((o) => o.value));
    for (let k = 0; k < 60; k++) {
      const r = rnd();
      if (r < 0.15) await page.check(`input[name="dataset"][value="${rnd() < 0.5 ? 'mnist' : 'cifar10'}"]`);
      else if (r < 0.55) await page.selectOption('#method', methods[Math.floor(rnd() * methods.length)]);
      else {
        // The gallery is rebuilt on a model switch: a thumb may vanish under the click, as under a user's.
        await page.locator('#gallery .thumb').nth(Math.floor(rnd() * 20)).click({ timeout: 2000 }).catch(() => {});
      }
      await page.waitForTimeout(rnd() * 40);
    }
    await page.waitForFunction(() => document.querySelector('#gallery .thumb[aria-pressed="true"]'), null, { timeout: 120_000 });
    await settled(page);
    await page.waitForTimeout(300);
    await settled(page);
    const shown = await page.evaluate(() => ({
      map: { ...document.getElementById('view-heatmap').dataset },
      dataset: document.querySelector('input[name="dataset"]:checked').value,
      method: document.getElementById('method').value,
      input: `test image ${document.querySelector('#gallery .thumb[aria-pressed="true"]').dataset.index}`,
      title: document.getElementById('figure-title').textContent,
      status: document.getElementById('status').textContent,
    }));
    assert.deepEqual(await page.evaluate(() => window.galleryMismatch), []);
    assert.deepEqual(shown.map, { dataset: shown.dataset, method: shown.method, input: shown.input });
    assert.ok(shown.title.startsWith(shown.dataset === 'mnist' ? 'MNIST' : 'CIFAR10'), shown.title);
    assert.ok(shown.status.startsWith(shown.dataset === 'mnist' ? 'MNIST' : 'CIFAR10'), `stale status: ${shown.status}`);
    // The same state computed afresh gives the same pixels.
    const px = await pixels(page, 'view-heatmap');
    const other = shown.method === 'vanilla' ? 'guided' : 'vanilla';
    await recompute(page, () => page.selectOption('#method', other));
    await recompute(page, () => page.selectOption('#method', shown.method));
    assert.deepEqual(await pixels(page, 'view-heatmap'), px);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('the status line follows the model shown (MNIST -> CIFAR-10 -> MNIST)', async () => {
    const { page, context } = await site.open();
    await recompute(page, () => page.check('input[name="dataset"][value="cifar10"]'));
    assert.match(await page.textContent('#status'), /^CIFAR10 model ready/);
    await recompute(page, () => page.check('input[name="dataset"][value="mnist"]'));
    assert.match(await page.textContent('#status'), /^MNIST model ready/);
    await context.close();
  });

  test('weights that arrive as garbage give an error naming them; retry works', async () => {
    const { page, context } = await site.open();
    let garbage = true;
    await context.route('**/pretrained/cifar10.int8.safetensors', (route) => (garbage
      ? route.fulfill({ status: 200, contentType: 'application/octet-stream', body: Buffer.from('\x10\x00\x00\x00\x00\x00\x00\x00{"oops": tru}   garbage') })
      : route.continue()));
    await page.check('input[name="dataset"][value="cifar10"]');
    await page.waitForSelector('#error:not([hidden])');
    assert.match(await errorText(page), /CIFAR10 model: weights: not a readable safetensors file/);
    garbage = false;
    await page.click('#error-retry');
    await page.waitForFunction(() => document.getElementById('figure-title').textContent.startsWith('CIFAR10'), null, { timeout: 120_000 });
    await context.close();
  });

  test('a Rust panic: its message is shown, a fresh worker takes over, a worker that cannot start is retried on demand', async () => {
    const { page, context } = await site.open();
    // Panic inside the worker's WASM instance, as a bug would.
    const worker = page.workers().at(-1);
    await worker.evaluate(async () => {
      const m = await import(new URL('./pkg/saliency.js', self.location.href).href);
      try { m.panicForTests(); } catch { /* the trap; the worker reports it on its next request */ }
    });
    // The next request finds the spent instance: the message is shown and the worker replaced.
    await page.click('#gallery .thumb[data-index="12"]');
    await page.waitForFunction(() => /internal error: [\s\S]*panic requested by a test/.test(document.getElementById('error-text').textContent));
    assert.match(await page.textContent('#status'), /restarted/);
    await page.click('#error-retry');
    await settled(page);
    await page.waitForFunction(() => document.getElementById('error').hidden);
    const a = await answer(page);
    assert.equal(a.predicted, a.truth);
    // A worker whose script cannot load: a few restarts, then it waits for the user's retry.
    await context.route('**/worker.js', (route) => route.fulfill({ status: 500, body: 'down' }));
    const w2 = page.workers().at(-1);
    await w2.evaluate(async () => {
      const m = await import(new URL('./pkg/saliency.js', self.location.href).href);
      try { m.panicForTests(); } catch { /* as above */ }
    });
    await page.click('#gallery .thumb[data-index="38"]');
    await page.waitForFunction(() => /could not start/.test(document.getElementById('status').textContent), null, { timeout: 60_000 });
    assert.equal(await page.isVisible('#error'), true);
    await context.unroute('**/worker.js');
    await page.click('#error-retry');
    await page.waitForFunction(() => document.getElementById('error').hidden && document.getElementById('view-heatmap').dataset.input === 'test image 38', null, { timeout: 120_000 });
    await context.close();
  });
});

describe('the JS API in the page', () => {
  test('every documented entry point refuses bad input with an Error and keeps working', async () => {
    const { page, context } = await site.open();
    const out = await page.evaluate(async () => {
      const mod = await import('./pkg/saliency.js');
      await mod.default();
      const bytes = new Uint8Array(await (await fetch('pretrained/mnist.safetensors')).arrayBuffer());
      const model = new mod.Model(bytes, 'mnist');
      const img = new Float32Array(784).fill(0.2);
      const tryIt = (f) => { try { f(); return 'accepted'; } catch (e) { return `${e instanceof Error ? 'Error' : typeof e}: ${e.message}`; } };
      const r = {
        unknownKey: tryIt(() => model.explain(img, { methd: 'ig' })),
        percentile: tryIt(() => mod.toMap(new Float32Array(784), 1, { normalize: { kind: 'percentile', p: 500 } })),
        nanRaw: tryIt(() => mod.toMap(new Float32Array(784).fill(NaN), 1, {})),
        bigPixels: tryIt(() => model.predict(new Float32Array(784).fill(255))),
        shortImage: tryIt(() => model.logits(new Float32Array(10))),
        badWeights: tryIt(() => new mod.Model(new Uint8Array([1, 2, 3]), 'mnist')),
        wrongDataset: tryIt(() => new mod.Model(bytes, 'cifar10')),
        nanTarget: tryIt(() => model.gradient(img, NaN)),
        hugeBatch: tryIt(() => model.explain(img, { method: 'smoothgrad', samples: 100, batchSize: 1e9 })),
      };
      r.stillWorks = model.predict(img).length;
      return r;
    });
    for (const k of ['unknownKey', 'percentile', 'nanRaw', 'bigPixels', 'shortImage', 'badWeights', 'wrongDataset', 'nanTarget']) {
      assert.match(out[k], /^Error: /, `${k}: ${out[k]}`);
    }
    assert.match(out.unknownKey, /unknown option `methd`/);
    assert.match(out.percentile, /\(0, 100\]/);
    assert.match(out.nanRaw, /not finite/);
    assert.match(out.bigPixels, /outside \[0, 1\]/);
    assert.equal(out.hugeBatch, 'accepted');
    assert.equal(out.stillWorks, 10);
    await context.close();
  });
});

describe('privacy and security', () => {
  test('no feature sends a request off the origin or stores user data; the CSP stays strict', async () => {
    const { page, context, foreign, errors } = await site.open();
    await recompute(page, () => page.selectOption('#method', 'smoothgrad'));
    await page.click('#compare');
    await page.waitForFunction(() => document.querySelectorAll('#compare-grid figure:not(.pending)').length > 0, null, { timeout: 120_000 });
    await recompute(page, () => page.check('#sanity'));
    await page.click('#tab-draw');
    await recompute(page, () => draw(page, [[[0.5, 0.2], [0.5, 0.8]]]));
    await page.click('#tab-upload');
    await recompute(page, () => upload(page, 'one.png', 'image/png', greyPng(60, 60, (x) => (x > 27 && x < 33 ? 255 : 0))));
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
    assert.match(download.suggestedFilename(), /\.png$/);
    await recompute(page, () => page.check('input[name="dataset"][value="cifar10"]'));
    await settled(page);
    assert.deepEqual(foreign, []);
    const stored = await page.evaluate(async () => ({
      local: localStorage.length,
      session: sessionStorage.length,
      cookies: document.cookie,
      databases: (await indexedDB.databases()).length,
      caches: (await caches.keys()).length,
    }));
    assert.deepEqual(stored, { local: 0, session: 0, cookies: '', databases: 0, caches: 0 });
    const csp = await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content');
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval';/);
    assert.doesNotMatch(csp, /'unsafe-inline'|'unsafe-eval'|\*|https?:/);
    assert.equal(await page.$$eval('script:not([src])', (s) => s.length), 0, 'inline script');
    assert.deepEqual(errors, []);
    await context.close();
  });
});
