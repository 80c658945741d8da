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

/** RGB of t in [0,1] under a colour map, linear between stops. */
export function colorAt(name, t) {
  const s = stops[name] ?? stops.viridis;
  const v = Number.isFinite(t) ? Math.min(1, Math.max(0, t)) : 0;
  const pos = v * (s.length - 1);
  const i = Math.min(Math.floor(pos), s.length - 2);
  const f = pos - i;
  return [0, 1, 2].map((k) => Math.round(s[i][k] * (1 - f) + s[i + 1][k] * f));
}

/** Map values -> [0,1] for colouring: signed maps live in [-1,1]. */
export const toUnit = (v, signed) => (signed ? (v + 1) / 2 : v);

/** Paints an H x W map onto a canvas of that size. */
export function paintMap(canvas, map, side, cmap, signed) {
  canvas.width = side;
  canvas.height = side;
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(side, side);
  for (let i = 0; i < side * side; i++) {
    const [r, g, b] = colorAt(cmap, toUnit(map[i], signed));
    img.data.set([r, g, b, 255], i * 4);
  }
  ctx.putImageData(img, 0, 0);
}

/** Paints an H x W x C image in [0,1] (grey when C = 1). */
export function paintImage(canvas, image, side, channels) {
  canvas.width = side;
  canvas.height = side;
  // The overlay reads its pixels back; say so before the first getContext.
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const img = ctx.createImageData(side, side);
  for (let i = 0; i < side * side; i++) {
    const px = channels === 1 ? [image[i], image[i], image[i]] : [image[i * 3], image[i * 3 + 1], image[i * 3 + 2]];
    img.data.set([...px.map((v) => Math.round(v * 255)), 255], i * 4);
  }
  ctx.putImageData(img, 0, 0);
}

/** The image with the map laid over it at `opacity`. */
export function paintOverlay(canvas, image, map, side, channels, cmap, signed, opacity) {
  paintImage(canvas, image, side, channels);
  const ctx = canvas.getContext('2d');
  const img = ctx.getImageData(0, 0, side, side);
  for (let i = 0; i < side * side; i++) {
    const c = colorAt(cmap, toUnit(map[i], signed));
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
