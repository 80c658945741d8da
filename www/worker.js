// All computation happens here, off the main thread: the page never freezes, even during
// SmoothGrad or IG. Messages: {id, type, ...} in, {id, ok, result | error} out.
import { resizeImage } from './prepare.js';
import init, { Dream, Model, agreement, datasets, lastPanic, methods, normalizeMap, rankCorrelation, reduceChannels, registry, toMap } from './pkg/saliency.js';

const ready = init(); // streaming compile of pkg/saliency_bg.wasm
const models = new Map(); // model key ('mnist', 'cifar10', 'custom' for a visitor's weights, 'onnx' for their model) -> Model
// The importer build (pkg-onnx): a second module, fetched the first time a visitor loads a model.
// Its Model and Dream belong to its own WASM memory, so a model keeps the module it came from.
let importer = null;
const libraries = new Map(); // model key -> the module its Model came from (absent: ./pkg)
function loadImporter() {
  importer ??= import('./pkg-onnx/saliency.js').then(async (lib) => { await lib.default(); return lib; });
  importer.catch(() => { importer = null; }); // a failed download is retried by the next load
  return importer;
}
const dreamOf = (key) => libraries.get(key)?.Dream ?? Dream;
const randomized = new Map(); // `${key}/${depth}` -> Model
const randomisations = new Map(); // model key -> Randomisation (the model's eight randomised copies)

const downloads = new Map(); // model key -> Promise of the shipped weights' bytes

/** The shipped weights of `key`, fetched once (a failed fetch is forgotten, so a retry refetches). */
function download(key) {
  if (!downloads.has(key)) {
    // int8: half the f16 bytes, and the very same network (see src/weights.rs).
    const bytes = fetch(`pretrained/${key}.int8.safetensors`).then(async (res) => {
      if (!res.ok) throw new Error(`could not fetch the ${key} weights (HTTP ${res.status})`);
      return new Uint8Array(await res.arrayBuffer());
    });
    bytes.catch(() => downloads.delete(key));
    downloads.set(key, bytes);
  }
  return downloads.get(key);
}

const loading = new Map(); // model key -> Promise of its Model while it loads

/** The model `key` (a shipped one is fetched); requests that arrive while it loads share the one instance. */
async function loadModel(key) {
  if (models.has(key)) return models.get(key);
  if (loading.has(key)) return loading.get(key);
  if (key === 'custom') throw new Error('no weights of your own are loaded (use "Load weights…")');
  if (key === 'onnx') throw new Error('no model of your own is loaded (use "Load model…")');
  const model = download(key).then((bytes) => {
    downloads.delete(key); // the model holds them now
    return install(key, new Model(bytes, key));
  });
  loading.set(key, model);
  model.then(() => loading.delete(key), () => loading.delete(key));
  return model;
}

/** Keeps a freshly loaded model under `key`, replacing (and freeing) what was there. */
function install(key, model) {
  model.warmUp();
  models.get(key)?.free();
  for (const [k, m] of randomized) if (k.startsWith(`${key}/`)) { m.free(); randomized.delete(k); }
  randomisations.get(key)?.free();
  randomisations.delete(key);
  chanceLines.clear();
  models.set(key, model);
  libraries.delete(key);
  return model;
}

const describe = (m) => ({
  dataset: m.dataset, side: m.side, height: m.height, width: m.width, channels: m.channels, classNames: m.classNames,
  layers: m.layers, defaultLayer: m.defaultLayer, randomised: m.randomisedLayers,
});

function randomModel(key, depth) {
  const k = `${key}/${depth}`;
  if (!randomized.has(k)) randomized.set(k, models.get(key).randomized(depth, 0n));
  return randomized.get(k);
}

const galleries = new Map(); // dataset -> Promise of {meta, pixels} of the bundled test images

let methodList = null;
/** The registry's methods, built once: every map asks. */
const methodInfo = () => (methodList ??= registry());

/** The bundled gallery of `dataset` as H x W x C images in [0, 1], one after the other, with its
 * description. */
async function gallery(dataset) {
  if (!galleries.has(dataset)) {
    const images = (async () => {
      const [meta, bin] = await Promise.all(['json', 'bin'].map(async (ext) => {
        const res = await fetch(`gallery/${dataset}.${ext}`);
        if (!res.ok) throw new Error(`could not fetch the reference images (HTTP ${res.status})`);
        return ext === 'json' ? res.json() : new Uint8Array(await res.arrayBuffer());
      }));
      return { meta, pixels: Float32Array.from(bin, (v) => v / 255) };
    })();
    images.catch(() => galleries.delete(dataset));
    galleries.set(dataset, images);
  }
  return galleries.get(dataset);
}

/** Methods that draw baselines from data (expected gradients) get the bundled gallery: a shipped
 * model its own, a visitor's model the one with its channel count, resized to its input. */
async function withReferences(model, options) {
  const info = methodInfo().find((m) => m.id === options.method);
  if (!info?.params.some((p) => p.key === 'references') || options.references) return options;
  if (model.dataset) return { ...options, references: (await gallery(model.dataset)).pixels };
  const key = `${model.channels}@${model.width}x${model.height}`;
  if (!resizedGalleries.has(key)) {
    const { meta, pixels } = await gallery(model.channels === 1 ? 'mnist' : 'cifar10');
    const per = meta.side * meta.side * meta.channels;
    const out = new Float32Array(meta.count * model.width * model.height * model.channels);
    for (let k = 0; k < meta.count; k++) {
      const image = resizeImage(pixels.subarray(k * per, (k + 1) * per), meta.side, meta.side, meta.channels, model.width, model.height);
      out.set(image, k * image.length);
    }
    resizedGalleries.set(key, out);
  }
  return { ...options, references: resizedGalleries.get(key) };
}
const resizedGalleries = new Map(); // `${channels}@${w}x${h}` -> the gallery resized

/** Raw attribution plus the reduced (pre-normalisation) and final maps. `parts` (a pool's
 * shares of a splittable method, from explainPart) are summed instead of computing the map here. */
function explainOne(model, image, options, post, parts = null) {
  const t0 = performance.now();
  const e = parts ? model.explainParts(image, options, parts) : model.explain(image, options);
  const ms = performance.now() - t0;
  const reduced = reduceChannels(e.raw, e.rawChannels, post);
  const map = toMap(e.raw, e.rawChannels, post);
  return { ...e, reduced, map, ms };
}

/** FNV-1a over an image's float bits: a key for what was computed from it. */
function imageKey(image) {
  let h = 0x811c9dc5;
  for (const v of new Uint32Array(image.buffer, image.byteOffset, image.length)) h = Math.imul(h ^ v, 0x01000193) >>> 0;
  return `${image.length}:${h.toString(16)}`;
}

// The random order's curves depend on the input, target and settings, not on the method: scored
// once and reused by every method's plot and the compare grid.
const chanceLines = new Map();

/** The deletion / insertion / LeRF curves of a map already computed (no second explanation). */
function faithfulness(key, model, image, method, target, reduced, evaluation) {
  const t0 = performance.now();
  const k = `${key}|${target}|${JSON.stringify(evaluation)}|${imageKey(image)}`;
  const cached = chanceLines.get(k);
  const e = model.evaluate(image, { method, target }, { ...evaluation, map: reduced, random: !cached });
  if (!cached) {
    if (chanceLines.size >= 64) chanceLines.clear();
    chanceLines.set(k, e.random);
  }
  return { ...e, random: cached ?? e.random, ms: performance.now() - t0 };
}

// Training (the Train view, train.js): every training worker holds the same run (same data,
// same options) and applies the same summed gradient, so their weights stay identical.
let training = null; // {lib, run: Training, dataset, pixels, labels, test}

/** Un-gzips bytes that start with the gzip magic (MNIST's official files are .gz). */
async function gunzipped(bytes) {
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

const trainingRun = () => {
  if (!training) throw new Error('no training is set up in this worker');
  return training;
};

/** The bundled gallery as labelled u8 images (Training.evaluate's input). */
async function galleryImages(dataset) {
  const { meta, pixels } = await gallery(dataset);
  return { pixels: Uint8Array.from(pixels, (v) => Math.round(v * 255)), labels: Uint8Array.from(meta.labels) };
}

/** Loss and accuracy of the current weights on the `part`-th of `parts` slices of the held-out
 * images, the test images or the gallery's, with how many images that slice has. */
async function trainMetrics(which, part, parts) {
  const { run, pixels, labels, test, dataset } = trainingRun();
  const per = pixels.length / labels.length;
  const set = which === 'test' ? test : which === 'gallery' ? await galleryImages(dataset) : null;
  const [px, lb] = set ? [set.pixels, set.labels]
    : [pixels.subarray(run.validationStart * per), labels.subarray(run.validationStart)];
  const lo = Math.floor((lb.length * part) / parts), hi = Math.floor((lb.length * (part + 1)) / parts);
  if (hi <= lo) return { loss: 0, accuracy: 0, count: 0 };
  const m = run.evaluate(px.subarray(lo * per, hi * per), lb.subarray(lo, hi));
  return { ...m, count: hi - lo };
}

let dreaming = null; // {stop: boolean} of the dream in progress
let randomising = null; // {stop: boolean} of the randomisation curves in progress

const handlers = {
  /** Activation maximisation, a few steps at a time: each chunk's image goes to the page. */
  async dream({ id, dataset, options }) {
    const model = await loadModel(dataset);
    const d = new (dreamOf(dataset))(model, options);
    const run = { stop: false };
    if (dreaming) dreaming.stop = true;
    dreaming = run;
    try {
      const probability = () => model.predict(d.image)[options.class];
      while (!d.finished && !run.stop) {
        d.advance(model, 5);
        self.postMessage({ id, progress: { image: d.image, step: d.stepsDone, probability: probability() } });
        await new Promise((r) => setTimeout(r, 0)); // lets a "stop" message in
      }
      return { image: d.image, step: d.stepsDone, probability: probability(), stopped: run.stop };
    } finally {
      d.free();
      if (dreaming === run) dreaming = null;
    }
  },
  /** The dream's seeded starting noise, before any step: what the dream panel shows until Dream. */
  async dreamStart({ dataset, options }) {
    const model = await loadModel(dataset);
    const d = new (dreamOf(dataset))(model, options);
    try {
      return { image: d.image, step: 0, probability: model.predict(d.image)[options.class] };
    } finally {
      d.free();
    }
  },
  async stopDream() {
    if (dreaming) dreaming.stop = true;
    return true;
  },
  async registry() {
    return { methods: methodInfo(), datasets: datasets() };
  },
  async load({ dataset }) {
    return describe(await loadModel(dataset));
  },
  /** A visitor's own safetensors file: checked by the same loader as the CLI's --weights. */
  async loadWeights({ bytes }) {
    return describe(install('custom', new Model(bytes)));
  },
  /** A visitor's ONNX model: its bytes, its `.data` file's (if its weights are there), a labels
   * file's, and their per-channel mean / std; checked and imported by the importer build. */
  async loadOnnx({ model, data, labels, mean, std }) {
    // Requests for the model that arrive while it loads wait for it (loadModel).
    const loaded = (async () => {
      const lib = await loadImporter();
      try {
        const classNames = labels ? lib.parseLabels(labels) : undefined;
        const m = lib.Model.fromOnnx(model, data ?? undefined, { classNames, mean, std });
        install('onnx', m);
        libraries.set('onnx', lib);
        return m;
      } catch (err) {
        // A panic in the importer leaves its instance spent: start it afresh next time.
        const panic = lib.lastPanic();
        if (panic) { importer = null; throw new Error(`internal error: ${panic}`); }
        throw err;
      }
    })();
    loading.set('onnx', loaded);
    try {
      const m = await loaded;
      return { ...describe(m), card: m.modelCard() };
    } finally {
      if (loading.get('onnx') === loaded) loading.delete('onnx');
    }
  },
  async explain({ dataset, image, options: asked, post, sanityDepth, evaluation, parts }) {
    const model = await loadModel(dataset);
    const options = await withReferences(model, asked);
    const result = explainOne(model, image, options, post, parts);
    if (evaluation) result.evaluation = faithfulness(dataset, model, image, options.method, result.target, result.reduced, evaluation);
    if (sanityDepth) {
      // Same target as the trained model's explanation, so the maps are comparable.
      const random = randomModel(dataset, sanityDepth);
      result.sanity = explainOne(random, image, { ...options, target: result.target }, post);
      result.sanity.correlation = rankCorrelation(result.reduced, result.sanity.reduced);
    }
    return result;
  },
  /** The curves of a map the page has already shown (its `reduced` map, from explain). */
  async curves({ dataset, image, method, target, reduced, evaluation }) {
    const model = await loadModel(dataset);
    return faithfulness(dataset, model, image, method, target, reduced, evaluation);
  },
  /** A pool's share of a splittable method's map (null when it does not split). */
  async explainPart({ dataset, image, options, part }) {
    const model = await loadModel(dataset);
    const t0 = performance.now();
    const raw = model.explainPart(image, await withReferences(model, options), part);
    return { raw: raw ?? null, ms: performance.now() - t0 };
  },
  /** Maps and faithfulness of some methods (all by default); the pool shares them out and asks
   * for the agreement of all the maps afterwards. */
  async compare({ dataset, image, options, post, evaluation, only }) {
    const model = await loadModel(dataset);
    const results = [];
    for (const method of only ?? methods()) {
      const r = explainOne(model, image, await withReferences(model, { ...options, method }), post);
      r.evaluation = faithfulness(dataset, model, image, method, r.target, r.reduced, evaluation);
      results.push({ method, ...r });
    }
    return { results };
  },
  async agreement({ maps, topPercent }) {
    return agreement(maps, { topPercent });
  },
  /** Randomisation curves of every method, one method at a time (each posted as it is done);
   * a newer request stops an older one between methods. */
  async randomisation({ id, dataset, image, options, post, only }) {
    const model = await loadModel(dataset);
    if (!randomisations.has(dataset)) randomisations.set(dataset, model.randomisation(0n));
    const r = randomisations.get(dataset);
    const run = { stop: false };
    if (randomising) randomising.stop = true;
    randomising = run;
    const curves = [];
    const t0 = performance.now();
    try {
      const list = only ?? methods();
      for (const method of list) {
        if (run.stop) return { curves, stopped: true };
        curves.push(r.curve(image, await withReferences(model, { ...options, method }), post));
        self.postMessage({ id, progress: { done: curves.length, total: list.length } });
        await new Promise((res) => setTimeout(res, 0)); // lets other requests in
      }
      return { curves, stopped: false, ms: performance.now() - t0 };
    } finally {
      if (randomising === run) randomising = null;
    }
  },
  /** The training and test sets among `files` ([{name, bytes}], picked or fetched). */
  async trainFiles({ files }) {
    const lib = await loadImporter();
    const raw = await Promise.all(files.map(async (f) => {
      try {
        // What arrives un-gzipped is named without its .gz, so the reader sees one name either way.
        const bytes = await gunzipped(f.bytes);
        return { name: bytes === f.bytes ? f.name : f.name.replace(/\.gz$/i, ''), bytes };
      } catch {
        throw new Error(`“${f.name}” is not valid gzip data (a broken download?)`);
      }
    }));
    return lib.readTrainingFiles(raw);
  },
  /** A fresh run from `options` (TrainOptions) on the labelled images; replaces any earlier run. */
  async trainStart({ dataset, pixels, labels, test, options }) {
    const lib = await loadImporter();
    training?.run.free();
    training = null;
    const run = new lib.Training(dataset, pixels, labels, options);
    training = { lib, run, dataset, pixels, labels, test };
    return { stepsPerEpoch: run.stepsPerEpoch, validationStart: run.validationStart, chunks: run.chunks };
  },
  /** This worker's share of the next step: the summation tree's nodes over chunks lo..hi. */
  async trainShare({ lo, hi }) {
    return trainingRun().run.shareSums(lo, hi);
  },
  /** Takes the step whose parts (every worker's share) are these; what the next step looks like. */
  async trainApply({ parts }) {
    const { run } = trainingRun();
    const log = run.applyParts(parts);
    return { log, chunks: run.chunks, epoch: run.epoch };
  },
  async trainMetrics({ which, part, parts }) {
    return trainMetrics(which, part, parts);
  },
  async trainWeights() {
    return trainingRun().run.weights();
  },
  /** Maps of some gallery images by the weights now (`method` options, `post`); with
   * `reference` (their absolute reduced maps at step 0), each map's Spearman correlation to it. */
  async trainMaps({ indices, options, post, reference }) {
    const { lib, run, dataset } = trainingRun();
    const model = new lib.Model(run.weights(), dataset);
    try {
      const { meta, pixels } = await gallery(dataset);
      const per = meta.side * meta.side * meta.channels;
      const opts = await withReferences(model, options);
      return indices.map((i, k) => {
        const image = pixels.subarray(i * per, (i + 1) * per);
        // The true class's map: where the network looks for the right answer, as it learns.
        const e = model.explain(image, { ...opts, target: meta.labels[i] });
        const absolute = lib.reduceChannels(e.raw, e.rawChannels, { ...post, sign: 'absolute' });
        return {
          image, map: lib.toMap(e.raw, e.rawChannels, post), absolute, predicted: e.predicted, label: meta.labels?.[i] ?? null,
          similarity: reference ? lib.rankCorrelation(absolute, reference[k]) : 1,
        };
      });
    } finally {
      model.free();
    }
  },
  async trainEnd() {
    training?.run.free();
    training = null;
    return true;
  },
  /** Every node's output and the target's gradient at it (one forward, one backward pass). */
  async layerTrace({ dataset, image, options }) {
    return (await loadModel(dataset)).layerTrace(image, options);
  },
  /** Each channel of a layer with its Grad-CAM weight and contribution, largest first. */
  async channelWeights({ dataset, image, options }) {
    return (await loadModel(dataset)).channelWeights(image, options);
  },
  async predict({ dataset, image }) {
    return (await loadModel(dataset)).predict(image);
  },
  async normalize({ reduced, post }) {
    return normalizeMap(reduced, post);
  },
};

self.onmessage = async ({ data }) => {
  const { id, type } = data;
  try {
    // The first weights download while the WASM module compiles.
    if (type === 'prefetch' && ['mnist', 'cifar10'].includes(data.dataset)) {
      download(data.dataset).catch(() => {}); // a failure is reported by the load that needs it
      self.postMessage({ id, ok: true, result: true });
      return;
    }
    await ready;
    // An instance that has panicked is never used again, whatever called into it.
    const earlier = lastPanic() ?? libraries.get(data.dataset)?.lastPanic();
    if (earlier) throw new WebAssembly.RuntimeError(earlier);
    const handler = handlers[type];
    if (!handler) throw new Error(`unknown request '${type}'`);
    const result = await handler(data);
    // A training share's gradients (megabytes each) move to the page instead of being copied.
    self.postMessage({ id, ok: true, result }, type === 'trainShare' ? result.map((p) => p.gradient.buffer) : []);
  } catch (err) {
    // A Rust panic surfaces as a trap ("unreachable"); report its message, and tell the page
    // this instance is spent so it starts a fresh worker.
    let panic = null;
    try { panic = lastPanic() ?? libraries.get(data.dataset)?.lastPanic(); } catch { /* the module never loaded */ }
    const message = panic ? `internal error: ${panic}` : (err?.message ?? String(err));
    self.postMessage({ id, ok: false, error: message, fatal: Boolean(panic) || err instanceof WebAssembly.RuntimeError });
  }
};
