// Watch it learn: the tutorial's network trained in this tab (the graph engine's trainer, in
// Web Workers), its loss and accuracy, a film strip of six test images' maps as they form, their
// similarity to the untrained network's maps, and checkpoints a slider puts the whole page at.
//
// Every training worker holds the same run (the same images and options); each sums a contiguous
// share of a step's chunks (the nodes of the step's fixed summation tree, src/learn) and every
// worker applies all the shares' nodes, so the weights are the same for any number of workers.
import { lineChart, PALETTE } from './charts.js';
import { paintImage, paintMap } from './colormap.js';
import { isSigned, methodOptions, postOptions } from './controls.js';
import { Engine } from './engine.js';
import { state, title } from './state.js';
import { $, acceptFiles } from './ui.js';

/** A checkpoint every this many steps, at most MAX_CHECKPOINTS kept (thinned to every other). */
export const CHECKPOINT_EVERY = 50;
export const MAX_CHECKPOINTS = 24;
const STRIP = 6;
const MB = (n) => `${(n / 1048576).toFixed(1)} MB`;
const pct = (v) => `${(v * 100).toFixed(2)} %`;
const WHERE = {
  mnist: 'the four MNIST files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz from yann.lecun.com/exdb/mnist)',
  cifar10: 'CIFAR-10’s binary version (cifar-10-binary.tar.gz from cs.toronto.edu/~kriz/cifar.html, or its data_batch_1.bin … data_batch_5.bin and test_batch.bin)',
};

let workers = []; // Engines running the training
let data = null; // {dataset, train: {pixels, labels}, test?, source}
let loadingData = null; // Promise while the data downloads or is read
let run = null; // the run on screen (see start)
let onTrained = null; // (bytes, name) => the page uses these weights

const status = (text) => { $('train-status').textContent = text; };

/** The training workers, `n` of them (extra ones stop; new ones start). */
function trainers(n) {
  workers = workers.filter((e) => !e.gone);
  while (workers.length > n) workers.pop().worker.terminate();
  while (workers.length < n) workers.push(new Engine(null, { revive: false }));
  return workers;
}

/**
 * `call(engine, k, n)` on each of the run's `n` workers. A worker that died (its Engine restarted,
 * its copy of the run gone) leaves the run; with `again`, the call is made again on the others —
 * the same answer, as a step's sum does not depend on how its chunks are shared out.
 */
async function onEvery(r, call, again = true) {
  for (;;) {
    const n = r.engines.length;
    const results = await Promise.allSettled(r.engines.map((e, k) => call(e, k, n)));
    const died = r.engines.filter((e, k) => results[k].reason?.workerLost);
    if (died.length) leave(r, died, results.find((x) => x.reason?.workerLost).reason);
    const failed = results.find((x) => x.status === 'rejected' && !x.reason.workerLost);
    if (failed) throw failed.reason;
    if (!died.length || !again) return results.filter((x) => x.status === 'fulfilled').map((x) => x.value);
  }
}

/** `call(engine)` on the run's first worker (another if that one dies). */
async function onFirst(r, call) {
  for (;;) {
    try {
      return await call(r.engines[0]);
    } catch (err) {
      if (!err.workerLost) throw err;
      leave(r, [r.engines[0]], err);
    }
  }
}

/** Takes workers that died out of the run; the run fails when none is left. */
function leave(r, gone, why) {
  for (const e of gone) e.worker.terminate();
  r.engines = r.engines.filter((e) => !gone.includes(e));
  workers = workers.filter((e) => !gone.includes(e));
  if (!r.engines.length) throw new Error(`every training worker stopped (the last: ${why.message}); the weights since the last checkpoint were only in them`);
  r.lost = { step: r.step, count: (r.lost?.count ?? 0) + gone.length, why: why.message };
}

/** What the status says about workers that died, if any did. */
const lostNote = (r) => (r.lost ? ` ${r.lost.count} of ${r.settings.workers} workers stopped (last at step ${r.lost.step}: ${r.lost.why}); the ${r.engines.length} left went on with the same weights.` : '');

/** Which data set Train trains: the shown one's (a visitor's ONNX model: the tutorial's MNIST). */
const wantedDataset = () => $('train-dataset').value;
let picked = false; // the visitor chose the Train view's data set

/** The official files of `dataset` from this site (build-web.sh copies them in), with progress;
 * null if the site has none, 'changed' if another data set was picked while they downloaded. */
async function fetchSiteData(dataset) {
  const res = await fetch('data/index.json').catch(() => null);
  const list = res?.ok ? (await res.json())[dataset] ?? [] : [];
  if (!list.length) return null;
  const total = list.reduce((s, f) => s + f.bytes, 0);
  let done = 0;
  const bar = $('train-progress');
  bar.hidden = false;
  bar.max = total;
  const files = [];
  for (const f of list) {
    const r = await fetch(f.path);
    if (!r.ok) throw new Error(`could not download ${f.path} (HTTP ${r.status})`);
    const parts = [];
    const reader = r.body.getReader();
    for (;;) {
      const { done: end, value } = await reader.read();
      if (end) break;
      // The visitor picked another data set meanwhile: this download gives way to that one.
      if (wantedDataset() !== dataset) {
        await reader.cancel();
        return 'changed';
      }
      parts.push(value);
      done += value.length;
      bar.value = done;
      status(`Downloading the ${title(dataset)} training data: ${MB(done)} of ${MB(total)}…`);
    }
    files.push({ name: f.path.split('/').pop(), bytes: new Uint8Array(await new Blob(parts).arrayBuffer()) });
  }
  return files;
}

/** Reads `files` ([{name, bytes}]) in a training worker; the sets become the Train view's data.
 * `asked`: the data set a download was for; if the visitor picked another one meanwhile, these are
 * dropped (and the picker is not turned back) so that one loads next. */
async function readData(files, source, asked = null) {
  status(`Reading ${files.length} file${files.length > 1 ? 's' : ''}…`);
  const found = await trainers(Math.max(1, workers.length))[0].call('trainFiles', { files });
  if (asked && wantedDataset() !== asked) return;
  if (!found.train) throw new Error(`no training set among ${files.map((f) => `“${f.name}”`).join(', ')}: Train needs ${WHERE[found.dataset]}`);
  data = { ...found, source };
  $('train-dataset').value = found.dataset;
  const count = found.train.labels.length;
  $('train-images').max = count;
  $('train-images').value = Math.min(Number($('train-images').value) || count, count);
  status(`${title(found.dataset)}: ${count.toLocaleString('en-US')} training images${found.test ? ` and ${found.test.labels.length.toLocaleString('en-US')} test images` : ' (no test set: accuracy is measured on the gallery images)'} ${source}. Press Train.`);
  $('train-start').disabled = false;
}

/** Downloads the shown data set's training data the first time Train is opened. */
export async function ensureData() {
  const dataset = wantedDataset();
  // Another data set asked for while one downloads: its turn comes when that one is done.
  if (loadingData) return loadingData.then(() => ensureData());
  if (data?.dataset === dataset) return null;
  $('train-start').disabled = true;
  loadingData = (async () => {
    try {
      const files = await fetchSiteData(dataset);
      if (files === 'changed') return;
      if (!files) {
        status(`This site has no ${title(dataset)} training data. Pick or drop ${WHERE[dataset]}; nothing is uploaded.`);
        return;
      }
      if (wantedDataset() !== dataset) return;
      await readData(files, 'downloaded from this site', dataset);
    } catch (err) {
      status(`Could not get the training data: ${err.message}. Pick or drop ${WHERE[dataset]}.`);
    } finally {
      $('train-progress').hidden = true;
      loadingData = null;
    }
  })();
  return loadingData;
}

async function useFiles(list) {
  if (run?.active) { status('Stop the training before giving other data.'); return; }
  try {
    const files = await Promise.all(list.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
    await readData(files, `from ${list.length > 1 ? 'the files' : 'the file'} you gave (read in this tab)`);
  } catch (err) {
    status(`Could not use those files: ${err.message}`);
  }
}

/** The settings typed in, checked; throws an Error naming the field. */
function settings() {
  const number = (id, what, ok) => {
    const v = Number($(id).value);
    if (!Number.isFinite(v) || !ok(v)) throw new Error(`${what}: “${$(id).value}” is not allowed`);
    return v;
  };
  const count = data.train.labels.length;
  return {
    images: number('train-images', `Images (2 to ${count})`, (v) => Number.isInteger(v) && v >= 2 && v <= count),
    epochs: number('train-epochs', 'Epochs (1 to 25)', (v) => Number.isInteger(v) && v >= 1 && v <= 25),
    every: number('train-every', 'Film strip every (1 to 1000 steps)', (v) => Number.isInteger(v) && v >= 1 && v <= 1000),
    workers: number('train-workers', 'Workers', (v) => [1, 2, 4].includes(v)),
    // Batch size and validation split: the tutorial's, from the Rust defaults (learn::Settings).
    options: {
      learningRate: number('train-lr', 'Learning rate (a positive number)', (v) => v > 0),
      seed: number('train-seed', 'Seed (a whole number ≥ 0)', (v) => Number.isInteger(v) && v >= 0),
    },
  };
}

/** Six gallery images of different classes where there are enough, else the first six. */
function stripIndices(meta) {
  const picked = [];
  for (let i = 0; i < meta.count && picked.length < STRIP; i++) {
    if (!picked.some((j) => meta.labels[j] === meta.labels[i])) picked.push(i);
  }
  for (let i = 0; picked.length < STRIP && i < meta.count; i++) if (!picked.includes(i)) picked.push(i);
  return picked;
}

export async function start() {
  if (run?.active || !data) return;
  let s;
  try {
    s = settings();
  } catch (err) {
    status(err.message);
    return;
  }
  const dataset = data.dataset;
  const per = data.train.pixels.length / data.train.labels.length;
  const pixels = data.train.pixels.subarray(0, s.images * per);
  const labels = data.train.labels.subarray(0, s.images);
  const engines = trainers(s.workers);
  run = {
    dataset, settings: s, engines: [...engines], active: true, paused: false, stop: false, resume: null, step: 0, epoch: 0,
    steps: [], epochs: [], checkpoints: [], reference: null, frames: new Map(), strip: [], ms: 0, images: 0,
    phases: { gradients: 0, update: 0 },
  };
  const mine = run;
  setButtons();
  status(`Starting ${s.workers} worker${s.workers > 1 ? 's' : ''} on ${s.images.toLocaleString('en-US')} ${title(dataset)} images…`);
  try {
    const [info] = await onEvery(mine, (e) => e.call('trainStart', { dataset, pixels, labels, test: data.test, options: s.options }));
    Object.assign(mine, info);
    const meta = await fetch(`gallery/${dataset}.json`).then((r) => r.json());
    mine.galleryMeta = meta;
    mine.strip = stripIndices(meta);
    await filmStrip(mine);
    await checkpoint(mine);
    draw(mine);
    await loop(mine);
  } catch (err) {
    mine.error = err.message;
  }
  await finish(mine);
}

/** Steps until the epochs are done, Stop is pressed or a step fails. */
async function loop(r) {
  while (!r.stop && r.epoch < r.settings.epochs) {
    if (r.paused) {
      status(`Paused at step ${r.step}.`);
      await new Promise((ok) => { r.resume = ok; });
      continue;
    }
    const t0 = performance.now();
    const parts = (await onEvery(r, (e, k, n) => e.call('trainShare', {
      lo: Math.floor((r.chunks * k) / n), hi: Math.floor((r.chunks * (k + 1)) / n),
    }))).flat();
    // Stop in the middle of a step drops its parts: every worker stays at the last whole step.
    if (r.stop) break;
    const t1 = performance.now();
    const count = parts.reduce((a, p) => a + p.count, 0);
    // Not again: the workers that answered have taken the step.
    const [next] = await onEvery(r, (e) => e.call('trainApply', { parts }), false);
    const ms = performance.now() - t0;
    r.phases.gradients += t1 - t0; r.phases.update += performance.now() - t1;
    r.ms += ms;
    r.images += count;
    r.chunks = next.chunks;
    r.step = next.log.step;
    r.steps.push(next.log);
    if (next.epoch > r.epoch) {
      r.epoch = next.epoch;
      const val = await metrics(r, 'validation');
      const mine = r.steps.filter((l) => l.epoch === r.epoch - 1);
      const mean = (k) => mine.reduce((a, l) => a + l[k], 0) / mine.length;
      r.epochs.push({ epoch: r.epoch, loss: mean('loss'), accuracy: mean('accuracy'), valLoss: val.loss, valAccuracy: val.accuracy, step: r.step });
    }
    // Checkpoint steps get a frame too, so the slider shows the maps of the weights it puts back.
    if (r.step % r.settings.every === 0 || r.step % CHECKPOINT_EVERY === 0) await filmStrip(r);
    if (r.step % CHECKPOINT_EVERY === 0) await checkpoint(r);
    draw(r);
    status(`Step ${r.step} (epoch ${r.epoch + (r.epoch < r.settings.epochs ? 1 : 0)} of ${r.settings.epochs}, ${r.stepsPerEpoch} steps each): loss ${next.log.loss.toFixed(3)}, batch accuracy ${pct(next.log.accuracy)}; ${Math.round(count / (ms / 1000))} images/s on ${r.engines.length} worker${r.engines.length > 1 ? 's' : ''}.${lostNote(r)}`);
  }
}

/** Loss and accuracy over the held-out images (or the test set), shared by the workers. */
async function metrics(r, which) {
  const parts = await onEvery(r, (e, part, n) => e.call('trainMetrics', { which, part, parts: n }));
  const n = parts.reduce((a, p) => a + p.count, 0) || 1;
  return {
    loss: parts.reduce((a, p) => a + p.loss * p.count, 0) / n,
    accuracy: parts.reduce((a, p) => a + p.accuracy * p.count, 0) / n,
    count: n,
  };
}

/** The film strip's maps at this step (the method and view chosen in panel 3). */
async function filmStrip(r) {
  let frame;
  try {
    frame = await onFirst(r, (e) => e.call('trainMaps', { indices: r.strip, options: methodOptions(), post: postOptions(), reference: r.reference }));
  } catch (err) {
    // A method the tutorial's network cannot run (a layer of another model): training goes on.
    $('train-strip-title').textContent = `No film strip at step ${r.step}: ${err.message}`;
    if (!r.engines.length || r.stop) throw err;
    return;
  }
  r.reference ??= frame.map((m) => m.absolute);
  const similarity = frame.reduce((a, m) => a + m.similarity, 0) / frame.length;
  r.frames.set(r.step, { step: r.step, maps: frame, similarity });
  // Frames between checkpoints are only for the live strip and the similarity curve.
  for (const k of r.frames.keys()) if (k !== r.step && k % CHECKPOINT_EVERY !== 0) r.frames.get(k).maps = null;
  showFrame(r, r.step);
}

/** Keeps the weights of this step; past MAX_CHECKPOINTS, every other one goes (first and last stay). */
async function checkpoint(r) {
  if (r.checkpoints.at(-1)?.step === r.step) return;
  const bytes = await onFirst(r, (e) => e.call('trainWeights'));
  r.checkpoints.push({ step: r.step, epoch: r.epoch, bytes });
  if (r.checkpoints.length > MAX_CHECKPOINTS) {
    r.checkpoints = r.checkpoints.filter((c, i, all) => i % 2 === 0 || i === all.length - 1);
  }
  const slider = $('train-checkpoint');
  slider.max = r.checkpoints.length - 1;
  slider.value = slider.max;
  slider.disabled = r.checkpoints.length < 2;
  checkpointLabel(r);
}

function checkpointLabel(r) {
  const c = r.checkpoints[Number($('train-checkpoint').value)];
  $('train-checkpoint-out').textContent = c ? `step ${c.step} of ${r.step}` : '';
}

/** Ends a run (done, stopped or failed): its last weights become "your weights". */
async function finish(r) {
  // Until the last step is kept, scored and handed to the page, Train stays off: a new run now
  // would queue behind this one's scoring and have the old weights put in under it.
  r.active = false;
  r.finishing = true;
  setButtons();
  try {
    await settle(r);
  } finally {
    r.finishing = false;
    setButtons();
  }
}

/** The run's end: its last step kept, scored and used; nothing once Reset forgot it. */
async function settle(r) {
  if (run !== r) return;
  const why = r.error?.startsWith('training: ') ? `Training stopped: ${r.error.slice(10)}.`
    : r.error ? `Training stopped at step ${r.step}: ${r.error}.` : r.stop ? `Stopped at step ${r.step}.` : `Done: ${r.step} steps.`;
  if (!r.engines.length) {
    // Every worker died: what is left is the checkpoints (the last step's weights were in them).
    const last = r.checkpoints.at(-1);
    const kept = last?.step > 0;
    status(`${why}${kept ? ` The page now uses the last checkpoint, step ${last.step}; the slider has the others.` : ' No checkpoint after step 0 was kept: the page keeps its weights.'}`);
    draw(r);
    $('train-download').disabled = !r.checkpoints.length;
    if (kept) await useCheckpoint(r, r.checkpoints.length - 1);
    return;
  }
  if (r.step > 0) status(`${why} Scoring the weights…`);
  try {
    await checkpoint(r);
    if (!r.frames.has(r.step) && r.step > 0) await filmStrip(r);
  } catch { /* the workers that died took this step's weights: the checkpoints kept stay */ }
  if (run !== r) return;
  let accuracy = '';
  // No worker left (the last died while finishing): nothing to score with, nothing to use.
  const scorable = r.engines.length > 0 && r.step > 0;
  let usable = scorable;
  try {
    if (scorable && data.test) {
      const t = await metrics(r, 'test');
      r.test = t;
      // Weights that are finite but so large the logits overflow answer nothing.
      usable = Number.isFinite(t.loss);
      accuracy = usable ? ` Test accuracy ${pct(t.accuracy)} on the ${t.count.toLocaleString('en-US')} test images (loss ${t.loss.toFixed(4)}).`
        : ` The weights of step ${r.step} give no finite answer (test loss ${t.loss}): they are not used; the slider has the earlier checkpoints.`;
    } else if (scorable) {
      const g = await metrics(r, 'gallery');
      usable = Number.isFinite(g.loss);
      accuracy = ` Accuracy ${pct(g.accuracy)} on the ${g.count} gallery images (no test set given; loss ${g.loss.toFixed(4)}).`;
    }
  } catch (err) {
    accuracy = ` The test images could not be scored: ${err.message}.`;
  }
  if (run !== r) return;
  const each = (k) => (r.phases[k] / Math.max(1, r.steps.length)).toFixed(0);
  const speed = r.ms ? ` ${Math.round(r.images / (r.ms / 1000))} images/s (a step: gradients ${each('gradients')} ms, then the update ${each('update')} ms).` : '';
  status(`${why}${accuracy}${speed}${lostNote(r)}${usable ? ' These weights are now “your weights” in every view; the slider goes back to earlier checkpoints.' : ''}`);
  draw(r);
  $('train-download').disabled = !r.checkpoints.length;
  if (usable && r.checkpoints.length) await useCheckpoint(r, r.checkpoints.length - 1);
}

async function useCheckpoint(r, index) {
  const c = r.checkpoints[index];
  if (!c) return;
  showFrame(r, c.step);
  await onTrained?.(c.bytes, `trained in this tab, step ${c.step}`);
}

/** The film strip at `step` (the nearest kept frame at or before it). */
function showFrame(r, step) {
  const steps = [...r.frames.keys()].filter((k) => k <= step && r.frames.get(k).maps);
  const f = r.frames.get(Math.max(...steps));
  if (!f) return;
  const d = state.datasets[r.dataset];
  const shape = { width: d.side, height: d.side, channels: d.channels };
  const cmap = $('colormap').value;
  const figures = $('train-strip').children;
  f.maps.forEach((m, i) => {
    const fig = figures[i];
    const [input, map] = fig.querySelectorAll('canvas');
    paintImage(input, m.image, shape);
    paintMap(map, m.map, shape, cmap, isSigned());
    const names = d.classNames;
    const right = m.predicted === m.label;
    fig.querySelector('figcaption').textContent = `${names[m.label]}: says ${names[m.predicted]} ${right ? '✓' : '✗'}`;
    map.setAttribute('aria-label', `Saliency map of test image ${i + 1} (a ${names[m.label]}) at step ${f.step}`);
  });
  $('train-strip-title').textContent = `Step ${f.step}: maps of six test images (similarity to step 0: ${f.similarity.toFixed(3)})`;
}

/** The loss axis's top: a multiple of 0.4, so its four ticks are round numbers. */
const lossTop = (max) => Number((Math.ceil(max / 0.4) * 0.4).toFixed(1));

function draw(r) {
  const steps = r.steps;
  const labels = steps.map((l) => String(l.step));
  const byStep = (k) => steps.map((l) => l[k]);
  // Validation after each epoch, drawn over that epoch's steps (the running one: the last).
  const epochLine = (k) => steps.map((l) => (r.epochs[l.epoch] ?? r.epochs.at(-1))[k]);
  const validation = (k) => (r.epochs.length ? [{ values: epochLine(k), color: PALETTE[1], dashed: true }] : []);
  const maxLoss = Math.max(0.5, ...steps.map((l) => l.loss).filter(Number.isFinite));
  lineChart($('train-loss-chart'), {
    series: [{ values: byStep('loss'), color: PALETTE[0] }, ...validation('valLoss')],
    xLabels: labels, yMin: 0, yMax: lossTop(maxLoss), yTitle: 'loss', xTitle: 'step',
  });
  lineChart($('train-acc-chart'), {
    series: [{ values: byStep('accuracy'), color: PALETTE[0] }, ...validation('valAccuracy')],
    xLabels: labels, yMin: 0, yMax: 1, yTitle: 'accuracy', xTitle: 'step',
  });
  const frames = [...r.frames.values()];
  lineChart($('train-sim-chart'), {
    series: [{ values: frames.map((f) => f.similarity), color: PALETTE[4] }],
    xLabels: frames.map((f) => String(f.step)), yMin: -0.2, yMax: 1, yTitle: 'Spearman', xTitle: 'step',
  });
  const last = r.epochs.at(-1);
  $('train-epochs-table').textContent = r.epochs.map((e) => `epoch ${e.epoch}: train loss ${e.loss.toFixed(4)}, accuracy ${pct(e.accuracy)}; validation loss ${e.valLoss.toFixed(4)}, accuracy ${pct(e.valAccuracy)}`).join('\n');
  document.body.dataset.trainStep = r.step;
  if (last) document.body.dataset.trainValAccuracy = last.valAccuracy;
}

function setButtons() {
  const active = Boolean(run?.active);
  $('train-start').disabled = active || Boolean(run?.finishing) || !data;
  $('train-pause').disabled = !active;
  $('train-pause').textContent = run?.paused ? 'Resume' : 'Pause';
  $('train-stop').disabled = !active;
  $('train-reset').disabled = !run;
  for (const id of ['train-images', 'train-epochs', 'train-lr', 'train-seed', 'train-workers', 'train-dataset', 'train-files']) $(id).disabled = active;
}

function pause() {
  if (!run?.active) return;
  run.paused = !run.paused;
  if (!run.paused) { run.resume?.(); run.resume = null; }
  setButtons();
}

function stop() {
  if (!run?.active) return;
  run.stop = true;
  if (run.paused) { run.paused = false; run.resume?.(); }
  status(`Stopping at step ${run.step}…`);
}

/** Forgets the run: workers stop, curves, strip and checkpoints clear. "Your weights" stay. */
function reset() {
  if (run) { run.stop = true; run.resume?.(); }
  for (const w of workers) w.worker.terminate();
  workers = [];
  run = null;
  for (const id of ['train-loss-chart', 'train-acc-chart', 'train-sim-chart']) $(id).getContext('2d').clearRect(0, 0, $(id).width, $(id).height);
  for (const c of $('train-strip').querySelectorAll('canvas')) c.getContext('2d').clearRect(0, 0, c.width, c.height);
  for (const f of $('train-strip').querySelectorAll('figcaption')) f.textContent = '';
  $('train-strip-title').textContent = 'Maps of six test images';
  $('train-epochs-table').textContent = '';
  const slider = $('train-checkpoint');
  slider.max = 0; slider.value = 0; slider.disabled = true;
  $('train-checkpoint-out').textContent = '';
  $('train-download').disabled = true;
  delete document.body.dataset.trainStep;
  setButtons();
  status(data ? 'Reset. Press Train for a new run.' : '');
}

function download() {
  const c = run?.checkpoints[Number($('train-checkpoint').value)];
  if (!c) return;
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([c.bytes], { type: 'application/octet-stream' }));
  a.download = `${run.dataset}-trained-step-${c.step}.safetensors`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

/** Wires the Train view; `useTrained(bytes, name)` makes weights the page's "your weights". */
export function setupTrain(useTrained) {
  onTrained = useTrained;
  $('train').addEventListener('toggle', () => {
    if (!$('train').open) return;
    // The model's data set, until the visitor picks one (the toggle event can come after a pick).
    if (!run && !picked && ['mnist', 'cifar10'].includes(state.dataset) && !data) $('train-dataset').value = state.dataset;
    ensureData();
  });
  $('train-dataset').addEventListener('change', () => { picked = true; data = null; ensureData(); });
  acceptFiles($('train-files'), $('train-drop'), useFiles, { all: true });
  $('train-start').addEventListener('click', start);
  $('train-pause').addEventListener('click', pause);
  $('train-stop').addEventListener('click', stop);
  $('train-reset').addEventListener('click', reset);
  $('train-download').addEventListener('click', download);
  const slider = $('train-checkpoint');
  slider.addEventListener('input', () => { if (run) { checkpointLabel(run); showFrame(run, run.checkpoints[Number(slider.value)]?.step ?? 0); } });
  slider.addEventListener('change', () => { if (run && (!run.active || run.paused)) useCheckpoint(run, Number(slider.value)); });
  setButtons();
}
