// The page: inputs, the model's answer, and the maps. All computation is in worker.js.
import { Engine, LatestLane } from './engine.js';
import { loadColormaps, paintColorbar, paintImage, paintMap, paintOverlay } from './colormap.js';
import { greyFromRGBA, prepareDigit, prepareUpload, rgbFromRGBA } from './prepare.js';

const $ = (id) => document.getElementById(id);
const TITLE = { mnist: 'MNIST', cifar10: 'CIFAR10' };
const METHOD_NAMES = {
  vanilla: 'Vanilla gradient', guided: 'Guided backprop', deconvnet: 'Deconvnet (rectified)',
  gradxinput: 'Gradient × input', smoothgrad: 'SmoothGrad', ig: 'Integrated Gradients',
  gradcam: 'Grad-CAM', 'guided-gradcam': 'Guided Grad-CAM', occlusion: 'Occlusion',
};

const state = {
  dataset: 'mnist',
  info: {}, // dataset -> {side, channels, classNames, methods}
  gallery: {}, // dataset -> {meta, pixels}
  input: null, // {image: Float32Array, label: number|null, name}
  target: null, // null = the predicted class
  result: null,
  compare: null,
};

const engine = new Engine((alive) => {
  // Models live in the worker; a fresh worker fetches them again on its first request.
  setStatus(alive
    ? 'The computation worker was restarted after an error; models reload on demand.'
    : 'The computation worker could not start; Retry tries again.');
});
const lane = new LatestLane();
const compareLane = new LatestLane();

// ---------- status and errors ----------
function setStatus(text) {
  $('status').textContent = text;
}
function showError(message, retry) {
  $('error-text').textContent = message;
  $('error').hidden = false;
  $('error-retry').hidden = !retry;
  $('error-retry').onclick = retry ? () => { hideError(); retry(); } : null;
}
function hideError() {
  $('error').hidden = true;
}
$('error-close').addEventListener('click', hideError);

// ---------- options ----------
function methodOptions() {
  const num = (id) => Number($(id).value);
  return {
    method: $('method').value,
    base: $('base').value,
    target: state.target,
    samples: Math.max(1, Math.round(num('samples'))),
    noise: Math.max(0, num('noise')),
    steps: Math.max(1, Math.round(num('steps'))),
    patch: Math.max(1, Math.round(num('patch'))),
    stride: Math.max(1, Math.round(num('stride'))),
    seed: 0,
  };
}
function postOptions() {
  const normalize = $('normalize').value === 'percentile' ? { kind: 'percentile', p: 99 } : { kind: 'min-max' };
  return { sign: $('sign').value, reduce: $('reduce').value, normalize };
}
const isSigned = () => $('sign').value === 'signed';
const sanityDepth = () => ($('sanity').checked ? Number($('depth').value) : 0);

function showMethodParams() {
  const m = $('method').value;
  for (const el of document.querySelectorAll('[data-for]')) el.hidden = el.dataset.for !== m && !(m === 'smoothgrad' && el.dataset.for === $('base').value);
  for (const el of document.querySelectorAll('[data-for-sanity]')) el.hidden = !$('sanity').checked;
}

// ---------- model and gallery ----------
async function ensureModel(dataset) {
  if (state.info[dataset]) return state.info[dataset];
  setStatus(`Loading the ${TITLE[dataset]} weights…`);
  document.body.classList.add('loading');
  try {
    const info = await engine.call('load', { dataset });
    state.info[dataset] = info;
    setStatus(`${TITLE[dataset]} model ready.`);
    return info;
  } finally {
    document.body.classList.remove('loading');
  }
}

async function loadGallery(dataset) {
  if (state.gallery[dataset]) return state.gallery[dataset];
  const [meta, bin] = await Promise.all([
    fetch(`gallery/${dataset}.json`).then((r) => { if (!r.ok) throw new Error(`gallery/${dataset}.json: HTTP ${r.status}`); return r.json(); }),
    fetch(`gallery/${dataset}.bin`).then((r) => { if (!r.ok) throw new Error(`gallery/${dataset}.bin: HTTP ${r.status}`); return r.arrayBuffer(); }),
  ]);
  state.gallery[dataset] = { meta, pixels: new Uint8Array(bin) };
  return state.gallery[dataset];
}

function galleryImage(g, k) {
  const per = g.meta.side * g.meta.side * g.meta.channels;
  return Float32Array.from(g.pixels.subarray(k * per, (k + 1) * per), (v) => v / 255);
}

function renderGallery(g) {
  const root = $('gallery');
  root.replaceChildren();
  const { side, channels, classNames } = g.meta;
  g.meta.indices.forEach((index, k) => {
    const label = g.meta.labels[k];
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'thumb';
    b.dataset.index = index;
    b.setAttribute('aria-label', `Test image ${index}, true label ${classNames[label]}`);
    const c = document.createElement('canvas');
    c.className = 'pixelated';
    paintImage(c, galleryImage(g, k), side, channels);
    const cap = document.createElement('span');
    cap.textContent = classNames[label];
    b.append(c, cap);
    b.addEventListener('click', () => {
      root.querySelectorAll('.thumb[aria-pressed="true"]').forEach((t) => t.setAttribute('aria-pressed', 'false'));
      b.setAttribute('aria-pressed', 'true');
      setInput({ image: galleryImage(g, k), label, name: `test image ${index}` });
    });
    root.append(b);
  });
}

async function switchDataset(dataset) {
  state.dataset = dataset;
  state.input = null;
  state.result = null;
  state.target = null;
  $('compare-panel').hidden = true;
  document.body.dataset.dataset = dataset;
  try {
    const [, g] = await Promise.all([ensureModel(dataset), loadGallery(dataset)]);
    if (state.dataset !== dataset) return;
    setStatus(`${TITLE[dataset]} model ready.`);
    renderGallery(g);
    $('gallery').querySelector('.thumb')?.click();
  } catch (err) {
    showError(`Could not load the ${TITLE[dataset]} model: ${err.message}`, () => switchDataset(dataset));
    setStatus('Model not loaded.');
  }
}

// ---------- input ----------
function setInput(input, { keepTarget = false } = {}) {
  state.input = input;
  if (!keepTarget) state.target = null;
  const info = state.info[state.dataset];
  if (!info) return;
  paintImage($('prepared'), input.image, info.side, info.channels);
  $('prepared-caption').textContent = `Model input (${info.side} × ${info.side}${input.note ? `, ${input.note}` : ''})`;
  update();
}

// ---------- computation ----------
function update() {
  const input = state.input;
  const info = state.info[state.dataset];
  if (!input || !info) return;
  const dataset = state.dataset;
  const request = { dataset, image: input.image, options: methodOptions(), post: postOptions(), sanityDepth: sanityDepth() };
  document.body.classList.add('busy');
  $('timing').textContent = 'Computing…';
  lane.submit(
    () => engine.call('explain', request),
    (r) => {
      document.body.classList.remove('busy');
      if (state.input !== input || state.dataset !== dataset) return;
      hideError();
      state.result = { ...r, input, request };
      render();
      if (!$('compare-panel').hidden) runCompare();
    },
    (err) => {
      document.body.classList.remove('busy');
      $('timing').textContent = '';
      showError(`Could not compute the map: ${err.message}`, update);
    },
  );
}

async function sharedMaps(reducedList, post) {
  // One normalisation over all maps concatenated = one colour scale for all of them.
  const n = reducedList[0].length;
  const all = new Float32Array(n * reducedList.length);
  reducedList.forEach((r, i) => all.set(r, i * n));
  const normalized = await engine.call('normalize', { reduced: all, post });
  return reducedList.map((_, i) => normalized.subarray(i * n, (i + 1) * n));
}

function renderBars(r, info, label) {
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
    b.setAttribute('aria-label', `${name}: ${pct} %${c === r.predicted ? ', predicted' : ''}${c === label ? ', true label' : ''}. Explain this class.`);
    const n = document.createElement('span'); n.className = 'bar-name'; n.textContent = name;
    const track = document.createElement('span'); track.className = 'bar-track';
    const fill = document.createElement('span'); fill.className = 'bar-fill'; fill.style.width = `${Math.max(0.5, r.probabilities[c] * 100)}%`;
    track.append(fill);
    const v = document.createElement('span'); v.className = 'bar-value'; v.textContent = `${pct} %`;
    b.append(n, track, v);
    b.addEventListener('click', () => { state.target = c; update(); });
    root.append(b);
  });
  const truth = label == null ? '' : ` True label: ${info.classNames[label]}${label === r.predicted ? ' ✓' : ' ✗'}.`;
  $('answer').textContent = `Predicted: ${info.classNames[r.predicted]} (${(r.probabilities[r.predicted] * 100).toFixed(1)} %).${truth}`;
}

function spearman(a, b) {
  const rank = (v) => {
    const idx = Array.from(v.keys()).sort((i, j) => v[i] - v[j]);
    const r = new Float64Array(v.length);
    for (let i = 0; i < idx.length;) {
      let j = i;
      while (j + 1 < idx.length && v[idx[j + 1]] === v[idx[i]]) j++;
      for (let k = i; k <= j; k++) r[idx[k]] = (i + j) / 2;
      i = j + 1;
    }
    return r;
  };
  const ra = rank(a), rb = rank(b);
  const mean = (r) => r.reduce((s, x) => s + x, 0) / r.length;
  const ma = mean(ra), mb = mean(rb);
  let cov = 0, va = 0, vb = 0;
  for (let i = 0; i < ra.length; i++) { cov += (ra[i] - ma) * (rb[i] - mb); va += (ra[i] - ma) ** 2; vb += (rb[i] - mb) ** 2; }
  return va && vb ? cov / Math.sqrt(va * vb) : 0;
}

async function render() {
  const r = state.result;
  const info = state.info[state.dataset];
  if (!r || !info) return;
  const { side, channels, classNames } = info;
  const cmap = $('colormap').value;
  const signed = isSigned();
  const opacity = Number($('opacity').value);
  renderBars(r, info, r.input.label);
  const title = `${TITLE[state.dataset]} target = ${classNames[r.target]}`;
  $('figure-title').textContent = title;
  for (const [id, what] of [['view-original', 'Input image'], ['view-heatmap', 'Saliency map'], ['view-overlay', 'Saliency overlay']]) {
    $(id).setAttribute('role', 'img');
    $(id).setAttribute('aria-label', `${what}, ${title}, ${METHOD_NAMES[r.request.options.method]}`);
  }
  paintImage($('view-original'), r.input.image, side, channels);
  paintMap($('view-heatmap'), r.map, side, cmap, signed);
  // What the shown map belongs to, for anyone (or any test) checking it matches the controls.
  Object.assign($('view-heatmap').dataset, { dataset: state.dataset, method: r.request.options.method, input: r.input.name });
  document.body.dataset.mapsShown = Number(document.body.dataset.mapsShown ?? 0) + 1;
  paintOverlay($('view-overlay'), r.input.image, r.map, side, channels, cmap, signed, opacity);
  paintColorbar($('colorbar'), cmap);
  $('cb-min').textContent = signed ? '−1' : '0';
  $('cb-max').textContent = '1';
  $('timing').textContent = `${METHOD_NAMES[r.request.options.method]}: ${r.ms.toFixed(1)} ms in WebAssembly (in a worker; nothing leaves this tab).`;
  $('sanity-view').hidden = !r.sanity;
  if (r.sanity) {
    let [a, b] = [r.map, r.sanity.map];
    if ($('shared').checked) [a, b] = await sharedMaps([r.reduced, r.sanity.reduced], r.request.post);
    if (state.result !== r) return; // a newer map arrived meanwhile and drew itself
    paintMap($('sanity-trained'), a, side, cmap, signed);
    paintMap($('sanity-random'), b, side, cmap, signed);
    const depth = r.request.sanityDepth;
    $('sanity-caption').textContent = `Randomized ${['', 'fc2', 'fc2 + fc1', 'fc2, fc1, conv2', 'all layers'][depth]}`;
    $('sanity-note').textContent = `Spearman rank correlation with the trained model's map: ${spearman(r.reduced, r.sanity.reduced).toFixed(2)}. A method that explains what the network learned should change a lot.`;
  }
}

function runCompare() {
  const input = state.input;
  const info = state.info[state.dataset];
  if (!input || !info) return;
  $('compare-panel').hidden = false;
  const grid = $('compare-grid');
  grid.setAttribute('aria-busy', 'true');
  const options = { ...methodOptions(), target: state.result?.target ?? state.target };
  const post = postOptions();
  // Its own "latest wins" lane: while drawing, only the newest input's grid is computed.
  compareLane.submit(
    async () => {
      const results = await engine.call('compare', { dataset: state.dataset, image: input.image, options, post });
      const maps = $('shared').checked ? await sharedMaps(results.map((x) => x.reduced), post) : results.map((x) => x.map);
      return { results, maps };
    },
    ({ results, maps }) => {
      grid.removeAttribute('aria-busy');
      if (state.input !== input) return;
      grid.replaceChildren(...results.map((x, i) => {
        const fig = document.createElement('figure');
        fig.dataset.method = x.method;
        const c = document.createElement('canvas');
        c.className = 'pixelated';
        paintMap(c, maps[i], info.side, $('colormap').value, isSigned());
        const cap = document.createElement('figcaption');
        cap.textContent = `${METHOD_NAMES[x.method]} · ${x.ms.toFixed(1)} ms`;
        fig.append(c, cap);
        return fig;
      }));
    },
    (err) => {
      grid.removeAttribute('aria-busy');
      showError(`Could not compare the methods: ${err.message}`, runCompare);
    },
  );
}

// ---------- drawing pad ----------
function setupPad() {
  const pad = $('pad');
  const ctx = pad.getContext('2d', { willReadFrequently: true });
  const clear = () => { ctx.fillStyle = '#000'; ctx.fillRect(0, 0, pad.width, pad.height); };
  clear();
  let drawing = false;
  let last = null;
  let timer = null;
  const pos = (e) => {
    const rect = pad.getBoundingClientRect();
    return [(e.clientX - rect.left) * (pad.width / rect.width), (e.clientY - rect.top) * (pad.height / rect.height)];
  };
  const send = () => {
    timer = null;
    const data = ctx.getImageData(0, 0, pad.width, pad.height).data;
    const grey = greyFromRGBA(data, pad.width * pad.height);
    let image;
    if (state.dataset === 'mnist') {
      image = prepareDigit(grey, pad.width, pad.height);
      if (!image) return;
    } else {
      const small = new OffscreenCanvas(32, 32).getContext('2d');
      small.imageSmoothingQuality = 'high';
      small.drawImage(pad, 0, 0, 32, 32);
      image = rgbFromRGBA(small.getImageData(0, 0, 32, 32).data, 1024);
    }
    setInput({ image, label: null, name: 'drawing', note: 'drawn, prepared like MNIST' });
  };
  const schedule = () => { if (!timer) timer = setTimeout(send, 60); };
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
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = 18;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(...last);
    ctx.lineTo(...p);
    ctx.stroke();
    last = p;
    schedule();
  });
  const end = () => { if (drawing) { drawing = false; schedule(); } };
  pad.addEventListener('pointerup', end);
  pad.addEventListener('pointercancel', end);
  $('pad-clear').addEventListener('click', clear);
}

// ---------- upload, drop, paste ----------
async function useFile(file) {
  try {
    const { image, note } = await prepareUpload(file, state.dataset);
    hideError();
    setInput({ image, label: null, name: file.name ?? 'pasted image', note });
  } catch (err) {
    showError(`Could not use that file: ${err.message}`);
  }
}

function setupUpload() {
  $('file').addEventListener('change', (e) => { const f = e.target.files?.[0]; if (f) useFile(f); e.target.value = ''; });
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const f = e.dataTransfer?.files?.[0];
    if (f) useFile(f);
  });
  document.addEventListener('paste', (e) => {
    const item = [...(e.clipboardData?.items ?? [])].find((i) => i.kind === 'file');
    if (item) { selectTab('upload'); useFile(item.getAsFile()); }
  });
}

// ---------- tabs ----------
const TABS = ['gallery', 'draw', 'upload'];
function selectTab(name) {
  for (const t of TABS) {
    $(`tab-${t}`).setAttribute('aria-selected', String(t === name));
    $(`tab-${t}`).tabIndex = t === name ? 0 : -1;
    $(`pane-${t}`).hidden = t !== name;
  }
}
function setupTabs() {
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

// ---------- export ----------
function exportPng() {
  const r = state.result;
  const info = state.info[state.dataset];
  if (!r || !info) return;
  const scale = Math.floor(224 / info.side);
  const panel = info.side * scale;
  const m = 16;
  const out = document.createElement('canvas');
  out.width = 4 * m + 3 * panel;
  out.height = m + 36 + 20 + panel + 40;
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
    const x = m + i * (panel + m);
    ctx.fillText(['Original image', 'Saliency map', 'Overlay'][i], x + panel / 2, m + 48);
    ctx.drawImage($(id), x, m + 56, panel, panel);
  });
  const y = m + 56 + panel + 12;
  ctx.drawImage($('colorbar'), m + panel + m, y, panel, 12);
  ctx.textAlign = 'left';
  ctx.fillText(`${METHOD_NAMES[r.request.options.method]} · ${$('cb-min').textContent} … 1`, m, y + 11);
  out.toBlob((blob) => {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `saliency-${state.dataset}-${r.request.options.method}-${info.classNames[r.target]}.png`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  }, 'image/png');
}

// ---------- wiring ----------
async function main() {
  await loadColormaps();
  const methods = ['vanilla', 'guided', 'deconvnet', 'gradxinput', 'smoothgrad', 'ig', 'gradcam', 'guided-gradcam', 'occlusion'];
  for (const id of ['method', 'base']) {
    for (const m of methods) {
      if (id === 'base' && m === 'smoothgrad') continue;
      $(id).append(new Option(METHOD_NAMES[m], m));
    }
  }
  setupTabs();
  setupPad();
  setupUpload();
  showMethodParams();
  const rerun = () => { showMethodParams(); update(); };
  // Signed maps read best on a diverging scale (zero in the middle); switch with the sign view.
  $('sign').addEventListener('change', () => {
    const signed = isSigned();
    if (signed && $('colormap').value !== 'diverging') $('colormap').value = 'diverging';
    if (!signed && $('colormap').value === 'diverging') $('colormap').value = 'viridis';
  });
  for (const id of ['method', 'base', 'samples', 'noise', 'steps', 'patch', 'stride', 'sign', 'reduce', 'normalize', 'sanity', 'depth']) {
    $(id).addEventListener('change', rerun);
  }
  for (const id of ['colormap', 'opacity', 'shared']) {
    $(id).addEventListener(id === 'opacity' ? 'input' : 'change', () => { render(); if (!$('compare-panel').hidden && id !== 'opacity') runCompare(); });
  }
  $('controls').addEventListener('submit', (e) => e.preventDefault());
  $('compare').addEventListener('click', runCompare);
  $('export').addEventListener('click', exportPng);
  for (const radio of document.querySelectorAll('input[name="dataset"]')) {
    radio.addEventListener('change', () => radio.checked && switchDataset(radio.value));
  }
  await switchDataset(document.querySelector('input[name="dataset"]:checked').value);
}

main().catch((err) => showError(`The app could not start: ${err.message}`, () => location.reload()));
