// runql in the browser: query ML experiment runs (MLflow mlruns/, ...) with SQL, client-side.
//
//   import { RunQL } from "runql";
//   const db = await RunQL.init();               // or await RunQL.initWorker()
//   const report = await db.load(fileInput.files);
//   const result = await db.query("SELECT * FROM runs LIMIT $1", [10]);
//   result.toArray(); result.toArrow();

import { Database, version as wasmVersion } from "../pkg/runql_wasm.js";
import { ERROR_KINDS, RunQLError, abortError, isTrap, toRunQLError } from "./errors.js";
import { describeInputs, readInput } from "./inputs.js";
import { crashError, deadError, enter, isLive, loaderModule, markDead, queryModule } from "./modules.js";
import { QueryResult } from "./result.js";
import { RunQLWorker } from "./worker-proxy.js";
import { ChartView, WorkerChartView, paintScene, prepareSpec } from "./chart.js";
import { LiveFollower, followLive } from "./live.js";

export { ERROR_KINDS, RunQLError, QueryResult, RunQLWorker, ChartView, WorkerChartView, paintScene, LiveFollower, followLive };

/**
 * Turns a user's onProgress into the read-phase counter and the parse-phase callback the
 * WebAssembly side calls. Read progress is throttled like parse progress (50 ms).
 */
function progressReporter(onProgress, descriptors) {
  if (typeof onProgress !== "function") return { read() {}, parse: undefined };
  const sizeOf = (d) => (d.blob ? (d.blob.byteLength ?? d.blob.size ?? 0) : null);
  const sizes = descriptors.map(sizeOf);
  const bytesTotal = sizes.includes(null) ? null : sizes.reduce((a, b) => a + b, 0);
  const filesTotal = descriptors.length;
  let filesDone = 0;
  let bytesDone = 0;
  let last = -Infinity;
  const safeCall = (p) => {
    try {
      onProgress(p);
    } catch {
      // A broken progress display must not abort the load.
    }
  };
  return {
    read(n) {
      filesDone += 1;
      bytesDone += n;
      const now = performance.now();
      if (filesDone < filesTotal && now - last < 50) return;
      last = now;
      safeCall({ phase: "read", filesDone, filesTotal, bytesDone, bytesTotal });
    },
    parse: (p) => safeCall({ phase: "parse", ...p }),
  };
}

/** Rejects a call whose AbortSignal fired before it started. */
function checkSignal(options, what) {
  const signal = options?.signal;
  if (signal?.aborted) throw abortError(signal, what);
}

const CHANGED_TABLES = "append re-reads the inputs of the earlier loads, which do not hold the changes applied " +
  "since (applyChanges): load everything again without append";

const LOST_INPUTS = "append needs the inputs of the earlier loads, and they were lost when runql's loader " +
  "module crashed: load them again together with the new ones, without append";

/**
 * Fetches, compiles and instantiates the query module (SQL and charts) once per page or
 * worker; after that module trapped, starts a fresh instance of it (what `RunQL.init()`
 * does then). The loader module, which reads files, follows on the first load
 * ({@link initLoaderModule}).
 * @param {string|URL|Response|WebAssembly.Module} [wasm] where the module is; defaults to
 *   `pkg/runql_wasm_bg.wasm` next to this package.
 */
export async function initModule(wasm) {
  await queryModule(wasm);
}

/**
 * Fetches, compiles and instantiates the loader module (every reader, zip uploads, the demo
 * generator) once per page or worker; after it trapped, starts a fresh instance of it.
 * `load()` calls it; call it ahead of time to have the module ready before the first file
 * arrives.
 * @param {string|URL|Response|WebAssembly.Module} [wasm] where the module is; defaults to
 *   `pkg/runql_load_bg.wasm` next to this package.
 * @returns {Promise<{Loader: Function}>} the module's bindings
 */
export async function initLoaderModule(wasm) {
  return (await loaderModule(wasm)).glue;
}

/** The runql version the module was built from. */
export async function version() {
  await queryModule();
  return wasmVersion();
}

export class RunQL {
  #db;
  /** The query module instance (generation) #db lives in. */
  #gen;
  /** The loader module's instance, created on the first load, and its generation. */
  #loader = null;
  #loaderGen = null;
  /** A loader that held this instance's inputs was lost in a crash: append is refused. */
  #inputsLost = false;
  #keepInputs;
  #loaderWasm;
  #report = null;
  /** Changes were applied since the last load: an append would lose them. */
  #changed = false;

  /** @internal use `RunQL.init()` */
  constructor(db, options, gen) {
    this.#db = db;
    this.#gen = gen;
    this.#keepInputs = options.keepInputs ?? true;
    this.#loaderWasm = options.loaderWasm;
  }

  /**
   * A runql instance on this thread. Only the query module is fetched now; the loader
   * module follows on the first load. After the query module trapped (see the README,
   * "Crashes"), this starts a fresh instance of the module: call it again to recover.
   * @param {{wasm?: string|URL|Response|WebAssembly.Module, loaderWasm?: string|URL|Response|WebAssembly.Module, keepInputs?: boolean, prefetchLoader?: boolean}} [options]
   *   `wasm` and `loaderWasm` say where the two modules are (default: next to this
   *   package). `keepInputs: false` drops the loaded files' bytes after each load (about
   *   half the memory); `load(..., {append: true})` is refused then. `prefetchLoader: true`
   *   fetches the loader module alongside the query module, for a page that loads data
   *   right away (it slows the start a little; `db.prefetchLoader()` later does not).
   */
  static async init(options = {}) {
    if (options.prefetchLoader) {
      // A failure here is reported by the load that needs the module.
      loaderModule(options.loaderWasm).catch(() => undefined);
    }
    const gen = await queryModule(options.wasm);
    return new RunQL(enter(gen, "internal", () => new Database()), options, gen);
  }

  /**
   * A runql instance in a Web Worker, with the same (async) API, so long loads and queries
   * never freeze the page, and a query can be cancelled or time out.
   * @param {{wasm?: string|URL, loaderWasm?: string|URL, workerUrl?: string|URL, keepInputs?: boolean, prefetchLoader?: boolean, queryTimeout?: number, onRestart?: (info: object) => void}} [options]
   */
  static async initWorker(options = {}) {
    return RunQLWorker.create(options);
  }

  /** Throws when this instance is closed or its query module trapped. */
  #usable() {
    if (!this.#db) throw new RunQLError("input", "this runql instance is closed");
    if (this.#gen.dead) throw deadError(this.#gen);
  }

  /** Calls into the query module (see modules.js `enter`). */
  #enter(kind, f) {
    this.#usable();
    return enter(this.#gen, kind, f);
  }

  /** What results and charts of this instance check before they call into the module. */
  #guard() {
    const g = this.#gen;
    return { enter: (kind, f) => enter(g, kind, f), alive: () => !g.dead };
  }

  /**
   * Whether this instance's query module crashed (a trap, see the README): every call fails
   * then, and `RunQL.init()` makes a new instance on a fresh module.
   * @type {boolean}
   */
  get crashed() {
    return Boolean(this.#gen.dead);
  }

  /**
   * @internal the trap that ended this instance's query module, or null (the worker
   * reports it, and its page replaces the worker)
   */
  get crash() {
    return this.#gen.dead;
  }

  /**
   * Loads run data and returns the load report. Replaces what was loaded before unless
   * `options.append` is set; on error the previous tables stay.
   * `options.onProgress` is called with `{phase, filesDone, filesTotal, bytesDone,
   * bytesTotal}`: phase `"read"` while the inputs are read (bytesTotal is null when URLs
   * of unknown size are among them), then `"parse"` while runql parses them.
   * `options.signal` (an AbortSignal) stops the load while the inputs are read; parsing,
   * on this thread, cannot be interrupted (use `RunQL.initWorker()` for that).
   * @param {*} inputs File, FileList (folder picker), Blob, {path, data}, URL, or an array of these
   * @param {{append?: boolean, origin?: string, onProgress?: (p: object) => void, signal?: AbortSignal}} [options]
   */
  async load(inputs, options = {}) {
    return this.loadDescribed(describeInputs(inputs), options);
  }

  /** This instance's loader (the loader module is fetched on the first call). */
  async #getLoader() {
    if (this.#loader && !isLive(this.#loaderGen)) this.#dropLoader();
    if (!this.#loader) {
      const g = await loaderModule(this.#loaderWasm);
      if (!this.#loader) {
        this.#loader = new g.glue.Loader(this.#keepInputs);
        this.#loaderGen = g;
      }
    }
    return this.#loader;
  }

  /** Lets go of a loader whose module instance trapped; the inputs it kept are gone. */
  #dropLoader() {
    if (this.#report) this.#inputsLost = true;
    this.#loader = null;
    this.#loaderGen = null;
  }

  /**
   * Cleans up after a failed load and returns the error to throw. When the loader module
   * trapped (a panic or out of memory while parsing), its instance is stuck mid-call: it is
   * marked dead and the next load (of any instance on this page) starts a fresh loader
   * module, while the query module and the tables loaded before are untouched. A trap in
   * the query module ends this instance (see `enter`). Otherwise staged inputs and tables
   * are dropped; if that fails too, the first error is the one to report.
   */
  #failedLoad(e) {
    if (isTrap(e) && e.inQueryModule) {
      markDead(this.#gen, e);
      return crashError(this.#gen);
    }
    if (isTrap(e)) {
      if (this.#loaderGen) markDead(this.#loaderGen, e);
      this.#dropLoader();
      if (!this.#gen.dead) {
        try {
          this.#db.clearStaged();
        } catch {
          // Nothing was staged in the query module.
        }
      }
      return new RunQLError("internal", `runql's loader crashed while reading the inputs (${e.message}); ` +
        "the tables loaded before are unchanged, and the next load starts a fresh loader module" +
        (this.#inputsLost ? " (the inputs kept for append are gone: load them again without append)" : ""));
    }
    const discards = [() => this.#loader?.clearStaged(), () => this.#loader?.finish(false)];
    if (!this.#gen.dead) discards.push(() => this.#db.clearStaged());
    for (const discard of discards) {
      try {
        discard();
      } catch {
        // The instance is unusable; the caller reports the original error.
      }
    }
    return toRunQLError(e, "load");
  }

  /**
   * Parses what the loader staged and hands the tables to the query module, one at a time
   * (each leaves the loader as it is taken). Returns the load report.
   */
  #commit(loader, append, onParse) {
    const report = loader.commit(append, onParse);
    // Failures inside the query module are marked, so that #failedLoad does not blame the
    // loader for them.
    const inQueryModule = (f) => {
      if (this.#gen.dead) throw deadError(this.#gen);
      try {
        f();
      } catch (e) {
        if (e && typeof e === "object") e.inQueryModule = true;
        throw e;
      }
    };
    for (const name of loader.tableNames()) {
      const table = loader.takeTable(name);
      inQueryModule(() => this.#db.stageTable(name, table));
    }
    inQueryModule(() => this.#db.commitTables());
    loader.finish(true);
    this.#report = report;
    if (!append) this.#inputsLost = false;
    this.#changed = false;
    return report;
  }

  /**
   * Fetches and compiles the loader module now, so that the first load does not wait for
   * it: call it once the page is up (the query module is ready by then) while the user is
   * still choosing files. Loads work without it; they fetch the module themselves.
   * @returns {Promise<void>}
   */
  async prefetchLoader() {
    try {
      await this.#getLoader();
    } catch (e) {
      throw toRunQLError(e, "load");
    }
  }

  /** @internal */
  async loadDescribed(descriptors, options = {}) {
    const origin = options.origin ?? "upload";
    const append = Boolean(options.append);
    const { signal } = options;
    const report = progressReporter(options.onProgress, descriptors);
    this.#usable();
    checkSignal(options, "the load");
    if (append && this.#inputsLost) throw new RunQLError("input", LOST_INPUTS);
    if (append && this.#changed) throw new RunQLError("input", CHANGED_TABLES);
    try {
      const loader = await this.#getLoader();
      for (const d of descriptors) {
        const bytes = await readInput(d);
        if (signal?.aborted) throw abortError(signal, "the load");
        loader.stageFile(origin, d.path, bytes, d.unzip);
        report.read(bytes.byteLength);
      }
      return this.#commit(loader, append, report.parse);
    } catch (e) {
      throw this.#failedLoad(e);
    }
  }

  /**
   * Loads the demo sweep that `runql gen` writes (generated in memory), written as
   * `format` ("mlflow", "wandb", "tensorboard", "parquet" or "arrow") and read back.
   * @param {{runs?: number, metrics?: number, steps?: number, seed?: number, format?: string, append?: boolean}} [spec]
   */
  async loadDemo(spec = {}) {
    const { runs = 48, metrics = 6, steps = 200, seed = 42, format = "mlflow", append = false } = spec;
    this.#usable();
    if (append && this.#inputsLost) throw new RunQLError("input", LOST_INPUTS);
    try {
      const loader = await this.#getLoader();
      loader.stageDemo(runs, metrics, steps, seed, format);
      return this.#commit(loader, append, undefined);
    } catch (e) {
      throw this.#failedLoad(e);
    }
  }

  /**
   * Applies a change of a watched source (`runql serve --watch`; `followLive` does the
   * whole loop): the rows of the runs in `removedRuns` go from every table keyed by
   * `run_id`, the models whose `origin` is in `removedModels` go, and the rows of `tables`
   * (all seven tables, each an Arrow IPC stream of added rows, as `/live/changes` names
   * them) come. The other rows are not read again. On error the tables stay as they were.
   * @param {{removedRuns?: string[], removedModels?: string[], tables: Record<string, ArrayBuffer|Uint8Array>}} change
   * @returns {Promise<void>}
   */
  async applyChanges(change) {
    this.#usable();
    const { removedRuns = [], removedModels = [], tables = {} } = change ?? {};
    try {
      for (const [name, data] of Object.entries(tables)) {
        const view = data instanceof Uint8Array ? data : new Uint8Array(data);
        this.#enter("load", () => this.#db.stageTable(name, [view]));
      }
      this.#enter("load", () => this.#db.commitChanges(removedRuns.map(String), removedModels.map(String)));
    } catch (e) {
      if (!this.#gen.dead) {
        try {
          this.#db.clearStaged();
        } catch {
          // Nothing was staged.
        }
      }
      throw toRunQLError(e, "load");
    }
    this.#changed = true;
  }

  /**
   * Runs a read-only SQL query. `params` bind `$1`, `$2`, ... On this thread a query
   * cannot be interrupted once it runs: `options.signal` is checked before it starts, and
   * `options.timeoutMs` applies only to `RunQL.initWorker()` instances.
   * @param {string} sql
   * @param {unknown[]} [params]
   * @param {{signal?: AbortSignal, timeoutMs?: number}} [options]
   * @returns {Promise<QueryResult>}
   */
  async query(sql, params = [], options = {}) {
    checkSignal(options, "the query");
    const handle = this.#enter("sql", () => this.#db.query(String(sql), params));
    return QueryResult.fromHandle(handle, this.#guard());
  }

  /**
   * Draws a chart of the loaded runs on `canvas` and returns a ChartView (pick, zoom,
   * reset, setOptions, toSVG). Size and pixel ratio default to the canvas's CSS size and
   * the screen's devicePixelRatio. `options` as for `query`.
   * @param {HTMLCanvasElement} canvas
   * @param {object} spec a ChartSpec: {kind, data: {sql} | {preset, ...}, encoding?, options?}
   * @param {{signal?: AbortSignal, timeoutMs?: number}} [options]
   */
  async plot(canvas, spec, options = {}) {
    checkSignal(options, "the chart");
    const prepared = prepareSpec(spec, canvas);
    let handle;
    try {
      handle = this.#enter("chart", () => this.#db.chart(JSON.stringify(prepared)));
      this.#enter("chart", () => handle.drawCanvas(canvas));
    } catch (e) {
      if (!this.#gen.dead) handle?.free();
      throw e;
    }
    return new ChartView(handle, canvas, this.#guard());
  }

  /**
   * The chart as an SVG document (no canvas needed). `options` as for `query`.
   * @param {object} spec a ChartSpec
   * @param {{signal?: AbortSignal, timeoutMs?: number}} [options]
   * @returns {Promise<string>}
   */
  async svg(spec, options = {}) {
    checkSignal(options, "the chart");
    const prepared = prepareSpec(spec, null);
    let handle;
    try {
      handle = this.#enter("chart", () => this.#db.chart(JSON.stringify(prepared)));
      return this.#enter("chart", () => handle.svg());
    } finally {
      if (!this.#gen.dead) handle?.free();
    }
  }

  /** @internal the wasm chart handle, for the worker */
  chartHandle(spec) {
    return this.#enter("chart", () => this.#db.chart(JSON.stringify(spec)));
  }

  /** @internal what the worker's chart handles check before they call into the module */
  chartGuard() {
    return this.#guard();
  }

  /** Names of the loaded tables. @returns {Promise<string[]>} */
  async tables() {
    return this.#enter("internal", () => this.#db.tables());
  }

  /** Columns of one table. @returns {Promise<{name: string, type: string, nullable: boolean}[]>} */
  async schema(table) {
    return this.#enter("sql", () => this.#db.schema(String(table)));
  }

  /** The report of the last successful load, or null. */
  async report() {
    return this.#report;
  }

  /** Frees the instance's WebAssembly memory; the instance is unusable afterwards. */
  async close() {
    // An instance whose module trapped is not called again (its memory goes with it).
    if (this.#db && !this.#gen.dead) this.#db.free();
    this.#db = null;
    if (this.#loader && isLive(this.#loaderGen)) this.#loader.free();
    this.#loader = null;
    this.#loaderGen = null;
  }
}

export default RunQL;
