// What the page is showing, shared by its modules, and its one handle on the computation worker.
import { Engine, LatestLane } from './engine.js';
import { Pool } from './pool.js';
import { setStatus } from './ui.js';

export const state = {
  dataset: 'mnist', // what the inputs are shaped for
  model: 'mnist', // which network explains them: 'mnist', 'cifar10', 'custom' (a visitor's weights) or 'onnx' (their model)
  custom: null, // {name, dataset} of a visitor's weights once loaded
  own: null, // {name, files, gallery} of a visitor's ONNX model ('onnx') once loaded
  registry: [], // the methods, from Rust (registry())
  datasets: {}, // id -> {title, side, channels, classNames}, from Rust (datasets())
  info: {}, // model key -> model info once its weights are loaded
  galleryMeta: {}, // dataset -> promise of the gallery's description (with its first image)
  gallery: {}, // dataset -> {meta, pixels} once the whole gallery has downloaded
  input: null, // {image: Float32Array, label: number|null, name, note}
  target: null, // null = the predicted class
  result: null,
};

const onRestart = (alive) => {
  // Models live in the worker; a fresh worker fetches them again on its first request.
  setStatus(alive
    ? 'The computation worker was restarted after an error; models reload on demand.'
    : 'The computation worker could not start; Retry tries again.');
};
export const engine = new Engine(onRestart);

/** The engine and, from the first job that can share its work, one more worker per core. */
export const pool = new Pool([engine], { size: navigator.hardwareConcurrency || 2, onRestart });

/** The main map's lane and the compare grid's: each runs only its newest request. */
export const lane = new LatestLane();
export const compareLane = new LatestLane();

/** The {width, height, channels} inputs are prepared for: the model's, or while its weights
 * download, its data set's. */
export function inputShape() {
  const info = state.info[state.model];
  if (info) return info;
  const d = state.datasets[state.dataset];
  return d && { width: d.side, height: d.side, channels: d.channels };
}

export const title = (dataset) => state.datasets[dataset]?.title ?? dataset;
/** What the figures call the network shown: the data set's title, or the visitor's model file. */
export const modelTitle = () => (state.model === 'onnx' ? `“${state.own?.name}”` : title(state.dataset));
export const methodName = (id) => state.registry.find((m) => m.id === id)?.name ?? id;
