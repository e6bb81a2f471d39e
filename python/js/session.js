// One runql instance per widget model: loads the data the kernel sends, runs the model's SQL
// and sends each result back as Arrow IPC. Views (render) subscribe to its events.

import { RunQL } from "../../packages/runql/src/index.js";
import { SHOWN_ROWS } from "./table.js";
import { bytesOf, request } from "./transport.js";
import { ensureWasm } from "./wasm.js";

/** Results up to this many rows are turned into row objects for the table as they are. */
const MATERIALIZED_ROWS = 10_000;

/** How many issues of the load report are synced to the kernel (the text has them all). */
const REPORT_ISSUES = 200;

function errorInfo(e, stage) {
  return { stage, kind: e?.kind ?? "internal", message: String(e?.message ?? e) };
}

/** The load report as the `report` trait holds it (plain JSON, issues capped). */
function reportTrait(report) {
  const issues = report.issues ?? [];
  return {
    formats: report.formats, files_read: report.filesRead, bytes_read: report.bytesRead,
    rows: report.rows, ignored: report.ignored, skipped: report.skipped,
    warnings: report.warnings, issues: issues.slice(0, REPORT_ISSUES),
    issues_total: issues.length, text: report.text,
  };
}

export class Session extends EventTarget {
  /** @type {import("../../packages/runql/index.d.ts").RunQL | null} */
  db = null;
  /** The last query result ({sql, columns, rows, numRows}) or null. */
  result = null;
  ready;

  constructor(model) {
    super();
    this.model = model;
    this.queryRun = 0;
    this.ready = this.#start();
    this.onSql = () => this.runQuery();
    model.on("change:sql", this.onSql);
  }

  #set(values) {
    for (const [k, v] of Object.entries(values)) this.model.set(k, v);
    this.model.save_changes();
  }

  #emit(type) {
    this.dispatchEvent(new Event(type));
  }

  async #start() {
    try {
      this.#set({ status: "loading", error: {} });
      this.#emit("status");
      await ensureWasm(this.model);
      const db = await RunQL.init({ keepInputs: false });
      const items = [];
      await request(this.model, { type: "fetch", what: "data" }, ["data", "data_error"],
        (content, buffers) => {
          content.paths.forEach((path, i) => items.push({ path, data: bytesOf(buffers[i]) }));
        }, (content) => content.last);
      const report = await db.load(items);
      this.db = db;
      this.#set({ status: "ready", report: reportTrait(report) });
      this.#emit("status");
      this.#emit("loaded");
      await this.runQuery();
    } catch (e) {
      this.#set({ status: "error", error: errorInfo(e, "load") });
      this.#emit("status");
    }
  }

  /** Runs the model's SQL; the result goes to the views and back to the kernel. */
  async runQuery() {
    if (!this.db) return;
    const sql = this.model.get("sql") ?? "";
    const run = ++this.queryRun;
    if (!sql.trim()) {
      this.result = null;
      this.#emit("result");
      return;
    }
    let result;
    try {
      result = await this.db.query(sql);
    } catch (e) {
      if (run !== this.queryRun) return;
      this.result = null;
      this.#set({ error: errorInfo(e, "sql") });
      this.model.send({ type: "result_error", sql, ...errorInfo(e, "sql") });
      this.#emit("result");
      return;
    }
    if (run !== this.queryRun) return result.free();
    const ipc = result.toArrow();
    const columns = result.columns;
    const numRows = result.numRows;
    const rows = await this.#shownRows(result, sql);
    result.free();
    if (run !== this.queryRun) return;
    this.result = { sql, columns, rows, numRows };
    const limit = this.model.get("max_result_bytes");
    if (ipc.byteLength > limit) {
      const message = `the result is ${ipc.byteLength} bytes of Arrow IPC, more than max_result_bytes ` +
        `(${limit}); it is shown here but not sent to Python: add a LIMIT or raise max_result_bytes`;
      this.#set({ error: { stage: "result", kind: "size", message } });
      this.model.send({ type: "result_error", sql, stage: "result", kind: "size", message });
    } else {
      this.clearError("sql", "result");
      this.model.send({ type: "result", sql, rows: numRows, columns: columns.map((c) => c.name) },
        undefined, [ipc]);
    }
    this.#emit("result");
  }

  /**
   * The rows the table shows. A large result is not turned into millions of JS objects:
   * its first rows come from the same query with a LIMIT (the kernel gets the whole result,
   * up to max_result_bytes).
   */
  async #shownRows(result, sql) {
    if (result.numRows <= MATERIALIZED_ROWS) return result.toArray();
    try {
      // The newline ends a trailing `-- comment` of the user's SQL.
      const head = await this.db.query(`SELECT * FROM (${sql.trim().replace(/;+$/, "")}\n) AS q LIMIT ${SHOWN_ROWS}`);
      const rows = head.toArray();
      head.free();
      return rows;
    } catch {
      return [];
    }
  }

  /** Reports a chart error from a view; null clears it. */
  chartError(e) {
    if (e) this.#set({ error: errorInfo(e, "chart") });
    else this.clearError("chart");
  }

  /** Clears the `error` trait when it holds an error of one of these stages. */
  clearError(...stages) {
    if (stages.includes(this.model.get("error")?.stage)) this.#set({ error: {} });
  }

  close() {
    this.model.off("change:sql", this.onSql);
    this.db?.close();
    this.db = null;
  }
}
