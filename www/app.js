// The page: wires inputs, controls and views together. All computation is in worker.js; the
// method menu, parameters, dataset titles and class names come from the Rust registry.
import { loadColormaps, paintImage } from './colormap.js';
import { buildControls, setLayers, methodOptions, postOptions, recomputeControls, sanityDepth, showMethodParams, isSigned } from './controls.js';
import { adaptGallery, clearGallery, firstGalleryInput, loadGallery, loadGalleryMeta, renderGallery, setupPad, setupTabs, setupUpload } from './inputs.js';
import { layerTable, ownModelLine, parseChannels, readModelFiles, sortModelFiles } from './own-model.js';
import { engine, lane, pool, state, title } from './state.js';
import { $, acceptFiles, hideError, setStatus, showError } from './ui.js';
import { drawBars, exportPng, render, runCompare, showCurves } from './views.js';
import { forgetDreams, refreshDream, setupDream } from './dream.js';
import { evalOptions, renderAgreement, renderRandomisation } from './evaluation.js';
import { setupErase } from './erase.js';
import { refreshInside, setupInside } from './inside.js';
import { setupTrain } from './train.js';
import { applyControls, copyLink, decodeState, fromBytes, markShown, syncUrl, toBytes } from './share.js';

$('error-close').addEventListener('click', hideError);

async function ensureModel(key, dataset) {
  if (state.info[key]) return state.info[key];
  setStatus(`Loading the ${title(dataset)} weights…`);
  document.body.classList.add('loading');
  try {
    const info = await engine.call('load', { dataset: key });
    state.info[key] = info;
    return info;
  } finally {
    document.body.classList.remove('loading');
  }
}

/**
 * Shows a model: the shipped MNIST or CIFAR-10 weights, or the visitor's own ('custom'); then the
 * input `pick` chooses (by default the gallery's first image).
 */
async function switchModel(key, pick = null) {
  // The data set whose gallery (resized, for a visitor's model) and titles the inputs use.
  const dataset = key === 'custom' ? state.custom.dataset : key === 'onnx' ? state.own.gallery : key;
  state.model = key;
  state.dataset = dataset;
  state.input = null;
  state.result = null;
  state.target = null;
  $('compare-panel').hidden = true;
  document.body.dataset.dataset = dataset;
  $('model-card').replaceChildren(...modelCard(key, dataset));
  $('model-card').title = $('model-card').textContent; // the whole line, where it is cut short
  showLayers(state.info[key]);
  // Another data set's thumbs would hand this model images of the wrong shape.
  if ($('gallery').dataset.dataset !== galleryId(key, dataset)) clearGallery();
  let meta;
  try {
    [, meta] = await Promise.all([ensureModel(key, dataset), loadGalleryMeta(dataset)]);
  } catch (err) {
    showError(`Could not load the ${title(dataset)} model: ${err.message}`, () => switchModel(key));
    setStatus('Model not loaded.');
    return;
  }
  if (state.model !== key) return;
  showLayers(state.info[key]);
  setLayers(state.info[key]);
  refreshDream();
  setStatus(readyText());
  if (pick) {
    // A link may name any test image, which needs the whole gallery.
    if ((await showGallery(key)) && state.model === key) pick();
    return;
  }
  // The first map: of what the visitor drew or dropped while the model loaded, else of the
  // gallery's first image (its description carries it); the gallery's images download after it.
  // A visitor's model waits for the gallery, which is resized to its input.
  const input = state.input ?? (key === 'onnx' ? null : firstGalleryInput(meta));
  if (!input) {
    if ((await showGallery(key)) && state.model === key) $('gallery').querySelector('.thumb')?.click();
    return;
  }
  const shown = nextMap();
  setInput(input);
  await shown;
  if (state.model === key) await showGallery(key);
}

const readyText = () => (state.model === 'custom' ? `Your weights (${state.custom.name}) ready.`
  : state.model === 'onnx' ? `Your model (${state.own.name}) ready.` : `${title(state.dataset)} model ready.`);

/** What the gallery element shows for model `key`: a data set's images, or them resized. */
const galleryId = (key, dataset) => {
  const info = state.info[key];
  return key === 'onnx' && info ? `${dataset}@${info.width}x${info.height}` : dataset;
};

/** Downloads (once) and shows the gallery model `key` takes its inputs from (resized to a
 * visitor's model); false if it could not, or if a newer gallery replaced it first. */
async function showGallery(key) {
  const dataset = state.dataset;
  try {
    let g = await loadGallery(dataset);
    if (key === 'onnx') {
      const own = state.own;
      own.adapted ??= adaptGallery(g, state.info.onnx, state.info.onnx.classNames);
      g = own.adapted;
    }
    // Another model's gallery is shown as it is (a link opened on it picks from it), but a gallery
    // that a newer one replaced is not picked from: whoever asked for the newer one picks from that.
    if (state.model !== key || state.dataset !== dataset) return true;
    return await renderGallery(g, setInput);
  } catch (err) {
    showError(`Could not load the test images: ${err.message}`, () => showGallery(key));
    return false;
  }
}

/** The model's layers under its card (closed until opened). */
function showLayers(info) {
  if (!info?.card) return;
  const [summary, nodes] = layerTable(info.card);
  $('model-layers-summary').textContent = summary;
  $('model-layers-body').replaceChildren(...nodes);
}

/** Waiters for the main lane's next answer (a map or an error). */
const mapWaiters = [];
const nextMap = () => new Promise((ok) => mapWaiters.push(ok));
const mapSettled = () => { for (const ok of mapWaiters.splice(0)) ok(); };

function modelCard(key, dataset) {
  if (key === 'onnx') return [`${state.own.note}${ownModelLine(state.own.name, state.info.onnx.card)}`];
  if (key === 'custom') {
    return [`Weights: your weights “${state.custom.name}” (${title(dataset)}-shaped), checked and loaded in this tab; nothing was uploaded.`];
  }
  const a = document.createElement('a');
  a.href = `pretrained/${dataset}.json`;
  a.textContent = 'model card';
  return [`Weights: the shipped ${title(dataset)} model (`, a, ').'];
}

/** A visitor's safetensors file, validated by the same loader as the CLI's --weights. */
async function useWeights(file) {
  try {
    if (file.size > 64 * 1024 * 1024) throw new Error(`the file is ${(file.size / 1048576).toFixed(0)} MB; weights of this network are under 4 MB`);
    await useWeightBytes(new Uint8Array(await file.arrayBuffer()), file.name);
  } catch (err) {
    showError(`Could not use “${file.name}” as weights: ${err.message}`);
    setStatus(readyText());
  }
}

/** Weights (safetensors bytes: a visitor's file, or trained in the Train view) as 'custom'. */
async function useWeightBytes(bytes, name) {
  setStatus(`Checking “${name}”…`);
  const info = await pool.loadWeights(bytes);
  state.custom = { name, dataset: info.dataset };
  await showLoaded('custom', info);
}

/** A model just loaded as `key` ('custom' or 'onnx'): its choice appears, checked, and it is shown. */
async function showLoaded(key, info) {
  forgetDreams(key);
  state.info[key] = info;
  hideError();
  $(`${key}-choice`).hidden = false;
  document.querySelector(`input[name="dataset"][value="${key}"]`).checked = true;
  await switchModel(key);
}

/** A visitor's ONNX model (with its .onnx.data and labels files, picked or dropped together),
 * imported in every worker; a refused file names the problem and leaves the page as it was. */
async function useModelFiles(files) {
  const names = files.map((f) => `“${f.name}”`).join(', ');
  try {
    const sorted = sortModelFiles(files);
    const mean = parseChannels($('model-mean').value, 'mean');
    const std = parseChannels($('model-std').value, 'std');
    setStatus(`Reading ${names}…`);
    const payload = await readModelFiles(sorted, mean, std);
    await loadOwnModel(sorted.model.name, payload);
  } catch (err) {
    showError(`Could not use ${names} as a model: ${err.message}`);
    setStatus(readyText());
  }
}

/** Imports a model (`payload` for the workers) and shows it. */
async function loadOwnModel(name, payload, note = '') {
  setStatus(`Importing “${name}” (the importer loads the first time)…`);
  document.body.classList.add('loading');
  let info;
  try {
    info = await pool.loadOnnx(payload);
  } finally {
    document.body.classList.remove('loading');
  }
  state.own = { name, payload, note, gallery: info.channels === 1 ? 'mnist' : 'cifar10' };
  await showLoaded('onnx', info);
}

/** The bundled example of another architecture (a residual CIFAR-10 network), loaded the way a
 * visitor's own file is; its card's test accuracy is said with it. */
async function tryExample() {
  const name = 'resnet-cifar10.onnx';
  try {
    setStatus(`Downloading the example “${name}”…`);
    const [model, card] = await Promise.all([
      fetch(`examples/${name}`).then((r) => { if (!r.ok) throw new Error(`HTTP ${r.status}`); return r.arrayBuffer(); }),
      fetch('examples/resnet-cifar10.json').then((r) => (r.ok ? r.json() : null)).catch(() => null),
    ]);
    $('model-mean').value = '';
    $('model-std').value = '';
    const note = card ? `The example ResNet (with BatchNorm): ${(card.test_accuracy * 100).toFixed(2)} % on CIFAR-10's ${card.test_images.toLocaleString('en-US')} test images. ` : '';
    await loadOwnModel(name, { model: new Uint8Array(model) }, note);
  } catch (err) {
    showError(`Could not load the example model: ${err.message}`, tryExample);
    setStatus(readyText());
  }
}

/** New mean / std for the visitor's model: imported again with them. */
async function renormalise() {
  if (!state.own) return;
  try {
    const mean = parseChannels($('model-mean').value, 'mean');
    const std = parseChannels($('model-std').value, 'std');
    await loadOwnModel(state.own.name, { ...state.own.payload, mean, std }, state.own.note);
  } catch (err) {
    showError(`Could not apply the normalisation to “${state.own.name}”: ${err.message}`);
    setStatus(readyText());
  }
}

function setInput(input, { keepTarget = false } = {}) {
  // Drawn and uploaded inputs are rounded to 8 bits, as a link carries them: a link's map is then
  // the map its sender saw, bit for bit.
  if (input.galleryIndex == null) input = { ...input, image: fromBytes(toBytes(input.image)) };
  state.input = input;
  if (!keepTarget) state.target = null;
  const info = state.info[state.model];
  if (!info) return;
  paintImage($('prepared'), input.image, info);
  $('prepared-caption').textContent = `Model input (${info.width} × ${info.height}${input.note ? `, ${input.note}` : ''})`;
  update();
}

function setTarget(c) {
  state.target = c;
  update();
}

function update() {
  const input = state.input;
  const info = state.info[state.model];
  if (!input || !info) return;
  const model = state.model;
  let options = methodOptions();
  // While the pen is down, a method that costs more than one pass is previewed by the registry's
  // first one-pass method (vanilla) on every frame; the chosen method follows when the pen lifts.
  const chosen = state.registry.find((m) => m.id === options.method);
  const preview = input.live && chosen?.passes > 1 ? state.registry.find((m) => m.passes === 1) : null;
  if (preview) options = { method: preview.id, target: options.target };
  // The curves (tens of network passes) are asked for once the map is shown, not with it.
  const extra = { sanityDepth: sanityDepth() };
  const curves = input.live ? null : evalOptions();
  const request = { dataset: model, image: input.image, options, post: postOptions(), ...extra, evaluation: curves, preview: preview ? chosen.name : null };
  const current = () => state.input === input && state.model === model && !lane.superseded;
  const show = (r) => {
    hideError();
    state.result = { ...r, input, request };
    render(setTarget);
    refreshInside();
    mapSettled();
  };
  document.body.classList.add('busy');
  $('timing').textContent = 'Computing…';
  lane.submit(
    async () => {
      const r = await pool.explain(model, input.image, options, request.post, extra);
      if (!curves || !current()) return { r };
      show(r);
      try {
        const evaluation = await engine.call('curves', { dataset: model, image: input.image, method: options.method, target: r.target, reduced: r.reduced, evaluation: curves });
        return { r, shown: true, evaluation };
      } catch (err) {
        return { r, shown: true, curvesError: err };
      }
    },
    ({ r, shown, evaluation, curvesError }) => {
      document.body.classList.remove('busy');
      if (state.input !== input || state.model !== model) return mapSettled();
      if (!shown) show(r);
      else if (curvesError) showError(`Could not compute the curves: ${curvesError.message}`, update);
      else if (state.result?.input === input) {
        state.result.evaluation = evaluation;
        showCurves(state.result);
      }
      if (input.live) return; // the pen is still down: links, grid and curves wait for the final map
      syncUrl();
      if (!$('compare-panel').hidden) runCompare();
    },
    (err) => {
      document.body.classList.remove('busy');
      $('timing').textContent = '';
      showError(`Could not compute the map: ${err.message}`, update);
      mapSettled();
    },
  );
}

/** Opens the state a link carries (see share.js); false when the fragment holds none. */
async function openLink(hash) {
  let s;
  try {
    s = decodeState(hash);
  } catch (err) {
    showError(`Could not open the link: ${err.message}`);
    return false;
  }
  if (!s) return false;
  applyControls(s, showMethodParams);
  const radio = document.querySelector(`input[name="dataset"][value="${s.dataset}"]`);
  if (radio) radio.checked = true;
  const pick = () => {
    if (s.input?.bytes) {
      setInput({ image: fromBytes(s.input.bytes), label: null, name: 'shared input', note: 'from a link' });
    } else if (s.input?.galleryIndex != null) {
      const thumb = $('gallery').querySelector(`.thumb[data-index="${s.input.galleryIndex}"]`);
      if (!thumb) showError(`Test image ${s.input.galleryIndex} is not in the bundled gallery; showing the first one.`);
      (thumb ?? $('gallery').querySelector('.thumb'))?.click();
    } else {
      $('gallery').querySelector('.thumb')?.click();
    }
    state.target = s.target;
    if (s.target != null) update();
    markShown();
  };
  if (state.model !== s.dataset || !state.input) await switchModel(s.dataset, pick);
  else if (await showGallery(state.dataset)) pick();
  if (s.q.get('cmp') === '1') runCompare();
  else $('compare-panel').hidden = true;
  return true;
}

async function main() {
  // The weights the first map needs (a link's dataset, else MNIST) download while the WASM compiles.
  const first = new URLSearchParams(location.hash.replace(/^#/, '')).get('d') ?? 'mnist';
  engine.call('prefetch', { dataset: first }).catch(() => {});
  const [, reg] = await Promise.all([loadColormaps(), engine.call('registry')]);
  state.registry = reg.methods;
  state.datasets = Object.fromEntries(reg.datasets.map((d) => [d.id, d]));
  buildControls(state.registry);
  setupTabs();
  setupPad(setInput);
  setupUpload(setInput);
  showMethodParams();
  const rerun = () => { showMethodParams(); update(); };
  // Signed maps read best on a diverging scale (zero in the middle); switch with the sign view.
  $('sign').addEventListener('change', () => {
    const signed = isSigned();
    if (signed && $('colormap').value !== 'diverging') $('colormap').value = 'diverging';
    if (!signed && $('colormap').value === 'diverging') $('colormap').value = 'viridis';
  });
  for (const el of [...recomputeControls(), $('removal')]) el.addEventListener('change', rerun);
  for (const id of ['colormap', 'opacity', 'shared']) {
    $(id).addEventListener(id === 'opacity' ? 'input' : 'change', () => {
      render(setTarget);
      syncUrl();
      if (!$('compare-panel').hidden && id !== 'opacity') runCompare();
    });
  }
  $('agree-metric').addEventListener('change', () => { renderAgreement(); syncUrl(); });
  $('agree-k').addEventListener('change', () => { runCompare(); syncUrl(); });
  for (const id of ['rand-metric', 'rand-mode']) $(id).addEventListener('change', () => { renderRandomisation(); syncUrl(); });
  $('copy-link').addEventListener('click', copyLink);
  setupErase((r) => drawBars(r, setTarget));
  // Back and forward move through the inputs (and whatever else the entry holds).
  window.addEventListener('popstate', () => openLink(location.hash));
  $('controls').addEventListener('submit', (e) => e.preventDefault());
  $('compare').addEventListener('click', () => { runCompare(); syncUrl(); });
  $('export').addEventListener('click', exportPng);
  for (const radio of document.querySelectorAll('input[name="dataset"]')) {
    radio.addEventListener('change', () => radio.checked && switchModel(radio.value));
  }
  acceptFiles($('weights-file'), $('weights-drop'), useWeights);
  acceptFiles($('model-file'), $('model-drop'), useModelFiles, { all: true });
  for (const id of ['model-mean', 'model-std']) $(id).addEventListener('change', renormalise);
  $('try-example').addEventListener('click', tryExample);
  setupDream();
  setupInside();
  setupTrain(async (bytes, name) => {
    try {
      await useWeightBytes(bytes, name);
    } catch (err) {
      showError(`Could not use the trained weights: ${err.message}`);
      setStatus(readyText());
    }
  });
  if (!(await openLink(location.hash))) await switchModel(document.querySelector('input[name="dataset"]:checked').value);
  registerOffline();
}

/** Keeps the page working offline after this visit (sw.js caches the build); registered after the
 * first map so its downloads never compete with it. */
function registerOffline() {
  const sw = navigator.serviceWorker;
  if (!sw) return;
  const updating = Boolean(sw.controller);
  sw.addEventListener('controllerchange', () => {
    if (updating) setStatus('A new version of this page was installed; reload to use it.');
  });
  sw.register('sw.js').catch(() => {}); // e.g. a private window that allows none: the page works online
}

main().catch((err) => showError(`The app could not start: ${err.message}`, () => location.reload()));
