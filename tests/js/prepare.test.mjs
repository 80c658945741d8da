// Property tests of the page's pixel code (www/prepare.js) under Node: whatever is drawn or
// dropped, the model input is 784 (or 3072) finite values in [0, 1]. Seeded, so a failure
// names a case that can be replayed.
import { describe, test } from 'node:test';
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { fitDigit, greyFromRGBA, prepareDigit, prepareRGBA, resample, resizeImage, rgbFromRGBA, sniffImage, unit } from '../../www/prepare.js';

/** mulberry32: a small seeded generator, enough for test cases. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Asserts every value is a finite number in [0, 1]; names the first bad one. */
function assertUnit(values, what) {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(Number.isFinite(v) && v >= 0 && v <= 1)) assert.fail(`${what}: value ${i} is ${v}`);
  }
}

/** A round pen (as the page's, antialiased by distance) stamped along a polyline on a w x h grey canvas. */
function stroke(grey, w, h, points, radius) {
  const stamp = (cx, cy) => {
    const r = radius + 1;
    for (let y = Math.max(0, Math.floor(cy - r)); y <= Math.min(h - 1, Math.ceil(cy + r)); y++) {
      for (let x = Math.max(0, Math.floor(cx - r)); x <= Math.min(w - 1, Math.ceil(cx + r)); x++) {
        const d = Math.hypot(x + 0.5 - cx, y + 0.5 - cy);
        const v = Math.min(1, Math.max(0, radius + 0.5 - d));
        if (v > grey[y * w + x]) grey[y * w + x] = v;
      }
    }
  };
  for (let k = 0; k + 1 < points.length; k++) {
    const [[x0, y0], [x1, y1]] = [points[k], points[k + 1]];
    // Stamps half a radius apart draw the same solid line as a pixel-by-pixel walk.
    const n = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0) / Math.max(1, radius / 2)));
    for (let t = 0; t <= n; t++) stamp(x0 + ((x1 - x0) * t) / n, y0 + ((y1 - y0) * t) / n);
  }
  if (points.length === 1) stamp(...points[0]);
}

function circle(cx, cy, r, n = 48) {
  return Array.from({ length: n + 1 }, (_, k) => [cx + r * Math.cos((2 * Math.PI * k) / n), cy + r * Math.sin((2 * Math.PI * k) / n)]);
}

function checkDigit(grey, w, h, what) {
  const out = prepareDigit(grey, w, h);
  if (out === null) {
    assert.ok(!grey.some((v) => v > 0.02), `${what}: ink present but no digit`);
    return null;
  }
  assert.equal(out.length, 784, what);
  assertUnit(out, what);
  return out;
}

describe('resample', () => {
  test('every window stays inside the source: all sizes 1..120 to 1..28', () => {
    for (let w = 1; w <= 120; w++) {
      for (let ow = 1; ow <= 28; ow++) {
        const h = 1 + ((w * 7) % 37);
        const oh = 1 + ((ow * 5) % 28);
        const src = new Float32Array(w * h).fill(1);
        const out = resample(src, w, h, ow, oh);
        assertUnit(out, `${w}x${h} -> ${ow}x${oh}`);
        // An all-white image stays all white: nothing outside the source is averaged in.
        assert.ok(out.every((v) => Math.abs(v - 1) < 1e-6), `${w}x${h} -> ${ow}x${oh}: ${out.find((v) => Math.abs(v - 1) >= 1e-6)}`);
      }
    }
  });

  test('regression: the bounding boxes that used to read past the source (1x11, 9x11, 3x4 -> 20 px)', () => {
    // With windows computed as x0 + w/ow, these read one value past the row or the image,
    // which made NaN (the freehand "0" of issue 7) or values above 1.
    for (const [w, h, ow, oh] of [[1, 11, 2, 20], [9, 11, 16, 20], [3, 4, 15, 20], [4, 3, 20, 15], [10, 11, 18, 20]]) {
      const src = new Float32Array(w * h).fill(1);
      const out = resample(src, w, h, ow, oh);
      assert.ok(out.every((v) => v === 1 || Math.abs(v - 1) < 1e-6), `${w}x${h}: ${Array.from(out).find((v) => v !== 1)}`);
    }
  });

  test('preserves the mean of random images (area averaging)', () => {
    const r = rng(7);
    for (let k = 0; k < 300; k++) {
      const w = 1 + Math.floor(r() * 60), h = 1 + Math.floor(r() * 60);
      const ow = 1 + Math.floor(r() * 28), oh = 1 + Math.floor(r() * 28);
      const src = Float32Array.from({ length: w * h }, r);
      const out = resample(src, w, h, ow, oh);
      assertUnit(out, `case ${k}`);
      const mean = (a) => a.reduce((s, v) => s + v, 0) / a.length;
      // Exact when ow divides w and oh divides h; close otherwise (windows differ in area).
      if (w % ow === 0 && h % oh === 0) assert.ok(Math.abs(mean(out) - mean(src)) < 1e-5, `case ${k}`);
    }
  });

  test('NaN, infinities and holes in the source become 0, never NaN', () => {
    const src = [NaN, Infinity, -Infinity, undefined, 0.5, -3, 7, null, 1];
    const out = resample(src, 3, 3, 2, 2);
    assertUnit(out, 'poisoned source');
  });
});

describe('prepareDigit', () => {
  test('3,000 random freehand strokes on the 280 x 280 pad', () => {
    const r = rng(42);
    for (let k = 0; k < 3000; k++) {
      const grey = new Float32Array(280 * 280);
      const n = 1 + Math.floor(r() * 12);
      const pts = [];
      let [x, y] = [r() * 280, r() * 280];
      for (let i = 0; i < n; i++) {
        pts.push([x, y]);
        x = Math.min(285, Math.max(-5, x + (r() - 0.5) * 160));
        y = Math.min(285, Math.max(-5, y + (r() - 0.5) * 160));
      }
      stroke(grey, 280, 280, pts, 1 + r() * 15);
      checkDigit(grey, 280, 280, `stroke ${k}`);
    }
  });

  test('circles of every size and place, the stroke that broke the pad', () => {
    const r = rng(3);
    for (let k = 0; k < 500; k++) {
      const grey = new Float32Array(280 * 280);
      const radius = 3 + r() * 130;
      stroke(grey, 280, 280, circle(r() * 280, r() * 280, radius), 9);
      checkDigit(grey, 280, 280, `circle ${k}`);
    }
  });

  test('dots, single pixels, lines along every edge, full-canvas ink', () => {
    const cases = [];
    for (const [x, y] of [[0, 0], [279, 0], [0, 279], [279, 279], [140, 140], [1, 278]]) {
      const g = new Float32Array(280 * 280); g[y * 280 + x] = 1; cases.push([`pixel ${x},${y}`, g]);
      const d = new Float32Array(280 * 280); stroke(d, 280, 280, [[x, y]], 9); cases.push([`dot ${x},${y}`, d]);
    }
    const edges = { top: [[0, 0], [279, 0]], bottom: [[0, 279], [279, 279]], left: [[0, 0], [0, 279]], right: [[279, 0], [279, 279]] };
    for (const [name, pts] of Object.entries(edges)) {
      const g = new Float32Array(280 * 280); stroke(g, 280, 280, pts, 9); cases.push([`edge ${name}`, g]);
    }
    cases.push(['full ink', new Float32Array(280 * 280).fill(1)]);
    cases.push(['faint everywhere', new Float32Array(280 * 280).fill(0.03)]);
    for (const [what, g] of cases) {
      const out = checkDigit(g, 280, 280, what);
      assert.ok(out && out.some((v) => v > 0), `${what}: the ink disappeared`);
    }
    assert.equal(prepareDigit(new Float32Array(280 * 280), 280, 280), null, 'blank pad: no digit');
  });

  test('1 x N, N x 1 and random sizes from 1 x 1 to 4000 x 4000', () => {
    const r = rng(11);
    const sizes = [[1, 1], [1, 2], [2, 1], [1, 4000], [4000, 1], [3, 4000], [4000, 3], [4000, 4000], [2999, 7], [13, 3001]];
    for (let k = 0; k < 200; k++) sizes.push([1 + Math.floor(r() ** 3 * 4000), 1 + Math.floor(r() ** 3 * 4000)]);
    for (const [w, h] of sizes) {
      const grey = new Float32Array(w * h);
      // Random ink: some pixels, a stroke, or everything.
      const mode = Math.floor(r() * 3);
      if (mode === 0) for (let i = 0; i < 20; i++) grey[Math.floor(r() * w * h)] = r();
      else if (mode === 1) stroke(grey, w, h, [[r() * w, r() * h], [r() * w, r() * h]], 1 + r() * Math.min(40, Math.min(w, h) / 8));
      else grey.fill(1);
      checkDigit(grey, w, h, `${w} x ${h}, mode ${mode}`);
    }
  });

  test('bad arguments are errors naming the problem, not NaN', () => {
    assert.throws(() => prepareDigit(new Float32Array(10), 0, 10), /size 0 × 10/);
    assert.throws(() => prepareDigit(new Float32Array(10), 4, 4), /10 values for 4 × 4/);
    assert.throws(() => prepareDigit(new Float32Array(10), 2.5, 2), /positive whole number/);
    const poisoned = Float32Array.from({ length: 100 }, (_, i) => [NaN, Infinity, -1, 5, 0.5][i % 5]);
    checkDigit(poisoned, 10, 10, 'poisoned grey');
  });
});

describe('upload pixels', () => {
  const MNIST = { width: 28, height: 28, channels: 1 };
  test('prepareRGBA gives finite values in [0, 1] for random canvases, grey and colour models of any size', () => {
    const r = rng(5);
    const shapes = [MNIST, { width: 32, height: 32, channels: 3 }, { width: 15, height: 13, channels: 1 }, { width: 20, height: 9, channels: 3 }];
    for (let k = 0; k < 300; k++) {
      for (const shape of shapes) {
        const [w, h] = shape.channels === 1 ? (k % 2 ? [112, 112] : [32, 40]) : [shape.width, shape.height];
        const data = Uint8ClampedArray.from({ length: w * h * 4 }, () => (r() < 0.5 ? 255 : Math.floor(r() * 256)));
        let out;
        try {
          out = prepareRGBA(data, w, h, shape);
        } catch (e) {
          assert.match(e.message, /no digit found/);
          continue;
        }
        assert.equal(out.image.length, shape.width * shape.height * shape.channels);
        assertUnit(out.image, `${JSON.stringify(shape)} case ${k}`);
      }
    }
    // White page with black ink: inverted like MNIST.
    const page = new Uint8ClampedArray(112 * 112 * 4).fill(255);
    for (let y = 30; y < 80; y++) for (let x = 50; x < 60; x++) page.fill(0, (y * 112 + x) * 4, (y * 112 + x) * 4 + 3);
    assert.match(prepareRGBA(page, 112, 112, MNIST).note, /inverted/);
    assert.match(prepareRGBA(page, 112, 112, { width: 15, height: 13, channels: 1 }).note, /inverted.*resized to 15 × 13/);
    assert.throws(() => prepareRGBA(new Uint8ClampedArray(112 * 112 * 4), 112, 112, MNIST), /blank/);
  });

  test('resizeImage keeps each channel apart, a constant image constant, and the same size exact', () => {
    const r = rng(9);
    const img = Float32Array.from({ length: 7 * 5 * 3 }, (_, i) => [0.2, 0.5, 0.9][i % 3]);
    const out = resizeImage(img, 7, 5, 3, 4, 9);
    assert.equal(out.length, 4 * 9 * 3);
    out.forEach((v, i) => assert.ok(Math.abs(v - [0.2, 0.5, 0.9][i % 3]) < 1e-6, `value ${i}: ${v}`));
    const noise = Float32Array.from({ length: 6 * 6 }, () => r());
    assert.deepEqual(resizeImage(noise, 6, 6, 1, 6, 6), noise);
    // Halving averages 2 x 2 blocks.
    const half = resizeImage(noise, 6, 6, 1, 3, 3);
    const block = (noise[0] + noise[1] + noise[6] + noise[7]) / 4;
    assert.ok(Math.abs(half[0] - block) < 1e-6);
    assert.equal(fitDigit(noise, { width: 28, height: 28 }), noise, 'MNIST size: the digit as it is');
    // The numbers tests/resize.rs holds the CLI's resize_area to: both resize galleries alike.
    const page = JSON.parse(readFileSync(new URL('../fixtures/resize-page.json', import.meta.url), 'utf8'));
    const pattern = Float32Array.from({ length: 105 }, (_, i) => ((i * 37) % 101) / 100);
    assert.deepEqual(Array.from(resizeImage(pattern, 7, 5, 3, 4, 9)), page);
    assert.throws(() => resizeImage(new Float32Array(5), 2, 2, 3, 1, 1), /5 \/ 3|values for 2 × 2/);
  });

  test('grey and RGB conversions are in [0, 1] even for short or odd arrays', () => {
    assertUnit(greyFromRGBA(new Uint8ClampedArray(8), 4), 'short RGBA');
    assertUnit(rgbFromRGBA([300, -5, NaN, 1], 2), 'odd RGBA');
    assert.deepEqual([unit(NaN), unit(-1), unit(2), unit(0.25), unit(undefined)], [0, 0, 1, 0.25, 0]);
  });

  test('sniffImage tells images from other bytes and reads sizes from headers', () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0x27, 0x10, 0, 0, 0x13, 0x88]);
    assert.deepEqual(sniffImage(png), { format: 'PNG', width: 10000, height: 5000 });
    const gif = new TextEncoder().encode('GIF89a\x02\x01\x03\x00');
    assert.deepEqual(sniffImage(gif), { format: 'GIF', width: 258, height: 3 });
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0, 0xff, 0xc0, 0, 17, 8, 0x01, 0x00, 0x02, 0x00, 3]);
    assert.deepEqual(sniffImage(jpeg), { format: 'JPEG', width: 512, height: 256 });
    assert.equal(sniffImage(new TextEncoder().encode('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>')).format, 'SVG');
    assert.equal(sniffImage(new TextEncoder().encode('hello, this is a text file')).format, null);
    assert.equal(sniffImage(new Uint8Array(0)).format, null);
    const r = rng(9);
    for (let k = 0; k < 2000; k++) {
      const bytes = Uint8Array.from({ length: Math.floor(r() * 64) }, () => Math.floor(r() * 256));
      if (k % 4 === 0) bytes.set([0xff, 0xd8, 0xff].slice(0, bytes.length));
      const s = sniffImage(bytes); // never throws, whatever the bytes
      assert.ok(s.format === null || typeof s.format === 'string');
    }
  });
});
