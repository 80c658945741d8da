// What the page shows of a result: the class bars, the figure (original, map, overlay), the
// sanity view, the compare-all grid, and the exported PNG.
import { paintColorbar, paintImage, paintMap, paintOverlay } from './colormap.js';
import { depthName, isSigned, methodOptions, postOptions } from './controls.js';
import { compareLane, engine, methodName, modelTitle, pool, state } from './state.js';
import { $, showError } from './ui.js';
import { evalOptions, placeholderEvidence, renderAgreement, renderFaithfulness, runRandomisation, scoreCaptions } from './evaluation.js';
import { refreshErase } from './erase.js';

/** One normalisation over several reduced maps concatenated: one colour scale for all. */
export async function sharedMaps(reducedList, post) {
  const n = reducedList[0].length;
  const all = new Float32Array(n * reducedList.length);
  reducedList.forEach((r, i) => all.set(r, i * n));
  const normalized = await engine.call('normalize', { reduced: all, post });
  return reducedList.map((_, i) => normalized.subarray(i * n, (i + 1) * n));
}

function renderBars(r, info, label, onTarget) {
  const root = $('bars');
  root.replaceChildren();
  info.classNames.forEach((name, c) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'bar';
    if (c === r.predicted) b.classList.add('predicted');
    if (c === label) b.classList.add('truth');
    b.setAttribute('aria-pressed', String(c === r.target));
    const pct = (r.probabilities[c] * 100).toFixed(1);
    const n = document.createElement('span'); n.className = 'bar-name'; n.textContent = name;
    const track = document.createElement('span'); track.className = 'bar-track';
    const fill = document.createElement('span'); fill.className = 'bar-fill'; fill.style.width = `${Math.max(0.5, r.probabilities[c] * 100)}%`;
    track.append(fill);
    const v = document.createElement('span'); v.className = 'bar-value'; v.textContent = `${pct} %`;
    // The visible name and percentage begin the button's accessible name (WCAG label-in-name).
    const more = document.createElement('span');
    more.className = 'sr-only';
    more.textContent = `${c === r.predicted ? ', predicted' : ''}${c === label ? ', true label' : ''}. Explain this class.`;
    b.append(n, ' ', track, ' ', v, more);
    b.addEventListener('click', () => onTarget(c));
    root.append(b);
  });
  const truth = label == null ? '' : ` True label: ${info.classNames[label]}${label === r.predicted ? ' ✓' : ' ✗'}.`;
  $('answer').textContent = `Predicted: ${info.classNames[r.predicted]} (${(r.probabilities[r.predicted] * 100).toFixed(1)} %).${truth}`;
}

/** The class bars of a result (or of the erased input: erase.js passes its own probabilities). */
export const drawBars = (r, onTarget) => renderBars(r, state.info[state.model], r.input.label, onTarget);

/** Draws `state.result`: bars, figure, colour bar, timing, faithfulness, sanity view. */
export async function render(onTarget) {
  const r = state.result;
  const info = state.info[state.model];
  if (!r || !info) return;
  const { classNames } = info;
  const cmap = $('colormap').value;
  const signed = isSigned();
  const method = methodName(r.request.options.method);
  renderBars(r, info, r.input.label, onTarget);
  const figure = `${modelTitle()} target = ${classNames[r.target]}`;
  $('figure-title').textContent = figure;
  for (const [id, what] of [['view-original', 'Input image'], ['view-heatmap', 'Saliency map'], ['view-overlay', 'Saliency overlay']]) {
    $(id).setAttribute('role', 'img');
    $(id).setAttribute('aria-label', `${what}, ${figure}, ${method}`);
  }
  paintImage($('view-original'), r.input.image, info);
  paintMap($('view-heatmap'), r.map, info, cmap, signed);
  // What the shown map belongs to, for anyone (or any test) checking it matches the controls.
  Object.assign($('view-heatmap').dataset, { dataset: state.dataset, method: r.request.options.method, input: r.input.name });
  document.body.dataset.mapsShown = Number(document.body.dataset.mapsShown ?? 0) + 1;
  paintOverlay($('view-overlay'), r.input.image, r.map, info, cmap, signed, Number($('opacity').value));
  paintColorbar($('colorbar'), cmap);
  $('cb-min').textContent = signed ? '−1' : '0';
  $('cb-max').textContent = '1';
  // The method's convergence report, named as the registry names it (completeness, conservation).
  const report = state.registry.find((m) => m.id === r.request.options.method)?.convergence ?? 'convergence gap';
  const gap = r.completenessGap == null ? '' : ` ${report[0].toUpperCase()}${report.slice(1)}: ${r.completenessGap.toFixed(4)}.`;
  const where = r.workers > 1 ? `shared by ${r.workers} workers` : 'in a worker';
  const preview = r.request.preview ? ` Preview while drawing; ${r.request.preview} follows when the pen lifts.` : '';
  $('timing').textContent = `${method}: ${r.ms.toFixed(1)} ms in WebAssembly (${where}).${gap}${preview}`;
  showCurves(r);
  refreshErase();
  // The view opens with its checkbox (sanityView); here it only fills in.
  if (r.sanity) {
    let [a, b] = [r.map, r.sanity.map];
    if ($('shared').checked) [a, b] = await sharedMaps([r.reduced, r.sanity.reduced], r.request.post);
    if (state.result !== r) return; // a newer map arrived meanwhile and drew itself
    paintMap($('sanity-trained'), a, info, cmap, signed);
    paintMap($('sanity-random'), b, info, cmap, signed);
    const depth = r.request.sanityDepth;
    $('sanity-caption').textContent = `Randomized ${depthName(info.randomised, depth)}`;
    $('sanity-note').textContent = `Spearman rank correlation with the trained model's map: ${r.sanity.correlation.toFixed(2)}. A method that explains what the network learned should change a lot.`;
  }
}

/** The map's curves; until they arrive (they follow the map, and wait while the pen is down) the
 * last ones stay, dimmed. */
export function showCurves(r) {
  const pending = r.input.live || !r.evaluation;
  $('faith').classList.toggle('stale', pending);
  if (!pending) renderFaithfulness(r.evaluation);
}

/** One figure of the compare grid: its map and caption once `x` (a method's result) is there, else
 * a blank of the same size, so the grid takes its final room the moment it opens. */
function compareFigure(method, x = null, map = null, score = null) {
  const info = state.info[state.model];
  const fig = document.createElement('figure');
  fig.dataset.method = method;
  fig.classList.toggle('pending', !x);
  const c = document.createElement('canvas');
  c.className = 'pixelated';
  c.width = info.width;
  c.height = info.height;
  c.setAttribute('role', 'img');
  c.setAttribute('aria-label', `${methodName(method)} map${x ? '' : ' (computing)'}`);
  if (x) paintMap(c, map, info, $('colormap').value, isSigned());
  const cap = document.createElement('figcaption');
  const name = document.createElement('span');
  name.className = 'name';
  name.textContent = `${methodName(method)} · ${x ? `${x.ms.toFixed(1)} ms` : '… ms'}`;
  name.title = methodName(method);
  cap.append(name, score ?? scoreCaptions(null)[0]);
  fig.append(c, cap);
  return fig;
}

/** Every method on the current input, in the compare grid (its own latest-wins lane). */
export function runCompare() {
  const input = state.input;
  const info = state.info[state.model];
  if (!input || !info) return;
  $('compare-panel').hidden = false;
  const grid = $('compare-grid');
  grid.setAttribute('aria-busy', 'true');
  const methods = state.registry.map((m) => m.id);
  if (grid.children.length !== methods.length) grid.replaceChildren(...methods.map((m) => compareFigure(m)));
  placeholderEvidence(methods);
  const options = { ...methodOptions(), target: state.result?.target ?? state.target };
  const post = postOptions();
  const request = { dataset: state.model, image: input.image, options, post, evaluation: evalOptions(), topPercent: Number($('agree-k').value) };
  compareLane.submit(
    async () => {
      const t0 = performance.now();
      const { results, agreement } = await pool.compare(request.dataset, request.image, options, post, request.evaluation, request.topPercent);
      const maps = $('shared').checked ? await sharedMaps(results.map((x) => x.reduced), post) : results.map((x) => x.map);
      return { results, agreement, maps, ms: performance.now() - t0 };
    },
    ({ results, agreement, maps, ms }) => {
      grid.removeAttribute('aria-busy');
      if (state.input !== input) return;
      const scores = scoreCaptions(results);
      $('compare-timing').textContent = `${results.length} maps, their curves (${results.length} × ${3 * (results[0].evaluation.steps + 1)} forward passes) and the agreement matrix in ${ms.toFixed(0)} ms.`;
      renderAgreement(agreement, results.map((x) => x.method));
      runRandomisation();
      grid.replaceChildren(...results.map((x, i) => compareFigure(x.method, x, maps[i], scores[i])));
    },
    (err) => {
      grid.removeAttribute('aria-busy');
      showError(`Could not compare the methods: ${err.message}`, runCompare);
    },
  );
}

export function exportPng() {
  const r = state.result;
  const info = state.info[state.model];
  if (!r || !info) return;
  const scale = Math.max(1, Math.floor(224 / Math.max(info.width, info.height)));
  const [pw, ph] = [info.width * scale, info.height * scale];
  const m = 16;
  const out = document.createElement('canvas');
  out.width = 4 * m + 3 * pw;
  out.height = m + 36 + 20 + ph + 40;
  const ctx = out.getContext('2d');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.fillStyle = '#111';
  ctx.textAlign = 'center';
  ctx.font = 'bold 20px system-ui, sans-serif';
  ctx.fillText($('figure-title').textContent, out.width / 2, m + 20);
  ctx.font = '13px system-ui, sans-serif';
  ctx.imageSmoothingEnabled = false;
  ['view-original', 'view-heatmap', 'view-overlay'].forEach((id, i) => {
    const x = m + i * (pw + m);
    ctx.fillText(['Original image', 'Saliency map', 'Overlay'][i], x + pw / 2, m + 48);
    ctx.drawImage($(id), x, m + 56, pw, ph);
  });
  const y = m + 56 + ph + 12;
  ctx.drawImage($('colorbar'), m + pw + m, y, pw, 12);
  ctx.textAlign = 'left';
  ctx.fillText(`${methodName(r.request.options.method)} · ${$('cb-min').textContent} … 1`, m, y + 11);
  out.toBlob((blob) => {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `saliency-${state.model === 'onnx' ? 'model' : state.dataset}-${r.request.options.method}-${info.classNames[r.target]}.png`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  }, 'image/png');
}
