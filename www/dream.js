// "What does the model think a 3 looks like?": activation maximisation in the worker, drawn as
// the image forms, with a stop button.
import { paintImage } from './colormap.js';
import { engine, state } from './state.js';
import { $, showError } from './ui.js';

// The last dream of each model and class, shown again when that class is picked.
const lastDreams = new Map();
const dreamKey = (model, cls) => `${model}:${cls}`;

/** Forgets the dreams of a model whose weights were replaced (a visitor's new file). */
export function forgetDreams(model) {
  for (const k of [...lastDreams.keys()]) if (k.startsWith(`${model}:`)) lastDreams.delete(k);
}

/** Fills the class menu for the model now shown (its class names come from Rust) and shows the
 * chosen class's last dream, or the seeded noise a dream of it would start from. */
export function refreshDream() {
  const info = state.info[state.model];
  if (!info) return;
  const keep = $('dream-class').value;
  $('dream-class').replaceChildren(...info.classNames.map((name, c) => new Option(name, String(c))));
  $('dream-class').value = keep && Number(keep) < info.classNames.length ? keep : '3';
  const c = $('dream-canvas');
  c.width = info.width;
  c.height = info.height;
  showStart();
}

function describe(name, { step, probability, stopped }) {
  const where = step === 0 ? 'Step 0, the seeded starting noise' : `Step ${step}`;
  return `${where}: the model gives “${name}” ${(probability * 100).toFixed(1)} %.${stopped ? ' (stopped)' : ''}${step === 0 ? ' Press Dream to climb its logit.' : ''}`;
}

async function showStart() {
  const model = state.model;
  const info = state.info[model];
  const cls = Number($('dream-class').value);
  if (!info || !Number.isInteger(cls)) return;
  let shown = lastDreams.get(dreamKey(model, cls));
  if (!shown) {
    try {
      shown = await engine.call('dreamStart', { dataset: model, options: { class: cls, seed: 0 } });
    } catch (err) {
      $('dream-status').textContent = `Could not draw the starting noise: ${err.message}`;
      return;
    }
  }
  if (state.model !== model || Number($('dream-class').value) !== cls || $('dream-start').disabled) return;
  paintImage($('dream-canvas'), shown.image, info);
  $('dream-status').textContent = describe(info.classNames[cls], shown);
}

export function setupDream() {
  const start = $('dream-start');
  const stop = $('dream-stop');
  const status = $('dream-status');
  start.addEventListener('click', async () => {
    const info = state.info[state.model];
    if (!info) return;
    const model = state.model;
    const cls = Number($('dream-class').value);
    const name = info.classNames[cls];
    start.disabled = true;
    stop.disabled = false;
    status.textContent = 'Dreaming…';
    const show = (r) => {
      if (state.model !== model) return;
      paintImage($('dream-canvas'), r.image, info);
      status.textContent = describe(name, r);
    };
    try {
      const r = await engine.call('dream', { dataset: model, options: { class: cls, seed: 0 } }, show);
      lastDreams.set(dreamKey(model, cls), r);
      show(r);
    } catch (err) {
      showError(`Could not dream: ${err.message}`);
      status.textContent = '';
    } finally {
      start.disabled = false;
      stop.disabled = true;
    }
  });
  stop.addEventListener('click', () => engine.call('stopDream'));
  $('dream-class').addEventListener('change', () => { if (!start.disabled) showStart(); });
}
