// RunQLWorker: the RunQL API, answered by a runql instance in a Web Worker.

import { RunQLError, toRunQLError } from "./errors.js";
import { describeInputs, transferables } from "./inputs.js";
import { QueryResult } from "./result.js";
import { WorkerChartView, paintScene, prepareSpec } from "./chart.js";

export class RunQLWorker {
  #worker;
  #next = 1;
  #pending = new Map();
  #dead = null;

  /** @internal use `RunQL.initWorker()` */
  constructor(worker) {
    this.#worker = worker;
    worker.onmessage = ({ data }) => {
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
      if (data.error) p.reject(new RunQLError(data.error.kind, data.error.message));
      else p.resolve(data.result);
    };
    worker.onerror = (event) => {
      event.preventDefault?.();
      this.#dead = new RunQLError("internal", `runql worker failed: ${event.message ?? "unknown error"}`);
      for (const p of this.#pending.values()) p.reject(this.#dead);
      this.#pending.clear();
    };
  }

  /**
   * @param {{wasm?: string|URL, loaderWasm?: string|URL, workerUrl?: string|URL, keepInputs?: boolean, prefetchLoader?: boolean}} [options]
   *   `wasm` and `loaderWasm`: where the query and loader modules are (URLs relative to the
   *   page); the worker fetches the loader module on its first load.
   */
  static async create(options = {}) {
    const url = options.workerUrl ?? new URL("./worker.js", import.meta.url);
    const proxy = new RunQLWorker(new Worker(url, { type: "module", name: "runql" }));
    const absolute = (u) => (u ? new URL(String(u), location.href).href : undefined);
    await proxy.#call("init", {
      wasm: absolute(options.wasm),
      loaderWasm: absolute(options.loaderWasm),
      keepInputs: options.keepInputs ?? true,
      prefetchLoader: Boolean(options.prefetchLoader),
    });
    return proxy;
  }

  #call(op, args, transfer = [], onProgress = undefined) {
    if (this.#dead) return Promise.reject(this.#dead);
    if (!this.#worker) return Promise.reject(new RunQLError("input", "this runql worker is closed"));
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, onProgress });
      try {
        this.#worker.postMessage({ id, op, args }, transfer);
      } catch (e) {
        this.#pending.delete(id);
        reject(toRunQLError(e, "input"));
      }
    });
  }

  /**
   * Same as `RunQL.load`. Uint8Array/ArrayBuffer inputs are transferred to the worker, not
   * copied: they are detached (empty) afterwards.
   */
  async load(inputs, options = {}) {
    const descriptors = describeInputs(inputs);
    const { onProgress, ...rest } = options;
    const wanted = typeof onProgress === "function";
    return this.#call("load", { descriptors, options: { ...rest, progress: wanted } },
      transferables(descriptors), wanted ? onProgress : undefined);
  }

  /** Same as `RunQL.loadDemo`. */
  async loadDemo(spec = {}) {
    return this.#call("loadDemo", { spec });
  }

  /**
   * Same as `RunQL.query`; the rows and the Arrow bytes come back from the worker
   * (transferred) with the result.
   */
  async query(sql, params = []) {
    const r = await this.#call("query", { sql: String(sql), params });
    return new QueryResult(r.columns, r.numRows, { data: r.data, ipc: r.ipc });
  }

  /**
   * Same as `RunQL.plot`: the worker builds the chart and keeps its data; the page paints
   * the display list it sends back.
   */
  async plot(canvas, spec) {
    const { id, scene } = await this.#call("chartCreate", { spec: prepareSpec(spec, canvas) });
    paintScene(canvas, scene);
    return new WorkerChartView((op, args) => this.#call(op, args), id, canvas);
  }

  /** Same as `RunQL.svg`. */
  async svg(spec) {
    return this.#call("svg", { spec: prepareSpec(spec, null) });
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

  /** Stops the worker. */
  async close() {
    this.#worker?.terminate();
    this.#worker = null;
  }
}
