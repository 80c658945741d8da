// The page's state in the URL fragment, so a link reproduces exactly what its sender saw:
// dataset, input (a test image's index, or a drawn/uploaded input as base64 of its 8-bit pixels),
// method and parameters, target, post-processing, colours and views. A new input is a new
// history entry (back/forward move through inputs); other changes replace the current one.
import { state } from './state.js';
import { $, setStatus } from './ui.js';

/** Controls saved by id (besides the method's parameters): [URL key, element id]. */
const CONTROLS = [['sign', 'sign'], ['reduce', 'reduce'], ['norm', 'normalize'], ['cmap', 'colormap'], ['op', 'opacity'],
  ['removal', 'removal'], ['agree', 'agree-metric'], ['k', 'agree-k'], ['rm', 'rand-metric'], ['rmode', 'rand-mode'], ['depth', 'depth']];
const CHECKS = [['shared', 'shared'], ['sanity', 'sanity']];

export function toBase64(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

export function fromBase64(text) {
  const b = atob(text.replaceAll('-', '+').replaceAll('_', '/'));
  return Uint8Array.from(b, (c) => c.charCodeAt(0));
}

/** 8-bit pixels: what a link carries, and what a drawn or uploaded input is rounded to. */
export const toBytes = (image) => Uint8Array.from(image, (v) => Math.round(v * 255));
export const fromBytes = (bytes) => Float32Array.from(bytes, (v) => v / 255);

/** The fragment for the current state. */
export function encodeState() {
  const q = new URLSearchParams();
  q.set('d', state.dataset);
  const input = state.input;
  if (input?.galleryIndex != null) q.set('g', String(input.galleryIndex));
  else if (input) q.set('x', toBase64(toBytes(input.image)));
  q.set('m', $('method').value);
  for (const el of document.querySelectorAll('#method-params [data-param]')) {
    if (!el.hidden) q.set(`p.${el.dataset.param}`, el.querySelector('input, select').value);
  }
  if (state.target != null) q.set('t', String(state.target));
  for (const [k, id] of CONTROLS) q.set(k, $(id).value);
  for (const [k, id] of CHECKS) if ($(id).checked) q.set(k, '1');
  if (!$('compare-panel').hidden) q.set('cmp', '1');
  return `#${q}`;
}

/** Reads a fragment: the settings to apply and the input to show (null when absent). */
export function decodeState(hash) {
  const q = new URLSearchParams(hash.replace(/^#/, ''));
  if (!q.has('d')) return null;
  const dataset = q.get('d');
  if (!state.datasets[dataset]) throw new Error(`the link names an unknown dataset “${dataset}”`);
  const info = state.datasets[dataset];
  let input = null;
  if (q.has('x')) {
    let bytes;
    try { bytes = fromBase64(q.get('x')); } catch { throw new Error('the link’s input is not valid base64'); }
    const want = info.side * info.side * info.channels;
    if (bytes.length !== want) throw new Error(`the link’s input has ${bytes.length} pixels values; a ${info.title} input has ${want}`);
    input = { bytes };
  } else if (q.has('g')) {
    const g = Number(q.get('g'));
    if (!Number.isInteger(g) || g < 0) throw new Error(`the link’s test image “${q.get('g')}” is not an index`);
    input = { galleryIndex: g };
  }
  const t = q.has('t') ? Number(q.get('t')) : null;
  if (t != null && !(Number.isInteger(t) && t >= 0 && t < 10)) throw new Error(`the link’s target “${q.get('t')}” is not a class 0..9`);
  return { dataset, input, target: t, method: q.get('m'), params: [...q].filter(([k]) => k.startsWith('p.')).map(([k, v]) => [k.slice(2), v]), q };
}

/** Sets the page's controls from a decoded state (values a control does not offer are ignored). */
export function applyControls(s, showMethodParams) {
  const set = (id, v) => {
    const el = $(id);
    if (!el || v == null) return;
    // A layer menu fills in when its model loads (controls.js setLayers), which takes it then.
    if (el.tagName === 'SELECT' && ![...el.options].some((o) => o.value === v)) {
      el.dataset.wanted = v;
      return;
    }
    el.value = v;
  };
  set('method', s.method);
  for (const [k, id] of CONTROLS) set(id, s.q.get(k));
  for (const [k, id] of CHECKS) $(id).checked = s.q.get(k) === '1';
  showMethodParams();
  for (const [key, v] of s.params) set(key, v);
  showMethodParams();
}

let shownInput = null; // the input of the current history entry

/** Writes the state into the URL: a new entry for a new input, else the same entry updated. */
/** A visitor's own weights or model never leave the tab, so no link can carry them. */
const ownNetwork = () => state.model === 'custom' || state.model === 'onnx';

export function syncUrl() {
  if (ownNetwork()) {
    $('share-link').value = '';
    return;
  }
  if (!state.input) return;
  const hash = encodeState();
  const url = `${location.pathname}${location.search}${hash}`;
  const same = shownInput === state.input || (shownInput?.drawing != null && shownInput.drawing === state.input.drawing);
  if (shownInput && !same) history.pushState(null, '', url);
  else if (location.hash !== hash) history.replaceState(null, '', url);
  shownInput = state.input;
  $('share-link').value = location.href;
}

export const markShown = () => { shownInput = state.input; };

export async function copyLink() {
  if (ownNetwork()) {
    setStatus(`A link cannot carry your ${state.model === 'onnx' ? 'model' : 'weights'}: they never leave this tab. Links open the shipped MNIST and CIFAR-10 models.`);
    return;
  }
  syncUrl();
  const url = location.href;
  $('share-link').value = url;
  try {
    await navigator.clipboard.writeText(url);
    setStatus('Link copied: it opens this input, method and settings.');
  } catch {
    $('share-link').select();
    setStatus('Select and copy the link shown next to the button.');
  }
}
