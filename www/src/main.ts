// The runql portal: load runs (drop, pick, ?data= URLs, demo), filter and select them in
// the runs table, query them with SQL, chart and compare them. Everything runs in this page
// and its runql worker; the state lives in the URL.

import "./style.css";
import type { LiveChangeInfo, LoadReport, RestartInfo } from "runql";
import { ChartPanel } from "./charts";
import { renderCompare } from "./compare";
import { type Db, errorKind, rows, startDb } from "./db";
import { byId, debounce, download, el, formatValue, toCSV } from "./dom";
import { SqlEditor, type SqlSchema } from "./editor";
import { EXAMPLES } from "./examples";
import { guardQuestion, lastRun, markDone, markRunning } from "./guard";
import { LiveView } from "./live";
import { dataUrls, droppedFiles, nativeReport, pickedFiles } from "./load";
import { type Row, RunsTable } from "./runs-table";
import { ident, runIdsCondition, runsCondition } from "./sql";
import { readState, saveState, type Tab } from "./state";

const state = readState(location.search);
const save = debounce(() => saveState(state), 150);
const changed = () => save();

// ---- status, errors, theme ------------------------------------------------------------

function status(text: string): void {
  byId("status").textContent = text;
}

function showError(message: string | null, where = "error"): void {
  const box = byId(where);
  box.textContent = message ?? "";
  box.hidden = !message;
}

const storedTheme = localStorage.getItem("runql-theme");
let theme: "light" | "dark" =
  storedTheme === "dark" || storedTheme === "light" ? storedTheme : matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
function applyTheme(): void {
  document.documentElement.dataset.theme = theme;
  byId("theme").setAttribute("aria-pressed", String(theme === "dark"));
}
applyTheme();

// ---- the pieces -----------------------------------------------------------------------

// A URL naming data or the demo loads at once: the loader module (the readers) is fetched
// together with the query module then. Otherwise it is fetched once the page is up, while
// the user looks at it, so the first load does not wait for it. A failure here is reported
// by the load that needs the module.
const db: Db = await startDb(state.data.length > 0 || state.demo || Boolean(state.live), (info) => restarted(info));
db.prefetchLoader().catch(() => undefined);
let totalRuns = 0;
let wideColumns: string[] = [];

const table = new RunsTable(byId("table"), {
  onSelect(ids) {
    state.sel = ids;
    changed();
    selectionChanged();
  },
  onSort(sort) {
    state.sort = sort;
    changed();
    table.update(table.rows, visibleColumns(), sort, state.sel);
    if (!state.sel.length) void charts.draw();
  },
});

const MAX_CURVES = 200;
const charts = new ChartPanel(
  {
    db,
    state,
    filter: () => runsCondition(state.where, state.tags),
    curveRuns() {
      if (state.sel.length) {
        const ids = state.sel.slice(0, MAX_CURVES);
        const more = state.sel.length > MAX_CURVES ? ` (the first ${MAX_CURVES} of ${state.sel.length})` : "";
        return { condition: runIdsCondition(ids), note: `Curves of the ${ids.length} selected runs${more}.` };
      }
      const ids = table.rows.slice(0, 20).map((r) => r.run_id);
      return {
        condition: runIdsCondition(ids),
        note: `Curves of the first ${ids.length} runs of the table, in its order; select runs to choose others.`,
      };
    },
    theme: () => theme,
    changed,
    error: (m) => showError(m),
  },
  {
    canvas: byId<HTMLCanvasElement>("chart"),
    tip: byId("tip"),
    band: byId("zoom-band"),
    note: byId("c-note"),
    controls: {
      kind: byId<HTMLSelectElement>("c-kind"),
      metric: byId<HTMLSelectElement>("c-metric"),
      smooth: byId<HTMLInputElement>("c-smooth"),
      smoothValue: byId<HTMLOutputElement>("c-smooth-value"),
      x: byId<HTMLSelectElement>("c-x"),
      log: byId<HTMLInputElement>("c-log"),
      group: byId<HTMLSelectElement>("c-group"),
      bandKind: byId<HTMLSelectElement>("c-band"),
      sx: byId<HTMLSelectElement>("c-sx"),
    },
  },
);

const editor = new SqlEditor(
  byId("editor"),
  state.sql || (EXAMPLES[0]?.sql ?? ""),
  () => void runSql(),
  (text) => {
    state.sql = text;
    changed();
  },
);

// Tests and the benchmark read the live objects from here.
const portal = { db, state, table, charts, editor, timings: {} as Record<string, number> };
(window as unknown as { runqlPortal: typeof portal }).runqlPortal = portal;

// ---- the load report ------------------------------------------------------------------

function showReport(report: LoadReport): void {
  const r = report.rows;
  const skipped = report.skipped ? `, ${report.skipped} skipped` : "";
  const warnings = report.warnings ? `, ${report.warnings} warnings` : "";
  status(
    `Loaded ${r.runs.toLocaleString()} runs, ${r.metrics.toLocaleString()} metric points, ` +
      `${r.params.toLocaleString()} params, ${r.tags.toLocaleString()} tags${skipped}${warnings}.`,
  );
  const details = byId<HTMLDetailsElement>("report");
  details.hidden = false;
  byId("report-summary").textContent =
    `Load report: ${report.files_read.toLocaleString()} files, ${(report.bytes_read / 1e6).toFixed(1)} MB${skipped}${warnings}`;
  const counts = el(
    "table",
    { class: "grid compact", "aria-label": "Rows loaded" },
    el("tbody", {}, ...Object.entries(r).map(([k, v]) => el("tr", {}, el("th", { scope: "row" }, k), el("td", { class: "num" }, v.toLocaleString())))),
  );
  const formats = Object.entries(report.formats).map(([k, v]) => `${k}: ${v}`).join(", ");
  const ignored = Object.entries(report.ignored).map(([k, v]) => `${k}: ${v}`).join(", ");
  const issues = report.issues.map((i) =>
    el(
      "li",
      { class: i.severity },
      el("span", { class: "badge" }, i.severity),
      " ",
      el("code", {}, `${i.path}${i.line != null ? `:${i.line}` : ""}${i.offset != null ? ` @${i.offset}` : ""}`),
      ` — ${i.reason}`,
    ),
  );
  byId("report-body").replaceChildren(
    el(
      "div",
      {},
      counts,
      el("p", {}, `Formats: ${formats || "none"}`),
      ignored && el("p", {}, `Counted, not tabulated: ${ignored}`),
      issues.length ? el("ul", { class: "issues" }, ...issues) : el("p", {}, "Nothing was skipped."),
    ),
  );
  if (report.skipped) details.open = true;
}

// ---- loading ----------------------------------------------------------------------------

let loading = false;

async function load(what: "demo" | { inputs: unknown; urls?: string[]; report?: string }): Promise<void> {
  if (loading) return;
  loading = true;
  // Other runs replace the watched source's: it is not followed any more (stopped first, so
  // that none of its changes lands on the new tables).
  live.stop();
  document.body.dataset.busy = "1";
  showError(null);
  const started = performance.now();
  try {
    status("Loading…");
    const report =
      what === "demo"
        ? await db.loadDemo()
        : await db.load(what.inputs as never, {
            onProgress: (p) =>
              status(
                p.phase === "read"
                  ? `Reading ${p.filesDone}/${p.filesTotal} files (${(p.bytesDone / 1e6).toFixed(1)} MB)…`
                  : `Parsing ${p.filesDone}/${p.filesTotal} files…`,
              ),
          });
    state.demo = what === "demo";
    state.live = "";
    state.data = what === "demo" ? [] : (what.urls ?? []);
    // A native load's report (runql serve) says what the original files held.
    const served = what !== "demo" && what.report ? await nativeReport(what.report) : null;
    state.report = served ? (what as { report: string }).report : "";
    showReport(served ?? report);
    await afterLoad();
    portal.timings.load = performance.now() - started;
  } catch (e) {
    // The previous tables stay loaded; the page keeps working.
    showError(`Could not load: ${(e as Error).message}`);
    status(totalRuns ? "The previous runs are still loaded." : "Nothing loaded.");
  } finally {
    loading = false;
    delete document.body.dataset.busy;
    changed();
  }
}

// ---- live: a watched source (runql serve --watch) ---------------------------------------

/** Shows a change of the watched source: the report, the tables and the chart again. */
async function showChange(info: LiveChangeInfo): Promise<void> {
  const drawing = performance.now();
  const report = await nativeReport(info.report);
  if (report) showReport(report);
  await afterLoad(info.kind === "load");
  // Fetching and applying the change, then showing it (benchmarks read these).
  portal.timings.liveApply = info.ms;
  portal.timings.liveShow = performance.now() - drawing;
}

const live = new LiveView(showChange, (message) => showError(message));

/** Loads a watched source and follows its changes until the page closes. */
async function follow(statusUrl: string): Promise<void> {
  loading = true;
  document.body.dataset.busy = "1";
  showError(null);
  status("Loading…");
  const started = performance.now();
  try {
    await live.follow(db, statusUrl, (p) =>
      status(p.phase === "read" ? `Reading the tables (${(p.bytesDone / 1e6).toFixed(1)} MB)…` : "Parsing the tables…"),
    );
    portal.timings.load = performance.now() - started;
  } catch (e) {
    showError(`Could not follow ${statusUrl}: ${(e as Error).message}`);
    status("Nothing loaded.");
  } finally {
    loading = false;
    delete document.body.dataset.busy;
    changed();
  }
}

/** Loads `?data=` URLs; `report` is a native load report to show (from runql serve). */
function loadUrls(values: string[], report = ""): Promise<void> {
  const urls = dataUrls(values);
  if (!urls.length) {
    showError(`Not a data URL: ${values.join(", ")}`);
    return Promise.resolve();
  }
  return load({ inputs: urls, urls: values, report: report || undefined });
}

/**
 * After a load: columns, tags, metrics, completion, then the table and the views; and the
 * SQL tab's query, unless `runQuery` is false.
 */
async function afterLoad(runQuery = true): Promise<void> {
  const schema = await db.schema("runs_wide");
  wideColumns = schema.map((c) => c.name);
  totalRuns = Number((await rows<{ n: number | bigint }>(db, "SELECT count(*) AS n FROM runs"))[0]?.n ?? 0);
  const known = new Set(wideColumns);
  if (state.cols) state.cols = state.cols.filter((c) => known.has(c));
  const ids = new Set((await rows<{ run_id: string }>(db, "SELECT run_id FROM runs")).map((r) => r.run_id));
  state.sel = state.sel.filter((id) => ids.has(id));
  renderColumnChooser();
  await renderChips();
  const metrics = (await rows<{ key: string }>(db, "SELECT DISTINCT key FROM metric_summary ORDER BY key")).map((r) => r.key);
  charts.setChoices(metrics, wideColumns.filter((c) => c.startsWith("params.")));
  await updateCompletion();
  await showTab(state.tab, false);
  await refreshTable();
  if (state.tab === "compare") await renderCompare(db, state.sel, byId("compare"));
  if (runQuery && state.tab === "sql" && state.sql) await autoRunSql();
}

/** "1 load", "3 loads". */
const loadsText = (n: number) => `${n} ${n === 1 ? "load" : "loads"}`;

/**
 * What the page says when only some loads came back after a restart: the package replays
 * them in order and stops at the first that fails, so the first `restoredLoads` are in
 * place and the others are not.
 */
function partialRestoreText(info: RestartInfo, why: string): string {
  const lost = info.totalLoads - info.restoredLoads;
  const one = lost === 1;
  return (
    `runql's engine was restarted (${why}) and loaded the first ${loadsText(info.restoredLoads)} of ${info.totalLoads} again, ` +
    `but not the last ${one ? "one" : lost} (${info.error?.message ?? "unknown error"}): ${one ? "its" : "their"} runs are missing. ` +
    `Load ${one ? "it" : "them"} again.`
  );
}

/**
 * runql's worker was replaced — a query was cancelled or ran out of time, or the engine
 * crashed — and the new one has loaded the data again (the package replays the loads: the
 * URLs, files or demo the page loaded). Charts drawn by the old worker are gone, and calls
 * that were running in it failed: the views are drawn again. When only some of the loads
 * came back, the tables changed: everything read from them is read again.
 */
function restarted(info: RestartInfo): void {
  const why = { cancelled: "a query was cancelled", timeout: "a query ran out of time", crashed: "it crashed" }[info.reason];
  if (info.restored) {
    // Nothing was loaded before: there is nothing to show again.
    if (!info.totalLoads) return;
    if (totalRuns) status(`runql's engine was restarted (${why}); the data was loaded again.`);
    void refreshTable();
    if (state.tab === "compare") renderCompare(db, state.sel, byId("compare")).catch((e) => showError(`Compare: ${(e as Error).message}`));
    return;
  }
  if (info.restoredLoads > 0) {
    status(`runql's engine was restarted (${why}); some of the data was loaded again.`);
    showError(partialRestoreText(info, why));
    afterLoad(false).catch((e) => showError(`${partialRestoreText(info, why)} Reading the tables failed too: ${(e as Error).message}`));
    return;
  }
  totalRuns = 0;
  table.update([], [], state.sort, []);
  byId("run-count").textContent = "";
  byId("table").dataset.rows = "0";
  status("Nothing loaded.");
  showError(`runql's engine was restarted (${why}) but could not load the data again: ${info.error?.message ?? "unknown error"}. Load it again.`);
}

async function updateCompletion(): Promise<void> {
  const schema: SqlSchema = {};
  for (const t of await db.tables()) {
    schema[t] = (await db.schema(t)).map((c) =>
      /^[a-z_][a-z0-9_]*$/.test(c.name) ? c.name : { label: ident(c.name), type: "property", detail: c.type },
    );
  }
  editor.setSchema(schema);
}

// ---- the runs table: columns, chips, filter ------------------------------------------

function defaultColumns(): string[] {
  const params = wideColumns.filter((c) => c.startsWith("params.")).slice(0, 6);
  const preferred = ["metrics.val/loss", "metrics.val/accuracy", "metrics.train/loss"];
  const metricCols = wideColumns.filter((c) => c.startsWith("metrics."));
  const metrics = [...preferred.filter((c) => metricCols.includes(c)), ...metricCols.filter((c) => !preferred.includes(c))].slice(0, 3);
  return ["status", ...params, ...metrics].filter((c) => wideColumns.includes(c));
}

function visibleColumns(): string[] {
  return (state.cols ?? defaultColumns()).filter((c) => c !== "name" && c !== "run_id");
}

function renderColumnChooser(): void {
  const shown = new Set(visibleColumns());
  const groups: [string, (c: string) => boolean][] = [
    ["run", (c) => !/^(params|metrics|tags)\./.test(c)],
    ["params", (c) => c.startsWith("params.")],
    ["metrics", (c) => c.startsWith("metrics.")],
    ["tags", (c) => c.startsWith("tags.")],
  ];
  const sets = groups.map(([title, test]) => {
    const cols = wideColumns.filter((c) => test(c) && c !== "name" && c !== "run_id");
    if (!cols.length) return null;
    return el(
      "fieldset",
      {},
      el("legend", {}, title),
      ...cols.map((c) => {
        const box = el("input", { type: "checkbox", value: c });
        box.checked = shown.has(c);
        box.addEventListener("change", () => {
          const now = new Set(visibleColumns());
          if (box.checked) now.add(c);
          else now.delete(c);
          state.cols = wideColumns.filter((w) => now.has(w));
          changed();
          void refreshTable();
        });
        return el("label", {}, box, c.replace(/^(params|metrics|tags)\./, ""));
      }),
    );
  });
  byId("column-list").replaceChildren(...sets.filter((s): s is HTMLFieldSetElement => s != null));
}

async function renderChips(): Promise<void> {
  const tags = await rows<{ key: string; value: string | null; n: number | bigint }>(
    db,
    `SELECT key, value, count(*) AS n FROM tags
     WHERE key NOT LIKE 'mlflow.%' AND key NOT LIKE 'runql.%' AND key NOT LIKE 'wandb.%'
     GROUP BY key, value ORDER BY key, value LIMIT 120`,
  );
  const chip = (t: { key: string; value: string | null }) => (t.value == null ? t.key : `${t.key}:${t.value}`);
  const available = new Set(tags.map(chip));
  state.tags = state.tags.filter((t) => available.has(t));
  byId("chips").replaceChildren(
    ...tags.map((t) => {
      const name = chip(t);
      const on = state.tags.includes(name);
      return el(
        "button",
        {
          type: "button",
          class: "chip",
          "aria-pressed": String(on),
          "data-chip": name,
          title: `${Number(t.n)} runs`,
          onclick: (e: Event) => {
            const active = !state.tags.includes(name);
            state.tags = active ? [...state.tags, name] : state.tags.filter((x) => x !== name);
            (e.currentTarget as HTMLElement).setAttribute("aria-pressed", String(active));
            changed();
            void refreshTable();
          },
        },
        name,
        el("span", { class: "n" }, String(t.n)),
      );
    }),
  );
}

let tableGeneration = 0;

/** Re-queries runs_wide with the filters; then the views that depend on the rows. */
async function refreshTable(): Promise<void> {
  const generation = ++tableGeneration;
  const started = performance.now();
  const condition = runsCondition(state.where, state.tags);
  const cols = visibleColumns();
  const sql = `SELECT w.run_id, w.name${cols.map((c) => `, w.${ident(c)}`).join("")} FROM runs_wide w${condition ? ` WHERE ${condition}` : ""}`;
  let data: Row[];
  try {
    data = await rows<Row>(db, sql);
  } catch (e) {
    if (generation === tableGeneration) showError(`WHERE: ${(e as Error).message}`, "where-error");
    return;
  }
  if (generation !== tableGeneration) return;
  showError(null, "where-error");
  table.update(data, cols, state.sort, state.sel);
  portal.timings.filter = performance.now() - started;
  byId("run-count").textContent =
    data.length === totalRuns ? `(${totalRuns.toLocaleString()})` : `(${data.length.toLocaleString()} of ${totalRuns.toLocaleString()})`;
  byId("table").dataset.rows = String(data.length);
  if (state.tab === "charts") await charts.draw();
}

const whereInput = byId<HTMLInputElement>("where");
whereInput.value = state.where;
const applyWhere = (force = false) => {
  if (!force && whereInput.value === state.where) return;
  state.where = whereInput.value;
  changed();
  void refreshTable();
};
byId("where-form").addEventListener("submit", (e) => {
  e.preventDefault();
  applyWhere(true);
});
whereInput.addEventListener("input", debounce(() => applyWhere(), 400));

byId("clear-selection").addEventListener("click", () => {
  state.sel = [];
  table.setSelected([]);
  changed();
  selectionChanged();
});

function selectionChanged(): void {
  if (state.tab === "charts" && state.chart === "curves") void charts.draw();
  if (state.tab === "compare") void renderCompare(db, state.sel, byId("compare"));
}

// ---- tabs -----------------------------------------------------------------------------

const tabs = [...document.querySelectorAll<HTMLButtonElement>("[role=tab]")];
/** Shows a tab; `render` draws its content too (not needed while a load redraws anyway). */
async function showTab(tab: Tab, render = true): Promise<void> {
  state.tab = tab;
  changed();
  for (const t of tabs) {
    const on = t.dataset.tab === tab;
    t.setAttribute("aria-selected", String(on));
    t.tabIndex = on ? 0 : -1;
    byId(`panel-${t.dataset.tab}`).hidden = !on;
  }
  if (!totalRuns || !render) return;
  if (tab === "charts") await charts.draw();
  if (tab === "compare") await renderCompare(db, state.sel, byId("compare"));
}
for (const t of tabs) {
  t.addEventListener("click", () => void showTab(t.dataset.tab as Tab));
  t.addEventListener("keydown", (e) => {
    const i = tabs.indexOf(t);
    const next = e.key === "ArrowRight" ? tabs[(i + 1) % tabs.length] : e.key === "ArrowLeft" ? tabs[(i + tabs.length - 1) % tabs.length] : null;
    if (next) {
      next.focus();
      void showTab(next.dataset.tab as Tab);
    }
  });
}

// ---- SQL ------------------------------------------------------------------------------

let lastResult: { columns: string[]; rows: Record<string, unknown>[] } | null = null;
const MAX_SHOWN = 1000;
/** The query running in the SQL tab (its Cancel button aborts it), or null. */
let running: AbortController | null = null;
/**
 * The latest run of each query text, while it runs: only that run records how the text
 * ended (guard.ts). A run that was replaced by a run of the same text must not overwrite the
 * newer run's "running" mark when it ends.
 */
const latestRun = new Map<string, AbortController>();

const guardBox = byId("sql-guard");
function hideGuard(): void {
  guardBox.hidden = true;
}

/**
 * Runs the editor's query unless it crashed or failed the last time it ran (see guard.ts):
 * then it stays in the editor and the user is asked. For queries the page runs by itself
 * (a link's `?tab=sql&sql=`, after each load).
 */
async function autoRunSql(): Promise<void> {
  const last = lastRun(editor.text);
  if (!last) return runSql();
  byId("sql-guard-text").textContent = guardQuestion(last);
  guardBox.hidden = false;
  byId("sql-info").textContent = "Not run.";
}

/** What the SQL tab says about a failed query. */
function sqlErrorText(e: unknown, byUser: boolean): string {
  const message = (e as Error).message;
  switch (errorKind(e)) {
    case "cancelled":
      return byUser
        ? "Cancelled. runql's engine was restarted to stop the query; the data loaded before is loaded again."
        : `Stopped: ${message}`;
    case "internal":
      return `The query crashed runql's engine: ${message}`;
    case "limit":
      return `Refused: ${message}`;
    default:
      return message;
  }
}

async function runSql(): Promise<void> {
  // A new query replaces one still running.
  running?.abort(new Error("a new query replaced it"));
  const controller = new AbortController();
  running = controller;
  hideGuard();
  const cancel = byId<HTMLButtonElement>("cancel-sql");
  cancel.hidden = false;
  byId("sql-info").textContent = "Running…";
  const text = editor.text;
  const started = performance.now();
  // Marked before it starts, so that a crash of the page leaves the mark (guard.ts).
  markRunning(text);
  latestRun.set(text, controller);
  /** Records how this run ended, unless a newer run of the same text started since. */
  const done = (error: { kind?: string; message: string } | null) => {
    if (latestRun.get(text) !== controller) return;
    latestRun.delete(text);
    markDone(text, error);
  };
  try {
    const result = await db.query(text, [], { signal: controller.signal });
    done(null);
    if (running !== controller) return;
    const data = result.toArray();
    const columns = result.columns.map((c) => c.name);
    lastResult = { columns, rows: data };
    editor.markError(null);
    showError(null, "sql-error");
    const ms = performance.now() - started;
    byId("sql-info").textContent = `${data.length.toLocaleString()} rows in ${ms.toFixed(0)} ms` + (data.length > MAX_SHOWN ? ` (first ${MAX_SHOWN} shown)` : "");
    const head = el("tr", {}, ...columns.map((c) => el("th", { scope: "col" }, c)));
    const body = data.slice(0, MAX_SHOWN).map((r) =>
      el("tr", {}, ...columns.map((c) => el("td", { class: typeof r[c] === "number" ? "num" : "" }, formatValue(r[c])))),
    );
    byId("result").replaceChildren(el("table", { class: "grid", "aria-label": "Query result" }, el("thead", {}, head), el("tbody", {}, ...body)));
  } catch (e) {
    const message = (e as Error).message;
    done({ kind: errorKind(e), message });
    if (running !== controller) return;
    showError(sqlErrorText(e, controller.signal.aborted), "sql-error");
    editor.markError(message);
    byId("sql-info").textContent = "";
  } finally {
    if (running === controller) {
      running = null;
      cancel.hidden = true;
    }
  }
}

byId("cancel-sql").addEventListener("click", () => running?.abort(new Error("cancelled in the portal")));
byId("sql-guard-run").addEventListener("click", () => void runSql());
byId("sql-guard-dismiss").addEventListener("click", () => {
  hideGuard();
  byId("sql-info").textContent = "";
});

const examples = byId<HTMLSelectElement>("examples");
EXAMPLES.forEach((x, i) => examples.append(el("option", { value: String(i) }, x.title)));
examples.addEventListener("change", () => {
  const x = EXAMPLES[Number(examples.value)];
  if (!x) return;
  editor.text = x.sql;
  examples.value = "";
  void runSql();
});
byId("run-sql").addEventListener("click", () => void runSql());
byId("sql-csv").addEventListener("click", () => {
  if (lastResult) download("runql-query.csv", toCSV(lastResult.columns, lastResult.rows), "text/csv");
});

// ---- chart exports, theme, resize -----------------------------------------------------

byId("x-png").addEventListener("click", () => charts.exportPNG());
byId("x-svg").addEventListener("click", () => void charts.exportSVG());
byId("x-csv").addEventListener("click", () => void charts.exportCSV());
byId("theme").addEventListener("click", () => {
  theme = theme === "dark" ? "light" : "dark";
  localStorage.setItem("runql-theme", theme);
  applyTheme();
  void charts.restyle();
});
window.addEventListener("resize", debounce(() => state.tab === "charts" && totalRuns && void charts.draw(), 200));

// ---- loading controls: demo, pickers, URL, drag & drop --------------------------------

byId("demo").addEventListener("click", () => void load("demo"));
for (const id of ["files", "folder"]) {
  const input = byId<HTMLInputElement>(id);
  input.addEventListener("change", () => {
    if (input.files?.length) void load({ inputs: pickedFiles(input.files) });
    input.value = "";
  });
}
byId("url-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const value = byId<HTMLInputElement>("url").value.trim();
  if (value) void loadUrls([value]);
});

const drop = byId("drop");
let dragDepth = 0;
document.addEventListener("dragenter", (e) => {
  if (!e.dataTransfer?.types.includes("Files")) return;
  dragDepth += 1;
  drop.hidden = false;
});
document.addEventListener("dragleave", () => {
  dragDepth = Math.max(0, dragDepth - 1);
  if (!dragDepth) drop.hidden = true;
});
document.addEventListener("dragover", (e) => e.preventDefault());
document.addEventListener("drop", async (e) => {
  e.preventDefault();
  dragDepth = 0;
  drop.hidden = true;
  if (!e.dataTransfer) return;
  const files = await droppedFiles(e.dataTransfer);
  if (files.length) await load({ inputs: files });
});

// ---- start: what the URL says ---------------------------------------------------------

if (state.live) await follow(state.live);
else if (state.data.length) await loadUrls(state.data, state.report);
else if (state.demo) await load("demo");
else await showTab(state.tab, false);
document.body.dataset.ready = "1";
