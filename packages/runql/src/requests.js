// The requests a RunQLWorker (worker-proxy.js, on the page) sends the runql instance in its
// Web Worker (worker.js), in one table: what each is called in messages, whether it has a
// time limit, and how the worker answers it. Both sides read this table, so a request cannot
// be known to one side and missing on the other (test/requests.test.mjs checks the API too).

import { toRunQLError } from "./errors.js";
import { columnTransferables } from "./result.js";
import { sceneTransferables } from "./chart.js";

/**
 * What the worker keeps between requests.
 * @typedef {object} WorkerState
 * @property {any} db the RunQL instance (null until `init`)
 * @property {Map<number, any>} charts charts built in this worker, by id: pick / zoom /
 *   reset need the full-resolution data
 * @property {number} nextChart
 */

/**
 * What a request's answer gets besides its arguments.
 * @typedef {object} RequestContext
 * @property {any} RunQL the RunQL class (worker.js passes it; this module does not import
 *   it, so the page's side can read the table without the engine)
 * @property {(progress: object) => void} progress posts a progress message for this request
 */

/**
 * @typedef {object} Answer
 * @property {any} result
 * @property {Transferable[]} [transfer] buffers moved to the page, not copied
 */

/**
 * @typedef {object} Request
 * @property {string} what what the request is called in error messages, a noun phrase that
 *   reads in "while answering …" and "… ran longer than its time limit" ("the query")
 * @property {boolean} [limited] whether the per-call time limit (initWorker's queryTimeout)
 *   applies to it
 * @property {(state: WorkerState, args: any, context: RequestContext) => Answer|Promise<Answer>} answer
 *   how the worker answers it
 */

/** @param {WorkerState} state @param {number} id */
function chartOf(state, id) {
  const c = state.charts.get(id);
  if (!c) throw toRunQLError(new Error(`no chart ${id} (it was freed)`), "input");
  return c;
}

/**
 * The chart's scene as an answer (its arrays transferred). It calls into the module, so it
 * runs inside `db.chartGuard().enter` (entered once per request, by its caller).
 * @returns {Answer}
 */
function withScene(c) {
  const scene = c.scene();
  return { result: scene, transfer: sceneTransferables(scene) };
}

/**
 * A request on a chart the worker drew: `f` gets the chart and runs inside one entry of the
 * instance's guard, so a trap in any call into the module ends the instance like one inside
 * a query (see modules.js).
 * @param {string} what
 * @param {(c: any, args: any) => Answer} f
 * @returns {Request}
 */
function chartRequest(what, f) {
  return {
    what,
    answer: (state, args) => {
      const c = chartOf(state, args.id);
      return state.db.chartGuard().enter("chart", () => f(c, args));
    },
  };
}

/** @type {Record<string, Request>} */
export const REQUESTS = {
  init: {
    what: "the start of its runql instance",
    answer: async (state, { wasm, loaderWasm, keepInputs, prefetchLoader }, { RunQL }) => {
      state.db = await RunQL.init({ wasm, loaderWasm, keepInputs, prefetchLoader });
      return { result: true };
    },
  },
  load: {
    what: "the load",
    answer: async (state, args, { progress }) => {
      // Functions cannot cross postMessage: progress goes back as messages of this request.
      const { progress: wanted, ...options } = args.options;
      if (wanted) options.onProgress = progress;
      return { result: await state.db.loadDescribed(args.descriptors, options) };
    },
  },
  loadDemo: {
    what: "the load",
    answer: async (state, args) => ({ result: await state.db.loadDemo(args.spec) }),
  },
  applyChanges: {
    what: "the change",
    answer: async (state, args) => {
      await state.db.applyChanges(args.change);
      return { result: true };
    },
  },
  prefetchLoader: {
    what: "the loader module's fetch",
    answer: async (state) => {
      await state.db.prefetchLoader();
      return { result: true };
    },
  },
  query: {
    what: "the query",
    limited: true,
    answer: async (state, args) => {
      const r = await state.db.query(args.sql, args.params);
      try {
        const data = r.columnData();
        const ipc = r.toArrow();
        const result = { columns: r.columns, numRows: r.numRows, data, ipc };
        return { result, transfer: [...columnTransferables(data), ipc.buffer] };
      } finally {
        r.free();
      }
    },
  },
  tables: { what: "tables()", answer: async (state) => ({ result: await state.db.tables() }) },
  schema: { what: "schema()", answer: async (state, args) => ({ result: await state.db.schema(args.table) }) },
  report: { what: "report()", answer: async (state) => ({ result: await state.db.report() }) },
  chartCreate: {
    what: "the chart",
    limited: true,
    answer: (state, args) => {
      const c = state.db.chartHandle(args.spec);
      let scene;
      try {
        scene = state.db.chartGuard().enter("chart", () => withScene(c));
      } catch (e) {
        // The page gets no id for it: nothing would ever free it. (After a trap the
        // instance is not called again, see svg.)
        if (!state.db.crash) c.free();
        throw e;
      }
      const id = state.nextChart++;
      state.charts.set(id, c);
      return { result: { id, scene: scene.result }, transfer: scene.transfer };
    },
  },
  svg: {
    what: "the chart",
    limited: true,
    answer: (state, args) => {
      const c = state.db.chartHandle(args.spec);
      try {
        return { result: state.db.chartGuard().enter("chart", () => c.svg()) };
      } finally {
        if (!state.db.crash) c.free();
      }
    },
  },
  chartScene: chartRequest("the chart's scene", (c) => withScene(c)),
  chartPick: chartRequest("the chart's pick()", (c, { x, y }) => ({ result: c.pick(x, y) })),
  chartZoom: chartRequest("the chart's zoom()", (c, { x0, x1 }) => {
    c.zoom(x0, x1);
    return withScene(c);
  }),
  chartReset: chartRequest("the chart's reset()", (c) => {
    c.reset();
    return withScene(c);
  }),
  chartSetOptions: chartRequest("the chart's setOptions()", (c, { options }) => {
    c.setOptions(options);
    return withScene(c);
  }),
  chartToData: chartRequest("the chart's toData()", (c, { px, py }) => ({ result: c.toData(px, py) })),
  chartToPixels: chartRequest("the chart's toPixels()", (c, { x, y }) => ({ result: c.toPixels(x, y) })),
  chartPlotArea: chartRequest("the chart's plotArea()", (c) => ({ result: c.plotArea() })),
  chartXRange: chartRequest("the chart's xRange()", (c) => ({ result: c.xRange() })),
  chartSvg: chartRequest("the chart's SVG", (c) => ({ result: c.svg() })),
  chartSpec: chartRequest("the chart's spec", (c) => ({ result: c.spec() })),
  chartFree: {
    what: "the chart's free()",
    answer: (state, args) => {
      const c = chartOf(state, args.id);
      state.charts.delete(args.id);
      // Freeing calls into the module too.
      state.db.chartGuard().enter("chart", () => c.free());
      return { result: true };
    },
  },
};

/**
 * The entry of request `op`.
 * @param {string} op
 * @returns {Request}
 */
export function request(op) {
  const entry = Object.hasOwn(REQUESTS, op) ? REQUESTS[op] : undefined;
  if (!entry) throw toRunQLError(new Error(`unknown request ${op}`), "internal");
  return entry;
}
