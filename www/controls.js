// The method menu and its parameter controls, built from the Rust method registry: the page
// names no method and no parameter itself. Post-processing and display controls are in index.html.
import { $ } from './ui.js';
import { state } from './state.js';

/** Builds the method menu and one control per parameter the registry marks as shown. */
export function buildControls(registry) {
  const method = $('method');
  method.replaceChildren(...registry.map((m) => new Option(m.name, m.id)));
  const root = $('method-params');
  root.replaceChildren();
  const seen = new Set();
  for (const p of registry.flatMap((m) => m.params)) {
    if (!p.shown || seen.has(p.key)) continue;
    seen.add(p.key);
    const label = document.createElement('label');
    label.dataset.param = p.key;
    label.title = p.help;
    label.append(`${p.label} `, control(p, registry));
    root.append(label);
  }
  for (const m of registry) method.querySelector(`option[value="${m.id}"]`).title = m.description;
}

function control(p, registry) {
  const k = p.kind;
  let el;
  if (k.type === 'int' || k.type === 'float') {
    el = document.createElement('input');
    el.type = 'number';
    el.min = String(k.min);
    // The page keeps sliders' worth of range; the registry's cap is for the API.
    el.max = String(Math.min(k.max, k.type === 'int' ? 1000 : k.max));
    el.step = k.type === 'int' ? '1' : String(k.step);
    el.value = String(k.default);
  } else if (k.type === 'layer') {
    // The model's layers arrive with the model (setLayers); until then, its default.
    el = document.createElement('select');
    el.dataset.layers = '';
    el.append(new Option('default', k.default));
  } else {
    el = document.createElement('select');
    const choices = k.type === 'method'
      ? registry.filter((m) => m.wrappable).map((m) => [m.id, m.name])
      : (k.choices ?? k.named).map((c) => [c, c]);
    el.append(...choices.map(([v, t]) => new Option(t, v)));
    el.value = k.default;
  }
  el.id = p.key;
  return el;
}

/** Fills every layer menu with a model's layers (`info` from the worker), keeping the choice a
 * link or the user made where the model has it, else the model's default layer. */
export function setLayers(info) {
  for (const el of document.querySelectorAll('select[data-layers]')) {
    const keep = [el.dataset.wanted, el.value].find((v) => v && info.layers.includes(v));
    el.replaceChildren(...info.layers.map((name) => new Option(name === info.defaultLayer ? `${name} (default)` : name, name)));
    el.value = keep ?? info.defaultLayer;
    delete el.dataset.wanted;
  }
  setDepths(info.randomised ?? []);
}

/** What randomising the top `d` of `layers` (top first) is called: "fc2", "fc2 + fc1",
 * "fc2, fc1, conv2", "all layers". */
export function depthName(layers, d) {
  if (d >= layers.length) return 'all layers';
  return d === 2 ? `${layers[0]} + ${layers[1]}` : layers.slice(0, d).join(', ');
}

/** The sanity check's depth menu for a model's randomised layers, keeping the depth chosen (or a
 * link's) where the model has it, else two layers. */
function setDepths(layers) {
  const el = $('depth');
  const keep = [el.dataset.wanted, el.value].map(Number).find((d) => d >= 1 && d <= layers.length);
  el.replaceChildren(...layers.map((_, i) => new Option(depthName(layers, i + 1), String(i + 1))));
  el.value = String(keep ?? Math.min(2, layers.length));
  delete el.dataset.wanted;
}

/** The methods whose parameters apply now: the chosen one and, if it wraps another, that one. */
function activeMethods() {
  const m = state.registry.find((x) => x.id === $('method').value);
  if (!m) return [];
  const wrapped = m.params.filter((p) => p.kind.type === 'method').map((p) => state.registry.find((x) => x.id === $(p.key)?.value));
  return [m, ...wrapped.filter(Boolean)];
}

export function showMethodParams() {
  const keys = new Set(activeMethods().flatMap((m) => m.params.map((p) => p.key)));
  for (const el of document.querySelectorAll('[data-param]')) el.hidden = !keys.has(el.dataset.param);
  for (const el of document.querySelectorAll('[data-for-sanity]')) el.hidden = !$('sanity').checked;
  // The sanity view opens with its box, before its maps arrive, so nothing below moves later.
  $('sanity-view').hidden = !$('sanity').checked;
}

/** The options of the chosen method as the JS API takes them (only parameters that apply). */
export function methodOptions() {
  const opts = { method: $('method').value, target: state.target };
  for (const m of activeMethods()) {
    for (const p of m.params) {
      const el = $(p.key);
      if (!el || !p.shown) continue;
      const k = p.kind;
      if (k.type === 'int' || k.type === 'float') {
        let v = Number(el.value);
        if (!Number.isFinite(v)) v = k.default;
        v = Math.min(k.max, Math.max(k.min, k.type === 'int' ? Math.round(v) : v));
        opts[p.key] = v;
      } else {
        opts[p.key] = el.value;
      }
    }
  }
  return opts;
}

export function postOptions() {
  const normalize = $('normalize').value === 'percentile' ? { kind: 'percentile', p: 99 } : { kind: 'min-max' };
  return { sign: $('sign').value, reduce: $('reduce').value, normalize };
}

export const isSigned = () => $('sign').value === 'signed';
export const sanityDepth = () => ($('sanity').checked ? Number($('depth').value) : 0);

/** Every control whose change recomputes the map. */
export function recomputeControls() {
  return [$('method'), ...document.querySelectorAll('#method-params input, #method-params select'),
    ...['sign', 'reduce', 'normalize', 'sanity', 'depth'].map($)];
}
