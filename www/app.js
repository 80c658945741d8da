// The page: wires inputs, controls and views together. All computation is in worker.js; the
// method menu, parameters, dataset titles and class names come from the Rust registry.
import { loadColormaps, paintImage } from './colormap.js';
import { buildControls, methodOptions, postOptions, recomputeControls, sanityDepth, showMethodParams, isSigned } from './controls.js';
import { loadGallery, renderGallery, setupPad, setupTabs, setupUpload } from './inputs.js';
import { engine, lane, state, title } from './state.js';
import { $, hideError, setStatus, showError } from './ui.js';
import { exportPng, render, runCompare } from './views.js';

$('error-close').addEventListener('click', hideError);

async function ensureModel(dataset) {
  if (state.info[dataset]) return state.info[dataset];
  setStatus(`Loading the ${title(dataset)} weights…`);
  document.body.classList.add('loading');
  try {
    const info = await engine.call('load', { dataset });
    state.info[dataset] = info;
    return info;
  } finally {
    document.body.classList.remove('loading');
  }
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
    setStatus(`${title(dataset)} model ready.`);
    renderGallery(g, setInput);
    $('gallery').querySelector('.thumb')?.click();
  } catch (err) {
    showError(`Could not load the ${title(dataset)} model: ${err.message}`, () => switchDataset(dataset));
    setStatus('Model not loaded.');
  }
}

function setInput(input, { keepTarget = false } = {}) {
  state.input = input;
  if (!keepTarget) state.target = null;
  const info = state.info[state.dataset];
  if (!info) return;
  paintImage($('prepared'), input.image, info.side, info.channels);
  $('prepared-caption').textContent = `Model input (${info.side} × ${info.side}${input.note ? `, ${input.note}` : ''})`;
  update();
}

function setTarget(c) {
  state.target = c;
  update();
}

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
      render(setTarget);
      if (!$('compare-panel').hidden) runCompare();
    },
    (err) => {
      document.body.classList.remove('busy');
      $('timing').textContent = '';
      showError(`Could not compute the map: ${err.message}`, update);
    },
  );
}

async function main() {
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
  for (const el of recomputeControls()) el.addEventListener('change', rerun);
  for (const id of ['colormap', 'opacity', 'shared']) {
    $(id).addEventListener(id === 'opacity' ? 'input' : 'change', () => {
      render(setTarget);
      if (!$('compare-panel').hidden && id !== 'opacity') runCompare();
    });
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
