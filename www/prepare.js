// Turning what a visitor draws or drops into the model's input (H x W x C floats in [0,1]).

/** A pixel value made safe: finite values clamped to [0, 1]; NaN, ±Infinity and holes become 0. */
export const unit = (v) => (v > 0 ? (v < 1 ? v : 1) : 0);

/**
 * Box-filter resample of a w x h grey image to ow x oh (area average: anti-aliased). Window
 * edges are computed as (i * w) / ow, exact at the far edge, and clamped to the source, so
 * floating-point rounding can never read past a row or the end of the image.
 */
export function resample(src, w, h, ow, oh) {
  const out = new Float32Array(ow * oh);
  for (let oy = 0; oy < oh; oy++) {
    const y0 = (oy * h) / oh, y1 = Math.min(h, ((oy + 1) * h) / oh);
    for (let ox = 0; ox < ow; ox++) {
      const x0 = (ox * w) / ow, x1 = Math.min(w, ((ox + 1) * w) / ow);
      let acc = 0, area = 0;
      for (let y = Math.floor(y0), yEnd = Math.min(h, Math.ceil(y1)); y < yEnd; y++) {
        const wy = Math.min(y + 1, y1) - Math.max(y, y0);
        for (let x = Math.floor(x0), xEnd = Math.min(w, Math.ceil(x1)); x < xEnd; x++) {
          const wx = Math.min(x + 1, x1) - Math.max(x, x0);
          acc += unit(src[y * w + x]) * wx * wy;
          area += wx * wy;
        }
      }
      out[oy * ow + ox] = area > 0 ? unit(acc / area) : 0;
    }
  }
  return out;
}

/** A w x h x c image (channel last) resized to ow x oh, each channel by `resample`. */
export function resizeImage(image, w, h, c, ow, oh) {
  checkSize(w, h, (image?.length ?? 0) / c, 'resizeImage');
  if (w === ow && h === oh) return Float32Array.from(image.subarray(0, w * h * c), unit);
  const out = new Float32Array(ow * oh * c);
  const plane = new Float32Array(w * h);
  for (let k = 0; k < c; k++) {
    for (let i = 0; i < w * h; i++) plane[i] = image[i * c + k];
    const small = resample(plane, w, h, ow, oh);
    for (let i = 0; i < ow * oh; i++) out[i * c + k] = small[i];
  }
  return out;
}

function checkSize(w, h, length, what) {
  if (!Number.isInteger(w) || !Number.isInteger(h) || w < 1 || h < 1) throw new Error(`${what}: size ${w} × ${h} is not a positive whole number of pixels`);
  if (!(length >= w * h)) throw new Error(`${what}: ${length} values for ${w} × ${h} pixels`);
}

/**
 * MNIST's own recipe for a grey w x h image (white ink on black): the ink's bounding box scaled
 * to fit 20 x 20 (aspect kept, anti-aliased), then placed in 28 x 28 so its centre of mass sits at
 * the centre. Returns null when there is no ink.
 */
export function prepareDigit(grey, w, h) {
  checkSize(w, h, grey?.length, 'prepareDigit');
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
  for (let y = 0; y < bh; y++) for (let x = 0; x < bw; x++) crop[y * bw + x] = unit(grey[(y + minY) * w + x + minX]);
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
      if (tx >= 0 && tx < 28 && ty >= 0 && ty < 28) out[ty * 28 + tx] = unit(small[y * ow + x]);
    }
  }
  return out;
}

/** Grey values in [0,1] from canvas RGBA pixels (alpha counts as ink for transparent images). */
export function greyFromRGBA(data, n, useAlpha = false) {
  const g = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const [r, gr, b, a] = [data[i * 4], data[i * 4 + 1], data[i * 4 + 2], data[i * 4 + 3]];
    g[i] = unit(useAlpha ? a / 255 : ((0.299 * r + 0.587 * gr + 0.114 * b) / 255) * (a / 255));
  }
  return g;
}

/** H x W x 3 values in [0,1] from canvas RGBA pixels (alpha dropped, as the canvas composites it). */
export function rgbFromRGBA(data, n) {
  const out = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) out[i * 3 + k] = unit(data[i * 4 + k] / 255);
  return out;
}

/** MNIST's 28 x 28 digit (prepareDigit) resized to a one-channel model's {width, height}. */
export function fitDigit(digit, { width, height }) {
  return width === 28 && height === 28 ? digit : resizeImage(digit, 28, 28, 1, width, height);
}

/**
 * The pixel half of an upload, after the browser has drawn it onto a w x h canvas: RGB for a
 * colour model, or MNIST's digit recipe (dark-on-light inverted, faint background dropped,
 * scaled into 20 x 20 of 28 x 28 and resized to the model's input) for a grey one. `shape` is the
 * model's {width, height, channels}; the canvas is that size for a colour model.
 */
export function prepareRGBA(data, w, h, shape) {
  checkSize(w, h, (data?.length ?? 0) / 4, 'prepareRGBA');
  if (shape.channels !== 1) return { image: rgbFromRGBA(data, w * h), note: `centre-cropped and resized to ${w} × ${h}` };
  let grey = greyFromRGBA(data, w * h);
  // MNIST digits are light ink on black: invert a dark-on-light picture (judged by its border).
  let border = 0, count = 0;
  for (let x = 0; x < w; x++) for (const y of [0, h - 1]) { border += grey[y * w + x]; count++; }
  for (let y = 0; y < h; y++) for (const x of [0, w - 1]) { border += grey[y * w + x]; count++; }
  const inverted = border / count > 0.5;
  if (inverted) grey = grey.map((v) => 1 - v);
  // Suppress faint background so the bounding box hugs the ink.
  grey = grey.map((v) => (v < 0.25 ? 0 : v));
  const digit = prepareDigit(grey, w, h);
  if (!digit) throw new Error('no digit found in the image (it looks blank)');
  const resized = shape.width === 28 && shape.height === 28 ? '' : `, resized to ${shape.width} × ${shape.height}`;
  return { image: fitDigit(digit, shape), note: `${inverted ? 'inverted, ' : ''}scaled to 20 × 20 and centred by mass${resized}` };
}

export const MAX_PIXELS = 50_000_000;
export const MAX_BYTES = 40 * 1024 * 1024;

/**
 * What an image file says of itself in its first bytes: its format and, where the header holds
 * them, its width and height (so a decompression bomb is refused before it is decoded).
 * Returns {format, width?, height?}, or {format: null} for bytes that are no known image.
 */
export function sniffImage(bytes) {
  const b = bytes;
  const at = (i, sig) => sig.every((v, k) => b[i + k] === v);
  const u16be = (i) => (b[i] << 8) | b[i + 1];
  const u16le = (i) => b[i] | (b[i + 1] << 8);
  const u24le = (i) => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16);
  const u32be = (i) => ((b[i] << 24) >>> 0) + ((b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]);
  const i32le = (i) => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
  const ascii = (i, n) => String.fromCharCode(...b.subarray(i, i + n));
  if (at(0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) {
    return b.length >= 24 ? { format: 'PNG', width: u32be(16), height: u32be(20) } : { format: 'PNG' };
  }
  if (ascii(0, 6) === 'GIF87a' || ascii(0, 6) === 'GIF89a') return { format: 'GIF', width: u16le(6), height: u16le(8) };
  if (ascii(0, 2) === 'BM' && b.length >= 26) return { format: 'BMP', width: Math.abs(i32le(18)), height: Math.abs(i32le(22)) };
  if (ascii(0, 4) === 'RIFF' && ascii(8, 4) === 'WEBP') {
    const chunk = ascii(12, 4);
    if (chunk === 'VP8X') return { format: 'WebP', width: u24le(24) + 1, height: u24le(27) + 1 };
    if (chunk === 'VP8L') {
      const v = b[21] | (b[22] << 8) | (b[23] << 16) | (b[24] << 24);
      return { format: 'WebP', width: (v & 0x3fff) + 1, height: ((v >>> 14) & 0x3fff) + 1 };
    }
    if (chunk === 'VP8 ') return { format: 'WebP', width: u16le(26) & 0x3fff, height: u16le(28) & 0x3fff };
    return { format: 'WebP' };
  }
  if (at(0, [0xff, 0xd8, 0xff])) {
    // Walk the JPEG segments to the first start-of-frame marker, which holds the size.
    let i = 2;
    while (i + 9 < b.length && b[i] === 0xff) {
      const m = b[i + 1];
      if (m === 0xff) { i++; continue; }
      if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) return { format: 'JPEG', width: u16be(i + 7), height: u16be(i + 5) };
      if (m === 0xd8 || (m >= 0xd0 && m <= 0xd7) || m === 0x01) { i += 2; continue; }
      i += 2 + u16be(i + 2);
    }
    return { format: 'JPEG' };
  }
  if (ascii(4, 4) === 'ftyp' && /^(avi[fs]|mif1|msf1)$/.test(ascii(8, 4))) return { format: 'AVIF' };
  if (at(0, [0, 0, 1, 0])) return { format: 'ICO' };
  const head = new TextDecoder().decode(b.subarray(0, 1024)).replace(/^\uFEFF/, '').trimStart().toLowerCase();
  if (head.startsWith('<') && head.includes('<svg')) return { format: 'SVG' };
  return { format: null };
}

/**
 * Decodes a File/Blob with the browser and prepares it for a model of `shape` ({width, height,
 * channels}): centre-cropped and resized (colour), or made into an MNIST-style digit (grey).
 * Throws an Error naming the problem.
 */
export async function prepareUpload(blob, shape) {
  const name = blob?.name ? `“${blob.name}”` : 'the file';
  if (!blob || blob.size === 0) throw new Error(`${name} is empty (0 bytes)`);
  if (blob.size > MAX_BYTES) throw new Error(`${name} is too large (${(blob.size / 1048576).toFixed(0)} MB; at most ${MAX_BYTES / 1048576} MB)`);
  const head = new Uint8Array(await blob.slice(0, 256 * 1024).arrayBuffer());
  const sniffed = sniffImage(head);
  if (sniffed.format === 'SVG') throw new Error(`${name} is an SVG drawing; save it as PNG or JPEG first (SVG is not decoded here)`);
  if (!sniffed.format) {
    throw new Error(`${name} is not an image${blob.type ? ` (${blob.type})` : ''}: its bytes are not those of a PNG, JPEG, GIF, WebP, BMP, AVIF or ICO file`);
  }
  if (sniffed.width * sniffed.height > MAX_PIXELS) {
    throw new Error(`${name} is too large (${sniffed.width} × ${sniffed.height} pixels; at most ${MAX_PIXELS / 1e6} megapixels)`);
  }
  let bitmap;
  try {
    bitmap = await createImageBitmap(blob);
  } catch {
    throw new Error(`${name} could not be decoded as a ${sniffed.format} image (corrupt or truncated)`);
  }
  const { width: w, height: h } = bitmap;
  if (w * h > MAX_PIXELS || w < 1 || h < 1) {
    bitmap.close();
    throw new Error(`${name} has an unusable size (${w} × ${h} pixels; at most ${MAX_PIXELS / 1e6} megapixels)`);
  }
  // Centre-cropped to the model's aspect (a digit to a square: the recipe then fits it).
  const grey = shape.channels === 1;
  const aspect = grey ? 1 : shape.width / shape.height;
  const cw = Math.min(w, h * aspect), ch = cw / aspect;
  const sx = (w - cw) / 2, sy = (h - ch) / 2;
  const work = 112; // intermediate resolution for the digit recipe
  const [tw, th] = grey ? [work, work] : [shape.width, shape.height];
  const canvas = new OffscreenCanvas(tw, th);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(bitmap, sx, sy, cw, ch, 0, 0, tw, th);
  bitmap.close();
  let prepared;
  try {
    prepared = prepareRGBA(ctx.getImageData(0, 0, tw, th).data, tw, th, shape);
  } catch (err) {
    throw new Error(`${name}: ${err.message}`);
  }
  if (sniffed.format === 'GIF') prepared.note += ' (first frame)';
  return prepared;
}
