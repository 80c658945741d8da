// "What does the model think a 3 looks like?": activation maximisation in the worker, drawn as
// the image forms, with a stop button.
import { paintImage } from './colormap.js';
import { engine, state } from './state.js';
import { $, showError } from './ui.js';

/** Fills the class menu for the model now shown (its class names come from Rust). */
export function refreshDream() {
  const info = state.info[state.model];
  if (!info) return;
  const keep = $('dream-class').value;
  $('dream-class').replaceChildren(...info.classNames.map((name, c) => new Option(name, String(c))));
  $('dream-class').value = keep && Number(keep) < info.classNames.length ? keep : '3';
  const c = $('dream-canvas');
  c.width = c.height = info.side;
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
    const show = ({ image, step, probability }) => {
      if (state.model !== model) return;
      paintImage($('dream-canvas'), image, info.side, info.channels);
      status.textContent = `Step ${step}: the model gives “${name}” ${(probability * 100).toFixed(1)} %.`;
    };
    try {
      const r = await engine.call('dream', { dataset: model, options: { class: cls, seed: 0 } }, show);
      show(r);
      if (r.stopped) status.textContent += ' (stopped)';
    } catch (err) {
      showError(`Could not dream: ${err.message}`);
      status.textContent = '';
    } finally {
      start.disabled = false;
      stop.disabled = true;
    }
  });
  stop.addEventListener('click', () => engine.call('stopDream'));
}
