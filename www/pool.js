// A pool of computation workers, each with its own WASM instance (no SharedArrayBuffer, so any
// static host will do). A splittable method's map (SmoothGrad's samples, IG's steps, occlusion's
// patches) is cut into PARTS fixed parts that the workers share and the first worker sums in
// order, so the map is the same for any pool size; the compare grid and the randomisation curves
// share out their methods.
//
//   const pool = await Pool.create({ size: 2 });
//   const e = await pool.explain('mnist', image, { method: 'smoothgrad', samples: 50 });
import { Engine } from './engine.js';

/** Parts per map: fixed, so the sum (and the map) does not depend on the pool size. */
export const PARTS = 8;
export const MAX_WORKERS = 8;

export class Pool {
  /**
   * `engines`: workers to start with (the page passes the one it already has); the pool grows to
   * `size` workers when it first shares work, so a page that never needs them never starts them.
   */
  constructor(engines, { size = engines.length || 1, onRestart = null } = {}) {
    this.engines = engines;
    this.wanted = Math.max(1, Math.min(MAX_WORKERS, Math.floor(size) || 1));
    this.onRestart = onRestart;
    this.setup = new Map(); // type -> payload of what every worker loads (a visitor's weights or model)
    this.registryPromise = null;
  }

  /** A pool of `size` workers (default: the machine's cores, at most 8), all started. */
  static async create({ size = navigator.hardwareConcurrency || 2, onRestart = null } = {}) {
    const pool = new Pool([], { size, onRestart });
    await pool.ready();
    return pool;
  }

  /** Starts the workers still missing (each compiles its WASM instance). */
  async ready() {
    if (this.engines.length < this.wanted) await this.grow(this.wanted);
  }

  get size() {
    return this.engines.length;
  }

  /** Adds workers up to `size` (1..8); each starts compiling its WASM instance at once. */
  async grow(size) {
    const want = Math.max(1, Math.min(MAX_WORKERS, Math.floor(size) || 1));
    const joined = [];
    while (this.engines.length < want) {
      const e = new Engine(this.onRestart);
      this.engines.push(e);
      joined.push(...[...this.setup].map(([type, payload]) => e.remember(type, payload)), e.call('registry'));
    }
    await Promise.all(joined);
  }

  async methods() {
    this.registryPromise ??= this.engines[0].call('registry');
    return (await this.registryPromise).methods;
  }

  /** A visitor's safetensors file, loaded as 'custom' in every worker. */
  loadWeights(bytes) {
    return this.everywhere('loadWeights', { bytes });
  }

  /** A visitor's ONNX model ({model, data?, labels?, mean?, std?} bytes and numbers), loaded as
   * 'onnx' in every worker (in parallel: a file one refuses, all refuse). */
  loadOnnx(files) {
    return this.everywhere('loadOnnx', files);
  }

  /** The same request in every worker now and in every worker that joins later. */
  async everywhere(type, payload) {
    const results = await Promise.all(this.engines.map((e) => e.remember(type, payload)));
    this.setup.set(type, payload);
    return results[0];
  }

  /** The parts of a splittable method's map, computed by the workers in turn; null otherwise. */
  async parts(dataset, image, options) {
    const info = (await this.methods()).find((m) => m.id === (options.method ?? 'vanilla') || m.aliases.includes(options.method));
    if (!info?.splittable) return null;
    await this.ready();
    const shares = await Promise.all(Array.from({ length: PARTS }, (_, index) =>
      this.engines[index % this.size].call('explainPart', { dataset, image, options, part: { index, count: PARTS } })));
    return shares[0].raw ? shares.map((s) => s.raw) : null; // null: these settings do not split (VarGrad)
  }

  /**
   * What Model.explain returns (plus `reduced` and `map` after `post`), with a splittable
   * method's work shared by the workers. `extra` passes the page's other requests (sanity
   * depth, evaluation) to the worker that finishes the map.
   */
  async explain(dataset, image, options = {}, post = {}, extra = {}) {
    const t0 = performance.now();
    const parts = await this.parts(dataset, image, options);
    const r = await this.engines[0].call('explain', { dataset, image, options, post, ...extra, parts });
    // A shared map's time is the whole job's, parts and sum; `workers` says how many shared it.
    if (parts) Object.assign(r, { ms: performance.now() - t0, workers: this.size });
    return r;
  }

  /** Every method's map and curves (methods shared out), then the agreement matrix. */
  async compare(dataset, image, options, post, evaluation, topPercent) {
    await this.ready();
    const all = (await this.methods()).map((m) => m.id);
    const shares = await Promise.all(this.engines.map((e, k) => {
      const only = all.filter((_, i) => i % this.size === k);
      return only.length ? e.call('compare', { dataset, image, options, post, evaluation, only }) : { results: [] };
    }));
    const byMethod = new Map(shares.flatMap((s) => s.results).map((r) => [r.method, r]));
    const results = all.map((id) => byMethod.get(id));
    const agreement = await this.engines[0].call('agreement', { maps: results.map((r) => r.reduced), topPercent });
    return { results, agreement };
  }

  /** Randomisation curves of every method (methods shared out); `onProgress({done, total})`. */
  async randomisation(dataset, image, options, post, onProgress = null) {
    await this.ready();
    const all = (await this.methods()).map((m) => m.id);
    const t0 = performance.now();
    const done = new Array(this.size).fill(0);
    const shares = await Promise.all(this.engines.map((e, k) => {
      const only = all.filter((_, i) => i % this.size === k);
      if (!only.length) return { curves: [], stopped: false };
      return e.call('randomisation', { dataset, image, options, post, only }, (p) => {
        done[k] = p.done;
        onProgress?.({ done: done.reduce((a, b) => a + b, 0), total: all.length });
      });
    }));
    const byMethod = new Map(shares.flatMap((s) => s.curves).map((c) => [c.method, c]));
    const stopped = shares.some((s) => s.stopped);
    return { curves: stopped ? [] : all.map((id) => byMethod.get(id)), stopped, ms: performance.now() - t0 };
  }

  terminate() {
    for (const e of this.engines) e.worker.terminate();
    this.engines = [];
  }
}
