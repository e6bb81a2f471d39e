// The Web Worker behind RunQLWorker: owns one runql instance and answers messages
// {id, op, args} with {id, result} or {id, error: {kind, message, fatal?, cause?}}, each as
// its entry of the request table (requests.js) says. `fatal` says the query module trapped
// (`cause` is the trap's message): the instance is unusable, and the page's RunQLWorker
// replaces this worker by a new one.

import { RunQL } from "./index.js";
import { toRunQLError } from "./errors.js";
import { request } from "./requests.js";

/** @type {import("./requests.js").WorkerState} */
const state = { db: null, charts: new Map(), nextChart: 1 };

self.onmessage = async ({ data }) => {
  const { id, op, args } = data;
  try {
    const entry = request(op);
    if (op !== "init" && !state.db) throw toRunQLError(new Error("runql worker is not initialized"), "internal");
    const progress = (/** @type {object} */ p) => self.postMessage({ id, progress: p });
    const { result, transfer = [] } = await entry.answer(state, args, { RunQL, progress });
    self.postMessage({ id, result }, transfer);
  } catch (e) {
    const err = toRunQLError(e);
    const crash = state.db?.crash;
    const error = { kind: err.kind, message: err.message };
    if (crash) Object.assign(error, { fatal: true, cause: String(crash.message ?? crash) });
    self.postMessage({ id, error });
  }
};
