// Turning what a visitor draws or drops into the model's input (H x W x C floats in [0,1]).

/** Box-filter resample of a w x h grey image to ow x oh (area average: anti-aliased). */
function resample(src, w, h, ow, oh) {
  const out = new Float32Array(ow * oh);
  const sx = w / ow;
  const sy = h / oh;
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      const x0 = ox * sx, x1 = x0 + sx, y0 = oy * sy, y1 = y0 + sy;
      let acc = 0, area = 0;
      for (let y = Math.floor(y0); y < Math.ceil(y1); y++) {
        const wy = Math.min(y + 1, y1) - Math.max(y, y0);
        for (let x = Math.floor(x0); x < Math.ceil(x1); x++) {
          const wx = Math.min(x + 1, x1) - Math.max(x, x0);
          acc += src[y * w + x] * wx * wy;
          area += wx * wy;
        }
      }
      out[oy * ow + ox] = area > 0 ? acc / area : 0;
    }
  }
  return out;
}

/**
 * MNIST's own recipe for a grey w x h image (white ink on black): the ink's bounding box scaled
 * to fit 20 x 20 (aspect kept, anti-aliased), then placed in 28 x 28 so its centre of mass sits at
 * the centre. Returns null when there is no ink.
 */
export function prepareDigit(grey, w, h) {
  let minX = w, minY = h, maxX = -1, maxY = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (grey[y * w + x] > 0.02) {
        minX = Math.min(minX, x); maxX = Math.max(maxX, x);
        minY = Math.min(minY, y); maxY = Math.max(maxY, y);
      }
    }
  }
  if (maxX < 0) return null;
  const bw = maxX - minX + 1, bh = maxY - minY + 1;
  const crop = new Float32Array(bw * bh);
  for (let y = 0; y < bh; y++) for (let x = 0; x < bw; x++) crop[y * bw + x] = grey[(y + minY) * w + x + minX];
  const scale = 20 / Math.max(bw, bh);
  const ow = Math.max(1, Math.round(bw * scale)), oh = Math.max(1, Math.round(bh * scale));
  const small = resample(crop, bw, bh, ow, oh);
  let mass = 0, cx = 0, cy = 0;
  for (let y = 0; y < oh; y++) for (let x = 0; x < ow; x++) { const v = small[y * ow + x]; mass += v; cx += v * x; cy += v * y; }
  cx = mass > 0 ? cx / mass : (ow - 1) / 2;
  cy = mass > 0 ? cy / mass : (oh - 1) / 2;
  const dx = Math.round(13.5 - cx), dy = Math.round(13.5 - cy);
  const out = new Float32Array(784);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      const tx = x + dx, ty = y + dy;
      if (tx >= 0 && tx < 28 && ty >= 0 && ty < 28) out[ty * 28 + tx] = Math.min(1, small[y * ow + x]);
    }
  }
  return out;
}

/** Grey values in [0,1] from canvas RGBA pixels (alpha counts as ink for transparent images). */
export function greyFromRGBA(data, n, useAlpha = false) {
  const g = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const [r, gr, b, a] = [data[i * 4], data[i * 4 + 1], data[i * 4 + 2], data[i * 4 + 3]];
    g[i] = useAlpha ? a / 255 : ((0.299 * r + 0.587 * gr + 0.114 * b) / 255) * (a / 255);
  }
  return g;
}

export const MAX_PIXELS = 50_000_000;
export const MAX_BYTES = 40 * 1024 * 1024;

/**
 * Decodes a File/Blob with the browser and prepares it for the model: centre-cropped, resized to
 * 32 x 32 RGB (CIFAR-10) or made into an MNIST-style digit. Throws an Error naming the problem.
 */
export async function prepareUpload(blob, dataset) {
  if (!blob || blob.size === 0) throw new Error('the file is empty');
  if (blob.size > MAX_BYTES) throw new Error(`the file is too large (${(blob.size / 1048576).toFixed(0)} MB; at most ${MAX_BYTES / 1048576} MB)`);
  if (blob.type && !blob.type.startsWith('image/')) throw new Error(`“${blob.name ?? 'the file'}” is not an image (${blob.type})`);
  let bitmap;
  try {
    bitmap = await createImageBitmap(blob);
  } catch {
    throw new Error(`“${blob.name ?? 'the file'}” could not be decoded as an image (not an image, or corrupt)`);
  }
  const { width: w, height: h } = bitmap;
  if (w * h > MAX_PIXELS) { bitmap.close(); throw new Error(`the image is too large (${w} × ${h} pixels)`); }
  const side = Math.min(w, h);
  const sx = (w - side) / 2, sy = (h - side) / 2;
  const work = 112; // intermediate resolution for the digit recipe
  const target = dataset === 'mnist' ? work : 32;
  const canvas = new OffscreenCanvas(target, target);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(bitmap, sx, sy, side, side, 0, 0, target, target);
  bitmap.close();
  const data = ctx.getImageData(0, 0, target, target).data;
  if (dataset !== 'mnist') {
    const out = new Float32Array(32 * 32 * 3);
    for (let i = 0; i < 1024; i++) for (let k = 0; k < 3; k++) out[i * 3 + k] = data[i * 4 + k] / 255;
    return { image: out, note: 'centre-cropped and resized to 32 × 32' };
  }
  let grey = greyFromRGBA(data, work * work);
  // MNIST digits are light ink on black: invert a dark-on-light picture (judged by its border).
  let border = 0, count = 0;
  for (let i = 0; i < work; i++) for (const j of [0, work - 1]) { border += grey[i * work + j] + grey[j * work + i]; count += 2; }
  const inverted = border / count > 0.5;
  if (inverted) grey = grey.map((v) => 1 - v);
  // Suppress faint background so the bounding box hugs the ink.
  grey = grey.map((v) => (v < 0.25 ? 0 : v));
  const digit = prepareDigit(grey, work, work);
  if (!digit) throw new Error('no digit found in the image (it looks blank)');
  return { image: digit, note: inverted ? 'inverted, scaled to 20 × 20 and centred by mass' : 'scaled to 20 × 20 and centred by mass' };
}
