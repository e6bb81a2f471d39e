// runql in the browser: query ML experiment runs (MLflow mlruns/, ...) with SQL, client-side.
//
//   import { RunQL } from "runql";
//   const db = await RunQL.init();               // or await RunQL.initWorker()
//   const report = await db.load(fileInput.files);
//   const result = await db.query("SELECT * FROM runs LIMIT $1", [10]);
//   result.toArray(); result.toArrow();

import initWasm, { Database, version as wasmVersion } from "../pkg/runql_wasm.js";
import { RunQLError, toRunQLError } from "./errors.js";
import { describeInputs, readInput } from "./inputs.js";
import { QueryResult } from "./result.js";
import { RunQLWorker } from "./worker-proxy.js";
import { ChartView, WorkerChartView, paintScene, prepareSpec } from "./chart.js";

export { RunQLError, QueryResult, RunQLWorker, ChartView, WorkerChartView, paintScene };

let ready = null;
let loaderReady = null;

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

/**
 * Fetches, compiles and instantiates the query module (SQL and charts) once per page or
 * worker. The loader module, which reads files, follows on the first load
 * ({@link initLoaderModule}).
 * @param {string|URL|Response|WebAssembly.Module} [wasm] where the module is; defaults to
 *   `pkg/runql_wasm_bg.wasm` next to this package.
 */
export async function initModule(wasm) {
  ready ??= initWasm(wasm ? { module_or_path: wasm } : undefined).catch((e) => {
    ready = null;
    throw toRunQLError(e, "load");
  });
  await ready;
}

/**
 * Fetches, compiles and instantiates the loader module (every reader, zip uploads, the demo
 * generator) once per page or worker. `load()` calls it; call it ahead of time to have the
 * module ready before the first file arrives.
 * @param {string|URL|Response|WebAssembly.Module} [wasm] where the module is; defaults to
 *   `pkg/runql_load_bg.wasm` next to this package.
 * @returns {Promise<{Loader: Function}>} the module's bindings
 */
export async function initLoaderModule(wasm) {
  loaderReady ??= (async () => {
    const loader = await import("../pkg/runql_load.js");
    await loader.default(wasm ? { module_or_path: wasm } : undefined);
    // The query module may still be starting (`prefetchLoader: true` starts both at once).
    await initModule();
    if (loader.loaderVersion() !== wasmVersion()) {
      throw new Error(`runql's loader module is version ${loader.loaderVersion()} and its query ` +
        `module ${wasmVersion()}: both must come from the same build`);
    }
    return loader;
  })().catch((e) => {
    loaderReady = null;
    throw toRunQLError(e, "load");
  });
  return loaderReady;
}

/** The runql version the module was built from. */
export async function version() {
  await initModule();
  return wasmVersion();
}

export class RunQL {
  #db;
  /** The loader module's instance, created on the first load. */
  #loader = null;
  #keepInputs;
  #loaderWasm;
  #report = null;

  /** @internal use `RunQL.init()` */
  constructor(db, options = {}) {
    this.#db = db;
    this.#keepInputs = options.keepInputs ?? true;
    this.#loaderWasm = options.loaderWasm;
  }

  /**
   * A runql instance on this thread. Only the query module is fetched now; the loader
   * module follows on the first load.
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
      initLoaderModule(options.loaderWasm).catch(() => undefined);
    }
    await initModule(options.wasm);
    return new RunQL(new Database(), options);
  }

  /**
   * A runql instance in a Web Worker, with the same (async) API, so long loads and queries
   * never freeze the page.
   * @param {{wasm?: string|URL, workerUrl?: string|URL, keepInputs?: boolean}} [options]
   */
  static async initWorker(options = {}) {
    return RunQLWorker.create(options);
  }

  /**
   * Loads run data and returns the load report. Replaces what was loaded before unless
   * `options.append` is set; on error the previous tables stay.
   * `options.onProgress` is called with `{phase, filesDone, filesTotal, bytesDone,
   * bytesTotal}`: phase `"read"` while the inputs are read (bytesTotal is null when URLs
   * of unknown size are among them), then `"parse"` while runql parses them.
   * @param {*} inputs File, FileList (folder picker), Blob, {path, data}, URL, or an array of these
   * @param {{append?: boolean, origin?: string, onProgress?: (p: object) => void}} [options]
   */
  async load(inputs, options = {}) {
    return this.loadDescribed(describeInputs(inputs), options);
  }

  /** This instance's loader (the loader module is fetched on the first call). */
  async #getLoader() {
    if (!this.#loader) {
      const { Loader } = await initLoaderModule(this.#loaderWasm);
      this.#loader ??= new Loader(this.#keepInputs);
    }
    return this.#loader;
  }

  /**
   * Cleans up after a failed load and returns the error to throw. When the loader module
   * trapped (a panic or out of memory while parsing), its objects may be stuck mid-call:
   * this instance drops its loader and the next load starts a new one, while the query
   * module and the tables loaded before are untouched. Otherwise staged inputs and tables
   * are dropped; if that fails too (an instance that trapped), the first error is the one
   * to report.
   */
  #failedLoad(e) {
    const trapped = typeof WebAssembly !== "undefined" && e instanceof WebAssembly.RuntimeError;
    if (trapped && !e.inQueryModule) {
      this.#loader = null;
      try {
        this.#db.clearStaged();
      } catch {
        // Nothing was staged in the query module.
      }
      return new RunQLError("internal", `runql's loader crashed while reading the inputs (${e.message}); ` +
        "the tables loaded before are unchanged, and the next load starts a new loader " +
        "(inputs kept for append are gone)");
    }
    for (const discard of [() => this.#loader?.clearStaged(), () => this.#loader?.finish(false),
      () => this.#db.clearStaged()]) {
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
    const report = progressReporter(options.onProgress, descriptors);
    try {
      const loader = await this.#getLoader();
      for (const d of descriptors) {
        const bytes = await readInput(d);
        loader.stageFile(origin, d.path, bytes, d.unzip);
        report.read(bytes.byteLength);
      }
      return this.#commit(loader, Boolean(options.append), report.parse);
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
    try {
      const loader = await this.#getLoader();
      loader.stageDemo(runs, metrics, steps, seed, format);
      return this.#commit(loader, append, undefined);
    } catch (e) {
      throw this.#failedLoad(e);
    }
  }

  /**
   * Runs a read-only SQL query. `params` bind `$1`, `$2`, ...
   * @param {string} sql
   * @param {unknown[]} [params]
   * @returns {Promise<QueryResult>}
   */
  async query(sql, params = []) {
    try {
      return QueryResult.fromHandle(this.#db.query(String(sql), params));
    } catch (e) {
      throw toRunQLError(e, "sql");
    }
  }

  /**
   * Draws a chart of the loaded runs on `canvas` and returns a ChartView (pick, zoom,
   * reset, setOptions, toSVG). Size and pixel ratio default to the canvas's CSS size and
   * the screen's devicePixelRatio.
   * @param {HTMLCanvasElement} canvas
   * @param {object} spec a ChartSpec: {kind, data: {sql} | {preset, ...}, encoding?, options?}
   */
  async plot(canvas, spec) {
    let handle;
    try {
      handle = this.#db.chart(JSON.stringify(prepareSpec(spec, canvas)));
      handle.drawCanvas(canvas);
    } catch (e) {
      handle?.free();
      throw toRunQLError(e, "chart");
    }
    return new ChartView(handle, canvas);
  }

  /**
   * The chart as an SVG document (no canvas needed).
   * @param {object} spec a ChartSpec
   * @returns {Promise<string>}
   */
  async svg(spec) {
    let handle;
    try {
      handle = this.#db.chart(JSON.stringify(prepareSpec(spec, null)));
      return handle.svg();
    } catch (e) {
      throw toRunQLError(e, "chart");
    } finally {
      handle?.free();
    }
  }

  /** @internal the wasm chart handle, for the worker */
  chartHandle(spec) {
    try {
      return this.#db.chart(JSON.stringify(spec));
    } catch (e) {
      throw toRunQLError(e, "chart");
    }
  }

  /** Names of the loaded tables. @returns {Promise<string[]>} */
  async tables() {
    return this.#db.tables();
  }

  /** Columns of one table. @returns {Promise<{name: string, type: string, nullable: boolean}[]>} */
  async schema(table) {
    try {
      return this.#db.schema(String(table));
    } catch (e) {
      throw toRunQLError(e, "sql");
    }
  }

  /** The report of the last successful load, or null. */
  async report() {
    return this.#report;
  }

  /** Frees the instance's WebAssembly memory; the instance is unusable afterwards. */
  async close() {
    this.#db?.free();
    this.#db = null;
    this.#loader?.free();
    this.#loader = null;
  }
}

export default RunQL;
