// Inside the network: every node's output for the current input and the gradient of the target
// logit arriving at it (one forward and one backward pass in the worker: the engine's trace), as
// a strip of channel grids and bar charts; a slider walks the backward pass from the output to
// the input; a node's channels ranked by their Grad-CAM contribution, one enlarged over the input,
// and its filter dream. Follows the input live (while drawing too) when open.
import { channelRanges, paintBars, paintGrid, paintImage } from './colormap.js';
import { LatestLane } from './engine.js';
import { engine, inputShape, state } from './state.js';
import { $ } from './ui.js';

const lane = new LatestLane();
let shown = null; // {trace, input, model, rule} on screen
let selected = null; // {node: index, channel} picked by click or keyboard

/** Columns of a node's channel grid: about square, at most 16. */
const columns = (c) => Math.min(16, Math.max(1, Math.ceil(Math.sqrt(c))));
const isMap = (n) => n.shape.length === 3;
const fmt = (v) => (Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(2) : v.toFixed(3));

function range(a) {
  let lo = Infinity, hi = -Infinity;
  for (const v of a) { if (v < lo) lo = v; if (v > hi) hi = v; }
  return [lo, hi];
}

export const insideOpen = () => $('inside').open;

/** Asks for the trace of the input shown now (if the panel is open); the newest request wins. */
export function refreshInside() {
  const input = state.input;
  const model = state.model;
  if (!insideOpen() || !input || !state.info[model]) return;
  const rule = $('inside-rule').value;
  const target = state.result?.target ?? state.target;
  lane.submit(
    async () => {
      const t0 = performance.now();
      const trace = await engine.call('layerTrace', { dataset: model, image: input.image, options: { target, method: rule } });
      return { trace, ms: performance.now() - t0 };
    },
    ({ trace, ms }) => {
      if (state.input !== input || state.model !== model) return;
      shown = { trace, input, model, rule };
      const t0 = performance.now();
      draw();
      $('inside-status').textContent = `${trace.nodes.length} nodes for class ${state.info[model].classNames[trace.target]}: traced in ${ms.toFixed(1)} ms (request to answer), drawn in ${(performance.now() - t0).toFixed(1)} ms.`;
      if (selected) showFilters();
    },
    (err) => { $('inside-status').textContent = `Could not trace the network: ${err.message}`; },
  );
}

/** The backward slider's position: how many nodes (from the output) the gradient has reached. */
const reached = () => Number($('inside-step').value);

function draw() {
  const { trace } = shown;
  const view = $('inside-view').value; // 'output' | 'gradient'
  const shared = $('inside-shared').checked;
  const n = trace.nodes.length;
  const step = $('inside-step');
  step.max = String(n);
  if (Number(step.value) > n) step.value = String(n);
  $('inside-step-row').hidden = view !== 'gradient';
  const k = reached();
  $('inside-step-out').textContent = k === 0 ? 'not started' : `at ${trace.nodes[n - k].name}`;
  const card = state.info[shown.model].card;
  const strip = $('inside-strip');
  // One row per node, made once per model and reused while the input changes.
  if (strip.dataset.model !== `${shown.model}:${n}`) {
    strip.replaceChildren(...trace.nodes.map((node, i) => nodeRow(node, i, card?.nodes[i]?.inputs ?? [], i ? trace.nodes[i - 1].name : 'input')));
    strip.dataset.model = `${shown.model}:${n}`;
  }
  trace.nodes.forEach((node, i) => {
    const row = strip.children[i];
    const values = view === 'gradient' ? node.gradient : node.output;
    const dim = view === 'gradient' && i < n - k;
    const [lo, hi] = range(values);
    const canvas = row.querySelector('canvas');
    const signed = view === 'gradient';
    if (isMap(node)) {
      const [c, h, w] = node.shape;
      const ranges = channelRanges(values, c, h * w, { shared, signed });
      paintGrid(canvas, values, { c, h, w, cols: columns(c), ranges, cmap: signed ? 'diverging' : 'viridis', dim });
      canvas.style.width = `${canvas.width * Math.max(1, Math.round(52 / Math.max(w, h)))}px`;
    } else {
      paintBars(canvas, values, { signed, dim });
      canvas.style.width = `${canvas.width}px`;
    }
    const what = view === 'gradient' ? (dim ? 'gradient (not reached yet)' : 'gradient of the target logit') : 'output';
    row.querySelector('.range').textContent = `${what}: ${fmt(lo)} … ${fmt(hi)}`;
    const top = isMap(node) && !dim ? `; strongest channels ${strongest(values, node.shape).join(', ')}` : '';
    canvas.setAttribute('aria-label', `${node.name}, ${node.op}, ${node.shape.join(' × ')}: ${what} from ${fmt(lo)} to ${fmt(hi)}${top}${isMap(node) ? `; ${node.shape[0]} channels, arrow keys move between them, Enter enlarges` : ''}`);
    row.classList.toggle('selected', selected?.node === i);
  });
}

/** The three channels with the largest mean magnitude: what a text alternative names. */
function strongest(values, [c, h, w]) {
  const per = h * w;
  const mean = Array.from({ length: c }, (_, k) => {
    let sum = 0;
    for (let i = k * per; i < (k + 1) * per; i++) sum += Math.abs(values[i]);
    return [sum / per, k];
  });
  return mean.sort((a, b) => b[0] - a[0] || a[1] - b[1]).slice(0, 3).map(([, k]) => k);
}

/** A node's row: its name, op, shape, what it reads when that is not the node before it (a
 * residual branch joining), the value range, and its canvas. */
function nodeRow(node, i, inputs, previous) {
  const row = document.createElement('div');
  row.className = 'node-row';
  row.dataset.node = node.name;
  const head = document.createElement('p');
  head.className = 'node-head';
  const name = document.createElement('strong');
  name.textContent = node.name;
  const branch = inputs.length > 1 || (inputs.length === 1 && inputs[0] !== previous);
  head.append(name, ` ${node.op} · ${node.shape.join(' × ')}${branch ? ` · ← ${inputs.join(' + ')}` : ''} · `);
  const r = document.createElement('span');
  r.className = 'range';
  head.append(r);
  const canvas = document.createElement('canvas');
  canvas.className = 'pixelated node-canvas';
  canvas.tabIndex = 0;
  canvas.setAttribute('role', 'img');
  canvas.addEventListener('pointermove', (e) => hover(e, i));
  canvas.addEventListener('pointerleave', () => { $('inside-hover').textContent = ' '; });
  canvas.addEventListener('click', (e) => pick(i, at(e, i)?.channel ?? 0));
  canvas.addEventListener('keydown', (e) => keys(e, i));
  // Focus lands on the node's first channel; the arrow keys move from there.
  canvas.addEventListener('focus', () => { if (shown && selected?.node !== i) pick(i, 0, false); });
  row.append(head, canvas);
  return row;
}

/** The node's value under the pointer: channel, position and value (null off the cells). */
function at(e, i) {
  const node = shown?.trace.nodes[i];
  if (!node) return null;
  const canvas = e.currentTarget;
  const rect = canvas.getBoundingClientRect();
  const px = Math.floor(((e.clientX - rect.left) / rect.width) * canvas.width);
  const py = Math.floor(((e.clientY - rect.top) / rect.height) * canvas.height);
  const values = $('inside-view').value === 'gradient' ? node.gradient : node.output;
  if (!isMap(node)) {
    // paintBars' bins: at most 256, each `per` values.
    const bins = Math.min(values.length, 256);
    const bar = Math.min(bins - 1, Math.max(0, Math.floor((px / canvas.width) * bins)));
    const index = Math.floor(bar * (values.length / bins));
    return { channel: index, text: `${node.name}[${index}] = ${fmt(values[index])}` };
  }
  const [c, h, w] = node.shape;
  const cols = columns(c);
  const col = Math.floor(px / (w + 1)), row = Math.floor(py / (h + 1));
  const x = px - col * (w + 1), y = py - row * (h + 1);
  const channel = row * cols + col;
  if (col >= cols || channel >= c || x >= w || y >= h) return null;
  return { channel, text: `${node.name} channel ${channel} (y ${y}, x ${x}) = ${fmt(values[channel * h * w + y * w + x])}` };
}

function hover(e, i) {
  const a = at(e, i);
  $('inside-hover').textContent = a ? a.text : ' ';
}

function keys(e, i) {
  const node = shown?.trace.nodes[i];
  if (!node) return;
  const c = node.shape[0];
  const cur = selected?.node === i ? selected.channel : -1;
  const cols = isMap(node) ? columns(c) : 1;
  const move = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: cols, ArrowUp: -cols }[e.key];
  if (move != null) {
    e.preventDefault();
    pick(i, Math.max(0, Math.min(c - 1, Math.max(0, cur) + move)), false);
  } else if (e.key === 'Enter' || e.key === ' ') {
    e.preventDefault();
    pick(i, Math.max(0, cur), true);
  }
}

/** Selects channel `channel` of node `i`: its value range read out, enlarged over the input,
 * and the node's channels ranked for the target. */
function pick(i, channel, enlarge = true) {
  selected = { node: i, channel };
  const node = shown.trace.nodes[i];
  const values = $('inside-view').value === 'gradient' ? node.gradient : node.output;
  if (isMap(node)) {
    const [, h, w] = node.shape;
    const [lo, hi] = range(values.subarray(channel * h * w, (channel + 1) * h * w));
    $('inside-hover').textContent = `${node.name} channel ${channel}: ${fmt(lo)} … ${fmt(hi)}`;
  } else {
    $('inside-hover').textContent = `${node.name}[${channel}] = ${fmt(values[channel])}`;
  }
  for (const [k, row] of [...$('inside-strip').children].entries()) row.classList.toggle('selected', k === i);
  if (enlarge) showFilters();
}

/** The chosen channel over the input, and the node's channels ranked by contribution. */
async function showFilters() {
  const { trace, input, model } = shown;
  const node = trace.nodes[selected.node];
  const box = $('inside-filters');
  if (!isMap(node)) { box.hidden = true; return; }
  box.hidden = false;
  const [c, h, w] = node.shape;
  const ch = Math.min(selected.channel, c - 1);
  enlarge(node, ch, input);
  $('inside-filter-title').textContent = `${node.name}, channel ${ch}`;
  const klass = state.info[model].classNames[trace.target];
  try {
    const weights = await engine.call('channelWeights', { dataset: model, image: input.image, options: { target: trace.target, layer: node.name } });
    if (shown?.input !== input) return;
    $('inside-rank-title').textContent = `Which of ${node.name}'s ${c} channels make it “${klass}”: Grad-CAM weight wₖ and contribution wₖ·mean(Aₖ), largest first`;
    const list = $('inside-rank');
    list.replaceChildren(...weights.slice(0, 8).map((x) => {
      const li = document.createElement('li');
      const b = document.createElement('button');
      b.type = 'button';
      const mini = document.createElement('canvas');
      mini.className = 'pixelated';
      const one = node.output.subarray(x.channel * h * w, (x.channel + 1) * h * w);
      paintGrid(mini, one, { c: 1, h, w, cols: 1, ranges: channelRanges(one, 1, h * w), cmap: 'viridis' });
      b.append(mini, ` channel ${x.channel}: w ${fmt(x.weight)}, contribution ${fmt(x.contribution)}`);
      b.addEventListener('click', () => pick(selected.node, x.channel));
      li.append(b);
      return li;
    }));
  } catch (err) {
    $('inside-rank-title').textContent = `Could not rank the channels: ${err.message}`;
  }
}

/** Channel `ch` of `node` upsampled (bilinear) over the input. */
function enlarge(node, ch, input) {
  const [, h, w] = node.shape;
  const shape = inputShape();
  const out = $('inside-enlarged');
  const scale = Math.max(1, Math.floor(168 / Math.max(shape.width, shape.height)));
  const base = document.createElement('canvas');
  paintImage(base, input.image, shape);
  const one = node.output.subarray(ch * h * w, (ch + 1) * h * w);
  const cell = document.createElement('canvas');
  paintGrid(cell, one, { c: 1, h, w, cols: 1, ranges: channelRanges(one, 1, h * w), cmap: 'viridis' });
  out.width = shape.width * scale;
  out.height = shape.height * scale;
  const ctx = out.getContext('2d');
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(base, 0, 0, out.width, out.height);
  ctx.imageSmoothingEnabled = true;
  ctx.globalAlpha = 0.65;
  ctx.drawImage(cell, 0, 0, out.width, out.height);
  ctx.globalAlpha = 1;
  out.setAttribute('aria-label', `${node.name} channel ${ch} upsampled over the input`);
}

/** The selected channel's activation maximisation: the input that excites it most. */
async function dreamFilter() {
  if (!shown || !selected) return;
  const node = shown.trace.nodes[selected.node];
  if (!isMap(node)) return;
  const status = $('inside-dream-status');
  status.textContent = 'Dreaming…';
  const shape = inputShape();
  try {
    const r = await engine.call('dream', { dataset: shown.model, options: { class: 0, layer: node.name, filter: selected.channel, seed: 0 } },
      (p) => paintImage($('inside-dream'), p.image, shape));
    paintImage($('inside-dream'), r.image, shape);
    status.textContent = `What ${node.name} channel ${selected.channel} looks for (${r.step} steps of gradient ascent on its mean activation).`;
  } catch (err) {
    status.textContent = `Could not dream: ${err.message}`;
  }
}

export function setupInside() {
  $('inside').addEventListener('toggle', () => { if (insideOpen()) refreshInside(); });
  $('inside-rule').addEventListener('change', refreshInside);
  for (const id of ['inside-view', 'inside-shared']) $(id).addEventListener('change', () => shown && draw());
  $('inside-step').addEventListener('input', () => shown && draw());
  $('inside-dream-start').addEventListener('click', dreamFilter);
}
