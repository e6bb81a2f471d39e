// The view's state, kept in the URL so that a link reproduces what is on screen: the data
// loaded, filters, selection, query, tab and chart settings.

export type Tab = "charts" | "sql" | "compare";
export type ChartKind = "curves" | "parallel" | "scatter" | "importance";
export type XAxis = "step" | "time" | "relative";

export interface ViewState {
  /** URLs loaded with `?data=` (may repeat). */
  data: string[];
  /** A load report to show instead of the page's own (`runql serve` loads natively). */
  report: string;
  /** The demo sweep is loaded. */
  demo: boolean;
  /** A watched source followed live (`runql serve --watch`: its `/live/status`). */
  live: string;
  where: string;
  /** Active tag chips, `key:value`. */
  tags: string[];
  /** Extra columns shown in the runs table (null: the defaults). */
  cols: string[] | null;
  /** `column` or `-column` (descending). */
  sort: string;
  /** Selected run ids. */
  sel: string[];
  tab: Tab;
  sql: string;
  chart: ChartKind;
  metric: string;
  smooth: number;
  x: XAxis;
  log: boolean;
  /** A runs_wide column to group curves by ("" for none). */
  group: string;
  band: "min_max" | "stddev" | "stderr";
  /** The zoomed x range of the curves, or null. */
  zoom: [number, number] | null;
  /** The x column of the scatter chart. */
  sx: string;
}

const TABS: Tab[] = ["charts", "sql", "compare"];
const KINDS: ChartKind[] = ["curves", "parallel", "scatter", "importance"];
const XS: XAxis[] = ["step", "time", "relative"];
const BANDS = ["min_max", "stddev", "stderr"] as const;

function oneOf<T extends string>(value: string | null, allowed: readonly T[], fallback: T): T {
  return allowed.includes(value as T) ? (value as T) : fallback;
}

/** The state a URL describes (anything missing or invalid takes its default). */
export function readState(search: string): ViewState {
  const q = new URLSearchParams(search);
  const list = (name: string) => q.getAll(name).filter((v) => v !== "");
  const smooth = Number(q.get("smooth") ?? "0.6");
  const zoom = (q.get("zoom") ?? "").split(",").map(Number);
  return {
    data: list("data"),
    report: q.get("report") ?? "",
    demo: q.get("demo") === "1",
    live: q.get("live") ?? "",
    where: q.get("where") ?? "",
    tags: list("tag"),
    cols: q.has("cols") ? list("cols").flatMap((c) => c.split("|")).filter(Boolean) : null,
    sort: q.get("sort") ?? "",
    sel: (q.get("sel") ?? "").split(",").filter(Boolean),
    tab: oneOf(q.get("tab"), TABS, "charts"),
    sql: q.get("sql") ?? "",
    chart: oneOf(q.get("chart"), KINDS, "curves"),
    metric: q.get("metric") ?? "",
    smooth: Number.isFinite(smooth) ? Math.min(0.99, Math.max(0, smooth)) : 0.6,
    x: oneOf(q.get("x"), XS, "step"),
    log: q.get("log") === "1",
    group: q.get("group") ?? "",
    band: oneOf(q.get("band"), BANDS, "stddev"),
    zoom: zoom.length === 2 && zoom.every(Number.isFinite) && zoom[0] < zoom[1] ? [zoom[0], zoom[1]] : null,
    sx: q.get("sx") ?? "",
  };
}

/** The URL query of a state (defaults left out, to keep links short). */
export function writeState(s: ViewState): string {
  const q = new URLSearchParams();
  for (const d of s.data) q.append("data", d);
  if (s.report) q.set("report", s.report);
  if (s.demo) q.set("demo", "1");
  if (s.live) q.set("live", s.live);
  if (s.where) q.set("where", s.where);
  for (const t of s.tags) q.append("tag", t);
  if (s.cols) q.set("cols", s.cols.join("|"));
  if (s.sort) q.set("sort", s.sort);
  if (s.sel.length) q.set("sel", s.sel.join(","));
  if (s.tab !== "charts") q.set("tab", s.tab);
  if (s.sql) q.set("sql", s.sql);
  if (s.chart !== "curves") q.set("chart", s.chart);
  if (s.metric) q.set("metric", s.metric);
  if (s.smooth !== 0.6) q.set("smooth", String(s.smooth));
  if (s.x !== "step") q.set("x", s.x);
  if (s.log) q.set("log", "1");
  if (s.group) q.set("group", s.group);
  if (s.band !== "stddev") q.set("band", s.band);
  if (s.zoom) q.set("zoom", s.zoom.map((v) => String(Number(v.toPrecision(8)))).join(","));
  if (s.sx) q.set("sx", s.sx);
  return q.toString();
}

/** Replaces the URL with the state's (no history entry per keystroke). */
export function saveState(s: ViewState): void {
  const query = writeState(s);
  const url = `${location.pathname}${query ? `?${query}` : ""}`;
  if (url !== `${location.pathname}${location.search}`) history.replaceState(null, "", url);
}
