// Colour maps (stops shared with the CLI in colormaps.json) and canvas painting helpers.
let stops = null;

export async function loadColormaps() {
  const res = await fetch('colormaps.json');
  const json = await res.json();
  stops = {};
  for (const [name, hexes] of Object.entries(json)) {
    if (!Array.isArray(hexes)) continue;
    stops[name] = hexes.map((h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)));
  }
}

/** Writes the RGB of t in [0,1] under a colour map (linear between stops) to out[at..at+3]. */
function colorInto(out, at, s, t) {
  const v = Number.isFinite(t) ? Math.min(1, Math.max(0, t)) : 0;
  const pos = v * (s.length - 1);
  const i = Math.min(Math.floor(pos), s.length - 2);
  const f = pos - i;
  const a = s[i];
  const b = s[i + 1];
  for (let k = 0; k < 3; k++) out[at + k] = Math.round(a[k] * (1 - f) + b[k] * f);
}

const stopsOf = (name) => stops[name] ?? stops.viridis;

/** RGB of t in [0,1] under a colour map, linear between stops. */
export function colorAt(name, t) {
  const out = [0, 0, 0];
  colorInto(out, 0, stopsOf(name), t);
  return out;
}

/** Map values -> [0,1] for colouring: signed maps live in [-1,1]. */
export const toUnit = (v, signed) => (signed ? (v + 1) / 2 : v);

// The painters write straight into the canvas' pixels: a gallery paints ~100 images on load, and
// an array per pixel made that the page's longest task on a slow phone.

/** Paints an H x W map onto a canvas of that size (`size`: {width, height}, e.g. a model's info). */
export function paintMap(canvas, map, { width, height }, cmap, signed) {
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(width, height);
  const s = stopsOf(cmap);
  for (let i = 0; i < width * height; i++) {
    colorInto(img.data, i * 4, s, toUnit(map[i], signed));
    img.data[i * 4 + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

/** Paints an H×W×C image (grey when C = 1) of values in [0, 1], or of bytes with `scale` 1. */
export function paintImage(canvas, image, { width, height, channels }, scale = 255) {
  canvas.width = width;
  canvas.height = height;
  // The overlay reads its pixels back; say so before the first getContext.
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const img = ctx.createImageData(width, height);
  const d = img.data;
  const grey = channels === 1;
  for (let i = 0, o = 0; i < width * height; i++, o += 4) {
    const j = grey ? i : i * 3;
    d[o] = Math.round(image[j] * scale);
    d[o + 1] = Math.round(image[grey ? j : j + 1] * scale);
    d[o + 2] = Math.round(image[grey ? j : j + 2] * scale);
    d[o + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

/** The image with the map laid over it at `opacity`. */
export function paintOverlay(canvas, image, map, shape, cmap, signed, opacity) {
  paintImage(canvas, image, shape);
  const ctx = canvas.getContext('2d');
  const img = ctx.getImageData(0, 0, shape.width, shape.height);
  const s = stopsOf(cmap);
  const c = [0, 0, 0];
  for (let i = 0; i < shape.width * shape.height; i++) {
    colorInto(c, 0, s, toUnit(map[i], signed));
    for (let k = 0; k < 3; k++) img.data[i * 4 + k] = Math.round(img.data[i * 4 + k] * (1 - opacity) + c[k] * opacity);
  }
  ctx.putImageData(img, 0, 0);
}

export function paintColorbar(canvas, cmap) {
  const ctx = canvas.getContext('2d');
  for (let x = 0; x < canvas.width; x++) {
    const [r, g, b] = colorAt(cmap, x / (canvas.width - 1));
    ctx.fillStyle = `rgb(${r},${g},${b})`;
    ctx.fillRect(x, 0, 1, canvas.height);
  }
}

/** The low and high end of each channel's colour scale: its own range, or the node's (`shared`);
 * a signed view is symmetric about 0. `data` is C x H x W, `per` values a channel. */
export function channelRanges(data, c, per, { shared = false, signed = false } = {}) {
  const ranges = [];
  for (let k = 0; k < c; k++) {
    let lo = Infinity, hi = -Infinity;
    for (let i = k * per; i < (k + 1) * per; i++) { const v = data[i]; if (v < lo) lo = v; if (v > hi) hi = v; }
    ranges.push(signed ? [-Math.max(Math.abs(lo), Math.abs(hi)), Math.max(Math.abs(lo), Math.abs(hi))] : [lo, hi]);
  }
  if (!shared) return ranges;
  const lo = Math.min(...ranges.map((r) => r[0])), hi = Math.max(...ranges.map((r) => r[1]));
  return ranges.map(() => [lo, hi]);
}

/**
 * Paints C feature maps (C x H x W values) as a grid of `cols` columns, one pixel apart, each on
 * `ranges[k]` (channelRanges); a flat channel paints the scale's middle. `dim` greys it out (a
 * gradient the backward pass has not reached yet).
 */
export function paintGrid(canvas, data, { c, h, w, cols, ranges, cmap, dim = false }) {
  const rows = Math.ceil(c / cols);
  canvas.width = cols * (w + 1) - 1;
  canvas.height = rows * (h + 1) - 1;
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(canvas.width, canvas.height);
  const d = img.data;
  d.fill(255);
  // A whole strip is ~10⁵ pixels redrawn per input: a table of 256 colours, not interpolation each.
  const lut = lutOf(cmap, dim);
  for (let k = 0; k < c; k++) {
    const [lo, hi] = ranges[k];
    const scale = hi > lo ? 255 / (hi - lo) : 0;
    const x0 = (k % cols) * (w + 1), y0 = Math.floor(k / cols) * (h + 1);
    for (let y = 0; y < h; y++) {
      let o = ((y0 + y) * canvas.width + x0) * 4;
      const row = k * h * w + y * w;
      for (let x = 0; x < w; x++, o += 4) {
        const t = scale ? (data[row + x] - lo) * scale : 127.5;
        const i = 3 * (t > 0 ? (t < 255 ? Math.round(t) : 255) : 0);
        d[o] = lut[i];
        d[o + 1] = lut[i + 1];
        d[o + 2] = lut[i + 2];
      }
    }
  }
  ctx.putImageData(img, 0, 0);
}

const luts = new Map();
/** 256 RGB colours of a colour map (washed out when `dim`). */
function lutOf(cmap, dim) {
  const key = `${cmap}:${dim}`;
  if (!luts.has(key)) {
    const lut = new Uint8Array(256 * 3);
    const s = stopsOf(cmap);
    for (let i = 0; i < 256; i++) {
      colorInto(lut, 3 * i, s, i / 255);
      if (dim) for (let j = 0; j < 3; j++) lut[3 * i + j] = 200 + (lut[3 * i + j] >> 3);
    }
    luts.set(key, lut);
  }
  return luts.get(key);
}

/** A vector as bars about a zero line (`signed`) or up from the floor; long vectors are binned to
 * at most `maxBars` bars (each its bin's largest magnitude). */
export function paintBars(canvas, v, { signed, dim = false, maxBars = 256, height = 40 }) {
  const bins = Math.min(v.length, maxBars);
  const per = v.length / bins;
  const barW = bins <= 32 ? 8 : bins <= 128 ? 3 : 1;
  canvas.width = bins * barW;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, height);
  const vals = Array.from({ length: bins }, (_, b) => {
    let best = 0;
    for (let i = Math.floor(b * per); i < Math.max(Math.floor(b * per) + 1, Math.floor((b + 1) * per)); i++) if (Math.abs(v[i]) > Math.abs(best)) best = v[i];
    return best;
  });
  const top = Math.max(1e-12, ...vals.map(Math.abs));
  const zero = signed || vals.some((x) => x < 0) ? height / 2 : height - 1;
  ctx.fillStyle = dim ? '#ccc' : '#4e79a7';
  vals.forEach((x, b) => {
    const len = (x / top) * (zero === height - 1 ? height - 1 : height / 2 - 1);
    ctx.fillRect(b * barW, Math.min(zero, zero - len), Math.max(1, barW - (barW > 1 ? 1 : 0)), Math.max(1, Math.abs(len)));
  });
  ctx.fillStyle = '#888';
  ctx.fillRect(0, Math.round(zero), canvas.width, 1);
}
