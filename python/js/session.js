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

/**
 * When a result the kernel has not acknowledged is sent again (ms after the previous try).
 * A comm message can be lost (e.g. when the notebook re-connects to its kernel), and one
 * sent while a cell runs is acknowledged only after the cell ends, so the delays grow.
 */
const RESEND_AFTER_MS = [1000, 2000, 4000, 8000, 15000, 30000, 60000];

/**
 * The `error` trait of a failure: `kind` is the package's (`ERROR_KINDS`: sql, limit,
 * cancelled, internal, ...), or this widget's own `size` (a result too large to send).
 */
function errorInfo(e, stage) {
  return { stage, kind: e?.kind ?? "internal", message: String(e?.message ?? e) };
}

/**
 * The error trait of a query or chart that crashed the query module (the session restarts;
 * the package's own message would tell the caller to restart it).
 */
function crashInfo(stage) {
  const what = stage === "chart" ? "chart" : "query";
  return {
    stage, kind: "internal",
    message: `this ${what} crashed runql's WebAssembly module; the widget started a fresh one and loaded the ` +
      `data again, and does not run the ${what} again by itself (change it, or run it again to retry)`,
  };
}

/** The load report as the `report` trait holds it (plain JSON, issues capped). */
function reportTrait(report) {
  const issues = report.issues ?? [];
  return {
    formats: report.formats, files_read: report.files_read, bytes_read: report.bytes_read,
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

  /** The result on its way to the kernel: {id, content, buffers, tries, timer} or null. */
  #unacknowledged = null;
  #results = 0;
  /** Tells this session's results apart from another page's (both can answer one model). */
  #origin = Math.random().toString(36).slice(2, 10);

  constructor(model) {
    super();
    this.model = model;
    this.queryRun = 0;
    this.ready = this.#start();
    this.onSql = () => this.runQuery();
    this.onMessage = (content) => {
      if (content?.type === "result_ack" && content.id === this.#unacknowledged?.id) this.#stopResending();
    };
    model.on("change:sql", this.onSql);
    model.on("msg:custom", this.onMessage);
  }

  #set(values) {
    for (const [k, v] of Object.entries(values)) this.model.set(k, v);
    this.model.save_changes();
  }

  #emit(type) {
    this.dispatchEvent(new Event(type));
  }

  /**
   * Starts runql and loads the kernel's data. After a crash (`restart`) the error that says
   * so stays, the query is not run again, and the chart is drawn again only when it was not
   * the chart that crashed.
   */
  async #start(restart = null) {
    try {
      this.#set(restart ? { status: "loading" } : { status: "loading", error: {} });
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
      if (restart !== "chart") this.#emit("loaded");
      if (!restart) await this.runQuery();
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
    const db = this.db;
    try {
      result = await db.query(sql);
    } catch (e) {
      // A crashed instance is replaced even when a newer query has been asked for meanwhile.
      if (db.crashed) this.#restart(db, "sql");
      if (run !== this.queryRun) return;
      this.result = null;
      const info = db.crashed ? crashInfo("sql") : errorInfo(e, "sql");
      this.#set({ error: info });
      this.model.send({ type: "result_error", sql, ...info });
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
      this.#sendResult({ type: "result", sql, rows: numRows, columns: columns.map((c) => c.name) }, [ipc]);
    }
    this.#emit("result");
  }

  /**
   * Sends a result to the kernel and again, with growing delays, until the kernel
   * acknowledges it. A newer result replaces one still unacknowledged (the kernel keeps
   * only the answer to its current `sql`).
   */
  #sendResult(content, buffers) {
    this.#stopResending();
    const pending = { id: `${this.#origin}-${++this.#results}`, tries: 0, timer: 0 };
    const attempt = () => {
      try {
        this.model.send({ ...content, id: pending.id }, undefined, buffers);
      } catch {
        // The comm is closed (the kernel restarted or the widget was closed): nobody to tell.
        this.#stopResending();
        return;
      }
      const delay = RESEND_AFTER_MS[pending.tries++];
      if (delay === undefined) this.#stopResending();
      else pending.timer = setTimeout(attempt, delay);
    };
    this.#unacknowledged = pending;
    attempt();
  }

  #stopResending() {
    if (this.#unacknowledged) clearTimeout(this.#unacknowledged.timer);
    this.#unacknowledged = null;
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

  /**
   * The query module crashed (a trap: every call of `db` fails from now on): a fresh runql
   * instance takes over, with the data fetched from the kernel again.
   */
  #restart(db, stage) {
    if (this.db !== db) return;
    this.db = null;
    db.close();
    this.ready = this.#start(stage);
  }

  /** Reports a chart error from a view; null clears it. */
  chartError(e) {
    const db = this.db;
    if (!e) this.clearError("chart");
    else if (db?.crashed) {
      this.#set({ error: crashInfo("chart") });
      this.#restart(db, "chart");
    } else this.#set({ error: errorInfo(e, "chart") });
  }

  /** Clears the `error` trait when it holds an error of one of these stages. */
  clearError(...stages) {
    if (stages.includes(this.model.get("error")?.stage)) this.#set({ error: {} });
  }

  close() {
    this.#stopResending();
    this.model.off("change:sql", this.onSql);
    this.model.off("msg:custom", this.onMessage);
    this.db?.close();
    this.db = null;
  }
}
