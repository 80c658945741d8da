// The page's handle on the computation worker: promise-based calls, a fresh worker after a
// fatal error (a Rust panic leaves the WASM instance unusable), and a "latest wins" lane so a
// newer request supersedes one that has not started yet.

/** Restarts in a row without one answer in between before the engine stops retrying by itself. */
const MAX_SILENT_RESTARTS = 3;

/** An error after which the worker is a fresh one: whatever it held (a training run) is gone. */
const lost = (message) => Object.assign(new Error(message), { workerLost: true });

export class Engine {
  /** `revive: false`: a worker whose state matters (training) is not replaced after a fatal
   * error; the Engine is `gone` (holding the error's text) and every later call fails as
   * `workerLost` with that text. */
  constructor(onRestart, { revive = true } = {}) {
    this.onRestart = onRestart;
    this.revive = revive;
    this.gone = false;
    this.nextId = 1;
    this.silentRestarts = 0;
    this.setup = new Map(); // type -> payload of the requests a fresh worker replays (a visitor's model)
    this.start();
  }

  start() {
    this.dead = false;
    this.worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    this.pending = new Map();
    this.worker.onmessage = ({ data }) => {
      this.silentRestarts = 0;
      const p = this.pending.get(data.id);
      if (!p) return;
      if (data.progress) { p.onProgress?.(data.progress); return; }
      this.pending.delete(data.id);
      if (data.ok) p.resolve(data.result);
      else {
        p.reject(data.fatal ? lost(data.error) : new Error(data.error));
        if (data.fatal) this.restart(data.error);
      }
    };
    this.worker.onerror = (e) => {
      e.preventDefault();
      const err = lost(`the computation worker failed: ${e.message || 'unknown error'}`);
      for (const p of this.pending.values()) p.reject(err);
      this.restart(err.message);
    };
    // A visitor's model lives only in the worker: a fresh one loads it again before anything else.
    for (const [type, payload] of this.setup) this.worker.postMessage({ id: 0, type, ...payload });
  }

  /** `call`, and again in every fresh worker after a restart (loading a visitor's model). */
  remember(type, payload) {
    const p = this.call(type, payload);
    // Only what loaded is replayed; a refused file leaves the previous model in place.
    p.then(() => this.setup.set(type, payload), () => {});
    return p;
  }

  /** `why`: the fatal error, which a gone Engine's later calls still name (a worker may die
   * between calls, when no call was there to carry it). */
  restart(why) {
    this.worker.terminate();
    for (const p of this.pending.values()) p.reject(lost('the computation worker was restarted'));
    this.pending.clear();
    if (!this.revive) {
      this.gone = why ?? 'the computation worker stopped';
      return;
    }
    // A worker that cannot even start (its script fails to load) would restart forever: after a
    // few silent restarts stay down until the next call, which is a user's retry.
    if (++this.silentRestarts > MAX_SILENT_RESTARTS) {
      this.dead = true;
      this.onRestart?.(false);
      return;
    }
    this.start();
    this.onRestart?.(true);
  }

  /** Sends a request; `onProgress` sees the intermediate results a long job posts. */
  call(type, payload = {}, onProgress = null) {
    if (this.gone) return Promise.reject(lost(this.gone));
    if (this.dead) { this.silentRestarts = 0; this.start(); }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      this.worker.postMessage({ id, type, ...payload });
    });
  }
}

/**
 * Runs at most one job at a time; while one runs, only the newest submitted job waits (older
 * waiting ones are dropped). `onResult` sees a result only if no newer job is waiting.
 */
export class LatestLane {
  constructor() {
    this.running = false;
    this.queued = null;
  }

  submit(job, onResult, onError) {
    this.queued = { job, onResult, onError };
    if (!this.running) this.pump();
  }

  get busy() {
    return this.running;
  }

  /** A newer job waits: the running one's result will be dropped. */
  get superseded() {
    return this.queued !== null;
  }

  async pump() {
    this.running = true;
    while (this.queued) {
      const { job, onResult, onError } = this.queued;
      this.queued = null;
      try {
        const r = await job();
        if (!this.queued) onResult(r);
      } catch (err) {
        if (!this.queued) onError(err);
      }
    }
    this.running = false;
  }
}
