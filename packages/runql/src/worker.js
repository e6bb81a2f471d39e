// The Web Worker behind RunQLWorker: owns one runql instance and answers messages
// {id, op, args} with {id, result} or {id, error: {kind, message, fatal?, cause?}}. `fatal`
// says the query module trapped (`cause` is the trap's message): the instance is unusable,
// and the page's RunQLWorker replaces this worker by a new one.

import { RunQL } from "./index.js";
import { toRunQLError } from "./errors.js";
import { columnTransferables } from "./result.js";
import { sceneTransferables } from "./chart.js";

let db = null;
// Charts built in this worker, by id: pick / zoom / reset need the full-resolution data.
const charts = new Map();
let nextChart = 1;

function chart(id) {
  const c = charts.get(id);
  if (!c) throw toRunQLError(new Error(`no chart ${id} (it was freed)`), "input");
  return c;
}

/**
 * The chart's scene as an answer (its arrays transferred). It calls into the module, so its
 * callers run it inside `db.chartGuard().enter` (entered once, by them).
 */
function withScene(c) {
  const scene = c.scene();
  return { result: scene, transfer: sceneTransferables(scene) };
}

function chartOp(op, args) {
  const c = chart(args.id);
  // A trap inside a chart call ends the instance like one inside a query (see modules.js);
  // every call into the module below, withScene's too, runs inside this one entry.
  return db.chartGuard().enter("chart", () => {
    switch (op) {
      case "chartScene":
        return withScene(c);
      case "chartPick":
        return { result: c.pick(args.x, args.y) };
      case "chartZoom":
        c.zoom(args.x0, args.x1);
        return withScene(c);
      case "chartReset":
        c.reset();
        return withScene(c);
      case "chartSetOptions":
        c.setOptions(args.options);
        return withScene(c);
      case "chartToData":
        return { result: c.toData(args.px, args.py) };
      case "chartToPixels":
        return { result: c.toPixels(args.x, args.y) };
      case "chartPlotArea":
        return { result: c.plotArea() };
      case "chartXRange":
        return { result: c.xRange() };
      case "chartSvg":
        return { result: c.svg() };
      case "chartSpec":
        return { result: c.spec() };
      case "chartFree":
        charts.delete(args.id);
        c.free();
        return { result: true };
      default:
        throw new Error(`unknown request ${op}`);
    }
  });
}

async function handle(id, op, args) {
  if (op === "init") {
    const { wasm, loaderWasm, keepInputs, prefetchLoader } = args;
    db = await RunQL.init({ wasm, loaderWasm, keepInputs, prefetchLoader });
    return { result: true };
  }
  if (!db) throw toRunQLError(new Error("runql worker is not initialized"), "internal");
  switch (op) {
    case "load": {
      // Functions cannot cross postMessage: progress goes back as messages of this request.
      const { progress, ...options } = args.options;
      if (progress) options.onProgress = (p) => self.postMessage({ id, progress: p });
      return { result: await db.loadDescribed(args.descriptors, options) };
    }
    case "prefetchLoader":
      await db.prefetchLoader();
      return { result: true };
    case "loadDemo":
      return { result: await db.loadDemo(args.spec) };
    case "query": {
      const r = await db.query(args.sql, args.params);
      try {
        const data = r.columnData();
        const ipc = r.toArrow();
        const result = { columns: r.columns, numRows: r.numRows, data, ipc };
        return { result, transfer: [...columnTransferables(data), ipc.buffer] };
      } finally {
        r.free();
      }
    }
    case "tables":
      return { result: await db.tables() };
    case "schema":
      return { result: await db.schema(args.table) };
    case "report":
      return { result: await db.report() };
    case "chartCreate": {
      const c = db.chartHandle(args.spec);
      let scene;
      try {
        scene = db.chartGuard().enter("chart", () => withScene(c));
      } catch (e) {
        // The page gets no id for it: nothing would ever free it. (After a trap the
        // instance is not called again, see the svg case.)
        if (!db.crash) c.free();
        throw e;
      }
      const id = nextChart++;
      charts.set(id, c);
      return { result: { id, scene: scene.result }, transfer: scene.transfer };
    }
    case "svg": {
      const c = db.chartHandle(args.spec);
      try {
        return { result: db.chartGuard().enter("chart", () => c.svg()) };
      } finally {
        if (!db.crash) c.free();
      }
    }
    default:
      if (op.startsWith("chart")) return chartOp(op, args);
      throw toRunQLError(new Error(`unknown request ${op}`), "internal");
  }
}

self.onmessage = async ({ data }) => {
  const { id, op, args } = data;
  try {
    const { result, transfer = [] } = await handle(id, op, args);
    self.postMessage({ id, result }, transfer);
  } catch (e) {
    const err = toRunQLError(e);
    const crash = db?.crash;
    const error = { kind: err.kind, message: err.message };
    if (crash) Object.assign(error, { fatal: true, cause: String(crash.message ?? crash) });
    self.postMessage({ id, error });
  }
};
