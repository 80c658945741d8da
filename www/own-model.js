// A visitor's own network: the files picked or dropped together (an ONNX model, the .onnx.data
// file its weights may be stored in, a labels file) sorted and read in this tab, their
// normalisation, and the model card the page shows. The importer itself runs in the workers.

/** Models over this size are refused (the importer refuses them too; here before reading). */
export const MAX_MODEL_BYTES = 100 * 1024 * 1024;

const MB = (n) => `${(n / 1048576).toFixed(1)} MB`;
const quoted = (files) => files.map((f) => `“${f.name}”`).join(', ');

/** The files' roles: {model, data, labels}; throws an Error naming what is missing or extra. */
export function sortModelFiles(files) {
  const by = (test) => files.filter((f) => test(f.name.toLowerCase()));
  const models = by((n) => n.endsWith('.onnx'));
  const data = by((n) => n.endsWith('.data') || n.endsWith('.onnx_data') || n.endsWith('.bin'));
  const labels = by((n) => n.endsWith('.txt') || n.endsWith('.json'));
  const other = files.filter((f) => !models.includes(f) && !data.includes(f) && !labels.includes(f));
  const expect = 'pick the .onnx file, with its .onnx.data file if its weights are stored there and, if you like, a labels file (.txt, one class a line, or a .json list)';
  if (other.length) throw new Error(`${quoted(other)} ${other.length > 1 ? 'are' : 'is'} not part of a model: ${expect}`);
  if (!models.length) throw new Error(`no .onnx file among ${quoted(files)}: ${expect}`);
  if (models.length > 1) throw new Error(`one model at a time: ${quoted(models)} are all .onnx files`);
  if (data.length > 1) throw new Error(`one weights file at a time: ${quoted(data)}`);
  if (labels.length > 1) throw new Error(`one labels file at a time: ${quoted(labels)}`);
  const total = [...models, ...data].reduce((s, f) => s + f.size, 0);
  if (total > MAX_MODEL_BYTES) throw new Error(`${quoted([...models, ...data])}: ${MB(total)}; models over ${MB(MAX_MODEL_BYTES)} are refused`);
  if (models[0].size === 0) throw new Error(`“${models[0].name}” is empty (0 bytes)`);
  return { model: models[0], data: data[0] ?? null, labels: labels[0] ?? null };
}

/**
 * Per-channel numbers typed by the visitor ("0.485, 0.456, 0.406", or one for every channel):
 * undefined when empty; throws an Error naming the field when a value is no finite number.
 */
export function parseChannels(text, what) {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  if (!parts.length) return undefined;
  const values = parts.map(Number);
  const bad = parts.find((p, i) => !Number.isFinite(values[i]));
  if (bad != null) throw new Error(`${what}: “${bad}” is not a number`);
  return values;
}

/** The worker's payload for `files` (sorted) with the normalisation `mean`, `std` (arrays or
 * undefined; one value stands for every channel). */
export async function readModelFiles({ model, data, labels }, mean, std) {
  const bytes = async (f) => (f ? new Uint8Array(await f.arrayBuffer()) : undefined);
  return { model: await bytes(model), data: await bytes(data), labels: await bytes(labels), mean, std };
}

const number = (n) => n.toLocaleString('en-US');
const flops = (n) => (n >= 1e9 ? `${(n / 1e9).toFixed(2)} GFLOP` : `${(n / 1e6).toFixed(2)} MFLOP`);

/** The model card's line for a visitor's model (`card` from the worker). */
export function ownModelLine(name, card) {
  const [h, w, c] = card.input;
  const classes = card.classes.length > 4 ? `${card.classes.slice(0, 3).join(', ')}, …` : card.classes.join(', ');
  return `Your model “${name}”: input ${w} × ${h} × ${c}, ${card.classes.length} classes (${classes}), ${number(card.parameters)} parameters, ${flops(card.flops)} per pass; read and run in this tab, nothing uploaded.`;
}

/** Any model's layers (`card` from the worker), for the card's details: how the graph was read,
 * then one row per node. Returns [summary text, nodes]. */
export function layerTable(card) {
  const notes = card.notes.map((text) => {
    const p = document.createElement('p');
    p.textContent = text;
    return p;
  });
  const table = document.createElement('table');
  table.className = 'layer-table';
  const head = table.createTHead().insertRow();
  for (const t of ['node', 'op', 'output', 'parameters', 'FLOPs']) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = t;
    head.append(th);
  }
  const body = table.createTBody();
  for (const n of card.nodes) {
    const row = body.insertRow();
    for (const v of [n.name, n.op, n.shape.join(' × '), number(n.parameters), number(n.flops)]) row.insertCell().textContent = v;
  }
  const summary = `Layers: ${card.nodes.length} nodes, ${number(card.parameters)} parameters, ${flops(card.flops)}; CAM default ${card.defaultLayer || 'none'}`;
  return [summary, [...notes, table]];
}
