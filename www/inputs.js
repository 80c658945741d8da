// Where inputs come from: the bundled gallery of test images, the drawing pad, and files that are
// uploaded, dropped or pasted. Each hands a prepared image to `onInput`.
import { paintImage } from './colormap.js';
import { fitDigit, greyFromRGBA, prepareDigit, prepareUpload, resizeImage, rgbFromRGBA } from './prepare.js';
import { inputShape, state } from './state.js';
import { $, acceptFiles, hideError, showError } from './ui.js';

// ---------- gallery ----------
async function get(file, as) {
  const r = await fetch(`gallery/${file}`);
  if (!r.ok) throw new Error(`gallery/${file}: HTTP ${r.status}`);
  return r[as]();
}

/** The gallery's description, which carries its first image: the first map needs nothing more. */
export function loadGalleryMeta(dataset) {
  state.galleryMeta[dataset] ??= get(`${dataset}.json`, 'json').catch((err) => {
    delete state.galleryMeta[dataset];
    throw err;
  });
  return state.galleryMeta[dataset];
}

export async function loadGallery(dataset) {
  if (state.gallery[dataset]) return state.gallery[dataset];
  const [meta, bin] = await Promise.all([loadGalleryMeta(dataset), get(`${dataset}.bin`, 'arrayBuffer')]);
  state.gallery[dataset] = { meta, pixels: new Uint8Array(bin) };
  return state.gallery[dataset];
}

function toImage(bytes) {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = bytes[i] / 255;
  return out;
}

/** What a gallery's images are: {width, height, channels}. */
const shapeOf = (g) => g.shape ?? { width: g.meta.side, height: g.meta.side, channels: g.meta.channels };

function galleryImage(g, k) {
  const { width, height, channels } = shapeOf(g);
  const per = width * height * channels;
  return toImage(g.pixels.subarray(k * per, (k + 1) * per));
}

/** The input a click on the gallery's k-th thumb gives. */
function galleryInput(g, image, k) {
  const index = g.meta.indices[k];
  const note = g.shape ? `${g.meta.dataset} test image resized` : undefined;
  return { image, label: g.labels ? g.labels[k] : g.meta.labels[k], name: `test image ${index}`, galleryIndex: index, note };
}

/** The gallery's first image as an input, from its description alone; null if it lacks it. */
export function firstGalleryInput(meta) {
  const per = meta.side * meta.side * meta.channels;
  return meta.firstImage?.length === per ? galleryInput({ meta }, toImage(meta.firstImage), 0) : null;
}

/**
 * A shipped gallery made fit for a visitor's model of `shape` (same channels): every image
 * resized (area average). True labels only if the model's classes are the data set's own.
 */
export function adaptGallery(g, shape, classNames) {
  const from = shapeOf(g);
  const n = g.meta.indices.length;
  const per = shape.width * shape.height * shape.channels;
  const pixels = new Uint8Array(n * per);
  for (let k = 0; k < n; k++) {
    const small = resizeImage(galleryImage(g, k), from.width, from.height, from.channels, shape.width, shape.height);
    for (let i = 0; i < per; i++) pixels[k * per + i] = Math.round(small[i] * 255);
  }
  const same = classNames.length === g.meta.classNames.length && classNames.every((c, i) => c === g.meta.classNames[i]);
  return { meta: g.meta, pixels, shape, labels: same ? g.meta.labels : g.meta.labels.map(() => null) };
}

/** The thumbs; the one showing the current input (if any) is marked pressed. Resolves once they
 * are in the page (true), or to false when a newer gallery took the place first. */
export async function renderGallery(g, onInput) {
  const root = $('gallery');
  const render = ++galleryRender;
  const shape = shapeOf(g);
  const { classNames } = g.meta;
  const thumbs = g.meta.indices.map((index, k) => {
    const label = g.meta.labels[k];
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'thumb';
    b.dataset.index = index;
    const truth = g.labels && g.labels[k] == null ? `a ${g.meta.dataset} ${classNames[label]}` : `true label ${classNames[label]}`;
    b.setAttribute('aria-label', `Test image ${index}, ${truth}`);
    const img = document.createElement('span');
    img.className = 'thumb-image pixelated';
    img.style.backgroundPosition = `0 calc(var(--thumb) * ${-k})`;
    const cap = document.createElement('span');
    cap.textContent = classNames[label];
    b.append(img, cap);
    b.addEventListener('click', () => {
      root.querySelectorAll('.thumb[aria-pressed="true"]').forEach((t) => t.setAttribute('aria-pressed', 'false'));
      b.setAttribute('aria-pressed', 'true');
      onInput(galleryInput(g, galleryImage(g, k), k));
    });
    return b;
  });
  // The picture first, then the thumbs with it: one style, layout and paint of 150 thumbs, not a
  // second one of all of them when the picture arrives.
  const sprite = await spriteOf(g, shape);
  if (render !== galleryRender) return false;
  if (spriteUrl) URL.revokeObjectURL(spriteUrl);
  spriteUrl = sprite && URL.createObjectURL(sprite);
  thumbs.forEach((b, k) => b.setAttribute('aria-pressed', String(state.input?.galleryIndex === g.meta.indices[k])));
  root.removeAttribute('aria-busy');
  root.dataset.dataset = g.shape ? `${g.meta.dataset}@${g.shape.width}x${g.shape.height}` : g.meta.dataset;
  root.style.setProperty('--sprite', spriteUrl ? `url("${spriteUrl}")` : 'none');
  root.style.setProperty('--sprite-rows', String(thumbs.length));
  if (spriteUrl) root.dataset.sprite = spriteUrl;
  else delete root.dataset.sprite;
  root.replaceChildren(...thumbs);
  return true;
}

let galleryRender = 0;
let spriteUrl = null;

/** An empty gallery, saying it is loading; a gallery still being made will not fill it. */
export function clearGallery() {
  galleryRender++;
  const root = $('gallery');
  root.replaceChildren();
  delete root.dataset.dataset;
  root.setAttribute('aria-busy', 'true');
}
/** All the thumbs' images as one picture, one above the other, that every thumb shows its slice
 * of: one image to decode and composite instead of 150 canvases (on a phone, their paint and
 * commit were most of the main thread's work on load). */
async function spriteOf(g, shape) {
  const n = g.meta.indices.length;
  const sheet = document.createElement('canvas');
  const per = shape.width * shape.height * shape.channels;
  // Straight from the bytes (scale 1, no floats in between): this runs on a phone's main thread.
  paintImage(sheet, g.pixels.subarray(0, n * per), { ...shape, height: shape.height * n }, 1);
  return new Promise((ok) => sheet.toBlob(ok));
}

// ---------- drawing pad ----------
export function setupPad(onInput) {
  const pad = $('pad');
  const ctx = pad.getContext('2d', { willReadFrequently: true });
  const clear = () => { ctx.fillStyle = '#000'; ctx.fillRect(0, 0, pad.width, pad.height); };
  clear();
  let drawing = false;
  let last = null;
  let frame = 0;
  let session = 0; // one drawing from one "Clear" to the next: one history entry
  const pos = (e) => {
    const rect = pad.getBoundingClientRect();
    return [(e.clientX - rect.left) * (pad.width / rect.width), (e.clientY - rect.top) * (pad.height / rect.height)];
  };
  /** Hands the pad's digit on; `live` while the pen is down (the page previews a fast map then). */
  const send = (live) => {
    frame = 0;
    const shape = inputShape();
    if (!shape) return;
    const data = ctx.getImageData(0, 0, pad.width, pad.height).data;
    let image;
    let note = 'drawn, prepared like MNIST';
    if (shape.channels === 1) {
      image = prepareDigit(greyFromRGBA(data, pad.width * pad.height), pad.width, pad.height);
      if (!image) return;
      image = fitDigit(image, shape);
    } else {
      // A colour model gets the drawing in grey, resized to its input.
      const small = new OffscreenCanvas(shape.width, shape.height).getContext('2d');
      small.imageSmoothingQuality = 'high';
      small.drawImage(pad, 0, 0, shape.width, shape.height);
      image = rgbFromRGBA(small.getImageData(0, 0, shape.width, shape.height).data, shape.width * shape.height);
      note = 'drawn, in grey';
    }
    onInput({ image, label: null, name: 'drawing', note, drawing: session, live });
  };
  // While drawing, one update per animation frame however many pointer events it brings.
  const schedule = () => { if (!frame) frame = requestAnimationFrame(() => send(true)); };
  pad.addEventListener('pointerdown', (e) => {
    e.preventDefault();
    pad.setPointerCapture(e.pointerId);
    drawing = true;
    last = pos(e);
    ctx.fillStyle = '#fff';
    ctx.beginPath();
    ctx.arc(last[0], last[1], 9, 0, Math.PI * 2);
    ctx.fill();
    schedule();
  });
  pad.addEventListener('pointermove', (e) => {
    if (!drawing) return;
    const p = pos(e);
    Object.assign(ctx, { strokeStyle: '#fff', lineWidth: 18, lineCap: 'round', lineJoin: 'round' });
    ctx.beginPath();
    ctx.moveTo(...last);
    ctx.lineTo(...p);
    ctx.stroke();
    last = p;
    schedule();
  });
  // The pen lifted: the final input at once (the chosen method, however slow, follows now).
  const end = () => {
    if (!drawing) return;
    drawing = false;
    cancelAnimationFrame(frame);
    send(false);
  };
  pad.addEventListener('pointerup', end);
  pad.addEventListener('pointercancel', end);
  $('pad-clear').addEventListener('click', () => { clear(); session++; });
}

// ---------- upload, drop, paste ----------
export function setupUpload(onInput) {
  const use = async (file) => {
    try {
      const shape = inputShape();
      if (!shape) throw new Error('the model is still loading; try again in a moment');
      const { image, note } = await prepareUpload(file, shape);
      hideError();
      onInput({ image, label: null, name: file.name || 'pasted image', note });
    } catch (err) {
      showError(`Could not use that file: ${err.message}`);
    }
  };
  acceptFiles($('file'), $('drop'), use);
  document.addEventListener('paste', (e) => {
    const item = [...(e.clipboardData?.items ?? [])].find((i) => i.kind === 'file');
    if (item) { selectTab('upload'); use(item.getAsFile()); }
  });
}

// ---------- tabs ----------
const TABS = ['gallery', 'draw', 'upload'];
export function selectTab(name) {
  for (const t of TABS) {
    $(`tab-${t}`).setAttribute('aria-selected', String(t === name));
    $(`tab-${t}`).tabIndex = t === name ? 0 : -1;
    $(`pane-${t}`).hidden = t !== name;
  }
}
export function setupTabs() {
  TABS.forEach((t, i) => {
    const tab = $(`tab-${t}`);
    tab.addEventListener('click', () => selectTab(t));
    tab.addEventListener('keydown', (e) => {
      const d = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
      if (!d) return;
      const next = TABS[(i + d + TABS.length) % TABS.length];
      selectTab(next);
      $(`tab-${next}`).focus();
    });
  });
  selectTab('gallery');
}
