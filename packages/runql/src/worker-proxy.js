// RunQLWorker: the RunQL API, answered by a runql instance in a Web Worker.
//
// A WebAssembly call cannot be interrupted, so a query is stopped by terminating its worker.
// A call that is cancelled (its AbortSignal) or runs past its time limit, and a worker whose
// query module trapped, end the same way: the worker is terminated, a new one is started, and
// the loads that made the current tables are replayed in it, so the RunQLWorker stays usable
// with the same data. Every input is replayable: Files, Blobs and URLs are cheap handles, and
// Uint8Array/ArrayBuffer inputs are copied into a Blob when loaded (they are not transferred).

import { RunQLError, abortError, toRunQLError } from "./errors.js";
import { describeInputs } from "./inputs.js";
import { QueryResult } from "./result.js";
import { WorkerChartView, paintScene, prepareSpec } from "./chart.js";
import { request } from "./requests.js";

/** The default time limit of a query, plot or svg in a worker (ms). */
export const DEFAULT_QUERY_TIMEOUT = 60_000;

/** Errors of the calls a crashed worker was answering, to tell them from ordinary ones. */
const fatalErrors = new WeakSet();
/** The `cancelled` errors of calls that ran out of time (rather than being aborted). */
const timeouts = new WeakSet();

/** Seconds, for messages ("60 s", "0.5 s"). */
function seconds(ms) {
  return `${Number((ms / 1000).toPrecision(3))} s`;
}

/** A time limit in ms, or 0 for none (`Infinity`, 0 and negative numbers turn it off). */
function timeLimit(value, fallback) {
  const ms = value === undefined ? fallback : Number(value);
  return Number.isFinite(ms) && ms > 0 ? ms : 0;
}

/**
 * Inputs as the worker gets them, replayable: bytes are copied into a Blob (a cheap handle
 * to pass to a new worker) instead of being transferred and detached.
 */
function replayable(descriptors) {
  for (const d of descriptors) {
    if (d.blob instanceof Uint8Array || d.blob instanceof ArrayBuffer) d.blob = new Blob([d.blob]);
  }
  return descriptors;
}

export class RunQLWorker {
  #options;
  #worker = null;
  /** Which worker is the current one; calls and charts belong to the worker they started in. */
  #epoch = 0;
  #next = 1;
  /** Requests sent and not answered: id -> {resolve, reject, onProgress, epoch, op}. */
  #pending = new Map();
  /** Resolves when the current worker is initialized and its data restored. */
  #ready;
  /** Set when no worker can be started (then every call fails with it). */
  #broken = null;
  #closed = false;
  /** A new worker is being started and loaded: its failures are handled by #revive. */
  #reviving = false;
  /** The first worker came up (before that, a failure fails create() instead of restarting). */
  #started = false;
  /** The loads (op and args) that made the current tables, replayed in a new worker. */
  #log = [];
  /** How many times a new worker took over (see `restarts`). */
  #restarts = 0;
  #queryTimeout;
  #onRestart;

  /** @internal use `RunQL.initWorker()` */
  constructor(options = {}) {
    this.#options = options;
    this.#queryTimeout = timeLimit(options.queryTimeout, DEFAULT_QUERY_TIMEOUT);
    this.#onRestart = typeof options.onRestart === "function" ? options.onRestart : null;
  }

  /**
   * @param {{wasm?: string|URL, loaderWasm?: string|URL, workerUrl?: string|URL, keepInputs?: boolean, prefetchLoader?: boolean, queryTimeout?: number, onRestart?: (info: object) => void}} [options]
   *   `wasm` and `loaderWasm`: where the query and loader modules are (URLs relative to the
   *   page); the worker fetches the loader module on its first load. `queryTimeout`: the
   *   time limit of each query, plot and svg in ms (default 60,000; 0 or Infinity for
   *   none). `onRestart({reason, restored, restoredLoads, totalLoads, error})` is called
   *   each time a new worker has taken over and reloaded the data (reason "cancelled",
   *   "timeout" or "crashed"; see `#reload`).
   */
  static async create(options = {}) {
    const proxy = new RunQLWorker(options);
    proxy.#ready = proxy.#start();
    try {
      await proxy.#ready;
    } catch (e) {
      await proxy.close();
      throw toRunQLError(e, "load");
    }
    proxy.#started = true;
    return proxy;
  }

  /** Starts a worker and initializes its runql instance; resolves with the worker's epoch. */
  async #start() {
    if (this.#closed) throw new RunQLError("input", "this runql worker is closed");
    const o = this.#options;
    const url = o.workerUrl ?? new URL("./worker.js", import.meta.url);
    const worker = new Worker(url, { type: "module", name: "runql" });
    const epoch = ++this.#epoch;
    this.#worker = worker;
    worker.onmessage = ({ data }) => this.#message(epoch, data);
    worker.onerror = (event) => {
      event.preventDefault?.();
      this.#crashed(epoch, `runql's worker failed: ${event.message ?? "unknown error"}`);
    };
    worker.onmessageerror = () => this.#crashed(epoch, "runql's worker sent a message that could not be read");
    const absolute = (u) => (u ? new URL(String(u), location.href).href : undefined);
    await this.#send(epoch, "init", {
      wasm: absolute(o.wasm),
      loaderWasm: absolute(o.loaderWasm),
      keepInputs: o.keepInputs ?? true,
      prefetchLoader: Boolean(o.prefetchLoader),
    });
    return epoch;
  }

  /** Posts one request to the worker of `epoch`; resolves with its answer. */
  #send(epoch, op, args, transfer = [], onProgress = undefined) {
    if (epoch !== this.#epoch || !this.#worker) {
      return Promise.reject(new RunQLError("cancelled", "runql's worker was restarted before this call reached it"));
    }
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, onProgress, epoch, op });
      try {
        this.#worker.postMessage({ id, op, args }, transfer);
      } catch (e) {
        this.#pending.delete(id);
        reject(toRunQLError(e, "input"));
      }
    });
  }

  #message(epoch, data) {
    if (epoch !== this.#epoch) return;
    const p = this.#pending.get(data.id);
    if (!p) return;
    if (data.progress) {
      try {
        p.onProgress?.(data.progress);
      } catch {
        // A broken progress display must not abort the load.
      }
      return;
    }
    this.#pending.delete(data.id);
    if (!data.error) {
      p.resolve(data.result);
      return;
    }
    if (!data.error.fatal) {
      p.reject(new RunQLError(data.error.kind, data.error.message));
      return;
    }
    // The worker's query module trapped: the worker is replaced and the data loaded again.
    const error = new RunQLError("internal", `runql's query module crashed in its worker while answering ` +
      `${request(p.op).what} (${data.error.cause}); the worker was restarted` +
      (this.#log.length ? " and is loading the data again" : "") + ", and this instance stays usable");
    fatalErrors.add(error);
    p.reject(error);
    if (!this.#reviving) this.#restart(epoch, "crashed", error);
  }

  /** The worker failed outside a request (a script error, a message it could not read). */
  #crashed(epoch, message) {
    if (epoch !== this.#epoch) return;
    const restart = this.#started && !this.#reviving;
    const error = new RunQLError("internal", restart
      ? `${message}; it was restarted${this.#log.length ? " and is loading the data again" : ""}`
      : message);
    fatalErrors.add(error);
    if (restart) {
      this.#restart(epoch, "crashed", error);
      return;
    }
    // While a worker starts (or a new one loads the data), its failure fails the request
    // create() or #revive waits for.
    for (const [id, p] of this.#pending) {
      if (p.epoch !== epoch) continue;
      this.#pending.delete(id);
      p.reject(error);
    }
  }

  /**
   * Ends the worker of `epoch` (its other pending calls fail), and starts a new one that
   * loads the data again; calls made meanwhile wait for it.
   */
  #restart(epoch, reason, cause) {
    if (epoch !== this.#epoch || this.#closed) return;
    this.#worker?.terminate();
    this.#worker = null;
    const others = reason === "crashed"
      ? new RunQLError("internal", `runql's worker was restarted while answering this call: ${cause.message}`)
      : new RunQLError("cancelled", "runql's worker was restarted while this call ran, because another call " +
        `was stopped (${cause.message}); run it again`);
    for (const [id, p] of this.#pending) {
      if (p.epoch !== epoch) continue;
      this.#pending.delete(id);
      p.reject(others);
    }
    const first = this.#ready;
    // Before the first worker was up (create() is still waiting) there is nothing to restart:
    // then `first` rejects, and the new #ready with it.
    this.#ready = first.then(() => this.#revive(reason));
    // Not a swallowed error: #ready is only the gate calls wait at. Each #call handles its
    // rejection (and fails with it), and create() handles `first`'s; this keeps a gate that
    // no call is waiting at yet from being reported as an unhandled rejection.
    this.#ready.catch(() => undefined);
  }

  /** A new worker with the data loaded again (the loads of the log, replayed in order). */
  async #revive(reason) {
    this.#reviving = true;
    try {
      await this.#reload(reason);
    } finally {
      this.#reviving = false;
    }
  }

  /**
   * Starts a new worker and replays the log in it, then tells `onRestart` how it went:
   * `restoredLoads` of the `totalLoads` loads are in place (always the first ones, in order),
   * and `restored` is true when all of them are. The first load that fails ends the replay:
   * it and the loads after it are dropped (its `error` is reported), so the log says what
   * the new worker holds; if it crashed the new worker too, yet another one is started and
   * loaded without it.
   */
  async #reload(reason) {
    const totalLoads = this.#log.length;
    let error = null;
    for (;;) {
      if (this.#closed) return;
      let epoch;
      try {
        epoch = await this.#start();
      } catch (e) {
        if (this.#closed) return;
        this.#worker?.terminate();
        this.#worker = null;
        this.#broken = new RunQLError("internal", `runql's worker could not be restarted (${toRunQLError(e).message}); ` +
          "create a new instance with RunQL.initWorker()");
        this.#notify({ reason, restored: false, restoredLoads: 0, totalLoads, error: this.#broken });
        return;
      }
      const log = this.#log;
      let failed = -1;
      for (let i = 0; i < log.length; i += 1) {
        try {
          await this.#send(epoch, log[i].op, log[i].args);
        } catch (e) {
          failed = i;
          error = toRunQLError(e, "load");
          break;
        }
      }
      if (failed < 0) break;
      // Keep what was loaded before the load that failed; if that one crashed the new worker
      // too, start again without it.
      this.#log = log.slice(0, failed);
      if (!fatalErrors.has(error)) break;
      this.#worker?.terminate();
      this.#worker = null;
    }
    if (this.#closed) return;
    this.#restarts += 1;
    const restoredLoads = this.#log.length;
    this.#notify({ reason, restored: restoredLoads === totalLoads, restoredLoads, totalLoads, error });
  }

  #notify(info) {
    try {
      this.#onRestart?.(info);
    } catch {
      // The page's handler must not break the instance.
    }
  }

  /**
   * One call of the public API: waits for the current worker (restarting / restoring),
   * then sends; `signal` and `timeoutMs` stop it (and restart the worker when it had
   * started). Resolves with the answer. `onAnswer(result)` is called with it first, in the
   * same job that takes it from the worker, before a restart could run in between.
   * @param {string} op
   * @param {object} args
   * @param {{transfer?: Transferable[], onProgress?: (p: object) => void, signal?: AbortSignal, timeoutMs?: number, onAnswer?: (result: any) => void}} [options]
   */
  #call(op, args, options) {
    return this.#callIn(op, args, options).then(({ result }) => result);
  }

  /**
   * `#call`, resolving with `{result, epoch}`: the answer and the epoch of the worker that
   * gave it. What the answer refers to (a chart) lives in that worker; `this.#epoch` may
   * already be a newer worker's by the time the caller runs again.
   * @param {string} op
   * @param {object} args
   * @param {{transfer?: Transferable[], onProgress?: (p: object) => void, signal?: AbortSignal, timeoutMs?: number, onAnswer?: (result: any) => void}} [options]
   * @returns {Promise<{result: any, epoch: number}>}
   */
  #callIn(op, args, { transfer = [], onProgress, signal, timeoutMs: limit, onAnswer } = {}) {
    if (this.#closed) return Promise.reject(new RunQLError("input", "this runql worker is closed"));
    const { what, limited } = request(op);
    // The table says which requests have a time limit: the call's own, or initWorker's.
    const timeoutMs = limited ? timeLimit(limit, this.#queryTimeout) : 0;
    if (signal?.aborted) return Promise.reject(abortError(signal, what));
    return new Promise((resolve, reject) => {
      let settled = false;
      /** @type {ReturnType<typeof setTimeout> | undefined} */
      let timer;
      let epoch = 0;
      const finish = (f, value) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        f(value);
      };
      const stop = (error) => {
        if (settled) return;
        finish(reject, error);
        // It runs in the worker (or waits there behind another call): only a new worker stops it.
        if (epoch) this.#restart(epoch, timeouts.has(error) ? "timeout" : "cancelled", error);
      };
      const onAbort = () => stop(abortError(signal, what));
      signal?.addEventListener("abort", onAbort, { once: true });
      if (timeoutMs > 0) {
        timer = setTimeout(() => {
          const error = new RunQLError("cancelled", `${what} ran longer than its time limit of ${seconds(timeoutMs)} ` +
            "and was stopped (the timeoutMs option, or initWorker's queryTimeout, sets the limit); " +
            "runql's worker was restarted with the data loaded before");
          timeouts.add(error);
          stop(error);
        }, timeoutMs);
      }
      this.#ready.then(
        () => {
          if (settled) return;
          if (this.#broken) return finish(reject, this.#broken);
          if (this.#closed) return finish(reject, new RunQLError("input", "this runql worker is closed"));
          epoch = this.#epoch;
          this.#send(epoch, op, args, transfer, onProgress).then(
            (result) => {
              if (settled) return;
              onAnswer?.(result);
              finish(resolve, { result, epoch });
            },
            (e) => finish(reject, e),
          );
        },
        (e) => finish(reject, toRunQLError(e)),
      );
    });
  }

  /** A chart call: only the worker that drew the chart has it. */
  #chartCall(epoch, op, args) {
    if (epoch !== this.#epoch || this.#closed) {
      return Promise.reject(new RunQLError("input", "this chart was drawn by a runql worker that has since been " +
        "restarted (after a cancelled call or a crash): draw it again with plot()"));
    }
    return this.#send(epoch, op, args);
  }

  /** Remembers a load that succeeded, for a restart: a load without append replaces the log. */
  #record(op, args, append) {
    if (append) this.#log.push({ op, args });
    else this.#log = [{ op, args }];
  }

  /**
   * The signal and time limit a caller gave (`timeoutMs`: the limit of this call, when the
   * request is one the table marks `limited`).
   * @param {{signal?: AbortSignal, timeoutMs?: number}} [options]
   */
  #limits(options) {
    return { signal: options?.signal, timeoutMs: options?.timeoutMs };
  }

  /**
   * Same as `RunQL.load`, and `options.signal` stops parsing too. Uint8Array/ArrayBuffer
   * inputs are copied into a Blob (so that a restarted worker can read them again); they
   * stay usable.
   * @param {*} inputs
   * @param {{append?: boolean, origin?: string, onProgress?: (p: object) => void, signal?: AbortSignal}} [options]
   */
  async load(inputs, options = {}) {
    const descriptors = replayable(describeInputs(inputs));
    const { onProgress, signal, ...rest } = options;
    const wanted = typeof onProgress === "function";
    // Recorded as the answer arrives: a restart right after it replays this load too.
    const onAnswer = () => this.#record("load", { descriptors, options: { ...rest, progress: false } }, Boolean(rest.append));
    return this.#call("load", { descriptors, options: { ...rest, progress: wanted } },
      { onProgress: wanted ? onProgress : undefined, signal, onAnswer });
  }

  /**
   * Same as `RunQL.applyChanges`. The tables' bytes are moved to the worker (their
   * buffers are detached here). Changes are not replayed when the worker is replaced:
   * the new one holds what the loads gave, and `restarts` counts up so that a follower
   * (`followLive`) loads the source again.
   */
  async applyChanges(change) {
    const tables = {};
    const transfer = [];
    for (const [name, data] of Object.entries(change?.tables ?? {})) {
      const view = data instanceof Uint8Array ? data : new Uint8Array(data);
      tables[name] = view;
      if (!transfer.includes(view.buffer)) transfer.push(view.buffer);
    }
    await this.#call("applyChanges", { change: { ...change, tables } }, { transfer });
  }

  /** How many times the worker was replaced (a cancelled or timed-out query, a crash). */
  get restarts() {
    return this.#restarts;
  }

  /** Same as `RunQL.loadDemo`. */
  async loadDemo(spec = {}) {
    return this.#call("loadDemo", { spec }, { onAnswer: () => this.#record("loadDemo", { spec }, Boolean(spec.append)) });
  }

  /**
   * Same as `RunQL.query`; the rows and the Arrow bytes come back from the worker
   * (transferred) with the result. `options.signal` cancels it, and it is stopped after
   * `options.timeoutMs` (default: initWorker's `queryTimeout`, 60 s): either rejects with
   * kind "cancelled" and restarts the worker, which loads the data again.
   */
  async query(sql, params = [], options = {}) {
    const r = await this.#call("query", { sql: String(sql), params }, this.#limits(options));
    return new QueryResult(r.columns, r.numRows, { data: r.data, ipc: r.ipc });
  }

  /**
   * Same as `RunQL.plot`: the worker builds the chart and keeps its data; the page paints
   * the display list it sends back. `options` as for `query`.
   */
  async plot(canvas, spec, options = {}) {
    // The chart belongs to the worker that drew it, even if another one took over since.
    const { result, epoch } = await this.#callIn("chartCreate", { spec: prepareSpec(spec, canvas) }, this.#limits(options));
    const { id, scene } = result;
    paintScene(canvas, scene);
    return new WorkerChartView((op, args) => this.#chartCall(epoch, op, args), id, canvas);
  }

  /** Same as `RunQL.svg`; `options` as for `query`. */
  async svg(spec, options = {}) {
    return this.#call("svg", { spec: prepareSpec(spec, null) }, this.#limits(options));
  }

  /** Same as `RunQL.prefetchLoader`: the worker fetches and compiles the loader module now. */
  async prefetchLoader() {
    await this.#call("prefetchLoader", {});
  }

  async tables() {
    return this.#call("tables", {});
  }

  async schema(table) {
    return this.#call("schema", { table: String(table) });
  }

  async report() {
    return this.#call("report", {});
  }

  /** Stops the worker; pending calls fail. */
  async close() {
    this.#closed = true;
    this.#worker?.terminate();
    this.#worker = null;
    const closed = new RunQLError("input", "this runql worker is closed");
    for (const p of this.#pending.values()) p.reject(closed);
    this.#pending.clear();
  }
}
