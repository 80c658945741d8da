// The evidence of which map to trust, next to the maps: deletion / insertion / LeRF curves and
// their areas, agreement between methods, and randomisation curves. The numbers come from Rust
// (Model.evaluate, agreement, Randomisation); this module only draws them.
import { PALETTE, lineChart } from './charts.js';
import { LatestLane } from './engine.js';
import { postOptions } from './controls.js';
import { methodName, pool, state } from './state.js';
import { $, showError } from './ui.js';

/** The page's evaluation settings, as Model.evaluate takes them. */
export const evalOptions = () => ({ baseline: $('removal').value });

const fmt = (v) => v.toFixed(3);
const steps = (n) => Array.from({ length: n }, (_, k) => (k === 0 ? '0' : k === n - 1 ? '1' : ''));

/** The main map's curves and AUCs, with the random order's as the chance line. */
export function renderFaithfulness(e) {
  if (!e) return;
  lineChart($('faith-plot'), {
    xLabels: steps(e.deletionCurve.length),
    xTitle: 'fraction of pixels moved',
    yTitle: 'p(target)',
    series: [
      { values: e.random.deletionCurve, color: '#e15759', dashed: true, width: 1.5 },
      { values: e.random.insertionCurve, color: '#4e79a7', dashed: true, width: 1.5 },
      { values: e.lerfCurve, color: '#59a14f' },
      { values: e.deletionCurve, color: '#e15759' },
      { values: e.insertionCurve, color: '#4e79a7' },
    ],
  });
  $('faith-plot').setAttribute('aria-label', `Deletion, insertion and LeRF curves of ${methodName(e.method)}, with the random order's dashed`);
  const put = (id, v, random) => { $(id).textContent = fmt(v); $(`${id}-random`).textContent = fmt(random); };
  put('auc-deletion', e.deletion, e.random.deletion);
  put('auc-insertion', e.insertion, e.random.insertion);
  put('auc-lerf', e.lerf, e.random.lerf);
  put('auc-srg', e.srg, e.random.srg);
  $('faith-note').textContent = `${methodName(e.method)}, class ${state.info[state.model]?.classNames[e.target] ?? e.target}: `
    + `${e.steps} steps, removed pixels set to ${e.baseline === 'blur' ? 'a 5×5 blur of the image' : '0'}, `
    + `${3 * (e.steps + 1)} images through the network in ${e.ms.toFixed(1)} ms.`;
}

/** Under each map of the compare grid: its AUCs and SRG, the best of each column marked; with no
 * results, one caption of dashes (the same lines, for a figure still computing). */
export function scoreCaptions(results) {
  const best = !results ? {} : {
    deletion: Math.min(...results.map((r) => r.evaluation.deletion)),
    insertion: Math.max(...results.map((r) => r.evaluation.insertion)),
    srg: Math.max(...results.map((r) => r.evaluation.srg)),
  };
  return (results ?? [{ evaluation: null }]).map((r) => {
    const p = document.createElement('p');
    p.className = 'scores';
    for (const [key, label] of [['deletion', 'del'], ['insertion', 'ins'], ['srg', 'SRG']]) {
      const s = document.createElement('span');
      s.dataset.score = key;
      const name = document.createElement('span');
      name.textContent = label;
      s.append(name, ` ${r.evaluation ? fmt(r.evaluation[key]) : '–'}`);
      if (r.evaluation && r.evaluation[key] === best[key]) {
        s.classList.add('best');
        s.title = `best ${key === 'srg' ? 'SRG' : `${key} AUC`} of the methods`;
      }
      p.append(s, ' ');
    }
    return p;
  });
}

let lastAgreement = null; // {agreement, methods}

/** The pairwise agreement matrix; hover or focus a cell to read the pair. */
export function renderAgreement(agreement = lastAgreement?.agreement, methods = lastAgreement?.methods) {
  if (!agreement) return;
  lastAgreement = { agreement, methods };
  const metric = $('agree-metric').value;
  const what = metric === 'iou' ? `top-${agreement.k} IoU` : 'Spearman';
  $('agreement').replaceChildren(agreementTable(methods, agreement[metric], what));
  $('agreement').querySelector('table').dataset.metric = metric;
  $('agreement-pair').textContent = metric === 'iou'
    ? `Intersection over union of the ${agreement.k} highest pixels (${$('agree-k').value} %) of each pair of maps.`
    : 'Spearman rank correlation of each pair of maps (1: same order of pixels, −1: reversed).';
}

/** The matrix of `methods` × `methods`; with no values (`m` null), dashes of the same size. */
function agreementTable(methods, m, what) {
  const table = document.createElement('table');
  table.className = 'matrix';
  const head = table.createTHead().insertRow();
  const corner = document.createElement('th');
  corner.scope = 'col';
  corner.innerHTML = '<span class="sr-only">method</span>';
  head.append(corner);
  for (const id of methods) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = methodName(id);
    head.append(th);
  }
  const body = table.createTBody();
  methods.forEach((a, i) => {
    const row = body.insertRow();
    const th = document.createElement('th');
    th.scope = 'row';
    th.textContent = methodName(a);
    row.append(th);
    methods.forEach((b, j) => {
      const td = row.insertCell();
      if (!m) {
        td.textContent = '–';
        return;
      }
      const v = m[i][j];
      td.textContent = v.toFixed(2);
      td.tabIndex = 0;
      td.dataset.i = i;
      td.dataset.j = j;
      td.title = `${methodName(a)} vs ${methodName(b)}: ${what} ${v.toFixed(3)}`;
      // Blue for agreement, red for opposition, white for none.
      const t = Math.min(1, Math.abs(v));
      td.style.background = v >= 0 ? `rgb(${255 - 170 * t},${255 - 120 * t},255)` : `rgb(255,${255 - 160 * t},${255 - 160 * t})`;
      const show = () => { $('agreement-pair').textContent = td.title; };
      td.addEventListener('mouseenter', show);
      td.addEventListener('focus', show);
    });
  });
  return table;
}

/** Before the first compare's numbers arrive: the matrix and the legend, blank, at their size. */
export function placeholderEvidence(methods) {
  if (!$('agreement').querySelector('table')) $('agreement').replaceChildren(agreementTable(methods, null, ''));
  if (!$('rand-legend').children.length) {
    $('rand-legend').replaceChildren(...methods.map((id) => legendItem(id, null, `${methodName(id)}: …`)));
  }
}

function legendItem(method, color, text) {
  const li = document.createElement('li');
  li.dataset.method = method;
  li.title = text;
  const sw = document.createElement('span');
  sw.className = 'swatch';
  if (color) sw.style.background = color;
  li.append(sw, text);
  return li;
}

// ---------- randomisation curves ----------
const randLane = new LatestLane();
let lastCurves = null;

/** Computes every method's randomisation curves on the current input (method by method). */
export function runRandomisation() {
  const input = state.input;
  if (!input || !state.info[state.model]) return;
  $('rand-status').textContent = 'Randomising the layers…';
  const request = { dataset: state.model, image: input.image, options: { target: state.result?.target ?? state.target }, post: postOptions() };
  randLane.submit(
    () => pool.randomisation(request.dataset, request.image, request.options, request.post,
      (p) => { $('rand-status').textContent = `Randomisation curves: ${p.done} / ${p.total} methods…`; }),
    (r) => {
      if (state.input !== input || r.stopped) return;
      lastCurves = r.curves;
      renderRandomisation();
      const layers = r.curves[0]?.layers.length ?? 0;
      $('rand-status').textContent = `${r.curves.length} methods × ${2 * layers + 1} maps (${layers} cascading, ${layers} independent, 1 random logit) in ${(r.ms / 1000).toFixed(2)} s on ${pool.size} worker${pool.size > 1 ? 's' : ''}.`;
    },
    (err) => showError(`Could not compute the randomisation curves: ${err.message}`, runRandomisation),
  );
}

export function renderRandomisation() {
  const curves = lastCurves;
  if (!curves) return;
  const metric = $('rand-metric').value;
  const mode = $('rand-mode').value;
  const layers = curves[0].layers;
  const xLabels = mode === 'cascading'
    ? ['trained', ...layers.map((l, i) => (i ? `+${l}` : l))]
    : ['trained', ...layers];
  const values = curves.map((c) => [1, ...c[mode].map((s) => s[metric])]);
  const lo = Math.min(0, ...values.flat());
  lineChart($('rand-chart'), {
    xLabels,
    yMin: Math.floor(lo * 4) / 4,
    yTitle: metric === 'ssim' ? 'SSIM' : 'Spearman',
    series: values.map((v, i) => ({ values: v, color: PALETTE[i % PALETTE.length], width: 1.75 })),
  });
  $('rand-chart').dataset.methods = String(curves.length);
  $('rand-legend').replaceChildren(...curves.map((c, i) => {
    const last = c[mode][c[mode].length - 1][metric];
    return legendItem(c.method, PALETTE[i % PALETTE.length], `${methodName(c.method)}: ${last.toFixed(2)} at ${mode === 'cascading' ? 'all layers' : layers[layers.length - 1]}; random logit (class ${c.randomLogitClass}) ${c.randomLogit[metric].toFixed(2)}`);
  }));
}
