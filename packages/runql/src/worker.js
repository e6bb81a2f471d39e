// The Web Worker behind RunQLWorker: owns one runql instance and answers messages
// {id, op, args} with {id, result} or {id, error: {kind, message}}.

import { RunQL, initModule } from "./index.js";
import { toRunQLError } from "./errors.js";
import { columnTransferables } from "./result.js";

let db = null;

async function handle(id, op, args) {
  if (op === "init") {
    await initModule(args.wasm);
    db = await RunQL.init({ keepInputs: args.keepInputs });
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
    default:
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
    self.postMessage({ id, error: { kind: err.kind, message: err.message } });
  }
};
