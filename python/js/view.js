// One view of a widget in a notebook cell: status line, load report, SQL box, error,
// result table and chart. Everything untrusted is written with textContent.

import { ChartArea } from "./chart-area.js";
import { renderTable } from "./table.js";

function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

function statusText(model) {
  const status = model.get("status");
  const sent = model.get("sent") ?? {};
  const size = (n) => (n < 1e6 ? `${(n / 1e3).toFixed(1)} kB` : `${(n / 1e6).toFixed(1)} MB`);
  const sentText = sent.files != null ? `${sent.files} file(s), ${size(sent.bytes)} sent` : "";
  if (status === "loading") return `runql: loading… ${sentText}`;
  if (status === "error") return "runql: the data did not load";
  const r = model.get("report") ?? {};
  const rows = r.rows ?? {};
  const parts = [`${rows.runs ?? 0} runs`, `${rows.metrics ?? 0} points`, sentText,
    `${r.skipped ?? 0} skipped`, `${r.warnings ?? 0} warnings`];
  return `runql: ${parts.filter(Boolean).join(" · ")}`;
}

/**
 * Builds the view in `root` and keeps it in sync with the session and the model.
 * @returns {() => void} cleanup
 */
export function mountView(session, model, root) {
  const box = el("div", "runql-widget");
  const status = el("div", "runql-status");
  const details = el("details", "runql-report");
  const reportText = el("pre");
  details.append(el("summary", "", "load report"), reportText);
  const error = el("div", "runql-error");
  const sql = el("textarea", "runql-sql");
  sql.spellcheck = false;
  sql.rows = 3;
  const run = el("button", "runql-run", "Run");
  run.title = "Run the query (Ctrl+Enter / Cmd+Enter)";
  const bar = el("div", "runql-sqlbar");
  bar.append(sql, run);
  const summary = el("div", "runql-summary");
  const table = el("div", "runql-table");
  const chartBox = el("div", "runql-chart");
  box.append(status, details, bar, error, summary, table, chartBox);
  root.appendChild(box);
  const chart = new ChartArea(session, chartBox);

  const showStatus = () => {
    status.textContent = statusText(model);
    reportText.textContent = model.get("report")?.text ?? "";
    details.hidden = !reportText.textContent;
  };
  const showError = () => {
    const e = model.get("error") ?? {};
    error.textContent = e.message ? `${e.stage} error (${e.kind}): ${e.message}` : "";
    error.hidden = !e.message;
  };
  const showResult = () => {
    const r = session.result;
    if (r) summary.textContent = renderTable(table, r);
    else {
      table.replaceChildren();
      summary.textContent = "";
    }
  };
  const showSql = () => {
    if (sql.value !== model.get("sql")) sql.value = model.get("sql") ?? "";
  };
  const submit = () => {
    if (model.get("sql") === sql.value) session.runQuery();
    else {
      model.set("sql", sql.value);
      model.save_changes();
    }
  };
  run.addEventListener("click", submit);
  sql.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      // Keep the notebook from running the cell too.
      e.stopPropagation();
      submit();
    }
  });

  const draw = () => chart.draw();
  // One table of listeners, so the cleanup below removes exactly what was added.
  const sessionListeners = [["status", showStatus], ["result", showResult], ["loaded", draw]];
  const modelListeners = [
    ["change:chart", draw], ["change:report", showStatus], ["change:sent", showStatus],
    ["change:status", showStatus], ["change:error", showError], ["change:sql", showSql],
  ];
  for (const [event, fn] of sessionListeners) session.addEventListener(event, fn);
  for (const [event, fn] of modelListeners) model.on(event, fn);
  showStatus();
  showError();
  showSql();
  showResult();
  // The element is laid out only once the output is attached; draw then, for its width.
  requestAnimationFrame(() => { if (session.db) chart.draw(); });

  return () => {
    for (const [event, fn] of sessionListeners) session.removeEventListener(event, fn);
    for (const [event, fn] of modelListeners) model.off(event, fn);
    chart.free();
  };
}
