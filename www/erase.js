// Erase and watch: the deletion test by hand. The top k % of the current map's pixels (ordered as
// the deletion curve orders them: value descending, ties by lower index) are erased from the input,
// all at once or with a brush, and the class bars follow.
import { paintImage, paintOverlay } from './colormap.js';
import { LatestLane } from './engine.js';
import { isSigned } from './controls.js';
import { engine, state } from './state.js';
import { $, showError } from './ui.js';

const lane = new LatestLane();
let erase = { result: null, mask: null }; // mask: Uint8Array over the H x W positions
let renderBars = null;

/** The first floor(k n / 100) positions of the map's deletion order. */
export function topPositions(reduced, percent) {
  const idx = Array.from(reduced, (_, i) => i);
  idx.sort((a, b) => (reduced[b] - reduced[a]) || (a - b));
  return idx.slice(0, Math.floor((percent * reduced.length) / 100));
}

/** The input with the masked positions set to 0 in every channel. */
export function erasedImage(image, mask, channels) {
  const out = Float32Array.from(image);
  mask.forEach((m, p) => { if (m) out.fill(0, p * channels, (p + 1) * channels); });
  return out;
}

// The brush asks on every pointer move; the order is sorted once per map and k.
let cachedTop = { result: null, percent: -1, set: null };
function topSet(r, k) {
  if (cachedTop.result !== r || cachedTop.percent !== k) cachedTop = { result: r, percent: k, set: new Set(topPositions(r.reduced, k)) };
  return cachedTop.set;
}

const count = () => erase.mask?.reduce((a, b) => a + b, 0) ?? 0;
const percent = () => Number($('erase-k').value);

/** Shows the erased input and asks the model for its class probabilities. */
function apply() {
  const r = state.result;
  const info = state.info[state.model];
  if (!r || !info || erase.result !== r) return;
  const n = count();
  $('erase-reset').disabled = n === 0;
  const image = n ? erasedImage(r.input.image, erase.mask, info.channels) : r.input.image;
  paintImage($('view-original'), image, info);
  paintOverlay($('view-overlay'), image, r.map, info, $('colormap').value, isSigned(), Number($('opacity').value));
  if (n === 0) {
    renderBars(r);
    $('erase-note').textContent = '';
    return;
  }
  lane.submit(
    () => engine.call('predict', { dataset: state.model, image }),
    (p) => {
      if (state.result !== r) return;
      const probabilities = Array.from(p);
      const predicted = probabilities.indexOf(Math.max(...probabilities));
      renderBars({ ...r, probabilities, predicted });
      const name = info.classNames[r.target];
      $('erase-note').textContent = `${n} of ${r.map.length} pixels erased: p(${name}) ${(r.probabilities[r.target] * 100).toFixed(1)} % → ${(probabilities[r.target] * 100).toFixed(1)} %.`;
      $('erase-note').dataset.before = String(r.probabilities[r.target]);
      $('erase-note').dataset.after = String(probabilities[r.target]);
    },
    (err) => showError(`Could not classify the erased input: ${err.message}`),
  );
}

/** Called after each render: a new map starts with nothing erased. */
export function refreshErase() {
  if (erase.result !== state.result) erase = { result: state.result, mask: null };
  apply();
}

function eraseAll() {
  const r = state.result;
  if (!r) return;
  erase = { result: r, mask: new Uint8Array(r.map.length) };
  for (const p of topSet(r, percent())) erase.mask[p] = 1;
  apply();
}

/** The brush: positions under it (radius 1.5 model pixels) that are in the top k % are erased. A
 * fast stroke is followed along its segments, so no pixel between two pointer events is skipped. */
function setupBrush(canvas) {
  let last = null; // the previous point of the stroke, in model pixels
  const stroke = (e) => {
    const r = state.result;
    const info = state.info[state.model];
    if (!r || !info) return;
    const rect = canvas.getBoundingClientRect();
    const pt = [((e.clientX - rect.left) / rect.width) * info.width, ((e.clientY - rect.top) / rect.height) * info.height];
    const from = last ?? pt;
    last = pt;
    if (erase.result !== r || !erase.mask) erase = { result: r, mask: new Uint8Array(r.map.length) };
    const top = topSet(r, percent());
    const steps = Math.max(1, Math.ceil(Math.hypot(pt[0] - from[0], pt[1] - from[1]) * 2));
    let changed = false;
    for (let s = 0; s <= steps; s++) {
      const x = from[0] + ((pt[0] - from[0]) * s) / steps;
      const y = from[1] + ((pt[1] - from[1]) * s) / steps;
      for (let i = Math.floor(y - 2); i <= y + 2; i++) {
        for (let j = Math.floor(x - 2); j <= x + 2; j++) {
          if (i < 0 || j < 0 || i >= info.height || j >= info.width) continue;
          const p = i * info.width + j;
          if ((i + 0.5 - y) ** 2 + (j + 0.5 - x) ** 2 <= 2.25 && top.has(p) && !erase.mask[p]) { erase.mask[p] = 1; changed = true; }
        }
      }
    }
    if (changed) apply();
  };
  canvas.addEventListener('pointerdown', (e) => {
    if (!$('erase-brush').checked) return;
    e.preventDefault();
    canvas.setPointerCapture(e.pointerId);
    last = null;
    stroke(e);
  });
  canvas.addEventListener('pointermove', (e) => { if (last) stroke(e); });
  const end = () => { last = null; };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
}

export function setupErase(drawBars) {
  renderBars = drawBars;
  const showK = () => {
    $('erase-k-out').textContent = `${percent()} %`;
    $('erase-all').textContent = `Erase the top ${percent()} %`;
  };
  $('erase-k').addEventListener('input', () => {
    showK();
    // Once the whole top set is erased, the slider moves it live.
    if (erase.mask && $('erase-all').dataset.active === 'true') eraseAll();
  });
  $('erase-all').addEventListener('click', () => { $('erase-all').dataset.active = 'true'; eraseAll(); });
  $('erase-reset').addEventListener('click', () => {
    $('erase-all').dataset.active = 'false';
    erase.mask = null;
    apply();
  });
  $('erase-brush').addEventListener('change', () => {
    $('erase-all').dataset.active = 'false';
    for (const id of ['view-original', 'view-overlay']) $(id).classList.toggle('brush', $('erase-brush').checked);
  });
  for (const id of ['view-original', 'view-overlay']) setupBrush($(id));
  showK();
}
